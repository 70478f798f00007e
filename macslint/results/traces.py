"""What tracing a model produces, as plain data for the report: no libcst here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from .sites import LayerSite
from ..costmodel import Args, LayerSpec, Shape
from ..config import Settings
from ..inputs import InputSpec, declared


@dataclass
class LayerCall:
    """One call of a torch.nn layer instance while tracing forward()."""

    path: str  # as torch's named_modules() names it: "features.0"
    kind: str
    site: LayerSite
    spec: Optional[LayerSpec]
    args: Optional[Args]
    inputs: Optional[List[Shape]] = None  # traced input shapes (with batch); None: not traced
    output: Optional[Shape] = None
    params: Optional[int] = None
    macs: Optional[int] = None
    reason: Optional[str] = None  # why it is not traced
    # A call of a layer that takes or returns more than tensors (an RNN's initial state, its
    # (output, (h_n, c_n))): every forward() argument and the whole result, as the cost
    # model takes and gives them (Shapes, None for a state left out, costmodel.ShapeTuple for
    # a tuple). `inputs` then lists the tensors passed, `output` the first one returned.
    # None for every other call.
    arguments: Optional[List[Any]] = None
    result: Optional[Any] = None

    @property
    def traced(self) -> bool:
        return self.inputs is not None and self.output is not None and self.macs is not None


@dataclass
class OpCall:
    """A tensor operation in forward() itself that costs MACs (a matrix product)."""

    line: int
    col: int  # 1-based
    op: str
    inputs: List[Shape]
    output: Shape
    macs: int


@dataclass
class ShapeIssue:
    """torch would raise here at run time: the tensor does not fit (MAC011)."""

    line: int
    col: int  # 1-based
    message: str


@dataclass
class ModelTrace:
    name: str
    line: int
    col: int  # 1-based
    settings: Settings
    input: Optional[Shape] = None
    params: Optional[int] = None
    macs: Optional[int] = None
    output: Optional[Shape] = None
    calls: List[LayerCall] = field(default_factory=list)
    ops: List[OpCall] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)  # why incomplete, in the order met
    shape_errors: List[ShapeIssue] = field(default_factory=list)
    config_error: Optional[str] = None  # a bad pragma on the class line
    internal_error: Optional[str] = None  # macslint failed on this model (MAC900)
    # Constructions building it gave every argument: (file or None for this one, line, col0)
    built_sites: Set[Tuple[Optional[str], int, int]] = field(default_factory=set)
    # Each submodule that holds others, as torch names it: path -> (class name, params)
    containers: Dict[str, Tuple[str, Optional[int]]] = field(default_factory=dict)
    # The class or factory built, when the model's name is another (a declared or written
    # construction: "UNet(3, 2)" builds UNet)
    built: Optional[str] = None
    # The inputs forward() was traced with (shapes with the batch; names: the parameters they
    # were passed to, where known); None when tracing did not reach forward().
    inputs: Optional[List[InputSpec]] = None

    def model_inputs(self) -> List[InputSpec]:
        """The inputs it was traced with, or else the ones its settings declare (batched)."""
        if self.inputs is not None:
            return self.inputs
        batch = self.settings.batch_size
        return [InputSpec(s.name, (batch, *s.shape), s.dtype) for s in declared(self.settings)]

    @property
    def complete(self) -> bool:
        return not self.reasons and self.params is not None and self.macs is not None
