"""Whole-model tracing (macslint/tracer.py), one small inline model per test.

Every number asserted for a complete model comes from PyTorch: `torch_counts` executes the very
same source, builds the class with no arguments, runs it under `FlopCounterMode` on a zero tensor
of the shape macslint traced, and counts `sum(p.numel() for p in model.parameters())`.
Incomplete models are checked for what the tracer promises instead: totals unknown (None), never
guessed, and a reason that names the construct and its line.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.costmodel import TENSOR_METHODS, TORCH_FUNCTIONS
from macslint.config import Config, Settings, apply_overrides, load_config
from macslint.engine import FileResult, check_source
from macslint.results.findings import Finding
from macslint.results.report import report_json
from macslint.results.traces import ModelTrace
from macslint.units import format_count
from tests.helpers import macslint

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


# =========================================================================== 1. completeness

SIMPLE = src("""
    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = F.relu(self.bn(self.conv(x)))
            x = F.adaptive_avg_pool2d(x, 1).flatten(1)
            return self.fc(x)
""")


def test_simple_model_matches_torch():
    model = assert_matches_torch(SIMPLE, "Net")
    assert model.input == (1, 3, 16, 16)
    assert model.reasons == [] and model.shape_errors == []
    assert [c.path for c in model.calls] == ["conv", "bn", "fc"]
    assert all(c.traced for c in model.calls)


def test_model_position_is_the_class_line():
    model = trace(SIMPLE, "Net")
    assert (model.line, model.col) == (line_of(SIMPLE, "class Net"), 1)


def test_file_without_models_has_no_traces():
    result = analyse(src("layer = nn.Linear(4, 4)\n"))
    assert result.report.models == []


def test_class_not_a_module_is_not_traced():
    source = src("""
        class Config:
            width = 8

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(Config.width, 2)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source)
    assert [m.name for m in result.report.models] == ["Net"]
    assert_matches_torch(source, "Net")


def test_data_dependent_comparison_branch_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                if x.sum() > 0:
                    x = self.fc(x)
                return x
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"line {line_of(source, 'if x.sum() > 0')}" in reasons(model)
    assert "x.sum() > 0" in reasons(model)


def test_data_dependent_truth_branch_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                if x.sum():
                    x = self.fc(x)
                return x
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert model.params == 72
    assert f"the condition `x.sum()` (line {line_of(source, 'if x.sum()')}) is not known" in reasons(model)
    assert "depends on its data" in reasons(model)


def test_branch_on_a_shape_is_followed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 1)
                self.big = nn.Conv2d(4, 4, 3, padding=1)

            def forward(self, x):
                x = self.conv(x)
                if x.shape[-1] > 4 and x.dim() == 4:
                    x = self.big(x)
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["conv", "big"]


@pytest.mark.parametrize("expr", ["torch.where(x > 0, x, x * 2)", "x.masked_fill(x > 0, x.mean())"])
def test_comparison_mask_is_a_tensor(expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = {expr}
                return self.fc(y)
    """)
    assert_matches_torch(source, "Net")


@pytest.mark.parametrize("expr", ["x.pow(2)", "x.mul(0.5)", "torch.clamp(x, 0, 6)",
                                  "torch.add(x, 1)", "x.masked_fill(self.mask, 0.0)"])
def test_python_number_operand_of_a_tensor_op(expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.register_buffer("mask", torch.zeros(8, dtype=torch.bool))

            def forward(self, x):
                return self.fc({expr})
    """)
    assert_matches_torch(source, "Net")


@pytest.mark.parametrize("expr", ["x * 2", "1 - x", "x ** 2", "-x", "x.add(x)", "torch.mul(x, x)"])
def test_operators_with_numbers_and_tensor_ops_with_tensors(expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc({expr})
    """)
    assert_matches_torch(source, "Net")


UNKNOWN_LIB = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            x = some_lib.op(x)
            return self.fc(x)
""", header=HEADER + "import some_lib\n")


def test_unknown_function_on_a_tensor_is_incomplete():
    model = trace(UNKNOWN_LIB, "Net")
    assert not model.complete and model.macs is None
    assert model.params == 72  # the module tree is fully known
    assert f"the call `some_lib.op(x)` (line {line_of(UNKNOWN_LIB, 'some_lib.op')}) is not followed" \
        in reasons(model)
    (call,) = model.calls
    assert call.path == "fc" and not call.traced and "some_lib.op" in call.reason


def test_unknown_function_reason_is_reported_once():
    model = trace(UNKNOWN_LIB, "Net")
    assert len(model.reasons) == 1  # the Linear after it does not repeat the cause


LSTM_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(8, 16)
            self.fc = nn.Linear(16, 8)

        def forward(self, x):
            x, _ = self.rnn(x)
            return self.fc(x)
""")


def test_uncatalogued_layer_makes_params_and_macs_unknown():
    model = trace(LSTM_SOURCE, "Net")
    assert not model.complete
    assert model.params is None and model.macs is None
    assert f"LSTM(8, 16) (line {line_of(LSTM_SOURCE, 'nn.LSTM')})" in reasons(model)
    assert "not in macslint's layer catalogue" in reasons(model)


def test_uncatalogued_layer_call_is_listed_untraced():
    model = trace(LSTM_SOURCE, "Net")
    assert [(c.path, c.kind, c.traced) for c in model.calls] == [("rnn", "LSTM", False),
                                                                   ("fc", "Linear", False)]
    assert model.calls[0].params is None
    assert model.calls[1].params == 16 * 8 + 8


def test_forward_with_two_required_inputs_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x, y):
                return self.fc(x) + y
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert model.params == 72
    assert "forward() takes more inputs than one tensor" in reasons(model)
    assert "'y'" in reasons(model)


def test_forward_with_optional_second_input_is_traced():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x, mask=None, *, scale=1.0):
                x = self.fc(x)
                if mask is not None:
                    x = x * mask
                return x * scale
    """)
    assert_matches_torch(source, "Net")


LOOP_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList()
            for _ in range(some_lib.depth()):
                self.layers.append(nn.Linear(8, 8))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
""", header=HEADER + "import some_lib\n")


def test_loop_over_unknown_iterable_in_init_is_incomplete():
    model = trace(LOOP_SOURCE, "Net")
    assert not model.complete and model.macs is None
    assert f"the loop over `range(some_lib.depth())` (line {line_of(LOOP_SOURCE, 'for _ in')}) " \
           "is not followed" in reasons(model)


COMPREHENSION_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in some_lib.blocks()])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
""", header=HEADER + "import some_lib\n")


def test_comprehension_over_unknown_iterable_in_init_names_it():
    model = trace(COMPREHENSION_SOURCE, "Net")
    assert not model.complete and model.macs is None
    line = line_of(COMPREHENSION_SOURCE, "some_lib.blocks")
    assert "the comprehension `[nn.Linear(8, 8) for _ in some_lib" in reasons(model)
    assert f"` (line {line}) is not followed" in reasons(model)


@pytest.mark.parametrize("which", ["loop", "comprehension"])
def test_unknown_iterable_in_init_makes_params_unknown(which):
    model = trace(LOOP_SOURCE if which == "loop" else COMPREHENSION_SOURCE, "Net")
    assert model.params is None


# An op of torch that tensor_ops does not model (chosen from the registries, which grow).
UNMODELLED = next(name for name in ("cumsum", "cumprod", "logcumsumexp", "cummax", "argsort")
                  if name not in TORCH_FUNCTIONS and name not in TENSOR_METHODS)


def test_unmodelled_torch_function_is_incomplete():
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = torch.{UNMODELLED}(x, 1)
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    line = line_of(source, f"torch.{UNMODELLED}")
    assert f"`torch.{UNMODELLED}(x, 1)` (line {line}) is not followed" in reasons(model)
    assert f"`torch.{UNMODELLED}` is not modelled" in reasons(model)


def test_unmodelled_torch_submodule_function_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(torch.fft.rfft(x).real)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"(line {line_of(source, 'torch.fft')})" in reasons(model)
    assert "torch.fft.rfft" in reasons(model)


def test_unmodelled_tensor_method_feeding_a_layer_is_incomplete():
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = x.{UNMODELLED}(1)
                return self.fc(y)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"x.{UNMODELLED}" in reasons(model)


def test_unmodelled_tensor_method_reason_names_its_line():
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = x.{UNMODELLED}(1)
                return self.fc(y)
    """)
    model = trace(source, "Net")
    assert f"(line {line_of(source, f'x.{UNMODELLED}')})" in reasons(model)


def test_unmodelled_tensor_method_with_macs_is_not_complete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x).matrix_power(3)
    """)
    model = trace(source, "Net")
    expected = torch_counts(source, "Net", (1, 8, 8))
    assert model.complete is False or model.macs == expected.macs


def test_unmodelled_tensor_method_with_a_tensor_argument_is_incomplete():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.w = nn.Parameter(torch.zeros(8, 4))

            def forward(self, x):
                return torch.einsum("bi,io->bo", self.fc(x), self.w)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert f"(line {line_of(source, 'torch.einsum')})" in reasons(model)


def test_infinite_loop_in_forward_ends_quickly_with_a_budget_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                while True:
                    pass
                return self.fc(x)
    """)
    start = time.monotonic()
    model = trace(source, "Net")
    assert time.monotonic() - start < 20
    assert not model.complete and model.macs is None
    assert model.params == 72
    assert re.search(r"tracing forward\(\) takes more than [\d,]+ steps", reasons(model))


def test_infinite_loop_in_init_ends_quickly_with_a_budget_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                n = 0
                while True:
                    n += 1

            def forward(self, x):
                return self.fc(x)
    """)
    start = time.monotonic()
    model = trace(source, "Net")
    assert time.monotonic() - start < 20
    assert not model.complete and model.macs is None and model.params is None
    assert re.search(r"building Net\(\) takes more than [\d,]+ steps", reasons(model))


def test_mutual_recursion_in_forward_ends_with_a_depth_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def ping(self, x):
                return self.pong(self.fc(x))

            def pong(self, x):
                return self.ping(x)

            def forward(self, x):
                return self.ping(x)
    """)
    start = time.monotonic()
    model = trace(source, "Net")
    assert time.monotonic() - start < 20
    assert not model.complete and model.macs is None
    assert re.search(r"calls nest deeper than \d+ levels at p[io]ng\(\)", reasons(model))


def test_recursion_in_init_ends_with_a_depth_reason():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.grow(0)

            def grow(self, n):
                return self.shrink(n + 1)

            def shrink(self, n):
                return self.grow(n)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert re.search(r"calls nest deeper than \d+ levels", reasons(model))


def test_raise_in_forward_is_incomplete_with_its_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                raise NotImplementedError("subclass me")
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert f"(line {line_of(source, 'raise NotImplementedError')})" in reasons(model)


def test_model_without_forward_is_incomplete():
    source = src("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert model.params == 72
    assert "Net has no forward() in this file" in reasons(model)


# =========================================================================== 2. params


def test_shared_module_is_counted_once():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.again = self.fc
                self.seq = nn.Sequential(self.fc, nn.ReLU(), self.fc)

            def forward(self, x):
                return self.seq(self.again(self.fc(x)))
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 72
    assert [c.path for c in model.calls] == ["fc", "fc", "fc", "seq.1", "fc"]


def test_module_repeated_in_a_module_list_is_counted_once():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                block = nn.Linear(8, 8)
                self.blocks = nn.ModuleList([block] * 3)

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 72 and model.macs == 3 * 64


PARAMS_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=8x16
        def __init__(self):
            super().__init__()
            self.pos = nn.Parameter(torch.zeros(1, 8, 16))
            self.register_buffer("mask", torch.ones(8, 16))
            self.register_parameter("gain", nn.Parameter(torch.ones(16)))
            self.stats = torch.zeros(5, 5)
            self.fc = nn.Linear(16, 4)
            self.unused = nn.Linear(100, 100)

        def forward(self, x):
            x = (x + self.pos) * self.mask * self.gain
            return self.fc(x)
""")


def test_parameters_and_buffers_as_torch_counts_them():
    model = assert_matches_torch(PARAMS_SOURCE, "Net")
    assert model.params == 8 * 16 + 16 + (16 * 4 + 4) + (100 * 100 + 100)


def test_unused_layer_is_counted_in_params_but_not_called():
    model = trace(PARAMS_SOURCE, "Net")
    assert [c.path for c in model.calls] == ["fc"]
    assert model.params - (100 * 100 + 100) == 8 * 16 + 16 + 68


def test_plain_list_of_layers_is_not_registered():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.blocks = [nn.Linear(8, 8), nn.Linear(8, 8)]
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return self.fc(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 36  # torch does not register layers held in a plain list
    assert model.macs == 64 + 64 + 32  # but they run, and torch counts their MACs
    assert [c.path for c in model.calls] == ["", "", "fc"]


def test_reassigned_attribute_replaces_the_module():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 100)
                self.fc = nn.Linear(8, 4)
                self.head = nn.Linear(4, 4)
                self.head = None

            def forward(self, x):
                return self.fc(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.params == 36


def test_parameter_used_in_matmul_is_counted_and_costed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=5x8
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.randn(8, 6))

            def forward(self, x):
                y = x @ self.w
                return torch.matmul(y, y.transpose(-2, -1))
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls == []
    assert sum(op.macs for op in model.ops) == model.macs


# =========================================================================== 3. input mismatch vs MAC011


def test_first_layer_not_fitting_the_input_is_a_setting_problem():
    source = src("""
        class Audio(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(1, 8, 3)

            def forward(self, x):
                return self.conv(x)
    """)
    result = analyse(source)
    model = the_model(result, "Audio")
    assert not model.complete and model.macs is None
    assert model.params == 32
    assert "the input 1x3x224x224 does not fit Audio" in reasons(model)
    assert "input-size" in reasons(model)
    assert "[tool.macslint.models.Audio]" in reasons(model)
    assert codes(result, "MAC011") == [] and model.shape_errors == []


def test_flattened_input_not_fitting_the_first_linear_is_a_setting_problem():
    source = src("""
        class Mlp(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return self.fc(x.flatten(1))
    """)
    result = analyse(source)
    model = the_model(result, "Mlp")
    assert "does not fit Mlp" in reasons(model) and "input-size" in reasons(model)
    assert codes(result, "MAC011") == []


def test_input_not_fitting_a_parameter_is_a_setting_problem():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.pos = nn.Parameter(torch.zeros(1, 10, 8))
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x + self.pos)
    """)
    assert torch_raises(source, "Net", (1, 4, 8))
    result = analyse(source)
    assert "the input 1x4x8 does not fit Net" in reasons(the_model(result, "Net"))
    assert codes(result, "MAC011") == []


def test_input_mismatch_names_the_input_shape_whatever_the_operand_order():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.pos = nn.Parameter(torch.zeros(1, 10, 8))
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(self.pos + x)
    """)
    assert torch_raises(source, "Net", (1, 4, 8))
    assert "the input 1x4x8 does not fit Net" in reasons(trace(source, "Net"))


def test_view_of_the_input_not_fitting_is_a_setting_problem():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x7
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                return self.fc(x.view(-1, 10))
    """)
    result = analyse(source)
    assert "the input 1x3x7 does not fit Net" in reasons(the_model(result, "Net"))
    assert codes(result, "MAC011") == []


def test_fitting_input_after_setting_it_traces():
    source = src("""
        class Audio(nn.Module):  # macslint: input-size=1x100
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(1, 8, 3)

            def forward(self, x):
                return self.conv(x)
    """)
    assert_matches_torch(source, "Audio")


# name -> (__init__ lines, forward lines, input size, where MAC011 goes, shapes in its message).
# A layer's mismatch is reported where the layer is constructed, an operation's where it is written.
MISMATCHES = {
    "conv_in_channels": (
        ["self.a = nn.Conv2d(3, 16, 3, padding=1)", "self.b = nn.Conv2d(8, 16, 3, padding=1)"],
        ["return self.b(F.relu(self.a(x)))"],
        "3x8x8", "nn.Conv2d(8, 16", ["1x8x8x8", "1x16x8x8"]),
    "linear_in_features": (
        ["self.conv = nn.Conv2d(1, 6, 5)", "self.fc = nn.Linear(6 * 4 * 4, 10)"],
        ["x = F.max_pool2d(self.conv(x), 2)", "return self.fc(torch.flatten(x, 1))"],
        "1x16x16", "nn.Linear(6 * 4 * 4", ["1x96", "1x216"]),
    "batchnorm_features": (
        ["self.conv = nn.Conv2d(3, 16, 3, padding=1)", "self.bn = nn.BatchNorm2d(8)"],
        ["return self.bn(self.conv(x))"],
        "3x8x8", "nn.BatchNorm2d(8)", ["1x8x8x8", "1x16x8x8"]),
    "sequential_linear": (
        ["self.net = nn.Sequential(", "    nn.Conv2d(3, 8, 3, stride=2, padding=1),",
         "    nn.Flatten(),", "    nn.Linear(8 * 8 * 8, 10),", ")"],
        ["return self.net(x)"],
        "3x8x8", "nn.Linear(8 * 8 * 8", ["1x512", "1x128"]),
    "cat": (
        ["self.enc = nn.Conv2d(3, 8, 3, padding=1)", "self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)"],
        ["skip = self.enc(x)", "y = self.down(skip)", "return torch.cat([y, skip], dim=1)"],
        "3x16x16", "torch.cat(", ["1x8x8x8", "1x8x16x16"]),
    "view": (
        ["self.conv = nn.Conv2d(1, 4, 3)"],
        ["x = self.conv(x)", "return x.view(-1, 4 * 28 * 28)"],
        "1x28x28", "x.view(", ["1x4x26x26"]),
    "add": (
        ["self.conv0 = nn.Conv2d(8, 8, 1)", "self.conv = nn.Conv2d(8, 16, 3, padding=1)"],
        ["skip = self.conv0(x)", "out = self.conv(skip)", "return out + skip"],
        "8x8x8", "out + skip", ["1x16x8x8", "1x8x8x8"]),
    "matmul": (
        ["self.fc = nn.Linear(8, 6)", "self.w = nn.Parameter(torch.zeros(5, 3))"],
        ["return self.fc(x) @ self.w"],
        "4x8", "self.fc(x) @", ["1x4x6", "5x3"]),
}


def mismatch_source(name: str) -> str:
    init, forward = MISMATCHES[name][:2]
    size = MISMATCHES[name][2]
    body = "\n".join(["class Net(nn.Module):  # macslint: input-size=" + size,
                      "    def __init__(self):", "        super().__init__()"]
                     + ["        " + line for line in init]
                     + ["", "    def forward(self, x):"] + ["        " + line for line in forward])
    return HEADER + "\n\n" + body + "\n"


@pytest.mark.parametrize("name", sorted(MISMATCHES))
def test_internal_mismatch_is_mac011_where_it_is_written(name):
    source = mismatch_source(name)
    size, anchor, shapes = MISMATCHES[name][2:]
    assert torch_raises(source, "Net", (1, *map(int, size.split("x"))))
    result = analyse(source)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit" not in reasons(model)
    (finding,) = codes(result, "MAC011")
    assert (finding.line, finding.col) == (line_of(source, anchor), col_of(source, anchor))
    for shape in shapes:
        assert shape in finding.message
    assert [(i.line, i.col) for i in model.shape_errors] == [(finding.line, finding.col)]


def test_residual_add_with_the_raw_input_is_mac011():
    """fixtures/models/shape_errors.py AddMismatch: the branch changes the channel count and the
    shortcut is the model input itself; the bug is the model's (no input size makes it fit)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x16x16
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(8, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 16, 3, padding=1)

            def forward(self, x):
                out = F.relu(self.conv1(x))
                out = self.conv2(out)
                return out + x
    """)
    assert torch_raises(source, "Net", (1, 8, 16, 16))
    result = analyse(source)
    model = the_model(result, "Net")
    assert not model.complete and model.macs is None
    assert "does not fit" not in reasons(model)
    (finding,) = codes(result, "MAC011")
    assert (finding.line, finding.col) == (line_of(source, "return out + x"),
                                           col_of(source, "out + x"))
    assert "1x16x16x16" in finding.message and "1x8x16x16" in finding.message


def test_layer_mismatch_message_names_the_module_path():
    source = mismatch_source("sequential_linear")
    (finding,) = codes(analyse(source), "MAC011")
    assert "in net.2" in finding.message
    assert finding.message.startswith("Linear(8 * 8 * 8, 10) expects 1x512 but gets 1x128")


def test_mismatch_in_a_block_shared_by_two_models_is_one_finding():
    source = src("""
        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, 8, 3, padding=1)
                self.bn = nn.BatchNorm2d(4)

            def forward(self, x):
                return self.bn(self.conv(x))

        class A(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.block = Block(3)

            def forward(self, x):
                return self.block(x)

        class B(nn.Module):  # macslint: input-size=3x16x16
            def __init__(self):
                super().__init__()
                self.block = Block(3)

            def forward(self, x):
                return self.block(x)
    """)
    result = analyse(source)
    assert [len(m.shape_errors) for m in result.report.models] == [1, 1]
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "nn.BatchNorm2d(4)")
    assert "in block.bn" in finding.message


# =========================================================================== 4. per-model settings

PRAGMA_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=1x28x28, batch-size=2
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.fc = nn.Linear(4 * 26 * 26, 10)

        def forward(self, x):
            return self.fc(self.conv(x).flatten(1))
""")


def test_pragma_sets_input_and_batch():
    model = assert_matches_torch(PRAGMA_SOURCE, "Net")
    assert model.input == (2, 1, 28, 28)
    assert model.settings.input_size == (1, 28, 28) and model.settings.batch_size == 2
    assert model.output == (2, 10)


def test_pragma_settings_reach_the_json():
    result = analyse(PRAGMA_SOURCE)
    (data,) = report_json([result.report], "macs")["files"][0]["models"]
    assert data["input"] == [2, 1, 28, 28] and data["batch_size"] == 2
    # the file's own settings are untouched
    assert report_json([result.report], "macs")["files"][0]["input"] == [3, 224, 224]


NO_PRAGMA = src("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)

        def forward(self, x):
            return self.conv(x)

    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)

        def forward(self, x):
            return self.conv(x)
""")


def test_models_table_sets_input_and_batch():
    settings = dict(models=(("Net", {"input_size": (1, 10, 10), "batch_size": 3}),))
    model = assert_matches_torch(NO_PRAGMA, "Net", **settings)
    assert model.input == (3, 1, 10, 10)


def test_models_table_applies_only_to_its_model():
    result = analyse(NO_PRAGMA, input_size=(3, 12, 12),
                     models=(("Net", {"input_size": (1, 10, 10)}),))
    assert the_model(result, "Other").input == (1, 3, 12, 12)
    assert the_model(result, "Net").input == (1, 1, 10, 10)


def test_pragma_beats_models_table():
    source = NO_PRAGMA.replace("class Net(nn.Module):", "class Net(nn.Module):  # macslint: input-size=1x6x6")
    model = trace(source, "Net", models=(("Net", {"input_size": (1, 10, 10), "batch_size": 3}),))
    assert model.input == (3, 1, 6, 6)  # input from the pragma, batch from the table


def test_bad_pragma_is_mac902_on_the_class_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=1x28x28, bogus=3
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3)

            def forward(self, x):
                return self.conv(x)
    """)
    result = analyse(source, input_size=(3, 8, 8))
    (finding,) = codes(result, "MAC902")
    assert (finding.line, finding.col) == (line_of(source, "class Net"), 1)
    assert "bogus" in finding.message and f"m.py:{finding.line}" in finding.message
    model = the_model(result, "Net")
    assert model.config_error is not None
    assert model.input == (1, 3, 8, 8)  # the file's settings, none of the pragma's
    (call,) = model.calls
    expected = torch_counts(source, "Net", (1, 3, 8, 8))
    assert call.traced and (call.output, call.macs) == (expected.output, expected.macs)


def test_bad_pragma_value_is_mac902_and_other_models_are_unaffected():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)

        class Good(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source)
    assert [f.line for f in codes(result, "MAC902")] == [line_of(source, "class Net")]
    assert "input-size" in codes(result, "MAC902")[0].message
    assert the_model(result, "Good").complete
    assert result.report.error is None


def test_command_line_beats_pragma(tmp_path):
    config = apply_overrides(load_config(None, cwd=tmp_path), {"input_size": "1x12x12"})
    settings = config.settings_for(tmp_path / "m.py")
    model = the_model(check_source("m.py", PRAGMA_SOURCE, settings), "Net")
    assert model.input == (2, 1, 12, 12)  # input from the command line, batch from the pragma


def test_command_line_beats_models_table(tmp_path):
    table = Settings(models=(("Net", {"input_size": (1, 10, 10), "batch_size": 3}),))
    config = apply_overrides(Config(source=None, root=tmp_path, base=table), {"batch_size": 4})
    model = the_model(check_source("m.py", NO_PRAGMA, config.settings_for(tmp_path / "m.py")), "Net")
    assert model.input == (4, 1, 10, 10)  # batch from the command line, input from the table


def test_pragma_budget_applies_to_its_model_only():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8, max-model-params=10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)

        class Other(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source)
    assert [f.line for f in codes(result, "MAC004")] == [line_of(source, "class Net")]


# =========================================================================== 5. budgets

BUDGET_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 16, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.pool(self.conv(x))
            return self.fc(torch.flatten(x, 1))

    lonely = nn.Conv2d(3, 8, 3)
""")


def test_model_macs_over_budget_is_mac003_on_the_class_line():
    result = analyse(BUDGET_SOURCE, max_model_macs=1000)
    expected = torch_counts(BUDGET_SOURCE, "Net", (1, 3, 32, 32))
    (finding,) = codes(result, "MAC003")
    assert (finding.line, finding.col) == (line_of(BUDGET_SOURCE, "class Net"), 1)
    assert finding.message == f"Net costs {format_count(expected.macs)} MACs at 3x32x32, budget 1K"


def test_model_macs_budget_in_flops_with_batch():
    source = BUDGET_SOURCE.replace("input-size=3x32x32", "input-size=3x32x32, batch-size=2")
    result = analyse(source, max_model_macs=1000, unit="flops")
    expected = torch_counts(source, "Net", (2, 3, 32, 32))
    (finding,) = codes(result, "MAC003")
    assert finding.message == (f"Net costs {format_count(2 * expected.macs)} FLOPs at 3x32x32 "
                               f"(batch 2), budget 2K")


def test_model_params_over_budget_is_mac004_on_the_class_line():
    result = analyse(BUDGET_SOURCE, max_model_params=100)
    expected = torch_counts(BUDGET_SOURCE, "Net", (1, 3, 32, 32))
    (finding,) = codes(result, "MAC004")
    assert (finding.line, finding.col) == (line_of(BUDGET_SOURCE, "class Net"), 1)
    assert finding.message == f"Net has {format_count(expected.params)} params, budget 100"


def test_model_budgets_not_exceeded_give_no_findings():
    expected = torch_counts(BUDGET_SOURCE, "Net", (1, 3, 32, 32))
    result = analyse(BUDGET_SOURCE, max_model_macs=expected.macs, max_model_params=expected.params)
    assert codes(result, "MAC003") == [] and codes(result, "MAC004") == []


def test_incomplete_model_has_no_mac003():
    result = analyse(UNKNOWN_LIB, max_model_macs=1, max_model_params=1)
    assert codes(result, "MAC003") == []
    assert len(codes(result, "MAC004")) == 1  # its params are known


def test_decorated_model_budget_is_on_the_class_line():
    source = src("""
        def register(cls):
            return cls

        @register
        class Net(nn.Module):  # macslint: input-size=8, max-model-params=10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    (finding,) = codes(analyse(source), "MAC004")
    assert (finding.line, finding.col) == (line_of(source, "class Net"), 1)


def test_layer_budget_uses_the_traced_shape():
    result = analyse(BUDGET_SOURCE, max_layer_macs=1000)
    expected = torch_counts(BUDGET_SOURCE, "Net", (1, 3, 32, 32))
    conv_macs = 16 * 32 * 32 * 3 * 9
    assert expected.macs == conv_macs + 160
    conv = [f for f in codes(result, "MAC001") if f.line == line_of(BUDGET_SOURCE, "self.conv =")]
    (finding,) = conv
    assert finding.col == col_of(BUDGET_SOURCE, "nn.Conv2d(3, 16")
    assert f"costs {format_count(conv_macs)} MACs" in finding.message
    assert "in Net.conv" in finding.message
    assert re.search(r"at (1x)?3x32x32 in Net\.conv, budget 1K$", finding.message)


def test_layer_outside_models_keeps_the_single_layer_semantics():
    result = analyse(BUDGET_SOURCE, max_layer_macs=1000)
    (finding,) = [f for f in codes(result, "MAC001") if f.line == line_of(BUDGET_SOURCE, "lonely")]
    # the file's input size (the class pragma is the model's only)
    assert finding.message == f"Conv2d(3, 8, 3) costs {format_count(8 * 222 * 222 * 3 * 9)} MACs " \
                              "at 3x224x224, budget 1K"
    assert " in " not in finding.message


def test_deep_layer_is_held_to_its_traced_cost():
    """Costed on its own at 16x64x64 the second conv is over budget; traced, it sees 16x8x8."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x64x64
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(3, 16, 8, stride=8)
                self.deep = nn.Conv2d(16, 16, 3, padding=1)

            def forward(self, x):
                return self.deep(self.stem(x))
    """)
    model = assert_matches_torch(source, "Net")
    deep = model.calls[1]
    assert deep.macs == 16 * 8 * 8 * 16 * 9
    budget = 200_000
    single = 16 * 224 * 224 * 16 * 9  # on its own: 16 channels at the file's 224x224
    assert deep.macs < budget < single
    result = analyse(source, max_layer_macs=budget)
    assert [f.line for f in codes(result, "MAC001")] == []
    (layer,) = [l for l in result.report.layers if l.line == line_of(source, "self.deep =")]
    assert layer.macs == single  # the single-layer number stays in the report
    assert layer.traced["macs"] == deep.macs and layer.traced["path"] == "deep"


def test_layer_called_twice_is_held_to_its_costliest_call():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x16x16
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(4, 4, 3, padding=1)

            def forward(self, x):
                small = self.conv(F.avg_pool2d(x, 2))
                return self.conv(x)
    """)
    model = assert_matches_torch(source, "Net")
    result = analyse(source, max_layer_macs=1)
    (layer,) = result.report.layers
    assert layer.traced["macs"] == max(c.macs for c in model.calls) == 4 * 16 * 16 * 4 * 9
    (finding,) = codes(result, "MAC001")
    assert format_count(4 * 16 * 16 * 4 * 9) in finding.message


def test_block_built_by_a_model_is_resolved_with_its_arguments():
    source = src("""
        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)

            def forward(self, x):
                return self.fc(x)

        class Net(nn.Module):  # macslint: input-size=5
            def __init__(self):
                super().__init__()
                self.inner = Block(5)

            def forward(self, x):
                return self.inner(x)
    """)
    result = analyse(source)
    assert [m.name for m in result.report.models] == ["Net"]  # Block needs an argument
    assert_matches_torch(source, "Net")
    (layer,) = result.report.layers
    assert layer.resolved and layer.params == 30
    assert codes(result, "MAC100") == []


def test_block_built_with_different_arguments_stays_unresolved_on_its_own():
    source = src("""
        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)

            def forward(self, x):
                return self.fc(x)

        class Net(nn.Module):  # macslint: input-size=5
            def __init__(self):
                super().__init__()
                self.a = Block(5)
                self.b = nn.Linear(5, 7)
                self.c = Block(7)

            def forward(self, x):
                return self.c(self.b(self.a(x)))
    """)
    result = analyse(source)
    model = assert_matches_torch(source, "Net")
    assert [(c.path, c.params) for c in model.calls] == [("a.fc", 30), ("b", 42), ("c.fc", 56)]
    (layer,) = [l for l in result.report.layers if l.line == line_of(source, "nn.Linear(d, d)")]
    assert not layer.resolved and "different arguments" in layer.reason


# =========================================================================== 6. JSON contract

JSON_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(8, 8)
            self.k = nn.Linear(8, 8)

        def forward(self, x):
            q, k = self.q(x), self.k(x)
            return q @ k.transpose(-2, -1)

    lonely = nn.Linear(8, 2)
""")

MODEL_KEYS = {"name", "line", "col", "input", "batch_size", "params", "macs", "complete", "reason",
              "output", "layers", "ops"}
CALL_KEYS = {"path", "kind", "line", "col", "call", "file", "input", "output", "params", "macs",
             "traced", "reason"}


def json_models(result: FileResult, unit: str = "macs") -> List[Dict[str, Any]]:
    data = json.loads(json.dumps(report_json([result.report], unit)))  # JSON-clean
    return data["files"][0]["models"]


def test_json_model_entry():
    result = analyse(JSON_SOURCE)
    expected = torch_counts(JSON_SOURCE, "Net", (1, 4, 8))
    (data,) = json_models(result)
    assert set(data) == MODEL_KEYS
    assert data["name"] == "Net"
    assert (data["line"], data["col"]) == (line_of(JSON_SOURCE, "class Net"), 1)
    assert data["input"] == [1, 4, 8] and data["batch_size"] == 1
    assert (data["params"], data["macs"]) == (expected.params, expected.macs)
    assert data["complete"] is True and data["reason"] is None
    assert data["output"] == list(expected.output) == [1, 4, 4]


def test_json_layer_calls():
    result = analyse(JSON_SOURCE)
    (data,) = json_models(result)
    assert [set(layer) for layer in data["layers"]] == [CALL_KEYS, CALL_KEYS]
    q = data["layers"][0]
    assert q == {"path": "q", "kind": "Linear", "line": line_of(JSON_SOURCE, "self.q ="),
                 "col": col_of(JSON_SOURCE, "nn.Linear(8, 8)"), "call": "Linear(8, 8)",
                 "file": None, "input": [1, 4, 8], "output": [1, 4, 8], "params": 72, "macs": 4 * 64,
                 "traced": True, "reason": None}


def test_json_ops():
    result = analyse(JSON_SOURCE)
    (data,) = json_models(result)
    (op,) = data["ops"]
    assert op == {"op": "matmul", "line": line_of(JSON_SOURCE, "q @ k"),
                  "col": col_of(JSON_SOURCE, "q @ k"), "input": [[1, 4, 8], [1, 8, 4]],
                  "output": [1, 4, 4], "macs": 4 * 8 * 4}
    assert data["macs"] == sum(l["macs"] for l in data["layers"]) + op["macs"]


def test_json_flops_unit_adds_flops():
    (data,) = json_models(analyse(JSON_SOURCE, unit="flops"), "flops")
    assert data["flops"] == 2 * data["macs"]
    assert all(l["flops"] == 2 * l["macs"] for l in data["layers"])


def test_json_incomplete_model():
    (data,) = json_models(analyse(UNKNOWN_LIB))
    assert data["complete"] is False and data["macs"] is None and data["output"] is None
    assert "some_lib.op" in data["reason"]
    (layer,) = data["layers"]
    assert layer["traced"] is False and layer["input"] is None
    # an untraced call is costed on its own, and says so
    assert layer["macs"] == 64
    assert layer["reason"].endswith("costed on its own at the configured input size")


def test_json_file_layers_have_traced():
    result = analyse(JSON_SOURCE)
    layers = report_json([result.report], "macs")["files"][0]["layers"]
    assert all("traced" in layer for layer in layers)
    by_line = {layer["line"]: layer for layer in layers}
    assert by_line[line_of(JSON_SOURCE, "self.q =")]["traced"] == {
        "model": "Net", "path": "q", "input": [1, 4, 8], "output": [1, 4, 8], "macs": 256,
        "params": 72}
    assert by_line[line_of(JSON_SOURCE, "lonely")]["traced"] is None


# =========================================================================== 7. CLI

CLI_SOURCE = src("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = self.conv(x).mean((2, 3))
            return self.fc(x) @ torch.ones(4, 4)

    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(16, 2)

        def forward(self, x):
            return self.head(x)
""")


@pytest.fixture
def cli_dir(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.macslint]\ninput-size = [3, 16, 16]\n")
    (tmp_path / "m.py").write_text(CLI_SOURCE)
    return tmp_path


def test_cli_report_model_prints_its_table_and_totals(cli_dir):
    proc = macslint("report", "--model", "Net", "m.py", cwd=cli_dir)
    assert proc.returncode == 0, proc.stderr
    expected = torch_counts(CLI_SOURCE, "Net", (1, 3, 16, 16))
    out = proc.stdout
    assert out.startswith(f"m.py:{line_of(CLI_SOURCE, 'class Net')}:1: model Net at 1x3x16x16\n")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:] if line.startswith("  ")}
    assert rows["conv"][1:4] == ["Conv2d", "1x3x16x16", "1x8x16x16"]
    assert rows["fc"][1:4] == ["Linear", "1x8", "1x4"]
    assert f"total: {expected.params:,} params, {expected.macs:,} MACs\n" in out
    assert "matmul" in out
    assert "Other" not in out and "head" not in out
    assert "sum of the" not in out  # only the model's table


def test_cli_report_missing_model_exits_2_listing_models(cli_dir):
    proc = macslint("report", "--model", "Missing", "m.py", cwd=cli_dir)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no model named 'Missing'" in proc.stderr
    assert "models found: Net, Other" in proc.stderr


def test_cli_report_json_model_keeps_only_that_model(cli_dir):
    proc = macslint("report", "--format", "json", "--model", "Net", "m.py", cwd=cli_dir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (file,) = data["files"]
    assert [m["name"] for m in file["models"]] == ["Net"]
    expected = torch_counts(CLI_SOURCE, "Net", (1, 3, 16, 16))
    assert (file["models"][0]["params"], file["models"][0]["macs"]) == (expected.params, expected.macs)


def test_cli_input_size_flag_beats_pragma(cli_dir):
    (cli_dir / "m.py").write_text(CLI_SOURCE.replace("class Net(nn.Module):",
                                                     "class Net(nn.Module):  # macslint: input-size=3x4x4"))
    proc = macslint("report", "--format", "json", "--model", "Net", "--input-size", "3x8x8", "m.py",
                    cwd=cli_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["files"][0]["models"][0]["input"] == [1, 3, 8, 8]


# =========================================================================== 8. execution semantics


def test_class_attribute_through_self():
    source = src("""
        class Bottleneck(nn.Module):  # macslint: input-size=4x8x8
            expansion = 4

            def __init__(self, planes=4):
                super().__init__()
                self.conv1 = nn.Conv2d(planes, planes, 1)
                self.conv2 = nn.Conv2d(planes, planes * self.expansion, 1)

            def forward(self, x):
                return self.conv2(self.conv1(x))
    """)
    model = assert_matches_torch(source, "Bottleneck")
    assert model.output == (1, 16, 8, 8)


def test_class_attribute_overridden_in_a_subclass():
    source = src("""
        class Block(nn.Module):  # macslint: input-size=4x8x8
            expansion = 1

            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(4, 4 * self.expansion, 1)

            def forward(self, x):
                return self.conv(x)

        class Wide(Block):  # macslint: input-size=4x8x8
            expansion = 4
    """)
    assert assert_matches_torch(source, "Block").output == (1, 4, 8, 8)
    assert assert_matches_torch(source, "Wide").output == (1, 16, 8, 8)


def test_super_init_chain_of_a_subclass_of_a_model():
    source = src("""
        class Base(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self, width=8):
                super().__init__()
                self.stem = nn.Conv2d(3, width, 3, padding=1)
                self.head = nn.Identity()

            def forward(self, x):
                return self.head(self.stem(x))

        class Child(Base):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__(width=16)
                self.head = nn.Conv2d(16, 4, 1)
    """)
    assert_matches_torch(source, "Base")
    child = assert_matches_torch(source, "Child")
    assert [(c.path, c.kind) for c in child.calls] == [("stem", "Conv2d"), ("head", "Conv2d")]


def test_explicit_super_with_arguments():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super(Net, self).__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_helper_method_called_from_init():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.layer1 = self._make_layer(3, 8, 2)
                self.layer2 = self._make_layer(8, 16, 1, stride=2)

            def _make_layer(self, cin, cout, n, stride=1):
                layers = []
                for i in range(n):
                    layers.append(nn.Conv2d(cin if i == 0 else cout, cout, 3,
                                            stride=stride if i == 0 else 1, padding=1))
                    layers.append(nn.ReLU(inplace=True))
                return nn.Sequential(*layers)

            def forward(self, x):
                return self.layer2(self.layer1(x))
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["layer1.0", "layer1.1", "layer1.2", "layer1.3",
                                             "layer2.0", "layer2.1"]


def test_module_dict_items_iteration():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.heads = nn.ModuleDict({"cls": nn.Linear(8, 4), "box": nn.Linear(8, 2)})
                self.heads["extra"] = nn.Linear(8, 1)

            def forward(self, x):
                outs = []
                for name, head in self.heads.items():
                    outs.append(head(x))
                return torch.cat(outs, dim=-1)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["heads.cls", "heads.box", "heads.extra"]
    assert model.output == (1, 7)


def test_module_dict_keys_and_indexing():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.heads = nn.ModuleDict()
                self.heads.update({"a": nn.Linear(8, 3), "b": nn.Linear(8, 5)})

            def forward(self, x):
                return torch.cat([self.heads[k](x) for k in self.heads], 1)
    """)
    assert assert_matches_torch(source, "Net").output == (1, 8)


def test_sequential_of_ordered_dict_paths():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(OrderedDict([
                    ("fc1", nn.Linear(8, 16)),
                    ("act", nn.ReLU()),
                    ("fc2", nn.Linear(16, 8)),
                ]))

            def forward(self, x):
                return self.body(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["body.fc1", "body.act", "body.fc2"]


def test_list_appended_then_sequential():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x16x16
            def __init__(self, widths=(8, 16, 32)):
                super().__init__()
                layers = []
                cin = 3
                for w in widths:
                    layers.append(nn.Conv2d(cin, w, 3, padding=1))
                    layers += [nn.BatchNorm2d(w), nn.ReLU()]
                    layers.append(nn.MaxPool2d(2))
                    cin = w
                self.features = nn.Sequential(*layers)

            def forward(self, x):
                return self.features(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls[-1].path == "features.11"
    assert model.output == (1, 32, 2, 2)


def test_sequential_subclass():
    source = src("""
        class Stack(nn.Sequential):  # macslint: input-size=8
            def __init__(self, n=3):
                layers = [nn.Linear(8, 8) for _ in range(n)]
                super().__init__(*layers)
    """)
    model = assert_matches_torch(source, "Stack")
    assert [c.path for c in model.calls] == ["0", "1", "2"]


def test_module_list_comprehension_of_blocks():
    source = src("""
        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.norm = nn.LayerNorm(d)
                self.fc = nn.Linear(d, d)

            def forward(self, x):
                return x + self.fc(self.norm(x))

        class Net(nn.Module):  # macslint: input-size=4x8
            def __init__(self, dims=(8, 8, 8)):
                super().__init__()
                self.blocks = nn.ModuleList([Block(d) for d in dims])
                self.out = nn.Linear(8, 2)

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return self.out(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls][:4] == ["blocks.0.norm", "blocks.0.fc", "blocks.1.norm",
                                                 "blocks.1.fc"]


def test_module_list_indexing_and_len():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(4)])

            def forward(self, x):
                for i in range(len(self.layers) - 1):
                    x = self.layers[i](x)
                return self.layers[-1](x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["layers.0", "layers.1", "layers.2", "layers.3"]


def test_module_list_slice():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(4)])

            def forward(self, x):
                for layer in self.layers[1:3]:
                    x = layer(x)
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["layers.1", "layers.2"]


@pytest.mark.parametrize("name_expr", ['f"conv{i}"', '"conv%d" % i', '"conv" + str(i)'])
def test_add_module_with_formatted_names(name_expr):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=1x16x16
            def __init__(self, stages=2):
                super().__init__()
                self.stages = stages
                cin = 1
                for i in range(stages):
                    self.add_module({name_expr}, nn.Conv2d(cin, 4 * (i + 1), 3, padding=1))
                    cin = 4 * (i + 1)

            def forward(self, x):
                for i in range(self.stages):
                    x = F.max_pool2d(getattr(self, {name_expr})(x), 2)
                return x
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["conv0", "conv1"]


def test_add_module_on_a_sequential_with_percent_names():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x8x8
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential()
                for i in range(3):
                    self.features.add_module("denselayer%d" % (i + 1), nn.Conv2d(4, 4, 3, padding=1))

            def forward(self, x):
                return self.features(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["features.denselayer1", "features.denselayer2",
                                             "features.denselayer3"]


@pytest.mark.parametrize("spelling", ["functools.partial", "partial"])
def test_partial_of_a_layer_class(spelling):
    header = HEADER + ("from functools import partial\n" if spelling == "partial" else "")
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8x6x6
            def __init__(self):
                super().__init__()
                Norm = {spelling}(nn.BatchNorm2d, eps=1e-3)
                Conv = {spelling}(nn.Conv2d, kernel_size=3, padding=1, bias=False)
                self.conv = Conv(8, 16)
                self.bn = Norm(16)

            def forward(self, x):
                return self.bn(self.conv(x))
    """, header=header)
    model = assert_matches_torch(source, "Net")
    assert model.params == 8 * 16 * 9 + 2 * 16


def test_class_with_required_init_args_is_built_inside_another():
    source = src("""
        class Block(nn.Module):
            def __init__(self, cin, cout, *, stride=1):
                super().__init__()
                self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)

            def forward(self, x):
                return F.relu(self.conv(x))

        class Net(nn.Module):  # macslint: input-size=3x16x16
            def __init__(self):
                super().__init__()
                self.a = Block(3, 8)
                self.b = Block(8, 16, stride=2)

            def forward(self, x):
                return self.b(self.a(x))
    """)
    result = analyse(source)
    assert [m.name for m in result.report.models] == ["Net"]
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["a.conv", "b.conv"]


def test_tensor_integer_index():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                return self.fc(x[:, 0])
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls[0].inputs == [(1, 10)]


def test_tensor_slices_and_none():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x[:, 1:5:2, None, :4])
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls[0].inputs == [(1, 2, 1, 4)]


def test_tensor_ellipsis_index():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x[..., :4])
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls[0].inputs == [(1, 6, 4)]


def test_out_of_range_index_is_mac011():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                y = self.fc(x)
                return y[:, 7]
    """)
    assert torch_raises(source, "Net", (1, 6, 10))
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "y[:, 7]")
    assert "1x6x10" in finding.message


def test_shape_and_size_in_a_view():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=2x3x4x5
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(60, 7)

            def forward(self, x):
                b, n = x.shape[0], x.shape[1]
                x = x.view(b, n, x.size(-1) * x.size(3) * x.shape[-3])
                return self.fc(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.calls[0].inputs == [(1, 2, 60)]


def test_size_unpacking_and_reshape():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x4x4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                b, c, h, w = x.size()
                tokens = x.reshape(b, c, h * w).transpose(1, 2)
                return self.fc(tokens).transpose(1, 2).reshape(b, c, h, w)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.output == (1, 8, 4, 4)


def test_tuple_return_is_complete_without_output():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(8, 3)
                self.b = nn.Linear(8, 5)

            def forward(self, x):
                return self.a(x), self.b(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert model.output is None
    assert model.complete


def test_chunk_and_split_outputs():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x12
            def __init__(self):
                super().__init__()
                self.qkv = nn.Linear(12, 36)
                self.out = nn.Linear(12, 12)

            def forward(self, x):
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
                return self.out(attn @ v)
    """)
    model = assert_matches_torch(source, "Net")
    assert len(model.ops) == 2


def test_empty_sequential_shortcut_returns_its_input():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4x8x8
            def __init__(self, stride=1):
                super().__init__()
                self.conv = nn.Conv2d(4, 4, 3, stride=stride, padding=1)
                self.shortcut = nn.Sequential()
                if stride != 1:
                    self.shortcut = nn.Sequential(nn.Conv2d(4, 4, 1, stride=stride))

            def forward(self, x):
                return F.relu(self.conv(x) + self.shortcut(x))
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["conv"]


def test_property_and_static_method():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, self.width(2))

            @staticmethod
            def width(k):
                return 4 * k

            @property
            def head(self):
                return self.fc

            def forward(self, x):
                return self.head(x)
    """)
    assert assert_matches_torch(source, "Net").output == (1, 8)


def test_module_level_list_constant_and_factory_function():
    source = src("""
        CFG = [16, "M", 32, "M"]

        def make_layers(cfg, in_channels=3):
            layers = []
            for v in cfg:
                if v == "M":
                    layers += [nn.MaxPool2d(2)]
                else:
                    layers += [nn.Conv2d(in_channels, v, 3, padding=1), nn.ReLU(inplace=True)]
                    in_channels = v
            return nn.Sequential(*layers)

        class Net(nn.Module):  # macslint: input-size=3x16x16
            def __init__(self, cfg=CFG):
                super().__init__()
                self.features = make_layers(cfg)

            def forward(self, x):
                return self.features(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == [f"features.{i}" for i in range(6)]


def test_module_level_config_dict():
    source = src("""
        CFG = {"width": 16, "depth": 2}

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, cfg=CFG):
                super().__init__()
                layers = [nn.Linear(8, cfg["width"])]
                for _ in range(cfg["depth"] - 1):
                    layers.append(nn.Linear(cfg["width"], cfg["width"]))
                self.net = nn.Sequential(*layers)

            def forward(self, x):
                return self.net(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["net.0", "net.1"]


def test_dict_built_in_init():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                cfg = {"width": 16, "depth": 2}
                cfg.update(depth=3)
                layers = [nn.Linear(8, cfg["width"])]
                for _ in range(cfg.get("depth") - 1):
                    layers.append(nn.Linear(cfg["width"], cfg["width"]))
                self.net = nn.Sequential(*layers)

            def forward(self, x):
                return self.net(x)
    """)
    model = assert_matches_torch(source, "Net")
    assert [c.path for c in model.calls] == ["net.0", "net.1", "net.2"]


def test_a_model_does_not_see_another_models_list_mutations():
    source = src("""
        LAYERS = []

        class A(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                LAYERS.append(nn.Linear(8, 8))
                self.net = nn.Sequential(*LAYERS)

            def forward(self, x):
                return self.net(x)

        class B(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                LAYERS.append(nn.Linear(8, 8))
                self.net = nn.Sequential(*LAYERS)

            def forward(self, x):
                return self.net(x)
    """)
    result = analyse(source)
    # each model is built from the module as the file leaves it, as torch builds it when it is
    # the first model constructed in a fresh process: one Linear each
    assert [m.params for m in result.report.models] == [72, 72]
    assert torch_counts(source, "A", (1, 8)).params == 72
    assert torch_counts(source, "B", (1, 8)).params == 72


# --------------------------------------------------------------------------- a bug of ours


def test_a_crash_tracing_one_model_loses_only_that_model(monkeypatch):
    """An exception inside the tracer is a MAC900 on that model's class line; the file's layer
    findings and the other models stay."""
    from macslint.torchnn import tracer

    original = tracer.ModelInterpreter.trace_forward

    def crash_for_broken(self, model, trace):
        if trace.name == "Broken":
            raise KeyError("lost")
        return original(self, model, trace)

    monkeypatch.setattr(tracer.ModelInterpreter, "trace_forward", crash_for_broken)
    source = src("""
        class Broken(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)

        class Fine(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source, max_layer_params=10)
    broken, fine = the_model(result, "Broken"), the_model(result, "Fine")
    assert broken.internal_error == "KeyError: 'lost'" and not broken.complete
    assert fine.complete and fine.macs == 64
    [crash] = codes(result, "MAC900")
    assert (crash.line, crash.col) == (line_of(source, "class Broken"), 1)
    assert crash.message == ("internal error tracing Broken: KeyError: 'lost'; "
                             "please report it with this file")
    assert len(codes(result, "MAC002")) == 2  # both layers are still checked


def test_block_built_with_different_widths_is_held_to_layer_budgets_where_used():
    """A block's conv has no arguments of its own (each build passes other widths): the
    traced calls carry the budgets, the costliest one named, and MAC100 stays quiet."""
    source = src("""
        class Block(nn.Module):
            def __init__(self, width):
                super().__init__()
                self.conv = nn.Conv2d(width, width, 3, padding=1)

            def forward(self, x):
                return self.conv(x)

        class Net(nn.Module):  # macslint: input-size=8x16x16
            def __init__(self):
                super().__init__()
                self.small = Block(8)
                self.grow = nn.Conv2d(8, 64, 1)
                self.big = Block(64)

            def forward(self, x):
                return self.big(self.grow(self.small(x)))
    """)
    assert_matches_torch(source, "Net")
    result = analyse(source, max_layer_macs=1_000_000, max_layer_params=10_000)
    conv_line = line_of(source, "nn.Conv2d(width")
    [mac001] = [f for f in codes(result, "MAC001") if f.line == conv_line]
    [mac002] = [f for f in codes(result, "MAC002") if f.line == conv_line]
    big_macs = 64 * 64 * 9 * 16 * 16
    assert "in Net.big.conv" in mac001.message and f"{big_macs / 1e6:.1f}M MACs" in mac001.message
    assert mac002.message.endswith("has 36.9K params in Net.big.conv, budget 10K")
    assert not [f for f in result.findings if f.code == "MAC100" and f.line == conv_line]
    assert check_source("m.py", source, Settings()).report.layers[0].resolved is False


def test_layer_moved_or_cast_is_the_same_layer():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=5
            def __init__(self):
                super().__init__()
                self.fc1 = torch.nn.Linear(5, 8).to(dtype=torch.float)
                self.fc2 = nn.Linear(8, 2).float().eval()

            def forward(self, x):
                return self.fc2.forward(self.fc1(x))
    """)
    # torch's forward hooks do not see a direct `.forward()` call; its MACs count all the same
    assert_matches_torch(source, "Net", check_calls=False)


# --------------------------------------------------------------------------- factory functions


FACTORIES = """
    class Block(nn.Module):
        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(cout)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class Net(nn.Module):
        def __init__(self, widths, num_classes=10):
            super().__init__()
            layers, cin = [], 3
            for i, w in enumerate(widths):
                layers.append(Block(cin, w, stride=2 if i else 1))
                cin = w
            self.body = nn.Sequential(*layers)
            self.fc = nn.Linear(cin, num_classes)

        def forward(self, x):
            return self.fc(self.body(x).mean((2, 3)))

    def _net(widths, **kwargs):
        return Net(widths, **kwargs)

    def net_small(**kwargs):  # macslint: input-size=3x32x32
        return _net([8, 16], **kwargs)

    def net_wide(*, num_classes=100):  # macslint: input-size=3x16x16, batch-size=2
        return _net([32, 64, 128], num_classes=num_classes)

    def head():  # macslint: input-size=64
        return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 8))

    def not_a_model(scale=2):
        return scale * 3
"""


def _factory_counts(source, name, shape):
    namespace: Dict[str, Any] = {}
    exec(compile(source, "m.py", "exec"), namespace)  # noqa: S102 - our own test source
    model = namespace[name]()
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(shape))
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


@pytest.mark.parametrize("name, shape", [("net_small", (1, 3, 32, 32)),
                                         ("net_wide", (2, 3, 16, 16)), ("head", (1, 64))])
def test_factory_function_is_a_model_with_torch_numbers(name, shape):
    source = src(FACTORIES)
    model = trace(source, name)
    assert model.complete, model.reasons
    assert model.input == shape and model.line == line_of(source, f"def {name}(")
    assert (model.params, model.macs) == _factory_counts(source, name, shape)


def test_only_functions_that_return_a_model_are_models():
    names = [m.name for m in analyse(src(FACTORIES)).report.models]
    assert names == ["net_small", "net_wide", "head"]  # Block and Net need arguments


def test_factory_settings_from_the_models_table():
    source = src(FACTORIES)
    settings = Settings(models=(("net_small", {"input_size": (3, 64, 64)}),))
    model = the_model(check_source("m.py", source, settings), "net_small")
    # the pragma on the def line is more specific than the table
    assert model.input == (1, 3, 32, 32)
    source = source.replace("def net_small(**kwargs):  # macslint: input-size=3x32x32",
                            "def net_small(**kwargs):")
    model = the_model(check_source("m.py", source, settings), "net_small")
    assert model.input == (1, 3, 64, 64)
    assert (model.params, model.macs) == _factory_counts(source, "net_small", (1, 3, 64, 64))


def test_file_budget_bounds_all_models_of_a_file(monkeypatch):
    """However many models a file has, its evaluation costs at most a fixed number of steps:
    the models past the budget end incomplete and say so."""
    from macslint.torchnn import tracer

    monkeypatch.setattr(tracer, "MAX_FILE_STEPS", 400)
    body = "".join(f"""
        class Net{i}(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.Sequential(*[nn.Linear(8, 8) for _ in range(10)])

            def forward(self, x):
                return self.layers(x)
    """ for i in range(30))
    found = analyse(src(body)).report.models
    assert len(found) == 30
    assert found[0].complete and found[0].macs == 10 * 64
    spent = [m for m in found if not m.complete]
    assert spent and all("evaluation budget of the file (400 steps for all its models) is spent"
                         in " ".join(m.reasons) for m in spent)
    assert found.index(spent[0]) + len(spent) == 30  # every model after the first cut-off


# A value macslint does not know put into a container (timm's DenseNet did this with
# add_module and a norm layer passed in as a class): an incomplete model, not MAC900.
UNKNOWN_INTO_CONTAINER = {
    "add_module": 'self.features.add_module("norm", Norm(8))',
    "insert": "self.features.insert(0, Norm(8))",
    "setitem": "self.features[0] = Norm(8)",
    "append": "self.features.append(Norm(8))",
}


@pytest.mark.parametrize("how", sorted(UNKNOWN_INTO_CONTAINER))
def test_unknown_value_put_into_a_container_makes_the_model_incomplete(how):
    source = src(f"""
        from elsewhere import Norm


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Linear(8, 8))
                {UNKNOWN_INTO_CONTAINER[how]}

            def forward(self, x):
                return self.features(x)
    """)
    result = analyse(source, input_size=(8,))
    assert [f.code for f in result.findings if f.code.startswith("MAC9")] == []
    model = the_model(result, "Net")
    assert not model.complete and model.params is None and model.macs is None
    assert "adds a value that is not a known module: the result of `Norm(...)` is not known" in reasons(model)
    assert not [m for m in result.report.models if m.shape_errors]  # the rest is not run on a guess


@pytest.mark.parametrize("how", ["add_module", "insert", "setitem"])
def test_known_module_put_into_a_container_matches_torch(how):
    source = src(f"""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Linear(8, 8))
                {UNKNOWN_INTO_CONTAINER[how].replace("Norm(8)", "nn.Linear(8, 8, bias=False)")}

            def forward(self, x):
                return self.features(x)
    """)
    assert_matches_torch(source, "Net", input_size=(8,))


def test_forward_that_takes_a_shape_is_not_a_bug_in_the_model():
    """timm's PositionalEncodingFourier: forward(shape) builds torch.zeros(shape). Fed the
    configured input tensor, the op fails because of the input, so the model is unchecked
    (with the reason), not reported as MAC011."""
    source = src("""
        class Encoding(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Conv2d(8, 8, 1)

            def forward(self, shape):
                return self.proj(torch.zeros(shape))
    """)
    result = analyse(source, input_size=(8, 4, 4))
    assert [f.code for f in result.findings if f.code in ("MAC011", "MAC900")] == []
    model = the_model(result, "Encoding")
    assert not model.complete
    assert reasons(model).startswith("the input 1x8x4x4 does not fit Encoding: `torch.zeros(shape)`: ")


def test_tensor_as_a_size_inside_the_model_is_mac011():
    source = src("""
        class Bad(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Conv2d(8, 8, 1)

            def forward(self, x):
                return torch.zeros(self.proj(x))
    """)
    with pytest.raises(TypeError):
        torch_counts(source, "Bad", (1, 8, 4, 4))
    result = analyse(source, input_size=(8, 4, 4))
    found = [f for f in result.findings if f.code == "MAC011"]
    assert len(found) == 1 and found[0].line == line_of(source, "torch.zeros(")
    assert found[0].message.startswith("`torch.zeros(self.proj(x))`: ")


def test_failure_after_an_incomplete_build_is_not_reported_as_a_bug():
    """A forward() failure on modules built under a condition macslint cannot decide is no
    proof (torchvision's maxvit_t and densenet121 were reported so): torch runs the model
    built with the branch taken. It is a reason the model is incomplete, not MAC011."""
    source = src("""
        from elsewhere import WIDE


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Linear(8, 16)
                if WIDE:
                    self.mid = nn.Linear(16, 32)
                else:
                    self.mid = nn.Linear(16, 64)
                self.head = nn.Linear(32, 4)

            def forward(self, x):
                return self.head(self.mid(self.stem(x)))
    """)
    result = analyse(source, input_size=(8,))
    assert [f.code for f in result.findings if f.code in ("MAC011", "MAC900")] == []
    model = the_model(result, "Net")
    assert not model.complete and model.shape_errors == []
    assert "forward() fails on the modules macslint could build, which may not be the model's: " \
           "torch raises at line" in reasons(model)
    # torch: one branch runs, the other raises; each known branch is traced as torch runs it
    assert_matches_torch(source.replace("from elsewhere import WIDE", "WIDE = True"), "Net",
                         input_size=(8,))
    narrow = analyse(source.replace("from elsewhere import WIDE", "WIDE = False"), input_size=(8,))
    with pytest.raises(RuntimeError):
        torch_counts(source.replace("from elsewhere import WIDE", "WIDE = False"), "Net", (1, 8))
    assert [f.code for f in narrow.findings] == ["MAC011"]


def test_modulelist_iadd_extends_in_place():
    source = src("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList()
                for width in (16, 32):
                    self.blocks += [nn.Linear(8 if width == 16 else 16, width)]

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x
    """)
    assert_matches_torch(source, "Net", input_size=(8,))



@pytest.mark.parametrize("pool, forward", [
    ("nn.MaxPool2d(2, return_indices=True)", "return self.conv(self.p(x)[0])"),
    ("nn.AdaptiveMaxPool2d(5, return_indices=True)", "y, i = self.p(x); return self.conv(y)"),
    ("nn.MaxPool1d(3, 2, return_indices=True)",
     "y, i = self.p(x.flatten(2)); return self.conv(y.unflatten(2, (31, 33)))"),
])
def test_max_pool_with_indices_returns_output_and_indices(pool, forward):
    """Regression (found by `macslint verify`): the trace held one tensor, so `[0]` indexed
    the batch and `y, i = ...` was not followed."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8x32x64
            def __init__(self):
                super().__init__()
                self.p = {pool}
                self.conv = nn.Conv2d(8, 16, 3)

            def forward(self, x):
                {forward}
    """)
    model = trace(source, "Net", batch_size=2)
    assert model.complete, model.reasons
    namespace: Dict[str, Any] = {}
    exec(compile(source, "<model>", "exec"), namespace)
    built = namespace["Net"]()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = built(torch.zeros(2, 8, 32, 64))
    assert (model.params, model.macs, model.output) == (
        sum(p.numel() for p in built.parameters()), counter.get_total_flops() // 2,
        tuple(out.shape))


def test_a_layer_that_fits_its_models_input_is_not_invalid_at_the_files(tmp_path):
    """Regression (found by the differential tests): costed on its own at the file's input
    size (3x224x224: depth 3 for a Conv3d), the layer raised, and that MAC010 stood although
    the model that uses it, at its own input size, traces it as torch runs it."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=2x8x16x16
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv3d(2, 4, 4)

            def forward(self, x):
                return self.conv(x)
    """)
    result = analyse(source)
    assert result.findings == []
    assert_matches_torch(source, "Net")
    (layer,) = result.report.layers
    assert (layer.error, layer.resolved, layer.traced["macs"]) == (
        None, False, torch_counts(source, "Net", (1, 2, 8, 16, 16)).macs)
    assert layer.reason == (
        "costed on its own at 3x224x224, torch raises: Calculated padded input size per "
        "channel: (3 x 224 x 224). Kernel size: (4 x 4 x 4). Kernel size can't be greater than "
        "actual input size")
    # on its own, outside any model, the file's input size is all there is
    alone = analyse(src("conv = nn.Conv3d(2, 4, 4)\n"))
    assert [f.code for f in alone.findings] == ["MAC010"]


@pytest.mark.parametrize("layer, message", [
    ("nn.MaxPool2d(3, padding=2)", "pad should be at most half of effective kernel size, but "
                                   "got pad=2, kernel_size=3 and dilation=1"),
    ("nn.AvgPool2d(2, stride=0)", "stride must be greater than zero, but got [0, 0]"),
    ("nn.Conv2d(8, 8, 3, dilation=0)", "dilation should be greater than zero, but got [0, 0]"),
])
def test_arguments_torch_refuses_on_the_first_call_are_mac010_at_the_layer(layer, message):
    """Regression (found by the differential tests): torch builds these and raises on their
    first call whatever the input; the error was taken for the model's input not fitting (no
    finding at all). It is the layer's arguments: MAC010 where it is built."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8x16x16
            def __init__(self):
                super().__init__()
                self.layer = {layer}

            def forward(self, x):
                return self.layer(x)
    """)
    assert torch_raises(source, "Net", (1, 8, 16, 16))
    result = analyse(source)
    line = line_of(source, "self.layer = ")
    assert [(f.line, f.code, f.message) for f in result.findings] == [
        (line, "MAC010", f"{layer[3:]} is invalid: {message}")]
    model = the_model(result, "Net")
    assert not model.complete
    assert model.reasons == [f"forward() raises: {layer[3:]} (line {line}) raises when called: "
                             f"{message}"]
