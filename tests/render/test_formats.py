"""`macslint check --format text|json|sarif|github|rdjson`: each output parsed back and checked
field by field against the text format, the source (positions computed here, with Python's own
string and UTF-8 arithmetic) and what its consumer documents: SARIF 2.1.0 as GitHub code
scanning reads it (validated with the official schema), GitHub Actions workflow commands and
reviewdog's rdjson. In-process (`macslint.adapters.cli.main`) in scratch git repositories."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import unquote

import jsonschema
import pytest

from macslint import config
from macslint.adapters import cli
from macslint.render import formats
from macslint.codes import CODES, HOMEPAGE, help_url
from macslint.results.findings import Finding
from tests.helpers import DATA, REPO
from tests.torchnn.tracer_helpers import torch_has_params

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SARIF_SCHEMA = json.loads((DATA / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
TEXT_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>MAC\d{3}) (?P<message>.*)$")

# Four findings of three levels, one of them a call over two lines.
SAMPLE = (
    "import torch.nn as nn\n"  # 1
    "\n"  # 2
    "stem = nn.Conv2d(3, 64, 7)\n"  # 3: MAC002 (warning)
    "bad = nn.Conv2d(3, 64, 7, groups=2)\n"  # 4: MAC010 (error)
    "head = nn.Linear(\n"  # 5: MAC002 over lines 5-6
    "    512, 10)\n"  # 6
    "\n"  # 7
    "def build(width):\n"  # 8
    "    return nn.Conv2d(width, 8, 1)\n"  # 9: MAC100 (note; off by default)
)
SAMPLE_CALLS = ["nn.Conv2d(3, 64, 7)", "nn.Conv2d(3, 64, 7, groups=2)", "nn.Linear(\n    512, 10)",
                "nn.Conv2d(width, 8, 1)"]
SAMPLE_FLAGS = ("--max-layer-params", "10", "--extend-select", "MAC100")
CONV = "import torch.nn as nn\nconv = nn.Conv2d(3, 64, 7)\n"
LEVELS = {"MAC002": "warning", "MAC010": "error", "MAC100": "note"}
# The MAC002 messages, with torch's parameter counts (budget 10 is --max-layer-params 10).
STEM = f"Conv2d(3, 64, 7) {torch_has_params('Conv2d(3, 64, 7)')}"
STEM_MAC002 = f"{STEM}, budget 10"
HEAD_MAC002 = f"Linear(512, 10) {torch_has_params('Linear(512, 10)')}, budget 10"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch git repository (the root SARIF's and GitHub's paths are relative to)."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, monkeypatch, cwd: Path, *argv: str) -> Tuple[int, str, str]:
    """`macslint check *argv` in-process from `cwd`: (exit code, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    config.clear_caches()
    code = cli.main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def text_findings(out: str) -> List[Dict[str, object]]:
    found = []
    for line in out.splitlines():
        match = TEXT_LINE.match(line)
        assert match, f"not a text finding: {line!r}"
        d = match.groupdict()
        found.append({**d, "line": int(d["line"]), "col": int(d["col"])})
    return found


def span(source: str, snippet: str) -> Tuple[int, int, int, int]:
    """(line, col, end_line, end_col) of `snippet`'s first occurrence in `source`: 1-based,
    columns in characters, the end exclusive."""
    offset = source.index(snippet)
    before = source[:offset].split("\n")
    line, col = len(before), len(before[-1]) + 1
    through = source[: offset + len(snippet)].split("\n")
    return line, col, len(through), len(through[-1]) + 1


def sarif(capsys, monkeypatch, cwd: Path, *argv: str) -> Tuple[int, dict]:
    code, out, err = run(capsys, monkeypatch, cwd, "--format", "sarif", *argv)
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return code, log


def results(log: dict) -> List[dict]:
    (run_,) = log["runs"]
    return run_["results"]


def region(result: dict) -> dict:
    (location,) = result["locations"]
    return location["physicalLocation"]["region"]


def artifact(result: dict) -> dict:
    (location,) = result["locations"]
    return location["physicalLocation"]["artifactLocation"]


def fingerprint(result: dict) -> str:
    (value,) = result["partialFingerprints"].values()
    return value


# --------------------------------------------------------------------------- SARIF


def test_sarif_log_tool_and_rules(capsys, monkeypatch, repo):
    write(repo / "m.py", CONV)
    code, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py")
    assert code == 1
    assert log["$schema"] in ("https://json.schemastore.org/sarif-2.1.0.json",
                              "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "macslint"
    assert driver["version"] == VERSION
    assert driver["informationUri"] == HOMEPAGE == "https://github.com/macslint/macslint"
    assert run_["columnKind"] == "unicodeCodePoints"  # text columns count characters
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [code.code for code in CODES]
    for rule, code in zip(rules, CODES):
        assert rule["shortDescription"]["text"] == code.title
        assert rule["fullDescription"]["text"] == code.description
        assert rule["help"]["text"].strip() and help_url(code.code) in rule["help"]["text"]
        assert rule["helpUri"] == f"https://github.com/macslint/macslint#{code.code.lower()}"
        assert rule["defaultConfiguration"]["level"] == code.level
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    # As the README's format table says: errors for MAC010, MAC011, MAC9xx; MAC100 a note.
    assert levels == {"MAC001": "warning", "MAC002": "warning", "MAC003": "warning",
                      "MAC004": "warning", "MAC005": "warning", "MAC006": "warning",
                      "MAC010": "error", "MAC011": "error", "MAC012": "warning", "MAC013": "warning",
                      "MAC014": "warning",
                      "MAC100": "note",
                      "MAC900": "error", "MAC901": "error", "MAC902": "error"}


def test_sarif_schema_check_is_not_vacuous(capsys, monkeypatch, repo):
    write(repo / "m.py", CONV)
    _, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py")
    del results(log)[0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)


def test_sarif_results_match_text_and_source(capsys, monkeypatch, repo):
    write(repo / "m.py", SAMPLE)
    code, out, _ = run(capsys, monkeypatch, repo, *SAMPLE_FLAGS, "m.py")
    text = text_findings(out)
    assert code == 1
    assert [(f["code"], f["line"]) for f in text] == [("MAC002", 3), ("MAC010", 4), ("MAC002", 5),
                                                      ("MAC100", 9)]
    code, log = sarif(capsys, monkeypatch, repo, *SAMPLE_FLAGS, "m.py")
    assert code == 1
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    found = results(log)
    assert len(found) == len(text) == len(SAMPLE_CALLS)
    for result, finding, call in zip(found, text, SAMPLE_CALLS):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == LEVELS[finding["code"]]
        assert result["message"]["text"] == finding["message"]
        assert artifact(result) == {"uri": "m.py", "uriBaseId": "%SRCROOT%"}
        line, col, end_line, end_col = span(SAMPLE, call)
        assert (finding["line"], finding["col"]) == (line, col)
        assert region(result) == {"startLine": line, "startColumn": col,
                                  "endLine": end_line, "endColumn": end_col}
    assert region(found[2])["endLine"] == 6  # the Linear call's closing parenthesis
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_sarif_columns_count_code_points(capsys, monkeypatch, repo):
    source = 'import torch.nn as nn\nx = "héllo😀"; conv = nn.Conv2d(3, 64, 7)\n'
    write(repo / "m.py", source)
    _, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py")
    (result,) = results(log)
    line = source.split("\n")[1]
    start = line.index("nn.Conv2d") + 1
    assert start == 22
    assert region(result) == {"startLine": 2, "startColumn": start, "endLine": 2,
                              "endColumn": len(line) + 1}


def test_sarif_class_line_finding_covers_the_rest_of_the_line(capsys, monkeypatch, repo):
    # A model finding has no end of its own: it spans its `class` line. A U+2028 in a comment
    # above must not shift the lines the end is measured on (str.splitlines would split there).
    source = ("import torch.nn as nn\n# a\u2028b\x0c\n"
              "class Net(nn.Module):  # größe\n"
              "    def __init__(self):\n        super().__init__()\n"
              "        self.c = nn.Conv2d(3, 8, 3)\n"
              "    def forward(self, x):\n        return self.c(x)\n")
    write(repo / "m.py", source)
    _, log = sarif(capsys, monkeypatch, repo, "--max-model-params", "10", "--input-size", "3x8x8",
                   "m.py")
    (result,) = results(log)
    assert result["ruleId"] == "MAC004"
    class_line = "class Net(nn.Module):  # größe"
    assert region(result) == {"startLine": 3, "startColumn": 1, "endLine": 3,
                              "endColumn": len(class_line) + 1}


def test_sarif_uri_is_relative_to_the_git_root_from_a_subdirectory(capsys, monkeypatch, repo):
    write(repo / "pkg" / "models" / "m.py", CONV)
    code, out, _ = run(capsys, monkeypatch, repo / "pkg", "--max-layer-params", "10", "models")
    assert out.startswith("models/m.py:2:8: MAC002 ")  # the text path is as given
    code, log = sarif(capsys, monkeypatch, repo / "pkg", "--max-layer-params", "10", "models")
    assert code == 1
    (result,) = results(log)
    assert artifact(result) == {"uri": "pkg/models/m.py", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"] == {
        "%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    from_subdir = fingerprint(result)
    _, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", "pkg")
    (result,) = results(log)
    assert artifact(result)["uri"] == "pkg/models/m.py"
    assert fingerprint(result) == from_subdir


def test_sarif_uri_is_percent_encoded(capsys, monkeypatch, repo):
    name = "my net,v2:50%.py"
    write(repo / "sub dir" / name, CONV)
    _, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", "sub dir")
    (result,) = results(log)
    uri = artifact(result)["uri"]
    assert uri == "sub%20dir/my%20net%2Cv2%3A50%25.py"
    assert unquote(uri) == f"sub dir/{name}"


def test_sarif_file_outside_the_repository_gets_an_absolute_uri(capsys, monkeypatch, repo, tmp_path):
    outside = write(tmp_path / "elsewhere" / "m.py", CONV)
    _, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", str(outside))
    (result,) = results(log)
    assert artifact(result) == {"uri": outside.resolve().as_uri()}


def test_sarif_fingerprints_stable_across_runs_and_line_shifts(capsys, monkeypatch, repo):
    source = ("import torch.nn as nn\n"
              "a = nn.Conv2d(3, 64, 7)\n"
              "b = nn.Linear(512, 10)\n")
    file = write(repo / "m.py", source)
    flags = ("--max-layer-params", "10", "m.py")
    _, first = sarif(capsys, monkeypatch, repo, *flags)
    _, second = sarif(capsys, monkeypatch, repo, *flags)
    prints = [fingerprint(r) for r in results(first)]
    assert len(prints) == 2 and len(set(prints)) == 2
    assert all(re.fullmatch(r"[0-9a-f]{16,}", p) for p in prints)
    assert [fingerprint(r) for r in results(second)] == prints
    # Unrelated lines above: every finding moves down three lines, its fingerprint stays.
    write(file, source.replace("\na = ", "\nimport os\n\n# the stem\na = "))
    _, shifted = sarif(capsys, monkeypatch, repo, *flags)
    assert [region(r)["startLine"] for r in results(shifted)] == [5, 6]
    assert [fingerprint(r) for r in results(shifted)] == prints
    # The layer's call changes: that finding is a different one.
    write(file, source.replace("nn.Conv2d(3, 64, 7)", "nn.Conv2d(3, 64, 5)"))
    _, changed = sarif(capsys, monkeypatch, repo, *flags)
    changed_prints = [fingerprint(r) for r in results(changed)]
    assert changed_prints[0] != prints[0] and changed_prints[1] == prints[1]


def test_sarif_fingerprints_differ_for_identical_layers(capsys, monkeypatch, repo):
    write(repo / "m.py", "import torch.nn as nn\na = nn.Conv2d(3, 64, 7)\nb = nn.Conv2d(3, 64, 7)\n")
    write(repo / "n.py", CONV)
    _, log = sarif(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py", "n.py")
    found = results(log)
    assert [r["message"]["text"] for r in found] == [STEM_MAC002] * 3
    prints = [fingerprint(r) for r in found]
    assert len(set(prints)) == 3  # two in one file, the same layer in another file


def test_sarif_model_fingerprint_survives_a_shift(capsys, monkeypatch, repo):
    model = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.c = nn.Conv2d(3, 8, 3)\n    def forward(self, x):\n        return self.c(x)\n")
    file = write(repo / "m.py", "import torch.nn as nn\n" + model)
    flags = ("--max-model-params", "10", "--input-size", "3x8x8", "m.py")
    _, before = sarif(capsys, monkeypatch, repo, *flags)
    write(file, "import torch.nn as nn\nimport torch\n\n\n" + model)
    _, after = sarif(capsys, monkeypatch, repo, *flags)
    ((old,), (new,)) = results(before), results(after)
    assert (old["ruleId"], region(old)["startLine"], region(new)["startLine"]) == ("MAC004", 2, 5)
    assert fingerprint(old) == fingerprint(new)


def test_sarif_with_a_broken_config_is_still_a_valid_log(capsys, monkeypatch, repo):
    write(repo / "good" / "m.py", CONV)
    write(repo / "bad" / "m.py", CONV)
    write(repo / "bad" / "pyproject.toml", '[tool.macslint]\nmax-layer-mac = "100M"\n')
    code, out, err = run(capsys, monkeypatch, repo, "--format", "sarif", "--max-layer-params", "10",
                         "good", "bad")
    assert code == 2
    assert "bad/pyproject.toml: max-layer-mac = '100M': unknown key" in err
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert [artifact(r)["uri"] for r in results(log)] == ["good/m.py"]
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolConfigurationNotifications"]
    assert note["level"] == "error"
    assert "bad/pyproject.toml: max-layer-mac = '100M': unknown key" in note["message"]["text"]


# --------------------------------------------------------------------------- GitHub annotations


def test_github_exact_lines(capsys, monkeypatch, repo):
    write(repo / "pkg" / "m.py", SAMPLE)
    code, out, err = run(capsys, monkeypatch, repo / "pkg", "--format", "github", *SAMPLE_FLAGS, "m.py")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "::warning file=pkg/m.py,line=3,col=8,endLine=3,endColumn=26,title=MAC002::" + STEM_MAC002,
        "::error file=pkg/m.py,line=4,col=7,endLine=4,endColumn=35,title=MAC010::"
        "Conv2d(3, 64, 7, groups=2) is invalid: in_channels must be divisible by groups",
        # Over two lines: GitHub takes columns only when the start and end lines are equal.
        "::warning file=pkg/m.py,line=5,endLine=6,title=MAC002::" + HEAD_MAC002,
        "::notice file=pkg/m.py,line=9,col=12,endLine=9,endColumn=33,title=MAC100::"
        "Conv2d(width, 8, 1) is not resolved: argument 'in_channels' is not known: 'width' is a "
        "parameter of build()",
        "::notice title=macslint::macslint: 4 findings in 1 of 1 file "
        "(MAC002 x2, MAC010 x1, MAC100 x1)",
    ]
    assert out.endswith("\n")


def test_github_end_column_is_the_last_character_of_the_call(capsys, monkeypatch, repo):
    write(repo / "m.py", SAMPLE)
    _, out, _ = run(capsys, monkeypatch, repo, "--format", "github", *SAMPLE_FLAGS, "m.py")
    source_lines = SAMPLE.split("\n")
    for line in out.splitlines()[:-1]:
        props = dict(p.split("=", 1) for p in line.split(" ", 1)[1].split("::")[0].split(","))
        if "col" not in props:
            assert props["line"] != props["endLine"]
            continue
        text = source_lines[int(props["line"]) - 1]
        called = text[int(props["col"]) - 1: int(props["endColumn"])]
        assert called.startswith("nn.") and called.endswith(")")
        assert len(text) == int(props["endColumn"]) or text[int(props["endColumn"])] in " #"


def test_github_path_properties_are_escaped(capsys, monkeypatch, repo):
    write(repo / "a,b:c 50%.py", CONV)
    code, out, _ = run(capsys, monkeypatch, repo, "--format", "github", "--max-layer-params", "10", ".")
    assert code == 1
    assert out.splitlines()[0] == (
        "::warning file=a%2Cb%3Ac 50%25.py,line=2,col=8,endLine=2,endColumn=26,title=MAC002::"
        + STEM_MAC002)
    _, text, _ = run(capsys, monkeypatch, repo, "--max-layer-params", "10", ".")
    assert text.startswith("./a,b:c 50%.py:2:8: MAC002 ")


def test_github_escaping_functions():
    assert formats.escape_data("50%:\n,\r") == "50%25:%0A,%0D"
    assert formats.escape_property("50%:\n,\r") == "50%25%3A%0A%2C%0D"
    # `%` first: an escape is never escaped again.
    assert formats.escape_data("%0A") == "%250A"
    assert formats.escape_property("%3A:") == "%253A%3A"


def test_github_render_escapes_message_and_properties(tmp_path):
    source = "import torch.nn as nn\nconv = nn.Conv2d(3, 64, 7)\n"
    finding = Finding("d:1,2/f.py", 2, 8, "MAC010", "50%:\n,\r done", 2, 27, "Conv2d(3, 64, 7)")
    located = formats.locate([(finding, source)], tmp_path)
    assert formats.render_github(located, 1).splitlines() == [
        "::error file=d%3A1%2C2/f.py,line=2,col=8,endLine=2,endColumn=26,title=MAC010::"
        "50%25:%0A,%0D done",
        "::notice title=macslint::macslint: 1 finding in 1 of 1 file (MAC010 x1)",
    ]


def _layers(n: int, call: str = "nn.Conv2d(3, 64, 7)") -> str:
    return "import torch.nn as nn\n" + "".join(f"c{i} = {call}\n" for i in range(n))


LIMIT = ("; GitHub shows only 10 annotations of each kind per step: every finding is in this "
         "step's log")


def test_github_summary_mentions_the_limit_past_ten_of_a_kind(capsys, monkeypatch, repo):
    write(repo / "m.py", _layers(12))
    write(repo / "clean.py", "x = 1\n")
    code, out, _ = run(capsys, monkeypatch, repo, "--format", "github", "--max-layer-params", "10", ".")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 13
    assert all(line.startswith("::warning file=m.py,") for line in lines[:12])
    assert lines[-1] == ("::notice title=macslint::macslint: 12 findings in 1 of 2 files "
                         "(MAC002 x12)" + LIMIT)


def test_github_summary_without_the_limit_at_ten(capsys, monkeypatch, repo):
    write(repo / "m.py", _layers(10))
    _, out, _ = run(capsys, monkeypatch, repo, "--format", "github", "--max-layer-params", "10", ".")
    assert out.splitlines()[-1] == ("::notice title=macslint::macslint: 10 findings in 1 of 1 file "
                                    "(MAC002 x10)")


def test_github_limit_counts_each_kind(capsys, monkeypatch, repo):
    # 6 warnings and 6 errors: 12 annotations, but GitHub's limit is 10 of each kind.
    write(repo / "m.py", _layers(6) + "".join(f"e{i} = nn.Conv2d(3, 64, 7, groups=2)\n"
                                              for i in range(6)))
    _, out, _ = run(capsys, monkeypatch, repo, "--format", "github", "--max-layer-params", "10", ".")
    assert out.splitlines()[-1] == ("::notice title=macslint::macslint: 12 findings in 1 of 1 file "
                                    "(MAC002 x6, MAC010 x6)")


def test_github_clean(capsys, monkeypatch, repo):
    write(repo / "m.py", CONV)
    write(repo / "n.py", CONV)
    assert run(capsys, monkeypatch, repo, "--format", "github", ".") == (
        0, "::notice title=macslint::no findings in 2 files\n", "")


# --------------------------------------------------------------------------- reviewdog rdjson


def rdjson(capsys, monkeypatch, cwd: Path, *argv: str) -> Tuple[int, dict]:
    code, out, _ = run(capsys, monkeypatch, cwd, "--format", "rdjson", *argv)
    return code, json.loads(out)


def byte_col(text: str, char_index: int) -> int:
    """1-based UTF-8 byte column of the character at 0-based `char_index`."""
    return len(text[:char_index].encode("utf-8")) + 1


def test_rdjson_columns_count_utf8_bytes(capsys, monkeypatch, repo):
    source = 'import torch.nn as nn\nx = "héllo😀"; conv = nn.Conv2d(3, 64, 7)  # ü\n'
    write(repo / "m.py", source)
    flags = ("--max-layer-params", "10", "m.py")
    _, out, _ = run(capsys, monkeypatch, repo, *flags)
    (finding,) = text_findings(out)
    line = source.split("\n")[1]
    start = line.index("nn.Conv2d")
    end = start + len("nn.Conv2d(3, 64, 7)")
    assert finding["col"] == start + 1 == 22  # the text format counts characters
    code, data = rdjson(capsys, monkeypatch, repo, *flags)
    assert code == 1
    (diag,) = data["diagnostics"]
    assert diag["location"] == {"path": "m.py", "range": {
        "start": {"line": 2, "column": byte_col(line, start)},
        "end": {"line": 2, "column": byte_col(line, end)}}}
    assert (byte_col(line, start), byte_col(line, end)) == (26, 45)


def test_rdjson_end_on_a_later_line_counts_that_lines_bytes(capsys, monkeypatch, repo):
    source = 'import torch.nn as nn\nconv = nn.Conv2d(3, 64,\n    7 if "é" else 5)\n'
    write(repo / "m.py", source)
    _, data = rdjson(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py")
    (diag,) = data["diagnostics"]
    end_line = source.split("\n")[2]
    assert diag["location"]["range"] == {"start": {"line": 2, "column": 8},
                                         "end": {"line": 3, "column": byte_col(end_line, len(end_line))}}


def test_rdjson_lines_are_numbered_as_python_numbers_them(capsys, monkeypatch, repo):
    # A form feed and U+2028 in a comment do not end a line for Python (nor for libcst).
    source = ('import torch.nn as nn\n\x0c\n# a\u2028b \x85 c\n'
              'x = "é"; conv = nn.Conv2d(3, 64, 7)\n')
    write(repo / "m.py", source)
    _, out, _ = run(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py")
    assert out.startswith("m.py:4:17: MAC002 ")
    _, data = rdjson(capsys, monkeypatch, repo, "--max-layer-params", "10", "m.py")
    (diag,) = data["diagnostics"]
    line = 'x = "é"; conv = nn.Conv2d(3, 64, 7)'
    assert diag["location"]["range"] == {"start": {"line": 4, "column": byte_col(line, 16)},
                                         "end": {"line": 4, "column": byte_col(line, len(line))}}


def test_rdjson_source_severity_and_code(capsys, monkeypatch, repo):
    write(repo / "m.py", SAMPLE)
    _, out, _ = run(capsys, monkeypatch, repo, *SAMPLE_FLAGS, "m.py")
    text = text_findings(out)
    code, data = rdjson(capsys, monkeypatch, repo, *SAMPLE_FLAGS, "m.py")
    assert code == 1
    assert data["source"] == {"name": "macslint", "url": "https://github.com/macslint/macslint"}
    assert [d["severity"] for d in data["diagnostics"]] == ["WARNING", "ERROR", "WARNING", "INFO"]
    for diag, finding, call in zip(data["diagnostics"], text, SAMPLE_CALLS):
        assert diag["message"] == finding["message"]
        assert diag["code"] == {"value": finding["code"],
                                "url": f"https://github.com/macslint/macslint#{finding['code'].lower()}"}
        assert diag["code"]["url"] == help_url(finding["code"])
        line, col, end_line, end_col = span(SAMPLE, call)  # ASCII: bytes = characters
        assert diag["location"] == {"path": "m.py", "range": {
            "start": {"line": line, "column": col}, "end": {"line": end_line, "column": end_col}}}
    assert len(data["diagnostics"]) == len(text) == 4


# --------------------------------------------------------------------------- JSON


def test_json_is_the_report_plus_the_findings(capsys, monkeypatch, repo):
    write(repo / "a.py", SAMPLE)
    write(repo / "b.py", "x = 1\n")
    flags = ("--max-layer-params", "10", "--unit", "flops")
    code, out, _ = run(capsys, monkeypatch, repo, "--format", "json", *flags, ".")
    assert code == 1
    data = json.loads(out)
    _, text, _ = run(capsys, monkeypatch, repo, *flags, ".")
    monkeypatch.chdir(repo)
    config.clear_caches()
    assert cli.main(["report", "--format", "json", *flags, "."]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {key: value for key, value in data.items() if key != "findings"} == report
    assert (data["schema"], data["unit"]) == (1, "flops")
    assert [f["path"] for f in data["files"]] == ["./a.py", "./b.py"]
    expected = text_findings(text)
    assert len(data["findings"]) == len(expected) == 3  # MAC100 is off by default
    for got, finding in zip(data["findings"], expected):
        call = {3: SAMPLE_CALLS[0], 4: SAMPLE_CALLS[1], 5: SAMPLE_CALLS[2]}[finding["line"]]
        _, _, end_line, end_col = span(SAMPLE, call)
        assert got == {"path": finding["path"], "line": finding["line"], "col": finding["col"],
                       "end_line": end_line, "end_col": end_col, "code": finding["code"],
                       "level": LEVELS[finding["code"]], "message": finding["message"]}


# --------------------------------------------------------------------------- exit codes

JSON_FORMATS = ("json", "sarif", "rdjson", "gitlab")


def parse(fmt: str, out: str):
    return json.loads(out) if fmt in JSON_FORMATS else out.splitlines()


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_exit_1_with_findings(capsys, monkeypatch, repo, fmt):
    write(repo / "m.py", CONV)
    code, out, err = run(capsys, monkeypatch, repo, "--format", fmt, "--max-layer-params", "10", ".")
    assert (code, err) == (1, "")
    assert STEM_MAC002 in out
    parse(fmt, out)


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_exit_0_when_clean(capsys, monkeypatch, repo, fmt):
    write(repo / "m.py", CONV)
    code, out, err = run(capsys, monkeypatch, repo, "--format", fmt, ".")
    assert (code, err) == (0, "")
    parsed = parse(fmt, out)
    empty = {"text": [], "json": None, "sarif": None, "github": None, "rdjson": None, "gitlab": []}
    if fmt == "json":
        assert parsed["findings"] == [] and len(parsed["files"]) == 1
    elif fmt == "sarif":
        assert results(parsed) == []
    elif fmt == "rdjson":
        assert parsed["diagnostics"] == []
    elif fmt == "github":
        assert parsed == ["::notice title=macslint::no findings in 1 file"]
    else:
        assert parsed == empty[fmt]


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_exit_2_on_a_broken_config_still_reports_the_rest(capsys, monkeypatch, repo, fmt):
    write(repo / "good" / "m.py", CONV)
    write(repo / "bad" / "m.py", CONV)
    write(repo / "bad" / "pyproject.toml", '[tool.macslint]\nmax-layer-mac = "100M"\n')
    code, out, err = run(capsys, monkeypatch, repo, "--format", fmt, "--max-layer-params", "10",
                         "bad", "good")
    assert code == 2
    assert err.startswith(f"macslint: error: {repo / 'bad' / 'pyproject.toml'}: max-layer-mac = "
                          "'100M': unknown key in [tool.macslint]")
    parse(fmt, out)  # the machine-readable formats stay parseable
    assert out.count(STEM) == 1  # good/m.py's, and only it
    assert "good/m.py" in out and "bad/m.py" not in out
