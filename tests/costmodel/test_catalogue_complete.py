"""Every public layer class of torch.nn is catalogued (issue 21): a walk of `torch.nn` that
fails naming each class macslint would call "not in macslint's layer catalogue"."""

from __future__ import annotations

import inspect

import torch.nn as nn

from macslint.costmodel import LAYERS
from macslint.torchnn.names import NOT_LAYERS as FOLLOWED

# Not layers: the containers and the Transformer stacks, which macslint follows as such
# (torchnn/names.py), and the base classes and DataParallel (a wrapper over devices).
NOT_LAYERS = set(FOLLOWED) | {"Container", "RNNBase", "RNNCellBase", "DataParallel"}


def public_layer_classes() -> set:
    return {name for name, value in vars(nn).items()
            if inspect.isclass(value) and issubclass(value, nn.Module)
            and not name.startswith("_")}


def test_every_public_torch_nn_layer_is_catalogued():
    missing = public_layer_classes() - set(LAYERS) - NOT_LAYERS
    assert sorted(missing) == []


def test_the_exceptions_are_torch_nn_classes_still():
    """A name that torch drops or renames must leave these lists, not hide a missing one."""
    assert NOT_LAYERS - {"Parameter", "Buffer", "UninitializedParameter",
                         "UninitializedBuffer"} <= public_layer_classes()
