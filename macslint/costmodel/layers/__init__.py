"""The layer catalogue: `LAYERS`, every torch.nn layer the cost model knows, by class name.

Each family module lists its entries (`SPECS`); this one only orders them. The order is
the catalogue's and shows in the output (listings, reports), so a new family goes where its
layers should be listed.
"""

from __future__ import annotations

import copyreg
from typing import Dict

from ..spec import Args
from . import (activation, attention, conv, dropout, embedding, linear, norm, padding, pool,
               resample, reshape, rnn, shuffle, transformer)
from . import lazy
from . import fold, unpool
from . import adaptive, distance, losses
from .base import LayerSpec

LAYERS: Dict[str, LayerSpec] = {spec.name: spec for spec in [
    *conv.SPECS,
    *linear.SPECS,
    *norm.SPECS,
    *lazy.SPECS,
    *embedding.SPECS,
    *rnn.SPECS,
    attention.SPEC,
    *transformer.SPECS,
    activation.PRELU,
    *pool.SPECS,
    *unpool.SPECS,
    *reshape.SPECS,
    *fold.SPECS,
    *resample.SPECS,
    *padding.SPECS,
    *shuffle.SPECS,
    *activation.SPECS,
    *dropout.SPECS,
    *distance.SPECS,
    *losses.SPECS,
    adaptive.SPEC,
    linear.IDENTITY,
]}


def layer_named(name: str) -> LayerSpec:
    return LAYERS[name]


# A spec's rules are lambdas, which do not pickle: a spec goes to `-j` workers and into the
# result cache by name, and comes back as the catalogue's entry. Registered here rather than
# as LayerSpec.__reduce__ so that base.py need not import the catalogue built from it.
copyreg.pickle(LayerSpec, lambda spec: (layer_named, (spec.name,)))


def output_count(args: Args) -> int:
    """How many tensors a layer call returns: max pools built with `return_indices=True`
    return (output, indices), both of the output's shape; every other layer one tensor."""
    return 2 if args.values.get("return_indices") is True else 1
