"""`macslint diff --base REV`: what a change does to each model's params and MACs.

Both revisions are analysed the same way (the base from git, the working tree from disk) and
their traced models compared: totals before and after, and the layers (by their module path,
as torch names them) added, removed or changed. Growth past `max-model-macs-increase` /
`max-model-params-increase` is a MAC005 / MAC006 finding. Plain data in and out; the git
plumbing is in gitbase.py.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..results.findings import Finding
from .gitbase import export_tree, git_toplevel, resolve_commit
from ..noqa import NoqaFilter, physical_lines
from ..service import Run, UsageError, check_files, outer_config, python_files
from ..results.traces import ModelTrace
from ..units import format_count, format_percent_change, format_signed



# ---------------------------------------------------------------------------
# What is compared


@dataclass
class LayerCost:
    """One module path of a traced model: its calls' MACs summed, its first call's shapes."""

    kind: str
    params: Optional[int]
    macs: Optional[int]
    input: Optional[Tuple[int, ...]]
    output: Optional[Tuple[int, ...]]
    calls: int = 1


@dataclass
class ModelCost:
    name: str
    path: str  # as displayed
    line: int
    col: int
    params: Optional[int]
    macs: Optional[int]
    complete: bool
    reason: Optional[str]
    input: Optional[Tuple[int, ...]]
    unit: str
    layers: Dict[str, LayerCost] = field(default_factory=dict)
    trace: Optional[ModelTrace] = None

    @classmethod
    def of(cls, path: str, model: ModelTrace) -> "ModelCost":
        layers: Dict[str, LayerCost] = {}
        for call in model.calls:
            key = call.path or f"(not registered, line {call.site.line})"
            inputs = tuple(call.inputs[0][1:]) if call.inputs else None
            output = tuple(call.output[1:]) if call.output is not None else None
            known = layers.get(key)
            if known is None:
                layers[key] = LayerCost(call.kind, call.params, call.macs, inputs, output)
            else:
                known.calls += 1
                known.macs = None if known.macs is None or call.macs is None \
                    else known.macs + call.macs
        return cls(model.name, path, model.line, model.col, model.params, model.macs,
                   model.complete, "; ".join(model.reasons) or None,
                   tuple(model.input[1:]) if model.input is not None else None,
                   model.settings.unit, layers, model)

    def shape_signature(self) -> Tuple[Any, ...]:
        """Equal for two models that cost the same layer by layer (a renamed class)."""
        return (self.params, self.macs, tuple(
            (k, v.kind, v.params, v.macs, v.input, v.output) for k, v in self.layers.items()))


@dataclass
class LayerChange:
    path: str
    status: str  # "added", "removed", "changed"
    before: Optional[LayerCost]
    after: Optional[LayerCost]


@dataclass
class ModelChange:
    status: str  # "changed", "unchanged", "added", "removed", "renamed", "not compared"
    before: Optional[ModelCost]
    after: Optional[ModelCost]
    layers: List[LayerChange] = field(default_factory=list)
    reason: Optional[str] = None  # why not compared

    @property
    def name(self) -> str:
        return (self.after or self.before).name  # type: ignore[union-attr]

    @property
    def path(self) -> str:
        return (self.after or self.before).path  # type: ignore[union-attr]

    def delta(self, field_name: str) -> Optional[int]:
        if self.before is None or self.after is None:
            return None
        old, new = getattr(self.before, field_name), getattr(self.after, field_name)
        return None if old is None or new is None else new - old

    def percent(self, field_name: str) -> Optional[Fraction]:
        change = self.delta(field_name)
        old = getattr(self.before, field_name) if self.before is not None else None
        if change is None or not old:
            return None
        return Fraction(100 * change, old)


def compare_layers(before: ModelCost, after: ModelCost) -> List[LayerChange]:
    changes = []
    for path, old in before.layers.items():
        new = after.layers.get(path)
        if new is None:
            changes.append(LayerChange(path, "removed", old, None))
        elif (old.kind, old.params, old.macs, old.input, old.output, old.calls) != \
                (new.kind, new.params, new.macs, new.input, new.output, new.calls):
            changes.append(LayerChange(path, "changed", old, new))
    for path, new in after.layers.items():
        if path not in before.layers:
            changes.append(LayerChange(path, "added", None, new))
    return changes


def _compared(before: ModelCost, after: ModelCost, status: Optional[str] = None) -> ModelChange:
    layers = compare_layers(before, after)
    same = (before.params, before.macs, before.complete, before.input) == \
        (after.params, after.macs, after.complete, after.input) and not layers
    return ModelChange(status or ("unchanged" if same else "changed"), before, after, layers)


def compare_models(before: Sequence[ModelCost], after: Sequence[ModelCost],
                   unreadable: Dict[str, str]) -> List[ModelChange]:
    """Pair the models of the two revisions: same file and name; else the same name in
    another file (a moved file), when unique on both sides; else, in the same file, a model
    that costs exactly the same layer by layer (a renamed class). `unreadable` maps a file
    that could not be analysed on either side to why: its models are not compared."""
    old = {(m.path, m.name): m for m in before}
    new = {(m.path, m.name): m for m in after}
    changes: List[ModelChange] = []
    for key in [k for k in new if k in old]:
        changes.append(_compared(old.pop(key), new.pop(key)))
    for name in {n for _, n in new} & {n for _, n in old}:
        olds = [k for k in old if k[1] == name]
        news = [k for k in new if k[1] == name]
        if len(olds) == 1 and len(news) == 1 and olds[0][0] not in unreadable \
                and news[0][0] not in unreadable:
            changes.append(_compared(old.pop(olds[0]), new.pop(news[0]), "renamed"))
    for key in list(new):
        twin = [k for k in old if k[0] == key[0]
                and old[k].shape_signature() == new[key].shape_signature()]
        if len(twin) == 1:
            changes.append(_compared(old.pop(twin[0]), new.pop(key), "renamed"))
    for key, model in new.items():
        if key[0] in unreadable:
            changes.append(ModelChange("not compared", None, model, reason=unreadable[key[0]]))
        else:
            changes.append(ModelChange("added", None, model))
    for key, model in old.items():
        if key[0] in unreadable:
            changes.append(ModelChange("not compared", model, None, reason=unreadable[key[0]]))
        else:
            changes.append(ModelChange("removed", model, None))
    return sorted(changes, key=_severity)


# A renamed or moved model that grew is as much a regression as a changed one.
STATUS_ORDER = {"changed": 0, "renamed": 0, "added": 1, "removed": 2, "not compared": 3,
                 "unchanged": 4}


def _severity(change: ModelChange) -> Tuple[Any, ...]:
    """Worst regression first: the largest relative growth in MACs, then in params; models
    whose change is not a percentage (new, incomplete) after, by absolute growth."""
    def key(field_name: str) -> Tuple[int, Fraction]:
        pct, delta = change.percent(field_name), change.delta(field_name)
        if pct is not None:
            return (0, -pct)
        return (1, Fraction(-(delta or 0)))

    return (STATUS_ORDER[change.status], key("macs"), key("params"), change.path, change.name)


# ---------------------------------------------------------------------------
# Budgets on growth: MAC005 / MAC006


@dataclass
class Check:
    """A growth budget that could not be checked, and why (exact or explicit)."""

    path: str
    line: int
    name: str
    reason: str


def growth_findings(changes: Sequence[ModelChange], base: str,
                    sources: Dict[str, str]) -> Tuple[List[Finding], List[Check]]:
    found: List[Finding] = []
    unchecked: List[Check] = []
    for change in changes:
        before, after = change.before, change.after
        if before is None or after is None or after.trace is None:
            continue
        settings = after.trace.settings
        noqa = NoqaFilter(physical_lines(sources.get(after.path, "")))
        for code, field_name, limit, label in (
                ("MAC005", "macs", settings.max_model_macs_increase,
                 "FLOPs" if after.unit == "flops" else "MACs"),
                ("MAC006", "params", settings.max_model_params_increase, "params")):
            if limit is None:
                continue
            old, new = getattr(before, field_name), getattr(after, field_name)
            if old is None or new is None:
                side = "base" if old is None else "working tree"
                why = before.reason if old is None else after.reason
                unchecked.append(Check(after.path, after.line, after.name,
                                       f"{code} not checked: {label} unknown at the {side}"
                                       f" ({why or 'incomplete'})"))
                continue
            if not limit.exceeded(old, new):
                continue
            factor = 2 if field_name == "macs" and after.unit == "flops" else 1
            pct = change.percent(field_name)
            finding = Finding(
                after.path, after.line, after.col, code,
                f"{after.name} {label} grew from {format_count(old * factor)} to "
                f"{format_count(new * factor)} ({format_signed(new - old, factor)}"
                f"{'' if pct is None else ', ' + format_percent_change(pct)}) against {base}, "
                f"limit +{_limit(limit, factor)}",
                anchor=after.name)
            if not noqa.ignores(finding):
                found.append(finding)
    return found, unchecked


def _limit(limit: Any, factor: int) -> str:
    return str(limit) if limit.count is None else format_count(limit.count * factor)


# ---------------------------------------------------------------------------
# Running both revisions


@dataclass
class DiffResult:
    base: str  # as given
    commit: str
    changes: List[ModelChange]
    findings: List[Finding]
    unchecked: List[Check]
    errors: List[str]  # configuration errors, either side
    files_before: int
    files_after: int


def _scrub(text: str, tree_dir: Path) -> str:
    """A message about the exported base tree, naming its files as the repository does rather
    than by the temporary directory (gone when the user reads it)."""
    for prefix in {str(tree_dir.resolve()), str(tree_dir)}:
        text = text.replace(prefix + os.sep, "")
    return text


def _models(run: Run) -> Tuple[List[ModelCost], Dict[str, str], Dict[str, str]]:
    models, unreadable, sources = [], {}, {}
    for result in run.results:
        report = result.report
        sources[report.path] = result.source
        if report.error is not None:
            unreadable[report.path] = report.error
        models.extend(ModelCost.of(report.path, m) for m in report.models)
    return models, unreadable, sources


def run_diff(base: str, paths: Sequence[str], overrides: Dict[str, object],
             cwd: Optional[Path] = None, jobs: int = 1) -> DiffResult:
    cwd = Path(cwd or Path.cwd()).resolve()
    root = git_toplevel(cwd)
    commit = resolve_commit(root, base)
    with tempfile.TemporaryDirectory(prefix="macslint-base-") as tmp:
        tree_dir = Path(tmp)
        tree = export_tree(root, commit, tree_dir)
        in_base = set(tree.files)
        after_files: List[Tuple[Path, str]] = []
        before_files: List[Tuple[Path, str]] = []
        for given in paths:
            # resolved either way: `root` is, and a path through a symlink is still inside
            absolute = (cwd / given).resolve()
            try:
                relative = absolute.relative_to(root).as_posix()
            except ValueError:
                raise UsageError(f"{given}: outside the git repository {root}") from None
            prefix = "" if relative == "." else relative + "/"
            exists_before = relative == "." or relative in in_base or any(
                f.startswith(prefix) for f in in_base)
            if not absolute.exists() and not exists_before:
                raise UsageError(f"{given}: no such file or directory, in the working tree or "
                                 f"at {base}")
            after_files.extend(python_files(absolute, given))
            before_files.extend(python_files(tree_dir.joinpath(*relative.split("/"))
                                      if relative != "." else tree_dir, given))
        after_run = check_files(after_files, overrides, jobs=jobs)
        before_run = check_files(before_files, overrides, fallback=outer_config(root),
                                 jobs=jobs)
        # Files left out of a run because their configuration is invalid: their models are
        # not compared (rather than added or removed).
        unreadable_before = {path: _scrub(why, tree_dir) for path, why in
                             before_run.unconfigured.items()}
        unreadable_after = dict(after_run.unconfigured)
        before_errors = [_scrub(e, tree_dir) for e in before_run.config_errors]
        before, unreadable, _ = _models(before_run)
        unreadable_before.update({path: _scrub(why, tree_dir) for path, why in unreadable.items()})
        for model in before:
            model.reason = model.reason and _scrub(model.reason, tree_dir)
    after, unreadable, sources = _models(after_run)
    unreadable_after.update(unreadable)
    unreadable = {path: f"at {base}: {why}" for path, why in unreadable_before.items()}
    unreadable.update({path: f"in the working tree: {why}"
                       for path, why in unreadable_after.items()})
    changes = compare_models(before, after, unreadable)
    findings, unchecked = growth_findings(changes, base, sources)
    errors = [f"at {base}: {e}" for e in before_errors] + after_run.config_errors
    return DiffResult(base, commit, changes, findings, unchecked, errors,
                      len(before_run.results), len(after_run.results))
