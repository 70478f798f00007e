"""Tests added to kill tracer mutants (issue 18): survivors of cosmic-ray's sample of
`macslint/torchnn` at a464175 (tests/mutation_survivors.md) in the tensors the tracer follows
(macslint/torchnn/tensors.py, values.py): a Python type naming a dtype (`x.to(bool)`), which
layers accept the model input as it is, the column of a dtype error, the documented 100,000
items per sequence, `is None` on a module, the contiguity a slice of an inner dim loses,
tensors that are the same whichever branch of an unknown condition ran, the `bias` of a
LayerNorm or GroupNorm without affine weights, and macslint's own modules compiling cleanly.

Every expected value comes from the real thing running the same source: torch builds and runs
the models (tests/torchnn/tracer_helpers.py: meta device, eval mode, FlopCounterMode; the real
CPU kernels where torch must raise), Python's compiler compiles macslint's modules. Numbers
that are not torch's (a line, a column, a count of findings) come from the test's own text.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

import macslint
from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, col_of, declared_input, line_of, reasons, src,
    torch_counts, torch_failing_operands, torch_raises, trace,
)


# ------------------------------------------------------- a Python type naming a dtype

# `.to(bool)`, `.to(int)`: torch reads Python's types as torch.bool and torch.int64;
# `.to(x.device)`: a device, passed where `.to()` may take a dtype too
PYTHON_TYPE_DTYPES = {
    # `~` is only implemented on integer and bool tensors: float ones would raise
    "to-bool": "self.fc(x * ~torch.ones(1, 8).to(bool))",
    "to-int": "self.fc(x * ~torch.ones(1, 8).to(int))",
    # a device (not known to macslint) where `.to()` may take a dtype: the dtype stays
    "to-device": "self.fc(x.to(x.device))",
}


@pytest.mark.parametrize("result", list(PYTHON_TYPE_DTYPES.values()), ids=list(PYTHON_TYPE_DTYPES))
def test_a_python_type_as_a_dtype_is_torchs(result):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return {result}
    """)
    assert not torch_raises(source, "Net", declared_input(source, "Net"))
    assert_matches_torch(source, "Net")
    assert not analyse(source).findings


# ------------------------------------- which layers accept the model input as it is

POOL_THEN_CONV = src("""
    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.pool = nn.MaxPool2d(2)
            self.conv = nn.Conv2d(4, 8, 3)

        def forward(self, x):
            y = self.pool(x)
            return self.conv(x) + y.sum()
""")


def test_a_layer_with_no_sized_argument_does_not_accept_the_model_input():
    """A MaxPool2d takes any number of channels: running it on the input says nothing of the
    input's size, so the Conv2d refusing that same input is the input setting's fault (fixed
    by setting it, as torch shows), not a bug of the model (MAC011)."""
    shape = declared_input(POOL_THEN_CONV, "Net")
    assert torch_raises(POOL_THEN_CONV, "Net", shape)
    assert torch_failing_operands(POOL_THEN_CONV, "Net", shape)[0] == shape  # the input itself
    fitting = POOL_THEN_CONV.replace("input-size=3x8x8", "input-size=4x8x8")
    assert_matches_torch(fitting, "Net")  # the setting is the fix
    result = analyse(POOL_THEN_CONV)
    model = trace(POOL_THEN_CONV, "Net")
    assert not model.complete and model.macs is None
    assert "the input 1x3x8x8 does not fit Net" in reasons(model)
    assert "input-size=" in reasons(model)
    assert not codes(result, "MAC011")


CONV_THEN_CONV = src("""
    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.first = nn.Conv2d(3, 8, 3)
            self.second = nn.Conv2d(4, 8, 3)

        def forward(self, x):
            y = self.first(x)
            return self.second(x) + y.sum()
""")


def test_after_a_sized_layer_accepted_the_input_a_mismatch_is_the_models():
    """The other side: Conv2d(3, ...) accepted the 3 channels, so Conv2d(4, ...) on the same
    input is a bug no input size fixes (torch raises at 3 and at 4 channels): MAC011 there."""
    for channels in (3, 4):
        assert torch_raises(CONV_THEN_CONV, "Net", (1, channels, 8, 8))
    result = analyse(CONV_THEN_CONV)
    assert [(f.line, f.col) for f in codes(result, "MAC011")] == [
        (line_of(CONV_THEN_CONV, "nn.Conv2d(4, 8, 3)"), col_of(CONV_THEN_CONV, "nn.Conv2d(4, 8, 3)"))]
    assert not trace(CONV_THEN_CONV, "Net").complete


# ---------------------------------------------------------- the column of a dtype error

def test_a_dtype_error_of_a_torch_function_is_reported_at_its_column():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                y = torch.matmul(torch.ones(1, 8), torch.ones(8, 4, dtype=torch.long))
                return self.fc(x)
    """)
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    found = codes(analyse(source), "MAC011")
    assert [(f.line, f.col) for f in found] == [
        (line_of(source, "torch.matmul("), col_of(source, "torch.matmul("))]
    assert "dtype" in found[0].message
    assert not trace(source, "Net").complete


# ------------------------------------- the documented 100,000 items per sequence (README)

def lists_model(half: int) -> str:
    """`half + half` in forward(), its length slicing the output down to 4 features."""
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                half = [1] * {half}
                both = half + half
                return self.fc(x)[:, : len(both) - {2 * half - 4}]
    """)


def test_two_lists_adding_up_to_the_bound_are_added():
    assert_matches_torch(lists_model(50_000), "Net")  # exactly 100,000 items


def test_two_lists_adding_up_past_the_bound_are_unknown():
    """60,000 + 60,000 items: Python (and torch) run it; macslint's documented bound leaves
    the sum unknown, with the line, and counts nothing it would depend on."""
    source = lists_model(60_000)
    assert not torch_raises(source, "Net", declared_input(source, "Net"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None and model.output is None
    line = line_of(source, "len(both)")
    assert f"(line {line})" in reasons(model) and "too large" in reasons(model)


# ----------------------------------------------------------------- `is None` on a module

def test_is_none_on_a_module_is_pythons():
    source = src("""
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(8, 8)
                self.block = Block()
                self.stack = nn.Sequential(nn.Linear(8, 8))
                self.skip = None

            def forward(self, x):
                if self.proj is None:
                    x = torch.cat([x, x], 1)
                if self.block is not None:
                    x = self.block(x)
                if None is self.stack:
                    x = torch.cat([x, x], 1)
                if self.skip is not None:
                    x = torch.cat([x, x], 1)
                return self.stack(self.proj(x))
    """)
    assert_matches_torch(source, "Net")


# ------------------------------------ a slice of an inner dim of a tensor of unknown strides

def strides_model(tail: str) -> str:
    # `x @ w`: macslint does not know the strides of the product
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=2x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = self.fc(x) @ torch.ones(8, 8)
                return y{tail}
    """)


def test_a_view_of_an_inner_slice_of_a_tensor_of_unknown_strides_is_not_counted():
    """`y[:, :, 1:]` of a 1x2x8 tensor is not contiguous: torch's view(-1) raises. macslint,
    not knowing y's strides, must not count it as run."""
    source = strides_model("[:, :, 1:].view(-1)")
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None and model.output is None
    assert "may not be contiguous" in reasons(model)
    assert f"(line {line_of(source, 'view(-1)')})" in reasons(model)


@pytest.mark.parametrize("tail", ["[:, :, 1:].reshape(-1)", "[:1].view(-1)", "[:, :, :].view(-1)"])
def test_what_a_slice_keeps_contiguous_or_reshape_is_torchs(tail):
    """The contrasts: reshape copies; a slice of the first dim or a full slice is
    contiguous (view accepted)."""
    assert_matches_torch(strides_model(tail), "Net")


# ------------------------------- tensors a condition macslint cannot decide chooses between

def branches_model(first: str, second: str) -> str:
    """A parameter made from one of two tensors on a condition macslint does not decide
    (`torch.cuda.is_available()`: not modelled)."""
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                if torch.cuda.is_available():
                    w = {first}
                else:
                    w = {second}
                self.w = nn.Parameter(w)

            def forward(self, x):
                return x @ self.w
    """)


def torch_either_way(monkeypatch, source: str):
    """What torch does with the condition true and false: the counts, or None if it raises
    (on the CPU, where dtypes are checked)."""
    outcomes = []
    for available in (True, False):
        monkeypatch.setattr(torch.cuda, "is_available", lambda available=available: available)
        shape = declared_input(source, "Net")
        outcomes.append(None if torch_raises(source, "Net", shape) else torch_counts(source, "Net", shape))
    monkeypatch.undo()
    return outcomes


@pytest.mark.parametrize("first, second", [
    ("torch.zeros(8, 4)", "torch.ones(8, 4)"),
    ("torch.zeros(8, 4, dtype=torch.float64).float()", "torch.ones(8, 4, dtype=torch.float32)"),
], ids=["same", "cast-back"])
def test_a_tensor_the_same_whichever_branch_ran_is_known(monkeypatch, first, second):
    """Both branches give an 8x4 float32 tensor: torch counts the same either way, and so
    does macslint, without deciding the condition."""
    source = branches_model(first, second)
    when_true, when_false = torch_either_way(monkeypatch, source)
    assert when_true == when_false and when_true is not None
    assert_matches_torch(source, "Net")


def test_a_tensor_whose_dtype_depends_on_the_branch_is_unknown(monkeypatch):
    """float64 on one branch, float32 on the other: torch runs one way and raises the other
    (a float32 input times a float64 weight), so macslint cannot count it."""
    source = branches_model("torch.zeros(8, 4, dtype=torch.float64)", "torch.ones(8, 4)")
    when_true, when_false = torch_either_way(monkeypatch, source)
    assert when_true is None and when_false is not None
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert "'w' depends on which branch ran" in reasons(model)
    assert f"(line {line_of(source, 'nn.Parameter(w)')})" in reasons(model)


# -------------------------------------- the bias of a LayerNorm or GroupNorm, as torch has it

NORMS = [
    "nn.LayerNorm(4, elementwise_affine=False)", "nn.LayerNorm(4, bias=False)",
    "nn.LayerNorm([8, 4], elementwise_affine=False, bias=False)", "nn.LayerNorm([8, 4])",
    "nn.GroupNorm(2, 8, affine=False)", "nn.GroupNorm(2, 8, bias=False)",
    "nn.GroupNorm(4, 8, affine=False, bias=False)", "nn.GroupNorm(2, 8)",
]


@pytest.mark.parametrize("norm", NORMS)
def test_the_weight_and_bias_of_a_norm_are_torchs(norm):
    """forward() branches on `weight is None` and `bias is None`, each doubling a different
    dim: the output shape says which torch's layer has."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8x4
            def __init__(self):
                super().__init__()
                self.norm = {norm}

            def forward(self, x):
                x = self.norm(x)
                if self.norm.bias is None:
                    x = torch.cat([x, x], 1)
                if self.norm.weight is None:
                    x = torch.cat([x, x], 2)
                return x
    """)
    assert_matches_torch(source, "Net")


# ------------------------------------------- macslint's own modules, as Python compiles them

def test_macslints_modules_compile_without_warnings():
    """Python prints a SyntaxWarning (`"is" with a literal`, an invalid escape...) to the
    user's terminal when it compiles a module of macslint; under `-W error` the import fails."""
    root = Path(macslint.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 50
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec", dont_inherit=True)
