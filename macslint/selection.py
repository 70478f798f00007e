"""Which findings are reported: the codes selected (flake8's rules) and `# noqa`. Shared by
`macslint check` and the language server, so the editor shows what `check` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, Iterable, List, Optional, Sequence

from .codes import DEFAULT_DISABLED
from .engine import FileResult
from .noqa import NoqaFilter
from .results.findings import Finding


def parse_codes(text: Optional[str]) -> Optional[List[str]]:
    """A comma- or space-separated list of code prefixes, upper-cased; None for None."""
    if text is None:
        return None
    return [c.strip().upper() for c in text.replace(" ", ",").split(",") if c.strip()]


# The plugin's prefix: flake8's entry point name for macslint, and the implicit `--select`.
PREFIX = "MAC"


def opted_in(selected: Iterable[str]) -> FrozenSet[str]:
    """The codes off by default (MAC100) that `selected` (select and extend-select together)
    asks for: flake8-bugbear's rule for its B9 codes, by a prefix longer than the plugin's own
    (`MAC1`, `MAC10`, `MAC100`). `MAC` (or flake8's default select, or an `ignore` that
    replaces the default ignore list) never turns them on."""
    prefixes = [p for p in selected if len(p) > len(PREFIX)]
    return frozenset(code for code in DEFAULT_DISABLED if code.startswith(tuple(prefixes)))


@dataclass
class CodeSelection:
    """flake8's rule (its DecisionEngine: an explicit select beats an implicit ignore, an
    explicit ignore beats an implicit select, otherwise the longest matching prefix decides,
    a tie ignores), after the plugin's own for the codes off by default (`opted_in`)."""

    select: Optional[List[str]] = None
    ignore: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    extend_ignore: List[str] = field(default_factory=list)

    def enabled(self, code: str) -> bool:
        def longest(prefixes: Sequence[str]) -> int:
            return max((len(p) for p in prefixes if code.startswith(p)), default=-1)

        chosen = (self.select or []) + self.extend_select
        if code in DEFAULT_DISABLED and code not in opted_in(chosen):
            return False  # the plugin does not report it, whatever flake8 would decide
        explicit_select = longest(chosen)
        implicit_select = longest([PREFIX] if self.select is None else [])
        explicit_ignore = longest((self.ignore or []) + self.extend_ignore)
        implicit_ignore = longest(list(DEFAULT_DISABLED) if self.ignore is None else [])
        if explicit_select < 0 and implicit_select < 0:
            return False  # not selected at all
        if explicit_ignore < 0 and implicit_ignore < 0:
            return True  # selected, not ignored
        if (explicit_select >= 0) != (explicit_ignore >= 0):
            return explicit_select >= 0  # the explicit one wins
        # both explicit or both implicit: the longest prefix of either list, a tie ignores
        select = max(explicit_select, implicit_select)
        return select > max(explicit_ignore, implicit_ignore)


def selected_findings(result: FileResult, selection: CodeSelection) -> List[Finding]:
    """The result's findings that are selected and not silenced by `# noqa`, in order."""
    noqa = NoqaFilter.for_result(result)
    return [f for f in result.findings if selection.enabled(f.code) and not noqa.ignores(f)]
