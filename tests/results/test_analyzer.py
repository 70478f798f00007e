"""The analyzer on small inline sources: which calls are layer constructions, what their
arguments evaluate to, where they are, and that the costs of resolved ones are PyTorch's.

Every resolved layer that goes through `costed()` is rebuilt with torch from the report's
`args` (on the meta device) and its parameter count, and for convolutions and linear layers
its FlopCounterMode MACs and output shape, must equal the report: the numbers come from
PyTorch, not from macslint's own formulas.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any, List

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.analysis import analyze_source
from macslint.results.sites import LayerSite
from macslint.costmodel import LAYERS
from macslint.config import Settings
from macslint.evaluator.operators import MAX_INT_BITS, MAX_SEQUENCE
from macslint.results.report import LayerReport, cost_site
from tests.helpers import HANG_SECONDS, no_hang

NN = "import torch.nn as nn\n"
DEFAULT = Settings()


# ---------------------------------------------------------------------------
# Helpers


def sites(source: str) -> List[LayerSite]:
    return analyze_source(textwrap.dedent(source)).sites


def assert_matches_torch(report: LayerReport, settings: Settings = DEFAULT) -> None:
    """Build the layer with torch from the report's args; params (and for conv/linear MACs
    via FlopCounterMode, flops // 2, and the output shape) must equal the report."""
    assert report.resolved and report.args is not None, report
    with torch.device("meta"):  # no real weights; not every layer takes device=
        layer = getattr(torch.nn, report.kind)(**report.args)
    assert sum(p.numel() for p in layer.parameters()) == report.params, report
    if report.kind.startswith(("Conv", "Linear")):  # Conv*, ConvTranspose*, Linear
        assert report.input is not None
        x = torch.empty(settings.batch_size, *report.input, device="meta")
        with FlopCounterMode(display=False) as counter:
            y = layer(x)
        assert counter.get_total_flops() // 2 == report.macs, report
        assert tuple(y.shape[1:]) == report.output, report
        assert y.shape[0] == settings.batch_size


def costed(source: str, settings: Settings = DEFAULT) -> List[LayerReport]:
    """Every site costed; every resolved one checked against torch."""
    reports = [cost_site(site, settings) for site in sites(source)]
    for report in reports:
        if report.resolved:
            assert_matches_torch(report, settings)
    return reports


def only(source: str, settings: Settings = DEFAULT) -> LayerReport:
    reports = costed(source, settings)
    assert len(reports) == 1, reports
    return reports[0]


def _oversized(value: Any) -> bool:
    """A value past the evaluator's bounds on what it builds (macslint.evaluator.operators)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value.bit_length() > MAX_INT_BITS
    if isinstance(value, (str, bytes)):
        return len(value) > MAX_SEQUENCE
    if isinstance(value, (tuple, list)):
        return len(value) > MAX_SEQUENCE or any(_oversized(v) for v in value)
    if isinstance(value, dict):
        return _oversized(list(value.values()))
    return False


def bounded_sites(source: str) -> List[LayerSite]:
    """The sites of `source`, whose evaluation is bounded by the sizes the evaluator builds
    (MAX_INT_BITS, MAX_SEQUENCE): no argument holds a larger value (`2**10**6` and
    `(1,)*10**9` are left unknown, not computed). Reading a file takes no steps: a hang only
    ends the run, after HANG_SECONDS."""
    with no_hang():
        found = analyze_source(source).sites
    for site in found:
        assert not _oversized(site.args.values if site.args else {}), site.call_text
    return found


CONV_3_8_3 = {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 0,
              "dilation": 1, "groups": 1, "bias": True, "padding_mode": "zeros"}


# ---------------------------------------------------------------------------
# Which calls are layers


IMPORT_FORMS = {
    "import torch": ("import torch\nm = torch.nn.Conv2d(3, 8, 3)\n", "Conv2d"),
    "import torch.nn as nn": ("import torch.nn as nn\nm = nn.Conv2d(3, 8, 3)\n", "Conv2d"),
    "from torch import nn": ("from torch import nn\nm = nn.Conv2d(3, 8, 3)\n", "Conv2d"),
    "from torch.nn import X as Y": ("from torch.nn import Conv2d as C\nm = C(3, 8, 3)\n", "Conv2d"),
    "import torch.nn": ("import torch.nn\nm = torch.nn.Linear(3, 8)\n", "Linear"),
    "nn.modules.conv": ("import torch.nn as nn\nm = nn.modules.conv.Conv2d(3, 8, 3)\n", "Conv2d"),
    "from torch.nn.modules.conv": (
        "from torch.nn.modules.conv import Conv2d\nm = Conv2d(3, 8, 3)\n", "Conv2d"),
    "from torch.nn import *": ("from torch.nn import *\nm = Conv2d(3, 8, 3)\n", "Conv2d"),
    "alias of the class": (
        "import torch.nn as nn\nConv = nn.Conv2d\nm = Conv(3, 8, 3)\n", "Conv2d"),
    "import torch as th": ("import torch as th\nm = th.nn.Conv2d(3, 8, 3)\n", "Conv2d"),
    "import torch.nn.modules.conv as conv": (
        "import torch.nn.modules.conv as conv\nm = conv.Conv2d(3, 8, 3)\n", "Conv2d"),
    "import inside a function": (
        "import torch\ndef build():\n    from torch import nn\n    return nn.Linear(3, 8)\n",
        "Linear"),
}


@pytest.mark.parametrize("source, kind", IMPORT_FORMS.values(), ids=list(IMPORT_FORMS))
def test_every_import_form_finds_the_layer(source, kind):
    (site,) = sites(source)
    assert site.kind == kind
    assert site.spec is LAYERS[kind]
    assert site.unresolved is None and site.error is None
    report = only(source)
    assert report.resolved
    expected = CONV_3_8_3 if kind == "Conv2d" else {"in_features": 3, "out_features": 8,
                                                    "bias": True}
    assert report.args == expected



def test_star_import_from_torch_nn_binds_every_catalogued_layer_it_exports():
    """`from torch.nn import *` binds what torch's own star import binds (torch is the oracle):
    every catalogued layer among those names is known as that layer."""
    namespace: dict = {}
    exec("from torch.nn import *", namespace)
    exported = sorted(name for name in LAYERS if namespace.get(name) is getattr(torch.nn, name))
    assert len(exported) > 50
    source = "from torch.nn import *\n" + "".join(f"{name}()\n" for name in exported)
    found = {site.kind: site for site in sites(source)}
    assert sorted(found) == exported
    for name in exported:
        assert found[name].spec is LAYERS[name], name  # known: costed or a MAC010, not unresolved

NOT_LAYERS = {
    "own class Linear": "import torch\nclass Linear:\n    def __init__(self, *a):\n        pass\n"
                        "Linear(3, 4)\n",
    "own def Conv2d": "import torch\ndef Conv2d(*a):\n    return a\nConv2d(3, 8, 3)\n",
    "name rebound after import": "from torch.nn import Linear\nclass MyLinear:\n    pass\n"
                                 "Linear = MyLinear\nLinear(3, 4)\n",
    "containers": "import torch\nimport torch.nn as nn\nnn.Sequential()\nnn.ModuleList([])\n"
                  "nn.ModuleDict({})\nnn.Module()\nnn.Parameter(torch.zeros(3))\n"
                  "class Net(nn.Module):\n    pass\nNet()\n",
    "functional and tensor ops": "import torch\nimport torch.nn.functional as F\n"
                                 "F.conv2d(x, w)\nF.linear(x, w)\ntorch.nn.functional.relu(x)\n"
                                 "torch.zeros(3)\ntorch.conv2d(x, w)\n",
    "no torch at all": "import mylib as nn\nclass Linear:\n    pass\nLinear(3, 4)\n"
                       "Conv2d(3, 8, 3)\nnn.Conv2d(3, 8, 3)\n",
}


@pytest.mark.parametrize("source", NOT_LAYERS.values(), ids=list(NOT_LAYERS))
def test_nothing_else_is_reported(source):
    assert sites(source) == []


def test_rebound_to_an_imported_name_is_reported_unresolved_never_costed():
    # Documented behaviour: with torch in the file, a call of an unknown value named like a
    # catalogue layer is a site "we cannot tell" (MAC100, off by default), with no cost.
    (site,) = sites("from torch.nn import Linear\nfrom mylib import MyLinear\n"
                    "Linear = MyLinear\nLinear(3, 4)\n")
    assert (site.line, site.col, site.kind, site.spec, site.args) == (4, 0, "Linear", None, None)
    assert site.unresolved == ("cannot tell whether `Linear` is torch.nn.Linear: "
                               "'MyLinear' is imported from mylib")
    report = cost_site(site, DEFAULT)
    assert not report.resolved and report.params is None and report.macs is None


def test_uncatalogued_torch_layer_is_a_site_without_cost(monkeypatch):
    monkeypatch.delitem(LAYERS, "Fold")  # since issue 21 every public torch.nn layer is in it
    (site,) = sites(NN + "fold = nn.Fold((4, 4), 2)\n")
    assert (site.kind, site.spec, site.args) == ("Fold", None, None)
    assert site.unresolved == "torch.nn.Fold is not in macslint's layer catalogue"


def test_transformer_stacks_are_no_sites_their_layers_are():
    """TransformerEncoder and TransformerDecoder copy the layer they are given: that layer's
    construction is the site (costed), the stack none (as a Sequential is none)."""
    found = sites(NN + "layer = nn.TransformerEncoderLayer(16, 4)\n"
                       "enc = nn.TransformerEncoder(layer, 2)\n"
                       "dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4), 2)\n")
    assert [(s.kind, s.spec is LAYERS[s.kind], s.unresolved) for s in found] == [
        ("TransformerEncoderLayer", True, None), ("TransformerDecoderLayer", True, None)]


def test_own_class_shadows_only_the_bare_name():
    reports = costed(NN + "class Linear:\n    pass\nLinear(3, 4)\nfc = nn.Linear(3, 4)\n")
    assert [(r.line, r.kind, r.resolved) for r in reports] == [(5, "Linear", True)]


# ---------------------------------------------------------------------------
# Evaluation of arguments: known values


KNOWN = {
    "literals": ("nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=1, bias=False)\n",
                 {"kernel_size": [3, 5], "stride": [2, 1], "padding": 1, "bias": False}),
    "arithmetic": ("nn.Conv2d(1 + 2, 10 - 2, 7 // 2, stride=7 % 5, padding=2 ** 1, "
                   "dilation=2 * 1)\n",
                   {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2,
                    "padding": 2, "dilation": 2}),
    "tuple times int": ("nn.Conv2d(3, 8, (3,) * 2)\n", {"kernel_size": [3, 3]}),
    "unary minus": ("nn.Conv2d(3, 8, 3, padding=-(-1))\nnn.Flatten(1, -1)\n",
                    {"padding": 1}),
    "module-level names": ("C = 3\nnn.Conv2d(C, C * 2 + 2, 3)\n",
                           {"in_channels": 3, "out_channels": 8}),
    "class body": ("C = 3\nclass M(nn.Module):\n    W = 8\n    conv = nn.Conv2d(C, W, 3)\n",
                   {"in_channels": 3, "out_channels": 8}),
    "earlier in the same function": (
        "STEM = 4\nEXPAND = 2\ndef build():\n    hidden = STEM * EXPAND\n"
        "    return nn.Conv2d(hidden, hidden, 1)\n",
        {"in_channels": 8, "out_channels": 8, "kernel_size": 1}),
    "tuple unpacking": ("a, b = 3, 8\nnn.Conv2d(a, b, 3)\n", {"in_channels": 3, "out_channels": 8}),
    "nested unpacking": ("(a, [b, k]) = (3, (8, 5))\nnn.Conv2d(a, b, k)\n",
                         {"in_channels": 3, "out_channels": 8, "kernel_size": 5}),
    "augmented assignment": ("c = 4\nc *= 2\nc += 1\nc -= 1\nc //= 2\nnn.Linear(c, 10)\n",
                             {"in_features": 4, "out_features": 10}),
    "known if at module level": (
        "DEBUG = False\nif DEBUG:\n    W = 1\nelse:\n    W = 64\nnn.Linear(W, W)\n",
        {"in_features": 64}),
    "known elif chain": (
        "SIZE = 'm'\nif SIZE == 's':\n    W = 32\nelif SIZE == 'm':\n    W = 64\nelse:\n"
        "    W = 128\nnn.Linear(W, 10)\n",
        {"in_features": 64}),
    "unknown branches that agree": (
        "def build(flag):\n    if flag:\n        w = 32\n    else:\n        w = 32\n"
        "    return nn.Linear(w, w)\n",
        {"in_features": 32, "out_features": 32}),
    "conditional expression that agrees": (
        "def build(flag):\n    return nn.Linear(8 if flag else 8, 4)\n", {"in_features": 8}),
    "module name assigned once, used in a function": (
        "W = 3\ndef build():\n    return nn.Linear(W, 10)\n", {"in_features": 3}),
    "module name assigned after the def": (
        "def build():\n    return nn.Linear(W, 10)\nW = 3\n", {"in_features": 3}),
    "module name rebound, used at module level after": (
        "W = 3\nW = 4\nnn.Linear(W, 10)\n", {"in_features": 4}),
    "star splat of a known tuple": ("dims = (3, 8)\nnn.Conv2d(*dims, 3)\n",
                                    {"in_channels": 3, "out_channels": 8}),
    "keywords": ("nn.Linear(out_features=4, bias=False, in_features=3)\n",
                 {"in_features": 3, "out_features": 4, "bias": False}),
    "subscripts": ("CH = (3, 16, 32)\nnn.Conv2d(CH[1], CH[-1], CH[0])\n",
                   {"in_channels": 16, "out_channels": 32, "kernel_size": 3}),
    "string concatenation": ("nn.Conv2d(3, 8, 3, padding_mode='ze' + 'ros')\n",
                             {"padding_mode": "zeros"}),
    "with statement body": ("with open('x') as fh:\n    nn.Linear(3, 4)\n", {"in_features": 3}),
}


@pytest.mark.parametrize("source, expected", KNOWN.values(), ids=list(KNOWN))
def test_known_values(source, expected):
    report = costed(NN + source)[0]
    assert report.resolved, report.reason
    assert {k: report.args[k] for k in expected} == expected


# ---------------------------------------------------------------------------
# Evaluation of arguments: unknown values, with the reason


def _not_known(arg: str, why: str) -> str:
    return f"argument '{arg}' is not known: {why}"


UNKNOWN = {
    "function parameter": ("def build(width):\n    return nn.Linear(width, 10)\n",
                           _not_known("in_features", "'width' is a parameter of build()")),
    "loop variable": ("for i in range(3):\n    nn.Linear(i, 10)\n",
                      _not_known("in_features", "'i' is a loop variable")),
    "assigned in a loop": ("def f(n):\n    w = 3\n    for _ in range(n):\n        w = w * 2\n"
                           "    return nn.Linear(w, 4)\n",
                           _not_known("in_features", "'w' changes in a loop")),
    "comprehension variable": ("layers = [nn.Linear(w, 10) for w in (1, 2)]\n",
                               _not_known("in_features", "'w' is a comprehension variable")),
    "self attribute": ("class M(nn.Module):\n    def __init__(self):\n        self.w = 3\n"
                       "        self.fc = nn.Linear(self.w, 10)\n",
                       _not_known("in_features", "'self' is a parameter of __init__()")),
    "*args": ("def build(*args):\n    return nn.Linear(*args)\n",
              "arguments passed as `*args`: 'args' is a parameter of build()"),
    "**kwargs": ("def build(**kwargs):\n    return nn.Linear(3, 4, **kwargs)\n",
                 "arguments passed as `**kwargs`: 'kwargs' is a parameter of build()"),
    "** of a dict not known": ("import cfg\nkw = cfg.load()\nnn.Linear(**kw)\n",
                               "arguments passed as `**kw`: the result of `cfg.load(...)` is not "
                               "evaluated"),
    "module name rebound, used in a function": (
        "W = 3\nW = 4\ndef build():\n    return nn.Linear(W, 10)\n",
        _not_known("in_features", "'W' is bound to different values in this file")),
    "module name augmented, used in a function": (
        "W = 3\nW *= 2\ndef build():\n    return nn.Linear(W, 10)\n",
        _not_known("in_features", "'W' is bound to different values in this file")),
    "class-body name bare in a method": (
        "class M(nn.Module):\n    W = 16\n    def __init__(self):\n"
        "        self.fc = nn.Linear(W, 10)\n",
        _not_known("in_features", "'W' is not defined in this file")),
    "class-body name in a class-body comprehension": (
        "class M(nn.Module):\n    W = 16\n    fcs = [nn.Linear(W, 10) for _ in range(2)]\n",
        _not_known("in_features", "'W' is not defined in this file")),
    "assigned after the use in the function": (
        "def build():\n    fc = nn.Linear(W, 10)\n    W = 4\n",
        _not_known("in_features", "'W' is not assigned on every path before this line")),
    "local assigned after the use shadows a module name": (
        "W = 2\ndef build():\n    fc = nn.Linear(W, 10)\n    W = 4\n",
        _not_known("in_features", "'W' is not assigned on every path before this line")),
    "used before assignment at module level": (
        "nn.Linear(W, 10)\nW = 4\n", _not_known("in_features", "'W' is not defined in this file")),
    "branches that disagree": (
        "def build(flag):\n    if flag:\n        w = 32\n    else:\n        w = 64\n"
        "    return nn.Linear(w, w)\n",
        _not_known("in_features", "'w' depends on which branch ran")),
    "unknown if at module level": (
        "if cond:\n    W = 1\nelse:\n    W = 2\nnn.Linear(W, 10)\n",
        _not_known("in_features", "'W' depends on which branch ran")),
    "conditional expression that disagrees": (
        "def build(flag):\n    return nn.Linear(4, 16 if flag else 8)\n",
        _not_known("out_features", "a condition that is not constant")),
    "deleted": ("W = 3\ndel W\nnn.Linear(W, 4)\n", _not_known("in_features", "'W' was deleted")),
    "assigned in try": ("try:\n    W = 3\nexcept ValueError:\n    pass\nnn.Linear(W, 4)\n",
                        _not_known("in_features",
                                   "'W' depends on whether an exception was raised")),
    "call result": ("nn.Linear(max(3, 4), 4)\n",
                    _not_known("in_features", "the result of `max(...)` is not evaluated")),
    # A builtin (or a method of a str, list, dict) of an argument that is not known: the
    # argument is the cause, not the call (was: "the result of `max(...)` is not evaluated").
    "builtin of an argument not known": (
        "def build(w):\n    return nn.Linear(max(w, 4), 4)\n",
        _not_known("in_features", "`max(...)`: an argument is not known: 'w' is a parameter "
                                  "of build()")),
    "int of two arguments, one not known": (
        "def build(w):\n    return nn.Linear(int(w, 16), 4)\n",
        _not_known("in_features", "`int(...)`: an argument is not known: 'w' is a parameter "
                                  "of build()")),
    "math of an argument not known": (
        "import math\ndef build(w):\n    return nn.Linear(math.ceil(w / 2), 4)\n",
        _not_known("in_features", "`math.ceil(...)`: an argument is not known: 'w' is a "
                                  "parameter of build()")),
    "str method of an argument not known": (
        "def build(w):\n    return nn.Linear('{}'.format(w), 4)\n",
        _not_known("in_features", "`'{}'.format(...)`: an argument is not known: 'w' is a "
                                  "parameter of build()")),
    "nested builtins say the first cause once": (
        "def build(w):\n    return nn.Linear(abs(round(w)), 4)\n",
        _not_known("in_features", "`abs(...)`: an argument is not known: 'w' is a parameter "
                                  "of build()")),
    # int() of a value that is not a number: what the value is (was: "`int()` of a value
    # that is not a plain constant"); of a float known up to rounding: why it is not exact
    "int of a list": ("nn.Linear(int([8]), 4)\n",
                      _not_known("in_features", "`int()` of a list is not evaluated")),
    "int of a float known up to rounding": (
        "import numpy as np\nnn.Linear(int(np.log(8.0)), 4)\n",
        _not_known("in_features", "`np.log(8.0)` (line 3): `np.log()` of 8.0 is known only up "
                                  "to rounding: numpy's kernel may round differently from "
                                  "Python's")),
    # the file's own function is not run while the file is read, whatever its arguments
    "own function of an argument not known": (
        "def half(x):\n    return x // 2\ndef build(w):\n    return nn.Linear(half(w), 4)\n",
        _not_known("in_features", "the result of `half(...)` is not evaluated")),
}


@pytest.mark.parametrize("source, reason", UNKNOWN.values(), ids=list(UNKNOWN))
def test_unknown_values_and_their_reasons(source, reason):
    report = only(NN + source)
    assert not report.resolved
    assert report.params is None and report.macs is None and report.args is None
    assert report.error is None
    assert report.reason == reason


def test_splat_of_a_dict_literal_is_resolved_as_torch_builds_it():
    import torch.nn as torch_nn

    report = only(NN + "kw = dict(in_features=3, out_features=4)\nnn.Linear(**kw)\n")
    expected = torch_nn.Linear(**dict(in_features=3, out_features=4), device="meta")
    assert report.resolved and report.params == sum(p.numel() for p in expected.parameters())


def test_splat_unknowns_are_the_site_reason():
    (site,) = sites(NN + "def build(*args):\n    return nn.Linear(*args)\n")
    assert site.unresolved == "arguments passed as `*args`: 'args' is a parameter of build()"
    assert site.args is None


def test_only_what_depends_on_an_unknown_is_unknown():
    source = NN + "def build(width):\n    a = nn.Linear(width, 10)\n    b = nn.Linear(3, 10)\n"
    first, second = costed(source)
    assert not first.resolved and second.resolved


def test_rebound_module_name_is_known_at_module_level_and_unknown_in_functions():
    source = NN + "W = 3\nW = 4\ndef build():\n    return nn.Linear(W, 10)\nnn.Linear(W, 5)\n"
    in_function, at_module = costed(source)
    assert (in_function.line, in_function.resolved) == (5, False)
    assert (at_module.line, at_module.resolved, at_module.args["in_features"]) == (6, True, 4)


def test_dead_branch_is_read_for_layers_but_its_bindings_are_dropped():
    source = NN + ("DEBUG = False\nW = 64\nif DEBUG:\n    W = 1\n    nn.Linear(2, 2)\n"
                   "nn.Linear(W, W)\n")
    dead, live = costed(source)
    assert (dead.line, dead.resolved) == (6, True)
    assert (live.line, live.args["in_features"]) == (7, 64)


# ---------------------------------------------------------------------------
# Positions


def test_position_is_where_the_call_starts():
    (site,) = sites(NN + "m = nn.Conv2d(3, 8, 3)\n")
    assert (site.line, site.col) == (2, 4)  # the `nn` of `nn.Conv2d(`, 0-based
    report = cost_site(site, DEFAULT)
    assert (report.line, report.col) == (2, 5)  # 1-based column in the report


def test_positions_in_multiline_and_nested_calls():
    source = NN + textwrap.dedent("""\
        model = nn.Sequential(
            nn.Conv2d(
                3, 8, 3),
            nn.ReLU(), nn.Linear(8,
                                 2),
        )
        pair = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        split = (nn
                 .Linear(3, 4))
        """)
    found = [(s.line, s.col, s.kind) for s in sites(source)]
    assert found == [
        (3, 4, "Conv2d"),
        (5, 4, "ReLU"), (5, 15, "Linear"),
        (8, 21, "Conv2d"), (8, 41, "ReLU"),
        (9, 9, "Linear"),  # the call starts at `nn`, the line before `.Linear(`
    ]
    assert [(r.line, r.col) for r in costed(source)] == [(line, col + 1) for line, col, _ in found]


def test_positions_in_class_and_function_bodies():
    source = NN + "class M(nn.Module):\n    conv = nn.Conv2d(3, 8, 3)\n" \
                  "    def __init__(self):\n        self.fc = nn.Linear(3, 4)\n"
    assert [(s.line, s.col) for s in sites(source)] == [(3, 11), (5, 18)]


@pytest.mark.parametrize("prefix", ["größe = 3; m = ", "s = 'héllo→'; m = ", "s = '😀😀'; m = "],
                         ids=["identifier", "string", "astral"])
def test_columns_count_characters_not_bytes(prefix):
    # libcst columns are in code points: a non-ASCII identifier or string earlier on the
    # line shifts the column by its length in characters, not by its UTF-8 bytes (which is
    # what Python's ast col_offset counts) nor by UTF-16 units.
    (site,) = sites(NN + prefix + "nn.Conv2d(3, 8, 3)\n")
    assert site.line == 2
    assert site.col == len(prefix)
    assert site.col != len(prefix.encode("utf-8"))


def test_tab_counts_as_one_column():
    (site,) = sites(NN + "def f():\n\tif True:\n\t\treturn nn.Linear(3, 4)\n")
    assert (site.line, site.col) == (4, len("\t\treturn "))


def test_crlf_line_numbers():
    source = (NN + "x = 1\n\nm = nn.Linear(3,\n  4)\n").replace("\n", "\r\n")
    (site,) = bounded_sites(source)
    assert (site.line, site.col) == (4, 4)
    assert cost_site(site, DEFAULT).resolved


# ---------------------------------------------------------------------------
# The numbers are PyTorch's


ORACLE = {
    "conv": "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)",
    "conv groups dilation": "nn.Conv2d(32, 64, 3, padding=2, dilation=2, groups=4)",
    "conv same": "nn.Conv2d(16, 16, 4, padding='same')",
    "conv reflect": "nn.Conv2d(3, 8, (3, 5), padding=(1, 2), padding_mode='reflect')",
    "conv1d": "nn.Conv1d(3, 8, 5, stride=3)",
    "conv3d": "nn.Conv3d(3, 4, 3)",
    "transposed": "nn.ConvTranspose2d(3, 8, 4, stride=2, padding=1, output_padding=1)",
    "linear": "nn.Linear(512, 1000)",
    "linear no bias": "nn.Linear(64, 10, bias=False)",
    "batchnorm": "nn.BatchNorm2d(64)",
    "layernorm": "nn.LayerNorm((8, 16))",
    "embedding": "nn.Embedding(1000, 64)",
    "relu": "nn.ReLU(inplace=True)",
}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("call", ORACLE.values(), ids=list(ORACLE))
def test_numbers_come_from_torch(call, batch):
    size = (3, 10, 12, 14) if "3d" in call else (3, 32, 40)
    settings = Settings(input_size=size, batch_size=batch)
    report = only(NN + f"m = {call}\n", settings)  # only() checks against torch
    assert report.resolved, report.reason


def test_oracle_catches_a_wrong_number():
    report = only(NN + "m = nn.Conv2d(3, 8, 3)\n")
    report.macs += 1
    with pytest.raises(AssertionError):
        assert_matches_torch(report)


# ---------------------------------------------------------------------------
# Robustness: bounded work, no exceptions


ROBUST = {
    "10**100": (NN + "nn.Linear(10**100, 3)\n", 1),
    "2**10**6": (NN + "nn.Linear(2**10**6, 3)\n", 1),
    "1 << 10**9": (NN + "nn.Linear(1 << 10**9, 3)\n", 1),
    "(1,)*10**9": (NN + "nn.Conv2d(3, 8, (1,)*10**9)\n", 1),
    "'a'*10**9": (NN + "nn.Conv2d(3, 8, 3, padding_mode='a' * 10**9)\n", 1),
    "9**9**9 at module level": (NN + "X = 9**9**9\nnn.Linear(X, 3)\n", 1),
    "200 nested parentheses": (NN + "nn.Linear(" + "(" * 200 + "3" + ")" * 200 + ", 4)\n", 1),
    "empty module": ("", 0),
    "only comments": ("# import torch\n# nn.Conv2d(3, 8, 3)\n", 0),
    "only blank lines": ("\n\n   \n", 0),
    "BOM": ("\ufeff" + NN + "nn.Linear(3, 4)\n", 1),
    "CRLF": ((NN + "nn.Linear(3,\n 4)\n").replace("\n", "\r\n"), 1),
    "tabs": (NN + "def f():\n\tif True:\n\t\treturn nn.Linear(3, 4)\n", 1),
    "no final newline": (NN + "nn.Linear(3, 4)", 1),
    "form feed": (NN + "\x0c\nnn.Linear(3, 4)\n", 1),
}


# Values past the evaluator's bounds: left unknown, not computed.
TOO_LARGE = {"2**10**6", "1 << 10**9", "(1,)*10**9", "'a'*10**9", "9**9**9 at module level"}


@pytest.mark.parametrize("name", ROBUST)
def test_robust_inputs_are_analysed_within_the_bounds(name):
    source, count = ROBUST[name]
    found = bounded_sites(source)
    assert len(found) == count
    for site in found:
        report = cost_site(site, DEFAULT)  # must not raise either
        if name in TOO_LARGE:
            assert report.reason is not None, report
            assert report.reason.endswith("is not known: a value too large to evaluate"), report


def test_huge_values_are_unknown_or_invalid_not_computed():
    too_big = "a value too large to evaluate"
    assert only(NN + "nn.Linear(2**10**6, 3)\n").reason == _not_known("in_features", too_big)
    assert only(NN + "nn.Conv2d(3, 8, (1,)*10**9)\n").reason == _not_known("kernel_size", too_big)
    report = only(NN + "nn.Linear(10**100, 3)\n")
    assert report.error == f"in_features={10**100} does not fit in a 64-bit integer"


def test_bom_is_ignored_for_positions():
    (site,) = sites("\ufeff" + NN + "m = nn.Linear(3, 4)\n")
    assert (site.line, site.col) == (2, 4)


def test_syntax_error_raises_parser_error():
    import libcst
    with pytest.raises(libcst.ParserSyntaxError):
        analyze_source(NN + "nn.Linear(3, 4\n")


# ---------------------------------------------------------------------------
# Regression tests for bugs found while writing these tests (all fixed)


BRANCH_FUNCTIONS = {
    "def in an unknown if": "W = 3\nif cond:\n    def build():\n        return nn.Linear(W, 4)\n"
                            "W = 5\n",
    "def in an except handler": "W = 3\ntry:\n    import foo\nexcept ImportError:\n"
                                "    def build():\n        return nn.Linear(W, 4)\nW = 5\n",
    "method of a class in an unknown if": "W = 3\nif cond:\n    class M(nn.Module):\n"
                                          "        def __init__(self):\n"
                                          "            self.fc = nn.Linear(W, 4)\nW = 5\n",
}


@pytest.mark.parametrize("source", BRANCH_FUNCTIONS.values(), ids=list(BRANCH_FUNCTIONS))
def test_function_defined_in_a_branch_sees_module_rebinding(source):
    report = only(NN + source)
    assert report.reason == _not_known("in_features",
                                       "'W' is bound to different values in this file")


def test_function_defined_in_a_branch_sees_later_module_names():
    report = only(NN + "if cond:\n    def build():\n        return nn.Linear(W, 4)\nW = 5\n")
    assert report.resolved and report.args["in_features"] == 5


LIST_MUTATIONS = {
    "append": "dims = [3, 16]\ndims.append(32)\nnn.Conv2d(dims[0], dims[-1], 3)\n",
    "item assignment": "cfg = [3, 16]\ncfg[1] = 32\nnn.Conv2d(cfg[0], cfg[1], 3)\n",
    "del item": "cfg = [3, 16, 32]\ndel cfg[1]\nnn.Conv2d(cfg[0], cfg[1], 3)\n",
    "+= through an alias": "a = [3, 16]\nb = a\nb += [32]\nnn.Conv2d(a[0], a[-1], 3)\n",
    "append in a function": "def build():\n    dims = [3, 16]\n    dims.append(32)\n"
                            "    return nn.Conv2d(dims[0], dims[-1], 3)\n",
}


@pytest.mark.parametrize("source", LIST_MUTATIONS.values(), ids=list(LIST_MUTATIONS))
def test_mutated_list_is_not_trusted(source):
    report = only(NN + source)
    assert not report.resolved or report.args["out_channels"] == 32


def test_closure_over_a_rebound_local_is_unknown():
    source = NN + ("def outer():\n    w = 3\n    def inner():\n        return nn.Linear(w, 4)\n"
                   "    first = inner()\n    w = 5\n    return inner\n")
    assert not only(source).resolved


TOO_LARGE = _not_known("{arg}", "a value too large to evaluate")


def test_int_multiplication_is_bounded_like_power():
    as_power = only(NN + "nn.Linear(2**6000, 4)\n")
    as_product = only(NN + "X = 2**2000\nnn.Linear(X * X * X, 4)\n")
    assert as_power.reason == TOO_LARGE.format(arg="in_features")
    assert as_product.reason == as_power.reason


def test_sequence_concatenation_is_bounded_like_repetition():
    as_repeat = only(NN + "nn.Conv2d(3, 8, (1,) * 200000)\n")
    as_concat = only(NN + "T = (1,) * 100000\nnn.Conv2d(3, 8, T + T)\n")
    assert as_repeat.reason == TOO_LARGE.format(arg="kernel_size")
    assert as_concat.reason == as_repeat.reason


def test_string_formatting_is_bounded_like_repetition():
    as_repeat = only(NN + "nn.Conv2d(3, 8, 3, padding_mode='0' * 200000)\n")
    as_format = only(NN + "nn.Conv2d(3, 8, 3, padding_mode='%0200000d' % 0)\n")
    assert as_repeat.reason == TOO_LARGE.format(arg="padding_mode")
    assert as_format.error is None and as_format.reason == _not_known(
        "padding_mode", "`%` formatting of a string is not evaluated")


def _check_source_in_subprocess(source_expr: str) -> subprocess.CompletedProcess:
    """check_source on a generated source in a child process: a crash there (SIGSEGV, an
    escaping exception) must not take pytest down, nor pytest's repr of the deeply nested
    CST nodes in the traceback hang the run."""
    code = ("from macslint.engine import check_source\n"
            "from macslint.config import Settings\n"
            f"src = {source_expr}\n"
            "r = check_source('x.py', src, Settings())\n"
            "print(' '.join(f.code for f in r.findings))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=HANG_SECONDS)


def test_very_deep_nesting_does_not_crash_the_process():
    result = _check_source_in_subprocess(
        "'import torch.nn as nn\\nnn.Linear(' + '(' * 3000 + '3' + ')' * 3000 + ', 4)\\n'")
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-300:]}"
    assert result.stdout.split() == ["MAC901"]


def test_moderately_deep_nesting_is_analysed():
    # CPython allows up to 200 nested brackets; 1000 is a SyntaxError (MAC901) for it too.
    result = _check_source_in_subprocess(
        "'import torch.nn as nn\\nnn.Linear(' + '(' * 150 + '3' + ')' * 150 + ', 4)\\n'")
    assert result.returncode == 0, result.stderr[-300:]
    assert result.stdout.split() == []
    too_deep = _check_source_in_subprocess(
        "'import torch.nn as nn\\nnn.Linear(' + '(' * 1000 + '3' + ')' * 1000 + ', 4)\\n'")
    assert too_deep.returncode == 0, too_deep.stderr[-300:]
    assert too_deep.stdout.split() == ["MAC901"]


def test_long_elif_chain_is_a_finding_not_an_exception():
    result = _check_source_in_subprocess(
        "'import torch.nn as nn\\nif a:\\n    pass\\n' + 'elif a:\\n    pass\\n' * 500"
        " + 'nn.Linear(3, 4)\\n'")
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-300:]}"
    assert result.stdout.split() == []  # valid code is analysed on a deeper stack


def test_a_value_no_branch_changes_keeps_its_own_reason():
    """An unknown module-level value (an import macslint does not follow) before an
    `if __name__ == "__main__":` block kept a wrong reason after it: "'np' depends on which
    branch ran", hiding the real cause."""
    report = only(NN + "import widths as w\n\nif __name__ == '__main__':\n    y = 2\n"
                  "nn.Linear(int(w.prod((3, 4))), 2)\n")
    assert not report.resolved and "depends on which branch ran" not in report.reason


def test_starred_unpacking_of_known_values_is_resolved_as_python_binds_it():
    import torch.nn as torch_nn

    report = only(NN + "a, *b = 1, 2, 3\nnn.Linear(a, 4)\n")
    a, *_ = 1, 2, 3  # what Python binds: the layer torch builds from the same values
    assert report.resolved and report.params == sum(
        p.numel() for p in torch_nn.Linear(a, 4, device="meta").parameters())
