"""The result cache is in the working tree, where a pull request can put files: an entry is
data (JSON read back only as the classes of results) signed with the user's secret, so a
planted entry neither runs code nor stands for a file's result."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import json
import math
import os
import pickle
import stat
import sys
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any, List

import pytest

from macslint import cache as cache_module
from macslint import engine, service
from macslint.adapters import cli
from macslint.cache import CODEC, ResultCache, load_secret, secret_file
from macslint.costmodel import Args, LayerSpec, ShapeTuple
from macslint.evaluator.values import Unknown
from macslint.results.codec import (Codec, DeferredFields, Kind, Malformed, Unencodable,
                                    class_name)

REPO = Path(__file__).resolve().parents[2]

MODEL = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
"""


@pytest.fixture
def secret_home(tmp_path, monkeypatch):
    """The user's cache directory, where the secret is kept: this test's own."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path, monkeypatch, secret_home):
    (tmp_path / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys, cache: Path, *args: str):
    code = cli.main(["check", "--max-layer-params", "10", "-j", "1", "--cache-dir", str(cache),
                     *args, "model.py"])
    return code, capsys.readouterr().out


def entries(directory: Path) -> List[Path]:
    return sorted(directory.glob("*/*.json"))


def no_analysis(monkeypatch):
    """Fail if anything is analysed: a warm run must only read. (Every analysis goes through
    engine.check_source; the cache module holds check_data under its own name.)"""
    def refuse(*args, **kwargs):
        raise AssertionError("analysed although cached")
    monkeypatch.setattr(engine, "check_source", refuse)


def signed(secret: bytes, entry: Path, payload: bytes) -> bytes:
    """An entry as macslint writes it: the HMAC of its key and payload, then the payload."""
    key = entry.parent.name + entry.name[:-len(".json")]
    mac = hmac.new(secret, key.encode() + b"\n" + payload, hashlib.sha256).hexdigest()
    return mac.encode() + b"\n" + payload


def payload_of(entry: Path) -> bytes:
    return entry.read_bytes().partition(b"\n")[2]


class RunsCode:
    """Unpickling this runs code: it writes `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


# --------------------------------------------------------------------------- planted entries


def test_a_planted_pickle_runs_nothing(project, capsys, tmp_path):
    cache = project / "cache"
    cold = check(capsys, cache)
    assert cold[0] == 1 and "MAC002" in cold[1]
    [entry] = entries(cache)
    marker = tmp_path / "pwned"
    evil = pickle.dumps(RunsCode(marker))
    pickle.loads(evil)  # the payload is live: unpickling it runs its code
    assert marker.exists()
    marker.unlink()
    for where in (entry, entry.with_suffix(".pickle")):  # at the key of the real run
        where.write_bytes(evil)
    assert check(capsys, cache) == cold
    assert not marker.exists()
    assert payload_of(entry) != b"" and CODEC.loads(payload_of(entry))  # written again


@pytest.mark.parametrize("mac", ["none", "another secret", "the real entry's"])
def test_a_forged_clean_entry_is_not_used(project, capsys, monkeypatch, mac):
    cache = project / "cache"
    cold = check(capsys, cache)
    assert "MAC002" in cold[1]
    [entry] = entries(cache)
    real_mac, _, payload = entry.read_bytes().partition(b"\n")
    dependencies, result = CODEC.loads(payload)
    result.findings = []  # "nothing to see here"
    result.report.layers = []
    forged = CODEC.dumps((dependencies, result))
    data = {"none": forged,
            "another secret": signed(os.urandom(32), entry, forged),
            "the real entry's": real_mac + b"\n" + forged}[mac]
    entry.write_bytes(data)
    assert check(capsys, cache) == cold
    no_analysis(monkeypatch)  # the forged entry was replaced by the real result
    assert check(capsys, cache) == cold


def test_an_entry_moved_to_another_key_does_not_verify(project, capsys):
    cache = project / "cache"
    clean = "import torch.nn as nn\n\nact = nn.ReLU()\n"
    (project / "clean.py").write_text(clean)
    cli.main(["check", "--cache-dir", str(cache), "-j", "1", "clean.py"])
    capsys.readouterr()
    [clean_entry] = entries(cache)
    cold = check(capsys, cache)
    [model_entry] = [e for e in entries(cache) if e != clean_entry]
    model_entry.write_bytes(clean_entry.read_bytes())  # a clean file's signed entry
    assert check(capsys, cache) == cold


def test_a_planted_module_is_never_imported(project, capsys, monkeypatch, secret_home, tmp_path):
    """Even an entry that verifies (here signed with the test's known secret) reads back
    only the classes of results: a class named outside them makes it a miss, and its module
    is not imported."""
    cache = project / "cache"
    cold = check(capsys, cache)
    [entry] = entries(cache)
    secret = load_secret(secret_file())
    assert secret is not None
    # the first document of the entry (the deferred fields' documents follow it unchanged)
    head, newline, rest = payload_of(entry).partition(b"\n")
    plain = json.loads(head)
    marker = tmp_path / "imported"
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "planted_module.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n\nclass Evil:\n    pass\n")
    monkeypatch.syspath_prepend(str(planted))
    variants = []
    for name, fields in (("planted_module:Evil", None), ("builtins:eval", None),
                         ("os:system", None), ("macslint.results.report:Standalone",
                                               ["inputs", "output", "macs"])):
        edited = json.loads(json.dumps(plain))
        edited["classes"].append([name, fields])
        edited["value"][2][2] = ["a" if fields is None else "o", len(edited["classes"]) - 1,
                                 "x"] + ([] if fields is None else [None, 0])
        variants.append(json.dumps(edited).encode() + newline + rest)
    renamed = json.loads(json.dumps(plain))
    [row] = [row for row in renamed["classes"] if row[0] == "macslint.engine:FileResult"]
    row[0] = "macslint.results.report:Standalone"  # not a class of the cache's entries
    variants.append(json.dumps(renamed).encode() + newline + rest)
    variants += [b"not json", b"[]", b'{"classes": [], "value": ["l", ["r", 0]]}']
    assert CODEC.loads(payload_of(entry))  # the real one reads back
    for payload in variants:
        with pytest.raises(Malformed):
            CODEC.loads(payload)
        entry.write_bytes(signed(secret, entry, payload))
        assert check(capsys, cache) == cold
    assert not marker.exists() and "planted_module" not in sys.modules


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_planted_symlinks_are_not_written_through(project, capsys, tmp_path):
    cache = project / "cache"
    cold = check(capsys, cache)
    [entry] = entries(cache)
    target = tmp_path / "elsewhere"
    target.mkdir()
    # a fresh cache with a dangling .gitignore and the entry's directory planted as symlinks
    planted = project / "planted"
    (planted / entry.parent.name).parent.mkdir()
    (planted / ".gitignore").symlink_to(tmp_path / "created-through-the-link")
    (planted / entry.parent.name).symlink_to(target)
    assert check(capsys, planted) == cold
    assert not (tmp_path / "created-through-the-link").exists()
    assert list(target.iterdir()) == []


# --------------------------------------------------------------------------- the secret


def test_the_secret_is_private_made_once_and_kept(project, capsys, monkeypatch, secret_home):
    cache = project / "cache"
    cold = check(capsys, cache)
    path = secret_home / "macslint" / "secret"
    assert secret_file() == path
    first = path.read_bytes()
    assert len(first) == 32
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary file left
    no_analysis(monkeypatch)
    assert check(capsys, cache) == cold  # the next run verifies the entries: same secret
    assert path.read_bytes() == first


def test_without_a_home_for_the_secret_the_cache_is_off(project, capsys, monkeypatch, tmp_path):
    cache = project / "cache"
    expected = check(capsys, project / "other")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # nothing can be made under a file
    assert check(capsys, cache) == expected
    assert not cache.exists()  # neither read nor written


def test_an_unreadable_secret_turns_the_cache_off(project, capsys, secret_home):
    cache = project / "cache"
    expected = check(capsys, project / "other")
    (secret_home / "macslint" / "secret").unlink()
    (secret_home / "macslint" / "secret").mkdir()  # cannot be read, nor replaced
    assert check(capsys, cache) == expected
    assert not cache.exists()


def test_the_cache_is_off_when_no_secret_loads(project, capsys, monkeypatch):
    """Whatever makes the secret unreadable (a read-only home, permissions): no cache."""
    cache = project / "cache"
    expected = check(capsys, project / "other")
    monkeypatch.setattr(cache_module, "load_secret", lambda path: None)
    assert check(capsys, cache) == expected
    assert not cache.exists()
    assert ResultCache(cache).get("0" * 64) is None


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_secret_others_can_read_is_replaced(secret_home):
    path = secret_file()
    first = load_secret(path)
    path.chmod(0o644)
    second = load_secret(path)
    assert second is not None and second != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes() == second
    path.write_bytes(b"short")
    path.chmod(0o600)
    third = load_secret(path)
    assert third is not None and len(third) == 32 and path.read_bytes() == third


def test_two_processes_making_the_secret_use_the_same(secret_home, monkeypatch):
    """The one that loses the race to link its secret into place reads the winner's."""
    path = secret_file()
    winner = os.urandom(32)
    link = os.link

    def other_process_first(source, target):
        tmp = Path(str(target) + ".other")
        tmp.write_bytes(winner)
        tmp.chmod(0o600)
        link(tmp, target)
        tmp.unlink()
        link(source, target)  # FileExistsError: ours lost

    monkeypatch.setattr(cache_module.os, "link", other_process_first)
    assert load_secret(path) == winner
    assert path.read_bytes() == winner
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret"]


# --------------------------------------------------------------------------- round trips


def same(a: Any, b: Any, where: str = "result") -> None:
    """`a` and `b` hold the same data (Args and Unknown have no `==` of their own)."""
    assert type(a) is type(b), where
    if isinstance(a, LayerSpec):
        assert a is b, where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, Args):
        same(a.values, b.values, f"{where}.values")
    elif isinstance(a, Unknown):
        assert a.reason == b.reason, where
    elif isinstance(a, (dict, MappingProxyType)):
        assert list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def example_work():
    plan = service.plan_files(service.iter_files([str(REPO / "fixtures"),
                                                  str(REPO / "tests" / "data")]), {})
    return plan.work


def test_every_result_of_the_fixtures_and_test_data_round_trips():
    work = example_work()
    assert len(work) > 30
    for path, display, settings in work:
        result = engine.check_data(path, display, settings, path.read_bytes())
        assert result.use_origins == tuple(sorted({use.origin for use in result.site_uses}))
        data = CODEC.dumps(result)  # every one is cached: none holds a class not listed
        back = CODEC.loads(data)
        same(result, back, display)
        assert CODEC.dumps(back) == data, display  # the same result, the same bytes


@pytest.mark.parametrize("args", [["check"], ["check", "--format", "json"],
                                  ["report"], ["report", "--format", "json"]],
                         ids=" ".join)
def test_a_warm_run_on_the_fixtures_says_what_a_cold_run_says(args, tmp_path, capsys,
                                                                 monkeypatch, secret_home):
    monkeypatch.chdir(REPO)
    cache = tmp_path / "cache"
    run = [*args, "-j", "1", "--cache-dir", str(cache), "fixtures"]
    cold = cli.main(run), capsys.readouterr().out
    assert cold[1] and len(entries(cache)) == len(example_work_of("fixtures"))
    no_analysis(monkeypatch)
    warm = cli.main(run), capsys.readouterr().out
    assert warm == cold


def example_work_of(directory: str):
    return service.plan_files(service.iter_files([directory]), {}).work


def test_the_classes_of_the_cache_codec_exist():
    """A name misspelt in cache.CODEC would only make results go uncached, silently."""
    for name in CODEC.dataclasses:
        assert dataclasses.is_dataclass(CODEC.resolve(name)), name
    for name in CODEC.kinds:
        assert isinstance(CODEC.resolve(name), type), name


def test_a_model_built_of_another_files_blocks_is_cached(tmp_path, capsys, monkeypatch,
                                                           secret_home):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text(
        "import torch.nn as nn\n\n\nclass Block(nn.Module):\n"
        "    def __init__(self, c):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(c, c, 3, padding=1)\n\n"
        "    def forward(self, x):\n        return self.conv(x)\n")
    (pkg / "model.py").write_text(
        "import torch.nn as nn\nfrom .blocks import Block\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.stem = nn.Conv2d(3, 16, 3)\n        self.block = Block(16)\n\n"
        "    def forward(self, x):\n        return self.block(self.stem(x))\n")
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    for args in (["check", "--max-layer-params", "10"], ["report", "--format", "json"]):
        run = [*args, "-j", "1", "--cache-dir", str(cache), "pkg"]
        cold = cli.main(run), capsys.readouterr().out
        assert len(entries(cache)) == 3  # every file's result
        with monkeypatch.context() as patch:
            no_analysis(patch)
            assert (cli.main(run), capsys.readouterr().out) == cold
        cache = tmp_path / "cache2"


# --------------------------------------------------------------------------- the codec


@dataclasses.dataclass
class Point:
    x: Any
    y: Any = None


@dataclasses.dataclass(frozen=True)
class Frozen:
    name: str


POINTS = Codec([class_name(Point), class_name(Frozen)])


@pytest.mark.parametrize("value", [
    None, True, False, 0, -1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 10**400, 1.5, -0.0,
    math.inf, -math.inf, 1e300, 3j, complex(math.inf, -1.0), "", "\udcff text é", b"\x00\xff",
    (), [], (1,), [1, (2, [3])], {1, 2}, frozenset({(1, 2)}), {(1, 2): "a", None: [3]},
    {"a": 1, 1: "a", 1.5: True}, MappingProxyType({"k": (1,)}), [[], ()], {"": {}},
])
def test_plain_values_round_trip(value):
    back = POINTS.loads(POINTS.dumps(value))
    same(value, back)
    if isinstance(value, (set, frozenset)):
        assert back == value


def test_nan_round_trips():
    assert math.isnan(POINTS.loads(POINTS.dumps(math.nan)))


def test_objects_round_trip_by_their_fields_and_keep_sharing():
    shared = Point([1, 2])
    value = [shared, Point(shared, Frozen("f")), {Frozen("g")}, shared]
    back = POINTS.loads(POINTS.dumps(value))
    assert back == value
    assert back[0] is back[1].x is back[3]  # one object, as it was
    assert type(back[1].y) is Frozen


def test_what_is_not_data_is_not_written():
    cyclic = Point(None)
    cyclic.x = cyclic
    for value in (object(), Path("x"), lambda: 1, [Point(RunsCode(Path("m")))], cyclic,
                  Fraction(1, 2), ShapeTuple(((1,),)), Args({})):
        with pytest.raises(Unencodable):
            POINTS.dumps(value)


@dataclasses.dataclass
class Grown:
    x: int
    added: List[int] = dataclasses.field(default_factory=list)  # a field added later


def test_a_field_added_later_needs_no_change():
    codec = Codec([class_name(Grown)])
    assert codec.loads(codec.dumps(Grown(1, [2]))) == Grown(1, [2])
    old = json.loads(codec.dumps(Grown(1)))
    old["classes"][0][1] = ["x"]  # written before the field was added
    old["value"] = old["value"][:3]
    with pytest.raises(Malformed):
        codec.loads(json.dumps(old).encode())


@pytest.mark.parametrize("data", [
    b"", b"\xff", b"null", b"[]", b"{}", b'{"classes": [], "value": NaN}',
    b'{"value": 1, "classes": []}', b'{"classes": [], "value": 1, "x": 2}',
    b'{"classes": {}, "value": 1}', b'{"classes": [], "value": {"a": 1}}',
    b'{"classes": [], "value": []}', b'{"classes": [], "value": [1]}',
    b'{"classes": [], "value": ["?"]}', b'{"classes": [], "value": ["d", 1]}',
    b'{"classes": [], "value": ["d", 1, 2, 1, 3]}', b'{"classes": [], "value": ["s", ["l"]]}',
    b'{"classes": [], "value": ["d", ["l"], 1]}', b'{"classes": [], "value": ["i", "0x1"]}',
    b'{"classes": [], "value": ["i", 12]}', b'{"classes": [], "value": ["i", "zz"]}',
    b'{"classes": [], "value": ["f", "1.5"]}', b'{"classes": [], "value": ["f", ["l"]]}',
    b'{"classes": [], "value": ["c", 1, 2]}', b'{"classes": [], "value": ["b", "0"]}',
    b'{"classes": [], "value": ["r", 0]}', b'{"classes": [], "value": ["o", 0]}',
    b'{"classes": [["builtins:dict", null]], "value": ["a", 0, ["d"]]}',
    b'{"classes": [["os:system", null]], "value": ["a", 0, "echo"]}',
    b'{"classes": [[1, null]], "value": null}',
    b'{"classes": [["tests.core.test_cache_security:Point", ["x"]]], "value": null}',
])
def test_malformed_data_is_malformed(data):
    with pytest.raises(Malformed):
        POINTS.loads(data)


def test_malformed_objects_are_malformed():
    good = json.loads(POINTS.dumps(Point(1, 2)))
    assert good["classes"] == [[class_name(Point), ["x", "y"]]]
    for value in (["o", 0, 1], ["o", 0, 1, 2, 3], ["o", 1, 1, 2], ["a", 0, 1], ["o", "0", 1, 2],
                  ["o", 0, ["r", 0], 2], ["o", -1, 1, 2], ["l", ["r", 1]]):
        with pytest.raises(Malformed):
            POINTS.loads(json.dumps({"classes": good["classes"], "value": value}).encode())
    swapped = {"classes": [[class_name(Point), ["y", "x"]]], "value": ["o", 0, 1, 2]}
    with pytest.raises(Malformed):
        POINTS.loads(json.dumps(swapped).encode())


def test_kinds_build_only_their_class():
    codec = Codec([], [Kind(class_name(Fraction), lambda q: (q.numerator, q.denominator),
                            lambda cls, state: 0.5)])
    with pytest.raises(Malformed):
        codec.loads(codec.dumps(Fraction(1, 2)))


def test_the_cache_codec_reads_the_values_of_arguments_back():
    conv = CODEC.loads(CODEC.dumps(cache_module.LAYERS["Conv2d"]))
    assert conv is cache_module.LAYERS["Conv2d"]
    values = [Args({"a": Unknown("why"), "b": (1, 2)}), ShapeTuple(((1, 2), None)),
              Fraction(1, 3), Unknown("x")]
    same(values, CODEC.loads(CODEC.dumps(values)))
    outside = dataclasses.replace(cache_module.LAYERS["Conv2d"], name="NotInTheCatalogue")
    with pytest.raises(Unencodable):
        CODEC.dumps(outside)


def test_no_path_no_secret():
    assert load_secret(None) is None


def test_data_kept_under_a_name_is_read_back_only_as_signed(tmp_path, secret_home):
    """The project's imports (project.dependents) are kept as plain data under a name: read
    back as written, and not at all when the entry was changed, forged or moved."""
    store = ResultCache(tmp_path / "cache")
    table = {"/p/a.py": ((1, 2), (("/p/b.py", (("B", "B"),)),))}
    store.put_data("imports:/p", table)
    assert store.get_data("imports:/p") == table
    assert store.get_data("imports:/q") is None
    [entry] = (tmp_path / "cache").glob("*/*.data")
    mac, _, payload = entry.read_bytes().partition(b"\n")
    entry.write_bytes(mac + b"\n" + payload.replace(b"b.py", b"c.py"))
    assert store.get_data("imports:/p") is None
    forged = hmac.new(b"x" * 32, b"", hashlib.sha256).hexdigest().encode()
    entry.write_bytes(forged + b"\n" + payload)
    assert store.get_data("imports:/p") is None
    other = store._entry(store.data_key("imports:/q"), cache_module.DATA_SUFFIX)
    other.parent.mkdir(exist_ok=True)
    other.write_bytes(mac + b"\n" + payload)  # a real entry, moved to another name
    assert store.get_data("imports:/q") is None


@dataclasses.dataclass
class Traced(DeferredFields):
    name: str
    calls: List[Any] = dataclasses.field(default_factory=list)
    ops: Any = None  # a plain default: a class attribute, which cannot be deferred


TRACES = Codec([class_name(Traced), class_name(Point)],
               deferred={class_name(Traced): ("calls",)})


def test_deferred_fields_are_read_when_first_used():
    value = [Traced("a", [Point(1, (2, 3))]), Traced("b")]
    data = TRACES.dumps(value)
    assert data.count(b"\n") == 2  # a document of its own for each deferred field
    back = TRACES.loads(data)
    assert all("calls" not in vars(traced) for traced in back)  # not read yet
    assert back[0].calls == [Point(1, (2, 3))] and "calls" in vars(back[0])
    assert "calls" not in vars(back[1])
    assert back == value and TRACES.dumps(back) == data
    again = TRACES.loads(data)
    assert pickle.loads(pickle.dumps(again)) == value  # pickled whole
    copied = copy.copy(TRACES.loads(data)[1])
    assert copied == value[1] and "_deferred" not in vars(copied)
    with pytest.raises(AttributeError):
        back[0].missing


def test_malformed_deferred_fields_are_malformed():
    head, *documents = TRACES.dumps([Traced("a", [Point(1)])]).split(b"\n")
    plain = json.loads(head)
    for field_value in (["p", 2], ["p", 0], ["p", "1"], ["p"], ["p", 1, 1]):
        edited = json.loads(head)
        edited["value"][1][3] = field_value
        with pytest.raises(Malformed):
            TRACES.loads(b"\n".join([json.dumps(edited).encode(), *documents]))
    misplaced = json.loads(head)  # a deferred mark in a field that is not deferred
    misplaced["value"][1][2] = ["p", 1]
    with pytest.raises(Malformed):
        TRACES.loads(b"\n".join([json.dumps(misplaced).encode(), *documents]))
    nested = [json.dumps(plain).encode(), head]  # a deferred document that defers again
    with pytest.raises(Malformed):
        TRACES.loads(b"\n".join(nested))[0].calls
    broken = TRACES.loads(b"\n".join([head, b"not json"]))
    with pytest.raises(Malformed):
        broken[0].calls  # read when used: Malformed then


def test_a_field_that_cannot_be_deferred_is_refused():
    codec = Codec([class_name(Traced)], deferred={class_name(Traced): ("ops",)})
    with pytest.raises(TypeError):
        codec.dumps(Traced("a"))
    with pytest.raises(Malformed):
        codec.loads(TRACES.dumps(Traced("a")))
    with pytest.raises(ValueError):
        Codec([], deferred={class_name(Traced): ("calls",)})
