"""Dropout layers: Dropout, AlphaDropout and the channel-wise ones (shape kept, no MACs;
their checks of p and of the input's rank)."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

from ..spec import Args, LayerError, Shape, ShapeError, is_real_number
from .base import LayerSpec


def _dropout_check(args: Args) -> None:
    p = args.known("p")
    if is_real_number(p) and not 0 <= p <= 1:
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout_output(ranks: Optional[Tuple[int, ...]], min_rank: int = 2):
    """Channel-wise dropouts: Dropout1d wants 2D or 3D, Dropout3d takes 1D too (torch 2.13
    warns and treats it as unbatched), the others at least 2D."""

    def output(args: Args, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        if ranks is not None and len(x) not in ranks:
            raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {len(x)}D "
                             "input")
        # Only drawing the per-channel noise needs the channels; torch draws none for p=0,
        # p=1 (all dropped) or an empty input.
        p = args.known("p")
        no_noise = isinstance(p, (int, float)) and p in (0, 1) or not math.prod(x)
        if len(x) < min_rank and not no_noise:
            raise ShapeError("Feature dropout requires at least 2 dimensions in the input")
        return x

    return output


_DROPOUT = lambda p=0.5, inplace=False: None  # noqa: E731

SPECS = [
    *(LayerSpec(name, "dropout", _DROPOUT, check=_dropout_check) for name in (
        "Dropout", "AlphaDropout")),
    LayerSpec("Dropout1d", "dropout", _DROPOUT, check=_dropout_check,
              output=_feature_dropout_output((2, 3))),
    *(LayerSpec(name, "dropout", _DROPOUT, check=_dropout_check,
                output=_feature_dropout_output(None)) for name in (
        "Dropout2d", "FeatureAlphaDropout")),
    LayerSpec("Dropout3d", "dropout", _DROPOUT, check=_dropout_check,
              output=_feature_dropout_output(None, min_rank=1)),
]
