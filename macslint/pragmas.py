"""`# macslint: ...` pragmas: per-model settings written on a class (or factory) line."""

from __future__ import annotations

import re
from typing import Any

from .config import MODEL_KEYS, TOP_LEVEL_KEYS, unknown_key, value_error
from .builds import parse_build
from .errors import ConfigError
from .inputs import parse_inputs
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
    "inputs": "idx:1024:int64; mask:1024:bool",
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
    if name == "inputs":
        return parse_inputs(text, key=key, source=source)
    if name == "batch_size":
        if not _INT_RE.fullmatch(text):
            raise value_error(source, key, text, "not an integer", "use a positive integer like 1")
        if int(text.replace("_", "")) <= 0:
            raise value_error(source, key, text, "not positive", "use a positive integer like 1")
        return int(text.replace("_", ""))
    if name.endswith("_increase"):
        return parse_increase(text, key=key, source=source)
    return parse_count(text, key=key, source=source)


_BUILD_RE = re.compile(r"(?:^|[\s,])build\s*=\s*")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def _take_build(body: str, *, source: str) -> tuple[str, str | None]:
    """`build=Callee(arguments)` taken out of a pragma's body (its commas are the call's, not
    separators): the rest of the body, and the expression (None when there is none)."""
    match = _BUILD_RE.search(body)
    if match is None:
        return body, None
    start = index = match.end()
    while index < len(body) and (body[index].isalnum() or body[index] in "_."):
        index += 1
    if index == start or index >= len(body) or body[index] != "(":
        raise value_error(source, "build", body[start:].split(",")[0], "not a call",
                          "write build=ClassName(arguments), like build=UNet(3, 2)")
    closing: list[str] = []
    quote = None
    while index < len(body):
        char = body[index]
        if quote is not None:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in _CLOSING:
            closing.append(_CLOSING[char])
        elif closing and char == closing[-1]:
            closing.pop()
            if not closing:
                break
        index += 1
    if closing or index >= len(body):
        raise value_error(source, "build", body[start:], "its parentheses are not closed",
                          "write build=ClassName(arguments), like build=UNet(3, 2)")
    rest = (body[:match.start()] + " " + body[index + 1:]).strip(" \t,")
    return rest, body[start:index + 1]


def parse_pragma(comment: str, *, source: str) -> dict[str, Any]:
    """Parse the ``macslint:`` pragma of a comment into {Settings field name: value}.

    A pragma is a ``#``-separated part of the comment that starts with
    ``macslint:`` (``# macslint: ...`` or ``#macslint: ...``); it ends at the next
    ``#``, so ``# macslint: batch-size=2  # noqa: MAC003`` and
    ``# noqa: MAC003 # macslint: batch-size=2`` both work. It holds ``key=value``
    items separated by commas and/or whitespace, spaces around ``=`` allowed::

        # macslint: input-size=1x32x32, batch-size=4, max-model-macs=500M

    ``build=Callee(arguments)`` declares how to build the model (:mod:`macslint.builds`):
    the result holds it under ``"build"`` (a :class:`macslint.builds.Build`), which is not a
    setting: take it out before :meth:`Settings.for_model`.

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
        body, build = _take_build(body, source=source)
        if build is not None:
            if "build" in result:
                raise value_error(source, "build", build, "given twice in a macslint pragma", "keep one")
            result["build"] = parse_build(build, label=" ".join(build.split()), key="build", source=source)
            if not body:
                continue
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
            if {name, "inputs", "input_size"} == {"inputs", "input_size"} and \
                    ({"inputs", "input_size"} - {name}) & set(result):
                raise value_error(source, key, value, "given with "
                                  f"{'input-size' if name == 'inputs' else 'inputs'} in the "
                                  "same pragma", "keep one: input-size for one input, "
                                  "inputs for several inputs or their dtypes")
            result[name] = _pragma_value(key, value, source=source)
    return result
