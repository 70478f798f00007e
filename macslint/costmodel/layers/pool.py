"""Pooling layers: MaxPool, AvgPool, AdaptiveAvgPool and AdaptiveMaxPool in 1d-3d (no
parameters, no MACs: shape rules and torch's checks only)."""

from __future__ import annotations

from typing import Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, UnknownArgument, as_int
from .base import LayerSpec, reject_bool


def _pool_output(n: int, kind: str, has_dilation: bool):
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(
                f"{kind}: expected {n + 1}D or {n + 2}D input, got {len(x)}D input of size "
                f"{show_bracketed(x)}"
            )
        op = f"{kind[:3].lower()}_pool{n}d"
        names = ("kernel_size", "stride", "padding", *(("dilation",) if has_dilation else ()))
        for name in names:
            reject_bool(op, name, args[name], leading=True)
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
                f"size for input, but got: {show_bracketed(x)}"
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


def adaptive_pool_output(n: int, kind: str):
    is_avg = kind.startswith("AdaptiveAvg")
    # adaptive_avg_pool2d/3d to an output of all ones is a mean over the last n dims: torch
    # takes that shortcut before any check of the input's rank or empty dims.
    mean_shortcut = is_avg and n > 1

    def rank_check(x: Shape) -> None:
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(
                f"{kind}: expected {n + 1}D or {n + 2}D input, got {len(x)}D input of size "
                f"{show_bracketed(x)}"
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
                             f"of size {show_bracketed(x)}")
        sizes = tuple(size) if is_sequence else (size,) * n
        if len(sizes) != n:
            raise LayerError(f"{op}: output_size must be {n}, got {list(sizes)}")
        spatial = x[len(x) - n:]
        resolved = tuple(s if o is None else o for o, s in zip(sizes, spatial)) \
            if is_sequence else sizes
        reject_bool(op, "output_size", resolved if is_sequence else size)
        out = tuple(as_int("output_size", o) for o in resolved)
        if any(o < 0 for o in out):
            raise LayerError(
                f"{op}: elements of output_size must be greater than or equal to 0 but "
                f"received {list(out)}"
            )
        if mean_shortcut and all(o == 1 for o in out):
            if len(x) < n:
                raise ShapeError(
                    f"Dimension out of range: {kind} to size 1 averages the last {n} dims of "
                    f"an input of size {show_bracketed(x)}"
                )
            return (*x[: len(x) - n], *out)
        rank_check(x)
        # Avg pools refuse empty spatial dims (a 1d pool to size 1 is a 2d one to 1x1, the
        # mean above); max pools, and the 3d avg pool, any empty dim but the first.
        checked = spatial if is_avg and n < 3 else x[1:]
        if any(d == 0 for d in checked) and not (is_avg and out == (1,)):
            raise ShapeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {show_bracketed(x)}"
            )
        return (*x[: len(x) - n], *out)

    return output


_POOL_MAX = lambda kernel_size, stride=None, padding=0, dilation=1, return_indices=False, \
    ceil_mode=False: None  # noqa: E731
_POOL_AVG1 = lambda kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True: None  # noqa: E731
_POOL_AVG = lambda kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True, divisor_override=None: None  # noqa: E731

SPECS = [
    *(LayerSpec(f"MaxPool{n}d", "pooling", _POOL_MAX,
                output=_pool_output(n, f"MaxPool{n}d", True)) for n in (1, 2, 3)),
    LayerSpec("AvgPool1d", "pooling", _POOL_AVG1, output=_pool_output(1, "AvgPool1d", False)),
    *(LayerSpec(f"AvgPool{n}d", "pooling", _POOL_AVG, check=_avg_pool_check,
                output=_pool_output(n, f"AvgPool{n}d", False)) for n in (2, 3)),
    *(LayerSpec(f"AdaptiveAvgPool{n}d", "pooling", lambda output_size: None,
                output=adaptive_pool_output(n, f"AdaptiveAvgPool{n}d")) for n in (1, 2, 3)),
    *(LayerSpec(f"AdaptiveMaxPool{n}d", "pooling",
                lambda output_size, return_indices=False: None,
                output=adaptive_pool_output(n, f"AdaptiveMaxPool{n}d")) for n in (1, 2, 3)),
]
