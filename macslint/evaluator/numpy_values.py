"""numpy as a library plug-in of the evaluator: `import numpy as np` (numpy need not be
installed) and the helpers model code computes sizes with, on known plain numbers.

Each helper gives what numpy 2.x returns, converted to a Python number: numpy's int64 as an
int (`np.prod((3, 4))` is 12), its float64 as a float (`np.prod(())` is 1.0, `np.sqrt(16)`
is 4.0), integer inputs of `np.ceil`/`np.floor`/`np.round` stay integers (numpy >= 2.1).
Where numpy's value cannot be told for sure the result is Unknown with the reason: an int64
result that would wrap, a float reduction whose rounding depends on numpy's summation order,
a logarithm or exponential that is not exact (numpy's own kernels may round differently from
Python's `math`), numpy's nan/inf of a domain error, a float32 scalar (numpy's float32
arithmetic is not Python's). What later arithmetic does with the value is Python's (an int64
overflowing past 2**63 would wrap in numpy). Plain data: no libcst.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence

from .library import Library, register
from .values import PyBuiltin, Unknown

NUMPY_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}
INT_TYPES = {"int64": 64, "int32": 32, "int16": 16, "int8": 8, "intp": 64, "int_": 64}
FLOAT_TYPES = frozenset({"float64", "double", "float_"})
NARROW_FLOATS = frozenset({"float32", "float16", "half", "single"})
NUMPY_HELPERS = frozenset({
    "prod", "sum", "sqrt", "log", "log2", "exp", "ceil", "floor", "round", "abs", "absolute",
    "maximum", "minimum", *INT_TYPES, *FLOAT_TYPES, *NARROW_FLOATS,
})
INT64 = (-2 ** 63, 2 ** 63 - 1)
EXACT_FLOAT = 2 ** 53  # integers up to this are floats exactly, whatever the order of a sum


class NumpyName:
    """`numpy` or a submodule of it (`np.random`): its helpers are PyBuiltin("numpy.<name>")."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NumpyName) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"<module '{self.path}'>"


class NumpyLibrary(Library):
    root = "numpy"
    value_types = (NumpyName,)

    def module(self, path: str) -> Any:
        parts = path.split(".")
        if len(parts) == 1:
            return NumpyName(path)
        if len(parts) == 2 and parts[1] in NUMPY_HELPERS:
            return PyBuiltin(path)
        if len(parts) == 2 and parts[1] in NUMPY_CONSTANTS:
            return NUMPY_CONSTANTS[parts[1]]
        return Unknown(f"`{path}` is not modelled")

    def attribute(self, base: Any, name: str) -> Any:
        if "." in base.path:
            return Unknown(f"`{base.path}.{name}` is not modelled")
        return self.module(f"{base.path}.{name}")


register(NumpyLibrary())


def _number(value: Any) -> bool:
    return isinstance(value, (int, float))  # bool is an int, as numpy's sums count it


def _in_int64(value: int) -> bool:
    return INT64[0] <= value <= INT64[1]


def numpy_call(name: str, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`numpy.<name>(*positional)` on plain numbers: numpy's value as a Python number, or
    Unknown with why (the caller adds the call and its line)."""
    helper = name.split(".", 1)[1]
    unknown = next((v for v in (*positional, *keywords.values()) if isinstance(v, Unknown)), None)
    if unknown is not None:
        return Unknown(unknown.reason)
    if keywords:
        return Unknown(f"`np.{helper}()` with keyword arguments is not modelled")
    if helper in NARROW_FLOATS:
        return Unknown(f"`np.{helper}()` makes a {helper} scalar, whose arithmetic (numpy's, "
                       f"not Python's) is not modelled")
    if helper in ("prod", "sum"):
        if len(positional) != 1:
            return Unknown(f"`np.{helper}()` with these arguments is not modelled")
        return _reduce(helper, positional[0])
    if helper in ("maximum", "minimum"):
        if len(positional) != 2 or not all(_number(v) for v in positional):
            return Unknown(f"`np.{helper}()` of values that are not two numbers")
        return _scalar_result(positional, (max if helper == "maximum" else min)(positional))
    if helper == "round" and len(positional) == 2 and positional[1] == 0 \
            and not isinstance(positional[1], float):
        positional = positional[:1]
    if len(positional) != 1 or not _number(positional[0]):
        return Unknown(f"`np.{helper}()` of a value that is not a number")
    x = positional[0]
    if isinstance(x, int) and not _in_int64(x):
        return Unknown(f"`np.{helper}()` of an integer past int64")
    return _unary(helper, x)


def _reduce(helper: str, data: Any) -> Any:
    items: Sequence[Any] = data if isinstance(data, (tuple, list)) else [data]
    if not all(_number(v) for v in items):
        return Unknown(f"`np.{helper}()` of values that are not a flat sequence of numbers")
    if any(isinstance(v, int) and not _in_int64(v) for v in items):
        return Unknown(f"`np.{helper}()` of an integer past int64")
    if not items:
        return 1.0 if helper == "prod" else 0.0  # an empty array is float64
    exact = math.prod(items) if helper == "prod" else sum(items)
    if all(isinstance(v, int) for v in items):
        if not _in_int64(exact):
            return Unknown(f"`np.{helper}()` overflows int64 (numpy wraps)")
        return int(exact)
    # float64: exact (any order of summation) when every item and every partial result is an
    # integer below 2**53
    if not all(math.isfinite(v) and float(v).is_integer() for v in items):
        return Unknown(f"`np.{helper}()` of floats, which numpy may sum in another order")
    bound = math.prod(abs(v) for v in items) if helper == "prod" else sum(abs(v) for v in items)
    if bound > EXACT_FLOAT:
        return Unknown(f"`np.{helper}()` of floats past 2**53, which numpy may round otherwise")
    return float(exact)


def _scalar_result(values: Sequence[Any], result: Any) -> Any:
    if any(isinstance(v, float) for v in values):
        return float(result)
    return int(result)


def _unary(helper: str, x: Any) -> Any:
    if helper in INT_TYPES:
        bits = INT_TYPES[helper]
        value = int(x) if math.isfinite(x) else None
        if value is None or not -2 ** (bits - 1) <= value < 2 ** (bits - 1):
            return Unknown(f"`np.{helper}()` of a value out of its range")
        return value
    if helper in FLOAT_TYPES:
        return float(x)
    if helper in ("ceil", "floor", "round"):
        if isinstance(x, int):
            return int(x)  # numpy >= 2.1 keeps integer dtypes
        if not math.isfinite(x):
            return x
        return float({"ceil": math.ceil, "floor": math.floor, "round": round}[helper](x))
    if helper in ("abs", "absolute"):
        if isinstance(x, int) and x == INT64[0]:
            return Unknown(f"`np.{helper}()` of the smallest int64 (numpy wraps)")
        return abs(int(x)) if isinstance(x, int) else abs(x)
    value = float(x)
    if helper == "sqrt":
        if value < 0 or math.isnan(value):
            return Unknown("`np.sqrt()` of a negative number is nan")
        return math.sqrt(value)  # IEEE square root: correctly rounded, numpy's too
    # log, log2, exp: evaluated only where the result is exact
    if helper == "log2" and value > 0 and math.isfinite(value) and math.frexp(value)[0] == 0.5:
        return float(math.frexp(value)[1] - 1)
    if helper == "log" and value == 1.0:
        return 0.0
    if helper == "exp" and value == 0.0:
        return 1.0
    return Unknown(f"`np.{helper}()` of {x!r} is not exact: numpy's kernel may round "
                   f"differently from Python's")
