"""`# noqa` for the CLI, applied exactly as flake8 applies it, so both agree."""

from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .engine import FileResult
from .results.findings import Finding

# flake8's own patterns (flake8/defaults.py).
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
CODE_SPLIT = re.compile(r"[,\s]")
# A physical line with its ending: Python ends lines only at \n, \r\n and \r, while
# `str.splitlines` also splits at a form feed, U+2028 and others, shifting later lines.
PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def physical_lines(source: str) -> List[str]:
    return PHYSICAL_LINE.findall(source)


def _logical_line_map(lines: List[str]) -> Dict[int, str]:
    """Line number -> the text searched for noqa: the line, or all lines of a token that spans
    several (a multi-line string), as flake8's FileProcessor._noqa_line_mapping does."""
    mapping: Dict[int, str] = {}
    position = iter(lines)
    try:
        tokens = list(tokenize.generate_tokens(lambda: next(position, "")))
    except (tokenize.TokenError, SyntaxError):
        return {n: line for n, line in enumerate(lines, 1)}
    first, last = len(lines) + 2, -1
    for kind, _, (start, _), (end, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first, last = min(first, start), max(last, end)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[first - 1:last])
            for n in range(first, last + 1):
                mapping[n] = joined
            first, last = len(lines) + 2, -1
    return mapping


@dataclass
class NoqaFilter:
    lines: List[str] = field(default_factory=list)
    _map: Optional[Dict[int, str]] = None

    @classmethod
    def for_result(cls, result: FileResult) -> "NoqaFilter":
        return cls(physical_lines(result.source))

    def file_disabled(self) -> bool:
        # flake8 7 skips the whole file on `# flake8: noqa`, with or without codes after it.
        return any(NOQA_FILE.match(line) for line in self.lines)

    def ignores(self, finding: Finding) -> bool:
        if not self.lines:
            return False
        if self.file_disabled():
            return True
        if self._map is None:
            self._map = _logical_line_map(self.lines)
        text = self._map.get(finding.line)
        if text is None:
            return False
        match = NOQA_INLINE.search(text)
        if match is None:
            return False
        codes_text = match.group("codes")
        if codes_text is None:
            return True
        codes = tuple(c for c in CODE_SPLIT.split(codes_text) if c)
        return finding.code in codes or finding.code.startswith(codes)
