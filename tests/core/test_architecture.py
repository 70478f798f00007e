"""The package's layout rules (docs/architecture.md): no import cycles, no private names used
across modules, modules of a readable size, and one interpreter whose statements and
expressions are defined once (the model runtime adds torch's values through hooks)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "macslint"
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: Dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> List[ast.ImportFrom]:
    """Every `from ... import` of the package in the module, at any depth (function-level
    imports too: a cycle through a lazy import is still a cycle)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("macslint"):
                    found.append(ast.ImportFrom(module=alias.name, names=[], level=0))
    return found


def _target(importer: str, node: ast.ImportFrom) -> str:
    is_package = MODULES[importer].name == "__init__.py"
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module or ""


def _graph() -> Dict[str, Set[str]]:
    graph: Dict[str, Set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for node in _imports(name, path):
            target = _target(name, node)
            if not target.startswith("macslint"):
                continue
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
            for candidate in candidates:
                if candidate in MODULES and candidate != name:
                    graph[name].add(candidate)
    return graph


def _cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found




def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_imported_across_modules(name):
    private = [f"{_target(name, node)}.{alias.name}" for node in _imports(name, MODULES[name])
               for alias in node.names
               if alias.name.startswith("_") and not alias.name.startswith("__")
               and _target(name, node).startswith("macslint")]
    assert private == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_of_a_readable_size(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_statements_and_expressions_are_evaluated_in_one_place():
    """Only the interpreter (and the mixins it is made of) defines `eval_*` / `stmt_*`
    methods; the torch runtime adds values through hooks, it does not redefine Python."""
    defining = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and (
                            item.name.startswith("eval_") or item.name.startswith("stmt_")):
                        defining.add(name)
    assert defining and all(name.startswith("macslint.evaluator.") for name in defining), defining
