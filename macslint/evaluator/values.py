"""The evaluator's values besides Python's own: what it could not compute (`Unknown`), the
functions and classes of the analysed code, standard-library helpers, project modules and
lazily read imports, and the signals of control flow when code runs. Plain data: no libcst."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple

if TYPE_CHECKING:  # plain data: importing libcst is for analysing, not for reading results
    import libcst as cst

from ..costmodel import UnknownArgument


class Unknown(UnknownArgument):
    """A value the evaluator could not compute; `reason` says why. Anything computed from it is
    unknown too, with the same reason; the cost model reads it as an unresolved argument."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class ProjectModule:
    """The value of `from . import blocks`: a project module whose names are attributes
    (`loaded` is the project loader's LoadedModule: its `names()` and `display`)."""

    python_type = "module"

    def __init__(self, loaded: Any) -> None:
        self.loaded = loaded

    def __repr__(self) -> str:  # in messages: no object address
        return f"<module '{self.loaded.display}'>"


class NamesView:
    """`module.__dict__` of a project module, `globals()`: its names as a dict to read
    (`vits.__dict__[arch](**kwargs)`); `names` may hold lazy imports."""

    python_type = "dict"

    def __init__(self, names: Dict[str, Any], display: str) -> None:
        self.names = names
        self.display = display

    def __repr__(self) -> str:
        return f"<names of {self.display}>"


# Control flow of code being run (RUN policy): raised by the statements, caught where
# Python would.
class ReturnSignal(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class UncertainLoopSignal(Exception):
    """A `break` or `continue` under a condition that is not known: how often the loop runs,
    and so what it builds, is not known (the loop handles it as a loop not followed)."""


class RaiseSignal(Exception):
    """The code raises here (a `raise` reached, a constructor torch rejects). `kind`: the
    Python exception's class name where known (a `try` whose handler names it catches it);
    `undo`: what to do if it is caught (a finding of the raising call withdrawn)."""

    def __init__(self, message: str, kind: Optional[str] = None,
                 undo: Optional[Callable[[], None]] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.undo = undo


# Python's exception classes and their bases, as far as a handler needs them
EXCEPTION_BASES = {
    "TypeError": ("Exception",), "ValueError": ("Exception",), "KeyError": ("LookupError",),
    "IndexError": ("LookupError",), "LookupError": ("Exception",),
    "AssertionError": ("Exception",), "AttributeError": ("Exception",),
    "ZeroDivisionError": ("ArithmeticError",), "ArithmeticError": ("Exception",),
    "RuntimeError": ("Exception",), "NotImplementedError": ("RuntimeError",),
    "Exception": ("BaseException",),
}


def exception_is(kind: str, name: str) -> bool:
    """Is an exception of class `kind` an instance of `name` (a handler's)?"""
    return kind == name or any(exception_is(base, name) for base in EXCEPTION_BASES.get(kind, ()))


@dataclass(frozen=True)
class UserObject:
    """A function or class defined in the file: known to exist, not a torch layer."""

    kind: str
    name: str

    @property
    def python_type(self) -> str:
        return "type" if self.kind == "class" else self.kind


class UserFunction(UserObject):
    """A `def` of the file, with what a call needs to run it: its node and defining scope, and
    its parameter defaults as evaluated when the `def` ran (once, as Python does)."""

    def __init__(self, name: str, node: cst.FunctionDef, scope: Any,
                 defaults: Optional[Dict[str, Any]] = None) -> None:
        object.__setattr__(self, "kind", "function")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "defaults", {} if defaults is None else defaults)

    __eq__ = object.__eq__
    __hash__ = object.__hash__


class UserClass(UserObject):
    """A `class` of the file: its bases (as evaluated) and the scope its body bound."""

    def __init__(self, name: str, node: cst.ClassDef, scope: Any, bases: Tuple[Any, ...],
                 body: Any) -> None:
        object.__setattr__(self, "kind", "class")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "bases", bases)
        object.__setattr__(self, "body", body)
        # what the evaluator learnt of the class when its statement ran (evaluator.record_calls:
        # "plain": why it is not a plain Python class, or None; "dataclass", "namedtuple")
        object.__setattr__(self, "meta", {})

    __eq__ = object.__eq__
    __hash__ = object.__hash__


@dataclass(frozen=True)
class PyBuiltin:
    """A Python builtin or standard-library callable (`range`, `collections.OrderedDict`)."""

    name: str

    @property
    def python_type(self) -> str:
        return "type" if self.name in BUILTIN_CLASSES else "builtin_function_or_method"


class Partial:
    """`functools.partial(f, *args, **kwargs)`: calling it calls f with those first."""

    python_type = "functools.partial"

    def __init__(self, function: Any, positional: List[Any], keywords: Dict[str, Any]):
        self.function = function
        self.positional = positional
        self.keywords = keywords

    def __repr__(self) -> str:  # in messages: no object address
        return f"functools.partial({self.function!r}, ...)"


@dataclass(frozen=True)
class PyModule:
    """A standard-library module whose helpers model code uses (`math`, `collections`)."""

    name: str

    @property
    def python_type(self) -> str:
        return "module"


# Standard-library names model code builds sizes and containers with.
STDLIB_HELPERS = {
    "collections": frozenset({"OrderedDict", "namedtuple", "defaultdict", "deque"}),
    "math": frozenset({"ceil", "floor", "sqrt", "prod", "gcd", "log2", "log", "exp", "pow",
                       "isqrt", "pi", "e", "inf"}),
    "functools": frozenset({"partial", "reduce"}),
    "operator": frozenset({"mul", "add"}),
    "typing": frozenset({"cast", "NamedTuple"}),
    "copy": frozenset({"copy", "deepcopy"}),
    "itertools": frozenset({"repeat", "chain", "accumulate", "product"}),
    "collections.abc": frozenset({"Iterable", "Sequence", "Mapping", "Callable"}),
    # `os.environ` is an Environment, `os.getenv(k, d)` d (timm's TIMM_FUSED_ATTN)
    "os": frozenset({"getenv", "environ"}),
    "re": frozenset({"split", "sub", "findall", "escape", "match", "search", "fullmatch"}),
    "sys": frozenset({"modules"}),  # `sys.modules[fn.__module__]`: the project's modules
    "numbers": frozenset({"Number", "Complex", "Real", "Rational", "Integral"}),
}
# typing's generic aliases of collections.abc, which isinstance() accepts as the ABCs
TYPING_ABCS = frozenset({"Iterable", "Sequence", "Mapping", "Callable"})


MISSING = object()


# The builtins (PyBuiltin names) that are classes: calling one makes an instance.
BUILTIN_CLASSES = frozenset({
    "range", "int", "float", "bool", "str", "list", "tuple", "dict", "set", "frozenset",
    "enumerate", "zip", "reversed", "map", "filter", "super", "collections.OrderedDict",
    "functools.partial",
})
# Python's names of types that read as nouns ("an int", "a method"); any other type's
# instance is "a <name> object" ("a Config object"), as Python's messages call it.
_NOUNS = frozenset({
    "int", "float", "complex", "bool", "str", "bytes", "list", "tuple", "dict", "set",
    "frozenset", "range", "slice", "method", "function", "module", "Tensor", "Parameter",
    "functools.partial", "ellipsis", "dtype",
})
_WORDS = {"NoneType": "None", "type": "a class", "builtin_function_or_method": "a builtin function"}


def python_type(value: Any) -> str:
    """The name Python gives the type of `value` in its messages ("'int' object is not
    callable"): 'int', 'method', 'function', 'module', 'Config'. macslint's stand-ins for the
    code's values say what they stand for (their `python_type`), never their own class."""
    name = getattr(value, "python_type", None)
    return name if isinstance(name, str) else type(value).__name__


ARGUMENT_NOT_KNOWN = ": an argument is not known: "


def argument_not_known(call: str, unknown: "Unknown") -> str:
    """Why `call(...)`, whose result its arguments decide, is not known when one of them is
    not: that argument's reason, the cause (once, however deep such calls nest)."""
    why = unknown.reason
    if why.startswith("`") and ARGUMENT_NOT_KNOWN in why:
        why = why.split(ARGUMENT_NOT_KNOWN, 1)[1]
    return f"`{call}(...)`{ARGUMENT_NOT_KNOWN}{why}"


def what_is(value: Any) -> str:
    """What `value` is, in Python's words, for messages: "None", "an int", "a method",
    "a class", "a Config object"."""
    name = python_type(value)
    if name in _WORDS:
        return _WORDS[name]
    noun = name if name in _NOUNS else f"{name} object"
    return f"{'an' if noun[0] in 'aeiouAEIOU' else 'a'} {noun}"


IN_PLACE = object()  # an augmented assignment changed its target in place: nothing to bind


PLAIN = (int, float, str, bool, type(None), tuple, list, dict)


class DeferredCall(Unknown):
    """A module-level `name = f(...)` of a function of the project (timm's
    `to_2tuple = _ntuple(2)`), which reading a file does not run, or an expression holding one
    (a tuple, a builtin's call), or a comprehension: Unknown there; running a model evaluates
    the expression, once per model, in the scope it was written in."""

    __slots__ = ("node", "scope")

    def __init__(self, reason: str, node: Any, scope: Any) -> None:
        super().__init__(reason)
        self.node = node
        self.scope = scope


class DeferredLoop(DeferredCall):
    """A name a module-level `for` binds or changes, where the loop runs over a DeferredCall
    (evaluator.effects.defer_module_loop): running a model runs the loop (`node`) once per
    model, in `scope` (the names as they are at its line), and reads `name` from what it
    left."""

    __slots__ = ("name",)

    def __init__(self, reason: str, node: Any, scope: Any, name: str) -> None:
        super().__init__(reason, node, scope)
        self.name = name


class LazyImport:
    """A name imported from a project file, read when first used."""

    __slots__ = ("interpreter", "source", "level", "name", "value")

    def __init__(self, interpreter: Any, source: str, level: int, name: str) -> None:
        self.interpreter = interpreter
        self.source = source
        self.level = level
        self.name = name
        self.value: Any = MISSING

    def resolve(self) -> Any:
        if self.value is MISSING:
            self.value = Unknown(f"'{self.name}' is imported in a cycle")  # while reading
            self.value = resolved(self.interpreter.resolve_import(self.source, self.level,
                                                                   self.name))
        return self.value


def resolved(value: Any) -> Any:
    return value.resolve() if isinstance(value, LazyImport) else value


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - a user value with an odd __eq__ is just "not same"
        return False


def lists_in(value: Any) -> Iterable[Any]:
    """The mutable containers (lists, dicts, sets) in a value."""
    if isinstance(value, (list, dict)) or type(value) is set:
        yield value
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from lists_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from lists_in(item)


def holds(value: Any, target: Any) -> bool:
    if value is target:
        return True
    if isinstance(value, dict):
        return any(holds(v, target) for v in value.values())
    return isinstance(value, (list, tuple)) and any(holds(v, target) for v in value)


class Environment:
    """`os.environ` as the counts take it: a variable the code looks up *with a default* is
    unset (`'K' in os.environ` False, `.get(k, d)` and `os.getenv(k, d)` d: timm's
    TIMM_FUSED_ATTN), so a model counts as its code's defaults build it, as for
    `pretrained=False`; what needs a variable's value (`os.environ['K']`) or the whole
    environment (iterating it) is not known."""

    python_type = "os._Environ"

    def contains(self, key: Any) -> Any:
        return False if isinstance(key, str) else Unknown("a key of the environment not known")

    def method(self, name: str, positional: List[Any], keywords: Dict[str, Any]) -> Any:
        if name == "get" and 1 <= len(positional) + len(keywords) <= 2 \
                and set(keywords) <= {"default"}:
            return positional[1] if len(positional) == 2 else keywords.get("default")
        return Unknown(f"`os.environ.{name}()` is not modelled: the environment's variables are "
                       f"not known")

    def item(self, key: Any) -> Unknown:
        return Unknown(f"the environment variable {key!r} is not known (a variable is taken as "
                       f"unset only where the code gives a default)")


ENVIRONMENT = Environment()
