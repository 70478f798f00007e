"""Reductions and ops along a dim: sum, mean, amax/amin, max/min (values and indices
along a dim), argmax/argmin, norm, softmax and log_softmax, topk and sort (values and
indices), cumsum. No MACs."""

from __future__ import annotations

from typing import Any, Callable, Tuple

from ...units import format_shape
from ..shapes import normalize_dim, op_on
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .base import bool_arg, dims_arg, int_arg, shape_of, strict_int_arg


def _reduce(op: str, *, nonempty: bool = False) -> Callable[[Args], Shape]:
    """sum/mean/amax...: dim None, an int or a sequence; keepdim.  `nonempty`: max-like
    reductions have no identity, so they refuse to reduce an empty dimension."""

    def result(args: Args) -> Shape:
        x = shape_of(args)
        dims = dims_arg(args, "dim", x, op_on(op, x))
        everything = dims is None
        dims = tuple(range(len(x))) if everything else dims
        if nonempty and x:
            if everything and 0 in x:
                raise ShapeError(f"{op}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0 (a {format_shape(x)} tensor)")
            for d in dims:
                if x[d] == 0:
                    raise ShapeError(f"{op}(): Expected reduction dim {d} to have non-zero "
                                     f"size (a {format_shape(x)} tensor)")
        keep = bool(args["keepdim"])
        return tuple(1 if i in dims else s for i, s in enumerate(x) if keep or i not in dims)

    return result


def _max(op: str) -> Callable[[Args], Any]:
    """max/min: the reduction to a 0-dim tensor, or (values, indices) along a dim."""
    full = _reduce(op, nonempty=True)

    def result(args: Args) -> Any:
        if args["dim"] is None:
            return full(Args({**args.values, "keepdim": False}))
        if isinstance(args["dim"], (list, tuple)):
            raise LayerError(f"{op}(): argument 'dim' must be int, not "
                             f"{type(args['dim']).__name__}")
        out = full(args)
        return out, out

    return result


def _arg(op: str) -> Callable[[Args], Shape]:
    """argmax/argmin: the index of the max or min, over the whole tensor (dim None) or along
    one dim (an int: not a sequence, as for sum); int64 indices (costmodel.dtypes)."""
    full = _reduce(op, nonempty=True)

    def result(args: Args) -> Shape:
        if isinstance(args["dim"], (list, tuple)):
            raise LayerError(f"{op}(): argument 'dim' (position 1) must be int, not "
                             f"{type(args['dim']).__name__}")
        return full(args)

    return result


def _norm(args: Args) -> Shape:
    """x.norm(p, dim, keepdim): a vector norm (a number p, or 'fro') over dim, reduced as sum
    reduces; a matrix norm ('nuc') is not modelled."""
    p = args.values.get("p")
    if isinstance(p, str) and p != "fro":
        raise Unresolved("p", f"a norm of p={p!r} is not modelled")
    return _reduce("norm")(args)


def _along(op: str, args: Args) -> Tuple[Shape, int]:
    """(input, the dim wrapped) of an op along one dim (an int: not a bool, not None)."""
    x = shape_of(args)
    return x, normalize_dim(strict_int_arg(args, "dim"), len(x), op_on(op, x))


def _topk(args: Args) -> Tuple[Shape, Shape]:
    """(values, indices): k of the dim's entries (a 0-dim tensor has one)."""
    k = strict_int_arg(args, "k")
    x, d = _along("topk", args)
    bool_arg(args, "largest")
    bool_arg(args, "sorted")
    size = x[d] if x else 1
    if k < 0:
        raise LayerError(f"selected index k out of range (k={k})")
    if k > size:
        raise ShapeError(f"selected index k out of range: k={k} of the {size} entries of dim "
                         f"{d} ({op_on('topk', x)})")
    out = (*x[:d], k, *x[d + 1:]) if x else x
    return out, out


def _sort(args: Args) -> Tuple[Shape, Shape]:
    x, _ = _along("sort", args)
    bool_arg(args, "descending")
    if args["stable"] is not None:
        bool_arg(args, "stable")
    return x, x


def _cumsum(args: Args) -> Shape:
    return _along("cumsum", args)[0]


def _max_kind(args: Args) -> str:
    return "tensor" if args["dim"] is None else "tensors"


def softmax_result(op: str, implicit: bool = False) -> Callable[[Args], Shape]:
    def result(args: Args) -> Shape:
        x = shape_of(args)
        if args["dim"] is not None or not implicit:
            normalize_dim(int_arg(args, "dim"), len(x), op_on(op, x))
        return x

    return result


_REDUCE = lambda input, dim=None, keepdim=False, *, dtype=None: None  # noqa: E731
_AMAX = lambda input, dim=(), keepdim=False: None  # noqa: E731
_MAXDIM = lambda input, dim=None, keepdim=False: None  # noqa: E731
_SOFTMAX = lambda input, dim, dtype=None: None  # noqa: E731
_MAX_KW = dict(result_kind=_max_kind)

SOFTMAX = [
    ("softmax", _SOFTMAX, dict(result=softmax_result("softmax"))),
    ("log_softmax", _SOFTMAX, dict(result=softmax_result("log_softmax"))),
]

# the same for tensor methods and torch functions: x.sum(...), torch.sum(...)
REDUCTIONS = [
    ("sum", _REDUCE, dict(result=_reduce("sum"))),
    ("mean", _REDUCE, dict(result=_reduce("mean"))),
    ("amax", _AMAX, dict(result=_reduce("amax", nonempty=True))),
    ("amin", _AMAX, dict(result=_reduce("amin", nonempty=True))),
    ("max", _MAXDIM, dict(result=_max("max"), **_MAX_KW)),
    ("min", _MAXDIM, dict(result=_max("min"), **_MAX_KW)),
    ("argmax", _MAXDIM, dict(result=_arg("argmax"))),
    ("argmin", _MAXDIM, dict(result=_arg("argmin"))),
]
# x.norm(...), torch.norm(...): torch's function takes `out` too
NORM_METHOD = [("norm", lambda input, p="fro", dim=None, keepdim=False, dtype=None: None,
                dict(result=_norm))]
NORM_TORCH = [("norm", lambda input, p="fro", dim=None, keepdim=False, out=None, dtype=None:
               None, dict(result=_norm))]

# x.topk(...), x.sort(...), x.cumsum(...): listed last
SORTING_METHODS = [
    ("topk", lambda input, k, dim=-1, largest=True, sorted=True: None,
     dict(result=_topk, result_kind="tensors")),
    ("sort", lambda input, dim=-1, descending=False, *, stable=False: None,
     dict(result=_sort, result_kind="tensors")),
    ("cumsum", lambda input, dim, *, dtype=None: None, dict(result=_cumsum)),
]
# torch.topk(...), torch.sort(...), torch.cumsum(...): listed last
SORTING_TORCH = [
    ("topk", lambda input, k, dim=-1, largest=True, sorted=True, *, out=None: None,
     dict(result=_topk, result_kind="tensors", no_numbers=("input",))),
    ("sort", lambda input, dim=-1, descending=False, *, stable=False, out=None: None,
     dict(result=_sort, result_kind="tensors", no_numbers=("input",))),
    ("cumsum", lambda input, dim, *, dtype=None, out=None: None,
     dict(result=_cumsum, no_numbers=("input",))),
]
