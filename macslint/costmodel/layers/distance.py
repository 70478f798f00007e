"""Distance modules (torch.nn.modules.distance): CosineSimilarity and PairwiseDistance.

Both take two tensors (`forward_of`: forward(x1, x2)), broadcast them, and reduce a dim:
CosineSimilarity its `dim` (of the broadcast shape), PairwiseDistance the last one (kept as
1 with `keepdim`; a 0-D pair gives a 0-D distance). No parameters, and 0 MACs: on the meta
device FlopCounterMode counts none of their norms, products and sums. torch checks their
plain arguments when they are called (its argument parser, and `eps` not negative for
CosineSimilarity).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..shapes import broadcast, normalize_dim
from ..spec import Args, LayerError, Shape
from .base import LayerSpec
from .loss_rules import bool_argument, float_argument, int_argument, pairwise, tensor, without

PAIR = lambda x1, x2: None  # noqa: E731 - torch's forward(x1, x2)


def _cosine_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x1, x2 = (tensor(x) for x in inputs)
    dim = int_argument("cosine_similarity", "dim", 3, args["dim"])
    eps = float_argument("cosine_similarity", "eps", 4, args["eps"])
    if eps < 0:
        raise LayerError(f"eps must be non-negative, got: {args['eps']}")
    both = broadcast(x1, x2)
    dim = normalize_dim(dim, len(both), "cosine_similarity")
    return without(both, dim) if both else ()


def _pairwise_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x1, x2 = (tensor(x) for x in inputs)
    p = float_argument("pairwise_distance", "p", 3, args["p"])
    float_argument("pairwise_distance", "eps", 4, args["eps"])
    keepdim = bool_argument("pairwise_distance", "keepdim", 5, args["keepdim"])
    return pairwise(x1, x2, p, keepdim)


SPECS = [
    LayerSpec("CosineSimilarity", "distance", lambda dim=1, eps=1e-08: None,
              output=_cosine_output, forward_of=PAIR),
    LayerSpec("PairwiseDistance", "distance", lambda p=2.0, eps=1e-06, keepdim=False: None,
              output=_pairwise_output, forward_of=PAIR),
]
