"""The report of a layer whose costs are known although an argument is not (issue 20, point
7): a `Dropout(p)` with `p` unknown has params and MACs that do not depend on `p`, so the text
report shows its numbers and counts them, never lists it as "not counted" beside them, and the
JSON report and the editor hover say the same. torch gives the numbers."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.engine import check_source
from macslint.render import hints
from macslint.render.report_json import file_json
from macslint.render.report_text import render_text

SOURCE = (
    "import torch.nn as nn\n"
    "\n"
    "def build(p):\n"
    "    return nn.Sequential(nn.Linear(8, 8), nn.Dropout(p), nn.Conv2d(p, 4, 1))\n"
)
WHY = "argument 'p' is not known: 'p' is a parameter of build()"


def torch_dropout_counts(p: float):
    """Dropout's params and MACs (FlopCounterMode flops / 2) at any `p`, from torch."""
    layer = nn.Dropout(p).eval()
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(1, 8))
    return sum(q.numel() for q in layer.parameters()), counter.get_total_flops() // 2


@pytest.fixture(scope="module")
def report():
    return check_source("m.py", SOURCE, Settings()).report


def test_torch_counts_do_not_depend_on_p():
    assert torch_dropout_counts(0.1) == torch_dropout_counts(0.9) == (0, 0)


def test_text_counts_the_layer_and_notes_the_argument(report):
    """Was: the row's `0  0` and, below, "not counted: 4:43 Dropout(p): unresolved: ..."."""
    lines = render_text(report).splitlines()
    params, macs = torch_dropout_counts(0.5)
    [row] = [line for line in lines if line.startswith("  4:43 ")]
    assert row.split()[-2:] == [f"{params:,}", f"{macs:,}"]
    start = lines.index("  not counted:")
    assert lines[start:start + 5] == [
        "  not counted:",
        "    4:58 Conv2d(p, 4, 1): unresolved: argument 'in_channels' is not known: 'p' is a "
        "parameter of build()",
        "  counted, with arguments that are not known (neither count reads them):",
        f"    4:43 Dropout(p): {WHY}",
        "  1 of 3 construction sites resolved (all arguments known on some evaluated path)",
    ]
    linear = torch.nn.Linear(8, 8)
    with FlopCounterMode(display=False) as counter:  # the Linear's row: torch's numbers
        linear(torch.zeros(1, 8))
    [row] = [line for line in lines if line.startswith("  4:26 ")]
    assert row.split()[-2:] == [f"{sum(q.numel() for q in linear.parameters()):,}",
                                f"{counter.get_total_flops() // 2:,}"]


def test_json_says_counted_and_not_resolved(report):
    layers = {layer["call"]: layer for layer in file_json(report)["layers"]}
    dropout, conv = layers["Dropout(p)"], layers["Conv2d(p, 4, 1)"]
    assert (dropout["params"], dropout["macs"]) == torch_dropout_counts(0.5)
    assert dropout["counted"] is True and dropout["resolved"] is False
    assert dropout["reason"] == WHY and dropout["args"] is None
    assert conv["counted"] is False and conv["resolved"] is False and conv["macs"] is None
    assert layers["Linear(8, 8)"]["counted"] is True and layers["Linear(8, 8)"]["resolved"]


def test_hover_does_not_say_not_counted_beside_the_numbers(report):
    [dropout] = [layer for layer in report.layers if layer.kind == "Dropout"]
    text = hints.hover_markdown(dropout, report)
    assert "not counted" not in text
    assert text.endswith(f"Counted, though not every argument is known (neither count reads "
                         f"it): {WHY}\n")
