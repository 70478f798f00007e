"""Layer costs across the project's files: a construction's cost is the costliest traced
call of it by any model of the project, whichever file the model is in (results.report,
`apply_uses`), so a file's verdict is the same checked alone (pre-commit with the changed
files, flake8 on one buffer, the language server) or with the whole project.

A file's dependents (the project files that import it, directly or through others:
project.dependents) are checked as well, from the run when it has them, else from the
result cache or an in-process memo, else analysed; their models' uses of the file's sites
are then applied to its report, and its findings made again from it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .engine import FileResult
from .project.dependents import Store, dependents
from .results.findings import file_findings
from .results.report import apply_uses
from .results.traces import SiteUse

Work = Tuple[Path, str, object]  # (file, display, Settings), as service.Work
# Checks items of work (the service: configuration, cache, workers), results in order.
CheckWork = Callable[[List[Work]], List[FileResult]]
# Plans the files given: the work for those the configuration does not exclude.
PlanFiles = Callable[[Iterable[Tuple[Path, str]]], List[Work]]


def shown(path: Path) -> str:
    """A dependent's name in messages: relative to the working directory when below it."""
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()


def needs_uses(result: FileResult) -> bool:
    report = result.report
    return report.error is None and report.settings is not None and bool(report.layers)


def with_project_uses(work: Sequence[Work], results: List[FileResult], plan: PlanFiles,
                      check: CheckWork, store: Optional[Store] = None) -> List[FileResult]:
    """`results` (of `work`, in order) with the uses of their sites by the models of their
    dependents applied; dependents the run does not hold are planned and checked. `store`
    keeps the project's imports between processes (the result cache)."""
    by_path: Dict[Path, FileResult] = {}
    for (path, _, _), result in zip(work, results):
        by_path.setdefault(path.resolve(), result)
    wanted: List[List[Path]] = []
    missing: Dict[Path, None] = {}
    for (path, _, _), result in zip(work, results):
        found = dependents(path, store) if needs_uses(result) else []
        wanted.append(found)
        missing.update((d, None) for d in found if d not in by_path)
    if missing:
        extra = plan([(d, shown(d)) for d in missing])
        for (path, _, _), result in zip(extra, check(extra)):
            by_path[path.resolve()] = result
    return [merged(path, result, [(d, by_path[d]) for d in found if d in by_path])
            for (path, _, _), result, found in zip(work, results, wanted)]


def merged(path: Path, result: FileResult,
           dependent_results: Sequence[Tuple[Path, FileResult]]) -> FileResult:
    """The result with the uses of its sites by the dependents' models applied."""
    origin = str(path.resolve())
    uses: List[SiteUse] = []
    for dependent, other in dependent_results:
        if origin in other.use_origins:  # (else its uses, kept unread in a cached result,
            model_file = shown(dependent)  # are none of this file's)
            uses.extend(dataclasses.replace(use, origin=None, model_file=model_file)
                        for use in other.site_uses if use.origin == origin)
    if not uses:
        return result
    report = dataclasses.replace(result.report, layers=[
        dataclasses.replace(layer) for layer in result.report.layers])
    apply_uses(report, uses)
    return dataclasses.replace(result, report=report, findings=file_findings(report))


# The dependents' results a long-running process (flake8's workers, the language server) has
# checked: (file, settings) -> (the signature of it and of each file its result depends on,
# the result). Valid while none of those files changes.
_MEMO: Dict[Tuple[Path, object], Tuple[Tuple[Tuple[str, Optional[Tuple[int, int]]], ...],
                                        FileResult]] = {}
MEMO_SIZE = 512


def _signatures(paths: Iterable[str]) -> Tuple[Tuple[str, Optional[Tuple[int, int]]], ...]:
    out = []
    for path in paths:
        try:
            stat = os.stat(path)
            out.append((path, (stat.st_mtime_ns, stat.st_size)))
        except OSError:
            out.append((path, None))
    return tuple(out)


def memoised(check: CheckWork) -> CheckWork:
    """`check`, with results kept in this process while their files are unchanged."""

    def checked(work: List[Work]) -> List[FileResult]:
        results: List[Optional[FileResult]] = []
        todo: List[int] = []
        for path, _, settings in work:
            known = _MEMO.get((path.resolve(), settings))
            if known is not None and _signatures(p for p, _ in known[0]) == known[0]:
                results.append(known[1])
            else:
                results.append(None)
                todo.append(len(results) - 1)
        for i, result in zip(todo, check([work[i] for i in todo])):
            path, _, settings = work[i]
            if len(_MEMO) >= MEMO_SIZE:
                _MEMO.clear()
            _MEMO[(path.resolve(), settings)] = (
                _signatures([str(path.resolve()), *result.depends_on]), result)
            results[i] = result
        return results  # type: ignore[return-value]

    return checked
