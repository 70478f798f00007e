"""Ops that read or write a tensor at indices along a dim: gather, scatter (in place or not)
and index_add (in place or not). No MACs (FlopCounterMode counts none).

The shapes are ATen's checks (scatter_gather_checks, index_func_meta_impl), with its rule
that a 0-dim tensor counts as one of a single item (`ensure_nonempty_dim`/`_size`). Where an
index's values decide (one out of range), only the certain case is an error: a dim of size 0
that a non-empty index reads or writes, whatever its values (the CPU kernels check them).
"""

from __future__ import annotations

import math
from typing import Optional

from ...units import format_shape
from ..shapes import normalize_dim, op_on, show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError
from .base import bool_arg, shape_of, strict_int_arg


def _rank(x: Shape) -> int:
    return max(len(x), 1)


def _size(x: Shape, d: int) -> int:
    """`ensure_nonempty_size`: a 0-dim tensor is one item along its one dim; a dim a tensor
    lacks is torch's IndexError (x.size(d))."""
    if not x:
        return 1
    if d >= len(x):
        raise ShapeError(f"Dimension out of range (expected to be in range of [{-len(x)}, "
                         f"{len(x) - 1}], but got {d})")
    return x[d]


def _none_to_read(op: str, x: Shape, d: int) -> None:
    """A non-empty index into a dim of size 0: every index is out of bounds."""
    if x and x[d] == 0:
        raise ShapeError(f"{op}: index 0 is out of bounds for dimension {d} with size 0 (a "
                         f"{format_shape(x)} tensor, a non-empty index)")


def _gather(args: Args) -> Shape:
    """gather(input, dim, index): the index's shape; an empty index is taken as it is."""
    x, index = shape_of(args), shape_of(args, "index")
    d = normalize_dim(strict_int_arg(args, "dim"), len(x), op_on("gather", x))
    bool_arg(args, "sparse_grad")
    if not math.prod(index):
        return index
    if _rank(x) != _rank(index):
        raise ShapeError(f"Index tensor must have the same number of dimensions as input tensor "
                         f"(index {format_shape(index)}, input {format_shape(x)})")
    for i in range(_rank(x)):
        if i != d and _size(index, i) > _size(x, i):
            raise ShapeError(f"Size does not match at dimension {i} expected index "
                             f"{show_bracketed(index)} to be no larger than self "
                             f"{show_bracketed(x)} apart from dimension {d}")
    _none_to_read("gather", x, d)
    return index


def _scatter_checks(x: Shape, d: int, index: Shape, src: Optional[Shape]) -> None:
    """ATen's scatter_shape_check, for a non-empty index."""
    if _rank(x) != _rank(index):
        raise ShapeError(f"Index tensor must have the same number of dimensions as self tensor "
                         f"(index {format_shape(index)}, self {format_shape(x)})")
    wrong = any(i != d and _size(index, i) > _size(x, i) for i in range(_rank(x)))
    if not wrong and src is not None:
        wrong = any(_size(index, i) > _size(src, i) for i in range(_rank(x)))
    if src is not None and _rank(src) != _rank(index):
        raise ShapeError(f"Index tensor must have the same number of dimensions as src tensor "
                         f"(index {format_shape(index)}, src {format_shape(src)})")
    if wrong:
        raise ShapeError(f"Expected index {show_bracketed(index)} to be no larger than self "
                         f"{show_bracketed(x)} apart from dimension {d}"
                         + (f" and to be no larger size than src {show_bracketed(src)}"
                            if src is not None else ""))


def _scatter(args: Args) -> Shape:
    """scatter(input, dim, index, src | value, reduce=): the input's shape."""
    x, index = shape_of(args), shape_of(args, "index")
    d = normalize_dim(strict_int_arg(args, "dim"), len(x), op_on("scatter", x))
    src = None if args["src"] is None else shape_of(args, "src")
    if src is None and args["value"] is None:
        raise LayerError("scatter() received an invalid combination of arguments: neither src "
                         "nor value given")
    if src is not None and args["value"] is not None:
        raise LayerError("scatter() received an invalid combination of arguments: both src and "
                         "value given")
    if src is None and shape_of(args, "value"):
        raise ShapeError(f"scatter(): value must be a number or a 0-dim tensor, not a "
                         f"{format_shape(shape_of(args, 'value'))} tensor")
    reduce = args["reduce"]
    if math.prod(index):
        _scatter_checks(x, d, index, src)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise LayerError("reduce argument must be either add or multiply.")
    if math.prod(index):
        _none_to_read("scatter", x, d)
    return x


def _index_add(args: Args) -> Shape:
    """index_add(input, dim, index, source, alpha=): the input's shape; the index a vector of
    one position per slice of the source along dim, the source the input's other sizes."""
    x, index, source = shape_of(args), shape_of(args, "index"), shape_of(args, "source")
    d = normalize_dim(strict_int_arg(args, "dim"), len(x), op_on("index_add", x))
    if len(index) > 1:
        raise ShapeError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{len(index)} and size: {show_bracketed(index)}")
    if d != 0 and d >= len(source):
        raise ShapeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor "
                         f"with dim {len(source)}")
    count = math.prod(index)
    if count != (_size(source, d) if source else 1):
        raise ShapeError(f"index_add_(): Number of indices ({count}) should be equal to "
                         f"source.size(dim): ({_size(source, d)}), for dim: {d}")
    rest_x, rest_source = list(x), list(source)
    if x and source:
        del rest_x[d], rest_source[d]
    if rest_x != rest_source:
        raise ShapeError(f"source tensor shape must match self tensor shape, excluding the "
                         f"specified dimension. Got self.shape = {show_bracketed(x)} "
                         f"source.shape = {show_bracketed(source)}")
    return x


_GATHER = dict(tensors=("input", "index"), result=_gather)
# a number by position is the value (torch's overloads scatter(..., value) and (..., src))
_SCATTER = dict(tensors=("input", "index", "src", "value"), numbers_to=(("src", "value"),),
                no_numbers=("input", "index"), result=_scatter)
_INDEX_ADD = dict(tensors=("input", "index", "source"),
                  no_numbers=("input", "index", "source"), result=_index_add)

# x.gather(...) ... x.index_add_(...): listed last
METHODS = [
    ("gather", lambda input, dim, index, *, sparse_grad=False: None,
     dict(_GATHER, no_numbers=("index",))),
    *((op, lambda input, dim, index, src=None, *, value=None, reduce=None: None, _SCATTER)
      for op in ("scatter", "scatter_")),
    *((op, lambda input, dim, index, source, *, alpha=1: None, _INDEX_ADD)
      for op in ("index_add", "index_add_")),
]

# torch.gather(...), torch.scatter(...), torch.index_add(...): listed last
TORCH = [
    ("gather", lambda input, dim, index, *, sparse_grad=False, out=None: None,
     dict(_GATHER, no_numbers=("input", "index"))),
    ("scatter", lambda input, dim, index, src=None, *, value=None, reduce=None, out=None: None,
     _SCATTER),
    ("index_add", lambda input, dim, index, source, *, alpha=1, out=None: None, _INDEX_ADD),
]
