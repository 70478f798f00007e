"""A traced model's memory, as torchinfo's summary estimates it: its input, its parameters,
and a forward and backward pass (each output of a layer with parameters, twice: the output
and its gradient). Bytes, exact for the shapes and dtypes traced; None where one is not
known. torchinfo's own figures differ in two ways it has by design: its input size adds the
Python object of the storage (`sys.getsizeof`), and its parameter size counts only the
parameters of leaf modules that ran (not a ViT's class token, held by a module holding
others, nor the layers forward() never calls)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from ..costmodel.dtypes import DEFAULT_FLOAT, element_size
from .traces import ModelTrace

# The one traced torch.nn layer that holds another module (its `out_proj`): no leaf for
# torchinfo, which counts none of its output. (The Transformer family is traced as its
# parts, each a leaf of its own.)
_NOT_LEAVES = frozenset({"MultiheadAttention"})


@dataclass(frozen=True)
class Memory:
    input_bytes: Optional[int]
    param_bytes: Optional[int]
    forward_backward_bytes: Optional[int]

    @property
    def total_bytes(self) -> Optional[int]:
        parts = (self.input_bytes, self.param_bytes, self.forward_backward_bytes)
        return None if None in parts else sum(parts)  # type: ignore[arg-type]


def model_memory(model: ModelTrace) -> Memory:
    return Memory(_input_bytes(model), _param_bytes(model), _forward_backward_bytes(model))


def _input_bytes(model: ModelTrace) -> Optional[int]:
    if model.inputs is None:
        return None
    total = 0
    for spec in model.inputs:
        if spec.listed:
            return None  # a list of tensors: torchinfo sizes it otherwise
        total += math.prod(spec.shape) * element_size(spec.dtype or DEFAULT_FLOAT)
    return total


def _param_bytes(model: ModelTrace) -> Optional[int]:
    if model.param_dtypes is None:
        return None
    return sum(count * element_size(dtype) for dtype, count in model.param_dtypes.items())


def _forward_backward_bytes(model: ModelTrace) -> Optional[int]:
    """torchinfo's "Forward/backward pass size": twice the bytes of the (first) output of
    every call of a leaf layer with parameters, each call counted."""
    if not model.complete:
        return None
    # An `input-size` input has no dtype declared: float32, as torchinfo takes it, and so is
    # each output whose dtype follows from it (a cast gives a known one).
    untyped = model.inputs is not None and all(s.dtype is None for s in model.inputs)
    # a layer's subclass with a forward() of its own: torchinfo sizes the module's output
    # (ran_module's), not its layer part's call inside it
    own_forward = {path for path, _, _ in model.module_outputs}
    total = 0
    for call in model.calls:
        if call.kind in _NOT_LEAVES or not call.params or call.path in own_forward:
            continue
        dtype = call.dtype or (DEFAULT_FLOAT if untyped else None)
        if call.output is None or dtype is None:
            return None
        total += 2 * math.prod(call.output) * element_size(dtype)
    for path, shape, dtype in model.module_outputs:  # (torchinfo's leaves of the code's own)
        params = model.containers.get(path, ("", None))[1]
        if params is None or path == "":
            return None
        if params:
            dtype = dtype or (DEFAULT_FLOAT if untyped else None)
            if shape is None or dtype is None:
                return None
            total += 2 * math.prod(shape) * element_size(dtype)
    if model.params and not model.containers and not model.calls:
        return None  # the model itself is torchinfo's leaf: its output is not kept
    return total
