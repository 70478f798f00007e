"""Normalization layers: BatchNorm, SyncBatchNorm, InstanceNorm, LayerNorm, GroupNorm, RMSNorm,
LocalResponseNorm and CrossMapLRN2d (parameters, no MACs: FlopCounterMode counts none)."""

from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, UnknownArgument, as_int, is_real_number
from .base import LayerSpec, check_sizes, reject_bool


def _affine_params(channels_arg: str, affine_arg: str,
                   buffers_arg: Optional[str] = None) -> Callable[[Args], int]:
    def params(args: Args) -> int:
        c = args.get_int(channels_arg)
        # The size is only checked by creating a tensor of it: affine weights or running
        # statistics (a norm with neither accepts a negative num_features).
        maybe_tensors = args.maybe(affine_arg) or (buffers_arg and args.maybe(buffers_arg))
        if maybe_tensors:
            check_sizes((channels_arg, c))
        if isinstance(args.values.get(channels_arg), bool) and (
                args.known(affine_arg) or (buffers_arg and args.known(buffers_arg))):
            reject_bool("empty", "size", args[channels_arg], leading=True)  # weight or buffer
        if not args[affine_arg]:
            return 0
        return c * (2 if args["bias"] else 1)

    return params


def _batch_norm_check(args: Args) -> None:
    eps = args.known("eps")
    if is_real_number(eps) and eps < 0:
        raise LayerError(f"batch_norm eps must be non-negative, but got {eps}")


def _batch_norm_output(n: int):
    ranks = (2, 3) if n == 1 else (n + 2,)

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in ranks:
            wanted = " or ".join(f"{r}D" for r in ranks)
            raise ShapeError(f"BatchNorm{n}d: expected {wanted} input (got {len(x)}D input)")
        return _batch_norm_call(f"BatchNorm{n}d", args, x)

    return output


def _sync_batch_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    """SyncBatchNorm outside a distributed run (or in eval mode) is F.batch_norm, on an input
    of any rank from 2, after checks of its own."""
    x = inputs[0]
    if len(x) < 2:
        raise ShapeError(f"SyncBatchNorm: expected at least 2D input (got {len(x)}D input)")
    if x[1] == 0:
        raise ShapeError("SyncBatchNorm number of input channels should be non-zero")
    return _batch_norm_call("SyncBatchNorm", args, x)


def _batch_norm_call(name: str, args: Args, x: Shape) -> Shape:
    """F.batch_norm's checks of an input of the right rank."""
    c = args.get_int("num_features")
    # Without weight and running stats nothing in torch knows num_features; nor does
    # torch.batch_norm look at them for an empty input (it returns input * weight[0]).
    if x[1] != c and math.prod(x) and (args["affine"] or args["track_running_stats"]):
        what = "running_mean" if args["track_running_stats"] else "weight"
        raise ShapeError(
            f"{name}: {what} should contain {x[1]} elements not {c} (input of size "
            f"{show_bracketed(x)})"
        )
    # Without running statistics the batch's own are used in eval mode too, and a single
    # value per channel has none (with running statistics only training fails: the mode
    # is not known here, so that is not reported).
    track = args.values.get("track_running_stats")
    if not track and not isinstance(track, UnknownArgument) and x[0] * math.prod(x[2:]) == 1:
        raise ShapeError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{show_bracketed(x)}"
        )
    _check_empty_affine(args, c)
    return x


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
                "Expected more than 1 spatial element when training, got input size "
                f"{show_bracketed(x)}"
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
        return tuple(as_int("normalized_shape", v) for v in value)
    return (as_int("normalized_shape", value),)


def _normalized_shape_check(op: str) -> Callable[[Args], None]:
    def check(args: Args) -> None:
        value = args["normalized_shape"]
        raw = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        if not raw:
            raise LayerError(
                "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                "least one element, but got normalized_shape = []"
            )
        reject_bool(op, "normalized_shape", raw)

    return check


def _layer_norm_params(args: Args) -> int:
    shape = _normalized_shape(args)
    check_sizes(*(("normalized_shape", d) for d in shape))
    if not args["elementwise_affine"]:
        return 0
    return math.prod(shape) * (2 if args["bias"] else 1)


def _layer_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, shape = inputs[0], _normalized_shape(args)
    if len(x) < len(shape) or x[len(x) - len(shape):] != shape:
        raise ShapeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {show_bracketed(x)}"
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
    reject_bool("group_norm", "num_groups", args["num_groups"])


def _group_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, c, g = inputs[0], args.get_int("num_channels"), args.get_int("num_groups")
    if len(x) < 2:
        raise ShapeError(
            f"Expected at least 2 dimensions for input tensor but received {len(x)}"
        )
    if x[1] != c and args["affine"]:
        raise ShapeError(
            f"Expected weight to be a vector of size equal to the number of channels in input, "
            f"but got weight of shape [{c}] and input of shape {show_bracketed(x)}"
        )
    if x[1] % g:
        raise ShapeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {show_bracketed(x)} and num_groups={g}"
        )
    if x[0] * x[1] // g * math.prod(x[2:]) == 1:
        raise ShapeError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{[x[0] * x[1] // g, g, *x[2:]]}"
        )
    return x


def _rms_norm_params(args: Args) -> int:
    shape = _normalized_shape(args)
    if not args["elementwise_affine"]:
        return 0  # nothing is created: torch.rms_norm compares the shape with the input's
    check_sizes(*(("normalized_shape", d) for d in shape))
    return math.prod(shape)


def _rms_norm_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, shape = inputs[0], _normalized_shape(args)
    if len(x) < len(shape):
        raise ShapeError(f"Input tensor must have at least {len(shape)} dimensions, but got "
                         f"{len(x)}")
    if x[len(x) - len(shape):] != shape:
        raise ShapeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{show_bracketed(x)}"
        )
    return x


def _unknown(args: Args, name: str) -> bool:
    return isinstance(args.values.get(name), UnknownArgument)


def _lrn_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    """F.local_response_norm: the squares averaged over `size` channels (a pad of the
    channels, then avg_pool2d of a 3-D input, avg_pool3d of a larger one, at stride 1), which
    keeps the shape for any positive int size. An empty input is returned before any of that."""
    x = inputs[0]
    if len(x) < 3:
        raise ShapeError(f"Expected 3D or higher dimensionality input (got {len(x)} dimensions)")
    if not math.prod(x) or _unknown(args, "size"):
        return x
    size, pool = args["size"], "avg_pool2d" if len(x) == 3 else "avg_pool3d"
    if isinstance(size, bool):
        raise LayerError(f"{pool}(): argument 'kernel_size' (position 2) must be tuple of ints, "
                         "but found element of type bool at pos 0")
    if not isinstance(size, int):
        raise LayerError(f"pad(): argument 'pad' must be tuple of ints, but got "
                         f"{type(size).__name__} (size {size!r} // 2)")
    if size <= 0:
        kernel = f"kH: {size} kW: 1" if len(x) == 3 else f"kT: {size} kH: 1 kW: 1"
        raise LayerError(f"kernel size should be greater than zero, but got {kernel}")
    return x


def _cross_map_lrn_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    """CrossMapLRN2d's forward (torch.nn.modules._functions): a 4-D input, whose channels it
    walks with `select`, reading channel c + pre_pad - 1 and c - pre_pad for pre_pad =
    int((size - 1) / 2 + 1) (a size below -1 reads outside them), then divides alpha by size."""
    x = inputs[0]
    if len(x) != 4:
        raise ShapeError(f"CrossMapLRN2d: Expected input to be 4D, got {len(x)}D instead.")
    channels = x[1]
    if channels == 0:
        raise ShapeError(f"select(): index 0 out of range for tensor of size {show_bracketed(x)} "
                         "at dimension 1")
    if _unknown(args, "size"):
        return x
    size = args["size"]
    if not isinstance(size, (int, float)):
        raise LayerError(f"unsupported operand type(s) for -: '{type(size).__name__}' and 'int'")
    pre_pad = int((size - 1) / 2 + 1)
    index = _cross_map_bad_index(channels, pre_pad)
    if index is not None:
        raise ShapeError(f"select(): index {index} out of range for tensor of size "
                         f"{show_bracketed(x)} at dimension 1")
    if size == 0:
        raise LayerError("float division by zero (CrossMapLRN2d divides alpha by size)")
    return x


def _cross_map_bad_index(channels: int, pre_pad: int) -> Optional[int]:
    """The first channel index out of range that CrossMapLRN2d's loop selects, or None. For c
    in 1..channels-1 it reads c + pre_pad - 1 (when c < channels - pre_pad + 1: never above
    the last channel, below -channels first at c = 1), then c - pre_pad (when c > pre_pad:
    never negative, past the last channel first at c = max(1, channels + pre_pad))."""
    if channels < 2:
        return None
    if pre_pad < -channels:
        return pre_pad  # c = 1: 1 + pre_pad - 1
    if pre_pad < 0:
        first = max(1, channels + pre_pad)
        return first - pre_pad
    return None


SPECS = [
    *(_batch_norm(n) for n in (1, 2, 3)),
    *(_instance_norm(n) for n in (1, 2, 3)),
    LayerSpec(
        "LayerNorm", "normalization",
        lambda normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
        dtype=None: None,
        params=_layer_norm_params, output=_layer_norm_output,
        check=_normalized_shape_check("layer_norm"),
    ),
    LayerSpec(
        "GroupNorm", "normalization",
        lambda num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *,
        bias=True: None,
        params=_affine_params("num_channels", "affine"), output=_group_norm_output,
        check=_group_norm_check,
    ),
    LayerSpec(
        "SyncBatchNorm", "batchnorm",
        lambda num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
        process_group=None, device=None, dtype=None, *, bias=True: None,
        params=_affine_params("num_features", "affine", "track_running_stats"),
        output=_sync_batch_norm_output, check=_batch_norm_check,
    ),
    LayerSpec(
        "RMSNorm", "normalization",
        lambda normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None: None,
        params=_rms_norm_params, output=_rms_norm_output,
        check=_normalized_shape_check("rms_norm"),
    ),
    LayerSpec("LocalResponseNorm", "normalization",
              lambda size, alpha=1e-4, beta=0.75, k=1.0: None, output=_lrn_output),
    LayerSpec("CrossMapLRN2d", "normalization",
              lambda size, alpha=1e-4, beta=0.75, k=1: None, output=_cross_map_lrn_output),
]
