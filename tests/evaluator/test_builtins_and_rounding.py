"""Issue 19's generic-Python blockers: builtins given functions (`map`, `filter`,
`sorted(key=)`, `max/min(key=, default=)`) with lambdas, functions and classes of the file and
builtins; `torch.linspace` items known only up to float32 rounding (evaluator.rounded: their
comparisons with a number are decided when the interval is on one side, nothing else is);
`hasattr` on torch's modules.

Every count comes from torch building the same source (tracer_helpers); a model whose
__init__ reads tensor items (`.item()` raises on meta tensors) is built on the CPU, then moved
to meta and run as torch_counts does. The intervals are checked against torch.linspace itself.
"""

from __future__ import annotations

import operator
import random
from fractions import Fraction

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.evaluator.rounded import Rounded, compare_rounded
from macslint.evaluator.values import Unknown
from macslint.torchnn.calls import _linspace_bounds
from tests.torchnn.tracer_helpers import (
    assert_matches_torch, line_of, reasons, src, torch_model, trace,
)


def cpu_built_counts(source: str, name: str, shape):
    """torch's (params, MACs, output) for a model whose __init__ reads tensor items: built on
    the CPU, moved to meta, run in eval mode under FlopCounterMode."""
    model = torch_model(source, name, device="cpu").to("meta").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(shape, device="meta"))
    return (sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2,
            tuple(out.shape))


# ----------------------------------------------------------------- builtins given functions

UNET_DIMS = src("""
    def double(m):
        return 2 * m


    class Block(nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.fc = nn.Linear(*dims)

        def forward(self, x):
            return self.fc(x)


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, dim=8, dim_mults=(1, 2, 4)):
            super().__init__()
            dims = [dim, *map(lambda m: dim * m, dim_mults)]
            in_out = list(zip(dims[:-1], dims[1:]))
            self.downs = nn.ModuleList(list(map(Block, in_out)))
            widths = sorted(map(double, [3, 1, 2]), key=lambda w: -w)        # [6, 4, 2]
            self.head = nn.Linear(dims[-1], max(widths, key=lambda w: w % 5))  # 4
            kept = list(filter(None, [0, 2, 0, 3])) + list(filter(lambda w: w > 2, [1, 5]))
            self.side = nn.ModuleList([nn.Linear(w, w) for w in kept])          # 2, 3, 5
            self.tail = nn.Linear(4, min([], default=3) + len(list(map(str, kept))))
            self.pair = nn.Linear(*map(operator_add, [1, 2], [3, 4]))           # 4, 6

        def forward(self, x):
            for block in self.downs:
                x = block(x)
            return self.tail(self.head(x))


    def operator_add(a, b):
        return a + b
""")


def test_map_filter_sorted_max_with_functions_match_torch():
    """lucidrains' Unet: `dims = [init_dim, *map(lambda m: dim * m, dim_mults)]`; map of a
    class, of a function of the file and of a builtin; filter(None) and filter(f); keys."""
    model = assert_matches_torch(UNET_DIMS, "Net")
    assert [c.output for c in model.calls if c.path.startswith("downs")] == [(1, 8), (1, 16), (1, 32)]


def test_map_of_items_not_known_is_unknown_with_its_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                dims = list(map(lambda m: 8 * m, some_lib.mults()))
                self.fc = nn.Linear(8, dims[0])

            def forward(self, x):
                return self.fc(x)
    """, header="import torch.nn as nn\nimport some_lib\n")
    model = trace(source, "Net")
    assert model.params is None
    assert "some_lib" in reasons(model)


def test_key_that_is_not_known_is_unknown_not_the_first_item():
    """A key function whose results are not known must not order by anything else."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, max([4, 6], key=some_lib.score))

            def forward(self, x):
                return self.fc(x)
    """, header="import torch.nn as nn\nimport some_lib\n")
    model = trace(source, "Net")
    assert model.params is None and model.macs is None


def test_a_lambda_called_runs_its_body_with_late_binding():
    """A lambda is called as Python calls it: defaults when defined, names when called."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                k = 2
                scale = lambda v, extra=k: v * k + extra
                k = 3
                self.fc = nn.Linear(8, scale(4))          # 4 * 3 + 2

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


# --------------------------------------------------------------- hasattr on torch's modules

def test_hasattr_of_names_torch_has_matches_torch():
    """nanoGPT: `self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention')`."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention')
                self.fc = nn.Linear(8, 8) if self.flash else nn.Linear(8, 2)
                self.relu = nn.Linear(8, 4) if hasattr(F, "relu") and hasattr(nn, "Linear") \\
                    else nn.Identity()

            def forward(self, x):
                return self.relu(self.fc(x))
    """)
    assert_matches_torch(source, "Net")


def test_hasattr_of_a_name_macslint_does_not_know_is_unknown():
    """torch has no `frobnicate`: macslint cannot tell that from its tables, so unknown."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8) if hasattr(torch, 'frobnicate') else nn.Linear(8, 2)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert model.params is None
    assert "frobnicate" in reasons(model)


# ------------------------------------------------------------- values known up to rounding

STOCHASTIC_DEPTH = src("""
    def drop_path(x, drop_prob: float = 0.0, training: bool = False):
        if drop_prob == 0.0 or not training:
            return x
        return x * 2


    class DropPath(nn.Module):
        def __init__(self, drop_prob=None):
            super().__init__()
            self.drop_prob = drop_prob

        def forward(self, x):
            return drop_path(x, self.drop_prob, self.training)


    class Block(nn.Module):
        def __init__(self, dim, drop_path=0.0):
            super().__init__()
            self.fc = nn.Linear(dim, dim)
            self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
            self.extra = nn.Linear(dim, dim) if THRESHOLD < drop_path else nn.Identity()

        def forward(self, x):
            return x + self.drop_path(self.extra(self.fc(x)))


    class Net(nn.Module):  # macslint: input-size=16
        def __init__(self, depth=12, drop_path_rate=0.1):
            super().__init__()
            dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
            self.blocks = nn.Sequential(*[Block(16, dpr[i]) for i in range(depth)])
            self.head = nn.Linear(16, 8 + (dpr[5] >= 0.04))

        def forward(self, x):
            return self.head(self.blocks(x))
""")


def test_linspace_items_that_round_decide_comparisons_match_torch():
    """dinov2/timm stochastic depth: `DropPath(dpr[i]) if dpr[i] > 0.0 else nn.Identity()`
    with linspace(0, 0.1, 12), whose items torch rounds in float32: every comparison here is
    decided whatever the rounding (0.05 is between items 5 and 6), the rate is kept in
    DropPath and read by forward()."""
    source = STOCHASTIC_DEPTH.replace("THRESHOLD", "0.05")
    model = trace(source, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == cpu_built_counts(source, "Net", (1, 16))
    assert sum(c.path.endswith(".extra") and c.kind == "Linear" for c in model.calls) == 6


def test_a_comparison_too_close_to_call_is_unknown():
    """The threshold is torch's own float32 value of item 6: the interval holds it, so the
    comparison (and the layer it chooses) is unknown, with the condition and line."""
    threshold = repr(torch.linspace(0, 0.1, 12)[6].item())
    source = STOCHASTIC_DEPTH.replace("THRESHOLD", threshold)
    model = trace(source, "Net")
    assert model.params is None
    assert f"line {line_of(source, 'torch.linspace(0, drop_path_rate')}" in reasons(model)


@pytest.mark.parametrize("use", [
    "nn.Linear(16, int(dpr[3] * 100))",    # arithmetic, then int()
    "nn.Linear(16, 16, bias=dpr[3])",      # a layer's argument
    "nn.Linear(16, [8, 9, 10][dpr[3]])",   # an index
])
def test_a_rounded_value_where_its_exact_value_matters_is_unknown(use):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                dpr = torch.linspace(0, 0.1, 12).tolist()
                self.fc = {use}

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "torch.linspace" in reasons(model) or "subscript" in reasons(model)


def test_compare_rounded_is_decided_only_off_the_interval():
    r = Rounded(Fraction(1, 8), Fraction(1, 4), "why")
    assert compare_rounded(operator.gt, r, 0.0) is True
    assert compare_rounded(operator.lt, r, 0.3) is True
    assert compare_rounded(operator.ge, 0.05, r) is False
    assert compare_rounded(operator.eq, r, 0.3) is False
    assert compare_rounded(operator.ne, r, 0.0) is True
    for function in (operator.gt, operator.lt, operator.le, operator.ge, operator.eq, operator.ne):
        assert isinstance(compare_rounded(function, r, 0.2), Unknown)
    assert compare_rounded(operator.gt, r, 0.25) is False  # at most 0.25
    assert isinstance(compare_rounded(operator.ge, r, 0.25), Unknown)  # it may be 0.25
    assert compare_rounded(operator.gt, r, Rounded(Fraction(0), Fraction(1, 20), "")) is True
    assert compare_rounded(operator.lt, r, float("nan")) is False  # as Python's nan


def test_linspace_intervals_hold_torch_values():
    """The bound of calls._linspace_bounds against torch.linspace itself: every item of many
    linspaces (rates, mixed signs, tiny and large ends, step counts past a vector's width) lies
    in its interval, and the first is exact."""
    rng = random.Random(19)
    cases = [(0, 0.1, 12), (0, 0.4, 24), (0, 0.2, 40), (0.1, 0.9, 7), (-3.3, 1e-30, 33)]
    for _ in range(300):
        a, b = rng.choice([(0.0, rng.choice([0.1, 0.2, 0.3, 0.05, 1e-3])),
                           (rng.uniform(-10, 10), rng.uniform(-10, 10)),
                           (rng.uniform(-1e-30, 1e-30), rng.uniform(-1e5, 1e5))])
        cases.append((a, b, rng.choice([2, 3, 5, 8, 9, 16, 17, 31, 33, 64, 257, 1000])))
    for start, end, steps in cases:
        bounds = _linspace_bounds(start, end, steps, "why")
        values = torch.linspace(start, end, steps).tolist()
        assert bounds[0] == values[0]
        for bound, value in zip(bounds[1:], values[1:]):
            assert bound.lo <= Fraction(value) <= bound.hi, (start, end, steps, value)
            assert bound.hi - bound.lo <= Fraction(1, 2 ** 18) * (abs(start) + abs(end)) + \
                Fraction(1, 2 ** 140)  # a few float32 ulps: tight enough to decide
