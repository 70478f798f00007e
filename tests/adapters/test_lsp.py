"""`macslint lsp` driven over stdio by pygls's own client, as an editor drives it: diagnostics,
inlay hints, hovers and code lenses on saved and unsaved buffers, debounced edits, code broken
mid-typing, and UTF-16 columns. Every count expected comes from PyTorch (parameters counted,
FlopCounterMode's flops / 2), formatted with macslint.units; the hints.py functions are tested
on their own at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import pytest
import torch
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.render import hints
from macslint.adapters.cli import main as cli_main
from macslint.codes import help_url
from macslint.config import Settings
from macslint.engine import check_source
from macslint.adapters.lsp import (AT_ONCE_SECONDS, DEBOUNCE_SECONDS, analyse, answers,
                                   change_delay, target_for)
from macslint.results.traces import ModelTrace
from macslint.units import format_count, format_shape
from tests.helpers import HANG_SECONDS

# `macslint lsp`, started as an editor starts it, with this interpreter.
SERVER = [sys.executable, "-c",
          "import sys; from macslint.adapters.cli import main; sys.exit(main(['lsp']))"]
SEP = " · "
# How long to wait for anything the server publishes: only a server that hangs (or never
# publishes) makes a test wait that long; no test asserts how soon it answers.
DEADLINE = HANG_SECONDS
EVERYWHERE = types.Range(start=types.Position(line=0, character=0),
                         end=types.Position(line=10_000, character=0))

MODEL = textwrap.dedent("""\
    import torch
    from torch import nn

    stem = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)


    class Net(nn.Module):
        def __init__(self, width=32):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, width, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(width, 64, 3, padding=1),
                nn.AdaptiveAvgPool2d(1),
            )
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            return self.head(self.features(x).flatten(1))


    def build(k):
        return nn.Conv2d(3, 8, k)
""")

PYPROJECT = textwrap.dedent("""\
    [tool.macslint]
    input-size = [3, 224, 224]
    max-layer-macs = "100M"
    max-model-params = "10K"

    [tool.macslint.models.Net]
    input-size = [1, 32, 32]
""")


# ---------------------------------------------------------------------------
# PyTorch, the oracle


@dataclass
class TorchCost:
    params: int
    macs: int
    input: Tuple[int, ...]  # per sample
    output: Tuple[int, ...]


def torch_cost(module: nn.Module, *sample: int) -> TorchCost:
    x = torch.zeros(1, *sample)
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    return TorchCost(sum(p.numel() for p in module.parameters()),
                     counter.get_total_flops() // 2, tuple(x.shape[1:]), tuple(y.shape[1:]))


def torch_calls(model: nn.Module, *sample: int) -> Dict[str, TorchCost]:
    """Each leaf module's cost as the model calls it, by its path ("features.0")."""
    shapes: Dict[str, Tuple[Tuple[int, ...], Tuple[int, ...]]] = {}
    hooks = [module.register_forward_hook(
        lambda m, args, out, name=name: shapes.__setitem__(
            name, (tuple(args[0].shape[1:]), tuple(out.shape[1:]))))
        for name, module in model.named_modules() if name and not list(module.children())]
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *sample))
    for hook in hooks:
        hook.remove()
    flops = {key: sum(by_op.values()) for key, by_op in counter.get_flop_counts().items()}
    prefix = type(model).__name__
    return {name: TorchCost(sum(p.numel() for p in model.get_submodule(name).parameters()),
                            flops.get(f"{prefix}.{name}", 0) // 2, *shape)
            for name, shape in shapes.items()}


def torch_model(source: str, name: str) -> nn.Module:
    namespace: Dict[str, Any] = {}
    exec(compile(source, "model.py", "exec", dont_inherit=True), namespace)  # the very code the server reads
    return namespace[name]()


def label(cost: TorchCost, unit: str = "MACs", factor: int = 1) -> str:
    return (f"{format_count(cost.params)} params{SEP}{format_count(cost.macs * factor)} {unit}"
            f"{SEP}{format_shape(cost.input)} -> {format_shape(cost.output)}")


def exact(count: int) -> str:
    """A count as hover tables show it: `118,013,952 (118.0M)`; as is below 1000."""
    return f"{count:,} ({format_count(count)})" if count >= 1000 else str(count)


def stem_cost(out_channels: int = 64) -> TorchCost:
    return torch_cost(nn.Conv2d(3, out_channels, 7, stride=2, padding=3, bias=False), 3, 224, 224)


# ---------------------------------------------------------------------------
# A server and its client


@dataclass
class Session:
    client: LanguageClient
    published: Dict[str, List[types.PublishDiagnosticsParams]] = field(default_factory=dict)
    refreshes: List[str] = field(default_factory=list)  # the server asked to ask again
    stderr: str = ""

    def open(self, path: Path, text: Optional[str] = None, language: str = "python") -> str:
        uri = from_fs_path(str(path))
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1,
                                                 text=path.read_text() if text is None else text)))
        return uri

    def change(self, uri: str, version: int, text: str) -> None:
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    async def diagnostics(self, uri: str, version: int) -> List[types.Diagnostic]:
        """The diagnostics published for `version` of the document."""
        found = await poll(lambda: next((p for p in self.published.get(uri, [])
                                         if p.version == version), None))
        return list(found.diagnostics)

    async def hints(self, uri: str) -> List[Tuple[int, int, str]]:
        result = await self.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=EVERYWHERE))
        return [(h.position.line, h.position.character, h.label) for h in result or []]

    async def hover(self, uri: str, line: int, character: int) -> Optional[types.Hover]:
        return await self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character)))

    async def lenses(self, uri: str) -> List[Tuple[int, str]]:
        result = await self.client.text_document_code_lens_async(types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        return [(lens.range.start.line, lens.command.title) for lens in result or []]


async def poll(find: Callable[[], Any], timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = find()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"the server did not publish it in {timeout} s (a hang)")


async def poll_hints(session: Session, uri: str,
                     done: Callable[[List[Tuple[int, int, str]]], bool],
                     timeout: float = DEADLINE) -> List[Tuple[int, int, str]]:
    """The document's inlay hints, asked again until `done(hints)`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await session.hints(uri)
        if done(found):
            return found
    raise AssertionError(f"the hints did not change in {timeout} s (a hang)")


@contextlib.asynccontextmanager
async def server(cwd: Path, capabilities: Optional[types.ClientCapabilities] = None,
                 ) -> AsyncIterator[Session]:
    session = Session(LanguageClient("macslint-tests", "0"))

    @session.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def collect(params: types.PublishDiagnosticsParams) -> None:
        session.published.setdefault(params.uri, []).append(params)

    for method in (types.WORKSPACE_INLAY_HINT_REFRESH, types.WORKSPACE_CODE_LENS_REFRESH):
        session.client.feature(method)(
            lambda params, method=method: session.refreshes.append(method))

    await session.client.start_io(*SERVER, cwd=str(cwd))
    process = session.client._server  # its stderr: the server's log
    assert process is not None and process.stderr is not None
    log = asyncio.ensure_future(process.stderr.read())
    await session.client.initialize_async(types.InitializeParams(
        capabilities=capabilities or types.ClientCapabilities(), root_uri=from_fs_path(str(cwd))))
    session.client.initialized(types.InitializedParams())
    try:
        yield session
    finally:
        await session.client.shutdown_async(None)
        session.client.exit(None)
        await session.client.stop()
        session.stderr = (await log).decode()
    assert process.returncode == 0, session.stderr
    assert session.stderr == "", session.stderr  # nothing went wrong, nothing was logged


def lsp_range(line: str, number: int, start: str, end: str) -> types.Range:
    """The range from the first `start` on `line` (0-based `number`) to after the first
    `end` following it, in UTF-16 units."""
    first = line.index(start)
    last = line.index(end, first) + len(end)
    return types.Range(
        start=types.Position(line=number, character=hints.client_column(line, first)),
        end=types.Position(line=number, character=hints.client_column(line, last)))


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n")) if needle in line)


def end_of(text: str, needle: str) -> Tuple[int, int]:
    """The 0-based line and UTF-16 character after the first `needle` (a whole call)."""
    number = line_of(text, needle)
    line = text.split("\n")[number]
    return number, hints.client_column(line, line.index(needle) + len(needle))


def check_output(path: Path) -> List[Tuple[int, int, str, str]]:
    """`macslint check` on the file on disk: (line, col, code, message) of each finding."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(["check", "--no-cache", str(path)])
    rows = []
    for row in out.getvalue().splitlines():
        assert row.startswith(f"{path}:"), row
        line, col, rest = row[len(str(path)) + 1:].split(":", 2)
        code, message = rest.strip().split(" ", 1)
        rows.append((int(line), int(col), code, message))
    return rows


# ---------------------------------------------------------------------------
# The server


def test_diagnostics_hints_hover_and_lenses_of_a_project_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    net = torch_model(MODEL, "Net")
    calls = torch_calls(net, 1, 32, 32)
    with FlopCounterMode(display=False) as counter:
        net(torch.zeros(1, 1, 32, 32))
    net_params, net_macs = sum(p.numel() for p in net.parameters()), counter.get_total_flops() // 2
    stem = stem_cost()
    stem_text = "Conv2d(3, 64, 7, stride=2, padding=3, bias=False)"
    lines = MODEL.split("\n")

    async def scenario() -> None:
        async with server(tmp_path) as session:
            uri = session.open(path)
            diagnostics = await session.diagnostics(uri, 1)
            hints_found = await session.hints(uri)
            stem_hover = await session.hover(uri, line_of(MODEL, "stem ="), 12)
            head_hover = await session.hover(uri, line_of(MODEL, "self.head"), 26)
            unresolved_hover = await session.hover(uri, line_of(MODEL, "nn.Conv2d(3, 8, k)"), 20)
            outside = await session.hover(uri, line_of(MODEL, "def forward"), 6)
            lenses = await session.lenses(uri)

            # The example, to the character (label(stem) is made of torch's numbers).
            assert label(stem) == "9.4K params · 118.0M MACs · 3x224x224 -> 64x112x112"
            assert hints_found == [
                (*end_of(MODEL, stem_text), label(stem)),
                (*end_of(MODEL, "nn.Conv2d(1, width, 3, padding=1)"), label(calls["features.0"])),
                (*end_of(MODEL, "nn.ReLU()"), label(calls["features.1"])),
                (*end_of(MODEL, "nn.MaxPool2d(2)"), label(calls["features.2"])),
                (*end_of(MODEL, "nn.Conv2d(width, 64, 3, padding=1)"),
                 label(calls["features.3"])),
                (*end_of(MODEL, "nn.AdaptiveAvgPool2d(1)"), label(calls["features.4"])),
                (*end_of(MODEL, "nn.Linear(64, 10)"), label(calls["head"])),
                (*end_of(MODEL, "nn.Conv2d(3, 8, k)"), "? MACs"),
            ]

            class_line = line_of(MODEL, "class Net")
            assert lenses == [(class_line, f"total {format_count(net_params)} params{SEP}"
                                           f"{format_count(net_macs)} MACs at 1x32x32")]

            stem_line = line_of(MODEL, "stem =")
            net_message = f"Net has {format_count(net_params)} params, budget 10K"
            assert [(d.range, d.code, d.severity, d.message, d.source, d.code_description.href)
                    for d in diagnostics] == [
                (lsp_range(lines[stem_line], stem_line, "nn.Conv2d", ")"), "MAC001",
                 types.DiagnosticSeverity.Warning,
                 f"{stem_text} costs {format_count(stem.macs)} MACs at 3x224x224, budget 100M",
                 "macslint", help_url("MAC001")),
                # A model's finding has no end: it covers the rest of its class line.
                (lsp_range(lines[class_line], class_line, "class", ":"), "MAC004",
                 types.DiagnosticSeverity.Warning, net_message, "macslint", help_url("MAC004")),
            ]
            assert help_url("MAC001") == "https://github.com/macslint/macslint#mac001"
            # The same findings as `macslint check` (MAC100 is off by default in both).
            assert [(d.range.start.line + 1, d.range.start.character + 1, d.code, d.message)
                    for d in diagnostics] == check_output(path)

            assert stem_hover is not None and stem_hover.contents.kind == types.MarkupKind.Markdown
            assert stem_hover.range == lsp_range(lines[stem_line], stem_line, "nn.Conv2d", ")")
            assert stem_hover.contents.value == "\n".join([
                f"`{stem_text}`: costed on its own at 3x224x224",
                "",
                "| argument | value |",
                "|---|---|",
                "| in_channels | 3 |",
                "| out_channels | 64 |",
                "| kernel_size | 7 |",
                "| stride | 2 |",
                "| padding | 3 |",
                "| dilation | 1 |",
                "| groups | 1 |",
                "| bias | False |",
                "| padding_mode | 'zeros' |",
                "",
                "| input | output | params | MACs |",
                "|---|---|---|---|",
                f"| 3x224x224 | 64x112x112 | {exact(stem.params)} | {exact(stem.macs)} |",
            ]) + "\n"

            head = calls["head"]
            assert head_hover is not None
            assert head_hover.contents.value == "\n".join([
                "`Linear(64, 10)`: as traced in `Net.head`",
                "",
                "| argument | value |",
                "|---|---|",
                "| in_features | 64 |",
                "| out_features | 10 |",
                "| bias | True |",
                "",
                "| input | output | params | MACs | share of Net |",
                "|---|---|---|---|---|",
                f"| 64 | 10 | {exact(head.params)} | {exact(head.macs)} | "
                f"{100 * head.macs / net_macs:.1f}% |",
            ]) + "\n"

            assert unresolved_hover is not None
            assert unresolved_hover.contents.value == (
                "`Conv2d(3, 8, k)`: not counted\n\n"
                "argument 'kernel_size' is not known: 'k' is a parameter of build()\n")
            assert outside is None

    asyncio.run(scenario())


def test_edits_are_analysed_newest_last_and_broken_code_keeps_the_last_good_hints(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    stem_text = "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)"

    def with_stem(out_channels: int) -> str:
        return MODEL.replace(stem_text, f"nn.Conv2d(3, {out_channels}, 7, stride=2, padding=3, "
                                        "bias=False)")

    def stem_hint(found: List[Tuple[int, int, str]]) -> str:
        return next(text for line, _, text in found if line == line_of(MODEL, "stem ="))

    async def scenario() -> None:
        async with server(tmp_path) as session:
            uri = session.open(path)
            await session.diagnostics(uri, 1)
            assert stem_hint(await session.hints(uri)) == label(stem_cost(64))

            # A burst of edits: the newest text is analysed, no text twice and none out of
            # order (this document analyses fast, so at once; the edits made while an analysis
            # runs are taken by one more after it, with the newest text: lsp.change_delay).
            for version, width in ((2, 8), (3, 16), (4, 24), (5, 32)):
                session.change(uri, version, with_stem(width))
            await session.diagnostics(uri, 5)
            versions = [p.version for p in session.published[uri]]
            assert versions == sorted(set(versions)) and versions[0] == 1 and versions[-1] == 5
            assert stem_hint(await session.hints(uri)) == label(stem_cost(32))
            good_hints = await session.hints(uri)
            good_lenses = await session.lenses(uri)

            # Code broken mid-typing: MAC901 is published, the hints stay the last good ones.
            broken = with_stem(32).replace("bias=False)", "bias=False", 1)
            with pytest.raises(SyntaxError) as python_says:
                compile(broken, str(path), "exec")
            session.change(uri, 6, broken)
            diagnostics = await session.diagnostics(uri, 6)
            assert [(d.code, d.severity, d.message, d.range.start)
                    for d in diagnostics] == [
                ("MAC901", types.DiagnosticSeverity.Error,
                 f"cannot parse file: {python_says.value.msg}",
                 types.Position(line=python_says.value.lineno - 1,
                                character=python_says.value.offset - 1))]
            assert await session.hints(uri) == good_hints
            assert await session.lenses(uri) == good_lenses
            hover = await session.hover(uri, line_of(MODEL, "stem ="), 12)
            assert hover is not None and "| 3x224x224 | 32x112x112 |" in hover.contents.value

            # Fixed: new hints, and the diagnostics of the fixed text.
            session.change(uri, 7, with_stem(16))
            await session.diagnostics(uri, 7)
            assert stem_hint(await session.hints(uri)) == label(stem_cost(16))

            # A save analyses again, with the configuration as it is now on disk.
            path.write_text(with_stem(64))
            session.change(uri, 8, with_stem(64))
            assert [d.code for d in await session.diagnostics(uri, 8)] == ["MAC001", "MAC004"]
            (tmp_path / "pyproject.toml").write_text(
                PYPROJECT.replace('max-layer-macs = "100M"', 'max-layer-macs = "1G"'))
            published = len(session.published[uri])
            session.client.text_document_did_save(types.DidSaveTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            await poll(lambda: len(session.published[uri]) == published + 1)
            assert [d.code for d in session.published[uri][-1].diagnostics] == ["MAC004"]

            # Closing the document clears its diagnostics and forgets it.
            session.client.text_document_did_close(types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            await poll(lambda: session.published[uri][-1].diagnostics == ())
            assert await session.hints(uri) == []

    asyncio.run(scenario())


def test_unsaved_buffer_outside_any_project(tmp_path: Path) -> None:
    """No pyproject.toml above the file (the defaults: 3x224x224, no budgets), and a buffer
    that differs from the file on disk: the buffer is what counts."""
    path = tmp_path / "scratch.py"
    path.write_text("from torch import nn\n\nconv = nn.Conv2d(3, 64, 3)\n")
    buffer = "from torch import nn\n\n\nconv = nn.Conv2d(3, 16, 5, stride=2)\n"
    expected = torch_cost(nn.Conv2d(3, 16, 5, stride=2), 3, 224, 224)

    refresh = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
        inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=True),
        code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True)))

    async def scenario() -> None:
        async with server(tmp_path, refresh) as session:
            uri = session.open(path, buffer)
            assert await session.diagnostics(uri, 1) == []
            assert await session.hints(uri) == [(*end_of(buffer, "nn.Conv2d(3, 16, 5, stride=2)"),
                                                 label(expected))]
            assert await session.lenses(uri) == []
            # A client that can be told to fetch hints and lenses again is told after each
            # analysis (a request that came first may have timed out waiting for it).
            await poll(lambda: len(session.refreshes) == 2)
            assert sorted(session.refreshes) == [types.WORKSPACE_CODE_LENS_REFRESH,
                                                 types.WORKSPACE_INLAY_HINT_REFRESH]

            # An untitled buffer has no file: the workspace's configuration, the defaults here.
            untitled = "untitled:Untitled-1"
            session.client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=untitled, language_id="python",
                                                     version=1, text=buffer)))
            assert await session.diagnostics(untitled, 1) == []
            assert await session.hints(untitled) == await session.hints(uri)

    asyncio.run(scenario())


def test_utf16_columns_unless_utf8_negotiated_and_other_languages_ignored(tmp_path: Path) -> None:
    source = ('from torch import nn\n'
              'ε = "😋é"; proj = nn.Linear(8, 4)\n')
    path = tmp_path / "wide.py"
    path.write_text(source, encoding="utf-8")
    line = source.split("\n")[1]
    after = line.index(")") + 1
    expected = torch_cost(nn.Linear(8, 4), 8)

    async def scenario() -> None:
        async with server(tmp_path) as session:
            uri = session.open(path)
            await session.diagnostics(uri, 1)
            [(row, character, text)] = await session.hints(uri)
            # "😋" is two UTF-16 units: one more than the code points before the hint.
            assert (row, character, text) == (1, after + 1, label(expected))
            assert character == len(line[:after].encode("utf-16-le")) // 2

            # The first unit of "nn" after the emoji, in UTF-16 units.
            hover = await session.hover(uri, 1, line.index("nn.") + 1)
            assert hover is not None and hover.contents.value.startswith("`Linear(8, 4)`")
            assert hover.range == lsp_range(line, 1, "nn.", ")")

            # Not Python: no diagnostics, no hints, and requests for it answer empty.
            text_uri = session.open(tmp_path / "notes.txt", source, language="plaintext")
            assert await session.hints(text_uri) == []
            assert await session.hover(text_uri, 1, line.index("nn.") + 1) is None
            assert await session.lenses(text_uri) == []
            # A position past the end of the text is no error either.
            assert await session.hover(uri, 99, 0) is None
            assert await session.hover(uri, 0, 999) is None
            assert text_uri not in session.published

        # A client that prefers UTF-8 gets byte columns.
        utf8 = types.ClientCapabilities(general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf8]))
        async with server(tmp_path, utf8) as session:
            uri = session.open(path)
            [(row, character, text)] = await session.hints(uri)
            assert (row, character) == (1, len(line[:after].encode("utf-8")))

    asyncio.run(scenario())


# ---------------------------------------------------------------------------
# The analysis and the handler boundary, in this process


def reported(path: Path, text: Optional[str] = None) -> List[Tuple[int, str]]:
    analysis = analyse(target_for(from_fs_path(str(path)), None),
                       path.read_text() if text is None else text)
    return [(item.finding.line, item.finding.code) for item in analysis.located]


def test_noqa_baseline_exclude_and_bad_configuration_as_check_applies_them(
        tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    assert reported(path) == [(4, "MAC001"), (7, "MAC004")] == [
        (line, code) for line, _, code, _ in check_output(path)]
    # `# noqa` on the line, as flake8 and `macslint check` read it.
    assert reported(path, MODEL.replace("bias=False)\n", "bias=False)  # noqa: MAC001\n")) \
        == [(7, "MAC004")]
    # The baseline `check --write-baseline` recorded; its findings stay quiet.
    baseline = tmp_path / "macslint-baseline.json"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli_main(["check", "--no-cache", "--write-baseline", str(baseline), str(path)])
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.replace(
        "[tool.macslint]\n", '[tool.macslint]\nbaseline = "macslint-baseline.json"\n'))
    assert reported(path) == []
    # One that is missing: said on line 1, and every finding shown.
    baseline.unlink()
    assert reported(path) == [(1, "MAC902"), (4, "MAC001"), (7, "MAC004")]
    # A file the configuration excludes has nothing to show.
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.replace(
        "[tool.macslint]\n", '[tool.macslint]\nexclude = ["model.py"]\n'))
    excluded = analyse(target_for(from_fs_path(str(path)), None), MODEL)
    assert excluded.result is None and excluded.located == []
    # An invalid configuration is a MAC902 finding, and no analysis.
    (tmp_path / "pyproject.toml").write_text('[tool.macslint]\ninput-size = "lots"\n')
    broken = analyse(target_for(from_fs_path(str(path)), None), MODEL)
    assert broken.result is not None and broken.result.report.error is not None
    assert [item.finding.code for item in broken.located] == ["MAC902"]


def test_a_failing_handler_answers_empty_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    @answers(list)
    async def hints_of_nothing(params: Any) -> List[Any]:
        raise ValueError("a bug")

    assert asyncio.run(hints_of_nothing(None)) == []
    assert "hints_of_nothing failed" in caplog.text and "ValueError: a bug" in caplog.text


# ---------------------------------------------------------------------------
# hints.py on its own


def report_of(source: str, settings: Settings) -> Any:
    result = check_source("model.py", source, settings)
    assert result.report.error is None, result.findings
    return result.report


def test_flops_unit_doubles_and_batch_shows_in_shapes() -> None:
    source = "from torch import nn\n\nconv = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)\n"
    stem = stem_cost()
    flops = report_of(source, Settings(unit="flops"))
    assert hints.layer_hints(flops) == [hints.Hint(3, 60, label(stem, "FLOPs", 2))]

    batched = report_of(source, Settings(batch_size=8))
    [hint] = hints.layer_hints(batched)
    with FlopCounterMode(display=False) as counter:
        out = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)(torch.zeros(8, 3, 224, 224))
    assert hint.label == (f"{format_count(stem.params)} params{SEP}"
                          f"{format_count(counter.get_total_flops() // 2)} MACs{SEP}"
                          f"8x3x224x224 -> {format_shape(out.shape)}")


def test_lens_of_a_batched_model_and_of_an_incomplete_one() -> None:
    net = torch_model(MODEL, "Net")
    with FlopCounterMode(display=False) as counter:
        net(torch.zeros(4, 1, 32, 32))
    settings = Settings(batch_size=4, models=(("Net", {"input_size": (1, 32, 32)}),))
    [lens] = hints.model_lenses(report_of(MODEL, settings))
    params = sum(p.numel() for p in net.parameters())
    assert lens == hints.Lens(7, 1, f"total {format_count(params)} params{SEP}"
                                    f"{format_count(counter.get_total_flops() // 2)} MACs"
                                    " at 1x32x32, batch 4")

    unknown = ModelTrace("Big", 3, 1, Settings(), reasons=["forward() calls something unknown"])
    assert hints.model_lens_title(unknown) == "total ? params · ? MACs at 3x224x224 (incomplete)"


def test_invalid_layer_has_no_hint_and_its_hover_says_why() -> None:
    source = "from torch import nn\n\nbad = nn.Linear(-1, 4)\n"
    with pytest.raises(RuntimeError):
        nn.Linear(-1, 4)
    report = report_of(source, Settings())
    [layer] = report.layers
    assert hints.layer_hints(report) == []
    assert layer.error is not None
    assert hints.hover_markdown(layer, report) == (
        f"`Linear(-1, 4)`: invalid, torch would raise\n\n{layer.error}\n")


def test_layer_at_picks_the_innermost_construction() -> None:
    source = ("from torch import nn\n\n"
              "block = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\n")
    report = report_of(source, Settings())
    inner = hints.layer_at(report, 3, source.split("\n")[2].index("Conv2d") + 1)
    assert inner is not None and inner.kind == "Conv2d"
    relu_end = source.split("\n")[2].index("ReLU()") + len("ReLU()") + 1
    after_relu = hints.layer_at(report, 3, relu_end)  # just after its ")": still the ReLU
    assert after_relu is not None and after_relu.kind == "ReLU"
    assert hints.layer_at(report, 1, 1) is None


@pytest.mark.parametrize("encoding, units", [("utf-16", [0, 1, 3, 4]), ("utf-8", [0, 1, 5, 7]),
                                             ("utf-32", [0, 1, 2, 3])])
def test_columns_in_each_position_encoding(encoding: str, units: List[int]) -> None:
    line = "a😋é"
    assert [hints.client_column(line, i, encoding) for i in range(4)] == units
    assert [hints.python_index(line, u, encoding) for u in units] == [0, 1, 2, 3]
    # Inside a character (between the halves of a surrogate pair): that character.
    assert hints.python_index(line, units[1] + 1, encoding) == (1 if encoding != "utf-32" else 2)
    assert hints.python_index(line, 999, encoding) == 3


@pytest.mark.parametrize("last_seconds, delay", [
    (None, DEBOUNCE_SECONDS),  # not analysed yet: how long it takes is not known
    (0.05, 0.0), (AT_ONCE_SECONDS, 0.0),  # fast: at once
    (AT_ONCE_SECONDS + 0.01, DEBOUNCE_SECONDS), (3.0, DEBOUNCE_SECONDS),  # slow: after a pause
])
def test_a_change_is_analysed_at_once_only_where_analyses_are_fast(last_seconds, delay):
    assert change_delay(last_seconds) == delay


def test_the_files_importing_a_buffer_come_from_the_cache_and_buffers_never_go_in(
        tmp_path: Path) -> None:
    """A dependent's result is read from the result cache a CLI run wrote (and kept there),
    with the uses of the buffer's layers by its models applied; the editor's texts are never
    written to the cache."""
    import os

    from macslint.cache import CODEC

    (tmp_path / "pyproject.toml").write_text("[tool.macslint]\ninput-size = [3, 224, 224]\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    blocks = pkg / "blocks.py"
    blocks.write_text("from torch import nn\n\n\ndef block(width):\n"
                      "    return nn.Conv2d(3, width, 3, padding=1)\n")
    (pkg / "model.py").write_text(textwrap.dedent("""\
        from torch import nn
        from .blocks import block


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = block(64)

            def forward(self, x):
                return self.conv(x)
        """))
    cache = Path(os.environ["MACSLINT_CACHE_DIR"])  # each test's own (tests/conftest.py)

    def cached_paths() -> List[str]:
        return sorted(CODEC.loads(entry.read_bytes().partition(b"\n")[2])[1].report.path
                      for entry in cache.glob("*/*.json"))

    import importlib
    import sys

    sys.path.insert(0, str(tmp_path))  # torch builds the package's own Net
    try:
        conv = torch_calls(importlib.import_module("pkg.model").Net(), 3, 224, 224)["conv"]
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("pkg.model", "pkg.blocks", "pkg"):
            sys.modules.pop(name, None)

    async def scenario() -> None:
        async with server(tmp_path) as session:
            uri = session.open(blocks)
            await session.diagnostics(uri, 1)
            assert cached_paths() == ["pkg/model.py"]  # the dependent, checked and kept
            written = {p: p.stat().st_mtime_ns for p in cache.glob("*/*.json")}
            found = await session.hints(uri)
            assert [text for _, _, text in found] == [label(conv)]  # Net's use of it
            session.change(uri, 2, blocks.read_text().replace("padding=1", "padding=1 "))
            await session.diagnostics(uri, 2)
            assert cached_paths() == ["pkg/model.py"]  # no buffer went in
            assert {p: p.stat().st_mtime_ns for p in cache.glob("*/*.json")} == written

    asyncio.run(scenario())
