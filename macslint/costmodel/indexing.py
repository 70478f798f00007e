"""Advanced indexing: `x[:, [-1], :]`, `x[idx]`, `x[..., i, j]` with integer tensors or lists.

torch's order (TensorIndexing.h, applySlicing, then aten.index): the basic keys are applied
first, left to right (an int selects and removes its dim, a slice keeps it, None inserts a
size-1 dim, `...` skips), each advanced key (an integer tensor or list) recording the dim it
stands at in that result. Then the advanced keys' shapes broadcast together into B, and B
replaces the indexed dims where they are adjacent, else goes first (numpy's rule, applied to
what is left after the ints: `x[0, :, [0, 1]]` is (3, 2, 5) in torch, (2, 3, 5) in numpy).
The result is a new tensor; FlopCounterMode counts indexing as 0.

A boolean mask's result size depends on its values: not modelled here (the tracer says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from .shapes import broadcast
from .spec import Shape, ShapeError


@dataclass(frozen=True)
class IndexArray:
    """An integer tensor or list used as an index: its shape, and its items where known (a
    list of ints written in the code), checked against the size of the dim it indexes."""

    shape: Shape
    values: Optional[Tuple[int, ...]] = None


def index_list(value: Any) -> Optional[IndexArray]:
    """A (nested) list or tuple of ints as torch turns it into an index tensor; None for one
    holding anything else (bools make a mask, floats are refused, others are not known)."""
    sizes: List[int] = []
    items: List[int] = []

    def walk(item: Any, depth: int) -> bool:
        if isinstance(item, (list, tuple)):
            if depth == len(sizes):
                sizes.append(len(item))
            elif sizes[depth] != len(item):
                return False
            return all(walk(x, depth + 1) for x in item)
        if isinstance(item, bool) or not isinstance(item, int) or depth != len(sizes):
            return False
        items.append(item)
        return True

    if not walk(value, 0) or 0 in sizes:
        return None
    return IndexArray(tuple(sizes), tuple(items))


def _check_int(key: int, size: int, dim: int) -> None:
    if not -size <= key < size:
        raise ShapeError(f"index {key} is out of bounds for dimension {dim} with size {size}")


def index_shape(shape: Shape, keys: Sequence[Any]) -> Shape:
    """The shape of `x[keys]` for `x` of `shape`; keys are None, Ellipsis, ints, slices of
    ints (a positive step) and IndexArrays. ShapeError where torch raises (IndexError)."""
    if sum(1 for k in keys if k is Ellipsis) > 1:
        raise ShapeError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        raise ShapeError(f"too many indices for tensor of dimension {len(shape)}")
    out: List[int] = []
    arrays: List[Tuple[int, IndexArray]] = []  # (position in `out`, index)
    indexed: List[int] = []  # the size of the dim each of them indexes
    dim = 0  # the dim of the input the next key applies to
    for key in keys:
        if key is None:
            out.append(1)
        elif key is Ellipsis:
            skip = len(shape) - consumed
            out.extend(shape[dim:dim + skip])
            dim += skip
        elif isinstance(key, IndexArray):
            arrays.append((len(out), key))
            indexed.append(shape[dim])
            out.append(shape[dim])
            dim += 1
        elif isinstance(key, int) and not isinstance(key, bool):
            _check_int(key, shape[dim], dim)
            dim += 1
        elif isinstance(key, slice):
            out.append(len(range(*key.indices(shape[dim]))))
            dim += 1
        else:
            raise TypeError(f"not an index: {key!r}")
    out.extend(shape[dim:])
    if not arrays:
        return tuple(out)
    try:
        common = broadcast(*(array.shape for _, array in arrays))
    except ShapeError:
        shapes = ", ".join("[" + ", ".join(map(str, a.shape)) + "]" for _, a in arrays)
        raise ShapeError(f"shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    positions = [p for p, _ in arrays]
    rest = [size for p, size in enumerate(out) if p not in positions]
    if positions == list(range(positions[0], positions[0] + len(positions))):
        first = positions[0]
        result = (*rest[:first], *common, *rest[first:])
    else:
        result = (*common, *rest)
    if math.prod(result):  # the kernel checks the items as it reads them: none if empty
        for n, ((_, array), size) in enumerate(zip(arrays, indexed)):
            for value in array.values or ():
                _check_int(value, size, n)  # torch names the index's place among them
    return result
