"""The guards whose removal made macslint print a wrong number as complete (issue 18).

Each was once deleted by hand and no test noticed: an in-place operator in `forward()` that
must keep its left side's shape, a raw `nn.Parameter` bound under two names that torch counts
once, and names assigned in a loop that may not run. torch runs the same source in every case:
where torch raises, macslint must report and count nothing; where the source can give torch
different numbers (a loop that runs or not), macslint must not resolve; everywhere else its
numbers are torch's.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Optional

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src,
    torch_raises, trace,
)

# --------------------------------------------------------------------------- in-place operators

IN_PLACE = """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.bias = nn.Parameter(torch.zeros({bias}))

        def forward(self, x):
            x = self.fc(x)
            x {op} self.bias
            return x
"""


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_in_place_operator_that_would_grow_its_left_side_is_a_shape_error(op):
    """`x += b` writes into x: a b that broadcasts x to a bigger shape is an error in torch,
    where `x = x + b` is not."""
    source = src(IN_PLACE.format(bias="4, 8", op=op))
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    result = analyse(source)
    model = trace(source, "Net")
    assert (model.complete, model.macs) == (False, None)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, f"x {op} self.bias")
    assert "doesn't match the broadcast shape [4, 8]" in finding.message


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
@pytest.mark.parametrize("bias", ["8", "1, 8", "1"])
def test_in_place_operator_that_keeps_its_left_side_matches_torch(op, bias):
    source = src(IN_PLACE.format(bias=bias, op=op))
    assert not torch_raises(source, "Net", declared_input(source, "Net"))
    assert_matches_torch(source, "Net")
    assert codes(analyse(source), "MAC011") == []


def test_out_of_place_operator_broadcasts_as_torch_does():
    """The same operands without the assignment in place: torch broadcasts to 4x8."""
    source = src(IN_PLACE.format(bias="4, 8", op="+=").replace("x += self.bias",
                                                               "x = x + self.bias"))
    assert trace(source, "Net").output == (4, 8) and (1, 8) == declared_input(source, "Net")
    assert_matches_torch(source, "Net")


# --------------------------------------------------------------------------- shared parameters

SHARED = {
    "one parameter under two names": """
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.scale = nn.Parameter(torch.ones(8))
                self.gain = self.scale

            def forward(self, x):
                return self.fc(x) * self.gain
    """,
    "one parameter in a child and its parent": """
        class Child(nn.Module):
            def __init__(self, weight):
                super().__init__()
                self.weight = weight

            def forward(self, x):
                return x * self.weight

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.scale = nn.Parameter(torch.ones(8))
                self.child = Child(self.scale)

            def forward(self, x):
                return self.child(self.fc(x)) * self.scale
    """,
    "two parameters of one shape": """
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.scale = nn.Parameter(torch.ones(8))
                self.gain = nn.Parameter(torch.ones(8))

            def forward(self, x):
                return self.fc(x) * self.gain * self.scale
    """,
    "one child module under two names": """
        class Child(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.Parameter(torch.ones(8))

            def forward(self, x):
                return x * self.weight

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.a = Child()
                self.b = self.a

            def forward(self, x):
                return self.b(self.a(self.fc(x)))
    """,
}


@pytest.mark.parametrize("body", SHARED.values(), ids=SHARED.keys())
def test_parameters_are_counted_once_each_as_torch_counts_them(body):
    assert_matches_torch(src(body), "Net")


# --------------------------------------------------------------------------- loops that may not run

# `xs` is read from an attribute the test sets on `sys` (a module macslint does not model):
# torch runs each source with no pass and with passes, and macslint cannot know which.
LOOP_HEADER = HEADER + "import sys\n\nxs = getattr(sys, 'macslint_test_loops', '').split()\n"

LOOPS = {
    "for": """
        c = 16
        for a in xs:
            c = 32
        layer = nn.Linear(c, 10)
    """,
    "for with break": """
        c = 16
        for a in xs:
            c = 32
            break
        layer = nn.Linear(c, 10)
    """,
    "for-else": """
        c = 16
        for a in xs:
            if a == "stop":
                break
        else:
            c = 24
        layer = nn.Linear(c, 10)
    """,
    "for-else without a break": """
        c = 16
        for a in xs:
            pass
        else:
            c = 24
        layer = nn.Linear(c, 10)
    """,
    "while-else": """
        c = 16
        n = len(xs)
        while n:
            if xs[n - 1] == "stop":
                break
            n -= 1
        else:
            c = 24
        layer = nn.Linear(c, 10)
    """,
    "while": """
        c = 16
        n = len(xs)
        while n:
            c = c * 2
            n -= 1
        layer = nn.Linear(c, 10)
    """,
    "augmented in a loop": """
        c = 16
        for a in xs:
            c += 8
        layer = nn.Linear(c, 10)
    """,
    "nested loop": """
        c = 16
        for a in xs:
            for b in xs:
                c = 48
        layer = nn.Linear(c, 10)
    """,
    "loop that assigns another name": """
        c = 16
        d = 0
        for a in xs:
            d = 1
        layer = nn.Linear(c, 10)
    """,
    "loop in a function": """
        def width(c):
            for a in xs:
                c = 32
            return c

        layer = nn.Linear(width(16), 10)
    """,
    "loop in __init__": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                c = 16
                for a in xs:
                    c = 32
                self.layer = nn.Linear(c, 10)

            def forward(self, x):
                return self.layer(x)

        layer = Net().layer
    """,
}


def _torch_params(source: str, loops: str) -> Optional[int]:
    """The parameters of `layer` as torch builds it with sys.macslint_test_loops=`loops`."""
    sys.macslint_test_loops = loops  # type: ignore[attr-defined]
    try:
        namespace: Dict[str, Any] = {"__name__": "_macslint_loop_test"}
        with torch.device("meta"):
            exec(compile(source, "<loops>", "exec", dont_inherit=True), namespace)
        return sum(p.numel() for p in namespace["layer"].parameters())
    finally:
        del sys.macslint_test_loops  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", LOOPS.values(), ids=LOOPS.keys())
def test_a_name_a_loop_may_change_is_not_resolved(body):
    """Resolved only where every run torch may make gives the same number, and then torch's."""
    source = src(body, header=LOOP_HEADER)
    outcomes = {_torch_params(source, loops) for loops in ("", "a", "a b", "stop")}
    (site,) = [layer for layer in analyse(source).report.layers
               if layer.line == line_of(source, "nn.Linear(")]
    if len(outcomes) > 1:
        assert (site.resolved, site.params) == (False, None), outcomes
        assert site.reason
    else:
        assert (site.resolved, site.params) == (True, outcomes.pop())


def test_the_loop_cases_can_go_either_way():
    """Both branches of the test above are taken: the loops change torch's numbers except
    where the loop assigns another name."""
    varies = {name for name, body in LOOPS.items()
              if len({_torch_params(src(body, header=LOOP_HEADER), loops)
                      for loops in ("", "a", "a b", "stop")}) > 1}
    assert varies == set(LOOPS) - {"loop that assigns another name", "for-else without a break"}


def test_a_loop_variable_names_the_loop_in_the_reason():
    source = src(LOOPS["for"], header=LOOP_HEADER)
    (site,) = [layer for layer in analyse(source).report.layers if not layer.resolved]
    assert "'c' changes in a loop" in site.reason


# --------------------------------------------------------------------------- branches that may not run

def test_issubclass_of_torch_layer_classes_decides_the_branch():
    """timm's `if issubclass(aa_layer, nn.AvgPool2d): aa_layer(2) else: aa_layer(channels=...)`
    (issubclass was read as isinstance: False, so the branch torch never takes was built, a
    false MAC010 on timm's resnet.py)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self, pool=nn.AvgPool2d):
                super().__init__()
                if issubclass(pool, nn.AvgPool2d) and issubclass(Net, nn.Module):
                    self.pool = pool(2)
                else:
                    self.pool = pool(channels=3, stride=2)

            def forward(self, x):
                return self.pool(x)
    """)
    assert codes(analyse(source), "MAC010") == []
    assert_matches_torch(source, "Net")


def test_a_layer_torch_refuses_only_under_a_condition_not_known_is_not_mac010():
    """A model's arguments make a construction invalid only in a branch macslint cannot
    decide: that branch may never run (here torch never runs it), so no MAC010; it is left
    out as a branch that raises, and the site says why it is not counted."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self, pool=nn.AvgPool2d):
                super().__init__()
                if sys.maxsize < 0:  # never, in Python; sys is not modelled
                    self.pool = pool(channels=3, stride=2)
                else:
                    self.pool = pool(2)

            def forward(self, x):
                return self.pool(x)
    """, header=HEADER + "import sys\n")
    result = analyse(source)
    assert codes(result, "MAC010") == []
    (site,) = [layer for layer in result.report.layers if layer.line == line_of(source, "channels=3")]
    assert not site.resolved and "a condition macslint cannot decide" in site.reason
    model = trace(source, "Net")  # and the model says it cannot know which pool it holds
    assert (model.complete, model.macs) == (False, None)
    assert f"`self.pool` (line {line_of(source, 'pool(2)')}) is assigned under a condition that is not known" in model.reasons


def test_isinstance_against_torch_tensor_decides_as_in_torch():
    """dinov2's `if isinstance(x_or_x_list, Tensor): ... elif isinstance(x_or_x_list, list):`
    and densenet's `isinstance(input, torch.Tensor)`: a tensor is one, a list of them is not,
    a parameter is a Parameter."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.gain = nn.Parameter(torch.ones(8))
                self.wide = isinstance(self.gain, nn.Parameter) and not isinstance(8, torch.Tensor)

            def forward(self, x):
                if isinstance([x], torch.Tensor) or not self.wide:
                    return x
                if isinstance(x, torch.Tensor) and not isinstance(x, nn.Parameter):
                    return self.fc(x) * self.gain
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.kind for c in model.calls] == ["Linear"]  # the branch torch takes
