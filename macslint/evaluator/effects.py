"""What a project function changes outside itself: the module-level names of its module whose
containers its body (nested functions included, and the same module's functions it calls by
name) changes in place or rebinds (`global`). A module-level call that reading a file does not
run (a decorator such as timm's `@register_model`, a statement such as `register_block(...)`)
may have made those changes: the names are then not known where they were (a registry would
otherwise read as empty, and a lookup in it give a wrong default). The scan is plain syntax;
UnrunEffects (mixed into the interpreter) applies it where such a call is read.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import libcst as cst

from .scope import Scope
from .values import MISSING, Unknown, UserFunction

# methods that change a list, dict, set or deque in place
MUTATORS = frozenset({
    "append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "remove",
    "discard", "clear", "appendleft", "extendleft", "sort", "reverse", "__setitem__",
})
MAX_FUNCTIONS = 32  # the same module's functions followed from one call

_SCANNED: Dict[int, Tuple[cst.CSTNode, FrozenSet[str], FrozenSet[str]]] = {}


def _base_name(node: cst.BaseExpression) -> str:
    """`REG` of `REG[a][b]`, `REG.x`, `REG[a].add`; "" for anything else."""
    while isinstance(node, (cst.Subscript, cst.Attribute)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def _scan(function: cst.FunctionDef) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """(names changed in place or rebound as globals, names called) in a function's body."""
    known = _SCANNED.get(id(function))
    if known is not None and known[0] is function:
        return known[1], known[2]
    changed: Set[str] = set()
    called: Set[str] = set()
    declared: Set[str] = set()
    for node in _walk(function.body):
        if isinstance(node, cst.Global):
            declared.update(n.name.value for n in node.names)
        elif isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Del)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else \
                [node.target]
            for target in targets:
                if isinstance(target, (cst.Subscript, cst.Attribute)):
                    changed.add(_base_name(target))
                elif isinstance(target, cst.Name) and target.value in declared:
                    changed.add(target.value)
        elif isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in MUTATORS:
                changed.add(_base_name(node.func.value))
            elif isinstance(node.func, cst.Name):
                called.add(node.func.value)
    changed.discard("")
    result = frozenset(changed), frozenset(called)
    _SCANNED[id(function)] = (function, *result)
    return result


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
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
        names, called = _scan(pending.pop())
        changed |= names
        for name in called:
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
