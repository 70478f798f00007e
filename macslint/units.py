"""Parsing and formatting of counts ("500M", "1.5G") and input shapes ("3x224x224").

All arithmetic is exact: counts are parsed with :class:`decimal.Decimal` in a
context wide enough that nothing is ever rounded, and formatting rounds with
round-half-even only at the final one-decimal step.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Optional

from macslint.errors import ConfigError

__all__ = ["ConfigError", "parse_count", "format_count", "parse_shape", "format_shape",
           "Increase", "parse_increase", "format_signed", "format_percent_change"]

SUFFIXES: dict[str, int] = {"K": 3, "M": 6, "G": 9, "T": 12}

_COUNT_HINT = 'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)'
_SHAPE_HINT = 'use positive integers separated by "x" or ",", like "3x224x224"'

# Digits with single underscores between them, as in Python literals ("1_000").
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_COUNT_RE = re.compile(
    rf"(?P<sign>[+-]?)\s*(?P<number>{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})\s*(?P<suffix>[KMGTkmgt]?)"
)
_SHAPE_SPLIT_RE = re.compile(r"[xX,]")
_DIM_RE = re.compile(r"[0-9]+")


def _exact_context(digits: int) -> decimal.Context:
    """A context with enough precision that arithmetic on ``digits``-digit numbers is exact."""
    ctx = decimal.Context(prec=digits + 40, rounding=decimal.ROUND_HALF_EVEN)
    ctx.traps[decimal.Inexact] = True
    return ctx


def type_name(value: object) -> str:
    """Describe a value's type the way a TOML user would ("a float", "a table")."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def parse_count(value: object, *, key: str, source: str) -> int:
    """Parse a budget value from config or the command line into an exact non-negative int.

    Accepted: a non-negative ``int`` (not ``bool``), or a string holding a decimal
    number with an optional suffix K, M, G or T (case-insensitive; powers of
    1000), optional whitespace, and Python-style underscores between digits:
    ``"500M"``, ``"1.5G"``, ``"118_013_952"``, ``" 2 k "``. The result must be a
    whole number, so ``"1.5G"`` is fine and ``"1.2345K"`` is not.

    Raises :class:`ConfigError` with the message
    ``{source}: {key} = {value!r}: {what is wrong}; {what to do}``.
    """

    def fail(problem: str, fix: str = _COUNT_HINT) -> ConfigError:
        return ConfigError(f"{source}: {key} = {value!r}: {problem}; {fix}")

    if isinstance(value, bool):
        raise fail("a boolean is not a count")
    if isinstance(value, int):
        if value < 0:
            raise fail("negative", "use a count >= 0")
        return int(value)
    if isinstance(value, float):
        raise fail("a float is not a count (it may not be exact)")
    if not isinstance(value, str):
        raise fail(f"not a count ({type_name(value)})")

    text = value.strip()
    if not text:
        raise fail("empty")
    match = _COUNT_RE.fullmatch(text)
    if match is None:
        raise fail("not a count")
    if match.group("sign") == "-" and match.group("number").strip("0._") != "":
        raise fail("negative", "use a count >= 0")
    number = match.group("number").replace("_", "")
    exponent = SUFFIXES.get(match.group("suffix").upper(), 0)
    ctx = _exact_context(len(number))
    amount = ctx.multiply(Decimal(number), Decimal(10) ** exponent)
    if amount != amount.to_integral_value(context=ctx):
        raise fail(
            f"not a whole number ({amount.normalize(ctx):f})",
            "use a whole count, e.g. fewer decimals or a smaller suffix",
        )
    return int(amount)


def format_count(n: int) -> str:
    """Format a count for humans: ``9408 -> "9.4K"``, ``118013952 -> "118.0M"``, ``3000 -> "3K"``.

    Below 1000 the number is printed as is. Otherwise it is scaled by the largest
    of K, M, G, T (powers of 1000) that keeps the value >= 1 and printed with one
    decimal, rounded half-to-even; an exactly whole scaled value is printed with
    no decimal ("100M"). If rounding reaches 1000.0 the next suffix is used
    (999999 -> "1.0M"). T is the largest suffix (1.5e15 -> "1500T"). Negative
    numbers get a "-" before the format of their absolute value.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"format_count() needs an int, not {type(n).__name__}")
    if n < 0:
        return "-" + format_count(-n)
    if n < 1000:
        return str(n)
    names = list(SUFFIXES)
    index = 0
    while index + 1 < len(names) and n >= 10 ** SUFFIXES[names[index + 1]]:
        index += 1
    ctx = _exact_context(len(str(n)))
    while True:
        name = names[index]
        unit = 10 ** SUFFIXES[name]
        if n % unit == 0:
            return f"{n // unit}{name}"
        tenths = int(
            ctx.divide(ctx.multiply(Decimal(n), Decimal(10)), Decimal(unit)).to_integral_value(
                rounding=decimal.ROUND_HALF_EVEN, context=ctx
            )
        )
        if tenths >= 10_000 and index + 1 < len(names):
            index += 1
            continue
        return f"{tenths // 10}.{tenths % 10}{name}"


def format_signed(n: int, factor: int = 1) -> str:
    """A change in a count, with its sign and thousands separators: ``+1,024``."""
    return f"{n * factor:+,}"


def format_percent_change(p: Fraction) -> str:
    """A relative change in percent, signed, one decimal: ``+12.5%``."""
    return f"{float(p):+.1f}%" if p else "+0.0%"


def parse_shape(text: object, *, key: str, source: str) -> tuple[int, ...]:
    """Parse ``"3x224x224"`` (or ``"3,224,224"``, ``"3X224X224"``, spaces allowed) into a tuple.

    Every dimension must be a positive integer and there must be at least one.
    Raises :class:`ConfigError` (``{source}: {key} = {text!r}: ...; ...``) otherwise.
    """

    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{source}: {key} = {text!r}: {problem}; {_SHAPE_HINT}")

    if not isinstance(text, str):
        raise fail(f"not a shape string ({type_name(text)})")
    if not text.strip():
        raise fail("empty")
    dims: list[int] = []
    for position, part in enumerate(_SHAPE_SPLIT_RE.split(text), start=1):
        part = part.strip()
        if not _DIM_RE.fullmatch(part):
            what = "missing" if not part else f"{part!r} is not a positive integer"
            raise fail(f"dimension {position} {what}")
        dim = int(part)
        if dim <= 0:
            raise fail(f"dimension {position} is {dim}, not a positive integer")
        dims.append(dim)
    return tuple(dims)


def format_shape(shape: Sequence[int]) -> str:
    """``(3, 224, 224) -> "3x224x224"``; the empty shape ``() -> "scalar"``."""
    if len(shape) == 0:
        return "scalar"
    return "x".join(str(d) for d in shape)


_INCREASE_HINT = 'use a percentage like "10%" or a count like "50M" (suffixes K, M, G, T)'
_PERCENT_RE = re.compile(rf"(?P<number>{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})\s*%")


@dataclass(frozen=True)
class Increase:
    """How much a model may grow between two revisions: a percentage of its old cost, or an
    absolute count. Exactly one of the two is set; percentages are kept exact."""

    percent: Optional[Fraction] = None
    count: Optional[int] = None

    def exceeded(self, before: int, after: int) -> bool:
        growth = after - before
        if self.count is not None:
            return growth > self.count
        assert self.percent is not None
        if before == 0:
            return growth > 0  # any growth from nothing is an infinite percentage
        return Fraction(growth * 100, before) > self.percent

    def __str__(self) -> str:
        if self.count is not None:
            return format_count(self.count)
        assert self.percent is not None
        text = f"{float(self.percent):g}" if self.percent.denominator != 1 else str(self.percent)
        return f"{text}%"


def parse_increase(value: object, *, key: str, source: str) -> Increase:
    """``"10%"`` (a share of the old cost) or a count (``50000``, ``"50M"``) as in
    :func:`parse_count`. Raises :class:`ConfigError` naming the key and value."""
    if isinstance(value, str) and "%" in value:
        match = _PERCENT_RE.fullmatch(value.strip())
        if match is None:
            raise ConfigError(f"{source}: {key} = {value!r}: not a percentage; {_INCREASE_HINT}")
        return Increase(percent=Fraction(Decimal(match.group("number").replace("_", ""))))
    try:
        return Increase(count=parse_count(value, key=key, source=source))
    except ConfigError as exc:
        raise ConfigError(str(exc).rsplit("; ", 1)[0] + f"; {_INCREASE_HINT}") from None
