"""Torch tensor operations as data: what forward() does to shapes, without running torch.

Pure Python, no libcst and no torch, in the conventions of `macslint.catalogue`: each
operation is one `OpSpec` whose signature is a lambda bound as Python binds the call,
arguments are read through `Args` (an unknown one raises `Unresolved`), and a call
torch would refuse at run time raises `ShapeError` (or `LayerError` when the arguments
alone are wrong).  Tensors are passed as their shapes, with the batch dimension.

Three registries, keyed by the name the code calls:
  TENSOR_METHODS   x.view(...)       the tensor binds to the first parameter, `input`
  TORCH_FUNCTIONS  torch.cat(...)    keyed by the name after `torch.`
  FUNCTIONAL       F.max_pool2d(...) keyed by the name after `torch.nn.functional.`

MACs are what `torch.utils.flop_counter.FlopCounterMode` counts (flops / 2): only matrix
products cost anything, and of those only the ones it has a formula for (mm, addmm, bmm):
a matrix-vector or vector-vector product (aten.mv / aten.dot) counts 0 (see `matmul`).

Not modelled: strides.  view() fails after a transpose or permute in torch, and F.linear
picks its kernel by contiguity; both are treated as for contiguous tensors.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .catalogue import (
    INT64_MAX,
    LAYERS,
    Args,
    LayerError,
    ShapeError,
    UnknownArgument,
    Unresolved,
    _python_wording,
)

Shape = Tuple[int, ...]


# ---------------------------------------------------------------------------
# Shared rules


def _show(shape: Sequence[int]) -> str:
    """1x64x56x56; a 0-dim tensor is 'scalar'."""
    return "x".join(map(str, shape)) if len(shape) else "scalar"


def normalize_dim(dim: int, rank: int, what: str) -> int:
    """torch's wrap of a (possibly negative) dim; a 0-dim tensor takes -1 and 0."""
    rank = max(rank, 1)
    if not -rank <= dim < rank:
        raise ShapeError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but "
            f"got {dim}) in {what}"
        )
    return dim % rank


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
                    f"cannot broadcast {_show(tuple(out))} with {_show(shape)}: the size of "
                    f"tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                    f"dimension {i}"
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
        raise ShapeError(f"matmul: cannot multiply {_show(a)} by {_show(b)}: the inner sizes "
                         f"{a[-1]} and {inner} differ")
    if len(b) == 1:
        return a[:-1], 0
    if len(a) == 1:
        out: Shape = (*b[:-2], b[-1])
    else:
        out = (*broadcast(a[:-2], b[:-2]), a[-2], b[-1])
    return out, math.prod(out) * a[-1]


# ---------------------------------------------------------------------------
# The entry type


def _resolve(name: str, value: Any) -> Any:
    """The value, or Unresolved if it is, or holds, an unknown value."""
    if isinstance(value, UnknownArgument):
        raise Unresolved(name, value.reason)
    if isinstance(value, (list, tuple)):
        for item in value:
            _resolve(name, item)
    return value


def _v(args: Args, name: str) -> Any:
    return _resolve(name, args[name])


def _known(args: Args, name: str) -> Any:
    """An argument only checked for validity: None when unknown (the shape does not
    depend on it, so an unknown one must not cost the shape)."""
    value = args.values.get(name)
    return None if isinstance(value, UnknownArgument) else value


def _as_shape(name: str, value: Any) -> Shape:
    _resolve(name, value)
    if not isinstance(value, tuple) or not all(isinstance(d, int) for d in value):
        raise LayerError(f"argument '{name}' must be a Tensor, not {value!r}")
    return value


def _shape(args: Args, name: str = "input") -> Shape:
    return _as_shape(name, args[name])


def _shapes(args: Args, name: str) -> List[Shape]:
    value = _v(args, name)
    if not isinstance(value, (list, tuple)):
        raise LayerError(f"argument '{name}' must be a sequence of Tensors, not {value!r}")
    return [_as_shape(name, s) for s in value]


def _same(args: Args) -> Shape:
    return _shape(args)


def zero(args: Args, result: Any) -> int:
    return 0


def _is_number(value: Any) -> bool:
    return isinstance(value, (bool, int, float, complex))


@dataclass(frozen=True)
class OpSpec:
    name: str  # "view", "torch.cat", "F.max_pool2d"
    signature_of: Callable[..., None]  # a lambda with torch's Python-level signature
    tensors: Tuple[str, ...] = ("input",)  # parameters that take a tensor (its shape)
    tensor_lists: Tuple[str, ...] = ()  # parameters that take a list of tensors
    result: Callable[[Args], Any] = _same  # output Shape, tuple of Shapes, or value
    macs: Callable[[Args, Any], int] = zero
    # "tensor" | "tensors" (a tuple of tensors) | "value" (int or tuple of ints); for
    # max/min and the pools with return_indices it depends on the arguments: `kind(args)`.
    result_kind: Union[str, Callable[[Args], str]] = "tensor"
    _signature: list = field(default_factory=list, compare=False, repr=False)

    @property
    def signature(self) -> inspect.Signature:
        if not self._signature:
            self._signature.append(inspect.signature(self.signature_of))
        return self._signature[0]

    def bind(self, positional: Sequence[Any], keywords: Dict[str, Any]) -> Args:
        """Bind as Python binds the call (LayerError in Python's words if it would not).
        A Python number where a tensor is allowed (torch.add(x, 1)) becomes shape ()."""
        try:
            bound = self.signature.bind(*positional, **keywords)
        except TypeError as exc:
            raise LayerError(f"{self.name}() {_python_wording(str(exc))}") from None
        bound.apply_defaults()
        values = dict(bound.arguments)
        for name in self.tensors:
            if _is_number(values.get(name)):
                values[name] = ()
        return Args(values)

    def kind(self, args: Args) -> str:
        return self.result_kind if isinstance(self.result_kind, str) else self.result_kind(args)

    def run(self, args: Args) -> Tuple[Any, int]:
        """(result, MACs); ShapeError/LayerError where torch raises."""
        try:
            result = self.result(args)
            return result, self.macs(args, result)
        except (OverflowError, ValueError) as exc:
            # sizes from `scale_factor=10**1000` or `float('nan')`: torch raises too
            raise LayerError(str(exc)) from None


# ---------------------------------------------------------------------------
# Argument readers


_ARG = object()  # _int's "read the argument itself"


def _int(args: Args, name: str, value: Any = _ARG) -> int:
    value = _v(args, name) if value is _ARG else _resolve(name, value)
    if not isinstance(value, int):
        raise LayerError(f"argument '{name}' must be int, not {type(value).__name__}")
    if abs(value) > INT64_MAX:  # torch: "Overflow when unpacking long long"
        raise LayerError(f"{name}={value} does not fit in a 64-bit integer")
    return int(value)


def _int_list(args: Args, name: str) -> Tuple[int, ...]:
    """A tuple/list of ints (torch's IntArrayRef); a bare int is a TypeError in torch."""
    value = _v(args, name)
    if not isinstance(value, (list, tuple)):
        raise LayerError(f"argument '{name}' must be tuple of ints, not "
                         f"{type(value).__name__}")
    return tuple(_int(args, name, v) for v in value)


def _sizes(args: Args, var: str, keyword: str) -> Tuple[int, ...]:
    """Sizes given as varargs (x.view(2, -1)), as one sequence (x.view((2, -1))) or by
    keyword (x.view(size=(2, -1)))."""
    items = _v(args, var)
    by_keyword = args.values.get(keyword)
    if by_keyword is not None:
        if items:
            raise LayerError(f"received an invalid combination of arguments: both sizes "
                             f"and {keyword}=")
        items = _resolve(keyword, by_keyword)
        if not isinstance(items, (list, tuple)):
            items = (items,)
    elif len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = items[0]
    elif not items:
        raise LayerError(f'missing 1 required positional arguments: "{keyword}"')
    return tuple(_int(args, var, v) for v in items)


def _dims(args: Args, name: str, x: Shape, what: str) -> Optional[Tuple[int, ...]]:
    """A reduction's dims: None (all), an int or a sequence (empty = all), wrapped."""
    value = _v(args, name)
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple)) else (value,)
    dims = tuple(normalize_dim(_int(args, name, d), len(x), what) for d in items)
    for d in dims:
        if dims.count(d) > 1:
            raise ShapeError(f"dim {d} appears multiple times in the list of dims ({what})")
    return dims if dims or not isinstance(value, (list, tuple)) else None


def _where(op: str, x: Shape) -> str:
    return f"{op} on a {_show(x)} tensor"


# ---------------------------------------------------------------------------
# Families


def _elementwise(*names: str) -> Callable[[Args], Shape]:
    """Broadcast the named tensor parameters (None ones skipped)."""

    def result(args: Args) -> Shape:
        return broadcast(*(_shape(args, n) for n in names if args[n] is not None))

    return result


def _inplace(result: Callable[[Args], Shape]) -> Callable[[Args], Shape]:
    """An in-place op writes into `input`: the broadcast result must be its shape."""

    def inplace(args: Args) -> Shape:
        x, out = _shape(args), result(args)
        if out != x:
            raise ShapeError(f"output with shape {list(x)} doesn't match the broadcast shape "
                             f"{list(out)}")
        return x

    return inplace


def _masked_fill(args: Args) -> Shape:
    value = _shape(args, "value")
    if value:
        raise ShapeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                         f"tensor with {len(value)} dimension(s) ({_show(value)})")
    return _elementwise("input", "mask")(args)


def _clamp(args: Args) -> Shape:
    if args["min"] is None and args["max"] is None:
        raise LayerError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _elementwise("input", "min", "max")(args)


def _infer_shape(sizes: Tuple[int, ...], x: Shape, op: str) -> Shape:
    """view/reshape: one -1 inferred, the element count kept."""
    numel = math.prod(x)
    for i, s in enumerate(sizes):
        if s < -1:
            raise LayerError(f"invalid shape dimension {s} at index {i} of shape {list(sizes)}")
    if sizes.count(-1) > 1:
        raise LayerError("only one dimension can be inferred")
    known = math.prod(s for s in sizes if s != -1)
    invalid = ShapeError(f"{op}: shape '{list(sizes)}' is invalid for input of size {numel} "
                         f"(a {_show(x)} tensor)")
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


def _reshape(var: str, keyword: str, op: str) -> Callable[[Args], Shape]:
    def result(args: Args) -> Shape:
        return _infer_shape(_sizes(args, var, keyword), _shape(args), op)

    return result


def _reshape_to(op: str) -> Callable[[Args], Shape]:
    """torch.reshape(input, shape): the shape is one sequence."""
    return lambda args: _infer_shape(_int_list(args, "shape"), _shape(args), op)


def _as_other(op: str) -> Callable[[Args], Shape]:
    return lambda args: _infer_shape(_shape(args, "other"), _shape(args), op)


def _expand_to(sizes: Tuple[int, ...], x: Shape) -> Shape:
    if len(sizes) < len(x):
        raise ShapeError(f"expand({_show(x)}, size={list(sizes)}): the number of sizes "
                         f"provided ({len(sizes)}) must be greater or equal to the number of "
                         f"dimensions in the tensor ({len(x)})")
    lead = len(sizes) - len(x)
    out = []
    for i, s in enumerate(sizes):
        d = x[i - lead] if i >= lead else None
        if s < -1 or (s == -1 and d is None):
            raise ShapeError(f"expand({_show(x)}, size={list(sizes)}): the expanded size "
                             f"{s} is not allowed at dimension {i}")
        if d is not None and s != -1 and d != 1 and s != d:
            raise ShapeError(f"The expanded size of the tensor ({s}) must match the existing "
                             f"size ({d}) at non-singleton dimension {i}.  Target sizes: "
                             f"{list(sizes)}.  Tensor sizes: {list(x)}")
        out.append(d if s == -1 else s)
    return tuple(out)


def _expand(args: Args) -> Shape:
    return _expand_to(_sizes(args, "sizes", "size"), _shape(args))


def _repeat(args: Args) -> Shape:
    x, reps = _shape(args), _sizes(args, "sizes", "repeats")
    if len(reps) < len(x):
        raise ShapeError(f"repeat{list(reps)} on a {_show(x)} tensor: Number of dimensions "
                         "of repeat dims can not be smaller than number of dimensions of "
                         "tensor")
    padded = (1,) * (len(reps) - len(x)) + x
    out = tuple(r * d for r, d in zip(reps, padded))
    if any(r < 0 for r in reps):
        raise LayerError(f"Trying to create tensor with negative dimension: {list(out)}")
    return out


def _permute(var: Optional[str], keyword: str) -> Callable[[Args], Shape]:
    def result(args: Args) -> Shape:
        x = _shape(args)
        raw = _sizes(args, var, keyword) if var else _int_list(args, keyword)
        if len(raw) != len(x):
            raise ShapeError(f"permute({list(raw)}) on a {_show(x)} tensor: number of dims "
                             f"don't match ({len(raw)} given, tensor has {len(x)})")
        dims = tuple(normalize_dim(d, len(x), _where("permute", x)) for d in raw)
        if len(set(dims)) != len(dims):
            raise ShapeError(f"permute({list(raw)}): duplicate dims are not allowed.")
        return tuple(x[d] for d in dims)

    return result


def _flip(args: Args) -> Shape:
    x = _shape(args)
    raw = _int_list(args, "dims")
    dims = [normalize_dim(d, len(x), _where("flip", x)) for d in raw]
    if len(set(dims)) != len(dims):
        raise ShapeError(f"flip({list(raw)}): a dim appears multiple times in the list of dims")
    return x


def _flip_method(args: Args) -> Shape:
    dims = args["dims"]
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = dims[0]
    return _flip(Args({"input": args["input"], "dims": list(dims)}))


def _arange(args: Args) -> Shape:
    start, end, step = args["start"], args["end"], args["step"]
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Unresolved(name, f"arange() of {value!r} is not modelled")
    if step == 0:
        raise LayerError("step must be nonzero")
    if (end - start) * step < 0:
        raise LayerError("upper bound and lower bound inconsistent with step sign")
    return (max(0, math.ceil((end - start) / step)),)


def _transpose(args: Args) -> Shape:
    x = _shape(args)
    what = _where("transpose", x)
    a = normalize_dim(_int(args, "dim0"), len(x), what)
    b = normalize_dim(_int(args, "dim1"), len(x), what)
    if not x:
        return x
    out = list(x)
    out[a], out[b] = out[b], out[a]
    return tuple(out)


def _t(args: Args) -> Shape:
    x = _shape(args)
    if len(x) > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                         f"{len(x)}D ({_show(x)})")
    return x[::-1]


def _unsqueeze(args: Args) -> Shape:
    x = _shape(args)
    d = normalize_dim(_int(args, "dim"), len(x) + 1, _where("unsqueeze", x))
    return (*x[:d], 1, *x[d:])


def _squeeze(args: Args) -> Shape:
    x = _shape(args)
    dims = _dims(args, "dim", x, _where("squeeze", x))
    if not x:
        return x
    if dims is None:
        dims = () if isinstance(args["dim"], (list, tuple)) else tuple(range(len(x)))
    return tuple(d for i, d in enumerate(x) if not (i in dims and d == 1))


def _flatten(args: Args) -> Shape:
    values = {"start_dim": args["start_dim"], "end_dim": args["end_dim"]}
    return LAYERS["Flatten"].output(Args(values), [_shape(args)])


def _unflatten(args: Args) -> Shape:
    values = {"dim": args["dim"], "unflattened_size": _v(args, "sizes")}
    return LAYERS["Unflatten"].output(Args(values), [_shape(args)])


def _reduce(op: str, *, nonempty: bool = False) -> Callable[[Args], Shape]:
    """sum/mean/amax...: dim None, an int or a sequence; keepdim.  `nonempty`: max-like
    reductions have no identity, so they refuse to reduce an empty dimension."""

    def result(args: Args) -> Shape:
        x = _shape(args)
        dims = _dims(args, "dim", x, _where(op, x))
        everything = dims is None
        dims = tuple(range(len(x))) if everything else dims
        if nonempty and x:
            if everything and 0 in x:
                raise ShapeError(f"{op}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0 (a {_show(x)} tensor)")
            for d in dims:
                if x[d] == 0:
                    raise ShapeError(f"{op}(): Expected reduction dim {d} to have non-zero "
                                     f"size (a {_show(x)} tensor)")
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


def _max_kind(args: Args) -> str:
    return "tensor" if args["dim"] is None else "tensors"


def _softmax(op: str, implicit: bool = False) -> Callable[[Args], Shape]:
    def result(args: Args) -> Shape:
        x = _shape(args)
        if args["dim"] is not None or not implicit:
            normalize_dim(_int(args, "dim"), len(x), _where(op, x))
        return x

    return result


def _size(args: Args) -> Any:
    x = _shape(args)
    if args["dim"] is None:
        return x
    if isinstance(args["dim"], bool):
        raise LayerError("size(): argument 'dim' (position 1) must be int, not bool")
    dim = _int(args, "dim")
    if not x:
        raise ShapeError(f"Dimension specified as {dim} but tensor has no dimensions")
    return x[normalize_dim(dim, len(x), _where("size", x))]


def _chunk(args: Args) -> Tuple[Shape, ...]:
    x, chunks = _shape(args), _int(args, "chunks")
    if chunks <= 0:
        raise LayerError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if not x:
        raise ShapeError("chunk expects at least a 1-dimensional tensor")
    d = normalize_dim(_int(args, "dim"), len(x), _where("chunk", x))
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
        x, how = _shape(args, tensor), _v(args, param)
        if not x:
            raise ShapeError("split expects at least a 1-dimensional tensor")
        d = normalize_dim(_int(args, "dim"), len(x), _where("split", x))
        n = x[d]
        if isinstance(how, (list, tuple)):
            sizes = tuple(_int(args, param, s) for s in how)
            if any(s < 0 for s in sizes):
                raise LayerError(f"split_with_sizes expects split_sizes have only non-negative "
                                 f"entries, but got split_sizes={list(sizes)}")
            if sum(sizes) != n:
                raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                                 f"(input tensor's size at dimension {d}), but got "
                                 f"split_sizes={list(sizes)}")
            return _pieces(x, d, sizes)
        size = _int(args, param)
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
        shapes = _shapes(args, "tensors")
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
        d = normalize_dim(_int(args, given[-1] if given else dim_names[0]), len(ref),
                          "cat of " + ", ".join(map(_show, shapes)))
        for i, s in enumerate(kept):
            if len(s) != len(ref):
                raise ShapeError(f"Tensors must have same number of dimensions: got "
                                 f"{len(ref)} and {len(s)} (cat of "
                                 f"{', '.join(map(_show, shapes))})")
            for j, (a, b) in enumerate(zip(ref, s)):
                if j != d and a != b:
                    raise ShapeError(f"Sizes of tensors must match except in dimension {d}. "
                                     f"Expected size {a} but got size {b} for tensor number "
                                     f"{shapes.index(s)} in the list (cat of "
                                     f"{', '.join(map(_show, shapes))})")
        return (*ref[:d], sum(s[d] for s in kept), *ref[d + 1:])

    return result


def _stack(args: Args) -> Shape:
    shapes = _shapes(args, "tensors")
    if not shapes:
        raise LayerError("stack expects a non-empty TensorList")
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise ShapeError(f"stack expects each tensor to be equal size, but got "
                             f"{list(shapes[0])} at entry 0 and {list(s)} at entry {i}")
    ref = shapes[0]
    d = normalize_dim(_int(args, "dim"), len(ref) + 1, "stack of " + _show(ref))
    return (*ref[:d], len(shapes), *ref[d:])


def _where_op(args: Args) -> Shape:
    if args["input"] is None and args["other"] is None:
        raise Unresolved("condition", "torch.where(condition) returns indices: their number "
                                      "depends on the data")
    if args["input"] is None or args["other"] is None:
        raise LayerError("where() received an invalid combination of arguments: give both "
                         "input and other")
    return _elementwise("condition", "input", "other")(args)


def _created(args: Args, var: str = "sizes", keyword: str = "size") -> Shape:
    if var:
        sizes = _sizes(args, var, keyword)
    else:
        sizes = _int_list(args, keyword)
    if any(s < 0 for s in sizes):
        raise LayerError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    return sizes


# -- matrix products


def _matmul(args: Args) -> Shape:
    return matmul(_shape(args, "input"), _shape(args, "other"))[0]


def _matmul_macs(args: Args, out: Shape) -> int:
    return matmul(_shape(args, "input"), _shape(args, "other"))[1]


def _mm(args: Args) -> Shape:
    a, b = _shape(args, "input"), _shape(args, "mat2")
    if len(a) != 2 or len(b) != 2:
        which, s = ("self", a) if len(a) != 2 else ("mat2", b)
        raise ShapeError(f"mm: {which} must be a matrix, got a {len(s)}-D tensor "
                         f"({_show(a)} @ {_show(b)})")
    if a[1] != b[0]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                         f"{b[0]}x{b[1]})")
    return a[0], b[1]


def _bmm(args: Args) -> Shape:
    a, b = _shape(args, "input"), _shape(args, "mat2")
    if len(a) != 3 or len(b) != 3:
        which, s = ("batch1", a) if len(a) != 3 else ("batch2", b)
        raise ShapeError(f"bmm: {which} must be a 3D tensor, got {_show(s)}")
    if b[:2] != (a[0], a[2]):
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}] ({_show(a)} @ "
                         f"{_show(b)})")
    return a[0], a[1], b[2]


def _product_macs(args: Args, out: Shape) -> int:
    """mm/bmm: every output element is an inner product over the shared dim."""
    return math.prod(out) * _shape(args)[-1]


def _linear_parts(args: Args) -> Tuple[Shape, int]:
    """F.linear as torch 2.13's kernel runs it (contiguous input): with a bias that is
    1-D, or has a single non-1 dim, or a 2-D input, it is addmm on the input folded to
    2-D, the bias expanded to (rows, out); otherwise matmul then an in-place add."""
    x, w = _shape(args, "input"), _shape(args, "weight")
    bias = None if args["bias"] is None else _shape(args, "bias")
    if not x or not w:
        raise ShapeError(f"both arguments to linear need to be at least 1D, but they are "
                         f"{len(x)}D and {len(w)}D")
    if len(w) > 2:
        raise ShapeError(f"linear: weight must be 1-D or 2-D (t() expects a tensor with <= 2 "
                         f"dimensions), got {_show(w)}")
    folded = bias is not None and (len(x) == 2 or len(bias) == 1
                                   or sum(d != 1 for d in bias) == 1)
    if folded:
        if len(w) != 2:
            raise ShapeError(f"linear: mat2 must be a matrix, got 1-D tensor (weight "
                             f"{_show(w)} with a bias)")
        rows = math.prod(x[:-1])
        if x[-1] != w[1]:
            raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and "
                             f"{w[1]}x{w[0]}): input {_show(x)}, weight {_show(w)}")
        _expand_to((rows, w[0]), bias)
        return (*x[:-1], w[0]), rows * w[0] * w[1]
    if x[-1] != w[-1]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied "
                         f"({math.prod(x[:-1])}x{x[-1]} and {w[-1]}x{w[0] if len(w) == 2 else 1})"
                         f": input {_show(x)}, weight {_show(w)}")
    out, macs = matmul(x, w[::-1])
    if bias is not None and broadcast(out, bias) != out:
        raise ShapeError(f"linear: output with shape {list(out)} doesn't match the broadcast "
                         f"shape {list(broadcast(out, bias))} (bias {_show(bias)})")
    return out, macs


# -- functional


def _check_p(args: Args) -> None:
    p = _known(args, "p")
    if _is_number(p) and not 0 <= p <= 1:
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(min_rank: int = 0, ranks: Optional[Tuple[int, ...]] = None):
    """Plain dropout any rank; channel-wise ones need (after their unsqueeze) 2 dims when
    training; dropout1d checks its rank always."""

    def result(args: Args) -> Shape:
        _check_p(args)
        x = _shape(args)
        if ranks is not None and len(x) not in ranks:
            raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {len(x)}D "
                             f"input ({_show(x)})")
        if len(x) < min_rank and _known(args, "training"):
            raise ShapeError(f"Feature dropout requires at least 2 dimensions in the input "
                             f"(got {_show(x)})")
        return x

    return result


def _gelu(args: Args) -> Shape:
    if _known(args, "approximate") not in ("none", "tanh", None):
        raise LayerError("approximate argument must be either none or tanh.")
    return _shape(args)


def _hardtanh(args: Args) -> Shape:
    low, high = _known(args, "min_val"), _known(args, "max_val")
    if _is_number(low) and _is_number(high) and low > high:
        raise LayerError("min_val cannot be greater than max_val")
    return _shape(args)


def _layer_norm(args: Args) -> Shape:
    x, raw = _shape(args), _v(args, "normalized_shape")
    if not isinstance(raw, (list, tuple)):
        raise LayerError("layer_norm(): argument 'normalized_shape' must be tuple of ints, not "
                         f"{type(raw).__name__}")
    if not raw:
        raise LayerError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                         "containing at least one element, but got normalized_shape = []")
    shape = tuple(_int(args, "normalized_shape", d) for d in raw)
    for name in ("weight", "bias"):
        if args[name] is not None and _shape(args, name) != shape:
            raise ShapeError(f"Expected {name} to be of same shape as normalized_shape, but "
                             f"got {name} of shape {list(_shape(args, name))} and "
                             f"normalized_shape = {list(shape)}")
    return LAYERS["LayerNorm"].output(Args({"normalized_shape": shape}), [x])


def _normalize(args: Args) -> Shape:
    x = _shape(args)
    normalize_dim(_int(args, "dim"), len(x), _where("normalize", x))
    return x


def _layer(layer: str, names: Sequence[str], indices: bool = False) -> Callable[[Args], Any]:
    """Delegate to a catalogue layer: its constructor arguments from the call's."""

    def result(args: Args) -> Any:
        # a top-level unknown value is left to the layer, which reads only what the shape needs
        values = {n: v if isinstance(v, UnknownArgument) else _resolve(n, v)
                  for n, v in ((n, args.values[n]) for n in names)}
        spec = LAYERS[layer]
        layer_args = Args(values)
        spec.check(layer_args)
        out = spec.output(layer_args, [_shape(args)])
        return (out, out) if indices and args["return_indices"] else out

    return result


def _indices_kind(args: Args) -> str:
    return "tensors" if args["return_indices"] else "tensor"


_MODES = ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear",
          "lanczos")


def _interpolate(args: Args) -> Shape:
    """F.interpolate's own checks, then nn.Upsample's shape rule with scale as a tuple."""
    x, mode = _shape(args), _v(args, "mode")
    size, scale = _v(args, "size"), _v(args, "scale_factor")
    align, recompute = _known(args, "align_corners"), _known(args, "recompute_scale_factor")
    antialias = _known(args, "antialias")
    if mode in ("nearest", "area", "nearest-exact") and align is not None:
        raise LayerError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if size is not None and scale is not None:
        raise LayerError("only one of size or scale_factor should be defined")
    if size is None and scale is None:
        raise LayerError("either size or scale_factor should be defined")
    if recompute and size is not None:
        raise LayerError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and len(x) == 4):
        raise LayerError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode not in _MODES:
        raise LayerError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                         f"{len(x)}D) for the modes: {' | '.join(_MODES)} (got {mode})")
    if mode == "lanczos" and len(x) == 4:
        if align:
            raise LayerError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise LayerError("Lanczos mode requires antialias=True")
    n = len(x) - 2
    if scale is not None and not isinstance(scale, (list, tuple)):
        scale = (scale,) * max(n, 0)
    if scale is not None:
        scale = tuple(float(s) if _is_number(s) else s for s in scale)
    values = {"size": tuple(size) if isinstance(size, list) else size, "scale_factor": scale,
              "mode": "bicubic" if mode == "lanczos" else mode, "align_corners": align,
              "recompute_scale_factor": recompute}
    return LAYERS["Upsample"].output(Args(values), [x])


_NON_CONSTANT_PAD = ("reflect", "replicate", "circular")


def _pad(args: Args) -> Shape:
    x, pad, mode = _shape(args), _int_list(args, "pad"), _v(args, "mode")
    value = _known(args, "value")
    if len(pad) % 2:
        raise LayerError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > len(x):
        raise ShapeError(f"Padding length should be less than or equal to two times the input "
                         f"dimension but got padding length {len(pad)} and input of dimension "
                         f"{len(x)} ({_show(x)})")
    pairs = {len(x) - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(k)}
    out = list(x)
    if mode == "constant":
        for d, (lo, hi) in pairs.items():
            if x[d] + min(lo, 0) + min(hi, 0) < 0:
                raise ShapeError(f"pad {list(pad)} on a {_show(x)} tensor: negative padding "
                                 f"({lo}, {hi}) removes more than the {x[d]} elements of "
                                 f"dimension {d} (narrow(): length must be non-negative)")
            out[d] = x[d] + lo + hi
        return tuple(out)
    if mode not in _NON_CONSTANT_PAD:
        raise LayerError(f"Unrecognised padding mode {mode}")
    if value is not None:
        raise LayerError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= k <= 3 or len(x) not in (k + 1, k + 2):
        raise ShapeError(f"Padding size {len(pad)} is not supported for {len(x)}D input tensor "
                         f"({_show(x)}, mode={mode!r}): pad 2, 4 or 6 values for a 2D/3D, "
                         "3D/4D or 4D/5D input")
    if mode != "circular" and 0 in (x[1:] if len(x) == k + 2 else x):
        raise ShapeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                         f"batch size and other non-zero dimensions for input, but got: "
                         f"{list(x)}")
    for d, (lo, hi) in pairs.items():
        size, new = x[d], x[d] + lo + hi
        if mode == "reflect" and (lo >= size or hi >= size):
            raise ShapeError(f"Padding size should be less than the corresponding input "
                             f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of "
                             f"input {list(x)}")
        if mode == "circular" and (lo > size or hi > size):
            raise ShapeError(f"Padding value causes wrapping around more than once: padding "
                             f"({lo}, {hi}) at dimension {d} of input {list(x)}")
        if new < 0:
            raise ShapeError(f"input {list(x)} is too small for padding ({lo}, {hi}) at "
                             f"dimension {d}: calculated output size {new}")
        out[d] = new
    # reflect and replicate refuse to pad everything away (one padded dim may become empty)
    if mode != "circular" and all(out[d] < 1 for d in pairs):
        raise ShapeError(f"input {list(x)} is too small for padding {list(pad)}: calculated "
                         f"output {list(out)}")
    return tuple(out)


def _linear(args: Args) -> Shape:
    return _linear_parts(args)[0]


def _linear_macs(args: Args, out: Shape) -> int:
    return _linear_parts(args)[1]


# ---------------------------------------------------------------------------
# The registries


def _specs(prefix: str, entries: Sequence[Tuple[str, Callable[..., None], Dict[str, Any]]]
           ) -> Dict[str, OpSpec]:
    return {name: OpSpec(prefix + name, sig, **kw) for name, sig, kw in entries}


_X = lambda input: None  # noqa: E731
_X_OUT = lambda input, *, out=None: None  # noqa: E731
_CAST = lambda input, *, memory_format=None: None  # noqa: E731
_REDUCE = lambda input, dim=None, keepdim=False, *, dtype=None: None  # noqa: E731
_AMAX = lambda input, dim=(), keepdim=False: None  # noqa: E731
_MAXDIM = lambda input, dim=None, keepdim=False: None  # noqa: E731
_BINARY = ("input", "other")
_ADD = lambda input, other, *, alpha=1: None  # noqa: E731
_MUL = lambda input, other: None  # noqa: E731
_DIV = lambda input, other, *, rounding_mode=None: None  # noqa: E731
_CLAMP = lambda input, min=None, max=None: None  # noqa: E731
_SOFTMAX = lambda input, dim, dtype=None: None  # noqa: E731
_CREATE = lambda *sizes, size=None, out=None, dtype=None, layout=None, device=None, \
    pin_memory=False, requires_grad=False: None  # noqa: E731
_CREATE_RANDOM = lambda *sizes, size=None, generator=None, out=None, dtype=None, \
    layout=None, device=None, pin_memory=False, requires_grad=False: None  # noqa: E731
_CREATE_EMPTY = lambda *sizes, size=None, out=None, dtype=None, layout=None, device=None, \
    pin_memory=False, requires_grad=False, memory_format=None: None  # noqa: E731
_LIKE = lambda input, *, dtype=None, layout=None, device=None, pin_memory=False, \
    requires_grad=False, memory_format=None: None  # noqa: E731
_INPLACE_ACT = lambda input, inplace=False: None  # noqa: E731
_DROPOUT = lambda input, p=0.5, training=True, inplace=False: None  # noqa: E731
_SOFTMAX_F = lambda input, dim=None, _stacklevel=3, dtype=None: None  # noqa: E731
_MAXPOOL = lambda input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, \
    return_indices=False: None  # noqa: E731
_AVGPOOL1 = lambda input, kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True: None  # noqa: E731
_AVGPOOL = lambda input, kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True, divisor_override=None: None  # noqa: E731

_MAXPOOL_ARGS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
_UNARY = ("relu", "sigmoid", "tanh", "sqrt", "rsqrt", "exp", "log", "abs", "neg", "sin",
          "cos", "square")
_MAX_KW = dict(result_kind=_max_kind)

_METHODS = [
    ("view", lambda input, *sizes, size=None: None,
     dict(result=_reshape("sizes", "size", "view"))),
    ("reshape", lambda input, *sizes, shape=None: None,
     dict(result=_reshape("sizes", "shape", "reshape"))),
    ("view_as", lambda input, other: None, dict(tensors=_BINARY, result=_as_other("view_as"))),
    ("reshape_as", lambda input, other: None,
     dict(tensors=_BINARY, result=_as_other("reshape_as"))),
    ("flatten", lambda input, start_dim=0, end_dim=-1: None, dict(result=_flatten)),
    ("unflatten", lambda input, dim, sizes: None, dict(result=_unflatten)),
    ("permute", lambda input, *sizes, dims=None: None, dict(result=_permute("sizes", "dims"))),
    ("transpose", lambda input, dim0, dim1: None, dict(result=_transpose)),
    ("t", _X, dict(result=_t)),
    ("t_", _X, dict(result=_t)),
    ("unsqueeze", lambda input, dim: None, dict(result=_unsqueeze)),
    ("squeeze", lambda input, dim=None: None, dict(result=_squeeze)),
    ("expand", lambda input, *sizes, size=None, implicit=False: None, dict(result=_expand)),
    ("expand_as", lambda input, other: None,
     dict(tensors=_BINARY, result=lambda a: _expand_to(_shape(a, "other"), _shape(a)))),
    ("repeat", lambda input, *sizes, repeats=None: None, dict(result=_repeat)),
    ("size", lambda input, dim=None: None, dict(result=_size, result_kind="value")),
    ("dim", _X, dict(result=lambda a: len(_shape(a)), result_kind="value")),
    ("numel", _X, dict(result=lambda a: math.prod(_shape(a)), result_kind="value")),
    ("contiguous", _CAST, {}),
    ("clone", lambda input, *, memory_format=None: None, {}),
    ("detach", _X, {}),
    *((cast, _CAST, {}) for cast in ("float", "half", "double", "bfloat16", "long", "int",
                                     "bool")),
    ("to", lambda input, *args, **kwargs: None, {}),
    ("cpu", _CAST, {}),
    ("type_as", lambda input, other: None, dict(tensors=_BINARY)),
    *((op, _X, {}) for op in _UNARY),
    *((op + "_", _X, {}) for op in _UNARY),
    ("softmax", _SOFTMAX, dict(result=_softmax("softmax"))),
    ("log_softmax", _SOFTMAX, dict(result=_softmax("log_softmax"))),
    ("sum", _REDUCE, dict(result=_reduce("sum"))),
    ("mean", _REDUCE, dict(result=_reduce("mean"))),
    ("amax", _AMAX, dict(result=_reduce("amax", nonempty=True))),
    ("amin", _AMAX, dict(result=_reduce("amin", nonempty=True))),
    ("max", _MAXDIM, dict(result=_max("max"), **_MAX_KW)),
    ("min", _MAXDIM, dict(result=_max("min"), **_MAX_KW)),
    ("flip", lambda input, *dims: None, dict(result=_flip_method)),
    ("chunk", lambda input, chunks, dim=0: None,
     dict(result=_chunk, result_kind="tensors")),
    ("split", lambda input, split_size, dim=0: None,
     dict(result=_split("split_size"), result_kind="tensors")),
    ("matmul", lambda input, other: None,
     dict(tensors=_BINARY, result=_matmul, macs=_matmul_macs)),
    ("add", _ADD, dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("sub", _ADD, dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("mul", _MUL, dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("div", _DIV, dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("add_", _ADD, dict(tensors=_BINARY, result=_inplace(_elementwise(*_BINARY)))),
    ("sub_", _ADD, dict(tensors=_BINARY, result=_inplace(_elementwise(*_BINARY)))),
    ("mul_", _MUL, dict(tensors=_BINARY, result=_inplace(_elementwise(*_BINARY)))),
    ("div_", _DIV, dict(tensors=_BINARY, result=_inplace(_elementwise(*_BINARY)))),
    ("pow", lambda input, exponent: None,
     dict(tensors=("input", "exponent"), result=_elementwise("input", "exponent"))),
    ("clamp", _CLAMP, dict(tensors=("input", "min", "max"), result=_clamp)),
    ("clamp_", _CLAMP, dict(tensors=("input", "min", "max"), result=_inplace(_clamp))),
    ("masked_fill", lambda input, mask, value: None,
     dict(tensors=("input", "mask", "value"), result=_masked_fill)),
    ("masked_fill_", lambda input, mask, value: None,
     dict(tensors=("input", "mask", "value"), result=_inplace(_masked_fill))),
]

_TORCH = [
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
    ("t", _X, dict(result=_t)),
    ("unsqueeze", lambda input, dim: None, dict(result=_unsqueeze)),
    ("squeeze", lambda input, dim=None: None, dict(result=_squeeze)),
    ("numel", _X, dict(result=lambda a: math.prod(_shape(a)), result_kind="value")),
    ("flip", lambda input, dims: None, dict(result=_flip)),
    ("arange", lambda start, end=None, step=1, *, out=None, dtype=None, layout=None,
     device=None, pin_memory=False, requires_grad=False: None,
     dict(tensors=(), result=_arange)),
    ("chunk", lambda input, chunks, dim=0: None,
     dict(result=_chunk, result_kind="tensors")),
    ("split", lambda tensor, split_size_or_sections, dim=0: None,
     dict(tensors=("tensor",), result=_split("split_size_or_sections", "tensor"),
          result_kind="tensors")),
    *((op, _X_OUT, {}) for op in _UNARY),
    ("softmax", _SOFTMAX, dict(result=_softmax("softmax"))),
    ("log_softmax", _SOFTMAX, dict(result=_softmax("log_softmax"))),
    ("matmul", lambda input, other, *, out=None: None,
     dict(tensors=_BINARY, result=_matmul, macs=_matmul_macs)),
    ("mm", lambda input, mat2, *, out=None: None,
     dict(tensors=("input", "mat2"), result=_mm, macs=_product_macs)),
    ("bmm", lambda input, mat2, *, out=None: None,
     dict(tensors=("input", "mat2"), result=_bmm, macs=_product_macs)),
    ("add", lambda input, other, *, alpha=1, out=None: None,
     dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("sub", lambda input, other, *, alpha=1, out=None: None,
     dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("mul", lambda input, other, *, out=None: None,
     dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("div", lambda input, other, *, rounding_mode=None, out=None: None,
     dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("maximum", lambda input, other, *, out=None: None,
     dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("minimum", lambda input, other, *, out=None: None,
     dict(tensors=_BINARY, result=_elementwise(*_BINARY))),
    ("where", lambda condition, input=None, other=None, *, out=None: None,
     dict(tensors=("condition", "input", "other"), result=_where_op)),
    ("clamp", lambda input, min=None, max=None, *, out=None: None,
     dict(tensors=("input", "min", "max"), result=_clamp)),
    ("sum", _REDUCE, dict(result=_reduce("sum"))),
    ("mean", _REDUCE, dict(result=_reduce("mean"))),
    ("amax", _AMAX, dict(result=_reduce("amax", nonempty=True))),
    ("amin", _AMAX, dict(result=_reduce("amin", nonempty=True))),
    ("max", _MAXDIM, dict(result=_max("max"), **_MAX_KW)),
    ("min", _MAXDIM, dict(result=_max("min"), **_MAX_KW)),
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

_FUNCTIONAL = [
    *((op, _INPLACE_ACT, {}) for op in ("relu", "relu6", "selu", "silu", "mish", "hardswish",
                                        "hardsigmoid")),
    ("elu", lambda input, alpha=1.0, inplace=False: None, {}),
    ("leaky_relu", lambda input, negative_slope=0.01, inplace=False: None, {}),
    ("hardtanh", lambda input, min_val=-1.0, max_val=1.0, inplace=False: None,
     dict(result=_hardtanh)),
    ("gelu", lambda input, *, approximate="none": None, dict(result=_gelu)),
    ("sigmoid", _X, {}),
    ("tanh", _X, {}),
    ("softplus", lambda input, beta=1, threshold=20: None, {}),
    ("dropout", _DROPOUT, dict(result=_dropout())),
    ("dropout1d", _DROPOUT, dict(result=_dropout(ranks=(2, 3)))),
    ("dropout2d", _DROPOUT, dict(result=_dropout(min_rank=2))),
    ("dropout3d", _DROPOUT, dict(result=_dropout(min_rank=1))),
    ("alpha_dropout", lambda input, p=0.5, training=False, inplace=False: None,
     dict(result=_dropout())),
    ("softmax", _SOFTMAX_F, dict(result=_softmax("softmax", implicit=True))),
    ("log_softmax", _SOFTMAX_F, dict(result=_softmax("log_softmax", implicit=True))),
    ("normalize", lambda input, p=2.0, dim=1, eps=1e-12, out=None: None,
     dict(result=_normalize)),
    ("layer_norm", lambda input, normalized_shape, weight=None, bias=None, eps=1e-05: None,
     dict(tensors=("input", "weight", "bias"), result=_layer_norm)),
    ("linear", lambda input, weight, bias=None: None,
     dict(tensors=("input", "weight", "bias"), result=_linear, macs=_linear_macs)),
    *((f"max_pool{n}d", _MAXPOOL,
       dict(result=_layer(f"MaxPool{n}d", _MAXPOOL_ARGS, indices=True),
            result_kind=_indices_kind)) for n in (1, 2, 3)),
    ("avg_pool1d", _AVGPOOL1,
     dict(result=_layer("AvgPool1d", ("kernel_size", "stride", "padding", "ceil_mode",
                                      "count_include_pad")))),
    *((f"avg_pool{n}d", _AVGPOOL,
       dict(result=_layer(f"AvgPool{n}d", ("kernel_size", "stride", "padding", "ceil_mode",
                                           "count_include_pad", "divisor_override"))))
      for n in (2, 3)),
    *((f"adaptive_avg_pool{n}d", lambda input, output_size: None,
       dict(result=_layer(f"AdaptiveAvgPool{n}d", ("output_size",)))) for n in (1, 2, 3)),
    *((f"adaptive_max_pool{n}d", lambda input, output_size, return_indices=False: None,
       dict(result=_layer(f"AdaptiveMaxPool{n}d", ("output_size", "return_indices"),
                          indices=True),
            result_kind=_indices_kind)) for n in (1, 2, 3)),
    ("interpolate", lambda input, size=None, scale_factor=None, mode="nearest",
     align_corners=None, recompute_scale_factor=None, antialias=False: None,
     dict(result=_interpolate)),
    ("upsample", lambda input, size=None, scale_factor=None, mode="nearest",
     align_corners=None: None, dict(result=_interpolate)),
    ("pad", lambda input, pad, mode="constant", value=None: None, dict(result=_pad)),
]

TENSOR_METHODS: Dict[str, OpSpec] = _specs("", _METHODS)
TORCH_FUNCTIONS: Dict[str, OpSpec] = _specs("torch.", _TORCH)
FUNCTIONAL: Dict[str, OpSpec] = _specs("F.", _FUNCTIONAL)
