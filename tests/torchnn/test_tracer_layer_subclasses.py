"""The project's subclasses of torch.nn layers and containers (issues 19 and 22): CLIP's
`class LayerNorm(nn.LayerNorm)`, torchvision's `Conv3DSimple(nn.Conv3d)`, densenet's
`_DenseBlock(nn.ModuleDict)` and `_Transition(nn.Sequential)`, timm's `Conv2dSame(nn.Conv2d)`,
`BatchNormAct2d(nn.BatchNorm2d)` and `LayerNorm2d(nn.LayerNorm)`, pytorch/examples'
`TransformerModel(nn.Transformer)`.

Such an instance is a module of the project whose torch part is the layer `super().__init__`
builds: its parameters counted as torch's, its attributes (`self.weight`, `self.stride`)
readable, its forward the layer's where the subclass has none (and `super().forward(x)`).
Every number comes from torch running the same source (tracer_helpers); each leaf call as
torch's forward hooks see it, the subclass instances included (`torch_leaf_calls`). Where
torch refuses the model, macslint counts nothing and says why.
"""

from __future__ import annotations

import pytest
import torch

from macslint.costmodel import LAYERS
from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src, the_model,
    torch_counts_inputs, torch_leaf_calls, torch_model, trace,
)


def matches_torch_with_subclasses(source: str, name: str):
    """Totals as torch's, and every leaf call, the subclass instances included."""
    model = assert_matches_torch(source, name, check_calls=False)
    got = [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path]
    assert got == torch_leaf_calls(source, name, declared_input(source, name))
    return model


# --------------------------------------------------------------------- subclasses of layers

CLIP = src("""
    class LayerNorm(nn.LayerNorm):
        \"\"\"Subclass torch's LayerNorm to handle fp16.\"\"\"

        def forward(self, x):
            ret = super().forward(x.float())
            return ret.type_as(x)


    class QuickGELU(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(1.702 * x)


    class Block(nn.Module):  # macslint: input-size=4x16
        def __init__(self, width=16):
            super().__init__()
            self.ln_1 = LayerNorm(width)
            self.c_fc = nn.Linear(width, width * 4)
            self.gelu = QuickGELU()
            self.c_proj = nn.Linear(width * 4, width)

        def forward(self, x):
            return x + self.c_proj(self.gelu(self.c_fc(self.ln_1(x))))
""")


def test_clip_layer_norm_subclass_calls_super_forward():
    model = matches_torch_with_subclasses(CLIP, "Block")
    assert [c.kind for c in model.calls][0] == "LayerNorm"
    assert model.containers["ln_1"][0] == "LayerNorm"


VIDEO = src("""
    class Conv3DSimple(nn.Conv3d):
        def __init__(self, in_planes, out_planes, midplanes=None, stride=1, padding=1):
            super().__init__(
                in_channels=in_planes,
                out_channels=out_planes,
                kernel_size=(3, 3, 3),
                stride=stride,
                padding=padding,
                bias=False,
            )

        @staticmethod
        def get_downsample_stride(stride):
            return stride, stride, stride


    class Stem(nn.Module):  # macslint: input-size=3x4x16x16
        def __init__(self, conv_builder=Conv3DSimple):
            super().__init__()
            stride = conv_builder.get_downsample_stride(2)
            self.conv1 = conv_builder(3, 8)
            self.bn1 = nn.BatchNorm3d(self.conv1.out_channels)
            self.conv2 = conv_builder(8, 16, None, stride)
            self.down = nn.Conv3d(8, 16, kernel_size=1, stride=self.conv2.stride, bias=False)

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            return self.conv2(x) + self.down(x)
""")


def test_torchvision_conv3d_simple_has_the_layers_forward():
    model = matches_torch_with_subclasses(VIDEO, "Stem")
    assert [(c.path, c.kind) for c in model.calls] == [
        ("conv1", "Conv3DSimple"), ("bn1", "BatchNorm3d"), ("conv2", "Conv3DSimple"),
        ("down", "Conv3d")]


TIMM = src("""
    import math


    def get_same_padding(x, kernel_size, stride, dilation):
        return max((math.ceil(x / stride) - 1) * stride + (kernel_size - 1) * dilation + 1 - x, 0)


    def pad_same(x, kernel_size, stride, dilation=(1, 1), value=0):
        ih, iw = x.size()[-2:]
        pad_h = get_same_padding(ih, kernel_size[0], stride[0], dilation[0])
        pad_w = get_same_padding(iw, kernel_size[1], stride[1], dilation[1])
        x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2), value=value)
        return x


    def conv2d_same(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        x = pad_same(x, weight.shape[-2:], stride, dilation)
        return F.conv2d(x, weight, bias, stride, (0, 0), dilation, groups)


    class Conv2dSame(nn.Conv2d):
        \"\"\"Tensorflow like 'SAME' convolution wrapper for 2D convolutions\"\"\"

        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                     dilation=1, groups=1, bias=True):
            super(Conv2dSame, self).__init__(
                in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)

        def forward(self, x):
            return conv2d_same(x, self.weight, self.bias, self.stride, self.padding,
                               self.dilation, self.groups)


    class BatchNormAct2d(nn.BatchNorm2d):
        def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                     track_running_stats=True, apply_act=True, act_layer=nn.ReLU, inplace=True,
                     drop_layer=None):
            super().__init__(num_features, eps=eps, momentum=momentum, affine=affine,
                             track_running_stats=track_running_stats)
            self.drop = drop_layer() if drop_layer is not None else nn.Identity()
            self.act = act_layer(inplace=inplace) if apply_act else nn.Identity()

        def forward(self, x):
            x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             False, 0.0, self.eps)
            x = self.drop(x)
            x = self.act(x)
            return x


    class Stem(nn.Module):  # macslint: input-size=3x15x15
        def __init__(self):
            super().__init__()
            self.conv = Conv2dSame(3, 8, 3, stride=2)
            self.bn = BatchNormAct2d(8)
            self.conv_dw = Conv2dSame(8, 8, 5, groups=8, bias=False)

        def forward(self, x):
            return self.conv_dw(self.bn(self.conv(x)))
""")


def test_timm_conv2d_same_reads_the_layers_attributes():
    """Conv2dSame's forward pads by `self.weight.shape[-2:]` and `self.stride` (a pair, as
    torch keeps it: `stride[0]`) and calls F.conv2d with the weight and bias (costed as the
    Conv2d the weight describes, on the padded input); timm's BatchNormAct2d reads the buffers
    and parameters for F.batch_norm. Totals torch's."""
    model = assert_matches_torch(TIMM, "Stem", check_calls=False)
    assert [(op.op, op.inputs[0], op.output) for op in model.ops] == [
        ("F.conv2d", (1, 3, 17, 17), (1, 8, 8, 8)), ("F.conv2d", (1, 8, 12, 12), (1, 8, 8, 8))]
    assert model.containers["conv"] == ("Conv2dSame", 3 * 8 * 9 + 8)


NORMS = src("""
    class LayerNorm2d(nn.LayerNorm):
        \"\"\"LayerNorm for channels of '2D' spatial NCHW tensors\"\"\"

        def __init__(self, num_channels, eps=1e-6, affine=True):
            super().__init__(num_channels, eps=eps, elementwise_affine=affine)

        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            x = x.permute(0, 3, 1, 2)
            return x


    class BatchNormAct2d(nn.BatchNorm2d):
        \"\"\"timm 0.4's: the BatchNorm's own forward, then the children.\"\"\"

        def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                     track_running_stats=True, apply_act=True, act_layer=nn.ReLU, inplace=True,
                     drop_block=None):
            super(BatchNormAct2d, self).__init__(
                num_features, eps=eps, momentum=momentum, affine=affine,
                track_running_stats=track_running_stats)
            self.drop = drop_block() if drop_block is not None else nn.Identity()
            self.act = act_layer(inplace=inplace) if apply_act else nn.Identity()

        def forward(self, x):
            x = super(BatchNormAct2d, self).forward(x)
            x = self.drop(x)
            x = self.act(x)
            return x


    class Stem(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.bn = BatchNormAct2d(self.conv.out_channels, affine=False)
            self.norm = LayerNorm2d(self.bn.num_features)
            self.mix = nn.Conv2d(8, 8, self.conv.kernel_size, padding=self.conv.kernel_size[0] // 2)

        def forward(self, x):
            return self.mix(self.norm(self.bn(self.conv(x))))
""")


def test_timm_norm_subclasses():
    """LayerNorm2d's F.layer_norm gets `self.normalized_shape` (a tuple, as torch keeps it),
    `self.weight`, `self.bias`, `self.eps`; BatchNormAct2d calls super().forward(x), recorded
    at its path, before its children's calls (torch's hooks see only its leaves: the hook
    of a module with children fires after theirs)."""
    model = assert_matches_torch(NORMS, "Stem", check_calls=False)
    assert [(c.path, c.kind) for c in model.calls] == [
        ("conv", "Conv2d"), ("bn", "BatchNormAct2d"), ("bn.drop", "Identity"),
        ("bn.act", "ReLU"), ("mix", "Conv2d")]
    leaves = [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path != "bn"]
    # LayerNorm2d, a leaf torch's hooks see, runs a forward of its own: F.layer_norm is an
    # operation of it (in the totals), not a call of its LayerNorm
    expected = torch_leaf_calls(NORMS, "Stem", (1, 3, 8, 8))
    assert [c[:2] for c in expected if c[0] == "norm"] == [("norm", "LayerNorm2d")]
    assert leaves == [c for c in expected if c[0] != "norm"]


EXTRAS = src("""
    class ScaledLinear(nn.Linear):
        def __init__(self, in_features, out_features):
            super().__init__(in_features, out_features)
            self.scale = nn.Parameter(torch.ones(out_features))
            self.act = nn.GELU()

        def forward(self, x):
            return self.act(super().forward(x) * self.scale)


    class Swish(nn.SiLU):
        pass


    class Net(nn.Module):  # macslint: input-size=5x8
        def __init__(self):
            super().__init__()
            self.fc = ScaledLinear(8, 32)
            self.swish = Swish()
            self.out = ScaledLinear(self.fc.out_features, 4)

        def forward(self, x):
            return self.out(self.swish(self.fc(x)))
""")


def test_attributes_a_subclass_adds_count_too():
    """The subclass's own parameter and child beside the Linear's weight and bias; a subclass
    that adds nothing (`Swish(nn.SiLU)`, built with no arguments) is the layer itself."""
    model = assert_matches_torch(EXTRAS, "Net", check_calls=False)
    assert model.containers["fc"] == ("ScaledLinear", 8 * 32 + 32 + 32)
    got = [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls]
    # super().forward(x) inside ScaledLinear's own forward: the Linear, at the instance's path
    assert got == [("fc", "ScaledLinear", (1, 5, 8), (1, 5, 32)), ("fc.act", "GELU", (1, 5, 32), (1, 5, 32)),
                   ("swish", "Swish", (1, 5, 32), (1, 5, 32)),
                   ("out", "ScaledLinear", (1, 5, 32), (1, 5, 4)), ("out.act", "GELU", (1, 5, 4), (1, 5, 4))]


HEAD = src("""
    class Head(nn.Linear):  # macslint: input-size=16
        def __init__(self, classes=10):
            super().__init__(16, classes)
""")


def test_a_model_that_is_a_layer_subclass():
    model = assert_matches_torch(HEAD, "Head")
    assert model.params == 16 * 10 + 10


# ----------------------------------------------------------------- subclasses of containers

DENSENET = src("""
    class _DenseLayer(nn.Module):
        def __init__(self, num_input_features, growth_rate, bn_size):
            super().__init__()
            self.norm1 = nn.BatchNorm2d(num_input_features)
            self.relu1 = nn.ReLU(inplace=True)
            self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1,
                                   stride=1, bias=False)
            self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
            self.relu2 = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1,
                                   padding=1, bias=False)

        def forward(self, input):
            prev_features = torch.cat(input, 1)
            bottleneck_output = self.conv1(self.relu1(self.norm1(prev_features)))
            return self.conv2(self.relu2(self.norm2(bottleneck_output)))


    class _DenseBlock(nn.ModuleDict):
        _version = 2

        def __init__(self, num_layers, num_input_features, bn_size, growth_rate):
            super().__init__()
            for i in range(num_layers):
                layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size)
                self.add_module("denselayer%d" % (i + 1), layer)

        def forward(self, init_features):
            features = [init_features]
            for name, layer in self.items():
                new_features = layer(features)
                features.append(new_features)
            return torch.cat(features, 1)


    class _Transition(nn.Sequential):
        def __init__(self, num_input_features, num_output_features):
            super().__init__()
            self.norm = nn.BatchNorm2d(num_input_features)
            self.relu = nn.ReLU(inplace=True)
            self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1,
                                  stride=1, bias=False)
            self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


    class DenseNet(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self, growth_rate=4, block_config=(2, 3), num_init_features=8, bn_size=2):
            super().__init__()
            self.features = nn.Sequential(OrderedDict([
                ("conv0", nn.Conv2d(3, num_init_features, kernel_size=3, padding=1, bias=False)),
            ]))
            num_features = num_init_features
            for i, num_layers in enumerate(block_config):
                block = _DenseBlock(num_layers, num_features, bn_size, growth_rate)
                self.features.add_module("denseblock%d" % (i + 1), block)
                num_features = num_features + num_layers * growth_rate
                if i != len(block_config) - 1:
                    trans = _Transition(num_features, num_features // 2)
                    self.features.add_module("transition%d" % (i + 1), trans)
                    num_features = num_features // 2
            self.classifier = nn.Linear(num_features, 10)

        def forward(self, x):
            features = self.features(x)
            out = F.adaptive_avg_pool2d(F.relu(features), (1, 1))
            return self.classifier(torch.flatten(out, 1))
""")


def test_densenet_module_dict_and_sequential_subclasses():
    model = assert_matches_torch(DENSENET, "DenseNet")
    assert "features.denseblock2.denselayer3.conv2" in [c.path for c in model.calls]
    assert model.containers["features.denseblock1"][0] == "_DenseBlock"


STACK = src("""
    class Stack(nn.ModuleList):
        def __init__(self, width, depth):
            super().__init__([nn.Linear(width, width) for _ in range(depth - 1)])
            self.append(nn.Linear(width, 2))

        def forward(self, x):
            for i in range(len(self) - 1):
                x = torch.relu(self[i](x))
            return self[-1](x)


    class Table(nn.ModuleDict):
        def __init__(self):
            super().__init__({"a": nn.Linear(8, 8)})
            self["b"] = nn.Linear(8, 8)
            self.update({"c": nn.Tanh()})

        def forward(self, x):
            for key in self:
                x = self[key](x)
            return sum(1 for _ in self.values()) * x


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.table = Table()
            self.stack = Stack(8, 3)

        def forward(self, x):
            return self.stack(self.table(x))
""")


def test_module_list_and_dict_subclasses_with_their_own_forward():
    model = assert_matches_torch(STACK, "Net")
    assert [c.path for c in model.calls] == ["table.a", "table.b", "table.c", "stack.0",
                                             "stack.1", "stack.2"]


# ------------------------------------------------------------------------ what torch refuses

BAD_GROUPS = src("""
    class GroupedConv(nn.Conv2d):
        def __init__(self, channels):
            super().__init__(channels, 8, 3, groups=2)


    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.conv = GroupedConv(3)

        def forward(self, x):
            return self.conv(x)
""")


def test_invalid_arguments_to_super_init_raise_as_torch_does():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        torch_model(BAD_GROUPS, "Net")
    result = analyse(BAD_GROUPS)
    model = the_model(result, "Net")
    assert not model.complete and model.params is None and model.macs is None
    assert "divisible by groups" in reasons(model)
    assert [f.line for f in codes(result, "MAC010")] == [line_of(BAD_GROUPS, "super().__init__(channels")]


TRANSFORMER = src("""
    class TransformerModel(nn.Transformer):  # macslint: inputs=src:12:int64, batch-size=3
        def __init__(self, ntoken=100, ninp=16, nhead=2, nhid=32, nlayers=1):
            super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead,
                                                   dim_feedforward=nhid,
                                                   num_encoder_layers=nlayers)
            self.model_type = 'Transformer'
            self.src_mask = None
            self.input_emb = nn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)

        def forward(self, src):
            src = self.input_emb(src) * math.sqrt(self.ninp)
            output = self.encoder(src, mask=self.src_mask)
            output = self.decoder(output)
            return F.log_softmax(output, dim=-1)
""", header="import math\n" + HEADER)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_a_subclass_of_nn_transformer_is_the_modules_torch_builds():
    """pytorch/examples' TransformerModel: `super().__init__` builds torch's encoder and
    decoder stacks into it, `self.decoder = nn.Linear(...)` replaces the decoder (its
    parameters are not the model's any more), and `self.encoder(...)` runs torch's stack."""
    inputs = [(None, (3, 12), torch.int64)]
    model = trace(TRANSFORMER, "TransformerModel")
    assert model.complete, model.reasons
    expected = torch_counts_inputs(TRANSFORMER, "TransformerModel", inputs)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    assert [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls] == expected.calls
    assert model.containers["encoder"][0] == "TransformerEncoder"
    assert "decoder.layers" not in {c.path.rsplit(".", 2)[0] for c in model.calls}


UNCATALOGUED_SUBCLASS = src("""
    class Norm(nn.LocalResponseNorm):  # macslint: input-size=4x8
        def __init__(self, size=2):
            super().__init__(size)
""")


def test_a_subclass_of_an_uncatalogued_layer_says_so(monkeypatch):
    # every public torch.nn layer is catalogued (issue 21): LocalResponseNorm is taken out
    monkeypatch.delitem(LAYERS, "LocalResponseNorm")
    torch_model(UNCATALOGUED_SUBCLASS, "Norm")  # torch builds it: the model is real
    model = trace(UNCATALOGUED_SUBCLASS, "Norm")
    assert not model.complete and model.params is None and model.macs is None
    assert "torch.nn.LocalResponseNorm is not in macslint's layer catalogue" in reasons(model)
    assert "not an nn.Module" not in reasons(model)
