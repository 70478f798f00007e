"""`macslint report --format html`: one self-contained page (no network, no script) with the
summary of every model, then per model a picture of where its cost goes (a horizontal bar
chart, inline SVG: each module of the model's own, its share of the MACs and of the
parameters) beside its table, and its totals, trainable parameters and memory."""

from __future__ import annotations

from html import escape
from typing import List, Optional, Tuple

from ..results.modules import ModuleRow, merged, module_rows
from ..results.report import FileReport
from ..results.traces import ModelTrace
from ..units import format_count
from .report_text import (
    count_text, inputs_text, parameters_and_memory, row_shapes, run_unit, summary_order, unit_label)

MACS_COLOUR = "#1f77b4"  # the chart's MACs bars (tests look for it in a screenshot)
PARAMS_COLOUR = "#ff7f0e"
TABLE_DEPTH = 2  # the table beside the chart: modules to depth 2, as `report` prints them

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.model { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.incomplete { color: #a33; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #555; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
""".strip()


def render_html(reports: List[FileReport]) -> str:
    entries = sorted(((r, m) for r in reports for m in r.models), key=summary_order)
    unit, factor = unit_label(run_unit(reports))
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>macslint report</title>", f"<style>\n{STYLE}\n</style>", "</head>",
             "<body>", "<h1>macslint report</h1>",
             f"<p>{len(entries)} model{'s' if len(entries) != 1 else ''} in {len(reports)} "
             f"file{'s' if len(reports) != 1 else ''}; the costliest first.</p>"]
    if entries:
        parts.append("<table>")
        parts.append(f'<tr><th>model</th><th class="n">params</th><th class="n">{unit}</th>'
                     f"<th>input</th><th>where</th><th></th></tr>")
        for index, (report, model) in enumerate(entries):
            macs = None if model.macs is None else model.macs * factor
            state = "" if model.complete else '<span class="incomplete">incomplete</span>'
            parts.append(
                f'<tr><td><a href="#model-{index}">{escape(model.name)}</a></td>'
                f'<td class="n">{count_text(model.params)}</td>'
                f'<td class="n">{count_text(macs)}</td>'
                f"<td>{escape(inputs_text(model))}</td>"
                f"<td>{escape(report.path)}:{model.line}</td><td>{state}</td></tr>")
        parts.append("</table>")
    for report in reports:
        if report.error is not None:
            parts.append(f'<p class="incomplete">{escape(report.path)}: error: '
                         f"{escape(report.error)}</p>")
    not_built = [(r.path, n) for r in reports for n in r.not_built]
    if not_built:
        parts.append(f"<p>{len(not_built)} model{'s' if len(not_built) != 1 else ''} not "
                     f"built:</p>")
        parts.append('<ul class="incomplete">')
        parts.extend(f"<li>{escape(n.name)} ({escape(path)}:{n.line}): {escape(n.reason)}</li>"
                     for path, n in not_built)
        parts.append("</ul>")
    for index, (report, model) in enumerate(entries):
        parts.extend(_model_section(index, report.path, model, unit, factor))
    parts.extend(["</body>", "</html>"])
    return "\n".join(parts) + "\n"


def _model_section(index: int, path: str, model: ModelTrace, unit: str, factor: int
                   ) -> List[str]:
    rows = module_rows(model)
    parts = [f'<section id="model-{index}">',
             f"<h2>{escape(model.name)} <small>{escape(path)}:{model.line}, at "
             f"{escape(inputs_text(model))}</small></h2>", '<div class="model">']
    chart = _chart(model, chart_rows(model, rows))
    if chart:
        parts.append(chart)
    parts.append(_table(model, [row for row in rows if row.depth <= TABLE_DEPTH], unit,
                        factor))
    parts.append("</div>")
    macs = None if model.macs is None else model.macs * factor
    parts.append(f"<p>total: {count_text(model.params)} params, {count_text(macs)} {unit}"
                 f"{'' if model.complete else ' (incomplete)'}</p>")
    notes = len(model.param_notes)  # (listed with the reasons below)
    lines = parameters_and_memory(model)
    parts.extend(f"<p>{escape(line)}</p>" for line in lines[:len(lines) - notes])
    reasons = [*model.reasons, *model.param_notes]
    if reasons:
        parts.append('<ul class="incomplete">')
        parts.extend(f"<li>{escape(reason)}</li>" for reason in reasons)
        parts.append("</ul>")
    parts.append("</section>")
    return parts


def chart_rows(model: ModelTrace, rows: List[ModuleRow]) -> List[ModuleRow]:
    """The rows the chart shows: the model's own modules (and the ops of its own forward()),
    and where one module holds more than half of the MACs, its modules in its place, again
    (a ResNet's or a Swin's `features`: the stages are where the cost goes)."""
    def inside(path: str) -> List[ModuleRow]:
        depth = path.count(".") + 2 if path else 1
        return [row for row in rows if row.depth == depth and (
            row.path == path if row.op is not None else
            (row.path.rsplit(".", 1)[0] if "." in row.path else "") == path)]

    level = inside("")
    while True:
        big = next((row for row in level if row.container and row.macs and model.macs
                    and 2 * row.macs > model.macs), None)
        held = inside(big.path) if big is not None else []
        if not held:
            return level
        where = level.index(big)  # type: ignore[arg-type]
        level[where:where + 1] = held


def _chart(model: ModelTrace, rows: List[ModuleRow]) -> Optional[str]:
    """Each of `rows` (chart_rows): a bar of its share of the MACs and one of its share of
    the parameters. None where there is nothing to share (no MACs and no parameters known)."""
    bars: List[Tuple[str, Optional[int], Optional[int]]] = [  # a module called twice: one
        (f"{row.kind} in {row.path or 'the model'}'s forward()" if row.op is not None
         else f"{row.path or row.label} ({row.kind})", macs, row.params)
        for row, macs in merged(rows)]
    held = [row.params for row in rows if row.op is None]
    if model.params is not None and None not in held and model.params > sum(held):
        # held by no module shown (a ViT's class token, positional embedding)
        bars.append(("other parameters", 0, model.params - sum(held)))
    if not bars or not (model.macs or model.params):
        return None
    label_width, bar_width, height = 260, 320, 18
    lines = []
    for i, (label, macs, params) in enumerate(bars):
        y = i * (2 * height + 8)
        lines.append(f'<text x="0" y="{y + height - 4}">{escape(label[:44])}</text>')
        for j, (value, total, colour) in enumerate(((macs, model.macs, MACS_COLOUR),
                                                    (params, model.params, PARAMS_COLOUR))):
            share = 0.0 if value is None or not total else value / total
            width = max(1.0, bar_width * share) if value else 0.0
            text = "?" if value is None else f"{100 * share:.1f}%" if total else "-"
            top = y + j * height
            lines.append(f'<rect x="{label_width}" y="{top}" width="{width:.1f}" '
                         f'height="{height - 4}" fill="{colour}"/>')
            lines.append(f'<text x="{label_width + width + 4:.1f}" y="{top + height - 6}">'
                         f"{text}</text>")
    total_height = len(bars) * (2 * height + 8)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" '
           f'height="{total_height}" role="img" aria-label="cost per module of '
           f'{escape(model.name)}">' + "".join(lines) + "</svg>")
    caption = (f'<figcaption><span style="color:{MACS_COLOUR}">&#9632;</span> share of the '
               f'MACs ({format_count(model.macs) if model.macs is not None else "?"}), '
               f'<span style="color:{PARAMS_COLOUR}">&#9632;</span> share of the parameters '
               f'({format_count(model.params) if model.params is not None else "?"}), per '
               f"module of the model's own; one with more than half of the MACs is shown by "
               f"the modules it holds</figcaption>")
    return f"<figure>{svg}{caption}</figure>"


def _table(model: ModelTrace, rows: List[ModuleRow], unit: str, factor: int) -> str:
    parts = ["<table>", f'<tr><th>module</th><th>layer</th><th>input</th><th>output</th>'
             f'<th class="n">params</th><th class="n">{unit}</th><th class="n">%</th></tr>']
    for row in rows:
        shapes = [escape(shape) for shape in row_shapes(row)]
        macs = None if row.macs is None else row.macs * factor
        share = "-" if row.macs is None or not model.macs else \
            f"{100 * row.macs / model.macs:.1f}%"
        indent = "&nbsp;&nbsp;" * (row.depth - 1)
        parts.append(f"<tr><td>{indent}{escape(row.label)}</td><td>{escape(row.kind)}</td>"
                     f"<td>{shapes[0]}</td><td>{shapes[1]}</td>"
                     f'<td class="n">{count_text(row.params)}</td>'
                     f'<td class="n">{count_text(macs)}</td>'
                     f'<td class="n">{share}</td></tr>')
    parts.append("</table>")
    return "\n".join(parts)
