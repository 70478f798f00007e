"""Helpers on libcst syntax: the names a block binds, dotted names, literal values, and the
evaluator's per-node-type dispatch table (all cached: libcst nodes are immutable)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .values import EXCEPTION_BASES, MISSING, exception_is


def assigned_names(target: cst.BaseExpression) -> Iterable[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from assigned_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from assigned_names(target.value)


class LocalNames:
    """Names a block binds, not descending into nested scopes.

    A walk of its own rather than a libcst visitor: `node.visit` rebuilds every node it
    passes (1.5 s of a 14 s run on torchvision/models went there)."""

    def __init__(self) -> None:
        self.names: Set[str] = set()
        self.declared: Set[str] = set()  # global / nonlocal

    def collect(self, root: cst.CSTNode) -> None:
        names, declared = self.names, self.declared
        stack = [root]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in _NEW_SCOPES:
                if kind is cst.FunctionDef or kind is cst.ClassDef:
                    names.add(node.name.value)
                continue  # a nested scope binds its own names
            if kind in _BINDING_TARGETS:
                names.update(assigned_names(getattr(node, _BINDING_TARGETS[kind])))
            elif kind is cst.Import:
                names.update(dotted(a.name).split(".")[0] for a in node.names if a.asname is None)
            elif kind is cst.ImportFrom:
                if not isinstance(node.names, cst.ImportStar):
                    names.update(dotted(a.name) for a in node.names if a.asname is None)
            elif kind is cst.Global or kind is cst.Nonlocal:
                declared.update(n.name.value for n in node.names)
            elif (kind is cst.MatchAs or kind is cst.MatchStar) and node.name is not None:
                names.add(node.name.value)
            stack.extend(child_nodes(node))


# Node types that start a scope of their own, and those that bind the names in one field.
_NEW_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp,
                         cst.DictComp, cst.GeneratorExp})


_BINDING_TARGETS = {cst.AssignTarget: "target", cst.AnnAssign: "target",
                    cst.AugAssign: "target", cst.For: "target", cst.AsName: "name",
                    cst.NamedExpr: "target", cst.Del: "target"}


# Node types that hold nothing binding: whitespace, tokens, operators, leaves.
_INERT = (cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace,
          cst.Newline, cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
          cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma, cst.Dot,
          cst.Colon, cst.Semicolon, cst.AssignEqual, cst.ImportStar, cst.BaseBinaryOp,
          cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.Name,
          cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)


# type -> the names of its fields that may hold nodes worth walking
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def child_nodes(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """The node's child nodes (in no particular order), leaving out inert ones."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = (() if issubclass(kind, _INERT)
                                        else tuple(kind.__dataclass_fields__))
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif type(value) is tuple or type(value) is list:
            yield from (item for item in value if isinstance(item, cst.CSTNode))


def declared_names(root: cst.CSTNode, statement: type) -> Set[str]:
    """The names a `global` (or `nonlocal`) statement declares anywhere below `root`, nested
    functions included."""
    names: Set[str] = set()
    stack: List[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if type(node) is statement:
            names.update(n.name.value for n in node.names)
        stack.extend(child_nodes(node))
    return names


# Statements whose `break` belongs to themselves (or to no loop around them).
_OWN_LOOP = (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.Lambda)


def breaks_out(body: cst.CSTNode) -> bool:
    """A `break` in `body` may end the loop whose body it is (skipping the loop's `else`)."""
    stack: List[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if type(node) is cst.Break:
            return True
        stack.extend(child for child in child_nodes(node) if not isinstance(child, _OWN_LOOP))
    return False


# (interpreter class, "eval_" or "stmt_", node type) -> the method handling it, or None
_HANDLERS: Dict[Tuple[type, str, type], Optional[Callable]] = {}


def handler(owner: type, prefix: str, kind: type) -> Optional[Callable]:
    key = (owner, prefix, kind)
    try:
        return _HANDLERS[key]
    except KeyError:
        method = _HANDLERS[key] = getattr(owner, prefix + kind.__name__, None)
        return method


# literal text -> its value: libcst computes `evaluated_value` with ast.literal_eval (a compile)
# on every call, and the same literals are evaluated for every model and loop pass.
_LITERALS: Dict[str, Any] = {}


def literal(node: Union[cst.Integer, cst.Float, cst.SimpleString]) -> Any:
    value = _LITERALS.get(node.value, MISSING)
    if value is MISSING:
        if len(_LITERALS) >= 100_000:
            _LITERALS.clear()
        value = _LITERALS[node.value] = node.evaluated_value
    return value


# Node ids -> the names those nodes bind. libcst nodes are immutable, and this walk is the
# costliest part of evaluating code (a loop body or function body would be walked again on
# every pass or call). Entries hold their nodes so the ids stay theirs; the table is emptied
# when full so a long-running process does not keep every tree alive.
_BOUND_NAMES: Dict[Tuple[int, ...], Tuple[Tuple[cst.CSTNode, ...], LocalNames]] = {}


_BOUND_NAMES_MAX = 50_000


def names_bound_in(nodes: Sequence[cst.CSTNode]) -> LocalNames:
    """What the nodes bind (read-only: the result is shared)."""
    key = tuple(id(node) for node in nodes)
    hit = _BOUND_NAMES.get(key)
    if hit is not None:
        return hit[1]
    collector = LocalNames()
    for node in nodes:
        collector.collect(node)
    collector.names = frozenset(collector.names)  # type: ignore[assignment]
    collector.declared = frozenset(collector.declared)  # type: ignore[assignment]
    if len(_BOUND_NAMES) >= _BOUND_NAMES_MAX:
        _BOUND_NAMES.clear()
    _BOUND_NAMES[key] = (tuple(nodes), collector)
    return collector


def dotted(node: cst.BaseExpression, through_calls: bool = False) -> str:
    """`a.b.c` of a name or attribute chain ("" for anything else); `through_calls`: a call
    is named by its callee (`a.b().c` is `a.b.c`, as decorators are named)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value, through_calls)}.{node.attr.value}"
    if through_calls and isinstance(node, cst.Call):
        return dotted(node.func, True)
    return ""


def last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


# id(lambda node) -> (the node, the `def` it runs as): kept so that the id is not reused and
# a lambda's body is walked for its names once.
_LAMBDA_DEFS: Dict[int, Tuple[cst.Lambda, cst.FunctionDef]] = {}


def lambda_def(node: cst.Lambda) -> cst.FunctionDef:
    """`lambda a, b=1: body` as the `def` Python runs it as (`def _(a, b=1): return body`):
    the same parameter and body nodes, so that a call of it is an ordinary call of a function
    of the file (its lines are the lambda's)."""
    hit = _LAMBDA_DEFS.get(id(node))
    if hit is None:
        if len(_LAMBDA_DEFS) >= _BOUND_NAMES_MAX:
            _LAMBDA_DEFS.clear()
        body = cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(node.body)])])
        hit = _LAMBDA_DEFS[id(node)] = (node, cst.FunctionDef(cst.Name("_lambda"), node.params,
                                                              body))
    return hit[1]


def handler_of(stmt: cst.Try, kind: Optional[str]) -> Any:
    """The handler of `stmt` that catches an exception of class `kind`; None when none does
    (its class is known, and no handler names it or a base); MISSING when that cannot be
    told."""
    for caught in stmt.handlers:
        if caught.type is None:
            return caught
        nodes = caught.type.elements if isinstance(caught.type, cst.Tuple) else \
            [caught.type]
        names = [last_name(n.value if isinstance(n, cst.Element) else n) for n in nodes]
        if any(n in ("Exception", "BaseException") for n in names):
            return caught
        if kind is None or any(n not in EXCEPTION_BASES for n in names):
            return MISSING  # which exception, or what a project's class catches: not known
        if any(exception_is(kind, n) for n in names):
            return caught
    return None


def returns_early(body: cst.CSTNode) -> bool:
    """A `return` in the body (not in a function nested in it) other than its last statement."""
    statements = list(getattr(body, "body", ()))
    stack: List[cst.CSTNode] = list(statements[:-1])
    if statements and not (isinstance(statements[-1], cst.SimpleStatementLine)
                           and any(isinstance(s, cst.Return) for s in statements[-1].body)):
        stack.append(statements[-1])
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Return):
            return True
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(node.children)
    return False
