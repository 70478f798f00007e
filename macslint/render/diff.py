"""`macslint diff` as text, as Markdown (a pull request comment, rendered as GitHub does)
and as JSON (schema 1; `macs` always counts multiply-accumulates, whatever the display
unit)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from ..commands.diff import (STATUS_ORDER, DiffResult, LayerChange, LayerCost, ModelChange,
                             ModelCost)
from ..results.modules import top_modules
from ..units import format_percent_change, format_shape, format_signed

DIFF_SCHEMA = 1


def _num(n: Optional[int], factor: int = 1) -> str:
    return "?" if n is None else f"{n * factor:,}"


def _unit(change: ModelChange) -> Tuple[str, int]:
    unit = (change.after or change.before).unit  # type: ignore[union-attr]
    return ("FLOPs", 2) if unit == "flops" else ("MACs", 1)


def _change_cells(change: ModelChange, field_name: str, factor: int) -> Tuple[str, str, str]:
    old = getattr(change.before, field_name) if change.before else None
    new = getattr(change.after, field_name) if change.after else None
    delta, pct = change.delta(field_name), change.percent(field_name)
    if change.before is None:
        shown = "new"
    elif change.after is None:
        shown = "removed"
    elif delta is None:
        shown = "?"
    else:
        shown = format_signed(delta, factor) + (
            "" if pct is None else f" ({format_percent_change(pct)})")
    return (_num(old, factor) if change.before else "-",
            _num(new, factor) if change.after else "-", shown)


def _title(change: ModelChange) -> str:
    if change.status == "renamed" and change.before and change.after:
        if change.before.path != change.after.path:
            return f"{change.after.name} (moved from {change.before.path})"
        return f"{change.after.name} (renamed from {change.before.name})"
    return change.name


def _layer_text(layer: LayerChange, unit: str, factor: int) -> str:
    def cost(c: Optional[LayerCost]) -> str:
        if c is None:
            return "-"
        shapes = ""
        if c.input is not None and c.output is not None:
            shapes = f" {format_shape(c.input)} -> {format_shape(c.output)}"
        return f"{c.kind}{shapes}, {_num(c.params)} params, {_num(c.macs, factor)} {unit}"

    return {"added": "+", "removed": "-", "changed": "~"}[layer.status] + \
        f" {layer.path}: {cost(layer.before)} => {cost(layer.after)}"


def render_text(result: DiffResult) -> str:
    lines = [f"macslint diff against {result.base} ({result.commit[:12]})"]
    for change in result.changes:
        if change.status == "unchanged":
            continue
        unit, factor = _unit(change)
        model = change.after or change.before
        assert model is not None
        lines.append(f"{model.path}:{model.line}: {_title(change)}: {change.status}")
        if change.reason:
            lines.append(f"  not compared: {change.reason}")
            continue
        for label, field_name, f in (("params", "params", 1), (unit, "macs", factor)):
            old, new, shown = _change_cells(change, field_name, f)
            lines.append(f"  {label:<6} {old} -> {new}  {shown}")
        for side, cost in (("base", change.before), ("working tree", change.after)):
            if cost is not None and not cost.complete:
                lines.append(f"  incomplete at the {side}: {cost.reason}")
        for layer in change.layers:
            lines.append(f"  {_layer_text(layer, unit, factor)}")
    unchanged = [c for c in result.changes if c.status == "unchanged"]
    if unchanged:
        lines.append(f"unchanged: {', '.join(c.name for c in unchanged)}")
    for check in result.unchecked:
        lines.append(f"{check.path}:{check.line}: {check.name}: {check.reason}")
    lines.extend(f.text() for f in result.findings)
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def _summary(result: DiffResult) -> str:
    counts: Dict[str, int] = {}
    for change in result.changes:
        counts[change.status] = counts.get(change.status, 0) + 1
    parts = [f"{n} {status}" for status, n in sorted(counts.items(),
                                                     key=lambda kv: STATUS_ORDER[kv[0]])]
    total = len(result.changes)
    return f"{total} model{'s' if total != 1 else ''}" + (f": {', '.join(parts)}" if parts
                                                           else "")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DiffResult) -> str:
    """A PR comment: a table per changed model, worst regression first; unchanged models
    folded away."""
    out = [f"## macslint: model costs against `{_md(result.base)}` "
           f"({result.commit[:12]})", ""]
    shown = [c for c in result.changes if c.status != "unchanged"]
    if not shown:
        out.append("No model changed its parameters or MACs.")
        out.append("")
    for finding in result.findings:
        out.append(f"> **{finding.code}** `{_md(finding.path)}:{finding.line}`: "
                   f"{_md(finding.message)}")
    if result.findings:
        out.append("")
    for change in shown:
        unit, factor = _unit(change)
        out.append(f"### `{_md(_title(change))}` ({change.status}) in "
                   f"`{_md(change.path)}`")
        out.append("")
        if change.reason:
            out.append(f"Not compared: {_md(change.reason)}")
            out.append("")
            continue
        out.append("| | before | after | change |")
        out.append("|---|---:|---:|---:|")
        for label, field_name, f in (("params", "params", 1), (unit, "macs", factor)):
            old, new, cell = _change_cells(change, field_name, f)
            out.append(f"| {label} | {old} | {new} | {cell} |")
        out.append("")
        for side, cost in (("base", change.before), ("working tree", change.after)):
            if cost is not None and not cost.complete:
                out.append(f"Incomplete at the {side}: {_md(cost.reason or '')}")
                out.append("")
        if change.layers:
            out.append(f"| layer | | before | after | params | {unit} |")
            out.append("|---|---|---|---|---:|---:|")
            for layer in change.layers:
                mark = {"added": "added", "removed": "removed", "changed": "changed"}
                out.append(
                    f"| `{_md(layer.path)}` | {mark[layer.status]} | {_layer_cell(layer.before)} "
                    f"| {_layer_cell(layer.after)} | {_pair(layer, 'params', 1)} "
                    f"| {_pair(layer, 'macs', factor)} |")
            out.append("")
        out.extend(_module_table(change, unit, factor))
    for check in result.unchecked:
        out.append(f"- `{_md(check.path)}:{check.line}` {_md(check.name)}: {_md(check.reason)}")
    if result.unchecked:
        out.append("")
    unchanged = [c for c in result.changes if c.status == "unchanged"]
    if unchanged:
        out.append(f"<details><summary>{len(unchanged)} unchanged "
                   f"model{'s' if len(unchanged) != 1 else ''}</summary>")
        out.append("")
        out.append("| model | file | params | MACs |")
        out.append("|---|---|---:|---:|")
        for change in unchanged:
            unit, factor = _unit(change)
            after = change.after
            assert after is not None
            out.append(f"| `{_md(after.name)}` | `{_md(after.path)}` | {_num(after.params)} | "
                       f"{_num(after.macs, factor)} {unit if factor == 2 else ''}".rstrip()
                       + " |")
        out.append("")
        out.append("</details>")
        out.append("")
    out.append(f"_{_summary(result)}._")
    return "\n".join(out) + "\n"


def _module_table(change: ModelChange, unit: str, factor: int) -> List[str]:
    """Where the cost goes, one level down, at both revisions: the model's own modules (with
    the modules and ops under them) as `report` totals them. Only for a model with modules
    that hold others: otherwise the layer table above says it all."""
    traces = [cost.trace for cost in (change.before, change.after)
              if cost is not None and cost.trace is not None]
    if not traces or not any(trace.containers for trace in traces):
        return []
    before = top_modules(change.before.trace) if change.before and change.before.trace else {}
    after = top_modules(change.after.trace) if change.after and change.after.trace else {}
    out = [f"| module | | params | {unit} |", "|---|---|---:|---:|"]
    for name in [*after, *(n for n in before if n not in after)]:
        old, new = before.get(name), after.get(name)
        kind = (new or old)[0]  # type: ignore[index]
        cells = []
        for index, f in ((1, 1), (2, factor)):
            if old is None:
                cells.append(_num(new[index], f))  # type: ignore[index]
            elif new is None:
                cells.append(f"~~{_num(old[index], f)}~~")
            elif old[index] == new[index]:
                cells.append(_num(new[index], f))
            else:
                cells.append(f"{_num(old[index], f)} → {_num(new[index], f)}")
        label = name if name.startswith("(") else f"`{_md(name)}`"
        out.append(f"| {label} | {_md(kind)} | {cells[0]} | {cells[1]} |")
    return [*out, ""]


def _layer_cell(cost: Optional[LayerCost]) -> str:
    if cost is None:
        return "-"
    if cost.input is None or cost.output is None:
        return cost.kind
    return f"{cost.kind} {format_shape(cost.input)} → {format_shape(cost.output)}"


def _pair(layer: LayerChange, field_name: str, factor: int) -> str:
    old = getattr(layer.before, field_name) if layer.before else None
    new = getattr(layer.after, field_name) if layer.after else None
    if layer.before is None:
        return _num(new, factor)
    if layer.after is None:
        return f"~~{_num(old, factor)}~~"
    if old == new:
        return _num(new, factor)
    return f"{_num(old, factor)} → {_num(new, factor)}"


def _cost_json(cost: Optional[ModelCost]) -> Optional[Dict[str, Any]]:
    if cost is None:
        return None
    return {"path": cost.path, "name": cost.name, "line": cost.line, "col": cost.col,
            "params": cost.params, "macs": cost.macs, "complete": cost.complete,
            "reason": cost.reason, "input": None if cost.input is None else list(cost.input)}


def _layer_json(cost: Optional[LayerCost]) -> Optional[Dict[str, Any]]:
    if cost is None:
        return None
    return {"kind": cost.kind, "params": cost.params, "macs": cost.macs, "calls": cost.calls,
            "input": None if cost.input is None else list(cost.input),
            "output": None if cost.output is None else list(cost.output)}


def diff_json(result: DiffResult) -> Dict[str, Any]:
    """Schema 1; `macs` always counts multiply-accumulates, whatever the display unit."""
    def pct(change: ModelChange, field_name: str) -> Optional[float]:
        p = change.percent(field_name)
        return None if p is None else float(p)

    return {
        "schema": DIFF_SCHEMA,
        "base": result.base,
        "base_commit": result.commit,
        "models": [{
            "name": change.name,
            "path": change.path,
            "status": change.status,
            "reason": change.reason,
            "before": _cost_json(change.before),
            "after": _cost_json(change.after),
            "change": {"params": change.delta("params"), "macs": change.delta("macs"),
                       "params_percent": pct(change, "params"),
                       "macs_percent": pct(change, "macs")},
            "layers": [{"path": layer.path, "status": layer.status,
                        "before": _layer_json(layer.before), "after": _layer_json(layer.after)}
                       for layer in change.layers],
        } for change in result.changes],
        "findings": [{"path": f.path, "line": f.line, "col": f.col, "code": f.code,
                      "message": f.message} for f in result.findings],
        "unchecked": [{"path": c.path, "line": c.line, "name": c.name, "reason": c.reason}
                      for c in result.unchecked],
        "errors": result.errors,
    }


def render_json(result: DiffResult) -> str:
    return json.dumps(diff_json(result), indent=2) + "\n"


def render(fmt: str, result: DiffResult) -> str:
    return {"text": render_text, "markdown": render_markdown, "json": render_json}[fmt](result)
