"""Python's sets and frozensets of known hashable values, mixed into the interpreter: literals,
`set(...)`/`frozenset(...)`, comprehensions, their methods, operators and the builtins model
code applies to them.

A set is a Python `set`/`frozenset` built by the same operations in the same order as the
analysed code builds it, so its iteration order is Python's own where that order does not
depend on the process: ints, floats and bools hash the same in every run, strings (and None
before Python 3.12, NaN) do not (hash randomization). Iterating a set holding those is
unknown; what does not depend on the order (`len`, `in`, `sorted` of strings, the operators)
stays known.

Sets are mutable: one held by two names and changed in place is seen under both, as Python
does. A set that may have changed in a way not modelled (a call that is not followed, a
change in a branch whose condition is not known) is *lost*: every later read of it, under any
name, is unknown (`lost_sets` of the interpreter, by id, the set kept alive)."""

from __future__ import annotations

import operator
from typing import Any, Dict, Iterable, List, Optional, Tuple

import libcst as cst

from .operators import MAX_SEQUENCE
from .values import Partial, PyBuiltin, Unknown, UserClass, UserFunction

SETS = (set, frozenset)
_HASHABLE = (int, float, str, bool, type(None))

# Builtins that never change the sets they are given (their key functions are checked too).
_SAFE_BUILTINS = frozenset({
    "len", "sorted", "min", "max", "sum", "all", "any", "list", "tuple", "set", "frozenset",
    "enumerate", "zip", "reversed", "isinstance", "issubclass", "print", "str", "bool", "int",
    "float", "dict", "collections.OrderedDict", "range", "abs", "round", "getattr", "hasattr",
    "typing.cast", "callable", "math.prod", "map", "filter",
})

_PURE_METHODS = {
    "union": operator.or_, "intersection": operator.and_, "difference": operator.sub,
    "symmetric_difference": operator.xor,
}
_UPDATES = {
    "update": operator.ior, "intersection_update": operator.iand,
    "difference_update": operator.isub, "symmetric_difference_update": operator.ixor,
}
_IN_PLACE = {cst.BitOr: operator.ior, cst.BitAnd: operator.iand, cst.Subtract: operator.isub,
             cst.BitXor: operator.ixor}


def hashable(value: Any) -> bool:
    """A known value a set may hold (exact types: a Rounded or a tensor is not one). Classes
    and functions hash by identity, as our values of them compare (a library's class by its
    `identity_key`): timm's `norm_layer in _NORM_ACT_TYPES`."""
    if type(value) in (tuple, frozenset):
        return all(hashable(v) for v in value)
    return type(value) in _HASHABLE or is_class_or_function(value)


def is_class_or_function(value: Any) -> bool:
    return isinstance(value, (UserClass, UserFunction, PyBuiltin)) \
        or getattr(value, "identity_key", None) is not None


def order_unknown(value: Any) -> Optional[str]:
    """What makes the iteration order of a set holding `value` differ between runs, if
    anything."""
    kind = type(value)
    if kind is str:
        return "strings"
    if kind is type(None):
        return "None"
    if kind is float and value != value:
        return "NaN"
    if kind in (tuple, frozenset):
        return next((r for r in map(order_unknown, value) if r is not None), None)
    if is_class_or_function(value):
        return "classes or functions (hashed by their address)"
    return None


def sets_in(value: Any, depth: int = 0) -> Iterable[set]:
    """The mutable sets in a value (in lists, tuples and dicts)."""
    if type(value) is set:
        yield value
    elif isinstance(value, (list, tuple, dict)) and depth < 20:
        for item in (value.values() if isinstance(value, dict) else value):
            if isinstance(item, (set, list, tuple, dict)):
                yield from sets_in(item, depth + 1)


class SetValues:
    """Sets for the interpreter (which provides `eval`, `iterate`, `code`, `where`, `note`,
    `policy`, `forks`, `uncertain` and `lost_sets`)."""

    lost_sets: Dict[int, Tuple[set, str]]

    # -- values -------------------------------------------------------------
    def lost(self, value: Any) -> Optional[Unknown]:
        """Unknown when `value` is a set that may have changed in a way not modelled."""
        if type(value) is set and id(value) in self.lost_sets:
            return Unknown(self.lost_sets[id(value)][1])
        return None

    def class_membership(self, op: type, left: Any, right: Any) -> Any:
        """`cls in {A, B}` (or a list, tuple or dict's keys) for a class or function on the
        left: Python compares by identity, as our values of them do; NotImplemented where
        this does not apply."""
        if op not in (cst.In, cst.NotIn) or not is_class_or_function(left) \
                or not isinstance(right, (*SETS, list, tuple, dict)):
            return NotImplemented
        items = list(right.keys() if isinstance(right, dict) else right)
        if not all(is_class_or_function(i) or type(i) in _HASHABLE for i in items):
            return NotImplemented
        lost = self.lost(right)
        if lost is not None:
            return lost
        key = getattr(left, "identity_key", None)
        found = any(left == i if key is None else getattr(i, "identity_key", None) == key
                    for i in items)
        return found if op is cst.In else not found

    def lose(self, target: set, reason: str) -> None:
        if id(target) not in self.lost_sets:
            self.lost_sets[id(target)] = (target, reason)

    def make_set(self, items: List[Any], kind: type) -> Any:
        bad = next((v for v in items if isinstance(v, Unknown)), None)
        if bad is not None:
            return Unknown(bad.reason)
        if not all(hashable(v) for v in items):
            return Unknown("a set of values that are not known hashable constants")
        if len(items) > MAX_SEQUENCE:
            return Unknown("a set too large to evaluate")
        return kind(items)

    def set_source(self, value: Any) -> Any:
        """The items `set(value)` adds, in order (a set's own, whatever their order: the set
        built from them has the same items)."""
        if isinstance(value, SETS):
            return self.lost(value) or list(value)
        return self.iterate(value)  # type: ignore[attr-defined]

    def set_items(self, value: Any) -> Any:
        """The items a `for` over a set sees, in Python's order, or Unknown."""
        lost = self.lost(value)
        if lost is not None:
            return lost
        why = next((r for r in map(order_unknown, value) if r is not None), None)
        if why is not None:
            return Unknown(f"the iteration order of a set holding {why} depends on hash "
                           f"randomization (PYTHONHASHSEED)")
        return list(value)

    def eval_Set(self, node: cst.Set, scope: Any) -> Any:
        items: List[Any] = []
        unknown: Optional[Unknown] = None
        for element in node.elements:
            value = self.eval(element.value, scope)  # type: ignore[attr-defined]
            if isinstance(element, cst.StarredElement):
                spread = self.set_source(value)
                if isinstance(spread, Unknown):
                    unknown = unknown or Unknown(spread.reason)
                else:
                    items.extend(spread)
            else:
                items.append(value)
        return unknown if unknown is not None else self.make_set(items, set)

    # -- calls (running code) -----------------------------------------------
    def set_call(self, node: cst.Call, receiver: Any, callee: Any, positional: List[Any],
                 keywords: Dict[str, Any], spread: Optional[str]) -> Any:
        """A call on sets when running code, or NotImplemented; a call that may change a set
        in a way not modelled loses it."""
        if spread is None and isinstance(node.func, cst.Attribute) and isinstance(receiver, SETS):
            return self.set_method(node, receiver, node.func.attr.value, positional, keywords)
        if spread is None and isinstance(callee, PyBuiltin):
            value = self.set_builtin(callee.name, positional, keywords)
            if value is not NotImplemented:
                return value
        if not self.safe_callee(callee):
            for value in (*positional, *keywords.values(), receiver):
                for target in sets_in(value):
                    self.lose(target, f"a set passed to `{self.code(node.func)}(...)` "  # type: ignore[attr-defined]
                              f"({self.place(node)}), which may change it")  # type: ignore[attr-defined]
        return NotImplemented

    def set_builtin(self, name: str, args: List[Any], keywords: Dict[str, Any]) -> Any:
        if name in ("set", "frozenset"):
            if keywords or len(args) > 1:
                return Unknown(f"{name}() with these arguments")
            items = self.set_source(args[0]) if args else []
            if isinstance(items, Unknown):
                return Unknown(f"{name}() of a value that is not known: {items.reason}")
            return self.make_set(items, set if name == "set" else frozenset)
        if len(args) != 1 or not isinstance(args[0], SETS) or \
                name not in ("len", "sorted", "min", "max", "all", "any"):
            return NotImplemented
        target = args[0]
        lost = self.lost(target)
        if lost is not None:
            return lost
        if name == "len" and not keywords:
            return len(target)
        if name in ("all", "any") and not keywords:
            return all(target) if name == "all" else any(target)
        order = self.set_items(target)
        if not isinstance(order, Unknown):
            return NotImplemented  # in a known order: as any iterable
        # The order of the items does not matter to these: distinct strings, one total order.
        if not keywords or name == "sorted" and set(keywords) <= {"reverse"}:
            if not all(type(v) is str for v in target):
                return order
            if name == "sorted":
                reverse = keywords.get("reverse", False)
                if not isinstance(reverse, bool):
                    return Unknown("sorted() with a reverse= that is not a bool")
                return sorted(target, reverse=reverse)
            if not target:
                return Unknown(f"{name}() of an empty set raises ValueError")
            return min(target) if name == "min" else max(target)
        return order

    def safe_callee(self, callee: Any) -> bool:
        """Does calling `callee` never change a set it is given, or run only code the
        interpreter follows?"""
        if isinstance(callee, (UserFunction, UserClass)):
            return True
        if isinstance(callee, Partial):
            return self.safe_callee(callee.function)
        if isinstance(callee, PyBuiltin):
            return callee.name in _SAFE_BUILTINS
        function = getattr(callee, "function", None)  # a bound method (torchnn.values)
        if isinstance(function, UserFunction):
            return True
        return function is None and isinstance(getattr(callee, "receiver", None),
                                               (list, dict, str, tuple))

    def set_method(self, node: cst.Call, target: Any, name: str, positional: List[Any],
                   keywords: Dict[str, Any]) -> Any:
        lost = self.lost(target)
        if lost is not None:
            return lost
        mutable = type(target) is set
        iterables = name not in ("add", "discard", "remove", "pop", "clear", "copy")
        others = [self.set_source(v) for v in positional] if iterables else []
        bad = next((v for v in others if isinstance(v, Unknown)), None)
        if bad is None and not keywords and all(all(hashable(i) for i in o) for o in others):
            if name in _PURE_METHODS:
                result = target.copy()
                for items in others:
                    result = _PURE_METHODS[name](result, type(target)(items))
                return result
            if name in ("issubset", "issuperset", "isdisjoint") and len(others) == 1:
                return getattr(target, name)(others[0])
            if name == "copy" and not others:
                return target.copy()
        if not mutable:
            return Unknown(f"`frozenset.{name}()` is not modelled")
        reason = None
        if bad is not None or keywords:
            reason = bad.reason if bad is not None else "keyword arguments"
        elif self.forks or self.uncertain:  # type: ignore[attr-defined]
            reason = "it is changed under a condition that is not known, or in a loop not followed"
        elif name in ("add", "discard", "remove") and len(positional) == 1:
            item = positional[0]
            if not hashable(item):
                reason = "an item that is not a known hashable constant"
            elif name == "remove" and item not in target:
                reason = "`set.remove()` of an item it does not hold raises KeyError"
            elif name == "add" and len(target) >= MAX_SEQUENCE:
                reason = "a set too large to evaluate"
            else:
                getattr(target, name)(item)
                return None
        elif name in _UPDATES and all(all(hashable(i) for i in o) for o in others):
            for items in others:
                _UPDATES[name](target, set(items))
            return None
        elif name == "clear" and not positional:
            target.clear()
            return None
        elif name == "pop" and not positional and target:
            if isinstance(self.set_items(target), Unknown):
                reason = "`set.pop()` of a set whose order is not known"
            else:
                return target.pop()
        else:
            reason = f"`set.{name}()` is not modelled"
        self.lose(target, f"the set changed by {self.where(node)} is not known: {reason}")  # type: ignore[attr-defined]
        return Unknown(f"`set.{name}()` is not evaluated: {reason}")

    def set_augmented(self, op: Optional[type], left: Any, right: Any) -> Any:
        """`s |= t` (and `&=`, `-=`, `^=`): `s` changed in place (IN_PLACE is the caller's),
        True when done, or NotImplemented."""
        if type(left) is not set or op not in _IN_PLACE or not isinstance(right, SETS):
            return NotImplemented
        lost = self.lost(left) or self.lost(right)
        if lost is not None:
            self.lose(left, lost.reason)
        elif self.forks or self.uncertain:  # type: ignore[attr-defined]
            self.lose(left, "a set changed in place under a condition that is not known")
        else:
            _IN_PLACE[op](left, right)
        return True
