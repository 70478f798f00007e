"""Embedding layers: Embedding and EmbeddingBag (parameters, no MACs)."""

from __future__ import annotations

import math
from typing import Sequence

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved, as_int
from .base import LayerSpec, check_sizes, reject_bool


def _embedding_params(args: Args) -> int:
    if args["_weight"] is not None:
        raise Unresolved("_weight", "a pretrained weight tensor sets the size")
    n, d = args.get_int("num_embeddings"), args.get_int("embedding_dim")
    check_sizes(("num_embeddings", n), ("embedding_dim", d))
    reject_bool("empty", "size", args["num_embeddings"], leading=True)
    return n * d


def _embedding_check(args: Args) -> None:
    idx, n = args["padding_idx"], args.get_int("num_embeddings")
    if idx is not None and not -n <= as_int("padding_idx", idx) < n:
        raise LayerError("Padding_idx must be within num_embeddings")


def _check_some_embedding(args: Args, x: Shape) -> None:
    """Every index is out of range of an empty table, whatever its value."""
    if args.get_int("num_embeddings") == 0 and math.prod(x):
        raise ShapeError(
            f"index out of range in self: num_embeddings=0 has no row for any of the indices "
            f"of an input of size {show_bracketed(x)}"
        )


def _embedding_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    _check_some_embedding(args, inputs[0])
    return (*inputs[0], args.get_int("embedding_dim"))


def _embedding_bag_check(args: Args) -> None:
    _embedding_check(args)
    if args["mode"] not in ("sum", "mean", "max"):
        raise LayerError("mode has to be one of sum, mean or max")
    if args["mode"] == "max":  # F.embedding_bag refuses these on every call
        if args.known("scale_grad_by_freq"):
            raise LayerError("max mode does not support scaling the gradient by the frequency")
        if args.known("sparse"):
            raise LayerError("max mode does not support sparse weights")


def _embedding_bag_output(args: Args, inputs: Sequence[Shape]) -> Shape:
    x = inputs[0]
    if len(x) != 2:
        raise ShapeError(
            f"EmbeddingBag: only a 2D input of bags is traced (1D input needs offsets), got "
            f"input of size {show_bracketed(x)}"
        )
    if x[1] == 0:
        raise ShapeError(
            f"EmbeddingBag: bags of size 0 (input of size {show_bracketed(x)}): step must be "
            "nonzero"
        )
    _check_some_embedding(args, x)
    return (x[0], args.get_int("embedding_dim"))


SPECS = [
    LayerSpec(
        "Embedding", "sparse",
        lambda num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
        scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None,
        dtype=None: None,
        params=_embedding_params, output=_embedding_output, check=_embedding_check,
    ),
    LayerSpec(
        "EmbeddingBag", "sparse",
        lambda num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
        scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
        include_last_offset=False, padding_idx=None, device=None, dtype=None: None,
        params=_embedding_params, output=_embedding_bag_output, check=_embedding_bag_check,
    ),
]
