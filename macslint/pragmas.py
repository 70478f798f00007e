"""`# macslint: ...` pragmas: per-model settings written on a class (or factory) line."""

from __future__ import annotations

import re
from typing import Any

from .config import MODEL_KEYS, TOP_LEVEL_KEYS, unknown_key, value_error
from .errors import ConfigError
from .units import parse_count, parse_increase, parse_shape

PRAGMA_MARKER = "macslint:"
"""Every pragma comment contains this text: a cheap test before :func:`parse_pragma`."""

PRAGMA_RE = re.compile(r"#\s*macslint:")
"""Finds the start of a pragma in a line or comment (``# macslint:`` or ``#macslint:``)."""

_PRAGMA_EXAMPLE = "# macslint: input-size=3x32x32, batch-size=4, max-model-macs=500M"
# A separator (comma or whitespace) before the next "key=": shapes may contain commas ("3,32,32").
_PRAGMA_SPLIT_RE = re.compile(r"[\s,]+(?=[A-Za-z_][A-Za-z0-9_-]*\s*=)")
_INT_RE = re.compile(r"\+?[0-9]+(?:_[0-9]+)*")
_PRAGMA_VALUE_EXAMPLES = {
    "input-size": "3x32x32",
    "batch-size": "4",
    "max-layer-macs": "500M",
    "max-layer-params": "1M",
    "max-model-macs": "4G",
    "max-model-params": "25M",
    "max-model-macs-increase": "10%",
    "max-model-params-increase": "1M",
}
assert set(_PRAGMA_VALUE_EXAMPLES) == set(MODEL_KEYS)


def _pragma_value(key: str, text: str, *, source: str) -> Any:
    name = key.replace("-", "_")
    if not text:
        fix = f"write {key}={_PRAGMA_VALUE_EXAMPLES[key]}"
        raise value_error(source, key, text, "no value", fix)
    if name == "input_size":
        return parse_shape(text, key=key, source=source)
    if name == "batch_size":
        if not _INT_RE.fullmatch(text):
            raise value_error(source, key, text, "not an integer", "use a positive integer like 1")
        if int(text.replace("_", "")) <= 0:
            raise value_error(source, key, text, "not positive", "use a positive integer like 1")
        return int(text.replace("_", ""))
    if name.endswith("_increase"):
        return parse_increase(text, key=key, source=source)
    return parse_count(text, key=key, source=source)


def parse_pragma(comment: str, *, source: str) -> dict[str, Any]:
    """Parse the ``macslint:`` pragma of a comment into {Settings field name: value}.

    A pragma is a ``#``-separated part of the comment that starts with
    ``macslint:`` (``# macslint: ...`` or ``#macslint: ...``); it ends at the next
    ``#``, so ``# macslint: batch-size=2  # noqa: MAC003`` and
    ``# noqa: MAC003 # macslint: batch-size=2`` both work. It holds ``key=value``
    items separated by commas and/or whitespace, spaces around ``=`` allowed::

        # macslint: input-size=1x32x32, batch-size=4, max-model-macs=500M

    Keys are those of a ``[tool.macslint.models.<Name>]`` table: ``input-size``
    (a shape like ``3x32x32``, no batch dimension), ``batch-size`` (a positive
    integer), ``max-layer-macs``, ``max-layer-params``, ``max-model-macs`` and
    ``max-model-params`` (counts like ``500M``, ``1.5G``, ``1_000``). The result
    is for :meth:`Settings.for_model`; it is ``{}`` when the comment has no
    pragma.

    Raises :class:`ConfigError` naming ``source`` (e.g. ``"model.py:12"``), the
    key, the value and what to write instead, for unknown or repeated keys,
    items that are not ``key=value``, an empty pragma and invalid values.
    """
    if PRAGMA_MARKER not in comment:
        return {}
    result: dict[str, Any] = {}
    for part in comment.split("#"):
        part = part.strip()
        if not part.startswith(PRAGMA_MARKER):
            continue
        body = part[len(PRAGMA_MARKER) :].strip(" \t,")
        if not body:
            raise ConfigError(f"{source}: empty macslint pragma; write settings like {_PRAGMA_EXAMPLE!r}")
        for item in _PRAGMA_SPLIT_RE.split(body):
            key, equals, value = item.partition("=")
            key, value = key.strip(), value.strip(" \t,")
            if not equals or not key:
                raise ConfigError(
                    f"{source}: macslint pragma item {item!r} is not key=value; "
                    f"write settings like {_PRAGMA_EXAMPLE!r}"
                )
            if key not in MODEL_KEYS:
                if key in TOP_LEVEL_KEYS:
                    raise value_error(
                        source, key, value, "not allowed in a macslint pragma", f"set {key} in [tool.macslint]"
                    )
                raise unknown_key(source, key, key, value, MODEL_KEYS, "a macslint pragma")
            name = key.replace("-", "_")
            if name in result:
                raise value_error(source, key, value, "given twice in a macslint pragma", "keep one")
            result[name] = _pragma_value(key, value, source=source)
    return result
