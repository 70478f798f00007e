"""The cost model: torch.nn layers as data, with parameter counts, shape transfer and MACs.

Pure Python, no libcst and no torch. Shapes are tuples of ints *with* the batch dimension,
as torch sees them. Each layer is one `LayerSpec` entry in `LAYERS`; its constructor
signature is written as a lambda so that arguments bind exactly as Python binds them for
torch's constructor (positional, keyword, defaults).

Conventions (the ones `torch.utils.flop_counter.FlopCounterMode` uses, flops / 2):
MACs count convolutions, transposed convolutions and matrix products only, without bias;
norms, activations, pools, embeddings and resampling cost 0.  Bilinear is the exception:
FlopCounterMode does not see it at all, so macslint counts it as the `Linear` over the outer
product it is (out * in1 * in2 per sample) rather than pretend it is free.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

Shape = Tuple[int, ...]

INT64_MAX = 2**63 - 1


class UnknownArgument:
    """The base of the values a caller could not compute (`reason` says why). The cost model
    only tests for them: reading one through `Args` raises Unresolved. The evaluator's
    `Unknown` (macslint.evaluator.values) is one."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Unresolved(Exception):
    """A cost needed an argument whose value is not known."""

    def __init__(self, arg: str, reason: str) -> None:
        super().__init__(f"argument '{arg}' is unknown: {reason}")
        self.arg = arg
        self.reason = reason


class LayerError(Exception):
    """torch would raise constructing the layer or calling it (message in torch's words)."""


class ShapeError(LayerError):
    """torch would raise because the input tensor does not fit the layer."""


class Args:
    """Bound constructor arguments; reading an unknown one raises Unresolved."""

    __slots__ = ("values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def __getitem__(self, name: str) -> Any:
        value = self.values[name]
        if isinstance(value, UnknownArgument):
            raise Unresolved(name, value.reason)
        return value

    def get_int(self, name: str) -> int:
        return _as_int(name, self[name])

    def get_ints(self, name: str, n: int, *, broadcast_one: bool = True) -> Shape:
        """An int or a sequence of n ints (or of one int, which torch repeats)."""
        value = self[name]
        if isinstance(value, (list, tuple)):
            items = tuple(_as_int(name, v) for v in value)
            if len(items) == n or (broadcast_one and len(items) == 1):
                return items * (n // len(items)) if len(items) == 1 else items
            raise LayerError(
                f"expected {name} to be a single integer value or a list of {n} values to match "
                f"the convolution dimensions, but got {name}={list(items)}"
            )
        return (_as_int(name, value),) * n


def _python_wording(message: str) -> str:
    """inspect's binding errors in the words Python uses for the constructor call itself."""
    if message.startswith("missing a required argument: "):
        return "missing 1 required positional argument: " + message.split(": ", 1)[1]
    if message.startswith("multiple values for argument "):
        return "got " + message
    return message


def _as_int(name: str, value: Any) -> int:
    if not isinstance(value, int):  # bool is an int for torch too
        raise LayerError(f"{name} must be an int, got {value!r}")
    if abs(value) > INT64_MAX:
        raise LayerError(f"{name}={value} does not fit in a 64-bit integer")
    return int(value)


def _shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _xs(dims: Sequence[int]) -> str:
    return "(" + " x ".join(str(d) for d in dims) + ")"


# ---------------------------------------------------------------------------
# The entry type


def _zero_macs(args: Args, inputs: Sequence[Shape], output: Shape) -> int:
    return 0


def _no_params(args: Args) -> int:
    return 0


def _no_check(args: Args) -> None:
    return None


def _same_shape(args: Args, inputs: Sequence[Shape]) -> Shape:
    return inputs[0]


@dataclass(frozen=True)
class LayerSpec:
    name: str
    module: str  # torch.nn.modules.<module> defines it
    signature_of: Callable[..., None]  # a lambda with torch's constructor signature
    params: Callable[[Args], int] = _no_params
    output: Callable[[Args, Sequence[Shape]], Shape] = _same_shape
    macs: Callable[[Args, Sequence[Shape], Shape], int] = _zero_macs
    check: Callable[[Args], None] = _no_check
    # Per-sample input shape(s) when the layer is costed on its own at the configured
    # input size (no traced shape); None for layers whose MACs do not depend on a shape.
    standalone_inputs: Optional[Callable[[Args, Shape], Tuple[Shape, ...]]] = None
    _signature: list = field(default_factory=list, compare=False, repr=False)

    def __reduce__(self) -> tuple:
        # Pickled for worker processes (`-j`) by name: its rules are lambdas.
        return (_spec_named, (self.name,))

    @property
    def signature(self) -> inspect.Signature:
        if not self._signature:
            self._signature.append(inspect.signature(self.signature_of))
        return self._signature[0]

    def bind(self, positional: Sequence[Any], keywords: Mapping[str, Any]) -> Args:
        """Bind call arguments as torch's constructor would; LayerError if Python would not."""
        try:
            bound = self.signature.bind(*positional, **keywords)
        except TypeError as exc:
            raise LayerError(f"{self.name}.__init__() {_python_wording(str(exc))}") from None
        bound.apply_defaults()
        return Args(bound.arguments)

    def check_args(self, args: Args) -> None:
        self.check(args)
        self.params(args)  # size errors (negative dims) surface at construction time

    def run(self, args: Args, inputs: Sequence[Shape]) -> Tuple[Shape, int]:
        """Output shape and MACs for input shape(s) (batched, or unbatched where torch
        takes that too: convolutions, pools, InstanceNorm...)."""
        out = self.output(args, inputs)
        return out, self.macs(args, inputs, out)


# ---------------------------------------------------------------------------
# Convolutions


def _conv_check(n: int, transposed: bool) -> Callable[[Args], None]:
    op = f"conv_transpose{n}d" if transposed else f"conv{n}d"

    def check(args: Args) -> None:
        cin, cout, groups = args.get_int("in_channels"), args.get_int("out_channels"), args.get_int("groups")
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
            raise LayerError(f"Trying to create tensor with negative dimension: kernel_size={kernel}")
        if cout < 0 or cin < 0:
            raise LayerError("Trying to create tensor with negative dimension: "
                             f"in_channels={cin}, out_channels={cout}")
        # torch.empty(weight shape) takes a bool for an int except as the leading dimension.
        leading = "in_channels" if transposed else "out_channels"
        _reject_bool("empty", "size", args[leading], leading=True)
        if transposed and isinstance(args["out_channels"], bool) and args["bias"]:
            _reject_bool("empty", "size", args["out_channels"])  # the bias
        # The rest torch checks on the first call, whatever the input.
        if isinstance(padding, str) and transposed:
            raise LayerError(f"{op}(): argument 'padding' must be tuple of ints, but found "
                             "element of type str at pos 0")
        _reject_bool(op, "groups", args["groups"])
        for name in ("stride", "dilation", *(("output_padding",) if transposed else ())):
            _reject_bool(op, name, args[name], leading=True)
        if not isinstance(padding, str):
            # Non-zero padding modes pad with F.pad(input, padding reversed, repeated twice).
            _reject_bool("pad" if mode != "zeros" else op, "padding", padding,
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
                f"but got weight of size {_shape(_conv_weight(args, n, transposed))} instead"
            )
        if transposed and cout == 0:
            raise LayerError(
                f"non-empty {n + 2}D weight tensor expected, but got: "
                f"{_shape(_conv_weight(args, n, transposed))}"
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
            f"{_shape(x)} (spatial size {_xs(conv_input)} reaches the convolution)"
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


def _reject_bool(op: str, arg: str, value: Any, *, leading: bool = False,
                 trailing: bool = False) -> None:
    """torch's C++ argument parser refuses a bool where it wants an int, and in an int list
    it looks at the first element only (a bool further on passes as 0 or 1).  `leading`:
    the value is, or is expanded to, an int list; `trailing`: that list is reversed first."""
    if isinstance(value, (list, tuple)):
        if not value:
            return
        first = value[-1] if trailing else value[0]
        if isinstance(first, bool):
            raise LayerError(f"{op}(): argument '{arg}' must be tuple of ints, but found element "
                             "of type bool at pos 0")
    elif isinstance(value, bool):
        what = "tuple of ints" if leading or trailing else "int"
        raise LayerError(f"{op}(): argument '{arg}' must be {what}, not bool")


def _conv_weight(args: Args, n: int, transposed: bool) -> Shape:
    cin, cout, groups = args.get_int("in_channels"), args.get_int("out_channels"), args.get_int("groups")
    kernel = args.get_ints("kernel_size", n, broadcast_one=False)
    if transposed:
        return (cin, cout // groups, *kernel)
    return (cout, cin // groups, *kernel)


def _conv_params(n: int, transposed: bool) -> Callable[[Args], int]:
    def params(args: Args) -> int:
        weight = _conv_weight(args, n, transposed)
        if any(d < 0 for d in weight):
            raise LayerError(f"Trying to create tensor with negative dimension: {_shape(weight)}")
        bias = args.get_int("out_channels") if args["bias"] else 0
        return math.prod(weight) + bias

    return params


def _check_conv_input(args: Args, n: int, transposed: bool, x: Shape) -> Shape:
    """The spatial dims of a batched (N, C, *spatial) or unbatched (C, *spatial) input."""
    op = f"conv_transpose{n}d" if transposed else f"conv{n}d"
    if len(x) not in (n + 1, n + 2):
        raise ShapeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but got input "
            f"of size: {_shape(x)}"
        )
    cin = args.get_int("in_channels")
    channels = x[len(x) - n - 1]
    if channels != cin:
        shown = x if len(x) == n + 2 else (1, *x)
        raise ShapeError(
            f"Given groups={args.get_int('groups')}, weight of size "
            f"{_shape(_conv_weight(args, n, transposed))}, expected input{_shape(shown)} to have "
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
                    f"batch size and other non-zero dimensions for input, but got: {_shape(x)}"
                )
        if mode == "reflect" and any(max(p) >= s for p, s in zip(pads, spatial)):
            raise ShapeError(
                f"Padding size should be less than the corresponding input dimension, but got: "
                f"padding {pads} for input of size {_shape(x)} (padding_mode='reflect')"
            )
        if mode == "circular" and any(max(p) > s for p, s in zip(pads, spatial)):
            raise ShapeError(
                f"Padding value causes wrapping around more than once: padding {pads} for input "
                f"of size {_shape(x)} (padding_mode='circular')"
            )
        padded = tuple(s + a + b for s, (a, b) in zip(spatial, pads))
        # F.pad cropping (negative padding) to nothing: reflect and replicate refuse an empty
        # result, circular only a negative size (an empty one meets the kernel check below)
        if any(p < 0 or (p == 0 and mode in ("reflect", "replicate")) for p in padded):
            raise ShapeError(
                f"input of size {_shape(x)} is too small: padding {pads} "
                f"(padding_mode={mode!r}) leaves {_xs(padded)}"
            )
        if any(p < e for p, e in zip(padded, effective)):
            raise ShapeError(
                f"Calculated padded input size per channel: {_xs(padded)}. Kernel size: "
                f"{_xs(effective)}. Kernel size can't be greater than actual input size"
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
                f"Given input size per channel: {_xs(spatial)}. Calculated output size per "
                f"channel: {_xs(out)}. Output size is too small"
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


# ---------------------------------------------------------------------------
# Linear layers


def _check_sizes(*pairs: Tuple[str, int]) -> None:
    for name, value in pairs:
        if value < 0:
            raise LayerError(f"Trying to create tensor with negative dimension: {name}={value}")


def _linear_params(args: Args) -> int:
    cin, cout = args.get_int("in_features"), args.get_int("out_features")
    _check_sizes(("in_features", cin), ("out_features", cout))
    _reject_bool("empty", "size", args["out_features"], leading=True)  # weight [out, in]
    return cin * cout + (cout if args["bias"] else 0)


def _last_dim(x: Shape, expected: int, what: str) -> None:
    if not x:
        raise ShapeError(f"{what}: a 0-dimensional input has no features")
    if x[-1] != expected:
        rows = math.prod(x[:-1])
        raise ShapeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and {expected}x"
            f"{what.split('=')[-1]}): input of size {_shape(x)} does not end in {expected}"
        )


def _linear_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, cin, cout = inputs[0], args.get_int("in_features"), args.get_int("out_features")
    _last_dim(x, cin, f"Linear out_features={cout}")
    return (*x[:-1], cout)


def _linear_macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
    return math.prod(inputs[0]) * args.get_int("out_features")


def _bilinear_params(args: Args) -> int:
    a, b, o = args.get_int("in1_features"), args.get_int("in2_features"), args.get_int("out_features")
    _check_sizes(("in1_features", a), ("in2_features", b), ("out_features", o))
    _reject_bool("empty", "size", args["out_features"], leading=True)  # weight [out, in1, in2]
    if a == 0:  # reset_parameters() divides by sqrt(in1_features)
        raise LayerError(f"in1_features must be > 0, but got (in1_features={a})")
    return o * a * b + (o if args["bias"] else 0)


def _bilinear_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    if len(inputs) != 2:
        raise ShapeError("Bilinear.forward() takes two inputs")
    x1, x2, out = inputs[0], inputs[1], args.get_int("out_features")
    _last_dim(x1, args.get_int("in1_features"), f"Bilinear out_features={out}")
    _last_dim(x2, args.get_int("in2_features"), f"Bilinear out_features={out}")
    if x1[:-1] != x2[:-1]:
        raise ShapeError(
            f"Bilinear: input1 of size {_shape(x1)} and input2 of size {_shape(x2)} must have "
            "the same leading dimensions"
        )
    if args.get_int("in2_features") == 0:  # whatever the input: reshape(-1, 0) is ambiguous
        raise LayerError(
            "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified "
            "dimension size -1 can be any value and is ambiguous (in2_features=0)"
        )
    return (*x1[:-1], out)


def _bilinear_macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
    x1 = inputs[0]
    return math.prod(x1[:-1]) * args.get_int("out_features") * x1[-1] * args.get_int("in2_features")


# ---------------------------------------------------------------------------
# Layers with parameters but no MACs


def _affine_params(channels_arg: str, affine_arg: str,
                   buffers_arg: Optional[str] = None) -> Callable[[Args], int]:
    def params(args: Args) -> int:
        c = args.get_int(channels_arg)
        # The size is only checked by creating a tensor of it: affine weights or running
        # statistics (a norm with neither accepts a negative num_features).
        maybe_tensors = _maybe(args, affine_arg) or (buffers_arg and _maybe(args, buffers_arg))
        if maybe_tensors:
            _check_sizes((channels_arg, c))
        if isinstance(args.values.get(channels_arg), bool) and (
                _known(args, affine_arg) or (buffers_arg and _known(args, buffers_arg))):
            _reject_bool("empty", "size", args[channels_arg], leading=True)  # weight or buffer
        if not args[affine_arg]:
            return 0
        return c * (2 if args["bias"] else 1)

    return params


def _batch_norm_check(args: Args) -> None:
    eps = _known(args, "eps")
    if _is_number(eps) and eps < 0:
        raise LayerError(f"batch_norm eps must be non-negative, but got {eps}")


def _batch_norm_output(n: int):
    ranks = (2, 3) if n == 1 else (n + 2,)

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in ranks:
            wanted = " or ".join(f"{r}D" for r in ranks)
            raise ShapeError(f"BatchNorm{n}d: expected {wanted} input (got {len(x)}D input)")
        c = args.get_int("num_features")
        # Without weight and running stats nothing in torch knows num_features; nor does
        # torch.batch_norm look at them for an empty input (it returns input * weight[0]).
        if x[1] != c and math.prod(x) and (args["affine"] or args["track_running_stats"]):
            what = "running_mean" if args["track_running_stats"] else "weight"
            raise ShapeError(
                f"BatchNorm{n}d: {what} should contain {x[1]} elements not {c} (input of size "
                f"{_shape(x)})"
            )
        # Without running statistics the batch's own are used in eval mode too, and a single
        # value per channel has none (with running statistics only training fails: the mode
        # is not known here, so that is not reported).
        track = args.values.get("track_running_stats")
        if not track and not isinstance(track, UnknownArgument) and x[0] * math.prod(x[2:]) == 1:
            raise ShapeError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{_shape(x)}"
            )
        _check_empty_affine(args, c)
        return x

    return output


def _check_empty_affine(args: Args, weights: int) -> None:
    """torch.batch_norm on an empty input scales it by the first weight (and adds the first
    bias), which a norm with affine weights over 0 channels does not have."""
    if weights == 0 and args["affine"]:
        raise ShapeError(
            "select(): index 0 out of range for tensor of size [0] at dimension 0 (an empty "
            "input scaled by the affine weight of 0 elements)"
        )


def _batch_norm(n: int) -> LayerSpec:
    return LayerSpec(
        f"BatchNorm{n}d",
        "batchnorm",
        lambda num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
        device=None, dtype=None, *, bias=True: None,
        params=_affine_params("num_features", "affine", "track_running_stats"),
        output=_batch_norm_output(n),
        check=_batch_norm_check,
    )


def _instance_norm_output(n: int):
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(
                f"InstanceNorm{n}d: expected {n + 1}D or {n + 2}D input (got {len(x)}D input)"
            )
        c, dim = args.get_int("num_features"), len(x) - n - 1
        if x[dim] != c:
            # Without affine weights or running stats torch only warns.
            if args["affine"]:
                raise ShapeError(
                    f"expected input's size at dim={dim} to match num_features ({c}), but got: "
                    f"{x[dim]}."
                )
            if args["track_running_stats"]:
                batch = x[0] if dim else 1
                raise ShapeError(
                    f"running_mean should contain {batch * x[dim]} elements not {batch * c}"
                )
        # Instance statistics need more than one value; with track_running_stats the check
        # only runs in training mode, which the catalogue cannot know.
        track = args.values.get("track_running_stats")
        if not track and not isinstance(track, UnknownArgument) and math.prod(x[dim + 1:]) == 1:
            raise ShapeError(
                f"Expected more than 1 spatial element when training, got input size {_shape(x)}"
            )
        # instance_norm is a batch_norm over (1, batch * channels, ...) with the weight repeated
        # batch times.
        _check_empty_affine(args, (x[0] if dim else 1) * x[dim])
        return x

    return output


def _instance_norm(n: int) -> LayerSpec:
    return LayerSpec(
        f"InstanceNorm{n}d",
        "instancenorm",
        lambda num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
        device=None, dtype=None, *, bias=True: None,
        params=_affine_params("num_features", "affine", "track_running_stats"),
        output=_instance_norm_output(n),
    )


def _normalized_shape(args: Args) -> Shape:
    value = args["normalized_shape"]
    if isinstance(value, (list, tuple)):
        return tuple(_as_int("normalized_shape", v) for v in value)
    return (_as_int("normalized_shape", value),)


def _layer_norm_check(args: Args) -> None:
    value = args["normalized_shape"]
    raw = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if not raw:
        raise LayerError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            "one element, but got normalized_shape = []"
        )
    _reject_bool("layer_norm", "normalized_shape", raw)


def _layer_norm_params(args: Args) -> int:
    shape = _normalized_shape(args)
    _check_sizes(*(("normalized_shape", d) for d in shape))
    if not args["elementwise_affine"]:
        return 0
    return math.prod(shape) * (2 if args["bias"] else 1)


def _layer_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, shape = inputs[0], _normalized_shape(args)
    if len(x) < len(shape) or x[len(x) - len(shape):] != shape:
        raise ShapeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {_shape(x)}"
        )
    return x


def _group_norm_check(args: Args) -> None:
    groups, channels = args.get_int("num_groups"), args.get_int("num_channels")
    if groups == 0:
        raise LayerError("num_groups must be positive (torch raises ZeroDivisionError)")
    if channels % groups:
        raise LayerError(
            f"num_channels ({channels}) must be divisible by num_groups ({groups})"
        )
    if groups < 0:
        raise LayerError(f"Expected num groups to be greater than 0, got {groups}")
    _reject_bool("group_norm", "num_groups", args["num_groups"])


def _group_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, c, g = inputs[0], args.get_int("num_channels"), args.get_int("num_groups")
    if len(x) < 2:
        raise ShapeError(
            f"Expected at least 2 dimensions for input tensor but received {len(x)}"
        )
    if x[1] != c and args["affine"]:
        raise ShapeError(
            f"Expected weight to be a vector of size equal to the number of channels in input, "
            f"but got weight of shape [{c}] and input of shape {_shape(x)}"
        )
    if x[1] % g:
        raise ShapeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {_shape(x)} and num_groups={g}"
        )
    if x[0] * x[1] // g * math.prod(x[2:]) == 1:
        raise ShapeError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{[x[0] * x[1] // g, g, *x[2:]]}"
        )
    return x


def _embedding_params(args: Args) -> int:
    if args["_weight"] is not None:
        raise Unresolved("_weight", "a pretrained weight tensor sets the size")
    n, d = args.get_int("num_embeddings"), args.get_int("embedding_dim")
    _check_sizes(("num_embeddings", n), ("embedding_dim", d))
    _reject_bool("empty", "size", args["num_embeddings"], leading=True)
    return n * d


def _embedding_check(args: Args) -> None:
    idx, n = args["padding_idx"], args.get_int("num_embeddings")
    if idx is not None and not -n <= _as_int("padding_idx", idx) < n:
        raise LayerError("Padding_idx must be within num_embeddings")


def _check_some_embedding(args: Args, x: Shape) -> None:
    """Every index is out of range of an empty table, whatever its value."""
    if args.get_int("num_embeddings") == 0 and math.prod(x):
        raise ShapeError(
            f"index out of range in self: num_embeddings=0 has no row for any of the indices "
            f"of an input of size {_shape(x)}"
        )


def _embedding_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    _check_some_embedding(args, inputs[0])
    return (*inputs[0], args.get_int("embedding_dim"))


def _embedding_bag_check(args: Args) -> None:
    _embedding_check(args)
    if args["mode"] not in ("sum", "mean", "max"):
        raise LayerError("mode has to be one of sum, mean or max")
    if args["mode"] == "max":  # F.embedding_bag refuses these on every call
        if _known(args, "scale_grad_by_freq"):
            raise LayerError("max mode does not support scaling the gradient by the frequency")
        if _known(args, "sparse"):
            raise LayerError("max mode does not support sparse weights")


def _embedding_bag_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    if len(x) != 2:
        raise ShapeError(
            f"EmbeddingBag: only a 2D input of bags is traced (1D input needs offsets), got "
            f"input of size {_shape(x)}"
        )
    if x[1] == 0:
        raise ShapeError(
            f"EmbeddingBag: bags of size 0 (input of size {_shape(x)}): step must be nonzero"
        )
    _check_some_embedding(args, x)
    return (x[0], args.get_int("embedding_dim"))


def _prelu_params(args: Args) -> int:
    n = args.get_int("num_parameters")
    _check_sizes(("num_parameters", n))
    _reject_bool("empty", "size", args["num_parameters"], leading=True)
    return n


def _prelu_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, n = inputs[0], args.get_int("num_parameters")
    if n != 1 and (len(x) < 2 or x[1] != n):
        raise ShapeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {x[1] if len(x) >= 2 else 1}."
        )
    return x


# ---------------------------------------------------------------------------
# Shape-only layers


def _pool_output(n: int, kind: str, has_dilation: bool):
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(
                f"{kind}: expected {n + 1}D or {n + 2}D input, got {len(x)}D input of size "
                f"{_shape(x)}"
            )
        op = f"{kind[:3].lower()}_pool{n}d"
        names = ("kernel_size", "stride", "padding", *(("dilation",) if has_dilation else ()))
        for name in names:
            _reject_bool(op, name, args[name], leading=True)
        kernel = args.get_ints("kernel_size", n)
        raw_stride = args["stride"]
        # stride=None and an empty stride both mean "the kernel size" to torch.
        if raw_stride is None or (isinstance(raw_stride, (list, tuple)) and not raw_stride):
            stride = kernel
        else:
            stride = args.get_ints("stride", n)
        padding = args.get_ints("padding", n)
        dilation = args.get_ints("dilation", n) if has_dilation else (1,) * n
        ceil_mode = bool(args["ceil_mode"])
        # A batch of 0 is fine, any other empty dimension is not.
        if any(d == 0 for d in (x[1:] if len(x) == n + 2 else x)):
            raise ShapeError(
                f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with optional 0 dim batch "
                f"size for input, but got: {_shape(x)}"
            )
        if any(k <= 0 for k in kernel):
            raise LayerError(f"kernel_size must be greater than zero, but got {list(kernel)}")
        if any(s <= 0 for s in stride):
            raise LayerError(f"stride must be greater than zero, but got {list(stride)}")
        if any(d <= 0 for d in dilation):
            raise LayerError(f"dilation must be greater than zero, but got {list(dilation)}")
        if any(p < 0 for p in padding):
            raise LayerError("pad must be non-negative")
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        for p, k, d in zip(padding, kernel, dilation):
            if p > k // 2:
                raise LayerError(
                    "pad should be at most half of effective kernel size, but got "
                    f"pad={p}, kernel_size={k} and dilation={d}"
                )
        spatial = x[len(x) - n:]
        out = []
        for size, k_eff, s, p in zip(spatial, effective, stride, padding):
            numerator = size + 2 * p - k_eff + ((s - 1) if ceil_mode else 0)
            o = numerator // s + 1
            if ceil_mode and (o - 1) * s >= size + p:
                o -= 1
            out.append(o)
        if kind == "AvgPool3d" and any(size < k for size, k in zip(spatial, kernel)):
            # avg_pool3d (only) wants the kernel to fit the input without its padding
            raise ShapeError(
                f"input image (T: {spatial[0]} H: {spatial[1]} W: {spatial[2]}) smaller than "
                f"kernel size (kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})"
            )
        if any(o <= 0 for o in out):
            shown = "x".join(map(str, x[len(x) - n - 1:]))
            got = "x".join(map(str, (*x[len(x) - n - 1:len(x) - n], *out)))
            raise ShapeError(
                f"Given input size: ({shown}). Calculated output size: ({got}). "
                "Output size is too small"
            )
        return (*x[: len(x) - n], *out)

    return output


def _avg_pool_check(args: Args) -> None:
    divisor = args.values.get("divisor_override")
    if divisor is not None and not isinstance(divisor, UnknownArgument) and divisor == 0:
        raise LayerError("divisor must be not zero")


def _adaptive_output(n: int, kind: str):
    is_avg = kind.startswith("AdaptiveAvg")
    # adaptive_avg_pool2d/3d to an output of all ones is a mean over the last n dims: torch
    # takes that shortcut before any check of the input's rank or empty dims.
    mean_shortcut = is_avg and n > 1

    def rank_check(x: Shape) -> None:
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(
                f"{kind}: expected {n + 1}D or {n + 2}D input, got {len(x)}D input of size "
                f"{_shape(x)}"
            )

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if not mean_shortcut:
            rank_check(x)
        op = f"adaptive_{kind[8:11].lower()}_pool{n}d"
        size = args["output_size"]
        if size is None or (n == 1 and isinstance(size, (list, tuple)) and None in size):
            # None stands for "the input size" only as an element, and not in 1d pools.
            raise LayerError(f"{op}(): argument 'output_size' must be tuple of ints, but got "
                             f"{size!r}")
        is_sequence = isinstance(size, (list, tuple))
        if mean_shortcut and is_sequence and len(x) <= len(size):
            # F.adaptive_avg_pool2d/3d fill its Nones in from the input's trailing dims
            raise ShapeError(f"Input dimension should be at least {len(size) + 1}, got input "
                             f"of size {_shape(x)}")
        sizes = tuple(size) if is_sequence else (size,) * n
        if len(sizes) != n:
            raise LayerError(f"{op}: output_size must be {n}, got {list(sizes)}")
        spatial = x[len(x) - n:]
        resolved = tuple(s if o is None else o for o, s in zip(sizes, spatial)) \
            if is_sequence else sizes
        _reject_bool(op, "output_size", resolved if is_sequence else size)
        out = tuple(_as_int("output_size", o) for o in resolved)
        if any(o < 0 for o in out):
            raise LayerError(
                f"{op}: elements of output_size must be greater than or equal to 0 but "
                f"received {list(out)}"
            )
        if mean_shortcut and all(o == 1 for o in out):
            if len(x) < n:
                raise ShapeError(
                    f"Dimension out of range: {kind} to size 1 averages the last {n} dims of "
                    f"an input of size {_shape(x)}"
                )
            return (*x[: len(x) - n], *out)
        rank_check(x)
        # Avg pools refuse empty spatial dims (a 1d pool to size 1 is a 2d one to 1x1, the
        # mean above); max pools, and the 3d avg pool, any empty dim but the first.
        checked = spatial if is_avg and n < 3 else x[1:]
        if any(d == 0 for d in checked) and not (is_avg and out == (1,)):
            raise ShapeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {_shape(x)}"
            )
        return (*x[: len(x) - n], *out)

    return output


def _normalize_dim(dim: int, rank: int, what: str) -> int:
    if not -rank <= dim < rank:
        raise ShapeError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but "
            f"got {dim}) in {what}"
        )
    return dim % rank


def _flatten_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    for name in ("start_dim", "end_dim"):
        _reject_bool("flatten", name, args[name])
    rank = max(len(x), 1)
    start = _normalize_dim(args.get_int("start_dim"), rank, "Flatten")
    end = _normalize_dim(args.get_int("end_dim"), rank, "Flatten")
    if start > end:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if not x:
        return (1,)
    return (*x[:start], math.prod(x[start:end + 1]), *x[end + 1:])


def _unflatten_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    raw = args["unflattened_size"]
    if not isinstance(raw, (list, tuple)):
        raise LayerError(
            f"unflattened_size must be a tuple of ints, but found type {type(raw).__name__}"
        )
    sizes = tuple(_as_int("unflattened_size", s) for s in raw)
    _reject_bool("unflatten", "dim", args["dim"])
    _reject_bool("unflatten", "sizes", raw)
    dim = _normalize_dim(args.get_int("dim"), len(x), "Unflatten")
    if not sizes:
        raise LayerError("unflatten: sizes must be non-empty")
    for i, s in enumerate(sizes):
        if s < -1:
            raise LayerError(f"invalid shape dimension {s} at index {i} of shape {list(sizes)}")
    if sizes.count(-1) > 1:
        raise LayerError("only one dimension can be inferred")
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) == 1:
        if known == 0 and x[dim] == 0:
            raise ShapeError(
                f"cannot reshape tensor of 0 elements into shape {list(sizes)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or x[dim] % known:
            raise ShapeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                f"{dim} ({x[dim]}) in the input tensor"
            )
        sizes = tuple(x[dim] // known if s == -1 else s for s in sizes)
    elif known != x[dim]:
        raise ShapeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({x[dim]}) in the input tensor"
        )
    return (*x[:dim], *sizes, *x[dim + 1:])


_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
# mode -> the number of spatial dims it needs (None: 1, 2 or 3)
_UPSAMPLE_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1,
                   "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _upsample_scale(args: Args) -> Any:
    """scale_factor as nn.Upsample stores it: a tuple of floats, a float, or None if falsy."""
    try:
        return _upsample_floats(args["scale_factor"])
    except OverflowError as exc:  # `scale_factor=10**1000`: nn.Upsample's float() raises too
        raise LayerError(str(exc)) from None


def _upsample_floats(scale: Any) -> Any:
    if isinstance(scale, tuple):
        for s in scale:
            if not isinstance(s, (int, float)):
                raise LayerError(f"scale_factor must be a number, got {s!r}")
        return tuple(float(s) for s in scale)
    if isinstance(scale, list):
        raise LayerError("float() argument must be a string or a real number, not 'list' "
                         "(nn.Upsample takes scale_factor as a float or a tuple)")
    if scale is not None and not isinstance(scale, (int, float)):
        raise LayerError(f"scale_factor must be a number, got {scale!r}")
    return float(scale) if scale else None


def _upsample_check(args: Args) -> None:
    mode = args["mode"]
    if args["align_corners"] is not None and mode not in _INTERPOLATING:
        raise LayerError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if mode == "lanczos":
        raise LayerError("Lanczos mode requires antialias=True, which nn.Upsample cannot set")
    if mode not in _UPSAMPLE_MODES:
        raise LayerError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})"
        )
    size, scale = args.values.get("size"), args.values.get("scale_factor")
    if isinstance(size, UnknownArgument) or isinstance(scale, UnknownArgument):
        return
    scale = _upsample_scale(args)
    if size is not None and scale is not None:
        raise LayerError("only one of size or scale_factor should be defined")
    if size is None and scale is None:
        raise LayerError("either size or scale_factor should be defined")
    if _known(args, "recompute_scale_factor") and size is not None:
        raise LayerError("recompute_scale_factor is not meaningful with an explicit size.")


def _upsample_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    n, mode = len(x) - 2, args["mode"]
    if not 1 <= n <= 3:
        raise ShapeError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {len(x)}D) for the "
            f"modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})"
        )
    wanted = _UPSAMPLE_MODES.get(mode)
    if wanted is not None and wanted != n:
        raise ShapeError(f"Got {n + 2}D input, but {mode} mode needs {wanted + 2}D input")
    size, scale = args["size"], _upsample_scale(args)
    if size is not None:
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * n
        if len(sizes) != n:
            raise ShapeError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(x[2:])} and output size of {list(sizes)}"
            )
        out = tuple(_as_int("size", s) for s in sizes)
        _reject_bool(f"upsample_{mode}", "output_size", sizes)
    else:
        scales = scale if isinstance(scale, tuple) else (scale,) * n
        if len(scales) != n:
            raise ShapeError(
                f"Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(x[2:])} and scale_factor of "
                f"shape {list(scales)}"
            )
        out = tuple(math.floor(float(d) * s) for d, s in zip(x[2:], scales))
    if mode == "area":
        # F.interpolate's 'area' is adaptive_avg_pool{n}d to the output size: its rules (an
        # empty output dim is fine; an empty input dim is not, unless the output is all ones)
        LAYERS[f"AdaptiveAvgPool{n}d"].output(Args({"output_size": out}), [x])
        return (*x[:2], *out)
    # The other modes produce no empty dim, and take no empty spatial dim nor channels.
    if any(o < 1 for o in out) or any(d == 0 for d in x[2:]) or x[1] == 0:
        raise ShapeError(
            f"Input and output sizes should be greater than 0, but got input of size "
            f"{_shape(x)} and output size {list(out)}"
        )
    return (*x[:2], *out)


def _maybe(args: Args, name: str) -> bool:
    """An argument torch tests for truth is true, or may be (it is not known)."""
    value = args.values.get(name)
    return isinstance(value, UnknownArgument) or bool(value)


def _known(args: Args, name: str) -> Any:
    """An argument's value for a validity check, or None when it is not known."""
    value = args.values.get(name)
    return None if isinstance(value, UnknownArgument) else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dropout_check(args: Args) -> None:
    p = _known(args, "p")
    if _is_number(p) and not 0 <= p <= 1:
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout_output(ranks: Optional[Tuple[int, ...]], min_rank: int = 2):
    """Channel-wise dropouts: Dropout1d wants 2D or 3D, Dropout3d takes 1D too (torch 2.13
    warns and treats it as unbatched), the others at least 2D."""

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if ranks is not None and len(x) not in ranks:
            raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {len(x)}D "
                             "input")
        # Only drawing the per-channel noise needs the channels; torch draws none for p=0,
        # p=1 (all dropped) or an empty input.
        p = _known(args, "p")
        no_noise = isinstance(p, (int, float)) and p in (0, 1) or not math.prod(x)
        if len(x) < min_rank and not no_noise:
            raise ShapeError("Feature dropout requires at least 2 dimensions in the input")
        return x

    return output


def _softmax_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, dim = inputs[0], _known(args, "dim")
    _reject_bool("softmax", "dim", dim)
    if isinstance(dim, int):
        _normalize_dim(dim, max(len(x), 1), "softmax")
    return x


def _softmax2d_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    if len(x) not in (3, 4):
        raise ShapeError(f"Softmax2d: expected input to be 3D or 4D, got {len(x)}D instead")
    return x


def _no_args_check(name: str) -> Callable[[Args], None]:
    """torch's signature is Module.__init__(*args, **kwargs), which refuses any argument."""

    def check(args: Args) -> None:
        kwargs, extra = args.values.get("kwargs") or {}, args.values.get("args") or ()
        if kwargs:
            raise LayerError(
                f"{name}.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'"
            )
        if extra:
            raise LayerError(
                f"{name}.__init__() takes 1 positional argument but {len(extra) + 1} were given"
            )

    return check


def _gelu_check(args: Args) -> None:
    approximate = _known(args, "approximate")
    if isinstance(approximate, str) and approximate not in ("none", "tanh"):
        raise LayerError("approximate argument must be either none or tanh.")


def _celu_check(args: Args) -> None:
    alpha = _known(args, "alpha")
    if _is_number(alpha) and alpha == 0:
        raise LayerError("ZeroDivisionError: alpha cannot be 0 for CELU")


def _hardtanh_check(args: Args) -> None:
    low, high = _known(args, "min_val"), _known(args, "max_val")
    if args.values.get("min_value") is not None:
        low = _known(args, "min_value")
    if args.values.get("max_value") is not None:
        high = _known(args, "max_value")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and high <= low:
        raise LayerError(f"max_val ({high}) must be greater than min_val ({low})")


# ---------------------------------------------------------------------------
# The catalogue

_POOL_MAX = lambda kernel_size, stride=None, padding=0, dilation=1, return_indices=False, \
    ceil_mode=False: None  # noqa: E731
_POOL_AVG1 = lambda kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True: None  # noqa: E731
_POOL_AVG = lambda kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True, divisor_override=None: None  # noqa: E731
_INPLACE = lambda inplace=False: None  # noqa: E731
_NO_ARGS = lambda *args, **kwargs: None  # noqa: E731
_DIM = lambda dim=None: None  # noqa: E731
_DROPOUT = lambda p=0.5, inplace=False: None  # noqa: E731

_SPECS: list = [
    *(_conv(n) for n in (1, 2, 3)),
    *(_conv_transpose(n) for n in (1, 2, 3)),
    LayerSpec(
        "Linear", "linear",
        lambda in_features, out_features, bias=True, device=None, dtype=None: None,
        params=_linear_params, output=_linear_output, macs=_linear_macs,
        standalone_inputs=lambda args, size: ((args.get_int("in_features"),),),
    ),
    LayerSpec(
        "Bilinear", "linear",
        lambda in1_features, in2_features, out_features, bias=True, device=None,
        dtype=None: None,
        params=_bilinear_params, output=_bilinear_output, macs=_bilinear_macs,
        standalone_inputs=lambda args, size: (
            (args.get_int("in1_features"),), (args.get_int("in2_features"),)),
    ),
    *(_batch_norm(n) for n in (1, 2, 3)),
    *(_instance_norm(n) for n in (1, 2, 3)),
    LayerSpec(
        "LayerNorm", "normalization",
        lambda normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
        dtype=None: None,
        params=_layer_norm_params, output=_layer_norm_output, check=_layer_norm_check,
    ),
    LayerSpec(
        "GroupNorm", "normalization",
        lambda num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *,
        bias=True: None,
        params=_affine_params("num_channels", "affine"), output=_group_norm_output,
        check=_group_norm_check,
    ),
    LayerSpec(
        "Embedding", "sparse",
        lambda num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
        scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None,
        dtype=None: None,
        params=_embedding_params, output=_embedding_output, check=_embedding_check,
    ),
    LayerSpec(
        "EmbeddingBag", "sparse",
        lambda num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
        scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
        include_last_offset=False, padding_idx=None, device=None, dtype=None: None,
        params=_embedding_params, output=_embedding_bag_output, check=_embedding_bag_check,
    ),
    LayerSpec(
        "PReLU", "activation",
        lambda num_parameters=1, init=0.25, device=None, dtype=None: None,
        params=_prelu_params, output=_prelu_output,
    ),
    *(LayerSpec(f"MaxPool{n}d", "pooling", _POOL_MAX,
                output=_pool_output(n, f"MaxPool{n}d", True)) for n in (1, 2, 3)),
    LayerSpec("AvgPool1d", "pooling", _POOL_AVG1, output=_pool_output(1, "AvgPool1d", False)),
    *(LayerSpec(f"AvgPool{n}d", "pooling", _POOL_AVG, check=_avg_pool_check,
                output=_pool_output(n, f"AvgPool{n}d", False)) for n in (2, 3)),
    *(LayerSpec(f"AdaptiveAvgPool{n}d", "pooling", lambda output_size: None,
                output=_adaptive_output(n, f"AdaptiveAvgPool{n}d")) for n in (1, 2, 3)),
    *(LayerSpec(f"AdaptiveMaxPool{n}d", "pooling",
                lambda output_size, return_indices=False: None,
                output=_adaptive_output(n, f"AdaptiveMaxPool{n}d")) for n in (1, 2, 3)),
    LayerSpec("Flatten", "flatten", lambda start_dim=1, end_dim=-1: None,
              output=_flatten_output),
    LayerSpec("Unflatten", "flatten", lambda dim, unflattened_size: None,
              output=_unflatten_output),
    LayerSpec(
        "Upsample", "upsampling",
        lambda size=None, scale_factor=None, mode="nearest", align_corners=None,
        recompute_scale_factor=None: None,
        output=_upsample_output, check=_upsample_check,
    ),
    # Elementwise layers: output shape = input shape, no parameters, no MACs.
    *(LayerSpec(name, "activation", _INPLACE) for name in (
        "ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid")),
    # torch's signature for these is Module.__init__(*args, **kwargs), refusing any argument
    *(LayerSpec(name, "activation", _NO_ARGS, check=_no_args_check(name)) for name in (
        "Sigmoid", "Tanh", "Softsign", "Tanhshrink", "LogSigmoid")),
    LayerSpec("Softmax2d", "activation", _NO_ARGS, check=_no_args_check("Softmax2d"),
              output=_softmax2d_output),
    *(LayerSpec(name, "activation", _DIM, output=_softmax_output) for name in (
        "Softmax", "LogSoftmax", "Softmin")),
    LayerSpec("LeakyReLU", "activation", lambda negative_slope=0.01, inplace=False: None),
    LayerSpec("ELU", "activation", lambda alpha=1.0, inplace=False: None),
    LayerSpec("CELU", "activation", lambda alpha=1.0, inplace=False: None, check=_celu_check),
    LayerSpec("GELU", "activation", lambda approximate="none": None, check=_gelu_check),
    LayerSpec("Softplus", "activation", lambda beta=1.0, threshold=20.0: None),
    LayerSpec("Hardtanh", "activation", lambda min_val=-1.0, max_val=1.0, inplace=False,
              min_value=None, max_value=None: None, check=_hardtanh_check),
    LayerSpec("Threshold", "activation", lambda threshold, value, inplace=False: None),
    *(LayerSpec(name, "dropout", _DROPOUT, check=_dropout_check) for name in (
        "Dropout", "AlphaDropout")),
    LayerSpec("Dropout1d", "dropout", _DROPOUT, check=_dropout_check,
              output=_feature_dropout_output((2, 3))),
    *(LayerSpec(name, "dropout", _DROPOUT, check=_dropout_check,
                output=_feature_dropout_output(None)) for name in (
        "Dropout2d", "FeatureAlphaDropout")),
    LayerSpec("Dropout3d", "dropout", _DROPOUT, check=_dropout_check,
              output=_feature_dropout_output(None, min_rank=1)),
    LayerSpec("Identity", "linear", lambda *args, **kwargs: None),
]

LAYERS: Dict[str, LayerSpec] = {spec.name: spec for spec in _SPECS}


def _spec_named(name: str) -> LayerSpec:
    return LAYERS[name]


def output_count(args: Args) -> int:
    """How many tensors a layer call returns: max pools built with `return_indices=True`
    return (output, indices), both of the output's shape; every other layer one tensor."""
    return 2 if args.values.get("return_indices") is True else 1
