"""Shared by the whole-model tracing tests (tests/torchnn/test_tracer_*.py,
tests/config/test_tracer_model_settings.py, tests/evaluator/test_evaluator.py).

Every number asserted for a complete model comes from PyTorch: `torch_counts` executes the very
same source, builds the class with no arguments, runs it under `FlopCounterMode` on a zero tensor
of the shape macslint traced, and counts `sum(p.numel() for p in model.parameters())`.
Incomplete models are checked for what the tracer promises instead: totals unknown (None), never
guessed, and a reason that names the construct and its line.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.engine import FileResult, check_source
from macslint.results.findings import Finding
from macslint.results.traces import ModelTrace

HEADER = """\
import functools
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
"""

Shape = Tuple[int, ...]


def src(body: str, header: str = HEADER) -> str:
    return header + textwrap.dedent(body)


def analyse(source: str, **settings: Any) -> FileResult:
    return check_source("m.py", source, Settings(**settings))


def the_model(result: FileResult, name: str) -> ModelTrace:
    found = [m for m in result.report.models if m.name == name]
    assert len(found) == 1, [m.name for m in result.report.models]
    return found[0]


def trace(source: str, name: str, **settings: Any) -> ModelTrace:
    return the_model(analyse(source, **settings), name)


def line_of(source: str, text: str, nth: int = 1) -> int:
    """1-based number of the nth line containing `text`."""
    hits = [i for i, line in enumerate(source.splitlines(), 1) if text in line]
    assert len(hits) >= nth, f"{text!r} not in source"
    return hits[nth - 1]


def col_of(source: str, text: str, nth: int = 1) -> int:
    """1-based column of `text` on the nth line containing it."""
    line = source.splitlines()[line_of(source, text, nth) - 1]
    return line.index(text) + 1


def reasons(model: ModelTrace) -> str:
    return "; ".join(model.reasons)


def codes(result: FileResult, code: str) -> List[Finding]:
    return [f for f in result.findings if f.code == code]


# --------------------------------------------------------------------------- the torch oracle

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


@dataclass
class TorchCounts:
    params: int
    macs: int
    output: Optional[Shape]  # None unless forward returns one tensor
    calls: List[Tuple[str, str, Shape, Shape]]  # (named_modules path, class, input, output)


def torch_counts(source: str, class_name: str, input_shape: Shape,
                 dtype: torch.dtype = torch.float32) -> TorchCounts:
    """Build `class_name()` from `source` with torch and measure one forward on zeros."""
    namespace: Dict[str, Any] = {"__name__": "_macslint_tracer_test_model"}
    exec(compile(source, "<model>", "exec"), namespace)
    model = namespace[class_name]()
    calls: List[Tuple[str, str, Shape, Shape]] = []
    handles = []
    for name, module in model.named_modules():
        if not name or isinstance(module, CONTAINERS) or any(True for _ in module.children()):
            continue

        def hook(mod, inputs, output, name=name):
            calls.append((name, type(mod).__name__, tuple(inputs[0].shape), tuple(output.shape)))

        handles.append(module.register_forward_hook(hook))
    x = torch.zeros(input_shape, dtype=dtype)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(x)
    for handle in handles:
        handle.remove()
    params = sum(p.numel() for p in model.parameters())
    output = tuple(out.shape) if isinstance(out, torch.Tensor) else None
    return TorchCounts(params, counter.get_total_flops() // 2, output, calls)


def assert_matches_torch(source: str, name: str, check_calls: bool = True,
                         **settings: Any) -> ModelTrace:
    """The model traces completely and its totals (and leaf calls) are torch's."""
    model = trace(source, name, **settings)
    assert model.complete, model.reasons
    assert model.input is not None
    expected = torch_counts(source, name, model.input)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs, expected.output)
    if check_calls:
        got = [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path]
        assert got == expected.calls
    return model


def torch_raises(source: str, name: str, input_shape: Shape) -> bool:
    namespace: Dict[str, Any] = {"__name__": "_macslint_tracer_test_model"}
    exec(compile(source, "<model>", "exec"), namespace)
    model = namespace[name]()
    try:
        with torch.no_grad():
            model(torch.zeros(input_shape))
    except (RuntimeError, IndexError, ValueError):
        return True
    return False


# A model calling a library macslint does not follow (completeness, budgets and JSON tests).
UNKNOWN_LIB = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            x = some_lib.op(x)
            return self.fc(x)
""", header=HEADER + "import some_lib\n")
