"""Configuration objects as code makes and reads them, under both policies: instances of the
file's plain classes (their `__init__` run), dataclasses (fields, `field()`, `__post_init__`,
`frozen`, `replace`/`asdict`/`fields`), namedtuples, `SimpleNamespace`, dicts read as configs
(`cfg.get(k, d)`, `dict(base, k=v)`), and a few builtins config code converts values with.
argparse is in evaluator.argparse_calls, namedtuples in evaluator.namedtuple_calls. Mixed into evaluator.Interpreter; the values are in
evaluator.records.

Reading a file (WALK), a constructor runs as the file's walk reads code (every path once): an
attribute it sets is known where the assignment certainly runs (not under a condition that is
not known, nor in a loop), and a call it does not follow that is given the object makes the
object's attributes unknown. Running code (RUN), methods are called as any function is.
"""

from __future__ import annotations

from collections import OrderedDict

from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from .collection_values import Deque
from .library import LIBRARY_OF_VALUE, AttributeNames
from .argparse_calls import ArgparseCalls
from .enums import ENUM_BASES, AutoValue, enum_by_value, enum_kind, enum_mixin, make_members
from .namedtuple_calls import NamedTupleCalls
from .numpy_values import NumpyMethod, array_method, numpy_call
from .rounded import Rounded
from .records import (
    AttrsView, DataclassDecorator, FieldSpec, Instance, Method, NamedTupleType, NamedTupleValue,
    Namespace, Record, StdName,
)
from .scope import Scope, unbound
from .syntax import dotted, returns_early
from .values import (
    MISSING, Environment, NamesView, ProjectModule, PyBuiltin, RaiseSignal, Unknown, UserClass, UserFunction,
    resolved, what_is,
)

MAX_CONSTRUCTOR_DEPTH = 8  # constructors run by the file's walk inside one another
MAX_CONSTRUCTOR_WALKS = 2000  # and in all, per file

# Builtins the file's walk evaluates (on plain values and records): conversions and dicts.
CONVERSIONS = {"int": int, "float": float, "str": str, "bool": bool}
WALK_BUILTINS = frozenset({*CONVERSIONS, "dict", "vars", "getattr", "hasattr", "setattr",
                           "isinstance", "print", "callable", "globals", "dir"})
DICT_READERS = frozenset({"get", "keys", "values", "items", "copy"})
# default factories that make an empty container (dataclasses' `field(default_factory=...)`)
_EMPTY_MAKERS = {"list": list, "dict": dict, "tuple": tuple, "collections.deque": Deque,
                 "collections.OrderedDict": OrderedDict}


class RecordCalls(ArgparseCalls, NamedTupleCalls):
    """Part of evaluator.Interpreter: the `record_call` hook of calls, `record_attribute` of
    attributes, `record_set` of assignments, `class_made` after a class statement."""

    record_depth = 0  # constructors being run by the file's walk
    record_walks = 0
    # id(record) -> how a function body the file's walk read changes it (see after_module);
    # the interpreter's own (set in its __init__)
    changed_by_functions: Dict[int, str]
    walking_functions = False  # the file's walk reads function bodies (after the module ran)

    # -- classes -----------------------------------------------------------------------
    def class_made(self, cls: UserClass, stmt: cst.ClassDef, decorators: List[Any]) -> None:
        meta = cls.meta
        meta["plain"] = self.not_plain(stmt, cls)
        kind = enum_kind(cls) if meta["plain"] is None else None
        if kind is not None:  # its members made as EnumMeta makes them (evaluator.enums)
            meta["enum"] = kind
            make_members(cls, kind)
        if any(isinstance(b, PyBuiltin) and b.name == "typing.NamedTuple" for b in cls.bases):
            own = self.annotated_fields(stmt, cls)
            meta["namedtuple"] = (tuple(name for name, _, _ in own),
                                  {name: d for name, d, _ in own if d is not MISSING})
        for decorator in decorators:
            if decorator == StdName("dataclasses.dataclass"):
                meta["dataclass"] = {}
            elif isinstance(decorator, DataclassDecorator):
                meta["dataclass"] = decorator.options
        if "dataclass" in meta:
            meta["fields"] = self.annotated_fields(stmt, cls)

    def not_plain(self, stmt: cst.ClassDef, cls: UserClass) -> Optional[str]:
        """Why the class is not a plain Python class (one of a library, with a metaclass...)."""
        if stmt.keywords:
            return f"class {cls.name} has keywords (a metaclass)"
        for arg, base in zip(stmt.bases, cls.bases):
            if isinstance(base, UserClass):
                if base.meta.get("plain", "not plain") is not None:
                    return base.meta.get("plain") or f"{base.name} is not a plain class"
            elif isinstance(base, PyBuiltin) and base.name == "typing.NamedTuple":
                continue
            elif isinstance(base, StdName) and base.path in ENUM_BASES:
                continue
            elif enum_mixin(cls) is not None and isinstance(arg.value, cst.Name) \
                    and arg.value.value in ("str", "int"):  # `class Format(str, Enum)`
                continue
            elif not (isinstance(arg.value, cst.Name) and arg.value.value == "object"):
                return f"class {cls.name} has a base that is not a class of this file"
        return None

    def annotated_fields(self, stmt: cst.ClassDef, cls: UserClass) -> List[Tuple[str, Any, str]]:
        """The annotated names of a class body, in order: (name, default or MISSING, kind);
        kind "field", "initvar" or "kw_only" (after a `KW_ONLY` marker)."""
        found: List[Tuple[str, Any, str]] = []
        kw_only = False
        body = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
        for line in body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for small in line.body:
                if not (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)):
                    continue
                name = small.target.value
                annotation = self.code(small.annotation.annotation, 200)
                if "ClassVar" in annotation:
                    continue
                if annotation.split(".")[-1] == "KW_ONLY":
                    kw_only = True
                    continue
                kind = "initvar" if annotation.split("[")[0].split(".")[-1] == "InitVar" else \
                    "kw_only" if kw_only else "field"
                default = cls.body.values.get(name, MISSING) if small.value is not None else MISSING
                found.append((name, default, kind))
        return found

    def class_mro(self, cls: UserClass) -> List[UserClass]:
        order: List[UserClass] = []

        def visit(c: UserClass) -> None:
            if c in order or len(order) > 64:
                return
            order.append(c)
            for base in c.bases:
                if isinstance(base, UserClass):
                    visit(base)

        visit(cls)
        return order

    def dataclass_fields(self, cls: UserClass) -> Dict[str, Tuple[Any, str]]:
        """name -> (default, kind) of every field, the bases' first (as dataclasses orders them)."""
        fields: Dict[str, Tuple[Any, str]] = {}
        for c in reversed(self.class_mro(cls)):
            for name, default, kind in c.meta.get("fields", ()):
                fields[name] = (default, kind)
        return fields

    # -- the hook on calls ---------------------------------------------------------------
    def record_call(self, node: cst.Call, scope: Scope, receiver: Any, callee: Any,
                    positional: List[Any], keywords: Dict[str, Any], spread: Optional[str]) -> Any:
        """The value of a call of a config object's maker or method, or NotImplemented."""
        if spread is not None:
            if isinstance(callee, (StdName, NamedTupleType, Method)) or (
                    isinstance(callee, UserClass) and callee.meta.get("plain", "") is None):
                self.taint_records(node, [*positional, *keywords.values(), receiver])
                return Unknown(f"the call {self.where(node)} is not followed: {spread}")
            return NotImplemented
        if isinstance(receiver, Environment) and isinstance(node.func, cst.Attribute):
            return receiver.method(node.func.attr.value, positional, keywords)
        if isinstance(callee, StdName):
            return self.stdlib_call(node, scope, callee.path, positional, keywords)
        if isinstance(callee, PyBuiltin) and callee.name in ("typing.NamedTuple",
                                                              "collections.namedtuple"):
            return self.namedtuple_type(node, callee.name, positional, keywords)
        if isinstance(callee, NamedTupleType):
            return self.make_namedtuple(node, callee, callee.fields, callee.defaults,
                                        positional, keywords)
        if isinstance(callee, UserClass) and callee.meta.get("plain", "") is None:
            return self.make_instance(node, scope, callee, positional, keywords)
        if isinstance(callee, Method):
            return self.method_call(node, scope, callee, positional, keywords)
        if isinstance(callee, NumpyMethod):  # `np.linspace(...).tolist()`
            return array_method(callee, positional, keywords)
        builtin = self.builtin_name(node, scope, callee)
        if builtin is not None:
            value = self.builtin_call(node, scope, builtin, positional, keywords)
            if value is not NotImplemented:
                return value
        if not self.policy.runs and isinstance(receiver, dict) \
                and isinstance(node.func, cst.Attribute) and node.func.attr.value in DICT_READERS:
            return self.dict_read(receiver, node.func.attr.value, positional, keywords)
        if isinstance(node.func, cst.Attribute) and dotted(node.func, True) == "object.__setattr__" \
                and unbound(scope, "object") and len(positional) == 3 and not keywords:
            target, name, value = positional
            if isinstance(target, Record) and isinstance(name, str):
                self.record_set(target, name, value, node, scope, force=True)
                return None
        if isinstance(callee, Unknown) or not self.policy.runs:
            self.taint_records(node, [*positional, *keywords.values(), receiver])
        return NotImplemented

    def builtin_name(self, node: cst.Call, scope: Scope, callee: Any) -> Optional[str]:
        if isinstance(callee, PyBuiltin):
            return callee.name
        if not self.policy.runs and isinstance(node.func, cst.Name) \
                and node.func.value in WALK_BUILTINS and unbound(scope, node.func.value):
            return node.func.value
        return None

    def taint_records(self, node: cst.CSTNode, values: List[Any]) -> None:
        """A call not followed is given these values: records among them may have changed."""
        for value in values:
            record = value.record if isinstance(value, AttrsView) else value
            if isinstance(record, Record) and record.opaque is None and not self.skipping:
                record.opaque = (f"{record.kind} is given to {self.where(node)}, which is not "
                                 f"followed and may change it")

    # -- instances of the file's classes ------------------------------------------------
    def made(self, record: Record, scope: Scope) -> Record:
        record.home = scope
        record.levels = (self.uncertain, self.skipping)
        record.late = self.walking_functions and not self.policy.runs
        return record

    def after_module(self, record: Any) -> bool:
        """Reading a function body after the module ran, and `record` (a class when None) was
        made by the module: what the body does to it is not what the models start from, and
        what it reads of it may be changed by another function first."""
        return self.walking_functions and not self.record_depth and not self.policy.runs \
            and not getattr(record, "late", False)

    def make_instance(self, node: cst.CSTNode, scope: Scope, cls: UserClass,
                      positional: List[Any], keywords: Dict[str, Any]) -> Any:
        if "namedtuple" in cls.meta:
            fields, defaults = cls.meta["namedtuple"]
            return self.make_namedtuple(node, cls, fields, defaults, positional, keywords)
        if cls.meta.get("enum") and len(positional) == 1 and not keywords:
            return enum_by_value(cls, positional[0])  # `Format(output_fmt)`: a member
        instance = self.made(Instance(cls), scope)
        init: Any = None
        for c in self.class_mro(cls):
            if "__init__" in c.body.values:
                init = c.body.values["__init__"]
                break
            if "dataclass" in c.meta and c.meta["dataclass"].get("init", True) is not False:
                init = c
                break
        if isinstance(init, UserClass):
            problem = self.dataclass_init(node, scope, init, instance, positional, keywords)
        elif isinstance(init, UserFunction):
            problem = self.run_method(init, instance, positional, keywords)
        elif init is None:
            problem = "takes no arguments" if positional or keywords else None
        else:
            problem = "has an `__init__` that is not a function of this file"
        if problem is not None:
            if self.policy.runs:
                raise RaiseSignal(f"{cls.name}() {problem} ({self.place(node)})")
            return Unknown(f"{cls.name}() {problem} ({self.place(node)})")
        instance.home, instance.levels = scope, (self.uncertain, self.skipping)
        return instance

    def super_record_init(self, node: cst.CSTNode, cls: UserClass, instance: Instance,
                          positional: List[Any], keywords: Dict[str, Any]) -> Any:
        """`super().__init__(...)` in a method of `cls` on an instance of the file's classes
        (a config subclassing a dataclass): the `__init__` a dataclass after `cls` in the
        instance's MRO generates; object's takes no arguments."""
        mro = self.class_mro(instance.cls)
        for c in mro[mro.index(cls) + 1:] if cls in mro else ():
            if "__init__" in c.body.values:
                break  # a function of the file: the attribute lookup already found it
            if "dataclass" in c.meta and c.meta["dataclass"].get("init", True) is not False:
                scope = instance.home if isinstance(instance.home, Scope) else self.module_scope
                problem = self.dataclass_init(node, scope, c, instance, positional, keywords)
                if problem is not None:
                    raise RaiseSignal(f"{c.name}.__init__() {problem} ({self.place(node)})")
                return None
        else:
            if positional or keywords:
                raise RaiseSignal(f"object.__init__() takes no arguments ({self.place(node)})")
            return None
        return Unknown(f"super().__init__ of {instance.cls.name} is not modelled")

    def dataclass_init(self, node: cst.CSTNode, scope: Scope, owner: UserClass,
                       instance: Instance, positional: List[Any],
                       keywords: Dict[str, Any]) -> Optional[str]:
        """The `__init__` a dataclass generates: fields from the arguments or their defaults,
        then `__post_init__` with the InitVar ones (a frozen one already frozen)."""
        fields = self.dataclass_fields(owner)
        taken = [n for n, (d, kind) in fields.items()
                 if not (isinstance(d, FieldSpec) and not d.init)]
        ordered = [n for n in taken if fields[n][1] != "kw_only"
                   and not (isinstance(fields[n][0], FieldSpec) and fields[n][0].kw_only is True)
                   and owner.meta["dataclass"].get("kw_only") is not True]
        if len(positional) > len(ordered):
            return f"takes {len(ordered)} positional arguments but {len(positional)} were given"
        values: Dict[str, Any] = dict(zip(ordered, positional))
        for key, value in keywords.items():
            if key not in taken:
                return f"got an unexpected keyword argument '{key}'"
            if key in values:
                return f"got multiple values for argument '{key}'"
            values[key] = value
        initvars: List[Any] = []
        for name, (default, kind) in fields.items():
            if name in values:
                value = values[name]
            else:
                value = self.field_default(node, scope, default)
                if value is MISSING:
                    return f"missing a required argument: '{name}'"
            if kind == "initvar":
                initvars.append(value)
            else:
                instance.attrs[name] = value
        # Frozen from here: the fields were set as object.__setattr__ sets them, and
        # `self.x = ...` in __post_init__ raises FrozenInstanceError, as in Python.
        instance.frozen = owner.meta["dataclass"].get("frozen") is True
        post_init = self.find_member(owner, "__post_init__")
        if isinstance(post_init, UserFunction):
            problem = self.run_method(post_init, instance, initvars, {})
            if problem is not None:
                return problem
        return None

    def field_default(self, node: cst.CSTNode, scope: Scope, default: Any) -> Any:
        if not isinstance(default, FieldSpec):
            return default
        if default.factory is MISSING:
            return default.default
        factory = default.factory
        if isinstance(factory, tuple):  # a lambda: (its body, the scope it was made in)
            return self.eval(factory[0], factory[1])
        if isinstance(factory, type):  # list, dict, tuple, set
            return factory() if factory is not set else Unknown("a set")
        return self.call_value(node, scope, factory, [], {})

    def call_value(self, node: cst.CSTNode, scope: Scope, callee: Any, positional: List[Any],
                   keywords: Dict[str, Any]) -> Any:
        """Call a value the code passed around (a factory): the file's classes and makers; a
        function of the file only when running."""
        if isinstance(callee, UserClass) and callee.meta.get("plain", "") is None:
            return self.make_instance(node, scope, callee, positional, keywords)
        if isinstance(callee, NamedTupleType):
            return self.make_namedtuple(node, callee, callee.fields, callee.defaults,
                                        positional, keywords)
        if isinstance(callee, PyBuiltin) and callee.name in _EMPTY_MAKERS \
                and not positional and not keywords:
            return _EMPTY_MAKERS[callee.name]()
        if self.policy.runs and isinstance(callee, UserFunction):
            return self.call_function(callee, positional, keywords)  # type: ignore[attr-defined]
        return Unknown(f"a default_factory that is not evaluated ({self.place(node)})")

    def find_member(self, cls: UserClass, name: str) -> Any:
        for c in self.class_mro(cls):
            if name in c.body.values:
                return c.body.values[name]
        return MISSING

    def run_method(self, function: UserFunction, instance: Any, positional: List[Any],
                   keywords: Dict[str, Any]) -> Optional[str]:
        """Run a method of the object being made: when running, as any call; reading a file,
        its body walked with the arguments known (None, or why it is not run)."""
        if self.policy.runs:
            self.call_function(function, [instance, *positional], keywords)  # type: ignore[attr-defined]
            return None
        if self.record_depth >= MAX_CONSTRUCTOR_DEPTH or self.record_walks >= MAX_CONSTRUCTOR_WALKS:
            instance.opaque = f"{function.name}() of {instance.kind} nests too deep to be read"
            return None
        self.record_walks += 1
        node = function.node
        if returns_early(node.body):
            instance.opaque = (f"{function.name}() of {instance.kind} ({self.place(node)}) "
                               f"has a `return`, which reading the file does not follow")
            return None
        values, problem = bind_arguments(function, [instance, *positional], keywords)
        if problem is not None:
            return problem
        scope = Scope("function", function.scope, self.function_locals(node), deferred=True)
        scope.values.update(values)
        saved = instance.home, instance.levels
        instance.home, instance.levels = scope, (self.uncertain, self.skipping)
        self.record_depth += 1
        try:
            self.walk_body(node.body, scope)
        finally:
            self.record_depth -= 1
            instance.home, instance.levels = saved
        return None

    # -- attributes -------------------------------------------------------------------------
    def record_attribute(self, node: cst.Attribute, base: Any) -> Any:
        return self.record_get(node, base, node.attr.value)

    def record_get(self, node: cst.CSTNode, base: Any, name: str) -> Any:
        """`base.name` (`node`: the expression, for messages), or NotImplemented."""
        if isinstance(base, NamedTupleValue):
            return self.namedtuple_attribute(node, base, name)
        if isinstance(base, UserClass):
            if self.policy.runs or base.meta.get("plain", "") is not None \
                    or self.after_module(None):
                return NotImplemented
            value = self.find_member(base, name)
            if value is MISSING:
                return Unknown(f"`{self.code(node)}` is not defined ({self.place(node)})")
            return self.bound_member(base, value, name, node, cls_only=True)
        if isinstance(base, AttrsView):
            return Method(base, name)
        if isinstance(base, NamedTupleType):
            if name == "_fields":
                return base.fields
            return Unknown(f"`{self.code(node)}` is not modelled")
        if not isinstance(base, Record):
            return self.parser_attribute(node, base, name)  # an argument group's
        if base.opaque is not None:
            return Unknown(base.opaque)
        if id(base) in self.changed_by_functions and self.after_module(base):
            return Unknown(self.changed_by_functions[id(base)])
        value = self.parser_attribute(node, base, name)
        if value is not NotImplemented:
            return value
        if name == "__dict__":
            return AttrsView(base)
        if name in base.attrs:
            return base.attrs[name]
        if isinstance(base, Instance):
            member = self.find_member(base.cls, name)
            if member is not MISSING and not isinstance(member, UserFunction) \
                    and self.after_module(base):
                return Unknown(f"`{self.code(node)}` is a class attribute, which a function "
                               f"of the file may change")
            if member is not MISSING:
                return self.bound_member(base, member, name, node)
            return Unknown(f"{base.kind} has no attribute '{name}' ({self.place(node)})")
        if isinstance(base, Namespace) and base.missing is not None:
            return Unknown(f"`{self.code(node)}` ({self.place(node)}): {base.missing}")
        return Unknown(f"{base.kind} has no attribute '{name}' ({self.place(node)})")

    def bound_member(self, owner: Any, value: Any, name: str, node: cst.CSTNode,
                     cls_only: bool = False) -> Any:
        if isinstance(value, FieldSpec):
            return value.default if value.default is not MISSING else \
                Unknown(f"`{self.code(node)}` is a field with a default_factory")
        if not isinstance(value, UserFunction):
            return value
        decorators = {dotted(d.decorator, True).split(".")[-1] for d in value.node.decorators}
        if "staticmethod" in decorators:
            return value
        if "classmethod" in decorators:
            return Method(owner.cls if isinstance(owner, Instance) else owner, name, value)
        if cls_only:
            return value
        if "property" in decorators or "cached_property" in decorators:
            if self.policy.runs:
                return self.call_function(value, [owner], {})  # type: ignore[attr-defined]
            return Unknown(f"the property `{self.code(node)}` ({self.place(node)}) is not "
                           f"evaluated when reading the file")
        return Method(owner, name, value)

    def record_set(self, record: Any, name: str, value: Any, node: cst.CSTNode, scope: Scope,
                   force: bool = False) -> None:
        """`record.name = value` (`force`: `object.__setattr__`, which frozen ones allow)."""
        if isinstance(record, AttrsView):
            record = record.record
        if not isinstance(record, Record):
            return
        where = self.where(node)
        if isinstance(record, Instance) and record.frozen and not force:
            if self.policy.runs:
                raise RaiseSignal(f"{where} raises FrozenInstanceError")
            record.opaque = record.opaque or f"{where} raises FrozenInstanceError"
            return
        if self.policy.runs:
            if self.uncertain:
                value = Unknown(f"{where} is assigned in a loop that is not followed")
            self.write(record.attrs, name, value, f"{record.kind}.{name}")
            return
        if self.skipping:
            return  # a branch that does not run
        if self.after_module(record):  # the models start from the module as it ran
            self.changed_by_functions.setdefault(id(record), f"{where} changes {record.kind}")
            return
        if scope is not record.home or (self.uncertain, self.skipping) != record.levels:
            value = Unknown(f"{where} is assigned under a condition or in a loop")
        record.attrs[name] = value

    def record_reassigned(self, record: Any, node: cst.CSTNode, scope: Scope) -> None:
        """`record.x += 1`, `del record.x` reading a file: the attribute is not known."""
        if isinstance(record, Record) and isinstance(node, cst.Attribute):
            self.record_set(record, node.attr.value,
                            Unknown(f"{self.where(node)} is changed"), node, scope)

    # -- methods ---------------------------------------------------------------------------
    def method_call(self, node: cst.Call, scope: Scope, method: Method, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        receiver, name = method.receiver, method.name
        if method.function is not None:
            if self.policy.runs:
                return self.call_function(method.function, [receiver, *positional], keywords)  # type: ignore[attr-defined]
            self.taint_records(node, [receiver, *positional, *keywords.values()])
            return Unknown(f"the method call {self.where(node)} is not followed when reading "
                           f"the file")
        value = self.parser_method(node, scope, receiver, name, positional, keywords)
        if value is not NotImplemented:
            return value
        if isinstance(receiver, AttrsView):
            return self.attrs_method(node, scope, receiver, name, positional, keywords)
        if isinstance(receiver, NamedTupleValue):
            fields = receiver.fields
            if name == "_asdict" and not positional and not keywords:
                return dict(zip(fields, receiver))
            if name == "_replace" and not positional and set(keywords) <= set(fields):
                return receiver.remade(keywords.get(f, v) for f, v in zip(fields, receiver))
        return Unknown(f"`{self.code(node.func)}()` ({self.place(node)}) is not modelled")

    def attrs_method(self, node: cst.Call, scope: Scope, view: AttrsView, name: str,
                     positional: List[Any], keywords: Dict[str, Any]) -> Any:
        record = view.record
        if record.opaque is not None:
            return Unknown(record.opaque)
        if name in DICT_READERS:
            return self.dict_read(record.attrs, name, positional, keywords)
        if name == "update" and len(positional) <= 1:
            items = dict(keywords)
            if positional:
                first = positional[0]
                first = dict(first.record.attrs) if isinstance(first, AttrsView) else first
                if not isinstance(first, dict):
                    self.taint_records(node, [record])
                    return None
                items = {**first, **keywords}
            for key, value in items.items():
                if isinstance(key, str):
                    self.record_set(record, key, value, node, scope)
            return None
        self.taint_records(node, [record])
        return Unknown(f"`{self.code(node.func)}()` ({self.place(node)}) is not modelled")

    def dict_read(self, target: dict, name: str, positional: List[Any],
                  keywords: Dict[str, Any]) -> Any:
        if keywords:
            return Unknown(f"`dict.{name}()` with keywords is not modelled")
        if name == "get" and 1 <= len(positional) <= 2:
            key = positional[0]
            if isinstance(key, Unknown):
                return key
            try:
                return target.get(key, positional[1] if len(positional) > 1 else None)
            except TypeError:
                return Unknown("`dict.get()` of a key that cannot be hashed")
        if positional:
            return Unknown(f"`dict.{name}()` with these arguments is not modelled")
        if name == "copy":
            return dict(target)
        return list(getattr(target, name)())

    # -- builtins ----------------------------------------------------------------------------
    def builtin_call(self, node: cst.Call, scope: Scope, name: str, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
        args = positional
        if name.startswith("numpy."):  # evaluator.numpy_values
            value = numpy_call(name, args, keywords)
            if isinstance(value, Rounded):  # known up to rounding: say where, when it matters
                return Rounded(value.lo, value.hi, f"{self.where(node)}: {value.reason}")
            return Unknown(f"{self.where(node)}: {value.reason}") \
                if isinstance(value, Unknown) and not self.where(node) in value.reason else value
        if name == "callable" and len(args) == 1 and not keywords:
            return self.callable_value(args[0])
        if name in ("hasattr", "dir") and len(args) == (2 if name == "hasattr" else 1) \
                and not keywords and type(args[0]) in LIBRARY_OF_VALUE:  # of `torch.nn.functional`
            library = LIBRARY_OF_VALUE[type(args[0])]
            return library.has_attribute(args[0], args[1]) if name == "hasattr" and \
                isinstance(args[1], str) else AttributeNames(library, args[0])
        if name == "os.getenv" and 1 <= len(args) + len(keywords) <= 2:  # a clean environment
            return args[1] if len(args) == 2 else keywords.get("default")
        if name == "globals" and not args and not keywords:
            return NamesView(module_names(scope), "this module")
        if name == "getattr" and len(args) in (2, 3) and isinstance(args[1], str) \
                and isinstance(args[0], ProjectModule) and not keywords:
            names = args[0].loaded.names()
            if args[1] in names:
                return resolved(names[args[1]])
            return args[2] if len(args) == 3 else self.missing_attribute(node, args[1])
        if name == "vars" and len(args) == 1 and not keywords and isinstance(args[0], Record):
            return AttrsView(args[0])
        if name in ("getattr", "hasattr") and len(args) in (2, 3) and isinstance(args[1], str) \
                and isinstance(args[0], (Record, NamedTupleValue)) and not keywords:
            found = self.record_has(args[0], args[1])
            if isinstance(found, Unknown) or (name == "hasattr" and found is not True):
                return found
            if name == "hasattr":
                return True
            if found is False:
                return args[2] if len(args) == 3 else self.missing_attribute(node, args[1])
            return self.record_get(node, args[0], args[1])
        if name == "setattr" and len(args) == 3 and not keywords and isinstance(args[0], Record):
            if isinstance(args[1], str):
                self.record_set(args[0], args[1], args[2], node, scope)
            else:
                self.taint_records(node, [args[0]])
            return None
        if name == "isinstance" and len(args) == 2 and isinstance(args[1], UserClass) \
                and isinstance(args[0], (Record, NamedTupleValue)):
            cls = args[0].cls if isinstance(args[0], Instance) else args[0].owner \
                if isinstance(args[0], NamedTupleValue) else None
            return isinstance(cls, UserClass) and args[1] in self.class_mro(cls)
        if self.policy.runs:
            if name == "dict" and args and isinstance(args[0], AttrsView):
                return {**args[0].record.attrs, **keywords} if args[0].record.opaque is None \
                    else Unknown(args[0].record.opaque)
            return NotImplemented
        if name == "print":
            return None
        if name in CONVERSIONS and len(args) == 1 and not keywords:
            value = args[0]
            if isinstance(value, Unknown):
                return value
            if not isinstance(value, (int, float, str, bool)):  # (a float up to rounding)
                return Unknown(value.reason if isinstance(value, Rounded) else
                               f"`{name}()` of {what_is(value)} is not evaluated")
            if name == "int" and isinstance(value, str) and len(value) > 100:
                return Unknown("`int()` of a long string")
            try:
                return CONVERSIONS[name](value)
            except (ArithmeticError, TypeError, ValueError) as exc:
                return Unknown(f"`{name}()` raises {type(exc).__name__}")
        if name == "dict" and len(args) <= 1:
            first = args[0] if args else {}
            if isinstance(first, AttrsView):
                first = dict(first.record.attrs) if first.record.opaque is None else \
                    Unknown(first.record.opaque)
            if isinstance(first, dict):
                return {**first, **keywords}
            return first if isinstance(first, Unknown) else NotImplemented
        return NotImplemented

    def record_has(self, record: Any, name: str) -> Any:
        """True, False, or Unknown: does `record` have the attribute?"""
        if isinstance(record, NamedTupleValue):
            return name in record.fields or self.find_member(record.owner, name) is not MISSING \
                if isinstance(record.owner, UserClass) else name in record.fields
        if record.opaque is not None:
            return Unknown(record.opaque)
        if name in record.attrs or name == "__dict__":
            return True
        if isinstance(record, Instance):
            return self.find_member(record.cls, name) is not MISSING
        if isinstance(record, Namespace) and record.missing is not None:
            return Unknown(record.missing)
        return False

    def missing_attribute(self, node: cst.CSTNode, name: str) -> Any:
        if self.policy.runs:
            raise RaiseSignal(f"{self.where(node)} raises AttributeError: no attribute '{name}'")
        return Unknown(f"{self.where(node)} raises AttributeError")

    # -- the standard library ------------------------------------------------------------------
    def stdlib_call(self, node: cst.Call, scope: Scope, path: str, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        if path == "dataclasses.dataclass":
            if len(positional) == 1 and isinstance(positional[0], UserClass):
                return positional[0]  # `dataclass(C)`: the class statement made it already
            return DataclassDecorator(dict(keywords))
        if path == "dataclasses.field":
            return self.field_spec(node, scope, keywords)
        if path in ("types.SimpleNamespace", "argparse.Namespace"):
            if positional:
                return Unknown(f"`{self.code(node.func)}()` with positional arguments is not "
                               f"modelled ({self.place(node)})")
            return self.made(Namespace(path.split(".")[-1], dict(keywords)), scope)
        if path.startswith("dataclasses."):
            return self.dataclass_helper(node, scope, path.split(".")[-1], positional, keywords)
        if path == "enum.auto" and not positional and not keywords:
            return AutoValue()
        if path == "enum.unique" and len(positional) == 1 and isinstance(positional[0], UserClass):
            return positional[0]  # members' values are checked by Python, not counted here
        return self.argparse_call(node, scope, path, positional, keywords)

    def field_spec(self, node: cst.Call, scope: Scope, keywords: Dict[str, Any]) -> Any:
        factory: Any = MISSING
        if "default_factory" in keywords:
            expr = next(a.value for a in node.args if a.keyword is not None
                        and a.keyword.value == "default_factory")
            factory = keywords["default_factory"]
            if isinstance(expr, cst.Lambda) and not expr.params.params:
                factory = (expr.body, scope)
            elif isinstance(expr, cst.Name) and expr.value in ("list", "dict", "tuple", "set") \
                    and unbound(scope, expr.value):
                factory = {"list": list, "dict": dict, "tuple": tuple, "set": set}[expr.value]
        return FieldSpec(keywords.get("default", MISSING), factory,
                         keywords.get("init", True) is not False, keywords.get("kw_only"))

    def dataclass_helper(self, node: cst.Call, scope: Scope, name: str, positional: List[Any],
                         keywords: Dict[str, Any]) -> Any:
        target = positional[0] if positional else None
        if isinstance(target, Record) and target.opaque is not None:
            return Unknown(target.opaque)
        is_dataclass = isinstance(target, Instance) and "fields" in self.merged_meta(target.cls)
        if name == "is_dataclass" and len(positional) == 1:
            return is_dataclass or (isinstance(target, UserClass) and bool(self.merged_meta(target)))
        if name == "fields" and len(positional) == 1 and (is_dataclass or isinstance(target, UserClass)):
            cls = target.cls if isinstance(target, Instance) else target
            return tuple(Namespace("Field", {"name": n, "default": d.default if isinstance(
                d, FieldSpec) else d}) for n, (d, kind) in self.dataclass_fields(cls).items()
                if kind != "initvar")
        if not is_dataclass:
            return Unknown(f"{self.where(node)}: not a dataclass instance macslint knows")
        fields = [n for n, (d, kind) in self.dataclass_fields(target.cls).items() if kind != "initvar"]
        if name == "replace" and len(positional) == 1:
            changes = {n: target.attrs.get(n) for n in fields
                       if not (isinstance(self.dataclass_fields(target.cls)[n][0], FieldSpec)
                               and not self.dataclass_fields(target.cls)[n][0].init)}
            changes.update(keywords)
            return self.make_instance(node, scope, target.cls, [], changes)
        if name in ("asdict", "astuple") and len(positional) == 1 and not keywords:
            values = [(n, self.plain_copy(target.attrs.get(n), name)) for n in fields]
            return dict(values) if name == "asdict" else tuple(v for _, v in values)
        return Unknown(f"`dataclasses.{name}()` with these arguments is not modelled")

    def merged_meta(self, cls: UserClass) -> Dict[str, Any]:
        for c in self.class_mro(cls):
            if "fields" in c.meta:
                return c.meta
        return {}

    def plain_copy(self, value: Any, how: str) -> Any:
        """What `asdict` / `astuple` make of a field's value: nested dataclasses as dicts (or
        tuples), containers copied."""
        if isinstance(value, Instance) and self.merged_meta(value.cls) and value.opaque is None:
            fields = [n for n, (d, k) in self.dataclass_fields(value.cls).items() if k != "initvar"]
            items = [(n, self.plain_copy(value.attrs.get(n), how)) for n in fields]
            return dict(items) if how == "asdict" else tuple(v for _, v in items)
        if isinstance(value, NamedTupleValue):
            return value.remade(self.plain_copy(v, how) for v in value)
        if isinstance(value, (list, tuple)):
            return type(value)(self.plain_copy(v, how) for v in value)
        if isinstance(value, dict):
            return {k: self.plain_copy(v, how) for k, v in value.items()}
        return value


def bind_arguments(function: UserFunction, positional: List[Any], keywords: Dict[str, Any]
                   ) -> Tuple[Dict[str, Any], Optional[str]]:
    """The parameters of a `def` bound to a call's arguments (defaults as the `def` evaluated
    them), or why Python would refuse the call."""
    params = function.node.params
    ordered = [*params.posonly_params, *params.params]
    values: Dict[str, Any] = {}
    rest = list(positional)
    for param in ordered:
        if rest:
            values[param.name.value] = rest.pop(0)
    star = params.star_arg
    if rest:
        if not isinstance(star, cst.Param):
            return values, f"takes {len(ordered)} positional arguments but {len(positional)} were given"
        values[star.name.value] = tuple(rest)
    elif isinstance(star, cst.Param):
        values[star.name.value] = ()
    by_name = {p.name.value for p in (*params.params, *params.kwonly_params)}
    extra: Dict[str, Any] = {}
    for key, value in keywords.items():
        if key in by_name:
            if key in values:
                return values, f"got multiple values for argument '{key}'"
            values[key] = value
        elif params.star_kwarg is not None:
            extra[key] = value
        else:
            return values, f"got an unexpected keyword argument '{key}'"
    for param in (*ordered, *params.kwonly_params):
        name = param.name.value
        if name not in values:
            if param.default is None:
                return values, f"missing a required argument: '{name}'"
            values[name] = function.defaults.get(name, Unknown(f"the default of '{name}' is not known"))
    if params.star_kwarg is not None:
        values[params.star_kwarg.name.value] = dict(extra)
    return values, None


def module_names(scope: Scope) -> Dict[str, Any]:
    """The names of the module `scope` is in (`globals()`)."""
    while scope.parent is not None:
        scope = scope.parent
    return scope.origin.values
