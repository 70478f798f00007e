"""flake8 adapter: `MAC` findings for each file flake8 checks.

It must never raise: one exception from a plugin ends flake8's run for every file, so
anything unexpected becomes a MAC900 finding on the file at hand.

Results are kept in the same cache as the CLI's (`.macslint_cache/`, keyed on the text flake8
hands over, so an editor re-checking an unchanged buffer pays nothing):
`--macslint-cache-dir DIR` or $MACSLINT_CACHE_DIR to move it, `--macslint-no-cache` to do
without.

The codes off by default (MAC100) follow flake8-bugbear's rule for its B9 codes: flake8
ignores them by default (`extend_default_ignore`), and the plugin reports them only when
`select` or `extend-select` names them by a prefix longer than `MAC` (`--select MAC1`,
`--extend-select MAC100`), so that `--select MAC`, or an `ignore` list that replaces flake8's
default one, does not turn them on.
`macslint check` selects codes the same way (`selection.CodeSelection`).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any, FrozenSet, Iterator, Optional, Sequence, Tuple

from .. import __version__
from ..cache import DEFAULT_DIR, ResultCache
from ..codes import DEFAULT_DISABLED
from ..engine import internal_error
from ..selection import opted_in
from ..service import check_buffer

Flake8Result = Tuple[int, int, str, type]


class MacsPlugin:
    name = "macslint"
    version = __version__
    cache: Optional[ResultCache] = None  # set from the options, once per flake8 process
    # The codes off by default that the options select (`selection.opted_in`); none until
    # flake8 hands the options over.
    selected_off_by_default: FrozenSet[str] = frozenset()

    def __init__(self, tree: ast.AST, filename: str = "stdin", lines: Sequence[str] = ()) -> None:
        # `tree` is unused (libcst parses again) but makes this a per-file plugin.
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.extend_default_ignore(list(DEFAULT_DISABLED))
        option_manager.add_option(
            "--macslint-cache-dir", metavar="DIR", parse_from_config=True,
            default=os.environ.get("MACSLINT_CACHE_DIR", DEFAULT_DIR),
            help=f"where macslint keeps results (default: {DEFAULT_DIR}, or $MACSLINT_CACHE_DIR)")
        option_manager.add_option(
            "--macslint-no-cache", action="store_true", parse_from_config=True,
            help="macslint neither reads nor writes its result cache")

    @classmethod
    def parse_options(cls, options: Any) -> None:
        no_cache = getattr(options, "macslint_no_cache", False)
        directory = getattr(options, "macslint_cache_dir", None)
        cls.cache = None if no_cache or not directory else ResultCache(Path(directory))
        selected = [*(getattr(options, "select", None) or []),
                    *(getattr(options, "extend_select", None) or [])]
        cls.selected_off_by_default = opted_in([str(code).strip() for code in selected])

    def run(self) -> Iterator[Flake8Result]:
        try:
            checked = check_buffer(self.filename, "".join(self.lines), Path(self.filename),
                                   cache=self.cache)
            findings = [] if checked.result is None else checked.result.findings
        except Exception as exc:  # noqa: BLE001 - see module docstring
            findings = internal_error(self.filename, None, exc).findings
        for finding in findings:
            code = finding.code
            if code in DEFAULT_DISABLED and code not in self.selected_off_by_default:
                continue  # off by default and not selected (see the module docstring)
            # flake8 wants 0-based columns; findings carry 1-based ones.
            yield finding.line, max(finding.col - 1, 0), f"{finding.code} {finding.message}", type(self)
