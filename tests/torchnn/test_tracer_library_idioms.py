"""Idioms of real model libraries (issue 22), on small self-contained models; every number
from torch running the same source (tracer_helpers)."""

from __future__ import annotations

import textwrap

import pytest
import torch

from macslint.config import Settings
from macslint.engine import check_file

from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, reasons, src, the_model, torch_model, trace,
)


@pytest.mark.parametrize("condition", [
    "torch.jit.is_scripting()", "torch.jit.is_tracing()", "torch._C._get_tracing_state()",
    "torch.compiler.is_compiling()", "torch.onnx.is_in_onnx_export()",
    "not torch.jit.is_scripting() and not torch.jit.is_tracing() and x.shape[0] > 5",
])
def test_an_eager_run_is_not_scripted_traced_or_compiled(condition):
    """torchvision's StochasticDepth and GoogLeNet branch on these: torch counts the eager
    path (False; no tracing state)."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.aux = nn.Linear(4, 8)

            def forward(self, x):
                if {condition}:
                    return self.aux(x)
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


CONFIGS = src("""
    @dataclass
    class _Config:
        width: int
        depth: int
        block: Callable[..., nn.Module]


    class WideConfig(_Config):
        # torchvision's MBConvConfig: a subclass of a dataclass whose __init__ computes the
        # fields, then calls the generated one
        def __init__(self, width, depth, mult=2, block=None):
            if block is None:
                block = nn.Linear
            super().__init__(width * mult, depth, block)


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self, settings=None):
            super().__init__()
            if settings is None:
                narrow = functools.partial(WideConfig, mult=1)
                settings = [WideConfig(2, 2), narrow(3, 1), _Config(5, 1, nn.Linear)]
            if not all(isinstance(s, _Config) for s in settings):
                raise TypeError("bad settings")
            if any(isinstance(s, nn.Module) for s in settings):
                raise TypeError("modules are not settings")
            layers, width = [], 4
            for s in settings:
                for _ in range(s.depth):
                    layers.append(s.block(width, s.width))
                    width = s.width
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            return self.body(x)
""", header=HEADER + "from dataclasses import dataclass\nfrom typing import Callable\n")


def test_isinstance_over_configs_that_subclass_a_dataclass():
    assert_matches_torch(CONFIGS, "Net")


def test_a_model_is_traced_in_eval_mode():
    """GoogLeNet's and Inception's auxiliary heads run only `if self.training`: torch counts
    the model in eval mode (the convention), so they cost nothing; a submodule's own
    `self.training` is False too."""
    source = src("""
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                return self.fc(x) if self.training else x


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.aux = nn.Linear(4, 16)
                self.head = Head()

            def forward(self, x):
                if self.training:
                    self.aux(x)
                return self.head(self.fc(x))
    """)
    model = assert_matches_torch(source, "Net", check_calls=False)
    assert model.macs == 16


def test_getattr_with_a_default_on_a_container_subclass():
    """`getattr(block, "_is_cn", False)` over the blocks of a network: a Sequential subclass
    without the attribute gives the default, as torch's AttributeError does (torchvision's
    LR-ASPP picks its stages so)."""
    source = src("""
        class ConvNorm(nn.Sequential):
            def __init__(self, c):
                super().__init__(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))
                self.out_channels = c


        class Block(nn.Module):
            def __init__(self, c, stride):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 1)
                self._is_cn = stride > 1

            def forward(self, x):
                return self.conv(x)


        class Net(nn.Module):  # macslint: input-size=4x8x8
            def __init__(self):
                super().__init__()
                blocks = [ConvNorm(4), Block(4, 1), Block(4, 2), Block(4, 1), ConvNorm(4)]
                stages = [i for i, b in enumerate(blocks) if getattr(b, "_is_cn", False)]
                self.body = nn.Sequential(*blocks[:stages[0] + 1])
                self.head = nn.Conv2d(blocks[-1].out_channels, 3 + len(stages), 1)

            def forward(self, x):
                return self.head(self.body(x))
    """)
    assert_matches_torch(source, "Net")


WEIGHTS = src("""
    @dataclass
    class Weights:
        url: str
        meta: dict


    class WeightsEnum(Enum):
        # torchvision's way: members hold the weights' metadata; `verify` checks a choice
        @classmethod
        def verify(cls, obj: Any) -> Any:
            if obj is not None:
                if type(obj) is str:
                    obj = cls[obj.replace(cls.__name__ + ".", "")]
                elif not isinstance(obj, cls):
                    raise TypeError("bad weights")
            return obj

        @property
        def meta(self):
            return self.value.meta


    class NetWeights(WeightsEnum):
        SMALL = Weights(url="a", meta={"categories": ["a", "b", "c"], "width": 8})
        LARGE = Weights(url="b", meta={"categories": ["a"] * 10, "width": 16})
        DEFAULT = SMALL


    class Size(IntEnum):
        ONE = auto()
        TWO = auto()


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self, weights=NetWeights.LARGE, other="NetWeights.DEFAULT"):
            super().__init__()
            weights = NetWeights.verify(weights)
            other = NetWeights.verify(other)
            classes = len(weights.meta["categories"]) if weights is not None else 1000
            width = NetWeights["SMALL"].value.meta["width"] if other is NetWeights.SMALL else 1
            self.fc = nn.Linear(4, classes + Size.TWO + width)
            self.extra = nn.Linear(4, 2) if type(classes) is int and type(self) is Net else None

        def forward(self, x):
            return self.fc(x)
""", header=HEADER + "from dataclasses import dataclass\nfrom enum import Enum, IntEnum, auto\n"
                     "from typing import Any\n")


def test_enums_of_weights_choose_the_architecture():
    """An Enum's members (with aliases), a classmethod that looks one up by name, a property
    reading its value, `is` between members, an IntEnum with auto(), type() of values."""
    model = assert_matches_torch(WEIGHTS, "Net", check_calls=False)
    assert model.params == 4 * 20 + 20 + 4 * 2 + 2


def test_module_and_name_of_the_projects_classes_and_functions(tmp_path):
    """torchvision's `_log_api_usage_once(obj)` (in constructors and in forward): reads
    `obj.__module__`, `isinstance(obj, FunctionType)`, `obj.__name__`. The model is counted
    as torch counts it, and the branch on the module's name is decided (no note)."""
    name = f"pkg_{tmp_path.name}"  # a name no other test's package has (sys.modules)
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "usage.py").write_text(textwrap.dedent('''
        from types import FunctionType


        def log_usage(obj):
            module = obj.__module__
            if not module.startswith("pkg"):
                module = f"internal.{module}"
            name = obj.__class__.__name__
            if isinstance(obj, FunctionType):
                name = obj.__name__
            return f"{module}.{name}"
    '''))
    (package / "net.py").write_text(textwrap.dedent('''
        import torch
        import torch.nn as nn

        from .usage import log_usage


        def drop(x):
            log_usage(drop)
            return x


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                log_usage(self)
                named = log_usage(drop).endswith(".net.drop") and log_usage(self).endswith(
                    ".net.Net")
                self.fc = nn.Linear(4, 4 if named else 5)

            def forward(self, x):
                return drop(self.fc(x))
    '''))
    result = check_file(package / "net.py", f"{name}/net.py", Settings())
    model = the_model(result, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs) == torch_counts_of_package(tmp_path, f"{name}.net",
                                                                 "Net", (1, 4))


def torch_counts_of_package(root, module: str, name: str, shape) -> tuple:
    """Params and MACs (flops / 2 on meta, eval mode) of `module.name()`, imported by torch
    from the package under `root`."""
    import importlib
    import sys

    from torch.utils.flop_counter import FlopCounterMode

    sys.path.insert(0, str(root))
    try:
        with torch.device("meta"):
            net = getattr(importlib.import_module(module), name)().eval()
            with FlopCounterMode(display=False) as counter:
                net(torch.zeros(shape))
    finally:
        sys.path.remove(str(root))
        for loaded in [m for m in sys.modules if m == module.split(".")[0] or
                       m.startswith(module.split(".")[0] + ".")]:
            del sys.modules[loaded]
    return sum(p.numel() for p in net.parameters()), counter.get_total_flops() // 2


def test_copies_of_configs_and_deep_copies_of_modules():
    """EfficientNet copies a stage's config before changing a block's channels
    (`copy.copy(cnf)`); transformers clone a layer (`copy.deepcopy`), each copy with its own
    parameters, which torch counts again."""
    source = src("""
        @dataclass
        class Stage:
            input_channels: int
            out_channels: int
            num_layers: int


        class Net(nn.Module):  # macslint: input-size=4x8x8
            def __init__(self):
                super().__init__()
                layers = []
                first = Stage(4, 8, 2)
                for cnf in [first, Stage(8, 6, 3)]:
                    for index in range(cnf.num_layers):
                        block = copy.copy(cnf)
                        if index:
                            block.input_channels = block.out_channels
                        layers.append(nn.Conv2d(block.input_channels, block.out_channels, 1))
                self.body = nn.Sequential(*layers)
                head = nn.Conv2d(6, 6, 3, padding=1)
                self.heads = nn.ModuleList([copy.deepcopy(head) for _ in range(2)])
                settings = copy.deepcopy({"widths": [6, 2]})
                settings["widths"].append(1)
                self.out = nn.Conv2d(6, sum(settings["widths"]) + first.input_channels, 1)

            def forward(self, x):
                x = self.body(x)
                for head in self.heads:
                    x = head(x)
                return self.out(x)
    """, header=HEADER + "import copy\nfrom dataclasses import dataclass\n")
    assert_matches_torch(source, "Net")


def test_attributes_set_on_built_layers():
    """SSD's VGG sets `pool.ceil_mode = True` on a built pool; Inception marks its Linear
    with `fc.stddev = 0.1` for its initialiser; a convolution's stride set after building
    is what its forward uses. torch counts the layers as changed."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x15x15
            def __init__(self):
                super().__init__()
                features = [nn.Conv2d(3, 8, 3), nn.MaxPool2d(2), nn.Conv2d(8, 8, 3)]
                features[1].ceil_mode = True
                features[2].stride = 2
                self.features = nn.Sequential(*features)
                self.fc = nn.Linear(8 * 3 * 3, 10)
                self.fc.stddev = 0.1
                self.head = nn.Linear(10, 20 if self.fc.stddev < 0.5 else 30)

            def forward(self, x):
                return self.head(self.fc(self.features(x).flatten(1)))
    """)
    assert_matches_torch(source, "Net")


def test_swapaxes_and_swapdims_in_a_forward():
    """MaxViT swaps axes with torch.swapaxes; a view after the swap back is accepted."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(6, 3)

            def forward(self, x):
                y = self.fc(torch.swapaxes(x, 1, 2))
                return torch.swapdims(y.swapaxes(1, 2), 2, 1).view(1, -1)
    """)
    assert_matches_torch(source, "Net")


QUANTIZABLE = src("""
    def replace_relu(module):
        # torchvision's _replace_relu: exact types only, replaced through `_modules`
        reassign = {}
        for name, mod in module.named_children():
            replace_relu(mod)
            if type(mod) is nn.ReLU or type(mod) is nn.ReLU6:
                reassign[name] = nn.ReLU(inplace=False)
        for key, value in reassign.items():
            module._modules[key] = value


    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)
            self.relu = nn.ReLU6()
            self.add_relu = nn.quantized.FloatFunctional()
            self.ops = torch.ao.nn.quantized.FloatFunctional()

        def forward(self, x):
            y = self.add_relu.add_relu(self.relu(self.conv(x)), x)
            y = self.ops.mul_scalar(self.ops.add_scalar(y, 1.0), 0.5)
            z = self.ops.matmul(y, y.transpose(2, 3))
            return self.ops.cat([self.ops.mul(y, z), self.ops.add(y, z)], dim=1)


    class Net(nn.Module):  # macslint: input-size=4x6x6
        def __init__(self):
            super().__init__()
            self.quant = torch.ao.quantization.QuantStub()
            self.block = Block()
            self.dequant = DeQuantStub()
            self.tail = nn.Sequential(nn.ReLU6())
            replace_relu(self)
            replaced = type(self.block.relu) is nn.ReLU and type(self.quant) is not nn.ReLU \
                and type(self.tail[0]) is nn.ReLU
            self.head = nn.Conv2d(8, 3 if replaced else 5, 1)

        def forward(self, x):
            return self.head(self.dequant(self.block(self.quant(x))))
""", header=HEADER + "from torch.ao.quantization import DeQuantStub\n")


def test_quantization_stubs_and_float_functional_in_a_float_model():
    """torchvision's quantizable models with quantize=False: the stubs return their input,
    FloatFunctional's methods are torch's ops (matmul's MACs counted), no parameters."""
    model = assert_matches_torch(QUANTIZABLE, "Net", check_calls=False)
    assert model.macs > 4 * 4 * 9 * 36  # the conv and the matmul


def test_a_float_functional_called_as_a_module_raises_as_torch_does():
    source = QUANTIZABLE.replace("return self.head(self.dequant(self.block(self.quant(x))))",
                                 "return self.block.ops(x)")
    model = trace(source, "Net")
    assert model.macs is None and "FloatFunctional is not intended" in reasons(model)
    with pytest.raises(RuntimeError, match="FloatFunctional is not intended"):
        torch_model(source, "Net")(torch.zeros(1, 4, 6, 6, device="meta"))


def test_itertools_abc_and_module_level_calls_of_the_files_functions():
    """timm's `to_2tuple = _ntuple(2)`: a module-level call of the file's function (run when
    a model reads the name), a closure using `collections.abc.Iterable` and
    `itertools.repeat`; `chain`, `accumulate` and `product` on known lists."""
    source = src("""
        def _ntuple(n):
            def parse(x):
                if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
                    return tuple(x)
                return tuple(repeat(x, n))
            return parse


        to_2tuple = _ntuple(2)


        class Net(nn.Module):  # macslint: input-size=3x16x16
            def __init__(self, patch=4):
                super().__init__()
                patch = to_2tuple(patch)
                widths = list(accumulate(chain([4], [4, 8])))
                pairs = list(product([1, 2], repeat=2))
                self.proj = nn.Conv2d(3, widths[-1] + len(pairs), patch,
                                      stride=to_2tuple((4, 2)))

            def forward(self, x):
                return self.proj(x)
    """, header=HEADER + "import collections.abc\nfrom itertools import accumulate, chain, "
                         "product, repeat\n")
    assert_matches_torch(source, "Net")


def test_a_factory_of_a_model_class_that_cannot_be_followed_says_why():
    """timm's entry points return what a builder makes of a model class: where macslint
    cannot follow the builder, the factory is listed as not built, with the reason, rather
    than dropped (torch builds it: it is a model)."""
    source = src("""
        class Net(nn.Module):
            def __init__(self, width=4):
                super().__init__()
                self.fc = nn.Linear(4, width)

            def forward(self, x):
                return self.fc(x)


        def build_with_cfg(model_cls, **kwargs):
            # a class made at run time, which macslint does not model: no module is made
            return type(model_cls.__name__, (model_cls,), {})(**kwargs)


        def net_small(**kwargs) -> Net:
            return build_with_cfg(Net, width=2, **kwargs)
    """)
    result = analyse(source)
    unbuilt = {n.name: n.reason for n in result.report.not_built}
    assert "net_small" in unbuilt, unbuilt
    assert "returns a value macslint cannot follow" in unbuilt["net_small"]
    assert isinstance(torch_model(source, "net_small"), torch.nn.Module)


def test_generator_functions_of_the_file_give_their_items():
    """timm's `named_modules()` yields (and `yield from`s): run to its end when called, its
    items are what the loop over it sees (run as a plain function it would return None, and
    iterating that would "raise")."""
    source = src("""
        def named_modules(module, name='', depth=0):
            yield name, module, depth
            for child_name, child in module.named_children():
                yield from named_modules(child, name + '.' + child_name if name else child_name,
                                         depth + 1)


        def widths(n):
            for i in range(n):
                if i % 2:
                    continue
                yield 2 * i + 1
            return


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), nn.Linear(4, 4)))
                deepest = max(d for _, _, d in named_modules(self))
                names = [n for n, m, _ in named_modules(self) if isinstance(m, nn.Linear)]
                self.head = nn.Linear(4, deepest + len(names) + sum(widths(5)) + len(list(widths(0))))

            def forward(self, x):
                return self.head(self.body(x))
    """)
    assert_matches_torch(source, "Net")


def test_a_generator_yielding_from_an_unknown_value_is_not_known():
    source = src("""
        def items(values):
            yield 1
            yield from values


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self, values=UNKNOWN):
                super().__init__()
                self.fc = nn.Linear(4, len(list(items(values))))

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert "`yield from` `values`" in reasons(model)


def test_a_return_under_a_condition_not_known_names_the_condition():
    """The commonest first reason in timm: the note says which condition, and where."""
    source = src("""
        def width_for(kind):
            if torch.cuda.is_available():
                return 8
            return 4


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, width_for("a"))

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    line = source.splitlines().index("    if torch.cuda.is_available():") + 1
    assert (f"a `return` depends on the condition `torch.cuda.is_available()` (line {line}), "
            f"which is not known") in reasons(model)


def test_values_put_in_module_modules_that_are_not_modules_are_said():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self._modules["odd"] = 5
                self._modules["later"] = torch.cuda.get_device_name()

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert model.params is None
    assert "puts an int among the children, which torch cannot count" in reasons(model)
    assert "puts a value that is not known among the children" in reasons(model)


def test_a_factory_whose_build_raises_is_listed_with_the_error():
    """A factory of a model class whose build raises (torch raises too) is listed as not
    built, with the error: not dropped as if it returned no model."""
    source = src("""
        class Net(nn.Module):
            def __init__(self, width=4):
                super().__init__()
                self.fc = nn.Linear(4, width)

            def forward(self, x):
                return self.fc(x)


        def broken() -> Net:
            if Net.__name__ == "Net":
                raise ValueError("no such variant")
            return Net()
    """)
    unbuilt = {n.name: n.reason for n in analyse(source).report.not_built}
    assert "broken" in unbuilt and "raises" in unbuilt["broken"], unbuilt
    with pytest.raises(ValueError):
        torch_model(source, "broken")


def test_a_forward_chosen_in_init_is_the_one_called():
    """timm's FasterNet Partial_conv3: `self.forward = self.forward_slicing` (an instance
    attribute: Module.__call__ finds it before the class's, which here does not exist)."""
    source = src("""
        class PartialConv(nn.Module):
            def __init__(self, dim, n_div, forward):
                super().__init__()
                self.dim_conv = dim // n_div
                self.conv = nn.Conv2d(self.dim_conv, self.dim_conv, 3, padding=1)
                if forward == 'slicing':
                    self.forward = self.forward_slicing
                else:
                    self.forward = self.forward_split_cat

            def forward_slicing(self, x):
                x = x.clone()
                x[:, :self.dim_conv] = self.conv(x[:, :self.dim_conv])
                return x

            def forward_split_cat(self, x):
                x1, x2 = torch.split(x, [self.dim_conv, x.shape[1] - self.dim_conv], dim=1)
                return torch.cat((self.conv(x1), x2), 1)


        class Net(nn.Module):  # macslint: input-size=8x6x6
            def __init__(self):
                super().__init__()
                self.a = PartialConv(8, 4, 'split_cat')
                self.b = PartialConv(8, 2, 'slicing')

            def forward(self, x):
                return self.b(self.a(x))
    """)
    assert_matches_torch(source, "Net", check_calls=False)


TRAINING_FLAGS = src("""
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)


    class Net(nn.Module):
        def __init__(self, restore=True, mode_of='layer'):
            super().__init__()
            self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.1))
            self.head = Head()
            training = [(m, m.training) for m in self.backbone.modules()]
            try:
                self.backbone.eval()
                o = self.backbone(torch.zeros(1, 3, 8, 8))
            finally:
                if restore:
                    for module, was_training in training:
                        module.training = was_training
            if mode_of == 'head':
                self.head.eval()
                flag = self.head.training or self.head.fc.training
            elif mode_of == 'train':
                self.backbone[2].train(False)
                self.backbone.train()
                flag = self.backbone[2].training and self.backbone.training
            else:
                flag = self.backbone[1].training
            self.k = 2 if flag else 3
            self.fc = nn.Linear(o.shape[1] * self.k, 5)

        def forward(self, x):
            return self.fc(self.backbone(x).mean((2, 3)).repeat(1, self.k))


    def restored():  # macslint: input-size=3x8x8
        return Net()


    def left_in_eval():  # macslint: input-size=3x8x8
        return Net(restore=False)


    def head_in_eval():  # macslint: input-size=3x8x8
        return Net(mode_of='head')


    def trained_again():  # macslint: input-size=3x8x8
        return Net(restore=False, mode_of='train')
""")


@pytest.mark.parametrize("factory", ["restored", "left_in_eval", "head_in_eval",
                                     "trained_again"])
def test_training_flags_of_layers_containers_and_modules(factory):
    """timm's hybrid embed runs its backbone in eval mode while building and sets each
    submodule's `training` back (`module.training = was_training`: an assignment that was not
    followed); `eval()` and `train(mode)` set the flag on every submodule."""
    assert_matches_torch(TRAINING_FLAGS, factory)


def test_a_plain_import_of_the_projects_own_package(tmp_path):
    """torchvision's `import torchvision` inside torchvision (`torchvision._is_tracing()` in
    the detection transform): the package is the project's, its `__init__` is read; and
    `image.is_floating_point()` of a tensor of known dtype."""
    name = f"pkgi_{tmp_path.name}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent('''
        import torch


        def _is_tracing():
            return torch._C._get_tracing_state()
    '''))
    (package / "net.py").write_text(textwrap.dedent(f'''
        import torch
        import torch.nn as nn
        import {name}


        class Net(nn.Module):  # macslint: inputs=4:float32
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2 if {name}._is_tracing() else 3)
                self.out = nn.Linear(3, 5)

            def forward(self, x):
                y = self.fc(x)
                if not y.is_floating_point() or y.is_complex():
                    return y
                return self.out(y.half().float() if x.long().is_floating_point() else y)
    '''))
    result = check_file(package / "net.py", f"{name}/net.py", Settings())
    model = the_model(result, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs) == torch_counts_of_package(tmp_path, f"{name}.net",
                                                                 "Net", (1, 4))


MATH_DEFAULTS = src("""
    import math


    class Coder:
        def __init__(self, clip=math.log(1000.0 / 16), levels=math.ceil(math.sqrt(10.0))):
            self.clip = clip
            self.levels = levels


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self, coder=Coder()):
            super().__init__()
            self.fc = nn.Linear(4, coder.levels * int(coder.clip * 10))

        def forward(self, x):
            return self.fc(x).clamp(max=Coder().clip)
""")


def test_math_of_known_numbers_in_defaults_read_with_the_file():
    """torchvision's BoxCoder: `bbox_xform_clip=math.log(1000.0 / 16)`, a default evaluated
    where the function is defined (it was 'not evaluated' when the file is read)."""
    assert_matches_torch(MATH_DEFAULTS, "Net")
