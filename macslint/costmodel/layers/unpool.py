"""Unpooling layers: MaxUnpool1d, MaxUnpool2d, MaxUnpool3d (no parameters, no MACs:
FlopCounterMode counts none).

Their forward takes the pooled input, the indices a max pool returned with it (int64: their
dtype is costmodel.dtypes' to check) and an optional `output_size` (a plain sequence of ints,
the input's `.size()` mostly): `forward_of`, with `output_size` among `forward_values`.

The module stores kernel_size, stride (the kernel_size when None) and padding as torch's
`_ntuple` does (an int repeated n times, a sequence kept as it is) and checks nothing;
F.max_unpool{n}d computes the default size of each of len(kernel_size) trailing dims,
(in - 1) * stride - 2 * padding + kernel, checks a given output_size against it, and calls
max_unpool2d (1d: on the input with a trailing dim of 1 added) or max_unpool3d.
"""

from __future__ import annotations

from typing import Any, List, Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, ShapeTuple, UnknownArgument, Unresolved
from .base import LayerSpec, reject_bool

FORWARD = lambda input, indices, output_size=None: None  # noqa: E731


def _ntuple(value: Any, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, str):
        raise LayerError(f"unsupported operand type(s) for -: 'str' and 'int' ({value!r})")
    return (value,) * n


def _tensor(value: Any, what: str) -> Shape:
    if value is None or isinstance(value, ShapeTuple):
        kind = "NoneType" if value is None else "tuple"
        raise ShapeError(f"'{kind}' object has no attribute 'unsqueeze' ({what})")
    return tuple(value)


def _default_sizes(x: Shape, kernel: tuple, stride: tuple, padding: tuple) -> List[Any]:
    """_unpool_output_size's default: one size per kernel dim, from the input's trailing dims."""
    sizes = []
    for d in range(len(kernel)):
        if len(kernel) > len(x) or d >= len(stride) or d >= len(padding):
            raise ShapeError(f"tuple index out of range (a kernel_size of {len(kernel)} values, "
                             f"stride of {len(stride)}, padding of {len(padding)}, input of "
                             f"size {show_bracketed(x)})")
        for name, v in (("kernel_size", kernel[d]), ("stride", stride[d]),
                        ("padding", padding[d])):
            if not isinstance(v, (int, float)):
                raise LayerError(f"unsupported operand type(s) in max_unpool's output size: "
                                 f"{name} {v!r}")
        sizes.append((x[len(x) - len(kernel) + d] - 1) * stride[d] + kernel[d] - 2 * padding[d])
    return sizes


def _output_sizes(x: Shape, kernel: tuple, stride: tuple, padding: tuple,
                  output_size: Any) -> List[Any]:
    default = _default_sizes(x, kernel, stride, padding)
    if output_size is None:
        sizes = default
    else:
        if isinstance(output_size, UnknownArgument):
            raise Unresolved("output_size", output_size.reason)
        if not isinstance(output_size, (list, tuple)):
            raise LayerError(f"object of type '{type(output_size).__name__}' has no len() "
                             "(max_unpool's output_size)")
        for v in output_size:
            if isinstance(v, UnknownArgument):
                raise Unresolved("output_size", v.reason)
        sizes = list(output_size)
        if len(sizes) == len(kernel) + 2:
            sizes = sizes[2:]
        if len(sizes) != len(kernel):
            raise ShapeError(f"output_size should be a sequence containing {len(kernel)} or "
                             f"{len(kernel) + 2} elements, but it has a length of "
                             f"'{len(sizes)}'")
        for d, (o, k) in enumerate(zip(sizes, default)):
            low, high = k - stride[d], k + stride[d]
            if not isinstance(o, (int, float)) or not low < o < high:
                raise ShapeError(f'invalid output_size "{sizes}" (dim {d} must be between '
                                 f'{low} and {high})')
    for d, o in enumerate(sizes):
        if o < 0:
            raise ShapeError(f"max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={o}")
    return sizes


def _int_values(op: str, arg: str, position: int, values: Sequence[Any]) -> Shape:
    reject_bool(op, arg, tuple(values))
    for i, v in enumerate(values):
        if not isinstance(v, int):
            raise LayerError(f"{op}(): argument '{arg}' (position {position}) must be tuple of "
                             f"ints, but found element of type {type(v).__name__} at pos {i}")
    return tuple(values)


def _unpool_output(n: int):
    name = f"max_unpooling{max(n, 2)}d"
    op = f"max_unpool{max(n, 2)}d"

    def output(args: Args, inputs: Sequence[Any]) -> Shape:
        x = _tensor(inputs[0], "input")
        indices = _tensor(inputs[1], "indices")
        output_size = inputs[2] if len(inputs) > 2 else None
        kernel = _ntuple(args["kernel_size"], n)
        stride_arg = args["stride"]
        stride = _ntuple(kernel if stride_arg is None else stride_arg, n)
        padding = _ntuple(args["padding"], n)
        sizes = _output_sizes(x, kernel, stride, padding, output_size)
        if n == 1:  # max_unpool2d of the input and indices with a trailing dim of 1
            x, indices, sizes = (*x, 1), (*indices, 1), [*sizes, 1]
        out = _int_values(op, "output_size", 3, sizes)
        if n == 3 and len(x) not in (4, 5):
            raise ShapeError(f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a "
                             f"tensor with {len(x)} dimensions.")
        if len(out) != max(n, 2):
            wanted = "three elements (depth, height, width)" if n == 3 \
                else "two elements (height, width)"
            raise LayerError(f"There should be exactly {wanted} in output_size, but got "
                             f"{len(out)} elements.")
        if n < 3 and len(x) not in (3, 4):
            raise ShapeError(f"Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                             f"tensor with {len(x)} dimensions.")
        if n == 3:
            strides = _int_values(op, "stride", 4, stride)
            paddings = _int_values(op, "padding", 5, padding)
            for arg, values in (("stride", strides), ("padding", paddings)):
                if len(values) != 3:
                    raise LayerError(f"There should be exactly three elements (depth, height, "
                                     f"width) in {arg}, but got: {len(values)} elements.")
        if x != indices:
            raise ShapeError(f"Expected shape of indices to be same as that of the input tensor "
                             f"({show_bracketed(x)}) but got indices tensor with shape: "
                             f"{show_bracketed(indices)}")
        for i in range(1, len(x)):
            if x[i] == 0:
                raise ShapeError(f"{name}_forward_out_cpu(): Expected input to have non-zero "
                                 f"size for non-batch dimensions, but got {show_bracketed(x)} "
                                 f"with dimension {i} being empty.")
        if n == 3 and any(s <= 0 for s in strides):
            raise LayerError(f"strides should be greater than zero, but got stride: "
                             f"{list(strides)}")
        result = (*x[: len(x) - len(out)], *out)
        return result[:-1] if n == 1 else result

    return output


SPECS = [
    LayerSpec(f"MaxUnpool{n}d", "pooling",
              lambda kernel_size, stride=None, padding=0: None,
              output=_unpool_output(n), forward_of=FORWARD,
              forward_values=frozenset({"output_size"}))
    for n in (1, 2, 3)
]
