"""Matrix products: matmul, mm, bmm, F.linear's product, and the products added to a tensor
(addmm, baddbmm, addbmm, addmv). FlopCounterMode counts matmul, mm, bmm, addmm and baddbmm;
it has no formula for addbmm and addmv (nor for mv, dot): those count 0."""

from __future__ import annotations

import math
from typing import Any, Dict, Tuple

from ...units import format_shape
from ..shapes import broadcast, expand_to, matmul
from ..spec import Args, Shape, ShapeError, Unresolved
from .base import BINARY, shape_of


def _matmul(args: Args) -> Shape:
    return matmul(shape_of(args, "input"), shape_of(args, "other"))[0]


def _matmul_macs(args: Args, out: Shape) -> int:
    return matmul(shape_of(args, "input"), shape_of(args, "other"))[1]


def _mm(args: Args) -> Shape:
    a, b = shape_of(args, "input"), shape_of(args, "mat2")
    if len(a) != 2 or len(b) != 2:
        which, s = ("self", a) if len(a) != 2 else ("mat2", b)
        raise ShapeError(f"mm: {which} must be a matrix, got a {len(s)}-D tensor "
                         f"({format_shape(a)} @ {format_shape(b)})")
    if a[1] != b[0]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                         f"{b[0]}x{b[1]})")
    return a[0], b[1]


def _bmm(args: Args) -> Shape:
    a, b = shape_of(args, "input"), shape_of(args, "mat2")
    if len(a) != 3 or len(b) != 3:
        which, s = ("batch1", a) if len(a) != 3 else ("batch2", b)
        raise ShapeError(f"bmm: {which} must be a 3D tensor, got {format_shape(s)}")
    if b[:2] != (a[0], a[2]):
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}] ({format_shape(a)} @ "
                         f"{format_shape(b)})")
    return a[0], a[1], b[2]


def _product_macs(args: Args, out: Shape) -> int:
    """mm/bmm: every output element is an inner product over the shared dim."""
    return math.prod(out) * shape_of(args)[-1]


def _matrices(args: Args, first: str, second: str) -> Tuple[Shape, Shape]:
    a, b = shape_of(args, first), shape_of(args, second)
    for name, s in ((first, a), (second, b)):
        if len(s) != 2:
            raise ShapeError(f"{name} must be a matrix, got {len(s)}-D tensor")
    if a[1] != b[0]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                         f"{b[0]}x{b[1]})")
    return a, b


def _batches(args: Args) -> Tuple[Shape, Shape]:
    a, b = shape_of(args, "batch1"), shape_of(args, "batch2")
    for name, s in (("batch1", a), ("batch2", b)):
        if len(s) != 3:
            raise ShapeError(f"{name} must be a 3D tensor, got {format_shape(s)}")
    return a, b


def _added(args: Args, out: Shape) -> Shape:
    """The input, expanded to the product's shape (torch's expand: no new dims on the left
    of it, a size 1 stretches)."""
    expand_to(out, shape_of(args))
    return out


def _addmm(args: Args) -> Shape:
    a, b = _matrices(args, "mat1", "mat2")
    return _added(args, (a[0], b[1]))


def _addmm_macs(args: Args, out: Shape) -> int:
    return math.prod(out) * shape_of(args, "mat1")[1]


def _baddbmm(args: Args) -> Shape:
    a, b = _batches(args)
    if b[:2] != (a[0], a[2]):
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}].")
    return _added(args, (a[0], a[1], b[2]))


def _baddbmm_macs(args: Args, out: Shape) -> int:
    return math.prod(out) * shape_of(args, "batch1")[2]


def _addbmm(args: Args) -> Shape:
    """addbmm: the batch's products summed, (n, p); FlopCounterMode counts it 0."""
    a, b = _batches(args)
    if a[0] != b[0]:
        raise ShapeError(f"batch1 and batch2 must have same number of batches, got {a[0]} and "
                         f"{b[0]}")
    if a[2] != b[1]:
        raise ShapeError(f"Incompatible matrix sizes for bmm ({a[1]}x{a[2]} and {b[1]}x{b[2]})")
    return _added(args, (a[1], b[2]))


def _addmv(args: Args) -> Shape:
    """addmv: input + mat @ vec, (n,); the input a vector of n items or one (0 or 1 dims)."""
    x, mat, vec = shape_of(args), shape_of(args, "mat"), shape_of(args, "vec")
    if len(mat) != 2 or len(vec) != 1 or len(x) > 1:
        raise ShapeError(f"vector + matrix @ vector expected, got {len(x)}, {len(mat)}, "
                         f"{len(vec)}")
    if mat[1] != vec[0] or math.prod(x) not in (mat[0], 1):
        raise ShapeError(f"size mismatch, got input ({math.prod(x)}), mat ({mat[0]}x{mat[1]}), "
                         f"vec ({vec[0]})")
    if not math.prod(mat) and x != (mat[0],):
        # torch then returns the input (its shape) or the product's, by device and beta
        raise Unresolved("mat", f"addmv of an empty {mat[0]}x{mat[1]} matrix with an input of "
                                f"shape {format_shape(x)}: torch's result depends on the device")
    return (mat[0],)


def linear_parts(args: Args) -> Tuple[Shape, int]:
    """F.linear as torch 2.13's kernel runs it (contiguous input): with a bias that is
    1-D, or has a single non-1 dim, or a 2-D input, it is addmm on the input folded to
    2-D, the bias expanded to (rows, out); otherwise matmul then an in-place add."""
    x, w = shape_of(args, "input"), shape_of(args, "weight")
    bias = None if args["bias"] is None else shape_of(args, "bias")
    if not x or not w:
        raise ShapeError(f"both arguments to linear need to be at least 1D, but they are "
                         f"{len(x)}D and {len(w)}D")
    if len(w) > 2:
        raise ShapeError(f"linear: weight must be 1-D or 2-D (t() expects a tensor with <= 2 "
                         f"dimensions), got {format_shape(w)}")
    folded = bias is not None and (len(x) == 2 or len(bias) == 1
                                   or sum(d != 1 for d in bias) == 1)
    if folded:
        if len(w) != 2:
            raise ShapeError(f"linear: mat2 must be a matrix, got 1-D tensor (weight "
                             f"{format_shape(w)} with a bias)")
        rows = math.prod(x[:-1])
        if x[-1] != w[1]:
            raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and "
                             f"{w[1]}x{w[0]}): input {format_shape(x)}, weight {format_shape(w)}")
        expand_to((rows, w[0]), bias)
        return (*x[:-1], w[0]), rows * w[0] * w[1]
    if x[-1] != w[-1]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied "
                         f"({math.prod(x[:-1])}x{x[-1]} and {w[-1]}x{w[0] if len(w) == 2 else 1})"
                         f": input {format_shape(x)}, weight {format_shape(w)}")
    out, macs = matmul(x, w[::-1])
    if bias is not None and broadcast(out, bias) != out:
        raise ShapeError(f"linear: output with shape {list(out)} doesn't match the broadcast "
                         f"shape {list(broadcast(out, bias))} (bias {format_shape(bias)})")
    return out, macs


# x.matmul(...)
METHODS = [
    ("matmul", lambda input, other: None,
     dict(tensors=BINARY, result=_matmul, macs=_matmul_macs)),
]

# torch.matmul(...), torch.mm(...), torch.bmm(...)
TORCH = [
    ("matmul", lambda input, other, *, out=None: None,
     dict(tensors=BINARY, result=_matmul, macs=_matmul_macs)),
    ("mm", lambda input, mat2, *, out=None: None,
     dict(tensors=("input", "mat2"), result=_mm, macs=_product_macs)),
    ("bmm", lambda input, mat2, *, out=None: None,
     dict(tensors=("input", "mat2"), result=_bmm, macs=_product_macs)),
    # torch.spmm of dense tensors is torch.mm (the same kernel and messages); macslint's
    # tensors are dense (a sparse one is never traced)
    ("spmm", lambda input, mat2: None,
     dict(tensors=("input", "mat2"), result=_mm, macs=_product_macs)),
]


def _added_product(first: str, second: str, **kw: Any) -> Dict[str, Any]:
    """torch takes no Python number for any of their tensors (a TypeError)."""
    names = ("input", first, second)
    return dict(kw, tensors=names, no_numbers=names)


_ADDMM = _added_product("mat1", "mat2", result=_addmm, macs=_addmm_macs)
_BADDBMM = _added_product("batch1", "batch2", result=_baddbmm, macs=_baddbmm_macs)
_ADDBMM = _added_product("batch1", "batch2", result=_addbmm)
_ADDMV = _added_product("mat", "vec", result=_addmv)

# x.addmm(...) ... x.addmv(...), torch.addmm(...) ... torch.addmv(...): listed last
ADDED_METHODS = [
    ("addmm", lambda input, mat1, mat2, *, beta=1, alpha=1: None, _ADDMM),
    ("baddbmm", lambda input, batch1, batch2, *, beta=1, alpha=1: None, _BADDBMM),
    ("addbmm", lambda input, batch1, batch2, *, beta=1, alpha=1: None, _ADDBMM),
    ("addmv", lambda input, mat, vec, *, beta=1, alpha=1: None, _ADDMV),
]
ADDED_TORCH = [
    ("addmm", lambda input, mat1, mat2, *, beta=1, alpha=1, out=None: None, _ADDMM),
    ("baddbmm", lambda input, batch1, batch2, *, beta=1, alpha=1, out=None: None, _BADDBMM),
    ("addbmm", lambda input, batch1, batch2, *, beta=1, alpha=1, out=None: None, _ADDBMM),
    ("addmv", lambda input, mat, vec, *, beta=1, alpha=1, out=None: None, _ADDMV),
]
