"""Which files a run covers and their analysis, shared by `check`, `report` and `diff`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .config import Config, ConfigError, apply_overrides, config_for_path
from .engine import FileResult, check_file


class UsageError(Exception):
    pass


# Directories never walked into (flake8's default exclude, plus virtualenvs).
SKIP_DIRS = frozenset({
    ".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs",
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".macslint_cache",
    "node_modules",
})


def iter_files(paths: Sequence[str]) -> Iterator[Tuple[Path, str]]:
    """(path, display name) for each Python file; UsageError for a path that does not exist."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg"))
                for name in sorted(files):
                    if name.endswith(".py"):
                        yield Path(root, name), os.path.join(root, name)
        elif path.exists():
            yield path, given
        else:
            raise UsageError(f"{given}: no such file or directory")


@dataclass
class Run:
    results: List[FileResult] = field(default_factory=list)
    config_errors: List[str] = field(default_factory=list)
    # The configuration each result was checked with (its `baseline`, its root), in order.
    configs: List[Config] = field(default_factory=list)


def analyse_files(files: Iterable[Tuple[Path, str]], overrides: Dict[str, object],
                  fallback: Optional[Config] = None) -> Run:
    """Check each (path, display name) with the configuration that applies to it; `fallback`
    stands in where no pyproject.toml with [tool.macslint] is found."""
    run = Run()
    configs: Dict[Optional[Path], Config] = {}
    for path, display in files:
        try:
            config = config_for_path(path)
            if config.source is None and fallback is not None:
                config = fallback
            if config.source not in configs:
                configs[config.source] = apply_overrides(config, overrides)
            config = configs[config.source]
        except ConfigError as exc:
            if str(exc) not in run.config_errors:
                run.config_errors.append(str(exc))
            continue
        if config.is_excluded(path):
            continue
        run.results.append(check_file(path, display, config.settings_for(path)))
        run.configs.append(config)
    return run


def run_files(paths: Sequence[str], overrides: Dict[str, object]) -> Run:
    return analyse_files(iter_files(paths), overrides)
