"""Tests added to kill tracer mutants (issue 18): survivors of cosmic-ray's sample of
`macslint/torchnn` at a464175 (tests/mutation_survivors.md) in the tensors the tracer follows
(macslint/torchnn/tensors.py, values.py): a Python type naming a dtype (`x.to(bool)`), which
layers accept the model input as it is, the column of a dtype error, the documented 100,000
items per sequence, `is None` on a module, the contiguity a slice of an inner dim loses,
tensors that are the same whichever branch of an unknown condition ran, the `bias` of a
LayerNorm or GroupNorm without affine weights, and macslint's own modules compiling cleanly.
Then (the second part) the models a file gives (a construction at module level, constructions
declared in the settings, macslint/torchnn/entries.py), what the tracer reports (a factory it
cannot follow, a shape error in another file's block: tracer.py), `view_as` between tensors of
known and unknown strides, `None is` a value not known, int indices at the edges of a dim, and
`+` of a list and a tuple.

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
    torch_counts, torch_failing_operands, torch_model, torch_raises, trace, the_model, analyse_undeclared,
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
    # (the input given to the whole file: declared for Net, its misfit is MAC011)
    result = analyse_undeclared(POOL_THEN_CONV)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "the input 1x3x8x8 does not fit Net" in reasons(model)
    assert "input-size=" in reasons(model)
    assert not codes(result, "MAC011")
    assert codes(analyse(POOL_THEN_CONV), "MAC011")


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

def strides_model(tail: str, make: str = "self.fc(x) @ torch.ones(8, 8)") -> str:
    # `x @ w`: a product, contiguous; an elementwise op of a transposed tensor: its strides
    # are not known (TensorIterator may keep the operand's layout)
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=2x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = {make}
                return y{tail}
    """)


UNKNOWN_STRIDES = "(self.fc(x).transpose(1, 2) * 2).transpose(1, 2)"


def test_a_view_of_an_inner_slice_of_a_tensor_of_unknown_strides_is_not_counted():
    """`y[:, :, 1:]` of a 1x2x8 tensor is not contiguous: torch's view(-1) raises. macslint,
    not knowing y's strides, must not count it as run."""
    source = strides_model("[:, :, 1:].view(-1)", UNKNOWN_STRIDES)
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None and model.output is None
    assert "may not be contiguous" in reasons(model)
    assert f"(line {line_of(source, 'view(-1)')})" in reasons(model)


def test_a_view_of_an_inner_slice_of_a_product_is_refused_as_torch_refuses():
    """A matrix product's output is contiguous: `y[:, :, 1:].view(-1)` is torch's error."""
    source = strides_model("[:, :, 1:].view(-1)")
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None and model.output is None
    assert "view size is not compatible with input tensor's size and stride" in reasons(model)


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


# =====================================================================================
# More survivors of the same sample (tests/mutation_survivors.md): the model entries a file
# gives (macslint/torchnn/entries.py), the reports of the tracer (tracer.py), and tensors.py.

import importlib  # noqa: E402 - appended section
import sys  # noqa: E402
import textwrap  # noqa: E402
from typing import Any, Dict, Tuple  # noqa: E402

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from macslint.builds import parse_build  # noqa: E402
from macslint.config import Settings  # noqa: E402
from macslint.engine import check_file  # noqa: E402
from macslint.project.loader import clear_cache  # noqa: E402
from tests.torchnn.tracer_helpers import HEADER  # noqa: E402


def torch_built(source: str, expression: str, input_shape: Tuple[int, ...]
                ) -> Tuple[int, int, Tuple[int, ...]]:
    """What `expression` builds in the namespace of `source` (torch on meta, eval mode): its
    params, MACs (FlopCounterMode flops // 2) and output shape on zeros of `input_shape`."""
    namespace: Dict[str, Any] = {"__name__": "_macslint_n3b_built"}
    exec(compile(source, "<model>", "exec", dont_inherit=True), namespace)
    with torch.device("meta"):
        model = eval(compile(expression, "<expression>", "eval", dont_inherit=True),  # noqa: S307
                     namespace).eval()
        with FlopCounterMode(display=False) as counter:
            out = model(torch.zeros(input_shape))
    params = sum(p.numel() for p in model.parameters())
    return params, counter.get_total_flops() // 2, tuple(out.shape)


# ----------------------------------- a construction written at module level (entries.py)

CONSTRUCTIONS = src("""
    WIDTH = 16


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, width):
            super().__init__()
            self.fc = nn.Linear(8, width)

        def forward(self, x):
            return self.fc(x)


    def make(width):
        return Net(width)


    model = Net(WIDTH)
    other = make(4)
""")


def test_a_construction_whose_arguments_name_a_module_constant_is_traced():
    """`Net(WIDTH)` at module level builds a model (WIDTH a module constant): it is traced,
    with torch's counts for the same expression. `Net(width)` inside `make(width)` depends on
    the function's parameter (one model per call): not a model of its own."""
    result = analyse(CONSTRUCTIONS)
    assert [m.name for m in result.report.models] == ["Net(WIDTH)"]
    (model,) = result.report.models
    assert model.complete, model.reasons
    assert model.input == declared_input(CONSTRUCTIONS, "Net")
    assert (model.params, model.macs, model.output) == torch_built(
        CONSTRUCTIONS, "Net(WIDTH)", declared_input(CONSTRUCTIONS, "Net"))
    assert model.line == line_of(CONSTRUCTIONS, "model = Net(WIDTH)")


# ------------------------------ constructions declared in the settings (entries.py)

DECLARED = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, width):
            super().__init__()
            self.fc = nn.Linear(8, width)

        def forward(self, x):
            return self.fc(x)
""")


@pytest.mark.parametrize("order", ["other-first", "net-first"])
def test_a_declared_construction_of_another_file_does_not_hide_the_next(order):
    """`builds` holds `Other(3)` (no module: a class of another file, skipped here) and
    `Net(16)`, a class of this file: Net(16) is traced whatever their order, torch's counts."""
    pairs = [("other", "Other(3)"), ("net", "Net(16)")]
    if order == "net-first":
        pairs.reverse()
    builds = tuple(parse_build(text, label=label, key="build", source="pyproject.toml")
                   for label, text in pairs)
    result = analyse(DECLARED, builds=builds)
    assert [m.name for m in result.report.models] == ["net"]
    (model,) = result.report.models
    assert model.complete, model.reasons
    assert model.input == declared_input(DECLARED, "Net")
    assert (model.params, model.macs, model.output) == torch_built(
        DECLARED, "Net(16)", declared_input(DECLARED, "Net"))
    assert not result.report.not_built


# -------------------------------------- a factory macslint cannot follow (tracer.py)

def unfollowed_factory(loops: int) -> str:
    """A factory building a Linear, then replacing it in `loops` loops over what macslint
    does not know (the environment, the command line): each loop is one reason."""
    iterables = ["os.environ", "sys.argv", "sys.path"][:loops]
    body = "".join(f"    for _ in {it}:\n        block = nn.Linear(8, {2 + i})\n"
                   for i, it in enumerate(iterables))
    return HEADER + "import os\nimport sys\n\n\ndef make():\n    block = nn.Linear(8, 8)\n" \
        + body + "    return block\n"


@pytest.mark.parametrize("loops", [1, 2, 3])
def test_a_factory_that_cannot_be_followed_says_how_many_more_reasons(loops):
    """make() returns a module (Python builds it), which one depends on loops macslint does not
    follow: make is reported as not followed, naming the first loop and counting the others
    ("and N more": N the loops after the first, from the test's text)."""
    source = unfollowed_factory(loops)
    namespace: Dict[str, Any] = {"__name__": "_macslint_n3b_factory"}
    exec(compile(source, "<model>", "exec", dont_inherit=True), namespace)
    with torch.device("meta"):
        assert isinstance(namespace["make"](), torch.nn.Module)
    result = analyse(source)
    assert not result.report.models
    (unbuilt,) = result.report.not_built
    assert (unbuilt.name, unbuilt.line) == ("make", line_of(source, "def make"))
    first = line_of(source, "for _ in os.environ")
    assert unbuilt.reason.startswith("make() returns a value macslint cannot follow: ")
    assert f"the loop over `os.environ` (line {first}) is not followed" in unbuilt.reason
    more = f" (and {loops - 1} more)"
    assert unbuilt.reason.endswith(more) if loops > 1 else "more)" not in unbuilt.reason


# ------------------- a shape error in a block of another project file (tracer.py)

BLOCK_FILE = """
    import torch.nn as nn


    class Block(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)

        def forward(self, x):
            return self.conv(x)
"""

NET_FILE = """
    import torch.nn as nn

    from .blocks import Block


    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.b1 = Block(3, 8)
            self.b2 = Block(16, 8)

        def forward(self, x):
            return self.b2(self.b1(x))


    if True:
        class Inner(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.b1 = Block(3, 8)
                self.b2 = Block(16, 8)

            def forward(self, x):
                return self.b2(self.b1(x))
"""


@pytest.fixture
def project_caches():
    clear_cache()
    yield
    clear_cache()


def test_a_shape_error_in_another_files_block_is_reported_at_the_models_line_and_column(
        tmp_path, project_caches):
    """Block(16, 8) gets the 8 channels Block(3, 8) makes: torch raises in blocks.py's conv.
    The MAC011 is said on the model's class line and column (1-based, from the text), the
    block's file and line at the end of the message."""
    package = tmp_path / "n3b_project_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "blocks.py").write_text(textwrap.dedent(BLOCK_FILE), encoding="utf-8")
    (package / "net.py").write_text(textwrap.dedent(NET_FILE), encoding="utf-8")
    net_text = (package / "net.py").read_text(encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("n3b_project_pkg.net")
        for name in ("Net", "Inner"):
            with pytest.raises(RuntimeError, match="expected input.*to have 16 channels"):
                getattr(module, name)()(torch.zeros(declared_input(net_text, name)))
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("n3b_project_pkg")]:
            del sys.modules[name]
    result = check_file(package / "net.py", "net.py", Settings())
    assert result.report.error is None, result.report.error
    issues = sorted((f.line, f.col, f.message) for f in result.findings if f.code == "MAC011")
    conv_line = line_of(textwrap.dedent(BLOCK_FILE), "nn.Conv2d(")
    expected = [(line_of(net_text, f"class {name}("), col_of(net_text, f"class {name}("))
                for name in ("Net", "Inner")]
    assert [(line, col) for line, col, _ in issues] == expected
    assert expected[1][1] == 5  # the nested class: its column is not 1
    for _, _, message in issues:
        assert message.endswith(f"(at blocks.py:{conv_line})")
    for name in ("Net", "Inner"):
        model = next(m for m in result.report.models if m.name == name)
        assert not model.complete and model.macs is None


# ------------------------------ view_as / reshape_as of tensors of unknown strides

@pytest.mark.parametrize("result", [
    "torch.zeros(2, 8).view_as(y)",  # known strides viewed as the shape of unknown ones
    "y.view_as(torch.zeros(2, 8))",  # unknown strides viewed as a fresh tensor's shape
    "torch.zeros(2, 8).reshape_as(y)",
    "torch.zeros(2, 8).view_as(y).view(-1)",
], ids=["known-as-unknown", "unknown-as-known", "reshape_as", "view-after"])
def test_view_as_between_tensors_of_known_and_unknown_strides_is_torchs(result):
    """The strides of `a.view_as(b)` are a's: b only gives the shape. y (a product:
    macslint does not know its strides) as either side: torch runs it, and so does macslint."""
    assert_matches_torch(src(f"""
        class Net(nn.Module):  # macslint: input-size=2x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = self.fc(x) @ torch.ones(8, 8)
                return {result}
    """), "Net")


# --------------------------------------- `None is` a value macslint does not know

@pytest.mark.parametrize("condition, python", [
    ('None is re.match("a", "a")', False),
    ('re.search("a", "ba") is None', False),
    ('None is not re.fullmatch("a", "a")', True),
])
def test_none_is_a_value_not_known_is_unknown(condition, python):
    """A match object of `re` is not modelled: whether `re.match(...)` is None when it
    matches is not known to macslint (it is None, exactly, when nothing matches), so neither is
    the branch (torch's output shape depends on it). The model is left uncounted with the
    condition and its line, never guessed."""
    def model_source(test: str) -> str:
        return src(f"""
            import re


            class Net(nn.Module):  # macslint: input-size=8
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 8)

                def forward(self, x):
                    if {test}:
                        x = torch.cat([x, x], 1)
                    return torch.cat([self.fc(x[:, :8]), x], 1)
        """)

    source = model_source(condition)
    shape = declared_input(source, "Net")
    assert eval(condition, {"re": __import__("re")}) is python  # noqa: S307 - the test's own text
    when = {branch: torch_counts(model_source(str(branch)), "Net", shape)
            for branch in (True, False)}
    assert when[True] != when[False]  # a guess of the branch would give wrong counts
    assert torch_counts(source, "Net", shape) == when[python]
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"the condition `{condition[:8]}" in reasons(model)
    assert f"(line {line_of(source, 'if ' + condition)})" in reasons(model)




@pytest.mark.parametrize("condition", [
    'None is re.match("a", "b")', 'None is not re.match("a", "b")',
    're.fullmatch(r"\\d+", "12a") is None', 're.split(r"(\\d.*)", "k3")[1] == "3"',
    're.sub("_", "", "a_b") == "ab"', 'len(re.findall(r"\\d", "a1b22")) == 3',
])
def test_re_functions_on_known_strings_are_pythons(condition):
    """timm's block strings: `re.split(r'(\\d.*)', op)`; no match is None."""
    assert_matches_torch(src(f"""
        import re


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                if {condition}:
                    x = torch.cat([x, x], 1)
                return torch.cat([self.fc(x[:, :8]), x], 1)
    """), "Net")


# ------------------------------------------------------- an int index at the edges of a dim

@pytest.mark.parametrize("key", [-4, -1, 0, 3])
def test_an_int_index_within_a_dim_is_torchs(key):
    """`y[:, key]` of a 1x4 tensor, key from -4 to 3: torch runs it."""
    assert_matches_torch(src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return self.fc(x)[:, {key}]
    """), "Net")


@pytest.mark.parametrize("key", [-5, -6, 4, 5])
def test_an_int_index_past_a_dim_is_a_shape_error_as_torch_raises(key):
    """Past either end (below -4 or from 4 on): torch raises IndexError; macslint says MAC011
    at the subscript, with the index, and counts no MACs."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return self.fc(x)[:, {key}]
    """)
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    found = codes(analyse(source), "MAC011")
    assert [(f.line, f.col) for f in found] == [
        (line_of(source, "self.fc(x)["), col_of(source, "self.fc(x)["))]
    assert f"indexes {key} in dimension 1" in found[0].message
    model = trace(source, "Net")
    assert not model.complete and model.macs is None


# ---------------------------------------------------- `+` of lists and of sequences of modules

@pytest.mark.parametrize("init, use", [
    ("self.body = nn.Sequential(*([nn.Linear(8, 8)] + [nn.ReLU(), nn.Linear(8, 4)]))",
     "self.body(x)"),
    ("self.parts = nn.ModuleList((nn.Linear(8, 8),) + (nn.Linear(8, 4),))",
     "self.parts[1](self.parts[0](x))"),
], ids=["list-of-modules", "tuple-of-modules"])
def test_sequences_of_modules_added_are_pythons(init, use):
    """`[modules] + [modules]`, `(modules) + (modules)`: Python's concatenation, torch's
    counts (the side of the next test where the two types are the same)."""
    assert_matches_torch(src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                {init}

            def forward(self, x):
                return {use}
    """), "Net")


@pytest.mark.parametrize("expression", ["[1] + (4,)", "(1,) + [4]"])
def test_a_list_plus_a_tuple_is_unknown_as_python_raises(expression):
    """Python refuses `list + tuple` (TypeError; torch's forward raises). macslint does not
    count the view the sum shapes, naming the line, and has no internal error."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                shape = {expression}
                return self.fc(x).view(shape)
    """)
    with pytest.raises(TypeError, match="can only concatenate"):
        torch_counts(source, "Net", declared_input(source, "Net"))
    result = analyse(source)
    (model,) = result.report.models
    assert not model.complete and model.macs is None and model.output is None
    assert "raises TypeError" in reasons(model)
    assert f"(line {line_of(source, '.view(shape)')})" in reasons(model)
    assert not codes(result, "MAC900") and "internal error" not in reasons(model)


# ---------------------------------------- a disagreement found while killing these mutants

def test_module_members_are_torchs():
    """What every nn.Module has (macslint.torchnn.common.MODULE_MEMBERS) is torch's."""
    from macslint.torchnn.common import MODULE_MEMBERS

    members = {n for n in dir(torch.nn.Module) if not n.startswith("__")}
    assert MODULE_MEMBERS == members | set(vars(torch.nn.Module()))


UNSET = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            if self.downsample is not None:
                x = torch.cat([x, x], 1)
            return self.fc(x[:, :8])


    class WithDefault(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 16 if getattr(self, "wide", False) else 4)
            self.has = nn.Linear(4, 2 if hasattr(self, "narrow") else 3)

        def forward(self, x):
            return self.has(self.fc(x))
""")


def test_an_attribute_never_set_is_not_taken_for_a_method():
    """It was an nn.Module method (not None, true): a complete count where torch raises."""
    with pytest.raises(AttributeError):
        run_torch = torch_model(UNSET, "Net")
        run_torch(torch.zeros(1, 8, device="meta"))
    model = trace(UNSET, "Net")
    assert model.macs is None
    assert "`self.downsample` is not set on Net: torch raises AttributeError" in reasons(model)
    assert_matches_torch(UNSET, "WithDefault")  # getattr's default, hasattr False


# =====================================================================================
# A fourth batch of survivors of the same sample: len() of a container's subclass
# (execution.py), a loop over a tensor of known items, a product of the model input with
# itself (tensors.py), and the bounded walks that give each container its own count (tracer.py).

from macslint.torchnn import tracer as tracer_module  # noqa: E402 - appended section


# ------------------------------------------------ len() of a subclass of a container

def stack_model(size: str) -> str:
    """`Stack` subclasses nn.Sequential: len() of it is its number of modules in Python."""
    return src(f"""
        class Stack(nn.Sequential):
            pass


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.body = Stack(nn.Linear(8, 8), nn.Linear(8, 8))

            def forward(self, x):
                n = {size}
                return self.body(x)[:, :n]
    """)


def test_len_of_a_container_subclass_is_pythons():
    assert_matches_torch(stack_model("len(self.body)"), "Net")


@pytest.mark.parametrize("size", ["len(self.body, 3)", "len(obj=self.body)"])
def test_len_of_a_container_subclass_with_other_arguments_raises_as_python(size):
    """len() takes exactly one positional argument: Python raises TypeError (torch's forward
    too). macslint must not count the slice the result sizes; its reason names the call or
    the slice, with the line."""
    source = stack_model(size)
    with pytest.raises(TypeError, match="len"):
        torch_counts(source, "Net", declared_input(source, "Net"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None and model.output is None
    lines = {line_of(source, size), line_of(source, "self.body(x)[")}
    assert "len(" in reasons(model) and any(f"(line {n})" in reasons(model) for n in lines)


# ------------------------------------------------- a loop over a tensor of known items

def loop_model(loop: str, body: str) -> str:
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                {loop}
                    {body}
                return x
    """)


@pytest.mark.parametrize("items", [
    "torch.linspace(0, 1, 3)", "torch.tensor([1.0, 2.0])", "torch.tensor([0.5, 0.5, 0.5, 0.5])",
])
def test_a_loop_over_a_1d_tensor_of_known_items_is_torchs(items):
    """A 1-d tensor iterates over its items (0-d tensors): one fc call per item, torch's
    counts."""
    assert_matches_torch(loop_model(f"for v in {items}:", "x = self.fc(x) * v"), "Net")


@pytest.mark.parametrize("rows", [
    "torch.tensor([[1.0] * 8, [2.0] * 8])", "torch.tensor([[0.5] * 8] * 3)",
])
def test_a_loop_over_a_2d_tensor_gives_rows_not_items(rows):
    """A 2-d tensor iterates over its rows, 1-d tensors of 8 items each: torch runs the fc on
    each row (its calls show the (8,) inputs). macslint may leave the loop unfollowed, naming
    it and its line, but must never take the rows for 0-d items (fc on a 0-d tensor raises:
    a MAC011 where torch runs)."""
    source = loop_model(f"for row in {rows}:", "x = self.fc(x) + self.fc(row)")
    shape = declared_input(source, "Net")
    assert not torch_raises(source, "Net", shape)
    assert ("fc", "Linear", (8,), (8,)) in torch_counts(source, "Net", shape).calls
    assert not codes(analyse(source), "MAC011")
    model = trace(source, "Net")
    if model.complete:
        assert_matches_torch(source, "Net")
    else:
        assert model.macs is None and model.output is None
        assert f"the loop over `{rows}` (line {line_of(source, 'for row in')}) is not followed" \
            in reasons(model)


# ------------------------------------------- a product of the model input with itself

MATMUL_OF_INPUT = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 8)

        def forward(self, x):
            y = x @ x.transpose(1, 2)
            return self.fc(y)
""")


def test_a_product_of_the_input_with_itself_that_does_not_fit_is_the_input_setting():
    """`x @ x.transpose(1, 2)` is 1x4x4 from the 1x4x8 input: Linear(6, 8) refuses it (torch
    raises) and takes the product of a 1x6x8 input. Its size comes from the input alone, so
    the input setting is the fix: incomplete, saying how to set it, and no MAC011."""
    shape = declared_input(MATMUL_OF_INPUT, "Net")
    assert torch_raises(MATMUL_OF_INPUT, "Net", shape)
    assert_matches_torch(MATMUL_OF_INPUT.replace("input-size=4x8", "input-size=6x8"), "Net")
    result = analyse_undeclared(MATMUL_OF_INPUT)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit Net" in reasons(model) and "input-size=" in reasons(model)
    assert not codes(result, "MAC011")
    assert codes(analyse(MATMUL_OF_INPUT), "MAC011")


def test_a_product_of_the_input_with_a_fixed_weight_that_does_not_fit_is_the_models():
    """The other side: `x @ torch.ones(8, 4)` ends in 4 whatever the input, and Linear(6, 8)
    refuses it at 4x8 and 6x8 alike (torch raises at both): a bug no input size fixes,
    MAC011 at the layer."""
    source = MATMUL_OF_INPUT.replace("x @ x.transpose(1, 2)", "x @ torch.ones(8, 4)")
    for rows in (4, 6):
        assert torch_raises(source, "Net", (1, rows, 8))
    found = codes(analyse(source), "MAC011")
    assert [(f.line, f.col) for f in found] == [
        (line_of(source, "nn.Linear(6, 8)"), col_of(source, "nn.Linear(6, 8)"))]


# ------------------------------------- each container's own count, within the file's budget

NESTED_DEPTH = 1000


def nested_model(pad: int) -> str:
    """`pad` Identity layers in a Sequential, then a Linear wrapped in NESTED_DEPTH
    Sequentials: each container's own count walks the modules under it."""
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.pad = nn.Sequential(*[nn.Identity() for _ in range({pad})])
                m = nn.Linear(8, 8)
                for _ in range({NESTED_DEPTH}):
                    m = nn.Sequential(m)
                self.m = m

            def forward(self, x):
                return self.pad(x)
    """)


def test_the_container_walked_with_one_visit_left_still_gets_its_count():
    """The containers' own counts walk at most MAX_FILE_STEPS modules (README: 500,000 steps
    per file); the walk that crosses the budget still ends with its count, the containers
    after it have none. The pad is sized (from the test's arithmetic) so that exactly one
    visit is left when the walk reaches one of the nested Sequentials: it has torch's count,
    the next one (inside it) has none."""
    budget = tracer_module.MAX_FILE_STEPS
    assert budget == 500_000  # README's steps per file
    # the walk's order: pad (its pad + 1 modules), then the Sequential k levels above the
    # Linear, from k = NESTED_DEPTH down: k Sequentials and the Linear
    sizes = [k + 1 for k in range(NESTED_DEPTH, 0, -1)]
    spent, last = 0, 0
    while spent + sizes[last] <= budget - 2:
        spent += sizes[last]
        last += 1
    pad = budget - 2 - spent  # the pad's walk leaves exactly one visit for container `last`
    assert 0 <= pad < sizes[last] and pad + 1 + spent == budget - 1
    source = nested_model(pad)
    model = trace(source, "Net")
    counted = "m" + ".0" * last  # `last` levels inside self.m
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * NESTED_DEPTH))  # torch's module walks recurse
    try:
        built = torch_model(source, "Net")
        inner = built.m
        for _ in range(last):
            inner = inner[0]
        torch_params = {path: sum(p.numel() for p in module.parameters())
                        for path, module in (("pad", built.pad), ("m", built.m), (counted, inner))}
        expected = torch_counts(source, "Net", declared_input(source, "Net"))
    finally:
        sys.setrecursionlimit(limit)
    for path, params in torch_params.items():
        levels = path.count(".")
        assert model.containers[path] == ("Sequential", params), f"{path[:3]}... ({levels} levels)"
    assert model.containers[counted + ".0"] == ("Sequential", None)  # the walk after the budget
    known = [path for path, (_, params) in model.containers.items() if params is not None]
    assert len(known) == 1 + last + 1  # pad, then self.m down to `counted`
    assert len(model.containers) == 1 + NESTED_DEPTH
    assert (model.params, model.macs, model.output) == (
        expected.params, expected.macs, expected.output)


# =====================================================================================
# Survivors N5c of the same sample (tests/mutation_survivors.md): iterating a 1-d tensor
# whose items are not known, the output of an op recorded in the report, a declared
# construction's label, an Embedding's attributes, a grouped ConvTranspose's weight.

from macslint.render.report_json import model_json  # noqa: E402 - appended section
from tests.torchnn.tracer_helpers import torch_ops  # noqa: E402


ITEMS_NOT_KNOWN = [
    "torch.linspace(0, 1, 5, dtype=torch.float64)",  # items not modelled: dtype
    "torch.linspace(0, 1, 10_001)",  # items not modelled: too many steps
    "torch.tensor([1, 2, 3], dtype=torch.int32)",  # items not modelled: a cast
]


@pytest.mark.parametrize("tensor", ITEMS_NOT_KNOWN)
def test_a_loop_over_a_1d_tensor_of_unknown_items_runs_as_many_times_as_torchs(tensor):
    """`for t in <1-d tensor>`: macslint knows the tensor's length, not its items. The loop
    still runs once per item, as in torch (the count sizes a Linear: torch's params)."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                n = 0
                for t in {tensor}:
                    n += 1
                self.fc = nn.Linear(4, n)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


OP_OUTPUTS = [
    "torch.bmm(x, x.transpose(1, 2))",
    "torch.matmul(x, x.transpose(1, 2))",
]


@pytest.mark.parametrize("expression", OP_OUTPUTS)
def test_the_output_of_a_counted_op_is_torchs(expression):
    """A torch op with MACs is listed with its operands' and result's shapes (the text and
    JSON reports' `ops`): its output is the shape torch returns for the same call."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=3x5
            def forward(self, x):
                return {expression}
    """)
    model = trace(source, "Net")
    assert model.complete, model.reasons
    name = expression.split("(")[0].split(".")[-1]
    ran = [(ins, outs) for op, ins, outs in torch_ops(source, "Net", declared_input(source, "Net"))
           if op == name]
    assert len(ran) == 1 and len(model.ops) == 1 and model.macs > 0
    (op,) = model.ops
    assert (list(op.inputs), [tuple(op.output)]) == (ran[0][0], ran[0][1])


LAYER_ATTRIBUTES = [
    ("nn.Embedding(10, 4)", "embedding_dim"),
    ("nn.Embedding(10, 4)", "num_embeddings"),
    ("nn.Embedding(10, 4, padding_idx=3)", "padding_idx"),
    ("nn.Embedding(10, 4, padding_idx=-2)", "padding_idx"),  # torch: 10 - 2
    ("nn.Embedding(10, 4, max_norm=2.0)", "embedding_dim"),
    ("nn.ConvTranspose2d(4, 6, 3, groups=2)", "weight.shape[1]"),  # out_channels // groups
    ("nn.ConvTranspose2d(4, 12, 3, groups=4)", "weight.shape[1]"),
    ("nn.ConvTranspose2d(6, 4, 3, groups=2)", "weight.shape[0]"),
    ("nn.Conv2d(4, 6, 3, groups=2)", "weight.shape[1]"),  # in_channels // groups
]


@pytest.mark.parametrize("layer,attribute", LAYER_ATTRIBUTES)
def test_an_attribute_of_a_layer_sizing_another_is_torchs(layer, attribute):
    """An attribute of a layer (its constructor's argument as torch keeps it, a weight's
    shape as torch registers it) sizes a Linear: torch's params and the layer's own."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layer = {layer}
                self.fc = nn.Linear(8, self.layer.{attribute})

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


@pytest.mark.parametrize("label", ["A", "Alpha", "big", "Net", "zz"])
def test_a_declared_construction_reports_what_it_builds_whatever_its_label(label):
    """`builds` declares `Net(16)` under a label: the model is named by the label and the JSON
    report's `builds` is the class it calls (the text before its arguments), whatever the
    label (sorting before or after it), with torch's counts for it."""
    text = "Net(16)"
    build = parse_build(text, label=label, key="build", source="pyproject.toml")
    result = analyse(DECLARED, builds=(build,))
    (model,) = result.report.models
    assert model.name == label and model.complete, model.reasons
    assert model_json(model, "MACs")["builds"] == text.split("(")[0]
    assert (model.params, model.macs, model.output) == torch_built(
        DECLARED, text, declared_input(DECLARED, "Net"))
