"""Config objects and argparse defaults (issue 19, "models as people write them"): dataclasses,
namedtuples, namespaces, plain classes used as attribute bags, dicts, and `argparse` parsers,
read by the file's walk and run by the model builds.

Every count of a model comes from torch (`assert_matches_torch`: the same source built and
run by PyTorch); every layer site's count from the layer torch builds from the same source
(`torch_site_params`: the module-level names torch's run of the source binds, with
`sys.argv = ["prog"]`, so argparse sees no command line). What stays unknown is checked for a
reason naming the construct and its line."""

from __future__ import annotations

import sys
import textwrap
import types
from typing import Any, Dict

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, line_of, reasons, src, trace,
)

GPT = """
class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln = nn.LayerNorm(config.n_embd)
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)

    def forward(self, x):
        return x + self.proj(F.gelu(self.fc(self.ln(x))))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.wte = nn.Linear(config.vocab_size, config.n_embd)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

    def forward(self, idx):
        x = self.wte(idx)
        for block in self.h:
            x = block(x)
        return self.head(x)
"""


@pytest.fixture(autouse=True)
def importable_sources():
    """The sources run by torch as modules of these names (dataclasses looks its class's
    module up in sys.modules)."""
    names = ("_macslint_tracer_test_model", "_macslint_config_test")
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update({name: types.ModuleType(name) for name in names})
    argv = sys.argv
    sys.argv = ["prog"]  # argparse in torch's run of a source: no command line
    yield
    sys.argv = argv
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


def torch_namespace(source: str) -> Dict[str, Any]:
    """The module-level names of `source` as torch's run of it binds them (with no command
    line: the fixture sets `sys.argv = ["prog"]`)."""
    namespace: Dict[str, Any] = {"__name__": "_macslint_config_test"}
    with torch.device("meta"):
        exec(compile(source, "<config>", "exec", dont_inherit=True), namespace)
    return namespace


def site_at(result: Any, source: str, text: str) -> Any:
    line = line_of(source, text)
    found = [s for s in result.report.layers if s.line == line]
    assert len(found) == 1, [(s.line, s.call) for s in result.report.layers]
    return found[0]


def assert_sites_match_torch(source: str, **layers: str) -> None:
    """Each module-level layer `name=<text of its line>` is resolved with torch's params."""
    result = analyse(source)
    namespace = torch_namespace(source)
    for name, text in layers.items():
        site = site_at(result, source, text)
        assert site.resolved, site.reason
        assert site.params == sum(p.numel() for p in namespace[name].parameters()), name


# --------------------------------------------------------------------------- dataclasses

def test_dataclass_config_built_by_a_factory():
    source = src("""
        from dataclasses import dataclass

        @dataclass
        class GPTConfig:
            vocab_size: int = 100
            n_layer: int = 12
            n_embd: int = 64
            bias: bool = True
    """ + textwrap.indent(GPT, " " * 8) + """
        def small():  # macslint: input-size=5x100
            return GPT(GPTConfig(n_layer=2, n_embd=32))

        def positional():  # macslint: input-size=7x50
            return GPT(GPTConfig(50, 3, 16, False))

        class Default(GPT):  # macslint: input-size=100
            def __init__(self, config=None):
                super().__init__(config or GPTConfig(n_layer=1))
    """)
    for name in ("small", "positional", "Default"):
        assert_matches_torch(source, name)


def test_dataclass_post_init_field_and_default_factory_under_both_policies():
    source = src("""
        import dataclasses
        from dataclasses import field

        @dataclasses.dataclass(frozen=True)
        class Config:
            width: int = 8
            heads: int = 2
            sizes: list = field(default_factory=lambda: [3, 5])
            extra: int = field(default=7)
            head_dim: int = field(init=False, default=0)

            def __post_init__(self):
                object.__setattr__(self, "head_dim", self.width // self.heads)

        class Net(nn.Module):  # macslint: input-size=24
            def __init__(self, config=Config(width=24, heads=3)):
                super().__init__()
                self.a = nn.Linear(config.width, config.head_dim)
                self.b = nn.Linear(config.head_dim, config.sizes[1] + config.extra)

            def forward(self, x):
                return self.b(self.a(x))

        cfg = Config(16, 4)
        head = nn.Linear(cfg.head_dim, cfg.extra)
        wide = nn.Linear(dataclasses.replace(cfg, width=40).head_dim, 2)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, head="head = nn.Linear", wide="wide = nn.Linear")


def test_dataclass_post_init_derives_fields_and_inheritance():
    source = src("""
        from dataclasses import dataclass, asdict, fields, replace

        @dataclass
        class Base:
            n_embd: int = 32
            n_head: int = 4

        @dataclass
        class Config(Base):
            n_layer: int = 2
            vocab_size: int = None

            def __post_init__(self):
                self.head_dim = self.n_embd // self.n_head
                if self.vocab_size is None:
                    self.vocab_size = 50

        class Net(nn.Module):  # macslint: input-size=32
            def __init__(self, config=None):
                super().__init__()
                config = config or Config()
                names = [f.name for f in fields(config)]
                self.layers = nn.ModuleList(
                    nn.Linear(config.n_embd, config.n_embd) for _ in range(config.n_layer))
                self.out = nn.Linear(config.n_embd, config.vocab_size + len(names))
                self.heads = nn.Linear(config.head_dim, 1)

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return self.out(x)

        def bigger():  # macslint: input-size=64
            return Net(replace(Config(), n_embd=64, n_layer=3))

        def from_dict():  # macslint: input-size=32
            return Net(Config(**asdict(Config(vocab_size=7))))

        cfg = Config(n_head=8)
        per_head = nn.Linear(cfg.head_dim, cfg.vocab_size)
    """)
    assert_matches_torch(source, "Net", check_calls=False)
    assert_matches_torch(source, "bigger", check_calls=False)
    assert_matches_torch(source, "from_dict", check_calls=False)
    assert_sites_match_torch(source, per_head="per_head = nn.Linear")


def test_frozen_dataclass_assignment_raises():
    source = src("""
        from dataclasses import dataclass

        @dataclass(frozen=True)
        class Config:
            width: int = 8

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, config=Config()):
                super().__init__()
                config.width = 16
                self.fc = nn.Linear(config.width, 2)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert "FrozenInstanceError" in reasons(model)
    assert f"line {line_of(source, 'config.width = 16')}" in reasons(model)
    with pytest.raises(Exception, match="cannot assign"):
        torch_namespace(source)["Net"]()


# --------------------------------------------------------------------------- namedtuples

def test_namedtuples_class_and_functional_forms():
    source = src("""
        from collections import namedtuple
        from typing import NamedTuple

        class Sizes(NamedTuple):
            width: int
            depth: int = 2

            @property
            def hidden(self):
                return self.width * 2

        Pair = namedtuple("Pair", "a b", defaults=[6])
        Typed = NamedTuple("Typed", [("x", int), ("y", int)])

        class Net(nn.Module):  # macslint: input-size=12
            def __init__(self, sizes=Sizes(12), pair=Pair(4)):
                super().__init__()
                width, depth = sizes
                self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
                self.mid = nn.Linear(sizes.width, sizes[0] + sizes.hidden)
                changed = sizes._replace(width=sizes.hidden + sizes.width)
                self.out = nn.Linear(changed.width, pair.b + pair._asdict()["a"])

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return self.out(self.mid(x))

        p = Pair(3, b=5)
        t = Typed(2, y=9)
        first = nn.Linear(p.a, p[1])
        second = nn.Linear(t.x, t.y)
        third = nn.Linear(Sizes(7).depth, Sizes(7, 1)._replace(depth=4).depth)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, first="first = nn.Linear", second="second = nn.Linear",
                             third="third = nn.Linear")


# --------------------------------------------------------------------------- namespaces

def test_simple_namespace_and_argparse_namespace():
    source = src("""
        import argparse
        import types

        cfg = types.SimpleNamespace(width=10, depth=3)
        cfg.depth = cfg.depth + 1
        ns = argparse.Namespace(hidden=6, **vars(cfg))

        class Net(nn.Module):  # macslint: input-size=10
            def __init__(self, cfg=cfg):
                super().__init__()
                self.layers = nn.Sequential(*[nn.Linear(cfg.width, cfg.width)
                                              for _ in range(cfg.depth)])

            def forward(self, x):
                return self.layers(x)

        fc = nn.Linear(ns.hidden, ns.depth)
        other = nn.Linear(getattr(ns, "width"), getattr(ns, "missing", 5))
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, fc="fc = nn.Linear", other="other = nn.Linear")


def test_vars_of_a_config_in_a_models_init():
    """`vars(cfg)` read while the model is built (it was "'vars' is not defined")."""
    source = src("""
        import dataclasses
        import types

        cfg = types.SimpleNamespace(width=10, depth=3)

        @dataclasses.dataclass
        class Config:
            hidden: int = 6

        class Net(nn.Module):  # macslint: input-size=10
            def __init__(self, config=Config()):
                super().__init__()
                d = vars(cfg)
                self.fc = nn.Linear(d["width"], vars(config)["hidden"])
                self.out = nn.Linear(config.hidden, vars(cfg)["depth"])

            def forward(self, x):
                return self.out(self.fc(x))
    """)
    assert_matches_torch(source, "Net")


# --------------------------------------------------------------------------- plain classes

def test_plain_config_classes():
    source = src("""
        class Config:
            n_layer = 2
            n_embd = 16

        class InitConfig:
            def __init__(self, n_embd=24, **kwargs):
                self.n_embd = n_embd
                self.n_layer = 1
                for key, value in kwargs.items():
                    setattr(self, key, value)

        class MinGPTConfig:
            n_embd = 8
            def __init__(self, **kwargs):
                self.__dict__.update(kwargs)

        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self, config=Config()):
                super().__init__()
                self.layers = nn.ModuleList(
                    nn.Linear(config.n_embd, config.n_embd) for _ in range(config.n_layer))

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x

        class ByClass(Net):  # macslint: input-size=16
            def __init__(self):
                super().__init__(Config)

        def with_init():  # macslint: input-size=32
            return Net(InitConfig(32, n_layer=3))

        def mingpt():  # macslint: input-size=12
            return Net(MinGPTConfig(n_embd=12, n_layer=4))

        cfg = InitConfig(n_embd=5)
        cfg.n_layer += 6
        mg = MinGPTConfig(n_layer=3)
        a = nn.Linear(Config.n_embd, Config().n_layer)
        b = nn.Linear(cfg.n_embd, cfg.n_layer)
        c = nn.Linear(mg.n_embd, mg.n_layer)
    """)
    for name in ("Net", "ByClass", "with_init", "mingpt"):
        assert_matches_torch(source, name)
    # `setattr` in a loop over `kwargs`: the file's walk reads the loop once, not item by item
    result = analyse(source)
    assert site_at(result, source, "a = nn.Linear").resolved
    assert_sites_match_torch(source, a="a = nn.Linear", c="c = nn.Linear")
    b = site_at(result, source, "b = nn.Linear")
    assert not b.resolved and f"line {line_of(source, 'setattr(self, key, value)')}" in b.reason


def test_a_config_given_to_a_call_not_followed_is_unknown():
    source = src("""
        import some_lib

        class Config:
            def __init__(self):
                self.width = 8

        cfg = Config()
        some_lib.tweak(cfg)
        fc = nn.Linear(cfg.width, 2)
    """)
    site = site_at(analyse(source), source, "fc = nn.Linear")
    assert not site.resolved
    assert "some_lib.tweak" in site.reason and f"line {line_of(source, 'some_lib.tweak')}" in site.reason


def test_attribute_set_under_an_unknown_condition_is_unknown():
    source = src("""
        import sys

        class Config:
            def __init__(self):
                self.width = 8
                if sys.maxsize < 0:
                    self.width = 16

        cfg = Config()
        fc = nn.Linear(cfg.width, 2)
    """)
    site = site_at(analyse(source), source, "fc = nn.Linear")
    assert not site.resolved
    assert f"line {line_of(source, 'self.width = 16')}" in site.reason


# --------------------------------------------------------------------------- dicts

def test_dicts_as_configs():
    source = src("""
        base = {"width": 8, "depth": 2}
        cfg = {**base, "depth": 3}
        small = dict(base, width=4)

        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self, config=small):
                super().__init__()
                self.layers = nn.ModuleList(
                    nn.Linear(config["width"], config.get("width")) for _ in range(config["depth"]))
                self.out = nn.Linear(config["width"], config.get("classes", 10))

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return self.out(x)

        a = nn.Linear(cfg["width"], cfg["depth"])
        b = nn.Linear(small.get("width"), small.get("missing", 7))
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, a="a = nn.Linear", b="b = nn.Linear")


# --------------------------------------------------------------------------- argparse

ARGPARSE = """
        import argparse

        parser = argparse.ArgumentParser(description="train")
        parser.add_argument("--nz", type=int, default=100, help="size of the latent z vector")
        parser.add_argument("--ngf", type=int, default="64")
        parser.add_argument("--n-layers", type=int, default=3, choices=[1, 2, 3])
        parser.add_argument("--hidden", dest="width", default=32)
        parser.add_argument("--scale", type=float, default="2.5")
        parser.add_argument("--no-bias", action="store_true")
        parser.add_argument("--affine", action="store_false")
        parser.add_argument("--sizes", type=int, nargs="+", default=[4, 5])
        parser.add_argument("rest", nargs="*")
        group = parser.add_argument_group("model")
        group.add_argument("--out", type=int, default=10)
        parser.set_defaults(extra=3)
        opt = parser.parse_args()
        nz = int(opt.nz)
        known, unknown = parser.parse_known_args()
"""


def test_argparse_defaults_at_module_level():
    source = src(ARGPARSE + """
        fc = nn.Linear(opt.nz, 10)
        up = nn.ConvTranspose2d(nz, opt.ngf * 8, 4, 1, 0, bias=not opt.no_bias)
        deep = nn.Linear(opt.n_layers, opt.width)
        scaled = nn.Linear(int(opt.scale * 2), opt.out + opt.extra)
        norm = nn.BatchNorm2d(opt.sizes[1], affine=opt.affine)
        known_fc = nn.Linear(known.nz, (unknown or 2) + (opt.rest or 3))
    """)
    assert_sites_match_torch(source, fc="fc = nn.Linear", up="up = nn.ConvTranspose2d",
                             deep="deep = nn.Linear", scaled="scaled = nn.Linear",
                             norm="norm = nn.BatchNorm2d", known_fc="known_fc = nn.Linear")


def test_argparse_options_build_a_model():
    source = src(ARGPARSE + """
        class Generator(nn.Module):  # macslint: input-size=100
            def __init__(self, opt=opt):
                super().__init__()
                layers = [nn.Linear(opt.nz, opt.width)]
                for _ in range(opt.n_layers):
                    layers += [nn.Linear(opt.width, opt.width), nn.ReLU()]
                self.main = nn.Sequential(*layers, nn.Linear(opt.width, opt.out, bias=not opt.no_bias))

            def forward(self, x):
                return self.main(x)
    """)
    assert_matches_torch(source, "Generator")


def test_argparse_argument_without_default_is_unknown_with_the_reason():
    source = src("""
        import argparse

        parser = argparse.ArgumentParser()
        parser.add_argument("--data", type=int, required=True)
        parser.add_argument("classes", type=int)
        parser.add_argument("--width", type=int, default=8)
        args = parser.parse_args()
        a = nn.Linear(args.width, args.data)
        b = nn.Linear(args.width, args.classes)
        c = nn.Linear(args.width, 4)
    """)
    result = analyse(source)
    a, b = site_at(result, source, "a = nn.Linear"), site_at(result, source, "b = nn.Linear")
    assert not a.resolved and not b.resolved
    assert "`--data` has no default: it must be given on the command line" in a.reason
    assert f"line {line_of(source, '--data')}" in a.reason
    assert "`classes` has no default" in b.reason
    assert f"line {line_of(source, 'classes')}" in b.reason
    assert site_at(result, source, "c = nn.Linear").resolved
    with pytest.raises(SystemExit):  # argparse refuses the empty command line
        torch_namespace(source)


def test_argparse_subparsers_and_unknown_arguments_do_not_crash():
    source = src("""
        import argparse

        parser = argparse.ArgumentParser()
        parser.add_argument("--width", type=int, default=8)
        sub = parser.add_subparsers(dest="command")
        train = sub.add_parser("train")
        train.add_argument("--epochs", type=int, default=3)
        for name in ("a", "b"):
            parser.add_argument(f"--{name}", type=int, default=1)
        args = parser.parse_args()
        a = nn.Linear(args.width, 2)
        b = nn.Linear(args.width, args.epochs)
        c = nn.Linear(args.width, args.a)
    """)
    result = analyse(source)
    assert site_at(result, source, "a = nn.Linear").resolved
    b = site_at(result, source, "b = nn.Linear")
    assert not b.resolved and f"line {line_of(source, 'add_subparsers')}" in b.reason
    c = site_at(result, source, "c = nn.Linear")
    assert not c.resolved and f"line {line_of(source, 'parser.add_argument(f')}" in c.reason


def test_argparse_in_a_factory_is_run():
    source = src("""
        import argparse

        def get_args():
            parser = argparse.ArgumentParser()
            parser.add_argument("--width", type=int, default=12)
            parser.add_argument("--deep", action="store_true")
            return parser.parse_args()

        class Net(nn.Module):
            def __init__(self, args):
                super().__init__()
                self.fc = nn.Linear(args.width, 3 if args.deep else 5)

            def forward(self, x):
                return self.fc(x)

        def build():  # macslint: input-size=12
            return Net(get_args())
    """)
    assert_matches_torch(source, "build")
