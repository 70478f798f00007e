"""What a project function changes outside itself: the module-level names of its module whose
containers its body (nested functions included, and the same module's functions it calls by
name) changes in place or rebinds (`global`). A module-level call that reading a file does not
run (a decorator such as timm's `@register_model`, a statement such as `register_block(...)`)
may have made those changes: the names are then not known where they were (a registry would
otherwise read as empty, and a lookup in it give a wrong default). The scan is plain syntax;
UnrunEffects (mixed into the interpreter) applies it where such a call is read.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterator, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from .collection_values import DefaultDict
from .library import LIBRARY_OF_VALUE, library_of
from .syntax import assigned_names, dotted, names_bound_in
from .scope import Scope, unbound
from .values import MISSING, DeferredCall, DeferredLoop, Unknown, UserClass, UserFunction

# methods that change a list, dict, set or deque in place
MUTATORS = frozenset({
    "append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "remove",
    "discard", "clear", "appendleft", "extendleft", "sort", "reverse", "__setitem__",
})
MAX_FUNCTIONS = 32  # the same module's functions followed from one call
MAX_MODULE_LOOP = 64  # passes of a module-level loop run when a file is read
# str methods reading a file computes on known strings (they change nothing; small results)
STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "startswith",
                         "endswith", "isdigit", "isalpha", "casefold", "title", "capitalize",
                         "replace", "removeprefix", "removesuffix"})
# methods of strs, dicts and lists a module-level loop may call on the names it binds
PLAIN_METHODS = STR_METHODS | MUTATORS | frozenset({"get", "items", "keys", "values", "copy",
                                                    "split", "join", "format", "count", "index"})
# Python's builtins a module-level loop may call: none builds a layer
PY_BUILTINS = frozenset({"len", "int", "float", "bool", "min", "max", "sum", "abs", "round",
                         "list", "tuple", "dict", "sorted", "str", "set", "frozenset"})

class Changes(NamedTuple):
    """What a piece of code does to names, read from its syntax (changes_in)."""

    in_place: FrozenSet[str]  # bases of item/attribute assignments, deletions, mutator calls
    rebound: FrozenSet[str]  # names assigned that a `global` in it declares
    called: FrozenSet[str]  # names called (`f(...)`)
    subscripted: FrozenSet[str]  # names read or written by key (`d[k]`)


# id(node) -> (node, its Changes): libcst nodes are immutable; the node keeps the id its own
_CHANGES: Dict[int, Tuple[cst.CSTNode, Changes]] = {}
_CHANGES_MAX = 50_000


def _base_name(node: cst.BaseExpression) -> str:
    """`REG` of `REG[a][b]`, `REG.x`, `REG[a].add`; "" for anything else."""
    while isinstance(node, (cst.Subscript, cst.Attribute)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def changes_in(node: cst.CSTNode) -> Changes:
    """The Changes of `node` (nested functions included), walked once per node."""
    known = _CHANGES.get(id(node))
    if known is not None and known[0] is node:
        return known[1]
    in_place: Set[str] = set()
    assigned: Set[str] = set()
    called: Set[str] = set()
    subscripted: Set[str] = set()
    declared: Set[str] = set()
    for child in walk_nodes(node):
        if isinstance(child, cst.Global):
            declared.update(n.name.value for n in child.names)
        elif isinstance(child, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Del)):
            targets = [t.target for t in child.targets] if isinstance(child, cst.Assign) else \
                [child.target]
            for target in targets:
                if isinstance(target, (cst.Subscript, cst.Attribute)):
                    in_place.add(_base_name(target))
                elif isinstance(target, cst.Name):
                    assigned.add(target.value)
        elif isinstance(child, cst.Call):
            if isinstance(child.func, cst.Attribute) and child.func.attr.value in MUTATORS:
                in_place.add(_base_name(child.func.value))
            elif isinstance(child.func, cst.Name):
                called.add(child.func.value)
        elif isinstance(child, cst.Subscript) and isinstance(child.value, cst.Name):
            subscripted.add(child.value.value)
    in_place.discard("")
    # (a `global` is found wherever the walk meets it: before or after the assignment)
    result = Changes(frozenset(in_place), frozenset(assigned & declared), frozenset(called),
                     frozenset(subscripted))
    if len(_CHANGES) >= _CHANGES_MAX:
        _CHANGES.clear()
    _CHANGES[id(node)] = (node, result)
    return result


def _plain_lines(line: cst.BaseStatement) -> bool:
    """A line of plain statements, or an `if` of such lines (its condition is decided on each
    pass: an undecided one makes the pass uncertain, and what it changes is forgotten)."""
    if isinstance(line, cst.SimpleStatementLine):
        return True
    if isinstance(line, cst.If) and isinstance(line.body, cst.IndentedBlock):
        rest = line.orelse
        branches = [line.body.body] + ([] if rest is None else [rest.body.body] if isinstance(
            rest, cst.Else) and isinstance(rest.body, cst.IndentedBlock) else [[rest]])
        return all(_plain_lines(inner) for branch in branches for inner in branch)
    return False


def _dict_call(table: Dict[Any, Any], name: str, positional: List[Any],
               keywords: Dict[str, Any]) -> Any:
    """`table.get/setdefault/update/pop(...)` with keys of known strs and ints, done as Python
    does (timm's `for a in _ACT_LAYERS: a.setdefault('hardswish', a.get('hard_swish'))`);
    NotImplemented for anything else."""
    keys = [positional[0]] if positional and name != "update" else list(keywords)
    if name == "update" and len(positional) == 1 and type(positional[0]) is dict:
        keys += list(positional[0])
    elif name == "update" and positional:
        return NotImplemented
    if not all(type(k) in (str, int) for k in keys) or (keywords and name != "update"):
        return NotImplemented
    if type(table) is DefaultDict and name in ("setdefault", "pop"):
        return NotImplemented  # (a default factory's entries: not followed here)
    if name == "get" and 1 <= len(positional) <= 2:
        return table.get(*positional)
    if name == "setdefault" and 1 <= len(positional) <= 2:
        return table.setdefault(*positional)
    if name == "pop" and len(positional) == 2:
        return table.pop(*positional)
    if name == "update" and len(positional) <= 1:
        table.update(*positional, **keywords)
        return None
    return NotImplemented


def walk_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def changed_globals(function: cst.FunctionDef, module_functions: Dict[str, cst.FunctionDef],
                    module_names: FrozenSet[str]) -> FrozenSet[str]:
    """The names of `module_names` (its module's) that calling `function` may change: in its
    body, and in the bodies of the module's functions (`module_functions`) it calls by name."""
    changed: Set[str] = set()
    pending, seen = [function], {id(function)}
    while pending and len(seen) <= MAX_FUNCTIONS:
        changes = changes_in(pending.pop().body)
        changed |= changes.in_place | changes.rebound
        for name in changes.called:
            callee = module_functions.get(name)
            if callee is not None and id(callee) not in seen:
                seen.add(id(callee))
                pending.append(callee)
    return frozenset(changed & module_names)


class Effect:
    """A module-level call reading a file does not run: a decorator applied to the def or
    class `target` of `scope`, or a call statement (`target` None). `done`: run since, by a
    model's runtime (torchnn.tracer replays them where a model reads what they change)."""

    __slots__ = ("node", "scope", "target", "replayable", "done")

    def __init__(self, node: cst.CSTNode, scope: Scope, target: Any, replayable: bool) -> None:
        self.node, self.scope, self.target, self.done = node, scope, target, False
        self.replayable = replayable  # a decorator or a call statement: not an assignment's


class Unrun(Unknown):
    """A module-level name whose container calls not run may change (Effect): unknown, with
    what it held before them (`original`) and the dicts it is bound in (`views`: the module's
    scope, and what importers of the file see), for a replay of the calls."""

    __slots__ = ("name", "original", "home", "views", "effects", "result")

    def __init__(self, reason: str, name: str, original: Any, home: Scope,
                 views: List[Dict[str, Any]]):
        super().__init__(reason)
        self.name, self.original, self.home, self.views = name, original, home, views
        self.effects: List[Effect] = []
        self.result: Any = MISSING  # what the calls left, once run


class UnrunEffects:
    """The interpreter's side (which provides `eval`, `code`, `place`, `policy`, `skipping`
    and `loader`). `statement_call`: the call a module-level expression statement is."""

    statement_call: Any = None

    def stmt_Expr(self, stmt: cst.Expr, scope: Scope) -> None:
        self.statement_call = stmt.value  # a call statement's effects can be replayed
        try:
            self.eval(stmt.value, scope)  # type: ignore[attr-defined]
        finally:
            self.statement_call = None

    def module_loop_items(self, stmt: cst.For, scope: Scope) -> Optional[List[Any]]:
        """A module-level `for` that reading the file runs pass by pass, as Python does once
        (timm's `for k in (...): model_cfgs[k + '_gap'] = replace(...)`): over a known short
        sequence, a body of plain statements (no `break`, `continue`, def or class) that builds
        nothing of a library (no layer site read several times). None for any other loop,
        walked once for any number of passes."""
        if self.policy.runs or scope.kind != "module" or self.skipping or self.uncertain \
                or self.forks or stmt.orelse is not None:  # type: ignore[attr-defined]
            return None
        if not self.plain_loop_body(stmt, scope):
            return None
        items = self.iterate(self.eval(stmt.iter, scope))  # type: ignore[attr-defined]
        if isinstance(stmt.iter, cst.Call) and isinstance(stmt.iter.func, cst.Name) \
                and stmt.iter.func.value == "range" and unbound(scope, "range"):
            bounds = [self.eval(a.value, scope) for a in stmt.iter.args  # type: ignore[attr-defined]
                      if a.keyword is None and not a.star]
            if len(bounds) == len(stmt.iter.args) <= 3 and all(
                    type(b) is int for b in bounds) and len(range(*bounds)) <= MAX_MODULE_LOOP:
                items = list(range(*bounds))  # (reading a file does not evaluate `range`)
        return items if isinstance(items, list) and len(items) <= MAX_MODULE_LOOP else None

    def plain_loop_body(self, stmt: cst.For, scope: Scope) -> bool:
        """A body of plain statements (and `if`s of them; no `break`, `continue`, def or
        class) that builds nothing of a library (no layer site read several times)."""
        lines = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
        if not lines or not all(_plain_lines(line) for line in lines):
            return False
        bound = names_bound_in([stmt]).names
        for node in walk_nodes(stmt.body):
            if isinstance(node, (cst.Break, cst.Continue, cst.Return, cst.Global, cst.Lambda)):
                return False
            if isinstance(node, cst.Call):
                if isinstance(node.func, cst.Attribute) and type(self.eval(  # type: ignore[attr-defined]
                        node.func.value, scope)) in (list, dict, str):
                    continue  # a method of a plain value (module_list_call, or forgotten)
                if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) \
                        and node.func.value.value in bound and node.func.attr.value in PLAIN_METHODS:
                    continue  # `n.replace(...)` of the loop's own names: a str's, dict's, list's
                if isinstance(node.func, cst.Name) and node.func.value in PY_BUILTINS \
                        and unbound(scope, node.func.value):
                    continue  # `dict(...)`: Python's (reading a file does not evaluate it)
                callee = self.eval(node.func, scope)  # type: ignore[attr-defined]
                library = LIBRARY_OF_VALUE.get(type(callee))
                if library is not None and library.constructs_layers or isinstance(
                        callee, Unknown) or isinstance(callee, UserClass) \
                        and callee.meta.get("plain", "") is not None:
                    return False  # a layer it may construct: read once, with its reason
        return True

    def defer_module_loop(self, stmt: cst.For, scope: Scope) -> bool:
        """A module-level `for` over a value reading the file does not know because it waits
        on a call of the project (a DeferredCall: timm's `for n in _quick_gelu_cfgs:
        default_cfgs[n.replace(...)] = c`): each name it binds or changes becomes a
        DeferredLoop, and a model reading one runs the loop, once, from the names as they are
        at its line. False, having done nothing, for any other loop (walked once, its names
        forgotten), or one calling a function of the project that changes other names."""
        if self.policy.runs or scope.kind != "module" or self.skipping or self.uncertain \
                or self.forks or stmt.orelse is not None \
                or not self.plain_loop_body(stmt, scope):  # type: ignore[attr-defined]
            return False
        if not isinstance(self.eval(stmt.iter, scope), DeferredCall):  # type: ignore[attr-defined]
            return False
        changed = set(names_bound_in([stmt]).names) | changes_in(stmt.body).in_place
        module_functions = {n: v.node for n, v in scope.values.items()
                            if isinstance(v, UserFunction)}
        for node in walk_nodes(stmt.body):
            if isinstance(node, cst.Call) and not isinstance(node.func, cst.Attribute):
                callee = self.eval(node.func, scope)  # type: ignore[attr-defined]
                if isinstance(callee, UserFunction) and changed_globals(
                        callee.node, module_functions, frozenset(callee.scope.values)):
                    return False  # it changes names of its own: not followed this way
        here = self.as_here(stmt, scope)  # type: ignore[attr-defined]
        reason = (f"'{{}}' is changed by the loop at {self.place(stmt)}, over a value the "  # type: ignore[attr-defined]
                  f"project computes when a model reads it")
        for name in sorted(changed):
            scope.values[name] = DeferredLoop(reason.format(name), stmt, here, name)
        return True

    def forget_changed_items(self, stmt: cst.For, items: Any, scope: Scope) -> None:
        """A loop walked once that changes its items in place (`for a in tables: a[k] = v`,
        `a.setdefault(...)`): the containers of what it iterates are forgotten (the walk sees
        the loop variable as unknown, and would keep them as they were)."""
        if not changes_in(stmt.body).in_place & set(assigned_names(stmt.target)):
            return
        self.mutated(scope, items)  # type: ignore[attr-defined]
        call = stmt.iter  # `tables.items()`, `enumerate(tables)`, `zip(a, b)`: theirs too
        if isinstance(call, cst.Call):
            parts = [a.value for a in call.args]
            if isinstance(call.func, cst.Attribute):
                parts.append(call.func.value)
            for part in parts:
                self.mutated(scope, self.eval(part, scope))  # type: ignore[attr-defined]

    def module_item_set(self, scope: Scope, target: cst.BaseExpression, value: Any) -> bool:
        """`table[key] = value` in module-level code that runs once, on one path (timm's
        `model_cfgs[k + '_gap'] = ...`): done, as Python does it, on a dict of known keys;
        False where it is not followed that way (the dict is then forgotten)."""
        if self.policy.runs or scope.kind != "module" or self.skipping or self.uncertain \
                or self.forks or not isinstance(target, cst.Subscript) \
                or len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return False  # type: ignore[attr-defined]
        owner = self.eval(target.value, scope)  # type: ignore[attr-defined]
        key = self.eval(target.slice[0].slice.value, scope)  # type: ignore[attr-defined]
        if not isinstance(owner, dict) or not isinstance(key, (str, int)) \
                or isinstance(key, bool) or type(owner) not in (dict, DefaultDict):
            return False
        owner[key] = value
        return True

    def module_list_call(self, node: cst.Call, scope: Scope, receiver: Any, positional: List[Any],
                         keywords: Dict[str, Any]) -> Any:
        """`items.append(x)` / `extend` / `insert` in module-level code that runs once, on one
        path: done, as Python does it; NotImplemented otherwise (the list is then forgotten)."""
        if not self.policy.runs and type(receiver) is str and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value in STR_METHODS and not keywords and all(  # type: ignore[attr-defined]
                    type(a) in (str, int) for a in positional) and len(receiver) <= 10_000:
            return getattr(receiver, node.func.attr.value)(*positional)  # `os.environ.get(k, 'false').lower()`
        if self.policy.runs or scope.kind != "module" or self.skipping or self.uncertain \
                or self.forks or type(receiver) not in (list, dict, DefaultDict) \
                or not isinstance(node.func, cst.Attribute):  # type: ignore[attr-defined]
            return NotImplemented
        name = node.func.attr.value
        if type(receiver) is not list:
            return _dict_call(receiver, name, positional, keywords)
        if keywords:
            return NotImplemented
        if name == "append" and len(positional) == 1:
            receiver.append(positional[0])
        elif name == "extend" and len(positional) == 1 and type(positional[0]) in (list, tuple):
            receiver.extend(positional[0])
        elif name == "insert" and len(positional) == 2 and type(positional[0]) is int:
            receiver.insert(*positional)
        else:
            return NotImplemented
        return None

    def try_import_succeeds(self, stmt: cst.Try, scope: Scope) -> bool:
        """`try: from torch.nn.functional import rms_norm` / `except ImportError: ...`: a body
        of imports of names a library says it has cannot raise; it runs, the handlers do not.
        False, having run nothing, where that is not certain."""
        lines = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
        imports = [s for line in lines if isinstance(line, cst.SimpleStatementLine)
                   for s in line.body]
        if not imports or len(imports) != len(lines) or not all(
                isinstance(s, cst.ImportFrom) and s.module is not None and not s.relative
                and not isinstance(s.names, cst.ImportStar) for s in imports):
            return False
        for statement in imports:
            source = dotted(statement.module)
            library = library_of(source)
            if library is None or not all(library.has_attribute(
                    library.module(source), dotted(a.name)) is True for a in statement.names):
                return False
        self.walk_body(stmt.body, scope)  # type: ignore[attr-defined]
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)  # type: ignore[attr-defined]
        if stmt.finalbody is not None:
            self.walk_body(stmt.finalbody.body, scope)  # type: ignore[attr-defined]
        return True

    def decorated(self, decorator: cst.Decorator, value: Any, scope: Scope, target: str) -> None:
        """A decorator of the project applied when a file is read is not run: what it may
        change (timm's `@register_model` fills registries) is not known (unrun_call)."""
        if isinstance(value, UserFunction):
            self.unrun_call(value, decorator.decorator, scope, target)
        elif isinstance(decorator.decorator, cst.Call):  # `@register('name')`: its result's
            factory = self.eval(decorator.decorator.func, scope)  # type: ignore[attr-defined]
            if isinstance(factory, UserFunction):
                self.unrun_call(factory, decorator.decorator, scope, target)

    def unrun_call(self, function: UserFunction, node: cst.CSTNode, scope: Scope,
                   target: Optional[str] = None) -> None:
        """A module-level call of a project function that reading the file does not run: the
        module-level names of its module that it changes (evaluator.effects) are not known
        (Unrun); a decorator's or a call statement's can be replayed by a model's runtime."""
        if self.policy.runs or scope.kind != "module" or self.skipping:  # type: ignore[attr-defined]
            return
        home = function.scope
        module_functions = {n: v.node for n, v in home.values.items()
                            if isinstance(v, UserFunction)}
        changed = changed_globals(function.node, module_functions, frozenset(home.values))
        if not changed:
            return
        effect = Effect(node, scope, target, target is not None or node is self.statement_call)
        self.__dict__.setdefault("unrun_effects", []).append(effect)  # in the order Python runs
        reason = (f"may be changed by `{self.code(node)}` ({self.place(node)}), a call of the "  # type: ignore[attr-defined]
                  f"project that macslint does not run where the file is read")
        views = [home.values]
        for module in self.loader.modules() if self.loader is not None else ():  # type: ignore[attr-defined]
            if module.interpreter.module_scope is home:  # an imported file: what importers see
                views.append(module.interpreter.module_snapshot)
        for name in sorted(changed):
            marker = home.values.get(name)
            if not isinstance(marker, Unrun):
                marker = Unrun(f"'{name}' {reason}", name, marker, home, views)
                self.__dict__.setdefault("unrun_markers", []).append(marker)
            marker.effects.append(effect)
            for view in views:
                if name in view:
                    view[name] = marker
