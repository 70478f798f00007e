"""The one table of diagnostic codes: the README, the CLI, the flake8 plugin, SARIF rules and
reviewdog's code links read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    description: str
    default_enabled: bool = True
    # SARIF's vocabulary: "error" (torch would raise, or macslint could not check the file),
    # "warning" (over a budget), "note" (information); GitHub and reviewdog map from it.
    level: str = "warning"


CODES: tuple[Code, ...] = (
    Code(
        "MAC001",
        "layer MACs over budget",
        "A layer's multiply-accumulates exceed `max-layer-macs`: at the costliest shape a traced "
        "model of the project gives it (whichever file the model is in; the message names it), "
        "or, where no model builds it, costed on its own at the configured input size.",
    ),
    Code(
        "MAC002",
        "layer params over budget",
        "A layer's parameter count exceeds `max-layer-params`.",
    ),
    Code(
        "MAC003",
        "model MACs over budget",
        "A model's total multiply-accumulates, traced through `forward()` at its input size, "
        "exceed `max-model-macs`; reported on the `class` line.",
    ),
    Code(
        "MAC004",
        "model params over budget",
        "A model's parameters (every layer and `nn.Parameter`, shared ones once) exceed "
        "`max-model-params`; reported on the `class` line.",
    ),
    Code(
        "MAC005",
        "model MACs grew too much",
        "`macslint diff --base REV`: a model's MACs grew past `max-model-macs-increase` (a "
        "percentage like `10%` or a count like `50M`) against the base revision; reported on "
        "the `class` line.",
    ),
    Code(
        "MAC006",
        "model params grew too much",
        "`macslint diff --base REV`: a model's parameters grew past "
        "`max-model-params-increase` against the base revision; reported on the `class` line.",
    ),
    Code(
        "MAC010",
        "invalid layer arguments",
        "torch would raise when constructing this layer or on its first call at the configured "
        "input size; the message says what torch would say.",
        level="error",
    ),
    Code(
        "MAC011",
        "tensor shape mismatch",
        "Tracing a model's `forward()` found a tensor that does not fit: a layer's input "
        "features or channels, `torch.cat`, `view`/`reshape`, or a broadcast. torch would "
        "raise here at run time; the message shows both shapes and where the tensor came from. "
        "Also a model input declared for that model (pragma or `models.<name>` table) that "
        "does not fit it; the default input that does not fit is a reason in the report.",
        level="error",
    ),
    Code(
        "MAC012",
        "input size does not fit the layer",
        "The layer, costed on its own, needs more dimensions than the configured `input-size` "
        "has (a `Conv3d` at `[1, 16000]`), so it is not counted; set `input-size` for this "
        "path (`per-path`).",
    ),
    Code(
        "MAC013",
        "declared model not built",
        "A class carries a `# macslint:` pragma, or a `[tool.macslint.models.<Name>]` table "
        "names it, but macslint does not build it (its constructor needs arguments), so the "
        "settings and budgets written for it apply to nothing; declare how to build it "
        "(`build=...`, see \"Declaring models\").",
    ),
    Code(
        "MAC014",
        "budget not checked",
        "A budget applies to the model, but macslint could not trace it far enough to know "
        "the cost the budget limits (its MACs, its parameters, or the MACs of layers after "
        "the point where tracing stopped), so that budget was not checked; the message gives "
        "the first reason. Declare the model's inputs or constructor arguments (see "
        "\"Declaring models\"), or write `# noqa: MAC014` on the class line. Only where a "
        "budget is set.",
    ),
    Code(
        "MAC100",
        "layer could not be resolved",
        "An argument of the layer is not a value macslint can compute from the source, so its "
        "cost is unknown; the message names the argument. Off by default: `--extend-select "
        "MAC100` (flake8 or `macslint check`) turns it on, `--select MAC` does not.",
        default_enabled=False,
        level="note",
    ),
    Code(
        "MAC900",
        "internal error",
        "macslint failed on this file (nothing else was reported for it), or on one model "
        "of it (reported on its `class` line; the rest of the file is). Please report it "
        "with the file.",
        level="error",
    ),
    Code(
        "MAC901",
        "file could not be parsed",
        "The file is not valid Python (or not readable as text), so it was not analysed.",
        level="error",
    ),
    Code(
        "MAC902",
        "invalid configuration",
        "The `[tool.macslint]` table that applies to this file is invalid (the file was not "
        "analysed), or a `# macslint:` pragma on a class line is (that model uses the "
        "file's settings); the message names the file, the key and the value.",
        level="error",
    ),
)

# The project's home; each code's documentation is its row of the README's codes table.
HOMEPAGE = "https://github.com/macslint/macslint"


def help_url(code: str) -> str:
    """Where a code is documented: the anchor on its row of the README's codes table (GitHub
    scrolls `#mac001` to the `<a id="mac001">` it renders as `user-content-mac001`)."""
    return f"{HOMEPAGE}#{code.lower()}"


BY_CODE: dict[str, Code] = {c.code: c for c in CODES}
DEFAULT_DISABLED: tuple[str, ...] = tuple(c.code for c in CODES if not c.default_enabled)


def markdown_table() -> str:
    """The codes table as it stands in the README (a test keeps the two identical)."""
    rows = ["| code | title | description |", "|---|---|---|"]
    for c in CODES:
        title = c.title if c.default_enabled else f"{c.title} (off by default)"
        rows.append(f'| <a id="{c.code.lower()}"></a>{c.code} | {title} | {c.description} |')
    return "\n".join(rows)
