"""Reshaping layers: Flatten and Unflatten (no parameters, no MACs)."""

from __future__ import annotations

import math
from typing import Sequence

from ..shapes import normalize_dim, normalize_dim_exact
from ..spec import Args, LayerError, Shape, ShapeError, as_int
from .base import LayerSpec, reject_bool


def _flatten_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    for name in ("start_dim", "end_dim"):
        reject_bool("flatten", name, args[name])
    start = normalize_dim(args.get_int("start_dim"), len(x), "Flatten")
    end = normalize_dim(args.get_int("end_dim"), len(x), "Flatten")
    if start > end:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if not x:
        return (1,)
    return (*x[:start], math.prod(x[start:end + 1]), *x[end + 1:])


def _unflatten_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    raw = args["unflattened_size"]
    if not isinstance(raw, (list, tuple)):
        raise LayerError(
            f"unflattened_size must be a tuple of ints, but found type {type(raw).__name__}"
        )
    sizes = tuple(as_int("unflattened_size", s) for s in raw)
    reject_bool("unflatten", "dim", args["dim"])
    reject_bool("unflatten", "sizes", raw)
    # No wrap for a 0-dim input: it has no dim to unflatten.
    dim = normalize_dim_exact(args.get_int("dim"), len(x), "Unflatten")
    if not sizes:
        raise LayerError("unflatten: sizes must be non-empty")
    for i, s in enumerate(sizes):
        if s < -1:
            raise LayerError(f"invalid shape dimension {s} at index {i} of shape {list(sizes)}")
    if sizes.count(-1) > 1:
        raise LayerError("only one dimension can be inferred")
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) == 1:
        if known == 0 and x[dim] == 0:
            raise ShapeError(
                f"cannot reshape tensor of 0 elements into shape {list(sizes)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or x[dim] % known:
            raise ShapeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                f"{dim} ({x[dim]}) in the input tensor"
            )
        sizes = tuple(x[dim] // known if s == -1 else s for s in sizes)
    elif known != x[dim]:
        raise ShapeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({x[dim]}) in the input tensor"
        )
    return (*x[:dim], *sizes, *x[dim + 1:])


SPECS = [
    LayerSpec("Flatten", "flatten", lambda start_dim=1, end_dim=-1: None,
              output=_flatten_output),
    LayerSpec("Unflatten", "flatten", lambda dim, unflattened_size: None,
              output=_unflatten_output),
]
