"""Strides: how torch lays a tensor out in memory, as far as `view` cares. `compute_stride` is
torch's own test of whether a view is possible (aten/src/ATen/TensorUtils.cpp,
`at::detail::computeStride`); `view_strides` follows the ops that return views (permute,
transpose, expand, unsqueeze, squeeze, chunk, ...) and `reshape` (a view when possible, else
a contiguous copy). Strides are in elements; None where they are not known."""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Tuple

from .ops.base import dims_arg, int_arg, int_list_arg, sizes_arg
from .shapes import normalize_dim
from .spec import Args, LayerError, Shape, Unresolved

Strides = Tuple[int, ...]

# torch's message where `view` cannot keep the strides (TensorShape.cpp, view_impl)
VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


def contiguous_strides(shape: Sequence[int]) -> Strides:
    """The strides of a fresh (row-major) tensor of `shape`."""
    out, step = [], 1
    for size in reversed(shape):
        out.append(step)
        step *= max(size, 1)
    return tuple(reversed(out))


def is_contiguous(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """torch's `is_contiguous()`: size-1 dims (and empty tensors) whatever their strides."""
    if math.prod(shape) == 0:
        return True
    expected = 1
    for size, stride in zip(reversed(shape), reversed(strides)):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def compute_stride(old_shape: Sequence[int], old_strides: Sequence[int],
                   new_shape: Sequence[int]) -> Optional[Strides]:
    """torch's `computeStride`: the strides a view of `new_shape` has, or None where no view
    can keep the tensor's memory (torch's `view` raises)."""
    if not old_shape:
        return (1,) * len(new_shape)
    numel = math.prod(old_shape)
    if numel == 0 and tuple(old_shape) == tuple(new_shape):
        return tuple(old_strides)
    new = [0] * len(new_shape)
    if numel == 0:
        for d in range(len(new_shape) - 1, -1, -1):
            new[d] = 1 if d == len(new_shape) - 1 else max(new_shape[d + 1], 1) * new[d + 1]
        return tuple(new)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = old_strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new)


def reshape_strides(shape: Shape, strides: Strides, out: Shape) -> Strides:
    """`reshape`: a view where one is possible, else a contiguous copy."""
    found = compute_stride(shape, strides, out)
    return found if found is not None else contiguous_strides(out)


def unsqueeze_strides(shape: Shape, strides: Strides, d: int) -> Strides:
    """torch's inferUnsqueezeGeometry: the new dim's stride is the next dim's extent."""
    stride = 1 if d >= len(shape) else shape[d] * strides[d]
    return (*strides[:d], stride, *strides[d:])


def expand_strides(shape: Shape, strides: Strides, out: Shape) -> Strides:
    """`expand` (torch's inferExpandGeometry): stretched dims step 0; a new leading dim of
    size 1 steps over the dims after it."""
    lead = len(out) - len(shape)
    result = [0] * len(out)
    for i in range(len(out) - 1, -1, -1):
        if i >= lead:
            size, stride = shape[i - lead], strides[i - lead]
        else:
            size = 1
            stride = 1 if i == len(out) - 1 else out[i + 1] * result[i + 1]
        result[i] = stride if size == out[i] else 0
    return tuple(result)


# The ops that allocate their output in the memory format their input suggests (channels
# last stays channels last), else contiguous: the resampling kernels (UpSample.cpp's meta
# functions: `input.suggest_memory_format()`).
LAYOUT_KEEPING_OPS = frozenset({"interpolate", "upsample"})

# The order c10 walks the dims of a channels-last tensor, innermost first (MemoryFormat.h).
_CHANNELS_LAST_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def _strides_like_channels_last(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """c10's is_channels_last_strides_2d_s4 / _3d_s5 (MemoryFormat.h), ambiguous cases
    (size-1 and empty dims) resolved to contiguous as there."""
    order = _CHANNELS_LAST_ORDER.get(len(shape))
    if order is None or strides[1] == 0:
        return False
    low = 0
    for d in order:
        if shape[d] == 0 or strides[d] < low:
            return False
        if d == 0 and low == strides[1]:
            return False
        low = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def channels_last_strides(shape: Sequence[int]) -> Strides:
    """c10's get_channels_last_strides_2d / _3d: channels innermost, then the spatial dims."""
    out = [0] * len(shape)
    out[1] = 1
    step = shape[1]
    for d in range(len(shape) - 1, 1, -1):
        out[d] = step
        step *= shape[d]
    out[0] = step
    return tuple(out)


def suggested_strides(shape: Sequence[int], strides: Sequence[int],
                      out: Sequence[int]) -> Optional[Strides]:
    """The strides of a new tensor of shape `out` allocated in the memory format an input of
    `shape` and `strides` suggests (TensorBase::suggest_memory_format). None where the output
    has a size-1 dim and is not channels last: some of torch's kernels (the linear modes'
    decompositions) leave such a dim's stride at what an intermediate had."""
    if len(out) == len(shape) and _strides_like_channels_last(shape, strides):
        return channels_last_strides(out)
    return None if 1 in out else contiguous_strides(out)


def splits_only(shape: Sequence[int], out: Sequence[int]) -> bool:
    """Whether `out` only splits dims of `shape` (and adds or drops dims of size 1): then
    torch's `view` accepts it whatever the strides (computeStride: every chunk of the tensor
    ends where a dim ends, and so does every group of new dims). False for an empty tensor
    (no claim)."""
    if 0 in shape or 0 in out:
        return False
    sizes = [d for d in out if d != 1]
    i = 0
    for size in (d for d in shape if d != 1):
        product = 1
        while product < size and i < len(sizes):
            product *= sizes[i]
            i += 1
        if product != size:
            return False
    return i == len(sizes)


def view_splits_only(spec: Any, values: Any, shape: Shape) -> bool:
    """A `view` (op `spec` on `values`) of a tensor of `shape` whose strides are not known
    that only splits its dims (timm's `x.transpose(1, 2).view(B, C, H, W)`): torch accepts
    it whatever they are (splits_only)."""
    try:
        result, _ = spec.run(Args(values))
    except (Unresolved, LayerError):
        return False
    return isinstance(result, tuple) and splits_only(shape, result)


# The ops whose result shares its input's memory (or is a copy only where a view cannot be).
VIEW_OPS = frozenset({"view", "view_as", "reshape", "reshape_as", "flatten", "unflatten",
                      "permute", "transpose", "swapdims", "swapaxes", "t", "t_", "T", "mT",
                      "H", "mH", "unsqueeze",
                      "squeeze", "expand", "expand_as", "chunk", "split", "unbind", "detach",
                      "contiguous"})


def view_strides(op: str, args: Args, shape: Shape, strides: Strides, out: Any) -> Any:
    """The strides of what view op `op` (VIEW_OPS) returns, given its input's; `out` is its
    result shape (a tuple of shapes for chunk/split/unbind, with a tuple of strides back).
    None where torch's `view` raises; `...` (Ellipsis) where not known."""
    n = len(shape)
    if op in ("view", "view_as"):
        return compute_stride(shape, strides, out)
    if op in ("reshape", "reshape_as"):
        return reshape_strides(shape, strides, out)
    if op == "flatten":
        if not shape:
            return (1,)
        start = normalize_dim(int_arg(args, "start_dim"), n, "flatten")
        end = normalize_dim(int_arg(args, "end_dim"), n, "flatten")
        return strides if start == end else reshape_strides(shape, strides, out)
    if op == "unflatten":
        found = compute_stride(shape, strides, out)
        return found if found is not None else ...
    if op in ("detach",):
        return strides
    if op == "contiguous":
        return strides if is_contiguous(shape, strides) else contiguous_strides(shape)
    if not shape:
        return strides if op != "unsqueeze" else (1,)
    if op == "permute":
        raw = sizes_arg(args, "sizes", "dims") if "sizes" in args.values else \
            int_list_arg(args, "dims")
        return tuple(strides[normalize_dim(d, n, "permute")] for d in raw)
    if op in ("transpose", "swapdims", "swapaxes"):
        first, second = ("axis0", "axis1") if op == "swapaxes" else ("dim0", "dim1")
        a = normalize_dim(int_arg(args, first), n, "transpose")
        b = normalize_dim(int_arg(args, second), n, "transpose")
        swapped = list(strides)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        return tuple(swapped)
    if op in ("t", "t_", "T") or (op == "H" and n == 2):
        return strides[::-1] if op != "T" or n > 1 else strides
    if op in ("mT", "mH"):
        return (*strides[:-2], strides[-1], strides[-2])
    if op == "unsqueeze":
        return unsqueeze_strides(shape, strides, normalize_dim(int_arg(args, "dim"), n + 1,
                                                               "unsqueeze"))
    if op == "squeeze":
        dims = dims_arg(args, "dim", shape, "squeeze")
        if dims is None:
            dims = () if isinstance(args["dim"], (list, tuple)) else tuple(range(n))
        return tuple(s for i, (d, s) in enumerate(zip(shape, strides))
                     if not (i in dims and d == 1))
    if op in ("expand", "expand_as"):
        return expand_strides(shape, strides, out)
    if op in ("chunk", "split"):
        return tuple(strides for _ in out)
    if op == "unbind":
        d = normalize_dim(int_arg(args, "dim"), n, "unbind")
        return tuple((*strides[:d], *strides[d + 1:]) for _ in out)
    return ...


def index_strides(shape: Shape, strides: Strides, keys: Sequence[Any]) -> Any:
    """The strides of `x[keys]` (ints, slices with a positive step, None, one `...`), as
    torch's basic indexing (select, slice, unsqueeze in turn) gives them; `...` where the
    keys are of another kind."""
    sizes, steps = list(shape), list(strides)
    consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        return ...
    d = 0
    for key in keys:
        if key is None:
            stride = 1 if d >= len(sizes) else sizes[d] * steps[d]
            sizes.insert(d, 1)
            steps.insert(d, stride)
            d += 1
        elif key is Ellipsis:
            d += len(shape) - consumed
        elif isinstance(key, bool):
            return ...
        elif isinstance(key, int):
            del sizes[d], steps[d]
        elif isinstance(key, slice) and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool))
                for v in (key.start, key.stop, key.step)) and (key.step or 1) > 0:
            steps[d] *= key.step or 1
            sizes[d] = len(range(*key.indices(sizes[d])))
            d += 1
        else:
            return ...
    return tuple(steps)
