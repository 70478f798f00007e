"""macslint.evaluator.positions against libcst's PositionProvider: the same CodeRange for every node,
and `node in positions` exactly for the nodes of the module."""

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from macslint.evaluator import positions as fast
from macslint.evaluator.positions import LazyPositions

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for folder in ("fixtures", "tests", "macslint")
               for p in (ROOT / folder).rglob("*.py"))

HOSTILE = {
    "parenthesized": "y = ((f(x)))\nz = ( (a).b(c) )[(d)]\n",
    "parens with comments": "x = (  # c\n    f(1)  # d\n    # e\n)\nw = (\n\n  g( )\n  )\n",
    "decorators": "@dec(a(b))\n# between\n\n@other . attr\n# again\ndef g(): pass\n\n"
                  "@c(1)\nclass K(B(x), metaclass=M):\n    @staticmethod\n"
                  "    async def h(): pass\n",
    "f-strings": 's = f"{f(x)!r:>{width(y)}} and {g(z)=} {{no}}"\nt = f\'\'\'\n{h(\n  1)}\'\'\'\n'
                 'u = "a" "b" f"{c()}"\nv = rb"\\x" b"y"\n',
    "lambdas": "k = lambda a, b=c(): d(a)(b)\nm = lambda: (yield)\n",
    "nested calls": "a(b)(c)\na.b(c).d(e)[f(g)](h)\nf(*a, **k)(x=g(y))\n",
    "multi-line strings": 'x = f("""\nabc\n  """, \'\'\'q\nr\'\'\')\ny = g()\n',
    "backslash": "x = 1 + \\\n    f(2)\nif a and \\\n  b(c):\n    pass\n",
    "tabs": "if x:\n\tf(1)\n\tif y:\n\t\tg(2)  # c\n\t\th = [\n\t\t\t1]\n",
    "non-ASCII": 'größe = f("日本語", ünïcode=1)  # ç\nπ = g("😀" + ξ(1)) + h()\n',
    "CRLF": "a = f(1)\r\nif a:\r\n    b = (\r\n        g(2))\r\n    # c\r\n",
    "lone CR": "a = 1\rb = f(2)\r",
    "form feed": "\x0cdef f():\n    pass\n\x0c\nx = g()\n",
    "BOM": "\ufeffx = f(1)\n",
    "semicolons": "a = f(1); b = g(2);  c()\nif x: d(); e() ;\n",
    "one-liners": "if x: f()\nelif y: g()\nelse: h()\nwhile x: f(); g()\nfor i in r(): pass\n"
                  "with a(b) as c, d(): e()\nclass A: x = f()\ndef k(): return l()\n",
    "try": "try: f()\nexcept E as e: g(e)\nexcept (A, B): pass\nelse: h()\nfinally: i()\n"
           "try:\n    pass\nexcept* T:\n    j()\n",
    "trailing comments": "class A:\n    x = f()\n    # trailing\n        # deeper\n\n# out\n"
                         "def g():\n    if x:\n        h()\n        # in if\n    # in def\n",
    "expressions": "r = [f(x) for x in g(y) if h(x)]\ns = {k(a): v for a in b}\n"
                   "t = f(x for x in y)\n"
                   "u = a if f(b) else c\nv = a and b or not c and d < e <= f(g)\n"
                   "w = a[1:f(2), ::3, ...]\n(n := f(1))\nx, *y = z = -a ** ~b @ c\n",
    "definitions": "def f(a: int = g(), /, b=1, *c, d: 'x' = h(), **e) -> r(): ...\n"
                   "async def i():\n    async with a() as b:\n        await c()\n"
                   "    async for d in e():\n        yield f()\n    global g\n",
    "match": "match p(x):\n    case [a, *b] if c(a):\n        d()\n    case {'k': E(f=g)} | None:\n"
             "        pass\n    case _:\n        raise h()\n",
    "statements": "import a.b as c\nfrom . import (d,\n  e)\ndel f[g()]\nassert h(), i()\n"
                  "raise j() from k()\nx += l()\ny: m() = n()\nreturn\n",
    "no trailing newline": "x = f(1)",
    "empty": "",
    "only comments": "# c\n\n   # d",
}


def check(source: str) -> None:
    """Asserts the positions of every node of `source` are libcst's, and membership exact."""
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    got = LazyPositions(module)
    assert len(got) == len(expected)
    assert {id(node) for node in got} == {id(node) for node in expected}
    for node, where in expected.items():
        assert node in got
        assert got[node] == where, f"{type(node).__name__}: {got[node]} != {where}"
    for node in LazyPositions(cst.parse_module(source)):  # the same code, other nodes
        assert node not in got and got.get(node) is None  # a KeyError inside
    for other in (None, 0, "x", source, expected[module]):
        assert other not in got


def snippets(path: Path) -> list:
    """The code in the strings of a file (the tests write their cases as strings)."""
    found = []
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\n" in node.value:
            try:
                cst.parse_module(node.value)
            except Exception:  # noqa: BLE001 - not code
                continue
            found.append(node.value)
    return found


@pytest.fixture
def no_fallback():
    """The fast path is what is compared: libcst's provider is not used instead."""
    assert fast._FAST
    before = fast.FALLBACKS
    yield
    assert fast.FALLBACKS == before


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_files(path, no_fallback):
    try:
        check(path.read_text(encoding="utf-8"))
    except cst.ParserSyntaxError:
        assert path.parent.name == "syntax"  # tests/data/syntax: broken on purpose


def test_the_snippets_of_the_tests(no_fallback):
    found = {source for path in FILES for source in snippets(path)}
    assert len(found) > 200
    for source in found:
        check(source)


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile(source, no_fallback):
    check(source)


def test_positions_are_computed_once_on_first_use(monkeypatch):
    calls = []
    real = fast.compute
    monkeypatch.setattr(fast, "compute", lambda module: calls.append(module) or real(module))
    module = cst.parse_module("x = f(1)\n")
    positions = LazyPositions(module)
    assert calls == []
    call = module.body[0].body[0].value
    assert (positions[call].start.line, positions[call].start.column) == (1, 4)
    assert positions[call] is positions[call] and call in positions
    assert calls == [module]


def test_libcst_provider_when_the_state_is_not_known(monkeypatch):
    monkeypatch.setattr(fast, "_FAST", False)
    before = fast.FALLBACKS
    check(HOSTILE["decorators"])
    assert fast.FALLBACKS > before


def _bytes(self, value):  # columns in UTF-8 bytes, as ast has them
    self.tokens.append(value)
    self.column += len(value.encode())
    self.line += value.count("\n")
    if "\n" in value:
        self.column = len(value.rsplit("\n", 1)[1].encode())


def _lf_only(self, value):  # "\r" not a line break
    self.tokens.append(value)
    if "\n" in value:
        self.line += value.count("\n")
        self.column = len(value.rsplit("\n", 1)[1])
    else:
        self.column += len(value)


def _no_hoisting(self, node, *, start_node=None, end_node=None):  # decorators, bodies
    return _REAL_RECORD(self, node)


def _whitespace_inclusive(self, node):  # syntactic positions overwritten
    line, column = self._stack.pop()
    self.computed[id(node)] = fast._pack(line, column, self.line, self.column)
    self.nodes.append(node)


_REAL_RECORD = fast._State.record_syntactic_position
MUTANTS = {  # name: (the method replaced, the wrong one, a case it gets wrong)
    "bytes": ("add_token", _bytes, "non-ASCII"),
    "lf only": ("add_token", _lf_only, "lone CR"),
    "no hoisting": ("record_syntactic_position", _no_hoisting, "decorators"),
    "whitespace inclusive": ("after_codegen", _whitespace_inclusive, "parenthesized"),
}


@pytest.mark.parametrize("name", MUTANTS)
def test_a_wrong_implementation_fails(name, monkeypatch):
    attribute, wrong, case = MUTANTS[name]
    monkeypatch.setattr(fast._State, attribute, wrong)
    failed = []
    for key, source in HOSTILE.items():
        try:
            check(source)
        except AssertionError:
            failed.append(key)
    assert case in failed


def test_wrong_membership_fails(monkeypatch):
    monkeypatch.setattr(LazyPositions, "__contains__", lambda self, node: True)
    with pytest.raises(AssertionError):
        check(HOSTILE["nested calls"])
