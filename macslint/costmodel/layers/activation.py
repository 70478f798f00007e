"""Activation layers: PReLU (the one with parameters), the elementwise ones and the softmaxes
(no MACs: FlopCounterMode counts none)."""

from __future__ import annotations

from typing import Callable, Sequence

from ..shapes import normalize_dim
from ..spec import Args, LayerError, Shape, ShapeError, is_real_number
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
]
