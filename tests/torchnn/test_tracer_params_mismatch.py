"""Whole-model tracing: parameter counting, and input mismatches against MAC011.

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations

import pytest

from tests.torchnn.tracer_helpers import (
    HEADER, src, analyse, the_model, trace, line_of, col_of, reasons, codes, assert_matches_torch, torch_raises,
)


# =========================================================================== 2. params


def test_shared_module_is_counted_once():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.again = self.fc
                self.seq = nn.Sequential(self.fc, nn.ReLU(), self.fc)

            def forward(self, x):
                return self.seq(self.again(self.fc(x)))
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 72
    assert [c.path for c in model.calls] == ["fc", "fc", "fc", "seq.1", "fc"]


def test_module_repeated_in_a_module_list_is_counted_once():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                block = nn.Linear(8, 8)
                self.blocks = nn.ModuleList([block] * 3)

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 72 and model.macs == 3 * 64


PARAMS_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=8x16
        def __init__(self):
            super().__init__()
            self.pos = nn.Parameter(torch.zeros(1, 8, 16))
            self.register_buffer("mask", torch.ones(8, 16))
            self.register_parameter("gain", nn.Parameter(torch.ones(16)))
            self.stats = torch.zeros(5, 5)
            self.fc = nn.Linear(16, 4)
            self.unused = nn.Linear(100, 100)

        def forward(self, x):
            x = (x + self.pos) * self.mask * self.gain
            return self.fc(x)
""")


def test_parameters_and_buffers_as_torch_counts_them():
    model = assert_matches_torch(PARAMS_SOURCE, "Net")
    assert model.params == 8 * 16 + 16 + (16 * 4 + 4) + (100 * 100 + 100)


def test_unused_layer_is_counted_in_params_but_not_called():
    model = trace(PARAMS_SOURCE, "Net")
    assert [c.path for c in model.calls] == ["fc"]
    assert model.params - (100 * 100 + 100) == 8 * 16 + 16 + 68


def test_plain_list_of_layers_is_not_registered():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.blocks = [nn.Linear(8, 8), nn.Linear(8, 8)]
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return self.fc(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 36  # torch does not register layers held in a plain list
    assert model.macs == 64 + 64 + 32  # but they run, and torch counts their MACs
    assert [c.path for c in model.calls] == ["", "", "fc"]


def test_reassigned_attribute_replaces_the_module():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 100)
                self.fc = nn.Linear(8, 4)
                self.head = nn.Linear(4, 4)
                self.head = None

            def forward(self, x):
                return self.fc(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 36


def test_parameter_used_in_matmul_is_counted_and_costed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=5x8
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.randn(8, 6))

            def forward(self, x):
                y = x @ self.w
                return torch.matmul(y, y.transpose(-2, -1))
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls == []
    assert sum(op.macs for op in model.ops) == model.macs


# =========================================================================== 3. input mismatch vs MAC011


def test_first_layer_not_fitting_the_input_is_a_setting_problem():
    source = src("""
        class Audio(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(1, 8, 3)

            def forward(self, x):
                return self.conv(x)
    """)
    result = analyse(source)
    model = the_model(result, "Audio")
    assert not model.complete and model.macs is None
    assert model.params == 32
    assert "the input 1x3x224x224 does not fit Audio" in reasons(model)
    assert "input-size" in reasons(model)
    assert "[tool.macslint.models.Audio]" in reasons(model)
    assert codes(result, "MAC011") == [] and model.shape_errors == []


def test_flattened_input_not_fitting_the_first_linear_is_a_setting_problem():
    source = src("""
        class Mlp(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return self.fc(x.flatten(1))
    """)
    result = analyse(source)
    model = the_model(result, "Mlp")
    assert "does not fit Mlp" in reasons(model) and "input-size" in reasons(model)
    assert codes(result, "MAC011") == []


def test_input_not_fitting_a_parameter_is_a_setting_problem():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.pos = nn.Parameter(torch.zeros(1, 10, 8))
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x + self.pos)
    """)
    assert torch_raises(source, "Net", (1, 4, 8))
    result = analyse(source)
    assert "the input 1x4x8 does not fit Net" in reasons(the_model(result, "Net"))
    assert codes(result, "MAC011") == []


def test_input_mismatch_names_the_input_shape_whatever_the_operand_order():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.pos = nn.Parameter(torch.zeros(1, 10, 8))
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(self.pos + x)
    """)
    assert torch_raises(source, "Net", (1, 4, 8))
    assert "the input 1x4x8 does not fit Net" in reasons(trace(source, "Net"))


def test_view_of_the_input_not_fitting_is_a_setting_problem():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x7
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                return self.fc(x.view(-1, 10))
    """)
    result = analyse(source)
    assert "the input 1x3x7 does not fit Net" in reasons(the_model(result, "Net"))
    assert codes(result, "MAC011") == []


def test_fitting_input_after_setting_it_traces():
    source = src("""
        class Audio(nn.Module):  # macslint: input-size=1x100
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(1, 8, 3)

            def forward(self, x):
                return self.conv(x)
    """)
    assert_matches_torch(source, "Audio")


# name -> (__init__ lines, forward lines, input size, where MAC011 goes, shapes in its message).
# A layer's mismatch is reported where the layer is constructed, an operation's where it is written.
MISMATCHES = {
    "conv_in_channels": (
        ["self.a = nn.Conv2d(3, 16, 3, padding=1)", "self.b = nn.Conv2d(8, 16, 3, padding=1)"],
        ["return self.b(F.relu(self.a(x)))"],
        "3x8x8", "nn.Conv2d(8, 16", ["1x8x8x8", "1x16x8x8"]),
    "linear_in_features": (
        ["self.conv = nn.Conv2d(1, 6, 5)", "self.fc = nn.Linear(6 * 4 * 4, 10)"],
        ["x = F.max_pool2d(self.conv(x), 2)", "return self.fc(torch.flatten(x, 1))"],
        "1x16x16", "nn.Linear(6 * 4 * 4", ["1x96", "1x216"]),
    "batchnorm_features": (
        ["self.conv = nn.Conv2d(3, 16, 3, padding=1)", "self.bn = nn.BatchNorm2d(8)"],
        ["return self.bn(self.conv(x))"],
        "3x8x8", "nn.BatchNorm2d(8)", ["1x8x8x8", "1x16x8x8"]),
    "sequential_linear": (
        ["self.net = nn.Sequential(", "    nn.Conv2d(3, 8, 3, stride=2, padding=1),",
         "    nn.Flatten(),", "    nn.Linear(8 * 8 * 8, 10),", ")"],
        ["return self.net(x)"],
        "3x8x8", "nn.Linear(8 * 8 * 8", ["1x512", "1x128"]),
    "cat": (
        ["self.enc = nn.Conv2d(3, 8, 3, padding=1)", "self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)"],
        ["skip = self.enc(x)", "y = self.down(skip)", "return torch.cat([y, skip], dim=1)"],
        "3x16x16", "torch.cat(", ["1x8x8x8", "1x8x16x16"]),
    "view": (
        ["self.conv = nn.Conv2d(1, 4, 3)"],
        ["x = self.conv(x)", "return x.view(-1, 4 * 28 * 28)"],
        "1x28x28", "x.view(", ["1x4x26x26"]),
    "add": (
        ["self.conv0 = nn.Conv2d(8, 8, 1)", "self.conv = nn.Conv2d(8, 16, 3, padding=1)"],
        ["skip = self.conv0(x)", "out = self.conv(skip)", "return out + skip"],
        "8x8x8", "out + skip", ["1x16x8x8", "1x8x8x8"]),
    "matmul": (
        ["self.fc = nn.Linear(8, 6)", "self.w = nn.Parameter(torch.zeros(5, 3))"],
        ["return self.fc(x) @ self.w"],
        "4x8", "self.fc(x) @", ["1x4x6", "5x3"]),
}


def mismatch_source(name: str) -> str:
    init, forward = MISMATCHES[name][:2]
    size = MISMATCHES[name][2]
    body = "\n".join(["class Net(nn.Module):  # macslint: input-size=" + size,
                      "    def __init__(self):", "        super().__init__()"]
                     + ["        " + line for line in init]
                     + ["", "    def forward(self, x):"] + ["        " + line for line in forward])
    return HEADER + "\n\n" + body + "\n"


@pytest.mark.parametrize("name", sorted(MISMATCHES))
def test_internal_mismatch_is_mac011_where_it_is_written(name):
    source = mismatch_source(name)
    size, anchor, shapes = MISMATCHES[name][2:]
    assert torch_raises(source, "Net", (1, *map(int, size.split("x"))))
    result = analyse(source)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit" not in reasons(model)
    (finding,) = codes(result, "MAC011")
    assert (finding.line, finding.col) == (line_of(source, anchor), col_of(source, anchor))
    for shape in shapes:
        assert shape in finding.message
    assert [(i.line, i.col) for i in model.shape_errors] == [(finding.line, finding.col)]


def test_residual_add_with_the_raw_input_is_mac011():
    """fixtures/models/shape_errors.py AddMismatch: the branch changes the channel count and the
    shortcut is the model input itself; the bug is the model's (no input size makes it fit)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x16x16
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(8, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 16, 3, padding=1)

            def forward(self, x):
                out = F.relu(self.conv1(x))
                out = self.conv2(out)
                return out + x
    """)
    assert torch_raises(source, "Net", (1, 8, 16, 16))
    result = analyse(source)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit" not in reasons(model)
    (finding,) = codes(result, "MAC011")
    assert (finding.line, finding.col) == (line_of(source, "return out + x"),
                                           col_of(source, "out + x"))
    assert "1x16x16x16" in finding.message and "1x8x16x16" in finding.message


def test_layer_mismatch_message_names_the_module_path():
    source = mismatch_source("sequential_linear")
    (finding,) = codes(analyse(source), "MAC011")
    assert "in net.2" in finding.message
    assert finding.message.startswith("Linear(8 * 8 * 8, 10) expects 1x512 but gets 1x128")


def test_mismatch_in_a_block_shared_by_two_models_is_one_finding():
    source = src("""
        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, 8, 3, padding=1)
                self.bn = nn.BatchNorm2d(4)

            def forward(self, x):
                return self.bn(self.conv(x))

        class A(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.block = Block(3)

            def forward(self, x):
                return self.block(x)

        class B(nn.Module):  # macslint: input-size=3x16x16
            def __init__(self):
                super().__init__()
                self.block = Block(3)

            def forward(self, x):
                return self.block(x)
    """)
    result = analyse(source)
    assert [len(m.shape_errors) for m in result.report.models] == [1, 1]
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "nn.BatchNorm2d(4)")
    assert "in block.bn" in finding.message
