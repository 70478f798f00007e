"""`itertools.repeat`, `chain`, `accumulate` and `product` on known values (timm's
`to_2tuple(x)` is `tuple(repeat(x, 2))`), and `isinstance` against `collections.abc`'s
Iterable, Sequence, Mapping and Callable for plain Python values. An iterator is its list of
items (what `tuple()`, `zip()` or a loop over it sees); one without an end is Unknown. Plain
data: no libcst."""

from __future__ import annotations

import itertools
import operator
from typing import Any, Callable, Dict, List, Optional

from .operators import MAX_SEQUENCE
from .values import Unknown

ITERTOOLS = frozenset({"repeat", "chain", "accumulate", "product"})


def itertools_call(name: str, positional: List[Any], keywords: Dict[str, Any],
                   iterate: Callable[[Any], Any], add: Callable[[Any, Any], Any]) -> Any:
    """`itertools.<name>(...)`: its items, or Unknown (why). `iterate` lists a value's items
    (Unknown where not known); `add` is `+` as the interpreter applies it."""
    if name == "repeat":
        times = positional[1] if len(positional) > 1 else keywords.get("times")
        if len(positional) not in (1, 2) or set(keywords) - {"times"}:
            return Unknown("itertools.repeat() with these arguments is not modelled")
        if times is None:
            return Unknown("itertools.repeat() without `times` never ends")
        if not isinstance(times, int) or isinstance(times, bool) or times > MAX_SEQUENCE:
            return Unknown("the `times` of itertools.repeat() is not a known, small int")
        return [positional[0]] * max(times, 0)
    if name == "accumulate" and (len(positional) > 1 or keywords.get("func") is not None):
        return Unknown("itertools.accumulate() with a function is not modelled")
    lists = [iterate(value) for value in positional]
    unknown = next((items for items in lists if isinstance(items, Unknown)), None)
    if unknown is not None:
        return unknown
    if name == "chain" and not keywords:
        return _bounded([item for items in lists for item in items])
    if name == "accumulate" and len(lists) == 1 and set(keywords) <= {"initial"} \
            or name == "accumulate" and len(lists) == 1 and keywords.get("func") is None:
        items = lists[0]
        if "initial" in keywords and keywords["initial"] is not None:
            items = [keywords["initial"], *items]
        total: List[Any] = []
        for item in items:
            total.append(item if not total else add(total[-1], item))
            if isinstance(total[-1], Unknown):
                return total[-1]
        return total
    if name == "product" and set(keywords) <= {"repeat"}:
        times = keywords.get("repeat", 1)
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            return Unknown("the `repeat` of itertools.product() is not a known int")
        size = 1
        for items in lists * times:
            size *= len(items)
        if size > MAX_SEQUENCE:
            return Unknown("itertools.product() of too many items")
        return [tuple(p) for p in itertools.product(*lists, repeat=times)]
    return Unknown(f"itertools.{name}() with these arguments is not modelled")


def _bounded(items: List[Any]) -> Any:
    return items if len(items) <= MAX_SEQUENCE else Unknown("an iterator of too many items")


# collections.abc's classes, by what a plain value is: True, False, None (not told here)
_ABC = {
    "Iterable": (list, tuple, str, dict, set, frozenset, range, bytes),
    "Sequence": (list, tuple, str, range, bytes),
    "Mapping": (dict,),
}


def abc_instance(kind: str, value: Any) -> Optional[bool]:
    """`isinstance(value, collections.abc.<kind>)` for a plain Python value; None where the
    value is not one (a module, a tensor: the runtime answers)."""
    if kind == "Callable":
        return False if isinstance(value, (int, float, str, list, tuple, dict, type(None))) \
            else None
    if kind not in _ABC:
        return None
    if isinstance(value, _ABC[kind]):
        return True
    if isinstance(value, (bool, int, float, complex, type(None), list, tuple, str, dict, set,
                          frozenset, range, bytes)):
        return False
    return None


def plus(a: Any, b: Any) -> Any:
    try:
        return operator.add(a, b)
    except TypeError:
        return Unknown("`+` of these values is not modelled")
