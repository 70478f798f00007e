"""What the code costs, as plain data: one LayerReport per construction site.

No libcst here: the analyzer's sites come in, dataclasses go out. Lines and columns are
1-based, shapes are per sample (without the batch dimension), MACs include the batch.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .sites import LayerSite, first_unknown
from .traces import ModelTrace, SiteUse, site_uses
from ..costmodel import Args, LayerError, LayerSpec, ShapeError, Unresolved, flat_shapes
from ..config import Settings



@dataclass
class LayerReport:
    line: int
    col: int
    kind: str
    call: str  # the construction as written, shortened: "Conv2d(3, 64, 7, stride=2)"
    resolved: bool = False
    reason: Optional[str] = None  # why not resolved, or why invalid
    # Why the configured input size does not fit the layer costed on its own (MAC012).
    input_misfit: Optional[str] = None
    params: Optional[int] = None
    macs: Optional[int] = None
    input: Optional[Tuple[int, ...]] = None
    output: Optional[Tuple[int, ...]] = None
    error: Optional[str] = None  # torch would raise this (MAC010)
    # The error is the configured input size's, costed on its own: a model that traces the
    # layer at its own input size supersedes it.
    error_at_input: bool = False
    extra_inputs: Tuple[Tuple[int, ...], ...] = ()  # Bilinear's second input
    args: Optional[Dict[str, Any]] = None  # bound constructor arguments, when all are known
    # The costliest call of this construction in a traced model: what budgets are held to.
    traced: Optional[Dict[str, Any]] = None
    # The most parameters a traced call of it has, and where (MAC002 for a construction whose
    # own arguments are not all known, such as a block built with different widths).
    traced_params: Optional[Tuple[int, str]] = None
    end_line: Optional[int] = None  # where the construction ends: 1-based line, and the
    end_col: Optional[int] = None  # 1-based column of the character after it
    # A model builds it but none traces a call of it (`reason` says why): it has no MACs,
    # rather than its cost on its own at a shape no model gives it.
    untraced: bool = False


@dataclass
class FileReport:
    path: str
    settings: Optional[Settings] = None  # None when the configuration itself failed
    error: Optional[str] = None
    layers: List[LayerReport] = field(default_factory=list)
    models: List[Any] = field(default_factory=list)  # tracer.ModelTrace
    # The model classes and factories no model builds, with why (results.traces.NotBuilt).
    not_built: List[Any] = field(default_factory=list)
    # Constructions some evaluated path builds with every argument known: on their own, or
    # in a model (a block built with different widths by different models counts).
    sites_resolved: int = 0


def _unresolved_reason(exc: Unresolved) -> str:
    if exc.arg == "input-size":
        return exc.reason
    return f"argument '{exc.arg}' is not known: {exc.reason}"


def cost_site(site: LayerSite, settings: Settings) -> LayerReport:
    """Cost one construction on its own: convolutions at the trailing dims of input-size with
    their own channels, linear layers on one feature vector per sample."""
    layer = LayerReport(site.line, site.col + 1, site.kind, site.call_text,
                        end_line=site.end_line,
                        end_col=None if site.end_col is None else site.end_col + 1)
    if site.unresolved is not None:
        layer.reason = site.unresolved
        return layer
    if site.error is not None:
        layer.error = layer.reason = site.error
        return layer
    spec, args = site.spec, site.args
    assert spec is not None and args is not None
    unresolved: List[str] = []
    try:
        spec.check_args(args)
    except Unresolved as exc:
        unresolved.append(_unresolved_reason(exc))
    except LayerError as exc:
        layer.error = layer.reason = str(exc)
        return layer
    try:
        layer.params = spec.params(args)
    except Unresolved as exc:
        unresolved.append(_unresolved_reason(exc))
    except LayerError as exc:
        # check_args stopped at an unknown argument, but the known ones already make torch
        # raise (`Conv2d(16, 16, -1, padding=p)`: a negative weight dimension, whatever p is)
        layer.error = layer.reason = str(exc)
        return layer
    if not unresolved:
        try:
            standalone = standalone_cost(spec, args, settings)
        except Unresolved as exc:
            unresolved.append(_unresolved_reason(exc))
            if exc.arg == "input-size":
                layer.input_misfit = exc.reason
        except LayerError as exc:
            layer.error = layer.reason = str(exc)
            layer.error_at_input = isinstance(exc, ShapeError)
            return layer
        else:
            layer.macs = standalone.macs
            if standalone.inputs:
                layer.input, layer.extra_inputs = standalone.inputs[0], standalone.inputs[1:]
                layer.output = standalone.output
    for name, value in args.values.items():
        unknown = first_unknown(value)
        if unknown is not None and not unresolved and name not in ("device", "dtype"):
            # The costs do not read it (dropout's p), but the layer is not fully known.
            unresolved.append(f"argument '{name}' is not known: {unknown.reason}")
    if unresolved:
        layer.reason = "; ".join(dict.fromkeys(unresolved))
    else:
        layer.args = _keyword_arguments(spec, args)
    layer.resolved = not unresolved and layer.params is not None and layer.macs is not None
    return layer


@dataclass
class Standalone:
    inputs: Tuple[Tuple[int, ...], ...]  # per sample; () for layers costed without a shape
    output: Optional[Tuple[int, ...]]
    macs: int


def standalone_cost(spec: LayerSpec, args: Args, settings: Settings) -> Standalone:
    """The single-layer semantics: convolutions at the trailing dims of input-size with their
    own channels, linear layers on one feature vector per sample; layers whose MACs do not
    depend on a shape cost 0. Raises Unresolved or LayerError."""
    if spec.standalone_inputs is None:
        return Standalone((), None, 0)  # its shape comes from tracing a model
    inputs = spec.standalone_inputs(args, settings.input_size)
    batched = [(settings.batch_size, *shape) for shape in inputs]
    output, macs = spec.run(args, batched)
    return Standalone(tuple(inputs), flat_shapes(output)[0][1:], macs)  # an RNN's: its output


def _keyword_arguments(spec: LayerSpec, args: Args) -> Optional[Dict[str, Any]]:
    """The bound arguments as keywords that rebuild the layer: `torch.nn.<kind>(**args)`.
    None when positional extras (`Identity(54)`) cannot be written as keywords."""
    out: Dict[str, Any] = {}
    for name, param in spec.signature.parameters.items():
        value = args.values.get(name)
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            out.update({k: _plain(v) for k, v in (value or {}).items()})
        elif name not in ("device", "dtype"):
            out[name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """JSON-friendly: tuples become lists; anything else that is not plain becomes its repr."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def file_report(path: str, sites: List[LayerSite], settings: Settings,
                models: Optional[List[ModelTrace]] = None,
                not_built: Optional[List[Any]] = None) -> FileReport:
    """The file's layers costed by its own models' traces (`apply_uses` adds those of the
    models in other project files), else each on its own."""
    layers = [cost_site(site, settings) for site in sites]
    models = models or []
    known = {(layer.line, layer.col) for layer in layers if layer.resolved}
    for model in models:
        known.update((line, col + 1) for file, line, col in model.built_sites if file is None)
    report = FileReport(path, settings, layers=layers, models=models, not_built=not_built or [])
    report.sites_resolved = len(known & {(layer.line, layer.col) for layer in layers})
    apply_uses(report, [use for model in models for use in site_uses(model)
                        if use.origin is None])
    return report


def apply_uses(report: FileReport, uses: List[SiteUse]) -> None:
    """Cost the report's layers by the models that use them (`uses` of this file's sites, in
    order): the costliest traced call of a layer is what its budgets are held to; a layer
    some model builds and none traces has no MACs (not those of a shape no model gives it).
    A layer no model builds keeps its cost on its own."""
    settings = report.settings
    assert settings is not None
    by_site = {(layer.line, layer.col): layer for layer in report.layers}
    untraced: Dict[Tuple[int, int], str] = {}
    for use in uses:
        layer = by_site.get((use.line, use.col + 1))
        if layer is None:
            continue
        where = use.model if not use.path else f"{use.model}.{use.path}"
        if use.model_file is not None:
            where += f" ({use.model_file})"
        if not use.traced:
            untraced.setdefault((use.line, use.col + 1), use.reason or "")
            continue
        if layer.error_at_input:
            layer.error, layer.error_at_input = None, False
            layer.reason = (f"costed on its own at {'x'.join(map(str, settings.input_size))}, "
                            f"torch raises: {layer.reason}")
        assert use.macs is not None and use.input is not None and use.output is not None
        if layer.traced is None or use.macs > layer.traced["macs"]:
            layer.traced = {"model": use.model, "path": use.path, "input": list(use.input),
                            "output": list(use.output), "macs": use.macs, "params": use.params}
            if use.model_file is not None:  # a model of another project file
                layer.traced["file"] = use.model_file
        if use.params is not None and (layer.traced_params is None
                                       or use.params > layer.traced_params[0]):
            layer.traced_params = (use.params, where)
    for key, why in untraced.items():
        layer = by_site[key]
        if layer.traced is not None or layer.macs is None and layer.error is None:
            continue
        if layer.error is not None and not layer.error_at_input:
            continue  # the arguments alone make torch raise: MAC010 whatever the input
        layer.macs, layer.input, layer.output, layer.extra_inputs = None, None, None, ()
        layer.error, layer.error_at_input, layer.input_misfit = None, False, None
        layer.resolved, layer.untraced = False, True
        layer.reason = why
