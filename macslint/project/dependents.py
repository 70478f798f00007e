"""The project files that import a file, directly or through others: their models may build
and trace its layer constructions, so its layers' costs and its verdict depend on them.

The project of a file is the tree its absolute imports start from (above its outermost
package, `imports.package_root`). Each file's imports are read with Python's `ast` once while
the file is unchanged (its size and mtime) and the tree holds the same files (where an import
leads depends on which files exist); the reverse index of a tree is kept while no file of it
changes, appears or goes. With a `Store` (the result cache), the imports read are kept
between processes too, so a warm run parses none. Bounded: past MAX_FILES files a tree is not
indexed (no dependents are found, and the file keeps the costs its own models give).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Protocol, Tuple

from ..files import SKIP_DIRS, read_regular_file
from .imports import ImportResolver, Names, import_edges, package_root

MAX_FILES = 5000

# Installed packages are not the project, even when a tree holds them.
_NOT_PROJECT = frozenset({"site-packages", "dist-packages"})

Signature = Tuple[int, int]  # mtime_ns, size
Edges = Tuple[Tuple[str, Names], ...]  # the project files a file imports (resolved), with names
# A tree's files: path -> (signature, edges); valid while the tree holds exactly these files.
Table = Dict[str, Tuple[Signature, Edges]]
_TABLES: Dict[str, Table] = {}
# tree -> (the signature of every file in it, the reverse index: file -> its importers, each
# with the names it takes from the file)
Index = Dict[Path, List[Tuple[Path, Names]]]
_INDEXES: Dict[str, Tuple[Dict[str, Signature], Index]] = {}
KEPT_TREES = 8


class Store(Protocol):
    """Where a tree's table is kept between processes (cache.ResultCache): plain data under a
    name, read back only as written by this user's macslint, else None."""

    def get_data(self, name: str) -> Any: ...

    def put_data(self, name: str, value: Any) -> None: ...


def tree_files(root: Path) -> Optional[Dict[str, Signature]]:
    """Every Python file under `root` (as `check` walks a directory), with its signature;
    None past MAX_FILES."""
    found: Dict[str, Signature] = {}
    pending = [os.fspath(root)]
    while pending:  # (os.scandir and plain strings: this runs once per file checked)
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if name not in SKIP_DIRS and name not in _NOT_PROJECT \
                                and not name.endswith(".egg") and not name.startswith("."):
                            pending.append(entry.path)
                    elif name.endswith(".py"):
                        stat = entry.stat()
                        found[entry.path] = (stat.st_mtime_ns, stat.st_size)
                        if len(found) > MAX_FILES:
                            return None
                except OSError:  # gone, or a broken symlink
                    continue
    return found


def _edges(path: str) -> Edges:
    try:
        text = read_regular_file(path).decode("utf-8", "replace")
    except OSError:
        text = ""
    if "import" not in text:
        return ()
    file = Path(path)
    return tuple((str(target.resolve()), names) for target, names in
                 import_edges(text, file, ImportResolver(file)))


def _stored_table(root: str, files: Dict[str, Signature], store: Optional[Store]
                  ) -> Optional[Table]:
    """The table kept in `store` for the tree, if it holds the same files; entries of files
    changed since are read again by the caller."""
    if store is None:
        return None
    kept = store.get_data(f"imports:{root}")
    if type(kept) is not dict or kept.keys() != files.keys():
        return None
    table: Table = {}
    for path, entry in kept.items():
        try:
            signature, edges = entry  # (one that does not match is read again)
            for target, names in edges:
                if type(target) is not str or not (names is None or all(
                        type(there) is str and type(here) is str for there, here in names)):
                    return None
        except (TypeError, ValueError):
            return None
        table[path] = (signature, tuple(edges))
    return table


def _index(root: Path, store: Optional[Store] = None) -> Optional[Index]:
    files = tree_files(root)
    if files is None:
        return None
    key = os.fspath(root)
    known = _INDEXES.get(key)
    if known is not None and known[0] == files:
        return known[1]
    table = _TABLES.get(key)
    if table is None or table.keys() != files.keys():
        table = _stored_table(key, files, store) or {}
    fresh: Table = {}
    for path, signature in files.items():
        entry = table.get(path)
        fresh[path] = entry if entry is not None and entry[0] == signature else (
            signature, _edges(path))
    importers: Index = {}
    for path, (_, edges) in fresh.items():
        importer = Path(path).resolve()
        for target, names in edges:
            importers.setdefault(Path(target), []).append((importer, names))
    if len(_INDEXES) >= KEPT_TREES:
        _INDEXES.clear()
        _TABLES.clear()
    _INDEXES[key] = (files, importers)
    _TABLES[key] = fresh
    if store is not None and fresh != table:
        store.put_data(f"imports:{key}", fresh)
    return importers


def index_trees(files: Iterable[Path], store: Optional[Store] = None) -> None:
    """Index the trees of `files` now (`dependents` then finds them indexed)."""
    for root in {package_root(file.resolve().parent) for file in files}:
        _index(root, store)


def dependents(file: Path, store: Optional[Store] = None) -> List[Path]:
    """The project files that import `file` directly or through others (resolved, sorted;
    never `file` itself). Through a package's `__init__.py` only the names it re-exports
    from the file count: `from pkg import Block` depends on blocks.py when pkg/__init__.py
    takes Block from it, not when it takes only other names."""
    file = file.resolve()
    index = _index(package_root(file.parent), store)
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
