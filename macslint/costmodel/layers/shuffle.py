"""Pixel and channel shuffles: PixelShuffle, PixelUnshuffle and ChannelShuffle (no parameters,
no MACs: FlopCounterMode counts none). The pixel shuffles move (C, H, W) to (C / r^2, H * r,
W * r) and back, on the last three dims of an input of any rank from 3 up; ChannelShuffle
permutes the channels (dim 1) of an input of any rank from 3 up. torch checks the factor and
the groups only at the call."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..shapes import show_bracketed
from ..spec import INT64_MAX, Args, LayerError, Shape, ShapeError, check_int64
from .base import LayerSpec


def _factor(op: str, arg: str, value: Any) -> int:
    """F.pixel_shuffle's int argument, as its argument parser takes it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayerError(f"{op}(): argument '{arg}' (position 2) must be int, not "
                         f"{type(value).__name__}")
    return check_int64(arg, value)


def _shuffle_output(unshuffle: bool) -> Callable[[Args, Sequence[Shape]], Shape]:
    op, arg = ("pixel_unshuffle", "downscale_factor") if unshuffle \
        else ("pixel_shuffle", "upscale_factor")

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        r = _factor(op, arg, args[arg])
        if len(x) < 3:
            raise ShapeError(f"{op} expects input to have at least 3 dimensions, but got input "
                             f"with {len(x)} dimension(s)")
        if r <= 0:
            raise LayerError(f"{op} expects a positive {arg}, but got {r}")
        *lead, c, h, w = x
        if not unshuffle:
            if r * r > INT64_MAX:
                raise LayerError(f"upscale factor is too large, (upscale_factor)^2 overflowed: "
                                 f"upscale_factor={r}")
            if c % (r * r):
                raise ShapeError(
                    f"pixel_shuffle expects its input's 'channel' dimension to be divisible by "
                    f"the square of upscale_factor, but input.size(-3)={c} is not divisible by "
                    f"{r * r}"
                )
            return (*lead, c // (r * r), h * r, w * r)
        for name, size, dim in (("height", h, -2), ("width", w, -1)):
            if size % r:
                raise ShapeError(
                    f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                    f"input.size({dim})={size} is not divisible by {r}"
                )
        if 0 in x:
            # torch's CPU kernel returns an empty input as it is (the meta kernel reshapes it)
            return x
        return (*lead, c * r * r, h // r, w // r)

    return output


def _channel_shuffle_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    groups = _factor("channel_shuffle", "groups", args["groups"])
    if len(x) < 3:
        raise ShapeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                         f"{show_bracketed(x)}")
    if groups <= 0:
        raise LayerError(f"Number of groups to divide channels in must be positive. Value of "
                         f"groups:{groups}")
    if x[1] % groups:
        raise ShapeError(f"Number of channels must be divisible by groups. Got {x[1]} channels "
                         f"and {groups} groups.")
    return x


SPECS = [
    LayerSpec("PixelShuffle", "pixelshuffle", lambda upscale_factor: None,
              output=_shuffle_output(False)),
    LayerSpec("PixelUnshuffle", "pixelshuffle", lambda downscale_factor: None,
              output=_shuffle_output(True)),
    LayerSpec("ChannelShuffle", "channelshuffle", lambda groups: None,
              output=_channel_shuffle_output),
]
