"""Whole-model tracing: execution semantics (attributes, containers, indexing, constants).

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations

import pytest

from macslint.units import format_shape
from tests.torchnn.tracer_helpers import (
    HEADER, src, analyse, line_of, codes, torch_counts, assert_matches_torch, declared_input,
    torch_failing_operands,
)

# assert_matches_torch compares each model's params, MACs, output shape and every leaf call's
# input and output shapes with torch's: the tests below add no number of their own.


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
    assert_matches_torch(source, "Bottleneck")


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
    block, wide = assert_matches_torch(source, "Block"), assert_matches_torch(source, "Wide")
    assert wide.output != block.output  # the subclass's expansion is used


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
    assert_matches_torch(source, "Net")


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
    assert_matches_torch(source, "Net")


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
    assert_matches_torch(source, "Net")


def test_tensor_slices_and_none():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x[:, 1:5:2, None, :4])
    """)
    assert_matches_torch(source, "Net")


def test_tensor_ellipsis_index():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x[..., :4])
    """)
    assert_matches_torch(source, "Net")


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
    (indexed,) = torch_failing_operands(source, "Net", declared_input(source, "Net"))
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "y[:, 7]")
    assert format_shape(indexed) in finding.message


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
    assert_matches_torch(source, "Net")


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
    assert_matches_torch(source, "Net")


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
    assert len(model.ops) == 2  # the two matmuls written in forward(): operations, not a count


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
    assert_matches_torch(source, "Net")


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
    assert [m.params for m in result.report.models] == [
        torch_counts(source, name, declared_input(source, name)).params for name in ("A", "B")]


def test_an_empty_container_is_false_and_a_filled_one_true():
    # Python's truth of nn.ModuleList / nn.Sequential is their length (torch's __len__).
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.empty = nn.ModuleList()
                self.filled = nn.Sequential(nn.Linear(8, 8))
                if self.empty:
                    self.extra = nn.Linear(8, 64)
                if self.filled:
                    self.head = nn.Linear(8, 4)

            def forward(self, x):
                return self.head(self.filled(x))
    """)
    assert_matches_torch(source, "Net")
