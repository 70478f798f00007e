"""torch.nn.functional's convolutions (conv1d-3d, conv_transpose1d-3d) and sliding blocks
(unfold, fold).

A convolution's weight tensor gives the channels and the kernel: F.conv2d(x, w) is the
catalogue's Conv2d(w[1] * groups, w[0], w[2:]) (ConvTranspose2d(w[0], w[1] * groups, w[2:])
for a transposed one) called on x, so its output shape, its checks and its MACs (what
FlopCounterMode counts on meta, the bias not counted) are that layer's, after the checks
the functional form makes of the weight and the bias itself. unfold and fold (im2col and
col2im) count 0.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from ...units import format_shape
from ..layers import LAYERS
from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError
from .base import resolved, shape_of, strict_int_arg

# ---------------------------------------------------------------------------
# Convolutions


def _conv_layer(n: int, transposed: bool) -> Tuple[str, Callable[[Args], Args]]:
    """The catalogue layer a functional convolution is, and its constructor arguments."""
    op = f"conv_transpose{n}d" if transposed else f"conv{n}d"

    def layer_args(args: Args) -> Args:
        x, w = shape_of(args), shape_of(args, "weight")
        groups = strict_int_arg(args, "groups")
        if groups <= 0:
            raise LayerError("non-positive groups is not supported")
        if len(w) != n + 2:
            raise ShapeError(f"{op}: expected a {n + 2}-D weight (out_channels, in_channels / "
                             f"groups, {n} kernel dims), got {format_shape(w)}: torch reads "
                             f"the convolution's dims from it (input {format_shape(x)})")
        if w[0] % groups:
            raise ShapeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                             f"at dimension 0, but got weight of size [{show_bracketed(w)}] "
                             f"instead")
        cin, cout = (w[0], w[1] * groups) if transposed else (w[1] * groups, w[0])
        if args["bias"] is not None and shape_of(args, "bias") != (cout,):
            raise ShapeError(f"Given {'transposed=1, ' if transposed else ''}weight of size "
                             f"{show_bracketed(w)}, expected bias to be 1-dimensional with "
                             f"{cout} elements, but got bias of size "
                             f"{show_bracketed(shape_of(args, 'bias'))} instead")
        values: Dict[str, Any] = {
            "in_channels": cin, "out_channels": cout, "kernel_size": w[2:], "groups": groups,
            "bias": args["bias"] is not None, "padding_mode": "zeros",
            **{name: args.values[name] for name in ("stride", "padding", "dilation")},
        }
        if transposed:
            values["output_padding"] = args.values["output_padding"]
        return Args(values)

    return (f"ConvTranspose{n}d" if transposed else f"Conv{n}d"), layer_args


def conv_parts(args: Args, n: int, transposed: bool) -> Tuple[Shape, int]:
    """(output shape, MACs) of F.conv{n}d / F.conv_transpose{n}d."""
    name, layer_args = _conv_layer(n, transposed)
    spec, values = LAYERS[name], layer_args(args)
    spec.check(values)
    out, macs = spec.run(values, [shape_of(args)])
    return out, macs


def _conv(n: int, transposed: bool) -> Dict[str, Any]:
    return dict(tensors=("input", "weight", "bias"), no_numbers=("input", "weight", "bias"),
                result=lambda args: conv_parts(args, n, transposed)[0],
                macs=lambda args, out: conv_parts(args, n, transposed)[1])


# ---------------------------------------------------------------------------
# Sliding blocks: unfold (im2col) and fold (col2im)


def _pair(args: Args, name: str, op: str) -> Tuple[int, int]:
    """`_pair(value)` as F.unfold/F.fold pass it: an int twice, or the sequence; the parser
    refuses a bool first (a later one is an int), or anything but ints."""
    value = resolved(args, name)
    items = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    for pos, item in enumerate(items):
        if not isinstance(item, int) or (pos == 0 and isinstance(item, bool)):
            raise LayerError(f"{op}(): argument '{name}' must be tuple of ints, but found "
                             f"element of type {type(item).__name__} at pos {pos}")
    if len(items) != 2:
        raise LayerError(f"It is expected {name} equals to 2, but got size {len(items)}")
    return int(items[0]), int(items[1])


def _block_args(args: Args, op: str) -> Tuple[Tuple[int, int], ...]:
    """(kernel_size, dilation, padding, stride) after their checks, in col2im's order for
    fold (stride before dilation) and im2col's for unfold."""
    kernel, dilation, padding, stride = (_pair(args, name, op) for name in
                                         ("kernel_size", "dilation", "padding", "stride"))
    checks = [("kernel size should be greater than zero", "kernel", kernel, 1),
              ("dilation should be greater than zero", "dilation", dilation, 1),
              ("padding should be non-negative", "pad", padding, 0),
              ("stride should be greater than zero", "stride", stride, 1)]
    if op == "col2im":
        checks = [checks[0], checks[3], checks[1], checks[2]]
    for message, word, (h, w), least in checks:
        if h < least or w < least:
            suffix = "_size" if word == "kernel" else ""
            raise LayerError(f"{message}, but got {word}{suffix}_height: {h} {word}{suffix}_width: "
                             f"{w}")
    return kernel, dilation, padding, stride


def _blocks(size: int, k: int, d: int, p: int, s: int) -> int:
    return (size + 2 * p - (d * (k - 1) + 1)) // s + 1


def _unfold(args: Args) -> Shape:
    """F.unfold: (N, C * kh * kw, L) of a (N, C, H, W) input, (C * kh * kw, L) unbatched."""
    x = shape_of(args)
    kernel, dilation, padding, stride = _block_args(args, "im2col")
    if len(x) < 3:
        raise ShapeError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(len(x), 1)}, {max(len(x), 1) - 1}], but got {len(x)}) (im2col "
                         f"reads dims 1 and 2 of a {format_shape(x)} input)")
    if not ((len(x) == 3 and 0 not in x) or (len(x) == 4 and 0 not in x[1:])):
        raise ShapeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                         f"other non-zero dimensions for input, but got: {show_bracketed(x)}")
    h, w = x[-2:]
    blocks = tuple(_blocks(size, *parts) for size, *parts in
                   zip((h, w), kernel, dilation, padding, stride))
    if min(blocks) < 1:
        raise ShapeError(f"Given input with spatial size ({h}, {w}), kernel_size={kernel}, "
                         f"dilation={dilation}, padding={padding}, calculated shape of the array "
                         f"of sliding blocks as {blocks}, but its components must be at least "
                         f"one.")
    c = x[-3] * kernel[0] * kernel[1]
    return (*x[:-3], c, blocks[0] * blocks[1])


def _fold(args: Args) -> Shape:
    """F.fold: (N, C, oh, ow) of a (N, C * kh * kw, L) input, (C, oh, ow) unbatched, L the
    number of blocks the output's size holds."""
    x = shape_of(args)
    size = _pair(args, "output_size", "col2im")
    kernel, dilation, padding, stride = _block_args(args, "col2im")
    if len(x) < 2:
        raise ShapeError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(len(x), 1)}, {max(len(x), 1) - 1}], but got 1) (col2im reads "
                         f"dim 1 of a {format_shape(x)} input)")
    if not ((len(x) == 2 and 0 not in x) or (len(x) == 3 and 0 not in x[1:])):
        raise ShapeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                         f"size and non-zero dimensions for input, but got: {show_bracketed(x)}")
    planes, length = x[-2:]
    if planes % (kernel[0] * kernel[1]):
        raise ShapeError(f"Expected size of input's dimension {len(x) - 2} to be divisible by the "
                         f"product of kernel_size, but got input.size({len(x) - 2})={planes} "
                         f"and kernel_size={kernel}.")
    blocks = tuple(_blocks(o, *parts) for o, *parts in
                   zip(size, kernel, dilation, padding, stride))
    if length != blocks[0] * blocks[1]:
        raise ShapeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                         f"padding={padding}, stride={stride}, expected size of input's "
                         f"dimension {len(x) - 1} to match the calculated number of sliding "
                         f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                         f"input.size({len(x) - 1})={length}.")
    if min(blocks) < 1:
        raise ShapeError(f"Given output_size={size}, kernel_size={kernel}, calculated shape of "
                         f"the array of sliding blocks as {blocks}, which is too small "
                         f"(non-positive)")
    if min(size) < 1:
        raise ShapeError(f"Expected output spatial size to be positive, but got: "
                         f"output_size={size}")
    return (*x[:-2], planes // (kernel[0] * kernel[1]), *size)


_CONV = lambda input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1: \
    None  # noqa: E731
_CONV_TRANSPOSE = lambda input, weight, bias=None, stride=1, padding=0, output_padding=0, \
    groups=1, dilation=1: None  # noqa: E731

# F.conv1d(...) ... F.fold(...): listed after functional.FUNCTIONAL
FUNCTIONAL = [
    *((f"conv{n}d", _CONV, _conv(n, False)) for n in (1, 2, 3)),
    *((f"conv_transpose{n}d", _CONV_TRANSPOSE, _conv(n, True)) for n in (1, 2, 3)),
    ("unfold", lambda input, kernel_size, dilation=1, padding=0, stride=1: None,
     dict(result=_unfold, no_numbers=("input",))),
    ("fold", lambda input, output_size, kernel_size, dilation=1, padding=0, stride=1: None,
     dict(result=_fold, no_numbers=("input",))),
]
