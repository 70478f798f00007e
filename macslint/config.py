"""The ``[tool.macslint]`` table of pyproject.toml, per-path overrides and command-line overrides.

Example::

    [tool.macslint]
    input-size = [3, 224, 224]      # per-sample shape, without the batch dimension
    batch-size = 1
    max-layer-macs = "500M"         # int, or a string with suffix K, M, G, T
    max-layer-params = "10M"
    unit = "macs"                   # or "flops"
    exclude = ["build", "vendor/*", "*_pb2.py"]

    [tool.macslint.per-path."tests/*"]
    max-layer-macs = "2G"

    [tool.macslint.models.ResNet]   # per model: a class (or factory function) name
    input-size = [3, 64, 64]
    max-model-macs = "1G"

A model class may also carry a pragma comment (see :func:`macslint.pragmas.parse_pragma`)::

    class ResNet(nn.Module):  # macslint: input-size=3x32x32, max-model-macs=500M

Glob matching (``exclude`` and the keys of ``per-path``):

* The path is made relative to :attr:`Config.root` (the directory of the
  pyproject.toml, else the working directory) and written with "/". A relative
  path is first taken relative to the current working directory; if the path is
  not under the root (also after resolving symlinks), it is used as given.
* A pattern matches if :func:`fnmatch.fnmatchcase` matches the relative path or
  any of its parent-directory prefixes, so ``build`` or ``vendor/*`` cover whole
  trees (``a/b/c.py`` is tried as ``a/b/c.py``, ``a/b`` and ``a``).
* A pattern without "/" also matches any single path component, so
  ``*_test.py`` or ``generated`` match at any depth.
* ``*`` crosses "/" (fnmatch semantics), so ``**`` behaves exactly like ``*``.
  Matching is case-sensitive.
* A leading ``./`` and trailing ``/`` of a pattern are ignored (``./build/`` is
  ``build``).

All matching ``per-path`` entries apply, in file order, later ones winning.

Precedence, lowest to highest (each level overrides the ones before it, key by key)::

    defaults < [tool.macslint] < per-path < models.<Name> < class pragma < command line

:meth:`Config.settings_for` gives the first three levels for a file,
:meth:`Settings.for_model` adds the ``models`` entry and the pragma of one
model, and command-line overrides (:func:`apply_overrides`) win over everything,
pragmas included (their fields are recorded in :attr:`Settings.cli_fixed`).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Callable

from macslint.builds import Build, parse_build
from macslint.errors import ConfigError
from macslint.files import read_regular_file
from macslint.inputs import InputSpec, check_inputs
from macslint.units import Increase, type_name, parse_count, parse_increase, parse_shape

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = [
    "ConfigError",
    "Settings",
    "Config",
    "find_pyproject",
    "load_config",
    "config_for_path",
    "apply_overrides",
    "clear_caches",
    "PYPROJECT",
    "TOP_LEVEL_KEYS",
    "PER_PATH_KEYS",
    "MODEL_KEYS",
]

PYPROJECT = "pyproject.toml"
UNITS = ("macs", "flops")


_NO_PRAGMA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Settings:
    """Effective settings for one file (and, through :meth:`for_model`, for one model).

    ``models`` is the ``[tool.macslint.models.<Name>]`` table: ``(name, {field:
    value})`` pairs in file order, the mappings read-only. It is left out of the
    hash (mappings are unhashable) but compared by ``==``.

    ``cli_fixed`` names the fields set on the command line (:func:`apply_overrides`);
    :meth:`for_model` never lets a ``models`` entry or a pragma change them. It is
    bookkeeping, left out of ``==`` and the hash.
    """

    input_size: tuple[int, ...] = (3, 224, 224)
    batch_size: int = 1
    max_layer_macs: int | None = None
    max_layer_params: int | None = None
    max_model_macs: int | None = None
    max_model_params: int | None = None
    # How much `macslint diff` lets a model grow against the base revision (MAC005/MAC006).
    max_model_macs_increase: Increase | None = None
    max_model_params_increase: Increase | None = None
    unit: str = "macs"
    # `inputs`: the model's inputs (macslint.inputs); None: one input of `input_size`. When
    # given, `input_size` is the first one's shape (a level that sets one resets the other).
    inputs: tuple[InputSpec, ...] | None = None
    models: tuple[tuple[str, Mapping[str, Any]], ...] = field(default=(), hash=False)
    # `build = "..."` of the models table: how to build each labelled model (macslint.builds).
    builds: tuple[Build, ...] = field(default=(), hash=False)
    # Constructions of the project's models found in its code are models too.
    discover_constructions: bool = True
    # `not-installed`: modules (or packages) not installed where the models run; importing
    # one raises ImportError (evaluator.optional_imports).
    not_installed: tuple[str, ...] = ()
    cli_fixed: frozenset[str] = field(default=frozenset(), compare=False)
    # `macslint report --model NAME`: trace only that model (not a configuration key).
    trace_only: str | None = None

    def __reduce__(self) -> tuple:
        # Pickled for worker processes (`-j`): the read-only mappings travel as dicts.
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["models"] = tuple((name, dict(entry)) for name, entry in self.models)
        return (_settings_from, (values,))

    def for_model(self, name: str, pragma: Mapping[str, Any] = _NO_PRAGMA) -> Settings:
        """The settings for the model (class or factory function) called ``name``.

        ``self`` (the settings of the file, from :meth:`Config.settings_for`) with
        the ``models`` entry for ``name`` applied, then ``pragma`` (field name ->
        already validated value, as returned by :func:`parse_pragma`) on top.
        Fields in :attr:`cli_fixed` keep their command-line values. So the
        precedence is::

            defaults < [tool.macslint] < per-path < models.<Name> < class pragma < command line

        The result keeps ``models`` and ``cli_fixed`` unchanged; it is ``self``
        when nothing applies.
        """
        for key in pragma:
            if key not in _MODEL_FIELDS:
                raise ValueError(
                    f"for_model(): pragma key {key!r} is not a per-model setting; "
                    "use one of: " + ", ".join(_MODEL_FIELDS)
                )
        values: dict[str, Any] = {}
        for model, entry in self.models:
            if model == name:
                values.update(paired_inputs(entry))
                break
        values.update(paired_inputs(pragma))
        for key in self.cli_fixed:
            values.pop(key, None)
        if self.cli_fixed & {"input_size", "inputs"}:  # either one fixes the model's inputs
            values.pop("input_size", None)
            values.pop("inputs", None)
        if not values:
            return self
        return dataclasses.replace(self, **values)


def _settings_from(values: dict[str, Any]) -> Settings:
    models = tuple((name, MappingProxyType(entry)) for name, entry in values.pop("models"))
    return Settings(**values, models=models)


# The fields that hold settings values (not the models table or the bookkeeping).
SETTINGS_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Settings)
    if f.name not in ("models", "builds", "discover_constructions", "not_installed", "cli_fixed",
                      "trace_only")
)
_MODEL_FIELDS: tuple[str, ...] = tuple(name for name in SETTINGS_FIELDS if name != "unit")
PER_PATH_KEYS: tuple[str, ...] = tuple(sorted(name.replace("_", "-") for name in SETTINGS_FIELDS))
MODEL_KEYS: tuple[str, ...] = tuple(sorted(name.replace("_", "-") for name in _MODEL_FIELDS))
_STRUCTURE_KEYS: tuple[str, ...] = ("baseline", "discover-constructions", "exclude", "models",
                                    "not-installed", "per-path")
TOP_LEVEL_KEYS: tuple[str, ...] = tuple(sorted(PER_PATH_KEYS + _STRUCTURE_KEYS))


# --------------------------------------------------------------------------- glob matching


def _normalise_pattern(pattern: str) -> str:
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern != "/":
        pattern = pattern.rstrip("/")
    return pattern


def _relative_posix(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as posix text, or ``path`` as given if it is not under root."""
    path = Path(path)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return Path(os.path.normpath(absolute)).relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.as_posix()


def _matches(pattern: str, relative: str) -> bool:
    pattern = _normalise_pattern(pattern)
    pure = PurePosixPath(relative)
    candidates = [relative, *(p.as_posix() for p in pure.parents if p.as_posix() not in (".", "/"))]
    if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in pure.parts if part != "/")
    return False


# --------------------------------------------------------------------------- Config


@dataclass(frozen=True)
class Config:
    """A loaded configuration. See the module docstring for the glob rules."""

    source: Path | None
    root: Path
    base: Settings = field(default_factory=Settings)
    exclude: tuple[str, ...] = ()
    per_path: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    baseline: Path | None = None  # `baseline = "..."`, resolved against root

    def settings_for(self, path: Path) -> Settings:
        """``base`` with every matching ``per-path`` entry applied in order (later wins)."""
        if not self.per_path:
            return self.base
        relative = _relative_posix(path, self.root)
        settings = self.base
        for pattern, overrides in self.per_path:
            if overrides and _matches(pattern, relative):
                settings = dataclasses.replace(settings, **paired_inputs(overrides))
        return settings

    def is_excluded(self, path: Path) -> bool:
        """True if any ``exclude`` glob matches ``path``."""
        if not self.exclude:
            return False
        relative = _relative_posix(path, self.root)
        return any(_matches(pattern, relative) for pattern in self.exclude)


# --------------------------------------------------------------------------- validation

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_INPUT_SIZE_HINT = "use a list of positive integers like [3, 224, 224] (no batch dimension)"


def _toml_key(key: str) -> str:
    return key if _BARE_KEY_RE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def value_error(source: str, key: str, value: object, problem: str, fix: str) -> ConfigError:
    return ConfigError(f"{source}: {key} = {value!r}: {problem}; {fix}")


def _check_input_size(value: object, *, key: str, source: str) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        raise value_error(source, key, value, f"not a list ({type_name(value)})", _INPUT_SIZE_HINT)
    if not value:
        raise value_error(source, key, value, "empty", _INPUT_SIZE_HINT)
    for index, dim in enumerate(value):
        if isinstance(dim, bool) or not isinstance(dim, int):
            problem = f"entry {index} ({dim!r}) is {type_name(dim)}, not an integer"
            raise value_error(source, key, value, problem, _INPUT_SIZE_HINT)
        if dim <= 0:
            problem = f"entry {index} ({dim!r}) is not positive"
            raise value_error(source, key, value, problem, _INPUT_SIZE_HINT)
    return tuple(int(d) for d in value)


def _check_batch_size(value: object, *, key: str, source: str) -> int:
    fix = "use a positive integer like 1"
    if isinstance(value, bool) or not isinstance(value, int):
        raise value_error(source, key, value, f"not an integer ({type_name(value)})", fix)
    if value <= 0:
        raise value_error(source, key, value, "not positive", fix)
    return int(value)


def _check_unit(value: object, *, key: str, source: str) -> str:
    if not isinstance(value, str) or value not in UNITS:
        raise value_error(source, key, value, "not a unit", 'use "macs" or "flops"')
    return value


def _check_count(value: object, *, key: str, source: str) -> int:
    return parse_count(value, key=key, source=source)


def _check_increase(value: object, *, key: str, source: str) -> Increase:
    if isinstance(value, Increase):  # already parsed (command-line overrides)
        return value
    return parse_increase(value, key=key, source=source)


_CHECKS: dict[str, Callable[..., Any]] = {
    "input_size": _check_input_size,
    "batch_size": _check_batch_size,
    "max_layer_macs": _check_count,
    "max_layer_params": _check_count,
    "max_model_macs": _check_count,
    "max_model_params": _check_count,
    "max_model_macs_increase": _check_increase,
    "max_model_params_increase": _check_increase,
    "unit": _check_unit,
    "inputs": check_inputs,
}
assert set(_CHECKS) == set(SETTINGS_FIELDS)


def unknown_key(
    source: str, key_path: str, key: str, value: object, valid: tuple[str, ...], where: str
) -> ConfigError:
    guesses = difflib.get_close_matches(key.replace("_", "-").lower(), valid, n=1)
    hint = f" (did you mean {guesses[0]!r}?)" if guesses else ""
    fix = "valid keys are: " + ", ".join(valid)
    return value_error(source, key_path, value, f"unknown key in {where}{hint}", fix)


def _check_settings_table(
    table: Mapping[str, Any],
    *,
    prefix: str,
    source: str,
    valid: tuple[str, ...],
    where: str,
    misplaced: Mapping[str, str] = MappingProxyType({}),
) -> dict[str, Any]:
    """Validate the Settings keys of a table; return {field_name: value} in file order.

    ``valid`` are the keys allowed here: the settings among them are checked, the
    others (the structure keys at the top level) are left to the caller.
    ``misplaced`` maps keys that are known but not allowed here to the fix.
    """
    result: dict[str, Any] = {}
    for key, value in table.items():
        key_path = prefix + _toml_key(key)
        if key not in valid:
            if key in misplaced:
                raise value_error(source, key_path, value, f"not allowed in {where}", misplaced[key])
            raise unknown_key(source, key_path, key, value, valid, where)
        if key not in PER_PATH_KEYS:
            continue  # exclude, models, per-path: handled by the caller
        name = key.replace("-", "_")
        result[name] = _CHECKS[name](value, key=key_path, source=source)
    if "inputs" in result and "input_size" in result:
        raise value_error(source, prefix + "inputs", table["inputs"],
                          f"given with {prefix}input-size in the same table",
                          "keep one: input-size for one input, inputs for several "
                          "inputs or their dtypes")
    if "inputs" in result:
        result["input_size"] = result["inputs"][0].shape
    return result


def paired_inputs(values: Mapping[str, Any]) -> dict[str, Any]:
    """A level's settings with `inputs` and `input_size` consistent: `inputs` sets
    `input_size` to its first input's shape, and `input_size` alone resets `inputs` (the
    level that gives either decides the model's inputs)."""
    result = dict(values)
    if result.get("inputs") is not None and "input_size" not in result:
        result["input_size"] = result["inputs"][0].shape
    elif "input_size" in result and "inputs" not in result:
        result["inputs"] = None
    return result


def _top_level_only(keys: tuple[str, ...]) -> dict[str, str]:
    return {key: f"put {key} at the top level of [tool.macslint]" for key in keys}


def _check_exclude(value: object, *, source: str) -> tuple[str, ...]:
    fix = 'use a list of glob strings like ["build", "vendor/*"]'
    if not isinstance(value, list):
        raise value_error(source, "exclude", value, f"not a list ({type_name(value)})", fix)
    for index, pattern in enumerate(value):
        if not isinstance(pattern, str):
            raise value_error(source, f"exclude[{index}]", pattern, f"not a string ({type_name(pattern)})", fix)
        if not pattern.strip():
            raise value_error(source, f"exclude[{index}]", pattern, "empty pattern", fix)
    return tuple(value)


def _check_per_path(value: object, *, source: str) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    if not isinstance(value, dict):
        raise value_error(
            source,
            "per-path",
            value,
            f"not a table ({type_name(value)})",
            'use [tool.macslint.per-path."glob"] sections of overrides',
        )
    entries: list[tuple[str, Mapping[str, Any]]] = []
    for pattern, overrides in value.items():
        prefix = f"per-path.{_toml_key(pattern)}"
        if not pattern.strip():
            raise value_error(source, prefix, overrides, "empty glob", 'use a glob like "tests/*"')
        if not isinstance(overrides, dict):
            raise value_error(
                source,
                prefix,
                overrides,
                f"not a table ({type_name(overrides)})",
                'use a table of overrides like { max-layer-macs = "1G" }',
            )
        checked = _check_settings_table(
            overrides,
            prefix=prefix + ".",
            source=source,
            valid=PER_PATH_KEYS,
            where="a per-path entry",
            misplaced=_top_level_only(_STRUCTURE_KEYS),
        )
        entries.append((pattern, MappingProxyType(checked)))
    return tuple(entries)


_MODEL_MISPLACED: dict[str, str] = {
    "unit": "set unit at the top level of [tool.macslint] or in a per-path entry",
    **_top_level_only(_STRUCTURE_KEYS),
}


def _check_models(value: object, *, source: str) -> tuple[tuple[tuple[str, Mapping[str, Any]], ...],
                                                         tuple[Build, ...]]:
    """The models table: per-model settings, and the constructions declared with `build`."""
    if not isinstance(value, dict):
        raise value_error(
            source,
            "models",
            value,
            f"not a table ({type_name(value)})",
            "use one [tool.macslint.models.<Name>] section per model class or factory function",
        )
    entries: list[tuple[str, Mapping[str, Any]]] = []
    builds: list[Build] = []
    for name, table in value.items():
        prefix = f"models.{_toml_key(name)}"
        if not name.strip():
            fix = "use the model's class or factory function name, like [tool.macslint.models.ResNet]"
            raise value_error(source, prefix, table, "empty model name", fix)
        if not isinstance(table, dict):
            if name in TOP_LEVEL_KEYS:
                fix = f"models holds one table per model: put {name} in a [tool.macslint.models.<Name>] section"
            else:
                fix = "use a table of settings like { input-size = [3, 32, 32] }"
            raise value_error(source, prefix, table, f"not a table ({type_name(table)})", fix)
        if "build" in table:
            table = dict(table)
            builds.append(parse_build(table.pop("build"), label=name, key=prefix + ".build",
                                      source=source))
        checked = _check_settings_table(
            table,
            prefix=prefix + ".",
            source=source,
            valid=MODEL_KEYS,
            where="a models entry",
            misplaced=_MODEL_MISPLACED,
        )
        entries.append((name, MappingProxyType(checked)))
    return tuple(entries), tuple(builds)


def _check_baseline(value: object, *, source: str) -> str:
    fix = 'use a path relative to this pyproject.toml, like "macslint-baseline.json"'
    if not isinstance(value, str):
        raise value_error(source, "baseline", value, f"not a string ({type_name(value)})", fix)
    if not value.strip():
        raise value_error(source, "baseline", value, "empty path", fix)
    return value


def _parse_table(table: Mapping[str, Any], *, source: str) -> tuple[Settings, tuple[str, ...], tuple, str | None]:
    base_values = _check_settings_table(table, prefix="", source=source, valid=TOP_LEVEL_KEYS, where="[tool.macslint]")
    exclude = _check_exclude(table["exclude"], source=source) if "exclude" in table else ()
    per_path = _check_per_path(table["per-path"], source=source) if "per-path" in table else ()
    models, builds = _check_models(table["models"], source=source) if "models" in table else ((), ())
    baseline = _check_baseline(table["baseline"], source=source) if "baseline" in table else None
    discover = table.get("discover-constructions", True)
    if not isinstance(discover, bool):
        raise value_error(source, "discover-constructions", discover, f"not a boolean ({type_name(discover)})",
                          "use true or false")
    not_installed = _check_not_installed(table["not-installed"], source=source) \
        if "not-installed" in table else ()
    settings = Settings(**base_values, models=models, builds=builds, discover_constructions=discover,
                        not_installed=not_installed)
    return settings, exclude, per_path, baseline


def _check_not_installed(value: object, *, source: str) -> tuple[str, ...]:
    fix = 'use a list of module names, like not-installed = ["xformers", "apex"]'
    if not isinstance(value, list):
        raise value_error(source, "not-installed", value, f"not a list ({type_name(value)})", fix)
    for item in value:
        if not isinstance(item, str) or not all(part.isidentifier() for part in item.split(".")):
            raise value_error(source, "not-installed", value,
                              f"{item!r} is not a module name", fix)
    return tuple(value)


# --------------------------------------------------------------------------- reading files

# resolved pyproject path -> (mtime_ns, size, parsed document or the ConfigError it raised)
_TOML_CACHE: dict[Path, tuple[int, int, Any]] = {}
# absolute directory -> nearest pyproject.toml with [tool.macslint] (or None); per process
_DIR_CACHE: dict[str, Path | None] = {}
# (pyproject or None, mtime_ns, size, cwd) -> Config
_CONFIG_CACHE: dict[tuple[Any, ...], Config] = {}


def clear_caches() -> None:
    """Forget every memoised file read, directory lookup and Config (for tests and long-running tools)."""
    _TOML_CACHE.clear()
    _DIR_CACHE.clear()
    _CONFIG_CACHE.clear()


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, memoised on (resolved path, mtime_ns, size). Raises ConfigError."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}; check the path and permissions") from exc
    key = path.resolve()
    cached = _TOML_CACHE.get(key)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        outcome = cached[2]
    else:
        outcome = _parse_toml_file(path)
        _TOML_CACHE[key] = (stat.st_mtime_ns, stat.st_size, outcome)
    if isinstance(outcome, ConfigError):
        raise outcome
    return outcome


def _parse_toml_file(path: Path) -> dict[str, Any] | ConfigError:
    try:
        data = read_regular_file(path)
    except OSError as exc:
        return ConfigError(f"{path}: cannot read: {exc.strerror or exc}; check the path and permissions")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ConfigError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ConfigError(f"{path}: invalid TOML: {exc}; fix the syntax of the file")


def _has_macslint_table(document: Mapping[str, Any]) -> bool:
    tool = document.get("tool")
    return isinstance(tool, dict) and "macslint" in tool


def _start_dir(start: Path) -> Path:
    start = Path(start).resolve()
    return start if start.is_dir() else start.parent


def _walk_up(directory: Path, memo: dict[str, Path | None] | None) -> Path | None:
    visited: list[str] = []
    result: Path | None = None
    for current in (directory, *directory.parents):
        key = str(current)
        if memo is not None and key in memo:
            result = memo[key]
            break
        visited.append(key)
        candidate = current / PYPROJECT
        if candidate.is_file() and _has_macslint_table(_read_toml(candidate)):
            result = candidate
            break
    if memo is not None:
        for key in visited:
            memo[key] = result
    return result


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a ``[tool.macslint]`` table.

    ``start`` is a file (its directory is searched first) or a directory (searched
    first itself); it is resolved with :meth:`Path.resolve`. pyproject.toml files
    without ``[tool.macslint]`` are skipped (as ruff does); a ``tool.macslint`` key
    that is not a table still counts, so :func:`load_config` can report it. A
    pyproject.toml that is not valid TOML raises :class:`ConfigError` rather than
    being skipped silently. The search stops after the filesystem root.
    """
    return _walk_up(_start_dir(start), None)


def load_config(pyproject: Path | None, *, cwd: Path | None = None) -> Config:
    """Load ``[tool.macslint]`` from ``pyproject`` (None: defaults rooted at ``cwd`` or the working dir).

    Raises :class:`ConfigError` for unreadable files, invalid TOML, a missing or
    non-table ``[tool.macslint]``, unknown keys and invalid values.
    """
    if pyproject is None:
        root = Path(os.path.abspath(cwd if cwd is not None else Path.cwd()))
        return Config(source=None, root=root)
    pyproject = Path(pyproject)
    source = str(pyproject)
    document = _read_toml(pyproject)
    tool = document.get("tool")
    if not isinstance(tool, dict) or "macslint" not in tool:
        raise ConfigError(f"{source}: no [tool.macslint] table; add a [tool.macslint] section or pass another file")
    table = tool["macslint"]
    if not isinstance(table, dict):
        problem = f"not a table ({type_name(table)})"
        raise value_error(source, "tool.macslint", table, problem, "write it as a [tool.macslint] section")
    base, exclude, per_path, baseline = _parse_table(table, source=source)
    root = pyproject.resolve().parent
    return Config(source=pyproject, root=root, base=base, exclude=exclude, per_path=per_path,
                  baseline=None if baseline is None else root / baseline)


def config_for_path(path: Path) -> Config:
    """The Config for a file (or directory): :func:`find_pyproject` then :func:`load_config`.

    Memoised per process: directory -> pyproject lookups are remembered for every
    directory visited (they are not re-checked), and Configs are keyed by the
    pyproject path and its mtime_ns and size, so linting many files reads each
    pyproject.toml once while an edited file is picked up.
    """
    path = Path(path)
    directory = path if path.is_dir() else path.parent
    dir_key = str(directory if directory.is_absolute() else Path.cwd() / directory)
    if dir_key in _DIR_CACHE:
        pyproject = _DIR_CACHE[dir_key]
    else:
        pyproject = _walk_up(_start_dir(directory), _DIR_CACHE)
        _DIR_CACHE[dir_key] = pyproject
    if pyproject is None:
        key: tuple[Any, ...] = (None, 0, 0, os.getcwd())
    else:
        try:
            stat = pyproject.stat()
        except OSError:  # deleted since the lookup: let load_config report it
            return load_config(pyproject)
        key = (pyproject, stat.st_mtime_ns, stat.st_size, None)
    config = _CONFIG_CACHE.get(key)
    if config is None:
        config = load_config(pyproject)
        _CONFIG_CACHE[key] = config
    return config


def apply_overrides(config: Config, overrides: Mapping[str, object], source: str = "command line") -> Config:
    """Return ``config`` with command-line ``overrides`` winning over everything else.

    The checked values replace those of the base, of every per-path entry and of
    every ``models`` entry, and their field names are added to
    :attr:`Settings.cli_fixed` so :meth:`Settings.for_model` keeps them over
    pragmas too.

    Keys are Settings field names (``max_layer_macs``); values are normally
    already parsed, but are validated again (errors name the flag, e.g.
    ``--max-layer-macs``). Strings are also accepted for counts ("500M"), for
    ``input_size`` ("3x224x224") and for ``inputs`` ("idx:1024:int64; mask:1024:bool").
    A value of None means "flag not given" and is ignored.
    """
    checked: dict[str, Any] = {}
    for name, value in overrides.items():
        flag = "--" + str(name).replace("_", "-")
        if name not in _CHECKS:
            raise value_error(
                source,
                flag,
                value,
                "unknown setting",
                "valid settings are: " + ", ".join(SETTINGS_FIELDS),
            )
        if value is None:
            continue
        if name == "input_size" and isinstance(value, str):
            value = parse_shape(value, key=flag, source=source)
        checked[name] = _CHECKS[name](value, key=flag, source=source)
    if "inputs" in checked and "input_size" in checked:
        raise value_error(source, "--inputs", overrides["inputs"], "given with --input-size",
                          "keep one: --input-size for one input, --inputs for several "
                          "inputs or their dtypes")
    given = frozenset(checked)
    if not checked:
        return config

    def override(entry: Mapping[str, Any], values: Mapping[str, Any]) -> MappingProxyType:
        merged = {**entry, **values}
        if "input_size" in given and "inputs" not in given:
            merged.pop("inputs", None)  # the entry's inputs give way to --input-size
        return MappingProxyType(merged)

    per_path = tuple((pattern, override(entry, checked)) for pattern, entry in config.per_path)
    model_values = {name: value for name, value in checked.items() if name in _MODEL_FIELDS}
    models = tuple((name, override(entry, model_values)) for name, entry in config.base.models)
    base = dataclasses.replace(
        config.base, **paired_inputs(checked), models=models,
        cli_fixed=config.base.cli_fixed | given
    )
    return dataclasses.replace(config, base=base, per_path=per_path)
