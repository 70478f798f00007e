"""Activation layers: PReLU (the one with parameters), the elementwise ones, the softmaxes and
GLU, which halves a dim (no MACs: FlopCounterMode counts none)."""

from __future__ import annotations

import math
from typing import Callable, Sequence

from ..shapes import normalize_dim
from ..spec import Args, LayerError, Shape, ShapeError, UnknownArgument, is_real_number
from .base import LayerSpec, check_sizes, reject_bool


def _prelu_params(args: Args) -> int:
    n = args.get_int("num_parameters")
    check_sizes(("num_parameters", n))
    reject_bool("empty", "size", args["num_parameters"], leading=True)
    return n


def _prelu_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, n = inputs[0], args.get_int("num_parameters")
    if n != 1 and (len(x) < 2 or x[1] != n):
        raise ShapeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {x[1] if len(x) >= 2 else 1}."
        )
    return x


def _softmax_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x, dim = inputs[0], args.known("dim")
    reject_bool("softmax", "dim", dim)
    if isinstance(dim, int):
        normalize_dim(dim, len(x), "softmax")
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
    approximate = args.known("approximate")
    if isinstance(approximate, str) and approximate not in ("none", "tanh"):
        raise LayerError("approximate argument must be either none or tanh.")


def _celu_check(args: Args) -> None:
    alpha = args.known("alpha")
    if is_real_number(alpha) and alpha == 0:
        raise LayerError("ZeroDivisionError: alpha cannot be 0 for CELU")


def _hardtanh_check(args: Args) -> None:
    low, high = args.known("min_val"), args.known("max_val")
    if args.values.get("min_value") is not None:
        low = args.known("min_value")
    if args.values.get("max_value") is not None:
        high = args.known("max_value")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and high <= low:
        raise LayerError(f"max_val ({high}) must be greater than min_val ({low})")


def _glu_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    """F.glu: the input split in two halves along `dim`, one gating the other."""
    x, dim = inputs[0], args["dim"]
    if not x:
        raise ShapeError("glu does not support scalars because halving size must be even")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise LayerError(f"glu(): argument 'dim' (position 2) must be int, not "
                         f"{type(dim).__name__}")
    d = normalize_dim(dim, len(x), "glu")
    if x[d] % 2:
        raise ShapeError(f"Halving dimension must be even, but dimension {d} is size {x[d]}")
    return (*x[:d], x[d] // 2, *x[d + 1:])


def _number_check(op: str, *names: str) -> Callable[[Args], None]:
    """Arguments torch's C++ parser takes as a Number (a bool too)."""

    def check(args: Args) -> None:
        for position, name in enumerate(names, 2):
            value = args.values.get(name)
            if not isinstance(value, (int, float, UnknownArgument)):
                raise LayerError(f"{op}(): argument '{name}' (position {position}) must be "
                                 f"Number, not {type(value).__name__}")

    return check


_FLOAT32_MAX = 3.4028234663852886e38


def _hardshrink_check(args: Args) -> None:
    _number_check("hardshrink", "lambd")(args)
    lambd = args.known("lambd")
    if isinstance(lambd, (int, float)) and math.isfinite(lambd) and abs(lambd) > _FLOAT32_MAX:
        raise LayerError("value cannot be converted to type float without overflow")


def _softshrink_check(args: Args) -> None:
    _number_check("softshrink", "lambd")(args)
    lambd = args.known("lambd")
    if isinstance(lambd, (int, float)) and not 0 <= lambd <= _FLOAT32_MAX:
        raise LayerError(f"lambda must be in range [0, 3.40282e+38] for input dtype Float, but "
                         f"found {lambd}")


def _rrelu_check(args: Args) -> None:
    _number_check("rrelu", "lower", "upper")(args)
    lower, upper = args.known("lower"), args.known("upper")
    if isinstance(lower, (int, float)) and isinstance(upper, (int, float)) and lower > upper:
        raise LayerError("Lower bound should be less than or equal to the upper bound")


_INPLACE = lambda inplace=False: None  # noqa: E731
_NO_ARGS = lambda *args, **kwargs: None  # noqa: E731
_DIM = lambda dim=None: None  # noqa: E731

PRELU = LayerSpec(
    "PReLU", "activation",
    lambda num_parameters=1, init=0.25, device=None, dtype=None: None,
    params=_prelu_params, output=_prelu_output,
)

# Output shape = input shape, no parameters, no MACs.
SPECS = [
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
    LayerSpec("Hardshrink", "activation", lambda lambd=0.5: None, check=_hardshrink_check),
    LayerSpec("Softshrink", "activation", lambda lambd=0.5: None, check=_softshrink_check),
    # In eval mode (and for its shape in training too) a leaky ReLU of slope (lower+upper)/2.
    LayerSpec("RReLU", "activation", lambda lower=1.0 / 8, upper=1.0 / 3, inplace=False: None,
              check=_rrelu_check),
    LayerSpec("GLU", "activation", lambda dim=-1: None, output=_glu_output),
]
