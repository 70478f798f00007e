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
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from ..files import SKIP_DIRS, read_regular_file
from .imports import ImportResolver, imported_files, package_root

MAX_FILES = 5000

# Installed packages are not the project, even when a tree holds them.
_NOT_PROJECT = frozenset({"site-packages", "dist-packages"})

Signature = Tuple[int, int]  # mtime_ns, size

# resolved path -> (signature, the project files it imports, resolved)
_IMPORTS: Dict[Path, Tuple[Signature, FrozenSet[Path]]] = {}
# tree -> (the signature of every file in it, the reverse index: file -> its importers)
_INDEXES: Dict[Path, Tuple[Dict[Path, Signature], Dict[Path, Set[Path]]]] = {}


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


def _imports(path: Path, signature: Signature) -> FrozenSet[Path]:
    known = _IMPORTS.get(path)
    if known is not None and known[0] == signature:
        return known[1]
    try:
        text = read_regular_file(path).decode("utf-8", "replace")
    except OSError:
        text = ""
    targets = frozenset(p.resolve() for p in imported_files(text, path, ImportResolver(path))
                        ) if "import" in text else frozenset()
    _IMPORTS[path] = (signature, targets)
    return targets


def _index(root: Path) -> Optional[Dict[Path, Set[Path]]]:
    files = tree_files(root)
    if files is None:
        return None
    known = _INDEXES.get(root)
    if known is not None and known[0] == files:
        return known[1]
    importers: Dict[Path, Set[Path]] = {}
    for path, signature in files.items():
        for target in _imports(path, signature):
            importers.setdefault(target, set()).add(path)
    if len(_INDEXES) >= 8:
        _INDEXES.clear()
    _INDEXES[root] = (files, importers)
    return importers


def dependents(file: Path) -> List[Path]:
    """The project files that import `file` directly or through others (resolved, sorted;
    never `file` itself)."""
    file = file.resolve()
    index = _index(package_root(file.parent))
    if index is None:
        return []
    found: Set[Path] = set()
    pending = [file]
    while pending:
        for importer in index.get(pending.pop(), ()):
            if importer not in found and importer != file:
                found.add(importer)
                pending.append(importer)
    return sorted(found)
