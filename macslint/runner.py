"""Which files a run covers and their analysis, shared by `check`, `report` and `diff`."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .config import Config, ConfigError, Settings, apply_overrides, config_for_path
from .cache import ResultCache, cached_result, check_and_store
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
        if not path.exists():
            raise UsageError(f"{given}: no such file or directory")
        yield from python_files(path, given)


def python_files(disk: Path, display: str) -> Iterator[Tuple[Path, str]]:
    """The Python files at `disk` (a file, or a directory walked in sorted order), each with
    its name shown as `display` joined with its path below `disk`. `macslint diff` walks a
    revision's copy with the working tree's names, so a file is named alike in both."""
    if disk.is_dir():
        for root, dirs, files in os.walk(disk):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg"))
            relative = os.path.relpath(root, disk)
            for name in sorted(files):
                if name.endswith(".py"):
                    shown = name if relative == "." else os.path.join(relative, name)
                    yield Path(root, name), os.path.join(display, shown)
    elif disk.exists():
        yield disk, display


@dataclass
class Run:
    results: List[FileResult] = field(default_factory=list)
    config_errors: List[str] = field(default_factory=list)
    # The configuration each result was checked with (its `baseline`, its root), in order.
    configs: List[Config] = field(default_factory=list)


def analyse_files(files: Iterable[Tuple[Path, str]], overrides: Dict[str, object],
                  fallback: Optional[Config] = None, jobs: int = 1,
                  cache: Optional[ResultCache] = None, only_model: Optional[str] = None) -> Run:
    """Check each (path, display name) with the configuration that applies to it; `fallback`
    stands in where no pyproject.toml with [tool.macslint] is found. With `jobs` > 1 the
    files are checked in that many processes; results keep the order of `files`."""
    run = Run()
    configs: Dict[Optional[Path], Config] = {}
    work: List[Tuple[Path, str, Settings]] = []
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
        settings = config.settings_for(path)
        if only_model is not None:
            settings = dataclasses.replace(settings, trace_only=only_model)
        work.append((path, display, settings))
        run.configs.append(config)
    run.results = _check_all(work, jobs, cache)
    return run


def default_jobs() -> int:
    return os.cpu_count() or 1


def _check_all(work: List[Tuple[Path, str, Settings]], jobs: int,
               cache: Optional[ResultCache]) -> List[FileResult]:
    # Cached results are read here; only the misses go to worker processes.
    results: List[Optional[FileResult]] = [cached_result(*item, cache) for item in work]
    missing = [i for i, result in enumerate(results) if result is None]
    workers = min(jobs, len(missing))
    if workers <= 1:
        for i in missing:
            results[i] = check_and_store(*work[i], cache)
        return results  # type: ignore[return-value]
    # Forked workers start with everything imported (the analyzer too, loaded once here);
    # elsewhere the platform's default.
    from . import analysis  # noqa: F401
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {i: pool.submit(check_and_store, *work[i], cache) for i in missing}
        for i, future in futures.items():
            try:
                results[i] = future.result()
            except Exception:  # noqa: BLE001 - a worker lost or a result that would not
                results[i] = check_file(*work[i])  # pickle: checked here, nothing is lost
    return results  # type: ignore[return-value]


def run_files(paths: Sequence[str], overrides: Dict[str, object], jobs: int = 1,
              cache: Optional[ResultCache] = None, only_model: Optional[str] = None) -> Run:
    return analyse_files(iter_files(paths), overrides, jobs=jobs, cache=cache,
                         only_model=only_model)
