"""`macslint lsp`: a language server over stdio (pygls 2).

The analysis and configuration of `macslint check`, run on the editor's buffer text:
diagnostics (the findings `check` reports), an inlay hint at the end of each layer
construction, a hover table per construction and a code lens per model. The check is the
service's (macslint.service.check_buffer), the texts come from macslint.render.hints; this
module is the protocol: documents, debouncing and the analysis thread.

Each document is analysed at once when opened or saved, and on a change: at once when its
last analysis took at most AT_ONCE_SECONDS (the changes made while one runs are taken by one
more analysis after it, with the newest text), else DEBOUNCE_SECONDS after the last change
(a slow document waits for a pause in the typing); one analysis at a time, in one worker
thread.
Requests wait (a bounded time) for a pending analysis, so they answer for the text the editor
shows. Text that does not parse keeps the last good hints, hovers and lenses.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from .. import __version__
from ..cache import ResultCache
from ..codes import BY_CODE, help_url
from ..engine import FileResult
from ..locations import Located, source_lines
from ..render.hints import client_column, hover_markdown, layer_at, layer_hints, model_lenses, python_index
from ..results.report import FileReport
from ..service import UsageError, check_buffer, locate_findings, reported_findings

try:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path
except ImportError as exc:  # the CLI reports it as a usage error
    raise UsageError(f"`macslint lsp` needs pygls ({exc}); install it with "
                     "pip install 'macslint[lsp]'") from None

DEBOUNCE_SECONDS = 0.3
# A document analysed this fast is analysed again at once on a change: new hints follow a
# keystroke by about one analysis (issue 23: 150 ms), and typing is at most one analysis behind.
AT_ONCE_SECONDS = 0.2
# How long a request waits for the analysis of the newest text before it answers with the
# last analysis (a long file typed into without pause must not leave the editor waiting).
REQUEST_WAIT_SECONDS = 5.0

log = logging.getLogger("macslint.lsp")

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "note": types.DiagnosticSeverity.Information,
}


# ---------------------------------------------------------------------------
# One analysis (in the worker thread): plain data in and out


@dataclass(frozen=True)
class Target:
    """Where a document is: the name findings carry, the path its configuration is found
    for, and its file on disk (None for an untitled buffer)."""

    display: str
    path: Path
    file: Optional[Path]


@dataclass
class Analysis:
    result: Optional[FileResult]  # None: the configuration excludes the file
    located: List[Located]  # the findings `macslint check` reports, with their ends
    lines: List[str]  # the analysed text, as Python numbers its lines


def target_for(uri: str, workspace_root: Optional[str]) -> Target:
    path = to_fs_path(uri)  # None unless a file: URI
    if path is not None:
        return Target(path, Path(path), Path(path))
    # An untitled buffer: the workspace's configuration, and no file to import from.
    return Target("<string>", Path(workspace_root or Path.cwd()) / "untitled.py", None)


def analyse(target: Target, text: str, cache: Optional[ResultCache] = None) -> Analysis:
    # A long-running server must see pyproject.toml files edited or created since it started.
    # The cache serves the files importing this one (a buffer's texts would only fill it).
    checked = check_buffer(target.display, text, target.path, target.file, cache=cache,
                           reload_config=True, cache_buffer=False)
    lines = source_lines(text)
    if checked.result is None:  # excluded
        return Analysis(None, [], lines)
    if checked.config is None:  # the configuration is invalid: its MAC902
        return Analysis(checked.result, locate_findings(checked.result.findings, text), lines)
    return Analysis(checked.result, reported_findings(checked.result, checked.config), lines)


# ---------------------------------------------------------------------------
# Protocol positions


def _position(lines: List[str], line: int, col: int, encoding: str) -> types.Position:
    """1-based line and code-point column -> an LSP position, clamped to the text."""
    row = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    index = len(text) if line - 1 > row else min(max(col - 1, 0), len(text))
    return types.Position(line=row, character=client_column(text, index, encoding))


def diagnostic(item: Located, lines: List[str], encoding: str) -> types.Diagnostic:
    finding = item.finding
    code = BY_CODE.get(finding.code)
    start = _position(lines, finding.line, finding.col, encoding)
    end = _position(lines, item.end_line, item.end_col, encoding)
    return types.Diagnostic(
        range=types.Range(start=start, end=max(start, end, key=lambda p: (p.line, p.character))),
        message=finding.message,
        severity=SEVERITY[code.level] if code is not None else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=help_url(finding.code)),
        source="macslint",
    )


# ---------------------------------------------------------------------------
# Documents


@dataclass
class View:
    """What hints, hovers and lenses are drawn from: the last report that holds an analysis,
    with the text it analysed (its positions are in that text)."""

    report: FileReport
    lines: List[str]


@dataclass
class Document:
    uri: str
    target: Target
    text: str
    version: Optional[int]
    view: Optional[View] = None
    timer: Optional[asyncio.TimerHandle] = None  # the debounce: an analysis not started yet
    worker: Optional["asyncio.Task[None]"] = None  # the analysis running, if any
    stale: bool = False  # the text changed since the running analysis took it
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # nothing pending or running
    last_seconds: Optional[float] = None  # how long its last analysis took


def change_delay(last_seconds: Optional[float]) -> float:
    """How long after a change its document is analysed: at once when its last analysis was
    fast, else after the debounce."""
    return 0.0 if last_seconds is not None and last_seconds <= AT_ONCE_SECONDS \
        else DEBOUNCE_SECONDS


Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


def answers(empty: Callable[[], Any]) -> Callable[[Handler], Handler]:
    """A handler boundary: whatever goes wrong is logged, and the client gets `empty()`."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(*args: Any) -> Any:
            try:
                return await handler(*args)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a handler never raises to the client
                log.exception("%s failed", handler.__name__)
                return empty()

        return guarded  # type: ignore[return-value]

    return wrap


class MacsServer(LanguageServer):
    def __init__(self, cache: Optional[ResultCache] = None) -> None:
        # Full sync: pygls applies incremental edits with str.splitlines, which also breaks
        # lines at form feeds and U+2028 where LSP (and Python) do not.
        super().__init__("macslint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents: Dict[str, Document] = {}
        self.cache = cache
        # One thread: analyses never overlap (the engine's recursion limit is per process).
        self.analyst = ThreadPoolExecutor(max_workers=1, thread_name_prefix="macslint-analysis")
        self._handle(types.TEXT_DOCUMENT_DID_OPEN, self.did_open)
        self._handle(types.TEXT_DOCUMENT_DID_CHANGE, self.did_change)
        self._handle(types.TEXT_DOCUMENT_DID_SAVE, self.did_save,
                     types.SaveOptions(include_text=False))
        self._handle(types.TEXT_DOCUMENT_DID_CLOSE, self.did_close)
        self._handle(types.SHUTDOWN, self.on_shutdown)
        self._handle(types.TEXT_DOCUMENT_INLAY_HINT, self.inlay_hints,
                     types.InlayHintOptions(resolve_provider=False))
        self._handle(types.TEXT_DOCUMENT_HOVER, self.hover)
        self._handle(types.TEXT_DOCUMENT_CODE_LENS, self.code_lenses,
                     types.CodeLensOptions(resolve_provider=False))

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls's default pops up a message in the editor; a protocol slip of the client
        # (a change to a document it never opened) belongs in the log.
        log.error("%s: %s", getattr(source, "__name__", source), error)

    def _handle(self, method: str, handler: Callable[[Any], Awaitable[Any]],
                options: Any = None) -> None:
        # pygls marks what it registers with attributes, which a bound method cannot take.
        async def call(params: Any) -> Any:
            return await handler(params)

        self.feature(method, options)(call)

    # --- notifications ------------------------------------------------------

    @answers(lambda: None)
    async def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        if item.language_id != "python":
            return
        self._forget(item.uri)  # opened again: the old text's analysis no longer counts
        document = Document(item.uri, target_for(item.uri, self.workspace.root_path),
                            item.text, item.version)
        self.documents[item.uri] = document
        self._schedule(document, 0)

    @answers(lambda: None)
    async def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        document = self.documents.get(params.text_document.uri)
        if document is None:
            return
        # pygls has applied the change to its copy before calling us.
        document.text = self.workspace.get_text_document(document.uri).source
        document.version = params.text_document.version
        self._schedule(document, change_delay(document.last_seconds))

    @answers(lambda: None)
    async def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        document = self.documents.get(params.text_document.uri)
        # The buffer text is unchanged, but what it imports or its configuration may not be.
        if document is not None:
            self._schedule(document, 0)

    @answers(lambda: None)
    async def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        if self._forget(params.text_document.uri):
            self._publish(params.text_document.uri, None, [])

    @answers(lambda: None)
    async def on_shutdown(self, params: None) -> None:
        for document in self.documents.values():
            if document.timer is not None:
                document.timer.cancel()
            if document.worker is not None:
                document.worker.cancel()
        self.analyst.shutdown(wait=False, cancel_futures=True)

    # --- analysis -----------------------------------------------------------

    def _forget(self, uri: str) -> bool:
        """Drop the document: its running analysis finds it gone and publishes nothing."""
        document = self.documents.pop(uri, None)
        if document is None:
            return False
        if document.timer is not None:
            document.timer.cancel()
        document.settled.set()  # a request waiting for it answers now
        return True

    def _schedule(self, document: Document, delay: float) -> None:
        document.settled.clear()
        if document.timer is not None:
            document.timer.cancel()
        document.timer = asyncio.get_running_loop().call_later(delay, self._start, document)

    def _start(self, document: Document) -> None:
        document.timer = None
        if document.worker is not None:
            document.stale = True  # the running analysis goes again with the newest text
            return
        document.worker = asyncio.get_running_loop().create_task(self._analyse(document))

    async def _analyse(self, document: Document) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.documents.get(document.uri) is document:
                document.stale = False
                text, version = document.text, document.version
                started = time.perf_counter()
                analysis = await loop.run_in_executor(self.analyst, analyse, document.target, text,
                                                      self.cache)
                document.last_seconds = time.perf_counter() - started
                if self.documents.get(document.uri) is not document:
                    return  # closed meanwhile
                self._apply(document, analysis, version)
                if not document.stale:
                    return
        except Exception:  # noqa: BLE001 - a background task: log, the editor keeps its state
            log.exception("analysing %s failed", document.uri)
        finally:
            document.worker = None
            if document.timer is None:
                document.settled.set()

    def _apply(self, document: Document, analysis: Analysis, version: Optional[int]) -> None:
        encoding = self._encoding()
        self._publish(document.uri, version,
                      [diagnostic(item, analysis.lines, encoding) for item in analysis.located])
        if analysis.result is None:
            document.view = None  # excluded
        elif analysis.result.report.error is None:
            document.view = View(analysis.result.report, analysis.lines)
        else:
            return  # not analysed (it does not parse): the last good view stays
        self._refresh()

    def _publish(self, uri: str, version: Optional[int],
                 diagnostics: List[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def _refresh(self) -> None:
        """Ask the client to ask again, for hints and lenses it fetched before the analysis
        finished (a request waits for it, but only so long)."""
        workspace = self.client_capabilities.workspace
        if workspace is None:
            return
        if workspace.inlay_hint is not None and workspace.inlay_hint.refresh_support:
            self.workspace_inlay_hint_refresh(None)
        if workspace.code_lens is not None and workspace.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    def _encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or "utf-16")

    async def _view(self, uri: str) -> Optional[View]:
        """The view for a request: after the pending analysis, if it ends in time."""
        document = self.documents.get(uri)
        if document is None:
            return None
        try:
            await asyncio.wait_for(document.settled.wait(), REQUEST_WAIT_SECONDS)
        except asyncio.TimeoutError:
            pass
        return document.view

    # --- requests -----------------------------------------------------------

    @answers(list)
    async def inlay_hints(self, params: types.InlayHintParams) -> List[types.InlayHint]:
        view = await self._view(params.text_document.uri)
        if view is None:
            return []
        first, last = params.range.start.line, params.range.end.line
        encoding = self._encoding()
        return [types.InlayHint(position=_position(view.lines, hint.line, hint.col, encoding),
                                label=hint.label, padding_left=True)
                for hint in layer_hints(view.report)
                if first <= hint.line - 1 <= last and hint.line <= len(view.lines)]

    @answers(lambda: None)
    async def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        view = await self._view(params.text_document.uri)
        row = params.position.line
        if view is None or row >= len(view.lines):
            return None
        encoding = self._encoding()
        index = python_index(view.lines[row], params.position.character, encoding)
        layer = layer_at(view.report, row + 1, index + 1)
        if layer is None:
            return None
        assert layer.end_line is not None and layer.end_col is not None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                         value=hover_markdown(layer, view.report)),
            range=types.Range(start=_position(view.lines, layer.line, layer.col, encoding),
                              end=_position(view.lines, layer.end_line, layer.end_col, encoding)))

    @answers(list)
    async def code_lenses(self, params: types.CodeLensParams) -> List[types.CodeLens]:
        view = await self._view(params.text_document.uri)
        if view is None:
            return []
        encoding = self._encoding()
        lenses = []
        for lens in model_lenses(view.report):
            at = _position(view.lines, lens.line, lens.col, encoding)
            # A command without an id: the lens is a label, clicking it does nothing.
            lenses.append(types.CodeLens(range=types.Range(start=at, end=at),
                                         command=types.Command(title=lens.title, command="")))
        return lenses


def serve(cache: Optional[ResultCache] = None) -> int:
    """Serve on stdin/stdout until the client says exit."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="macslint lsp: %(levelname)s: %(name)s: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    MacsServer(cache).start_io(stdin, stdout)
    return 0
