"""numpy values known exactly or up to rounding (issue 19): `np.log`/`np.log2`/`np.exp` of
floats are intervals around Python's math (evaluator.rounded): good for comparisons and for
their type next to a tensor (`torch.ones([]) * np.log(1 / 0.07)`, CLIP's logit scale), Unknown
wherever the exact value could matter; `np.linspace(...).tolist()` (dinov2's stochastic depth)
in numpy's own float64 order, exact. And unpacking a ModuleList in a `for` target.

The models are built by torch from the same source. numpy is not installed here: torch's side
runs the source with `np` bound to a stand-in, Python's math for log/exp (numpy 2.4.6 gives the
same value for the arguments used, and only the type matters where it is used), and for
linspace the lists numpy 2.4.6 printed for these arguments (literals, checked by hand).
"""

from __future__ import annotations

import math
import sys
import types
from fractions import Fraction

import pytest

from macslint.evaluator.numpy_values import NumpyArray, numpy_call
from macslint.evaluator.rounded import Rounded
from macslint.evaluator.values import Unknown
from tests.torchnn.tracer_helpers import (
    assert_matches_torch, line_of, reasons, src, torch_counts, trace,
)

# `np.linspace(*key).tolist()` as numpy 2.4.6 gives it (literals)
NUMPY_LINSPACE = {
    (0, 1, 8): [0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855,
                0.5714285714285714, 0.7142857142857142, 0.8571428571428571, 1.0],
    (0, 0.1, 4): [0.0, 0.03333333333333333, 0.06666666666666667, 0.1],
}
HEADER = "import numpy as np\nimport torch\nimport torch.nn as nn\n"


class _Array:
    def __init__(self, values):
        self.values = values

    def tolist(self):
        return list(self.values)


@pytest.fixture
def math_numpy():
    fake = types.ModuleType("_rounded_numpy")
    fake.log, fake.log2, fake.exp, fake.e = math.log, math.log2, math.exp, math.e
    fake.linspace = lambda *args: _Array(NUMPY_LINSPACE[args])
    sys.modules["_rounded_numpy"] = fake
    yield
    sys.modules.pop("_rounded_numpy", None)


def torch_side(source: str) -> str:
    return source.replace("import numpy as np\n", "import _rounded_numpy as np\n", 1)


def matches_torch(source: str, name: str, input_shape) -> None:
    model = trace(source, name)
    assert model.complete, model.reasons
    expected = torch_counts(torch_side(source), name, input_shape)
    assert (model.params, model.macs, model.output) == (
        expected.params, expected.macs, expected.output)


CLIP_SCALE = src("""
    class Head(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 16)
            self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))
            self.bias = nn.Parameter(np.exp(0.5) * torch.zeros(16))

        def forward(self, x):
            x = self.fc(x) * self.logit_scale.exp()
            x = x + self.bias
            return x * np.log2(10.0)
""", header=HEADER)


def test_a_tensor_times_a_float_known_up_to_rounding_matches_torch(math_numpy):
    matches_torch(CLIP_SCALE, "Head", (1, 8))


INT_TENSOR = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.register_buffer("steps", torch.arange(8))

        def forward(self, x):
            return self.fc(self.steps * np.log(3.0)) + x
""", header=HEADER)


def test_an_int_tensor_times_such_a_float_is_float_as_in_torch(math_numpy):
    """int64 * a Python float is float32 (an int64 result would be refused by the Linear)."""
    matches_torch(INT_TENSOR, "Net", (1, 8))


DECIDED = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            width = 16 if np.log(10) > 2.3 else 4           # 2.302585...
            self.fc = nn.Linear(8, width if np.exp(1.0) < 2.72 else 2)

        def forward(self, x):
            return self.fc(x)
""", header=HEADER)


def test_comparisons_of_intervals_decide_like_torch(math_numpy):
    matches_torch(DECIDED, "Net", (1, 8))
    assert trace(DECIDED, "Net").params == 8 * 16 + 16


@pytest.mark.parametrize("size", [
    "int(np.log(100) * 4)",          # arithmetic on the interval
    "int(np.exp(2.0))",              # int() of it
    "16 if np.log(np.e) >= 1.0 else 4",   # too close to call: log(e) is 1 up to rounding
])
def test_an_interval_used_as_a_size_is_unknown(size):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, {size})

            def forward(self, x):
                return self.fc(x)
    """, header=HEADER)
    model = trace(source, "Net")
    assert model.params is None
    assert "rounding" in reasons(model)
    if "int(np.exp" in size:
        assert f"`np.exp(2.0)` (line {line_of(source, 'np.exp')})" in reasons(model)


def test_a_tensor_sized_by_an_interval_is_unknown():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.zeros(int(np.exp(2.0)), 8))

            def forward(self, x):
                return x @ self.w.t()
    """, header=HEADER)
    model = trace(source, "Net")
    assert model.params is None and not model.complete


def test_numpy_log_exp_are_intervals_holding_numpys_value():
    for name, x, value in [("numpy.log", 1 / 0.07, math.log(1 / 0.07)),
                           ("numpy.log2", 48, math.log2(48)), ("numpy.exp", 1.5, math.exp(1.5))]:
        got = numpy_call(name, [x], {})
        assert isinstance(got, Rounded)
        assert got.lo < Fraction(value) < got.hi and got.hi - got.lo <= 8 * Fraction(math.ulp(value))
    for name, x in [("numpy.log", -1.0), ("numpy.log", 0), ("numpy.exp", 1000.0),
                    ("numpy.exp", -1000.0), ("numpy.log2", math.inf)]:
        assert isinstance(numpy_call(name, [x], {}), Unknown)


@pytest.mark.parametrize("args", list(NUMPY_LINSPACE))
def test_numpy_linspace_items_are_numpys(args):
    got = numpy_call("numpy.linspace", list(args), {})
    assert isinstance(got, NumpyArray) and got.values == NUMPY_LINSPACE[args]
    assert all(type(v) is float for v in got.values)


@pytest.mark.parametrize("args, keywords", [
    ([0, 1, -1], {}), ([0, 1, 2.0], {}), ([0, 1, 4], {"retstep": True}), ([0, math.inf, 3], {}),
])
def test_numpy_linspace_not_modelled_is_unknown(args, keywords):
    assert isinstance(numpy_call("numpy.linspace", args, keywords), Unknown)


DINO = src("""
    class Block(nn.Module):
        def __init__(self, dim, drop_path=0.0):
            super().__init__()
            self.fc = nn.Linear(dim, dim)
            self.drop = nn.Linear(dim, dim) if drop_path > 0.0 else nn.Identity()

        def forward(self, x):
            return self.drop(self.fc(x))


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, depth=4):
            super().__init__()
            dpr = np.linspace(0, 0.1, depth).tolist()
            self.blocks = nn.ModuleList([Block(8, drop_path=dpr[i]) for i in range(depth)])
            steps = np.linspace(0, 1, 8).tolist()
            self.out = nn.Linear(8, 1 + int(steps[5] * 7))   # 4.999...: 5 features, not 6

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.out(x)
""", header=HEADER)


def test_linspace_stochastic_depth_matches_torch(math_numpy):
    matches_torch(DINO, "Net", (1, 8))


UNPACKED = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.downs = nn.ModuleList([
                nn.ModuleList([nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)]) for _ in range(2)])
            first, *rest = [nn.Linear(8, 4), nn.Linear(4, 4), nn.Linear(4, 2)]
            self.first, self.rest = first, nn.Sequential(*rest)

        def forward(self, x):
            for fc, act, fc2 in self.downs:
                x = fc2(act(fc(x)))
            head, *tail = self.downs
            x = head[0](x)
            return self.rest(self.first(x))
""")


def test_unpacking_a_module_list_in_a_for_target_matches_torch():
    assert_matches_torch(UNPACKED, "Net")
