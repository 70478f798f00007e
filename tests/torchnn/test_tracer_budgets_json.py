"""Whole-model tracing: model and layer budgets, the JSON contract and the CLI report.

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

from macslint.engine import FileResult
from macslint.render.report_json import report_json
from macslint.units import format_count, format_shape
from tests.helpers import macslint
from tests.torchnn.tracer_helpers import (
    UNKNOWN_LIB, src, analyse, line_of, col_of, codes, torch_counts, assert_matches_torch,
    declared_input, torch_layer_counts, torch_ops, torch_params,
)

# Budgets (max_layer_macs=1000 and the like) are thresholds the tests choose, not counts.


# =========================================================================== 5. budgets

BUDGET_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 16, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.pool(self.conv(x))
            return self.fc(torch.flatten(x, 1))

    lonely = nn.Conv2d(3, 8, 3)
""")


def test_model_macs_over_budget_is_mac003_on_the_class_line():
    result = analyse(BUDGET_SOURCE, max_model_macs=1000)
    expected = torch_counts(BUDGET_SOURCE, "Net", declared_input(BUDGET_SOURCE, "Net"))
    (finding,) = codes(result, "MAC003")
    assert (finding.line, finding.col) == (line_of(BUDGET_SOURCE, "class Net"), 1)
    assert finding.message == f"Net costs {format_count(expected.macs)} MACs at 3x32x32, budget 1K"


def test_model_macs_budget_in_flops_with_batch():
    source = BUDGET_SOURCE.replace("input-size=3x32x32", "input-size=3x32x32, batch-size=2")
    result = analyse(source, max_model_macs=1000, unit="flops")
    expected = torch_counts(source, "Net", declared_input(source, "Net"))
    (finding,) = codes(result, "MAC003")
    assert finding.message == (f"Net costs {format_count(2 * expected.macs)} FLOPs at 3x32x32 "
                               f"(batch 2), budget 2K")


def test_model_params_over_budget_is_mac004_on_the_class_line():
    result = analyse(BUDGET_SOURCE, max_model_params=100)
    expected = torch_counts(BUDGET_SOURCE, "Net", declared_input(BUDGET_SOURCE, "Net"))
    (finding,) = codes(result, "MAC004")
    assert (finding.line, finding.col) == (line_of(BUDGET_SOURCE, "class Net"), 1)
    assert finding.message == f"Net has {format_count(expected.params)} params, budget 100"


def test_model_budgets_not_exceeded_give_no_findings():
    expected = torch_counts(BUDGET_SOURCE, "Net", declared_input(BUDGET_SOURCE, "Net"))
    result = analyse(BUDGET_SOURCE, max_model_macs=expected.macs, max_model_params=expected.params)
    assert codes(result, "MAC003") == [] and codes(result, "MAC004") == []


def test_incomplete_model_has_no_mac003():
    result = analyse(UNKNOWN_LIB, max_model_macs=1, max_model_params=1)
    assert codes(result, "MAC003") == []
    assert len(codes(result, "MAC004")) == 1  # one finding: its params are known


def test_decorated_model_budget_is_on_the_class_line():
    source = src("""
        def register(cls):
            return cls

        @register
        class Net(nn.Module):  # macslint: input-size=8, max-model-params=10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    (finding,) = codes(analyse(source), "MAC004")
    assert (finding.line, finding.col) == (line_of(source, "class Net"), 1)


def test_layer_budget_uses_the_traced_shape():
    result = analyse(BUDGET_SOURCE, max_layer_macs=1000)
    expected = torch_counts(BUDGET_SOURCE, "Net", declared_input(BUDGET_SOURCE, "Net"))
    ((_, _, conv_input, _),) = [call for call in expected.calls if call[0] == "conv"]
    conv_macs = torch_layer_counts("nn.Conv2d(3, 16, 3, padding=1)", conv_input).macs
    assert 0 < conv_macs < expected.macs  # the fc costs too
    conv = [f for f in codes(result, "MAC001") if f.line == line_of(BUDGET_SOURCE, "self.conv =")]
    (finding,) = conv
    assert finding.col == col_of(BUDGET_SOURCE, "nn.Conv2d(3, 16")
    assert f"costs {format_count(conv_macs)} MACs" in finding.message
    assert "in Net.conv" in finding.message
    assert re.search(r"at (1x)?3x32x32 in Net\.conv, budget 1K$", finding.message)


def test_layer_outside_models_keeps_the_single_layer_semantics():
    result = analyse(BUDGET_SOURCE, max_layer_macs=1000)
    (finding,) = [f for f in codes(result, "MAC001") if f.line == line_of(BUDGET_SOURCE, "lonely")]
    # the file's input size, the default 3x224x224 (the class pragma is the model's only)
    alone = torch_layer_counts("nn.Conv2d(3, 8, 3)", (1, 3, 224, 224))
    assert finding.message == f"Conv2d(3, 8, 3) costs {format_count(alone.macs)} MACs " \
                              "at 3x224x224, budget 1K"
    assert " in " not in finding.message


def test_deep_layer_is_held_to_its_traced_cost():
    """Costed on its own at 16x64x64 the second conv is over budget; traced, it sees 16x8x8."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x64x64
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(3, 16, 8, stride=8)
                self.deep = nn.Conv2d(16, 16, 3, padding=1)

            def forward(self, x):
                return self.deep(self.stem(x))
    """)
    model = assert_matches_torch(source, "Net")
    deep = model.calls[1]
    ran = torch_counts(source, "Net", declared_input(source, "Net"))
    ((_, _, deep_input, _),) = [call for call in ran.calls if call[0] == "deep"]
    assert deep.macs == torch_layer_counts("nn.Conv2d(16, 16, 3, padding=1)", deep_input).macs
    budget = 200_000  # a threshold between the two costs
    # on its own: its 16 channels at the file's (default) 224x224
    single = torch_layer_counts("nn.Conv2d(16, 16, 3, padding=1)", (1, 16, 224, 224)).macs
    assert deep.macs < budget < single
    result = analyse(source, max_layer_macs=budget)
    assert [f.line for f in codes(result, "MAC001")] == []
    (layer,) = [l for l in result.report.layers if l.line == line_of(source, "self.deep =")]
    assert layer.macs == single  # the single-layer number stays in the report
    assert layer.traced["macs"] == deep.macs and layer.traced["path"] == "deep"


def test_layer_called_twice_is_held_to_its_costliest_call():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x16x16
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(4, 4, 3, padding=1)

            def forward(self, x):
                small = self.conv(F.avg_pool2d(x, 2))
                return self.conv(x)
    """)
    assert_matches_torch(source, "Net")
    ran = torch_counts(source, "Net", declared_input(source, "Net"))
    costliest = max(torch_layer_counts("nn.Conv2d(4, 4, 3, padding=1)", inputs).macs
                    for path, _, inputs, _ in ran.calls if path == "conv")
    result = analyse(source, max_layer_macs=1)
    (layer,) = result.report.layers
    assert layer.traced["macs"] == costliest
    (finding,) = codes(result, "MAC001")
    assert f"costs {format_count(costliest)} MACs" in finding.message


def test_block_built_by_a_model_is_resolved_with_its_arguments():
    source = src("""
        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)

            def forward(self, x):
                return self.fc(x)

        class Net(nn.Module):  # macslint: input-size=5
            def __init__(self):
                super().__init__()
                self.inner = Block(5)

            def forward(self, x):
                return self.inner(x)
    """)
    result = analyse(source)
    assert [m.name for m in result.report.models] == ["Net"]  # Block needs an argument
    assert_matches_torch(source, "Net")
    (layer,) = result.report.layers
    assert layer.resolved and layer.params == torch_params(source, "Net", path="inner.fc")
    assert codes(result, "MAC100") == []


def test_block_built_with_different_arguments_stays_unresolved_on_its_own():
    source = src("""
        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)

            def forward(self, x):
                return self.fc(x)

        class Net(nn.Module):  # macslint: input-size=5
            def __init__(self):
                super().__init__()
                self.a = Block(5)
                self.b = nn.Linear(5, 7)
                self.c = Block(7)

            def forward(self, x):
                return self.c(self.b(self.a(x)))
    """)
    result = analyse(source)
    model = assert_matches_torch(source, "Net")
    assert [(c.path, c.params) for c in model.calls] == [
        (path, torch_params(source, "Net", path=path)) for path in ("a.fc", "b", "c.fc")]
    (layer,) = [l for l in result.report.layers if l.line == line_of(source, "nn.Linear(d, d)")]
    assert not layer.resolved and "different arguments" in layer.reason


# =========================================================================== 6. JSON contract

JSON_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(8, 8)
            self.k = nn.Linear(8, 8)

        def forward(self, x):
            q, k = self.q(x), self.k(x)
            return q @ k.transpose(-2, -1)

    lonely = nn.Linear(8, 2)
""")

MODEL_KEYS = {"name", "builds", "line", "col", "input", "inputs", "batch_size", "params", "macs",
              "complete", "reason", "output", "layers", "ops", "macs_before_stop", "stopped_by",
              "modules", "trainable_params", "frozen_params", "param_dtypes", "param_notes",
              "memory"}
CALL_KEYS = {"path", "kind", "line", "col", "call", "file", "input", "output", "params", "macs",
             "traced", "reason"}


def json_models(result: FileResult, unit: str = "macs") -> List[Dict[str, Any]]:
    data = json.loads(json.dumps(report_json([result.report], unit)))  # JSON-clean
    return data["files"][0]["models"]


def test_json_model_entry():
    result = analyse(JSON_SOURCE)
    shape = declared_input(JSON_SOURCE, "Net")
    expected = torch_counts(JSON_SOURCE, "Net", shape)
    (data,) = json_models(result)
    assert set(data) == MODEL_KEYS
    assert data["name"] == "Net"
    assert (data["line"], data["col"]) == (line_of(JSON_SOURCE, "class Net"), 1)
    assert data["input"] == list(shape) and data["batch_size"] == 1  # the pragma's, default batch
    assert (data["params"], data["macs"]) == (expected.params, expected.macs)
    assert data["complete"] is True and data["reason"] is None
    assert data["output"] == list(expected.output)


def torch_q_call() -> Dict[str, Any]:
    """JSON_SOURCE's layer `q` as torch runs it in Net: input, output, params and MACs."""
    ran = torch_counts(JSON_SOURCE, "Net", declared_input(JSON_SOURCE, "Net"))
    ((_, _, inputs, output),) = [call for call in ran.calls if call[0] == "q"]
    q = torch_layer_counts("nn.Linear(8, 8)", inputs)
    assert q.output == output
    return {"input": list(inputs), "output": list(output), "params": q.params, "macs": q.macs}


def test_json_layer_calls():
    result = analyse(JSON_SOURCE)
    (data,) = json_models(result)
    assert [set(layer) for layer in data["layers"]] == [CALL_KEYS, CALL_KEYS]
    q = data["layers"][0]
    assert q == {"path": "q", "kind": "Linear", "line": line_of(JSON_SOURCE, "self.q ="),
                 "col": col_of(JSON_SOURCE, "nn.Linear(8, 8)"), "call": "Linear(8, 8)",
                 "file": None, **torch_q_call(), "traced": True, "reason": None}


def test_json_ops():
    result = analyse(JSON_SOURCE)
    (data,) = json_models(result)
    (op,) = data["ops"]
    shape = declared_input(JSON_SOURCE, "Net")
    ((_, operands, (output,)),) = [op for op in torch_ops(JSON_SOURCE, "Net", shape) if op[0] == "matmul"]
    ran = torch_counts(JSON_SOURCE, "Net", shape)
    layers = sum(torch_layer_counts("nn.Linear(8, 8)", inputs).macs for _, _, inputs, _ in ran.calls)
    assert op == {"op": "matmul", "line": line_of(JSON_SOURCE, "q @ k"),
                  "col": col_of(JSON_SOURCE, "q @ k"), "input": [list(s) for s in operands],
                  "output": list(output), "macs": ran.macs - layers, "module": ""}
    assert data["macs"] == sum(l["macs"] for l in data["layers"]) + op["macs"]


def test_json_flops_unit_adds_flops():
    (data,) = json_models(analyse(JSON_SOURCE, unit="flops"), "flops")
    assert data["flops"] == 2 * data["macs"]
    assert all(l["flops"] == 2 * l["macs"] for l in data["layers"])


def test_json_incomplete_model():
    (data,) = json_models(analyse(UNKNOWN_LIB))
    assert data["complete"] is False and data["macs"] is None and data["output"] is None
    assert "some_lib.op" in data["reason"]
    (layer,) = data["layers"]
    assert layer["traced"] is False and layer["input"] is None
    # an untraced call is costed on its own, and says so
    assert layer["macs"] == torch_layer_counts("nn.Linear(8, 8)", declared_input(UNKNOWN_LIB, "Net")).macs
    assert layer["reason"].endswith("costed on its own at the configured input size")


def test_json_file_layers_have_traced():
    result = analyse(JSON_SOURCE)
    layers = report_json([result.report], "macs")["files"][0]["layers"]
    assert all("traced" in layer for layer in layers)
    by_line = {layer["line"]: layer for layer in layers}
    assert by_line[line_of(JSON_SOURCE, "self.q =")]["traced"] == {
        "model": "Net", "path": "q", **torch_q_call()}
    assert by_line[line_of(JSON_SOURCE, "lonely")]["traced"] is None


# =========================================================================== 7. CLI

CLI_SOURCE = src("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = self.conv(x).mean((2, 3))
            return self.fc(x) @ torch.ones(4, 4)

    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(16, 2)

        def forward(self, x):
            return self.head(x)
""")


CLI_INPUT = declared_input(CLI_SOURCE, "Net", input_size=(3, 16, 16))  # cli_dir's pyproject.toml


@pytest.fixture
def cli_dir(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.macslint]\ninput-size = [3, 16, 16]\n")  # CLI_INPUT
    (tmp_path / "m.py").write_text(CLI_SOURCE)
    return tmp_path


def test_cli_report_model_prints_its_table_and_totals(cli_dir):
    proc = macslint("report", "--model", "Net", "m.py", cwd=cli_dir)
    assert proc.returncode == 0, proc.stderr
    expected = torch_counts(CLI_SOURCE, "Net", CLI_INPUT)
    out = proc.stdout
    summary, table = out.split("\n\n")
    where = f"m.py:{line_of(CLI_SOURCE, 'class Net')}"
    assert summary.splitlines()[2].split() == [
        "Net", f"{expected.params:,}", f"{expected.macs:,}", format_shape(CLI_INPUT), where]
    assert table.startswith(f"{where}:1: model Net at {format_shape(CLI_INPUT)}\n")
    rows = {line.split()[0]: line.split() for line in table.splitlines()[1:] if line.startswith("  ")}
    for path, kind, inputs, output in expected.calls:
        assert rows[path][1:4] == [kind, format_shape(inputs), format_shape(output)]
    assert {path for path, *_ in expected.calls} == {"conv", "fc"}
    assert f"total: {expected.params:,} params, {expected.macs:,} MACs\n" in out
    assert "matmul" in out
    assert "Other" not in out and "head" not in out
    assert "sum of the" not in out  # only the model's table


def test_cli_report_missing_model_exits_2_listing_models(cli_dir):
    proc = macslint("report", "--model", "Missing", "m.py", cwd=cli_dir)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no model named 'Missing'" in proc.stderr
    assert "models found: Net, Other" in proc.stderr


def test_cli_report_json_model_keeps_only_that_model(cli_dir):
    proc = macslint("report", "--format", "json", "--model", "Net", "m.py", cwd=cli_dir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (file,) = data["files"]
    assert [m["name"] for m in file["models"]] == ["Net"]
    expected = torch_counts(CLI_SOURCE, "Net", CLI_INPUT)
    assert (file["models"][0]["params"], file["models"][0]["macs"]) == (expected.params, expected.macs)


def test_cli_input_size_flag_beats_pragma(cli_dir):
    (cli_dir / "m.py").write_text(CLI_SOURCE.replace("class Net(nn.Module):",
                                                     "class Net(nn.Module):  # macslint: input-size=3x4x4"))
    proc = macslint("report", "--format", "json", "--model", "Net", "--input-size", "3x8x8", "m.py",
                    cwd=cli_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["files"][0]["models"][0]["input"] == [1, 3, 8, 8]
