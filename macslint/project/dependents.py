"""The project files that import a file, directly or through others: their models may build
and trace its layer constructions, so its layers' costs and its verdict depend on them.

The project of a file is the tree its absolute imports start from (above its outermost
package, `imports.package_root`). Each file's imports are read with Python's `ast` once per
process while the file is unchanged (its size and mtime); the reverse index of a tree is kept
while no file of it changes, appears or goes. Bounded: past MAX_FILES files a tree is not
indexed (no dependents are found, and the file keeps the costs its own models give).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from ..files import SKIP_DIRS, read_regular_file
from .imports import ImportResolver, Names, import_edges, package_root

MAX_FILES = 5000

# Installed packages are not the project, even when a tree holds them.
_NOT_PROJECT = frozenset({"site-packages", "dist-packages"})

Signature = Tuple[int, int]  # mtime_ns, size

Edges = Tuple[Tuple[Path, Names], ...]
# path -> (signature, the project files it imports (resolved) with the names it takes)
_IMPORTS: Dict[Path, Tuple[Signature, Edges]] = {}
# tree -> (the signature of every file in it, the reverse index: file -> its importers, each
# with the names it takes from the file)
Index = Dict[Path, List[Tuple[Path, Names]]]
_INDEXES: Dict[Path, Tuple[Dict[Path, Signature], Index]] = {}


def _signature(path: Path) -> Optional[Signature]:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def tree_files(root: Path) -> Optional[Dict[Path, Signature]]:
    """Every Python file under `root` (as `check` walks a directory), with its signature;
    None past MAX_FILES."""
    found: Dict[Path, Signature] = {}
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d not in _NOT_PROJECT
                         and not d.endswith(".egg") and not d.startswith("."))
        for name in files:
            if name.endswith(".py"):
                path = Path(directory, name)
                signature = _signature(path)
                if signature is not None:
                    found[path] = signature
                    if len(found) > MAX_FILES:
                        return None
    return found


def _imports(path: Path, signature: Signature) -> Edges:
    known = _IMPORTS.get(path)
    if known is not None and known[0] == signature:
        return known[1]
    try:
        text = read_regular_file(path).decode("utf-8", "replace")
    except OSError:
        text = ""
    edges = tuple((target.resolve(), names) for target, names in
                  import_edges(text, path, ImportResolver(path))) if "import" in text else ()
    _IMPORTS[path] = (signature, edges)
    return edges


def _index(root: Path) -> Optional[Index]:
    files = tree_files(root)
    if files is None:
        return None
    known = _INDEXES.get(root)
    if known is not None and known[0] == files:
        return known[1]
    importers: Index = {}
    for path, signature in files.items():
        for target, names in _imports(path, signature):
            importers.setdefault(target, []).append((path.resolve(), names))
    if len(_INDEXES) >= 8:
        _INDEXES.clear()
    _INDEXES[root] = (files, importers)
    return importers


def dependents(file: Path) -> List[Path]:
    """The project files that import `file` directly or through others (resolved, sorted;
    never `file` itself). Through a package's `__init__.py` only the names it re-exports
    from the file count: `from pkg import Block` depends on blocks.py when pkg/__init__.py
    takes Block from it, not when it takes only other names."""
    file = file.resolve()
    index = _index(package_root(file.parent))
    if index is None:
        return []
    # file -> the names of it that matter (None: every name)
    wanted: Dict[Path, Optional[FrozenSet[str]]] = {file: None}
    pending = [file]
    while pending:
        target = pending.pop()
        names = wanted[target]
        for importer, taken in index.get(target, ()):
            if importer == file:
                continue
            if taken is None:
                bound: Optional[FrozenSet[str]] = None
            else:
                hits = frozenset(here for there, here in taken
                                 if names is None or there == "*" or there in names)
                if not hits:
                    continue
                bound = hits
            if importer.name != "__init__.py":
                bound = None  # a module's own code may use what it imports anywhere
            if importer in wanted:
                before = wanted[importer]
                if before is None or (bound is not None and bound <= before):
                    continue
                bound = None if bound is None else bound | before
            wanted[importer] = bound
            pending.append(importer)
    return sorted(p for p in wanted if p != file)
