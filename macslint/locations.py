"""Where a finding is, in every form an output needs: its end, its UTF-8 byte columns and its
path relative to the repository root. Shared by the renderers, baselines and the editor.

Positions: findings carry 1-based lines and 1-based columns counted in characters (code
points); reviewdog wants UTF-8 byte columns, so both are kept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from .results.findings import Finding


@dataclass(frozen=True)
class Located:
    """A finding with every position a format needs."""

    finding: Finding
    relative: str  # the file relative to the repository root, "/"-separated ("" if outside)
    end_line: int
    end_col: int  # 1-based, exclusive, in characters
    byte_col: int  # 1-based, in UTF-8 bytes
    byte_end_col: int  # 1-based, exclusive, in UTF-8 bytes
    line_text: str  # the start line, stripped: what a finding without an anchor is about

    @property
    def anchor(self) -> str:
        return self.finding.anchor or self.line_text


def repository_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding `.git` (a directory, or a file in a
    worktree or submodule); `start` itself outside any repository."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def relative_to(path: str, root: Path) -> str:
    """`path` (as given, relative to the working directory) relative to `root`, "/"-separated,
    also through a symlink to it; "" when it is not under `root`."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        try:  # the root is resolved; the path may go through a symlink to it
            return absolute.resolve().relative_to(root).as_posix()
        except ValueError:
            return ""


def source_lines(source: str) -> List[str]:
    """The lines as Python (and libcst) number them: only \\n, \\r\\n and \\r end a line.
    `str.splitlines` would also split at a form feed, \\x1c-\\x1e, \\x85, U+2028 and U+2029,
    which may stand in comments and strings, and shift every later line."""
    return _LINE_END.split(source)


_LINE_END = re.compile(r"\r\n|\r|\n")


def _byte_col(text: str, col: int) -> int:
    return len(text[: col - 1].encode("utf-8")) + 1


def locate(items: Iterable[Tuple[Finding, str]], root: Path) -> List[Located]:
    """Each (finding, source of its file) with its end, byte columns and repository path.
    A finding without an end (a model's class line) covers the rest of its line."""
    located = []
    lines_of: Dict[int, List[str]] = {}
    for finding, source in items:
        lines = lines_of.setdefault(id(source), source_lines(source))
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        end_line, end_col = finding.end_line, finding.end_col
        if end_line is None or end_col is None:
            end_line, end_col = finding.line, max(len(text.rstrip()) + 1, finding.col)
        end_text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
        located.append(Located(
            finding, relative_to(finding.path, root), end_line, end_col,
            _byte_col(text, finding.col), _byte_col(end_text, end_col), text.strip()))
    return located
