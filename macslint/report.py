"""What the code costs, as plain data: one LayerReport per construction site.

No libcst here: the analyzer's sites come in, dataclasses go out. Lines and columns are
1-based, shapes are per sample (without the batch dimension), MACs include the batch.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .analyzer import LayerSite
from .catalogue import Args, LayerError, LayerSpec, Unresolved
from .config import Settings

SCHEMA_VERSION = 1


@dataclass
class LayerReport:
    line: int
    col: int
    kind: str
    call: str  # the construction as written, shortened: "Conv2d(3, 64, 7, stride=2)"
    resolved: bool = False
    reason: Optional[str] = None  # why not resolved, or why invalid
    params: Optional[int] = None
    macs: Optional[int] = None
    input: Optional[Tuple[int, ...]] = None
    output: Optional[Tuple[int, ...]] = None
    error: Optional[str] = None  # torch would raise this (MAC010)
    extra_inputs: Tuple[Tuple[int, ...], ...] = ()  # Bilinear's second input
    args: Optional[Dict[str, Any]] = None  # bound constructor arguments, when all are known


@dataclass
class FileReport:
    path: str
    settings: Optional[Settings] = None  # None when the configuration itself failed
    error: Optional[str] = None
    layers: List[LayerReport] = field(default_factory=list)
    models: List[Dict[str, Any]] = field(default_factory=list)


def _unresolved_reason(exc: Unresolved) -> str:
    if exc.arg == "input-size":
        return exc.reason
    return f"argument '{exc.arg}' is not known: {exc.reason}"


def cost_site(site: LayerSite, settings: Settings) -> LayerReport:
    """Cost one construction on its own: convolutions at the trailing dims of input-size with
    their own channels, linear layers on one feature vector per sample."""
    layer = LayerReport(site.line, site.col + 1, site.kind, site.call_text)
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
    if spec.standalone_inputs is None:
        layer.macs = 0  # no MACs whatever the input; its shape comes from tracing a model
    elif not unresolved:
        try:
            inputs = spec.standalone_inputs(args, settings.input_size)
            batched = [(settings.batch_size, *shape) for shape in inputs]
            output, layer.macs = spec.run(args, batched)
            layer.input, layer.extra_inputs = inputs[0], tuple(inputs[1:])
            layer.output = output[1:]
        except Unresolved as exc:
            unresolved.append(_unresolved_reason(exc))
        except LayerError as exc:
            layer.error = layer.reason = str(exc)
            return layer
    if unresolved:
        layer.reason = "; ".join(dict.fromkeys(unresolved))
    else:
        layer.args = _keyword_arguments(spec, args)
    layer.resolved = not unresolved and layer.params is not None and layer.macs is not None
    return layer


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


def file_report(path: str, sites: List[LayerSite], settings: Settings) -> FileReport:
    return FileReport(path, settings, layers=[cost_site(site, settings) for site in sites])


# ---------------------------------------------------------------------------
# The JSON contract (schema 1): fields are only ever added, never renamed.


def _shape(shape: Optional[Tuple[int, ...]]) -> Optional[List[int]]:
    return None if shape is None else list(shape)


def layer_json(layer: LayerReport, unit: str) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "line": layer.line,
        "col": layer.col,
        "kind": layer.kind,
        "resolved": layer.resolved,
        "reason": layer.reason,
        "params": layer.params,
        "macs": layer.macs,
        "input": _shape(layer.input),
        "output": _shape(layer.output),
        "call": layer.call,
        "error": layer.error,
        "args": layer.args,
    }
    if layer.extra_inputs:
        data["extra_inputs"] = [list(s) for s in layer.extra_inputs]
    if unit == "flops":
        data["flops"] = None if layer.macs is None else 2 * layer.macs
    return data


def file_json(report: FileReport) -> Dict[str, Any]:
    settings = report.settings
    unit = settings.unit if settings else "macs"
    return {
        "path": report.path,
        "error": report.error,
        "unit": unit,
        "input": _shape(settings.input_size) if settings else None,
        "batch_size": settings.batch_size if settings else None,
        "layers": [layer_json(layer, unit) for layer in report.layers],
        "models": report.models,
    }


def report_json(files: List[FileReport], unit: str) -> Dict[str, Any]:
    """`unit` is the run's display unit; `macs` fields always count multiply-accumulates."""
    return {"schema": SCHEMA_VERSION, "unit": unit, "files": [file_json(f) for f in files]}
