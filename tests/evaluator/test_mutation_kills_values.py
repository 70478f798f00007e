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

import importlib
import sys
import textwrap

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.analysis import analyze_source
from macslint.config import Settings
from macslint.engine import check_file
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


# ---------------------------------------------------------------- second batch (issue 18)
# Survivors of the same run in interpreter.py, numpy_values.py, operators.py, rounded.py and
# statements.py: Python's `math` constants, chained comparisons, `range` slices, partials read
# from a file, project modules, numpy's int types on floats, `np.log`, the 4096-bit bound, the
# truth of a linspace item at zero, and how functions, loops and `+=` bind names.

@pytest.mark.parametrize("size_expr", ["int(math.pi * 10)", "int(math.e * 10)",
                                       "8 if math.inf > 1e308 else 4"], ids=["pi", "e", "inf"])
def test_math_constants_are_pythons(size_expr):
    """interpreter.py:182 (`base.name == "math"`): `math.pi`, `math.e`, `math.inf` are Python's
    floats (torch's side runs the same source)."""
    assert_matches_torch(one_layer_model(size_expr, HEADER + "import math\n"), "Net")


def test_a_chained_comparison_whose_first_link_is_unknown_is_unknown():
    """interpreter.py:464 (`result is True`): in `a < b < c`, once a link is unknown the chain
    is, with the link's reason and the condition's line (Python decides it: built on the
    CPU, the model is complete)."""
    condition = "dpr[3] * 2 < 1 < 2"
    source = linspace_model(f"9 if {condition} else 8")
    assert cpu_built_counts(source, "Net", (1, 16))[2] == (1, 9)  # Python: the chain holds
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"the condition `{condition}` (line {line_of(source, condition)}) is not known" \
        in reasons(model)
    assert f"torch.linspace(0, 0.1, 12)` (line {line_of(source, 'torch.linspace')})" \
        in reasons(model)


def test_a_range_sliced_with_step_zero_is_unknown_as_python_raises():
    """interpreter.py:531 (`except (IndexError, TypeError, ValueError)`): `range(8)[::0]`
    raises ValueError in Python; the model is incomplete, saying so at the call's line."""
    source = one_layer_model("len(range(8)[::0])", HEADER)
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "the subscript raises ValueError" in reasons(model)
    assert f"(line {line_of(source, 'range(8)[::0]')})" in reasons(model)


def test_a_partial_of_a_layer_with_positional_arguments_is_costed_at_its_site():
    """interpreter.py:623 (`positional[1:]`): reading a file, `functools.partial(nn.Conv2d,
    16)` keeps 16 as the first argument of the layer its calls build (not the class too)."""
    source = src("""
        def make():
            conv = functools.partial(nn.Conv2d, 16)
            return conv(32, 3)
    """)
    site, report = the_site(source, "Conv2d(32, 3)")
    assert report.resolved, report.reason
    assert report.params == torch_params_of(source)


@pytest.mark.parametrize("size_expr", ["int(np.log(1.0)) + 8", "int(np.log(1)) + 8"],
                         ids=["float", "int"])
def test_numpy_log_of_one_is_numpys(size_expr):
    """numpy_values.py:171 (`helper == "log"`): `np.log(1.0)` is exactly 0.0 in numpy."""
    assert_matches_torch(one_layer_model(size_expr), "Net")


def test_numpy_exp_of_one_is_unknown():
    """numpy_values.py:171: the exact case is `np.log(1.0)` only; `np.exp(1.0)` is not exact
    (numpy's 2.718..., not 0.0): unknown with the call's line."""
    assert float(np.exp(1.0)) != 0.0
    source = one_layer_model("int(np.exp(1.0)) + 8")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"`np.exp(1.0)` (line {line_of(source, 'np.exp(1.0)')})" in reasons(model)


FLOAT_OUT_OF_RANGE = [("int64", "2.0 ** 63"), ("int64", "-2.0 ** 64"), ("int32", "2.0 ** 31"),
                      ("int16", "-32769.0")]


@pytest.mark.parametrize("name, text", FLOAT_OUT_OF_RANGE,
                         ids=[f"{n}({t})" for n, t in FLOAT_OUT_OF_RANGE])
def test_numpy_ints_of_floats_out_of_their_range_are_unknown_as_numpy_raises(name, text):
    """numpy_values.py:24 (int64's 64 bits): a float past int64 (not caught by the int64 check
    of int arguments) makes numpy raise OverflowError; the model is incomplete with the call's
    line (torch, running the same source, raises)."""
    with pytest.raises(OverflowError):
        getattr(np, name)(eval(text))
    source = one_layer_model(f"int(np.{name}({text})) % 8 + 8")
    with pytest.raises(OverflowError):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"`np.{name}({text})` (line {line_of(source, f'np.{name}(')})" in reasons(model)


def test_numpy_float_sum_between_2_52_and_2_53_is_numpys():
    """numpy_values.py:32 (EXACT_FLOAT = 2**53): floats whose absolute values sum to at most
    2**53 are summed exactly in any order: numpy's value, in a model's size."""
    assert_matches_torch(one_layer_model("int(np.sum([2.0 ** 52, 2.0 ** 52 - 8.0]) - 2.0 ** 53)"
                                         " + 16"), "Net")


# README: "4096-bit ints" (a bound of the evaluation, not a cost)
INT_BITS_BOUND = 4096


def test_a_shift_past_the_documented_int_bound_is_unknown_with_the_reason():
    """interpreter.py:234 (the result's bit length): README bounds evaluated ints to 4096
    bits; `1 << 100_000` is left unknown (the reason and the line)."""
    assert (1 << 100_000).bit_length() > INT_BITS_BOUND
    source = one_layer_model("8 if (1 << 100_000) > 0 else 4", HEADER)
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "a value too large to evaluate" in reasons(model)
    assert f"(line {line_of(source, '1 << 100_000')})" in reasons(model)


def test_a_shift_python_cannot_build_is_unknown_not_attempted():
    """operators.py:34 (`right > MAX_INT_BITS`): a shift past the bound is not attempted:
    `1 << 10**18` raises MemoryError in Python (torch's side raises it); macslint leaves it
    unknown with the bound's reason and the line, not an internal error."""
    source = one_layer_model("8 if (1 << 10**18) > 0 else 4", HEADER)
    with pytest.raises(MemoryError):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "a value too large to evaluate" in reasons(model)
    assert f"(line {line_of(source, '1 << 10**18')})" in reasons(model)
    assert "internal error" not in reasons(model)


def test_a_shift_within_the_documented_int_bound_is_computed():
    assert (1 << 4000).bit_length() <= INT_BITS_BOUND
    assert_matches_torch(one_layer_model("8 if (1 << 4000) > 0 else 4", HEADER), "Net")


# torch.linspace(a, b, 257) whose item 167 is a tiny positive float32 (b - step * 89, about
# 2e-42) but whose rounding interval (evaluator.rounded, torchnn.calls._linspace_bounds) starts
# at exactly 0: its error bound equals the value.
AT_ZERO = "torch.linspace(-6.526161108265987e-36, 3.47801830429911e-36, 257)"


def test_the_truth_of_a_linspace_item_whose_interval_starts_at_zero_is_unknown():
    """rounded.py:68 (`value.lo > 0`): an interval [0, hi] holds 0, whose truth is False: the
    item's truth is not known (unknown, with the linspace's own reason and line)."""
    from macslint.torchnn.calls import _linspace_bounds
    assert _linspace_bounds(-6.526161108265987e-36, 3.47801830429911e-36, 257,
                            "")[167].lo == 0  # the premise: the interval starts at 0
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                dpr = {AT_ZERO}.tolist()
                self.fc = nn.Linear(16, 9 if dpr[167] else 8)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "the truth of a value known only up to rounding" in reasons(model)
    assert f"`{AT_ZERO[:37]}...` (line {line_of(source, 'torch.linspace')}) are not known" \
        in reasons(model)  # the call quoted up to 40 characters


# ---------------------------------------------------------------- project modules

def write_project(root, package: str, files) -> None:
    """A package of the test's files under pytest's tmp_path (never the repository)."""
    (root / package).mkdir()
    (root / package / "__init__.py").write_text("", encoding="utf-8")
    for name, text in files.items():
        (root / package / name).write_text(textwrap.dedent(text), encoding="utf-8")


def imported(root, module: str):
    """The test's module imported by Python (then dropped from sys.modules)."""
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(root))
        package = module.split(".")[0]
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]


def test_a_project_modules_names_are_its_attributes(tmp_path):
    """interpreter.py:177 (`node.attr.value == "__dict__"`): `blocks.WIDTH` of a project
    module is the name's value; `blocks.__dict__` its names (torch imports the same files)."""
    write_project(tmp_path, "mkv_attrs", {
        "blocks.py": """
            WIDTH = 16
        """,
        "net.py": """
            import torch.nn as nn
            from . import blocks


            class Net(nn.Module):  # macslint: input-size=8
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, blocks.WIDTH)
                    self.head = nn.Linear(blocks.WIDTH, blocks.__dict__["WIDTH"] // 4)

                def forward(self, x):
                    return self.head(self.fc(x))
        """,
    })
    net = tmp_path / "mkv_attrs" / "net.py"
    found = [m for m in check_file(net, net.name, Settings()).report.models if m.name == "Net"]
    assert len(found) == 1 and found[0].complete, found
    with torch.device("meta"):
        model = imported(tmp_path, "mkv_attrs.net").Net().eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        model(torch.zeros((1, 8), device="meta"))
    params = sum(p.numel() for p in model.parameters())
    assert (found[0].params, found[0].macs) == (params, counter.get_total_flops() // 2)


def test_a_reason_about_another_files_code_names_that_file_and_line(tmp_path):
    """interpreter.py:654 (`self.loader is not None`): reading a file runs the constructor of
    a class of another project file; what it says of that code names that file and line."""
    write_project(tmp_path, "mkv_place", {
        "config.py": """
            class Config:
                def __init__(self, depth):
                    self.width = 8
                    for _ in range(depth):
                        self.width = self.width * 2
        """,
        "net.py": """
            import torch.nn as nn
            from .config import Config

            cfg = Config(2)
            layer = nn.Linear(8, cfg.width)
        """,
    })
    package = tmp_path / "mkv_place"
    assert imported(tmp_path, "mkv_place.net").layer.out_features == 32  # Python runs it
    (layer,) = check_file(package / "net.py", "net.py", Settings()).report.layers
    assert not layer.resolved
    line = next(i for i, text in enumerate((package / "config.py").read_text().splitlines(), 1)
                if "self.width = self.width * 2" in text)
    assert f"`self.width` (config.py line {line}) is assigned under a condition or in a loop" \
        in layer.reason


# ---------------------------------------------------------------- functions, loops, `+=`

def test_a_parameter_rebound_by_a_nested_nonlocal_is_not_known_at_the_site():
    """statements.py:180 (`collected.names | params`): a parameter the body assigns is local,
    so a nested function's `nonlocal` of it makes it unknown at the site: Python's call builds
    another layer than the value the text assigns (16)."""
    source = src("""
        def make(channels=8):
            channels = 16

            def bump():
                nonlocal channels
                channels += 1

            bump()
            return nn.Conv2d(channels, channels, 3)
    """)
    namespace = {"__name__": "_macslint_site_test"}
    exec(compile(source, "<site>", "exec", dont_inherit=True), namespace)
    with torch.device("meta"):
        assert namespace["make"]().in_channels != 16  # Python: the nested function ran
    site, report = the_site(source, "Conv2d(channels, channels, 3)")
    assert not report.resolved
    assert "'channels' may be rebound by a function nested in this one (`nonlocal channels`)" \
        in report.reason


def test_a_function_whose_other_branch_raises_returns_its_one_value():
    """statements.py:291 (`returned[0]`): under a condition not known, one branch returns and
    the other raises: the call returns that one value, as Python does."""
    source = src("""
        def width(flag):
            if flag:
                return 16
            else:
                raise ValueError("no width")


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, width(torch.cuda.is_available() or True))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_a_class_attribute_assigned_after_a_loop_at_module_level():
    """statements.py:399 (`self.uncertain -= 1`): after a loop the module runs with certainty
    again, so `Cfg.width = 16` below it changes Cfg for the models."""
    source = src("""
        class Cfg:
            width = 8


        for _ in range(2):
            pass

        Cfg.width = 16


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, Cfg.width)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_an_augmented_assignment_to_an_attribute_while_building():
    """statements.py:522 (`isinstance(stmt.target, cst.Name)`): `self.width += 8` in __init__
    sets the attribute (a name is bound, an attribute or item set)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.width = 8
                self.width += 8
                self.sizes = [4, 4]
                self.sizes[1] += 4
                self.fc = nn.Linear(8, self.width)
                self.head = nn.Linear(self.width, self.sizes[1])

            def forward(self, x):
                return self.head(self.fc(x))
    """)
    assert_matches_torch(source, "Net")


NESTED_DECLARATIONS = {
    "nonlocal": """
        def make():
            width = 8

            def a():
                def b():
                    nonlocal width
                    width = 16
                b()

            a()
            return nn.Linear(8, width)
    """,
    "global": """
        WIDTH = 8


        def make():
            def a():
                def b():
                    global WIDTH
                    WIDTH = 16
                b()

            a()
            return nn.Linear(8, WIDTH)
    """,
}


@pytest.mark.parametrize("declaration", NESTED_DECLARATIONS)
def test_a_name_declared_two_functions_down_is_written_where_it_lives(declaration):
    """statements.py:588 (`target is not None`): `nonlocal width` / `global WIDTH` in a
    function nested two levels down writes the scope that holds the name, not the function
    between."""
    source = src(NESTED_DECLARATIONS[declaration] + """

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = make()

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
