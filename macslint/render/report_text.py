"""`macslint report` as text: a table of the layers of each file, and a torchinfo-like table
per traced model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..results.memory import model_memory
from ..results.modules import ModuleRow, module_rows
from ..results.report import FileReport, LayerReport
from ..results.traces import ModelTrace
from ..units import format_shape


def count_text(n: Optional[int]) -> str:
    return "?" if n is None else f"{n:,}"


def unit_label(unit: str) -> Tuple[str, int]:
    """A unit setting as shown, and the factor from MACs: ("FLOPs", 2) or ("MACs", 1)."""
    return ("FLOPs", 2) if unit == "flops" else ("MACs", 1)


def run_unit(reports: List[FileReport]) -> str:
    """The unit a run is shown in where one is needed for all its files: the first file's."""
    return next((r.settings.unit for r in reports if r.settings), "macs")


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
                     count_text(layer.params), count_text(cost)))
    return rows


def _table(rows: List[Tuple[str, ...]], header: Tuple[str, ...]) -> List[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def render_text(report: FileReport, models: bool = True) -> str:
    """A file's construction sites, each costed on its own at the configured input (a layer
    of a model is costed in the model's table at the input forward() gives it), then with
    `models` its models' tables, and its model classes not built."""
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
        lines.extend(_models_and_not_built(report, models))
        return "\n".join(lines) + "\n"
    unit, factor = unit_label(settings.unit)
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
    lines.append(f"  {report.sites_resolved} of {len(report.layers)} construction sites resolved "
                 f"(all arguments known on some evaluated path)")
    lines.extend(_models_and_not_built(report, models))
    return "\n".join(lines) + "\n"


def _models_and_not_built(report: FileReport, models: bool = True) -> List[str]:
    lines: List[str] = []
    for model in report.models if models else ():
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


def inputs_text(model: ModelTrace) -> str:
    """The input a model is traced at; declared inputs each with its dtype."""
    if model.settings.inputs is not None:
        return ", ".join(f"{format_shape(s.shape)} {s.dtype}" for s in model.model_inputs())
    return format_shape(model.input) if model.input is not None else "?"


def _megabytes(count: Optional[int]) -> str:
    return "?" if count is None else f"{count / 1e6:,.2f} MB"


def parameters_and_memory(model: ModelTrace) -> List[str]:
    """Trainable and frozen parameters with their dtypes, torchinfo's memory estimate, and
    why either is not known (the text and HTML reports' lines)."""
    if model.params is None:
        return []
    lines = []
    if model.trainable_params is not None:
        dtypes = ", ".join(f"{count:,} {dtype}" for dtype, count in
                           sorted((model.param_dtypes or {}).items()))
        lines.append(f"parameters: {model.trainable_params:,} trainable, "
                     f"{model.params - model.trainable_params:,} frozen"
                     + (f"; {dtypes}" if dtypes else ""))
    memory = model_memory(model)
    lines.append(f"memory (as torchinfo estimates it): input {_megabytes(memory.input_bytes)}, "
                 f"params {_megabytes(memory.param_bytes)}, forward/backward pass "
                 f"{_megabytes(memory.forward_backward_bytes)}, total "
                 f"{_megabytes(memory.total_bytes)}")
    lines.extend(f"parameters: {note}" for note in model.param_notes)
    return lines


def row_shapes(row: ModuleRow) -> Tuple[str, str]:
    """The input and output a table row shows: none for a module holding others, an op's
    operands joined by "&"."""
    if row.container:
        return "", ""
    if row.op is not None:
        return " & ".join(format_shape(s) for s in row.inputs), format_shape(row.output)
    return (format_shape(row.input) if row.input is not None else "?",
            format_shape(row.output) if row.output is not None else "?")


def render_model(path: str, model: ModelTrace, depth: Optional[int] = None) -> List[str]:
    """A torchinfo-like table of one traced model: its modules in the order forward() ran
    them, to `depth` (None: every layer call), each with its totals."""
    unit, factor = unit_label(model.settings.unit)
    lines = [f"{path}:{model.line}:{model.col}: model {model.name} at {inputs_text(model)}"]
    rows = []
    for row in module_rows(model):
        if depth is not None and row.depth > depth:
            continue
        cost = None if row.macs is None else row.macs * factor
        rows.append(("  " * (row.depth - 1) + row.label, row.kind, *row_shapes(row),
                     count_text(row.params),
                     count_text(cost), _percent(row.macs, model.macs)))
    if rows:
        lines.extend(_table(rows, ("module", "layer", "input", "output", "params", unit, "%")))
    macs = None if model.macs is None else model.macs * factor
    lines.append(f"  total: {count_text(model.params)} params, {count_text(macs)} {unit}"
                 + ("" if model.complete else " (incomplete)"))
    if model.output is not None:
        lines.append(f"  output: {format_shape(model.output)}")
    lines.extend("  " + line for line in parameters_and_memory(model))
    if model.macs_before_stop:  # (0: it stopped before any; the reasons say where)
        lines.append(f"  before the trace stopped: {count_text(model.macs_before_stop * factor)} "
                     f"{unit} (torch's count up to the first reason below)")
    for reason in model.reasons:
        lines.append(f"  incomplete: {reason}")
    untraced = [c for c in model.calls if not c.traced and c.reason]
    for call in untraced:
        lines.append(f"  not traced: {call.site.line}:{call.site.col + 1} {call.site.call_text}: "
                     f"{call.reason}")
    return lines


# Models in the summary unless --all (a newcomer's screen): the costliest counted in full,
# and the first of those not counted in full (in whose numbers a reader needs a "?")
SUMMARY_ROWS = 30
SUMMARY_INCOMPLETE_ROWS = 20


@dataclass(frozen=True)
class ReportView:
    """What `macslint report` prints as text: the summary of every model (`limit`: at most
    SUMMARY_ROWS counted in full and SUMMARY_INCOMPLETE_ROWS not; False: all), then with
    `tables` each model's table to `depth` (None: every layer call), then with `sites`
    each file's construction sites and its classes not built."""

    tables: bool = False
    depth: Optional[int] = 2
    sites: bool = False
    limit: bool = True


def summary_order(entry: Tuple[FileReport, ModelTrace]) -> Tuple[int, int, int, str, int]:
    """Costliest first: by MACs where known, then the incomplete ones by params."""
    report, model = entry
    known = model.macs is not None
    return (0 if known else 1, -(model.macs if known else model.params or 0),
            -(model.params or 0), report.path, model.line)


def render_summary(reports: List[FileReport], limit: bool = True, hints: bool = True
                   ) -> List[str]:
    """One line per model, ready to paste: params, MACs, the input, where; then what is not
    counted in full and (`hints`) where to read more."""
    entries = sorted(((r, m) for r in reports for m in r.models), key=summary_order)
    unit, factor = unit_label(run_unit(reports))
    complete = [e for e in entries if e[1].complete]
    partial = [e for e in entries if not e[1].complete]
    files = len(reports)
    lines = [f"{len(entries)} model{'s' if len(entries) != 1 else ''} in {files} "
             f"file{'s' if files != 1 else ''}"
             + (f", {len(partial)} not counted in full (?)" if partial else "")]
    shown = complete[:SUMMARY_ROWS] + partial[:SUMMARY_INCOMPLETE_ROWS] if limit else entries
    rows = []
    for report, model in shown:
        macs = None if model.macs is None else model.macs * factor
        status = "error" if model.internal_error else "" if model.complete else "incomplete"
        rows.append((model.name, count_text(model.params), count_text(macs), inputs_text(model),
                     f"{report.path}:{model.line}", status))
    if rows:
        header = ("model", "params", unit, "input", "where", "")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            cells = [c.rjust(w) if i in (1, 2) else c.ljust(w)
                     for i, (c, w) in enumerate(zip(row, widths))]
            lines.append("  " + "  ".join(cells).rstrip())
    if len(shown) < len(entries):
        more = [f"{len(group) - limit_} {what}" for group, limit_, what in (
            (complete, SUMMARY_ROWS, "smaller"),
            (partial, SUMMARY_INCOMPLETE_ROWS, "not counted in full"))
            if len(group) > limit_]
        lines.append(f"  ... and {', '.join(more)}: --all lists every model")
    if partial:
        lines.append("  incomplete: ? where a count is not known in full; --model NAME says why")
    not_built = sum(len(r.not_built) for r in reports)
    if not_built:
        lines.append(f"  {not_built} model{'s' if not_built != 1 else ''} "
                     f"not built: --sites says why")
    for report in reports:
        if report.error is not None:
            lines.append(f"  {report.path}: error: {report.error}")
    if hints:
        lines.append("  More: --depth N (each model's modules to depth N; all: every layer), "
                     "--model NAME (one model),")
        lines.append("  --sites (each file's layer constructions), --format json (every field)")
    return lines


def render_report(reports: List[FileReport], view: ReportView = ReportView()) -> str:
    """The summary, then what `view` adds: the models' tables, the files' sites. Nothing
    for no files (a configuration error stops the run before any)."""
    if not reports:
        return ""
    parts = ["\n".join(render_summary(reports, view.limit, hints=not view.tables)) + "\n"]
    if view.tables:
        parts.extend("\n".join(render_model(r.path, m, view.depth)) + "\n"
                     for r in reports for m in r.models)
    if view.sites:
        parts.extend(render_text(r, models=False) for r in reports)
    return "\n".join(parts)
