"""The check service every front end calls: which files a run covers, the configuration that
applies to each (discovery, command-line overrides, `exclude`, per-path settings), the result
cache and the analysis. Plain results out; the adapters parse arguments or the protocol and
render.

* `check_paths` / `check_files`: the CLI's `check` and `report`, and both revisions of `diff`;
  files are checked in `jobs` processes, results in the order of the files.
* `plan_files` and `analyse_sites`: the same walk and settings, and an analysis that keeps
  the construction sites (`verify`, which rebuilds them in torch).
* `check_buffer`: one file's text, saved or not (the flake8 plugin, the language server).
* `selected_in_run` / `reported_findings`: the findings `check` reports (selected codes,
  `# noqa`; for one buffer also its configured baseline), located for rendering.
"""

from __future__ import annotations

import ast
import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .baseline import load_baseline, new_findings
from .cache import ResultCache, cached_result, check_and_store
from .config import Config, ConfigError, Settings, apply_overrides, clear_caches, config_for_path
from .engine import (FileResult, check_file, check_source, config_error, decode_source,
                     internal_error)
from .files import SKIP_DIRS, read_regular_file
from .locations import Located, locate
from .project.dependents import Store, dependents, index_trees
from .project_uses import memoised, needs_uses, shown, with_project_uses
from .results.findings import Finding
from .results.report import FileReport, file_report
from .results.sites import LayerSite
from .selection import CodeSelection, selected_findings

Work = Tuple[Path, str, Settings]  # a file on disk, its name as shown, its settings


class Progress:
    """What a front end is told of a long run: `planned(n)` files more to check, `done()` one
    checked (from the cache or analysed). This one says nothing."""

    def planned(self, files: int) -> None:
        pass

    def done(self) -> None:
        pass


SILENT = Progress()


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------------
# The files a run covers

def iter_files(paths: Sequence[str]) -> Iterator[Tuple[Path, str]]:
    """(path, display name) for each Python file; UsageError for a path that does not exist."""
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"{given}: no such file or directory")
        if path.name == "pyproject.toml" and path.is_file():
            # The project it configures: pre-commit passes it when only a budget changed.
            yield from python_files(path.parent, os.path.dirname(given) or ".")
        else:
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


def default_jobs() -> int:
    return os.cpu_count() or 1


# ---------------------------------------------------------------------------
# Configuration: discovery, overrides, exclusion, settings


@dataclass
class Plan:
    work: List[Work] = field(default_factory=list)
    # The configuration each file is checked with (its `baseline`, its root), in order.
    configs: List[Config] = field(default_factory=list)
    config_errors: List[str] = field(default_factory=list)
    # The files whose own configuration is invalid (not an override), with why.
    unconfigured: Dict[str, str] = field(default_factory=dict)

    def add_error(self, exc: ConfigError) -> None:
        if str(exc) not in self.config_errors:  # said once, however many files it covers
            self.config_errors.append(str(exc))


def plan_files(files: Iterable[Tuple[Path, str]], overrides: Dict[str, object],
               fallback: Optional[Config] = None, only_model: Optional[str] = None) -> Plan:
    """Each (path, display name) not excluded, with the settings its configuration gives it;
    `fallback` stands in where no pyproject.toml with [tool.macslint] is found. A file whose
    configuration is invalid is left out and the error kept (once)."""
    plan = Plan()
    configs: Dict[Optional[Path], Config] = {}
    for path, display in files:
        try:
            config = config_for_path(path)
        except ConfigError as exc:
            plan.unconfigured[display] = str(exc)
            plan.add_error(exc)
            continue
        if config.source is None and fallback is not None:
            config = fallback
        if config.source not in configs:
            try:
                configs[config.source] = apply_overrides(config, overrides)
            except ConfigError as exc:
                plan.add_error(exc)
                continue
        config = configs[config.source]
        if config.is_excluded(path):
            continue
        settings = config.settings_for(path)
        if only_model is not None:
            settings = dataclasses.replace(settings, trace_only=only_model)
        plan.work.append((path, display, settings))
        plan.configs.append(config)
    return plan


# ---------------------------------------------------------------------------
# Files on disk


@dataclass
class Run:
    results: List[FileResult] = field(default_factory=list)
    config_errors: List[str] = field(default_factory=list)
    # The configuration each result was checked with (its `baseline`, its root), in order.
    configs: List[Config] = field(default_factory=list)
    unconfigured: Dict[str, str] = field(default_factory=dict)  # as Plan.unconfigured


def check_files(files: Iterable[Tuple[Path, str]], overrides: Dict[str, object],
                fallback: Optional[Config] = None, jobs: int = 1,
                cache: Optional[ResultCache] = None, only_model: Optional[str] = None,
                progress: Progress = SILENT) -> Run:
    """Check each (path, display name) with the configuration that applies to it (see
    `plan_files`). With `jobs` > 1 the files are checked in that many processes; results
    keep the order of `files`."""
    plan = plan_files(files, overrides, fallback, only_model)
    # While workers analyse, this process indexes the project's imports, which the uses
    # across files need next.
    meanwhile = (lambda: index_trees([path for path, _, _ in plan.work], cache)) \
        if only_model is None else None
    results = check_all(plan.work, jobs, cache, meanwhile, progress)
    if only_model is None:  # (one model's report: the others are not traced)
        results = with_project_uses(plan.work, results,
                                    lambda more: plan_files(more, overrides, fallback).work,
                                    lambda work: check_all(work, jobs, cache, None, progress),
                                    cache)
    return Run(results, plan.config_errors, plan.configs, plan.unconfigured)


def outer_config(root: Path) -> Optional[Config]:
    """The configuration of a pyproject.toml above `root` (a repository), if any: it applies
    to every revision of the repository alike. None also when the one found is invalid."""
    try:
        config = config_for_path(root)
    except ConfigError:  # an invalid one in the repository: reported per file, not here
        return None
    if config.source is not None and root not in config.source.resolve().parents:
        return config
    return None


def check_paths(paths: Sequence[str], overrides: Dict[str, object], jobs: int = 1,
                cache: Optional[ResultCache] = None, only_model: Optional[str] = None,
                with_dependents: bool = False, progress: Progress = SILENT) -> Run:
    """The Python files at `paths` (files or directories; a pyproject.toml stands for the
    files of its directory), checked; with `with_dependents`, also the project files that
    import them. UsageError for a path that does not exist."""
    files: Iterable[Tuple[Path, str]] = iter_files(paths)
    if with_dependents:
        files = with_their_dependents(list(files), cache)
    return check_files(files, overrides, jobs=jobs, cache=cache, only_model=only_model,
                       progress=progress)


def with_their_dependents(files: List[Tuple[Path, str]], store: Optional[Store] = None
                          ) -> List[Tuple[Path, str]]:
    """`files`, then each project file importing one of them that is not among them."""
    seen = {path.resolve() for path, _ in files}
    more: Dict[Path, None] = {}
    for path, _ in files:
        more.update((d, None) for d in dependents(path, store) if d not in seen)
    return files + [(d, shown(d)) for d in more]


def check_all(work: List[Work], jobs: int, cache: Optional[ResultCache],
              meanwhile: Optional[Callable[[], None]] = None,
              progress: Progress = SILENT) -> List[FileResult]:
    """The result of each item, in order: from the cache, else analysed (in `jobs`
    processes) and stored. `meanwhile` is run while worker processes analyse (if any)."""
    progress.planned(len(work))
    # Cached results are read here; only the misses go to worker processes.
    results: List[Optional[FileResult]] = []
    for item in work:
        results.append(cached_result(*item, cache))
        if results[-1] is not None:
            progress.done()
    missing = [i for i, result in enumerate(results) if result is None]
    workers = min(jobs, len(missing))
    if workers <= 1:
        for i in missing:
            results[i] = check_and_store(*work[i], cache)
            progress.done()
        return results  # type: ignore[return-value]
    # Forked workers start with everything imported (the analyzer too, loaded once here);
    # elsewhere the platform's default.
    from . import analysis  # noqa: F401
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        # The largest files first: a long analysis started last would keep one worker busy
        # while the others have nothing left to do.
        futures = {i: pool.submit(check_and_store, *work[i], cache)
                   for i in sorted(missing, key=lambda i: -_size(work[i][0]))}
        if meanwhile is not None:
            try:
                meanwhile()
            except Exception:  # noqa: BLE001 - only a head start: done again when needed
                pass
        index = {future: i for i, future in futures.items()}
        for future in as_completed(futures.values()):
            i = index[future]
            try:
                results[i] = future.result()
            except Exception:  # noqa: BLE001 - a worker lost or a result that would not
                results[i] = check_file(*work[i])  # pickle: checked here, nothing is lost
            progress.done()
    return results  # type: ignore[return-value]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def analyse_sites(path: Path, display: str, settings: Settings
                  ) -> Tuple[FileReport, Optional[List[LayerSite]]]:
    """The report `macslint report` makes of the file, and its construction sites with their
    bound arguments (which cached results do not keep). When the analysis fails here, the
    engine says why, as `report` does, and there are no sites."""
    from .analysis import analyze_source

    try:
        source = decode_source(read_regular_file(path))
        compile(source, display, "exec", ast.PyCF_ONLY_AST)
        analysis = analyze_source(source, settings, display, path)
    except Exception:  # noqa: BLE001 - the engine's own handling reports it
        return check_file(path, display, settings).report, None
    return file_report(display, analysis.sites, settings, analysis.models, analysis.not_built), analysis.sites


# ---------------------------------------------------------------------------
# One buffer: the text of a file as an editor or flake8 holds it


@dataclass
class BufferCheck:
    result: Optional[FileResult]  # None: the configuration excludes the file
    config: Optional[Config]  # None: the configuration is invalid (`result` says so, MAC902)


def check_buffer(display: str, text: str, path: Path, file: Optional[Path] = None,
                 cache: Optional[ResultCache] = None, reload_config: bool = False,
                 cache_buffer: bool = True) -> BufferCheck:
    """Check `text` as the file at `path` (whose configuration applies), named `display` in
    findings; `file` is where it is on disk, for the project files it imports (None: an
    untitled buffer, or `display`). With `reload_config`, pyproject.toml files are read again
    (a long-running process sees them edited). `cache` serves the project files importing
    it, and the text itself unless `cache_buffer` is False (an editor's every keystroke). An
    error looking up the configuration other than an invalid one is raised; an error of the
    analysis is a MAC900 result."""
    if reload_config:
        clear_caches()
    try:
        config = config_for_path(path)
    except ConfigError as exc:
        return BufferCheck(config_error(display, str(exc)), None)
    if config.is_excluded(path):
        return BufferCheck(None, config)
    settings = config.settings_for(path)
    try:
        result = _check_text(display, text, settings, file, cache if cache_buffer else None)
        disk = file if file is not None else path
        if needs_uses(result) and _saved(disk, text):
            # The dependents read the file from disk: their uses fit the text saved there.
            result = with_project_uses(
                [(disk, display, settings)], [result],
                lambda more: plan_files(more, {}).work,
                memoised(lambda work: check_all(work, 1, cache)), cache)[0]
    except Exception as exc:  # noqa: BLE001 - the engine's own boundary missed it
        result = internal_error(display, None, exc)
    return BufferCheck(result, config)


def _saved(disk: Path, text: str) -> bool:
    """Is `text` what the file on disk holds (not an editor's unsaved buffer)?"""
    try:
        return decode_source(read_regular_file(disk)) == text
    except (OSError, ValueError):
        return False


def _check_text(display: str, text: str, settings: Settings, file: Optional[Path],
                cache: Optional[ResultCache]) -> FileResult:
    if cache is None:
        return check_source(display, text, settings, file)
    # Keyed on the text handed over, so re-checking an unchanged buffer pays nothing.
    key = cache.key(display, text.encode("utf-8", "surrogatepass"), settings)
    result = cache.get(key)
    if result is None:
        result = check_source(display, text, settings, file)
        cache.put(key, result)
    return result


def selected_in_run(run: Run, selection: CodeSelection, root: Path
                    ) -> Tuple[List[Located], List[Optional[Path]]]:
    """The run's findings that `selection` and `# noqa` let through, located (paths relative
    to `root`), each with the baseline its configuration names (None for none)."""
    items: List[Tuple[Finding, str]] = []
    baseline_of: List[Optional[Path]] = []
    for result, config in zip(run.results, run.configs):
        for finding in selected_findings(result, selection):
            items.append((finding, result.source))
            baseline_of.append(config.baseline)
    return locate(items, root), baseline_of


def locate_findings(findings: List[Finding], source: str) -> List[Located]:
    return locate([(finding, source) for finding in findings], Path.cwd())


def reported_findings(result: FileResult, config: Config) -> List[Located]:
    """What `macslint check` prints for the file: `# noqa`, the codes off by default and the
    configured baseline applied. A baseline that cannot be read is a MAC902 on line 1."""
    located = locate_findings(selected_findings(result, CodeSelection()), result.source)
    baseline = config.baseline
    if baseline is None:
        return located
    try:
        recorded = load_baseline(baseline, f"{config.source}: baseline")
    except ConfigError as exc:
        failed = Finding(result.report.path, 1, 1, "MAC902", f"invalid configuration: {exc}")
        return locate_findings([failed], result.source) + located
    return new_findings(located, {baseline: recorded}, [baseline] * len(located))
