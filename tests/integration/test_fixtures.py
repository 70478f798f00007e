"""The fixtures/ showcase, checked three ways.

* Golden output: every fixture's `.expected` is what tests/make_expected.py makes (the output of
  `macslint check --select MAC,MAC1 <file>` run from fixtures/), and flake8 agrees with it.
* The golden numbers against PyTorch: every `.expected` line is checked against what torch
  measures running the fixture's own source (tests/integration/fixture_oracle.py): the layer torch
  builds at the line:col the finding names, at an input shape the oracle derives itself (the
  costliest call of it in a model torch runs at the model's pragma or pyproject input, else the
  layer on its own at the file's input-size). Budgets are configuration, not torch's: they are
  checked against fixtures/pyproject.toml, read with tomllib. A line of a kind no check handles
  fails.
* `macslint report --format json` against PyTorch: every layer and model it reports has the
  params, MACs and shapes torch measures for the layer built at the same line:col, and every
  call of a traced model is torch's call of it.

Nothing of macslint's analysis feeds torch's side: not its resolved arguments, not its input
shapes, not its model list; macslint's output is only the side under test. Counts are formatted
with macslint.units.format_count (formatting, not analysis).
"""

from __future__ import annotations

import ast
import copy
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
import torch.nn as nn

from macslint.units import format_count, format_shape, parse_count
from tests import make_expected
from tests.helpers import FIXTURE_FILES, FIXTURES, REPO, expected_path, flake8, lines, mac_lines, macslint
from tests.integration import fixture_oracle as oracle
from tests.integration.fixture_oracle import Position, TorchFixture

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


# What torch refuses in the fixtures, declared: every other fixture imports (unresolved.py with
# the stub of oracle.IMPORT_STUBS), every model of it builds, and every model with a forward()
# runs at its input. Model name -> "build" (a layer torch will not construct) or "run".
TORCH_REFUSES: Dict[str, Dict[str, str]] = {
    # eleven invalid layers (MAC010): seven torch will not build, four it builds and will not
    # call at the file's input-size; Broken has no forward()
    "invalid.py": {"Broken": "build"},
    "models/shape_errors.py": {  # one shape mismatch per model (MAC011)
        name: "run" for name in ("LinearInFeatures", "SequentialLinear", "ConvInChannels",
                                 "BatchNormFeatures", "CatMismatch", "ViewMismatch", "AddMismatch")
    },
}


def _outcome(run: oracle.ModelRun) -> str:
    if run.build_errors or run.build_exception:
        return "build"
    return "run" if run.error is not None else "ok"


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_torch_builds_and_runs_the_fixture(fixture):
    """The fixture is runnable model code: torch imports it, builds its layers and models, and
    runs the models, failing exactly where TORCH_REFUSES says."""
    side = oracle.torch_fixture(fixture)
    assert side.built, "torch builds no layer from this file"
    assert side.models, "the file has no model torch can build without arguments"
    outcomes = {run.name: _outcome(run) for run in side.models}
    assert {name: o for name, o in outcomes.items() if o != "ok"} == TORCH_REFUSES.get(fixture, {})
    assert not [run.build_exception for run in side.models if run.build_exception]
    # a layer torch refuses is refused while building a declared model, not at import
    refused = {b.position for entries in side.built.values() for b in entries if b.module is None}
    assert refused == {b.position for run in side.models for b in run.build_errors}


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
    """The golden file is byte for byte what `python -m tests.make_expected` writes (which also
    requires no stderr, and exit 1 with findings, 0 without)."""
    text = make_expected.expected_output(fixture)
    golden = expected_path(fixture).read_bytes().decode("utf-8")
    assert golden == text, "stale golden file: run `python -m tests.make_expected`"


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_flake8_select_mac_matches_expected(fixture):
    result = flake8("--select", "MAC,MAC1", fixture)
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
    cli = macslint("check", "--select", "MAC,MAC1", ".")
    f8 = flake8("--select", "MAC,MAC1", ".")
    assert sorted(lines(cli.stdout)) == sorted(lines(f8.stdout))
    assert cli.returncode == f8.returncode == 1
    golden = [line for f in FIXTURE_FILES for line in expected_lines(f)]
    assert sorted(lines(cli.stdout)) == _dotted(golden)


def test_from_repository_root_per_path_is_relative_to_the_config():
    """Run from above fixtures/: per-path globs still match relative to fixtures/pyproject.toml."""
    cli = macslint("check", "--select", "MAC,MAC1", "fixtures", cwd=REPO)
    f8 = flake8("--select", "MAC,MAC1", "fixtures", cwd=REPO)
    golden = [line for f in FIXTURE_FILES for line in expected_lines(f)]
    assert sorted(lines(cli.stdout)) == sorted("fixtures/" + line for line in golden)
    assert sorted(lines(f8.stdout)) == sorted(lines(cli.stdout))


def test_whole_directory_default_selection_agrees():
    cli = macslint("check", ".")
    f8 = flake8(".")
    assert sorted(lines(cli.stdout)) == sorted(mac_lines(f8.stdout))
    assert cli.returncode == f8.returncode == 1
    assert " MAC100 " not in cli.stdout


# --------------------------------------------------------------------------- golden lines against torch


@dataclass(frozen=True)
class Finding:
    fixture: str
    position: Position
    code: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.fixture}:{self.position[0]}:{self.position[1]}: {self.code} {self.message}"


def parse_finding(line: str) -> Finding:
    match = FINDING.match(line)
    assert match, f"not a finding: {line}"
    return Finding(match["path"], (int(match["line"]), int(match["col"])), match["code"], match["message"])


MAC001 = re.compile(r"^(?P<call>.+) costs (?P<count>\S+) (?P<unit>MACs|FLOPs) at (?P<shapes>.+?)"
                    r"(?: in (?P<where>\S+))?(?: \(batch (?P<batch>\d+)\))?, budget (?P<budget>\S+)$")
MAC002 = re.compile(r"^(?P<call>.+) has (?P<count>\S+) params(?: in (?P<where>\S+))?, budget (?P<budget>\S+)$")
MAC003 = re.compile(r"^(?P<model>\w+) costs (?P<count>\S+) (?P<unit>MACs|FLOPs) at (?P<shape>\S+)"
                    r"(?: \(batch (?P<batch>\d+)\))?, budget (?P<budget>\S+)$")
MAC004 = re.compile(r"^(?P<model>\w+) has (?P<count>\S+) params, budget (?P<budget>\S+)$")
MAC010 = re.compile(r"^(?P<call>.+) is invalid: (?P<reason>.+)$")
MAC011_LAYER = re.compile(r"^(?P<call>.+?) expects (?P<expects>\S+) but gets (?P<gets>\S+) ")
MAC012 = re.compile(r"^(?P<call>.+) is not costed: input-size (?P<size>\S+) has fewer than the "
                    r"(?P<dims>\d+) spatial dims this layer needs; set input-size for this path$")
MAC100 = re.compile(r"^(?P<call>.+) is not resolved: (?P<reason>.+)$")
NOT_IN_CATALOGUE = re.compile(r"torch\.nn\.(?P<kind>\w+) is not in macslint's layer catalogue")


@lru_cache(maxsize=None)
def source_calls(fixture: str) -> Dict[Position, ast.Call]:
    tree = ast.parse((FIXTURES / fixture).read_text(encoding="utf-8"))
    return {(n.lineno, n.col_offset + 1): n for n in ast.walk(tree) if isinstance(n, ast.Call)}


def callee_name(call: ast.Call) -> Optional[str]:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def call_text_problems(finding: Finding, call_text: str) -> List[str]:
    """The finding's call text names the callee written at its position."""
    call = source_calls(finding.fixture).get(finding.position)
    if call is None:
        return [f"{finding.text}: no call starts there"]
    if not call_text.startswith(f"{callee_name(call)}("):
        return [f"{finding.text}: the call there is {callee_name(call)}(...)"]
    return []


def budget(settings: Dict[str, Any], key: str) -> int:
    # a budget is configuration, not a torch number: fixtures/pyproject.toml (per-path, models,
    # pragma) as the oracle reads it; parse_count only parses the "100M" written there
    return parse_count(settings[key], key=key, source=str(oracle.PYPROJECT))


def count_text(macs: int, settings: Dict[str, Any]) -> Tuple[str, str]:
    """How a MAC count prints in the configured unit."""
    return (format_count(2 * macs), "FLOPs") if settings["unit"] == "flops" else (format_count(macs), "MACs")


def mismatch(finding: Finding, what: str, printed: Any, torch_value: Any) -> List[str]:
    return [] if printed == torch_value else [f"{finding.text}: {what} {printed!r}, torch {torch_value!r}"]


def over_budget(finding: Finding, printed_budget: str, value: int, limit: int) -> List[str]:
    problems = mismatch(finding, "budget", printed_budget, format_count(limit))
    if value <= limit:
        problems.append(f"{finding.text}: torch's {value} is within the budget {limit}")
    return problems


def the_one_standalone(finding: Finding, side: TorchFixture) -> Tuple[Optional[oracle.Standalone], List[str]]:
    """The layer built at the finding's position, costed on its own: every layer torch builds
    there must cost the same."""
    results = oracle.standalone_of(side.fixture, finding.position)
    if len(results) != 1:
        built = "no layer" if not results else f"{len(results)} different layers"
        return None, [f"{finding.text}: torch builds {built} there"]
    return results[0], []


def call_where(call: oracle.Call) -> str:
    return f"{call.model}.{call.path}" if call.path else call.model


def check_layer_macs(finding: Finding, side: TorchFixture) -> List[str]:
    match = MAC001.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC001 message"]
    problems = call_text_problems(finding, match["call"])
    call = side.costliest_call(finding.position)
    if call is not None:  # a model torch runs calls it: the costliest call is held to the budget
        macs, shapes, where, batch = call.macs, format_shape(call.input), call_where(call), None
    else:  # on its own at the file's input-size
        alone, trouble = the_one_standalone(finding, side)
        if alone is None or alone.inputs is None or alone.error is not None:
            return problems + (trouble or [f"{finding.text}: torch costs nothing there ({alone})"])
        macs, where = alone.macs, None
        shapes = " & ".join(format_shape(shape[1:]) for shape in alone.inputs)
        batch = None if side.settings["batch-size"] == 1 else str(side.settings["batch-size"])
    count, unit = count_text(macs, side.settings)
    problems += mismatch(finding, "MACs", (match["count"], match["unit"]), (count, unit))
    problems += mismatch(finding, "input", (match["shapes"], match["where"], match["batch"]), (shapes, where, batch))
    return problems + over_budget(finding, match["budget"], macs, budget(side.settings, "max-layer-macs"))


def check_layer_params(finding: Finding, side: TorchFixture) -> List[str]:
    match = MAC002.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC002 message"]
    problems = call_text_problems(finding, match["call"])
    if match["where"]:  # the layer's params as a model builds it: the call with the most
        calls = side.calls_at(finding.position)
        if not calls:
            return problems + [f"{finding.text}: no model torch runs calls it"]
        call = max(calls, key=lambda c: c.params)  # max() keeps the first of equals
        params, where = call.params, call_where(call)
    else:
        counts = {b.params for b in side.at(finding.position) if b.module is not None}
        if len(counts) != 1:
            return problems + [f"{finding.text}: torch builds layers of {sorted(counts)} params there"]
        params, where = counts.pop(), None
    problems += mismatch(finding, "params", (match["count"], match["where"]), (format_count(params), where))
    return problems + over_budget(finding, match["budget"], params, budget(side.settings, "max-layer-params"))


def the_model(finding: Finding, side: TorchFixture, name: str) -> Tuple[Optional[oracle.ModelRun], List[str]]:
    runs = [run for run in side.models if run.name == name]
    if len(runs) != 1:
        return None, [f"{finding.text}: torch builds models {[r.name for r in side.models]}"]
    return runs[0], mismatch(finding, "position", finding.position, (runs[0].line, 1))


def check_model_macs(finding: Finding, side: TorchFixture) -> List[str]:
    match = MAC003.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC003 message"]
    run, problems = the_model(finding, side, match["model"])
    if run is None or run.macs is None:
        return problems + ([] if run is None else [f"{finding.text}: torch does not run it: {run.error}"])
    count, unit = count_text(run.macs, run.settings)
    batch = None if run.input[0] == 1 else str(run.input[0])
    problems += mismatch(finding, "MACs", (match["count"], match["unit"]), (count, unit))
    problems += mismatch(finding, "input", (match["shape"], match["batch"]), (format_shape(run.input[1:]), batch))
    return problems + over_budget(finding, match["budget"], run.macs, budget(run.settings, "max-model-macs"))


def check_model_params(finding: Finding, side: TorchFixture) -> List[str]:
    match = MAC004.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC004 message"]
    run, problems = the_model(finding, side, match["model"])
    if run is None:
        return problems
    problems += mismatch(finding, "params", match["count"], format_count(run.params))
    return problems + over_budget(finding, match["budget"], run.params, budget(run.settings, "max-model-params"))


def torch_refuses(side: TorchFixture, position: Position) -> bool:
    """Torch refuses to build the layer, or (when no model runs it) to call it at the file's
    input-size."""
    built = side.at(position)
    if any(b.module is None for b in built):
        return True
    return not side.calls_at(position) and any(
        oracle.refused_at_standalone_input(b.module, side.settings) for b in built)


def check_invalid_layer(finding: Finding, side: TorchFixture) -> List[str]:
    match = MAC010.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC010 message"]
    problems = call_text_problems(finding, match["call"])
    if not side.at(finding.position):
        return problems + [f"{finding.text}: torch builds no layer there"]
    return problems + ([] if torch_refuses(side, finding.position) else [f"{finding.text}: torch accepts it"])


def check_shape_mismatch(finding: Finding, side: TorchFixture) -> List[str]:
    """A model torch runs raises there: in the layer built at the position (at the input shape
    the message says it gets), or in the operation written on that line."""
    failed = [run for run in side.models if run.error is not None]
    if side.at(finding.position):
        runs = [run for run in failed if run.failed_layer == finding.position]
        match = MAC011_LAYER.match(finding.message)
        if not runs or not match:
            return [f"{finding.text}: no model torch runs fails in this layer"]
        return mismatch(finding, "input", match["gets"], format_shape(runs[0].failed_input))
    line = finding.position[0]
    if not [run for run in failed if run.failed_layer is None and run.failed_line == line]:
        return [f"{finding.text}: no model torch runs fails on this line"]
    return []


def check_input_size_misfit(finding: Finding, side: TorchFixture) -> List[str]:
    match = MAC012.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC012 message"]
    problems = call_text_problems(finding, match["call"])
    alone, trouble = the_one_standalone(finding, side)
    if alone is None:
        return problems + trouble
    problems += mismatch(finding, "spatial dims needed", int(match["dims"]), alone.needs_dims)
    problems += mismatch(finding, "input-size", match["size"], format_shape(side.settings["input-size"]))
    if side.calls_at(finding.position):
        problems.append(f"{finding.text}: a model torch runs calls it: it has an input")
    return problems


def is_torch_layer_name(name: str) -> bool:
    cls = getattr(nn, name, None)
    return isinstance(cls, type) and issubclass(cls, nn.Module)


def check_unresolved(finding: Finding, side: TorchFixture) -> List[str]:
    """No number to check: the position is a construction of a torch.nn layer's name that no
    model torch runs calls (a call would give it arguments and an input); where the reason says
    the models build it differently, or names an uncatalogued torch class, torch agrees."""
    match = MAC100.match(finding.message)
    if not match:
        return [f"{finding.text}: not a MAC100 message"]
    problems = call_text_problems(finding, match["call"])
    name = callee_name(source_calls(finding.fixture)[finding.position]) if not problems else None
    if name is not None and not is_torch_layer_name(name):
        problems.append(f"{finding.text}: {name} is no torch.nn layer")
    if side.calls_at(finding.position):
        problems.append(f"{finding.text}: a model torch runs calls it")
    built = side.at(finding.position)
    if "build it with different arguments" in match["reason"] and len({repr(b.module) for b in built}) < 2:
        problems.append(f"{finding.text}: torch builds {len(built)} identical layers there")
    uncatalogued = NOT_IN_CATALOGUE.search(match["reason"])
    if uncatalogued and {b.kind for b in built} != {uncatalogued["kind"]}:
        problems.append(f"{finding.text}: torch builds {sorted({b.kind for b in built})} there")
    return problems


CHECKS: Dict[str, Callable[[Finding, TorchFixture], List[str]]] = {
    "MAC001": check_layer_macs,
    "MAC002": check_layer_params,
    "MAC003": check_model_macs,
    "MAC004": check_model_params,
    "MAC010": check_invalid_layer,
    "MAC011": check_shape_mismatch,
    "MAC012": check_input_size_misfit,
    "MAC100": check_unresolved,
}


def golden_problems(finding: Finding) -> List[str]:
    check = CHECKS.get(finding.code)
    if check is None:
        return [f"{finding.text}: no torch check handles {finding.code}"]
    return check(finding, oracle.torch_fixture(finding.fixture))


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_expected_lines_match_torch(fixture):
    problems = [p for line in expected_lines(fixture) for p in golden_problems(parse_finding(line))]
    assert problems == []


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_what_torch_refuses_has_a_golden_line(fixture):
    """The other way round: every layer torch will not build has its MAC010 line, every model
    torch fails to run its MAC011 line."""
    side = oracle.torch_fixture(fixture)
    golden = [parse_finding(line) for line in expected_lines(fixture)]
    at = {(f.code, f.position) for f in golden}
    on_line = {(f.code, f.position[0]) for f in golden}
    missing = [f"MAC010 at {b.position}" for entries in side.built.values() for b in entries
               if b.module is None and ("MAC010", b.position) not in at]
    for run in side.models:
        if run.error is None:
            continue
        if run.failed_layer is not None:
            found = ("MAC011", run.failed_layer) in at
        else:
            found = ("MAC011", run.failed_line) in on_line
        if not found:
            missing.append(f"MAC011 for {run.name}: {run.error}")
    assert missing == []


# --------------------------------------------------------------------------- the report against torch


@pytest.fixture(scope="module")
def report() -> Dict[str, Dict[str, Any]]:
    """`macslint report --format json` of every fixture, by path (--no-cache: this runs before
    the per-test cache directory is set)."""
    result = macslint("report", "--format", "json", "--no-cache", ".")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    return {f["path"].removeprefix("./"): f for f in data["files"]}


def _shapes(value: Optional[List[int]]) -> Optional[Tuple[int, ...]]:
    return None if value is None else tuple(value)


def standalone_problems(where: str, layer: Dict[str, Any], side: TorchFixture) -> List[str]:
    """A resolved layer costed on its own: input(s), output (without the batch) and MACs."""
    results = oracle.standalone_of(side.fixture, (layer["line"], layer["col"]))
    if len(results) != 1:
        return [f"{where}: torch builds {len(results)} different layers there (or refuses them)"]
    alone = results[0]
    theirs = (None if alone.inputs is None else [s[1:] for s in alone.inputs],
              None if alone.output is None else alone.output[1:], alone.macs, alone.error)
    shapes = None if layer["input"] is None else [layer["input"], *layer.get("extra_inputs", [])]
    ours = (None if shapes is None else [tuple(s) for s in shapes], _shapes(layer["output"]), layer["macs"], None)
    return [] if ours == theirs else [f"{where}: (inputs, output, macs, error) {ours}, torch {theirs}"]


def traced_problems(where: str, layer: Dict[str, Any], side: TorchFixture) -> List[str]:
    """The costliest call of the layer in the models: the one its budget is held to."""
    call = side.costliest_call((layer["line"], layer["col"]))
    theirs = None if call is None else {
        "model": call.model, "path": call.path, "input": list(call.input),
        "output": None if call.output is None else list(call.output), "macs": call.macs, "params": call.params}
    return [] if layer["traced"] == theirs else [f"{where}: traced {layer['traced']}, torch {theirs}"]


def layer_problems(layer: Dict[str, Any], side: TorchFixture) -> List[str]:
    where = f"{side.fixture}:{layer['line']}:{layer['col']} {layer['call']}"
    position = (layer["line"], layer["col"])
    built = side.at(position)
    if not built:  # a construction no model of the file reaches: fine while nothing is counted
        numbers = layer["params"] is not None or layer["macs"] is not None or layer["traced"] is not None
        return [f"{where}: torch builds no layer there"] if numbers else []
    problems = []
    if {b.kind for b in built} != {layer["kind"]}:
        problems.append(f"{where}: torch builds {sorted({b.kind for b in built})}")
    if layer["params"] is not None and {b.params for b in built} != {layer["params"]}:
        problems.append(f"{where}: params {layer['params']}, torch {sorted({b.params or 0 for b in built})}")
    if layer["error"] is not None:
        if not torch_refuses(side, position):
            problems.append(f"{where}: torch accepts it")
    elif layer["resolved"]:
        problems += standalone_problems(where, layer, side)
    return problems + traced_problems(where, layer, side)


def model_call_problems(model: Dict[str, Any], run: oracle.ModelRun, where: str) -> List[str]:
    """Every traced call, in order, is torch's; an untraced one can only be where torch failed."""
    ours = [((c["line"], c["col"]), c["path"], tuple(c["input"]), _shapes(c["output"]), c["macs"], c["params"])
            for c in model["layers"] if c["traced"]]
    theirs = [(position, c.path, c.input, c.output, c.macs, c.params) for position, c in run.calls]
    problems = [] if ours == theirs else [f"{where}: calls\n  {ours}\n  torch {theirs}"]
    untraced = {(c["line"], c["col"]) for c in model["layers"] if not c["traced"]}
    if untraced - {run.failed_layer}:
        problems.append(f"{where}: untraced calls at {sorted(untraced)}, torch fails at {run.failed_layer}")
    return problems


def model_problems(model: Dict[str, Any], side: TorchFixture) -> List[str]:
    where = f"{side.fixture}:{model['line']} model {model['name']}"
    runs = [run for run in side.models if run.name == model["name"]]
    if len(runs) != 1:
        return [f"{where}: torch builds models {[r.name for r in side.models]}"]
    run = runs[0]
    problems = []
    if (model["line"], model["col"]) != (run.line, 1):
        problems.append(f"{where}: torch's is at line {run.line}")
    if model["input"] is not None and tuple(model["input"]) != run.input:  # None: not built
        problems.append(f"{where}: input {model['input']}, pragma/config {run.input}")
    if model["complete"]:
        ours = (model["params"], model["macs"], _shapes(model["output"]), None)
        theirs = (run.params, run.macs, run.output, run.error)
        if ours != theirs:
            problems.append(f"{where}: (params, macs, output, error) {ours}, torch {theirs}")
    return problems + model_call_problems(model, run, where)


def report_problems(file: Dict[str, Any], side: TorchFixture) -> List[str]:
    problems = [p for layer in file["layers"] for p in layer_problems(layer, side)]
    problems += [p for model in file["models"] for p in model_problems(model, side)]
    reported, built = [m["name"] for m in file["models"]], [r.name for r in side.models]
    if reported != built:
        problems.append(f"{side.fixture}: models {reported}, torch builds {built}")
    return problems


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_report_matches_torch(report, fixture):
    file = report[fixture]
    assert file["error"] is None
    assert report_problems(file, oracle.torch_fixture(fixture)) == []


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_every_layer_torch_builds_is_reported(report, fixture):
    """A layer (not a container) torch builds from the file is in the report, where it is built."""
    reported = {(layer["line"], layer["col"]) for layer in report[fixture]["layers"]}
    side = oracle.torch_fixture(fixture)
    missing = [(position, entries[0].kind) for position, entries in side.built.items()
               if position not in reported and any(b.module is None or b.is_leaf for b in entries)]
    assert missing == []


# --------------------------------------------------------------------------- the oracle itself


def test_oracle_is_not_vacuous(report):
    """How much torch checks: every golden line, by code, and the report's numbers."""
    golden = [parse_finding(line) for f in FIXTURE_FILES for line in expected_lines(f)]
    by_code = Counter(f.code for f in golden)
    assert set(by_code) <= set(CHECKS)
    assert by_code["MAC001"] >= 15 and by_code["MAC002"] >= 8 and by_code["MAC010"] >= 12
    assert by_code["MAC011"] >= 7 and by_code["MAC100"] >= 5
    assert {"MAC003", "MAC004", "MAC012"} <= set(by_code)
    layers = [(fixture, layer) for fixture, file in report.items() for layer in file["layers"]]
    built = [layer for f, layer in layers if oracle.torch_fixture(f).at((layer["line"], layer["col"]))]
    with_input = [layer for layer in built if layer["resolved"] and layer["input"] is not None]
    traced = [layer for layer in built if layer["traced"] is not None]
    assert len(built) >= 300 and len(with_input) >= 100 and len(traced) >= 200
    assert {layer["kind"] for layer in with_input} >= {
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Linear", "Bilinear"}
    calls = sum(len(run.calls) for f in FIXTURE_FILES for run in oracle.torch_fixture(f).models)
    assert calls >= 600
    # the per-path and pragma input sizes the oracle reads
    assert oracle.file_settings("audio/speech.py")["input-size"] == [1, 16000]
    assert oracle.file_settings("video/clip.py")["input-size"] == [3, 8, 112, 112]
    assert oracle.file_settings("legacy/old_net.py")["max-layer-macs"] == "2G"
    assert oracle.torch_fixture("clean_block.py").model("InvertedResidual").input == (1, 16, 56, 56)
    assert oracle.torch_fixture("models/audio_conv1d.py").model("WaveEncoder").input == (2, 1, 16000)


def test_oracle_pins_torch_conventions():
    """Numbers torch gives for code whose count is known (REFERENCE.md): LeNet-5 at 1x32x32."""
    lenet = oracle.torch_fixture("lenet.py").model("LeNet5")
    assert (lenet.params, lenet.macs, lenet.output) == (61706, 416520, (1, 10))
    # the position of a call spanning lines is where it starts; a shared module is one layer
    assert [b.kind for b in oracle.torch_fixture("convs.py").at((24, 21))] == ["ConvTranspose2d"]
    bilinear = oracle.standalone_of("misc_layers.py", (32, 25))
    assert [(b.inputs, b.macs) for b in bilinear] == [([(1, 128), (1, 64)], 32 * 128 * 64)]


def _perturbed(line: str) -> List[str]:
    """The line with one of the numbers after its call text or model name (counts, shapes, model
    paths, budgets) changed in its last digit: one variant per number."""
    start = max(line.rfind(" costs "), line.rfind(" has "))
    variants = []
    for match in re.finditer(r"\d+", line[start:]):
        end = start + match.end()
        variants.append(line[:end - 1] + str((int(line[end - 1]) + 1) % 10) + line[end:])
    return variants


def test_oracle_catches_a_wrong_number_in_a_golden_line():
    """vgg.py's golden lines pass as they are; each with any one number changed fails."""
    variants = 0
    for line in expected_lines("vgg.py"):
        assert golden_problems(parse_finding(line)) == []
        for variant in _perturbed(line):
            assert golden_problems(parse_finding(variant)), f"not caught: {variant}"
            variants += 1
    assert variants >= 50


def test_oracle_catches_a_wrong_number_in_the_report(report):
    side = oracle.torch_fixture("vgg.py")
    assert report_problems(report["vgg.py"], side) == []
    edits: List[Callable[[Dict[str, Any]], None]] = [
        lambda f: f["layers"][0].update(macs=f["layers"][0]["macs"] + 1),
        lambda f: f["layers"][0].update(params=f["layers"][0]["params"] - 1),
        lambda f: f["layers"][2].update(output=[64, 224, 223]),
        lambda f: f["layers"][5]["traced"].update(input=[1, 64, 224, 224]),
        lambda f: f["layers"][5]["traced"].update(path="features.6"),
        lambda f: f["models"][0].update(macs=f["models"][0]["macs"] * 2),
        lambda f: f["models"][0]["layers"][2].update(macs=0),
    ]
    for edit in edits:
        file = copy.deepcopy(report["vgg.py"])
        edit(file)
        assert report_problems(file, side), "a changed number passed"
