"""einops as a plug-in: its names as the evaluator sees them (`import einops`,
`from einops import rearrange, repeat, reduce`, `from einops.layers.torch import Rearrange,
Reduce`: the einops `Library`, registered on the evaluator; einops need not be installed), and
what calling them does while a model runs.

Functions: `rearrange`, `repeat`, `reduce` (of a tensor, or of a list of tensors: einops
stacks it), `einsum` (torch.einsum on einops' one-letter equation, when the cost model has
torch.einsum), `pack`, `unpack`, `parse_shape`; their shapes and errors are einops' own
(costmodel.ops.einops_patterns). Layers: `Rearrange(pattern, **axes_lengths)` and
`Reduce(pattern, reduction, **axes_lengths)` are modules without parameters whose forward is
the op (EinopsLayer); einops checks their pattern when they are built. They are not torch.nn
layer calls (no LayerCall: `macslint verify` and the leaf calls list torch.nn's only) and
cost no MACs. `EinMix` (it has parameters) is recorded as a layer macslint does not cost.
Anything else of einops, or a call of these that is not modelled (a reduction given as a
function, an axis length that is not an int), leaves the model incomplete with the call and
its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..costmodel import LayerError, Unresolved
from ..costmodel.dtypes import DtypeError
from ..costmodel.ops.einops_functions import (
    FUNCTIONS, LAYER_FORWARDS, LAYER_SIGNATURES, OF_LISTS, plan_strides, result_dtype,
    unpack_strides,
)
from ..costmodel.ops.einops_patterns import (
    axis_lengths, check_pattern, einsum_equation, packing_pattern, plan, stacked,
)
from ..costmodel.ops.einops_patterns import pack as pack_shapes
from ..costmodel.spec import bind
from ..costmodel.strides import contiguous_strides, is_contiguous
from ..evaluator.library import Library, register
from ..evaluator.values import RaiseSignal, Unknown
from ..results.sites import LayerSite
from ..units import format_shape
from .values import LayerModule, Tensor, Untraced

ROOT = "einops"
LAYERS_MODULE = "einops.layers.torch"
# the modules einops defines its names in, and the name einops exports them under
ALIASES = {f"einops.einops.{n}": f"einops.{n}" for n in
           ("rearrange", "repeat", "reduce", "einsum", "parse_shape", "asnumpy")}
ALIASES.update({"einops.packing.pack": "einops.pack", "einops.packing.unpack": "einops.unpack"})
EXPORTS = {
    ROOT: ("EinopsError", "asnumpy", "einsum", "pack", "parse_shape", "rearrange", "reduce",
           "repeat", "unpack"),
    LAYERS_MODULE: ("Rearrange", "Reduce", "EinMix"),
}
EINMIX = f"{LAYERS_MODULE}.EinMix"


@dataclass(frozen=True)
class EinopsName:
    """einops or one of its modules, functions or classes, by its qualified name."""

    path: str

    @property
    def python_type(self) -> str:  # in messages (evaluator.values.what_is)
        last = self.path.rsplit(".", 1)[-1]
        return "type" if last[:1].isupper() else "function" if "." in self.path else "module"

    def __repr__(self) -> str:  # messages show values
        return f"<einops name {self.path}>"


class EinopsLibrary(Library):
    root = ROOT
    value_types = (EinopsName,)
    constructs_layers = True

    def module(self, path: str) -> Any:
        return EinopsName(ALIASES.get(path, path))

    def star(self, source: str) -> Dict[str, Any]:
        return {name: self.module(f"{source}.{name}") for name in EXPORTS.get(source, ())}

    def attribute(self, base: Any, name: str) -> Any:
        return self.module(f"{base.path}.{name}")

    def unresolved_call(self, interpreter: Any, node: Any, callee: Any,
                        positional: List[Any], keywords: Dict[str, Any]) -> None:
        if isinstance(callee, EinopsName) and callee.path == EINMIX:
            interpreter.record_site(node, "EinMix", None, positional, keywords,
                                    f"{EINMIX} is not modelled")


EINOPS = register(EinopsLibrary())


class EinopsLayer(LayerModule):
    """An einops.layers.torch Rearrange or Reduce: no parameters; `values` its arguments
    (pattern, axes_lengths, reduction); `node` its construction (where its errors are said);
    `reason` why its forward is not modelled (an argument not known)."""

    def __init__(self, kind: str, site: LayerSite, node: Any, values: Dict[str, Any],
                 reason: Optional[str] = None) -> None:
        super().__init__(kind, None, site, None, reason)
        self.node = node
        self.values = values

    def params(self) -> Optional[int]:
        return 0

    def named_tensors(self, parameters: bool) -> Optional[List[Any]]:
        return []

    def attribute(self, name: str, line: int) -> Any:
        if name in self.values:
            return self.values[name]
        raise KeyError(name)


Handler = Callable[[Any, Any, List[Any], Dict[str, Any]], Any]
EINOPS_CALLS: Dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register_handler(handler: Handler) -> Handler:
        for name in names:
            EINOPS_CALLS[name] = handler
        return handler
    return register_handler


def call_einops(run: Any, node: Any, name: EinopsName, positional: List[Any],
                keywords: Dict[str, Any]) -> Any:
    """`name(...)` while a model is built or runs (run: torchnn.tracer.ModelInterpreter)."""
    handler = EINOPS_CALLS.get(name.path)
    if handler is None:
        return run.unknown_call(node, Unknown(f"`{name.path}` is not modelled"),
                                [*positional, *keywords.values()])
    return handler(run, node, positional, keywords)


def bound_arguments(run: Any, node: Any, signature_of: Any, caller: str,
                    positional: List[Any], keywords: Dict[str, Any]) -> Dict[str, Any]:
    """The call's arguments bound as Python binds them; Python's TypeError raises."""
    try:
        return bind(signature_of, caller, positional, keywords)
    except LayerError as exc:
        raise RaiseSignal(f"{run.where(node)} raises: {exc}")


def pattern_error(run: Any, node: Any, exc: Exception) -> None:
    """einops refuses the pattern (or its axis names) whatever the input: MAC011 here."""
    start = run.positions[node].start
    run.shape_error(start.line, start.column + 1, f"`{run.code(node)}`: {exc}",
                    run.file_of(node))


def not_followed(run: Any, node: Any, why: str, values: List[Any]) -> Untraced:
    """The call is not modelled: said once, where it happens (not again for a value that
    comes from a call already not followed)."""
    if not any(isinstance(v, Untraced) for v in values):
        run.note(f"{run.where(node)} is not followed: {why}")
    return Untraced(why)


def is_function(run: Any, value: Any) -> bool:
    """A reduction given as a callable (`torch.amax`, a function of the file)."""
    return not isinstance(value, (str, Unknown)) and run.callable_value(value) is not False


def finish(run: Any, node: Any, result: Tensor, inputs: List[Tensor], listed: bool,
           pattern: Any, operation: str, lengths: Dict[str, int], layer: bool) -> Tensor:
    """einops' result as einops makes it on torch: its dtype (or torch's refusal of it) and
    its strides (reshape, permute and expand are views; a list is stacked first)."""
    shape = stacked([t.shape for t in inputs]) if listed else inputs[0].shape
    step = plan(shape, pattern, operation, lengths)
    dtypes = {t.dtype for t in inputs}
    dtype = dtypes.pop() if len(dtypes) == 1 else None
    try:
        out = result_dtype(operation, dtype, bool(step.reduced), layer)
    except DtypeError as exc:
        start = run.positions[node].start
        shown = " and ".join(f"{format_shape(t.shape)} {t.dtype}" for t in inputs)
        run.dtype_error(inputs, f"`{run.code(node)}`", exc, start.line, start.column + 1,
                        f"`{run.code(node)}` on {shown}: {exc}", run.file_of(node))
        raise  # dtype_error raises
    strides = contiguous_strides(shape) if listed else inputs[0].strides
    result.strides = plan_strides(step, strides)
    if result.strides is not None:
        result.strided = None if is_contiguous(result.shape, result.strides) else result.line
    elif step.permutation is not None or step.added:
        result.strided = result.line
    else:
        result.strided = None if step.reduced or listed else inputs[0].strided
    if out != dtype:
        result.from_input = False
    result.dtype = out
    return result


def transform(name: str) -> Handler:
    """einops.rearrange / repeat / reduce(tensor or list of tensors, pattern, ...)."""
    spec = FUNCTIONS[name]

    def handler(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
        bound = bound_arguments(run, node, spec.signature_of, f"{name}()", positional, keywords)
        tensor, pattern, given = bound["tensor"], bound["pattern"], bound["axes_lengths"]
        operation = bound.get("reduction", name)
        if is_function(run, operation):
            return not_followed(run, node, "a reduction given as a function is not modelled",
                                [tensor])
        if isinstance(tensor, tuple):  # einops takes a list, not a tuple
            pattern_error(run, node, RuntimeError("Tensor type unknown to einops "
                                                  "<class 'tuple'>"))
        if isinstance(pattern, str) and not isinstance(operation, Unknown):
            try:
                check_pattern(pattern, operation, list(given))
            except LayerError as exc:
                pattern_error(run, node, exc)
        op = OF_LISTS[name] if isinstance(tensor, list) else spec
        result = run.run_op(node, op, name, positional, keywords)
        if not isinstance(result, Tensor):
            return result
        listed = isinstance(tensor, list)
        inputs = run.iterate(tensor) if listed else [tensor]
        return finish(run, node, result, inputs, listed, pattern, operation,
                      axis_lengths(given), False)

    return handler


for _name in ("rearrange", "repeat", "reduce"):
    handles(f"{ROOT}.{_name}")(transform(_name))


@handles(f"{ROOT}.einsum")
def einsum(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """einops.einsum(*tensors, pattern): torch.einsum on the one-letter equation."""
    from ..costmodel import TORCH_FUNCTIONS  # looked up when called: an op another entry adds

    if keywords:
        raise RaiseSignal(f"{run.where(node)} raises: einsum() got an unexpected keyword "
                          f"argument '{next(iter(keywords))}'")
    if len(positional) <= 1:
        raise RaiseSignal(f"{run.where(node)} raises: `einops.einsum` takes at minimum two "
                          f"arguments: the tensors (at least one), followed by the pattern.")
    pattern = positional[-1]
    if isinstance(pattern, Unknown):
        return not_followed(run, node, f"its pattern is not known: {pattern.reason}",
                            positional)
    try:
        equation = einsum_equation(pattern)
    except LayerError as exc:
        pattern_error(run, node, exc)
    spec = TORCH_FUNCTIONS.get("einsum")
    if spec is None:
        return not_followed(run, node, "torch.einsum, which einops.einsum runs, is not modelled",
                            positional)
    return run.run_op(node, spec, "einsum", [equation, *positional[:-1]], {})


def _packing_call(run: Any, node: Any, which: str, positional: List[Any],
                  keywords: Dict[str, Any]) -> Tuple[Any, Dict[str, Any]]:
    """pack's or unpack's spec and bound arguments, its pattern checked as einops checks it."""
    spec = FUNCTIONS[which]
    bound = bound_arguments(run, node, spec.signature_of, f"{which}()", positional, keywords)
    if isinstance(bound["pattern"], str):
        try:
            packing_pattern(bound["pattern"], which)
        except LayerError as exc:
            pattern_error(run, node, exc)
    return spec, bound


@handles(f"{ROOT}.pack")
def pack(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """einops.pack(tensors, pattern): (the packed tensor, the packed shapes)."""
    spec, bound = _packing_call(run, node, "pack", positional, keywords)
    result = run.run_op(node, spec, "pack", positional, keywords)
    if not isinstance(result, Tensor):
        return result
    shapes = [t.shape for t in run.iterate(bound["tensors"])]
    return (result, [tuple(s) for s in pack_shapes(shapes, bound["pattern"])[1]])


@handles(f"{ROOT}.unpack")
def unpack(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """einops.unpack(tensor, packed_shapes, pattern): a list of tensors."""
    spec, bound = _packing_call(run, node, "unpack", positional, keywords)
    result = run.run_op(node, spec, "unpack", positional, keywords)
    if not isinstance(result, tuple):
        return result
    tensor = bound["tensor"]
    before = packing_pattern(bound["pattern"], "unpack")[0]
    for piece, strides in zip(result, unpack_strides(tensor.shape, tensor.strides, before,
                                                     [t.shape for t in result])):
        piece.strides = strides
        piece.strided = None if strides is not None and is_contiguous(piece.shape, strides) \
            else run.line_of(node)
    return list(result)


@handles(f"{ROOT}.parse_shape")
def parse_shape(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """einops.parse_shape(x, pattern): {axis name: length}."""
    return run.run_op(node, FUNCTIONS["parse_shape"], "parse_shape", positional, keywords)


def layer_constructor(kind: str) -> Handler:
    """einops.layers.torch.Rearrange / Reduce(...): einops prepares the pattern when the layer
    is built, and raises there."""

    def construct(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
        bound = bound_arguments(run, node, LAYER_SIGNATURES[kind], f"{kind}.__init__()",
                                positional, keywords)
        start = run.positions[node].start
        site = LayerSite(start.line, start.column, kind, run.call_text(kind, node), None,
                         file=run.file_of(node))
        values = {"pattern": bound["pattern"], "axes_lengths": dict(bound["axes_lengths"])}
        operation = "rearrange"
        if kind == "Reduce":
            values["reduction"] = operation = bound["reduction"]
        reason = next((f"argument '{k}' is not known: {v.reason}" for k, v in
                       (*values.items(), *values["axes_lengths"].items())
                       if isinstance(v, Unknown)), None)
        if reason is None and is_function(run, operation):
            reason = "a reduction given as a function is not modelled"
        if reason is None:
            try:
                axis_lengths(values["axes_lengths"])
                check_pattern(values["pattern"], operation, list(values["axes_lengths"]))
            except Unresolved as exc:
                reason = str(exc)
            except LayerError as exc:
                raise RaiseSignal(f"{site.call_text} ({run.place(node)}) raises: {exc}")
        return EinopsLayer(kind, site, node, values, reason)

    return construct


for _kind in LAYER_SIGNATURES:
    handles(f"{LAYERS_MODULE}.{_kind}")(layer_constructor(_kind))


@handles(EINMIX)
def einmix(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    reason = f"{EINMIX} is not modelled"
    site = run.record_site(node, "EinMix", None, positional, keywords, reason)
    return LayerModule("EinMix", None, site, reason=reason)


def apply_einops_layer(run: Any, node: Any, layer: EinopsLayer, positional: List[Any],
                       keywords: Dict[str, Any]) -> Any:
    """`layer(x)`: the layer's forward(input), as the op of its pattern; its errors are said
    at its construction."""
    if len(positional) + len(keywords) != 1 or (keywords and "input" not in keywords):
        raise RaiseSignal(f"{run.where(node)} raises: {layer.kind}.forward() takes one "
                          f"argument, input")
    x = positional[0] if positional else keywords["input"]
    where = f"{layer.site.call_text} ({run.place(layer.node)})"
    if layer.reason is not None:
        run.note(f"{where} is not followed: {layer.reason}")
        return Untraced(f"the output of {layer.kind} is not known")
    values = layer.values
    arguments = {k: values[k] for k in ("pattern", "reduction", "axes_lengths") if k in values}
    result = run.run_op(layer.node, LAYER_FORWARDS[layer.kind], layer.kind, [x], arguments)
    if not isinstance(result, Tensor):
        return result
    result.line = run.line_of(node)
    operation = values.get("reduction", "rearrange")
    return finish(run, layer.node, result, [x], False, values["pattern"], operation,
                  axis_lengths(values["axes_lengths"]), True)
