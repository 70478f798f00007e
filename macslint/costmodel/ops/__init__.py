"""The op registries, keyed by the name the code calls:

  TENSOR_METHODS   x.view(...)       the tensor binds to the first parameter, `input`
  TORCH_FUNCTIONS  torch.cat(...)    keyed by the name after `torch.`
  FUNCTIONAL       F.max_pool2d(...) keyed by the name after `torch.nn.functional.`
  PROPERTIES       x.mT              tensor properties that are ops (x.T, x.mT, x.H, x.mH)

Each kind module lists its entries; this one only orders them, in the registries' order of
old (listings and test ids follow it), so some kinds come in more than one group.
"""

from __future__ import annotations

from typing import Dict

from . import creation, elementwise, functional, matmul, reductions, shape_ops
from . import attention, conv, einsum, scatter_gather, sequence_ops
from .base import OpSpec, registry

TENSOR_METHODS: Dict[str, OpSpec] = registry("", [
    *shape_ops.METHODS,
    *elementwise.SAME_SHAPE_METHODS,
    *reductions.SOFTMAX,
    *reductions.REDUCTIONS,
    *reductions.NORM_METHOD,
    *shape_ops.FLIP_SPLIT_METHODS,
    *matmul.METHODS,
    *elementwise.BROADCASTING_METHODS,
    *shape_ops.TRIANGLE_UNBIND_METHODS,
    *elementwise.ROUNDING_METHODS,
    *shape_ops.ROLL,
    *scatter_gather.METHODS,
    *reductions.SORTING_METHODS,
    *matmul.ADDED_METHODS,
    *elementwise.ALIAS_METHODS,
    *sequence_ops.METHODS,
    *creation.NEW_METHODS,
])

TORCH_FUNCTIONS: Dict[str, OpSpec] = registry("torch.", [
    *shape_ops.TORCH,
    *creation.ARANGE,
    *shape_ops.TORCH_SPLIT,
    *elementwise.TORCH_UNARY,
    *reductions.SOFTMAX,
    *matmul.TORCH,
    *elementwise.TORCH_BROADCASTING,
    *reductions.REDUCTIONS,
    *reductions.NORM_TORCH,
    *creation.TORCH,
    *shape_ops.TORCH_TRIANGLE_UNBIND,
    *einsum.TORCH,
    *elementwise.TORCH_ROUNDING_FILL,
    *shape_ops.ROLL,
    *scatter_gather.TORCH,
    *reductions.SORTING_TORCH,
    *matmul.ADDED_TORCH,
    *creation.SPACED,
    *elementwise.ALIAS_TORCH,
    *sequence_ops.TORCH,
])

FUNCTIONAL: Dict[str, OpSpec] = registry("F.", [
    *functional.FUNCTIONAL,
    *attention.FUNCTIONAL,
    *conv.FUNCTIONAL,
    *functional.NORMS_LOOKUPS,
    *attention.MHA_FUNCTIONAL,
])

# x.T, x.mT, x.H, x.mH: tensor properties, read as attributes (not called)
PROPERTIES: Dict[str, OpSpec] = registry("", shape_ops.PROPERTIES)
