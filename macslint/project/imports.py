"""Which project file an import names, without libcst: shared by the loader (which walks the
files it finds), the prefilter, and the reverse index of dependents (project/dependents.py),
which the check service reads before any parse."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Optional, Set, Tuple


def package_root(directory: Path) -> Path:
    """The directory absolute imports start from: above the outermost package (a chain of
    directories with `__init__.py`) that holds `directory`."""
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def module_name(file: Path) -> str:
    """The dotted name the file is imported by (`pkg.models.resnet`; a package's
    `__init__.py`: the package's), from above its outermost package."""
    file = file.resolve()
    parts = list(file.relative_to(package_root(file.parent)).with_suffix("").parts)
    if parts and parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


class ImportResolver:
    """Finds the file of a module imported by a file of the project: absolute imports from
    above its outermost package or from its own directory, relative ones from its package."""

    def __init__(self, file: Path) -> None:
        self.file = file.resolve()
        self.roots: List[Path] = [package_root(self.file.parent), self.file.parent]
        # Every file looked for, present or not: an analysis depends on each (a cached result
        # is stale when one of them changes, appears or goes).
        self.consulted: Set[Path] = set()

    def is_package_dir(self, parts: List[str]) -> bool:
        """Is there a directory `parts` below a root (a package, or a namespace package whose
        modules may be imported by their dotted names)?"""
        for base in self.roots:
            try:
                if base.joinpath(*parts).is_dir():
                    return True
            except OSError:  # a name too long to be a directory's
                return False
        return False

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
                    if _is_file(candidate):
                        return candidate
        return None


def _is_file(path: Path) -> bool:
    """Path.is_file, False also where the name cannot be a file's (too long: `import a.a.a...`
    10,000 deep is valid Python)."""
    try:
        return path.is_file()
    except OSError:
        return False


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
                    elif not resolver.is_package_dir(parts[:end]):
                        break  # nothing deeper can be the project's (`import a.a.a...`)


# The names an import takes from a file: (name there, name bound here) pairs, or None for
# every name (`import x`, `from x import *`); a submodule imported by name (`from pkg
# import blocks`) is ("*", "blocks"): all of it, bound to one name.
Names = Optional[Tuple[Tuple[str, str], ...]]


def import_edges(source: str, importer: Path, resolver: ImportResolver
                 ) -> Iterator[Tuple[Path, Names]]:
    """Each project file `source` (the text of `importer`) imports, with the names it takes
    from it: `from .blocks import Block as B` takes ("Block", "B") from blocks.py, and
    `import pkg.blocks` takes "blocks" from pkg/__init__.py and all of pkg/blocks.py."""
    # (`from pkg import blocks` also names pkg/__init__.py's `blocks`: the submodule itself)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    reads: Optional[_Reads] = None
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            target = resolver.find(module, node.level, importer) if module or node.level else None
            if target is not None:
                star = any(a.name == "*" for a in node.names)
                yield target, None if star else tuple(
                    (a.name, a.asname or a.name) for a in node.names)
            for alias in node.names:
                if alias.name != "*":
                    name = f"{module}.{alias.name}" if module else alias.name
                    submodule = resolver.find(name, node.level, importer)
                    if submodule is not None and submodule != target:
                        yield submodule, (("*", alias.asname or alias.name),)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                for end in range(1, len(parts) + 1):  # `import a.b` runs a and a.b
                    path = resolver.find(".".join(parts[:end]), 0, importer)
                    if path is None:
                        if not resolver.is_package_dir(parts[:end]):
                            break  # nothing deeper can be the project's
                        continue
                    if end < len(parts):
                        yield path, ((parts[end], parts[end]),)
                    else:  # the names the code reads of it: `torchvision.models` takes "models"
                        if reads is None:
                            reads = _Reads(tree)
                        used = reads.attributes(alias.asname or alias.name)
                        # (none read: imported for what running it does, a registry)
                        yield path, tuple((n, n) for n in used) if used else None


def _imports(tree: ast.Module) -> Iterator[ast.stmt]:
    """The import statements of a module, wherever they stand: statements are only in the
    statement lists of compound statements, so expressions are not walked (most of a tree)."""
    pending: List[ast.stmt] = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        blocks = [getattr(node, name, ()) for name in ("body", "orelse", "finalbody")]
        blocks += [part.body for part in getattr(node, "handlers", ())]  # try
        blocks += [case.body for case in getattr(node, "cases", ())]  # match
        for block in reversed(blocks):
            if isinstance(block, list):  # (a lambda's or an IfExp's body is one expression)
                pending.extend(reversed(block))


class _Reads:
    """The dotted names a module's code reads (`torch.nn.Conv2d`), and the names and dotted
    names it uses as values themselves (`run(torchvision)`): walked once, when asked."""

    def __init__(self, tree: ast.AST) -> None:
        self.chains: Set[str] = set()
        self.values: Set[str] = set()  # names and chains used other than by an attribute
        bases: Set[int] = set()
        attributes: List[ast.Attribute] = []
        names: List[ast.Name] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                bases.add(id(node.value))
                attributes.append(node)
            elif isinstance(node, ast.Name):
                names.append(node)
        for node in attributes:
            chain = _dotted(node)
            if chain is not None:
                self.chains.add(chain)
                if id(node) not in bases:
                    self.values.add(chain)
        self.values.update(n.id for n in names if id(n) not in bases)

    def attributes(self, dotted: str) -> Optional[List[str]]:
        """The attributes read of the module bound as `dotted` (`nn.Conv2d` reads Conv2d);
        None when the module itself is used as a value, which may read any of its names."""
        if dotted in self.values:
            return None
        prefix = dotted + "."
        return sorted({c[len(prefix):].split(".")[0] for c in self.chains if c.startswith(prefix)})


def _dotted(node: ast.expr) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])
