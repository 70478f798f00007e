"""Trainable and frozen parameters and the memory estimate (issue 24), against torchinfo's
summary of the same source built by torch. torchinfo's figures are shapes times element
sizes, so it runs the models on the CPU (small inputs); its two quirks are checked as such:
its input size adds the storage object's `sys.getsizeof`, and its parameter size counts
only the parameters of leaf modules that ran (these models run every leaf)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchinfo

from macslint.render.report_json import report_json
from macslint.results.memory import model_memory

from tests.torchnn.tracer_helpers import (
    analyse, declared_input, line_of, src, the_model, torch_model)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

FROZEN_BACKBONE = src("""
    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self, freeze=True):
            super().__init__()
            self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
            self.head = nn.Linear(8 * 30 * 30, 10)
            if freeze:
                for p in self.backbone.parameters():
                    p.requires_grad = False
            self.head.bias.requires_grad_(False)

        def forward(self, x):
            return self.head(self.backbone(x).flatten(1))
""")

REQUIRES_GRAD_ = src("""
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.norm = nn.GroupNorm(2, 4)

        def forward(self, x):
            return self.norm(self.conv(x))

    class Net(nn.Module):  # macslint: input-size=1x16x16
        def __init__(self):
            super().__init__()
            self.encoder = Encoder().requires_grad_(False)
            self.decoder = nn.ConvTranspose2d(4, 2, 2, stride=2)
            self.decoder.requires_grad_(False)
            self.decoder.requires_grad_()

        def forward(self, x):
            return self.decoder(self.encoder(x))
""")

NAMED = src("""
    class Net(nn.Module):  # macslint: input-size=12
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(12, 32), nn.GELU(), nn.Linear(32, 32))
            self.head = nn.Linear(32, 3)
            for name, param in self.named_parameters():
                if not name.startswith("head"):
                    param.requires_grad = False

        def forward(self, x):
            return self.head(self.body(x))
""")

FACTORY = src("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Linear(6 * 14 * 14, 10)

        def forward(self, x):
            return self.classifier(self.features(x).flatten(1))

    def frozen_net():  # macslint: input-size=3x32x32
        model = Net()
        for p in model.parameters():
            p.requires_grad_(False)
        model.classifier.requires_grad_(True)
        return model
""")

PARAMETER = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(8, 8)
            self.scale = nn.Parameter(torch.ones(8), requires_grad=False)
            self.lstm = nn.LSTM(8, 6, batch_first=True)

        def forward(self, x):
            out, _ = self.lstm(self.proj(x) * self.scale)
            return out
""")

# A module of the code's own holding only parameters, layer subclasses with a forward() of
# their own (one calling the layer's, whose output it changes): torchinfo's leaves, whose
# outputs count; a layer forward() never calls
LEAF_MODULES = src("""
    class Scale(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.gamma = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return x * self.gamma

    class LayerNorm2d(nn.LayerNorm):
        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)

    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x).repeat(1, 2)

    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.norm = LayerNorm2d(8)
            self.aux = nn.Linear(8, 8)
            self.scale = Scale(8)
            self.doubled = Doubled(8, 4)

        def forward(self, x):
            x = self.norm(self.conv(x)).mean((2, 3))
            return self.doubled(self.scale(x))
""")

# MultiheadAttention (no leaf for torchinfo) and a TransformerEncoder (traced as its parts)
ATTENTION = src("""
    class Net(nn.Module):  # macslint: input-size=6x16
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
            layer = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.head = nn.Linear(16, 4)

        def forward(self, x):
            y, _ = self.attn(x, x, x)
            return self.head(self.encoder(y))
""")

# Declared inputs with their dtypes: the embedding's output dtype, the layers' after it
TOKENS = src("""
    class Net(nn.Module):  # macslint: inputs=ids:12:int64
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 16)
            self.fc = nn.Linear(16, 4)

        def forward(self, ids):
            return self.fc(self.embed(ids))
""")

# A parameter put in a layer's place, frozen: tied, never read from the layer
TIED = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.fc.weight = nn.Parameter(torch.zeros(8, 8), requires_grad=False)
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.fc(x))
""")

# (name, source or fixture file, model): each model's trainable count and memory is torchinfo's
CASES = [
    ("frozen_backbone", FROZEN_BACKBONE, "Net"),
    ("requires_grad_", REQUIRES_GRAD_, "Net"),
    ("named_parameters", NAMED, "Net"),
    ("factory", FACTORY, "frozen_net"),
    ("parameter_and_lstm", PARAMETER, "Net"),
    ("leaf_modules", LEAF_MODULES, "Net"),
    ("attention", ATTENTION, "Net"),
    ("tokens", TOKENS, "Net"),
    ("tied", TIED, "Net"),
    ("lenet", "lenet.py", "LeNet5"),
    ("resnet", "models/resnet_basic.py", "ResNetSmall"),
    ("mobilenet", "models/mobilenet_dw.py", "MobileNetV2Tiny"),
    ("unet", "models/unet_small.py", "UNet"),
    ("alexnet", "models/alexnet_small.py", "SmallAlexNet"),
]
SETTINGS = {"lenet.py": {"input_size": (1, 32, 32)}}
# Inputs declared with a dtype (a pragma's `inputs=`), with the batch, as torch takes them
TYPED_INPUTS = {"tokens": ((1, 12), torch.int64)}


def source_of(where: str) -> str:
    return where if "\n" in where else (FIXTURES / where).read_text()


def torch_built(source: str, name: str) -> torch.nn.Module:
    """`name()` built by torch from the source: a class, or a factory called."""
    return torch_model(source, name, device="cpu")


@pytest.mark.parametrize("case, where, name", CASES, ids=[case for case, _, _ in CASES])
def test_trainable_parameters_and_memory_are_torchinfos(case, where, name):
    source = source_of(where)
    settings = SETTINGS.get(where, {})
    model = the_model(analyse(source, **settings), name)
    assert model.complete, model.reasons
    assert model.param_notes == []
    built = torch_built(source, name).eval()
    shape, dtype = TYPED_INPUTS.get(case, (declared_input(source, name, **settings),
                                           torch.float32))
    summary = torchinfo.summary(built, input_size=shape, dtypes=[dtype], verbose=0,
                                device="cpu")
    assert (model.params, model.trainable_params) == (summary.total_params,
                                                      summary.trainable_params)
    memory = model_memory(model)
    assert memory.forward_backward_bytes == summary.total_output_bytes
    x = torch.zeros(shape, dtype=dtype)
    assert memory.input_bytes == x.nelement() * x.element_size()
    assert summary.total_input == memory.input_bytes + sys_overhead(x)
    params = list(built.parameters())
    assert memory.param_bytes == sum(p.numel() * p.element_size() for p in params)
    assert summary.total_param_bytes == sum(  # torchinfo's: the leaves that ran, once each
        p.numel() * p.element_size() for m in leaves_that_run(built, x) for p in m.parameters())
    assert model.param_dtypes == {"float32": sum(p.numel() for p in params)}


def leaves_that_run(model: torch.nn.Module, x: torch.Tensor) -> list:
    ran: list = []
    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(lambda m, i, o: ran.append(m) if m not in ran else None)
               for m in leaves]
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return ran


def sys_overhead(x: torch.Tensor) -> int:
    """What torchinfo's input size adds to the bytes: the storage object's own size."""
    import sys

    return sys.getsizeof(x.untyped_storage()) - x.nelement() * x.element_size()


def test_the_frozen_parameters_are_the_ones_torch_freezes():
    model = the_model(analyse(REQUIRES_GRAD_), "Net")
    built = torch_built(REQUIRES_GRAD_, "Net")
    frozen = sum(p.numel() for p in built.parameters() if not p.requires_grad)
    assert frozen == built.encoder.conv.weight.numel() + 4 + 8 > 0
    assert model.params - model.trainable_params == frozen


UNKNOWN_FLAG = src("""
    import config

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.fc.weight.requires_grad = config.TRAIN_ALL

        def forward(self, x):
            return self.fc(x)
""")

UNDER_CONDITION = UNKNOWN_FLAG.replace(
    "self.fc.weight.requires_grad = config.TRAIN_ALL",
    "if config.FREEZE:\n            self.fc.requires_grad_(False)")

LINEAR_8 = sum(p.numel() for p in torch.nn.Linear(8, 8).parameters())

HALF = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8).half()

        def forward(self, x):
            return self.fc(x.half())
""")


@pytest.mark.parametrize("source, expected", [
    (UNKNOWN_FLAG, "sets `requires_grad` to a value that is not known"),
    (UNDER_CONDITION, "sets `requires_grad` under a condition that is not known"),
])
def test_a_flag_not_known_leaves_the_trainable_count_unknown_and_says_where(source, expected):
    result = analyse(source)
    model = the_model(result, "Net")
    assert model.params == LINEAR_8 and model.trainable_params is None
    (note,) = model.param_notes
    assert expected in note and f"(line {line_of(source, 'requires_grad')})" in note
    (data,) = report_json([result.report], "macs")["files"][0]["models"]
    assert (data["trainable_params"], data["frozen_params"]) == (None, None)
    assert data["param_notes"] == [note]


@pytest.mark.parametrize("cast", [".half()", ".to(torch.float16)", ".to('cuda', torch.float16)",
                                  ".to(dtype=torch.float64)"])
def test_a_dtype_cast_leaves_the_parameter_memory_unknown_and_says_why(cast):
    model = the_model(analyse(HALF.replace(".half()", cast, 1)), "Net")
    assert model.trainable_params == LINEAR_8 and model.param_dtypes is None
    assert model_memory(model).param_bytes is None
    assert any("may change the parameters' dtype" in note for note in model.param_notes)


def test_a_layer_built_with_a_dtype_leaves_the_parameter_memory_unknown_and_says_why():
    model = the_model(analyse(HALF.replace("nn.Linear(8, 8).half()",
                                           "nn.Linear(8, 8, dtype=torch.float16)")), "Net")
    assert model.trainable_params == LINEAR_8 and model.param_dtypes is None
    assert model_memory(model).param_bytes is None
    assert model.param_notes == ["the parameters' dtypes are not all known (a layer built with "
                                 "a `dtype`): their memory is not known"]


def test_a_device_move_changes_no_dtype():
    source = HALF.replace(".half()", ".to('cuda')").replace("x.half()", "x")
    model = the_model(analyse(source), "Net")
    assert model.param_dtypes == {"float32": LINEAR_8} and model.param_notes == []
