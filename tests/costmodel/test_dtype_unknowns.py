"""An operand whose dtype is not known makes the result's dtype unknown, never a crash: the
meshgrid of torchvision's swin_v2 and maxvit ended in MAC900 (AttributeError) when one of its
tensors had no known dtype (found by benchmarks/torchvision_factories.py)."""

from __future__ import annotations

from macslint.costmodel.dtypes import op_dtype


class Operand:
    def __init__(self, dtype):
        self.dtype = dtype


def test_meshgrid_of_an_operand_without_a_dtype_is_unknown():
    assert op_dtype("meshgrid", {"tensors": [None, Operand("float32")]}, None) is None
    assert op_dtype("meshgrid", {"tensors": [Operand(None), Operand("float32")]}, None) is None
    assert op_dtype("meshgrid", {"tensors": [Operand("float32")] * 2}, None) == "float32"
