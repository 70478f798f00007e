"""Which project file an import names, without libcst: shared by the loader (which walks the
files it finds), the prefilter, and the reverse index of dependents (project/dependents.py),
which the check service reads before any parse."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Optional, Set


def package_root(directory: Path) -> Path:
    """The directory absolute imports start from: above the outermost package (a chain of
    directories with `__init__.py`) that holds `directory`."""
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


class ImportResolver:
    """Finds the file of a module imported by a file of the project: absolute imports from
    above its outermost package or from its own directory, relative ones from its package."""

    def __init__(self, file: Path) -> None:
        self.file = file.resolve()
        self.roots: List[Path] = [package_root(self.file.parent), self.file.parent]
        # Every file looked for, present or not: an analysis depends on each (a cached result
        # is stale when one of them changes, appears or goes).
        self.consulted: Set[Path] = set()

    def find(self, module: str, level: int, importer: Path) -> Optional[Path]:
        """The file of `module` as imported from `importer` (`level` leading dots)."""
        parts = [p for p in module.split(".") if p]
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        else:
            bases = self.roots
        for base in bases:
            target = base.joinpath(*parts)
            for candidate in (target.with_suffix(".py") if parts else None, target / "__init__.py"):
                if candidate is not None:
                    self.consulted.add(candidate)
                    if candidate.is_file():
                        return candidate
        return None


def imported_files(source: str, importer: Path, resolver: ImportResolver) -> Iterator[Path]:
    """The project files `source` (the text of `importer`) may import, anywhere in it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # Python cannot run it either; flake8 reports it (E999)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            candidates = [module] if module else []
            candidates += [f"{module}.{a.name}" if module else a.name for a in node.names
                           if a.name != "*"]
            for name in candidates:
                path = resolver.find(name, node.level, importer)
                if path is not None:
                    yield path
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                for end in range(1, len(parts) + 1):  # `import a.b` runs a and a.b
                    path = resolver.find(".".join(parts[:end]), 0, importer)
                    if path is not None:
                        yield path
