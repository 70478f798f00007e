"""Random and mutated programs through the flake8 plugin (in-process), the analysis
(`engine.check_source`) and the CLI (a sample, as a subprocess). For every program:

- no exception escapes (`check_source` is called directly: the plugin would turn one into a
  MAC900 finding);
- MAC900 (internal error) never appears on code Python compiles (`compile(src, "x", "exec")`);
- code Python rejects gets MAC901 and nothing else, when it mentions torch (a file that does
  not is skipped before any parse: flake8's E999 reports it);
- the plugin reports exactly what the analysis found, and no message shows an object address;
- the evaluation stays within its step budget, both ways (tests.helpers.Budget: no model past
  MAX_STEPS, no step after a budget ran out), and a model its budget stopped says so. A file
  that would never end stops the run after tests.helpers.HANG_SECONDS (a hang detector, not a
  benchmark: no test asserts seconds).

The programs, and how many in the "ci" profile (derandomized: the same on every run; the
"nightly" profile draws new ones, ten times as many, tests.helpers.examples):

- mutations of the fixtures' token streams (fixtures/**/*.py, tests/data/*.py): deleted and
  duplicated tokens, swapped call arguments, huge literals like `10**100` for numbers,
  unicode identifiers (other scripts, and NFKC twins Python reads as the same name), control
  characters, an operand wrapped past the nesting limits: 100 of each, 200 with up to six;
- hypothesmith modules at module level and as the body of a model's `__init__` and
  `forward` (which the model interpreter runs): 100 each; from libcst nodes: 60;
- models drawn from a grammar of torch idioms, half with sizes that fit, half with hostile
  values: 500;
- seeded structural programs: each construct nested below and past Python's and libcst's
  limits (81), thousand-layer and thousands-deep models, unicode names (15);
- the CLI (`check -j 2` and `report --format json`) on 40 seeded mutants, 9 of the above and
  6 hypothesmith modules.

    HYPOTHESIS_PROFILE=nightly python -m pytest -q tests/integration/test_fuzz.py

The counts of a run are printed at its end. Built on tests/integration/test_hostile.py (hostile model
code) and tests/adapters/test_cli.py (syntax errors, non-UTF-8, nesting past the recursion limit),
which give exact messages; here only the properties above are checked, on many more
programs. The bugs they found have regression tests with the minimal program, at the end.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import keyword
import random
import re
import shutil
import tokenize
import unicodedata
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macslint.codes import DEFAULT_DISABLED
from macslint.config import config_for_path
from macslint.engine import check_source
from macslint.adapters.flake8_plugin import MacsPlugin
from tests.helpers import DATA, FIXTURES, Budget, examples, macslint, no_hang
from tests.torchnn.tracer_helpers import torch_has_params, torch_layer

# torch's count for nn.Linear(8, 8), the layer the deep-nesting models wrap
LINEAR_8_PARAMS = sum(p.numel() for p in torch_layer("nn.Linear(8, 8)").parameters())

# hypothesmith's own compile() of what it generates warns (`'str' object is not callable`)
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture]

# How many programs each category checked in this run (printed at the end of the module).
COUNTS: Counter = Counter()


# --------------------------------------------------------------------------- the properties


def python_compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "x", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _internal_errors(findings: Sequence[str]) -> List[str]:
    return [f for f in findings if " MAC900 " in f]


class Checked(NamedTuple):
    codes: List[str]
    messages: List[str]


def check_program(path: Path, source: str, category: str) -> Checked:
    """`source` (written to `path`) through the plugin and the analysis; the properties."""
    path.write_text(source, encoding="utf-8", errors="surrogatepass")
    try:
        settings_ = config_for_path(path).settings_for(path)
        with no_hang():
            with Budget() as plugin_budget:
                plugin = list(MacsPlugin(ast.Module(body=[], type_ignores=[]), str(path),
                                         source.splitlines(keepends=True)).run())
            with Budget() as budget:  # an exception from check_source fails the test
                result = check_source(str(path), source, settings_, path)
    finally:
        path.unlink()
    COUNTS[category] += 1
    findings = [f"{f.line}:{f.col}: {f.code} {f.message}" for f in result.findings]
    codes = [f.code for f in result.findings]
    assert plugin_budget.problems() == budget.problems() == [], (
        plugin_budget.problems(), budget.problems(), source[:2000])
    for model in result.report.models:
        if budget.spent(model.name, model.line):
            assert "steps" in " ".join(model.reasons), (model.name, model.reasons, source[:2000])
    # (the plugin leaves out the codes off by default, as flake8's default selection does)
    assert [(line, col, text) for line, col, text, _ in plugin] == [
        (f.line, max(f.col - 1, 0), f"{f.code} {f.message}") for f in result.findings
        if f.code not in DEFAULT_DISABLED], source
    # a message shows values as Python would, never an object's address (not the same twice)
    assert not re.search(r" at 0x[0-9a-f]{6,}", "\n".join(findings)), (findings, source)
    if python_compiles(source):
        assert not _internal_errors(findings), (findings, source)
    else:
        assert set(codes) <= {"MAC901"} and len(codes) <= 1, (findings, source)
        if "torch" in source:
            assert codes == ["MAC901"], (findings, source)
    return Checked(codes, findings)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of fixtures/ (its pyproject.toml sets budgets and per-path sizes, so findings
    are made) with tests/data/*.py under data/: a mutated file is checked next to the
    files its original sits with."""
    root = tmp_path_factory.mktemp("fuzz") / "project"
    ignored = shutil.ignore_patterns(".macslint_cache", "*.expected", "__pycache__")
    shutil.copytree(FIXTURES, root, ignore=ignored)
    (root / "data").mkdir()
    for file in DATA.glob("*.py"):
        shutil.copy(file, root / "data" / file.name)
    (root / "gen").mkdir()
    return root


_serial = itertools.count()


def fresh_path(project: Path, near: str = "gen/x.py") -> Path:
    """A new file name in the directory of `near` (no cache ever sees two texts at one path)."""
    return project / Path(near).parent / f"fuzz_{next(_serial)}.py"


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request):
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None and COUNTS:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\ntest_fuzz: {sum(COUNTS.values())} programs: " + ", ".join(
                f"{name} {count}" for name, count in sorted(COUNTS.items())))


# --------------------------------------------------------------------------- fixture tokens


def _fixture_sources() -> Dict[str, str]:
    files = sorted([*FIXTURES.rglob("*.py"), *DATA.glob("*.py")])
    return {("data/" + p.name if p.parent == DATA else p.relative_to(FIXTURES).as_posix()):
            p.read_text(encoding="utf-8") for p in files if ".macslint_cache" not in p.parts}


SOURCES = _fixture_sources()
NAMES = sorted(SOURCES)


class Token(NamedTuple):
    type: int
    text: str
    start: int  # offsets in the source
    end: int


def _tokens(source: str) -> List[Token]:
    starts = [0]
    for line in io.StringIO(source):
        starts.append(starts[-1] + len(line))

    def offset(row: int, col: int) -> int:
        return min(starts[row - 1] + col, len(source)) if row <= len(starts) else len(source)

    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            out.append(Token(tok.type, tok.string, offset(*tok.start), offset(*tok.end)))
    except (tokenize.TokenError, SyntaxError):  # a broken fixture (syntax/broken.py)
        pass
    return out


TOKENS = {name: _tokens(source) for name, source in SOURCES.items()}
SIGNIFICANT = {name: [t for t in toks if t.end > t.start] for name, toks in TOKENS.items()}
NUMBERS = {name: [t for t in toks if t.type == tokenize.NUMBER] for name, toks in TOKENS.items()}
IDENTIFIERS = {name: sorted({t.text for t in toks if t.type == tokenize.NAME
                             and not keyword.iskeyword(t.text)})
               for name, toks in TOKENS.items()}


def _argument_lists(source: str, toks: List[Token]) -> List[List[Tuple[int, int]]]:
    """The spans of the top-level arguments of each call (and subscript, tuple, list) with two
    or more: `Conv2d(3, 64, kernel_size=3)` -> the spans of `3`, `64`, `kernel_size=3`."""
    found = []
    stack: List[Tuple[int, List[Tuple[int, int]], int]] = []  # (open index, spans, arg start)
    for i, tok in enumerate(toks):
        if tok.type != tokenize.OP:
            continue
        if tok.text in "([{":
            stack.append((i, [], tok.end))
        elif tok.text in ")]}" and stack:
            _, spans, start = stack.pop()
            if source[start:tok.start].strip():
                spans.append((start, tok.start))
            if len(spans) >= 2:
                found.append(spans)
        elif tok.text == "," and stack:
            _, spans, start = stack[-1]
            spans.append((start, tok.start))
            stack[-1] = (stack[-1][0], spans, tok.end)
    return [[(a + len(source[a:b]) - len(source[a:b].lstrip()), b) for a, b in spans]
            for spans in found]


ARGUMENTS = {name: _argument_lists(SOURCES[name], TOKENS[name]) for name in NAMES}

HUGE = ["10**100", "-10**100", "10**1000", "2**63", "2**64 - 1", "-1", "0", "10**10**2",
        "1e308", "1e400", "-1e400", "float('inf')", "float('nan')", "9" * 60, "0.5", "1j",
        "True", "None", "'3'", "(3, 3)", "[]", "10**12", "-(10**18)", "0x7fffffffffffffff"]
# Identifier characters: letters of other scripts, and forms NFKC turns back into ASCII (Python
# reads `𝐱` as `x`; libcst keeps what is written).
UNICODE_LETTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Nl"],
                                max_codepoint=0x2FFFF)
CONTROL = ["\x00", "\ud800", "\x0c", "\t", "\r", "\r\n", "\u2028", "\ufeff", "\x1a", "\\",
           "\u00e9", "\U0001F642", "\x85", "\u200b", "#", "'", '"""', ":", "\n    "]
WRAPS = [("(", ")"), ("[", "]"), ("(", ",)"), ("-", ""), ("not ", ""), ("nn.Sequential(", ")"),
         ("abs(", ")"), ("[", "][0]"), ("lambda: ", "")]


def _nfkc_twin(name: str) -> Optional[str]:
    """`name` written with mathematical bold letters: a different string, the same Python
    identifier."""
    twin = "".join(chr(0x1D41A + ord(c) - ord("a")) if "a" <= c <= "z" else c for c in name)
    return twin if twin != name and unicodedata.normalize("NFKC", twin) == name else None


Edit = Tuple[int, int, str]  # replace source[start:end]


@st.composite
def edits(draw, name: str, kind: str) -> List[Edit]:
    source, toks = SOURCES[name], SIGNIFICANT[name]
    if kind == "delete" and toks:
        tok = draw(st.sampled_from(toks))
        return [(tok.start, tok.end, "")]
    if kind == "duplicate" and toks:
        tok, at = draw(st.sampled_from(toks)), draw(st.sampled_from(toks))
        return [(at.start, at.start, tok.text + " ")]
    if kind == "swap" and ARGUMENTS[name]:
        spans = draw(st.sampled_from(ARGUMENTS[name]))
        i = draw(st.integers(0, len(spans) - 2))
        j = draw(st.integers(i + 1, len(spans) - 1))
        (a0, a1), (b0, b1) = spans[i], spans[j]
        return [(a0, b1, source[b0:b1] + source[a1:b0] + source[a0:a1])]
    if kind == "huge" and NUMBERS[name]:
        tok = draw(st.sampled_from(NUMBERS[name]))
        return [(tok.start, tok.end, f"({draw(st.sampled_from(HUGE))})")]
    if kind == "unicode" and IDENTIFIERS[name]:
        old = draw(st.sampled_from(IDENTIFIERS[name]))
        twin = _nfkc_twin(old)
        if twin is not None and draw(st.booleans()):
            new = twin
        else:
            letters = draw(st.text(UNICODE_LETTERS, min_size=1, max_size=3))
            new = letters + old if draw(st.booleans()) else old + letters
            if not new.isidentifier():
                new = "\u00f1" + old
        every = draw(st.booleans())  # rename every use (consistent), or one (a dangling name)
        uses = [t for t in TOKENS[name] if t.type == tokenize.NAME and t.text == old]
        uses = uses if every else [draw(st.sampled_from(uses))]
        return [(t.start, t.end, new) for t in uses]
    if kind == "control" and toks:
        at = draw(st.sampled_from(toks))
        return [(at.start, at.start, draw(st.sampled_from(CONTROL)))]
    if kind == "wrap":
        operands = [t for t in TOKENS[name] if t.type in (tokenize.NAME, tokenize.NUMBER)
                    and not keyword.iskeyword(t.text)]
        if operands:
            tok = draw(st.sampled_from(operands))
            opener, closer = draw(st.sampled_from(WRAPS))
            depth = draw(st.sampled_from([1, 2, 30, 99, 100, 199, 200, 201, 1000]))
            return [(tok.start, tok.end, opener * depth + tok.text + closer * depth)]
    return []


def apply_edits(source: str, changes: Sequence[Edit]) -> str:
    """Non-overlapping edits, applied from the end (an edit overlapping a later one is
    dropped)."""
    out, limit = source, len(source) + 1
    for start, end, text in sorted(changes, key=lambda e: (e[0], e[1]), reverse=True):
        if end <= limit and not (start == end == limit):
            out = out[:start] + text + out[end:]
            limit = start
    return out


MUTATIONS = ["delete", "duplicate", "swap", "huge", "unicode", "control", "wrap"]


@st.composite
def mutated_fixtures(draw, kinds: Sequence[str], most: int = 1) -> Tuple[str, str]:
    """(fixture name, its source with 1..`most` edits of the given kinds)."""
    name = draw(st.sampled_from(NAMES))
    changes: List[Edit] = []
    for _ in range(draw(st.integers(1, most))):
        changes.extend(draw(edits(name, draw(st.sampled_from(kinds)))))
    return name, apply_edits(SOURCES[name], changes)


# --------------------------------------------------------------------------- fixture mutations


@pytest.mark.parametrize("kind", MUTATIONS)
def test_one_mutation_of_a_fixture(project, kind):
    @settings(max_examples=examples(100), suppress_health_check=SUPPRESS)
    @given(mutated_fixtures([kind]))
    def check(mutated):
        name, source = mutated
        check_program(fresh_path(project, name), source, f"mutation:{kind}")

    check()


@settings(max_examples=examples(200), suppress_health_check=SUPPRESS)
@given(mutated=mutated_fixtures(MUTATIONS, most=6))
def test_several_mutations_of_a_fixture(project, mutated):
    name, source = mutated
    check_program(fresh_path(project, name), source, "mutation:several")


def seeded_mutations(seed: int, count: int) -> List[Tuple[str, str]]:
    """Deterministic mutants without hypothesis (for the CLI sample): `random.Random(seed)`."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        name = rng.choice(NAMES)
        changes: List[Edit] = []
        for _ in range(rng.randint(1, 4)):
            changes.extend(_seeded_edit(rng, name, rng.choice(MUTATIONS)))
        out.append((name, apply_edits(SOURCES[name], changes)))
    return out


def _seeded_edit(rng: random.Random, name: str, kind: str) -> List[Edit]:
    source, toks = SOURCES[name], SIGNIFICANT[name]
    if not toks:
        return []
    if kind in ("delete", "duplicate", "control"):
        tok = rng.choice(toks)
        text = {"delete": "", "duplicate": rng.choice(toks).text + " ",
                "control": rng.choice(CONTROL)}[kind]
        return [(tok.start, tok.end if kind == "delete" else tok.start, text)]
    if kind == "swap" and ARGUMENTS[name]:
        spans = rng.choice(ARGUMENTS[name])
        i, j = sorted(rng.sample(range(len(spans)), 2))
        (a0, a1), (b0, b1) = spans[i], spans[j]
        return [(a0, b1, source[b0:b1] + source[a1:b0] + source[a0:a1])]
    if kind == "huge" and NUMBERS[name]:
        tok = rng.choice(NUMBERS[name])
        return [(tok.start, tok.end, f"({rng.choice(HUGE)})")]
    if kind == "unicode" and IDENTIFIERS[name]:
        old = rng.choice(IDENTIFIERS[name])
        new = _nfkc_twin(old) or rng.choice("\u00f1\u5c42\u03a9\u210c") + old
        return [(t.start, t.end, new) for t in TOKENS[name]
                if t.type == tokenize.NAME and t.text == old]
    if kind == "wrap":
        tok = rng.choice([t for t in toks if t.type == tokenize.NUMBER] or toks)
        opener, closer = rng.choice(WRAPS)
        depth = rng.choice([2, 100, 201, 1000])
        return [(tok.start, tok.end, opener * depth + tok.text + closer * depth)]
    return []


# --------------------------------------------------------------------------- hypothesmith


def _indent(code: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line
                   for line in code.splitlines(keepends=True))


def in_module(code: str) -> str:
    """A random module, with torch mentioned (a file that does not is never parsed) and a
    layer after it."""
    code = code if code.endswith("\n") or not code else code + "\n"
    return f"import torch.nn as nn\n{code}layer = nn.Linear(4096, 4096)\n"


def in_init(code: str) -> str:
    """A random module as the body of a model's __init__, which the model interpreter runs."""
    return ("import torch\nimport torch.nn as nn\n\n\nclass Model(nn.Module):\n"
            "    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(8, 8)\n" + _indent(code, "        ") + "\n"
            "    def forward(self, x):\n        return self.fc(x)\n")


def in_forward(code: str) -> str:
    """A random module as the body of forward(), which the tracer follows."""
    return ("import torch\nimport torch.nn as nn\n\n\nclass Model(nn.Module):  "
            "# macslint: input-size=8\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(8, 8)\n\n    def forward(self, x):\n"
            "        x = self.fc(x)\n" + _indent(code, "        ") + "\n        return x\n")


PLACES = {"module": in_module, "init": in_init, "forward": in_forward}


@pytest.mark.parametrize("place", PLACES)
def test_hypothesmith_grammar_programs(project, place):
    @settings(max_examples=examples(100), suppress_health_check=SUPPRESS)
    @given(hypothesmith.from_grammar())
    def check(code):
        check_program(fresh_path(project), PLACES[place](code), f"hypothesmith:grammar:{place}")

    check()


@settings(max_examples=examples(60), suppress_health_check=SUPPRESS)
@given(code=hypothesmith.from_node())
def test_hypothesmith_node_programs(project, code):
    check_program(fresh_path(project), in_init(code), "hypothesmith:node:init")


# --------------------------------------------------------------------------- model grammar

# Values model code passes to layers and ops: mostly sizes that fit (16 channels or features),
# sometimes anything.
CLEAN = st.sampled_from(["16", "16", "16", "1", "2", "3", "4", "8", "32"])
HOSTILE = st.one_of(
    st.sampled_from(HUGE),
    st.sampled_from(["x", "self", "self.fc", "n", "(3, 3)", "(1, 2, 3)", "(0, 0)", "'same'",
                     "'valid'", "'zeros'", "'nearest'", "nn.ReLU()", "[1, 2]", "range(3)",
                     "len(self.m0)", "n * 2", "n // 0", "-n", "n ** n", "x.shape[1]",
                     "x.size(-1)", "(n,) * 4", "{'a': 1}", "lambda: 1", "...", "3.5", "-0.0"]))
VALUE = st.one_of(CLEAN, CLEAN, CLEAN, st.sampled_from(["0", "-1"]), HOSTILE)
KEYWORDS = ["kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode",
            "eps", "dim", "num_features", "in_features", "out_features", "in_channels",
            "out_channels", "output_size", "scale_factor", "mode", "start_dim", "end_dim",
            "num_groups", "num_channels", "normalized_shape", "inplace", "p", "value",
            "unflattened_size", "num_embeddings", "embedding_dim", "padding_idx", "weight"]


@st.composite
def call_args(draw, value: st.SearchStrategy, most: int = 4) -> str:
    positional = draw(st.lists(value, max_size=most))
    named = draw(st.lists(st.tuples(st.sampled_from(KEYWORDS), value), max_size=2,
                          unique_by=lambda kv: kv[0]))
    return ", ".join([*positional, *(f"{k}={v}" for k, v in named)])


def _layer_kinds() -> List[str]:
    from macslint.costmodel import LAYERS

    # the containers, the stacks built of a layer given (not catalogue entries), and layers
    # outside the catalogue
    return sorted(LAYERS) + ["Sequential", "ModuleList", "ModuleDict", "Module",
                             "TransformerEncoder", "TransformerDecoder", "RNNBase",
                             "RNNCellBase"]


LAYER_KINDS = _layer_kinds()


def _op_names() -> Tuple[List[str], List[str], List[str]]:
    from macslint.costmodel import FUNCTIONAL, TENSOR_METHODS, TORCH_FUNCTIONS

    return sorted(TENSOR_METHODS), sorted(TORCH_FUNCTIONS), sorted(FUNCTIONAL)


METHODS, TORCH_FUNCTIONS, FUNCTIONAL = _op_names()


# Layers as models use them, on 16 channels or features (their numbers drawn from the values).
SENSIBLE_LAYERS = [
    "Linear(16, {v})", "Linear({v}, 16)", "Conv2d(16, 16, {v}, padding={v})",
    "Conv2d({v}, 16, 3, stride={v})", "Conv1d(16, 16, {v})", "Conv3d(16, 16, {v})",
    "ConvTranspose2d(16, 16, {v}, stride={v})", "BatchNorm2d({v})", "BatchNorm1d(16)",
    "LayerNorm({v})", "GroupNorm({v}, 16)", "ReLU()", "GELU()", "MaxPool2d({v})",
    "AvgPool2d({v}, stride={v})", "AdaptiveAvgPool2d({v})", "Flatten({v})", "Dropout(0.1)",
    "Identity()", "Embedding(100, {v})", "Upsample(scale_factor={v})", "Softmax(dim={v})",
    "Unflatten(1, ({v}, 4))", "PReLU({v})", "Bilinear(16, 16, {v})", "EmbeddingBag(10, {v})"]


@st.composite
def layer_call(draw, value: st.SearchStrategy) -> str:
    if value is CLEAN or draw(st.integers(0, 3)):
        template = draw(st.sampled_from(SENSIBLE_LAYERS))
        return "nn." + re.sub(r"\{v\}", lambda _: draw(value), template)
    kind = draw(st.sampled_from(LAYER_KINDS))
    return f"nn.{kind}({draw(call_args(value))})"


@st.composite
def init_statement(draw, index: int, value: st.SearchStrategy) -> str:
    form = draw(st.sampled_from(["layer", "layer", "sequential", "list", "loop", "scalar",
                                 "add_module", "setattr", "param", "if"]))
    name, layer = f"m{index}", layer_call(value)
    if form == "layer":
        return f"self.{name} = {draw(layer)}"
    if form == "sequential":
        return f"self.{name} = nn.Sequential({', '.join(draw(st.lists(layer, max_size=4)))})"
    if form == "list":
        return f"self.{name} = nn.ModuleList([{draw(layer)} for _ in range({draw(value)})])"
    if form == "loop":
        return (f"self.{name} = nn.ModuleList()\nfor i in range({draw(value)}):\n"
                f"    self.{name}.append({draw(layer)})\n    n = n + i")
    if form == "scalar":
        return f"n = {draw(value)}"
    if form == "add_module":
        return f"self.add_module('{name}' + str({draw(value)}), {draw(layer)})"
    if form == "setattr":
        return f"setattr(self, {draw(st.sampled_from([repr(name), draw(value)]))}, {draw(layer)})"
    if form == "param":
        make = draw(st.sampled_from(["zeros", "randn", "ones", "empty"]))
        return f"self.{name} = nn.Parameter(torch.{make}({draw(call_args(value, 3))}))"
    return f"if {draw(value)}:\n    self.{name} = {draw(layer)}\nelse:\n    n = {draw(value)}"


INDEXES = ["0", "-1", ":", "..., 0", "None", "::2", "1:", "n", ":, None", "::-1", "0, 0, 0, 0, 0"]
OPERATORS = ["+", "-", "*", "/", "@", "**", "//", "%", "&", "<<"]


@st.composite
def forward_statement(draw, modules: int, value: st.SearchStrategy) -> str:
    form = draw(st.sampled_from(["module", "module", "module", "method", "torch", "functional",
                                 "binary", "index", "loop", "branch", "cat", "shape"]))
    target = f"self.m{draw(st.integers(0, max(modules - 1, 0)))}"
    if form == "module":
        return f"x = {target}(x)"
    if form == "method":
        return f"x = x.{draw(st.sampled_from(METHODS))}({draw(call_args(value, 3))})"
    if form == "torch":
        return f"x = torch.{draw(st.sampled_from(TORCH_FUNCTIONS))}(x, {draw(call_args(value, 2))})"
    if form == "functional":
        return f"x = F.{draw(st.sampled_from(FUNCTIONAL))}(x, {draw(call_args(value, 2))})"
    if form == "binary":
        return f"x = x {draw(st.sampled_from(OPERATORS))} {draw(value)}"
    if form == "index":
        return f"x = x[{draw(st.sampled_from(INDEXES))}]"
    if form == "loop":
        return f"for layer in {target}:\n    x = layer(x)"
    if form == "branch":
        return f"if x.shape[{draw(value)}] > {draw(value)}:\n    x = {target}(x)"
    if form == "cat":
        return f"x = torch.cat([x, {target}(x)], dim={draw(value)})"
    return f"n = x.shape[{draw(value)}] * {draw(value)}"


@st.composite
def models(draw) -> str:
    """A model class: half of them with sizes that fit (so that the tracer goes far), half
    with any values."""
    value = VALUE if draw(st.booleans()) else CLEAN
    size = draw(st.sampled_from(["16", "16x16", "16x16x16", "16x16x16x16", "16x8x8", "3x8x8",
                                 "1x16000", "100000x100000", "3x10000000000x10000000000", "0",
                                 "1x1x1x1x1x1"]))
    init = [draw(init_statement(i, value)) for i in range(draw(st.integers(0, 6)))]
    forward = [draw(forward_statement(len(init), value)) for _ in range(draw(st.integers(0, 8)))]
    body = "\n".join(["n = 8", *init])
    return ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            f"class Model(nn.Module):  # macslint: input-size={size}\n"
            "    def __init__(self):\n        super().__init__()\n"
            + _indent(body, "        ") + "\n\n    def forward(self, x):\n        n = 8\n"
            + _indent("\n".join(forward), "        ") + "\n        return x\n")


@settings(max_examples=examples(500), suppress_health_check=SUPPRESS)
@given(source=models())
def test_models_from_a_grammar_of_torch_idioms(project, source):
    check_program(fresh_path(project), source, "models")


# --------------------------------------------------------------------------- structural programs

HEAD = "import torch\nimport torch.nn as nn\n"


def _blocks(depth: int, opener: str) -> str:
    lines = ["    " * i + opener.format(i=i) for i in range(depth)]
    return "\n".join([*lines, "    " * depth + "fc = nn.Linear(4096, 4096)"]) + "\n"


# Each construct nested `depth` times: Python's parser stops at 200 brackets and 100 indents,
# its compiler at 20 nested loops or a few thousand levels of an expression; libcst's parser
# recurses once per term of chains Python keeps flat (`a or b or ...`, `import a.b.c`).
NESTING = {
    "parens": lambda n: "x = " + "(" * n + "1" + ")" * n + "\n",
    "lists": lambda n: "x = " + "[" * n + "1" + "]" * n + "\n",
    "dicts": lambda n: "x = " + "{1: " * n + "1" + "}" * n + "\n",
    "sequentials": lambda n: "m = " + "nn.Sequential(" * n + "nn.Linear(8, 8)" + ")" * n + "\n",
    "comprehensions": lambda n: "x = " + "[" * n + "i for i in range(2)" + "]" * n + "\n",
    "if_blocks": lambda n: _blocks(n, "if True:"),
    "def_blocks": lambda n: _blocks(n, "def f{i}():"),
    "class_blocks": lambda n: _blocks(n, "class C{i}(nn.Module):"),
    "for_blocks": lambda n: _blocks(n, "for i{i} in range(2):"),
    "try_blocks": lambda n: _blocks(n, "try:").rstrip("\n") + "\n" + "".join(
        "    " * (n - 1 - i) + "except Exception:\n" + "    " * (n - i) + "pass\n"
        for i in range(n)),
    "with_items": lambda n: "with " + ", ".join(f"open('x') as f{i}" for i in range(n))
    + ":\n    fc = nn.Linear(4096, 4096)\n",
    "elif_chain": lambda n: "x = 1\nif x == 0:\n    y = 0\n" + "".join(
        f"elif x == {i}:\n    y = nn.Linear({i}, 4096)\n" for i in range(1, n)),
    "add_chain": lambda n: "x = " + " + ".join(["1"] * n) + "\n",
    "unary_chain": lambda n: "x = nn.Linear(" + "-" * n + "8, 8)\n",
    "not_chain": lambda n: "x = " + "not " * n + "1\n",
    "and_chain": lambda n: "x = " + " and ".join(["1"] * n) + "\n",
    "or_chain": lambda n: "x = " + " or ".join(["0"] * n) + " or nn.Linear(8, 8)\n",
    "compare_chain": lambda n: "x = " + " < ".join(["1"] * n) + "\n",
    "attribute_chain": lambda n: "x = nn" + ".a" * n + "\n",
    "subscript_chain": lambda n: "x = [1]" + "[0]" * n + "\n",
    "call_chain": lambda n: "x = nn.Identity" + "()" * n + "\n",
    "lambda_chain": lambda n: "f = " + "lambda: " * n + "nn.Linear(8, 8)\n",
    "ternary_chain": lambda n: "x = " + "1 if True else " * n + "nn.Linear(8, 8)\n",
    "string_concat": lambda n: "x = " + " ".join(["'a'"] * n) + "\n",
    "dotted_import": lambda n: "import os" + ".a" * n + "\n",
    "from_dotted": lambda n: "from os" + ".a" * n + " import b\n",
    "decorators": lambda n: "@nn.Identity\n" * n + "def f():\n    return nn.Linear(8, 8)\n",
    "chained_assign": lambda n: "a = " * n + "nn.Linear(8, 8)\n",
    "big_tuple": lambda n: "x = (" + ", ".join(["nn.ReLU()"] * n) + ")\n",
    "many_statements": lambda n: "x = nn.Linear(8, 8)\n" * n,
}
DEPTHS = {
    # around Python's limits, and past them
    **{kind: [99, 201, 1000] for kind in ["parens", "lists", "dicts", "sequentials",
                                          "comprehensions"]},
    **{kind: [19, 21, 99, 101, 1000] for kind in ["if_blocks", "def_blocks", "class_blocks",
                                                  "for_blocks", "try_blocks"]},
    "with_items": [19, 21, 1000],
    "elif_chain": [500, 3000],
    # long, flat for Python, deep for libcst or for the analysis
    **{kind: [1000, 10000] for kind in ["add_chain", "unary_chain", "not_chain",
                                        "compare_chain", "attribute_chain", "lambda_chain",
                                        "ternary_chain", "decorators", "chained_assign"]},
    "and_chain": [1000, 10000, 30000],
    "or_chain": [1000, 10000, 30000],
    "subscript_chain": [300, 3000],
    "call_chain": [300, 3000],
    "string_concat": [3000, 3001, 10000],
    # (30,000 took 2.5 s of CPU alone and over the 10 s bound late in a full run, its heap
    # large: a flaky bound, not a finding; 10,000 already overflowed libcst's stack before)
    "dotted_import": [1000, 10000],
    "from_dotted": [10000],
    "big_tuple": [10000],
    "many_statements": [10000],
}
NESTED_PROGRAMS = [(kind, depth) for kind, depths in DEPTHS.items() for depth in depths]


@pytest.mark.parametrize("kind, depth", NESTED_PROGRAMS,
                         ids=[f"{k}-{d}" for k, d in NESTED_PROGRAMS])
def test_deep_nesting(project, kind, depth):
    check_program(fresh_path(project), HEAD + NESTING[kind](depth), "nesting")


def _model(init: str, forward: str = "return x", size: str = "8") -> str:
    return (f"{HEAD}import torch.nn.functional as F\nfrom collections import OrderedDict\n\n\n"
            f"class Model(nn.Module):  # macslint: input-size={size}\n"
            "    def __init__(self):\n        super().__init__()\n" + _indent(init, "        ")
            + "\n\n    def forward(self, x):\n" + _indent(forward, "        ") + "\n")


N = 1000
BIG_MODELS = {
    "sequential_literal": _model(
        "self.body = nn.Sequential(" + ", ".join("nn.Linear(8, 8)" for _ in range(N)) + ")",
        "return self.body(x)"),
    "sequential_of_sequentials": _model(
        f"self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.ReLU()) "
        f"for _ in range({3 * N})])", "return self.body(x)", "3x8x8"),
    "attributes": _model("\n".join(f"self.l{i} = nn.Linear(8, 8)" for i in range(N)),
                         "\n".join(f"x = self.l{i}(x)" for i in range(N)) + "\nreturn x"),
    "module_list_loop": _model(
        f"self.layers = nn.ModuleList()\nfor i in range({N}):\n"
        "    self.layers.append(nn.Linear(8 + i, 9 + i))",
        "for layer in self.layers:\n    x = layer(x)\nreturn x"),
    "ordered_dict": _model(
        "self.body = nn.Sequential(OrderedDict([" + ", ".join(
            f"('fc{i}', nn.Linear(8, 8))" for i in range(N)) + "]))", "return self.body(x)"),
    "module_dict": _model(
        f"self.d = nn.ModuleDict({{str(i): nn.Linear(8, 8) for i in range({N})}})",
        "for key in self.d:\n    x = self.d[key](x)\nreturn x"),
    "add_module_loop": _model(
        f"for i in range({N}):\n    self.add_module('fc%d' % i, nn.Linear(8, 8))",
        f"for i in range({N}):\n    x = getattr(self, 'fc%d' % i)(x)\nreturn x"),
    # nested at run time, not in the text: a loop wraps a module in another
    "nested_sequentials_1000": _model(
        "m = nn.Linear(8, 8)\nfor _ in range(1000):\n    m = nn.Sequential(m)\nself.m = m",
        "return self.m(x)"),
    "nested_sequentials_10000": _model(
        "m = nn.Linear(8, 8)\nfor _ in range(10000):\n    m = nn.Sequential(m)\nself.m = m",
        "return self.m(x)"),
    "nested_lists_in_a_module_list": _model(
        "m = nn.ModuleList([nn.Linear(8, 8)])\nfor _ in range(3000):\n"
        "    m = nn.ModuleList([m])\nself.m = m", "return x"),
    "inheritance_chain": HEAD + "\n\nclass C0(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.fc = nn.Linear(8, 8)\n\n"
    "    def forward(self, x):\n        return self.fc(x)\n" + "".join(
        f"\n\nclass C{i}(C{i - 1}):\n    pass\n" for i in range(1, 500)),
    "many_models": HEAD + "".join(
        f"\n\nclass M{i}(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        f"        self.fc = nn.Linear({i + 1}, 8)\n\n    def forward(self, x):\n"
        f"        return self.fc(x)\n" for i in range(300)),
    "many_layers_at_module_level": HEAD + "".join(
        f"layer{i} = nn.Conv2d({i % 64 + 1}, 64, 3)\n" for i in range(3 * N)),
    "unicode_names": HEAD + "\n\nclass Модель(nn.Module):  # macslint: input-size=8\n"
    "    def __init__(self, ширина=8):\n        super().__init__()\n"
    "        self.слой = nn.Linear(ширина, 8)\n        self.ﬁlter = nn.Linear(8, 8)\n"
    "        self.𝐟𝐜 = nn.Linear(8, 4096)\n\n"
    "    def forward(self, 输入):\n        输入 = self.filter(self.слой(输入))\n"
    "        return self.fc(输入)\n\n\n层 = nn.Linear(4096, 4096)\n"
    "x\u0301 = nn.Conv2d(3, 8, 3)\n",
    "unicode_text": HEAD + "# \u202e\u2066 bidi \U0001F642 \x0c\n"
    "s = '\u202e\u200b\U0001F642 \\x00'\nfc = nn.Linear(4096, 4096)  # \u00e9\u0301\n",
}


@pytest.mark.parametrize("name", BIG_MODELS)
def test_big_and_deep_models(project, name):
    checked = check_program(fresh_path(project), BIG_MODELS[name], "big_models")
    assert "MAC901" not in checked.codes or name.startswith("nested"), checked.messages


# --------------------------------------------------------------------------- the CLI on a sample

_FINDING = re.compile(r"^(?P<path>.+?\.py):(?P<line>\d+):(?P<col>\d+): (?P<code>MAC\d{3}) ")


def cli_sample(hypothesmith_codes: Sequence[str]) -> Dict[str, str]:
    """File name -> source: seeded mutants of the fixtures, deep and big programs, and the
    given hypothesmith modules."""
    sample = {f"mutant_{i}.py": source for i, (_, source) in enumerate(seeded_mutations(2024, 40))}
    for kind, depth in [("parens", 1000), ("and_chain", 30000), ("dotted_import", 30000),
                        ("sequentials", 201), ("for_blocks", 21), ("string_concat", 10000)]:
        sample[f"nested_{kind}_{depth}.py"] = HEAD + NESTING[kind](depth)
    for name in ["nested_sequentials_10000", "attributes", "unicode_names"]:
        sample[f"big_{name}.py"] = BIG_MODELS[name]
    for i, code in enumerate(hypothesmith_codes):
        sample[f"hypothesmith_{i}.py"] = (in_module, in_init, in_forward)[i % 3](code)
    return sample


@settings(max_examples=examples(1), suppress_health_check=SUPPRESS)
@given(codes=st.lists(hypothesmith.from_grammar(), min_size=6, max_size=6))
def test_cli_on_a_sample_of_generated_files(tmp_path_factory, codes):
    directory = tmp_path_factory.mktemp("cli_sample")
    shutil.copy(FIXTURES / "pyproject.toml", directory / "pyproject.toml")
    sample = cli_sample(codes)
    for name, source in sample.items():
        (directory / name).write_text(source, encoding="utf-8", errors="surrogatepass")
    rejected = {name for name, source in sample.items()
                if not python_compiles(source) and "torch" in source}

    # Subprocesses: only a hang reaches their timeout (tests.helpers.HANG_SECONDS); the
    # bounds of the evaluation are asserted in process, by check_program.
    check = macslint("check", "--no-cache", "-j", "2", ".", cwd=directory)
    report = macslint("report", "--no-cache", "--format", "json", ".", cwd=directory)
    COUNTS["cli"] += len(sample)
    assert check.returncode in (0, 1) and check.stderr == "", check.stderr[-3000:]
    assert report.returncode in (0, 1) and report.stderr == "", report.stderr[-3000:]

    by_file: Dict[str, List[str]] = {}
    for line in check.stdout.splitlines():
        match = _FINDING.match(line)
        assert match, line
        by_file.setdefault(Path(match["path"]).name, []).append(match["code"])
    assert not _internal_errors(check.stdout.splitlines()), check.stdout
    for name in rejected:
        assert by_file.get(name) == ["MAC901"], (name, by_file.get(name))
    files = {Path(f["path"]).name: f for f in json.loads(report.stdout)["files"]}
    for name in sample:
        assert name in files or name not in by_file, name
    for name in rejected:
        assert files[name].get("error"), files[name]


# --------------------------------------------------------------------------- regressions
# The minimal programs behind each bug these tests found, with what is expected of them.


def analyse(tmp_path: Path, source: str):
    return check_source(str(tmp_path / "m.py"), source, config_for_path(tmp_path).settings_for(
        tmp_path / "m.py"))


def one_model(init: str, forward: str = "return self.fc(x)") -> str:
    return ("import torch.nn as nn\n\n\nclass Model(nn.Module):  # macslint: input-size=8\n"
            "    def __init__(self):\n        super().__init__()\n" + _indent(init, "        ")
            + "\n        self.fc = nn.Linear(8, 8)\n\n    def forward(self, x):\n"
            + _indent(forward, "        ") + "\n")


@pytest.mark.parametrize("arguments, reason", [
    ("None", "range() raises TypeError"),  # was MAC900: TypeError escaped the len() check
    ("1.5", "range() raises TypeError"),
    ("0, 5, 0", "range() raises ValueError"),
    ("10**100", "a range too long to evaluate"),  # was MAC900: OverflowError from len()
    ("-10**100, 0", "a range too long to evaluate"),
])
def test_range_python_refuses_leaves_its_loop_unfollowed(tmp_path, arguments, reason):
    result = analyse(tmp_path, one_model(f"for i in range({arguments}):\n    pass"))
    assert result.findings == []
    (model,) = result.report.models
    assert model.reasons == [f"the loop over `range({arguments})` (line 7) is not followed: "
                             f"{reason}"]


@pytest.mark.parametrize("statement", [
    "n = pow(3, 10**8)",  # was a hang: 10**8 digits of 3**(10**8) computed (minutes)
    "import operator\nn = operator.mul('ab', 10**12)",  # was MAC900: MemoryError
    "import operator\nn = operator.mul('ab', 10**9)",  # was 2 GB of memory
])
def test_builtins_too_large_to_compute_are_unknown(tmp_path, statement):
    with no_hang():  # the computation was in C: only a timeout stops it
        result = analyse(tmp_path, one_model(statement + "\nself.big = nn.Linear(n, 8)"))
    assert [f.code for f in result.findings] == ["MAC100"]  # Linear(n, 8), n not known
    (model,) = result.report.models
    assert model.params is None
    assert "a value too large to evaluate" in model.reasons[0], model.reasons


def test_builtins_still_compute_what_fits(tmp_path):
    result = analyse(tmp_path, one_model(
        "import operator\nself.a = nn.Linear(pow(2, 10), 8)\n"
        "self.b = nn.Linear(operator.mul(2, 3), 8)"
        "\nn = len(range(10**5))\nself.c = nn.Linear(n, 1)"))
    (model,) = result.report.models
    assert model.params == (1024 * 8 + 8) + (6 * 8 + 8) + (10**5 + 1) + (8 * 8 + 8)


def test_unary_operators_nested_in_a_model_are_evaluated_once(tmp_path, monkeypatch):
    """Was 2**depth evaluations (the tracer evaluated the operand, then had the base
    interpreter evaluate it again): depth 20 took 2 s, depth 30 would take half an hour. Each
    `-` is evaluated once reading the file and once building the model; a third evaluation
    raises at once (rather than after 2**60), and the analysis reports the error."""
    import libcst as cst

    from macslint.evaluator.interpreter import Interpreter

    evaluated: Counter = Counter()
    evaluate = Interpreter.eval

    def counted(self, node, scope):
        if isinstance(node, cst.UnaryOperation):
            evaluated[id(node)] += 1
            if evaluated[id(node)] > 2:
                raise AssertionError(f"`{self.code(node)}` evaluated a third time")
        return evaluate(self, node, scope)

    monkeypatch.setattr(Interpreter, "eval", counted)
    result = analyse(tmp_path, one_model("self.neg = nn.Linear(" + "-" * 60 + "8, 8)"))
    (model,) = result.report.models
    assert (model.params, model.reasons) == (2 * (8 * 8 + 8), [])
    assert sorted(evaluated.values()) == [2] * 60


@pytest.mark.parametrize("depth", [1000, 5000])
def test_modules_nested_thousands_deep_at_run_time(tmp_path, monkeypatch, depth):
    """Was MAC900 (RecursionError in the walks of the module tree), and once those were
    iterative, the containers' own counts took n*n/2 module visits (47 s for 10,000; 12.5
    million for 5,000). They stop after MAX_FILE_STEPS visits: the walk that crosses it ends,
    and the model's own walks (its paths, its count) add one each."""
    from macslint.torchnn import tracer

    visits = 0
    all_modules = tracer.ModelInterpreter.all_modules

    def counted(self, root):
        nonlocal visits
        found = all_modules(self, root)
        visits += len(found)
        return found

    monkeypatch.setattr(tracer.ModelInterpreter, "all_modules", counted)
    result = analyse(tmp_path, one_model(
        f"m = nn.Linear(8, 8)\nfor _ in range({depth}):\n    m = nn.Sequential(m)\nself.m = m",
        "return self.fc(self.m(x))"))
    assert visits <= tracer.MAX_FILE_STEPS + 3 * (depth + 2), visits
    assert result.findings == []
    (model,) = result.report.models
    assert model.params == 2 * LINEAR_8_PARAMS  # fc and the Linear(8, 8) inside
    assert model.reasons == ["tracing forward() nests too deeply"]
    # each container with its own count, as far as a bounded number of steps goes
    assert len(model.containers) == depth and model.containers["m"] == ("Sequential", LINEAR_8_PARAMS)
    assert {params for _, params in model.containers.values()} <= {LINEAR_8_PARAMS, None}


def test_user_modules_nested_thousands_deep_at_run_time(tmp_path):
    source = ("import torch.nn as nn\n\n\nclass Wrap(nn.Module):\n    def __init__(self, inner):\n"
              "        super().__init__()\n        self.inner = inner\n\n"
              "    def forward(self, x):\n        return self.inner(x)\n\n\n" + one_model(
                  "m = nn.Linear(8, 8)\nfor _ in range(1000):\n    m = Wrap(m)\nself.m = m",
                  "return self.m(x)").split("\n", 1)[1])
    result = analyse(tmp_path, source)
    assert result.findings == []
    (model,) = (m for m in result.report.models if m.name == "Model")
    assert model.params == 2 * LINEAR_8_PARAMS  # fc and the Linear(8, 8) inside
    assert model.reasons == ["calls nest deeper than 48 levels at forward()"]


@pytest.mark.parametrize("source, message, line", [
    ("import torch\nreturn torch.nn.Linear(8, 8)\n", "'return' outside function", 2),
    ("import torch\nbreak\n", "'break' outside loop", 2),
    ("import torch\nnonlocal torch\n", "nonlocal declaration not allowed at module level", 2),
    ("import torch\n\n\ndef f(a, a):\n    pass\n",
     "duplicate argument 'a' in function definition", 4),
    ("import torch\n" + "".join("    " * i + f"for i{i} in range(2):\n" for i in range(21))
     + "    " * 21 + "fc = torch.nn.Linear(4096, 4096)\n", "too many statically nested blocks", 22),
])
def test_errors_of_pythons_compiler_are_mac901(tmp_path, source, message, line):
    """Python's parser accepts these, its compiler does not: they were analysed (a layer in
    them was reported) instead of MAC901."""
    result = analyse(tmp_path, source)
    assert [(f.code, f.line, f.message) for f in result.findings] == [
        ("MAC901", line, f"cannot parse file: {message}")]


def test_python_warnings_while_compiling_are_not_printed_nor_raised(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.macslint]\nmax-layer-params = "1M"\n')
    source = ("import torch.nn as nn\nassert (nn, 'x')\nok = 1 is 1\n"
              "fc = nn.Linear(4096, 4096)\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = analyse(tmp_path, source)
    assert [f.code for f in result.findings] == ["MAC002"]


@pytest.mark.parametrize("kind, depth", [("and_chain", 10000), ("or_chain", 10000),
                                         ("dotted_import", 10000), ("from_dotted", 10000)])
def test_chains_python_keeps_flat_do_not_crash_libcst(tmp_path, kind, depth):
    """libcst's native parser recursed past the main thread's stack on these (valid Python):
    a segfault that ended the whole run. As a subprocess: a crash here is a failure, not the
    end of the test session."""
    (tmp_path / "pyproject.toml").write_text('[tool.macslint]\nmax-layer-params = "1M"\n')
    (tmp_path / "chain.py").write_text(HEAD + NESTING[kind](depth)
                                       + "fc = nn.Linear(4096, 4096)\n")
    result = macslint("check", "--no-cache", "chain.py", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [  # budget 1M: the pyproject.toml above
        f"chain.py:4:6: MAC002 Linear(4096, 4096) {torch_has_params('Linear(4096, 4096)')}, budget 1M"]


def test_an_exception_after_the_analysis_is_an_internal_error_of_the_file(tmp_path, monkeypatch):
    """An exception from the report stage escaped check_source: `macslint check` stopped with
    a traceback, every other file unchecked (found through the bug below)."""
    from macslint import engine

    def boom(*args, **kwargs):
        raise KeyError("lost")

    monkeypatch.setattr(engine, "file_report", boom)
    result = analyse(tmp_path, "import torch.nn as nn\nfc = nn.Linear(8, 8)\n")
    assert [(f.code, f.message) for f in result.findings] == [
        ("MAC900", "internal error: KeyError: 'lost'; please report it with this file")]


@pytest.mark.parametrize("statement, shown", [
    ("layer = nn.Conv2d(3, 8, nn.ReLU)", "<class 'torch.nn.ReLU'>"),
    ("layer = nn.Conv2d(3, 8, functools.partial(helper))",
     "functools.partial(UserFunction(kind='function', name='helper'), ...)"),
    ("x = F.max_pool2d(x, self.seq)", "Sequential(...)"),
    ("x = F.max_pool2d(x, self.relu)", "ReLU()"),
    ("x = F.max_pool2d(x, self)", "Model(...)"),
    ("x = F.max_pool2d(x, self.forward)", "<bound method forward>"),
    ("x = F.max_pool2d(x, super())", "<super: Model>"),
])
def test_values_in_messages_are_shown_without_addresses(tmp_path, statement, shown):
    """`kernel_size must be an int, got <macslint.torchnn.values.Container object at 0x7f...>`:
    a message that differed on every run (found as the plugin's and the analysis' findings
    differing on one mutant)."""
    source = ("import functools\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
              "def helper():\n    return 3\n\n\n"
              "class Model(nn.Module):  # macslint: input-size=3x8x8\n"
              "    def __init__(self):\n        super().__init__()\n"
              "        self.seq = nn.Sequential(nn.ReLU())\n        self.relu = nn.ReLU()\n\n"
              "    def forward(self, x):\n        " + statement + "\n        return x\n")
    if statement.startswith("layer"):
        source = source.replace("        " + statement + "\n", "") + statement + "\n"
    result = analyse(tmp_path, source)
    texts = [f.message for f in result.findings] + [r for m in result.report.models
                                                    for r in m.reasons]
    assert any(f"must be an int, got {shown}" in text for text in texts), texts
    assert not any(" at 0x" in text for text in texts), texts


@pytest.mark.parametrize("layer, message", [
    ("Conv2d(16, 16, -1, padding=p)", "negative dimension: [16, 16, -1, -1]"),
    ("Conv2d(16, -16, 3, padding=p)", "negative dimension: [-16, 16, 3, 3]"),
    ("Embedding(-3, 4, padding_idx=p)", "negative dimension: num_embeddings=-3")])
def test_layer_error_after_an_unknown_argument_is_mac010(tmp_path, layer, message):
    """Was MAC900 (LayerError): the parameter count raised after the argument check stopped
    at the unknown `p`; torch raises whatever `p` is."""
    result = analyse(tmp_path, f"import torch.nn as nn\n\nlayer = nn.{layer}\n")
    assert [(f.code, f.message) for f in result.findings] == [
        ("MAC010", f"{layer} is invalid: Trying to create tensor with {message}")]


def test_a_size_past_64_bits_in_a_tensor_operation_is_refused_as_torch_does(tmp_path):
    """Was MAC900 (OverflowError: int too large to convert to float): `F.pad` made a
    dimension of 10**1000 that a later interpolate could not scale. torch refuses the
    argument itself ("Overflow when unpacking long long")."""
    result = analyse(tmp_path, one_model(
        "", "x = F.pad(self.fc(x).view(1, 1, 2, 4), ((10**1000), 1, 1, 1))\n"
            "return F.interpolate(x, scale_factor=2)").replace(
        "import torch.nn as nn\n", "import torch.nn as nn\nimport torch.nn.functional as F\n"))
    codes = [f.code for f in result.findings]
    assert codes == ["MAC011"], result.findings
    assert "pad=1" + "0" * 1000 + " does not fit in a 64-bit integer" in result.findings[0].message


def test_percent_formatting_of_infinity_is_unknown(tmp_path):
    """Was MAC900 (OverflowError: cannot convert float infinity to integer)."""
    result = analyse(tmp_path, one_model(
        "for i in range(2):\n    self.add_module('layer%d' % (i + 1e400), nn.Linear(8, 8))"))
    assert result.findings == []
    (model,) = result.report.models
    assert model.reasons == ["the call `self.add_module('layer%d' % (i + 1e40...` (line 8) is "
                             "not followed: `self.add_module` is not modelled"]


def test_interpolate_by_a_scale_past_floats_raises_as_in_torch(tmp_path):
    """Was MAC900 (OverflowError: int too large to convert to float); torch raises the same."""
    result = analyse(tmp_path, one_model("", "return F.interpolate(self.fc(x).view(1, 2, 4), "
                                             "scale_factor=10**1000)").replace(
        "import torch.nn as nn\n", "import torch.nn as nn\nimport torch.nn.functional as F\n"))
    assert [(f.code, f.message.rsplit(": ", 1)[-1]) for f in result.findings] == [
        ("MAC011", "int too large to convert to float")]


def test_upsample_built_with_a_scale_past_floats_raises_as_in_torch(tmp_path):
    """Was MAC900 (the OverflowError of the catalogue's float(scale_factor)) in the model;
    torch's nn.Upsample raises the same when built."""
    result = analyse(tmp_path, one_model("self.up = nn.Upsample(scale_factor=s)").replace(
        "def __init__(self):", "def __init__(self, s=10**1000):"))
    assert [f.code for f in result.findings] == ["MAC100"]  # `s` alone is not known
    (model,) = result.report.models
    assert model.reasons == ["building Model() raises: Upsample(scale_factor=s) (line 7) "
                             "raises: int too large to convert to float"]


def test_upsample_by_a_scale_past_floats_is_mac010(tmp_path):
    """Was MAC900 (OverflowError): nn.Upsample's float(scale_factor) raises in torch too."""
    result = analyse(tmp_path, "import torch.nn as nn\n\nup = nn.Upsample(scale_factor=10**1000)\n")
    assert [(f.code, f.message.rsplit(": ", 1)[-1]) for f in result.findings] == [
        ("MAC010", "int too large to convert to float")], result.findings


@pytest.mark.parametrize("init, forward, reason", [
    ("n = range(5)[:1.5]\nself.few = nn.Linear(8, n)", "return self.fc(x)",
     "the parameters of Linear(8, n) (line 8) are not known: argument 'out_features' is not "
     "known: the subscript raises TypeError"),
    ("self.layers = nn.ModuleList([nn.Linear(8, 8)])\nself.few = self.layers[:1.5]",
     "return self.fc(x)", "building Model() raises: `self.layers[:1.5]` (line 8) raises: slice "
     "indices must be integers or None or have an __index__ method"),
    ("", "return self.fc(x)[:, :1e308]",
     "`self.fc(x)[:, :1e308]` (line 11) is not followed: a slice bound that is not an int"),
])
def test_slices_by_a_float(tmp_path, init, forward, reason):
    """Were MAC900 (TypeError: slice indices must be integers or None or have an __index__
    method), found as `x[:, :3]` mutated to `x[:, :(1e308)]`."""
    result = analyse(tmp_path, one_model(init, forward))
    assert "MAC900" not in [f.code for f in result.findings]
    (model,) = result.report.models
    assert model.reasons == [reason]


@pytest.mark.parametrize("forward", [
    "return nn.Upsample(scale_factor=1e400 - 1e400)(self.fc(x).view(1, 2, 4))",
    "return F.interpolate(self.fc(x).view(1, 2, 4), scale_factor=1e400 - 1e400)",
])
def test_upsampling_by_nan_raises_as_in_torch(tmp_path, forward):
    """Was MAC900 (ValueError: cannot convert float NaN to integer, in the catalogue's output
    size); torch raises too (value cannot be converted to type int64_t without overflow)."""
    result = analyse(tmp_path, one_model("", forward).replace(
        "import torch.nn as nn\n", "import torch.nn as nn\nimport torch.nn.functional as F\n"))
    assert [(f.code, f.message.rsplit(": ", 1)[-1]) for f in result.findings] == [
        ("MAC011", "cannot convert float NaN to integer")]
