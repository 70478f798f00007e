"""Each module's MACs in a model's table (issue 24): a module's total is what torch's
FlopCounterMode attributes to it (every layer and op its forward() runs, its submodules'
included), so an attention's matrix products are the attention module's, and a module at
any depth totals its children. torch runs the same source on the meta device."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.render.report_text import ReportView, render_report
from macslint.results.modules import module_macs, module_rows

from tracer_helpers import analyse, declared_input, src, the_model, torch_model, trace

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# An attention block whose matmuls are in its own forward(), inside a ModuleList, and one
# matmul in the model's own forward(): each is its computing module's.
ATTENTION = src("""
    class SelfAttention(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.qkv = nn.Linear(dim, 3 * dim)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
            return self.proj(attn @ v)

    class Block(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.norm = nn.LayerNorm(dim)
            self.attn = SelfAttention(dim)
            self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

        def forward(self, x):
            x = x + self.attn(self.norm(x))
            return x + self.mlp(x)

    class Net(nn.Module):  # macslint: input-size=10x16
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Block(16) for _ in range(2)])
            self.head = nn.Linear(16, 4)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            gram = x @ x.transpose(-2, -1)
            return self.head(gram @ x)
""")

# (file or source, model): models with containers nested, shared modules and attention
CASES = [
    ("attention", ATTENTION, "Net"),
    ("vit_tiny", "models/vit_tiny.py", "ViTTiny"),
    ("resnet_basic", "models/resnet_basic.py", "ResNetSmall"),
    ("cifar_resnet", "models/resnet_basic.py", "CifarResNet"),
    ("nested", "models/nested_models.py", "EncoderClassifier"),
    ("siamese", "models/shared_module.py", "SiameseNet"),
    ("mixer", "models/token_mlp.py", "MLPMixer"),
    ("unet", "models/unet_small.py", "UNet"),
]


def source_of(where: str) -> str:
    return where if "\n" in where else (FIXTURES / where).read_text()


def torch_module_macs(source: str, name: str) -> Dict[str, int]:
    """path -> MACs of each of the model's modules ("" for the model): FlopCounterMode's
    flops / 2 of each module it saw run; a module never called (a ModuleList iterated) has
    its children's, and one that ran no op has none."""
    model = torch_model(source, name).eval()
    x = torch.zeros(declared_input(source, name), device="meta")
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        model(x)
    root = type(model).__name__
    seen = {}
    for key, counts in counter.get_flop_counts().items():
        if key == root or key.startswith(root + "."):
            seen[key[len(root) + 1:]] = sum(counts.values()) // 2

    def total(path: str, module: torch.nn.Module) -> int:
        if path in seen:
            return seen[path]
        return sum(total(f"{path}.{child}" if path else child, sub)
                   for child, sub in module.named_children())

    return {path: total(path, module) for path, module in model.named_modules()}


@pytest.mark.parametrize("where, name", [(w, n) for _, w, n in CASES],
                         ids=[case for case, _, _ in CASES])
def test_each_module_total_is_torchs(where, name):
    source = source_of(where)
    model = trace(source, name)
    assert model.complete, model.reasons
    expected = torch_module_macs(source, name)
    got = module_macs(model)
    assert set(got) == set(model.containers) | {""}
    for path, macs in got.items():
        assert macs == expected[path], path
    assert got[""] == model.macs


@pytest.mark.parametrize("where, name", [(w, n) for _, w, n in CASES],
                         ids=[case for case, _, _ in CASES])
def test_a_module_totals_its_children(where, name):
    """Each module row's MACs are the sum of the rows one level below it: its layer calls,
    the modules it holds, its own ops."""
    rows = module_rows(trace(source_of(where), name))
    containers = [row for row in rows if row.container]
    assert containers
    for parent in containers:
        children = [row for row in rows if row.depth == parent.depth + 1 and (
            row.path == parent.path if row.op is not None
            else row.path.rsplit(".", 1)[0] == parent.path)]
        assert children, parent.path
        assert parent.macs == sum(row.macs for row in children), parent.path


def test_matmuls_are_rows_of_the_module_computing_them():
    model = trace(ATTENTION, "Net")
    ops = [(row.path, row.depth, row.label.split(",")[0]) for row in module_rows(model)
           if row.op is not None]
    assert ops == [("blocks.0.attn", 4, "(matmul"), ("blocks.0.attn", 4, "(matmul"),
                   ("blocks.1.attn", 4, "(matmul"), ("blocks.1.attn", 4, "(matmul"),
                   ("", 1, "(matmul"), ("", 1, "(matmul")]


def test_ops_are_rows_in_the_order_they_ran_among_the_layer_calls():
    """SelfAttention.forward: its qkv Linear, the two matmuls, then its proj Linear."""
    rows = module_rows(trace(ATTENTION, "Net"))
    inside = [row.label.split(",")[0] for row in rows
              if row.path.startswith("blocks.0.attn") and not row.container]
    assert inside == ["qkv", "(matmul", "(matmul", "proj"]


def test_the_table_to_a_depth_shows_nothing_deeper_and_the_totals():
    result = analyse(ATTENTION)
    model = the_model(result, "Net")
    text = render_report([result.report], ReportView(tables=True, depth=1))
    table = text.split("\n\n")[1].splitlines()
    expected = torch_module_macs(ATTENTION, "Net")
    end = next(i for i, line in enumerate(table) if line.startswith("  total: "))
    rows = {line.split()[0]: line.split() for line in table[2:end]}
    assert set(rows) == {"blocks", "head", "(matmul,"}
    assert rows["blocks"][1:] == ["ModuleList", f"{model.containers['blocks'][1]:,}",
                                  f"{expected['blocks']:,}",
                                  f"{100 * expected['blocks'] / expected['']:.1f}%"]
    deeper = render_report([result.report], ReportView(tables=True, depth=None))
    assert "      qkv" in deeper and "qkv" not in text


def test_the_json_report_carries_each_module_and_each_ops_module():
    from macslint.render.report_json import report_json

    result = analyse(ATTENTION)
    (model,) = [m for m in report_json([result.report], "macs")["files"][0]["models"]
                if m["name"] == "Net"]
    expected = torch_module_macs(ATTENTION, "Net")
    assert {m["path"]: m["macs"] for m in model["modules"]} == {
        path: expected[path] for path in ("blocks", "blocks.0", "blocks.0.attn", "blocks.0.mlp",
                                          "blocks.1", "blocks.1.attn", "blocks.1.mlp")}
    assert [op["module"] for op in model["ops"]] == [
        "blocks.0.attn", "blocks.0.attn", "blocks.1.attn", "blocks.1.attn", "", ""]
