"""Whole-model tracing: crashes of ours, factory functions, values put into containers, first-call errors.

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations

from typing import Any, Dict

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.engine import check_source
from macslint.units import format_count, format_shape
from tests.torchnn.tracer_helpers import (
    src, analyse, the_model, trace, line_of, reasons, codes, torch_counts, assert_matches_torch, torch_raises,
    declared_input, torch_layer_counts,
)


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
    assert fine.complete and fine.macs == torch_counts(source, "Fine", declared_input(source, "Fine")).macs
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
    result = analyse(source, max_layer_macs=1_000_000, max_layer_params=10_000)  # budgets, not counts
    conv_line = line_of(source, "nn.Conv2d(width")
    [mac001] = [f for f in codes(result, "MAC001") if f.line == conv_line]
    [mac002] = [f for f in codes(result, "MAC002") if f.line == conv_line]
    # the costliest build, Block(64), as torch runs it inside Net
    ran = torch_counts(source, "Net", declared_input(source, "Net"))
    calls = {path: inputs for path, _, inputs, _ in ran.calls}
    big = torch_layer_counts("nn.Conv2d(width, width, 3, padding=1)", calls["big.conv"], width=64)
    assert mac001.message.endswith(f"costs {format_count(big.macs)} MACs at {format_shape(calls['big.conv'])} "
                                   "in Net.big.conv, budget 1M")
    assert mac002.message.endswith(f"has {format_count(big.params)} params in Net.big.conv, budget 10K")
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
    exec(compile(source, "m.py", "exec", dont_inherit=True), namespace)  # noqa: S102 - our own test source
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

    monkeypatch.setattr(tracer, "MAX_FILE_STEPS", 400)  # a budget of evaluation steps
    body = "".join(f"""
        class Net{i}(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.Sequential(*[nn.Linear(8, 8) for _ in range(10)])

            def forward(self, x):
                return self.layers(x)
    """ for i in range(30))
    found = analyse(src(body)).report.models
    assert len(found) == 30  # the classes written above
    first = torch_counts(src(body), "Net0", declared_input(src(body), "Net0"))
    assert found[0].complete and found[0].macs == first.macs
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
        torch_counts(source, "Bad", declared_input(source, "Bad", input_size=(8, 4, 4)))
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
        torch_counts(source.replace("from elsewhere import WIDE", "WIDE = False"), "Net",
                     declared_input(source, "Net", input_size=(8,)))
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
    exec(compile(source, "<model>", "exec", dont_inherit=True), namespace)
    built = namespace["Net"]()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = built(torch.zeros(declared_input(source, "Net", batch_size=2)))
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
        None, False, torch_counts(source, "Net", declared_input(source, "Net")).macs)
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
    assert torch_raises(source, "Net", declared_input(source, "Net"))
    result = analyse(source)
    line = line_of(source, "self.layer = ")
    assert [(f.line, f.code, f.message) for f in result.findings] == [
        (line, "MAC010", f"{layer[3:]} is invalid: {message}")]
    model = the_model(result, "Net")
    assert not model.complete
    assert model.reasons == [f"forward() raises: {layer[3:]} (line {line}) raises when called: "
                             f"{message}"]
