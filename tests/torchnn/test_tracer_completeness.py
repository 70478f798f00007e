"""Whole-model tracing: completeness (what is traced, and what makes a model incomplete).

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations

import re

import pytest

from macslint.costmodel import LAYERS, TENSOR_METHODS, TORCH_FUNCTIONS
from tests.helpers import Budget, no_hang
from tests.torchnn.tracer_helpers import (
    UNKNOWN_LIB, HEADER, src, analyse, trace, line_of, reasons, torch_counts, assert_matches_torch,
    declared_input, torch_params,
)


# =========================================================================== 1. completeness

SIMPLE = src("""
    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = F.relu(self.bn(self.conv(x)))
            x = F.adaptive_avg_pool2d(x, 1).flatten(1)
            return self.fc(x)
""")


def test_simple_model_matches_torch():
    model = assert_matches_torch(SIMPLE, "Net")
    assert model.input == (1, 3, 16, 16)  # the pragma's input size, batch 1 by default
    assert model.reasons == [] and model.shape_errors == []
    assert [c.path for c in model.calls] == ["conv", "bn", "fc"]
    assert all(c.traced for c in model.calls)


def test_model_position_is_the_class_line():
    model = trace(SIMPLE, "Net")
    assert (model.line, model.col) == (line_of(SIMPLE, "class Net"), 1)


def test_file_without_models_has_no_traces():
    result = analyse(src("layer = nn.Linear(4, 4)\n"))
    assert result.report.models == []


def test_class_not_a_module_is_not_traced():
    source = src("""
        class Config:
            width = 8

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(Config.width, 2)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source)
    assert [m.name for m in result.report.models] == ["Net"]
    assert_matches_torch(source, "Net")


def test_data_dependent_comparison_branch_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                if x.sum() > 0:
                    x = self.fc(x)
                return x
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"line {line_of(source, 'if x.sum() > 0')}" in reasons(model)
    assert "x.sum() > 0" in reasons(model)


def test_data_dependent_truth_branch_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                if x.sum():
                    x = self.fc(x)
                return x
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert model.params == torch_params(source, "Net")
    assert f"the condition `x.sum()` (line {line_of(source, 'if x.sum()')}) is not known" in reasons(model)
    assert "depends on its data" in reasons(model)


def test_branch_on_a_shape_is_followed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 1)
                self.big = nn.Conv2d(4, 4, 3, padding=1)

            def forward(self, x):
                x = self.conv(x)
                if x.shape[-1] > 4 and x.dim() == 4:
                    x = self.big(x)
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["conv", "big"]


@pytest.mark.parametrize("expr", ["torch.where(x > 0, x, x * 2)", "x.masked_fill(x > 0, x.mean())"])
def test_comparison_mask_is_a_tensor(expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = {expr}
                return self.fc(y)
    """)
    assert_matches_torch(source, "Net")


@pytest.mark.parametrize("expr", ["x.pow(2)", "x.mul(0.5)", "torch.clamp(x, 0, 6)",
                                  "torch.add(x, 1)", "x.masked_fill(self.mask, 0.0)"])
def test_python_number_operand_of_a_tensor_op(expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.register_buffer("mask", torch.zeros(8, dtype=torch.bool))

            def forward(self, x):
                return self.fc({expr})
    """)
    assert_matches_torch(source, "Net")


@pytest.mark.parametrize("expr", ["x * 2", "1 - x", "x ** 2", "-x", "x.add(x)", "torch.mul(x, x)"])
def test_operators_with_numbers_and_tensor_ops_with_tensors(expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc({expr})
    """)
    assert_matches_torch(source, "Net")


def test_unknown_function_on_a_tensor_is_incomplete():
    model = trace(UNKNOWN_LIB, "Net")
    assert not model.complete and model.macs is None
    assert model.params == torch_params(UNKNOWN_LIB, "Net", stubs=("some_lib",))  # the module tree is known
    assert f"the call `some_lib.op(x)` (line {line_of(UNKNOWN_LIB, 'some_lib.op')}) is not followed" \
        in reasons(model)
    (call,) = model.calls
    assert call.path == "fc" and not call.traced and "some_lib.op" in call.reason


def test_unknown_function_reason_is_reported_once():
    model = trace(UNKNOWN_LIB, "Net")
    assert len(model.reasons) == 1  # the Linear after it does not repeat the cause


# (an LSTM, then a TransformerEncoderLayer, was the uncatalogued layer here until they were
# catalogued; since issue 21 every public torch.nn layer is, and LocalResponseNorm is taken out
# of the catalogue for these tests: `uncatalogued`)
@pytest.fixture
def uncatalogued(monkeypatch):
    monkeypatch.delitem(LAYERS, "LocalResponseNorm")


UNCATALOGUED_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.norm = nn.LocalResponseNorm(2)
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            x = self.norm(x)
            return self.fc(x)
""")


def test_uncatalogued_layer_makes_params_and_macs_unknown(uncatalogued):
    model = trace(UNCATALOGUED_SOURCE, "Net")
    assert not model.complete
    assert model.params is None and model.macs is None
    line = line_of(UNCATALOGUED_SOURCE, 'nn.LocalResponseNorm')
    assert f"LocalResponseNorm(2) (line {line})" in reasons(model)
    assert "not in macslint's layer catalogue" in reasons(model)


def test_uncatalogued_layer_call_is_listed_untraced(uncatalogued):
    model = trace(UNCATALOGUED_SOURCE, "Net")
    assert [(c.path, c.kind, c.traced) for c in model.calls] == [
        ("norm", "LocalResponseNorm", False), ("fc", "Linear", False)]
    assert model.calls[0].params is None
    assert model.calls[1].params == torch_params(UNCATALOGUED_SOURCE, "Net", path="fc")


def test_forward_with_two_required_inputs_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x, y):
                return self.fc(x) + y
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert model.params == torch_params(source, "Net")
    assert "forward() takes more inputs than one tensor" in reasons(model)
    assert "'y'" in reasons(model)


def test_forward_with_optional_second_input_is_traced():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x, mask=None, *, scale=1.0):
                x = self.fc(x)
                if mask is not None:
                    x = x * mask
                return x * scale
    """)
    assert_matches_torch(source, "Net")


LOOP_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList()
            for _ in range(some_lib.depth()):
                self.layers.append(nn.Linear(8, 8))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
""", header=HEADER + "import some_lib\n")


def test_loop_over_unknown_iterable_in_init_is_incomplete():
    model = trace(LOOP_SOURCE, "Net")
    assert not model.complete and model.macs is None
    assert f"the loop over `range(some_lib.depth())` (line {line_of(LOOP_SOURCE, 'for _ in')}) " \
           "is not followed" in reasons(model)


COMPREHENSION_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in some_lib.blocks()])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
""", header=HEADER + "import some_lib\n")


def test_comprehension_over_unknown_iterable_in_init_names_it():
    model = trace(COMPREHENSION_SOURCE, "Net")
    assert not model.complete and model.macs is None
    line = line_of(COMPREHENSION_SOURCE, "some_lib.blocks")
    assert "the comprehension `[nn.Linear(8, 8) for _ in some_lib" in reasons(model)
    assert f"` (line {line}) is not followed" in reasons(model)


@pytest.mark.parametrize("which", ["loop", "comprehension"])
def test_unknown_iterable_in_init_makes_params_unknown(which):
    model = trace(LOOP_SOURCE if which == "loop" else COMPREHENSION_SOURCE, "Net")
    assert model.params is None


# An op of torch that tensor_ops does not model (chosen from the registries, which grow).
UNMODELLED = next(name for name in ("cumsum", "cumprod", "logcumsumexp", "cummax", "argsort")
                  if name not in TORCH_FUNCTIONS and name not in TENSOR_METHODS)


def test_unmodelled_torch_function_is_incomplete():
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = torch.{UNMODELLED}(x, 1)
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    line = line_of(source, f"torch.{UNMODELLED}")
    assert f"`torch.{UNMODELLED}(x, 1)` (line {line}) is not followed" in reasons(model)
    assert f"`torch.{UNMODELLED}` is not modelled" in reasons(model)


def test_unmodelled_torch_submodule_function_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(torch.fft.rfft(x).real)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"(line {line_of(source, 'torch.fft')})" in reasons(model)
    assert "torch.fft.rfft" in reasons(model)


def test_unmodelled_tensor_method_feeding_a_layer_is_incomplete():
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = x.{UNMODELLED}(1)
                return self.fc(y)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"x.{UNMODELLED}" in reasons(model)


def test_unmodelled_tensor_method_reason_names_its_line():
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = x.{UNMODELLED}(1)
                return self.fc(y)
    """)
    model = trace(source, "Net")
    assert f"(line {line_of(source, f'x.{UNMODELLED}')})" in reasons(model)


def test_unmodelled_tensor_method_with_macs_is_not_complete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x).matrix_power(3)
    """)
    model = trace(source, "Net")
    # torch counts the matrix power's products (more than the Linear alone): macslint does not
    # model the method, so it must print no total rather than the Linear's
    shape = declared_input(source, "Net")
    expected = torch_counts(source, "Net", shape)
    linear_only = torch_counts(source.replace(".matrix_power(3)", ""), "Net", shape)
    assert expected.macs > linear_only.macs
    assert (model.complete, model.macs, model.params) == (False, None, expected.params)
    assert f"`self.fc(x).matrix_power(3)` (line {line_of(source, 'matrix_power')})" in reasons(model)


def test_unmodelled_tensor_method_with_a_tensor_argument_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.w = nn.Parameter(torch.zeros(8, 4))

            def forward(self, x):
                return torch.tensordot(self.fc(x), self.w, dims=1)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"(line {line_of(source, 'torch.tensordot')})" in reasons(model)


def test_infinite_loop_in_forward_ends_quickly_with_a_budget_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                while True:
                    pass
                return self.fc(x)
    """)
    with no_hang(), Budget() as budget:
        model = trace(source, "Net")
    assert budget.problems() == []  # ended by the step budget, nothing ran past it
    assert not model.complete and model.macs is None
    assert model.params == torch_params(source, "Net")  # torch builds it; forward() never ends
    assert re.search(r"tracing forward\(\) takes more than [\d,]+ steps", reasons(model))


def test_infinite_loop_in_init_ends_quickly_with_a_budget_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                n = 0
                while True:
                    n += 1

            def forward(self, x):
                return self.fc(x)
    """)
    with no_hang(), Budget() as budget:
        model = trace(source, "Net")
    assert budget.problems() == []  # ended by the step budget, nothing ran past it
    assert not model.complete and model.macs is None and model.params is None
    assert re.search(r"building Net\(\) takes more than [\d,]+ steps", reasons(model))


def test_mutual_recursion_in_forward_ends_with_a_depth_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def ping(self, x):
                return self.pong(self.fc(x))

            def pong(self, x):
                return self.ping(x)

            def forward(self, x):
                return self.ping(x)
    """)
    with no_hang(), Budget() as budget:
        model = trace(source, "Net")
    assert budget.problems() == []  # ended by the step budget, nothing ran past it
    assert not model.complete and model.macs is None
    assert re.search(r"calls nest deeper than \d+ levels at p[io]ng\(\)", reasons(model))


def test_recursion_in_init_ends_with_a_depth_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.grow(0)

            def grow(self, n):
                return self.shrink(n + 1)

            def shrink(self, n):
                return self.grow(n)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert re.search(r"calls nest deeper than \d+ levels", reasons(model))


def test_raise_in_forward_is_incomplete_with_its_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                raise NotImplementedError("subclass me")
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert f"(line {line_of(source, 'raise NotImplementedError')})" in reasons(model)


def test_model_without_forward_is_incomplete():
    source = src("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert model.params == torch_params(source, "Net")
    assert "Net has no forward() in this file" in reasons(model)
