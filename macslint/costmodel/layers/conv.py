"""Convolution layers: Conv1d-3d and ConvTranspose1d-3d, with torch's construction checks,
its padding modes (F.pad before the kernel) and the kernels' own checks."""

from __future__ import annotations

import math
from typing import Callable, Sequence, Tuple

from ..shapes import show_bracketed, show_times
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .base import LayerSpec, reject_bool


def _conv_check(n: int, transposed: bool) -> Callable[[Args], None]:
    op = f"conv_transpose{n}d" if transposed else f"conv{n}d"

    def check(args: Args) -> None:
        cin, cout = args.get_int("in_channels"), args.get_int("out_channels")
        groups = args.get_int("groups")
        if groups <= 0:
            raise LayerError("groups must be a positive integer")
        if cin % groups:
            raise LayerError("in_channels must be divisible by groups")
        if cout % groups:
            raise LayerError("out_channels must be divisible by groups")
        padding = args["padding"]
        mode = args["padding_mode"]
        if mode not in ("zeros", "reflect", "replicate", "circular"):
            raise LayerError(
                "padding_mode must be one of {'replicate', 'reflect', 'zeros', 'circular'}, "
                f"but got padding_mode={mode!r}"
            )
        if transposed:
            if mode != "zeros":
                raise LayerError(f'Only "zeros" padding mode is supported for ConvTranspose{n}d')
        elif isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise LayerError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in args.get_ints("stride", n)):
                raise LayerError("padding='same' is not supported for strided convolutions")
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        if any(k < 0 for k in kernel):
            raise LayerError("Trying to create tensor with negative dimension: "
                             f"kernel_size={kernel}")
        if cout < 0 or cin < 0:
            raise LayerError("Trying to create tensor with negative dimension: "
                             f"in_channels={cin}, out_channels={cout}")
        # torch.empty(weight shape) takes a bool for an int except as the leading dimension.
        leading = "in_channels" if transposed else "out_channels"
        reject_bool("empty", "size", args[leading], leading=True)
        if transposed and isinstance(args["out_channels"], bool) and args["bias"]:
            reject_bool("empty", "size", args["out_channels"])  # the bias
        # The rest torch checks on the first call, whatever the input.
        if isinstance(padding, str) and transposed:
            raise LayerError(f"{op}(): argument 'padding' must be tuple of ints, but found "
                             "element of type str at pos 0")
        reject_bool(op, "groups", args["groups"])
        for name in ("stride", "dilation", *(("output_padding",) if transposed else ())):
            reject_bool(op, name, args[name], leading=True)
        if not isinstance(padding, str):
            # Non-zero padding modes pad with F.pad(input, padding reversed, repeated twice).
            reject_bool("pad" if mode != "zeros" else op, "padding", padding,
                         leading=mode == "zeros", trailing=mode != "zeros")
            if mode != "zeros" and n > 1 and isinstance(padding, (list, tuple)) \
                    and len(padding) == 1:
                raise LayerError(
                    f"Padding size 2 is not supported for {n + 2}D input tensor "
                    f"(padding={padding!r} with padding_mode={mode!r} pads the last dimension "
                    "only, and F.pad supports that for 2D or 3D inputs only)"
                )
        if (cin if transposed else cout) == 0:
            raise LayerError(
                f"Given groups={groups}, expected weight to be at least 1 at dimension 0, "
                f"but got weight of size {show_bracketed(_conv_weight(args, n, transposed))} "
                "instead"
            )
        if transposed and cout == 0:
            raise LayerError(
                f"non-empty {n + 2}D weight tensor expected, but got: "
                f"{show_bracketed(_conv_weight(args, n, transposed))}"
            )
        # A zero kernel dim leaves the weight empty: the kernels refuse it, and so does the
        # path for empty inputs (it reads the weight's first element), unless the input has no
        # channels (in_channels == 0), which never reads the weight.
        if any(k == 0 for k in kernel) and (transposed or cin != 0):
            raise LayerError("kernel size should be greater than zero, but got kernel_size="
                             f"{list(kernel)}")
        if any(s <= 0 for s in args.get_ints("stride", n)):
            raise LayerError("non-positive stride is not supported")
        # A padding_mode pads with F.pad, where a negative padding crops (the convolution
        # itself then pads nothing); only the convolution refuses a negative padding.
        if not isinstance(padding, str) and mode == "zeros" and \
                any(p < 0 for p in args.get_ints("padding", n)):
            raise LayerError("negative padding is not supported")
        # A zero dilation and a too large output_padding are refused by the kernels only, which
        # an empty input never reaches (see _conv_kernel_checks); a negative dilation always.
        dilation = args.get_ints("dilation", n)
        if any(d < 0 for d in dilation):
            raise LayerError(f"dilation should be greater than zero, but got {list(dilation)}")
        if padding == "same" and mode == "zeros" and \
                any(int(d * (k - 1) / 2) < 0 for k, d in zip(kernel, dilation)):
            # 'same' pads dilation * (kernel - 1) in total, half each side (C++ division): a
            # zero kernel (in_channels=0 allows one) with a dilation of 2 or more pads < 0
            raise LayerError("negative padding is not supported (padding='same' with "
                             f"kernel_size={list(kernel)}, dilation={list(dilation)})")
        if transposed:
            if any(op < 0 for op in args.get_ints("output_padding", n)):
                raise LayerError("negative output_padding is not supported")

    return check


def _conv_empty_input(x: Shape, n: int) -> bool:
    """torch runs no convolution kernel on an input with no batch or no channels: it computes
    the (empty) output's shape only, skipping the kernels' own argument checks."""
    batch = x[0] if len(x) == n + 2 else 1  # an unbatched input gets a batch of 1
    return batch == 0 or x[len(x) - n - 1] == 0


def _conv_kernel_checks(args: Args, n: int, transposed: bool, x: Shape,
                        conv_input: Shape) -> None:
    """The checks torch's convolution kernels make (after the shared shape checks), for an
    input that reaches a kernel. `conv_input`: the spatial dims of the tensor handed to the
    convolution (after the padding F.pad applies for a padding_mode or an uneven 'same')."""
    if any(d == 0 for d in conv_input):
        raise ShapeError(
            f"Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{show_bracketed(x)} (spatial size {show_times(conv_input)} reaches the convolution)"
        )
    dilation = args.get_ints("dilation", n)
    if any(d == 0 for d in dilation):
        raise LayerError(f"dilation should be greater than zero, but got {list(dilation)}")
    if transposed:
        stride, out_pad = args.get_ints("stride", n), args.get_ints("output_padding", n)
        if any(op >= s and op >= d for op, s, d in zip(out_pad, stride, dilation)):
            raise LayerError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding={list(out_pad)}, stride={list(stride)}, "
                f"dilation={list(dilation)}"
            )



def _conv_weight(args: Args, n: int, transposed: bool) -> Shape:
    cin, cout = args.get_int("in_channels"), args.get_int("out_channels")
    groups = args.get_int("groups")
    kernel = args.get_ints("kernel_size", n, broadcast_one=False)
    if transposed:
        return (cin, cout // groups, *kernel)
    return (cout, cin // groups, *kernel)


def _conv_params(n: int, transposed: bool) -> Callable[[Args], int]:
    def params(args: Args) -> int:
        weight = _conv_weight(args, n, transposed)
        if any(d < 0 for d in weight):
            raise LayerError("Trying to create tensor with negative dimension: "
                             f"{show_bracketed(weight)}")
        bias = args.get_int("out_channels") if args["bias"] else 0
        return math.prod(weight) + bias

    return params


def _check_conv_input(args: Args, n: int, transposed: bool, x: Shape) -> Shape:
    """The spatial dims of a batched (N, C, *spatial) or unbatched (C, *spatial) input."""
    op = f"conv_transpose{n}d" if transposed else f"conv{n}d"
    if len(x) not in (n + 1, n + 2):
        raise ShapeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but got input "
            f"of size: {show_bracketed(x)}"
        )
    cin = args.get_int("in_channels")
    channels = x[len(x) - n - 1]
    if channels != cin:
        shown = x if len(x) == n + 2 else (1, *x)
        raise ShapeError(
            f"Given groups={args.get_int('groups')}, weight of size "
            f"{show_bracketed(_conv_weight(args, n, transposed))}, expected "
            f"input{show_bracketed(shown)} to have "
            f"{cin} channels, but got {channels} channels instead"
        )
    return x[len(x) - n:]


def _mode_padding(args: Args, n: int) -> Shape:
    """The padding of each spatial dim. With a padding_mode, torch never checks the length of
    the padding: F.pad applies it, reversed, to as many trailing dims (a Conv1d's padding=(0, 1)
    pads its length by 1 on each side, and a longer one the channels and the batch). That is
    not modelled: such a layer is not counted, rather than called invalid."""
    padding = args["padding"]
    if args["padding_mode"] != "zeros" and isinstance(padding, (list, tuple)) and \
            len(padding) not in (1, n):
        raise Unresolved("padding", f"{len(padding)} values for {n} spatial dims with "
                                    f"padding_mode={args['padding_mode']!r} (F.pad pads other "
                                    "dims with them) is not modelled")
    return args.get_ints("padding", n)


def _conv_output(n: int) -> Callable[[Args, Sequence[Shape]], Shape]:
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        spatial = _check_conv_input(args, n, False, x)
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        dilation = args.get_ints("dilation", n)
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        padding = args["padding"]
        if padding == "same":
            totals = tuple(e - 1 for e in effective)
            pads = tuple((t // 2, t - t // 2) for t in totals)
        elif padding == "valid":
            pads = ((0, 0),) * n
        else:
            pads = tuple((p, p) for p in _mode_padding(args, n))
        mode = args["padding_mode"]
        if mode in ("reflect", "replicate"):
            # F.pad refuses empty non-batch dims (an unbatched input has no batch dim).
            checked = x[1:] if len(x) == n + 2 else x
            if any(d == 0 for d in checked):
                raise ShapeError(
                    f"Expected {len(x) - 1}D or {len(x)}D (batch mode) tensor with possibly 0 "
                    f"batch size and other non-zero dimensions for input, but got: "
                    f"{show_bracketed(x)}"
                )
        if mode == "reflect" and any(max(p) >= s for p, s in zip(pads, spatial)):
            raise ShapeError(
                f"Padding size should be less than the corresponding input dimension, but got: "
                f"padding {pads} for input of size {show_bracketed(x)} (padding_mode='reflect')"
            )
        if mode == "circular" and any(max(p) > s for p, s in zip(pads, spatial)):
            raise ShapeError(
                f"Padding value causes wrapping around more than once: padding {pads} for input "
                f"of size {show_bracketed(x)} (padding_mode='circular')"
            )
        padded = tuple(s + a + b for s, (a, b) in zip(spatial, pads))
        # F.pad cropping (negative padding) to nothing: reflect and replicate refuse an empty
        # result, circular only a negative size (an empty one meets the kernel check below)
        if any(p < 0 or (p == 0 and mode in ("reflect", "replicate")) for p in padded):
            raise ShapeError(
                f"input of size {show_bracketed(x)} is too small: padding {pads} "
                f"(padding_mode={mode!r}) leaves {show_times(padded)}"
            )
        if any(p < e for p, e in zip(padded, effective)):
            raise ShapeError(
                f"Calculated padded input size per channel: {show_times(padded)}. Kernel size: "
                f"{show_times(effective)}. Kernel size can't be greater than actual input size"
            )
        if not _conv_empty_input(x, n):
            # What F.pad adds before the convolution: all of it for a padding_mode, the uneven
            # part of 'same' (the convolution pads the even part itself).
            if mode != "zeros":
                conv_input = padded
            elif padding == "same":
                conv_input = tuple(s + b - a for s, (a, b) in zip(spatial, pads))
            else:
                conv_input = spatial
            _conv_kernel_checks(args, n, False, x, conv_input)
        stride = args.get_ints("stride", n)
        out = tuple((p - e) // s + 1 for p, e, s in zip(padded, effective, stride))
        # torch quirk: with in_channels=0 the output has 0 channels, whatever out_channels.
        cout = args.get_int("out_channels") if args.get_int("in_channels") else 0
        return (*x[: len(x) - n - 1], cout, *out)

    return output


def _conv_macs(n: int) -> Callable[[Args, Sequence[Shape], Shape], int]:
    def macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        cin_per_group = args.get_int("in_channels") // args.get_int("groups")
        return math.prod(out) * cin_per_group * math.prod(kernel)

    return macs


def _conv_transpose_output(n: int) -> Callable[[Args, Sequence[Shape]], Shape]:
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        spatial = _check_conv_input(args, n, True, x)
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        stride, padding = args.get_ints("stride", n), args.get_ints("padding", n)
        dilation, out_pad = args.get_ints("dilation", n), args.get_ints("output_padding", n)
        out = tuple(
            (i - 1) * s - 2 * p + d * (k - 1) + op + 1
            for i, s, p, d, k, op in zip(spatial, stride, padding, dilation, kernel, out_pad)
        )
        # torch's reference kernels reject an empty output too (the oneDNN CPU path lets a
        # size of exactly 0 through, but that is a backend accident, not the semantics); an
        # empty input reaches no kernel, and only a negative size fails its output's view.
        empty = _conv_empty_input(x, n)
        if not empty:
            _conv_kernel_checks(args, n, True, x, spatial)
        if any(o < 0 if empty else o <= 0 for o in out):
            raise ShapeError(
                f"Given input size per channel: {show_times(spatial)}. Calculated output size per "
                f"channel: {show_times(out)}. Output size is too small"
            )
        return (*x[: len(x) - n - 1], args.get_int("out_channels"), *out)

    return output


def _conv_transpose_macs(n: int) -> Callable[[Args, Sequence[Shape], Shape], int]:
    def macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        cout_per_group = args.get_int("out_channels") // args.get_int("groups")
        return math.prod(inputs[0]) * cout_per_group * math.prod(kernel)

    return macs


def _spatial_standalone(n: int, channels_arg: str) -> Callable[[Args, Shape], Tuple[Shape, ...]]:
    """(own channels, trailing n dims of input-size): a layer costed on its own."""

    def standalone(args: Args, input_size: Shape) -> Tuple[Shape, ...]:
        if len(input_size) < n:
            raise Unresolved(
                "input-size",
                f"input-size {'x'.join(map(str, input_size))} has fewer than the {n} spatial "
                f"dims this layer needs; set input-size for this path",
            )
        return ((args.get_int(channels_arg), *input_size[len(input_size) - n:]),)

    return standalone


def _conv(n: int) -> LayerSpec:
    return LayerSpec(
        f"Conv{n}d",
        "conv",
        lambda in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        groups=1, bias=True, padding_mode="zeros", device=None, dtype=None: None,
        params=_conv_params(n, False),
        output=_conv_output(n),
        macs=_conv_macs(n),
        check=_conv_check(n, False),
        standalone_inputs=_spatial_standalone(n, "in_channels"),
    )


def _conv_transpose(n: int) -> LayerSpec:
    return LayerSpec(
        f"ConvTranspose{n}d",
        "conv",
        lambda in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
        groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None: None,
        params=_conv_params(n, True),
        output=_conv_transpose_output(n),
        macs=_conv_transpose_macs(n),
        check=_conv_check(n, True),
        standalone_inputs=_spatial_standalone(n, "in_channels"),
    )


SPECS = [
    *(_conv(n) for n in (1, 2, 3)),
    *(_conv_transpose(n) for n in (1, 2, 3)),
]
