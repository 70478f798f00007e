"""Imports between the files of the analysed project: `from .blocks import Bottleneck`.

A file's analysis may read the project files it imports from: each is parsed once per process
(cached by path, size and modification time) and walked once per analysis, and the names it
binds are the values the importing file sees. Modules outside the project (the standard library, installed packages
other than torch) stay unknown. Loading is bounded: a cycle, a file that cannot be read or
parsed, or more than MAX_MODULES files for one analysis give unknown values, never an error.
A star import (`from .parts import *`) binds the names the file exports, each read when used;
the names come from Python's ast (exports.py), not libcst, so a file none of whose names is
used is never parsed by libcst nor walked.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections import OrderedDict
from pathlib import Path
from typing import AbstractSet, Any, Dict, Iterator, List, Optional, Set, Tuple

import libcst as cst

from ..files import read_regular_file
from ..stack import on_deep_stack
from ..evaluator.interpreter import Interpreter
from ..evaluator.library import library_of
from ..evaluator.positions import LazyPositions
from .exports import clear as clear_exports, star_exports
from .imports import ImportResolver
from ..evaluator.values import LazyImport, ProjectModule, Unknown, resolved, same_value

MAX_MODULES = 64  # project files read for one analysis
MAX_FILE_BYTES = 2_000_000
_CACHE_SIZE = 64  # LRU: ~1-2 MiB each with positions; on timm (-j2) 128 held 337 MiB, 64 holds 244 MiB (+15% time)

# (resolved path, mtime_ns, size) -> (source, module, positions), or False if unreadable
_CACHE: "OrderedDict[Tuple[str, int, int], Any]" = OrderedDict()


class LoadedModule:
    """A project file, walked: its interpreter holds its scope, sites and positions."""

    def __init__(self, path: Path, display: str, interpreter: Any) -> None:
        self.path = path
        self.display = display
        self.interpreter = interpreter

    def names(self) -> Dict[str, Any]:
        return self.interpreter.module_snapshot


def read_source(path: Path) -> Optional[str]:
    """The text of a project file as Python decodes it (BOM dropped), None if it cannot be
    read, decoded, or is larger than MAX_FILE_BYTES."""
    try:
        data = read_regular_file(path)
        if len(data) > MAX_FILE_BYTES:
            return None
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _read(path: Path) -> Optional[str]:
    """read_source, and None unless Python accepts the code (its verdict before libcst's)."""
    text = read_source(path)
    if text is None:
        return None
    try:
        compile(text, str(path), "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return text


class ProjectLoader(ImportResolver):
    """Finds and walks the project files one analysis imports from."""

    def __init__(self, file: Path, not_installed: AbstractSet[str] = frozenset()) -> None:
        super().__init__(file)
        self.not_installed = not_installed  # the setting: the walks of imported files use it
        self.loading: Set[Path] = set()
        self.loaded: Dict[Path, Optional[LoadedModule]] = {}
        # `from <file> import *`: the names it binds, and why they are unknown (see _exports)
        self.exports: Dict[Path, Optional[Tuple[List[str], Optional[str]]]] = {}

    def modules(self) -> Iterator[LoadedModule]:
        return (m for m in self.loaded.values() if m is not None)

    def import_name(self, source: str, level: int, name: str, importer: Path) -> Tuple[bool, Any]:
        """`from <source> import <name>` in `importer`: (True, the value) when <source> is a
        project file that binds <name> or <source>.<name> is a project module, else (False, None)."""
        found = self.find(source, level, importer) if source or level else None
        loaded = self.load(found) if found is not None else None
        if loaded is not None and name in loaded.names():
            return True, loaded.names()[name]
        # `from . import blocks`, `from .models import resnet`: a module of the package
        found = self.find(f"{source}.{name}" if source else name, level, importer)
        loaded = self.load(found) if found is not None else None
        return (True, ProjectModule(loaded)) if loaded is not None else (False, None)

    def star_import(self, interpreter: Any, source: str, level: int, importer: Path,
                    bound: Dict[str, Any]) -> Dict[str, Any]:
        """What `from <source> import *` binds in `importer` (read by `interpreter`) when
        <source> is a project file, as Python binds it: its `__all__` if it has one, else its
        module-level names that do not start with an underscore. Each name is read from the
        file when first used (as `from <source> import <name>`): the names come from its text
        and that of the files it star-imports in turn, so the file is walked only when one is
        used or its `__all__` is not a literal list (the value the file's walk gives it). When
        that value is not known either, each name the file may export is unknown, saying why,
        unless the importer has it `bound` to the value the file gives it already. Nothing for
        a file that is not the project's, or cannot be read."""
        found = self.find(source, level, importer) if source or level else None
        exports = self._exports(found) if found is not None else None
        if exports is None:
            return {}
        names, why = exports
        if why is None:
            return {name: LazyImport(interpreter, source, level, name) for name in names}
        loaded = self.load(found)
        values = loaded.names() if loaded is not None else {}
        return {name: Unknown(why) for name in names
                if not (name in bound and name in values
                        and same_value(bound[name], resolved(values[name])))}

    def _exports(self, path: Path) -> Optional[Tuple[List[str], Optional[str]]]:
        """(the names a star import of `path` binds, None or why their values are not
        known), None if the file cannot be read."""
        path = path.resolve()
        self.consulted.add(path)
        if path in self.exports:
            return self.exports[path]
        self.exports[path] = ([], None)  # a cycle of star imports adds nothing more
        read = star_exports(path, read_source)
        exports: Optional[Tuple[List[str], Optional[str]]] = None
        if read is not None:
            bound = set(read.bound)
            for source, level in read.star_imports:
                library = library_of(source) if not level else None
                if library is not None:
                    bound.update(library.star(source))
                elif source or level:
                    found = self.find(source, level, path)
                    inner = self._exports(found) if found is not None else None
                    bound.update(inner[0] if inner is not None else ())
            public = sorted(n for n in bound if not n.startswith("_"))
            exports = (public, None)
            if "__all__" in bound:
                names = list(read.literal_all) if read.literal_all is not None else None
                if names is None:
                    loaded = self.load(path)
                    value = resolved(loaded.names().get("__all__")) if loaded else None
                    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                        names = list(value)
                exports = (names, None) if names is not None else (public, (
                    f"`from {_display(path, self.file)} import *` may or may not bind it: "
                    f"the file's __all__ is not known"))
        self.exports[path] = exports
        return exports

    def _parsed(self, path: Path) -> Optional[Tuple[str, Any, Any]]:
        """(source, module, positions) of a project file: parsed once per process (cached by
        path, mtime and size). None if it cannot be read or parsed."""
        key = _cache_key(path)
        if key is None:
            return None
        parsed = _recall(key)
        if parsed is None:
            parsed = _remember(key, _parse(path))
        return parsed if parsed is not False else None

    def load(self, path: Path) -> Optional[LoadedModule]:
        path = path.resolve()
        self.consulted.add(path)
        if path in self.loaded:
            return self.loaded[path]
        if path in self.loading or path == self.file or len(self.loaded) >= MAX_MODULES:
            return None
        # Walked once per analysis, so that everything an analysis reads belongs to it (its
        # positions, its bounds).
        parsed = self._parsed(path)
        if parsed is None:
            return None
        self.loading.add(path)
        try:
            loaded = self._walk(path, parsed)
        finally:
            self.loading.discard(path)
        self.loaded[path] = loaded
        return loaded

    def _walk(self, path: Path, parsed: Tuple[str, Any, Any]) -> Optional[LoadedModule]:
        source, module, positions = parsed
        display = _display(path, self.file)
        interpreter = Interpreter(module, source, positions, loader=self, path=path,
                                  display=display, not_installed=self.not_installed)
        interpreter.run(walk_functions=False)
        # Importers see the module as it stands after it ran, in program order.
        interpreter.module_scope.values = dict(interpreter.module_snapshot)
        return LoadedModule(path, display, interpreter)


def parse_module(source: str) -> Any:
    """libcst's parse on a large stack: its native parser recurses once per term of chains
    Python keeps flat (`a or b or ...`, `import a.b.c...`), and a few thousand terms overflow
    a thread's default stack: a segfault, not an exception."""
    return on_deep_stack(cst.parse_module, source)


def _parse(path: Path) -> Any:
    """(source, module, positions), or False for a file that cannot be read or parsed."""
    source = _read(path)
    if source is None:
        return False
    try:
        module = parse_module(source)
    except Exception:  # noqa: BLE001 - an unreadable import is an unknown value
        return False
    return source, module, LazyPositions(module)


def _cache_key(path: Path) -> Optional[Tuple[str, int, int]]:
    """(resolved path, mtime, size) of a file, None if it cannot be stat'ed."""
    try:
        path = path.resolve()
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _recall(key: Tuple[str, int, int]) -> Any:
    parsed = _CACHE.get(key)
    if parsed is not None:
        _CACHE.move_to_end(key)  # least recently used first out
    return parsed


def _remember(key: Tuple[str, int, int], parsed: Any) -> Any:
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.popitem(last=False)
    _CACHE[key] = parsed
    return parsed


def parse_file_source(file: Path, source: str) -> Tuple[Any, Any]:
    """(module, positions) of `source`, the text of `file` as checked: shared with the
    imports cache, so a file both checked and imported by others is parsed once per process.
    Raises what libcst raises on code it cannot parse."""
    key = _cache_key(file)
    cached = _recall(key) if key is not None else None
    if cached and cached[0] == source:
        return cached[1], cached[2]
    module = parse_module(source)
    positions = LazyPositions(module)
    if key is not None and cached is None and _read(file) == source:  # not an editor buffer
        _remember(key, (source, module, positions))
    return module, positions


def _display(path: Path, importer: Path) -> str:
    try:
        return path.relative_to(importer.parent).as_posix()
    except ValueError:
        pass
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def clear_cache() -> None:
    _CACHE.clear()
    clear_exports()
