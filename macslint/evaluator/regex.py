"""`re.split`, `re.sub`, `re.findall`, `re.escape` and whether `re.match`/`search`/
`fullmatch` find anything, on known strings (timm's block strings: `re.split(r'(\\d.*)', op)`).
Python's own `re` computes them; long texts are not run (a pattern of the analysed code could
backtrack for long). A match object is not modelled: a match is Unknown, no match is None.
Plain data: no libcst."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from .values import Unknown

REGEX_FUNCTIONS = frozenset({"split", "sub", "findall", "escape", "match", "search",
                             "fullmatch"})
MAX_TEXT = 2000
_PARAMETERS = {
    "split": ("pattern", "string", "maxsplit", "flags"),
    "sub": ("pattern", "repl", "string", "count", "flags"),
    "findall": ("pattern", "string", "flags"), "escape": ("pattern",),
    "match": ("pattern", "string", "flags"), "search": ("pattern", "string", "flags"),
    "fullmatch": ("pattern", "string", "flags"),
}


def regex_call(name: str, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`re.<name>(...)`: its value, or Unknown (why)."""
    names = _PARAMETERS[name]
    if len(positional) > len(names) or set(keywords) - set(names):
        return Unknown(f"re.{name}() with these arguments is not modelled")
    bound = {**dict(zip(names, positional)), **keywords}
    for key, value in bound.items():
        if key in ("pattern", "string", "repl") and not isinstance(value, str) or \
                key in ("maxsplit", "count", "flags") and (
                    not isinstance(value, int) or isinstance(value, bool)):
            return Unknown(f"re.{name}() of values that are not known strings")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return Unknown(f"re.{name}() of a text too long to run")
    try:
        result = getattr(re, name)(**bound)
    except (re.error, TypeError, ValueError, IndexError) as exc:
        return Unknown(f"re.{name}() raises {type(exc).__name__}")
    if name in ("match", "search", "fullmatch"):
        return None if result is None else Unknown(f"the match object of re.{name}() is not "
                                                   f"modelled")
    return result
