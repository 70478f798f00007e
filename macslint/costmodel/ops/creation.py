"""Tensor creation: torch.arange, zeros/ones/rand/randn/empty/full and their *_like (the
shape from the arguments, or the input's). No MACs."""

from __future__ import annotations

import math

from ..spec import Args, LayerError, Shape, Unresolved
from .base import int_list_arg, sizes_arg


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


def _created(args: Args, var: str = "sizes", keyword: str = "size") -> Shape:
    if var:
        sizes = sizes_arg(args, var, keyword)
    else:
        sizes = int_list_arg(args, keyword)
    if any(s < 0 for s in sizes):
        raise LayerError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    return sizes


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
    ("full", lambda size, fill_value, *, out=None, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False: None,
     dict(tensors=(), result=lambda a: _created(a, "", "size"))),
    *((op + "_like", _LIKE, {}) for op in ("zeros", "ones", "rand", "randn", "empty")),
    ("full_like", lambda input, fill_value, *, dtype=None, layout=None, device=None,
     pin_memory=False, requires_grad=False, memory_format=None: None, {}),
]
