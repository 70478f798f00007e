"""What a star import reads of a project file, with Python's ast (project/exports.py).

The names a module binds must be those the analysis binds walking the libcst tree
(evaluator.syntax.names_bound_in): checked on every Python file of this repository and on
snippets with each kind of binding. A literal `__all__` must be the value Python gives it
(the snippets are run). A file whose names are never used is not parsed by libcst at all.
"""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from macslint.analysis import analyze_source
from macslint.config import Settings
from macslint.evaluator.syntax import names_bound_in
from macslint.project import exports, loader
from macslint.project.exports import literal_all, module_bound_names, star_exports, star_imports
from tests.project.test_project import write_package

REPO = Path(__file__).resolve().parents[2]

BINDINGS = [
    "def f(): pass\nasync def g(): pass\nclass C: pass",
    "a = b = 1\nc, (d, *e) = 1, (2, 3)\n[f, g] = 1, 2\nh.i = 1\nj[0] = 2",
    "k: int\nl: int = 1\nm += 1\nn.o: int = 1",
    "for p, q in []: pass\nelse: r = 1\nasync def s(): pass",
    "import t.u.v\nimport w.x as y\nfrom z import aa, bb as cc\nfrom . import dd\nfrom ee import *",
    "with open(x) as ff, open(y) as (gg, hh): pass\nwith open(x) as ii.jj: pass",
    "try: pass\nexcept E as kk: pass\nexcept (F, G): ll = 1\nelse: mm = 1\nfinally: nn = 1",
    "try: pass\nexcept* E as oo: pass",
    "if (pp := 1): qq = 2\nelif x: rr = 3\nelse:\n    while (ss := 0): tt = 1",
    "del uu, (vv, ww)\ndel xx.yy, zz[0]",
    "global g1\nnonlocal_free = 1\ndef h1():\n    global g2\n    g2 = 1",
    "[q1 for q1 in x]\n{q2: 1 for q2 in x}\n{q3 for q3 in x}\n(q4 for q4 in x)\n"
    "[(q5 := 1) for _ in x]\nlambda q6: (q7 := q6)",
    "match x:\n    case [m1, *m2]: m3 = 1\n    case {'k': m4, **m5}: pass\n"
    "    case Point(x=m6) as m7: pass\n    case _: pass",
    "@decorator(d1 := 1)\ndef d2(a=(d3 := 1)): d4 = 1\nclass d5(Base, k=(d6 := 1)): d7 = 1",
]


def _python_files():
    for root in ("macslint", "tests", "benchmarks", "scripts", "fixtures", "examples"):
        for path in sorted((REPO / root).rglob("*.py")):
            yield path


@pytest.mark.parametrize("source", BINDINGS)
def test_bound_names_are_those_the_analysis_binds(source):
    expected = set(names_bound_in([cst.parse_module(source)]).names)
    assert module_bound_names(ast.parse(source)) == expected


def test_bound_names_agree_on_every_file_of_this_repository():
    differ = []
    files = list(_python_files())
    assert len(files) > 200
    for path in files:
        source = path.read_text(encoding="utf-8")
        try:
            module = ast.parse(source)
        except SyntaxError:
            continue  # (fixtures of broken code)
        expected = set(names_bound_in([cst.parse_module(source)]).names)
        if module_bound_names(module) != expected:
            differ.append(path)
    assert differ == []


LITERAL = [
    '__all__ = ["a", "b"]',
    '__all__ = ["a"]\n__all__ += ("b",)\n__all__ += "c", "d"',
    '__all__: list = ["a"]\n__all__.extend(["b", "c"])\n__all__.append("d")\nx = 1',
    '__all__ = []\ndef f():\n    __all__ = 1\nclass C:\n    __all__ = 2',
    '__all__ = ["a"]\nif x:\n    pass\n__all__.append(("b"))',
    '__all__ = [\n    "a",\n    \'b\',\n    """c""",\n]',
]


@pytest.mark.parametrize("source", LITERAL)
def test_literal_all_is_the_value_python_gives_it(source):
    namespace: dict = {"x": 0}
    exec(compile(source, "<all>", "exec"), namespace)  # noqa: S102 - our own snippet
    assert literal_all(ast.parse(source), source) == tuple(namespace["__all__"])


@pytest.mark.parametrize("source", [
    '__all__ = names',
    '__all__ = ["a"] + ["b"]',
    '__all__ = ["a" "b"]',  # implicit concatenation: one string that reads as two
    '__all__ = ["a",\n    "b"\n    "c"]',
    '__all__ = [f"a"]',
    '__all__ = ["a", *more]',
    '__all__ += ["a"]',  # extended before it is assigned
    '__all__ = ["a"]\n__all__.extend(names)',
    '__all__ = ["a"]\n__all__.append(name)',
    '__all__ = ["a"]\n__all__.insert(0, "b")',
    '__all__ = ["a"]\nif x:\n    __all__.append("b")',
    '__all__ = ["a"]\nmodule.__all__ = 1',
    '__all__ = ["a"]\nimport __all__',
    '__all__ = ["a"]\nf(__all__=1)',
    '__all__ = ["a"]\ng = lambda __all__: 0',
    '__all__: list',
    '__all__ = x = ["a"]',
    'for __all__ in [["a"]]: pass',
    'x = 1',  # no __all__ at all
])
def test_an_all_not_written_as_a_literal_is_not_read(source):
    assert literal_all(ast.parse(source), source) is None


def test_a_string_that_mentions_all_is_not_a_mention():
    source = '__all__ = ["a"]\nprint("__all__")\n__all__.append("b")'
    assert literal_all(ast.parse(source), source) == ("a", "b")


def test_star_imports_in_the_order_the_loader_follows_them():
    """Last statement first, a block's `else` before its body (a stack over libcst's
    fields): the order decides what a cycle of star imports binds. (The expected order is
    the one the libcst walk this replaced gave for this source.)"""
    source = textwrap.dedent("""
        from a import *
        if x:
            from b import *
        else:
            from c import *
        try:
            from .d import *
        except ImportError:
            from ..e import *
        else:
            from f2 import *
        finally:
            from f3 import *
        while y:
            from w1 import *
        else:
            from w2 import *
        with z:
            from w3 import *
        def f():
            from g import *
        match x:
            case 1:
                from h import *
        from . import *
    """)
    assert list(star_imports(ast.parse(source))) == [
        ("", 1), ("w3", 0), ("w2", 0), ("w1", 0), ("f3", 0), ("f2", 0), ("e", 2), ("d", 1),
        ("c", 0), ("b", 0), ("a", 0)]


def test_star_exports_read_once_while_the_file_is_unchanged(tmp_path):
    exports.clear()
    path = tmp_path / "m.py"
    path.write_text("a = 1\n__all__ = ['a']\n", encoding="utf-8")
    read = []

    def source_of(p):
        read.append(p)
        return loader.read_source(p)

    first = star_exports(path, source_of)
    assert first is not None and first.literal_all == ("a",) and "a" in first.bound
    assert star_exports(path, source_of) is first and len(read) == 1
    path.write_text("b = 1\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = star_exports(path, source_of)
    assert len(read) == 2 and second.bound == frozenset({"b"}) and second.literal_all is None


@pytest.mark.parametrize("text", ["def (:\n", "\udcff = 1\n"])
def test_a_file_python_rejects_or_cannot_read_exports_nothing(tmp_path, text):
    exports.clear()
    path = tmp_path / "bad.py"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert star_exports(path, loader.read_source) is None
    assert star_exports(tmp_path / "missing.py", loader.read_source) is None


def test_a_star_imported_file_whose_names_are_not_used_is_not_parsed_by_libcst(tmp_path):
    loader.clear_cache()
    package = write_package(tmp_path, "exportspkg", {
        # (`_nn`: a name the importer binds already is read at once, to compare the two)
        "unused.py": "import torch.nn as _nn\n\nclass U(_nn.Module):\n    pass\n",
        "used.py": "import torch.nn as nn\n\nclass Block(nn.Linear):\n    pass\n",
        "net.py": "import torch.nn as nn\nfrom .unused import *\nfrom .used import *\n\n"
                  "def net():  # macslint: input-size=4\n    return Block(4, 2)\n"})
    net = package / "net.py"
    source = net.read_text(encoding="utf-8")
    analysis = analyze_source(source, Settings(), str(net), net)
    torch = pytest.importorskip("torch")
    params = sum(p.numel() for p in torch.nn.Linear(4, 2).parameters())
    assert [(m.name, m.params) for m in analysis.models] == [("net", params)]
    parsed = {Path(key[0]).name for key in loader._CACHE}
    assert "used.py" in parsed and "unused.py" not in parsed
    loader.clear_cache()
