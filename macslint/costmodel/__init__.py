"""The cost model: torch.nn layers and tensor operations as data (signatures, parameter
counts, shape transfer, MACs). Pure Python: no libcst, no torch, no evaluator.

Shapes are tuples of ints *with* the batch dimension, as torch sees them. Each layer is one
`LayerSpec` entry in `LAYERS` (layers/, one module per family), each tensor operation one
`OpSpec` in `TENSOR_METHODS`, `TORCH_FUNCTIONS` or `FUNCTIONAL` (ops/, one module per kind).
A spec's signature is written as a lambda so that arguments bind exactly as Python binds
them for torch's constructor or function (positional, keyword, defaults); they are read
through `Args`, where an unknown one raises `Unresolved`. A call torch would refuse raises
`ShapeError` (the input does not fit) or `LayerError` (the arguments alone are wrong), in
torch's words (spec.py). Ops take tensors as their shapes.

MACs follow `torch.utils.flop_counter.FlopCounterMode` (flops / 2): convolutions,
transposed convolutions and matrix products only, without bias, and of the matrix products
only those it has a formula for (mm, addmm, bmm): a matrix-vector or vector-vector product
(aten.mv / aten.dot) counts 0 (see `matmul`). Norms, activations, pools, embeddings and
resampling cost 0.  Bilinear is the exception: FlopCounterMode does not see it at all, so
macslint counts it as the `Linear` over the outer product it is (out * in1 * in2 per
sample) rather than pretend it is free.

Not modelled: strides.  view() fails after a transpose or permute in torch, and F.linear
picks its kernel by contiguity; both are treated as for contiguous tensors.
"""

from .layers import LAYERS, LayerSpec, output_count
from .ops import FUNCTIONAL, TENSOR_METHODS, TORCH_FUNCTIONS, OpSpec
from .shapes import broadcast, matmul, normalize_dim
from .spec import (
    INT64_MAX, Args, LayerError, Shape, ShapeError, ShapeTuple, UnknownArgument, Unresolved,
    flat_shapes,
)

__all__ = [
    "INT64_MAX", "LAYERS", "Args", "LayerError", "LayerSpec", "Shape", "ShapeError",
    "ShapeTuple", "UnknownArgument", "Unresolved", "flat_shapes", "output_count",
    "FUNCTIONAL", "TENSOR_METHODS", "TORCH_FUNCTIONS", "OpSpec", "broadcast", "matmul",
    "normalize_dim",
]
