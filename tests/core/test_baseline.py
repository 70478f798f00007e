"""Baselines: `macslint check --write-baseline FILE` records today's findings, `--baseline FILE`
(or `baseline = "..."` in [tool.macslint]) reports only new ones. Findings are matched by file
(relative to the baseline's directory), code and what they are about (the layer's call text,
the model's name), counted, never by line. In-process (`macslint.adapters.cli.main`) in scratch dirs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import pytest

from macslint import config
from macslint.adapters import cli
from tests.torchnn.tracer_helpers import torch_has_params

CONV = "nn.Conv2d(3, 64, 7)"
LINEAR = "nn.Linear(512, 10)"
SOURCE = f"import torch.nn as nn\n\nstem = {CONV}\nhead = {LINEAR}\n"
MODEL = ("class Net(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.c = nn.Conv2d(3, 8, 3)\n"
         "    def forward(self, x):\n"
         "        return self.c(x)\n")
BUDGETS = ("--max-layer-params", "10")
# The params are torch's (the layer built by torch); the budget, 10, is BUDGETS.
CONV_MESSAGE = f"Conv2d(3, 64, 7) {torch_has_params('Conv2d(3, 64, 7)')}, budget 10"
LINEAR_MESSAGE = f"Linear(512, 10) {torch_has_params('Linear(512, 10)')}, budget 10"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check(capsys, monkeypatch, cwd: Path, *argv: str) -> Tuple[int, List[str], str]:
    """`macslint check *argv` in-process from `cwd`: (exit code, stdout lines, stderr)."""
    monkeypatch.chdir(cwd)
    config.clear_caches()
    code = cli.main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "pkg" / "net.py", SOURCE)
    write(tmp_path / "pkg" / "other.py", f"import torch.nn as nn\nx = {CONV}\n")
    return tmp_path


def recorded(capsys, monkeypatch, project: Path, name: str = "baseline.json") -> Path:
    code, out, err = check(capsys, monkeypatch, project, *BUDGETS, "--write-baseline", name, "pkg")
    assert (code, out, err) == (0, [], f"macslint: recorded 3 findings in {name}\n")
    return project / name


# --------------------------------------------------------------------------- writing


def test_write_baseline_records_the_findings_sorted(capsys, monkeypatch, project):
    code, out, _ = check(capsys, monkeypatch, project, *BUDGETS, "pkg")
    assert code == 1 and len(out) == 3  # what the baseline will hold
    file = recorded(capsys, monkeypatch, project)
    data = json.loads(file.read_text(encoding="utf-8"))
    assert data == {"schema": 1, "tool": "macslint", "findings": [
        {"path": "pkg/net.py", "code": "MAC002", "anchor": "Conv2d(3, 64, 7)", "line": 3,
         "message": CONV_MESSAGE},
        {"path": "pkg/net.py", "code": "MAC002", "anchor": "Linear(512, 10)", "line": 4,
         "message": LINEAR_MESSAGE},
        {"path": "pkg/other.py", "code": "MAC002", "anchor": "Conv2d(3, 64, 7)", "line": 2,
         "message": CONV_MESSAGE},
    ]}
    assert file.read_text(encoding="utf-8").endswith("}\n")
    # The same findings met in another order (files given the other way round) give the same
    # bytes: the file diffs well in review.
    check(capsys, monkeypatch, project, *BUDGETS, "--write-baseline", "reversed.json",
          "pkg/other.py", "pkg/net.py")
    assert (project / "reversed.json").read_bytes() == file.read_bytes()
    assert not [p.name for p in project.iterdir() if p.name.endswith(".tmp")]


def test_write_baseline_paths_are_relative_to_its_directory(capsys, monkeypatch, project):
    # Written from inside pkg/ into the project root: paths are still "pkg/...".
    code, _, _ = check(capsys, monkeypatch, project / "pkg", *BUDGETS, "--write-baseline",
                       "../baseline.json", ".")
    assert code == 0
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    assert [e["path"] for e in entries] == ["pkg/net.py", "pkg/net.py", "pkg/other.py"]


def test_write_baseline_keeps_non_ascii_readable(capsys, monkeypatch, tmp_path):
    write(tmp_path / "größe.py", f"import torch.nn as nn\nx = {CONV}\n")
    check(capsys, monkeypatch, tmp_path, *BUDGETS, "--write-baseline", "b.json", ".")
    text = (tmp_path / "b.json").read_text(encoding="utf-8")
    assert '"path": "größe.py"' in text
    code, out, _ = check(capsys, monkeypatch, tmp_path, *BUDGETS, "--baseline", "b.json", ".")
    assert (code, out) == (0, [])


def test_write_baseline_into_a_missing_directory(capsys, monkeypatch, project):
    code, out, err = check(capsys, monkeypatch, project, *BUDGETS, "--write-baseline",
                           "nowhere/baseline.json", "pkg")
    assert (code, out) == (2, [])
    assert err == "macslint: error: --write-baseline nowhere/baseline.json: No such file or directory\n"
    assert not (project / "nowhere").exists()


def test_write_baseline_onto_a_directory_leaves_nothing_behind(capsys, monkeypatch, project):
    (project / "taken").mkdir()
    code, _, err = check(capsys, monkeypatch, project, *BUDGETS, "--write-baseline", "taken", "pkg")
    assert code == 2
    assert err.startswith("macslint: error: --write-baseline taken: ")
    assert sorted(p.name for p in project.iterdir()) == ["pkg", "taken"]  # no temporary file
    assert list((project / "taken").iterdir()) == []


# --------------------------------------------------------------------------- matching


def test_baseline_suppresses_what_it_recorded(capsys, monkeypatch, project):
    recorded(capsys, monkeypatch, project)
    assert check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "baseline.json", "pkg") == (
        0, [], "")
    code, out, _ = check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "baseline.json",
                         "--format", "sarif", "pkg")
    assert code == 0
    assert json.loads("\n".join(out))["runs"][0]["results"] == []


def test_baseline_survives_lines_inserted_above(capsys, monkeypatch, project):
    recorded(capsys, monkeypatch, project)
    write(project / "pkg" / "net.py", SOURCE.replace("\n\n", "\nimport os\n\n\n# layers\n"))
    code, out, _ = check(capsys, monkeypatch, project, *BUDGETS, "pkg/net.py")
    assert (code, [line.split(": ")[0] for line in out]) == (1, ["pkg/net.py:6:8", "pkg/net.py:7:8"])
    assert check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "baseline.json", "pkg") == (
        0, [], "")


def test_baseline_counts_identical_layers(capsys, monkeypatch, project):
    recorded(capsys, monkeypatch, project)
    write(project / "pkg" / "net.py", SOURCE + f"tail = {CONV}\n")
    code, out, _ = check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "baseline.json", "pkg")
    assert (code, out) == (1, [f"pkg/net.py:5:8: MAC002 {CONV_MESSAGE}"])


def test_baseline_is_per_file(capsys, monkeypatch, project):
    # The same layer recorded in other.py does not excuse it in a new file.
    recorded(capsys, monkeypatch, project)
    write(project / "pkg" / "new.py", f"import torch.nn as nn\nx = {CONV}\n")
    code, out, _ = check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "baseline.json", "pkg")
    assert (code, out) == (1, [f"pkg/new.py:2:5: MAC002 {CONV_MESSAGE}"])


def test_changing_the_call_resurrects_the_finding(capsys, monkeypatch, project):
    recorded(capsys, monkeypatch, project)
    write(project / "pkg" / "net.py", SOURCE.replace(LINEAR, "nn.Linear(512, 20)"))
    code, out, _ = check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "baseline.json", "pkg")
    assert (code, out) == (
        1, [f"pkg/net.py:4:8: MAC002 Linear(512, 20) {torch_has_params('Linear(512, 20)')}, budget 10"])


def test_a_budget_change_does_not_resurrect_the_finding(capsys, monkeypatch, project):
    # The message changes with the budget; the match is on the call, not on the message.
    recorded(capsys, monkeypatch, project)
    code, out, _ = check(capsys, monkeypatch, project, "--max-layer-params", "20", "--baseline",
                         "baseline.json", "pkg")
    assert (code, out) == (0, [])


def test_model_findings_match_by_name(capsys, monkeypatch, tmp_path):
    file = write(tmp_path / "m.py", "import torch.nn as nn\n" + MODEL)
    flags = ("--max-model-params", "10", "--input-size", "3x8x8")
    check(capsys, monkeypatch, tmp_path, *flags, "--write-baseline", "b.json", ".")
    assert [e["anchor"] for e in json.loads((tmp_path / "b.json").read_text())["findings"]] == ["Net"]
    write(file, "import torch.nn as nn\n\n\n" + MODEL)
    assert check(capsys, monkeypatch, tmp_path, *flags, "--baseline", "b.json", ".")[:2] == (0, [])
    write(file, "import torch.nn as nn\n" + MODEL.replace("class Net", "class Net2"))
    code, out, _ = check(capsys, monkeypatch, tmp_path, *flags, "--baseline", "b.json", ".")
    assert (code, out) == (1, ["./m.py:2:1: MAC004 Net2 has 224 params, budget 10"])


def test_baseline_from_another_directory(capsys, monkeypatch, project):
    recorded(capsys, monkeypatch, project)
    # From inside pkg/: the files are "net.py", the baseline's entries "pkg/net.py".
    assert check(capsys, monkeypatch, project / "pkg", *BUDGETS, "--baseline", "../baseline.json",
                 ".") == (0, [], "")
    # From outside the project, with absolute paths.
    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir()
    assert check(capsys, monkeypatch, elsewhere, *BUDGETS, "--baseline",
                 str(project / "baseline.json"), str(project / "pkg")) == (0, [], "")
    # And it still tells a file apart: net.py's Linear removed from the record comes back.
    data = json.loads((project / "baseline.json").read_text())
    data["findings"] = [e for e in data["findings"] if e["anchor"] != "Linear(512, 10)"]
    (project / "baseline.json").write_text(json.dumps(data))
    code, out, _ = check(capsys, monkeypatch, project / "pkg", *BUDGETS, "--baseline",
                         "../baseline.json", ".")
    assert (code, out) == (1, [f"./net.py:4:8: MAC002 {LINEAR_MESSAGE}"])


# --------------------------------------------------------------------------- pyproject.toml


def test_baseline_key_in_pyproject(capsys, monkeypatch, project):
    write(project / "pyproject.toml",
          '[tool.macslint]\nmax-layer-params = 10\nbaseline = "macslint-baseline.json"\n')
    code, out, _ = check(capsys, monkeypatch, project, "--write-baseline", "macslint-baseline.json",
                         "pkg")
    assert (code, out) == (0, [])
    assert check(capsys, monkeypatch, project, "pkg") == (0, [], "")
    assert check(capsys, monkeypatch, project / "pkg", ".") == (0, [], "")  # found from below too
    write(project / "pkg" / "net.py", SOURCE + f"tail = {LINEAR}\n")
    code, out, _ = check(capsys, monkeypatch, project / "pkg", ".")
    assert (code, out) == (1, [f"./net.py:5:8: MAC002 {LINEAR_MESSAGE}"])


def test_baseline_key_missing_file(capsys, monkeypatch, project):
    pyproject = write(project / "pyproject.toml",
                      '[tool.macslint]\nmax-layer-params = 10\nbaseline = "macslint-baseline.json"\n')
    code, out, err = check(capsys, monkeypatch, project, "pkg")
    assert (code, out) == (2, [])
    file = project / "macslint-baseline.json"
    assert err == (f"macslint: error: {pyproject}: baseline: baseline file {file} does not exist; "
                   f"write it with `macslint check --write-baseline {file}`\n")


def test_command_line_baseline_overrides_the_key(capsys, monkeypatch, project):
    write(project / "pyproject.toml",
          '[tool.macslint]\nmax-layer-params = 10\nbaseline = "missing.json"\n')
    check(capsys, monkeypatch, project, "--write-baseline", "given.json", "pkg")
    assert check(capsys, monkeypatch, project, "--baseline", "given.json", "pkg") == (0, [], "")


# --------------------------------------------------------------------------- unusable files


def test_missing_baseline_file(capsys, monkeypatch, project):
    code, out, err = check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "nope.json", "pkg")
    assert (code, out) == (2, [])
    assert err == ("macslint: error: --baseline: baseline file nope.json does not exist; write it "
                   "with `macslint check --write-baseline nope.json`\n")


@pytest.mark.parametrize("content, problem", [
    ("{\n  \"schema\": 1,\n", "is not valid JSON (line 3: Expecting property name enclosed in double quotes)"),
    ("[]", "is not a macslint baseline (schema 1)"),
    ('{"schema": 2, "findings": []}', "is not a macslint baseline (schema 1)"),
    ('{"schema": 1}', "is not a macslint baseline (schema 1)"),
    ('{"schema": 1, "findings": [{"path": "pkg/net.py", "code": "MAC002"}]}',
     "findings[0] needs string fields path, code and anchor"),
])
def test_corrupt_baseline_file(capsys, monkeypatch, project, content, problem):
    write(project / "bad.json", content)
    code, out, err = check(capsys, monkeypatch, project, *BUDGETS, "--format", "sarif",
                           "--baseline", "bad.json", "pkg")
    assert (code, out) == (2, [])
    assert err.startswith("macslint: error: --baseline: ")
    assert "bad.json" in err and problem in err
    assert err.endswith("; write it with `macslint check --write-baseline bad.json`\n")


def test_undecodable_baseline_file(capsys, monkeypatch, project):
    (project / "bad.json").write_bytes(b'{"schema": 1, "findings": ["\xff"]}')
    code, out, err = check(capsys, monkeypatch, project, *BUDGETS, "--baseline", "bad.json", "pkg")
    assert (code, out) == (2, [])
    assert err.startswith("macslint: error: --baseline: cannot read baseline file bad.json: ")


# --------------------------------------------------------------------------- paths


def test_file_outside_the_baseline_directory(capsys, monkeypatch, project):
    # The baseline lives in pkg/; a file beside pkg/ is recorded by its absolute path, which
    # matches from any directory.
    outside = write(project / "tools" / "t.py", f"import torch.nn as nn\nx = {CONV}\n")
    check(capsys, monkeypatch, project, *BUDGETS, "--write-baseline", "pkg/b.json", "pkg", "tools")
    paths = [e["path"] for e in json.loads((project / "pkg" / "b.json").read_text())["findings"]]
    assert paths == [outside.absolute().as_posix(), "net.py", "net.py", "other.py"]
    assert check(capsys, monkeypatch, project / "tools", *BUDGETS, "--baseline", "../pkg/b.json",
                 ".", "../pkg") == (0, [], "")


def test_symlinks(capsys, monkeypatch, project, tmp_path_factory):
    # A file that is a symlink is recorded where it stands in the project, not where it points;
    # a project reached through a symlinked directory still matches.
    target = write(tmp_path_factory.mktemp("shared") / "layers.py", f"import torch.nn as nn\ny = {LINEAR}\n")
    (project / "pkg" / "shared.py").symlink_to(target)
    recorded_file = project / "baseline.json"
    code, _, err = check(capsys, monkeypatch, project, *BUDGETS, "--write-baseline", "baseline.json", "pkg")
    assert (code, err) == (0, "macslint: recorded 4 findings in baseline.json\n")
    paths = [e["path"] for e in json.loads(recorded_file.read_text())["findings"]]
    assert paths == ["pkg/net.py", "pkg/net.py", "pkg/other.py", "pkg/shared.py"]
    link = project.parent / f"{project.name}-link"
    link.symlink_to(project, target_is_directory=True)
    assert check(capsys, monkeypatch, link, *BUDGETS, "--baseline", "baseline.json", "pkg") == (0, [], "")
    assert check(capsys, monkeypatch, project, *BUDGETS, "--baseline", str(link / "baseline.json"),
                 "pkg") == (0, [], "")
