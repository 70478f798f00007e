"""Namedtuples as configs: `class Sizes(NamedTuple)` (its fields and defaults are read by
evaluator.record_calls when the class statement runs), `collections.namedtuple(...)` with
`defaults=`, `typing.NamedTuple(name, [(field, type)])`; instances by position or keyword,
fields by name or index, `_replace`, `_asdict`, `_fields`. Part of record_calls.RecordCalls."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from .records import Method, NamedTupleType, NamedTupleValue
from .values import MISSING, RaiseSignal, Unknown, UserClass


class NamedTupleCalls:
    """Part of evaluator.record_calls.RecordCalls: making and reading namedtuples."""

    def namedtuple_type(self, node: cst.Call, maker: str, positional: List[Any],
                        keywords: Dict[str, Any]) -> Any:
        if len(positional) != 2 or not isinstance(positional[0], str):
            return Unknown(f"`{self.code(node.func)}(...)` with these arguments is not modelled "
                           f"({self.place(node)})")
        name, spec = positional
        if maker == "collections.namedtuple":
            names = spec.replace(",", " ").split() if isinstance(spec, str) else spec
            if not (isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names)):
                return Unknown(f"the fields of namedtuple {name!r} are not known ({self.place(node)})")
            defaults = keywords.get("defaults") or ()
            if set(keywords) - {"defaults", "rename", "module"} or not isinstance(defaults, (list, tuple)) \
                    or len(defaults) > len(names):
                return Unknown(f"namedtuple {name!r} with these arguments is not modelled "
                               f"({self.place(node)})")
            default_of = dict(zip(names[len(names) - len(defaults):], defaults))
            return NamedTupleType(name, tuple(names), default_of)
        if isinstance(spec, Unknown) and isinstance(node, cst.Call) and len(node.args) == 2:
            spec = field_names(node.args[1].value) or spec  # `[("x", int)]`: `int` is not read
        if keywords or not isinstance(spec, (list, tuple)) or not all(
                isinstance(p, (tuple, list)) and len(p) == 2 and isinstance(p[0], str) for p in spec):
            return Unknown(f"NamedTuple {name!r} with these arguments is not modelled "
                           f"({self.place(node)})")
        return NamedTupleType(name, tuple(p[0] for p in spec), {})

    def make_namedtuple(self, node: cst.CSTNode, owner: Any, fields: Tuple[str, ...],
                        defaults: Dict[str, Any], positional: List[Any],
                        keywords: Dict[str, Any]) -> Any:
        name = owner.name
        problem = None
        if len(positional) > len(fields):
            problem = f"takes {len(fields)} positional arguments but {len(positional)} were given"
        values = dict(zip(fields, positional))
        for key, value in keywords.items():
            if key not in fields or key in values:
                problem = problem or f"got an unexpected or repeated argument '{key}'"
            values[key] = value
        missing = [f for f in fields if f not in values and f not in defaults]
        if missing:
            problem = problem or f"missing a required argument: '{missing[0]}'"
        if problem is not None:
            if self.policy.runs:
                raise RaiseSignal(f"{name}() {problem} ({self.place(node)})")
            return Unknown(f"{name}() {problem} ({self.place(node)})")
        return NamedTupleValue((values[f] if f in values else defaults[f] for f in fields), owner)

    def namedtuple_attribute(self, node: cst.CSTNode, base: NamedTupleValue, name: str) -> Any:
        fields = base.fields
        if name in fields:
            return base[fields.index(name)]
        if name == "_fields":
            return fields
        if name in ("_replace", "_asdict"):
            return Method(base, name)
        if isinstance(base.owner, UserClass):
            member = self.find_member(base.owner, name)
            if member is not MISSING:
                return self.bound_member(base, member, name, node)
        return Unknown(f"{base.owner.name} has no attribute '{name}' ({self.place(node)})")



def field_names(node: cst.BaseExpression) -> Optional[List[Tuple[str, None]]]:
    """`[("x", int), ("y", int)]` as written: the names (the types are not needed)."""
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    names: List[Tuple[str, None]] = []
    for element in node.elements:
        pair = element.value
        if not (isinstance(pair, cst.Tuple) and len(pair.elements) == 2
                and isinstance(pair.elements[0].value, cst.SimpleString)):
            return None
        name = pair.elements[0].value.evaluated_value
        if not isinstance(name, str):
            return None
        names.append((name, None))
    return names
