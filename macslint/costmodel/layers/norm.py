"""Normalization layers: BatchNorm, InstanceNorm, LayerNorm, GroupNorm (parameters, no MACs)."""

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
        c = args.get_int("num_features")
        # Without weight and running stats nothing in torch knows num_features; nor does
        # torch.batch_norm look at them for an empty input (it returns input * weight[0]).
        if x[1] != c and math.prod(x) and (args["affine"] or args["track_running_stats"]):
            what = "running_mean" if args["track_running_stats"] else "weight"
            raise ShapeError(
                f"BatchNorm{n}d: {what} should contain {x[1]} elements not {c} (input of size "
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


def _layer_norm_check(args: Args) -> None:
    value = args["normalized_shape"]
    raw = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if not raw:
        raise LayerError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            "one element, but got normalized_shape = []"
        )
    reject_bool("layer_norm", "normalized_shape", raw)


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


SPECS = [
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
]
