"""Imports between project files: a model built from blocks of another file of the project.

The numbers come from torch: each test imports the very package it wrote and counts it.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path
from typing import Dict, Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.engine import check_file
from macslint.project.loader import clear_cache
from macslint.units import format_shape
from tests.torchnn.tracer_helpers import failing_operands

BLOCKS = """
    import torch.nn as nn


    def conv3x3(cin, cout, stride=1):
        return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


    class Block(nn.Module):
        expansion = 2

        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.conv = conv3x3(cin, cout, stride)
            self.bn = nn.BatchNorm2d(cout)

        def forward(self, x):
            return self.bn(self.conv(x))
"""

NET = """
    import torch.nn as nn

    from .blocks import Block
    from . import blocks
    from {package}.blocks import conv3x3


    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self, num_classes=10):
            super().__init__()
            self.stem = conv3x3(3, 16)
            self.b1 = Block(16, 32, stride=2)
            self.b2 = blocks.Block(32, 16 * Block.expansion)
            self.fc = nn.Linear(32, num_classes)

        def forward(self, x):
            x = self.b2(self.b1(self.stem(x)))
            return self.fc(x.mean((2, 3)))


    def net():  # macslint: input-size=3x16x16
        return Net(num_classes=5)
"""


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    yield
    clear_cache()


def write_package(root: Path, name: str, files: Dict[str, str]) -> Path:
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for file, text in files.items():
        (package / file).write_text(textwrap.dedent(text).format(package=name), encoding="utf-8")
    return package


def torch_counts(root: Path, module: str, attr: str, shape: Tuple[int, ...]) -> Tuple[int, int]:
    sys.path.insert(0, str(root))
    try:
        built = getattr(importlib.import_module(module), attr)()
    finally:
        sys.path.remove(str(root))
    with FlopCounterMode(display=False) as counter:
        built(torch.zeros(shape))
    return sum(p.numel() for p in built.parameters()), counter.get_total_flops() // 2


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def models(path: Path, **settings):
    result = check_file(path, path.name, Settings(**settings))
    assert result.report.error is None, result.report.error
    return result, {m.name: m for m in result.report.models}


def test_model_built_from_blocks_of_another_file_matches_torch(tmp_path):
    package = write_package(tmp_path, "projpkg1", {"blocks.py": BLOCKS, "net.py": NET})
    _, found = models(package / "net.py")
    for name, shape in (("Net", (1, 3, 32, 32)), ("net", (1, 3, 16, 16))):
        model = found[name]
        assert model.complete, model.reasons
        assert model.input == shape
        assert (model.params, model.macs) == torch_counts(tmp_path, "projpkg1.net", name, shape)
    calls = [(c.path, c.site.file, c.site.line) for c in found["Net"].calls]
    assert calls[:3] == [("stem", "blocks.py", 6), ("b1.conv", "blocks.py", 6),
                         ("b1.bn", "blocks.py", 15)]
    assert calls[-1] == ("fc", None, line_of(package / "net.py", "nn.Linear"))


def test_layer_budgets_of_this_file_only(tmp_path):
    """The imported file's constructions are its own: a budget finding lands on this file's
    lines only, and the other file's layers are not listed as this file's."""
    package = write_package(tmp_path, "projpkg2", {"blocks.py": BLOCKS, "net.py": NET})
    result, _ = models(package / "net.py", max_layer_macs=100)
    linear = line_of(package / "net.py", "nn.Linear")
    assert {f.line for f in result.findings if f.code == "MAC001"} == {linear}
    assert [layer.line for layer in result.report.layers] == [linear]


def test_shape_mismatch_inside_an_imported_block_is_reported_on_the_model(tmp_path):
    net = NET.replace("Block(32, 16 * Block.expansion)", "Block(16, 32)")
    package = write_package(tmp_path, "projpkg3", {"blocks.py": BLOCKS, "net.py": net})
    result, found = models(package / "net.py")
    [issue] = [f for f in result.findings if f.code == "MAC011" and f.line == found["Net"].line]
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(RuntimeError, match="expected input.*to have 16 channels"):
            importlib.import_module("projpkg3.net").Net()(torch.zeros(1, 3, 32, 32))
        # what the conv gets, as torch runs it at the pragma's input
        gets = failing_operands(importlib.import_module("projpkg3.net").Net(), (1, 3, 32, 32))[0]
    finally:
        sys.path.remove(str(tmp_path))
    # what it expects is macslint's wording of its arguments (torch names the weight instead)
    assert "Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False) expects 1x16x16x16 " \
           f"but gets {format_shape(gets)}" in issue.message
    assert issue.message.endswith("(at blocks.py:6)")  # the conv's file and line


@pytest.mark.parametrize("blocks, why", [
    ("import torch.nn as nn\nfrom .net import Net\n\nclass Block(nn.Module):\n    pass\n"
     "\nx = (\n", "cannot be parsed"),
    (None, "missing"),
])
def test_unreadable_or_missing_import_is_unknown(tmp_path, blocks, why):
    files = {"net.py": NET}
    if blocks is not None:
        files["blocks.py"] = blocks
    package = write_package(tmp_path, f"projpkg_{why.split()[0]}", files)
    result, found = models(package / "net.py")
    assert not found["Net"].complete
    assert any("'Block' is imported from .blocks" in r or "conv3x3" in r
               for r in found["Net"].reasons), found["Net"].reasons
    assert not [f for f in result.findings if f.code == "MAC900"]


def test_import_cycle_is_unknown_not_a_crash(tmp_path):
    blocks = textwrap.dedent(BLOCKS) + "\nfrom .net import Net\n"
    package = write_package(tmp_path, "projpkg4", {"blocks.py": blocks, "net.py": NET})
    _, found = models(package / "net.py")
    assert found["Net"].complete  # the cycle only hides Net from blocks.py, which does not use it
    _, found = models(package / "blocks.py")
    assert found == {}  # blocks.py has no model; net.py is read, its import of blocks is cut


def test_changed_import_is_read_again(tmp_path):
    package = write_package(tmp_path, "projpkg5", {"blocks.py": BLOCKS, "net.py": NET})
    _, found = models(package / "net.py")
    before = found["Net"].params
    (package / "blocks.py").write_text(textwrap.dedent(BLOCKS).replace("bias=False", "bias=True"),
                                       encoding="utf-8")
    _, found = models(package / "net.py")
    params, _ = torch_counts(tmp_path, "projpkg5.net", "Net", (1, 3, 32, 32))  # the pragma's input
    assert found["Net"].params == params > before  # three convs gained a bias


def test_imports_are_read_when_used(tmp_path):
    """A package whose __init__ imports everything is not read whole: only what a model uses."""
    files = {"blocks.py": BLOCKS, "net.py": NET, "unused.py": "import torch.nn as nn\nx = (\n"}
    package = write_package(tmp_path, "projpkg6", files)
    (package / "__init__.py").write_text("from .unused import x\nfrom .net import Net\n")
    from macslint.analysis import analyze_source
    from macslint.project.loader import ProjectLoader

    loaded = []
    original = ProjectLoader.load

    def spy(self, path):
        loaded.append(path.name)
        return original(self, path)

    ProjectLoader.load, restore = spy, ProjectLoader.load
    try:
        source = (package / "net.py").read_text()
        analysis = analyze_source(source, Settings(), str(package / "net.py"))
    finally:
        ProjectLoader.load = restore
    # `from . import blocks` looks in the package first, as Python does; its imports stay unread
    assert set(loaded) == {"blocks.py", "__init__.py"}
    assert [m.name for m in analysis.models if m.complete] == ["Net", "net"]


def test_classmethod_and_typing_cast_in_a_factory(tmp_path):
    weights = """
        from typing import cast


        class Weights:
            @classmethod
            def verify(cls, obj):
                if obj is not None:
                    raise ValueError("no weights here")
                return obj

            @staticmethod
            def width(v):
                return cast(int, v) * 2
    """
    factory = """
        import torch.nn as nn

        from .weights import Weights


        def small(weights=None):  # macslint: input-size=4
            weights = Weights.verify(weights)
            if weights is not None:
                raise RuntimeError("unreachable")
            return nn.Sequential(nn.Linear(4, Weights.width(4)), nn.ReLU())
    """
    package = write_package(tmp_path, "projpkg7", {"weights.py": weights, "factory.py": factory})
    _, found = models(package / "factory.py")
    model = found["small"]
    assert model.complete, model.reasons
    assert (model.params, model.macs) == torch_counts(tmp_path, "projpkg7.factory", "small", (1, 4))


def test_two_files_importing_the_same_module_in_one_run(tmp_path):
    """Regression: a module read for one file's analysis is read again (from the parse cache)
    for the next one, so its nodes belong to that analysis too (this crashed the second)."""
    package = write_package(tmp_path, "projpkg8", {"blocks.py": BLOCKS, "net.py": NET,
                                                   "other.py": NET})
    for name in ("net.py", "other.py", "net.py"):
        result, found = models(package / name)
        assert found["Net"].complete, found["Net"].reasons
        assert not [f for f in result.findings if f.code == "MAC900"]
        assert (found["Net"].params, found["Net"].macs) == torch_counts(
            tmp_path, "projpkg8.net", "Net", (1, 3, 32, 32))


# -- the prefilter: a file that never says "torch" may still build models from project files

NO_TORCH_NET = """
    from .blocks import Block
    {extra}

    def wide():  # macslint: input-size=3x8x8
        return Block(3, 64)


    class Deep(Block):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__(3, 8, stride=2)
"""


@pytest.mark.parametrize("extra", ["", "# torch"])
def test_file_without_torch_builds_models_from_project_blocks(tmp_path, extra):
    """Either way the same models, with torch's numbers: the text test before the parse
    follows project imports instead of skipping the file."""
    package = write_package(tmp_path, f"nt{len(extra)}", {
        "blocks.py": BLOCKS, "net.py": NO_TORCH_NET.replace("{extra}", extra)})
    _, found = models(package / "net.py")
    assert sorted(found) == ["Deep", "wide"]
    for name in ("Deep", "wide"):
        assert found[name].complete, found[name].reasons
        assert (found[name].params, found[name].macs) == torch_counts(
            tmp_path, f"nt{len(extra)}.net", name, (1, 3, 8, 8))


@pytest.mark.parametrize("importing", [
    "from .middle import Block",        # through a file that itself never says it
    "from . import middle\nBlock = middle.Block",
    "import ntpkg.middle as middle\nBlock = middle.Block",
])
def test_torch_reached_through_files_that_do_not_mention_it(tmp_path, importing):
    package = write_package(tmp_path, "ntpkg", {
        "blocks.py": BLOCKS, "middle.py": "from .blocks import Block\n",
        "net.py": f"{importing}\n\n\ndef wide():  # macslint: input-size=3x8x8\n"
                  "    return Block(3, 64)\n"})
    _, found = models(package / "net.py")
    assert (found["wide"].params, found["wide"].macs) == torch_counts(
        tmp_path, "ntpkg.net", "wide", (1, 3, 8, 8))


def test_file_that_cannot_reach_torch_is_not_parsed(tmp_path, monkeypatch):
    package = write_package(tmp_path, "plain", {
        "util.py": "def scale(x):\n    return 2 * x\n",
        "net.py": "from .util import scale\nimport os\n\n\ndef f():\n    return scale(3)\n"})
    import libcst

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(libcst, "parse_module", no_parse)
    monkeypatch.setattr("macslint.project.loader.cst.parse_module", no_parse)
    result, found = models(package / "net.py")
    assert found == {} and result.findings == []
    # the answer depends on util.py: a cached "nothing here" is stale once it changes
    assert str((package / "util.py").resolve()) in result.depends_on


def test_parse_cache_evicts_the_least_recently_used(tmp_path, monkeypatch):
    from macslint.project import loader as project

    monkeypatch.setattr(project, "_CACHE_SIZE", 2)
    files = []
    for name in "abc":
        (tmp_path / f"{name}.py").write_text(f"{name.upper()} = 1\n")
        files.append(project._cache_key(tmp_path / f"{name}.py"))
    a, b, c = files
    project._remember(a, "parsed a")
    project._remember(b, "parsed b")
    assert project._recall(a) == "parsed a"  # a is now the most recently used
    project._remember(c, "parsed c")
    assert list(project._CACHE) == [a, c]


def test_position_tables_are_computed_at_most_once_per_module(tmp_path, monkeypatch):
    """Regression: keeping the tables of 16 modules only made a model built from blocks of
    more files compute them again on every lookup (timm's check: 25 s -> over 10 min, 2.6 GB).
    """
    from macslint.evaluator import positions

    count = 20
    files = {f"b{i}.py": BLOCKS.replace("Block", f"Block{i}") for i in range(count)}
    imports = "\n".join(f"    from .b{i} import Block{i}" for i in range(count))
    blocks = "\n".join(f"                Block{i}(4, 4)," for i in range(count))
    files["net.py"] = f"""
    import torch.nn as nn
{imports}


    def chain():  # macslint: input-size=4x8x8
        return nn.Sequential(
{blocks}
        )
    """
    package = write_package(tmp_path, "manyblocks", files)
    computed = []
    real = positions.compute
    monkeypatch.setattr(positions, "compute", lambda m: computed.append(id(m)) or real(m))
    for _ in range(2):  # and the second file's analysis reuses the tables of the first
        _, found = models(package / "net.py")
        assert found["chain"].complete, found["chain"].reasons
    assert len(computed) == len(set(computed)) <= count + 1
    assert (found["chain"].params, found["chain"].macs) == torch_counts(
        tmp_path, "manyblocks.net", "chain", (1, 4, 8, 8))


def test_a_class_of_another_file_constructed_while_reading_names_its_own_file(tmp_path):
    """Reading a file runs the constructor of a plain class of another project file (a config
    object): what it says of that code names that file and line, never a position of this one
    (it was a KeyError: MAC900 on torchvision's detection files)."""
    package = write_package(tmp_path, "projrec", {
        "frozen.py": """
            from dataclasses import dataclass


            @dataclass(frozen=True)
            class Spec:
                width: int = 8

                def __post_init__(self):
                    self.width = 16  # Python raises FrozenInstanceError here
        """,
        "net.py": """
            import torch.nn as nn
            from .frozen import Spec

            spec = Spec()
            layer = nn.Linear(8, spec.width)
        """,
    })
    import dataclasses

    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(dataclasses.FrozenInstanceError):  # Python never builds the layer
            importlib.import_module("projrec.net")
    finally:
        sys.path.remove(str(tmp_path))
    result = check_file(package / "net.py", "net.py", Settings())
    assert [f.code for f in result.findings] == ["MAC100"]  # the layer, unresolved: no MAC900
    (layer,) = result.report.layers
    assert not layer.resolved
    assert f"frozen.py line {line_of(package / 'frozen.py', 'self.width = 16')}" in layer.reason
