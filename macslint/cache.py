"""A content-addressed cache of file results, so a re-run reads instead of analysing.

The key is a hash of everything a result depends on that is known before analysing: the
file's bytes, its name as displayed, the effective settings and macslint's own code. The
entry also lists the other project files the analysis looked for (imports), each with the
hash of its content or None if it was absent; the entry is used only while they are all
unchanged. Entries are written atomically (a temporary file renamed into place), so runs in
parallel processes (pre-commit, `-j`) never read half an entry; an entry that cannot be read
is ignored and written again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import __version__
from .config import Settings
from .engine import FileResult, check_data, check_file
from .files import read_regular_file

DEFAULT_DIR = ".macslint_cache"
FORMAT = 1  # bump when the entry layout changes


PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def code_fingerprint(package: Path = PACKAGE) -> str:
    """macslint's own code: its version and each module's size and mtime, so an edited
    checkout (an editable install) never reads results of older code."""
    digest = hashlib.sha256(f"{__version__}\0{FORMAT}".encode())
    for module in sorted(package.rglob("*.py")):  # the subpackages too
        stat = module.stat()
        name = module.relative_to(package).as_posix()
        digest.update(f"\0{name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def settings_key(settings: Settings) -> str:
    """The settings as text that is the same in every process (no set order, no ids)."""
    parts = []
    for f in dataclasses.fields(settings):
        value: Any = getattr(settings, f.name)
        if f.name == "models":
            value = tuple((name, tuple(sorted(entry.items()))) for name, entry in value)
        elif f.name == "cli_fixed":
            value = tuple(sorted(value))
        parts.append(f"{f.name}={value!r}")
    return "\0".join(parts)


# path -> (mtime_ns, size, hash): the files many entries depend on are hashed once per run.
# Emptied when a run starts (`ResultCache()`), so an edit between runs that keeps a file's
# size and lands within the file system's timestamp granularity is still seen.
_HASHES: Dict[str, Tuple[int, int, str]] = {}


def _content_hash(path: str) -> Optional[str]:
    try:
        stat = os.stat(path)
        known = _HASHES.get(path)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(read_regular_file(path)).hexdigest()
    except OSError:
        return None  # absent (or unreadable): it must stay so for the entry to hold
    if len(_HASHES) >= 10_000:
        _HASHES.clear()
    _HASHES[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ready = False
        _HASHES.clear()

    def key(self, display: str, data: bytes, settings: Settings) -> str:
        digest = hashlib.sha256(code_fingerprint().encode())
        for part in (display.encode("utf-8", "surrogateescape"),
                     settings_key(settings).encode("utf-8", "surrogateescape"), data):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.pickle"

    def get(self, key: str) -> Optional[FileResult]:
        try:
            data = self._entry(key).read_bytes()
        except OSError:
            return None
        try:
            dependencies, result = pickle.loads(data)
            if not isinstance(result, FileResult):
                return None
        except Exception:  # noqa: BLE001 - a corrupt or foreign entry is a miss
            return None
        if any(_content_hash(path) != digest for path, digest in dependencies):
            return None
        return result

    def put(self, key: str, result: FileResult) -> None:
        """Store `result`; a cache that cannot be written is skipped (the run goes on)."""
        dependencies: List[Tuple[str, Optional[str]]] = [
            (path, _content_hash(path)) for path in result.depends_on]
        try:
            data = pickle.dumps((dependencies, result), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a result that does not pickle is not cached
            return
        entry = self._entry(key)
        try:
            if not self.ready:
                self._prepare()
            entry.parent.mkdir(exist_ok=True)
            tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, entry)
        except OSError:
            return

    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():  # as ruff and mypy do: the cache is never committed
            ignore.write_text("# created by macslint\n*\n")
        self.ready = True


def cached_result(path: Path, display: str, settings: Settings,
                  cache: Optional[ResultCache]) -> Optional[FileResult]:
    """The file's result from the cache, or None (a miss, or no cache)."""
    if cache is None:
        return None
    try:
        data = read_regular_file(path)
    except OSError:
        return None
    return cache.get(cache.key(display, data, settings))


def check_and_store(path: Path, display: str, settings: Settings,
                    cache: Optional[ResultCache]) -> FileResult:
    """Analyse the file and store its result (keyed on the bytes analysed)."""
    if cache is None:
        return check_file(path, display, settings)
    try:
        data = read_regular_file(path)
    except OSError:
        return check_file(path, display, settings)  # reports the read error itself
    result = check_data(path, display, settings, data)
    cache.put(cache.key(display, data, settings), result)
    return result
