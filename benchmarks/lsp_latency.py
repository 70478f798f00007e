"""How fast `macslint lsp` answers an editor, on a real ~500-line model file (issue 8).

Not a test. Run by `benchmarks/speed.py --corpus lsp`, or alone:

    python benchmarks/lsp_latency.py [--cache DIR] [--repeat N]

The server is started as an editor starts it (`macslint lsp`, a subprocess speaking LSP over
stdio) and driven by pygls's own client, on `torchvision/models/vgg.py` (511 lines, eight
model factories) of the torchvision wheel pinned in real_code.py:

- open: from didOpen to its diagnostics (the first analysis, with an empty result cache:
  libcst imported, the file and the project files it imports parsed, every model traced, and
  the project files importing it analysed for their uses of its layers);
- hints, analysed text: an inlayHint request for the whole file once the analysis of the
  text on screen is done (what an editor asks again on every scroll and redraw);
- edit -> hints: from a didChange (one layer's width changed, so every model's numbers
  change) to the inlayHint answer for the new text, which the server gives once the new
  text is analysed (at once for a document analysed fast, else after the debounce:
  lsp.change_delay), with its 90th percentile; and edit -> diagnostics.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from real_code import fetch  # noqa: E402

FILE = "torchvision/models/vgg.py"
# The server with an empty result cache of its own: the open is cold (the files importing
# vgg.py analysed, not read from a cache an earlier run left).
SERVER = [sys.executable, "-c",
          "import sys; from macslint.adapters.cli import main; sys.exit(main(sys.argv[1:]))",
          "lsp", "--cache-dir"]
# The edit: the classifier's width, in every VGG model; two values taken in turn.
WIDTHS = ("4096", "4095")


def summary(seconds: List[float]) -> Dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, math.ceil(0.9 * len(ms)) - 1)]  # (nearest rank)
    return {"median": statistics.median(ms), "min": ms[0], "max": ms[-1], "p90": p90,
            "n": len(ms)}


def row(label: str, m: Dict[str, float]) -> str:
    return (f"| {label} | {m['median']:.1f} ms | {m['p90']:.1f} ms | "
            f"{m['min']:.1f}-{m['max']:.1f} ms | {m['n']:.0f} |")


async def drive(root: Path, repeat: int) -> Dict[str, Dict[str, float]]:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient
    from pygls.uris import from_fs_path

    path = root / FILE
    text = path.read_text(encoding="utf-8")
    assert text.count("4096") >= 2, "the edit needs the classifier's width in the file"
    uri = from_fs_path(str(path))
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=len(text.splitlines()) + 1, character=0))
    published: Dict[int, float] = {}  # version -> when its diagnostics arrived
    client = LanguageClient("macslint-bench", "0")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def collect(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            published.setdefault(params.version, time.perf_counter())

    async def hints() -> List[types.InlayHint]:
        return await client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=whole)) or []

    async def published_for(version: int) -> float:
        while version not in published:
            await asyncio.sleep(0.001)
        return published[version]

    cache = tempfile.mkdtemp(prefix="macslint-lsp-bench-")
    await client.start_io(*SERVER, cache, cwd=str(root))
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(root))))
    client.initialized(types.InitializedParams())
    results: Dict[str, Dict[str, float]] = {}
    try:
        start = time.perf_counter()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                                 text=text)))
        opened = await published_for(1) - start
        first = await hints()
        assert first, "no hints for the file"
        results["open (first analysis, cold)"] = summary([opened])
        warm = []
        for _ in range(20 * repeat):
            start = time.perf_counter()
            await hints()
            warm.append(time.perf_counter() - start)
        results["hints, analysed text (whole file)"] = summary(warm)
        edits, analyses = [], []
        before = [h.label for h in first]
        for n in range(2, 2 + 10 * repeat):
            new = text.replace("4096", WIDTHS[n % 2])
            start = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=n),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)]))
            labels = [h.label for h in await hints()]
            done = time.perf_counter()
            edits.append(done - start)
            analyses.append(await published_for(n) - start)
            assert (labels != before) == (WIDTHS[n % 2] != "4096"), "hints did not follow"
        results[EDIT] = summary(edits)
        results["edit -> diagnostics"] = summary(analyses)
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        shutil.rmtree(cache, ignore_errors=True)
    return results


EDIT = "edit -> hints (any debounce included)"


def report(root: Path, repeat: int) -> Dict[str, Dict[str, float]]:
    """Print the table; the measurements by label (milliseconds)."""
    lines = len((root / FILE).read_text(encoding="utf-8").splitlines())
    print(f"### the language server: {FILE} ({lines} lines), over stdio\n")
    print("| what | median | 90th percentile | spread | samples |")
    print("|---|---|---|---|---|")
    measured = asyncio.run(drive(root, repeat))
    for label, numbers in measured.items():
        print(row(label, numbers))
    print()
    return measured


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "macslint-bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    report(fetch(args.cache)["torchvision"], args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
