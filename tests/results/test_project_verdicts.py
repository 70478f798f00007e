"""Verdicts users can trust (issue 20): a layer's cost is the costliest traced call of it by
any model of the project, whichever file the model is in; the verdict for a file is the same
checked whole, one file at a time, through flake8 and through the language server; a budget
that cannot be checked says so (MAC014); an invalid layer leaves its neighbours' numbers as
they were; a misfit of a declared input is a finding.

Every cost asserted comes from torch: the same files imported by torch, the model built and
run on the meta device under FlopCounterMode, each layer's input recorded by a hook and the
layer run alone on it. Budgets are thresholds chosen between torch's numbers, and the tests
check that they are.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.engine import FileResult
from macslint.service import check_paths
from macslint.units import format_count, format_shape
from tests.helpers import FLAKE8
from tests.torchnn.tracer_helpers import analyse, codes, line_of, src, torch_model

BLOCKS = textwrap.dedent("""\
    import torch.nn as nn


    class Block(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.conv(x))


    class Wide(nn.Module):
        def __init__(self, width=64):
            super().__init__()
            self.conv = nn.Conv2d(64, width, 3, padding=1)

        def forward(self, x):
            return self.conv(x)
    """)

MODEL = textwrap.dedent("""\
    import torch.nn as nn

    from .blocks import Block, Wide


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 64, 3, stride=2, padding=1)
            self.pool = nn.MaxPool2d(4)
            self.wide = Wide()
            self.block = Block(64, 128)

        def forward(self, x):
            return self.block(self.wide(self.pool(self.stem(x))))
    """)

BUDGET = 40_000_000  # between the block's conv and the wide one in Net (asserted below)
INPUT = (1, 3, 224, 224)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.macslint]\ninput-size = [3, 224, 224]\nmax-layer-macs = {BUDGET}\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "blocks.py").write_text(BLOCKS)
    (tmp_path / "pkg" / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def torch_layer_macs(root: Path) -> Dict[str, Tuple[Tuple[int, ...], int]]:
    """Net from the project's own files, imported and built by torch on meta: each leaf
    layer's input shape in one forward, and its MACs run alone on that input."""
    sys.path.insert(0, str(root))
    try:
        for name in [m for m in sys.modules if m == "pkg" or m.startswith("pkg.")]:
            del sys.modules[name]
        model_module = importlib.import_module("pkg.model")
        with torch.device("meta"):
            net = model_module.Net().eval()
    finally:
        sys.path.remove(str(root))
    inputs: Dict[str, Tuple[int, ...]] = {}
    leaves = {name: m for name, m in net.named_modules() if name and not list(m.children())}

    def record(name: str):
        def hook(module, args, output) -> None:  # (a hook's return value replaces the output)
            inputs.setdefault(name, tuple(args[0].shape))
        return hook

    handles = [m.register_forward_hook(record(name)) for name, m in leaves.items()]
    net(torch.zeros(INPUT, device="meta"))
    for handle in handles:
        handle.remove()
    out = {}
    for name, layer in leaves.items():
        with FlopCounterMode(display=False) as counter:
            layer(torch.zeros(inputs[name], device="meta"))
        out[name] = (inputs[name], counter.get_total_flops() // 2)
    return out


def findings(result: FileResult) -> Set[Tuple[int, int, str, str]]:
    return {(f.line, f.col, f.code, f.message) for f in result.findings}


def by_file(paths: List[str]) -> Dict[str, Set[Tuple[int, int, str, str]]]:
    run = check_paths(paths, {})
    return {Path(r.report.path).name: findings(r) for r in run.results}


def test_a_block_is_costed_where_a_model_of_another_file_runs_it(project):
    torch_costs = torch_layer_macs(project)
    block_input, block_macs = torch_costs["block.conv"]
    wide_input, wide_macs = torch_costs["wide.conv"]
    assert wide_macs < BUDGET < block_macs  # the threshold, from torch's numbers
    whole = by_file(["pkg"])
    line = line_of(BLOCKS, "self.conv = nn.Conv2d(cin")
    expected = {(line, 21, "MAC001",
                 f"Conv2d(cin, cout, 3, padding=1) costs {format_count(block_macs)} MACs at "
                 f"{format_shape(block_input)} in Net.block.conv (pkg/model.py), "
                 f"budget {format_count(BUDGET)}")}
    # Wide's conv on its own at 64x224x224 would be a false MAC001: Net runs it at 64x28x28.
    assert whole["blocks.py"] == expected
    assert whole["model.py"] == set()


def test_the_verdict_is_the_same_however_a_file_is_checked(project):
    whole = by_file(["pkg"])
    assert whole["blocks.py"]  # (what the test above proves from torch)
    for name in ("blocks.py", "model.py"):
        assert by_file([f"pkg/{name}"])[name] == whole[name], name
    flake8 = subprocess.run([*FLAKE8, "--select", "MAC", "pkg/blocks.py"], cwd=project,
                            capture_output=True, text=True, timeout=600)
    shown = {line.split(": ", 1)[1] for line in flake8.stdout.splitlines()}
    assert shown == {f"{code} {message}" for _, _, code, message in whole["blocks.py"]}
    lsp = pytest.importorskip("macslint.adapters.lsp")
    from pygls.uris import from_fs_path

    path = project / "pkg" / "blocks.py"
    analysis = lsp.analyse(lsp.target_for(from_fs_path(str(path)), str(project)),
                           path.read_text())
    assert {(i.finding.line, i.finding.col, i.finding.code, i.finding.message)
            for i in analysis.located} == whole["blocks.py"]


def test_growing_a_block_is_seen_in_the_file_of_the_block_alone(project):
    before = by_file(["pkg/blocks.py"])["blocks.py"]
    (project / "pkg" / "blocks.py").write_text(BLOCKS.replace("nn.Conv2d(64, width, 3, padding=1",
                                                              "nn.Conv2d(64, width, 5, padding=2"))
    torch_costs = torch_layer_macs(project)
    wide_input, wide_macs = torch_costs["wide.conv"]
    assert wide_macs > BUDGET
    after = by_file(["pkg/blocks.py"])["blocks.py"]
    (new,) = after - before
    assert new[2] == "MAC001" and new[0] == line_of(BLOCKS, "nn.Conv2d(64, width")
    assert f"costs {format_count(wide_macs)} MACs at {format_shape(wide_input)} in " \
           f"Net.wide.conv (pkg/model.py)" in new[3]
    # and `check --with-dependents` on the changed file reports the model's file too
    run = check_paths(["pkg/blocks.py"], {}, with_dependents=True)
    assert sorted(Path(r.report.path).name for r in run.results) == ["blocks.py", "model.py"]


# --------------------------------------------------------------------------- MAC014

UNTRACEABLE = src("""
    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 64, 3, padding=1)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.special.bessel_j0(self.conv(x))
            return self.head(x.mean((2, 3)))
""")


def test_a_budget_on_a_model_that_cannot_be_traced_is_mac014_not_silence():
    net = torch_model(UNTRACEABLE, "Net").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        net(torch.zeros(1, 3, 32, 32, device="meta"))
    macs = counter.get_total_flops() // 2
    assert macs > 1000  # over the budget below: a silent pass would be a false all clear
    result = analyse(UNTRACEABLE, max_model_macs=1000, max_layer_macs=10**12)
    assert codes(result, "MAC003") == []
    (finding,) = codes(result, "MAC014")
    assert (finding.line, finding.col) == (line_of(UNTRACEABLE, "class Net"), 1)
    assert "max-model-macs is not checked" in finding.message
    assert "max-layer-macs is not checked for 1 layer" in finding.message  # head
    assert "torch.special.bessel_j0" in finding.message
    # no budget, no MAC014; a model traced through gets none either
    assert codes(analyse(UNTRACEABLE), "MAC014") == []
    traced = UNTRACEABLE.replace("torch.special.bessel_j0(self.conv(x))", "self.conv(x)")
    assert codes(analyse(traced, max_model_macs=10**12, max_layer_macs=10**12), "MAC014") == []


# --------------------------------------------------------------------------- invalid layers

NEIGHBOURS = src("""
    class Net(nn.Module):  # macslint: input-size=3x64x64
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 32, 3, padding=1)
            self.body = nn.Conv2d(32, 64, 3, padding=1){bad}
            self.head = nn.Conv2d(64, 8, 3, padding=1)

        def forward(self, x):
            x = self.body(self.stem(x)){call}
            return self.head(x)
""")


def test_an_invalid_layer_leaves_its_neighbours_numbers_as_they_were():
    """The layers traced before it keep their numbers; the ones after it are unknown in the
    model, not costed on their own at a shape it never gives them (Net's head on its own
    at 3x64x64 would cost more than in Net, and more than the budget)."""
    valid = NEIGHBOURS.format(bad="", call="")
    invalid = NEIGHBOURS.format(bad="\n        self.bad = nn.Conv2d(64, 33, 3, groups=2)",
                                call="\n        x = self.bad(x)")
    with pytest.raises(ValueError):  # torch cannot build it
        torch_model(invalid, "Net")
    net = torch_model(valid, "Net").eval()
    costs = {}
    x = torch.zeros(1, 3, 64, 64, device="meta")
    for name in ("stem", "body", "head"):
        with FlopCounterMode(display=False) as counter:
            y = getattr(net, name)(x)
        costs[name], x = counter.get_total_flops() // 2, y
    budget = costs["body"] - 1  # body over it; stem and head, as Net runs them, under it
    assert costs["stem"] < budget and costs["head"] < budget
    before = analyse(valid, max_layer_macs=budget)
    after = analyse(invalid, max_layer_macs=budget)
    lines = {name: line_of(valid, f"self.{name} =") for name in costs}

    def traced(result: FileResult) -> Dict[int, object]:
        return {layer.line: (layer.traced or {}).get("macs") for layer in result.report.layers}

    assert traced(before) == {lines[n]: costs[n] for n in costs}
    shifted = traced(after)
    assert {n: shifted[lines[n]] for n in ("stem", "body")} == {
        "stem": costs["stem"], "body": costs["body"]}
    assert [f.line for f in codes(before, "MAC001")] == [lines["body"]]
    assert [f.line for f in codes(after, "MAC001")] == [lines["body"]]  # no new finding
    assert [f.line for f in codes(after, "MAC010")] == [line_of(invalid, "self.bad =")]
    head = next(l for l in after.report.layers if l.line == line_of(invalid, "self.head ="))
    assert head.macs is None and head.traced is None and head.untraced
    assert "tracing stops" in head.reason or "not traced" in head.reason


# --------------------------------------------------------------------------- declared inputs

MISFIT = src("""
    class M(nn.Module):{pragma}
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(5, 6, (7, 5), dilation=2)

        def forward(self, x):
            return self.conv(x)
""")


def test_a_declared_input_that_does_not_fit_is_mac011_an_undeclared_one_is_not():
    declared = MISFIT.format(pragma="  # macslint: input-size=5x1x14")
    net = torch_model(declared, "M").eval()
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        net(torch.zeros(1, 5, 1, 14, device="meta"))
    (finding,) = codes(analyse(declared), "MAC011")
    assert finding.line == line_of(declared, "self.conv =")
    assert "Kernel size can't be greater than actual input size" in finding.message
    # in the model's table of the configuration, the same
    table = analyse(MISFIT.format(pragma=""), models=(("M", {"input_size": (5, 1, 14)}),))
    assert [f.message for f in codes(table, "MAC011")] == [finding.message]
    # the unset default (and a project-wide input size) is a setting to fix, not a bug
    for settings in ({}, {"input_size": (5, 1, 14)}):
        result = analyse(MISFIT.format(pragma=""), **settings)
        assert codes(result, "MAC011") == []
        (model,) = result.report.models
        assert "does not fit M" in model.reasons[0]
