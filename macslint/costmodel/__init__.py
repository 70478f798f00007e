"""The cost model: torch.nn layers and tensor operations as data (signatures, parameter
counts, shape transfer, MACs). Pure Python: no libcst, no torch, no evaluator."""

from .catalogue import (
    INT64_MAX, LAYERS, Args, LayerError, LayerSpec, Shape, ShapeError, UnknownArgument,
    Unresolved, output_count,
)
from .tensor_ops import (
    FUNCTIONAL, TENSOR_METHODS, TORCH_FUNCTIONS, OpSpec, broadcast, matmul, normalize_dim,
)

__all__ = [
    "INT64_MAX", "LAYERS", "Args", "LayerError", "LayerSpec", "Shape", "ShapeError",
    "UnknownArgument", "Unresolved", "output_count",
    "FUNCTIONAL", "TENSOR_METHODS", "TORCH_FUNCTIONS", "OpSpec", "broadcast", "matmul",
    "normalize_dim",
]
