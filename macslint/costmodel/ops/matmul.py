"""Matrix products: matmul, mm, bmm, and F.linear's product (the ops with MACs)."""

from __future__ import annotations

import math
from typing import Tuple

from ...units import format_shape
from ..shapes import broadcast, expand_to, matmul
from ..spec import Args, Shape, ShapeError
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
