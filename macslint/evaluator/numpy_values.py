"""numpy as a library plug-in of the evaluator: `import numpy as np` (numpy need not be
installed) and the helpers model code computes sizes with, on known plain numbers.

Each helper gives what numpy 2.x returns, converted to a Python number: numpy's int64 as an
int (`np.prod((3, 4))` is 12), its float64 as a float (`np.prod(())` is 1.0, `np.sqrt(16)`
is 4.0), integer inputs of `np.ceil`/`np.floor`/`np.round` stay integers (numpy >= 2.1).
A logarithm or exponential that is not exact (numpy's own kernels may round differently
from Python's `math`) is an interval (evaluator.rounded.Rounded) around Python's value.
Where numpy's value cannot be told for sure the result is Unknown with the reason: an int64
result that would wrap, a float reduction whose rounding depends on numpy's summation order,
numpy's nan/inf of a domain error, a float32 scalar (numpy's float32
arithmetic is not Python's). What later arithmetic does with the value is Python's (an int64
overflowing past 2**63 would wrap in numpy). Plain data: no libcst.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Dict, List, Sequence

from .library import Library, register
from .rounded import near_float
from .values import PyBuiltin, Unknown

NUMPY_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}
INT_TYPES = {"int64": 64, "int32": 32, "int16": 16, "int8": 8, "intp": 64, "int_": 64}
FLOAT_TYPES = frozenset({"float64", "double", "float_"})
NARROW_FLOATS = frozenset({"float32", "float16", "half", "single"})
NUMPY_HELPERS = frozenset({
    "prod", "sum", "sqrt", "log", "log2", "exp", "ceil", "floor", "round", "abs", "absolute",
    "maximum", "minimum", "linspace", *INT_TYPES, *FLOAT_TYPES, *NARROW_FLOATS,
})
INT64 = (-2 ** 63, 2 ** 63 - 1)
MAX_ITEMS = 100_000  # evaluator.operators.MAX_SEQUENCE (this module does not import libcst)
EXACT_FLOAT = 2 ** 53  # integers up to this are floats exactly, whatever the order of a sum


class NumpyName:
    """`numpy` or a submodule of it (`np.random`): its helpers are PyBuiltin("numpy.<name>")."""

    __slots__ = ("path",)
    python_type = "module"

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NumpyName) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"<module '{self.path}'>"


class NumpyArray:
    """A 1-d float64 array of known items (`np.linspace(0, 0.1, 12)`), as Python floats."""

    __slots__ = ("values",)
    python_type = "ndarray"

    def __init__(self, values: List[float]) -> None:
        self.values = values

    def __repr__(self) -> str:
        return f"<a numpy array of {len(self.values)} floats>"


class NumpyMethod:
    """`array.tolist` before it is called (evaluator.record_calls calls array_method)."""

    __slots__ = ("array", "name")
    python_type = "builtin_function_or_method"

    def __init__(self, array: NumpyArray, name: str) -> None:
        self.array, self.name = array, name


ARRAY_METHODS = frozenset({"tolist"})


class NumpyLibrary(Library):
    root = "numpy"
    value_types = (NumpyName, NumpyArray)

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
        if isinstance(base, NumpyArray):
            if name in ARRAY_METHODS:
                return NumpyMethod(base, name)
            return Unknown(f"`ndarray.{name}` is not modelled")
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
    if helper == "linspace":
        return _linspace(positional, keywords)
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


def array_method(method: NumpyMethod, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    if method.name == "tolist" and not positional and not keywords:
        return list(method.array.values)
    return Unknown(f"`ndarray.{method.name}()` with these arguments is not modelled")


def _linspace(positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`np.linspace(start, stop, num=50, endpoint=True)` of numbers: numpy's float64 items,
    computed in numpy's order (numpy/_core/function_base.py): `step = (stop - start) / div`,
    item i `i * step + start` (two ufuncs, each an IEEE operation: no fused multiply-add),
    or `i / div * delta + start` when step underflows to 0; the last item is `stop` when
    `endpoint`. Python's float operations are the same IEEE ones, so the items are exact."""
    names = ("start", "stop", "num", "endpoint")
    if len(positional) > len(names) or set(keywords) - set(names[len(positional):]):
        return Unknown("`np.linspace()` with these arguments is not modelled")
    given = {**dict(zip(names, positional)), **keywords}
    start, stop = given.get("start"), given.get("stop")
    num, endpoint = given.get("num", 50), given.get("endpoint", True)
    if not (_number(start) and _number(stop)) or isinstance(num, bool) \
            or not isinstance(num, int) or not isinstance(endpoint, bool):
        return Unknown("`np.linspace()` of values that are not numbers")
    if num < 0:
        return Unknown("`np.linspace()` raises ValueError: a negative number of samples")
    if num > MAX_ITEMS:
        return Unknown("`np.linspace()` of too many items to evaluate")
    start, stop = float(start), float(stop)
    if not (math.isfinite(start) and math.isfinite(stop)):
        return Unknown("`np.linspace()` of values that are not finite")
    div = num - 1 if endpoint else num
    delta = stop - start
    if div > 0:
        step = delta / div
        items = [float(i) / div * delta if step == 0 else float(i) * step for i in range(num)]
    else:
        items = [float(i) * delta for i in range(num)]  # numpy's step is nan: unused
    items = [y + start for y in items]
    if endpoint and num > 1:
        items[-1] = stop
    return NumpyArray(items)


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
    # the bound in Python ints: a float sum past 2**53 would round it back under
    whole = [abs(int(v)) for v in items]
    bound = math.prod(whole) if helper == "prod" else sum(whole)
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
    return _near_math(helper, value)


# numpy's float64 log, log2 and exp are its own SIMD kernels on some CPUs (AVX512F), the C
# library's elsewhere, and Python's `math` is the C library's: each is within 1 ulp of the
# exact result (glibc's are correctly rounded but for rare cases; numpy's SIMD ones are
# documented below 1 ulp), so the two differ by at most 2 ulp; 4 gives room for an older libm.
NUMPY_ULPS = 4


def _near_math(helper: str, value: float) -> Any:
    """numpy's log/log2/exp of a float whose result is not exact: an interval around Python's
    (evaluator.rounded), good for comparisons and for its type (a float times a tensor);
    Unknown where numpy gives nan or inf, or a result below the normal range."""
    why = f"`np.{helper}()` of {value!r} is known only up to rounding: numpy's kernel may " \
          f"round differently from Python's"
    function = {"log": math.log, "log2": math.log2, "exp": math.exp}[helper]
    try:
        result = function(value) if math.isfinite(value) else math.nan
    except (ValueError, OverflowError):
        result = math.nan
    if not math.isfinite(result) or abs(result) < sys.float_info.min:
        return Unknown(f"`np.{helper}()` of {value!r} is not a finite normal float")
    return near_float(result, NUMPY_ULPS, why)
