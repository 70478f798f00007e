"""Optional dependencies: `try: import xformers ... except ImportError: ...`.

Whether such an import succeeds depends on what is installed where the model runs, which the
source does not say. The `not-installed` setting says it: a module listed there (or a module
inside a listed package) raises ModuleNotFoundError when imported. With that, a `try` whose
body is certain to raise an ImportError (an import of a module not installed, or
`raise ImportError` on every branch) runs the handler that catches it, and what the handler
binds is known (dinov2's `XFORMERS_AVAILABLE = False`). Statements macslint cannot tell
raise are taken not to raise, as when a model runs.
"""

from __future__ import annotations

from typing import AbstractSet, FrozenSet, Iterable, List, Optional, Sequence

import libcst as cst

from .syntax import dotted

# An exception class (by its builtin name) -> the classes a handler may name to catch it.
CATCHING = {
    "ModuleNotFoundError": frozenset({"ModuleNotFoundError", "ImportError", "Exception",
                                      "BaseException"}),
    "ImportError": frozenset({"ImportError", "Exception", "BaseException"}),
}


def is_not_installed(module: str, not_installed: AbstractSet[str]) -> bool:
    """`module` is, or is inside, a package declared not installed."""
    parts = module.split(".")
    return any(".".join(parts[:n]) in not_installed for n in range(1, len(parts) + 1))


def imported_modules(statement: cst.CSTNode) -> List[str]:
    """The absolute modules an import statement imports (relative ones are the project's)."""
    if isinstance(statement, cst.Import):
        return [dotted(alias.name) for alias in statement.names]
    if isinstance(statement, cst.ImportFrom) and not statement.relative \
            and statement.module is not None:
        return [dotted(statement.module)]
    return []


def _raised_name(statement: cst.Raise) -> Optional[str]:
    exc = statement.exc
    if isinstance(exc, cst.Call):
        exc = exc.func
    if isinstance(exc, cst.Name) and exc.value in CATCHING:
        return exc.value
    return None


def _raises(statement: cst.CSTNode, not_installed: AbstractSet[str]) -> Optional[FrozenSet[str]]:
    """The ImportError classes one of which `statement` certainly raises, or None."""
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if any(is_not_installed(m, not_installed) for m in imported_modules(small)):
                return frozenset({"ModuleNotFoundError"})
            if isinstance(small, cst.Raise):
                name = _raised_name(small)
                return frozenset({name}) if name is not None else None
        return None
    if isinstance(statement, cst.If):
        body = raised_import_errors(statement.body.body, not_installed)
        orelse = statement.orelse
        if body is None or orelse is None:
            return None
        other = _raises(orelse, not_installed) if isinstance(orelse, cst.If) else \
            raised_import_errors(orelse.body.body, not_installed)
        return None if other is None else body | other
    return None


def raised_import_errors(statements: Sequence[cst.CSTNode],
                         not_installed: AbstractSet[str]) -> Optional[FrozenSet[str]]:
    """The ImportError classes one of which the block certainly raises (the first statement
    that certainly raises decides), or None where it may complete."""
    if not not_installed:
        return None
    for statement in statements:
        found = _raises(statement, not_installed)
        if found is not None:
            return found
    return None


def _handler_names(handler: cst.ExceptHandler) -> Optional[FrozenSet[str]]:
    """The builtin class names a handler catches; None for one it is not told by name."""
    kind = handler.type
    items: Iterable[cst.BaseExpression] = (
        [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind])
    names = set()
    for item in items:
        if not isinstance(item, cst.Name):
            return None
        names.add(item.value)
    return frozenset(names)


def catching_handler(handlers: Sequence[cst.ExceptHandler], raised: FrozenSet[str],
                     bound: AbstractSet[str]) -> Optional[cst.ExceptHandler]:
    """The handler that catches whichever of `raised` the body raises; None where it cannot be
    told (a handler's class named otherwise, a builtin name rebound in the file: `bound`)."""
    for handler in handlers:
        if handler.type is None:
            return handler
        names = _handler_names(handler)
        if names is None or names & bound:
            return None
        catches = [bool(names & CATCHING[kind]) for kind in raised]
        if all(catches):
            return handler
        if any(catches):
            return None  # which one runs depends on which class was raised
    return None


def optional_imports(statements: Sequence[cst.CSTNode]) -> List[str]:
    """The absolute modules a `try` body imports at its top level or in its `if` blocks."""
    found: List[str] = []
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                found.extend(imported_modules(small))
        elif isinstance(statement, cst.If):
            found.extend(optional_imports(statement.body.body))
            orelse = statement.orelse
            if isinstance(orelse, cst.If):
                found.extend(optional_imports([orelse]))
            elif orelse is not None:
                found.extend(optional_imports(orelse.body.body))
    return found
