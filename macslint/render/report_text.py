"""`macslint report` as text: a table of the layers of each file, and a torchinfo-like table
per traced model."""

from __future__ import annotations

from typing import List, Optional, Tuple

from ..results.report import FileReport, LayerReport
from ..results.traces import ModelTrace
from ..units import format_count, format_shape


def _count(n: Optional[int]) -> str:
    return "?" if n is None else f"{n:,}"


def counted(layer: LayerReport) -> bool:
    """Are the layer's params and MACs (on its own) known? Also where it is not resolved for
    an argument neither count reads (a Dropout's `p`): its numbers are exact all the same."""
    return layer.error is None and layer.params is not None and layer.macs is not None


def _layer_rows(report: FileReport, factor: int) -> List[Tuple[str, ...]]:
    """One table row per layer; `factor` turns MACs into the display unit (2 for FLOPs)."""
    rows = []
    for layer in report.layers:
        shapes = (format_shape(layer.input) if layer.input is not None else "-",
                  format_shape(layer.output) if layer.output is not None else "-")
        cost = None if layer.macs is None else layer.macs * factor
        rows.append((f"{layer.line}:{layer.col}", layer.call, *shapes,
                     _count(layer.params), _count(cost)))
    return rows


def _table(rows: List[Tuple[str, ...]], header: Tuple[str, ...]) -> List[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def render_text(report: FileReport) -> str:
    lines = [report.path]
    settings = report.settings
    if report.error is not None:
        lines.append(f"  error: {report.error}")
        return "\n".join(lines) + "\n"
    if not report.layers and not report.models and not report.not_built:
        lines.append("  no torch.nn layers")
        return "\n".join(lines) + "\n"
    assert settings is not None
    if not report.layers:  # models built from other files' classes (a training script)
        lines.append("  no torch.nn layers of its own")
        lines.extend(_models_and_not_built(report))
        return "\n".join(lines) + "\n"
    unit = "FLOPs" if settings.unit == "flops" else "MACs"
    factor = 2 if settings.unit == "flops" else 1
    lines.extend(_table(_layer_rows(report, factor),
                        ("line:col", "layer", "input", "output", "params", unit)))
    problems = [l for l in report.layers if not counted(l)]
    if problems:
        lines.append("  not counted:")
        for layer in problems:
            label = "invalid" if layer.error else "unresolved"
            lines.append(f"    {layer.line}:{layer.col} {layer.call}: {label}: {layer.reason}")
    unread = [l for l in report.layers if counted(l) and not l.resolved]
    if unread:
        lines.append("  counted, with arguments that are not known (neither count reads them):")
        lines.extend(f"    {l.line}:{l.col} {l.call}: {l.reason}" for l in unread)
    summed = [l for l in report.layers if counted(l)]  # what the line says it sums
    params = sum(l.params for l in summed if l.params is not None)
    macs = sum(l.macs for l in summed if l.macs is not None)
    batch = f", batch {settings.batch_size}" if settings.batch_size != 1 else ""
    lines.append(
        f"  sum of the {len(summed)} counted layers, each costed on "
        f"its own at {format_shape(settings.input_size)}{batch}: {format_count(params)} params, "
        f"{format_count(macs * factor)} {unit}"
    )
    lines.append(f"  {report.sites_resolved} of {len(report.layers)} construction sites resolved "
                 f"(all arguments known on some evaluated path)")
    lines.extend(_models_and_not_built(report))
    return "\n".join(lines) + "\n"


def _models_and_not_built(report: FileReport) -> List[str]:
    lines: List[str] = []
    for model in report.models:
        lines.append("")
        lines.extend("  " + line for line in render_model(report.path, model))
    if report.not_built:
        lines.append("")
        lines.append("  model classes not built:")
        lines.extend(f"    {n.line}:{n.col} {n.name}: {n.reason}" for n in report.not_built)
    return lines


def _percent(part: Optional[int], total: Optional[int]) -> str:
    if part is None or not total:
        return "-"
    return f"{100 * part / total:.1f}%"


def render_model(path: str, model: ModelTrace) -> List[str]:
    """A torchinfo-like table of one traced model: each layer call in execution order."""
    settings = model.settings
    unit = "FLOPs" if settings.unit == "flops" else "MACs"
    factor = 2 if settings.unit == "flops" else 1
    shape = format_shape(model.input) if model.input is not None else "?"
    if settings.inputs is not None:  # declared: every input, with its dtype
        shape = ", ".join(f"{format_shape(s.shape)} {s.dtype}" for s in model.model_inputs())
    lines = [f"{path}:{model.line}:{model.col}: model {model.name} at {shape}"]
    rows = []
    shown: set = set()
    for call in model.calls:
        parts = call.path.split(".")
        for depth in range(1, len(parts)):
            prefix = ".".join(parts[:depth])
            if prefix in shown or prefix not in model.containers:
                continue
            shown.add(prefix)
            kind, params = model.containers[prefix]
            inside = [c.macs for c in model.calls if c.path.startswith(prefix + ".")]
            macs = None if None in inside else sum(inside) * factor
            rows.append(("  " * (depth - 1) + parts[depth - 1], kind, "", "", _count(params),
                         _count(macs), _percent(None if macs is None else macs // factor,
                                                model.macs)))
        depth = call.path.count(".")
        label = "  " * depth + (parts[-1] if call.path else "(not registered)")
        shapes = (format_shape(call.inputs[0]) if call.inputs else "?",
                  format_shape(call.output) if call.output is not None else "?")
        cost = None if call.macs is None else call.macs * factor
        rows.append((label, call.kind, *shapes, _count(call.params), _count(cost),
                     _percent(call.macs, model.macs)))
    for op in model.ops:
        rows.append((f"(line {op.line})", op.op, " & ".join(format_shape(s) for s in op.inputs),
                     format_shape(op.output), "0", _count(op.macs * factor),
                     _percent(op.macs, model.macs)))
    if rows:
        lines.extend(_table(rows, ("module", "layer", "input", "output", "params", unit, "%")))
    macs = None if model.macs is None else model.macs * factor
    lines.append(f"  total: {_count(model.params)} params, {_count(macs)} {unit}"
                 + ("" if model.complete else " (incomplete)"))
    if model.macs_before_stop:  # (0: it stopped before any; the reasons say where)
        lines.append(f"  before the trace stopped: {_count(model.macs_before_stop * factor)} "
                     f"{unit} (torch's count up to the first reason below)")
    for reason in model.reasons:
        lines.append(f"  incomplete: {reason}")
    untraced = [c for c in model.calls if not c.traced and c.reason]
    for call in untraced:
        lines.append(f"  not traced: {call.site.line}:{call.site.col + 1} {call.site.call_text}: "
                     f"{call.reason}")
    return lines


def render_report(reports: List[FileReport], only_models: bool = False) -> str:
    """Every file's table; with `only_models`, only the traced models' tables."""
    if only_models:
        return "\n".join("\n".join(render_model(r.path, m)) + "\n"
                         for r in reports for m in r.models)
    return "\n".join(render_text(r) for r in reports)
