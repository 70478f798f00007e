"""Enums of the analysed code (`class Color(Enum)`; torchvision's `ResNet50_Weights(WeightsEnum)`
whose members hold the weights' URL and metadata): each member is made once, when the class
statement runs, as Python's EnumMeta makes them.

A member of an `Enum` (or `Flag`) is an instance of its class (evaluator.records.Instance,
frozen) with `name`, `value`, `_name_` and `_value_`: `isinstance(m, Color)` holds, its
methods and properties run, `Color["RED"]` finds it. A member of an `IntEnum`, `StrEnum` or
`IntFlag` is its value itself, which is what arithmetic and comparisons with it see (its
identity as a member is not kept). The members are the class body's names that are not
dunder or sunder names, functions, properties or other descriptors; `enum.auto()` gives the
values Python gives (1, 2, ... for an Enum; the lower-cased name for a StrEnum). Plain data:
no libcst.
"""

from __future__ import annotations

from typing import Any, Optional

import libcst as cst

from .records import Instance, StdName
from .values import MISSING, Unknown, UserClass, UserFunction

ENUM_BASES = {"enum.Enum": "Enum", "enum.Flag": "Enum", "enum.IntEnum": "IntEnum",
              "enum.IntFlag": "IntEnum", "enum.StrEnum": "StrEnum"}


def enum_kind(cls: UserClass) -> Optional[str]:
    """"Enum", "IntEnum" or "StrEnum" for an enum class (a base is one of enum's, or an enum
    class of the file's), else None."""
    mixed = enum_mixin(cls)
    for base in cls.bases:
        if isinstance(base, StdName) and base.path in ENUM_BASES:
            return mixed if mixed and ENUM_BASES[base.path] == "Enum" else ENUM_BASES[base.path]
        if isinstance(base, UserClass) and base.meta.get("enum"):
            return base.meta["enum"]
    return None


def enum_mixin(cls: UserClass) -> Optional[str]:
    """"StrEnum" / "IntEnum" for `class Format(str, Enum)` / `(int, Enum)`: an Enum whose
    members are strs / ints (compared as them), else None."""
    names = [arg.value.value for arg in getattr(cls.node, "bases", ())
             if isinstance(arg.value, cst.Name)]
    if not any(isinstance(b, StdName) and ENUM_BASES.get(b.path) == "Enum" for b in cls.bases):
        return None
    return "StrEnum" if "str" in names else "IntEnum" if "int" in names else None


def _is_member_name(name: str) -> bool:
    return not (name.startswith("__") and name.endswith("__")) and not (
        len(name) > 2 and name.startswith("_") and name.endswith("_"))


def make_members(cls: UserClass, kind: str) -> None:
    """Turn the class body's member names into members, in definition order."""
    count = 0
    made: list = []  # (value, member): a name given an earlier member's value is an alias
    for name, value in list(cls.body.values.items()):
        if not _is_member_name(name) or isinstance(value, (UserFunction, UserClass)):
            continue
        count += 1
        if isinstance(value, AutoValue):
            value = name.lower() if kind == "StrEnum" else count
        if kind == "StrEnum" and type(value) is str:  # a str that knows it is this member
            alias = next((v for v in cls.body.values.values()
                          if isinstance(v, EnumStr) and str(v) == value), None)
            cls.body.values[name] = alias or EnumStr(value, cls, name)
            continue
        if kind != "Enum":
            cls.body.values[name] = value
            continue
        alias = next((m for v, m in made if v is value or _plain(v) and _plain(value)
                      and type(v) is type(value) and v == value), None)
        if alias is not None:  # `DEFAULT = IMAGENET1K_V2`: the same member
            cls.body.values[name] = alias
            continue
        member = Instance(cls)
        member.attrs.update({"name": name, "value": value, "_name_": name, "_value_": value})
        member.frozen = True
        made.append((value, member))
        cls.body.values[name] = member


def _plain(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str, tuple)) and not isinstance(value, Unknown)


def enum_member(cls: UserClass, key: Any) -> Any:
    """`Color["RED"]`: the member of that name, Unknown when there is none (Python raises
    KeyError) or the key is not known."""
    if isinstance(key, Unknown):
        return key
    value = cls.body.values.get(key) if isinstance(key, str) and _is_member_name(key) else None
    if value is None or isinstance(value, (UserFunction, UserClass)):
        return Unknown(f"{cls.name}[{key!r}]: no such member (Python raises KeyError)")
    return value


class EnumStr(str):
    """A member of a StrEnum or `(str, Enum)`: the str it is (every str operation sees its
    value), and which member (`is` between members, `.name`, `.value`)."""

    def __new__(cls, value: str, owner: Any, name: str) -> "EnumStr":
        made = super().__new__(cls, value)
        made.owner, made.member_name = owner, name  # type: ignore[attr-defined]
        return made

    def member_attribute(self, name: str) -> Any:
        if name in ("name", "_name_"):
            return self.member_name  # type: ignore[attr-defined]
        if name in ("value", "_value_"):
            return str(self)
        return MISSING


def enum_by_value(cls: UserClass, value: Any) -> Any:
    """`Format('NCHW')`: the member of that value (a member given: itself); Unknown when none
    has it (Python raises ValueError) or the value is not known."""
    if isinstance(value, Unknown):
        return value
    for name, member in cls.body.values.items():
        if not _is_member_name(name) or isinstance(member, (UserFunction, UserClass)):
            continue
        if member is value or isinstance(member, EnumStr) and type(value) in (str, EnumStr) \
                and str(member) == str(value) or (_plain(member) and _plain(value) and
                                                  member == value and type(member) is type(value)) or \
                getattr(member, "attrs", {}).get("value", MISSING) == value and _plain(value):
            return member
    return Unknown(f"{value!r} is not a valid {cls.name} (Python raises ValueError)")



class AutoValue:
    """`enum.auto()` in a class body: its value is given when the members are made."""

    python_type = "auto"

    def __repr__(self) -> str:
        return "auto()"
