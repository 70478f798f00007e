"""Values model code computes sizes with (issue 19): numpy helpers on known numbers,
`callable()`, a project module's `__dict__` / `getattr` / `globals()`, `torch.tensor(...)`,
and the items of `torch.linspace(...)` while building a model.

The models are built by torch from the same source (tracer_helpers.assert_matches_torch).
numpy is not installed here and must not be needed: the torch side of a numpy test runs the
source with `np` bound to a stand-in made of Python's `math` (`math.prod`, `math.sqrt`...),
whose results equal numpy's for the values used (said at each use); nothing of macslint's.
"""

from __future__ import annotations

import math
import sys
import types

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.engine import check_file
from macslint.evaluator.numpy_values import numpy_call
from macslint.evaluator.values import Unknown
from tests.torchnn.tracer_helpers import (
    assert_matches_torch, line_of, reasons, src, torch_counts, torch_model, trace,
)


@pytest.fixture
def math_numpy():
    """`import numpy as np` for torch's side: Python's math, importable as `_math_numpy` (not
    as `numpy`: torch probes that module). For the integers and exact values these tests use
    numpy gives the same numbers (`np.prod((1, 4, 4))` is 16, `np.sqrt(64)` is 8.0,
    `np.log2(16)` is 4.0, `np.ceil(2.5)` is 3.0, `np.maximum(3, 5)` is 5)."""
    fake = types.ModuleType("_math_numpy")
    fake.prod = lambda xs: math.prod(xs) if xs else 1.0
    fake.sqrt, fake.log2, fake.pi = math.sqrt, math.log2, math.pi
    fake.ceil = lambda x: float(math.ceil(x)) if isinstance(x, float) else x
    fake.maximum, fake.int64 = max, int
    sys.modules["_math_numpy"] = fake
    yield
    sys.modules.pop("_math_numpy", None)


def torch_side(source: str) -> str:
    """The same source with numpy's import replaced by the stand-in's (the only change)."""
    return source.replace("import numpy as np\n", "import _math_numpy as np\n", 1)


NUMPY_GAN = src("""
    img_shape = (1, 4, 4)
    width = int(np.sqrt(64)) * int(np.log2(16))          # 8 * 4


    class Generator(nn.Module):  # macslint: input-size=8
        def __init__(self, latent=8):
            super().__init__()
            hidden = int(np.maximum(3, 5)) * int(np.ceil(2.5))   # 5 * 3
            self.fc = nn.Linear(latent, hidden)
            self.out = nn.Linear(hidden, int(np.prod(img_shape)))
            self.extra = nn.Linear(width, np.int64(2))

        def forward(self, x):
            return self.out(self.fc(x))
""", header="import numpy as np\n" + "import torch\nimport torch.nn as nn\n")


def test_numpy_helpers_on_known_numbers_match_torch(math_numpy):
    model = trace(NUMPY_GAN, "Generator")
    assert model.complete, model.reasons
    expected = torch_counts(torch_side(NUMPY_GAN), "Generator", (1, 8))
    assert (model.params, model.macs, model.output) == (
        expected.params, expected.macs, expected.output)


@pytest.mark.parametrize("call, expected", [
    (("numpy.prod", ()), 1.0), (("numpy.prod", ((3, 4),)), 12), (("numpy.sum", ((),)), 0.0),
    (("numpy.sum", ((1, 2),)), 3), (("numpy.sqrt", (16,)), 4.0), (("numpy.log2", (8,)), 3.0),
    (("numpy.ceil", (3.2,)), 4.0), (("numpy.ceil", (3,)), 3), (("numpy.round", (2.5,)), 2.0),
    (("numpy.maximum", (3, 4.0)), 4.0), (("numpy.maximum", (3, 4)), 4),
    (("numpy.int64", (3.7,)), 3), (("numpy.prod", ([True, True],)), 1),
    (("numpy.abs", (-3,)), 3), (("numpy.float64", (2,)), 2.0),
])
def test_numpy_values_and_types(call, expected):
    """What numpy 2.4 returns (checked by hand with numpy 2.4.6), as Python numbers: the type
    counts (an int64 is an int, a float64 a float)."""
    name, args = call
    args = args if name != "numpy.prod" or args == () else args
    value = numpy_call(name, list(args) if args != () else [()], {})
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("name, args", [
    ("numpy.prod", [(2 ** 40, 2 ** 40)]),   # wraps past int64 in numpy
    # np.log2(48), np.log(10), np.exp(1.5): intervals (tests/evaluator/test_rounded_numpy.py)
    ("numpy.sqrt", [-1]), ("numpy.float32", [0.1]), ("numpy.sum", [[0.1] * 9]),
])
def test_numpy_values_not_certain_are_unknown(name, args):
    assert isinstance(numpy_call(name, args, {}), Unknown)


def test_numpy_unknown_names_the_call_and_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, int(np.log(10)))

            def forward(self, x):
                return self.fc(x)
    """, header="import numpy as np\nimport torch\nimport torch.nn as nn\n")
    model = trace(source, "Net")
    assert model.params is None
    assert f"`np.log(10)` (line {line_of(source, 'np.log')})" in reasons(model)


LUCIDRAINS = src("""
    def exists(x):
        return x is not None


    def default(val, d):
        return val if exists(val) else (d() if callable(d) else d)


    def width():
        return 12


    class Net(nn.Module):  # macslint: input-size=16
        def __init__(self, dim=None, hidden=None, out=None):
            super().__init__()
            self.a = nn.Linear(16, default(hidden, width))
            self.b = nn.Linear(default(hidden, width), default(out, 4))
            self.c = nn.Linear(4, default(dim, functools.partial(int, 6)))
            self.d = nn.Linear(6, 6 if callable(self.a) and callable(lambda: 0)
                               and not callable(3) and not callable((width,)) else 1)

        def forward(self, x):
            return self.d(self.c(self.b(self.a(x))))
""")


def test_callable_in_lucidrains_default_matches_torch():
    assert_matches_torch(LUCIDRAINS, "Net")


def test_callable_of_unknown_is_unknown():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self, f=some_lib.thing):
                super().__init__()
                self.fc = nn.Linear(8, 8 if callable(f) else 4)

            def forward(self, x):
                return self.fc(x)
    """, header="import torch\nimport torch.nn as nn\nimport some_lib\n")
    assert trace(source, "Net").params is None


TENSOR_PARAMS = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 3)
            self.gamma = nn.Parameter(torch.tensor(0.))
            self.table = nn.Parameter(torch.tensor([[1., 2., 3.], [4., 5., 6.]]))
            self.scale = nn.Parameter(torch.tensor([1, 2, 3], dtype=torch.float32))
            self.register_buffer("steps", torch.tensor(3))

        def forward(self, x):
            return self.fc(x) * self.gamma * self.scale + self.table.sum(0)
""")


def test_torch_tensor_of_numbers_matches_torch():
    assert_matches_torch(TENSOR_PARAMS, "Net")


STOCHASTIC_DEPTH = src("""
    class Block(nn.Module):
        def __init__(self, dim, drop_path=0.):
            super().__init__()
            self.fc = nn.Linear(dim, dim)
            self.drop = nn.Dropout(drop_path) if drop_path > 0. else nn.Identity()

        def forward(self, x):
            return self.drop(self.fc(x))


    class Net(nn.Module):  # macslint: input-size=16
        def __init__(self, depth=5, drop_path_rate=RATE):
            super().__init__()
            dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
            rates = torch.linspace(0, 1, 5).tolist()
            self.blocks = nn.ModuleList([Block(16, dpr[i]) for i in range(depth)])
            self.head = nn.Linear(16, int(rates[3] * 8))     # 0.75 * 8: exact

        def forward(self, x):
            for blk in self.blocks:
                x = blk(x)
            return self.head(x)
""")


def cpu_built_counts(source: str, name: str, shape):
    """torch's counts for a model whose __init__ reads tensor items (`.item()`, `.tolist()`
    raise on meta tensors): built on the CPU, then moved to meta and run as torch_counts does."""
    model = torch_model(source, name, device="cpu").to("meta").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(shape, device="meta"))
    return (sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2,
            tuple(out.shape))


@pytest.mark.parametrize("rate", ["0.", "0.5"])
def test_linspace_items_known_exactly_match_torch(rate):
    """linspace(0, 0, 5) and linspace(0, 0.5, 5) (steps of 0.125) round nowhere: torch's items
    whatever its kernel."""
    source = STOCHASTIC_DEPTH.replace("RATE", rate)
    model = trace(source, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == cpu_built_counts(source, "Net", (1, 16))
    kinds = [c.kind for c in model.calls]
    assert kinds.count("Dropout") == (0 if rate == "0." else 4)


def test_linspace_items_that_round_are_unknown_count_known():
    """linspace(0, 0.1, 12): float32 rounding that depends on the CPU's kernel: the items are
    unknown (the condition on them too), their number is known; the reason names the line."""
    source = STOCHASTIC_DEPTH.replace("RATE", "0.1").replace("depth=5", "depth=12")
    model = trace(source, "Net")
    assert model.params is None
    assert f"line {line_of(source, 'torch.linspace(0, drop_path_rate')}" in reasons(model)
    counted = src("""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self, depth=12):
                super().__init__()
                dpr = [x.item() for x in torch.linspace(0, 0.1, depth)]
                self.blocks = nn.ModuleList([nn.Linear(16, 16) for _ in dpr])

            def forward(self, x):
                for blk in self.blocks:
                    x = blk(x)
                return x
    """)
    model = trace(counted, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == cpu_built_counts(counted, "Net", (1, 16))


VIT = """
import torch.nn as nn


class ViT(nn.Module):
    def __init__(self, dim=16, depth=1):
        super().__init__()
        self.blocks = nn.Sequential(*[nn.Linear(dim, dim) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(x)


def vit_small(**kwargs):
    return ViT(**kwargs)


def vit_base(**kwargs):
    return ViT(depth=3, **kwargs)
"""

HUB = """
import torch.nn as nn
from . import vision_transformer as vits


def build(arch="vit_small"):  # macslint: input-size=16
    return vits.__dict__[arch](dim=16, depth=2)


def build_base():  # macslint: input-size=8
    return getattr(vits, "vit_base")(dim=8)


def by_name(name="build"):  # macslint: input-size=16
    return globals()[name]()


def missing(arch="vit_huge"):  # macslint: input-size=16
    return vits.__dict__[arch](dim=16)
"""


def test_project_module_dict_getattr_and_globals_match_torch(tmp_path):
    package = tmp_path / "hubpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "vision_transformer.py").write_text(VIT)
    (package / "hub.py").write_text(HUB)
    result = check_file(package / "hub.py", "hub.py", Settings())
    found = {m.name: m for m in result.report.models}
    sys.path.insert(0, str(tmp_path))
    try:
        import importlib
        hub = importlib.import_module("hubpkg.hub")
        for name, shape in (("build", 16), ("build_base", 8), ("by_name", 16)):
            built = getattr(hub, name)()
            expected = sum(p.numel() for p in built.parameters())
            assert found[name].complete, found[name].reasons
            assert found[name].params == expected
            assert found[name].input == (1, shape)
    finally:
        sys.path.remove(str(tmp_path))
        for module in ("hubpkg.hub", "hubpkg.vision_transformer", "hubpkg"):
            sys.modules.pop(module, None)
    assert "missing" not in found or not found["missing"].complete


# ------------------------------------------------ a value's type in Python's words (issue 20)


def _python_says(value, action) -> str:
    """The name Python's own TypeError gives the type of `value` (`action` fails on it)."""
    with pytest.raises(TypeError) as caught:
        action(value)
    return str(caught.value).split("'")[1]


def test_stand_ins_name_the_type_python_names():
    """`python_type` of each of macslint's stand-ins is the name Python's message gives the
    value it stands for (never BoundMethod, UserFunction, PyBuiltin, Partial...), and
    `what_is` says it as messages do."""
    import functools
    from dataclasses import dataclass

    from macslint.evaluator.records import Instance, Method
    from macslint.evaluator.rounded import Rounded
    from macslint.evaluator.values import (
        Partial, PyBuiltin, PyModule, UserClass, UserFunction, python_type, what_is,
    )

    def helper():
        return 1

    @dataclass
    class Config:
        depth: int = 3

    config_class = UserClass("Config", None, None, (), None)
    cases = [  # stand-in, the value it stands for, what_is
        (UserFunction("helper", None, None), helper, "a function"),
        (PyBuiltin("len"), len, "a builtin function"),
        (PyBuiltin("range"), range, "a class"),
        (PyBuiltin("math.ceil"), math.ceil, "a builtin function"),
        (Partial(UserFunction("helper", None, None), [], {}), functools.partial(helper),
         "a functools.partial"),
        (PyModule("math"), math, "a module"),
        (Instance(config_class), Config(), "a Config object"),
        (Method(Instance(config_class), "replace", None), Config().__repr__, "a method"),
        (Rounded(0, 1, "rounding"), 0.5, "a float"),
        (config_class, Config, "a class"),
        (3, 3, "an int"),
        (None, None, "None"),
    ]
    for stand_in, real, words in cases:
        assert python_type(stand_in) == _python_says(real, iter), stand_in
        assert what_is(stand_in) == words


def test_argument_not_known_names_the_call_and_the_first_cause_once():
    from macslint.evaluator.values import argument_not_known

    inner = Unknown(argument_not_known("int", Unknown("'w' is a parameter of build()")))
    assert inner.reason == "`int(...)`: an argument is not known: 'w' is a parameter of build()"
    assert argument_not_known("round", inner) == \
        "`round(...)`: an argument is not known: 'w' is a parameter of build()"
