"""Python's operators as the evaluator applies them, and the bounds on the values it builds
(a value no model needs would cost time and memory)."""

from __future__ import annotations

import operator
from typing import Any, Callable, Dict

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
