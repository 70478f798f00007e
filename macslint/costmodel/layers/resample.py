"""Resampling layers: Upsample and its subclasses UpsamplingNearest2d and UpsamplingBilinear2d
(no parameters, no MACs). Upsample's shape rule is also F.interpolate's (see ops.functional);
the subclasses are Upsample with its mode fixed: 'nearest' (any of a 3-D to a 5-D input, as
Upsample), 'bilinear' with align_corners=True (a 4-D input)."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, UnknownArgument, as_int
from .base import LayerSpec, reject_bool
from .pool import adaptive_pool_output

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
    if args.known("recompute_scale_factor") and size is not None:
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
        out = tuple(as_int("size", s) for s in sizes)
        reject_bool(f"upsample_{mode}", "output_size", sizes)
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
        adaptive_pool_output(n, f"AdaptiveAvgPool{n}d")(Args({"output_size": out}), [x])
        return (*x[:2], *out)
    # The other modes produce no empty dim, and take no empty spatial dim nor channels.
    if any(o < 1 for o in out) or any(d == 0 for d in x[2:]) or x[1] == 0:
        raise ShapeError(
            f"Input and output sizes should be greater than 0, but got input of size "
            f"{show_bracketed(x)} and output size {list(out)}"
        )
    return (*x[:2], *out)


def _as_upsample(mode: str, align_corners: Any) -> Callable[[Args], Args]:
    """The arguments of the Upsample a subclass builds: its size and scale_factor, its mode."""
    return lambda args: Args({**args.values, "mode": mode, "align_corners": align_corners,
                              "recompute_scale_factor": None})


def _upsampling(name: str, mode: str, align_corners: Any) -> LayerSpec:
    upsample = _as_upsample(mode, align_corners)
    return LayerSpec(
        name, "upsampling", lambda size=None, scale_factor=None: None,
        output=lambda args, inputs: _upsample_output(upsample(args), inputs),
        check=lambda args: _upsample_check(upsample(args)),
    )


SPECS = [
    LayerSpec(
        "Upsample", "upsampling",
        lambda size=None, scale_factor=None, mode="nearest", align_corners=None,
        recompute_scale_factor=None: None,
        output=_upsample_output, check=_upsample_check,
    ),
    _upsampling("UpsamplingNearest2d", "nearest", None),
    _upsampling("UpsamplingBilinear2d", "bilinear", True),
]
