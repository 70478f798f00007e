"""Ops along one dimension: torch.diff, repeat_interleave and tensor_split. No MACs (diff's
subtractions are elementwise, which costs 0 by the convention)."""

from __future__ import annotations

from typing import Any, Tuple

from ..shapes import normalize_dim
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .base import int_arg, resolved, shape_of


def _diff(args: Args) -> Shape:
    """diff(input, n, dim, prepend, append): the dim grows by the prepended and appended
    sizes, then shrinks by one per order (not below 0)."""
    x, n = shape_of(args), int_arg(args, "n")
    if not x:
        raise ShapeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise LayerError(f"order must be non-negative but got {n}")
    extra = [name for name in ("prepend", "append") if args[name] is not None]
    if n == 0 and not extra:
        return x  # torch returns the input, its dim unchecked
    d = normalize_dim(int_arg(args, "dim"), len(x), f"diff on a {len(x)}-d tensor")
    size = x[d]
    for name in extra:
        other = shape_of(args, name)
        if len(other) != len(x):
            raise ShapeError("diff expects prepend or append to be the same dimension as input")
        for i, (a, b) in enumerate(zip(x, other)):
            if i != d and a != b:
                raise ShapeError(f"diff expects the shape of tensor to prepend or append to "
                                 f"match that of input except along the differencing "
                                 f"dimension; input.size({i}) = {a}, but got tensor.size({i}) "
                                 f"= {b}")
        size += other[d]
    if n == 0:
        return x  # checked, and returned as it is
    return (*x[:d], max(size - n, 0), *x[d + 1:])


class _Total:
    """The output's size along the dim: the sum of a tensor of repeats, one per slice."""

    def __init__(self, size: int) -> None:
        self.size = size


def _repeat_count(args: Args, size: int) -> Any:
    """`repeats` as torch reads it: an int; a tensor of known items (the interpreter's tensor
    holds them as `values`: one item counts as an int, else one per slice, summed); None
    where `output_size` gives the size instead."""
    repeats = args["repeats"]
    if repeats is None:
        raise Unresolved("repeats", "repeat_interleave(repeats) returns indices as many as "
                                    "the repeats' sum: their items decide its size")
    if isinstance(repeats, tuple) and all(isinstance(d, int) for d in repeats):
        items = None  # a tensor known by its shape only
    elif not hasattr(repeats, "shape"):
        return resolved(args, "repeats")
    else:
        items = getattr(repeats, "values", None)
    if isinstance(items, list) and len(items) == 1:
        items = items[0]
    if isinstance(items, int) and not isinstance(items, bool):
        return items
    if isinstance(items, list) and len(items) == size and \
            all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        if any(i < 0 for i in items):
            raise LayerError("repeats can not be negative")
        return _Total(sum(items))
    if isinstance(items, list) and all(isinstance(i, int) for i in items):
        raise ShapeError(f"repeats must have the same size as input along dim, but got "
                         f"repeats.size(0) = {len(items)} and input.size(0) = {size}")
    if args["output_size"] is not None:
        return None
    raise Unresolved("repeats", "repeat_interleave() by a tensor whose items are not known: "
                                "the output's size is their sum")


def _repeat_interleave(args: Args) -> Shape:
    x = shape_of(args)
    dim = args["dim"]
    if dim is None:
        x = (_numel(x),)
        d = 0
    elif not x:  # torch's own check, whatever the dim
        raise ShapeError("Dimension out of range (expected to be in range of [-1, 0], but got "
                         "1)")
    else:
        d = normalize_dim(int_arg(args, "dim"), len(x), f"repeat_interleave on a {len(x)}-d "
                                                        f"tensor")
    repeats = _repeat_count(args, x[d])
    if repeats is None:
        return (*x[:d], int_arg(args, "output_size"), *x[d + 1:])
    if isinstance(repeats, _Total):
        return (*x[:d], repeats.size, *x[d + 1:])
    if isinstance(repeats, bool) or not isinstance(repeats, int):
        raise Unresolved("repeats", "repeat_interleave() by these repeats is not modelled")
    if repeats < 0:
        raise LayerError("Repeats must be non-negative")
    return (*x[:d], x[d] * repeats, *x[d + 1:])


def _numel(shape: Shape) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


def _tensor_split(args: Args) -> Tuple[Shape, ...]:
    """tensor_split(input, indices_or_sections | indices= | sections=, dim): `sections`
    pieces (the first `size % sections` one longer), or the slices between the indices
    (Python's slicing: negative ones from the end, clamped)."""
    x = shape_of(args)
    given = [n for n in ("indices_or_sections", "indices", "sections") if args[n] is not None]
    if len(given) != 1:
        raise LayerError("tensor_split() received an invalid combination of arguments")
    how = resolved(args, given[0])
    if not x:
        raise ShapeError(f"tensor_split expected at least a 1-dimensional tensor, but got a "
                         f"tensor with {len(x)} dims")
    d = normalize_dim(int_arg(args, "dim"), len(x), f"tensor_split on a {len(x)}-d tensor")
    size = x[d]
    if isinstance(how, int) and not isinstance(how, bool) and given[0] != "indices":
        if how <= 0:
            raise LayerError(f"number of sections must be larger than 0, got {how}")
        sizes = [size // how + (1 if i < size % how else 0) for i in range(how)]
    elif isinstance(how, (list, tuple)) and given[0] != "sections" and \
            all(isinstance(i, int) and not isinstance(i, bool) for i in how):
        bounds = [0, *how, size]
        sizes = [len(range(size)[a:b]) for a, b in zip(bounds, bounds[1:])]
        sizes[-1] = len(range(size)[bounds[-2]:])
    else:
        raise Unresolved(given[0], f"tensor_split() by {how!r} is not modelled")
    return tuple((*x[:d], s, *x[d + 1:]) for s in sizes)


_DIFF = dict(tensors=("input", "prepend", "append"), no_numbers=("input", "prepend", "append"),
             result=_diff)
_REPEAT = dict(tensors=("input",), result=_repeat_interleave)
_SPLIT = dict(result=_tensor_split, result_kind="tensors")

# x.diff(...), x.repeat_interleave(...), x.tensor_split(...)
METHODS = [
    ("diff", lambda input, n=1, dim=-1, prepend=None, append=None: None, _DIFF),
    ("repeat_interleave", lambda input, repeats=None, dim=None, *, output_size=None: None, _REPEAT),
    ("tensor_split", lambda input, indices_or_sections=None, dim=0, *, indices=None,
     sections=None: None, _SPLIT),
]

# torch.diff(...), torch.repeat_interleave(...), torch.tensor_split(...)
TORCH = [
    ("diff", lambda input, n=1, dim=-1, prepend=None, append=None, *, out=None: None, _DIFF),
    ("repeat_interleave", lambda input, repeats=None, dim=None, *, output_size=None: None, _REPEAT),
    ("tensor_split", lambda input, indices_or_sections=None, dim=0, *, indices=None,
     sections=None: None, _SPLIT),
]
