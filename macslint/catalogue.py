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


class Unknown:
    """A value the analyzer could not compute; `reason` says why."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class Unresolved(Exception):
    """A cost needed an argument whose value is Unknown."""

    def __init__(self, arg: str, reason: str) -> None:
        super().__init__(f"argument '{arg}' is unknown: {reason}")
        self.arg = arg
        self.reason = reason


class LayerError(Exception):
    """torch would raise constructing the layer or calling it (message in torch's words)."""


class ShapeError(LayerError):
    """torch would raise because the input tensor does not fit the layer."""


class Args:
    """Bound constructor arguments; reading an Unknown one raises Unresolved."""

    __slots__ = ("values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def __getitem__(self, name: str) -> Any:
        value = self.values[name]
        if isinstance(value, Unknown):
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
            raise LayerError(f"{self.name}.__init__() {exc}") from None
        bound.apply_defaults()
        return Args(bound.arguments)

    def check_args(self, args: Args) -> None:
        self.check(args)
        self.params(args)  # size errors (negative dims) surface at construction time

    def run(self, args: Args, inputs: Sequence[Shape]) -> Tuple[Shape, int]:
        """Output shape and MACs for batched input shape(s)."""
        out = self.output(args, inputs)
        return out, self.macs(args, inputs, out)


# ---------------------------------------------------------------------------
# Convolutions


def _conv_check(n: int, transposed: bool) -> Callable[[Args], None]:
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
            if isinstance(padding, str):
                raise LayerError(
                    f"conv_transpose{n}d(): argument 'padding' must be tuple of ints, not str"
                )
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
        # The rest torch checks on the first call, whatever the input.
        if (cin if transposed else cout) == 0:
            raise LayerError(
                f"Given groups={groups}, expected weight to be at least 1 at dimension 0, "
                f"but got weight of size {_shape(_conv_weight(args, n, transposed))} instead"
            )
        if any(k == 0 for k in kernel):
            raise LayerError("kernel size should be greater than zero, but got kernel_size="
                             f"{list(kernel)}")
        if any(s <= 0 for s in args.get_ints("stride", n)):
            raise LayerError("non-positive stride is not supported")
        if not isinstance(padding, str) and any(p < 0 for p in args.get_ints("padding", n)):
            raise LayerError("negative padding is not supported")
        dilation = args.get_ints("dilation", n)
        if any(d <= 0 for d in dilation):
            raise LayerError(f"dilation should be greater than zero, but got {list(dilation)}")
        if transposed:
            stride, out_pad = args.get_ints("stride", n), args.get_ints("output_padding", n)
            if any(op < 0 for op in out_pad):
                raise LayerError("negative output_padding is not supported")
            if any(op >= s and op >= d for op, s, d in zip(out_pad, stride, dilation)):
                raise LayerError(
                    "output padding must be smaller than either stride or dilation, but got "
                    f"output_padding={list(out_pad)}, stride={list(stride)}, "
                    f"dilation={list(dilation)}"
                )

    return check


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


def _check_conv_input(name: str, n: int, cin: int, x: Shape) -> Shape:
    if len(x) != n + 2:
        raise ShapeError(
            f"{name} expects a {n + 2}D (batched) input, got {len(x)}D input of size {_shape(x)}"
        )
    if x[1] != cin:
        raise ShapeError(
            f"{name} expects {cin} input channels, but got input of size {_shape(x)} "
            f"with {x[1]} channels"
        )
    return x[2:]


def _conv_output(n: int) -> Callable[[Args, Sequence[Shape]], Shape]:
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        spatial = _check_conv_input(f"Conv{n}d", n, args.get_int("in_channels"), x)
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
            pads = tuple((p, p) for p in args.get_ints("padding", n))
        mode = args["padding_mode"]
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
        if any(p < e for p, e in zip(padded, effective)):
            raise ShapeError(
                f"Calculated padded input size per channel: {_xs(padded)}. Kernel size: "
                f"{_xs(effective)}. Kernel size can't be greater than actual input size"
            )
        stride = args.get_ints("stride", n)
        out = tuple((p - e) // s + 1 for p, e, s in zip(padded, effective, stride))
        return (x[0], args.get_int("out_channels"), *out)

    return output


def _conv_macs(n: int) -> Callable[[Args, Sequence[Shape], Shape], int]:
    def macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        cin_per_group = args.get_int("in_channels") // args.get_int("groups")
        return out[0] * out[1] * math.prod(out[2:]) * cin_per_group * math.prod(kernel)

    return macs


def _conv_transpose_output(n: int) -> Callable[[Args, Sequence[Shape]], Shape]:
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        spatial = _check_conv_input(f"ConvTranspose{n}d", n, args.get_int("in_channels"), x)
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        stride, padding = args.get_ints("stride", n), args.get_ints("padding", n)
        dilation, out_pad = args.get_ints("dilation", n), args.get_ints("output_padding", n)
        out = tuple(
            (i - 1) * s - 2 * p + d * (k - 1) + op + 1
            for i, s, p, d, k, op in zip(spatial, stride, padding, dilation, kernel, out_pad)
        )
        if any(o <= 0 for o in out):
            raise ShapeError(
                f"Given input size per channel: {_xs(spatial)}. Calculated output size per "
                f"channel: {_xs(out)}. Output size is too small"
            )
        return (x[0], args.get_int("out_channels"), *out)

    return output


def _conv_transpose_macs(n: int) -> Callable[[Args, Sequence[Shape], Shape], int]:
    def macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
        x = inputs[0]
        kernel = args.get_ints("kernel_size", n, broadcast_one=False)
        cout_per_group = args.get_int("out_channels") // args.get_int("groups")
        return x[0] * x[1] * math.prod(x[2:]) * cout_per_group * math.prod(kernel)

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
    return (*x1[:-1], out)


def _bilinear_macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
    x1 = inputs[0]
    return math.prod(x1[:-1]) * args.get_int("out_features") * x1[-1] * args.get_int("in2_features")


# ---------------------------------------------------------------------------
# Layers with parameters but no MACs


def _affine_params(channels_arg: str, affine_arg: str) -> Callable[[Args], int]:
    def params(args: Args) -> int:
        c = args.get_int(channels_arg)
        _check_sizes((channels_arg, c))
        if not args[affine_arg]:
            return 0
        return c * (2 if args["bias"] else 1)

    return params


def _channels_output(ranks: Tuple[int, ...], channels_arg: str, kind: str):
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in ranks:
            wanted = " or ".join(f"{r}D" for r in ranks)
            raise ShapeError(f"{kind}: expected {wanted} input (got {len(x)}D input)")
        c = args.get_int(channels_arg)
        if x[1] != c:
            raise ShapeError(
                f"{kind}: expected input with {c} channels at dim 1, got input of size {_shape(x)}"
            )
        return x

    return output


def _batch_norm(n: int) -> LayerSpec:
    ranks = (2, 3) if n == 1 else (n + 2,)
    return LayerSpec(
        f"BatchNorm{n}d",
        "batchnorm",
        lambda num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
        device=None, dtype=None, *, bias=True: None,
        params=_affine_params("num_features", "affine"),
        output=_channels_output(ranks, "num_features", f"BatchNorm{n}d"),
    )


def _instance_norm(n: int) -> LayerSpec:
    return LayerSpec(
        f"InstanceNorm{n}d",
        "instancenorm",
        lambda num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
        device=None, dtype=None, *, bias=True: None,
        params=_affine_params("num_features", "affine"),
        output=_channels_output((n + 2,), "num_features", f"InstanceNorm{n}d"),
    )


def _normalized_shape(args: Args) -> Shape:
    value = args["normalized_shape"]
    if isinstance(value, (list, tuple)):
        return tuple(_as_int("normalized_shape", v) for v in value)
    return (_as_int("normalized_shape", value),)


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


def _group_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, c = inputs[0], args.get_int("num_channels")
    if len(x) < 2 or x[1] != c:
        raise ShapeError(
            f"GroupNorm: expected input of size [N, {c}, *], got input of size {_shape(x)}"
        )
    return x


def _embedding_params(args: Args) -> int:
    if args["_weight"] is not None:
        raise Unresolved("_weight", "a pretrained weight tensor sets the size")
    n, d = args.get_int("num_embeddings"), args.get_int("embedding_dim")
    _check_sizes(("num_embeddings", n), ("embedding_dim", d))
    return n * d


def _embedding_check(args: Args) -> None:
    idx, n = args["padding_idx"], args.get_int("num_embeddings")
    if idx is not None and not -n <= _as_int("padding_idx", idx) < n:
        raise LayerError("Padding_idx must be within num_embeddings")


def _embedding_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    return (*inputs[0], args.get_int("embedding_dim"))


def _embedding_bag_check(args: Args) -> None:
    _embedding_check(args)
    if args["mode"] not in ("sum", "mean", "max"):
        raise LayerError("mode has to be one of sum, mean or max")


def _embedding_bag_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    if len(x) != 2:
        raise ShapeError(
            f"EmbeddingBag: only a 2D input of bags is traced (1D input needs offsets), got "
            f"input of size {_shape(x)}"
        )
    return (x[0], args.get_int("embedding_dim"))


def _prelu_params(args: Args) -> int:
    n = args.get_int("num_parameters")
    _check_sizes(("num_parameters", n))
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
        kernel = args.get_ints("kernel_size", n)
        stride = kernel if args["stride"] is None else args.get_ints("stride", n)
        padding = args.get_ints("padding", n)
        dilation = args.get_ints("dilation", n) if has_dilation else (1,) * n
        ceil_mode = bool(args["ceil_mode"])
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
    if divisor is not None and not isinstance(divisor, Unknown) and divisor == 0:
        raise LayerError("divisor must be not zero")


def _adaptive_output(n: int, kind: str):
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(
                f"{kind}: expected {n + 1}D or {n + 2}D input, got {len(x)}D input of size "
                f"{_shape(x)}"
            )
        size = args["output_size"]
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * n
        if len(sizes) != n:
            raise LayerError(f"{kind}: output_size must be {n} elements, got {list(sizes)}")
        spatial = x[len(x) - n:]
        out = tuple(
            s if o is None else _as_int("output_size", o) for o, s in zip(sizes, spatial)
        )
        if any(o < 0 for o in out):
            raise LayerError(f"{kind}: elements of output_size must be non-negative")
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
    dim = _normalize_dim(args.get_int("dim"), len(x), "Unflatten")
    sizes = args["unflattened_size"]
    if not isinstance(sizes, (list, tuple)):
        raise LayerError("unflattened_size must be tuple of ints")
    sizes = tuple(_as_int("unflattened_size", s) for s in sizes)
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1:
        raise LayerError("only one dimension can be inferred")
    if sizes.count(-1) == 1:
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


def _upsample_check(args: Args) -> None:
    if args["align_corners"] is not None and args["mode"] not in _INTERPOLATING:
        raise LayerError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )


def _upsample_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    n = len(x) - 2
    if n < 1:
        raise ShapeError(f"Upsample: expected an input with spatial dims, got size {_shape(x)}")
    wanted = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(args["mode"])
    if wanted is not None and wanted != n:
        raise ShapeError(
            f"Upsample mode={args['mode']!r} expects a {wanted + 2}D input, got {len(x)}D"
        )
    size, scale = args["size"], args["scale_factor"]
    if size is None and scale is None:
        raise LayerError("either size or scale_factor should be defined")
    if size is not None and scale is not None:
        raise LayerError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * n
        if len(sizes) != n:
            raise ShapeError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(x[2:])} and output size of {list(sizes)}"
            )
        out = tuple(_as_int("size", s) for s in sizes)
    else:
        scales = tuple(scale) if isinstance(scale, (list, tuple)) else (scale,) * n
        if len(scales) != n:
            raise ShapeError(
                f"Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(x[2:])} and scale_factor of "
                f"shape {list(scales)}"
            )
        for s in scales:
            if isinstance(s, bool) or not isinstance(s, (int, float)):
                raise LayerError(f"scale_factor must be a number, got {s!r}")
        out = tuple(math.floor(float(d) * float(s)) for d, s in zip(x[2:], scales))
    if any(o <= 0 for o in out):
        raise ShapeError(
            f"Input and output sizes should be greater than 0, but got input size {list(x[2:])} "
            f"and output size {list(out)}"
        )
    return (*x[:2], *out)


def _dropout_check(args: Args) -> None:
    p = args["p"]
    if isinstance(p, (int, float)) and not isinstance(p, bool) and not 0 <= p <= 1:
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")


# ---------------------------------------------------------------------------
# The catalogue

_POOL_MAX = lambda kernel_size, stride=None, padding=0, dilation=1, return_indices=False, \
    ceil_mode=False: None  # noqa: E731
_POOL_AVG1 = lambda kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True: None  # noqa: E731
_POOL_AVG = lambda kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True, divisor_override=None: None  # noqa: E731
_INPLACE = lambda inplace=False: None  # noqa: E731
_NO_ARGS = lambda: None  # noqa: E731
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
        params=_layer_norm_params, output=_layer_norm_output,
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
    *(LayerSpec(name, "activation", _NO_ARGS) for name in (
        "Sigmoid", "Tanh", "Softsign", "Tanhshrink", "LogSigmoid", "Softmax2d")),
    *(LayerSpec(name, "activation", _DIM) for name in ("Softmax", "LogSoftmax", "Softmin")),
    LayerSpec("LeakyReLU", "activation", lambda negative_slope=0.01, inplace=False: None),
    LayerSpec("ELU", "activation", lambda alpha=1.0, inplace=False: None),
    LayerSpec("CELU", "activation", lambda alpha=1.0, inplace=False: None),
    LayerSpec("GELU", "activation", lambda approximate="none": None),
    LayerSpec("Softplus", "activation", lambda beta=1.0, threshold=20.0: None),
    LayerSpec("Hardtanh", "activation", lambda min_val=-1.0, max_val=1.0, inplace=False,
              min_value=None, max_value=None: None),
    LayerSpec("Threshold", "activation", lambda threshold, value, inplace=False: None),
    *(LayerSpec(name, "dropout", _DROPOUT, check=_dropout_check) for name in (
        "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
        "FeatureAlphaDropout")),
    LayerSpec("Identity", "linear", lambda *args, **kwargs: None),
]

LAYERS: Dict[str, LayerSpec] = {spec.name: spec for spec in _SPECS}
