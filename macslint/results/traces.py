"""What tracing a model produces, as plain data for the report: no libcst here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from .codec import DeferredFields
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
    dtype: Optional[str] = None  # of its (first) output; None where not known

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
    # The module whose forward() computes it, as torch names it ("" for the model's own),
    # and how many layer calls ran before it (its place among them).
    path: str = ""
    after: int = 0


@dataclass
class ShapeIssue:
    """torch would raise here at run time: the tensor does not fit (MAC011)."""

    line: int
    col: int  # 1-based
    message: str


@dataclass
class ModelTrace(DeferredFields):
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
    # Constructions building it gave every argument: (resolved path of another project file,
    # or None for this one; line; col0)
    built_sites: Set[Tuple[Optional[str], int, int]] = field(default_factory=set)
    # Each submodule that holds others, as torch names it: path -> (class name, params)
    containers: Dict[str, Tuple[str, Optional[int]]] = field(default_factory=dict)
    # The class or factory built, when the model's name is another (a declared or written
    # construction: "UNet(3, 2)" builds UNet)
    built: Optional[str] = None
    # The inputs forward() was traced with (shapes with the batch; names: the parameters they
    # were passed to, where known); None when tracing did not reach forward().
    inputs: Optional[List[InputSpec]] = None
    # False for a module with no forward() (a bag of layers): torch cannot run it, so its
    # layers keep their cost on their own.
    runs_forward: bool = True
    # Tracing stopped because the input it was given by default (not declared for it) does
    # not fit: likely a block built on its own, whose layers the models using it cost.
    input_misfit: bool = False
    # Where forward() could not be followed to its end (`macs` None) and the model was built
    # in full: the MACs of what ran before the first point it could not follow
    # (`reasons`' first trace reason, `stopped_by`), which is what torch counts up to there
    # (a detection model's backbone and heads before the data-dependent boxes); else None.
    macs_before_stop: Optional[int] = None
    stopped_by: Optional[str] = None
    # The parameters torch would train (requires_grad), and the number of parameters of each
    # dtype; None where not known, and `param_notes` says why (torchnn.training).
    # Each call of a module of the code's own holding no other module: (path, the shape and
    # dtype of the first tensor it returned, None where not a known tensor)
    module_outputs: List[Tuple[str, Optional[Shape], Optional[str]]] = field(
        default_factory=list)
    trainable_params: Optional[int] = None
    param_dtypes: Optional[Dict[str, int]] = None
    param_notes: List[str] = field(default_factory=list)

    def model_inputs(self) -> List[InputSpec]:
        """The inputs it was traced with, or else the ones its settings declare (batched)."""
        if self.inputs is not None:
            return self.inputs
        batch = self.settings.batch_size
        return [InputSpec(s.name, (batch, *s.shape), s.dtype, s.listed)
                for s in declared(self.settings)]

    def untraced_layers(self) -> int:
        """Layers built for the model that no traced call costs: tracing stopped before them,
        or forward() does not call them."""
        return sum(1 for use in site_uses(self) if not use.traced)

    @property
    def complete(self) -> bool:
        return not self.reasons and self.params is not None and self.macs is not None


@dataclass(frozen=True)
class SiteUse:
    """What one model does with one construction site: a traced call of it (`macs` known),
    or a build of it that no traced call of that model costs (`reason` says why). A site's
    cost is the costliest traced call of it by any model of the project; a site some model
    builds but never traces has no cost, rather than one at a shape it would never see."""

    origin: Optional[str]  # the site's file, resolved; None: the file of the model
    line: int
    col: int  # 0-based, as LayerSite
    model: str
    model_file: Optional[str]  # where the model is, as shown; None: the file reported
    path: str = ""  # the call's module path ("features.0"); "" when not traced
    input: Optional[Tuple[int, ...]] = None
    output: Optional[Tuple[int, ...]] = None
    macs: Optional[int] = None
    params: Optional[int] = None
    reason: Optional[str] = None

    @property
    def traced(self) -> bool:
        return self.macs is not None


def site_uses(model: ModelTrace, model_file: Optional[str] = None) -> List[SiteUse]:
    """The model's uses of construction sites, in call order: each traced call of a site
    (its parts' calls are the parts' own), then each site built and not traced."""
    uses: List[SiteUse] = []
    traced: Set[Tuple[Optional[str], int, int]] = set()
    untraced: Dict[Tuple[Optional[str], int, int], str] = {}
    first = model.reasons[0] if model.reasons else "a layer call is not traced"
    for call in model.calls:
        site = call.site
        key = (site.origin, site.line, site.col)
        if site.part is not None and call.traced:
            traced.add(key)  # the module torch composes is costed as a whole, on its own
        elif call.traced:
            traced.add(key)
            uses.append(SiteUse(site.origin, site.line, site.col, model.name, model_file,
                                call.path, tuple(call.inputs[0]), tuple(call.output),
                                call.macs, call.params))
        else:
            untraced.setdefault(key, f"its call in {model.name} is not traced: "
                                     f"{call.reason or first}")
    for key in sorted(model.built_sites, key=lambda k: (k[0] or "", k[1], k[2])):
        if model.macs is not None:  # traced through: forward() never calls it
            why = f"{model.name} builds it, but its forward() does not call it"
        else:
            why = f"{model.name} builds it, but tracing stops before its call: {first}"
        untraced.setdefault(key, why)
    for key, why in untraced.items() if model.runs_forward else ():
        if key not in traced:
            uses.append(SiteUse(key[0], key[1], key[2], model.name, model_file, reason=why))
    return uses


@dataclass
class NotBuilt:
    """A model class (or factory) of the file that no entry builds, and why (torchnn.entries
    finds them; plain data here, so a cached result is read without the analyzer)."""

    name: str
    line: int
    col: int  # 1-based
    reason: str
    declared: bool = False  # settings were written for it: a pragma, a models table entry
    config_error: Optional[str] = None  # its pragma is invalid (MAC902)
