"""The cheap test before any parse: can this file's analysis find anything at all?

A layer or a model is only reachable through a name imported from torch, so a file that
never says "torch" is skipped: most files of a project. But a file can also build layers
with names imported from other project files (`from .blocks import Block`; `def big():
return Block(4096)` is a model), so such a file is analysed when a project file it imports
from, directly or through others, mentions torch. The imports are read with Python's `ast`
(a fraction of libcst's parse), and only for files that do not mention torch themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Set, Tuple

from .imports import imported_files
from .loader import MAX_MODULES, ProjectLoader, read_source


def mentions_torch(source: str) -> bool:
    return "torch" in source


def might_construct_layers(source: str, file: Optional[Path] = None) -> Tuple[bool, Tuple[str, ...]]:
    """(whether the analysis may find a layer or a model, the project files this answer
    read or looked for: a cached "no" is stale once one of them changes)."""
    if mentions_torch(source):
        return True, ()
    if file is None:
        return False, ()
    loader = ProjectLoader(file)
    seen: Set[Path] = {loader.file}
    pending: List[Tuple[Path, str]] = [(loader.file, source)]
    found = False
    while pending and not found:
        importer, text = pending.pop()
        for target in imported_files(text, importer, loader):
            target = target.resolve()
            if target in seen:
                continue
            seen.add(target)
            loader.consulted.add(target)
            imported = read_source(target)
            if imported is None:
                continue  # unreadable: the analysis would see unknown values only
            if mentions_torch(imported) or len(seen) > MAX_MODULES:
                found = True  # past the bound, analyse rather than guess
                break
            pending.append((target, imported))
    return found, tuple(sorted(str(p) for p in loader.consulted))
