"""Tensor creation: torch.arange, linspace, logspace, zeros/ones/rand/randn/empty/full/eye and
their *_like (the shape from the arguments, or the input's), and meshgrid's grids. No MACs."""

from __future__ import annotations

import math
from typing import Tuple

from ...units import format_shape
from ..spec import (
    Args, LayerError, Shape, ShapeError, UnknownArgument, Unresolved, is_python_scalar,
)
from .base import int_list_arg, shape_of, shapes_of, sizes_arg, strict_int_arg


def _arange(args: Args) -> Shape:
    start, end, step = args["start"], args["end"], args["step"]
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Unresolved(name, f"arange() of {value!r} is not modelled")
    if step == 0:
        raise LayerError("step must be nonzero")
    # torch's own test (no product: (end - start) * step underflows to -0.0 for 1e-200s)
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise LayerError("upper bound and lower bound inconsistent with step sign")
    return (max(0, math.ceil((end - start) / step)),)


def _spaced(args: Args) -> Shape:
    """linspace/logspace: `steps` items; start and end numbers or 0-dim tensors (only checked:
    one not known does not hide the shape)."""
    steps = strict_int_arg(args, "steps")
    for name in ("start", "end"):
        if not isinstance(args.values[name], UnknownArgument) and shape_of(args, name):
            raise ShapeError(f"linspace only supports 0-dimensional start and end tensors, but "
                             f"got {name} with {len(shape_of(args, name))} dimension(s).")
    base = args.values.get("base", 10.0)
    if not isinstance(base, UnknownArgument) and not is_python_scalar(base):
        raise LayerError(f"logspace(): argument 'base' must be float, not {type(base).__name__}")
    if steps < 0:
        raise LayerError("number of steps must be non-negative")
    return (steps,)


def _meshgrid(args: Args) -> Tuple[Shape, ...]:
    """meshgrid(*tensors, indexing=): one grid per tensor (0 or 1 dims), all of one shape,
    the first two sizes swapped for indexing='xy'."""
    shapes = shapes_of(args, "tensors")
    indexing = args["indexing"]
    if not shapes:
        raise LayerError("meshgrid expects a non-empty TensorList")
    for s in shapes:
        if len(s) > 1:
            raise ShapeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                             f"got a {format_shape(s)} tensor")
    if indexing not in (None, "ij", "xy"):
        raise LayerError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                         f'{indexing}')
    sizes = [math.prod(s) for s in shapes]
    if indexing == "xy" and len(sizes) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    return tuple(tuple(sizes) for _ in shapes)


def _created(args: Args, var: str = "sizes", keyword: str = "size") -> Shape:
    if var:
        sizes = sizes_arg(args, var, keyword)
    else:
        sizes = int_list_arg(args, keyword)
    if any(s < 0 for s in sizes):
        raise LayerError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    return sizes


def _eye(args: Args) -> Shape:
    """torch.eye(n, m=None): n x m (n x n)."""
    n = strict_int_arg(args, "n")
    m = n if args["m"] is None else strict_int_arg(args, "m")
    for name, value in (("n", n), ("m", m)):
        if value < 0:
            raise LayerError(f"{name} must be greater or equal to 0, got {value}")
    return (n, m)


_CREATE = lambda *sizes, size=None, out=None, dtype=None, layout=None, device=None, \
    pin_memory=False, requires_grad=False: None  # noqa: E731
_CREATE_RANDOM = lambda *sizes, size=None, generator=None, out=None, dtype=None, \
    layout=None, device=None, pin_memory=False, requires_grad=False: None  # noqa: E731
_CREATE_EMPTY = lambda *sizes, size=None, out=None, dtype=None, layout=None, device=None, \
    pin_memory=False, requires_grad=False, memory_format=None: None  # noqa: E731
_LIKE = lambda input, *, dtype=None, layout=None, device=None, pin_memory=False, \
    requires_grad=False, memory_format=None: None  # noqa: E731

# torch.arange: listed between shape_ops.TORCH and shape_ops.TORCH_SPLIT
ARANGE = [
    ("arange", lambda start, end=None, step=1, *, out=None, dtype=None, layout=None,
     device=None, pin_memory=False, requires_grad=False: None,
     dict(tensors=(), result=_arange)),
]

# torch.zeros(...) ... torch.full_like(...): listed last
TORCH = [
    *((op, _CREATE, dict(tensors=(), result=_created)) for op in ("zeros", "ones")),
    *((op, _CREATE_RANDOM, dict(tensors=(), result=_created)) for op in ("rand", "randn")),
    ("empty", _CREATE_EMPTY, dict(tensors=(), result=_created)),
    ("eye", lambda n, m=None, *, out=None, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False: None, dict(tensors=(), result=_eye)),
    ("full", lambda size, fill_value, *, out=None, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False: None,
     dict(tensors=(), result=lambda a: _created(a, "", "size"))),
    *((op + "_like", _LIKE, {}) for op in ("zeros", "ones", "rand", "randn", "empty")),
    ("full_like", lambda input, fill_value, *, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False, memory_format=None: None, {}),
]

# torch.linspace(...), torch.logspace(...), torch.meshgrid(...): listed last
SPACED = [
    ("linspace", lambda start, end, steps, *, out=None, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False: None,
     dict(tensors=("start", "end"), result=_spaced)),
    ("logspace", lambda start, end, steps, base=10.0, *, out=None, dtype=None, layout=None,
     device=None, pin_memory=False, requires_grad=False: None,
     dict(tensors=("start", "end"), result=_spaced)),
    ("meshgrid", lambda *tensors, indexing=None: None,
     dict(tensors=(), tensor_lists=("tensors",), list_form=True, result=_meshgrid,
          result_kind="tensors")),
]

# x.new_zeros(...) ... x.new_full(...): a new tensor of x's dtype (or `dtype=`), listed last
_NEW = lambda input, *sizes, size=None, dtype=None, layout=None, device=None, \
    pin_memory=False, requires_grad=False: None  # noqa: E731
NEW_METHODS = [
    *((op, _NEW, dict(result=_created)) for op in ("new_zeros", "new_ones", "new_empty")),
    ("new_full", lambda input, size, fill_value, *, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False: None,
     dict(result=lambda a: _created(a, "", "size"))),
]
