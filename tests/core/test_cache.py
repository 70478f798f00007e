"""The result cache: a warm run reads what a cold run wrote, and is stale exactly when the
file, an imported project file, the settings or macslint change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from macslint import engine
from macslint.adapters import cli
from macslint.cache import CODEC
from macslint.project import dependents
from tests.torchnn.tracer_helpers import torch_has_params

MODEL = """\
import torch.nn as nn
from .blocks import WIDTH


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, WIDTH, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text("WIDTH = 64\n")
    (pkg / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# WIDTH is 64 in blocks.py: the message's params, as torch builds that conv.
CONV_PARAMS = f"Conv2d(3, WIDTH, 3, padding=1) {torch_has_params('Conv2d(3, 64, 3, padding=1)')}"


def check(capsys, *args: str):
    code = cli.main(["check", "--max-layer-params", "10", "-j", "1", *args, "pkg"])
    return code, capsys.readouterr().out


def entries(directory: Path):
    return sorted(directory.glob("*/*.json"))


def no_analysis(monkeypatch):
    """Fail if anything is analysed, or any file's imports parsed: a warm run must only read
    (what a new process knows of the project's imports is what the cache holds)."""
    def refuse(*args, **kwargs):
        raise AssertionError("analysed although cached")
    monkeypatch.setattr(engine, "check_data", refuse)
    monkeypatch.setattr(engine, "check_source", refuse)  # (cache.py holds check_data itself)
    monkeypatch.setattr(dependents, "_edges", refuse)
    monkeypatch.setattr(dependents, "_TABLES", {})
    monkeypatch.setattr(dependents, "_INDEXES", {})


def test_warm_run_reads_the_cold_runs_results(project, capsys, monkeypatch):
    cache = project / "cache"
    cold = check(capsys, "--cache-dir", str(cache))
    assert cold[0] == 1 and CONV_PARAMS in cold[1]
    assert len(entries(cache)) == 3  # one per file
    assert len(list(cache.glob("*/*.data"))) == 1  # and the project's imports
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    no_analysis(monkeypatch)
    assert check(capsys, "--cache-dir", str(cache)) == cold


def test_report_json_is_the_same_warm(project, capsys):
    args = ["report", "--format", "json", "-j", "1", "pkg"]
    cli.main(args)
    cold = capsys.readouterr().out
    cli.main(args)
    assert capsys.readouterr().out == cold


@pytest.mark.parametrize("edit", ["model", "import", "new module", "settings"])
def test_stale_when_what_the_result_depends_on_changes(project, capsys, edit):
    cold = check(capsys)
    extra = []
    if edit == "model":
        (project / "pkg" / "model.py").write_text(MODEL.replace("3, WIDTH", "3, WIDTH * 2"))
    elif edit == "import":  # another project file the analysis read
        (project / "pkg" / "blocks.py").write_text("WIDTH = 128\n")
    elif edit == "new module":
        # `from .blocks import WIDTH` now finds a package: blocks.py, which the analysis
        # read, is gone and blocks/__init__.py, which it looked for, appears
        (project / "pkg" / "blocks.py").unlink()
        (project / "pkg" / "blocks").mkdir()
        (project / "pkg" / "blocks" / "__init__.py").write_text("WIDTH = 32\n")
    else:
        extra = ["--max-layer-params", "2000"]
    warm = check(capsys, *extra)
    assert warm != cold
    fresh = check(capsys, "--no-cache", *extra)
    assert warm == fresh  # what an analysis from scratch says


def test_corrupt_entries_are_ignored_and_written_again(project, capsys, monkeypatch):
    cache = project / "cache"
    cold = check(capsys, "--cache-dir", str(cache))
    for entry in entries(cache):
        entry.write_bytes(b"not an entry")
    assert check(capsys, "--cache-dir", str(cache)) == cold
    for entry in entries(cache):
        dependencies, result = CODEC.loads(entry.read_bytes().partition(b"\n")[2])
        assert isinstance(result, engine.FileResult)
    no_analysis(monkeypatch)
    assert check(capsys, "--cache-dir", str(cache)) == cold


def test_no_cache_writes_nothing_and_an_unwritable_cache_is_skipped(project, capsys):
    cache = project / "cache"
    cold = check(capsys, "--no-cache", "--cache-dir", str(cache))
    assert not cache.exists()
    cache.write_text("a file where the directory would be")
    assert check(capsys, "--cache-dir", str(cache)) == cold


def test_parallel_workers_share_the_cache(project, capsys, monkeypatch):
    cache = project / "cache"
    code = cli.main(["check", "--max-layer-params", "10", "-j", "2", "--cache-dir", str(cache),
                     "pkg"])
    cold = (code, capsys.readouterr().out)
    assert len(entries(cache)) == 3
    no_analysis(monkeypatch)
    assert check(capsys, "--cache-dir", str(cache)) == cold


def test_stale_when_a_module_that_was_missing_appears(project, capsys):
    (project / "pkg" / "blocks.py").unlink()
    cold = check(capsys)
    assert "MAC002" not in cold[1]  # WIDTH is not known: no params to hold to the budget
    (project / "pkg" / "blocks.py").write_text("WIDTH = 64\n")
    warm = check(capsys)
    assert CONV_PARAMS in warm[1]


def test_warm_run_does_not_import_libcst(project):
    """What a warm run costs is reading: the parser is not even imported (also to read a
    result that holds a model not built)."""
    import subprocess
    import sys

    (project / "pkg" / "unbuilt.py").write_text(
        "import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, width):\n"
        "        super().__init__()\n        self.conv = nn.Conv2d(3, width, 3)\n")

    program = ("import sys\nfrom macslint.adapters import cli\n"
               "code = cli.main(['check', '--max-layer-params', '10', '-j', '2', 'pkg'])\n"
               "print(code, 'libcst' in sys.modules)\n")
    runs = [subprocess.run([sys.executable, "-c", program], cwd=project, capture_output=True,
                           text=True, check=True).stdout.splitlines()[-1] for _ in range(2)]
    assert runs == ["1 True", "1 False"]
    cache = Path(os.environ["MACSLINT_CACHE_DIR"])  # (each test's own: tests/conftest.py)
    assert any(b"NotBuilt" in entry.read_bytes() for entry in entries(cache))


def test_code_fingerprint_covers_the_subpackages(tmp_path):
    """An edit anywhere in macslint's code (the evaluator, the cost model...) makes older
    results stale, not only an edit of a top-level module."""
    import os

    from macslint.cache import code_fingerprint

    fingerprint = code_fingerprint.__wrapped__  # computed once per process otherwise
    (tmp_path / "costmodel").mkdir()
    (tmp_path / "top.py").write_text("A = 1\n")
    inner = tmp_path / "costmodel" / "conv.py"
    inner.write_text("B = 1\n")
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before
    inner.write_text("B = 22\n")
    os.utime(inner, ns=(1, 1))
    assert fingerprint(tmp_path) != before
