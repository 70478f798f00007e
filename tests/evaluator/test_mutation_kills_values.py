"""Tests added to kill evaluator mutants (issue 18): survivors of cosmic-ray's sample of
`macslint/evaluator` at ef00bd1 (tests/mutation_survivors.md) in the values the evaluator
computes: numpy's helpers and constants, integers at the bounds of numpy's types, `**` of
+-1, `range` subscripts, items of `torch.linspace` known up to rounding, the documented
100,000 items per sequence, the code a reason quotes, class keywords and class bodies, and
the construction sites of a file's functions.

Every expected value comes from the real thing running the same source: torch builds and runs
the models (tests/torchnn/tracer_helpers.py: meta device, eval mode, FlopCounterMode), real
numpy computes numpy's values (numpy is a test dependency), Python runs the plain Python. A
model whose __init__ reads tensor items (`.tolist()` raises on meta tensors) is built on the
CPU, then moved to meta and run as torch_counts does.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.analysis import analyze_source
from macslint.config import Settings
from macslint.evaluator.numpy_values import numpy_call
from macslint.evaluator.values import Unknown
from macslint.results.report import cost_site
from tests.torchnn.tracer_helpers import (
    HEADER, assert_matches_torch, line_of, reasons, src, torch_model, trace,
)

NP_HEADER = HEADER + "import numpy as np\n"


def cpu_built_counts(source: str, name: str, shape):
    """torch's (params, MACs, output) for a model whose __init__ reads tensor items: built on
    the CPU, moved to meta, run in eval mode under FlopCounterMode."""
    model = torch_model(source, name, device="cpu").to("meta").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(shape, device="meta"))
    return (sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2,
            tuple(out.shape))


def one_layer_model(size_expr: str, header: str = NP_HEADER) -> str:
    """A model whose one Linear layer's output features are `size_expr`, evaluated in
    __init__ (input 8 features)."""
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, {size_expr})

            def forward(self, x):
                return self.fc(x)
    """, header=header)


def torch_params_of(source: str, function: str = "make") -> int:
    """The parameters of the layer the file's `function()` returns: the source run by Python,
    then the function called (on the meta device)."""
    namespace = {"__name__": "_macslint_site_test"}
    exec(compile(source, "<site>", "exec", dont_inherit=True), namespace)
    with torch.device("meta"):
        layer = namespace[function]()
    return sum(p.numel() for p in layer.parameters())


def the_site(source: str, call: str):
    """The construction site of the file whose text is `call`, costed on its own."""
    found = [s for s in analyze_source(source).sites if s.call_text == call]
    assert len(found) == 1, [s.call_text for s in analyze_source(source).sites]
    return found[0], cost_site(found[0], Settings())


# ---------------------------------------------------------------- reasons quote the code

LONG_CALL = "some_lib.operation_with_a_long_name(x, alpha=0.5, beta=0.25, gamma=0.125)"
SHORT_CALL = "some_lib.op(x)"


@pytest.mark.parametrize("call", [LONG_CALL, SHORT_CALL], ids=["long", "short"])
def test_a_reason_quotes_the_code_cut_to_forty_characters(call):
    """interpreter.py:146 (`text[: limit - 3] + "..."`): the call a reason names is quoted as
    written on one line, up to 40 characters: a longer one as its first 37 and `...`."""
    source = src(f"""
        import some_lib

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                x = {call}
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert model.params is not None and model.macs is None
    quoted = call if len(call) <= 40 else call[:37] + "..."
    assert len(quoted) <= 40
    assert f"the call `{quoted}` (line {line_of(source, call)}) is not followed" in reasons(model)


# ---------------------------------------------------------------- 100,000 items per sequence

def sequence_model(extra: str) -> str:
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                half = (1,) * 50_000
                items = [*half, *half{extra}]
                self.fc = nn.Linear(8, len(items) // 10_000)

            def forward(self, x):
                return self.fc(x)
    """)


def test_a_list_of_exactly_the_documented_100000_items_is_evaluated():
    """interpreter.py:209 (`len(items) > MAX_SEQUENCE`): README's bound, 100,000 items per
    sequence; a list display of exactly that many is built (torch: Linear(8, 10))."""
    assert_matches_torch(sequence_model(""), "Net")


def test_a_list_one_item_past_the_bound_is_unknown_with_the_reason():
    source = sequence_model(", 1")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "a sequence too long to evaluate" in reasons(model)
    assert f"line {line_of(source, 'nn.Linear(8, len(items)')}" in reasons(model)


# ---------------------------------------------------------------- items of torch.linspace

def linspace_model(size_expr: str) -> str:
    return src(f"""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                dpr = torch.linspace(0, 0.1, 12).tolist()
                self.fc = nn.Linear(16, {size_expr})

            def forward(self, x):
                return self.fc(x)
    """)


@pytest.mark.parametrize("size_expr", [
    "9 if dpr[3] else 8",       # rounded.py:69: its truth, decided off zero
    "9 if not dpr[3] else 8",   # interpreter.py:428: `not` of it, the same truth
    "9 if not dpr[0] else 8",   # the first item is exactly 0.0
], ids=["truth", "not", "not-of-zero"])
def test_the_truth_of_a_linspace_item_off_zero_is_known(size_expr):
    """A linspace item known up to rounding (evaluator.rounded) whose interval lies off zero
    has Python's truth value, and `not` of it too: torch builds the same source."""
    source = linspace_model(size_expr)
    model = trace(source, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == cpu_built_counts(source, "Net", (1, 16))


@pytest.mark.parametrize("size_expr", ["int(-dpr[3] * -100)", "int(+dpr[3] * 100)",
                                       "int(~dpr[3])"], ids=["minus", "plus", "invert"])
def test_a_sign_applied_to_a_linspace_item_is_unknown_with_its_reason(size_expr):
    """interpreter.py:428: any unary operator but `not` needs the item's exact value: unknown,
    with the item's own reason (the linspace and its line), not a generic one."""
    source = linspace_model(size_expr)
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"torch.linspace(0, 0.1, 12)` (line {line_of(source, 'torch.linspace')})" \
        in reasons(model)


@pytest.mark.parametrize("comparison", ['dpr[3] == "none"', 'dpr[3] != None',
                                        'dpr[3] < "a"'], ids=["eq-str", "ne-None", "lt-str"])
def test_a_linspace_item_compared_with_a_value_that_is_not_a_number_is_unknown(comparison):
    """rounded.py:53 (`a is None or b is None`): an item compared with a string or None is
    unknown, with why and the condition's line (Python: False, True, TypeError)."""
    source = linspace_model(f"9 if {comparison} else 8")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "a comparison of a value known only up to rounding" in reasons(model)
    assert f"line {line_of(source, comparison)}" in reasons(model)


# ---------------------------------------------------------------- plain Python values

@pytest.mark.parametrize("size_expr", [
    "8 * 1 ** 10_000",                     # operators.py:32: 1 ** n is 1, however large n
    "8 * (-1) ** 10_000",
    "4 - 4 * (-1) ** 10_001",
], ids=["one", "minus-one-even", "minus-one-odd"])
def test_a_power_of_one_or_minus_one_is_computed(size_expr):
    """operators.py:32 (`abs(left) > 1`): the bound on `**` (4096-bit results) leaves +-1 to
    any power alone: Python's value."""
    assert eval(size_expr) == 8  # Python's value of the same text
    assert_matches_torch(one_layer_model(size_expr, HEADER), "Net")


@pytest.mark.parametrize("size_expr", [
    "range(4, 40, 4)[2]",
    "range(20)[-7]",
    "len(range(3, 30)[2:10])",
    "sum(range(10)[::4]) - 4",
], ids=["index", "negative-index", "slice", "step"])
def test_a_subscript_of_a_range_is_pythons(size_expr):
    """interpreter.py:528 (`len(keys) == 1`): `range(...)[i]` and `range(...)[a:b]` while
    building a model, as Python computes them."""
    assert_matches_torch(one_layer_model(size_expr, HEADER), "Net")


def test_a_dict_subscript_by_an_unhashable_key_is_unknown_as_python_raises():
    """interpreter.py:526 (`except (KeyError, TypeError)`): `{...}[[8]]` raises TypeError in
    Python (an unhashable key); the model is incomplete, naming the subscript and its line."""
    source = one_layer_model("{8: 16}[[8]]", HEADER)
    with pytest.raises(TypeError, match="unhashable"):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "`{8: 16}[[8]]` is not a key of the dict" in reasons(model)
    assert f"line {line_of(source, '{8: 16}[[8]]')}" in reasons(model)


# ---------------------------------------------------------------- numpy

@pytest.mark.parametrize("size_expr", ["int(np.pi * 10)", "int(np.e * 10)",
                                       "8 if np.inf > 1e308 else 4", "int(np.pi * np.e * 4)"],
                         ids=["pi", "e", "inf", "pi-e"])
def test_numpy_constants_are_numpys(size_expr):
    """numpy_values.py:61/63/64: `np.pi`, `np.e`, `np.inf` are numpy's values (torch's side runs
    the source with real numpy)."""
    assert_matches_torch(one_layer_model(size_expr), "Net")


@pytest.mark.parametrize("size_expr", [
    "int(np.round(2.5, 0)) + int(np.round(3.5, 0)) + 4",   # half to even: 2.0 and 4.0
    "int(np.round(-1.5, 0)) + 10",
    "int(np.round(7, 0)) + 1",                             # an int stays an int
], ids=["half-to-even", "negative", "int"])
def test_numpy_round_with_zero_decimals_is_numpys(size_expr):
    """numpy_values.py:104/106: `np.round(x, 0)` is `np.round(x)`, numpy's value."""
    assert_matches_torch(one_layer_model(size_expr), "Net")


def test_numpy_round_with_other_decimals_is_unknown():
    """numpy_values.py:104: `np.round(2.45, 1)` is numpy's 2.4 (it scales by 10 first), Python's
    round gives 2.5: not modelled, unknown with the call's line."""
    assert float(np.round(2.45, 1)) != round(2.45)  # the one-argument value would be wrong
    source = one_layer_model("int(np.round(2.45, 1) * 10)")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"line {line_of(source, 'np.round(2.45, 1)')}" in reasons(model)


INT_BOUNDS = [(name, value) for name, bits in
              (("int8", 8), ("int16", 16), ("int32", 32), ("int64", 64))
              for value in (-2 ** (bits - 1), 2 ** (bits - 1) - 1)]


@pytest.mark.parametrize("name, value", INT_BOUNDS, ids=[f"{n}({v})" for n, v in INT_BOUNDS])
def test_numpy_ints_at_their_bounds_are_numpys(name, value):
    """numpy_values.py:148: `np.int8(-128)` ... `np.int64(2**63 - 1)` are numpy's values (the
    type's smallest and largest)."""
    assert int(getattr(np, name)(value)) == value
    assert_matches_torch(one_layer_model(f"int(np.{name}({value})) - ({value}) + 8"), "Net")


OUT_OF_RANGE = [("int8", -129), ("int8", 128), ("int8", -200), ("int16", -40000),
                ("int32", -2 ** 32), ("int64", 2 ** 63)]


@pytest.mark.parametrize("name, value", OUT_OF_RANGE, ids=[f"{n}({v})" for n, v in OUT_OF_RANGE])
def test_numpy_ints_out_of_their_range_are_unknown_as_numpy_raises(name, value):
    """numpy_values.py:148: numpy raises OverflowError for `np.int8(-129)`; the model is
    incomplete with the call's line (and torch, running the same source, raises)."""
    with pytest.raises(OverflowError):
        getattr(np, name)(value)
    source = one_layer_model(f"int(np.{name}({value})) - ({value}) + 8")
    with pytest.raises(OverflowError):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"np.{name}(" in reasons(model)
    assert f"line {line_of(source, f'np.{name}(')}" in reasons(model)


def test_numpy_prod_that_wraps_int64_is_unknown():
    """numpy_values.py:31 (INT64's bound 2**63 - 1): `np.prod((2**62, 2))` wraps to -2**63 in
    numpy; exact Python would say 2**63. Unknown, and the model is incomplete with the line."""
    wrapped = int(np.prod((2 ** 62, 2)))
    assert wrapped != 2 ** 62 * 2
    assert isinstance(numpy_call("numpy.prod", [(2 ** 62, 2)], {}), Unknown)
    source = one_layer_model("4 if np.prod((2 ** 62, 2)) > 0 else 8")
    assert sum(p.numel() for p in torch_model(source, "Net").parameters()) == 8 * 8 + 8
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"line {line_of(source, 'np.prod(')}" in reasons(model)


@pytest.mark.parametrize("items", [[2.0 ** 53] + [1.0] * 7, [-2.0 ** 53] + [-1.0] * 7,
                                   [2.0 ** 52, 2.0 ** 52, 1.0]], ids=["53+7", "-53-7", "52+52+1"])
def test_numpy_float_sum_whose_bound_rounds_under_2_53_is_unknown(items):
    """A float sum of the absolute values rounded back to 2**53 and passed the bound: numpy's
    order gives another value (2**53 + 6 for the first) than Python's."""
    assert isinstance(numpy_call("numpy.sum", [items], {}), Unknown)


@pytest.mark.parametrize("items", [[2.0 ** 52, 2.0 ** 52], [2.0 ** 53 - 7] + [1.0] * 7,
                                   [-3.0, 2.0 ** 53 - 3]])
def test_numpy_float_sum_up_to_2_53_is_numpys(items):
    assert numpy_call("numpy.sum", [items], {}) == float(np.sum(items))


@pytest.mark.parametrize("items", [(2 ** 63 - 1,), (2 ** 62, 1), (-2 ** 63,)],
                         ids=["max", "power", "min"])
def test_numpy_prod_up_to_int64s_bound_is_numpys(items):
    """The largest and smallest int64 results are numpy's."""
    assert numpy_call("numpy.prod", [items], {}) == int(np.prod(items))


def test_numpy_float_sum_past_2_53_is_unknown():
    """numpy_values.py:133 (`bound > EXACT_FLOAT`): numpy sums eight floats in another order
    than Python (pairwise, eight accumulators), and past 2**53 the order changes the value
    (2**54 + 4 in numpy, 2**54 in Python's order): unknown, where the plain sum would be
    wrong, and the model is incomplete with the call's line."""
    items = [2.0 ** 54] + [1.0] * 7
    assert float(np.sum(items)) != sum(items)  # the premise: numpy's order differs
    assert isinstance(numpy_call("numpy.sum", [items], {}), Unknown)
    source = one_layer_model("int(np.sum([2.0 ** 54] + [1.0] * 7) - 2.0 ** 54) + 4")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"line {line_of(source, 'np.sum(')}" in reasons(model)


# ---------------------------------------------------------------- classes

def test_a_class_keyword_is_evaluated():
    """statements.py:139: the keywords of a class statement run (they go to
    `__init_subclass__`): a walrus there binds a module name a model reads."""
    source = src("""
        class Base:
            def __init_subclass__(cls, **kwargs):
                super().__init_subclass__()


        class Config(Base, width=(WIDTH := 16)):
            pass


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, WIDTH)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_a_class_body_assigning_another_class_attribute():
    """statements.py:570 (`scope.kind == "function"`): a class body runs as the module runs, so
    `Cfg.width = 16` in it changes Cfg for the models; a function's body does not until
    called."""
    source = src("""
        class Cfg:
            width = 8


        class Patch:
            Cfg.width = 16


        def never_called():
            Cfg.width = 32


        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(Cfg.width, 4)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


# ---------------------------------------------------------------- sites of the file's functions

def test_a_comprehensions_first_iterable_is_read_in_the_class_body():
    """interpreter.py:550 (`first = True`): reading a file, a comprehension's first iterable
    is evaluated in the enclosing scope (a class body sees its own names there, as Python
    does); the rest inside, where the class's names are not visible (the module's are)."""
    source = src("""
        WIDTH = 32


        class Blocks:
            WIDTH = 8
            layers = [m for m in [nn.Linear(WIDTH, 4)]]
            heads = [nn.Linear(WIDTH, 2) for _ in range(1)]


        def make():
            return Blocks.layers[0]


        def make_head():
            return Blocks.heads[0]
    """)
    for call, function in (("Linear(WIDTH, 4)", "make"), ("Linear(WIDTH, 2)", "make_head")):
        site, report = the_site(source, call)
        assert report.resolved, report.reason
        assert report.params == torch_params_of(source, function), call


def test_a_functions_names_are_known_when_another_function_uses_nonlocal():
    """statements.py:185 (`declared_names(...) & scope.local_names`): only the names a nested
    function declares `nonlocal` may change behind a function's back; in a file where some
    other function uses `nonlocal`, a plain local keeps its value for the sites."""
    source = src("""
        def counter():
            count = 0

            def bump():
                nonlocal count
                count += 1
                return count

            return bump


        def make():
            channels = 16
            return nn.Conv2d(channels, channels, 3)
    """)
    site, report = the_site(source, "Conv2d(channels, channels, 3)")
    assert report.resolved, report.reason
    assert report.params == torch_params_of(source)
