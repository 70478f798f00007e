"""flake8 adapter: `MAC` findings for each file flake8 checks.

It must never raise: one exception from a plugin ends flake8's run for every file, so
anything unexpected becomes a MAC900 finding on the file at hand.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator, List, Sequence, Tuple

from . import __version__
from .codes import DEFAULT_DISABLED
from .config import ConfigError, config_for_path
from .engine import FileResult, check_source, config_error, internal_error

Flake8Result = Tuple[int, int, str, type]


class MacsPlugin:
    name = "macslint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str = "stdin", lines: Sequence[str] = ()) -> None:
        # `tree` is unused (libcst parses again) but makes this a per-file plugin.
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.extend_default_ignore(list(DEFAULT_DISABLED))

    def run(self) -> Iterator[Flake8Result]:
        try:
            results = self._check()
        except Exception as exc:  # noqa: BLE001 - see module docstring
            results = internal_error(self.filename, None, exc).findings
        for finding in results:
            # flake8 wants 0-based columns; findings carry 1-based ones.
            yield finding.line, max(finding.col - 1, 0), f"{finding.code} {finding.message}", type(self)

    def _check(self) -> List[Any]:
        path = Path(self.filename)
        try:
            config = config_for_path(path)
        except ConfigError as exc:
            return config_error(self.filename, str(exc)).findings
        if config.is_excluded(path):
            return []
        result: FileResult = check_source(self.filename, "".join(self.lines),
                                          config.settings_for(path))
        return result.findings
