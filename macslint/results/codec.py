"""Plain data as JSON and back, executing nothing: the result cache's entry format.

A value is written as JSON that says what it is: `None`, booleans, strings, finite floats and
ints of 64 bits are themselves; every other value is an array whose first item names what
it is (`["t", 1, 2]` the tuple (1, 2)):

    ["l", ...] list            ["t", ...] tuple          ["s", ...] set
    ["z", ...] frozenset       ["d", k, v, ...] dict     ["m", k, v, ...] read-only dict
    ["i", "0x..."] larger int  ["f", "inf"] inf/nan      ["c", re, im] complex
    ["b", "hex"] bytes         ["o", c, v1, v2, ...] a dataclass, its fields in order
    ["a", c, state] an object of another class, by the state its `Kind` gives
    ["r", n] the n-th object written (so an object held twice is one object again)

The whole is `{"classes": [[name, fields], ...], "value": ...}`: `c` is a class's place in
that table, which names it ("module:QualName") with its fields' names (null for a `Kind`).
Objects are written only for the classes a `Codec` is given by name, and read back only as
those: reading never imports or constructs anything else, and a dataclass is made from
exactly the fields it has now (`dataclasses.fields`, so a field added later needs no change
here), without running its `__init__`, as pickle does. Whatever else `dumps` meets raises
`Unencodable`; whatever `loads` is given that `dumps` did not write for these classes raises
`Malformed`. Generic: the classes are the caller's.

Deferred fields: the fields a `Codec` is told to defer (`deferred`: class name -> field names)
are each written as a document of their own after the first, one per line, and marked
`["p", k]` (the k-th document) where they stand. `loads` reads the first document only; a
deferred field is read when first used (its class is a `DeferredFields`). The documents of
deferred fields are written whole (nothing in them is deferred again). A warm run that needs
a file's findings then reads none of its traces.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple

INT_MIN, INT_MAX = -2**63, 2**63 - 1  # written as JSON numbers (every parser reads these)
_FLOATS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class Unencodable(Exception):
    """A value the codec does not write: a class it was not given, a reference cycle."""


class Malformed(Exception):
    """Data `dumps` would not have written: unknown tags or classes, wrong fields, bad JSON."""


@dataclass(frozen=True)
class Kind:
    """How an object of a class that is not a dataclass is written: `state` gives a value the
    codec writes (raising Unencodable for an object it cannot stand for), `build` makes the
    object again from its class and that value read back (raising anything for a bad one)."""

    name: str  # "module:QualName"
    state: Callable[[Any], Any]
    build: Callable[[type, Any], Any]


def class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


class DeferredFields:
    """A dataclass some of whose fields a `Codec` may leave to be read when first used."""

    def __getattr__(self, name: str) -> Any:  # (only for an attribute not set)
        pending = self.__dict__.get("_deferred")
        if pending is not None and name in pending:
            value = self.__dict__[name] = pending[name]()
            del pending[name]  # (its document: read, no longer kept)
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> Dict[str, Any]:
        """Pickled and copied whole (every deferred field read)."""
        for name in list(self.__dict__.get("_deferred", ())):
            getattr(self, name)
        return {k: v for k, v in self.__dict__.items() if k != "_deferred"}


class Codec:
    def __init__(self, dataclasses_: Iterable[str], kinds: Iterable[Kind] = (),
                 deferred: Optional[Dict[str, Iterable[str]]] = None) -> None:
        self.dataclasses = frozenset(dataclasses_)
        self.kinds: Dict[str, Kind] = {kind.name: kind for kind in kinds}
        self.classes: Dict[str, type] = {}  # resolved on first use: importing is lazy
        self.deferred = {name: frozenset(fields) for name, fields in (deferred or {}).items()}
        if not self.deferred.keys() <= self.dataclasses:
            raise ValueError("only dataclasses of the codec defer fields")

    def dumps(self, value: Any) -> bytes:
        """`value` as JSON bytes; Unencodable (or RecursionError) if it is not all data."""
        documents: List[bytes] = []
        head = self._document(_Writer(self, documents), value)
        return b"\n".join([head, *documents])

    @staticmethod
    def _document(writer: "_Writer", value: Any) -> bytes:
        plain = writer.write(value)
        # ASCII only: a lone surrogate (a file name's undecodable byte) travels as \udcxx
        return json.dumps({"classes": writer.table, "value": plain}, allow_nan=False,
                          separators=(",", ":"), check_circular=False).encode("ascii")

    def loads(self, data: bytes) -> Any:
        """The value `dumps` wrote; Malformed for anything else (in a deferred field: when
        it is read)."""
        documents = data.split(b"\n")
        return self._load(documents[0], documents)

    def _load(self, data: bytes, documents: Optional[List[bytes]]) -> Any:
        try:
            whole = json.loads(data.decode("ascii"), parse_constant=_no_constant)
            if type(whole) is not dict or list(whole) != ["classes", "value"]:
                raise Malformed("not an entry of this codec")
            return _Reader(self, whole["classes"], documents).read(whole["value"])
        except Malformed:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a bad entry makes fail
            raise Malformed(f"{type(exc).__name__}: {exc}") from None

    def resolve(self, name: str) -> type:
        """The class of one of the names given (imported on first use)."""
        cls = self.classes.get(name)
        if cls is None:
            if name not in self.dataclasses and name not in self.kinds:
                raise Malformed(f"not a class of this codec: {name!r}")
            module, _, qualname = name.partition(":")
            found: Any = importlib.import_module(module)
            for part in qualname.split("."):
                found = getattr(found, part)
            if not isinstance(found, type) or class_name(found) != name:
                raise Malformed(f"{name!r} does not name a class")
            if name in self.dataclasses and not dataclasses.is_dataclass(found):
                raise Malformed(f"{name!r} is not a dataclass")
            self.check_deferrable(name, found)
            cls = self.classes[name] = found
        return cls

    def check_deferrable(self, name: str, cls: type) -> None:
        """TypeError unless `cls` can leave the fields this codec defers for it unread: a
        DeferredFields whose deferred fields have no plain default (a class attribute, which
        would be found instead of the field)."""
        fields = self.deferred.get(name)
        if fields is not None and not (issubclass(cls, DeferredFields) and all(
                f.default is dataclasses.MISSING for f in dataclasses.fields(cls)
                if f.name in fields)):
            raise TypeError(f"{name!r} cannot defer {sorted(fields)}")


def _no_constant(text: str) -> Any:
    raise Malformed(f"JSON constant {text}")  # NaN and Infinity are written tagged


_SEQUENCES = {list: "l", tuple: "t", set: "s", frozenset: "z"}
_BUILD_SEQUENCE: Dict[str, Callable[[List[Any]], Any]] = {
    "l": list, "t": tuple, "s": set, "z": frozenset}


class _Writer:
    def __init__(self, codec: Codec, documents: Optional[List[bytes]] = None) -> None:
        self.codec = codec
        self.documents = documents  # where deferred fields go (None: written in place)
        self.refs: Dict[int, int] = {}  # id of an object written -> its number
        self.open: set = set()  # the numbers of the objects being written (a cycle)
        self.alive: List[Any] = []  # every object numbered, so no id is reused meanwhile
        self.table: List[Any] = []  # [name, field names or None], in order of first use
        self.classes: Dict[str, int] = {}  # name -> its place in the table

    def write(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if INT_MIN <= value <= INT_MAX else ["i", hex(value)]
        if kind is float:
            return value if math.isfinite(value) else ["f", repr(value)]
        tag = _SEQUENCES.get(kind)
        if tag is not None:
            objects = len(self.refs)
            items = [self.write(item) for item in value]
            if tag in "sz" and len(self.refs) == objects:  # (no object is numbered in it)
                items.sort(key=_text)  # the same set is the same text in every process
            return [tag, *items]
        if kind is dict or kind is MappingProxyType:
            out = ["d" if kind is dict else "m"]
            for key, item in value.items():
                out.append(self.write(key))
                out.append(self.write(item))
            return out
        if kind is complex:
            return ["c", self.write(value.real), self.write(value.imag)]
        if kind is bytes:
            return ["b", value.hex()]
        return self.write_object(value)

    def write_object(self, value: Any) -> Any:
        number = self.refs.get(id(value))
        if number is not None:
            if number in self.open:
                raise Unencodable(f"a {type(value).__qualname__} holds itself")
            return ["r", number]
        name = class_name(type(value))
        kind = self.codec.kinds.get(name)
        if kind is None and (name not in self.codec.dataclasses
                             or not dataclasses.is_dataclass(value)):
            raise Unencodable(f"not a class of this codec: {name}")
        place = self.classes.get(name)
        if place is None:
            fields = None if kind else [f.name for f in dataclasses.fields(value)]
            self.codec.check_deferrable(name, type(value))
            place = self.classes[name] = len(self.table)
            self.table.append([name, fields])
        number = self.refs[id(value)] = len(self.refs)
        self.alive.append(value)
        self.open.add(number)
        if kind is not None:
            out: Any = ["a", place, self.write(kind.state(value))]
        else:
            deferred = self.codec.deferred.get(name) if self.documents is not None else None
            out = ["o", place, *(self.write(getattr(value, f.name))
                                 if deferred is None or f.name not in deferred
                                 else self.defer(getattr(value, f.name))
                                 for f in dataclasses.fields(value))]
        self.open.discard(number)
        return out

    def defer(self, value: Any) -> Any:
        assert self.documents is not None
        self.documents.append(Codec._document(_Writer(self.codec), value))
        return ["p", len(self.documents)]


def _text(plain: Any) -> str:
    return json.dumps(plain, separators=(",", ":"))


# A class of the table: (the class, its Kind or None, its fields, those deferred or None)
_Row = Tuple[type, Optional[Kind], Tuple[str, ...], Optional[FrozenSet[str]]]
_UNSET = object()  # an object being read: a reference to it is not data dumps writes


class _Reader:
    def __init__(self, codec: Codec, table: Any, documents: Optional[List[bytes]] = None
                 ) -> None:
        self.codec = codec
        self.documents = documents  # the entry's documents (None: in a deferred one)
        self.objects: List[Any] = []
        self.table: List[_Row] = []
        if type(table) is not list:
            raise Malformed("no table of classes")
        for row in table:
            if type(row) is not list or len(row) != 2 or type(row[0]) is not str:
                raise Malformed("not a class of the table")
            name, fields = row
            kind = codec.kinds.get(name)
            if kind is None and name not in codec.dataclasses:
                raise Malformed(f"not a class of this codec: {name!r}")
            cls = codec.resolve(name)
            if kind is None and fields != [f.name for f in dataclasses.fields(cls)]:
                raise Malformed(f"not the fields of {name!r}")
            if kind is not None and fields is not None:
                raise Malformed(f"fields for {name!r}, which is not a dataclass")
            self.table.append((cls, kind, () if kind else tuple(fields),
                               codec.deferred.get(name)))

    def read(self, plain: Any) -> Any:
        kind = type(plain)
        if plain is None or kind in (bool, str, int, float):
            return plain  # (json.loads gives exactly these types)
        if kind is not list or not plain or type(plain[0]) is not str:
            raise Malformed(f"not a value: {type(plain).__name__}")
        tag, items = plain[0], plain[1:]
        build = _BUILD_SEQUENCE.get(tag)
        if build is not None:
            return build([self.read(item) for item in items])
        if tag in ("d", "m"):
            if len(items) % 2:
                raise Malformed("a dict with a key and no value")
            values = [self.read(item) for item in items]
            mapping = dict(zip(values[::2], values[1::2]))
            if len(mapping) != len(items) // 2:
                raise Malformed("a dict with a key twice")
            return mapping if tag == "d" else MappingProxyType(mapping)
        if tag == "r":
            return self.reference(items)
        if tag in ("o", "a"):
            return self.read_object(tag, items)
        if len(items) != 1 and tag != "c":
            raise Malformed(f"tag {tag!r} with {len(items)} items")
        if tag == "i" and type(items[0]) is str:
            number = int(items[0], 16)
            if INT_MIN <= number <= INT_MAX:
                raise Malformed("a 64-bit int written as a larger one")
            return number
        if tag == "f" and items[0] in _FLOATS:
            return _FLOATS[items[0]]
        if tag == "c" and len(items) == 2:
            real, imag = (self.read(item) for item in items)
            if type(real) is float and type(imag) is float:
                return complex(real, imag)
        if tag == "b" and type(items[0]) is str:
            return bytes.fromhex(items[0])
        raise Malformed(f"not a value: tag {tag!r}")

    def reference(self, items: List[Any]) -> Any:
        if len(items) != 1 or type(items[0]) is not int or not 0 <= items[0] < len(self.objects):
            raise Malformed("a reference to no object")
        found = self.objects[items[0]]
        if found is _UNSET:
            raise Malformed("a reference to an object being read")
        return found

    def read_object(self, tag: str, items: List[Any]) -> Any:
        if not items or type(items[0]) is not int or not 0 <= items[0] < len(self.table):
            raise Malformed("an object of no class")
        cls, kind, fields, deferred = self.table[items[0]]
        if (kind is None) != (tag == "o") or len(items) != (2 if kind else 1 + len(fields)):
            raise Malformed(f"not an object of {cls.__qualname__}")
        number = len(self.objects)
        self.objects.append(_UNSET)
        if kind is not None:
            made = kind.build(cls, self.read(items[1]))
            if type(made) is not cls:
                raise Malformed(f"{cls.__qualname__} built as {type(made).__qualname__}")
        else:
            made = cls.__new__(cls)
            for name, item in zip(fields, items[1:]):
                if deferred is not None and type(item) is list and item and item[0] == "p":
                    self.defer(made, name, deferred, item)
                else:
                    object.__setattr__(made, name, self.read(item))
        self.objects[number] = made
        return made

    def defer(self, made: Any, name: str, deferred: FrozenSet[str], item: List[Any]) -> None:
        documents = self.documents
        if documents is None or name not in deferred or not isinstance(made, DeferredFields) \
                or len(item) != 2 or type(item[1]) is not int or not 0 < item[1] < len(documents):
            raise Malformed(f"a deferred field {name!r} where none can be")
        pending = made.__dict__.setdefault("_deferred", {})
        pending[name] = functools.partial(self.codec._load, documents[item[1]], None)
