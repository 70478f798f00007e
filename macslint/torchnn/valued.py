"""The items of small tensors a model computes from known numbers while it is built (RegNet's
widths: `torch.round(torch.log(torch.arange(depth) * w_a + w_0) / ...).int().tolist()`), as
torch would hold them, item by item.

An item is exact (a Python int, float or bool: torch's value whatever CPU computes it), a
Rounded interval (evaluator.rounded) that holds torch's value whatever kernel computes it, or
Unknown. The rules:
- an integer op on exact ints is exact (out of the dtype's range: Unknown);
- a float op gives an exact item only where its inputs are exact and its real result is a
  float of the dtype (then every correctly rounded kernel gives it: torch's CPU kernels for
  float32 and float64 compute +, -, *, / in IEEE arithmetic; only the 16-bit floats divide by
  a reciprocal); else the interval of the real results over the inputs' intervals, widened
  by the kernel's rounding: half a unit in the last place for +, -, *, /, four units for
  log, exp, pow and sqrt (SLEEF's u10 kernels and libm are within one);
- a Python float operand that the dtype cannot hold exactly (`x * 36.44` in float32) is both
  itself and its float32 rounding: torch may compute with either;
- round/floor/ceil/trunc and the casts to an integer dtype are exact when every value of the
  interval gives the same integer, and Unknown (too close to call) otherwise.
Plain data and arithmetic: no libcst.
"""

from __future__ import annotations

import math
import operator
import struct
from fractions import Fraction
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..costmodel.spec import bind
from ..evaluator.rounded import Rounded
from ..evaluator.values import Unknown
from .values import ValuedTensor

MAX_ITEMS = 1024  # a larger tensor keeps its shape only (items cost time)

_UNIT = {"float32": Fraction(1, 2 ** 24), "float64": Fraction(1, 2 ** 53)}  # unit roundoff
_TINY = {"float32": Fraction(1, 2 ** 149), "float64": Fraction(1, 2 ** 1074)}  # subnormal step
_INT_RANGE = {"int64": 2 ** 63, "int32": 2 ** 31, "int16": 2 ** 15, "int8": 2 ** 7}
_TRANSCENDENTAL_ULPS = 4
REASON = ("torch computes it in floating point, and its last bits depend on the kernel the "
          "CPU runs")


def is_float(dtype: Optional[str]) -> bool:
    return dtype in _UNIT


def is_int(dtype: Optional[str]) -> bool:
    return dtype in _INT_RANGE or dtype == "uint8"


# ---------------------------------------------------------------------------------------
# Items as intervals


def _bounds(item: Any) -> Optional[Tuple[Fraction, Fraction]]:
    if isinstance(item, Rounded):
        return item.lo, item.hi
    if isinstance(item, bool):
        return Fraction(int(item)), Fraction(int(item))
    if isinstance(item, int) or isinstance(item, float) and math.isfinite(item):
        return Fraction(item), Fraction(item)
    return None


def _round_to(value: float, dtype: str) -> float:
    """A double rounded to the dtype (to nearest; an overflow is an infinity)."""
    if dtype == "float64":
        return value
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _fits(value: Fraction, dtype: str) -> Optional[float]:
    """The float of the dtype equal to `value`, or None when there is none."""
    try:
        as_float = float(value)
    except OverflowError:
        return None
    rounded = _round_to(as_float, dtype)
    return rounded if math.isfinite(rounded) and Fraction(rounded) == value else None


def _interval(lo: Fraction, hi: Fraction, dtype: str, units: Fraction) -> Any:
    """[lo, hi] widened by `units` (in unit roundoffs) of the larger magnitude, and by the
    subnormal step; Unknown where it leaves the dtype's finite range."""
    magnitude = max(abs(lo), abs(hi))
    error = _UNIT[dtype] * units * magnitude + _TINY[dtype] * units
    lo, hi = lo - error, hi + error
    top = Fraction(_round_to(3.4028234663852886e38, dtype)) if dtype == "float32" else \
        Fraction(1.7976931348623157e308)
    if abs(lo) > top or abs(hi) > top:
        return Unknown(f"an item overflows {dtype}")
    return Rounded(lo, hi, REASON)


def _operand_bounds(item: Any, dtype: str) -> Optional[Tuple[Fraction, Fraction]]:
    """An operand's bounds in the dtype it is computed in: a Python float the float dtype
    cannot hold is both itself and its rounding."""
    bounds = _bounds(item)
    if bounds is None or not is_float(dtype) or isinstance(item, Rounded):
        return bounds
    rounded = Fraction(_round_to(float(item), dtype))
    return min(bounds[0], rounded), max(bounds[1], rounded)


# ---------------------------------------------------------------------------------------
# Elementwise rules


def _binary_float(name: str, a: Any, b: Any, dtype: str) -> Any:
    x, y = _operand_bounds(a, dtype), _operand_bounds(b, dtype)
    if x is None or y is None:
        return Unknown("an item is not a finite number")
    function = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                "div": operator.truediv}[name]
    if name == "div" and x[0] <= 0 <= x[1] and y[0] <= 0 <= y[1]:
        return Unknown("a division of zero by zero")
    if name == "div" and y[0] <= 0 <= y[1]:
        return Unknown("a division by zero")
    corners = [function(p, q) for p in x for q in y]
    lo, hi = min(corners), max(corners)
    if lo == hi and x[0] == x[1] and y[0] == y[1]:
        exact = _fits(lo, dtype)
        if exact is not None:
            return exact
    return _interval(lo, hi, dtype, Fraction(1))


def _binary_int(name: str, a: Any, b: Any, dtype: str) -> Any:
    if not all(isinstance(v, int) for v in (a, b)):
        return Unknown("an item is not known")
    if name == "div":
        return Unknown("integer division is not modelled")
    result = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}[name](a, b)
    limit = _INT_RANGE.get(dtype, 256)
    if not (-limit <= result < limit if dtype != "uint8" else 0 <= result < 256):
        return Unknown(f"an item overflows {dtype}")
    return result


def binary_item(name: str, a: Any, b: Any, dtype: str, alpha: Any = 1) -> Any:
    """`a <name> b` (add, sub, mul, div) computed in `dtype`; `alpha` scales b (torch.add)."""
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if alpha != 1:
        b = binary_item("mul", b, alpha, dtype)
        if isinstance(b, Unknown):
            return b
    if is_float(dtype):
        return _binary_float(name, a, b, dtype)
    if is_int(dtype):
        return _binary_int(name, a, b, dtype)
    return Unknown(f"arithmetic in {dtype} is not modelled")


def _monotone(function: Callable[[float], float], lo: Fraction, hi: Fraction, dtype: str,
              increasing: bool = True) -> Any:
    """A transcendental function of an interval: its values at the ends (computed in double,
    half a unit of double off at most), widened by the kernel's error."""
    try:
        ends = [Fraction(function(float(lo))), Fraction(function(float(hi)))]
    except (ValueError, OverflowError):
        return Unknown("an item is outside the function's domain")
    if not increasing:
        ends.reverse()
    # the double's own error, and float(lo) against lo, are far below a float32 unit; for
    # float64 they are counted as units too
    return _interval(min(ends), max(ends), dtype,
                     Fraction(2 * _TRANSCENDENTAL_ULPS + (4 if dtype == "float64" else 0)))


def unary_item(name: str, item: Any, dtype: str) -> Any:
    """log, exp, sqrt, neg, abs, sign, round, floor, ceil of one item, in `dtype`."""
    if isinstance(item, Unknown):
        return item
    bounds = _bounds(item)
    if bounds is None:
        return Unknown("an item is not a finite number")
    lo, hi = bounds
    if name in ("neg", "abs", "sign"):
        if not isinstance(item, Rounded):
            value = {"neg": operator.neg, "abs": abs,
                     "sign": lambda v: (v > 0) - (v < 0)}[name](item)
            return float(value) if is_float(dtype) else value
        if name == "neg":
            return Rounded(-hi, -lo, item.reason)
        if name == "sign" and (lo > 0 or hi < 0):
            return 1.0 if lo > 0 else -1.0
        if name == "abs" and (lo >= 0 or hi <= 0):
            return Rounded(min(abs(lo), abs(hi)), max(abs(lo), abs(hi)), item.reason)
        return Unknown(f"the {name} of an item too close to zero to call: {item.reason}")
    if name in ("round", "floor", "ceil", "trunc"):  # of an integer tensor: its own items
        return _to_integer(name, item, lo, hi, float if is_float(dtype) else int)
    if not is_float(dtype):
        return Unknown(f"{name} in {dtype} is not modelled")
    if name == "log":
        if lo <= 0:
            return Unknown("the log of an item that is not positive")
        if lo == hi == 1:
            return 0.0  # log(1) is 0 in every kernel
        return _monotone(math.log, lo, hi, dtype)
    if name == "exp":
        return _monotone(math.exp, lo, hi, dtype)
    if name == "sqrt":
        if lo < 0:
            return Unknown("the square root of a negative item")
        exact = _fits(lo, dtype) if lo == hi else None
        root = math.isqrt(lo.numerator) if exact is not None and lo.denominator == 1 else None
        if root is not None and root * root == lo:
            return float(root)
        return _monotone(math.sqrt, lo, hi, dtype)
    return Unknown(f"the items of `{name}` are not modelled")


def _to_integer(name: str, item: Any, lo: Fraction, hi: Fraction, kind: Callable) -> Any:
    """round (half to even, as torch), floor, ceil or trunc of an item: exact when the whole
    interval gives one integer."""
    function = {"round": round, "floor": math.floor, "ceil": math.ceil,
                "trunc": math.trunc}[name]
    first, last = function(lo), function(hi)
    if first == last:
        return kind(first)
    return Unknown(f"torch's {name} of an item is too close to call: "
                   f"{getattr(item, 'reason', REASON)}")


def pow_item(base: Any, exponent: Any, dtype: str) -> Any:
    """base ** exponent in a float dtype (a positive base; exact for exact small integer
    powers that the dtype holds, as every kernel gives them)."""
    if isinstance(base, Unknown):
        return base
    if isinstance(exponent, Unknown):
        return exponent
    if not is_float(dtype):
        return Unknown(f"pow in {dtype} is not modelled")
    x, y = _operand_bounds(base, dtype), _operand_bounds(exponent, dtype)
    if y is not None and y[0] == y[1] == 0:
        return 1.0  # pow(x, 0) is 1 for every x in IEEE 754 (and C's pow), every kernel
    if x is None or y is None or x[0] <= 0:
        return Unknown("pow of an item that is not a positive number")
    if x[0] == x[1] and y[0] == y[1] and y[0].denominator == 1 and 0 <= y[0] <= 64:
        exact = _fits(x[0] ** int(y[0]), dtype)
        if exact is not None:
            return exact
    try:
        corners = [Fraction(math.pow(float(p), float(q))) for p in x for q in y]
    except (OverflowError, ValueError):
        return Unknown(f"an item overflows {dtype}")
    return _interval(min(corners), max(corners), dtype, Fraction(2 * _TRANSCENDENTAL_ULPS))


def cast_item(item: Any, dtype: str) -> Any:
    """An item converted to `dtype` (`.int()`, `.float()`, `.to(torch.long)`)."""
    if isinstance(item, Unknown):
        return item
    if dtype == "bool":
        bounds = _bounds(item)
        if bounds is None or bounds[0] <= 0 <= bounds[1] and bounds[0] != bounds[1]:
            return Unknown("the truth of an item too close to zero to call")
        return bounds[0] != 0
    if is_int(dtype):
        bounds = _bounds(item)
        if bounds is None:
            return Unknown("an item is not a finite number")
        value = _to_integer("trunc", item, *bounds, int)
        if isinstance(value, int) and not -_INT_RANGE.get(dtype, 0) <= value < \
                _INT_RANGE.get(dtype, 256):
            return Unknown(f"an item does not fit {dtype}")
        return value
    if is_float(dtype):
        if isinstance(item, Rounded):
            return _interval(item.lo, item.hi, dtype, Fraction(1))
        return _round_to(float(item), dtype)
    return Unknown(f"the items of a {dtype} tensor are not modelled")


# ---------------------------------------------------------------------------------------
# Whole tensors: flat items, broadcast


def flat(values: Any) -> List[Any]:
    if isinstance(values, list):
        return [item for value in values for item in flat(value)]
    return [values]


def nest(items: Sequence[Any], shape: Sequence[int]) -> Any:
    """Flat items as `tolist()` gives them for `shape` (a number for a 0-d tensor)."""
    if not shape:
        return items[0]
    if len(shape) == 1:
        return list(items)
    step = math.prod(shape[1:])
    return [nest(items[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def broadcast_items(items: List[Any], shape: Sequence[int], result: Sequence[int]) -> List[Any]:
    """A tensor's flat items repeated to the broadcast shape `result`."""
    shape = (1,) * (len(result) - len(shape)) + tuple(shape)
    if tuple(shape) == tuple(result):
        return list(items)
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step if size != 1 else 0)
        step *= size
    strides.reverse()
    out = []
    for index in range(math.prod(result)):
        offset, rest = 0, index
        for size, stride in zip(reversed(result), reversed(strides)):
            offset += (rest % size) * stride
            rest //= size
        out.append(items[offset])
    return out


def elementwise(result: Sequence[int], operands: Sequence[Tuple[Any, Sequence[int]]],
                rule: Callable[..., Any]) -> Any:
    """`rule` applied item by item to operands (values as tolist() gives them, and shapes)
    broadcast to `result`: the result's values, or Unknown (why) when any is not known."""
    if math.prod(result) > MAX_ITEMS:
        return Unknown("a tensor too large to keep its items")
    columns = []
    for values, shape in operands:
        if isinstance(values, Unknown):
            return values
        columns.append(broadcast_items(flat(values), shape, result))
    # Rows of the same items give the same item (`torch.ones(dim) * scale`: one computation,
    # not `dim`): the rules are pure, and their results immutable.
    known: Dict[Tuple[Any, ...], Any] = {}
    items = []
    for row in zip(*columns):
        key = tuple(map(_item_key, row))
        item = known.get(key, _NONE)
        if item is _NONE:
            item = known[key] = rule(*row)
        items.append(item)
    return nest(items, result)


_NONE = object()


def _item_key(item: Any) -> Any:
    """Equal for items a rule cannot tell apart: numbers of one type and value (and sign:
    -0.0 is not 0.0), the same object otherwise (Rounded)."""
    kind = type(item)
    if kind is float:
        return kind, item, math.copysign(1.0, item)
    if kind is int or kind is bool:
        return kind, item
    return kind, id(item)


# ---------------------------------------------------------------------------------------
# Ops: which items an op's result holds


_ARITHMETIC = {"add": "add", "sub": "sub", "subtract": "sub", "mul": "mul", "multiply": "mul",
               "div": "div", "divide": "div", "true_divide": "div"}
_UNARY = frozenset({"log", "exp", "sqrt", "neg", "negative", "abs", "sign", "round", "floor",
                    "ceil", "trunc"})
_CASTS = frozenset({"int", "long", "float", "double", "bool", "to", "type"})
_COPIES = frozenset({"clone", "contiguous", "detach", "cpu"})
_CREATED = frozenset({"arange", "zeros", "ones", "full", "eye"})


def _operand(value: Any) -> Optional[Tuple[Any, Tuple[int, ...]]]:
    """(values, shape) of a tensor of known items or a Python number; None otherwise."""
    if isinstance(value, bool) or isinstance(value, (int, float)) or isinstance(value, Rounded):
        return value, ()
    items = getattr(value, "values", None)
    if items is None or not hasattr(value, "shape"):
        return None
    return items, tuple(value.shape)


def op_items(op: str, bound: dict, shape: Tuple[int, ...], dtype: Optional[str]) -> Any:
    """The items of `op`'s result (`bound`: its arguments by name, tensors as they are), of
    `shape` and `dtype`; None where the op's items are not modelled or an input's are not
    known (the result keeps its shape only)."""
    if op.endswith("_") or dtype is None or math.prod(shape) > MAX_ITEMS:
        return None  # in place: the input tensor would change too
    if op == "arange":
        return _arange_items(bound, shape, dtype)
    if op == "eye" and len(shape) == 2:
        return [[cast_item(int(i == j), dtype) for j in range(shape[1])] for i in range(shape[0])]
    if op in ("zeros", "ones", "full"):
        fill = {"zeros": 0, "ones": 1}.get(op, bound.get("fill_value"))
        if isinstance(fill, bool) or not isinstance(fill, (int, float)):
            return None
        return nest([cast_item(fill, dtype)] * math.prod(shape), shape)
    if op in _ARITHMETIC:
        a, b = _operand(bound.get("input")), _operand(bound.get("other"))
        alpha = bound.get("alpha", 1)
        if a is None or b is None or bound.get("rounding_mode") is not None or \
                not isinstance(alpha, (int, float)):
            return None
        name = _ARITHMETIC[op]
        return elementwise(shape, [a, b], lambda x, y: binary_item(name, x, y, dtype, alpha))
    if op == "pow":
        a, b = _operand(bound.get("input")), _operand(bound.get("exponent"))
        if a is None or b is None:
            return None
        return elementwise(shape, [a, b], lambda x, y: pow_item(x, y, dtype))
    x = _operand(bound.get("input"))
    if x is None or not hasattr(bound.get("input"), "shape"):
        return None  # torch's unary ops and methods take a tensor
    if op in _UNARY:
        if op == "round" and bound.get("decimals", 0) != 0:
            return None
        name = {"negative": "neg"}.get(op, op)
        return elementwise(shape, [x], lambda v: unary_item(name, v, dtype))
    if op in _CASTS:
        return elementwise(shape, [x], lambda v: cast_item(v, dtype))
    if op in _COPIES:
        return x[0]
    if op == "diff":
        return _diff_items(bound, x, dtype)
    if op == "sum" and shape == () and bound.get("dim") in (None, (), []) \
            and bound.get("dtype") is None:
        return _integral_sum(x[0], dtype)
    if op in ("max", "min", "amax", "amin") and shape == () \
            and all(bound.get(k) in (None, (), []) for k in ("dim", "other")):
        return _extreme(max if op in ("max", "amax") else min, x[0])
    return None


def _integral_sum(values: Any, dtype: str) -> Any:
    """The sum of a whole tensor of exact integral items (an int dtype, or floats whose every
    partial sum the dtype holds exactly: the order torch adds them in does not matter)."""
    items = flat(values)
    if not all(type(i) in (int, float, bool) and float(i).is_integer() for i in items):
        return None
    total, limit = sum(int(i) for i in items), _INT_RANGE.get(dtype)
    if is_int(dtype):
        return total if limit is None or -limit <= total < limit else None
    if is_float(dtype) and sum(abs(int(i)) for i in items) <= 1 / _UNIT[dtype]:
        return float(total)
    return None


def _extreme(pick: Callable[..., Any], values: Any) -> Any:
    """The largest (smallest) item of a whole tensor (`width_exps.max()`): exact items give
    it exactly; intervals give the interval of the largest (smallest) value."""
    items = flat(values)
    if not items or any(isinstance(i, Unknown) or isinstance(i, float) and i != i
                        for i in items):
        return None  # empty: torch raises; NaN or unknown items: not followed
    bounds = [_bounds(i) for i in items]
    if any(b is None for b in bounds):
        return None
    if all(not isinstance(i, Rounded) for i in items):
        return pick(items, key=lambda v: Fraction(v))
    lo, hi = pick(b[0] for b in bounds), pick(b[1] for b in bounds)
    return Rounded(lo, hi, next(i.reason for i in items if isinstance(i, Rounded)))


def _arange_items(bound: dict, shape: Tuple[int, ...], dtype: str) -> Any:
    start, end, step = bound.get("start"), bound.get("end"), bound.get("step", 1)
    if end is None:
        start, end = 0, start
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end, step)):
        return None  # a float arange: torch's kernel accumulates in its own way
    values = list(range(start, end, step))
    if is_int(dtype):
        return values
    # integer arguments, a float dtype (timm's RegNet): each item is an integer, which the
    # dtype holds exactly below 2**24 (float32) or 2**53 (float64), however it is computed
    if is_float(dtype) and all(abs(v) <= 1 / _UNIT[dtype] for v in values):
        return [float(v) for v in values]
    return None


def _diff_items(bound: dict, x: Tuple[Any, Tuple[int, ...]], dtype: str) -> Any:
    """torch.diff of a 1-d tensor, n times (prepend/append not modelled)."""
    values, shape = x
    n = bound.get("n", 1)
    if len(shape) != 1 or bound.get("prepend") is not None or bound.get("append") is not None \
            or not isinstance(n, int) or isinstance(values, Unknown):
        return None
    items = list(values)
    for _ in range(n):
        items = [binary_item("sub", b, a, dtype) for a, b in zip(items, items[1:])]
    return items


# ---------------------------------------------------------------------------------------
# The interpreter's side: results of ops with tensors of known items


def with_items(tensor: Any, op: str, signature_of: Optional[Callable[..., None]],
               positional: Sequence[Any], keywords: dict) -> Any:
    """An op's result `tensor` (a shape-only Tensor) as a ValuedTensor where its items are
    known: an op of `op_items` whose tensor arguments are ValuedTensors. `signature_of`
    binds the arguments by name (None: `input` and `other`, an operator's)."""
    if op not in _CREATED and not any(isinstance(v, ValuedTensor)
                                  for v in (*positional, *keywords.values())):
        return tensor
    if signature_of is None:
        bound = dict(zip(("input", "other"), positional))
    else:
        bound = bind(signature_of, f"{op}()", positional, keywords)
    if any(isinstance(v, Unknown) or hasattr(v, "shape") and not isinstance(v, ValuedTensor)
           for v in bound.values()):
        return tensor  # a tensor whose items are not known takes part
    items = op_items(op, bound, tuple(tensor.shape), tensor.dtype)
    if items is None:
        return tensor
    return ValuedTensor(tensor.shape, tensor.line, items, tensor.dtype)


def pieces_with_items(op: str, source: Any, pieces: Sequence[Any]) -> Sequence[Any]:
    """The pieces (Tensors) of a 1-d tensor of known items cut by split, chunk, tensor_split
    or unbind, as ValuedTensors (timm's `torch.linspace(0, rate, n).split(depths)`): those
    ops cut along the only dimension, in order."""
    if op not in ("split", "chunk", "tensor_split", "unbind") or \
            not isinstance(source, ValuedTensor) or len(source.shape) != 1 or \
            not isinstance(source.values, list):
        return pieces
    sizes = [math.prod(piece.shape) for piece in pieces]
    if sum(sizes) != len(source.values):
        return pieces
    made, start = [], 0
    for piece, size in zip(pieces, sizes):
        items = source.values[start:start + size]
        made.append(ValuedTensor(piece.shape, piece.line, items if piece.shape else items[0],
                                 piece.dtype))
        start += size
    return tuple(made)


def changed_in_place(tensor: Any, line: int) -> None:
    """A tensor of known items that an in-place op or an assignment changes: its items are
    not followed from there (other names may hold the same tensor)."""
    if isinstance(tensor, ValuedTensor) and not isinstance(tensor.values, Unknown):
        tensor.values = Unknown(f"the tensor's items change in place at line {line}, which "
                                f"is not followed")
