"""Whole-model tracing: parameter counting, and input mismatches against MAC011.

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations

import pytest

from macslint.units import format_shape
from tests.torchnn.tracer_helpers import (
    HEADER, src, analyse, the_model, trace, line_of, col_of, reasons, codes, assert_matches_torch, torch_raises,
    declared_input, torch_failing_operands, torch_layer_counts, torch_model, torch_params, analyse_undeclared,
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
    assert model.params == torch_params(source, "Net", path="fc")  # one Linear's, once
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
    one = torch_layer_counts("nn.Linear(8, 8)", declared_input(source, "Net"))
    assert model.params == one.params and model.macs == 3 * one.macs  # counted once, run 3 times


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
    net = torch_model(PARAMS_SOURCE, "Net")
    # the parameters (pos, gain, both layers'), not the buffer or the plain tensor
    assert {name for name, _ in net.named_parameters()} == {
        "pos", "gain", "fc.weight", "fc.bias", "unused.weight", "unused.bias"}
    assert model.params == sum(p.numel() for p in net.parameters())


def test_unused_layer_is_counted_in_params_but_not_called():
    model = trace(PARAMS_SOURCE, "Net")
    assert [c.path for c in model.calls] == ["fc"]
    unused = torch_params(PARAMS_SOURCE, "Net", path="unused")
    assert unused > 0 and model.params == torch_params(PARAMS_SOURCE, "Net")  # unused included


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
    shape = declared_input(source, "Net")
    block = torch_layer_counts("nn.Linear(8, 8)", shape)
    fc = torch_layer_counts("nn.Linear(8, 4)", shape)
    assert model.params == fc.params  # torch does not register layers held in a plain list
    assert model.macs == 2 * block.macs + fc.macs  # but they run, and torch counts their MACs
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
    assert model.params == torch_params(source, "Net", path="fc")  # the last Linear(8, 4) alone


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
    assert model.params == torch_params(source, "Audio")
    assert "the input 1x3x224x224 does not fit Audio" in reasons(model)  # the default input size
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
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    result = analyse_undeclared(source)  # declared for Net, the misfit is MAC011
    assert "the input 1x4x8 does not fit Net" in reasons(the_model(result, "Net"))
    assert codes(result, "MAC011") == []
    assert codes(analyse(source), "MAC011")


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
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    assert "the input 1x4x8 does not fit Net" in reasons(
        the_model(analyse_undeclared(source), "Net"))


def test_view_of_the_input_not_fitting_is_a_setting_problem():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x7
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                return self.fc(x.view(-1, 10))
    """)
    result = analyse_undeclared(source)
    assert "the input 1x3x7 does not fit Net" in reasons(the_model(result, "Net"))
    assert codes(result, "MAC011") == []
    assert codes(analyse(source), "MAC011")  # declared for Net: a finding


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


# name -> (__init__ lines, forward lines, input size, where MAC011 goes, what a layer expects).
# A layer's mismatch is reported where the layer is constructed, an operation's where it is written.
# The shapes the layer or operation gets are torch's (`torch_failing_operands`); what a layer
# expects is macslint's wording of its arguments (torch names the weight instead), None for an
# operation.
MISMATCHES = {
    "conv_in_channels": (
        ["self.a = nn.Conv2d(3, 16, 3, padding=1)", "self.b = nn.Conv2d(8, 16, 3, padding=1)"],
        ["return self.b(F.relu(self.a(x)))"],
        "3x8x8", "nn.Conv2d(8, 16", "1x8x8x8"),
    "linear_in_features": (
        ["self.conv = nn.Conv2d(1, 6, 5)", "self.fc = nn.Linear(6 * 4 * 4, 10)"],
        ["x = F.max_pool2d(self.conv(x), 2)", "return self.fc(torch.flatten(x, 1))"],
        "1x16x16", "nn.Linear(6 * 4 * 4", "1x96"),
    "batchnorm_features": (
        ["self.conv = nn.Conv2d(3, 16, 3, padding=1)", "self.bn = nn.BatchNorm2d(8)"],
        ["return self.bn(self.conv(x))"],
        "3x8x8", "nn.BatchNorm2d(8)", "1x8x8x8"),
    "sequential_linear": (
        ["self.net = nn.Sequential(", "    nn.Conv2d(3, 8, 3, stride=2, padding=1),",
         "    nn.Flatten(),", "    nn.Linear(8 * 8 * 8, 10),", ")"],
        ["return self.net(x)"],
        "3x8x8", "nn.Linear(8 * 8 * 8", "1x512"),
    "cat": (
        ["self.enc = nn.Conv2d(3, 8, 3, padding=1)", "self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)"],
        ["skip = self.enc(x)", "y = self.down(skip)", "return torch.cat([y, skip], dim=1)"],
        "3x16x16", "torch.cat(", None),
    "view": (
        ["self.conv = nn.Conv2d(1, 4, 3)"],
        ["x = self.conv(x)", "return x.view(-1, 4 * 28 * 28)"],
        "1x28x28", "x.view(", None),
    "add": (
        ["self.conv0 = nn.Conv2d(8, 8, 1)", "self.conv = nn.Conv2d(8, 16, 3, padding=1)"],
        ["skip = self.conv0(x)", "out = self.conv(skip)", "return out + skip"],
        "8x8x8", "out + skip", None),
    "matmul": (
        ["self.fc = nn.Linear(8, 6)", "self.w = nn.Parameter(torch.zeros(5, 3))"],
        ["return self.fc(x) @ self.w"],
        "4x8", "self.fc(x) @", None),
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
    size, anchor, expects = MISMATCHES[name][2:]
    operands = torch_failing_operands(source, "Net", (1, *map(int, size.split("x"))))
    assert operands  # torch raises
    result = analyse(source)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit" not in reasons(model)
    (finding,) = codes(result, "MAC011")
    assert (finding.line, finding.col) == (line_of(source, anchor), col_of(source, anchor))
    if expects is None:  # an operation: every operand torch was given
        for shape in operands:
            assert format_shape(shape) in finding.message
    else:  # a layer: the input torch gave it
        assert f"expects {expects} but gets {format_shape(operands[0])} (from line " in finding.message
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
    operands = torch_failing_operands(source, "Net", declared_input(source, "Net"))
    assert len(operands) == 2  # torch raises at the add
    result = analyse(source)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit" not in reasons(model)
    (finding,) = codes(result, "MAC011")
    assert (finding.line, finding.col) == (line_of(source, "return out + x"),
                                           col_of(source, "out + x"))
    assert f"cannot add {format_shape(operands[0])} (from line " in finding.message
    assert f" and {format_shape(operands[1])} (from line " in finding.message


def test_layer_mismatch_message_names_the_module_path():
    source = mismatch_source("sequential_linear")
    (finding,) = codes(analyse(source), "MAC011")
    assert "in net.2" in finding.message
    gets = format_shape(torch_failing_operands(source, "Net", declared_input(source, "Net"))[0])
    assert finding.message.startswith(f"Linear(8 * 8 * 8, 10) expects 1x512 but gets {gets}")


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
