"""Scopes: the names bound in a module, class or function body, in program order."""

from __future__ import annotations

from typing import Any, Dict, Optional, Set

from .values import Unknown


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
        self.params: Set[str] = set()  # a function's parameters (unknown while reading a file)

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


def unbound(scope: Scope, name: str) -> bool:
    current: Optional[Scope] = scope
    while current is not None:
        if name in current.values or name in current.local_names:
            return False
        current = current.parent
    return True
