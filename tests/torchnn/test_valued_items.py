"""The items torchnn.valued computes for small tensors, against torch on the CPU (the only
device that holds items): an exact item must be torch's value, bit for bit; an interval must
hold torch's value; Unknown is allowed (too close to call) but must stay rare on random data.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
import torch

from macslint.evaluator.rounded import Rounded
from macslint.evaluator.values import Unknown
from macslint.torchnn.valued import op_items
from macslint.torchnn.values import ValuedTensor

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64",
          torch.int32: "int32"}


def valued(tensor: torch.Tensor) -> ValuedTensor:
    return ValuedTensor(tuple(tensor.shape), 1, tensor.tolist(), DTYPES[tensor.dtype])


def check(expected: torch.Tensor, items, tally: dict) -> None:
    """Each item of ours against torch's: exact equal, interval holding, or Unknown."""
    flat_expected = expected.flatten().tolist()
    flat_ours = items if isinstance(items, list) else [items]
    while flat_ours and isinstance(flat_ours[0], list):
        flat_ours = [v for row in flat_ours for v in row]
    assert len(flat_ours) == len(flat_expected)
    for mine, theirs in zip(flat_ours, flat_expected):
        if isinstance(mine, Unknown):
            tally["unknown"] += 1
        elif isinstance(mine, Rounded):
            assert mine.lo <= Fraction(theirs) <= mine.hi, (mine, theirs)
            tally["interval"] += 1
        else:
            assert type(mine) is type(theirs) and mine == theirs, (mine, theirs)
            tally["exact"] += 1


def ours(op: str, bound: dict, expected: torch.Tensor):
    inputs = {k: valued(v) if isinstance(v, torch.Tensor) else v for k, v in bound.items()}
    return op_items(op, inputs, tuple(expected.shape), DTYPES[expected.dtype])


def random_tensor(rng: random.Random, n: int, dtype: torch.dtype) -> torch.Tensor:
    if dtype in (torch.int64, torch.int32):
        return torch.tensor([rng.randint(-50, 50) for _ in range(n)], dtype=dtype)
    return torch.tensor([rng.uniform(-50, 50) for _ in range(n)], dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64], ids=str)
def test_arithmetic_items_are_torchs(dtype):
    rng = random.Random(7)
    tally = {"exact": 0, "interval": 0, "unknown": 0}
    for _ in range(60):
        a, b = random_tensor(rng, 5, dtype), random_tensor(rng, 5, dtype)
        scalar = rng.choice([2, 3, 0.5, 0.1, 36.44, -7, 1e-3, 8])
        for op, function in (("add", torch.add), ("sub", torch.sub), ("mul", torch.mul),
                             ("div", torch.div)):
            if op == "div" and (0 in b.tolist()):
                continue
            check(function(a, b), ours(op, {"input": a, "other": b}, function(a, b)), tally)
            check(function(a, scalar), ours(op, {"input": a, "other": scalar},
                                            function(a, scalar)), tally)
            if op != "div" or 0 not in a.tolist():
                check(function(scalar, a), ours(op, {"input": scalar, "other": a},
                                                function(scalar, a)), tally)
    assert tally["unknown"] == 0 or dtype is torch.int64 and tally["unknown"] < 700
    assert tally["exact"] > 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_math_and_rounding_items_are_torchs(dtype):
    rng = random.Random(11)
    tally = {"exact": 0, "interval": 0, "unknown": 0}
    for _ in range(80):
        x = torch.tensor([rng.uniform(0.01, 60) for _ in range(6)], dtype=dtype)
        for op in ("log", "exp", "sqrt", "round", "floor", "ceil", "trunc", "neg", "abs",
                   "sign"):
            source = x / 8 if op == "exp" else x * 3.7 - 40 if op in ("neg", "abs", "sign") \
                else x
            expected = getattr(torch, op)(source)
            check(expected, ours(op, {"input": source}, expected), tally)
        for base in (2.09, 2.5, 3):
            exponent = torch.round(x / 10)
            expected = torch.pow(base, exponent)
            check(expected, ours("pow", {"input": base, "exponent": exponent}, expected), tally)
        for cast in ("int", "long", "float", "double"):
            expected = getattr(x * 3.3, cast)()
            check(expected, ours(cast, {"input": x * 3.3}, expected), tally)
    total = sum(tally.values())
    assert tally["unknown"] < total * 0.01, tally  # too close to call: rare on random data


def test_a_design_computation_end_to_end():
    """RegNet-style widths, ours chained on ours (arange, *, +, /, log, /, round, pow, *,
    divide, round, *, int): every step's items hold torch's, and the widths are exact."""
    rng = random.Random(3)
    exact = 0
    for _ in range(40):
        depth, w_0 = rng.randint(4, 30), 8 * rng.randint(2, 30)
        w_a, w_m = round(rng.uniform(8, 120), 2), round(rng.uniform(1.5, 3.0), 2)
        tally = {"exact": 0, "interval": 0, "unknown": 0}

        def step(op, bound, expected):
            items = op_items(op, bound, tuple(expected.shape), DTYPES[expected.dtype])
            check(expected, items, tally)
            return ValuedTensor(tuple(expected.shape), 1, items, DTYPES[expected.dtype]), \
                expected

        t = torch.arange(depth)
        a, ta = step("arange", {"start": depth, "end": None, "step": 1}, t)
        a, ta = step("mul", {"input": a, "other": w_a}, ta * w_a)
        a, ta = step("add", {"input": a, "other": w_0}, ta + w_0)
        a, ta = step("div", {"input": a, "other": w_0}, ta / w_0)
        a, ta = step("log", {"input": a}, torch.log(ta))
        a, ta = step("div", {"input": a, "other": math.log(w_m)}, ta / math.log(w_m))
        a, ta = step("round", {"input": a}, torch.round(ta))
        a, ta = step("pow", {"input": w_m, "exponent": a}, torch.pow(w_m, ta))
        a, ta = step("mul", {"input": w_0, "other": a}, w_0 * ta)
        a, ta = step("divide", {"input": a, "other": 8}, torch.divide(ta, 8))
        a, ta = step("round", {"input": a}, torch.round(ta))
        a, ta = step("mul", {"input": a, "other": 8}, ta * 8)
        a, ta = step("int", {"input": a}, ta.int())
        exact += all(isinstance(v, int) for v in a.values)
    assert exact >= 38  # the rest: too close to call, never wrong


def test_rounding_an_integer_tensor_keeps_ints():
    t = torch.arange(-3, 4)
    for op in ("round", "floor", "ceil", "trunc"):
        expected = getattr(torch, op)(t)
        tally = {"exact": 0, "interval": 0, "unknown": 0}
        check(expected, ours(op, {"input": t}, expected), tally)
        assert tally["exact"] == 7


def test_rows_of_equal_items_are_computed_once_and_signed_zeros_and_types_stay_apart():
    from macslint.torchnn.valued import elementwise

    calls = []

    def rule(a, b):
        calls.append((a, b))
        return (type(a).__name__, math.copysign(1.0, a) * b)

    got = elementwise((6,), [([1.0, 1.0, 0.0, -0.0, 1, True], (6,)), (2.0, ())], rule)
    assert got == [("float", 2.0), ("float", 2.0), ("float", 2.0), ("float", -2.0),
                   ("int", 2.0), ("bool", 2.0)]
    assert len(calls) == 5  # the second 1.0 row is the first one's
