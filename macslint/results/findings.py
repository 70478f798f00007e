"""Budgets -> findings: what to tell the user about a file's report, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..config import Settings
from .report import FileReport, LayerReport
from .traces import ModelTrace
from ..units import format_count, format_shape


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based
    col: int  # 1-based (the flake8 adapter hands flake8 col - 1)
    code: str
    message: str  # without the code
    # Where the flagged code ends (1-based line, 1-based column after its last character);
    # None when only the start is known (a model's class line).
    end_line: Optional[int] = None
    end_col: Optional[int] = None
    # What the finding is about, as written, so a baseline can match it after lines shift:
    # the layer's call text, or the model's name; "" when only the line says it.
    anchor: str = ""

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


def _at(layer: LayerReport, settings: Settings) -> str:
    if layer.traced is not None:
        traced = layer.traced
        where = f"{traced['model']}.{traced['path']}" if traced["path"] else traced["model"]
        if traced.get("file"):  # a model of another project file
            where += f" ({traced['file']})"
        return f" at {format_shape(traced['input'])} in {where}"
    shapes = " & ".join(format_shape(s) for s in (layer.input, *layer.extra_inputs) if s)
    batch = f" (batch {settings.batch_size})" if settings.batch_size != 1 else ""
    return f" at {shapes}{batch}" if shapes else ""


def _cost(macs: int, settings: Settings) -> Tuple[str, str]:
    if settings.unit == "flops":
        return format_count(2 * macs), "FLOPs"
    return format_count(macs), "MACs"


def layer_findings(path: str, layer: LayerReport, settings: Settings) -> List[Finding]:
    found: List[Finding] = []

    def add(code: str, message: str) -> None:
        found.append(Finding(path, layer.line, layer.col, code, message,
                             layer.end_line, layer.end_col, layer.call))

    if layer.error is not None:
        add("MAC010", f"{layer.call} is invalid: {layer.error}")
        return found
    budget: Optional[int] = settings.max_layer_macs
    macs = layer.traced["macs"] if layer.traced is not None else layer.macs
    if budget is not None and macs is not None and macs > budget:
        cost, unit = _cost(macs, settings)
        limit, _ = _cost(budget, settings)
        add("MAC001", f"{layer.call} costs {cost} {unit}{_at(layer, settings)}, budget {limit}")
    budget = settings.max_layer_params
    params, where = layer.params, ""
    if params is None and layer.traced_params is not None:
        params, where = layer.traced_params[0], f" in {layer.traced_params[1]}"
    if budget is not None and params is not None and params > budget:
        add("MAC002", f"{layer.call} has {format_count(params)} params{where}, "
                      f"budget {format_count(budget)}")
    if not layer.resolved and layer.traced is None and not layer.untraced:
        # (a traced model costs it where it is used; MAC014 says where a model's trace stops)
        if layer.input_misfit is not None:
            add("MAC012", f"{layer.call} is not costed: {layer.input_misfit}")
        else:
            add("MAC100", f"{layer.call} is not resolved: {layer.reason}")
    return found


def file_findings(report: FileReport) -> List[Finding]:
    if report.settings is None or report.error is not None:
        return []  # the engine turns file-level errors into findings itself
    found: List[Finding] = []
    for layer in report.layers:
        found.extend(layer_findings(report.path, layer, report.settings))
    for model in report.models:
        found.extend(model_findings(report.path, model))
    for unbuilt in report.not_built:
        if unbuilt.config_error is not None:
            found.append(Finding(report.path, unbuilt.line, unbuilt.col, "MAC902",
                                 f"invalid configuration: {unbuilt.config_error}",
                                 anchor=unbuilt.name))
        elif unbuilt.declared:
            found.append(Finding(report.path, unbuilt.line, unbuilt.col, "MAC013",
                                 f"{unbuilt.name} has settings but is not built: {unbuilt.reason}",
                                 anchor=unbuilt.name))
    # A mismatch inside a block reached by several models is one finding.
    unique = {(f.line, f.col, f.code): f for f in reversed(found)}
    return sorted(unique.values(), key=lambda f: (f.line, f.col, f.code))


def model_findings(path: str, model: ModelTrace) -> List[Finding]:
    settings = model.settings
    found = [Finding(path, issue.line, issue.col, "MAC011", issue.message)
             for issue in model.shape_errors]

    def add(code: str, message: str) -> None:
        found.append(Finding(path, model.line, model.col, code, message, anchor=model.name))

    if model.internal_error is not None:
        add("MAC900", f"internal error tracing {model.name}: {model.internal_error}; "
                      "please report it with this file")
    if model.config_error is not None:
        add("MAC902", f"invalid configuration: {model.config_error}")
    budget = settings.max_model_macs
    if budget is not None and model.macs is not None and model.macs > budget:
        cost, unit = _cost(model.macs, settings)
        limit, _ = _cost(budget, settings)
        batch = f" (batch {settings.batch_size})" if settings.batch_size != 1 else ""
        add("MAC003", f"{model.name} costs {cost} {unit} at "
                      f"{format_shape(model.input[1:])}{batch}, budget {limit}")
    budget = settings.max_model_params
    if budget is not None and model.params is not None and model.params > budget:
        add("MAC004", f"{model.name} has {format_count(model.params)} params, "
                      f"budget {format_count(budget)}")
    unchecked = unchecked_budgets(model)
    # MAC900, or MAC011 (torch raises in forward(): the bug to fix first), says why already
    if unchecked and model.internal_error is None and not model.shape_errors:
        reason = model.reasons[0] if model.reasons else "a layer call is not traced"
        add("MAC014", f"{model.name}: {'; '.join(unchecked)}: {reason} "
                      f"(`# noqa: MAC014` on this line accepts it)")
    return found


def unchecked_budgets(model: ModelTrace) -> List[str]:
    """The budgets set for the model that its trace could not check, as the user names them:
    a budget that passes because tracing gave up is not an "all clear" (MAC014)."""
    settings = model.settings
    unchecked = []
    if settings.max_model_macs is not None and model.macs is None:
        unchecked.append("max-model-macs is not checked (its MACs are not known)")
    if settings.max_model_params is not None and model.params is None:
        unchecked.append("max-model-params is not checked (its params are not known)")
    untraced = model.untraced_layers() if model.macs is None and not model.input_misfit else 0
    if settings.max_layer_macs is not None and untraced:
        layers = "1 layer" if untraced == 1 else f"{untraced} layers"
        unchecked.append(f"max-layer-macs is not checked for {layers} it builds "
                         f"(not traced)")
    return unchecked
