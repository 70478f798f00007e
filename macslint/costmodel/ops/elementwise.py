"""Elementwise ops: shape-keeping methods (casts, copies, unary math, rounding) and the
broadcasting ones (arithmetic, where, clamp, masked_fill), in place or not. No MACs."""

from __future__ import annotations

from typing import Callable

from ...units import format_shape
from ..shapes import broadcast
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .base import BINARY, ONE_TENSOR, shape_of, strict_int_arg


def _elementwise(*names: str) -> Callable[[Args], Shape]:
    """Broadcast the named tensor parameters (None ones skipped)."""

    def result(args: Args) -> Shape:
        return broadcast(*(shape_of(args, n) for n in names if args[n] is not None))

    return result


def _inplace(result: Callable[[Args], Shape]) -> Callable[[Args], Shape]:
    """An in-place op writes into `input`: the broadcast result must be its shape."""

    def inplace(args: Args) -> Shape:
        x, out = shape_of(args), result(args)
        if out != x:
            raise ShapeError(f"output with shape {list(x)} doesn't match the broadcast shape "
                             f"{list(out)}")
        return x

    return inplace


def _masked_fill(args: Args) -> Shape:
    value = shape_of(args, "value")
    if value:
        raise ShapeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                         f"tensor with {len(value)} dimension(s) ({format_shape(value)})")
    return _elementwise("input", "mask")(args)


def _round(args: Args) -> Shape:
    """round(decimals=): an int (not a bool, not None); floor and ceil take none."""
    x = shape_of(args)
    strict_int_arg(args, "decimals")
    return x


def _clamp(args: Args) -> Shape:
    if args["min"] is None and args["max"] is None:
        raise LayerError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _elementwise("input", "min", "max")(args)


def _type(args: Args) -> Shape:
    """x.type(dtype): x cast (a copy); x.type() returns the name of its type, not a tensor."""
    if args.values.get("dtype") is None:
        raise Unresolved("dtype", "`x.type()` without a dtype returns the tensor's type name")
    return shape_of(args)


def _where_op(args: Args) -> Shape:
    if args["input"] is None and args["other"] is None:
        raise Unresolved("condition", "torch.where(condition) returns indices: their number "
                                      "depends on the data")
    if args["input"] is None or args["other"] is None:
        raise LayerError("where() received an invalid combination of arguments: give both "
                         "input and other")
    return _elementwise("condition", "input", "other")(args)


_CAST = lambda input, *, memory_format=None: None  # noqa: E731
_ADD = lambda input, other, *, alpha=1: None  # noqa: E731
_MUL = lambda input, other: None  # noqa: E731
_DIV = lambda input, other, *, rounding_mode=None: None  # noqa: E731
_CLAMP = lambda input, min=None, max=None: None  # noqa: E731
_UNARY_OUT = lambda input, *, out=None: None  # noqa: E731
UNARY = ("relu", "sigmoid", "tanh", "sqrt", "rsqrt", "exp", "log", "abs", "neg", "sin",
         "cos", "square", "sign", "sgn", "log2", "log10", "log1p", "expm1", "reciprocal")

# x.contiguous() ... x.square_(): listed after shape_ops.METHODS
SAME_SHAPE_METHODS = [
    ("contiguous", _CAST, {}),
    ("clone", lambda input, *, memory_format=None: None, {}),
    ("detach", ONE_TENSOR, {}),
    *((cast, _CAST, {}) for cast in ("float", "half", "double", "bfloat16", "long", "int",
                                     "bool")),
    ("to", lambda input, *args, **kwargs: None, {}),
    ("type", lambda input, dtype=None, non_blocking=False, **kwargs: None, dict(result=_type)),
    ("cpu", _CAST, {}),
    ("type_as", lambda input, other: None, dict(tensors=BINARY)),
    *((op, ONE_TENSOR, {}) for op in UNARY),
    *((op + "_", ONE_TENSOR, {}) for op in UNARY),
]

# x.add(...) ... x.masked_fill_(...): listed last
BROADCASTING_METHODS = [
    ("add", _ADD, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("sub", _ADD, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("mul", _MUL, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("div", _DIV, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("add_", _ADD, dict(tensors=BINARY, result=_inplace(_elementwise(*BINARY)))),
    ("sub_", _ADD, dict(tensors=BINARY, result=_inplace(_elementwise(*BINARY)))),
    ("mul_", _MUL, dict(tensors=BINARY, result=_inplace(_elementwise(*BINARY)))),
    ("div_", _DIV, dict(tensors=BINARY, result=_inplace(_elementwise(*BINARY)))),
    ("pow", lambda input, exponent: None,
     dict(tensors=("input", "exponent"), result=_elementwise("input", "exponent"))),
    ("clamp", _CLAMP, dict(tensors=("input", "min", "max"), result=_clamp)),
    ("clamp_", _CLAMP, dict(tensors=("input", "min", "max"), result=_inplace(_clamp))),
    ("copy_", lambda input, src, non_blocking=False: None,
     dict(tensors=("input", "src"), result=_inplace(_elementwise("input", "src")))),
    ("masked_fill", lambda input, mask, value: None,
     dict(tensors=("input", "mask", "value"), no_numbers=("mask",), result=_masked_fill)),
    ("masked_fill_", lambda input, mask, value: None,
     dict(tensors=("input", "mask", "value"), no_numbers=("mask",),
          result=_inplace(_masked_fill))),
]

# torch.relu(...) ... torch.square(...): listed after shape_ops.TORCH_SPLIT
TORCH_UNARY = [
    *((op, _UNARY_OUT, {}) for op in UNARY),
]

# torch.add(...) ... torch.clamp(...): listed after matmul.TORCH
TORCH_BROADCASTING = [
    ("add", lambda input, other, *, alpha=1, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("sub", lambda input, other, *, alpha=1, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("mul", lambda input, other, *, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("div", lambda input, other, *, rounding_mode=None, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("maximum", lambda input, other, *, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("pow", lambda input, exponent, *, out=None: None,
     dict(tensors=("input", "exponent"), result=_elementwise("input", "exponent"))),
    ("minimum", lambda input, other, *, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("where", lambda condition, input=None, other=None, *, out=None: None,
     dict(tensors=("condition", "input", "other"), result=_where_op)),
    ("clamp", lambda input, min=None, max=None, *, out=None: None,
     dict(tensors=("input", "min", "max"), result=_clamp)),
]

# x.round(...) ... x.ceil_(): torch takes no Python number (`torch.round(2.5)` is a TypeError;
# Python's own round() is another function)
ROUNDING_METHODS = [
    *((op, lambda input, *, decimals=0: None, dict(result=_round)) for op in ("round", "round_")),
    *((op, ONE_TENSOR, {}) for op in ("floor", "floor_", "ceil", "ceil_", "trunc", "trunc_")),
]

# torch.round(...) ... torch.masked_fill(...)
TORCH_ROUNDING_FILL = [
    ("round", lambda input, *, decimals=0, out=None: None,
     dict(result=_round, no_numbers=("input",))),
    *((op, _UNARY_OUT, dict(no_numbers=("input",))) for op in ("floor", "ceil", "trunc")),
    ("masked_fill", lambda input, mask, value: None,
     dict(tensors=("input", "mask", "value"), no_numbers=("input", "mask"),
          result=_masked_fill)),
]

# torch's other names of the arithmetic: x.divide(...) ... torch.multiply(...) (issue 21)
_DIVIDE = lambda input, other, *, rounding_mode=None: None  # noqa: E731
ALIAS_METHODS = [
    ("divide", _DIVIDE, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("true_divide", _MUL, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("subtract", _ADD, dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("multiply", _MUL, dict(tensors=BINARY, result=_elementwise(*BINARY))),
]
ALIAS_TORCH = [
    ("divide", lambda input, other, *, rounding_mode=None, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("true_divide", lambda input, other, *, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("subtract", lambda input, other, *, alpha=1, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
    ("multiply", lambda input, other, *, out=None: None,
     dict(tensors=BINARY, result=_elementwise(*BINARY))),
]
