"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in
1d-3d (no parameters, no MACs: FlopCounterMode counts none). Each is F.pad with its mode.

The module stores its padding as torch's `_ntuple` does: an int is repeated 2n times, a
sequence is kept as it is, of any length, and F.pad applies it, reversed, to as many
trailing dims (`ReflectionPad2d((1, 1))` pads the last dim only). torch checks nothing at
construction: every check here is the call's.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Tuple

from ..shapes import show_bracketed
from ..spec import INT64_MAX, Args, LayerError, Shape, ShapeError, Unresolved, check_int64
from .base import LayerSpec, reject_bool

_DIM_LETTERS = "DHW"


def _pad_values(raw: Any, n: int) -> Tuple[int, ...]:
    """The padding as F.pad receives it, with its argument parser's type checks."""
    pad = tuple(raw) if isinstance(raw, (list, tuple, str)) else (raw,) * (2 * n)
    reject_bool("pad", "pad", pad, leading=True)
    for i, value in enumerate(pad):
        if not isinstance(value, int):
            raise LayerError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                             f"found element of type {type(value).__name__} at pos {i}")
        check_int64("padding", value)
    if len(pad) % 2:
        raise LayerError("Padding length must be divisible by 2")
    return pad


def _pairs(x: Shape, pad: Tuple[int, ...]) -> Sequence[Tuple[int, int, int]]:
    """(dim, before, after) for each padded dim: the first pair pads the last dim."""
    return [(len(x) - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _check_value(args: Args) -> None:
    value = args.known("value")
    if value is None or isinstance(value, (int, float)):  # bool too: a float to torch
        if isinstance(value, int) and abs(value) > 1.7976931348623157e308:
            raise LayerError("int too large to convert to float")
        return
    raise LayerError(f"pad(): argument 'value' (position 4) must be float, not "
                     f"{type(value).__name__}")


def _constant_output(n: int) -> Callable[[Args, Sequence[Shape]], Shape]:
    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        pad = _pad_values(args["padding"], n)
        if "value" in args.values:
            _check_value(args)
        if len(pad) // 2 > len(x):
            raise ShapeError(
                f"Padding length should be less than or equal to two times the input dimension "
                f"but got padding length {len(pad)} and input of dimension {len(x)}"
            )
        out = list(x)
        for d, lo, hi in _pairs(x, pad):
            # negative padding narrows first: it may empty a dim, not take more than it has
            if x[d] + min(lo, 0) + min(hi, 0) < 0:
                raise ShapeError(
                    f"narrow(): length must be non-negative. (padding ({lo}, {hi}) of dimension "
                    f"{d} of input {show_bracketed(x)})"
                )
            out[d] = x[d] + lo + hi
            if out[d] > INT64_MAX:
                raise LayerError(f"padding ({lo}, {hi}) overflows dimension {d}")
        return tuple(out)

    return output


def _too_small(x: Shape, pairs: Sequence[Tuple[int, int, int]], out: Sequence[int]) -> str:
    letters = _DIM_LETTERS[3 - len(pairs):]
    dims = sorted(d for d, _, _ in pairs)
    sizes = " ".join(f"{c}: {x[d]}" for c, d in zip(letters, dims))
    if len(dims) > 1:  # torch's wording: "(D: 2 H: 2, W: 2)"
        sizes = sizes[: sizes.rindex(" W:")] + "," + sizes[sizes.rindex(" W:"):]
    outs = " ".join(f"{c}: {out[d]}" for c, d in zip(letters, dims))
    return f"input ({sizes}) is too small. Calculated output {outs}"


def _slice(size: int, start: int, end: int) -> Tuple[int, int]:
    """Tensor.slice(dim, start, end) on a dim of `size`: (start, end) as torch clamps them."""
    start, end = start + size if start < 0 else start, end + size if end < 0 else end
    start = min(max(start, 0), size)
    return start, min(max(end, start), size)


def _circular_copies(x: Shape, pairs: Sequence[Tuple[int, int, int]], out: Sequence[int],
                     k: int) -> None:
    """torch's circular padding (`_pad_circular`) copies the input into the output, then each
    padded border from the output itself. With a negative padding on one side and a positive
    one on the other, those copies can misfit (the crop takes more than the input keeps) or
    overlap: copy_ refuses a partial overlap it can see, between two slices that are each one
    block of memory (every dim before the sliced one of size 1, the batch included)."""
    batched = (x[0],) if len(x) == k + 2 else (1,)
    shape = (*batched, *out[len(x) - k - 1:])  # the output as _pad_circular sees it
    offset = len(shape) - len(out)

    def misfit(d: int, dst: Tuple[int, int], src: Tuple[int, int]) -> bool:
        n_dst, n_src = dst[1] - dst[0], src[1] - src[0]
        return n_src != n_dst and n_src != 1

    for d, lo, hi in pairs:
        size, o = x[d], out[d]
        dst = _slice(o, max(lo, 0), o - max(hi, 0))
        src = _slice(size, max(-lo, 0), size - max(-hi, 0))
        if misfit(d, dst, src):
            raise ShapeError(
                f"The size of tensor a ({dst[1] - dst[0]}) must match the size of tensor b "
                f"({src[1] - src[0]}) at non-singleton dimension {d}: circular padding "
                f"({lo}, {hi}) crops more of dimension {d} of input {show_bracketed(x)} than "
                "it has"
            )
    if 0 in shape:
        return
    for d, lo, hi in pairs:
        o, dense = out[d], all(s == 1 for s in shape[:d + offset])
        copies = []
        if lo > 0:
            copies.append((_slice(o, 0, lo), _slice(o, o - lo - max(hi, 0), o - max(hi, 0))))
        if hi > 0:
            copies.append((_slice(o, o - hi, o), _slice(o, max(lo, 0), max(lo, 0) + hi)))
        for dst, src in copies:
            if misfit(d, dst, src):
                raise ShapeError(
                    f"circular padding ({lo}, {hi}) of dimension {d} of input "
                    f"{show_bracketed(x)}: the border copies {src[1] - src[0]} values into "
                    f"{dst[1] - dst[0]}"
                )
            partial = dst != src and dst[0] < src[1] and src[0] < dst[1] \
                and dst[0] < dst[1] and src[0] < src[1]
            if dense and partial:
                raise ShapeError(
                    "unsupported operation: some elements of the input tensor and the "
                    "written-to tensor refer to a single memory location (circular padding "
                    f"({lo}, {hi}) of dimension {d} of input {show_bracketed(x)} copies a "
                    "border onto itself)"
                )


def _mode_output(n: int, mode: str) -> Callable[[Args, Sequence[Shape]], Shape]:
    """reflect, replicate and circular: F.pad's non-constant modes."""

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if mode == "circular" and len(x) not in (n + 1, n + 2):
            # _CircularPadNd checks the rank itself, before F.pad
            raise ShapeError(f"expected {n + 1}D or {n + 2}D input (got {len(x)}D input)")
        pad = _pad_values(args["padding"], n)
        k = len(pad) // 2
        if not 1 <= k <= 3 or len(x) not in (k + 1, k + 2):
            raise ShapeError(
                f"Padding size {len(pad)} is not supported for {len(x)}D input tensor. Supported "
                f"combinations for non-constant padding: 2D or 3D input: padding size = 2 (pads "
                f"last dimension); 3D or 4D input: padding size = 4 (pads last 2 dimensions); 4D "
                f"or 5D input: padding size = 6 (pads last 3 dimensions)"
            )
        pairs = _pairs(x, pad)
        if mode != "circular" and 0 in (x[1:] if len(x) == k + 2 else x):
            raise ShapeError(
                f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size "
                f"and other non-zero dimensions for input, but got: {show_bracketed(x)}"
            )
        out = list(x)
        for d, lo, hi in pairs:
            if mode == "reflect" and (lo >= x[d] or hi >= x[d]):
                raise ShapeError(
                    f"Argument #4: Padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                    f"{show_bracketed(x)}"
                )
            if mode == "circular" and (lo > x[d] or hi > x[d]):
                raise ShapeError(
                    f"Padding value causes wrapping around more than once. (padding ({lo}, {hi}) "
                    f"of dimension {d} of input {show_bracketed(x)})"
                )
            out[d] = x[d] + lo + hi
            if out[d] > INT64_MAX:
                raise LayerError(f"padding ({lo}, {hi}) overflows dimension {d}")
        if mode == "circular":
            if any(out[d] < 0 for d, _, _ in pairs):
                raise ShapeError(
                    f"Negative padding value is resulting in an empty dimension (padding "
                    f"{list(pad)} of input {show_bracketed(x)})"
                )
            _circular_copies(x, pairs, out, k)
            return tuple(out)
        # reflect and replicate: one padded dim may be cropped to nothing, not all of them
        if all(out[d] < 1 for d, _, _ in pairs):
            raise ShapeError(_too_small(x, pairs, out))
        if mode == "reflect" and x[0] == 0 and any(out[d] < 0 for d, _, _ in pairs) \
                and len(pairs) == 2:
            raise Unresolved("padding", f"{list(pad)} crops a dim of an empty batch "
                                        f"{show_bracketed(x)} below zero: reflection_pad2d "
                                        "returns a tensor of a negative size (not modelled)")
        if any(out[d] < 0 for d, _, _ in pairs):
            raise ShapeError(f"Trying to create tensor with negative dimension "
                             f"{min(out)}: {show_bracketed(out)}")
        return tuple(out)

    return output


_PADDING = lambda padding: None  # noqa: E731
_CONSTANT = lambda padding, value: None  # noqa: E731

SPECS = [
    *(LayerSpec(f"ZeroPad{n}d", "padding", _PADDING, output=_constant_output(n))
      for n in (1, 2, 3)),
    *(LayerSpec(f"ConstantPad{n}d", "padding", _CONSTANT, output=_constant_output(n))
      for n in (1, 2, 3)),
    *(LayerSpec(f"{kind}Pad{n}d", "padding", _PADDING, output=_mode_output(n, mode))
      for kind, mode in (("Reflection", "reflect"), ("Replication", "replicate"),
                         ("Circular", "circular"))
      for n in (1, 2, 3)),
]
