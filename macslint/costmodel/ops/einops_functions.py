"""einops' functions and the forward of its torch layers as ops (`OpSpec`): `rearrange`,
`repeat`, `reduce` (of a tensor or of a list of tensors, which einops stacks), `pack`,
`unpack`, `parse_shape`, and `Rearrange(...)(x)`, `Reduce(...)(x)`. Their shapes are the
patterns' (ops.einops_patterns). `einops.einsum` is torch.einsum on the equation
`einsum_equation` gives (its op is torch's).

MACs: none. einops runs reshape, permute, unsqueeze/expand and the reductions amax, amin,
sum, mean, prod, any, all, none of which FlopCounterMode counts.

Also here, for the model runtime: the dtype einops' result has (`result_dtype`, with the
reductions torch refuses for a dtype) and the strides of its views (`plan_strides`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..dtypes import DtypeError, is_floating
from ..spec import Args, LayerError, Shape, ShapeError, UnknownArgument, Unresolved
from ..strides import expand_strides, reshape_strides, unsqueeze_strides
from .base import OpSpec, resolved, shape_of, shapes_of
from .einops_patterns import (
    REDUCTIONS, Plan, axis_lengths, check_pattern, check_reduction, pack, parse_shape, plan,
    stacked, unpack,
)

Strides = Tuple[int, ...]


def lengths_arg(args: Args) -> Dict[str, int]:
    """The axis lengths given as keywords (`p1=16`), each known."""
    given = resolved(args, "axes_lengths") or {}
    for name, value in given.items():
        if isinstance(value, UnknownArgument):
            raise Unresolved(name, value.reason)
    return axis_lengths(given)


def pattern_arg(args: Args, name: str = "pattern") -> Any:
    return resolved(args, name)


def reduction_arg(args: Args) -> str:
    """A reduction named as a string; einops' error for what is neither a string nor a
    callable (the runtime passes a callable as an unknown value: not modelled)."""
    value = resolved(args, "reduction")
    if not isinstance(value, str):
        raise LayerError(f"Unknown reduction {value}. Expect one of {REDUCTIONS}.")
    return value


def input_shape(args: Args) -> Shape:
    """The tensor einops works on: the input, or the stack of a list of them."""
    value = resolved(args, "tensor")
    if isinstance(value, list):
        return stacked(shapes_of(args, "tensor"))
    return shape_of(args, "tensor")


def function_plan(args: Args, operation: str) -> Plan:
    """What `einops.<operation>(tensor, pattern, ...)` does (reduce: `operation` is its
    reduction)."""
    shape = input_shape(args)
    pattern = pattern_arg(args)
    step = plan(shape, pattern, operation, lengths_arg(args))
    if step.reduced:
        check_reduction(step, operation)
    return step


def _rearrange(args: Args) -> Shape:
    return function_plan(args, "rearrange").output


def _repeat(args: Args) -> Shape:
    return function_plan(args, "repeat").output


def _reduce(args: Args) -> Shape:
    return function_plan(args, reduction_arg(args)).output


def layer_plan(args: Args, operation: str) -> Plan:
    """What a Rearrange or Reduce layer does to its input: the pattern prepared for the ranks
    the layer was built for (another rank: torch raises KeyError)."""
    shape = shape_of(args, "input")
    pattern = pattern_arg(args)
    lengths = lengths_arg(args)
    ranks = check_pattern(pattern, operation, list(lengths))
    if len(shape) not in ranks:
        expected = ranks[0] if len(ranks) == 1 else f"{ranks[0]} to {ranks[-1]}"
        raise ShapeError(f"KeyError: {len(shape)}: the layer prepared its pattern for inputs of "
                         f"{expected} dims")
    step = plan(shape, pattern, operation, lengths)
    if step.reduced:
        if operation in ("any", "all"):  # the layers' torchscript backend has no any/all
            raise LayerError(f"('Unknown reduction ', '{operation}')")
        check_reduction(step, operation)
    return step


def _rearrange_layer(args: Args) -> Shape:
    return layer_plan(args, "rearrange").output


def _reduce_layer(args: Args) -> Shape:
    return layer_plan(args, reduction_arg(args)).output


def _pack(args: Args) -> Shape:
    return pack(shapes_of(args, "tensors"), pattern_arg(args))[0]


def packed_shapes(args: Args) -> List[Shape]:
    return pack(shapes_of(args, "tensors"), pattern_arg(args))[1]


def _unpack(args: Args) -> Tuple[Shape, ...]:
    return tuple(unpack(shape_of(args, "tensor"), resolved(args, "packed_shapes"),
                        pattern_arg(args)))


def _parse_shape(args: Args) -> Dict[str, int]:
    return parse_shape(shape_of(args, "x"), pattern_arg(args))


def einops_op(name: str, signature_of: Any, result: Any, tensors: Tuple[str, ...] = (),
              tensor_lists: Tuple[str, ...] = (), kind: str = "tensor") -> OpSpec:
    return OpSpec(name, signature_of, tensors=tensors, tensor_lists=tensor_lists, result=result,
                  result_kind=kind)


# einops.<name>(...) on one tensor, and on a list of tensors (stacked first)
FUNCTIONS: Dict[str, OpSpec] = {
    "rearrange": einops_op("einops.rearrange", lambda tensor, pattern, **axes_lengths: None,
                           _rearrange, tensors=("tensor",)),
    "repeat": einops_op("einops.repeat", lambda tensor, pattern, **axes_lengths: None,
                        _repeat, tensors=("tensor",)),
    "reduce": einops_op("einops.reduce",
                        lambda tensor, pattern, reduction, **axes_lengths: None, _reduce,
                        tensors=("tensor",)),
    "pack": einops_op("einops.pack", lambda tensors, pattern: None, _pack,
                      tensor_lists=("tensors",)),
    "unpack": einops_op("einops.unpack", lambda tensor, packed_shapes, pattern: None, _unpack,
                        tensors=("tensor",), kind="tensors"),
    "parse_shape": einops_op("einops.parse_shape", lambda x, pattern: None, _parse_shape,
                             tensors=("x",), kind="value"),
}
OF_LISTS: Dict[str, OpSpec] = {
    name: OpSpec(spec.name, spec.signature_of, tensors=(), tensor_lists=("tensor",),
                 result=spec.result)
    for name, spec in FUNCTIONS.items() if name in ("rearrange", "repeat", "reduce")
}
# the forward of einops.layers.torch.Rearrange / Reduce: the layer's arguments with its input
LAYER_FORWARDS: Dict[str, OpSpec] = {
    "Rearrange": einops_op("Rearrange", lambda input, pattern, axes_lengths: None,
                           _rearrange_layer, tensors=("input",)),
    "Reduce": einops_op("Reduce", lambda input, pattern, reduction, axes_lengths: None,
                        _reduce_layer, tensors=("input",)),
}
# what the layers' constructors take (their signatures, as Python binds them)
LAYER_SIGNATURES = {
    "Rearrange": lambda pattern, **axes_lengths: None,
    "Reduce": lambda pattern, reduction, **axes_lengths: None,
}


# ---------------------------------------------------------------------------------------
# dtypes and strides, for the model runtime

_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                 "uint8": "Byte", "bool": "Bool"}  # as torch's messages name them


def result_dtype(operation: str, dtype: Optional[str], reduced: bool, layer: bool
                 ) -> Optional[str]:
    """The dtype of einops' result on a tensor of `dtype` (None: not known); DtypeError where
    torch or einops refuses it (`mean` of integers: einops' own check in its functions,
    torch's in the layers). `reduced`: a reduction runs (a pattern that reduces no axis leaves
    the tensor as it is, whatever the reduction)."""
    if not reduced or operation in ("rearrange", "repeat", "min", "max") or dtype is None:
        return dtype
    if operation == "mean":
        if not is_floating(dtype):
            raise DtypeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_SCALAR_NAMES.get(dtype, dtype)}" if layer else
                "reduce_mean is not available for non-floating tensors", 0)
        return dtype
    if operation in ("sum", "prod"):
        return dtype if is_floating(dtype) else "int64"
    if operation in ("any", "all"):
        return "uint8" if dtype == "uint8" else "bool"
    return None


def plan_strides(step: Plan, strides: Optional[Sequence[int]]) -> Optional[Strides]:
    """The strides of einops' result given its input's (None: not known), step by step as
    einops runs on torch: reshape (a view where possible), permute, unsqueeze and expand the
    added axes, reshape. After a reduction: not known (torch's reductions may keep an input's
    layout)."""
    if strides is None or step.reduced:
        return None
    shape: Shape = step.shape
    out: Strides = tuple(strides)
    if step.init is not None:
        out, shape = reshape_strides(shape, out, step.init), step.init
    if step.permutation is not None:
        out = tuple(out[d] for d in step.permutation)
        shape = tuple(shape[d] for d in step.permutation)
    if step.added:
        for position in step.added:
            out = unsqueeze_strides(shape, out, position)
            shape = (*shape[:position], 1, *shape[position:])
        target = tuple(step.added.get(i, size) for i, size in enumerate(shape))
        out, shape = expand_strides(shape, out, target), target
    if step.final is not None:
        out = reshape_strides(shape, out, step.final)
    return out


def unpack_strides(shape: Shape, strides: Optional[Sequence[int]], before: int,
                   outputs: Sequence[Shape]) -> List[Optional[Strides]]:
    """The strides of unpack's results: a slice of the packed dim (the input's strides),
    reshaped to each output's shape."""
    if strides is None:
        return [None] * len(outputs)
    found: List[Optional[Strides]] = []
    for out in outputs:
        piece_size = 1
        for size in out[before:len(out) - (len(shape) - before - 1)]:
            piece_size *= size
        piece = (*shape[:before], piece_size, *shape[before + 1:])
        found.append(reshape_strides(piece, tuple(strides), out))
    return found
