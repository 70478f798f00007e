"""What an editor shows of a report: an inlay hint label at the end of each layer
construction, a hover table per construction, a code lens title per model, and the columns
the Language Server Protocol counts in.

Plain data in, text out: no pygls and no libcst here, so all of it is tested on its own.
Lines and columns are 1-based as in the report unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from ..config import Settings
from ..results.report import FileReport, LayerReport
from ..results.traces import ModelTrace
from ..units import format_count, format_shape
from .report_text import counted

Shape = Tuple[int, ...]
SEPARATOR = " · "


# ---------------------------------------------------------------------------
# What a construction costs where it counts


@dataclass(frozen=True)
class Cost:
    """A construction's cost where budgets hold it: the costliest call of it in a traced
    model, else the layer costed on its own at the configured input size."""

    params: Optional[int]
    macs: Optional[int]
    inputs: Tuple[Shape, ...]  # as shown: the batch dimension left out when the batch is 1
    output: Optional[Shape]
    model: Optional[ModelTrace] = None  # the traced model that uses it
    path: str = ""  # the module path in that model ("features.0")
    elsewhere: str = ""  # the traced model is in another project file: "Net.block (net.py)"


def _model_named(report: FileReport, name: str) -> Optional[ModelTrace]:
    return next((m for m in report.models if m.name == name), None)


def _shown(shape: Sequence[int], batch: int) -> Shape:
    """A traced shape (with the batch) as hints show it: per sample when the batch is 1."""
    shape = tuple(shape)
    if batch == 1 and len(shape) >= 2 and shape[0] == 1:
        return shape[1:]
    return shape


def layer_cost(layer: LayerReport, report: FileReport) -> Cost:
    traced = layer.traced
    if traced is not None:
        elsewhere = ""
        if traced.get("file"):  # a model of another project file
            model = None
            batch = report.settings.batch_size if report.settings is not None else 1
            elsewhere = (f"{traced['model']}.{traced['path']}" if traced["path"]
                         else traced["model"]) + f" ({traced['file']})"
        else:
            model = _model_named(report, traced["model"])
            batch = model.settings.batch_size if model is not None else 1
        params = traced["params"] if traced["params"] is not None else layer.params
        return Cost(params, traced["macs"], (_shown(traced["input"], batch),),
                    _shown(traced["output"], batch), model, traced["path"], elsewhere)
    # On its own: report shapes are per sample.
    batch = report.settings.batch_size if report.settings is not None else 1
    lead: Shape = () if batch == 1 else (batch,)
    inputs = tuple(lead + tuple(s) for s in (layer.input, *layer.extra_inputs) if s is not None)
    output = None if layer.output is None else lead + tuple(layer.output)
    return Cost(layer.params, layer.macs, inputs, output)


def _unit(settings: Optional[Settings]) -> Tuple[str, int]:
    """The display unit's name and how many of it one MAC is."""
    if settings is not None and settings.unit == "flops":
        return "FLOPs", 2
    return "MACs", 1


def _abbreviated(count: Optional[int]) -> str:
    return "?" if count is None else format_count(count)


def _shapes(cost: Cost) -> Optional[str]:
    if not cost.inputs or cost.output is None:
        return None
    inputs = " & ".join(format_shape(s) for s in cost.inputs)
    return f"{inputs} -> {format_shape(cost.output)}"


# ---------------------------------------------------------------------------
# Inlay hints


@dataclass(frozen=True)
class Hint:
    line: int  # where the construction ends: 1-based line,
    col: int  # 1-based column of the character after it
    label: str


def hint_label(layer: LayerReport, report: FileReport) -> Optional[str]:
    """`9.4K params · 118.0M MACs · 3x224x224 -> 64x112x112`; `? MACs` for a construction
    whose cost is unknown; None for an invalid one (its MAC010 diagnostic says why)."""
    if layer.error is not None and layer.traced is None:
        return None
    cost = layer_cost(layer, report)
    unit, factor = _unit(report.settings)
    if cost.params is None and cost.macs is None:
        return f"? {unit}"
    macs = None if cost.macs is None else cost.macs * factor
    parts = [f"{_abbreviated(cost.params)} params", f"{_abbreviated(macs)} {unit}"]
    shapes = _shapes(cost)
    if shapes is not None:
        parts.append(shapes)
    return SEPARATOR.join(parts)


def layer_hints(report: FileReport) -> List[Hint]:
    hints = []
    for layer in report.layers:
        if layer.end_line is None or layer.end_col is None:
            continue
        label = hint_label(layer, report)
        if label is not None:
            hints.append(Hint(layer.end_line, layer.end_col, label))
    return hints


# ---------------------------------------------------------------------------
# Hover


def layer_at(report: FileReport, line: int, col: int) -> Optional[LayerReport]:
    """The innermost construction whose text holds (line, col), its end included: the
    cursor just after the closing parenthesis still hovers it."""
    best: Optional[LayerReport] = None
    for layer in report.layers:
        if layer.end_line is None or layer.end_col is None:
            continue
        if (layer.line, layer.col) <= (line, col) <= (layer.end_line, layer.end_col):
            if best is None or (layer.line, layer.col) > (best.line, best.col):
                best = layer  # starts later and holds the position: nested inside `best`
    return best


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return lines


def _argument_value(value: Any) -> str:
    return repr(value)  # the bound arguments are plain: lists, numbers, strings, None


def _share(part: Optional[int], model: Optional[ModelTrace]) -> Optional[str]:
    if part is None or model is None or not model.macs:
        return None
    return f"{100 * part / model.macs:.1f}%"


def hover_markdown(layer: LayerReport, report: FileReport) -> str:
    """A Markdown table of the construction's bound arguments and its cost, or why it is
    not counted."""
    title = _code(layer.call)
    if layer.error is not None and layer.traced is None:
        return f"{title}: invalid, torch would raise\n\n{_cell(layer.error)}\n"
    cost = layer_cost(layer, report)
    if cost.model is None and not cost.elsewhere and (cost.params is None or cost.macs is None):
        return f"{title}: not counted\n\n{_cell(layer.reason or 'its cost is not known')}\n"
    unit, factor = _unit(report.settings)
    if cost.elsewhere:
        lines = [f"{title}: as traced in {_code(cost.elsewhere)}"]
    elif cost.model is not None:
        where = f"{cost.model.name}.{cost.path}" if cost.path else cost.model.name
        lines = [f"{title}: as traced in {_code(where)}"]
    else:
        settings = report.settings
        batch = f", batch {settings.batch_size}" if settings and settings.batch_size != 1 else ""
        shape = format_shape(settings.input_size) if settings else "?"
        lines = [f"{title}: costed on its own at {shape}{batch}"]
    if layer.args:
        lines.append("")
        lines.extend(_table(("argument", "value"),
                            [(name, _argument_value(value)) for name, value in layer.args.items()]))
    header = ["input", "output", "params", unit]
    macs = None if cost.macs is None else cost.macs * factor
    row = [" & ".join(format_shape(s) for s in cost.inputs) or "-",
           format_shape(cost.output) if cost.output is not None else "-",
           _exact(cost.params), _exact(macs)]
    share = _share(cost.macs, cost.model)
    if share is not None:
        assert cost.model is not None
        header.append(f"share of {cost.model.name}")
        row.append(share)
    lines.append("")
    lines.extend(_table(header, [row]))
    if not layer.resolved and layer.reason:
        lines.extend(["", f"Counted, though not every argument is known (neither count reads "
                          f"it): {_cell(layer.reason)}" if counted(layer) else
                      f"On its own it is not counted: {_cell(layer.reason)}"])
    return "\n".join(lines) + "\n"


def _exact(count: Optional[int]) -> str:
    """`118,013,952 (118.0M)`: the exact count, and as the hints abbreviate it."""
    if count is None:
        return "?"
    if count < 1000:
        return str(count)
    return f"{count:,} ({format_count(count)})"


# ---------------------------------------------------------------------------
# Code lenses


@dataclass(frozen=True)
class Lens:
    line: int
    col: int
    title: str


def model_lens_title(model: ModelTrace) -> str:
    """`total 61.7K params · 416.5K MACs at 1x32x32`, with `, batch 8` when the batch is not
    1 and ` (incomplete)` when the trace did not reach everything."""
    settings = model.settings
    unit, factor = _unit(settings)
    macs = None if model.macs is None else model.macs * factor
    batch = f", batch {settings.batch_size}" if settings.batch_size != 1 else ""
    text = (f"total {_abbreviated(model.params)} params{SEPARATOR}{_abbreviated(macs)} {unit} "
            f"at {format_shape(settings.input_size)}{batch}")
    return text if model.complete else text + " (incomplete)"


def model_lenses(report: FileReport) -> List[Lens]:
    return [Lens(model.line, model.col, model_lens_title(model)) for model in report.models]


# ---------------------------------------------------------------------------
# Columns: Python counts code points, LSP counts UTF-16 code units unless the client
# negotiated "utf-8" or "utf-32".

_UNIT_BYTES = {"utf-8": 1, "utf-16": 2, "utf-32": 4}


def _codec(encoding: str) -> Tuple[str, int]:
    size = _UNIT_BYTES.get(encoding, 2)
    return {1: "utf-8", 2: "utf-16-le", 4: "utf-32-le"}[size], size


def client_column(line: str, index: int, encoding: str = "utf-16") -> int:
    """The LSP `character` of the 0-based code point `index` of `line`."""
    codec, size = _codec(encoding)
    # surrogatepass: a lone surrogate in a string literal is still one unit of text
    return len(line[:index].encode(codec, "surrogatepass")) // size


def python_index(line: str, character: int, encoding: str = "utf-16") -> int:
    """The 0-based code point index of LSP `character` in `line`: a position inside a
    character (between the two halves of a surrogate pair) counts as that character's
    start; past the end is the end."""
    codec, size = _codec(encoding)
    units = 0
    for index, char in enumerate(line):
        units += len(char.encode(codec, "surrogatepass")) // size
        if units > character:
            return index
    return len(line)
