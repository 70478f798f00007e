"""Shape rules shared by layers and ops (broadcasting, matmul, dim wrapping, view's size
inference, expand) and the three ways messages write a shape."""

from __future__ import annotations

import math
from typing import List, Sequence, Tuple

from ..units import format_shape
from .spec import LayerError, Shape, ShapeError

# ---------------------------------------------------------------------------
# Writing shapes: each matches the torch message it goes into.


def show_bracketed(shape: Sequence[int]) -> str:
    """[1, 64, 56, 56]: a tensor's size as torch prints it."""
    return "[" + ", ".join(str(d) for d in shape) + "]"


def show_times(dims: Sequence[int]) -> str:
    """(3 x 3): per-channel sizes, as the convolution kernels print them."""
    return "(" + " x ".join(str(d) for d in dims) + ")"


def op_on(op: str, x: Shape) -> str:
    """Where an op failed, for the end of a message: "permute on a 2x3 tensor"."""
    return f"{op} on a {format_shape(x)} tensor"


# ---------------------------------------------------------------------------
# Dims


def normalize_dim(dim: int, rank: int, what: str) -> int:
    """torch's wrap of a (possibly negative) dim; a 0-dim tensor takes -1 and 0."""
    return normalize_dim_exact(dim, max(rank, 1), what)


def normalize_dim_exact(dim: int, rank: int, what: str) -> int:
    """The wrap with `rank` as given: a 0-dim tensor has no dim at all (nn.Unflatten)."""
    if not -rank <= dim < rank:
        raise ShapeError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but "
            f"got {dim}) in {what}"
        )
    return dim % rank


# ---------------------------------------------------------------------------
# Shape transfer


def broadcast(*shapes: Shape) -> Shape:
    """torch's broadcasting: align on the right, a size 1 stretches."""
    out: List[int] = []
    for shape in shapes:
        a, b = out, list(shape)
        n = max(len(a), len(b))
        a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise ShapeError(
                    f"cannot broadcast {format_shape(tuple(out))} with {format_shape(shape)}: "
                    f"the size of tensor a ({x}) must match the size of tensor b ({y}) at "
                    f"non-singleton dimension {i}"
                )
        out = [y if x == 1 else x for x, y in zip(a, b)]
    return tuple(out)


def matmul(a: Shape, b: Shape) -> Tuple[Shape, int]:
    """torch.matmul's output shape for every rank, and FlopCounterMode's MACs for it.

    torch lowers matmul to aten.dot (1-D @ 1-D), aten.mv (N-D @ 1-D: the matrix folds its
    batch into rows) or aten.mm / aten.bmm (anything with a matrix on the right, including
    1-D @ N-D).  FlopCounterMode has formulas for mm and bmm only, so dot and mv count 0;
    the rest count (output elements) x (inner size), broadcast batch included.
    """
    if not a or not b:
        raise ShapeError(f"both arguments to matmul need to be at least 1D, but they are "
                         f"{len(a)}D and {len(b)}D")
    inner = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner:
        raise ShapeError(f"matmul: cannot multiply {format_shape(a)} by {format_shape(b)}: "
                         f"the inner sizes {a[-1]} and {inner} differ")
    if len(b) == 1:
        return a[:-1], 0
    if len(a) == 1:
        out: Shape = (*b[:-2], b[-1])
    else:
        out = (*broadcast(a[:-2], b[:-2]), a[-2], b[-1])
    return out, math.prod(out) * a[-1]


def infer_shape(sizes: Tuple[int, ...], x: Shape, op: str) -> Shape:
    """view/reshape: one -1 inferred, the element count kept."""
    numel = math.prod(x)
    for i, s in enumerate(sizes):
        if s < -1:
            raise LayerError(f"invalid shape dimension {s} at index {i} of shape {list(sizes)}")
    if sizes.count(-1) > 1:
        raise LayerError("only one dimension can be inferred")
    known = math.prod(s for s in sizes if s != -1)
    invalid = ShapeError(f"{op}: shape '{list(sizes)}' is invalid for input of size {numel} "
                         f"(a {format_shape(x)} tensor)")
    if -1 in sizes:
        if known == 0:
            if numel:
                raise invalid
            raise ShapeError(f"cannot reshape tensor of 0 elements into shape {list(sizes)} "
                             "because the unspecified dimension size -1 can be any value and "
                             "is ambiguous")
        if numel % known:
            raise invalid
        return tuple(numel // known if s == -1 else s for s in sizes)
    if known != numel:
        raise invalid
    return sizes


def expand_to(sizes: Tuple[int, ...], x: Shape) -> Shape:
    """x.expand(*sizes): new leading dims, -1 keeps a dim, a size 1 stretches."""
    if len(sizes) < len(x):
        raise ShapeError(f"expand({format_shape(x)}, size={list(sizes)}): the number of sizes "
                         f"provided ({len(sizes)}) must be greater or equal to the number of "
                         f"dimensions in the tensor ({len(x)})")
    lead = len(sizes) - len(x)
    out = []
    for i, s in enumerate(sizes):
        d = x[i - lead] if i >= lead else None
        if s < -1 or (s == -1 and d is None):
            raise ShapeError(f"expand({format_shape(x)}, size={list(sizes)}): the expanded size "
                             f"{s} is not allowed at dimension {i}")
        if d is not None and s != -1 and d != 1 and s != d:
            raise ShapeError(f"The expanded size of the tensor ({s}) must match the existing "
                             f"size ({d}) at non-singleton dimension {i}.  Target sizes: "
                             f"{list(sizes)}.  Tensor sizes: {list(x)}")
        out.append(d if s == -1 else s)
    return tuple(out)
