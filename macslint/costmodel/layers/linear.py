"""Linear layers: Linear, Bilinear (the one layer FlopCounterMode does not see, counted as
the Linear over the outer product it is) and Identity."""

from __future__ import annotations

import math
from typing import Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError
from .base import LayerSpec, check_sizes, reject_bool


def _linear_params(args: Args) -> int:
    cin, cout = args.get_int("in_features"), args.get_int("out_features")
    check_sizes(("in_features", cin), ("out_features", cout))
    reject_bool("empty", "size", args["out_features"], leading=True)  # weight [out, in]
    return cin * cout + (cout if args["bias"] else 0)


def _last_dim(x: Shape, expected: int, what: str) -> None:
    if not x:
        raise ShapeError(f"{what}: a 0-dimensional input has no features")
    if x[-1] != expected:
        rows = math.prod(x[:-1])
        raise ShapeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and {expected}x"
            f"{what.split('=')[-1]}): input of size {show_bracketed(x)} does not end in {expected}"
        )


def _linear_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, cin, cout = inputs[0], args.get_int("in_features"), args.get_int("out_features")
    _last_dim(x, cin, f"Linear out_features={cout}")
    return (*x[:-1], cout)


def _linear_macs(args: Args, inputs: Sequence[Shape], out: Shape) -> int:
    return math.prod(inputs[0]) * args.get_int("out_features")


def _bilinear_params(args: Args) -> int:
    a, b = args.get_int("in1_features"), args.get_int("in2_features")
    o = args.get_int("out_features")
    check_sizes(("in1_features", a), ("in2_features", b), ("out_features", o))
    reject_bool("empty", "size", args["out_features"], leading=True)  # weight [out, in1, in2]
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
            f"Bilinear: input1 of size {show_bracketed(x1)} and input2 of size "
            f"{show_bracketed(x2)} must have "
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


SPECS = [
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
]

IDENTITY = LayerSpec("Identity", "linear", lambda *args, **kwargs: None)
