"""Tests added to kill tracer mutants (issue 18): survivors of cosmic-ray's sample of
`macslint/torchnn` at a464175 in calls.py: which torch names are costed as `torch.nn.functional`
operations, `torch.tensor()` (the int64 range of its data, its `dtype=`), and the items of
`torch.linspace()`, known exactly where no rounding can happen and otherwise as intervals
(evaluator.rounded.Rounded) that must hold torch's float32 values and still decide what users
decide with them (a rate's sign, its order with the next rate); and a few survivors of the same
sample in builtins.py, containers.py and execution.py: issubclass() of a tuple, list.index(),
remove() and insert(), item assignments macslint does not follow.

Every expected value comes from torch running the same source or the same call: the models are
built and run by torch (tests/torchnn/tracer_helpers.py; a model whose __init__ reads tensor
items, which meta tensors refuse, is built on the CPU, then moved to meta and run as
torch_counts does), and the linspace items are `torch.linspace(...).tolist()` as torch computes
them on this machine, for many (start, end, steps) drawn with fixed seeds.
"""

from __future__ import annotations

import operator
import random
from fractions import Fraction
from typing import Any, List, Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.evaluator.rounded import Rounded, compare_rounded
from macslint.torchnn import calls
from tests.torchnn.tracer_helpers import assert_matches_torch, line_of, reasons, src, \
    torch_model, trace


def cpu_built_counts(source: str, name: str, shape: Tuple[int, ...]):
    """torch's (params, MACs, output) for a model whose __init__ reads tensor items: built on
    the CPU, moved to meta, run in eval mode under FlopCounterMode."""
    model = torch_model(source, name, device="cpu").to("meta").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(shape, device="meta"))
    return (sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2,
            tuple(out.shape))


def model_source(init: str, forward: str = "return self.fc(x)") -> str:
    """A model of 8 input features whose __init__ runs `init` (lines) and forward `forward`."""
    body = "\n".join("        " + line for line in init.strip().splitlines())
    return src(f"""
class Net(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
{body}

    def forward(self, x):
        {forward}
""")


def assert_matches_cpu_built(source: str) -> None:
    model = trace(source, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == cpu_built_counts(source, "Net", (1, 8))


# ----------------------------------------------------- names costed as torch.nn.functional

@pytest.mark.parametrize("call", ["torch.nn.modules.linear(x, self.weight)",
                                  "torch.nn.modules.dropout(x, 0.5)"],
                         ids=["modules.linear", "modules.dropout"])
def test_a_torch_module_named_like_a_functional_is_not_costed_as_one(call):
    """calls.py:50 (`parts[:3] == ["torch", "nn", "functional"]`): only `torch.nn.functional.<f>`
    is F.<f>. `torch.nn.modules.linear` is a module (sorting after torch.nn.functional), which
    Python refuses to call: torch cannot run the model, and macslint does not count it as
    F.linear but leaves it unknown, naming the call and its line."""
    source = model_source("self.weight = nn.Parameter(torch.zeros(4, 8))", f"return {call}")
    with pytest.raises(TypeError, match="'module' object is not callable"):
        torch_model(source, "Net", device="cpu")(torch.zeros(1, 8))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    path = call.split("(")[0]
    assert f"`{path}` is not modelled" in reasons(model)
    assert f"(line {line_of(source, call)})" in reasons(model)


# ------------------------------------------------------------------------- torch.tensor()

@pytest.mark.parametrize("data", ["[2 ** 63 - 1, -2 ** 63, 0, 5]", "[[1, 2], [3, 4], [5, 6]]",
                                  "7"], ids=["int64-bounds", "nested", "scalar"])
def test_tensor_of_ints_in_the_int64_range_is_built(data):
    """calls.py:218 (`-2 ** 63 <= v < 2 ** 63`): torch.tensor() accepts every int64, the
    smallest and the largest too; the model sizes a layer by the tensor's shape."""
    source = model_source(f"t = torch.tensor({data})\n"
                          f"self.fc = nn.Linear(8, 4 * (t.numel() + t.dim()))")
    assert_matches_torch(source, "Net")


def test_tensor_items_without_a_dtype_are_the_data():
    """calls.py:222 (`keywords.get("dtype") is not None`): with no `dtype=`, the inferred
    int64's items are the data's: a size read from them (built on the CPU by torch)."""
    assert_matches_cpu_built(model_source("n = torch.tensor([3, 4]).tolist()[1]\n"
                                          "self.fc = nn.Linear(8, n)"))


def test_tensor_items_with_a_float_dtype_are_floats():
    """calls.py:222: `dtype=torch.float32` on int data makes float items (torch's `tolist()`
    gives 4.0, not 4): the layer chosen by `isinstance(v, float)` is torch's."""
    source = model_source("v = torch.tensor([3, 4], dtype=torch.float32).tolist()[1]\n"
                          "self.fc = nn.Linear(8, 6 if isinstance(v, float) else 2)")
    assert cpu_built_counts(source, "Net", (1, 8))[2] == (1, 6)  # torch: a float
    assert_matches_cpu_built(source)


# ---------------------------------------------------------------- torch.linspace() in models

@pytest.mark.parametrize("init", [
    "dpr = torch.linspace(0, 1, 5).tolist()\nself.fc = nn.Linear(8, int(dpr[1] * 16))",
    "dpr = torch.linspace(-2, 2, 9).tolist()\nself.fc = nn.Linear(8, int(dpr[7] * 5) + 1)",
    "dpr = torch.linspace(0, 1, 0).tolist()\nself.fc = nn.Linear(8, 4 + len(dpr))",
    "dpr = torch.linspace(0, 0.1, 12).tolist()\nself.fc = nn.Linear(8, 4 if dpr[6] > 0.05 else 2)",
], ids=["quarters", "halves", "no-steps", "rates"])
def test_linspace_in_a_model_is_torchs(init):
    """calls.py:258 (`steps < 0`), 284 (the step over `steps - 1`), 292 (item i from the end):
    a linspace of dyadic items is known exactly (`int(x * 16)` of it), none of zero steps is
    empty, and an item that rounds still decides a comparison off its value (built on the CPU
    by torch)."""
    assert_matches_cpu_built(model_source(init))


def test_linspace_with_negative_steps_raises_as_torch():
    """calls.py:258: torch refuses negative steps; the model is not counted, and the reason
    quotes torch's message and the call's line."""
    source = model_source("dpr = torch.linspace(0, 1, -1)\nself.fc = nn.Linear(8, 4)")
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        torch_model(source, "Net", device="cpu")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"`torch.linspace(0, 1, -1)` (line {line_of(source, 'torch.linspace')}) raises: " \
           f"number of steps must be non-negative" in reasons(model)


# ------------------------------------------------------- torch.linspace() items, property-style

class Run:
    """What calls.linspace asks of the running interpreter: where the call is."""

    def where(self, node: Any) -> str:
        return "`torch.linspace(...)` (line 1)"

    def place(self, node: Any) -> str:
        return "line 1"

    def line_of(self, node: Any) -> int:
        return 1


def macslint_items(start: float, end: float, steps: int) -> List[Any]:
    """The items macslint's handler of `torch.linspace(start, end, steps)` gives: floats where
    known exactly, Rounded intervals where torch's kernel rounds."""
    tensor = calls.linspace(Run(), None, [start, end, steps], {})
    assert tensor.shape == (steps,)
    assert isinstance(tensor.values, list), tensor.values
    return tensor.values


def draws(family: str) -> List[Tuple[float, float, int]]:
    rng = random.Random(f"linspace-{family}")
    if family == "rates":  # stochastic depth: torch.linspace(0, drop_path_rate, depth)
        return [(0.0, rng.choice([0.1, 0.2, 0.3, 0.4, 0.5, 0.05, 1e-3, 1e-4]),
                 rng.choice([2, 3, 4, 5, 8, 12, 16, 17, 24, 31, 32, 33, 40, 64, 100, 257]))
                for _ in range(60)]
    if family == "mixed":
        return [(rng.uniform(-10, 10), rng.uniform(-10, 10), rng.randrange(2, 300))
                for _ in range(60)]
    if family == "scales":  # tiny and large ends, subnormal float32 too
        return [(rng.uniform(-1, 1) * 10.0 ** rng.randint(-42, 6),
                 rng.uniform(-1, 1) * 10.0 ** rng.randint(-42, 6), rng.randrange(2, 120))
                for _ in range(60)]
    if family == "small-start":
        # a start small beside the end: the items torch computes from the end lie farther from
        # `start + step * i` than that formula's own rounding; the first seven are such cases
        # found with torch on an AVX512 CPU
        found = [(-0.0262979217801947, 2.060796767463069, 261),
                 (0.00033074360491917556, -1.1853629294216823, 147),
                 (-0.06537412828864546, 4.723982772505148, 75),
                 (-0.023470401837792473, 1.9777346298057525, 208),
                 (0.018886322579896732, -1.994124966090888, 122),
                 (-0.0013003959391126082, 1.0534511100719668, 261),
                 (-0.07015550119459213, 2.121770847259489, 271)]
        drawn = []
        for _ in range(30):
            end = rng.choice([1, -1]) * rng.uniform(0.5, 8)
            drawn.append((-end * rng.uniform(-0.05, 0.05), end, rng.randrange(32, 300)))
        return found + drawn
    if family == "past-2**24":
        # integers past float32's 2**24: `start + i` rounds to even, down or up, although
        # every part is an integer (`start + step * i == end - step * (steps - 1 - i)`)
        cases = [(2.0 ** 24 + 2, 2.0 ** 24 + 4, 3), (2.0 ** 24, 2.0 ** 24 + 2, 3)]
        for _ in range(20):
            start = 2.0 ** 24 + 2 * rng.randrange(2 ** 22)
            cases.append((start, start + 2, 3))
            steps = rng.choice([3, 5, 7, 9])
            cases.append((start, start + steps - 1, steps))
        return cases
    raise AssertionError(family)


# Torch's items, like macslint's intervals, are float32 values rounded a few times over: within
# 64 of float32's unit roundoffs (2**-24) at the scale of the ends, items are "too close to
# call" (different kernels may order them differently); past it, a decision is expected.
def too_close(start: float, end: float) -> Fraction:
    scale = abs(Fraction(start)) + abs(Fraction(end))
    return Fraction(1, 2 ** 18) * scale + Fraction(1, 2 ** 140)


def check_items(start: float, end: float, steps: int) -> None:
    values = torch.linspace(start, end, steps).tolist()
    items = macslint_items(start, end, steps)
    case = (start, end, steps)
    assert len(items) == len(values), case
    if values:
        assert items[0] == values[0] and isinstance(items[0], float), case  # `start`, exactly
    margin = too_close(start, end)
    for i, (item, value) in enumerate(zip(items, values)):
        if isinstance(item, float):
            assert item == value, (case, i, item, value)  # known exactly: torch's value
            continue
        assert isinstance(item, Rounded), (case, i, item)
        assert item.lo <= Fraction(value) <= item.hi, (case, i, value, item)
        if abs(Fraction(value)) > margin:  # the sign (`dpr[i] > 0.0`) is decided
            assert compare_rounded(operator.gt, item, 0.0) is (value > 0), (case, i, item)
    for i in range(len(values) - 1):
        if abs(Fraction(values[i + 1]) - Fraction(values[i])) > margin:  # `dpr[i] < dpr[i+1]`
            assert compare_rounded(operator.lt, Rounded(*bounds(items[i]), ""),
                                   items[i + 1]) is (values[i] < values[i + 1]), (case, i)


def bounds(item: Any) -> Tuple[Fraction, Fraction]:
    return (item.lo, item.hi) if isinstance(item, Rounded) else (Fraction(item), Fraction(item))


@pytest.mark.parametrize("family", ["rates", "mixed", "scales", "small-start", "past-2**24"])
def test_linspace_items_hold_torchs_values_and_decide(family):
    """calls.py:280-336 (`_linspace32`, `_linspace_bounds`): for each (start, end, steps) drawn,
    every item macslint gives is torch's own value where it claims to know it exactly, else an
    interval holding torch's value; and the intervals are tight enough to decide an item's sign
    and its order with the next item wherever torch's values are farther apart than a few
    float32 roundings at the scale of the ends."""
    for start, end, steps in draws(family):
        check_items(start, end, steps)


@pytest.mark.parametrize("case", [
    (0.0, 1.0, 5), (-2.0, 2.0, 9), (0.0, 0.5, 5), (0.0, 8.0, 9), (-1.0, 1.0, 3), (1.0, 3.0, 2),
    (0.0, 0.0, 12), (0.25, 0.25, 4), (0.1, 0.1, 7), (0.1, 1.0, 1), (0.0, 1.0, 0),
    (0.0, -0.75, 4), (2.0 ** 24, 2.0 ** 24 + 8, 5),
], ids=str)
def test_linspace_items_that_round_nowhere_are_known_exactly(case):
    """calls.py:284-292 (`_linspace32`): when `start`, `step * i` and `start + step * i`
    are float32 values (dyadic ends, or one item), every formula torch's kernels use gives
    them: macslint knows each item exactly (a float, as `int(x * 16)` needs), and it is torch's."""
    values = torch.linspace(*case).tolist()
    items = macslint_items(*case)
    assert all(isinstance(item, float) for item in items), items
    assert items == values


# ------------------------------------------- issubclass(), list methods, item assignments
# (survivors of the same sample outside calls.py: builtins.py, containers.py, execution.py)

CLASSES = """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(x)


class Head(Block):
    pass
"""


@pytest.mark.parametrize("test", [
    "issubclass(Block, (nn.Module,))",
    "issubclass(Head, (Block, nn.Module))",
    "issubclass(nn.Linear, (Block, Head))",
    "issubclass(nn.Conv2d, (Head,))",
    "issubclass(Block, (nn.Linear, nn.Module))",
], ids=["one-true", "all-true", "all-false", "one-false", "mixed"])
def test_issubclass_of_a_tuple_is_pythons(test):
    """builtins.py:310 (`any(a is True for a in answers)`): issubclass(cls, (A, B)) is true when
    cls is a subclass of any of them, false when of none. Each sizes a Linear; torch builds the
    same source (Python decides the test), its params, MACs, output and leaf calls."""
    source = src(CLASSES + f"""

class Net(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16 if {test} else 4)

    def forward(self, x):
        return self.fc(x)
""")
    assert_matches_torch(source, "Net")


@pytest.mark.parametrize("init", [
    'names = ["ab", "cd", "ef"]\nself.fc = nn.Linear(8, 4 * (names.index("cd") + 1) + len(names))',
    'names = ["ab", "cd", "ef"]\nnames.remove("ab")\nself.fc = nn.Linear(8, 4 + len(names))',
], ids=["index-of-a-string", "remove-a-string"])
def test_list_index_and_remove_of_an_iterable_item_are_pythons(init):
    """containers.py:414 (`name == "extend"`): `names.index("cd")` and `names.remove("ab")` take
    one argument that is itself iterable (a string): Python looks the item up, it does
    not extend the list with its characters. torch builds the same source: its counts."""
    assert_matches_torch(model_source(init), "Net")


@pytest.mark.parametrize("index", [0, 1, 3, -1, -3, 10, -10])
def test_list_insert_is_pythons(index):
    """containers.py:419 (`name == "insert" and len(args) == 2`): `sizes.insert(i, 2)` inserts
    as Python's list.insert does (negative and past-the-end indexes too); the sizes chain
    Linears in their order, so each position gives other params and MACs: torch's."""
    source = model_source(f"sizes = [16, 8, 4]\nsizes.insert({index}, 2)\n"
                          "self.net = nn.Sequential(*[nn.Linear(a, b) for a, b in "
                          "zip([8] + sizes, sizes)])", "return self.net(x)")
    assert_matches_torch(source, "Net")


def test_an_assignment_to_a_plain_dict_not_followed_keeps_the_count():
    """execution.py:105 (`isinstance(base, (Container, UserModule))`): an item assignment
    macslint does not follow (a float key, a tuple key) into a dict nothing reads afterwards
    forgets the dict, and the model's count stays known: torch's."""
    assert_matches_torch(model_source("table = {}\ntable[0.5] = 2\ntable[1, 2] = 3\n"
                                      "self.fc = nn.Linear(8, 16)"), "Net")


def test_an_assignment_into_a_module_list_in_an_undecided_branch_is_not_counted():
    """execution.py:105: `self.layers[1] = nn.Linear(8, 32)` under a condition macslint does
    not evaluate (Python's version: true here) replaces a module torch counts; macslint cannot
    follow it, so it counts nothing rather than the module list as it was, and names the line."""
    source = src("""
import sys


class Net(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8)])
        if sys.version_info >= (3, 8):
            self.layers[1] = nn.Linear(8, 32)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)
""")
    without = source.replace("self.layers[1] = nn.Linear(8, 32)", "pass")
    counted = [sum(p.numel() for p in torch_model(text, "Net").parameters())
               for text in (source, without)]
    assert counted[0] != counted[1]  # torch counts the module the assignment puts in the list
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"`self.layers[1]` (line {line_of(source, 'self.layers[1] =')}) is not followed" \
        in reasons(model)


def test_an_assignment_past_a_module_lists_end_is_not_counted_as_torch_raises():
    """execution.py:105: `self.layers[2] = ...` on a ModuleList of two: torch raises
    IndexError building the model; macslint counts nothing and names the line."""
    source = model_source("self.layers = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8)])\n"
                          "self.layers[2] = nn.Linear(8, 8)\nself.fc = nn.Linear(8, 4)")
    with pytest.raises(IndexError, match="index 2 is out of range"):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert f"`self.layers[2]` (line {line_of(source, 'self.layers[2] =')}) is not followed" \
        in reasons(model)


@pytest.mark.parametrize("case", [
    (118345600.0, -26565016.0, 3), (14.403800964355469, -22.774625778198242, 5),
    (0.015093890950083733, -0.004120022989809513, 3), (-45020135424.0, 52431032320.0, 4),
    (-15591793664.0, 5853323264.0, 10),
], ids=str)
def test_linspace_items_whose_two_formulas_differ_are_not_claimed_exact(case):
    """calls.py:292 (`exact != end - step * (steps - 1 - i)`): float32 ends where `start`,
    `step * i` and both `start + step * i` and `end - step * (steps - 1 - i)` are float32
    values, but the two differ (the rounded step times `steps - 1` misses `end - start`):
    torch computes the last items from the end, so `start + step * i` is not their value.
    macslint's items are torch's where it gives a float, else intervals holding torch's and
    deciding signs and order (check_items). The cases were found by a search over float32
    ends for that property; the values expected are torch's."""
    start, end, steps = case
    values = torch.linspace(start, end, steps).tolist()
    assert values[-1] == end  # torch's last item: from the end
    check_items(start, end, steps)


# ------------------------------------------ fourth batch: legacy constructors, linspace items

@pytest.mark.parametrize("init", [
    "t = torch.Tensor(2, 0)\nself.fc = nn.Linear(8, 4 + t.numel() + 2 * t.dim())",
    "t = torch.Tensor(0)\nself.fc = nn.Linear(8, 4 + t.numel() + 2 * t.dim())",
    "t = torch.FloatTensor(3, 0, 2)\nself.fc = nn.Linear(8, 4 + t.numel() + 2 * t.dim())",
    "self.extra = nn.Parameter(torch.Tensor(0, 8))\nself.fc = nn.Linear(8, 4)",
], ids=["2x0", "0", "float-3x0x2", "parameter-0x8"])
def test_legacy_tensor_of_a_zero_size_is_empty(init):
    """calls.py:129 (`v < 0`): the legacy constructors refuse only negative sizes; a zero size
    makes an empty tensor (and an empty parameter). The model sizes a layer by the tensor's
    numel and rank: torch's params, MACs, output and leaf calls."""
    assert_matches_torch(model_source(init), "Net")


# `torch.linspace(start, end, 3)` with start 0 or -end: the step is `(end - start) / 2` in
# float32, exact, and so are the items, while `step * 3` is no float32 value (24 bits).
HALVING = [(0.0, 0.1, 3), (0.0, 0.2, 3), (0.0, 0.7, 3), (0.0, 1.1, 3), (-0.7, 0.7, 3)]


@pytest.mark.parametrize("case", HALVING, ids=str)
def test_linspace_of_three_exact_halves_is_known_exactly(case):
    """calls.py:288 (`Fraction(step) * (steps - 1 - i)`): whether an item is exact depends on
    the multiples of the step up to `steps - 1` only (not on `step * 3`); `linspace(0, 0.7, 3)`
    is [0, 0.7f / 2, 0.7f] whatever the kernel, known exactly (floats) and torch's."""
    values = torch.linspace(*case).tolist()
    items = macslint_items(*case)
    assert all(isinstance(item, float) for item in items), items
    assert items == values


def test_linspace_of_three_exact_halves_in_a_model_is_torchs():
    """calls.py:288: the middle item of `torch.linspace(0, 0.7, 3)` is known exactly (0.35f,
    just below 0.35), so `int(dpr[1] * 100)` is (an interval's int() is not): torch's
    Linear(8, 34) (built on the CPU by torch)."""
    source = model_source("dpr = torch.linspace(0, 0.7, 3).tolist()\n"
                          "self.fc = nn.Linear(8, int(dpr[1] * 100))")
    assert cpu_built_counts(source, "Net", (1, 8))[2] == (1, 34)  # torch: 0.35f * 100 < 35
    assert_matches_cpu_built(source)


U32 = Fraction(1, 2 ** 24)  # float32's unit roundoff
SUBNORMAL32 = Fraction(1, 2 ** 150)  # float32's rounding below the normal range


def own_scale(start: float, end: float, steps: int, i: int) -> Fraction:
    """The magnitudes torch's float32 kernel rounds at when it computes item i: |start| +
    |step| * i for the first half (always from the start: `start + step * i`, by the scalar
    loop or a vector lane); for the rest, which it may compute from the end, that plus
    |end| + |step| * (steps - 1). The step is the real (end - start) / (steps - 1), within a
    few roundings of float32's."""
    step = abs(Fraction(end) - Fraction(start)) / (steps - 1) if steps > 1 else Fraction(0)
    near = abs(Fraction(start)) + step * i
    return near if i < steps // 2 else near + abs(Fraction(end)) + step * (steps - 1)


def check_tight(start: float, end: float, steps: int) -> None:
    """Every item macslint gives as an interval is decided against thresholds a dozen float32
    roundings of its own computation (own_scale) from torch's value (24 for the second half,
    which torch may compute either way): `dpr[i] > t` for t just below it, `dpr[i] < t` just
    above."""
    values = torch.linspace(start, end, steps).tolist()
    items = macslint_items(start, end, steps)
    for i, (item, value) in enumerate(zip(items, values)):
        if isinstance(item, float):
            assert item == value, (start, end, steps, i)
            continue
        factor = 12 if i < steps // 2 else 24
        apart = factor * U32 * own_scale(start, end, steps, i) + 16 * SUBNORMAL32
        below, above = float(Fraction(value) - apart), float(Fraction(value) + apart)
        assert below < value < above
        case = (start, end, steps, i, value, item)
        assert compare_rounded(operator.gt, item, below) is True, case
        assert compare_rounded(operator.lt, item, above) is True, case


@pytest.mark.parametrize("family", ["rates", "mixed", "scales", "small-start"])
def test_linspace_items_are_decided_a_few_roundings_from_torchs(family):
    """calls.py:332 (`i >= steps // 2`): torch computes the first half's items from the start
    only, so their intervals are as narrow as that formula's few roundings (of |start| +
    |step| * i), not as wide as the end's: item 8 of `torch.linspace(0, 0.001, 32)` is
    compared with a threshold a dozen roundings from torch's value, decided (the second
    half's, which torch may compute from either end, within 24 roundings of both formulas)."""
    for start, end, steps in draws(family):
        check_tight(start, end, steps)


# ------------------------------------------- fifth batch: torch.tensor() of float data, items

@pytest.mark.parametrize("init", [
    "v = torch.tensor([1.5, 2.5]).tolist()[1]\nself.fc = nn.Linear(8, int(v * 2))",
    "v = torch.tensor([[0.25], [3]]).tolist()[1][0]\n"
    "self.fc = nn.Linear(8, 6 if isinstance(v, float) else 2)",
], ids=["floats", "mixed-ints"])
def test_tensor_items_of_float_data_are_float32_floats(init):
    """calls.py:181 (`if dtype == "float32"`): data with a float infers float32, whose items are
    the data rounded to float32, Python floats (an int among them too: torch's `tolist()` gives
    3.0): `int(v * 2)` of 2.5 is 5, `isinstance(v, float)` is true. The layers are torch's
    (built on the CPU by torch)."""
    assert_matches_cpu_built(model_source(init))
