"""Pooling layers: MaxPool, AvgPool, AdaptiveAvgPool, AdaptiveMaxPool and LPPool in 1d-3d,
FractionalMaxPool in 2d and 3d (no parameters, no MACs: shape rules and torch's checks only).
The unpooling layers, MaxUnpool1d-3d, are in unpool.py."""

from __future__ import annotations

import math
from typing import Any, Sequence

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


def _lp_pool_check(args: Args) -> None:
    """F.lp_pool*d raises each number to the power norm_type and the sum to 1 / norm_type."""
    norm = args.values.get("norm_type")
    if isinstance(norm, UnknownArgument):
        return
    if not isinstance(norm, (int, float)):
        raise LayerError(f"pow(): argument 'exponent' must be Number, not {type(norm).__name__} "
                         "(LPPool's norm_type)")
    if norm == 0:
        raise LayerError("float division by zero (LPPool takes the 1 / norm_type power)")


def _lp_pool_output(n: int):
    """F.lp_pool{n}d: avg_pool{n}d of the powers (max_pool{n}d of the magnitudes for an
    infinite norm_type), with no padding, times the kernel's size. lp_pool2d and lp_pool3d
    unpack the kernel into n sizes, even for an infinite norm_type; lp_pool1d multiplies by
    the kernel as given, which must be an int then."""

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        kernel = args["kernel_size"]
        if n > 1 and isinstance(kernel, (list, tuple)) and len(kernel) != n:
            few = len(kernel) < n
            raise LayerError(f"{'not enough' if few else 'too many'} values to unpack (expected "
                             f"{n}{f', got {len(kernel)}' if few else ''}) (the kernel_size of "
                             f"LPPool{n}d)")
        norm = args.values.get("norm_type")
        infinite = isinstance(norm, (int, float)) and math.isinf(norm)
        kind = f"MaxPool{n}d" if infinite else f"AvgPool{n}d"
        pooled = Args({"kernel_size": kernel, "stride": args["stride"], "padding": 0,
                       "dilation": 1, "ceil_mode": args["ceil_mode"]})
        out = _pool_output(n, kind, infinite)(pooled, inputs)
        if n == 1 and not infinite and isinstance(kernel, (list, tuple)):
            raise LayerError(f"mul(): argument 'other' (position 1) must be Tensor, not "
                             f"{type(kernel).__name__} (LPPool1d multiplies by its kernel_size)")
        return out

    return output


def _int_list(op: str, arg: str, position: int, value: Any, n: int) -> Shape:
    """An int or a sequence of ints as torch's C++ argument parser takes it (a bool first is
    refused, one further on is an int), an int repeated n times."""
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * n
    reject_bool(op, arg, values)
    for i, v in enumerate(values):
        if not isinstance(v, int):
            raise LayerError(f"{op}(): argument '{arg}' (position {position}) must be tuple of "
                             f"ints, but found element of type {type(v).__name__} at pos {i}")
    return values


def _fractional_check(n: int):
    name = f"FractionalMaxPool{n}d"

    def check(args: Args) -> None:
        size, ratio = args.values.get("output_size"), args.values.get("output_ratio")
        if isinstance(size, UnknownArgument) or isinstance(ratio, UnknownArgument):
            return
        if n == 3:
            kernel = args.known("kernel_size")
            kernels = kernel if isinstance(kernel, (list, tuple)) else (kernel,)
            if any(isinstance(k, (int, float)) and k <= 0 for k in kernels):
                raise LayerError(f"kernel_size must be greater than 0, but got {kernel}")
        if size is None and ratio is None:
            raise LayerError(f"{name} requires specifying either an output size, or a pooling "
                             "ratio")
        if size is not None and ratio is not None:
            raise LayerError("only one of output_size and output_ratio may be specified")
        if ratio is not None:
            ratios = ratio if isinstance(ratio, (list, tuple)) else (ratio,) * n
            if len(ratios) < n:
                raise LayerError(f"tuple index out of range ({name}'s output_ratio of "
                                 f"{len(ratios)} values)")
            for r in ratios[:n]:
                if not isinstance(r, (int, float)):
                    raise LayerError(f"'<' not supported between instances of 'int' and "
                                     f"'{type(r).__name__}'")
                if not 0 < r < 1:
                    raise LayerError(f"output_ratio must be between 0 and 1 (got {ratio})")

    return check


def _fractional_output(n: int):
    op = f"fractional_max_pool{n}d"

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        ratio = args["output_ratio"]
        if ratio is not None:
            ratios = tuple(ratio) if isinstance(ratio, (list, tuple)) else (ratio,) * n
            if n == 2 and len(ratios) > 2:
                raise LayerError("fractional_max_pool2d requires output_ratio to either be a "
                                 "single Int or tuple of Ints.")
            if len(x) < n:
                raise ShapeError(f"Dimension out of range (expected to be in range of "
                                 f"[{-max(len(x), 1)}, {max(len(x), 1) - 1}], but got {-n})")
            size: Any = tuple(int(d * r) for d, r in zip(x[len(x) - n:], ratios))
        else:
            size = args["output_size"]
        # the random samples it draws: one set per batch and channel
        if len(x) < n + 1:
            raise ShapeError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(len(x), 1)}, {max(len(x), 1) - 1}], but got {-n - 1})")
        kernel = _int_list(op, "kernel_size", 2, args["kernel_size"], n)
        out = _int_list(op, "output_size", 3, size, n)
        three = " three" if n == 3 else ""
        if len(kernel) != n:
            raise LayerError(f"{op}: kernel_size must either be a single Int or tuple of{three} "
                             "Ints")
        if len(out) != n:
            raise LayerError(f"{op}: output_size must either be a single Int or tuple of{three} "
                             "Ints")
        where = f"{op}()" if n == 2 else "fractional_max_pool3d_out()"
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(f"{where}: Expected {n + 1}D or {n + 2}D tensor, but got: "
                             f"{show_bracketed(x)}")
        for i in range(1, len(x)):
            if x[i] == 0:
                raise ShapeError(f"{where}: Expected input to have non-zero size for non-batch "
                                 f"dimensions, but got{show_bracketed(x)} with dimension {i} "
                                 "being empty.")
        spatial = x[len(x) - n:]
        names = ("height", "width") if n == 2 else ("time", "height", "width")
        # 2d: an output plus the kernel may reach the input's size; 3d: only stay below it,
        # checked in the order time, width, height
        order = (0, 1) if n == 2 else (0, 2, 1)
        for i in order:
            if out[i] + kernel[i] - 1 > spatial[i] - (n == 3):
                raise ShapeError(f"{where}: pool {names[i]} {kernel[i]} too large relative to "
                                 f"input {names[i]} {spatial[i]}")
        result = (*x[: len(x) - n], *out)
        if any(d < 0 for d in out):
            raise LayerError(f"Trying to create tensor with negative dimension "
                             f"{min(out)}: {show_bracketed(result)}")
        return result

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
    *(LayerSpec(f"LPPool{n}d", "pooling",
                lambda norm_type, kernel_size, stride=None, ceil_mode=False: None,
                output=_lp_pool_output(n), check=_lp_pool_check) for n in (1, 2, 3)),
    *(LayerSpec(f"FractionalMaxPool{n}d", "pooling",
                lambda kernel_size, output_size=None, output_ratio=None, return_indices=False,
                _random_samples=None: None,
                output=_fractional_output(n), check=_fractional_check(n)) for n in (2, 3)),
]
