"""torch's Lazy* layers while a model runs: at its first call a LazyLinear, LazyConv2d,
LazyBatchNorm2d... infers its first size from the input and becomes the layer torch's
`cls_to_become` names (costmodel.layers.lazy), as torch's forward pre-hook makes it: the
LayerModule then holds that layer's spec and arguments, for this call and every later one
(a later input of another size fails as it does in torch), and its parameters are known.
The model's parameters are counted after its forward() when it holds a Lazy layer
(torchnn.tracer), as torch has them only then."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import libcst as cst

from ..costmodel import LayerError, Unresolved
from ..costmodel.layers.lazy import materialize
from ..results.traces import LayerCall
from .values import LayerModule, Tensor, Untraced


def first_call(run: Any, node: cst.CSTNode, layer: LayerModule, positional: List[Any],
               keywords: Dict[str, Any], apply_layer: Callable[..., Any]) -> Any:
    """`layer(...)` for a Lazy layer not called yet: it becomes its non-lazy layer at the
    size its input gives, then runs as that (`apply_layer`, TensorOps'). An input that is not
    a traced tensor leaves it lazy (apply_layer says the call is not traced)."""
    assert layer.spec is not None and layer.args is not None
    x = positional[0] if positional else keywords.get("input")
    if not isinstance(x, Tensor):
        return apply_layer(node, layer, positional, keywords)
    where = f"{layer.site.call_text} (line {layer.site.line})"
    if run.forks:  # another branch may run first, with another size: not followed
        why = (f"{where} is first called under a condition that is not known: the size it "
               "takes from its input there is not followed")
        run.calls.append(LayerCall(run.paths.get(id(layer), ""), layer.kind, layer.site,
                                   layer.spec, layer.args, reason=why))
        run.note(why)
        layer.args, layer.reason = None, why  # nor its later calls, nor its parameters
        return Untraced(f"the output of {layer.kind} is not known")
    try:
        spec, args = materialize(layer.spec.name, layer.args, x.shape)
    except Unresolved as exc:  # not expected: its arguments are known
        run.note(f"{where}: {exc}")
        return Untraced(str(exc))
    except LayerError as exc:  # torch raises inferring its size or materializing it
        run.calls.append(LayerCall(run.paths.get(id(layer), ""), layer.kind, layer.site,
                                   layer.spec, layer.args, reason=f"torch raises: {exc}"))
        run.layer_shape_error(layer, [x], exc)
    layer.lazy_name = layer.spec.name
    layer.kind, layer.spec, layer.args, layer.reason = spec.name, spec, args, None
    # A Lazy layer takes any size: its first call proves nothing about the model's input.
    accepted = run.input_accepted
    try:
        return apply_layer(node, layer, positional, keywords)
    finally:
        run.input_accepted = accepted
