"""Sliding blocks: Unfold (im2col) and Fold (col2im) (no parameters, no MACs: FlopCounterMode
counts none).

Unfold takes (N, C, H, W) or (C, H, W) to (N, C * kh * kw, L), L the number of blocks, and
Fold (N, C * kh * kw, L) or (C * kh * kw, L) to (N, C, oh, ow) at its output_size. Each of
output_size, kernel_size, dilation, padding and stride is an int or 2 ints (F.fold and F.unfold
pass them through torch's `_pair`, which keeps a sequence as it is: another length is the C++
kernel's error); torch checks everything at the call.
"""

from __future__ import annotations

from typing import Dict, Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, check_int64
from .base import LayerSpec, reject_bool

_SIZES = ("kernel_size", "dilation", "padding", "stride")


def _pairs(op: str, args: Args, names: Sequence[str]) -> Dict[str, tuple]:
    """The arguments as the C++ kernel gets them: int lists (its parser's type checks), then
    each of 2 values."""
    values = {}
    for position, name in enumerate(names, 2):
        raw = args[name]
        pair = tuple(raw) if isinstance(raw, (list, tuple)) else (raw, raw)
        reject_bool(op, name, pair)
        for i, v in enumerate(pair):
            if not isinstance(v, int):
                raise LayerError(f"{op}(): argument '{name}' (position {position}) must be tuple "
                                 f"of ints, but found element of type {type(v).__name__} at "
                                 f"pos {i}")
            check_int64(name, v)
        values[name] = pair
    for name in names:
        if len(values[name]) != 2:
            raise LayerError(f"It is expected {name} equals to 2, but got size "
                             f"{len(values[name])}")
    return values


def _check_sizes(v: Dict[str, tuple], order: Sequence[str]) -> None:
    """Positive kernel, stride and dilation, non-negative padding, in the kernel's order."""
    words = {"kernel_size": ("kernel size", "kernel"), "stride": ("stride", "stride"),
             "dilation": ("dilation", "dilation"), "padding": ("padding", "pad")}
    for name in order:
        (h, w), (text, part) = v[name], words[name]
        low = 0 if name == "padding" else 1
        if h < low or w < low:
            wanted = "non-negative" if name == "padding" else "greater than zero"
            raise LayerError(f"{text} should be {wanted}, but got {part}_height: {h} "
                             f"{part}_width: {w}")


def _blocks(size: int, kernel: int, dilation: int, padding: int, stride: int) -> int:
    """The number of blocks along a dim (div_rtn: Python's floor division)."""
    return (size + 2 * padding - (dilation * (kernel - 1) + 1)) // stride + 1


def _unfold_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    v = _pairs("im2col", args, _SIZES)
    _check_sizes(v, ("kernel_size", "dilation", "padding", "stride"))
    if len(x) < 3:
        raise ShapeError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(len(x), 1)}, {max(len(x), 1) - 1}], but got 2) (Unfold "
                         f"wants a 3D or 4D input, got {show_bracketed(x)})")
    batched = len(x) == 4
    if len(x) not in (3, 4) or 0 in x[1:] or (not batched and x[0] == 0):
        raise ShapeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                         f"other non-zero dimensions for input, but got: {show_bracketed(x)}")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (v[n] for n in _SIZES)
    h, w = x[-2], x[-1]
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    if oh < 1 or ow < 1:
        raise ShapeError(f"Given input with spatial size ({h}, {h}), kernel_size=({kh}, {kw}), "
                         f"dilation=({dh}, {dw}), padding=({ph}, {pw}), calculated shape of the "
                         f"array of sliding blocks as ({oh}, {ow}), but its components must be "
                         "at least one.")
    return (*x[:-3], x[-3] * kh * kw, oh * ow)


def _fold_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    v = _pairs("col2im", args, ("output_size", *_SIZES))
    _check_sizes(v, ("kernel_size", "stride", "dilation", "padding"))
    batched = len(x) == 3
    if len(x) not in (2, 3) or 0 in x[len(x) - 2:]:
        raise ShapeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                         f"size and non-zero dimensions for input, but got: {show_bracketed(x)}")
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (
        v[n] for n in ("output_size", *_SIZES))
    planes, length = x[-2], x[-1]
    if planes % (kh * kw):
        raise ShapeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                         f"kernel_size, but got input.size(1)={planes} and kernel_size=({kh}, "
                         f"{kw}).")
    bh, bw = _blocks(oh, kh, dh, ph, sh), _blocks(ow, kw, dw, pw, sw)
    given = (f"Given output_size=({oh}, {ow}), kernel_size=({kh}, {kw}), dilation=({dh}, {dw}), "
             f"padding=({ph}, {pw}), stride=({sh}, {sw}), ")
    if length != bh * bw:
        raise ShapeError(f"{given}expected size of input's dimension 2 to match the calculated "
                         f"number of sliding blocks {bh} * {bw} = {bh * bw}, but got "
                         f"input.size(2)={length}.")
    if bh < 1 or bw < 1:
        raise ShapeError(f"{given}calculated shape of the array of sliding blocks as ({bh}, "
                         f"{bw}), which is too small (non-positive)")
    if oh < 1 or ow < 1:
        raise LayerError(f"Expected output spatial size to be positive, but got: "
                         f"output_size=({oh}, {ow}).")
    lead = x[:1] if batched else ()
    return (*lead, planes // (kh * kw), oh, ow)


_FOLD = lambda output_size, kernel_size, dilation=1, padding=0, stride=1: None  # noqa: E731
_UNFOLD = lambda kernel_size, dilation=1, padding=0, stride=1: None  # noqa: E731

SPECS = [
    LayerSpec("Fold", "fold", _FOLD, output=_fold_output),
    LayerSpec("Unfold", "fold", _UNFOLD, output=_unfold_output),
]
