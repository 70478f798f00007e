"""Shape ops: views and reshapes, permutes, squeezes, joins (cat, stack) and splits (chunk,
split), rolls, and size queries. No MACs."""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence, Tuple

from ...units import format_shape
from ..layers import LAYERS
from ..shapes import expand_to, infer_shape, normalize_dim, op_on
from ..spec import Args, LayerError, Shape, ShapeError
from .base import (
    BINARY, ONE_TENSOR, dims_arg, int_arg, int_array_arg, int_list_arg, resolved, shape_of,
    shapes_of, sizes_arg,
)


def _reshape(var: str, keyword: str, op: str) -> Callable[[Args], Shape]:
    def result(args: Args) -> Shape:
        return infer_shape(sizes_arg(args, var, keyword), shape_of(args), op)

    return result


def _reshape_to(op: str) -> Callable[[Args], Shape]:
    """torch.reshape(input, shape): the shape is one sequence."""
    return lambda args: infer_shape(int_list_arg(args, "shape"), shape_of(args), op)


def _as_other(op: str) -> Callable[[Args], Shape]:
    return lambda args: infer_shape(shape_of(args, "other"), shape_of(args), op)


def _expand(args: Args) -> Shape:
    return expand_to(sizes_arg(args, "sizes", "size"), shape_of(args))


def _repeat(args: Args) -> Shape:
    x, reps = shape_of(args), sizes_arg(args, "sizes", "repeats")
    if len(reps) < len(x):
        raise ShapeError(f"repeat{list(reps)} on a {format_shape(x)} tensor: Number of dimensions "
                         "of repeat dims can not be smaller than number of dimensions of "
                         "tensor")
    padded = (1,) * (len(reps) - len(x)) + x
    out = tuple(r * d for r, d in zip(reps, padded))
    if any(r < 0 for r in reps):
        raise LayerError(f"Trying to create tensor with negative dimension: {list(out)}")
    return out


def _tile(var: Optional[str]) -> Callable[[Args], Shape]:
    """x.tile(dims) / torch.tile(input, dims): fewer dims than the tensor's are padded with
    leading 1s, then as repeat."""
    def result(args: Args) -> Shape:
        x = shape_of(args)
        reps = sizes_arg(args, var, "dims") if var else int_list_arg(args, "dims")
        reps = (1,) * (len(x) - len(reps)) + tuple(reps)
        padded = (1,) * (len(reps) - len(x)) + x
        out = tuple(r * d for r, d in zip(reps, padded))
        negative = next((d for d in out if d < 0), None)
        if negative is not None:
            raise LayerError(f"Trying to create tensor with negative dimension {negative}: "
                             f"{list(out)}")
        return out
    return result


def _permute(var: Optional[str], keyword: str) -> Callable[[Args], Shape]:
    def result(args: Args) -> Shape:
        x = shape_of(args)
        raw = sizes_arg(args, var, keyword) if var else int_list_arg(args, keyword)
        if len(raw) != len(x):
            raise ShapeError(f"permute({list(raw)}) on a {format_shape(x)} tensor: number of dims "
                             f"don't match ({len(raw)} given, tensor has {len(x)})")
        dims = tuple(normalize_dim(d, len(x), op_on("permute", x)) for d in raw)
        if len(set(dims)) != len(dims):
            raise ShapeError(f"permute({list(raw)}): duplicate dims are not allowed.")
        return tuple(x[d] for d in dims)

    return result


def _flip(args: Args) -> Shape:
    x = shape_of(args)
    raw = int_list_arg(args, "dims")
    dims = [normalize_dim(d, len(x), op_on("flip", x)) for d in raw]
    if len(set(dims)) != len(dims):
        raise ShapeError(f"flip({list(raw)}): a dim appears multiple times in the list of dims")
    return x


def _flip_method(args: Args) -> Shape:
    """x.flip(0, 1), x.flip((0, 1)) or x.flip(dims=(0, 1))."""
    dims = args["positions"]
    if args["dims"] is not None:
        if dims:
            raise LayerError("flip() got multiple values for argument 'dims'")
        dims = args["dims"] if isinstance(args["dims"], (list, tuple)) else (args["dims"],)
    elif len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = dims[0]
    return _flip(Args({"input": args["input"], "dims": list(dims)}))


def _transpose(args: Args) -> Shape:
    x = shape_of(args)
    what = op_on("transpose", x)
    a = normalize_dim(int_arg(args, "dim0"), len(x), what)
    b = normalize_dim(int_arg(args, "dim1"), len(x), what)
    if not x:
        return x
    out = list(x)
    out[a], out[b] = out[b], out[a]
    return tuple(out)


def _swapaxes(args: Args) -> Shape:
    """swapaxes(input, axis0, axis1): numpy's name of transpose."""
    return _transpose(Args({"input": args["input"], "dim0": args["axis0"], "dim1": args["axis1"]}))


def _t(args: Args) -> Shape:
    x = shape_of(args)
    if len(x) > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                         f"{len(x)}D ({format_shape(x)})")
    return x[::-1]


def _unsqueeze(args: Args) -> Shape:
    x = shape_of(args)
    d = normalize_dim(int_arg(args, "dim"), len(x) + 1, op_on("unsqueeze", x))
    return (*x[:d], 1, *x[d:])


def _squeeze(args: Args) -> Shape:
    x = shape_of(args)
    dims = dims_arg(args, "dim", x, op_on("squeeze", x))
    if not x:
        return x
    if dims is None:
        dims = () if isinstance(args["dim"], (list, tuple)) else tuple(range(len(x)))
    return tuple(d for i, d in enumerate(x) if not (i in dims and d == 1))


def _flatten(args: Args) -> Shape:
    values = {"start_dim": args["start_dim"], "end_dim": args["end_dim"]}
    return LAYERS["Flatten"].output(Args(values), [shape_of(args)])


def _unflatten(args: Args) -> Shape:
    values = {"dim": args["dim"], "unflattened_size": resolved(args, "sizes")}
    return LAYERS["Unflatten"].output(Args(values), [shape_of(args)])


def _size(args: Args) -> Any:
    x = shape_of(args)
    if args["dim"] is None:
        return x
    if isinstance(args["dim"], bool):
        raise LayerError("size(): argument 'dim' (position 1) must be int, not bool")
    dim = int_arg(args, "dim")
    if not x:
        raise ShapeError(f"Dimension specified as {dim} but tensor has no dimensions")
    return x[normalize_dim(dim, len(x), op_on("size", x))]


def _chunk(args: Args) -> Tuple[Shape, ...]:
    x, chunks = shape_of(args), int_arg(args, "chunks")
    if chunks <= 0:
        raise LayerError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if not x:
        raise ShapeError("chunk expects at least a 1-dimensional tensor")
    d = normalize_dim(int_arg(args, "dim"), len(x), op_on("chunk", x))
    size = -(-x[d] // chunks)
    if size == 0:  # an empty dim: `chunks` empty pieces
        return tuple(x for _ in range(chunks))
    return _pieces(x, d, _even_split(x[d], size))


def _even_split(n: int, size: int) -> Tuple[int, ...]:
    count = max(-(-n // size), 1)
    return tuple(min(size, n - i * size) for i in range(count))


def _pieces(x: Shape, d: int, sizes: Sequence[int]) -> Tuple[Shape, ...]:
    return tuple((*x[:d], s, *x[d + 1:]) for s in sizes)


def _split(param: str, tensor: str = "input") -> Callable[[Args], Tuple[Shape, ...]]:
    def result(args: Args) -> Tuple[Shape, ...]:
        x, how = shape_of(args, tensor), resolved(args, param)
        if not x:
            raise ShapeError("split expects at least a 1-dimensional tensor")
        d = normalize_dim(int_arg(args, "dim"), len(x), op_on("split", x))
        n = x[d]
        if isinstance(how, (list, tuple)):
            sizes = tuple(int_arg(args, param, s) for s in how)
            if any(s < 0 for s in sizes):
                raise LayerError(f"split_with_sizes expects split_sizes have only non-negative "
                                 f"entries, but got split_sizes={list(sizes)}")
            if sum(sizes) != n:
                raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                                 f"(input tensor's size at dimension {d}), but got "
                                 f"split_sizes={list(sizes)}")
            return _pieces(x, d, sizes)
        size = int_arg(args, param)
        if size < 0:
            raise LayerError(f"split expects split_size be non-negative, but got "
                             f"split_size={size}")
        if size == 0:
            if n:
                raise ShapeError(f"split_size can only be 0 if dimension size is 0, but got "
                                 f"dimension size of {n}")
            return (x,)
        return _pieces(x, d, _even_split(n, size))

    return result


def _cat(dim_names: Tuple[str, ...] = ("dim",)) -> Callable[[Args], Shape]:
    """cat/concat/concatenate; legacy: 1-D empty tensors (shape (0,)) are skipped."""

    def result(args: Args) -> Shape:
        shapes = shapes_of(args, "tensors")
        if not shapes:
            raise LayerError("torch.cat(): expected a non-empty list of Tensors")
        for i, s in enumerate(shapes):
            if not s:
                raise ShapeError(f"zero-dimensional tensor (at position {i}) cannot be "
                                 "concatenated")
        kept = [s for s in shapes if s != (0,)]
        if not kept:
            return (0,)
        given = [n for n in dim_names if args.values.get(n) is not None]
        ref = kept[0]
        d = normalize_dim(int_arg(args, given[-1] if given else dim_names[0]), len(ref),
                          "cat of " + ", ".join(map(format_shape, shapes)))
        for i, s in enumerate(kept):
            if len(s) != len(ref):
                raise ShapeError(f"Tensors must have same number of dimensions: got "
                                 f"{len(ref)} and {len(s)} (cat of "
                                 f"{', '.join(map(format_shape, shapes))})")
            for j, (a, b) in enumerate(zip(ref, s)):
                if j != d and a != b:
                    raise ShapeError(f"Sizes of tensors must match except in dimension {d}. "
                                     f"Expected size {a} but got size {b} for tensor number "
                                     f"{shapes.index(s)} in the list (cat of "
                                     f"{', '.join(map(format_shape, shapes))})")
        return (*ref[:d], sum(s[d] for s in kept), *ref[d + 1:])

    return result


def _stack(args: Args) -> Shape:
    shapes = shapes_of(args, "tensors")
    if not shapes:
        raise LayerError("stack expects a non-empty TensorList")
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise ShapeError(f"stack expects each tensor to be equal size, but got "
                             f"{list(shapes[0])} at entry 0 and {list(s)} at entry {i}")
    ref = shapes[0]
    d = normalize_dim(int_arg(args, "dim"), len(ref) + 1, "stack of " + format_shape(ref))
    return (*ref[:d], len(shapes), *ref[d:])


def _strict_int(args: Args, name: str) -> int:
    """An int argument; a bool is refused, as torch's argument parser does."""
    value = resolved(args, name)
    if isinstance(value, bool):
        raise LayerError(f"argument '{name}' must be int, not bool")
    return int_arg(args, name)


def _triangle(op: str) -> Callable[[Args], Shape]:
    """tril/triu (and in place): the shape kept; a batch of matrices needed."""

    def result(args: Args) -> Shape:
        x = shape_of(args)
        _strict_int(args, "diagonal")
        if len(x) < 2:
            raise ShapeError(f"{op}: input tensor must have at least 2 dimensions (a "
                             f"{format_shape(x)} tensor)")
        return x

    return result


def _unbind(args: Args) -> Tuple[Shape, ...]:
    x, dim = shape_of(args), _strict_int(args, "dim")
    if not x:
        raise ShapeError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(dim, len(x), op_on("unbind", x))
    return tuple((*x[:d], *x[d + 1:]) for _ in range(x[d]))


def _roll(args: Args) -> Shape:
    """roll(shifts, dims): the shape kept. One shift and no dims rolls the flattened tensor;
    otherwise a shift per dim (a 0-dim tensor has none to roll along)."""
    x = shape_of(args)
    shifts = int_array_arg(args, "shifts")
    dims = () if args["dims"] is None else int_array_arg(args, "dims")
    if not shifts:
        raise LayerError("`shifts` required")
    if not dims and len(shifts) == 1:
        return x
    if len(shifts) != len(dims):
        raise LayerError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                         f"dims:{len(dims)}")
    for d in dims:
        if not x:
            raise ShapeError(f"Dimension specified as {d} but tensor has no dimensions")
        normalize_dim(d, len(x), op_on("roll", x))
    return x


def _property(name: str) -> Callable[[Args], Shape]:
    """x.T (all dims reversed), x.mT, x.mH (the last two swapped), x.H (a matrix's): a 0-d
    tensor is returned as it is (deprecated), and a 1-d one by x.T."""

    def result(args: Args) -> Shape:
        x = shape_of(args)
        if not x or (name == "T" and len(x) == 1):
            return x
        if name == "T":
            return x[::-1]
        if name == "H" and len(x) != 2:
            raise ShapeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                             f"{len(x)}-D tensor." + (" For batches of matrices, consider "
                                                      "using tensor.mH" if x[2:] else ""))
        if len(x) < 2:
            raise ShapeError(f"tensor.{name} is only supported on matrices or batches of "
                             f"matrices. Got {len(x)}-D tensor.")
        return (*x[:-2], x[-1], x[-2])

    return result


# x.view(...) and the other tensor methods, listed before the ones elementwise.py lists
METHODS = [
    ("view", lambda input, *sizes, size=None: None,
     dict(result=_reshape("sizes", "size", "view"))),
    ("reshape", lambda input, *sizes, shape=None: None,
     dict(result=_reshape("sizes", "shape", "reshape"))),
    ("view_as", lambda input, other: None, dict(tensors=BINARY, result=_as_other("view_as"))),
    ("reshape_as", lambda input, other: None,
     dict(tensors=BINARY, result=_as_other("reshape_as"))),
    ("flatten", lambda input, start_dim=0, end_dim=-1: None, dict(result=_flatten)),
    ("unflatten", lambda input, dim, sizes: None, dict(result=_unflatten)),
    ("permute", lambda input, *sizes, dims=None: None, dict(result=_permute("sizes", "dims"))),
    ("transpose", lambda input, dim0, dim1: None, dict(result=_transpose)),
    ("swapdims", lambda input, dim0, dim1: None, dict(result=_transpose)),
    ("swapaxes", lambda input, axis0, axis1: None, dict(result=_swapaxes)),
    ("t", ONE_TENSOR, dict(result=_t)),
    ("t_", ONE_TENSOR, dict(result=_t)),
    ("unsqueeze", lambda input, dim: None, dict(result=_unsqueeze)),
    ("squeeze", lambda input, dim=None: None, dict(result=_squeeze)),
    ("expand", lambda input, *sizes, size=None, implicit=False: None, dict(result=_expand)),
    ("expand_as", lambda input, other: None,
     dict(tensors=BINARY, result=lambda a: expand_to(shape_of(a, "other"), shape_of(a)))),
    ("repeat", lambda input, *sizes, repeats=None: None, dict(result=_repeat)),
    ("tile", lambda input, *reps, dims=None: None, dict(result=_tile("reps"))),
    ("size", lambda input, dim=None: None, dict(result=_size, result_kind="value")),
    ("dim", ONE_TENSOR, dict(result=lambda a: len(shape_of(a)), result_kind="value")),
    ("numel", ONE_TENSOR, dict(result=lambda a: math.prod(shape_of(a)), result_kind="value")),
]

# x.flip(...), x.chunk(...), x.split(...): listed after the reductions
FLIP_SPLIT_METHODS = [
    ("flip", lambda input, *positions, dims=None: None, dict(result=_flip_method)),
    ("chunk", lambda input, chunks, dim=0: None,
     dict(result=_chunk, result_kind="tensors")),
    ("split", lambda input, split_size, dim=0: None,
     dict(result=_split("split_size"), result_kind="tensors")),
]

# torch.cat(...) ... torch.flip(...), listed first
TORCH = [
    ("cat", lambda tensors, dim=0, *, out=None: None,
     dict(tensors=(), tensor_lists=("tensors",), result=_cat())),
    ("concat", lambda tensors, dim=0, *, out=None: None,
     dict(tensors=(), tensor_lists=("tensors",), result=_cat())),
    ("concatenate", lambda tensors, axis=0, *, dim=None, out=None: None,
     dict(tensors=(), tensor_lists=("tensors",), result=_cat(("axis", "dim")))),
    ("stack", lambda tensors, dim=0, *, out=None: None,
     dict(tensors=(), tensor_lists=("tensors",), result=_stack)),
    ("flatten", lambda input, start_dim=0, end_dim=-1: None, dict(result=_flatten)),
    ("unflatten", lambda input, dim, sizes: None, dict(result=_unflatten)),
    ("reshape", lambda input, shape: None, dict(result=_reshape_to("reshape"))),
    ("permute", lambda input, dims: None, dict(result=_permute(None, "dims"))),
    ("transpose", lambda input, dim0, dim1: None, dict(result=_transpose)),
    ("swapdims", lambda input, dim0, dim1: None, dict(result=_transpose)),
    ("swapaxes", lambda input, axis0, axis1: None, dict(result=_swapaxes)),
    ("t", ONE_TENSOR, dict(result=_t)),
    ("unsqueeze", lambda input, dim: None, dict(result=_unsqueeze)),
    ("squeeze", lambda input, dim=None: None, dict(result=_squeeze)),
    ("numel", ONE_TENSOR, dict(result=lambda a: math.prod(shape_of(a)), result_kind="value")),
    ("flip", lambda input, dims: None, dict(result=_flip)),
    ("tile", lambda input, dims: None, dict(result=_tile(None))),
]

# torch.chunk(...), torch.split(...): listed after torch.arange
TORCH_SPLIT = [
    ("chunk", lambda input, chunks, dim=0: None,
     dict(result=_chunk, result_kind="tensors")),
    ("split", lambda tensor, split_size_or_sections, dim=0: None,
     dict(tensors=("tensor",), result=_split("split_size_or_sections", "tensor"),
          result_kind="tensors")),
]

# x.tril(...), x.unbind(...): listed last
TRIANGLE_UNBIND_METHODS = [
    *((op, lambda input, diagonal=0: None, dict(result=_triangle(op.rstrip("_"))))
      for op in ("tril", "triu", "tril_", "triu_")),
    ("unbind", lambda input, dim=0: None, dict(result=_unbind, result_kind="tensors")),
]

# torch.tril(...), torch.unbind(...): listed last
TORCH_TRIANGLE_UNBIND = [
    *((op, lambda input, diagonal=0, *, out=None: None, dict(result=_triangle(op)))
      for op in ("tril", "triu")),
    ("unbind", lambda input, dim=0: None, dict(result=_unbind, result_kind="tensors")),
]

# the properties x.T, x.mT, x.H, x.mH (not methods: read as attributes)
PROPERTIES = [(name, ONE_TENSOR, dict(result=_property(name))) for name in ("T", "mT", "H", "mH")]

# x.roll(...), torch.roll(...): listed last
ROLL = [("roll", lambda input, shifts, dims=None: None,
         dict(result=_roll, no_numbers=("input",)))]
