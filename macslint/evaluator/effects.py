"""What a project function changes outside itself: the module-level names of its module whose
containers its body (nested functions included, and the same module's functions it calls by
name) changes in place or rebinds (`global`). A module-level call that reading a file does not
run (a decorator such as timm's `@register_model`, a statement such as `register_block(...)`)
may have made those changes: the names are then not known where they were (a registry would
otherwise read as empty, and a lookup in it give a wrong default). The scan is plain syntax;
UnrunEffects (mixed into the interpreter) applies it where such a call is read.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterator, Set, Tuple

import libcst as cst

from .scope import Scope
from .values import Unknown, UserFunction

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


class UnrunEffects:
    """The interpreter's side (which provides `eval`, `code`, `place`, `policy`, `skipping`
    and `loader`)."""

    def decorated(self, decorator: cst.Decorator, value: Any, scope: Scope) -> None:
        """A decorator of the project applied when a file is read is not run: what it may
        change (timm's `@register_model` fills registries) is not known (unrun_call)."""
        if isinstance(value, UserFunction):
            self.unrun_call(value, decorator.decorator, scope)
        elif isinstance(decorator.decorator, cst.Call):  # `@register('name')`: its result's
            factory = self.eval(decorator.decorator.func, scope)
            if isinstance(factory, UserFunction):
                self.unrun_call(factory, decorator.decorator, scope)

    def unrun_call(self, function: UserFunction, node: cst.CSTNode, scope: Scope) -> None:
        """A module-level call of a project function that reading the file does not run: the
        module-level names of its module that it changes (evaluator.effects) are not known."""
        if self.policy.runs or scope.kind != "module" or self.skipping:
            return
        home = function.scope
        module_functions = {n: v.node for n, v in home.values.items()
                            if isinstance(v, UserFunction)}
        changed = changed_globals(function.node, module_functions, frozenset(home.values))
        if not changed:
            return
        reason = (f"may be changed by `{self.code(node)}` ({self.place(node)}), a call of the "
                  f"project that macslint does not run where the file is read")
        views = [home.values]
        for module in self.loader.modules() if self.loader is not None else ():
            if module.interpreter.module_scope is home:  # an imported file: what importers see
                views.append(module.interpreter.module_snapshot)
        for name in changed:
            for view in views:
                if name in view:
                    view[name] = Unknown(f"'{name}' {reason}")
