"""Baselines: record today's findings so only new ones are reported while adopting macslint.

A finding is matched by its file, its code and what it is about (the layer's call text, the
model's name, else the text of its line), never by line number, so edits elsewhere in the
file do not bring recorded findings back. Equal keys are counted: a second identical layer
added later is new.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .config import Config
from .errors import ConfigError
from .locations import Located, relative_to

BASELINE_SCHEMA = 1
Key = Tuple[str, str, str]  # (path relative to the baseline's directory, code, anchor)


def _path_key(path: str, directory: Path) -> str:
    return relative_to(path, directory) or Path(os.path.abspath(path)).as_posix()


def finding_key(item: Located, directory: Path) -> Key:
    return (_path_key(item.finding.path, directory), item.finding.code, item.anchor)


def write_baseline(file: Path, located: Sequence[Located]) -> None:
    """Write `file` (JSON, sorted, so it diffs well in review). Raises OSError."""
    directory = file.resolve().parent
    entries = []
    for item in located:
        path, code, anchor = finding_key(item, directory)
        entries.append({"path": path, "code": code, "anchor": anchor,
                        "line": item.finding.line, "message": item.finding.message})
    entries.sort(key=lambda e: (e["path"], e["line"], e["code"], e["anchor"]))
    data = {"schema": BASELINE_SCHEMA, "tool": "macslint", "findings": entries}
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, file)  # atomic: a concurrent reader sees the old file or the new one
    except OSError:
        tmp.unlink(missing_ok=True)  # e.g. `file` is a directory: leave no temporary behind
        raise


def load_baseline(file: Path, origin: str) -> Counter:
    """The recorded keys, counted. `origin` says where the file was named ("--baseline",
    "pyproject.toml: baseline"). Raises ConfigError with what to do."""
    fix = f"write it with `macslint check --write-baseline {file}`"
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{origin}: baseline file {file} does not exist; {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{origin}: cannot read baseline file {file}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{origin}: baseline file {file} is not valid JSON "
                          f"(line {exc.lineno}: {exc.msg}); {fix}") from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA
            or not isinstance(entries, list)):
        raise ConfigError(f"{origin}: {file} is not a macslint baseline (schema "
                          f"{BASELINE_SCHEMA}); {fix}")
    keys: Counter = Counter()
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict)
                and all(isinstance(entry.get(k), str) for k in ("path", "code", "anchor"))):
            raise ConfigError(f"{origin}: {file}: findings[{index}] needs string fields path, "
                              f"code and anchor; {fix}")
        keys[(entry["path"], entry["code"], entry["anchor"])] += 1
    return keys


def new_findings(located: Sequence[Located], baselines: Dict[Path, Counter],
                 baseline_of: Sequence[Optional[Path]]) -> List[Located]:
    """The findings not in their baseline (`baseline_of[i]` is the file for `located[i]`, None
    for none); when a key occurs more often than recorded, its first occurrences are the old
    ones."""
    remaining = {file: Counter(keys) for file, keys in baselines.items()}
    out = []
    for item, file in zip(located, baseline_of):
        if file is None:
            out.append(item)
            continue
        key = finding_key(item, file.resolve().parent)
        if remaining[file][key] > 0:
            remaining[file][key] -= 1
        else:
            out.append(item)
    return out


def without_baselined(located: List[Located], baseline_of: Sequence[Optional[Path]],
                      given: Optional[str], configs: Sequence[Config]) -> List[Located]:
    """Drop the findings recorded in their baseline: `given` (`--baseline FILE`) for every
    file, else each file's `baseline` key (`baseline_of[i]` for `located[i]`; `configs` are
    the run's, to say where a key was set). A baseline that cannot be read is a
    ConfigError."""
    files = [Path(given) if given is not None else b for b in baseline_of]
    if given is None and not any(files):
        return located
    baselines = {}
    for file in {f for f in files if f is not None}:
        origin = "--baseline" if given is not None else _origin(configs, file)
        baselines[file] = load_baseline(file, origin)
    return new_findings(located, baselines, files)


def _origin(configs: Sequence[Config], file: Path) -> str:
    source = next((c.source for c in configs if c.baseline == file), None)
    return f"{source}: baseline" if source is not None else "baseline"
