"""Which findings are reported: the codes selected (flake8's rules) and `# noqa`. Shared by
`macslint check` and the language server, so the editor shows what `check` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from .codes import DEFAULT_DISABLED
from .engine import FileResult
from .noqa import NoqaFilter
from .results.findings import Finding


def parse_codes(text: Optional[str]) -> Optional[List[str]]:
    """A comma- or space-separated list of code prefixes, upper-cased; None for None."""
    if text is None:
        return None
    return [c.strip().upper() for c in text.replace(" ", ",").split(",") if c.strip()]


@dataclass
class CodeSelection:
    """flake8's rule: the longest matching prefix decides; an explicit select beats a
    default ignore."""

    select: Optional[List[str]] = None
    ignore: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    extend_ignore: List[str] = field(default_factory=list)

    def enabled(self, code: str) -> bool:
        def longest(prefixes: Sequence[str]) -> int:
            return max((len(p) for p in prefixes if code.startswith(p)), default=-1)

        explicit_select = longest((self.select or []) + self.extend_select)
        select = max(explicit_select, longest(["MAC"] if self.select is None else []))
        explicit_ignore = longest((self.ignore or []) + self.extend_ignore)
        default_ignore = longest(list(DEFAULT_DISABLED) if self.ignore is None else [])
        if select < 0:
            return False
        if explicit_ignore < 0 and (default_ignore < 0 or explicit_select >= 0):
            return True
        return select > max(explicit_ignore, default_ignore)


def selected_findings(result: FileResult, selection: CodeSelection) -> List[Finding]:
    """The result's findings that are selected and not silenced by `# noqa`, in order."""
    noqa = NoqaFilter.for_result(result)
    return [f for f in result.findings if selection.enabled(f.code) and not noqa.ignores(f)]
