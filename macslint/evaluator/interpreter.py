"""Find torch.nn layer constructions in source code and evaluate their arguments.

The only module that knows libcst.  It walks a module the way Python would run it, in
order, keeping abstract values for names: constants, tuples, torch modules and layer
classes.  Anything it cannot compute is an `Unknown` with the reason, and only what
depends on it is unknown.  Function bodies run once with their parameters unknown.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from ..costmodel import LAYERS, LayerError, LayerSpec

from .values import ProjectModule, Unknown
from ..results.sites import LayerSite, first_unknown

# torch.nn names that are containers or helpers, not layers to cost.
NOT_LAYERS = frozenset({
    "Module", "Sequential", "ModuleList", "ModuleDict", "Parameter", "ParameterList",
    "ParameterDict", "Buffer", "UninitializedParameter", "UninitializedBuffer",
})
MAX_SEQUENCE = 100_000  # longest tuple/str we build by `*`
MAX_INT_BITS = 4096  # larger ints are not model sizes


@dataclass(frozen=True)
class ModuleRef:
    """A torch module (or non-layer attribute of one), known by its dotted path."""

    path: str


@dataclass(frozen=True)
class LayerClass:
    spec: LayerSpec

    def __repr__(self) -> str:  # messages show values (`kernel_size must be an int, got ...`)
        return f"<class 'torch.nn.{self.spec.name}'>"


@dataclass(frozen=True)
class UserObject:
    """A function or class defined in the file: known to exist, not a torch layer."""

    kind: str
    name: str


class UserFunction(UserObject):
    """A `def` of the file, with what a call needs to run it: its node and defining scope, and
    its parameter defaults as evaluated when the `def` ran (once, as Python does)."""

    def __init__(self, name: str, node: cst.FunctionDef, scope: "Scope",
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

    def __init__(self, name: str, node: cst.ClassDef, scope: "Scope", bases: Tuple[Any, ...],
                 body: "Scope") -> None:
        object.__setattr__(self, "kind", "class")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "bases", bases)
        object.__setattr__(self, "body", body)

    __eq__ = object.__eq__
    __hash__ = object.__hash__


@dataclass(frozen=True)
class PyBuiltin:
    """A Python builtin or standard-library callable (`range`, `collections.OrderedDict`)."""

    name: str


class Partial:
    """`functools.partial(f, *args, **kwargs)`: calling it calls f with those first."""

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


# Standard-library names model code builds sizes and containers with.
STDLIB_HELPERS = {
    "collections": frozenset({"OrderedDict"}),
    "math": frozenset({"ceil", "floor", "sqrt", "prod", "gcd", "log2", "log", "exp", "pow",
                       "isqrt", "pi", "e", "inf"}),
    "functools": frozenset({"partial", "reduce"}),
    "operator": frozenset({"mul", "add"}),
    "typing": frozenset({"cast"}),
}


def resolve_torch_path(path: str) -> Any:
    """The value of a dotted torch name: a layer class or a module reference."""
    parts = path.split(".")
    name = parts[-1]
    spec = LAYERS.get(name)
    if spec is not None:
        prefix = parts[:-1]
        if prefix in (["torch", "nn"], ["torch", "nn", "modules"],
                      ["torch", "nn", "modules", spec.module]):
            return LayerClass(spec)
    return ModuleRef(path)


def is_uncatalogued_layer(ref: ModuleRef) -> bool:
    parts = ref.path.split(".")
    return (
        len(parts) >= 3 and parts[:2] == ["torch", "nn"]
        and (len(parts) == 3 or parts[2] == "modules")
        and parts[-1][:1].isupper() and parts[-1] not in NOT_LAYERS
    )


# ---------------------------------------------------------------------------
# Scopes


class Scope:
    """Names bound in one scope, in program order."""

    def __init__(self, kind: str, parent: Optional["Scope"], local_names: Set[str] = frozenset(),
                 deferred: bool = False):
        self.kind = kind  # "module", "class", "function"
        self.parent = parent
        self.values: Dict[str, Any] = {}
        self.local_names = set(local_names)  # function: every name assigned in its body
        # A function body runs after its definition: it sees the final bindings of the
        # scopes around it, never a branch's copy of them.
        self.deferred = deferred
        self.origin: Scope = self  # a fork (one branch's copy) points at the scope it copies
        self.rebound: Set[str] = set()  # names bound to more than one value
        # Names a function nested in this one may rebind (`nonlocal`) in calls the file's walk
        # does not follow: never known here.
        self.volatile: Set[str] = set()

    def lookup(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if self.kind == "function" and name in self.local_names:
            return Unknown(f"'{name}' is not assigned on every path before this line")
        parent = self.parent
        # Class bodies are not visible from the functions nested in them.
        while parent is not None and parent.kind == "class" and self.kind == "function":
            parent = parent.parent
        if parent is None:
            return Unknown(f"'{name}' is not defined in this file")
        return (parent.origin if self.deferred else parent).lookup(name)

    def settle(self) -> None:
        """End of the scope's run: what later-running functions may rely on."""
        for name in self.rebound:
            self.values[name] = Unknown(f"'{name}' is bound to different values in this file")


# ---------------------------------------------------------------------------
# Helpers on syntax


def _assigned_names(target: cst.BaseExpression) -> Iterable[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _assigned_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _assigned_names(target.value)


class _LocalNames:
    """Names a block binds, not descending into nested scopes.

    A walk of its own rather than a libcst visitor: `node.visit` rebuilds every node it
    passes (1.5 s of a 14 s run on torchvision/models went there)."""

    def __init__(self) -> None:
        self.names: Set[str] = set()
        self.declared: Set[str] = set()  # global / nonlocal

    def collect(self, root: cst.CSTNode) -> None:
        names, declared = self.names, self.declared
        stack = [root]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in _NEW_SCOPES:
                if kind is cst.FunctionDef or kind is cst.ClassDef:
                    names.add(node.name.value)
                continue  # a nested scope binds its own names
            if kind in _BINDING_TARGETS:
                names.update(_assigned_names(getattr(node, _BINDING_TARGETS[kind])))
            elif kind is cst.Import:
                names.update(_dotted(a.name).split(".")[0] for a in node.names if a.asname is None)
            elif kind is cst.ImportFrom:
                if not isinstance(node.names, cst.ImportStar):
                    names.update(_dotted(a.name) for a in node.names if a.asname is None)
            elif kind is cst.Global or kind is cst.Nonlocal:
                declared.update(n.name.value for n in node.names)
            elif (kind is cst.MatchAs or kind is cst.MatchStar) and node.name is not None:
                names.add(node.name.value)
            stack.extend(_children(node))


# Node types that start a scope of their own, and those that bind the names in one field.
_NEW_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp,
                         cst.DictComp, cst.GeneratorExp})
_BINDING_TARGETS = {cst.AssignTarget: "target", cst.AnnAssign: "target",
                    cst.AugAssign: "target", cst.For: "target", cst.AsName: "name",
                    cst.NamedExpr: "target", cst.Del: "target"}
# Node types that hold nothing binding: whitespace, tokens, operators, leaves.
_INERT = (cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace,
          cst.Newline, cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
          cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma, cst.Dot,
          cst.Colon, cst.Semicolon, cst.AssignEqual, cst.ImportStar, cst.BaseBinaryOp,
          cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.Name,
          cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)
# type -> the names of its fields that may hold nodes worth walking
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _children(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """The node's child nodes (in no particular order), leaving out inert ones."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = (() if issubclass(kind, _INERT)
                                        else tuple(kind.__dataclass_fields__))
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif type(value) is tuple or type(value) is list:
            yield from (item for item in value if isinstance(item, cst.CSTNode))


def _declared_names(root: cst.CSTNode, statement: type) -> Set[str]:
    """The names a `global` (or `nonlocal`) statement declares anywhere below `root`, nested
    functions included."""
    names: Set[str] = set()
    stack: List[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if type(node) is statement:
            names.update(n.name.value for n in node.names)
        stack.extend(_children(node))
    return names


_MISSING = object()

# (interpreter class, "eval_" or "stmt_", node type) -> the method handling it, or None
_HANDLERS: Dict[Tuple[type, str, type], Optional[Callable]] = {}


def _handler(owner: type, prefix: str, kind: type) -> Optional[Callable]:
    key = (owner, prefix, kind)
    try:
        return _HANDLERS[key]
    except KeyError:
        method = _HANDLERS[key] = getattr(owner, prefix + kind.__name__, None)
        return method

# literal text -> its value: libcst computes `evaluated_value` with ast.literal_eval (a compile)
# on every call, and the same literals are evaluated for every model and loop pass.
_LITERALS: Dict[str, Any] = {}


def _literal(node: Union[cst.Integer, cst.Float, cst.SimpleString]) -> Any:
    value = _LITERALS.get(node.value, _MISSING)
    if value is _MISSING:
        if len(_LITERALS) >= 100_000:
            _LITERALS.clear()
        value = _LITERALS[node.value] = node.evaluated_value
    return value


# Node ids -> the names those nodes bind. libcst nodes are immutable, and this walk is the
# costliest part of evaluating code (a loop body or function body would be walked again on
# every pass or call). Entries hold their nodes so the ids stay theirs; the table is emptied
# when full so a long-running process does not keep every tree alive.
_BOUND_NAMES: Dict[Tuple[int, ...], Tuple[Tuple[cst.CSTNode, ...], _LocalNames]] = {}
_BOUND_NAMES_MAX = 50_000


def _names_bound_in(nodes: Sequence[cst.CSTNode]) -> _LocalNames:
    """What the nodes bind (read-only: the result is shared)."""
    key = tuple(id(node) for node in nodes)
    hit = _BOUND_NAMES.get(key)
    if hit is not None:
        return hit[1]
    collector = _LocalNames()
    for node in nodes:
        collector.collect(node)
    collector.names = frozenset(collector.names)  # type: ignore[assignment]
    collector.declared = frozenset(collector.declared)  # type: ignore[assignment]
    if len(_BOUND_NAMES) >= _BOUND_NAMES_MAX:
        _BOUND_NAMES.clear()
    _BOUND_NAMES[key] = (tuple(nodes), collector)
    return collector


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


_BINARY: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
    cst.Divide: operator.truediv, cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod,
    cst.Power: operator.pow, cst.LeftShift: operator.lshift, cst.RightShift: operator.rshift,
    cst.BitAnd: operator.and_, cst.BitOr: operator.or_, cst.BitXor: operator.xor,
}
_COMPARE: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge, cst.Is: operator.is_, cst.IsNot: operator.is_not,
    cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b,
}
_PLAIN = (int, float, str, bool, type(None), tuple, list, dict)


def _too_big(op: type, left: Any, right: Any) -> bool:
    """Would this operation build a value no model code needs (and that costs time)?"""
    if op is cst.Power and isinstance(left, int) and isinstance(right, int):
        return abs(left) > 1 and right * max(abs(left).bit_length(), 1) > MAX_INT_BITS
    if op is cst.LeftShift and isinstance(right, int):
        return right > MAX_INT_BITS
    if op is cst.Multiply:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, tuple, list)) and isinstance(count, int):
                return len(seq) * count > MAX_SEQUENCE
    if op is cst.Add and isinstance(left, (str, tuple, list)) and isinstance(right, (str, tuple, list)):
        return len(left) + len(right) > MAX_SEQUENCE
    return False


def _lists_in(value: Any) -> Iterable[Any]:
    """The mutable containers (lists, dicts) in a value."""
    if isinstance(value, (list, dict)):
        yield value
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _lists_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lists_in(item)


def _holds(value: Any, target: Any) -> bool:
    if value is target:
        return True
    if isinstance(value, dict):
        return any(_holds(v, target) for v in value.values())
    return isinstance(value, (list, tuple)) and any(_holds(v, target) for v in value)


# ---------------------------------------------------------------------------
# The interpreter


class Interpreter:
    def __init__(self, module: cst.Module, source: str, positions: Any, loader: Any = None,
                 path: Any = None, display: Optional[str] = None) -> None:
        self.module = module
        self.source = source
        self.positions = positions
        self.loader = loader  # project.ProjectLoader: the project files this one imports
        self.path = path  # this file, for relative imports
        self.display = display  # how sites of this file are named when another file uses them
        self.sites: Dict[int, LayerSite] = {}
        self.pending_functions: List[Tuple[cst.CSTNode, Scope]] = []
        self.classes: List["UserClass"] = []  # every class statement run, in order
        self.module_scope: Optional[Scope] = None
        self.uncertain = 0  # in a loop body or a `try` body: it may run any number of times
        # Calls that may run code of the file while the module runs, and each `def` with the
        # count when it ran: a later call may change its mutable defaults in place.
        self.user_calls = 0
        self.functions: List[Tuple[UserFunction, int]] = []
        self.skipping = 0  # inside the branch a known condition skips: it changes nothing

    # -- entry point ------------------------------------------------------
    def run(self, walk_functions: bool = True) -> List[LayerSite]:
        """Walk the module, then (unless `walk_functions` is false: a file read for its
        names only) every function body for the layers built in it."""
        scope = self.module_scope = Scope("module", None)
        self.walk_block(self.module.body, scope)
        # What the model tracer starts from: the module as it stands after running (the last
        # value of each name), before anything below makes names unknown for function bodies
        # that could run at any time.
        self.module_snapshot = dict(scope.values)
        self.class_snapshots = {id(cls): dict(cls.body.values) for cls in self.classes}
        for function, calls in self.functions:
            if calls < self.user_calls:  # the file's walk does not follow that call
                for name, value in function.defaults.items():
                    if any(True for _ in _lists_in(value)):
                        function.defaults[name] = Unknown(
                            f"the default of '{name}' may be changed in place by a call "
                            f"that runs after `def {function.name}`")
        # Function bodies run after the module has run: they see its final bindings, and
        # nothing they can rely on for a name the module (or a `global`) binds to several values.
        scope.rebound |= self.global_names()
        scope.settle()
        while self.pending_functions and walk_functions:
            node, parent = self.pending_functions.pop(0)
            self.walk_function(node, parent)
        return sorted(self.sites.values(), key=lambda s: (s.line, s.col))

    def global_names(self) -> Set[str]:
        if "global" not in self.source:
            return set()
        return _declared_names(self.module, cst.Global)

    # -- binding ----------------------------------------------------------
    def bind(self, scope: Scope, name: str, value: Any) -> None:
        if name in scope.volatile:
            value = Unknown(f"'{name}' may be rebound by a function nested in this one "
                            f"(`nonlocal {name}`)")
        if name in scope.values and not _same(scope.values[name], value):
            scope.origin.rebound.add(name)
        scope.values[name] = value

    def mutated(self, scope: Scope, value: Any) -> None:
        """`value` may have been changed in place: forget every name whose value holds one of
        its lists (aliases included), in this scope and the ones around it."""
        lists = [v for v in _lists_in(value)]
        if not lists:
            return
        current: Optional[Scope] = scope
        while current is not None:
            for target in {id(current): current, id(current.origin): current.origin}.values():
                for name, held in list(target.values.items()):
                    if any(_holds(held, lst) for lst in lists):
                        kind = "dict" if isinstance(held, dict) else "list"
                        target.values[name] = Unknown(f"'{name}' is a {kind} changed in place")
                        target.rebound.add(name)
            current = current.parent

    def bind_target(self, scope: Scope, target: cst.BaseExpression, value: Any) -> None:
        if isinstance(target, cst.Name):
            self.bind(scope, target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            starred = any(isinstance(e, cst.StarredElement) for e in elements)
            if (isinstance(value, (tuple, list)) and not starred
                    and len(value) == len(elements)):
                for element, item in zip(elements, value):
                    self.bind_target(scope, element.value, item)
            else:
                reason = value if isinstance(value, Unknown) else Unknown(
                    "unpacked from a value of unknown length")
                for name in _assigned_names(target):
                    self.bind(scope, name, reason)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(scope, target.value, Unknown("starred unpacking"))
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, UserClass):
                self.set_class_attribute(scope, owner, target.attr.value, value)
            else:
                self.mutated(scope, owner)
        else:
            self.mutate_target(target, scope)

    def mutate_target(self, target: cst.BaseExpression, scope: Scope) -> None:
        """`x[i] = ...`, `x.a = ...`, `del x[i]`: evaluate the parts once (for layer calls in
        them) and forget the lists they change."""
        if isinstance(target, cst.Subscript):
            self.mutated(scope, self.eval(target.value, scope))
            for element in target.slice:
                self.eval_children(element, scope)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, UserClass):  # `Cfg.width += 8`, `del Cfg.width`
                self.set_class_attribute(scope, owner, target.attr.value,
                                         Unknown(f"'{owner.name}.{target.attr.value}' is changed"))
            self.mutated(scope, owner)
        else:
            self.eval_children(target, scope)

    def set_class_attribute(self, scope: Scope, cls: "UserClass", name: str, value: Any) -> None:
        """`Cfg.width = 16` as the module runs (what the models start from): known only where it
        certainly runs (not in a branch of a condition that is not known, nor in a loop).
        Function bodies are walked after the models' snapshot, and run by the tracer."""
        if self.skipping or scope.kind == "function":
            return
        if scope is not scope.origin or self.uncertain:
            value = Unknown(f"'{cls.name}.{name}' is assigned under a condition or in a loop")
        cls.body.values[name] = value

    def invalidate(self, scope: Scope, names: Iterable[str], why: str) -> None:
        for name in names:
            self.bind(scope, name, Unknown(f"'{name}' {why}"))

    # -- statements -------------------------------------------------------
    def walk_block(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            self.walk_stmt(stmt, scope)

    def walk_body(self, node: cst.BaseSuite, scope: Scope) -> None:
        self.walk_block(node.body, scope)

    def walk_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        method = _handler(type(self), "stmt_", type(stmt))
        if method is not None:
            method(self, stmt, scope)
        else:
            self.eval_children(stmt, scope)

    def stmt_SimpleStatementLine(self, stmt: cst.SimpleStatementLine, scope: Scope) -> None:
        self.walk_block(stmt.body, scope)

    stmt_SimpleStatementSuite = stmt_SimpleStatementLine
    stmt_IndentedBlock = stmt_SimpleStatementLine

    def stmt_Assign(self, stmt: cst.Assign, scope: Scope) -> None:
        value = self.eval(stmt.value, scope)
        for target in stmt.targets:
            self.bind_target(scope, target.target, value)

    def stmt_AnnAssign(self, stmt: cst.AnnAssign, scope: Scope) -> None:
        self.eval(stmt.annotation.annotation, scope)
        if stmt.value is not None:
            self.bind_target(scope, stmt.target, self.eval(stmt.value, scope))

    def stmt_AugAssign(self, stmt: cst.AugAssign, scope: Scope) -> None:
        right = self.eval(stmt.value, scope)
        if isinstance(stmt.target, cst.Name):
            op = type(stmt.operator).__name__.replace("Assign", "")
            left = scope.lookup(stmt.target.value)
            value = self.binary(getattr(cst, op, None), left, right)
            self.mutated(scope, left)  # `+=` changes a list in place, under every alias
            self.bind(scope, stmt.target.value, value)
        else:
            self.mutate_target(stmt.target, scope)

    def stmt_Del(self, stmt: cst.Del, scope: Scope) -> None:
        targets = ([e.value for e in stmt.target.elements]
                   if isinstance(stmt.target, (cst.Tuple, cst.List)) else [stmt.target])
        for target in targets:
            if not isinstance(target, cst.Name):
                self.mutate_target(target, scope)
        self.invalidate(scope, _assigned_names(stmt.target), "was deleted")

    def stmt_Import(self, stmt: cst.Import, scope: Scope) -> None:
        for alias in stmt.names:
            path = _dotted(alias.name)
            if alias.asname is not None:
                name = _dotted(alias.asname.name)
                value = resolve_torch_path(path) if path.split(".")[0] == "torch" else \
                    PyModule(path) if path in STDLIB_HELPERS else \
                    self.project_module(path) or \
                    Unknown(f"'{name}' is the module {path}, not torch")
            else:
                name = path.split(".")[0]
                value = ModuleRef("torch") if name == "torch" else \
                    PyModule(name) if path in STDLIB_HELPERS else \
                    Unknown(f"'{name}' is a module other than torch")
            self.bind(scope, name, value)

    def stmt_ImportFrom(self, stmt: cst.ImportFrom, scope: Scope) -> None:
        source = _dotted(stmt.module) if stmt.module is not None else ""
        from_torch = not stmt.relative and source.split(".")[0] == "torch"
        if isinstance(stmt.names, cst.ImportStar):
            if from_torch:
                for name in LAYERS:
                    value = resolve_torch_path(f"{source}.{name}")
                    if isinstance(value, LayerClass):
                        self.bind(scope, name, value)
            return
        for alias in stmt.names:
            name = _dotted(alias.name)
            local = _dotted(alias.asname.name) if alias.asname is not None else name
            if from_torch:
                self.bind(scope, local, resolve_torch_path(f"{source}.{name}"))
            elif not stmt.relative and name in STDLIB_HELPERS.get(source, ()):
                self.bind(scope, local, PyBuiltin(f"{source}.{name}"))
            else:
                self.bind(scope, local, self.project_import(source, len(stmt.relative), name))

    def project_import(self, source: str, level: int, name: str) -> Any:
        """`from <source> import <name>`: read from <source> when it is a file of the analysed
        project, the first time the name is used (importing is cheap, reading is not)."""
        if self.loader is None or self.path is None:
            return Unknown(f"'{name}' is imported from {'.' * level + source}")
        return LazyImport(self, source, level, name)

    def project_module(self, path: str) -> Any:
        """`import blocks as b`, `import pkg.blocks as b`: the project file, or None."""
        if self.loader is None or self.path is None or self.loader.find(path, 0, self.path) is None:
            return None
        parent, _, leaf = path.rpartition(".")
        return self.project_import(parent, 0, leaf)

    def resolve_import(self, source: str, level: int, name: str) -> Any:
        found, value = self.loader.import_name(source, level, name, self.path)
        if not found:
            return Unknown(f"'{name}' is imported from {'.' * level + source}")
        return _resolved(value)

    def stmt_Global(self, stmt: cst.CSTNode, scope: Scope) -> None:
        return None

    stmt_Nonlocal = stmt_Global

    def stmt_FunctionDef(self, stmt: cst.FunctionDef, scope: Scope) -> None:
        for decorator in stmt.decorators:
            self.eval(decorator.decorator, scope)
        defaults = self.eval_parameters(stmt.params, scope)
        if stmt.returns is not None:
            self.eval(stmt.returns.annotation, scope)
        function = UserFunction(stmt.name.value, stmt, scope.origin, defaults)
        self.defined(function)
        self.bind(scope, stmt.name.value, function)
        self.pending_functions.append((stmt, scope.origin))

    def defined(self, function: UserFunction) -> None:
        self.functions.append((function, self.user_calls))

    def stmt_ClassDef(self, stmt: cst.ClassDef, scope: Scope) -> None:
        for decorator in stmt.decorators:
            self.eval(decorator.decorator, scope)
        bases = tuple(self.eval(arg.value, scope) for arg in stmt.bases)
        for arg in stmt.keywords:
            self.eval(arg.value, scope)
        body_scope = Scope("class", scope)
        self.walk_body(stmt.body, body_scope)
        value = UserClass(stmt.name.value, stmt, scope.origin, bases, body_scope)
        self.classes.append(value)
        self.bind(scope, stmt.name.value, value)

    def stmt_If(self, stmt: cst.If, scope: Scope) -> None:
        test = self.eval(stmt.test, scope)
        branches: List[Callable[[Scope], None]] = [lambda s: self.walk_body(stmt.body, s)]
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            branches.append(lambda s: self.stmt_If(orelse, s))
        elif isinstance(orelse, cst.Else):
            branches.append(lambda s: self.walk_body(orelse.body, s))
        else:
            branches.append(lambda s: None)
        if not isinstance(test, Unknown) and isinstance(test, _PLAIN):
            # A known condition: only the branch Python takes runs.  The other one is
            # still read for layer constructions, with its bindings thrown away.
            taken, skipped = (branches[0], branches[1]) if test else (branches[1], branches[0])
            self.skipping += 1
            try:
                skipped(self.fork(scope))
            finally:
                self.skipping -= 1
            taken(scope)
            return
        self.run_branches(scope, branches)

    def fork(self, scope: Scope) -> Scope:
        copy = Scope(scope.kind, scope.parent, scope.local_names, scope.deferred)
        copy.volatile = scope.volatile
        copy.values = dict(scope.values)
        copy.origin = scope.origin
        return copy

    def run_branches(self, scope: Scope, branches: Sequence[Callable[[Scope], None]]) -> None:
        """Run alternative blocks from the same state; a name keeps a value after them only
        if every branch leaves it with that same value."""
        outcomes = []
        for branch in branches:
            fork = self.fork(scope)
            branch(fork)
            outcomes.append(fork.values)
        names = set().union(*outcomes)
        for name in names:
            values = [o.get(name, _MISSING) for o in outcomes]
            first = values[0]
            if all(v is not _MISSING and _same(v, first) for v in values):
                self.bind(scope, name, first)
            elif name in scope.values or any(v is not _MISSING for v in values):
                self.bind(scope, name, Unknown(f"'{name}' depends on which branch ran"))

    def loop(self, scope: Scope, body: Sequence[cst.CSTNode], run: Callable[[], None]) -> None:
        # The body may run any number of times: what it assigns is unknown in it and after.
        self.invalidate(scope, _names_bound_in(body).names, "changes in a loop")
        self.uncertain += 1
        try:
            run()
        finally:
            self.uncertain -= 1
        self.invalidate(scope, _names_bound_in(body).names, "changes in a loop")

    def stmt_For(self, stmt: cst.For, scope: Scope) -> None:
        self.eval(stmt.iter, scope)

        def run() -> None:
            self.invalidate(scope, _assigned_names(stmt.target), "is a loop variable")
            self.walk_body(stmt.body, scope)

        self.loop(scope, [stmt.body], run)
        self.invalidate(scope, _assigned_names(stmt.target), "is a loop variable")
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)

    def stmt_While(self, stmt: cst.While, scope: Scope) -> None:
        def run() -> None:
            self.eval(stmt.test, scope)
            self.walk_body(stmt.body, scope)

        self.loop(scope, [stmt.body], run)
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)

    def stmt_Try(self, stmt: cst.Try, scope: Scope) -> None:
        # Any statement of the body may be the one that raised: what it binds is unknown
        # in the handlers and after the whole statement.
        blocks: List[cst.CSTNode] = [stmt.body, *stmt.handlers]
        if stmt.orelse is not None:
            blocks.append(stmt.orelse)
        bound = _names_bound_in(blocks).names
        self.uncertain += 1  # it may stop at any statement
        try:
            self.walk_body(stmt.body, scope)
        finally:
            self.uncertain -= 1
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)
        for handler in stmt.handlers:
            fork = self.fork(scope)
            self.invalidate(fork, bound, "may or may not be assigned when an exception is caught")
            if handler.type is not None:
                self.eval(handler.type, fork)
            self.walk_body(handler.body, fork)
        self.invalidate(scope, bound, "depends on whether an exception was raised")
        if stmt.finalbody is not None:
            self.walk_body(stmt.finalbody.body, scope)

    stmt_TryStar = stmt_Try

    def stmt_With(self, stmt: cst.With, scope: Scope) -> None:
        for item in stmt.items:
            self.eval(item.item, scope)
            if item.asname is not None:
                self.bind_target(scope, item.asname.name, Unknown("bound by a with statement"))
        self.walk_body(stmt.body, scope)

    def stmt_Match(self, stmt: cst.CSTNode, scope: Scope) -> None:
        self.eval(stmt.subject, scope)  # type: ignore[attr-defined]
        cases = stmt.cases  # type: ignore[attr-defined]
        branches = [lambda s, c=c: self.walk_match_case(c, s) for c in cases]
        branches.append(lambda s: None)
        self.run_branches(scope, branches)

    def walk_match_case(self, case: cst.CSTNode, scope: Scope) -> None:
        self.invalidate(scope, _names_bound_in([case.pattern]).names, "is bound by a pattern")
        if case.guard is not None:
            self.eval(case.guard, scope)
        self.walk_body(case.body, scope)

    def function_locals(self, node: cst.FunctionDef) -> Set[str]:
        """The names local to a function: its parameters and what its body binds, except
        `global` / `nonlocal` names (the body's walk is cached, see _names_bound_in)."""
        collected = _names_bound_in([node.body])
        return (collected.names | self.param_names(node.params)) - collected.declared

    def walk_function(self, node: cst.FunctionDef, parent: Scope) -> None:
        scope = Scope("function", parent, self.function_locals(node), deferred=True)
        if "nonlocal" in self.source:
            scope.volatile = _declared_names(node.body, cst.Nonlocal) & scope.local_names
        for name in self.param_names(node.params):
            scope.values[name] = Unknown(f"'{name}' is a parameter of {node.name.value}()")
        self.walk_body(node.body, scope)
        scope.settle()  # what the functions nested in it, which run later, may rely on

    # -- expressions ------------------------------------------------------
    def eval_children(self, node: cst.CSTNode, scope: Scope) -> None:
        """Evaluate every expression below an unmodelled node, for the layer calls in it."""
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.eval(child, scope)
            elif isinstance(child, (cst.BaseStatement, cst.BaseSmallStatement)):
                self.walk_stmt(child, scope)
            else:
                self.eval_children(child, scope)

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Any:
        method = _handler(type(self), "eval_", type(node))
        if method is None:
            self.eval_children(node, scope)
            return Unknown(f"`{self.code(node)}` is not evaluated")
        return method(self, node, scope)

    def code(self, node: cst.CSTNode, limit: int = 40) -> str:
        # Memoized: libcst generates a node's code anew on each call, and models evaluate the
        # same nodes again and again (2.1 s of 18 s on torchvision/models before).
        memo = _CODE.get(id(node))
        if memo is None or memo[0] is not node:
            if len(_CODE) >= _CODE_SIZE:
                _CODE.clear()
            memo = _CODE[id(node)] = (node, " ".join(self.module.code_for_node(node).split()))
        text = memo[1]
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def eval_Integer(self, node: cst.Integer, scope: Scope) -> Any:
        return _literal(node)

    def eval_Float(self, node: cst.Float, scope: Scope) -> Any:
        return _literal(node)

    def eval_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Any:
        value = _literal(node)
        return value if isinstance(value, str) else Unknown("a bytes literal")

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return Unknown("a string that is not constant")

    def eval_FormattedString(self, node: cst.FormattedString, scope: Scope) -> Any:
        self.eval_children(node, scope)
        return Unknown("an f-string")

    def eval_Name(self, node: cst.Name, scope: Scope) -> Any:
        name = node.value
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        return _resolved(scope.lookup(name))

    def eval_Attribute(self, node: cst.Attribute, scope: Scope) -> Any:
        return self.attribute(node, self.eval(node.value, scope))

    def attribute(self, node: cst.Attribute, base: Any) -> Any:
        if isinstance(base, ModuleRef):
            return resolve_torch_path(f"{base.path}.{node.attr.value}")
        if isinstance(base, ProjectModule):
            names = base.loaded.names()
            return _resolved(names.get(node.attr.value, Unknown(
                f"`{self.code(node)}` is not defined in {base.loaded.display}")))
        if isinstance(base, PyModule) and node.attr.value in STDLIB_HELPERS[base.name]:
            if base.name == "math" and node.attr.value in ("pi", "e", "inf"):
                return getattr(math, node.attr.value)
            return PyBuiltin(f"{base.name}.{node.attr.value}")
        if isinstance(base, Unknown):
            return Unknown(base.reason)
        return Unknown(f"attribute `{self.code(node)}` is not evaluated")

    def eval_Tuple(self, node: cst.Tuple, scope: Scope) -> Any:
        return self.eval_elements(node.elements, scope, tuple)

    def eval_List(self, node: cst.List, scope: Scope) -> Any:
        return self.eval_elements(node.elements, scope, list)

    def eval_elements(self, elements: Sequence[cst.BaseElement], scope: Scope, make: type) -> Any:
        items: List[Any] = []
        unknown: Optional[Unknown] = None
        for element in elements:
            value = self.eval(element.value, scope)
            if isinstance(element, cst.StarredElement):
                if isinstance(value, (tuple, list)):
                    items.extend(value)
                    continue
                value = value if isinstance(value, Unknown) else Unknown("a starred element")
            unknown = unknown or first_unknown(value)
            items.append(value)
        if unknown is not None:
            return Unknown(unknown.reason)
        if len(items) > MAX_SEQUENCE:
            return Unknown("a sequence too long to evaluate")
        return make(items)

    def eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Any:
        return self.unary(node, self.eval(node.expression, scope))

    def unary(self, node: cst.UnaryOperation, value: Any) -> Any:
        """`node`'s operator on its operand's `value` (evaluated once: evaluating it again at
        each level of `- - - x` takes 2**depth steps)."""
        if isinstance(value, Unknown):
            return value
        op = {cst.Minus: operator.neg, cst.Plus: operator.pos, cst.BitInvert: operator.invert,
              cst.Not: operator.not_}[type(node.operator)]
        return self.apply(op, value)

    def eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        return self.binary(type(node.operator), left, right)

    def binary(self, op: Optional[type], left: Any, right: Any) -> Any:
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        function = _BINARY.get(op) if op is not None else None
        if function is None:
            return Unknown("an operator that is not evaluated")
        if _too_big(op, left, right):
            return Unknown("a value too large to evaluate")
        if op is cst.Modulo and isinstance(left, str):
            return Unknown("`%` formatting of a string is not evaluated")
        result = self.apply(function, left, right)
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            return Unknown("a value too large to evaluate")
        return result

    def apply(self, function: Callable[..., Any], *values: Any) -> Any:
        if not all(isinstance(v, _PLAIN) for v in values):
            return Unknown("an operation on values that are not plain constants")
        try:
            return function(*values)
        except (ArithmeticError, TypeError, ValueError) as exc:
            return Unknown(f"the expression raises {type(exc).__name__}")

    def eval_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)  # read for layer calls either way
        if isinstance(left, Unknown) or not isinstance(left, _PLAIN):
            return Unknown("a condition that is not constant")
        if isinstance(node.operator, cst.And):
            return right if left else left
        return left if left else right

    def eval_Comparison(self, node: cst.Comparison, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            if result is True:
                outcome = self.binary_compare(type(target.operator), left, right)
                result = outcome if isinstance(outcome, Unknown) or not outcome else True
            left = right
        return result

    def binary_compare(self, op: type, left: Any, right: Any) -> Any:
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        if op in (cst.Is, cst.IsNot) and not (left is None or right is None):
            return Unknown("an identity test on values that are not None")
        return self.apply(_COMPARE[op], left, right)

    def eval_IfExp(self, node: cst.IfExp, scope: Scope) -> Any:
        test = self.eval(node.test, scope)
        body, orelse = self.eval(node.body, scope), self.eval(node.orelse, scope)
        if isinstance(test, Unknown) or not isinstance(test, _PLAIN):
            return body if _same(body, orelse) else Unknown("a condition that is not constant")
        return body if test else orelse

    def eval_Dict(self, node: cst.Dict, scope: Scope) -> Any:
        result: Dict[Any, Any] = {}
        unknown: Optional[Unknown] = None
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.eval(element.value, scope)
                if isinstance(value, dict):
                    result.update(value)
                else:
                    unknown = unknown or Unknown("a `**` entry of a dict")
                continue
            key = self.eval(element.key, scope)
            value = self.eval(element.value, scope)
            if isinstance(key, (str, int, bool, type(None), tuple)) and first_unknown(key) is None:
                result[key] = value
            else:
                unknown = unknown or Unknown("a dict key that is not known")
        return unknown if unknown is not None else result

    def eval_Subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        base = self.eval(node.value, scope)
        keys = []
        for element in node.slice:
            index = element.slice
            if isinstance(index, cst.Index):
                keys.append(self.eval(index.value, scope))
            else:
                parts = [self.eval(p, scope) if p is not None else None
                         for p in (index.lower, index.upper, index.step)]
                keys.append(Unknown("a slice bound") if any(isinstance(p, Unknown) for p in parts)
                            else slice(*parts))
        if isinstance(base, Unknown):
            return base
        if len(keys) != 1 or isinstance(keys[0], Unknown):
            return keys[0] if keys and isinstance(keys[0], Unknown) else \
                Unknown(f"`{self.code(node)}` is not evaluated")
        if not isinstance(base, (tuple, list, str, dict)):
            return Unknown(f"`{self.code(node)}` is not evaluated")
        try:
            return base[keys[0]]
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            return Unknown(f"the subscript raises {type(exc).__name__}")

    def eval_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.bind_target(scope, node.target, value)
        return value

    def eval_Lambda(self, node: cst.Lambda, scope: Scope) -> Any:
        self.eval_parameters(node.params, scope)
        names = self.param_names(node.params)
        inner = Scope("function", scope, names)
        for name in names:
            inner.values[name] = Unknown(f"'{name}' is a lambda parameter")
        self.eval(node.body, inner)
        return UserObject("function", "<lambda>")

    def eval_comprehension(self, node: cst.CSTNode, scope: Scope, parts: Sequence[cst.CSTNode]) -> Any:
        inner = Scope("function", scope)
        comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
        first = True
        while comp is not None:
            # The first iterable is evaluated in the enclosing scope, the rest inside.
            self.eval(comp.iter, scope if first else inner)
            first = False
            for name in _assigned_names(comp.target):
                inner.local_names.add(name)
                inner.values[name] = Unknown(f"'{name}' is a comprehension variable")
            for condition in comp.ifs:
                self.eval(condition.test, inner)
            comp = comp.inner_for_in
        for part in parts:
            self.eval(part, inner)
        return Unknown("a comprehension is not evaluated")

    def eval_ListComp(self, node: cst.ListComp, scope: Scope) -> Any:
        return self.eval_comprehension(node, scope, [node.elt])

    eval_SetComp = eval_GeneratorExp = eval_ListComp

    def eval_DictComp(self, node: cst.DictComp, scope: Scope) -> Any:
        return self.eval_comprehension(node, scope, [node.key, node.value])

    def eval_parameters(self, params: cst.Parameters, scope: Scope) -> Dict[str, Any]:
        """Defaults and annotations run where the function is defined: the defaults' values."""
        defaults: Dict[str, Any] = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                defaults[param.name.value] = self.eval(param.default, scope)
            if param.annotation is not None:
                self.eval(param.annotation.annotation, scope)
        return defaults

    @staticmethod
    def param_names(params: cst.Parameters) -> Set[str]:
        names = {p.name.value for p in (*params.posonly_params, *params.params,
                                        *params.kwonly_params)}
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names.add(star.name.value)
        return names

    # -- calls ------------------------------------------------------------
    def eval_Call(self, node: cst.Call, scope: Scope) -> Any:
        receiver: Any = None  # what a method is called on: the call may change it in place
        if isinstance(node.func, cst.Attribute):
            receiver = self.eval(node.func.value, scope)
            callee = self.attribute(node.func, receiver)
        else:
            callee = self.eval(node.func, scope)
        positional, keywords, spread = self.call_arguments(node, scope)
        if isinstance(callee, PyBuiltin) and callee.name == "functools.partial" and positional \
                and spread is None:
            return Partial(positional[0], positional[1:], keywords)
        if isinstance(callee, Partial) and isinstance(callee.function, LayerClass):
            callee, positional, keywords = (callee.function, [*callee.positional, *positional],
                                            {**callee.keywords, **keywords})
        if isinstance(callee, LayerClass):
            self.record_site(node, callee.spec.name, callee.spec, positional, keywords, spread)
            return Unknown(f"a {callee.spec.name} instance")
        if isinstance(callee, (UserObject, Partial, Unknown)):
            self.user_calls += 1  # it may run a function of the file
        # Any other call may change the lists it is given, or the one it is a method of.
        for value in (*positional, *keywords.values(), receiver):
            self.mutated(scope, value)
        if isinstance(callee, ModuleRef) and is_uncatalogued_layer(callee):
            kind = callee.path.rsplit(".", 1)[-1]
            self.record_site(node, kind, None, positional, keywords,
                             f"torch.nn.{kind} is not in macslint's layer catalogue")
        elif isinstance(callee, Unknown) and _last_name(node.func) in LAYERS:
            kind = _last_name(node.func)
            self.record_site(node, kind, None, positional, keywords,
                             f"cannot tell whether `{self.code(node.func)}` is torch.nn.{kind}: "
                             f"{callee.reason}")
        return Unknown(f"the result of `{self.code(node.func)}(...)` is not evaluated")

    def call_arguments(self, node: cst.Call, scope: Scope
                       ) -> Tuple[List[Any], Dict[str, Any], Optional[str]]:
        """Positional and keyword values of a call, and why the argument list itself is not
        known (a `*` or `**` of a value that cannot be spread), if it is not."""
        positional: List[Any] = []
        keywords: Dict[str, Any] = {}
        spread: Optional[str] = None
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star == "*":
                items = self.star_items(value)
                if isinstance(items, Unknown):
                    spread = spread or f"arguments passed as `*{self.code(arg.value)}`"
                else:
                    positional.extend(items)
            elif arg.star == "**":
                named = self.star_keywords(value)
                if isinstance(named, Unknown):
                    spread = spread or f"arguments passed as `**{self.code(arg.value)}`"
                else:
                    keywords.update(named)
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = value
            else:
                positional.append(value)
        return positional, keywords, spread

    def star_items(self, value: Any) -> Any:
        return list(value) if isinstance(value, (tuple, list)) else Unknown("not a sequence")

    def star_keywords(self, value: Any) -> Any:
        return Unknown("keywords are not spread outside a model build")

    def record_site(self, node: cst.Call, kind: str, spec: Optional[LayerSpec],
                    positional: List[Any], keywords: Dict[str, Any],
                    unresolved: Optional[str]) -> LayerSite:
        key = id(node)
        if key in self.sites:
            return self.sites[key]
        start, end = self.positions[node].start, self.positions[node].end
        site = LayerSite(start.line, start.column, kind, self.call_text(kind, node), spec,
                         file=self.display, end_line=end.line, end_col=end.column)
        if spec is not None and unresolved is None:
            try:
                site.args = spec.bind(positional, keywords)
            except LayerError as exc:
                site.error = str(exc)
        site.unresolved = unresolved
        self.sites[key] = site
        return site

    def call_text(self, kind: str, node: cst.Call) -> str:
        parts = []
        for arg in node.args:
            prefix = arg.star or (f"{arg.keyword.value}=" if arg.keyword is not None else "")
            parts.append(prefix + self.code(arg.value, 30))
        text = f"{kind}({', '.join(parts)})"
        return text if len(text) <= 80 else text[:76] + "...)"



# id(node) -> (node, its code on one line): the node is kept so that its id is not reused.
# Bounded, as the parse cache is.
_CODE: Dict[int, Tuple[cst.CSTNode, str]] = {}
_CODE_SIZE = 100_000


class LazyImport:
    """A name imported from a project file, read when first used."""

    __slots__ = ("interpreter", "source", "level", "name", "value")

    def __init__(self, interpreter: Interpreter, source: str, level: int, name: str) -> None:
        self.interpreter = interpreter
        self.source = source
        self.level = level
        self.name = name
        self.value: Any = _MISSING

    def resolve(self) -> Any:
        if self.value is _MISSING:
            self.value = Unknown(f"'{self.name}' is imported in a cycle")  # while reading
            self.value = _resolved(self.interpreter.resolve_import(self.source, self.level,
                                                                   self.name))
        return self.value


def _resolved(value: Any) -> Any:
    return value.resolve() if isinstance(value, LazyImport) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - a user value with an odd __eq__ is just "not same"
        return False
