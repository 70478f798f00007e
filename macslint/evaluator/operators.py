"""Python's operators as the evaluator applies them, and the bounds on the values it builds
(a value no model needs would cost time and memory)."""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Dict, List

import libcst as cst

MAX_SEQUENCE = 100_000  # longest tuple/str we build by `*`

MAX_INT_BITS = 4096  # larger ints are not model sizes

BINARY_OPERATORS: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
    cst.Divide: operator.truediv, cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod,
    cst.Power: operator.pow, cst.LeftShift: operator.lshift, cst.RightShift: operator.rshift,
    cst.BitAnd: operator.and_, cst.BitOr: operator.or_, cst.BitXor: operator.xor,
}

COMPARISONS: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge, cst.Is: operator.is_, cst.IsNot: operator.is_not,
    cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b,
}

def too_big(op: type, left: Any, right: Any) -> bool:
    """Would this operation build a value no model code needs (and that costs time)?"""
    if op is cst.Power and isinstance(left, int) and isinstance(right, int):
        return abs(left) > 1 and right * max(abs(left).bit_length(), 1) > MAX_INT_BITS
    if op is cst.LeftShift and isinstance(right, int):
        return right > MAX_INT_BITS
    if op is cst.Multiply:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, tuple, list)) and isinstance(count, int):
                return len(seq) * count > MAX_SEQUENCE
    if op is cst.Add and isinstance(left, (str, tuple, list)) and isinstance(right, (str, tuple, list)):
        return len(left) + len(right) > MAX_SEQUENCE
    return False


# math functions reading a file computes on known numbers (a default such as torchvision's
# `bbox_xform_clip=math.log(1000.0 / 16)`): Python's own, on the same machine
READ_MATH: Dict[str, Callable[..., Any]] = {
    "math.log": math.log, "math.log2": math.log2, "math.sqrt": math.sqrt, "math.exp": math.exp,
    "math.ceil": math.ceil, "math.floor": math.floor,
}


def read_math(name: str, positional: List[Any]) -> Any:
    """`math.<name>(*positional)` of plain ints and floats, or None where that is not sure
    (another argument, or Python raises)."""
    if not 1 <= len(positional) <= 2 or not all(type(a) in (int, float) for a in positional):
        return None
    try:
        return READ_MATH[name](*positional)
    except (ValueError, OverflowError, TypeError):
        return None
