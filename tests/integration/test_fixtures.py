"""The fixtures/ showcase: golden `macslint check` output, flake8 agreement, and PyTorch as the
oracle for every layer `macslint report` costs."""

from __future__ import annotations

import ast
import json
import math
import re
from collections import defaultdict
from typing import Any, Dict, List

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from tests.helpers import FIXTURE_FILES, FIXTURES, REPO, expected_path, flake8, lines, mac_lines, macslint

FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>MAC\d{3}) (?P<message>.+)$")


def expected_lines(fixture: str) -> List[str]:
    return lines(expected_path(fixture).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the fixtures themselves


def test_fixture_set_is_complete():
    assert len(FIXTURE_FILES) >= 10
    for sub in ("audio/", "video/", "legacy/"):
        assert any(f.startswith(sub) for f in FIXTURE_FILES), sub
    for fixture in FIXTURE_FILES:
        assert expected_path(fixture).is_file(), f"{fixture} has no .expected file"
    # every .expected belongs to a fixture
    for exp in FIXTURES.rglob("*.expected"):
        assert exp.with_suffix(".py").is_file(), exp
    # a showcase has clean files and files over each budget
    all_codes = {FINDING.match(line)["code"] for f in FIXTURE_FILES for line in expected_lines(f)}
    assert {"MAC001", "MAC002", "MAC003", "MAC004", "MAC010", "MAC011", "MAC100"} <= all_codes
    assert any(not expected_lines(f) for f in FIXTURE_FILES), "no clean fixture"


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_fixture_is_valid_python(fixture):
    compile((FIXTURES / fixture).read_text(encoding="utf-8"), fixture, "exec")


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_expected_file_is_well_formed(fixture):
    """Every golden line names this file, a known code, and where it points: a layer finding a
    call start, a model finding a class line, a shape mismatch an expression."""
    tree = ast.parse((FIXTURES / fixture).read_text(encoding="utf-8"))
    call_starts = {(n.lineno, n.col_offset + 1) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    class_starts = {(n.lineno, n.col_offset + 1) for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    expression_starts = {(n.lineno, n.col_offset + 1) for n in ast.walk(tree) if isinstance(n, ast.expr)}
    for line in expected_lines(fixture):
        match = FINDING.match(line)
        assert match, line
        assert match["path"] == fixture
        position = (int(match["line"]), int(match["col"]))
        starts = {"MAC003": class_starts, "MAC004": class_starts, "MAC011": expression_starts}
        assert position in starts.get(match["code"], call_starts), f"not where it belongs: {line}"


# --------------------------------------------------------------------------- golden output


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_check_matches_expected(fixture):
    result = macslint("check", "--select", "MAC", fixture)
    expected = expected_lines(fixture)
    assert lines(result.stdout) == expected
    assert result.stderr == ""
    assert result.returncode == (1 if expected else 0)


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_flake8_select_mac_matches_expected(fixture):
    result = flake8("--select", "MAC", fixture)
    expected = expected_lines(fixture)
    assert lines(result.stdout) == expected
    assert result.returncode == (1 if expected else 0)


def _by_path(output: List[str]) -> Dict[str, List[str]]:
    grouped: Dict[str, List[str]] = defaultdict(list)
    for line in output:
        grouped[line.split(":", 1)[0]].append(line)
    return grouped


def test_default_selection_agrees_with_flake8_and_excludes_mac100():
    cli = macslint("check", *FIXTURE_FILES)
    f8 = flake8(*FIXTURE_FILES)
    assert cli.returncode == 1 and f8.returncode == 1
    cli_lines, f8_lines = lines(cli.stdout), mac_lines(f8.stdout)
    assert _by_path(cli_lines) == _by_path(f8_lines)
    # off by default: the golden files have MAC100 lines, the default run has none of them
    assert not [line for line in cli_lines if " MAC100 " in line]
    golden = [line for f in FIXTURE_FILES for line in expected_lines(f)]
    assert any(" MAC100 " in line for line in golden)
    assert cli_lines == [line for line in golden if " MAC100 " not in line]


def _dotted(fixture_lines: List[str]) -> List[str]:
    return sorted("./" + line for line in fixture_lines)


def test_whole_directory_select_mac_agrees():
    cli = macslint("check", "--select", "MAC", ".")
    f8 = flake8("--select", "MAC", ".")
    assert sorted(lines(cli.stdout)) == sorted(lines(f8.stdout))
    assert cli.returncode == f8.returncode == 1
    golden = [line for f in FIXTURE_FILES for line in expected_lines(f)]
    assert sorted(lines(cli.stdout)) == _dotted(golden)


def test_from_repository_root_per_path_is_relative_to_the_config():
    """Run from above fixtures/: per-path globs still match relative to fixtures/pyproject.toml."""
    cli = macslint("check", "--select", "MAC", "fixtures", cwd=REPO)
    f8 = flake8("--select", "MAC", "fixtures", cwd=REPO)
    golden = [line for f in FIXTURE_FILES for line in expected_lines(f)]
    assert sorted(lines(cli.stdout)) == sorted("fixtures/" + line for line in golden)
    assert sorted(lines(f8.stdout)) == sorted(lines(cli.stdout))


def test_whole_directory_default_selection_agrees():
    cli = macslint("check", ".")
    f8 = flake8(".")
    assert sorted(lines(cli.stdout)) == sorted(mac_lines(f8.stdout))
    assert cli.returncode == f8.returncode == 1
    assert " MAC100 " not in cli.stdout


# --------------------------------------------------------------------------- PyTorch as the oracle


@pytest.fixture(scope="module")
def report() -> Dict[str, Any]:
    result = macslint("report", "--format", "json", ".")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    return data


def _files(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {f["path"].removeprefix("./"): f for f in report["files"]}


def _build(kind: str, args: Dict[str, Any], device: str) -> torch.nn.Module:
    with torch.device(device):
        return getattr(torch.nn, kind)(**args)


def _check_resolved(layer: Dict[str, Any], file: Dict[str, Any]) -> List[str]:
    """Problems with one resolved layer, as torch sees it (on the meta device: no compute)."""
    where = f"{file['path']}:{layer['line']}:{layer['col']} {layer['call']}"
    problems = []
    module = _build(layer["kind"], layer["args"], "meta")
    params = sum(p.numel() for p in module.parameters())
    if params != layer["params"]:
        problems.append(f"{where}: params {layer['params']}, torch {params}")
    if layer["input"] is None:
        if layer["macs"] != 0:
            problems.append(f"{where}: no input but macs {layer['macs']}")
        return problems
    batch = file["batch_size"]
    shapes = [layer["input"], *layer.get("extra_inputs", [])]
    inputs = [torch.zeros((batch, *shape), device="meta") for shape in shapes]
    with FlopCounterMode(display=False) as counter:
        output = module(*inputs)
    if tuple(output.shape[1:]) != tuple(layer["output"]):
        problems.append(f"{where}: output {layer['output']}, torch {list(output.shape[1:])}")
    if layer["kind"] == "Bilinear":
        out, in1, in2 = module.weight.shape
        macs = batch * out * in1 * in2
    else:
        macs = counter.get_total_flops() // 2
    if macs != layer["macs"]:
        problems.append(f"{where}: macs {layer['macs']}, torch {macs}")
    return problems


def _standalone_input(kind: str, module: torch.nn.Module, file: Dict[str, Any]) -> torch.Tensor:
    """The input macslint costs a layer at on its own, from the file's input-size."""
    size, batch = file["input"], file["batch_size"]
    match = re.fullmatch(r"Conv(?:Transpose)?([123])d", kind)
    if match:
        n = int(match[1])
        return torch.zeros((batch, module.in_channels, *size[len(size) - n:]))
    if kind == "Linear":
        return torch.zeros((batch, module.in_features))
    return torch.zeros((batch, *size))


def _torch_raises(layer: Dict[str, Any], file: Dict[str, Any]) -> bool:
    """Build the layer from the arguments as written, then call it at its input."""
    call, kind = layer["call"], layer["kind"]
    assert "..." not in call, f"invalid fixture layers must be written out in full: {call}"
    cls = getattr(torch.nn, kind)
    try:
        module = eval(call, {"__builtins__": {}}, {kind: cls})  # noqa: S307 - our own fixture text
    except Exception:  # noqa: BLE001 - torch refusing to construct is the point
        return True
    try:
        with torch.no_grad():
            module(_standalone_input(kind, module, file))
    except Exception:  # noqa: BLE001
        return True
    return False


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_every_resolved_layer_matches_torch(report, fixture):
    file = _files(report)[fixture]
    assert file["error"] is None
    problems = []
    for layer in file["layers"]:
        if layer["resolved"]:
            assert layer["args"] is not None and layer["error"] is None and layer["reason"] is None
            problems.extend(_check_resolved(layer, file))
    assert problems == []


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_every_invalid_layer_is_refused_by_torch(report, fixture):
    file = _files(report)[fixture]
    for layer in file["layers"]:
        if layer["error"] is not None:
            assert not layer["resolved"] and layer["reason"] == layer["error"]
            assert _torch_raises(layer, file), f"torch accepts {fixture}:{layer['line']} {layer['call']}"


def test_oracle_is_not_vacuous(report):
    layers = [(f, layer) for f in report["files"] for layer in f["layers"]]
    resolved = [layer for _, layer in layers if layer["resolved"]]
    with_input = [layer for layer in resolved if layer["input"] is not None]
    invalid = [layer for _, layer in layers if layer["error"] is not None]
    assert len(resolved) >= 100
    assert len(with_input) >= 50
    assert len(invalid) >= 12
    assert {layer["kind"] for layer in with_input} >= {
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
        "Linear", "Bilinear",
    }
    # the per-path input sizes reached the report
    files = _files(report)
    assert files["audio/speech.py"]["input"] == [1, 16000]
    assert files["video/clip.py"]["input"] == [3, 8, 112, 112]
    assert files["lenet.py"]["input"] == [1, 32, 32]
    assert files["vgg.py"]["input"] == [3, 224, 224]
    assert math.prod(files["vgg.py"]["input"]) == 150528


def test_oracle_catches_a_wrong_count(report):
    """The oracle itself can fail: a layer with a wrong MAC count is reported as a problem."""
    file = _files(report)["vgg.py"]
    layer = dict(next(l for l in file["layers"] if l["resolved"] and l["input"] is not None))
    layer["macs"] += 1
    assert any("macs" in p for p in _check_resolved(layer, file))
