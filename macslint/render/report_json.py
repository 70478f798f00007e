"""The report as JSON (`macslint check --format json`, `macslint report --format json`).

The contract (schema 1): fields are only ever added, never renamed. `macs` fields always
count multiply-accumulates; with the unit `flops` a `flops` field is added beside them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..config import Settings
from ..costmodel import LayerError, Unresolved, flat_shapes
from ..results.report import FileReport, LayerReport, standalone_cost
from ..results.memory import model_memory
from ..results.modules import module_macs
from ..results.traces import LayerCall, ModelTrace
from .report_text import counted, run_unit

SCHEMA_VERSION = 1


def display_unit(flag: Optional[str], reports: List[FileReport]) -> str:
    """The unit a JSON report is shown in: the `--unit` flag, else the first file's setting."""
    return flag or run_unit(reports)


def _shape(shape: Optional[Tuple[int, ...]]) -> Optional[List[int]]:
    return None if shape is None else list(shape)


def layer_json(layer: LayerReport, unit: str) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "line": layer.line,
        "col": layer.col,
        "kind": layer.kind,
        "resolved": layer.resolved,
        "counted": counted(layer),
        "reason": layer.reason,
        "params": layer.params,
        "macs": layer.macs,
        "input": _shape(layer.input),
        "output": _shape(layer.output),
        "call": layer.call,
        "error": layer.error,
        "args": layer.args,
        "traced": layer.traced,
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
        "models": [model_json(model, unit) for model in report.models],
        "not_built": [{"name": n.name, "line": n.line, "col": n.col, "reason": n.reason}
                      for n in report.not_built],
        "sites": {"total": len(report.layers), "resolved": report.sites_resolved},
    }


def call_json(call: LayerCall, settings: Settings, unit: str) -> Dict[str, Any]:
    """One call of a layer instance in a traced forward(); an untraced call is costed with the
    single-layer semantics where it can be, and says so."""
    data: Dict[str, Any] = {
        "path": call.path,
        "kind": call.kind,
        "line": call.site.line,
        "col": call.site.col + 1,
        "call": call.site.call_text,
        "file": call.site.file,
        "input": _shape(call.inputs[0]) if call.inputs else None,
        "output": _shape(call.output),
        "params": call.params,
        "macs": call.macs,
        "traced": call.traced,
        "reason": call.reason,
    }
    if call.inputs and len(call.inputs) > 1:
        data["extra_inputs"] = [list(s) for s in call.inputs[1:]]
    if call.result is not None:  # a tuple returned (an RNN's): every tensor in it, in order
        data["outputs"] = [list(s) for s in flat_shapes(call.result)]
    if not call.traced and call.spec is not None and call.args is not None:
        try:
            standalone = standalone_cost(call.spec, call.args, settings)
        except (Unresolved, LayerError):
            pass
        else:
            data["macs"] = standalone.macs
            data["reason"] = f"{call.reason}; costed on its own at the configured input size"
    if unit == "flops":
        data["flops"] = None if data["macs"] is None else 2 * data["macs"]
    return data


def model_json(model: ModelTrace, unit: str) -> Dict[str, Any]:
    settings = model.settings
    macs = module_macs(model)
    data: Dict[str, Any] = {
        "name": model.name,
        "builds": model.built or model.name,
        "line": model.line,
        "col": model.col,
        "input": _shape(model.input),
        "inputs": [{"name": spec.name, "shape": list(spec.shape), "dtype": spec.dtype,
                    "list": spec.listed} for spec in model.model_inputs()],
        "batch_size": settings.batch_size,
        "params": model.params,
        "macs": model.macs,
        "complete": model.complete,
        "reason": "; ".join(model.reasons) if model.reasons else None,
        "output": _shape(model.output),
        "layers": [call_json(call, settings, unit) for call in model.calls],
        "ops": [{"op": op.op, "line": op.line, "col": op.col,
                 "input": [list(s) for s in op.inputs], "output": list(op.output),
                 "macs": op.macs, "module": op.path} for op in model.ops],
        "modules": [{"path": path, "kind": kind, "params": params, "macs": macs[path]}
                    for path, (kind, params) in model.containers.items()],
    }
    memory = model_memory(model)
    data["trainable_params"] = model.trainable_params
    data["frozen_params"] = None if model.trainable_params is None or model.params is None \
        else model.params - model.trainable_params
    data["param_dtypes"] = model.param_dtypes
    data["param_notes"] = list(model.param_notes)
    data["memory"] = {"input_bytes": memory.input_bytes, "param_bytes": memory.param_bytes,
                      "forward_backward_bytes": memory.forward_backward_bytes,
                      "total_bytes": memory.total_bytes}
    data["macs_before_stop"] = model.macs_before_stop
    data["stopped_by"] = model.stopped_by
    if unit == "flops":
        data["flops"] = None if model.macs is None else 2 * model.macs
        for item in data["modules"]:
            item["flops"] = None if item["macs"] is None else 2 * item["macs"]
        data["flops_before_stop"] = None if model.macs_before_stop is None \
            else 2 * model.macs_before_stop
    return data


def report_json(files: List[FileReport], unit: str) -> Dict[str, Any]:
    """`unit` is the run's display unit; `macs` fields always count multiply-accumulates."""
    return {"schema": SCHEMA_VERSION, "unit": unit, "files": [file_json(f) for f in files]}
