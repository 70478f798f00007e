"""Layers and configs looked up in a project's registries (issue 22: timm's
`get_norm_act_layer`, `model_cfgs[variant]`, `interleave_blocks(...)` in a module-level
config table, drop-path schedules), on small self-contained models; every number from torch
running the same source (tracer_helpers)."""

from __future__ import annotations

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, codes, line_of, reasons, src, torch_counts, torch_model,
    trace,
)

CONFIG_TABLE = src("""
    @dataclass
    class BlockCfg:
        c: int = 8
        d: int = 1


    @dataclass
    class ModelCfg:
        blocks: Tuple[BlockCfg, ...] = ()
        stem: int = 16


    def interleave(d, c, every=1):
        # a module-level call of a project function, inside a tuple inside a config
        return tuple(BlockCfg(c=c + (i % (every + 1)), d=1) for i in range(d))


    def expand(s):
        if not isinstance(s, Sequence):
            s = (s,)
        return [replace(b, d=1) for b in s for _ in range(b.d)]


    model_cfgs = dict(
        small=ModelCfg(blocks=(BlockCfg(c=8, d=2), interleave(3, 12, every=1))),
        wide=ModelCfg(blocks=[interleave(2, 6)], stem=4),
    )


    class Net(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            chans = [b.c for s in cfg.blocks for b in expand(s)]
            layers, prev = [nn.Conv2d(3, cfg.stem, 3)], cfg.stem
            for c in chans:
                layers.append(nn.Conv2d(prev, c, 3, padding=1))
                prev = c
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            return self.body(x)


    def net_small():  # macslint: input-size=3x16x16
        return Net(model_cfgs['small'])


    def net_wide():  # macslint: input-size=3x16x16
        return Net(cfg=model_cfgs['wide'])
""", header=HEADER + "from dataclasses import dataclass, replace\n"
                    "from typing import Sequence, Tuple\n")


@pytest.mark.parametrize("factory", ["net_small", "net_wide"])
def test_a_factory_reads_its_config_from_a_module_level_table(factory):
    """The table's records are as the module left them (reading `Net(cfg)` in the factory's
    body while walking the file once made them 'given to a call not followed'), and a
    project function called inside a tuple of the table runs when the model reads it."""
    assert_matches_torch(CONFIG_TABLE, factory)


NORM_REGISTRY = src("""
    class BatchNormAct(nn.BatchNorm2d):
        def __init__(self, num_features, act_layer=None, apply_act=True, eps=1e-5):
            super().__init__(num_features, eps=eps)
            self.act = act_layer() if act_layer is not None and apply_act else nn.Identity()

        def forward(self, x):
            return self.act(F.batch_norm(x, self.running_mean, self.running_var, self.weight,
                                         self.bias, self.training, self.momentum, self.eps))


    class GroupNormAct(nn.GroupNorm):
        def __init__(self, num_channels, num_groups=2, act_layer=None, apply_act=True):
            super().__init__(num_groups, num_channels)
            self.act = act_layer() if act_layer is not None and apply_act else nn.Identity()

        def forward(self, x):
            return self.act(super().forward(x))


    _NORM_ACT_MAP = dict(batchnorm=BatchNormAct, groupnorm=GroupNormAct)
    _NORM_ACT_TYPES = {m for n, m in _NORM_ACT_MAP.items()}
    _NEEDS_ACT = {BatchNormAct, GroupNormAct}
    _TO_NORM_ACT = dict(batchnorm2d=BatchNormAct, groupnorm=GroupNormAct)


    def get_norm_act_layer(norm_layer, act_layer=None):
        if norm_layer is None:
            return None
        assert isinstance(norm_layer, (type, str, types.FunctionType, functools.partial))
        kwargs = {}
        if isinstance(norm_layer, functools.partial):
            kwargs.update(norm_layer.keywords)
            norm_layer = norm_layer.func
        if isinstance(norm_layer, str):
            if not norm_layer:
                return None
            layer = _NORM_ACT_MAP[norm_layer.replace('_', '').lower()]
        elif norm_layer in _NORM_ACT_TYPES:
            layer = norm_layer
        elif isinstance(norm_layer, types.FunctionType):
            layer = norm_layer
        else:
            layer = _TO_NORM_ACT.get(norm_layer.__name__.lower(), None)
            assert layer is not None
        if layer in _NEEDS_ACT:
            kwargs.setdefault('act_layer', act_layer)
        if kwargs:
            layer = functools.partial(layer, **kwargs)
        return layer


    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.a = get_norm_act_layer('batch_norm', nn.ReLU)(8)
            self.b = get_norm_act_layer(GroupNormAct, nn.GELU)(8, num_groups=4)
            self.c = get_norm_act_layer(nn.BatchNorm2d, nn.ReLU)(8, apply_act=False)
            self.d = get_norm_act_layer(functools.partial(nn.GroupNorm, num_groups=8))(8)
            self.e = get_norm_act_layer(functools.partial(BatchNormAct, eps=1e-3), nn.SiLU)(8)
            self.proj = nn.Conv2d(8, 4, 1)

        def forward(self, x):
            x = self.conv(x)
            return self.proj(self.e(self.d(self.c(self.b(self.a(x))))))
""", header=HEADER + "import types\n")


def test_norm_layers_looked_up_by_name_class_or_partial():
    """timm's get_norm_act_layer: isinstance against type, FunctionType and functools.partial,
    a partial's .func and .keywords, a class looked up in a set of classes, a torch class's
    __name__; then the layers it returns, with F.batch_norm in a forward."""
    model = assert_matches_torch(NORM_REGISTRY, "Net", check_calls=False)
    # torch_counts hooks torch's own layers only; the subclasses' own calls are ours alone
    expected = torch_counts(NORM_REGISTRY, "Net", model.input).calls
    assert [(c.path, c.kind) for c in model.calls if c.kind not in ("BatchNormAct", "GroupNormAct")] \
        == [(path, kind) for path, kind, _, _ in expected]


MEMBERSHIP = src("""
    class Custom(nn.Module):
        pass


    def helper():
        return 1


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            kinds = {nn.ReLU, Custom, helper, len}
            widths = [
                3 if nn.ReLU in kinds else 5,
                3 if nn.GELU in kinds else 5,
                3 if Custom in kinds else 5,
                3 if helper in (len, helper) else 5,
                3 if Custom not in [nn.ReLU] else 5,
                3 if len in kinds else 5,
                3 if nn.modules.activation.ReLU in kinds else 5,
            ]
            self.fc = nn.Linear(4, sum(widths))

        def forward(self, x):
            return self.fc(x)
""")


def test_classes_and_functions_in_sets_lists_and_tuples():
    """`cls in {A, B}` compares by identity, as Python does for classes and functions."""
    assert_matches_torch(MEMBERSHIP, "Net")


def test_iterating_a_set_of_classes_is_not_claimed():
    """A set of classes iterates in an order set by their addresses: not known."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.acts = nn.ModuleList([a() for a in {nn.ReLU, nn.GELU}])

            def forward(self, x):
                return self.acts[0](self.fc(x))
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert "hashed by their address" in reasons(model)


ABCS = src("""
    @dataclass
    class Cfg:
        c: int = 4


    class Runner:
        def __call__(self):
            return 2

        def __iter__(self):
            return iter([])


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            widths = [
                1 if isinstance(Cfg(), Sequence) else 2,
                1 if isinstance((Cfg(), Cfg()), Sequence) else 2,
                1 if isinstance(Cfg(), typing.Iterable) else 2,
                1 if isinstance(Runner(), Iterable) else 2,
                1 if isinstance(Runner(), Callable) else 2,
                1 if isinstance(Cfg(), Mapping) else 2,
                1 if isinstance(Cfg, type) else 2,
                1 if isinstance(nn.Linear, type) else 2,
                1 if isinstance(Cfg(), type) else 2,
                1 if isinstance(len, type) else 2,
                1 if isinstance(int, type) else 2,
                1 if isinstance(len, types.FunctionType) else 2,
                1 if isinstance(functools.partial(nn.Linear, 4), types.FunctionType) else 2,
                1 if isinstance(functools.partial(nn.Linear, 4), functools.partial) else 2,
                1 if isinstance(nn.Linear, functools.partial) else 2,
                len(nn.Linear.__name__),
            ]
            self.fc = nn.Linear(4, sum(widths))

        def forward(self, x):
            return self.fc(x)
""", header=HEADER + "import types\nimport typing\nfrom dataclasses import dataclass\n"
                    "from typing import Callable, Iterable, Mapping, Sequence\n")


def test_isinstance_against_typing_aliases_type_and_partial():
    assert_matches_torch(ABCS, "Net")


DROP_PATH = src("""
    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self, depths=(1, 2, 3), drop_path_rate=0.0):
            super().__init__()
            dpr = [x.tolist() for x in torch.linspace(0, drop_path_rate, sum(depths)).split(depths)]
            last = [x.item() for x in torch.linspace(0, 0.3, 4).chunk(4)]
            blocks = []
            for stage, rates in enumerate(dpr):
                for rate in rates:
                    blocks.append(nn.Dropout(rate) if rate > 0. else nn.Conv2d(3, 3, 1))
            blocks += [nn.Conv2d(3, 3, 1) for r in last if r > 0.]
            self.blocks = nn.Sequential(*blocks)

        def forward(self, x):
            return self.blocks(x)
""")


def test_a_drop_path_schedule_split_by_stage():
    """timm's calculate_drop_path_rates: linspace items split per stage keep their items."""
    assert_matches_torch(DROP_PATH, "Net", built_on="cpu")


HASATTR = src("""
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def init_weights(self):
            self.fc.reset_parameters()

        def forward(self, x):
            return self.fc(x)


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(Block(), nn.ReLU(), nn.Linear(4, 4))
            widths = []
            for m in self.modules():
                if hasattr(m, 'init_weights'):
                    m.init_weights()
                    widths.append(1)
            seq, fc = self.body, self.body[2]
            widths += [2 if hasattr(fc, 'in_features') else 0, 4 if hasattr(fc, 'weight') else 0,
                       8 if hasattr(fc, 'parameters') else 0,
                       16 if hasattr(seq, '0') else 0, 32 if hasattr(seq, '5') else 0,
                       64 if hasattr(fc, 'training') else 0]
            self.head = nn.Linear(4, sum(widths))

        def forward(self, x):
            return self.head(self.body(x))
""")


def test_hasattr_of_torch_modules():
    """timm's init functions: `hasattr(module, 'init_weights')` is False of torch's modules
    (no torch.nn module has that name); their known attributes and children are there."""
    assert_matches_torch(HASATTR, "Net")


def test_hasattr_of_a_torch_name_the_layer_may_have_is_not_claimed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                # a name some torch layers have (Conv2d), and Linear not: not told apart
                self.out = nn.Linear(4, 2 if hasattr(self.fc, 'kernel_size') else 3)

            def forward(self, x):
                return self.out(self.fc(x))
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert "whether torch's Linear has `kernel_size` is not modelled" in reasons(model)


FLAGS = src("""
    import os
    from os import environ, getenv

    _HAS_FUSED_ATTN = hasattr(torch.nn.functional, 'scaled_dot_product_attention')
    _EXPORTABLE = False
    if 'MACSLINT_TEST_FUSED_ATTN' in os.environ:
        _USE_FUSED_ATTN = int(os.environ['MACSLINT_TEST_FUSED_ATTN'])
    else:
        _USE_FUSED_ATTN = 1
    _DEBUG = os.environ.get('MACSLINT_TEST_DEBUG', '0') == '1' or 'MACSLINT_TEST_X' in environ
    _WIDTH = int(getenv('MACSLINT_TEST_WIDTH', '6')) + int(os.getenv('MACSLINT_TEST_W', default=1))


    def set_exportable(enable=True):
        global _EXPORTABLE
        _EXPORTABLE = enable


    def use_fused_attn():
        if not _HAS_FUSED_ATTN or _EXPORTABLE:
            return False
        return _USE_FUSED_ATTN > 0


    class Attention(nn.Module):
        def __init__(self, dim=8, heads=2):
            super().__init__()
            self.heads = heads
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, _WIDTH + 1 if _DEBUG else _WIDTH)
            self.fused_attn = use_fused_attn()

        def forward(self, x):
            B, N, C = x.shape
            q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
            if self.fused_attn:
                x = F.scaled_dot_product_attention(q, k, v)
            else:
                x = (q @ k.transpose(-2, -1)).softmax(dim=-1) @ v
            return self.proj(x.transpose(1, 2).reshape(B, N, C))


    class Net(nn.Module):  # macslint: input-size=5x8
        def __init__(self):
            super().__init__()
            self.attn = Attention()

        def forward(self, x):
            return self.attn(x)
""")


def test_module_flags_read_from_torch_and_a_clean_environment(monkeypatch):
    """timm's layers/config.py: `hasattr(F, ...)` at module level, and environment variables,
    taken as unset (the counts of the code's defaults: torch runs with none of them set)."""
    for name in ("FUSED_ATTN", "DEBUG", "X", "WIDTH", "W"):
        monkeypatch.delenv(f"MACSLINT_TEST_{name}", raising=False)
    model = assert_matches_torch(FLAGS, "Net")
    assert any(op.op == "F.scaled_dot_product_attention" for op in model.ops)


SUBCLASSES = src("""
    class Attention(nn.Module):
        def __init__(self, dim, **kwargs):
            super().__init__()
            self.qkv = nn.Linear(dim, dim * 3)

        def forward(self, x):
            return self.qkv(x)


    class DiffAttention(Attention):
        def __init__(self, dim, depth=0):
            super().__init__(dim)
            self.extra = nn.Linear(dim * 3, dim * 3 + depth)

        def forward(self, x):
            return self.extra(super().forward(x))


    def create_attn(attn_layer, dim, depth=0, **kwargs):
        if issubclass(attn_layer, DiffAttention):
            kwargs['depth'] = depth
        return attn_layer(dim, **kwargs)


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            self.a = create_attn(Attention, 4, depth=2)
            self.b = create_attn(DiffAttention, 4, depth=2)
            self.c = nn.Linear(4, 5 if issubclass(nn.Linear, Attention) else 6)

        def forward(self, x):
            return self.a(x), self.b(x), self.c(x)
""")


def test_issubclass_of_project_classes_with_known_bases():
    """A class whose bases are all known is a subclass of the project's class only through
    its own bases (timm's `issubclass(attn_layer, DiffAttention)`)."""
    model = trace(SUBCLASSES, "Net")
    assert model.complete, model.reasons
    built = torch_model(SUBCLASSES, "Net")
    assert model.params == sum(p.numel() for p in built.parameters())


RECURSIVE_APPLY = src("""
    def named_apply(fn, module, name=''):
        for child_name, child in module.named_children():
            named_apply(fn, child, name + '.' + child_name)
        fn(module, name)
        return module


    def init(module, name):
        pass


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self, blocks):
            super().__init__()
            self.body = nn.Sequential(*[nn.Linear(4, 4) for _ in range(blocks)])
            named_apply(init, self)

        def forward(self, x):
            return self.body(x)


    def net():  # macslint: input-size=4
        return Net(blocks=len(UNKNOWN_TABLE))
""")


def test_recursion_in_a_loop_not_followed_is_not_run_level_by_level():
    """timm's named_apply over children that are not known walked each level's loop again,
    with nothing known, 48 calls deep; said once instead."""
    model = trace(RECURSIVE_APPLY, "net")
    assert not model.complete
    text = reasons(model)
    assert "named_apply() calls itself in a loop that is not followed: not run" in text
    assert "nest deeper" not in text


TRY_ACT = src("""
    def create_act_layer(act_layer, inplace=None, **kwargs):
        if inplace is None:
            return act_layer(**kwargs)
        try:
            return act_layer(inplace=inplace, **kwargs)
        except TypeError:
            # timm's: an activation without an `inplace` argument
            return act_layer(**kwargs)


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.a = create_act_layer(nn.ReLU, inplace=True)
            self.b = create_act_layer(nn.GELU, inplace=True, approximate='tanh')
            try:
                self.c = nn.Linear(4, 4, bad=1)
            except (KeyError, TypeError) as e:
                self.c = nn.Linear(4, 2)
            try:
                self.d = nn.Linear(4, 3)
            except Exception:
                self.d = nn.Linear(4, 5)

        def forward(self, x):
            return self.c(self.b(self.a(self.fc(x)))), self.d(x)
""")


def test_an_exception_caught_by_its_class():
    """timm's create_act_layer: `except TypeError` catches torch refusing an argument; the
    construction's finding (MAC010) is withdrawn: the code handles it."""
    assert_matches_torch(TRY_ACT, "Net", check_calls=False)
    # (the literal `nn.Linear(4, 4, bad=1)` is invalid as written: its MAC010 stays)
    assert [f.line for f in codes(analyse(TRY_ACT), "MAC010")] == [
        line_of(TRY_ACT, "bad=1")]


def test_an_exception_no_handler_catches_goes_on():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                try:
                    self.fc = nn.Linear(4, 4, bad=1)
                except KeyError:
                    self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert "unexpected keyword argument 'bad'" in reasons(model)
    assert "caught" not in reasons(model)


REGISTERED = src("""
    _cfgs = {}
    _blocks = dict(plain=nn.Linear)


    def register_model(fn):
        _cfgs[fn.__name__] = dict(width=12)
        return fn


    def register_block(name, cls):
        _blocks[name] = cls


    def get_cfg(name):
        return _cfgs.get(name, dict(width=4))  # a default when not registered


    register_block('wide', functools.partial(nn.Linear, bias=False))


    class Net(nn.Module):
        def __init__(self, width, block='plain'):
            super().__init__()
            self.fc = _blocks[block](4, width)

        def forward(self, x):
            return self.fc(x)


    @register_model
    def net_a():  # macslint: input-size=4
        return Net(get_cfg('net_a')['width'])


    def net_b():  # macslint: input-size=4
        return Net(8, block='wide')
""")


@pytest.mark.parametrize("factory", ["net_a", "net_b"])
def test_a_registry_filled_by_decorators_and_call_statements_is_torchs(factory):
    """timm's `@register_model` fills the pretrained-config registry when the file is
    imported, `register_block(...)` a block registry: reading the file does not run them (a
    lookup there read as empty, and its default made cait_m36_384's position embedding 196
    patches where torch has 576); a model reading the registry runs them first, as Python
    did at import."""
    assert_matches_torch(REGISTERED, factory)


def test_a_registry_the_calls_leave_unknown_is_not_read_as_empty():
    """A registration under a condition macslint cannot decide leaves the registry unknown:
    the lookup is not known, never its default."""
    source = REGISTERED.replace("    _cfgs[fn.__name__] = dict(width=12)",
                                "    if sys.flags.optimize == 0:\n"
                                "        _cfgs[fn.__name__] = dict(width=12)")
    source = source.replace("import functools\n", "import functools\nimport sys\n", 1)
    assert "sys.flags.optimize" in source and "import sys" in source
    model = trace(source, "net_a")
    built = torch_model(source, "net_a")
    assert model.params is None or model.params == sum(p.numel() for p in built.parameters())
    assert not model.complete


PRETRAINED_REGISTRY = src("""
    @dataclass
    class Cfg:
        width: int = 4
        input_size: Tuple[int, int, int] = (3, 8, 8)
        fixed_input_size: bool = False

        @property
        def has_weights(self):
            return self.width > 8


    @dataclass
    class Entry:
        tags: Deque[str] = field(default_factory=deque)
        cfgs: Dict[str, Cfg] = field(default_factory=dict)


    _entrypoints = {}
    _module_to_models = defaultdict(set)
    _pretrained = {}
    _has_weights = set()


    def generate_cfgs(cfgs):
        out = defaultdict(Entry)
        for key, value in cfgs.items():
            model, _, tag = key.partition('.')
            entry = out[model]
            if value.has_weights:
                entry.tags.appendleft(tag)
            else:
                entry.tags.append(tag)
            entry.cfgs[tag] = value
        return out


    def register(fn):
        mod = sys.modules[fn.__module__]
        if hasattr(mod, '__all__'):
            mod.__all__.append(fn.__name__)
        else:
            mod.__all__ = [fn.__name__]
        _entrypoints[fn.__name__] = fn
        _module_to_models[fn.__module__.split('.')[-1]].add(fn.__name__)
        if hasattr(mod, 'default_cfgs') and fn.__name__ in mod.default_cfgs:
            entry = mod.default_cfgs[fn.__name__]
            for index, tag in enumerate(entry.tags):
                cfg = replace(entry.cfgs[tag], width=entry.cfgs[tag].width)
                if index == 0:
                    _pretrained[fn.__name__] = cfg
                    if cfg.has_weights:
                        _has_weights.add(fn.__name__)
        return fn


    def build(name, **kwargs):
        cfg = _pretrained.get(name, Cfg())
        if cfg.fixed_input_size:
            kwargs.setdefault('img_size', cfg.input_size[-1])
        return Net(width=cfg.width, **kwargs)


    class Net(nn.Module):
        def __init__(self, width, img_size=8):
            super().__init__()
            self.embed = nn.Parameter(torch.zeros(1, img_size, width))
            self.fc = nn.Linear(width, width)

        def forward(self, x):
            return self.fc(x + self.embed)


    default_cfgs = generate_cfgs({
        'net_a.small': Cfg(width=6),
        'net_a.big': Cfg(width=12, fixed_input_size=True, input_size=(3, 16, 16)),
        'net_b': Cfg(width=5),
    })


    @register
    def net_a():  # macslint: input-size=16x12
        return build('net_a')


    @register
    def net_b():  # macslint: input-size=8x5
        return build('net_b')
""", header=HEADER + "import sys\nfrom collections import defaultdict, deque\n"
                    "from dataclasses import dataclass, field, replace\n"
                    "from typing import Deque, Dict, Tuple\n")


@pytest.mark.parametrize("factory", ["net_a", "net_b"])
def test_a_pretrained_config_registry_filled_at_import(factory):
    """timm's registry in small: `sys.modules[fn.__module__]`, the module's `__all__` and
    `default_cfgs` (a defaultdict of dataclasses with a deque of tags), the first tag's config
    (the one with weights first) deciding the model's size."""
    assert_matches_torch(PRETRAINED_REGISTRY, factory)


def test_torch_jit_annotate_is_its_value():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                outs = torch.jit.annotate(List[torch.Tensor], [])
                outs.append(self.fc(x))
                return torch.cat(outs, 1)
    """, header=HEADER + "from typing import List\n")
    assert_matches_torch(source, "Net")


MODULE_LOOP = src("""
    @dataclass
    class Cfg:
        width: int = 4
        head: str = ''


    cfgs = dict(a=Cfg(width=6), b=Cfg(width=8))
    for k in ('a', 'b'):
        cfgs[k + '_gap'] = replace(cfgs[k], head='gap', width=cfgs[k].width + 1)
    widths = []
    for i in range(3):
        widths.append(2 * i + 1)


    def build(model_cfg=None, **kwargs):
        if model_cfg is None:
            return Net(Cfg(), **kwargs)
        return Net(cfg=model_cfg, **kwargs)


    class Net(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.fc = nn.Linear(4, cfg.width + sum(widths))

        def forward(self, x):
            return self.fc(x)


    def net_a():  # macslint: input-size=4
        return build(model_cfg=cfgs['a'])


    def net_b_gap():  # macslint: input-size=4
        return build(model_cfg=cfgs['b_gap'])
""", header=HEADER + "from dataclasses import dataclass, replace\n")


@pytest.mark.parametrize("factory", ["net_a", "net_b_gap"])
def test_module_level_loops_run_pass_by_pass(factory):
    """timm's byobnet: `for k in (...): model_cfgs[k + '_gap'] = replace(...)` at module level
    runs once, as Python runs it (it was read once for any number of passes, and the table
    forgotten)."""
    assert_matches_torch(MODULE_LOOP, factory)


DEFERRED_LOOP = src("""
    def _cfg(width=4, **kwargs):
        return {'width': width, 'hub': 'hub/', **kwargs}


    cfgs = {
        'a_clip_s': _cfg(width=6, notes=('quick',)),
        'b_clip_m': _cfg(width=8, hub='own/', notes=('quick',)),
        'c': _cfg(),
    }
    # a loop over a value the project computes (a comprehension of `_cfg` results)
    _quick = [n for n, c in cfgs.items() if c.get('notes', ()) and 'quick' in c['notes'][0]]
    for n in _quick:
        c = copy.deepcopy(cfgs[n])
        if c['hub'] == 'hub/':
            c['width'] = c['width'] + len(n)
        cfgs[n.replace('_clip_', '_clip_quick_')] = dict(c, extra=1)
    widths = [2, 3]
    for i in range(3):  # a plain loop with an `if`: run pass by pass
        if i > 0:
            widths.append(10 * i)
        else:
            widths.append(i + 1)
    table = finish(cfgs)


    class Net(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.fc = nn.Linear(4, width + len(table) + sum(widths))

        def forward(self, x):
            return self.fc(x)


    def net_a():  # macslint: input-size=4
        return Net(table['a_clip_quick_s']['width'])


    def net_b():  # macslint: input-size=4
        return Net(table['b_clip_quick_m']['width'] + len(cfgs))
""", header=HEADER + "import copy\n\n\ndef finish(cfgs):\n    return dict(cfgs)\n\n\n")


@pytest.mark.parametrize("factory", ["net_a", "net_b"])
def test_a_module_level_loop_over_a_value_the_project_computes(factory):
    """timm's vision_transformer: `for n in _quick_gelu_cfgs: c = copy.deepcopy(...); if ...:
    ...; default_cfgs[n.replace(...)] = c` over a comprehension of `_cfg(...)` results runs
    when a model reads what it changes, from the names as they are at its line (it was
    walked once and the table forgotten: every vit model and the registry were unknown)."""
    assert_matches_torch(DEFERRED_LOOP, factory)


ACT_TABLES = src("""
    _ME = dict(relu=nn.ReLU, hard_swish=nn.Hardswish)
    _DEFAULT = dict(relu=nn.ReLU)
    _TABLES = (_ME, _DEFAULT)
    for a in _TABLES:
        a.setdefault('hardswish', a.get('hard_swish'))
        a.update(elu=nn.ELU)


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            extra = 2 if _DEFAULT['hardswish'] is None else 3
            self.fc = nn.Linear(4, len(_ME) * 10 + len(_DEFAULT) + extra)

        def forward(self, x):
            return self.fc(x)
""")


def test_dict_methods_in_a_module_level_loop_run_pass_by_pass():
    """timm's create_act: `for a in _ACT_LAYERS: a.setdefault('hardswish', a.get(...))`."""
    assert_matches_torch(ACT_TABLES, "Net")


@pytest.mark.parametrize("loop", ["for a in (A, B):", "for i, a in enumerate([A, B]):",
                                  "for _, a in dict(x=A, y=B).items():",
                                  "for a, b in zip((A, B), (B, A)):"])
@pytest.mark.parametrize("change", ["a[k] = 5", "a.update(x=k)"])
def test_a_loop_walked_once_that_changes_its_items_forgets_them(loop, change):
    """`for a in (A, B): for k in ...: a[k] = 5` is walked once with `a` unknown: A and B are
    not known after it (they were kept as they were: a wrong parameter count)."""
    source = src("""
        A = dict(relu=1)
        B = dict(relu=2)
        LOOP
            for k in ('x',):
                CHANGE


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, len(A) * 10 + len(B))

            def forward(self, x):
                return self.fc(x)
    """).replace("LOOP", loop).replace("CHANGE", change)
    model = trace(source, "Net")
    assert model.params is None and "'A' is a dict changed in place" in reasons(model)


def test_finfo_and_iinfo_tables_are_torchs():
    from macslint.torchnn.calls import _FINFO, _IINFO
    for name, info in _FINFO.items():
        found = torch.finfo(getattr(torch, name))
        assert {k: getattr(found, k) for k in info} == info
    for name, bits in _IINFO.items():
        assert torch.iinfo(getattr(torch, name)).bits == bits


DTYPES_AND_FORMATS = src("""
    class Format(str, Enum):
        NCHW = 'NCHW'
        NHWC = 'NHWC'


    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self, fmt='NHWC', dtype=None):
            super().__init__()
            self.output_fmt = Format(fmt)
            dtype = dtype or torch.get_default_dtype()
            widths = [
                1 if self.output_fmt == Format.NHWC else 2,
                1 if self.output_fmt == 'NHWC' else 2,
                1 if Format('NCHW') == Format.NCHW else 2,
                torch.finfo(dtype).bits, torch.finfo(torch.float16).bits, torch.iinfo(torch.int8).bits,
                1 if dtype.is_floating_point and torch.finfo(dtype).bits < 32 else 2,
                1 if isinstance(Format, collections.abc.Iterable) else 2,
                1 if isinstance(nn.Linear, collections.abc.Iterable) else 2,
                1 if isinstance(nn.Linear, collections.abc.Callable) else 2,
            ]
            self.fc = nn.Linear(4, sum(widths))

        def forward(self, x):
            return self.fc(x)
""", header=HEADER + "import collections.abc\nfrom enum import Enum\n")


def test_str_enums_dtypes_and_classes_as_timm_reads_them():
    """timm's `Format(output_fmt)` (a `(str, Enum)`: its members are strs), a default dtype's
    `torch.finfo(dtype).bits`, and `isinstance(cls, Iterable)` of classes (timm's to_2tuple)."""
    assert_matches_torch(DTYPES_AND_FORMATS, "Net")


def test_a_module_flag_from_a_string_method_of_the_environment(monkeypatch):
    """timm's `_USE_NAFLEX_DEFAULT = os.environ.get('TIMM_USE_NAFLEXVIT', 'false').lower() ==
    'true'`: str methods on known strings are computed where a file is read."""
    monkeypatch.delenv("MACSLINT_TEST_NAFLEX", raising=False)
    source = src("""
        import os

        _USE_NAFLEX = os.environ.get('MACSLINT_TEST_NAFLEX', 'False').lower() == 'true'
        _PREFIX = ' Wide '.strip().upper().startswith('WI')


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3 if _USE_NAFLEX else 5 if _PREFIX else 7)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_a_registration_that_raises_leaves_the_registry_unknown():
    """A decorator that raises when the file is imported (Python's import fails there): the
    registry it was filling is not known, with the raise as the reason; never what the calls
    before it left."""
    source = REGISTERED.replace("    _cfgs[fn.__name__] = dict(width=12)\n",
                                "    if fn.__name__ == 'net_a':\n"
                                "        raise ValueError('no')\n"
                                "    _cfgs[fn.__name__] = dict(width=12)\n")
    assert "raise ValueError" in source
    with pytest.raises(ValueError):
        torch_model(source, "net_b")
    model = trace(source, "net_a")
    assert not model.complete
    assert "running it: `register_model` raises" in reasons(model)


DEVICE_CACHE = src("""
    class Attention(nn.Module):
        def __init__(self, dim=8, resolution=3):
            super().__init__()
            self.qkv = nn.Linear(dim, dim * 3)
            self.attention_biases = nn.Parameter(torch.zeros(2, resolution * resolution))
            self.attention_bias_cache = {}
            strides = sum([[s] + [1] * (n - 1) for s, n in zip((2, 2), (2, 3))], [])
            self.proj = nn.Linear(dim, dim + len(strides))

        def get_attention_biases(self, device):
            if self.training:
                return self.attention_biases
            device_key = str(device)
            if device_key not in self.attention_bias_cache:
                self.attention_bias_cache[device_key] = self.attention_biases * 2
            return self.attention_bias_cache[device_key]

        def forward(self, x):
            bias = self.get_attention_biases(x.device)
            q = self.qkv(x)[..., :8] + bias.sum() * (1 if x.device.type == 'meta' else 0)
            return self.proj(q.to(x.device))


    class Net(nn.Module):  # macslint: input-size=5x8
        def __init__(self):
            super().__init__()
            self.attn = Attention()

        def forward(self, x):
            return self.attn(x)
""")


def test_a_cache_keyed_by_the_device_and_sums_of_lists():
    """timm's LeViT/EfficientFormer: an attention-bias cache keyed by `str(x.device)`; the
    count runs on the meta device (the convention), where `x.device` is meta. rexnet's
    `sum([[...], ...], [])` joins the lists."""
    assert_matches_torch(DEVICE_CACHE, "Net", check_calls=False)


def test_members_of_a_str_enum_keep_their_identity():
    """timm's get_spatial_dim: `fmt = Format(fmt); if fmt is Format.NLC:` (a `(str, Enum)`
    member is a str that knows which member it is: `is`, `.name`, `.value`)."""
    source = src("""
        class Format(str, Enum):
            NCHW = 'NCHW'
            NLC = 'NLC'


        def get_spatial_dim(fmt):
            fmt = Format(fmt)
            if fmt is Format.NLC:
                dim = (1,)
            else:
                dim = (2, 3)
            return dim


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                widths = [len(get_spatial_dim('NCHW')), len(get_spatial_dim(Format.NLC)),
                          len(Format.NLC.value), len(Format.NCHW.name),
                          1 if ''.join(['NL', 'C']) is not Format.NLC else 2,
                          1 if Format.NLC == 'NLC' else 2]
                self.fc = nn.Linear(4, sum(widths))

            def forward(self, x):
                return self.fc(x)
    """, header=HEADER + "from enum import Enum\n")
    assert_matches_torch(source, "Net")


def test_a_layers_eps_set_and_bias_dropped_after_construction():
    """timm's LayerNorm2dNoBias: `self.eps = ...` (no shape or cost depends on it) and
    `self.bias = None` (torch drops the parameter), on a subclass and on a built layer."""
    source = src("""
        class LayerNorm2dNoBias(nn.LayerNorm):
            def __init__(self, num_channels, **kwargs):
                super().__init__(num_channels, **kwargs)
                self.eps = kwargs.get('eps', 1e-6)
                self.bias = None

            def forward(self, x):
                x = x.permute(0, 2, 3, 1)
                x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
                return x.permute(0, 3, 1, 2)


        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)
                self.norm = LayerNorm2dNoBias(8)
                self.lin = nn.Linear(8, 4)
                self.lin.bias = None
                self.bn = nn.BatchNorm1d(4)
                self.bn.momentum = 0.01

            def forward(self, x):
                return self.bn(self.lin(self.norm(self.conv(x)).mean((2, 3))))
    """)
    assert_matches_torch(source, "Net", check_calls=False)


def test_numbers_tower_isinstance():
    """timm's RmsNorm: `isinstance(normalized_shape, numbers.Integral)`."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self, channels=4):
                super().__init__()
                shape = channels
                if isinstance(shape, numbers.Integral):
                    shape = (shape,)
                widths = [1 if isinstance(True, numbers.Integral) else 2,
                          1 if isinstance(2.5, numbers.Integral) else 2,
                          1 if isinstance(2.5, numbers.Real) else 2,
                          1 if isinstance('a', numbers.Number) else 2]
                self.norm = nn.LayerNorm(tuple(shape))
                self.fc = nn.Linear(4, sum(widths))

            def forward(self, x):
                return self.fc(self.norm(x))
    """, header=HEADER + "import numbers\n")
    assert_matches_torch(source, "Net")


def test_an_import_torch_has_in_a_try_and_a_parameter_registered_as_none():
    """timm's norm.py: `try: from torch.nn.functional import rms_norm` / `except ImportError:`
    (torch has it: the handler does not run) and `self.register_parameter('weight', None)`
    (reads of `self.weight` give None)."""
    source = src("""
        try:
            from torch.nn.functional import rms_norm
        except ImportError:
            rms_norm = None


        class RmsNorm(nn.Module):
            def __init__(self, channels, affine=True):
                super().__init__()
                self.normalized_shape = (channels,)
                if affine:
                    self.weight = nn.Parameter(torch.ones(channels))
                else:
                    self.register_parameter('weight', None)

            def forward(self, x):
                return rms_norm(x, self.normalized_shape, self.weight, 1e-6)


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.a = RmsNorm(4)
                self.b = RmsNorm(4, affine=False)
                self.fc = nn.Linear(4, 2 if self.b.weight is None else 3)

            def forward(self, x):
                return self.fc(self.b(self.a(x)))
    """)
    assert_matches_torch(source, "Net", check_calls=False)


def test_a_defaultdict_filled_in_a_loop_not_followed_is_not_read_as_empty():
    """timm's generate_default_cfgs over a table macslint could not follow: `out[model]` in
    the loop adds the key (a defaultdict), so `out` is not known after it (it was returned
    empty, and the registry missed aimv2's config: a wrong parameter count, caught)."""
    source = src("""
        def group(cfgs):
            out = defaultdict(list)
            for key, value in cfgs.items():
                model, _, tag = key.partition('.')
                if not tag:
                    continue  # (the walk of a loop not followed stops here)
                entry = out[model]
                entry.append(tag)
            return out


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self, cfgs=sys.argv):
                super().__init__()
                table = group(cfgs)
                self.fc = nn.Linear(4, 2 if 'a' in table else 3)

            def forward(self, x):
                return self.fc(x)


        def net():  # macslint: input-size=4
            return Net(cfgs={'a.x': 1, 'b.y': 2})
    """, header=HEADER + "import sys\nfrom collections import defaultdict\n")
    model = trace(source, "Net")  # the table not known: the lookup is not known
    assert not model.complete and model.params is None
    assert_matches_torch(source, "net")  # a known table: followed, torch's


def test_a_replay_the_budget_stops_leaves_the_registry_unknown(monkeypatch):
    """The step budget runs out while the registrations run (the first model reading the
    registry pays for them): what they left half-done is not known, for that model and the
    next ones of the run, never a registry missing entries."""
    from macslint.torchnn import tracer
    many = "".join(f"\n\n@register_model\ndef extra_{i}():\n    return Net(4)\n" for i in range(40))
    source = REGISTERED + many
    monkeypatch.setattr(tracer, "MAX_STEPS", 120)
    result = analyse(source)
    assert "net_a" in {n.name for n in result.report.not_built}  # its build ran out
    for model in result.report.models:  # the next ones read what the calls left: unknown
        assert not model.complete and model.params is None, model.name
        assert "it is read while those calls run" in reasons(model)


def test_a_deferred_module_level_call_reads_names_as_they_are_at_its_line():
    """`wide = double(width)` runs when a model reads it, but with `width` as it was at that
    line (timm's `default_cfgs = generate_default_cfgs(default_cfgs)`): a later binding of
    `width` is not what Python passed."""
    source = src("""
        def double(v):
            return v * 2


        width = 3
        wide = double(width)
        width = 5


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, wide)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_pythons_pure_builtins_leave_their_arguments_known():
    """`len(widths)`, `sorted(widths)`, `max(...)` at module level change nothing (any other
    call may change the lists it is given: those are forgotten)."""
    source = src("""
        widths = [2, 3]
        depth = len(widths) + max(widths) + sum(sorted(widths))
        widths.append(4)


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, sum(widths))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_a_deferred_module_loop_is_not_taken_where_its_calls_change_other_names():
    """`for n in _names: register(n)` over a comprehension: `register` fills REG, which the
    loop's own statements do not name; deferring the loop would leave REG as it was (5
    parameters where torch builds 15): it is walked once, and REG forgotten, with the reason."""
    source = src("""
        REG = {}


        def register(n):
            REG[n] = 1


        _names = [n.upper() for n in ('a', 'b')]
        for n in _names:
            register(n)


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, len(REG) + 1)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert model.params is None and "'REG' is a dict changed in place" in reasons(model)
    assert sum(p.numel() for p in torch_model(source, "Net").parameters()) == 15


def test_a_global_rebound_by_a_module_level_call_is_replayed():
    """`def set_width(n): global WIDTH; WIDTH = n` then `set_width(5)`: the scan of what the
    call changes met the assignment before the `global` (it walks the body from its end) and
    missed it: WIDTH was read as 2 (10 parameters where torch builds 25)."""
    source = src("""
        WIDTH = 2


        def set_width(n):
            global WIDTH
            WIDTH = n


        set_width(5)


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, WIDTH)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_a_deferred_module_loop_runs_afresh_for_each_model():
    """Two models read a list a deferred loop appends to: each sees it as Python leaves it
    once (the loop runs on a copy of the names at its line, not on them: run twice in place,
    the second model would count the items twice)."""
    source = src("""
        def _cfg(w):
            return {'w': w}


        _cfgs = [_cfg(w) for w in (2, 3)]
        widths = [1]
        for c in _cfgs:
            widths.append(c['w'])


        class Net(nn.Module):
            def __init__(self, extra=0):
                super().__init__()
                self.fc = nn.Linear(4, sum(widths) + extra)

            def forward(self, x):
                return self.fc(x)


        def first():  # macslint: input-size=4
            return Net()


        def second():  # macslint: input-size=4
            return Net(extra=1)
    """)
    result = analyse(source)
    for name in ("first", "second"):
        model = [m for m in result.report.models if m.name == name][0]
        assert model.complete, model.reasons
        assert model.params == sum(p.numel() for p in torch_model(source, name).parameters())
