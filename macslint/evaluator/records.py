"""Values of configuration objects, as model code builds them: instances of the file's plain
classes (dataclasses included), namedtuples, `types.SimpleNamespace` / `argparse.Namespace`,
and `argparse.ArgumentParser`s; and the library of the standard-library modules that make
them (`dataclasses`, `argparse`, `types`), registered as torch's is (evaluator.library).
Plain data: no libcst. How calls make and change them: evaluator.record_calls."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from .library import Library, register
from .values import PyBuiltin, Unknown, UserClass

# What the standard-library modules give configuration code (the names of StdName values).
STDLIB_RECORDS = {
    "dataclasses": frozenset({"dataclass", "field", "replace", "asdict", "astuple", "fields",
                              "is_dataclass", "InitVar", "KW_ONLY", "MISSING"}),
    "argparse": frozenset({"ArgumentParser", "Namespace", "SUPPRESS", "BooleanOptionalAction"}),
    "types": frozenset({"SimpleNamespace", "FunctionType"}),
    "enum": frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "auto", "unique"}),
}


class StdName:
    """A name of `dataclasses`, `argparse` or `types` (`dataclasses.field`), or the module."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StdName) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return self.path

    @property
    def python_type(self) -> str:
        return "module" if "." not in self.path else "function"


class Record:
    """A mutable object with attributes: `attrs` (name -> value); `opaque` says why its
    attributes are no longer known (a call that may have changed them). `home` and `levels`:
    the scope it was made in and how uncertain the code there was (reading a file, a change
    is certain only there)."""

    kind = "object"

    def __init__(self, attrs: Optional[Dict[str, Any]] = None) -> None:
        self.attrs: Dict[str, Any] = {} if attrs is None else attrs
        self.opaque: Optional[str] = None
        self.home: Any = None
        self.levels: Tuple[int, int] = (0, 0)
        self.late = False  # made while the file's walk read function bodies

    def copied(self, copy: Callable[[Any], Any], memo: Dict[int, Any]) -> "Record":
        """A copy of the record whose attribute values are `copy(value)` (memo: aliases kept)."""
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update(self.__dict__)
        for key, value in self.__dict__.items():
            if type(value) is list:  # a parser's `others`
                clone.__dict__[key] = list(value)
        clone.attrs = {k: copy(v) for k, v in self.attrs.items()}
        return clone

    def __repr__(self) -> str:  # in messages: no object address
        return f"<{self.kind}>"


class Instance(Record):
    """An instance of one of the file's plain classes (not a library's: no nn.Module)."""

    def __init__(self, cls: Any) -> None:
        super().__init__()
        self.cls = cls
        self.frozen = False

    @property
    def kind(self) -> str:  # type: ignore[override]
        return f"{self.cls.name} instance"

    @property
    def python_type(self) -> str:
        return self.cls.name


class Namespace(Record):
    """`types.SimpleNamespace(**kw)`, `argparse.Namespace(**kw)`, what `parse_args()` returns;
    `missing`: why an attribute it does not hold may still be set (a subcommand's)."""

    def __init__(self, kind: str, attrs: Dict[str, Any], missing: Optional[str] = None) -> None:
        super().__init__(attrs)
        self.kind = kind  # type: ignore[misc]
        self.missing = missing

    @property
    def python_type(self) -> str:
        return self.kind


class Argument:
    """One `add_argument(...)`: the attribute it sets, its value when the command line does not
    give it (or Unknown, with the reason), and its text for messages."""

    __slots__ = ("dest", "default", "text")

    def __init__(self, dest: Any, default: Any, text: str) -> None:
        self.dest = dest
        self.default = default
        self.text = text


class Parser(Record):
    """`argparse.ArgumentParser(...)`: its arguments in order (`attrs`: dest -> Argument, so
    that branches of a condition merge them as attributes), `argument_default`, and the
    reasons an attribute it does not list may still be set (subparsers, arguments whose
    name is not known)."""

    kind = python_type = "ArgumentParser"

    def __init__(self, argument_default: Any = None) -> None:
        super().__init__()
        self.argument_default = argument_default
        self.others: List[str] = []


class ParserGroup:
    """`parser.add_argument_group(...)` / `add_mutually_exclusive_group()`: its arguments are
    the parser's."""

    def __init__(self, parser: Parser) -> None:
        self.parser = parser

    python_type = "_ArgumentGroup"

    def __repr__(self) -> str:
        return "<argument group>"


class FieldSpec:
    """`dataclasses.field(...)`: a default, or a factory (a value to call, or a lambda's body
    with its scope), and whether the field is an argument of `__init__`."""

    def __init__(self, default: Any, factory: Any, init: bool, kw_only: Any) -> None:
        self.default = default
        self.factory = factory
        self.init = init
        self.kw_only = kw_only

    python_type = "Field"

    def __repr__(self) -> str:
        return "<dataclasses.field>"


class DataclassDecorator:
    """`dataclasses.dataclass(frozen=True, ...)`: what it is called with."""

    def __init__(self, options: Dict[str, Any]) -> None:
        self.options = options

    python_type = "function"

    def __repr__(self) -> str:
        return "<dataclasses.dataclass>"


class NamedTupleType:
    """A namedtuple class made by `collections.namedtuple` or `typing.NamedTuple(...)` called
    (the class syntax is a UserClass whose `meta` holds the same): its fields and defaults."""

    def __init__(self, name: str, fields: Tuple[str, ...], defaults: Dict[str, Any]) -> None:
        self.name = name
        self.fields = fields
        self.defaults = defaults

    python_type = "type"

    def __repr__(self) -> str:
        return f"<class '{self.name}'>"


class NamedTupleValue(tuple):
    """An instance of a namedtuple: a tuple (indexing, unpacking, len) with field names.
    `owner`: its NamedTupleType or UserClass."""

    owner: Any = None

    def __new__(cls, items: Any, owner: Any) -> "NamedTupleValue":
        value = super().__new__(cls, items)
        value.owner = owner
        return value

    def remade(self, items: Any) -> "NamedTupleValue":
        return NamedTupleValue(items, self.owner)

    @property
    def python_type(self) -> str:
        return self.owner.name

    @property
    def fields(self) -> Tuple[str, ...]:
        owner = self.owner
        return owner.fields if isinstance(owner, NamedTupleType) else owner.meta["namedtuple"][0]


class Method:
    """A method of a record bound to it: a `def` of its class (`function`), or one the
    evaluator knows by name (`parser.add_argument`, `nt._replace`)."""

    def __init__(self, receiver: Any, name: str, function: Any = None) -> None:
        self.receiver = receiver
        self.name = name
        self.function = function

    python_type = "method"

    def __repr__(self) -> str:
        return f"<bound method {self.name}>"


class AttrsView:
    """`self.__dict__` / `vars(obj)` of a record: its attributes as a dict."""

    def __init__(self, record: Record) -> None:
        self.record = record

    python_type = "dict"

    def __repr__(self) -> str:
        return "<__dict__>"


RECORD_VALUES = (Record, NamedTupleValue, NamedTupleType, ParserGroup, FieldSpec,
                 DataclassDecorator, Method, AttrsView, StdName)


class StdlibRecords(Library):
    """`import dataclasses`, `from argparse import ArgumentParser`, `types.SimpleNamespace`."""

    value_types = (StdName,)

    def __init__(self, root: str) -> None:
        self.root = root

    def module(self, path: str) -> Any:
        parts = path.split(".")
        if len(parts) == 1:
            return StdName(path)
        if len(parts) == 2 and parts[1] in STDLIB_RECORDS[parts[0]]:
            return StdName(path)
        return Unknown(f"`{path}` is not modelled")

    def attribute(self, base: Any, name: str) -> Any:
        if "." in base.path:
            return Unknown(f"`{base.path}.{name}` is not modelled")
        return self.module(f"{base.path}.{name}")


for _root in STDLIB_RECORDS:
    register(StdlibRecords(_root))


def is_builtin(value: Any, name: str) -> bool:
    return isinstance(value, PyBuiltin) and value.name == name


def identical(left: Any, right: Any) -> Optional[bool]:
    """`left is right` where Python's answer is certain: bools; classes (the file's, builtins,
    and a library's, known by `identity_key`: `type(obj) is str`, `type(m) is nn.ReLU`);
    instances of the file's classes (enum members);
    None where identity depends on what this evaluator does not keep (numbers, lists)."""
    if type(left) is bool and type(right) is bool:
        return left == right
    members = [getattr(v, "member_name", None) for v in (left, right)]  # StrEnum members
    if any(m is not None for m in members) and all(isinstance(v, str) for v in (left, right)):
        if None in members:
            return False  # a member is not a plain str object
        return left.owner is right.owner and members[0] == members[1]  # type: ignore[attr-defined]
    kinds = (UserClass, PyBuiltin, Instance)
    keys = [getattr(value, "identity_key", None) for value in (left, right)]
    if keys[0] is not None and keys[1] is not None:  # library names (torch's classes)
        return keys[0] == keys[1]
    if keys[0] is not None and isinstance(right, kinds) or keys[1] is not None \
            and isinstance(left, kinds):
        return False  # a library's class is none of the file's, nor a builtin
    if isinstance(left, kinds) and isinstance(right, kinds):
        if isinstance(left, PyBuiltin) and isinstance(right, PyBuiltin):
            return left.name == right.name
        return left is right
    return None


def fresh_copy(value: Any, memo: Dict[int, Any]) -> Any:
    """A copy of the lists and dicts in `value` (aliases kept), other values as they are."""
    if isinstance(value, (Record, NamedTupleValue)):  # config objects (evaluator.records)
        if id(value) not in memo:
            memo[id(value)] = value.remade(fresh_copy(v, memo) for v in value) \
                if isinstance(value, NamedTupleValue) else \
                value.copied(lambda v: fresh_copy(v, memo), memo)
        return memo[id(value)]
    if isinstance(value, (list, dict, tuple)):
        return copy_sequence(value, memo, fresh_copy)
    return value


def copy_sequence(value: Any, memo: Dict[int, Any],
                  item: Callable[[Any, Dict[int, Any]], Any]) -> Any:
    """A copy of a list, dict or tuple (aliases kept through `memo`), its items copied by
    `item`: fresh_copy's, or a module's deep copy (torchnn.transformer.clone)."""
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, list):
        copy: Any = value.empty_copy() if hasattr(value, "empty_copy") else []
        memo[id(value)] = copy
        copy.extend(item(v, memo) for v in value)
    elif isinstance(value, dict):
        copy = value.empty_copy() if hasattr(value, "empty_copy") else type(value)()
        memo[id(value)] = copy
        copy.update((k, item(v, memo)) for k, v in value.items())
    else:
        copy = tuple(item(v, memo) for v in value)
        memo[id(value)] = copy
    return copy
