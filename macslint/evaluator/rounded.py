"""A number known only up to rounding: torch computed it in float32 in a way that depends on
the CPU (a `torch.linspace` item: which of its formulas, and whether with fused multiply-adds,
depends on the kernel), or numpy computed it in float64 with its own kernels (`np.log(1 /
0.07)`: numpy's log may round differently from Python's), and the interval [lo, hi] (exact
fractions) holds whatever it is. Either way it is a Python float (`.item()`, a float64).

It is good for one thing: a comparison with a number (or another such value) is decided when
the interval lies on one side (`dpr[i] > 0.0` for a stochastic-depth rate), and Unknown
otherwise. It may be passed to the file's own functions and classes and kept in a module's
attribute (DropPath's `drop_prob`); everywhere else, where the exact value could matter
(arithmetic, `int()`, an index, a layer's or a torch function's argument), it is Unknown with
its reason. One exception: an operator with a tensor (`torch.ones([]) * np.log(1 / 0.07)`),
whose shape and dtype do not depend on the value, only on its being a Python float (the
tensor's values are not kept). Plain data: no libcst.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any, Callable, Optional, Tuple

from .values import Unknown


class Rounded:
    """A Python float somewhere in [lo, hi]; `reason` says why it is not exact."""

    __slots__ = ("lo", "hi", "reason")
    python_type = "float"

    def __init__(self, lo: Fraction, hi: Fraction, reason: str) -> None:
        self.lo, self.hi, self.reason = lo, hi, reason

    def __repr__(self) -> str:
        return f"<a float between {float(self.lo)!r} and {float(self.hi)!r}>"

    def __copy__(self) -> "Rounded":
        return self  # immutable

    def __deepcopy__(self, memo: Any) -> "Rounded":
        return self


def near_float(value: float, ulps: int, reason: str) -> Rounded:
    """The floats within `ulps` units in the last place of `value` (finite, normal: a unit
    is math.ulp(value), the larger one at a power of two)."""
    error = Fraction(math.ulp(value)) * ulps
    return Rounded(Fraction(value) - error, Fraction(value) + error, reason)


def _bounds(value: Any) -> Optional[Tuple[Any, Any]]:
    if isinstance(value, Rounded):
        return value.lo, value.hi
    if isinstance(value, (int, float)):  # bool too; a float's comparisons with a Fraction are exact
        return value, value
    return None


def compare_rounded(function: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """`left <op> right` where one side is Rounded: True or False when every value in the
    intervals gives the same answer, else Unknown."""
    reason = (left if isinstance(left, Rounded) else right).reason
    a, b = _bounds(left), _bounds(right)
    if a is None or b is None:
        return Unknown(f"a comparison of a value known only up to rounding: {reason}")
    if function in (operator.eq, operator.ne):
        apart = a[1] < b[0] or b[1] < a[0]  # nan: never apart, Unknown
        if apart:
            return function is operator.ne
    elif function in (operator.lt, operator.le, operator.gt, operator.ge):
        # monotone in each side: the corners decide the whole box
        answers = {function(x, y) for x in a for y in b}
        if len(answers) == 1:
            return answers.pop()
    return Unknown(f"a value known only up to rounding is too close to call: {reason}")


def truth_of_rounded(value: Rounded) -> Any:
    if value.lo > 0 or value.hi < 0:
        return True
    return Unknown(f"the truth of a value known only up to rounding: {value.reason}")


def known_only(value: Any) -> Any:
    """`value` with every Rounded in it (in lists, tuples, dict values) made Unknown: for what
    may depend on the exact value. The value itself when it holds none."""
    if isinstance(value, Rounded):
        return Unknown(value.reason)
    if isinstance(value, (list, tuple)) and any(_holds_rounded(v) for v in value):
        return [known_only(v) for v in value] if isinstance(value, list) else \
            tuple(known_only(v) for v in value)
    if isinstance(value, dict) and any(_holds_rounded(v) for v in value.values()):
        return {k: known_only(v) for k, v in value.items()}
    return value


def _holds_rounded(value: Any) -> bool:
    if isinstance(value, Rounded):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_rounded(v) for v in value)
    return isinstance(value, dict) and any(_holds_rounded(v) for v in value.values())


# The builtins that only pass values along (or order them by a key the file computes): a
# Rounded stays one there. Any other builtin gets Unknown instead.
PASSES_ROUNDED = frozenset({
    "list", "tuple", "reversed", "enumerate", "zip", "dict", "len", "print", "map", "filter",
    "sorted", "min", "max", "setattr", "getattr", "hasattr", "collections.OrderedDict",
    "functools.partial", "typing.cast",
})
