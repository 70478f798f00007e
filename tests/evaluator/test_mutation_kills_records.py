"""Tests added to kill evaluator mutants (issue 18): cosmic-ray's mutants of
`macslint/evaluator/record_calls.py`, `records.py` and `namedtuple_calls.py` at ef00bd1 that
survived the evaluator's tests (benchmarks/mutation.py, tests/mutation_survivors.md). Each test
names the mutants it kills.

Config objects as tests/evaluator/test_config_objects.py checks them: every count of a model
comes from torch building and running the same source (`assert_matches_torch`), every layer
site's count from the layer torch's run of the source binds at module level
(`torch_namespace`, with `sys.argv = ["prog"]`); Python's semantics of a construct (hasattr,
isinstance, asdict vs astuple, is_dataclass, a `__post_init__` Python refuses) are proven by
torch building the model whose layer sizes depend on it. What stays unknown is checked for a
reason naming the construct (and its line where the reason gives one), with torch showing what
Python does there.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Dict

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, line_of, reasons, src, trace,
)


@pytest.fixture(autouse=True)
def importable_sources():
    """The sources run by torch as modules of these names (dataclasses looks its class's
    module up in sys.modules); no command line for argparse."""
    names = ("_macslint_tracer_test_model", "_macslint_config_test")
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update({name: types.ModuleType(name) for name in names})
    argv = sys.argv
    sys.argv = ["prog"]
    yield
    sys.argv = argv
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


def torch_namespace(source: str) -> Dict[str, Any]:
    """The module-level names of `source` as torch's run of it binds them. `dont_inherit`: the
    source runs as the file Python runs, not under this module's `from __future__ import
    annotations` (with it, dataclasses takes `x: InitVar[int]` for a field)."""
    namespace: Dict[str, Any] = {"__name__": "_macslint_config_test"}
    with torch.device("meta"):
        exec(compile(source, "<config>", "exec", dont_inherit=True), namespace)
    return namespace


def torch_params_of(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def site_at(result: Any, source: str, text: str) -> Any:
    line = line_of(source, text)
    found = [s for s in result.report.layers if s.line == line]
    assert len(found) == 1, [(s.line, s.call) for s in result.report.layers]
    return found[0]


def assert_sites_match_torch(source: str, **layers: str) -> None:
    """Each module-level layer `name=<text of its line>` is resolved with torch's params."""
    result = analyse(source)
    assert not codes(result, "MAC900"), codes(result, "MAC900")
    namespace = torch_namespace(source)
    for name, text in layers.items():
        site = site_at(result, source, text)
        assert site.resolved, site.reason
        assert site.params == torch_params_of(namespace[name]), name


def assert_incomplete(source: str, name: str, *texts: str) -> str:
    """Model `name` is incomplete, its totals unknown, its reasons holding each of `texts`."""
    model = trace(source, name)
    assert not model.complete
    assert model.params is None and model.macs is None
    why = reasons(model)
    for text in texts:
        assert text in why, why
    return why


# ------------------------------------------------------------------------- namedtuples

def test_namedtuple_with_a_default_for_every_field():
    """namedtuple_calls.py:31 (`len(defaults) > len(names)` -> `==`): as many defaults as
    fields is allowed (Python refuses only more)."""
    source = src("""
        from collections import namedtuple

        Pair = namedtuple("Pair", "a b", defaults=[6, 10])
        p = Pair()
        first = nn.Linear(p.a, p.b)
        second = nn.Linear(Pair(b=3).a, Pair(2).b)

        class Net(nn.Module):  # macslint: input-size=6
            def __init__(self, pair=Pair()):
                super().__init__()
                self.fc = nn.Linear(pair.a, pair.b + Pair(a=1).a)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, first="first = nn.Linear", second="second = nn.Linear")


def test_namedtuple_from_a_spread_of_values_is_no_internal_error():
    """namedtuple_calls.py:36 (`and` -> `or`): `NamedTuple(*spec.values())` has one argument
    node for its two arguments; the mutant read a second one (IndexError, MAC900). Python
    builds it; macslint may leave the layer unresolved (the field types are not read here),
    never crash or count it otherwise than torch."""
    source = src("""
        from typing import NamedTuple

        spec = {"typename": "T", "fields": [("x", int), ("y", int)]}
        T = NamedTuple(*spec.values())
        fc = nn.Linear(T(3, 4).y, 2)
    """)
    result = analyse(source)
    assert not codes(result, "MAC900"), codes(result, "MAC900")
    site = site_at(result, source, "fc = nn.Linear")
    if site.resolved:
        assert site.params == torch_params_of(torch_namespace(source)["fc"])
    else:
        assert "`T(...)`" in site.reason, site.reason
        torch_namespace(source)  # Python builds it


# ------------------------------------------------------------------------- dataclasses

DEFAULT_FACTORIES = src("""
    from collections import namedtuple
    from dataclasses import dataclass, field

    Pair = namedtuple("Pair", "a b", defaults=[3, 7])

    @dataclass
    class Inner:
        width: int = 4

    @dataclass
    class Config:
        inner: Inner = field(default_factory=Inner)
        pair: Pair = field(default_factory=Pair)
        depth: int = 2

    cfg = Config()
    fc = nn.Linear(cfg.inner.width, cfg.pair.b)

    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self, cfg=Config()):
            super().__init__()
            self.layers = nn.ModuleList(
                nn.Linear(cfg.inner.width, cfg.inner.width) for _ in range(cfg.depth))
            self.out = nn.Linear(cfg.inner.width, cfg.pair.a + cfg.pair.b)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.out(x)
""")


def test_default_factory_that_is_a_dataclass_or_a_namedtuple():
    """record_calls.py:288 and :290 (`not` added: the factory class is made as the call it is),
    :617 (`and` -> `or`: a factory that is a name, not a lambda)."""
    assert_matches_torch(DEFAULT_FACTORIES, "Net")
    assert_sites_match_torch(DEFAULT_FACTORIES, fc="fc = nn.Linear")


def test_asdict_and_astuple_of_nested_dataclasses():
    """record_calls.py:664 (`not` added, `==` -> `>`): a nested dataclass field becomes a dict
    in asdict() and a tuple in astuple()."""
    source = src("""
        from dataclasses import asdict, astuple, dataclass, field

        @dataclass
        class Inner:
            width: int = 6
            depth: int = 2

        @dataclass
        class Config:
            inner: Inner = field(default_factory=Inner)
            out: int = 5

        cfg = Config()
        as_dict = nn.Linear(asdict(cfg)["inner"]["width"], asdict(cfg)["out"])
        as_tuple = nn.Linear(astuple(cfg)[0][0], astuple(cfg)[0][1] + astuple(cfg)[1])

        class Net(nn.Module):  # macslint: input-size=6
            def __init__(self, cfg=Config(Inner(6, 3))):
                super().__init__()
                plain, flat = asdict(cfg), astuple(cfg)
                self.a = nn.Linear(plain["inner"]["width"], flat[0][1] + plain["out"])
                self.b = nn.Linear(flat[0][1] + flat[1], flat[0][0])

            def forward(self, x):
                return self.b(self.a(x))
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, as_dict="as_dict = nn.Linear", as_tuple="as_tuple = nn.Linear")


def test_is_dataclass_of_an_instance_a_class_and_other_values():
    """record_calls.py:631 (`len(positional) == 1` -> `!= 1`)."""
    source = src("""
        from collections import namedtuple
        from dataclasses import dataclass, is_dataclass

        Pair = namedtuple("Pair", "a b", defaults=[1, 2])

        @dataclass
        class Config:
            width: int = 8

        class Plain:
            width = 8

        cfg = Config()
        fc = nn.Linear(cfg.width, 1 + is_dataclass(cfg) + 2 * is_dataclass(Config)
                       + 4 * is_dataclass(Plain()) + 8 * is_dataclass(Pair()))

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, cfg=Config()):
                super().__init__()
                self.fc = nn.Linear(cfg.width, 1 + is_dataclass(cfg) + 2 * is_dataclass(Config)
                                    + 4 * is_dataclass(Plain()) + 8 * is_dataclass(3))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, fc="fc = nn.Linear")


def test_post_init_python_refuses_leaves_the_config_unknown():
    """record_calls.py:268 (`problem is not None` -> `is None`): a `__post_init__` that does
    not take the InitVar is called with it; Python raises TypeError, so the config made at
    module level is not known, and the reason says why and where."""
    source = src("""
        from dataclasses import dataclass, InitVar

        @dataclass
        class Config:
            width: int = 8
            scale: InitVar[int] = 2

            def __post_init__(self):
                self.width = self.width * 2

        cfg = Config()
        fc = nn.Linear(cfg.width, 2)
    """)
    site = site_at(analyse(source), source, "fc = nn.Linear")
    assert not site.resolved
    assert "Config()" in site.reason and f"line {line_of(source, 'cfg = Config()')}" in site.reason
    with pytest.raises(TypeError) as raised:  # torch's run of the same source
        torch_namespace(source)
    assert "takes 1 positional argument but 2 were given" in str(raised.value)
    assert "takes 1 positional argument" in site.reason and "but 2 were given" in site.reason


# ------------------------------------------------------------------------- namespaces

def test_missing_attribute_of_a_namespace_is_python_s_attribute_error():
    """record_calls.py:381 (`and` -> `or`): a namespace without the attribute (and nothing that
    may still set it) says what Python's AttributeError says, where."""
    source = src("""
        import types

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                ns = types.SimpleNamespace(width=8)
                self.fc = nn.Linear(ns.width, ns.depth)

            def forward(self, x):
                return self.fc(x)
    """)
    with pytest.raises(AttributeError) as raised:  # torch's run of the same source
        torch_namespace(source)["Net"]()
    assert "has no attribute 'depth'" in str(raised.value)
    assert_incomplete(source, "Net", "has no attribute 'depth'",
                      f"line {line_of(source, 'ns.depth')}")


def test_missing_attribute_of_parsed_arguments_at_module_level():
    """record_calls.py:381, reading the file: `parse_args()`'s namespace without the option."""
    source = src("""
        import argparse

        parser = argparse.ArgumentParser()
        parser.add_argument("--width", type=int, default=8)
        args = parser.parse_args()
        fc = nn.Linear(args.width, args.depth)
    """)
    with pytest.raises(AttributeError) as raised:
        torch_namespace(source)
    assert "has no attribute 'depth'" in str(raised.value)
    site = site_at(analyse(source), source, "fc = nn.Linear")
    assert not site.resolved
    assert "has no attribute 'depth'" in site.reason
    assert f"line {line_of(source, 'args.depth')}" in site.reason


# ------------------------------------------------------------------------- builtins

def test_an_empty_dict_and_bool_built_in_a_model():
    """record_calls.py:513 (`name == "globals"` -> `<=`): `dict()` and `bool()` with no
    arguments are an empty dict and False, not the module's names."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                table = dict()
                table["hidden"] = 5
                self.fc = nn.Linear(8, table["hidden"] + len(dict()) + bool())

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_dict_of_an_instance_dict_in_a_model():
    """record_calls.py:545 (`name == "dict"` -> `<`): `dict(cfg.__dict__, k=v)` while building
    a model."""
    source = src("""
        class Config:
            def __init__(self):
                self.width = 8
                self.depth = 2

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, cfg=Config()):
                super().__init__()
                sizes = dict(cfg.__dict__, depth=3)
                self.layers = nn.Sequential(
                    *[nn.Linear(sizes["width"], sizes["width"]) for _ in range(sizes["depth"])])

            def forward(self, x):
                return self.layers(x)
    """)
    assert_matches_torch(source, "Net")


def test_hasattr_and_getattr_of_a_config_instance():
    """record_calls.py:528 (`name == "hasattr"` -> `is`: the name read from the file is not the
    interned literal; the mutant returned the attribute's value) and :580 (`name ==
    "__dict__"` -> `<=`: a name sorting before "__dict__", "Missing", is not an attribute)."""
    source = src("""
        class Config:
            def __init__(self):
                self.width = 8

        cfg = Config()
        has = nn.Linear(cfg.width, 2 + hasattr(cfg, "width"))
        has_not = nn.Linear(cfg.width, 2 + hasattr(cfg, "Missing") + 2 * hasattr(cfg, "__dict__"))
        default = nn.Linear(cfg.width, getattr(cfg, "Other", 5) + getattr(cfg, "width", 1))

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, cfg=Config()):
                super().__init__()
                self.fc = nn.Linear(cfg.width, 2 + hasattr(cfg, "width") + 2 * hasattr(cfg, "Missing")
                                    + getattr(cfg, "Other", 5))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, has="has = nn.Linear", has_not="has_not = nn.Linear",
                             default="default = nn.Linear")


def test_isinstance_of_config_objects():
    """record_calls.py:540 (`args[0]` -> `args[-1]`: the object, not the class, is the record)
    and :541 (`args[0].owner` -> `args[1].owner`: a NamedTuple class's instance)."""
    source = src("""
        from typing import NamedTuple

        class Config:
            def __init__(self):
                self.width = 8

        class Sizes(NamedTuple):
            depth: int = 3

        cfg, sizes = Config(), Sizes()
        fc = nn.Linear(cfg.width, 1 + isinstance(cfg, Config) + 2 * isinstance(sizes, Sizes)
                       + 4 * isinstance(sizes, Config) + 8 * isinstance(cfg, Sizes))

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, cfg=Config(), sizes=Sizes()):
                super().__init__()
                self.fc = nn.Linear(cfg.width, 1 + isinstance(cfg, Config) + 2 * isinstance(sizes, Sizes)
                                    + 4 * isinstance(sizes, Config) + 8 * isinstance(cfg, Sizes))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, fc="fc = nn.Linear")


def test_dict_of_pairs_and_of_an_unknown_value_reading_the_file(monkeypatch):
    """record_calls.py:570 (`not` added): reading the file, `dict()` of a list of pairs is not
    evaluated (the mutant returned the list itself, whose `["in"]` "raises TypeError", which
    Python does not), and `dict()` of an unknown value keeps the reason it is unknown."""
    source = src("""
        import some_lib

        widths = dict([("in", 4), ("out", 3)])
        pairs = nn.Linear(widths["in"], widths["out"])
        table = dict(some_lib.WIDTHS)
        lib = nn.Linear(table["in"], 2)
    """)
    result = analyse(source)
    pairs, lib = site_at(result, source, "pairs = nn.Linear"), site_at(result, source, "lib = nn.Linear")
    monkeypatch.setitem(sys.modules, "some_lib", types.SimpleNamespace(WIDTHS={"in": 6}))
    namespace = torch_namespace(source)  # Python builds both layers
    if pairs.resolved:
        assert pairs.params == torch_params_of(namespace["pairs"])
    else:
        assert "`dict(...)`" in pairs.reason and "raises" not in pairs.reason, pairs.reason
    assert not lib.resolved and "some_lib" in lib.reason, lib.reason


# ------------------------------------------------------------------------- constructors

def test_init_ending_in_a_bare_return_is_read():
    """record_calls.py:689 (`statements[-1]` -> `statements[not 1]`): a `return` as the last
    statement of `__init__` is not an early one."""
    source = src("""
        class Config:
            def __init__(self, width=8):
                self.width = width
                self.depth = 2
                return

        cfg = Config()
        fc = nn.Linear(cfg.width, cfg.depth)

        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self, cfg=Config(16)):
                super().__init__()
                self.fc = nn.Linear(cfg.width, cfg.depth)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, fc="fc = nn.Linear")


def nested_configs(depth: int) -> str:
    """`C0()` whose `__init__` makes `C1()` ... down to `C{depth-1}`, which sets the width:
    `depth` constructors run inside one another."""
    classes = []
    for i in range(depth):
        body = "self.width = 8" if i == depth - 1 else f"self.inner = C{i + 1}()"
        classes.append(f"class C{i}:\n    def __init__(self):\n        {body}\n")
    path = "cfg" + ".inner" * (depth - 1) + ".width"
    return src("\n".join(classes) + f"""
cfg = C0()
fc = nn.Linear({path}, 2)


class Net(nn.Module):  # macslint: input-size=8
    def __init__(self, cfg=C0()):
        super().__init__()
        self.fc = nn.Linear({path}, 2)

    def forward(self, x):
        return self.fc(x)
""")


def test_constructors_nested_at_the_limit_and_past_it():
    """record_calls.py:33 (MAX_CONSTRUCTOR_DEPTH 8 -> 9): reading the file, 8 constructors run
    inside one another are read; the 9th is not, and what depends on it is unknown, with the
    reason naming its `__init__`. torch builds both."""
    at_limit = nested_configs(8)
    assert_matches_torch(at_limit, "Net")
    assert_sites_match_torch(at_limit, fc="fc = nn.Linear")
    past = nested_configs(9)
    assert torch_params_of(torch_namespace(past)["fc"]) == torch_params_of(
        torch_namespace(at_limit)["fc"])  # the same layer, one level deeper
    assert_incomplete(past, "Net", "__init__() of C8 instance nests too deep to be read")
    site = site_at(analyse(past), past, "fc = nn.Linear")
    assert not site.resolved and "__init__() of C8 instance nests too deep" in site.reason


def test_constructors_read_per_file_at_the_limit_and_past_it():
    """record_calls.py:313 (`record_walks >= MAX_CONSTRUCTOR_WALKS` -> `>`): reading a file,
    2,000 constructor runs are read; the 2,001st is not, and what depends on it is unknown."""
    lines = "\n".join(f"c{i} = Leaf()" for i in range(1998))
    source = src(f"""
class Leaf:
    def __init__(self, width=8):
        self.width = width


{lines}
last = Leaf(16)  # the 1,999th
at_limit = Leaf(24)  # the 2,000th
past = Leaf(32)  # the 2,001st
a = nn.Linear(at_limit.width, 2)
b = nn.Linear(past.width, 2)
""")
    assert_sites_match_torch(source, a="a = nn.Linear")
    site = site_at(analyse(source), source, "b = nn.Linear")
    assert not site.resolved and "__init__() of Leaf instance nests too deep" in site.reason
    assert torch_params_of(torch_namespace(source)["b"]) > 0  # Python builds it


# ------------------------------------------------------------------------- StdName

def test_names_bound_to_different_dataclasses_helpers_in_branches_are_unknown(monkeypatch):
    """records.py:32 (`other.path == self.path` -> `is not`: two names of different paths were
    equal): after `if <not known>:` binding `astuple` in one branch and `asdict` in the other,
    the name is unknown (so is what calling it gives), as what the layer gets depends on the
    branch (torch: a Linear(4, 5) or a KeyError)."""
    source = src("""
        import dataclasses

        import some_lib

        @dataclasses.dataclass
        class Sizes:
            width: int = 3
            depth: int = 5

        if some_lib.flag():
            as_plain = dataclasses.astuple
        else:
            as_plain = dataclasses.asdict
        fc = nn.Linear(4, as_plain(Sizes())[1])
    """)
    site = site_at(analyse(source), source, "fc = nn.Linear")
    assert not site.resolved
    assert "`as_plain(...)`" in site.reason, site.reason
    monkeypatch.setitem(sys.modules, "some_lib", types.SimpleNamespace(flag=lambda: True))
    assert torch_namespace(source)["fc"].out_features == 5
    monkeypatch.setitem(sys.modules, "some_lib", types.SimpleNamespace(flag=lambda: False))
    with pytest.raises(KeyError):
        torch_namespace(source)


# ------------------------------------------------------------------------- second batch
# (tests/mutation_survivors.md: record_calls.py, records.py, argparse_calls.py)

def test_init_var_named_through_the_dataclasses_module():
    """record_calls.py:103 (`.split(".")[-1]` -> `[not 1]`, the first part: "dataclasses"):
    `scale: dataclasses.InitVar[int]` is an InitVar, given to `__post_init__` and not a
    field (so not in `astuple`)."""
    source = src("""
        import dataclasses
        from dataclasses import astuple, dataclass

        @dataclass
        class Config:
            width: int = 8
            scale: dataclasses.InitVar[int] = 2

            def __post_init__(self, scale):
                self.width = self.width * scale

        cfg = Config()
        default = nn.Linear(cfg.width, 3)
        given = nn.Linear(Config(3, 3).width, astuple(Config(scale=5))[-1])
    """)
    namespace = torch_namespace(source)
    assert [f.name for f in namespace["dataclasses"].fields(namespace["cfg"])] == ["width"]
    assert_sites_match_torch(source, default="default = nn.Linear", given="given = nn.Linear")


def test_keyword_only_fields_are_not_positional():
    """record_calls.py:238 (`!= "kw_only"` -> `<= "kw_only"`, true of every kind): the fields
    after a `KW_ONLY` marker (here a base's) are not filled by position. `Config(16)` sets
    `width`; `Both(3, 4)` gives two positional arguments to one positional field, which
    Python refuses (the mutant set the keyword-only field from the second)."""
    source = src("""
        from dataclasses import dataclass, KW_ONLY

        @dataclass
        class Base:
            _: KW_ONLY
            scale: int = 2

        @dataclass
        class Config(Base):
            width: int = 8

        cfg = Config(16)
        fc = nn.Linear(cfg.width, cfg.scale + Config(4, scale=3).scale)

        @dataclass
        class Both:
            a: int = 1
            _: KW_ONLY
            b: int = 2

        refused = nn.Linear(4, Both(3, 4).b)
    """)
    with pytest.raises(TypeError) as raised:  # torch's run of the same source
        torch_namespace(source)
    assert "positional argument" in str(raised.value)
    fine = source[:source.index("@dataclass\nclass Both")]
    assert_sites_match_torch(fine, fc="fc = nn.Linear")
    site = site_at(analyse(source), source, "refused = nn.Linear")
    assert not site.resolved
    assert "Both()" in site.reason and "positional argument" in site.reason, site.reason
    assert f"line {line_of(source, 'refused = nn.Linear')}" in site.reason, site.reason


def test_default_factory_of_a_builtin_container():
    """record_calls.py:281 (`factory is not set` -> `is set`): `field(default_factory=list)`
    (dict, tuple) is a new empty container, read both by the file's walk and in a model."""
    source = src("""
        from dataclasses import dataclass, field

        @dataclass
        class Config:
            sizes: list = field(default_factory=list)
            extra: dict = field(default_factory=dict)
            pair: tuple = field(default_factory=tuple)

        cfg = Config()
        fc = nn.Linear(cfg.extra.get("width", 8), 2 + (cfg.pair == ()) + 2 * (cfg.sizes == []))

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, cfg=Config()):
                super().__init__()
                sizes = cfg.sizes + [3]
                self.fc = nn.Linear(cfg.extra.get("width", 8), 2 + len(sizes) + len(cfg.pair))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, fc="fc = nn.Linear")


def test_print_and_str_reading_the_file():
    """record_calls.py:549 (`name == "print"` -> `>`): reading the file, `print(...)` is None
    and `str(8)` is "8" (the mutant: `print` not evaluated, `str(...)` None)."""
    source = src("""
        shown = print("width", 8)
        a = nn.Linear(4, 2 if shown is None else 3)
        b = nn.Linear(int(str(8)), 2)
    """)
    assert_sites_match_torch(source, a="a = nn.Linear", b="b = nn.Linear")


def test_int_of_strings_up_to_the_length_read():
    """record_calls.py:557 (`len(value) > 100` -> `<= 100`): reading the file, `int()` of a
    string of 1 and of 100 characters is evaluated; of 101 it may stay unknown, saying why."""
    source = src("""
        short = nn.Linear(int("8"), 2)
        at_limit = nn.Linear(int("0" * 99 + "6"), 2)
        longer = nn.Linear(int("0" * 100 + "6"), 2)
    """)
    assert_sites_match_torch(source, short="short = nn.Linear", at_limit="at_limit = nn.Linear")
    longer = site_at(analyse(source), source, "longer = nn.Linear")
    if longer.resolved:
        assert longer.params == torch_params_of(torch_namespace(source)["longer"])
    else:
        assert "`int()` of a long string" in longer.reason, longer.reason


def test_int_of_an_infinite_float_is_python_s_overflow_error():
    """record_calls.py:561 (ExceptionReplacer: `ArithmeticError` replaced): `int(1e400)`
    raises OverflowError (an ArithmeticError) in Python; reading the file it is unknown with
    that reason, not an internal error (the mutant let the OverflowError escape)."""
    source = src("""
        fc = nn.Linear(int(1e400), 2)
        ok = nn.Linear(int(float("8")), 2)
    """)
    with pytest.raises(OverflowError):  # torch's run of the same source
        torch_namespace(source)
    result = analyse(source)
    assert not codes(result, "MAC900"), codes(result, "MAC900")
    site = site_at(result, source, "fc = nn.Linear")
    assert not site.resolved
    assert "`int()` raises OverflowError" in site.reason, site.reason
    ok = site_at(result, source, "ok = nn.Linear")
    assert ok.resolved and ok.params == torch_params_of(
        torch_namespace(source.replace("fc = nn.Linear(int(1e400), 2)\n", ""))["ok"])


@pytest.mark.parametrize("made", ["types.SimpleNamespace(width=8)", "argparse.Namespace(width=8)"])
def test_missing_attribute_of_a_namespace_names_its_type(made):
    """record_calls.py:606 (`path.split(".")[-1]` -> `[~1]`, the module's name): the reason
    names the namespace's type as Python's AttributeError does (`type(obj).__name__`:
    SimpleNamespace, Namespace), not its module ("types", "argparse")."""
    source = src(f"""
        import argparse
        import types

        ns = {made}
        fc = nn.Linear(ns.width, ns.depth)
    """)
    with pytest.raises(AttributeError) as raised:  # torch's run of the same source
        torch_namespace(source)
    python_type = type(raised.value.obj).__name__
    assert python_type in str(raised.value)
    site = site_at(analyse(source), source, "fc = nn.Linear")
    assert not site.resolved
    assert f"{python_type} has no attribute 'depth'" in site.reason, site.reason
    assert f"line {line_of(source, 'ns.depth')}" in site.reason, site.reason


def test_constructor_arguments_bound_in_order_and_defaults():
    """record_calls.py:711 (`rest.pop(0)` -> `pop(-1)`: the arguments bound from the last,
    `self` given the last of them) and :730 (ZeroIterationForLoop: no parameter left out
    takes its default, keyword-only ones included): a constructor read by the file's walk."""
    source = src("""
        class Config:
            def __init__(self, width, depth=2, *, scale=3):
                self.width = width
                self.depth = depth
                self.scale = scale

        first = Config(8)
        second = Config(8, 5, scale=1)
        a = nn.Linear(first.width, first.depth * first.scale)
        b = nn.Linear(second.width + second.depth, second.scale)

        class Net(nn.Module):  # macslint: input-size=6
            def __init__(self, cfg=Config(6, 4)):
                super().__init__()
                self.fc = nn.Linear(cfg.width, cfg.depth + cfg.scale)

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")
    assert_sites_match_torch(source, a="a = nn.Linear", b="b = nn.Linear")
