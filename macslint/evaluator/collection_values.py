"""`collections.defaultdict` and `collections.deque` as the interpreter holds them: a dict
that knows its factory (a missing key read while running calls it, as Python's
`__missing__` does: torchnn's index_value) and a list with a deque's type (its own methods:
appendleft, popleft, extendleft). Plain data: no libcst."""

from __future__ import annotations

from typing import Any, Iterable


class DefaultDict(dict):
    python_type = "collections.defaultdict"

    def __init__(self, factory: Any, *args: Any) -> None:
        super().__init__(*args)
        self.factory = factory

    def empty_copy(self) -> "DefaultDict":
        return DefaultDict(self.factory)


class Deque(list):
    python_type = "collections.deque"

    def empty_copy(self) -> "Deque":
        return Deque()


def deque_method(target: Deque, name: str, args: list) -> Any:
    """A deque's own method on `target`, or NotImplemented (the list's methods do the rest)."""
    if name == "appendleft" and len(args) == 1:
        target.insert(0, args[0])
        return None
    if name == "popleft" and not args and target:
        return target.pop(0)
    if name == "extendleft" and len(args) == 1 and isinstance(args[0], (list, tuple)):
        for item in args[0]:
            target.insert(0, item)
        return None
    return NotImplemented


def new_collection(name: str, args: list, keywords: dict, iterate: Any) -> Any:
    """`collections.defaultdict(factory, mapping)` / `collections.deque(iterable)`, or
    NotImplemented where the arguments are not these."""
    if name == "collections.defaultdict" and len(args) <= 2 and not keywords:
        initial: Iterable = args[1] if len(args) == 2 and isinstance(args[1], dict) else ()
        if len(args) == 2 and not isinstance(args[1], dict):
            return NotImplemented
        return DefaultDict(args[0] if args else None, initial)
    if name == "collections.deque" and len(args) <= 1 and not keywords:
        items = iterate(args[0]) if args else []
        return Deque(items) if isinstance(items, list) else NotImplemented
    return NotImplemented
