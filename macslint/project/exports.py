"""What a star import needs to know of a project file, read with Python's `ast`: the names
its module level binds, its own star imports (in the order the loader follows them) and its
`__all__` when the file writes it as a literal.

`from timm.models import *` reaches some 150 files whose names are bound lazily and most
never read: their libcst trees (7x slower to make, and kept for positions) were the larger
part of analysing one file of such a package. This needs neither, and is kept per process
for as long as the file is unchanged (its size and mtime). The rules are those of the
libcst walks the analysis uses elsewhere (evaluator.syntax.LocalNames), so a name is bound
here exactly when the analysis binds it.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_OWN_SCOPES = _SCOPES + (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Statements whose blocks hold module-level code (not a match's cases: the loader's walk
# does not look into them), with the fields holding those blocks, in libcst's field order.
_BLOCKS = {ast.If: ("body", "orelse"), ast.For: ("body", "orelse"),
           ast.AsyncFor: ("body", "orelse"), ast.While: ("body", "orelse"),
           ast.With: ("body",), ast.AsyncWith: ("body",),
           ast.Try: ("body", "handlers", "orelse", "finalbody"),
           ast.ExceptHandler: ("body",)}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _BLOCKS[ast.TryStar] = _BLOCKS[ast.Try]

MAX_KEPT = 8192


@dataclass(frozen=True)
class StarExports:
    bound: FrozenSet[str]  # the names the module level binds (defs, classes, imports, targets)
    star_imports: Tuple[Tuple[str, int], ...]  # (module, level) of its own `from m import *`
    literal_all: Optional[Tuple[Union[str, bytes], ...]]  # see literal_all()


# (resolved path, mtime_ns, size) -> what the file exports, or None if it cannot be read
_KEPT: Dict[Tuple[str, int, int], Optional[StarExports]] = {}


def star_exports(path: Path, source_of: Callable[[Path], Optional[str]]
                 ) -> Optional[StarExports]:
    """What `path` exports (None if it cannot be read or Python rejects it); `source_of`
    reads its text (loader.read_source)."""
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except OSError:
        return None
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    if key in _KEPT:
        return _KEPT[key]
    exports = _read_exports(resolved, source_of(resolved))
    if len(_KEPT) >= MAX_KEPT:
        _KEPT.clear()
    _KEPT[key] = exports
    return exports


def _read_exports(path: Path, source: Optional[str]) -> Optional[StarExports]:
    if source is None:
        return None
    try:
        module = ast.parse(source, str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return StarExports(frozenset(module_bound_names(module)),
                       tuple(star_imports(module)), literal_all(module, source))


def clear() -> None:
    _KEPT.clear()


# ---------------------------------------------------------------------------
# The names a module binds (LocalNames, on ast)

def _assigned(target: ast.AST, names: Set[str]) -> None:
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _assigned(element, names)
    elif isinstance(target, ast.Starred):
        _assigned(target.value, names)


def module_bound_names(module: ast.Module) -> Set[str]:
    """The names the module level binds, not descending into nested scopes (a `def` or
    `class` binds its name); `global` statements declare, they do not bind."""
    names: Set[str] = set()
    stack: List[ast.AST] = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _OWN_SCOPES):
            if isinstance(node, _SCOPES):
                names.add(node.name)
            continue
        if isinstance(node, (ast.Assign, ast.Delete)):  # (`del x` binds x, as for LocalNames)
            for target in node.targets:
                _assigned(target, names)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
                               ast.NamedExpr)):
            _assigned(node.target, names)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _assigned(node.optional_vars, names)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            names.add(node.name)
        elif isinstance(node, ast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name is not None:
            names.add(node.name)  # (not a mapping pattern's `**rest`: LocalNames leaves it)
        stack.extend(ast.iter_child_nodes(node))
    return names


# ---------------------------------------------------------------------------
# Star imports, in the order the loader follows them

def star_imports(module: ast.Module) -> Iterator[Tuple[str, int]]:
    """(module, level) of each `from m import *` at module level, in the order of the
    loader's walk of the libcst tree (a stack: a block's last statement first), which
    decides what a cycle of star imports binds."""
    stack: List[ast.AST] = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            yield node.module or "", node.level
            continue
        fields = _BLOCKS.get(type(node))
        if fields is not None:
            for name in fields:
                stack.extend(getattr(node, name))


# ---------------------------------------------------------------------------
# A literal __all__

def literal_all(module: ast.Module, text: str) -> Optional[Tuple[Union[str, bytes], ...]]:
    """`__all__` as the module's top-level statements write it (`text` is its source):
    assigned a list or tuple of strings, then extended (`+=`, `.extend`, `.append`) with
    more. None for anything else."""
    source = _Source(text)
    names: Optional[List[Union[str, bytes]]] = None
    for stmt in module.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        target: Optional[ast.AST] = None
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0] if len(stmt.targets) == 1 else None
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
            target = stmt.target
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and _is_all(target) \
                and stmt.value is not None:
            names = _strings(stmt.value, source)
        elif isinstance(stmt, ast.AugAssign) and _is_all(target) \
                and isinstance(stmt.op, ast.Add) and names is not None:
            more = _strings(stmt.value, source)
            names = names + more if more is not None else None
        elif isinstance(call, ast.Call) and names is not None \
                and len(call.args) + len(call.keywords) == 1 \
                and isinstance(call.func, ast.Attribute) and _is_all(call.func.value) \
                and call.func.attr in ("extend", "append"):
            arg = call.args[0] if call.args else call.keywords[0].value
            if isinstance(arg, ast.Starred):
                arg = arg.value  # (the argument's value, as the libcst rule reads it)
            more = _strings(arg, source) if call.func.attr == "extend" else \
                _strings(ast.List([arg]), source)
            names = names + more if more is not None else None
        elif _mentions_all(stmt):
            return None  # bound or changed some other way
        else:
            continue
        if names is None:
            return None
    return tuple(names) if names is not None else None


def _is_all(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"


def _mentions_all(root: ast.AST) -> bool:
    """`__all__` anywhere in the statement as a name (an identifier of any kind: a variable,
    an attribute, an import, a parameter, a keyword), not in a nested def or class."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES) or isinstance(node, ast.Constant):
            continue
        for field, value in ast.iter_fields(node):
            if field == "type_comment":
                continue
            if isinstance(value, str):
                value = [value]
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, str) and "__all__" in item.split("."):
                        return True
                    if isinstance(item, ast.AST):
                        stack.append(item)
            elif isinstance(value, ast.AST):
                stack.append(value)
    return False


def _strings(node: ast.AST, source: _Source) -> Optional[List[Union[str, bytes]]]:
    """The values of a list or tuple of string literals, each one literal (not `"a" "b"`)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    values: List[Union[str, bytes]] = []
    for element in node.elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, (str, bytes))
                and _one_literal(element, source)):
            return None
        values.append(element.value)
    return values


def _one_literal(node: ast.Constant, source: "_Source") -> bool:
    if getattr(node, "end_lineno", None) is None:
        return True  # made here (`.append(x)` as a list), not read from the source
    segment = source.segment(node)
    try:
        tokens = tokenize.generate_tokens(io.StringIO(f"({segment})").readline)
        return sum(token.type == tokenize.STRING for token in tokens) == 1
    except (tokenize.TokenError, SyntaxError):
        return False


class _Source:
    """A file's text, its lines split once (ast.get_source_segment splits the whole text on
    every call: 6 s for torchvision/transforms' 41 names)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: Optional[List[bytes]] = None

    def segment(self, node: ast.AST) -> str:
        if self._lines is None:  # ast's offsets are of UTF-8 bytes; its lines, universal ones
            self._lines = self.text.encode("utf-8", "surrogatepass").splitlines(keepends=True)
        lines, first, last = self._lines, node.lineno - 1, node.end_lineno - 1  # type: ignore
        if first == last:
            data = lines[first][node.col_offset:node.end_col_offset]  # type: ignore
        else:
            data = lines[first][node.col_offset:] + b"".join(lines[first + 1:last]) + \
                lines[last][:node.end_col_offset]  # type: ignore
        return data.decode("utf-8", "surrogatepass")
