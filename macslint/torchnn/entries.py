"""A file's models: what macslint builds, and why each model class it does not build is not.

A model is built from one of
- a class of the file that can be built without arguments, or a factory function of the file
  callable without arguments (`class`, `factory`);
- a declared construction (`declared`): `build = "..."` in `[tool.macslint.models.<label>]`
  or `# macslint: build=...` on a class line (macslint.builds), evaluated in this file's scope;
- a construction written in the project's code (`construction`): `model = UNet(3, 2)` in a
  training script, a `__main__` block, a test. Not one inside a model class (a block of a
  model) or inside a factory traced as a model, nor one whose arguments are parameters of the
  function around it (a helper's, not a model's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from ..builds import Build
from ..config import Settings
from ..errors import ConfigError
from ..evaluator.scope import Scope
from ..evaluator.syntax import child_nodes
from ..evaluator.values import UserClass, UserFunction
from ..pragmas import parse_pragma

# `tracer` below is the torchnn.tracer.ModelInterpreter building the file's models.


@dataclass
class ModelEntry:
    """One model to build: its name in findings and reports, the node it is reported at,
    how it is built, and the settings written on its class line."""

    name: str
    node: cst.CSTNode
    kind: str  # "class", "factory", "declared", "construction"
    target: Any  # the UserClass or UserFunction built or called (None: not known yet)
    pragma: Dict[str, Any] = field(default_factory=dict)
    config_error: Optional[str] = None
    expression: Optional[cst.BaseExpression] = None  # declared, construction: the call
    scope: Optional[Scope] = None  # where `expression` is evaluated (None: the module)

    @property
    def built(self) -> str:
        """The class or function built: what `report --model` also accepts."""
        return getattr(self.target, "name", self.name)


def header_comment(node: cst.CSTNode) -> Optional[str]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
        return body.header.comment.value
    if isinstance(body, cst.SimpleStatementSuite) and body.trailing_whitespace.comment is not None:
        return body.trailing_whitespace.comment.value
    return None


def class_pragma(tracer: Any, node: cst.CSTNode, path: str
                 ) -> Tuple[Dict[str, Any], Optional[Build], Optional[str]]:
    """The settings of a class (or def) line's pragma, its declared build, and the error of
    an invalid pragma."""
    comment = header_comment(node)
    if not comment:
        return {}, None, None
    try:
        pragma = parse_pragma(comment, source=f"{path}:{tracer.line_of(node)}")
    except ConfigError as exc:
        return {}, None, str(exc)
    build = pragma.pop("build", None)
    return pragma, build, None


def required_parameters(function: Optional[UserFunction], skip: int) -> List[str]:
    """The parameters of `function` a call must give (after the first `skip`)."""
    if function is None:
        return []
    params = function.node.params
    ordered = [*params.posonly_params, *params.params][skip:]
    return [p.name.value for p in (*ordered, *params.kwonly_params) if p.default is None]


def _names_in(node: cst.CSTNode) -> Set[str]:
    names: Set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Name:
            names.add(current.value)
        stack.extend(child_nodes(current))
    return names


def _parametric(call: cst.Call, scope: Scope) -> bool:
    """Do the call's arguments use a parameter of a function around it?"""
    used = set().union(*(_names_in(arg.value) for arg in call.args))
    current: Optional[Scope] = scope
    while current is not None:
        if used & current.params:
            return True
        current = current.parent
    return False


def _declared_expression(tracer: Any, build: Build, anchor: cst.CSTNode
                         ) -> cst.BaseExpression:
    expression = cst.parse_expression(build.expression)
    tracer.positions.anchor(expression, anchor)
    return expression


def declared_entries(tracer: Any, settings: Settings, path: str
                     ) -> Tuple[List[ModelEntry], Set[str]]:
    """The declared constructions that apply to this file, and the classes a pragma build
    replaces (built only that way)."""
    entries: List[ModelEntry] = []
    replaced: Set[str] = set()
    functions = [f for f in tracer.module_snapshot.values()
                 if isinstance(f, UserFunction) and f.scope.kind == "module"]
    for owner in [*tracer.classes, *functions]:  # a class line, or a factory's def line
        if owner.scope.kind != "module" or owner.node not in tracer.own_positions:
            continue
        pragma, build, error = class_pragma(tracer, owner.node, path)
        if build is not None:
            replaced.add(owner.name)
            entries.append(ModelEntry(build.label, owner.node, "declared", owner, pragma, error,
                                      _declared_expression(tracer, build, owner.node)))
    own = {name: value for name, value in tracer.module_snapshot.items()
           if isinstance(value, (UserClass, UserFunction)) and value.node in tracer.own_positions}
    for build in settings.builds:
        if not build.applies_to(path):
            continue
        target = own.get(build.callee)
        if target is None and build.module is None:
            continue  # another file defines it
        anchor = target.node if target is not None else tracer.module
        pragma = class_pragma(tracer, target.node, path)[0] if isinstance(target, UserClass) else {}
        entries.append(ModelEntry(build.label, anchor, "declared",
                                  target if target is not None else tracer.module_snapshot.get(build.callee),
                                  pragma, None, _declared_expression(tracer, build, anchor)))
    return entries, replaced


def construction_entries(tracer: Any, path: str,
                         inside: List[cst.CSTNode]) -> List[ModelEntry]:
    """The constructions of the project's model classes written in this file, outside the
    nodes `inside` (model classes, factories traced as models): one entry per distinct text."""
    spans = [(tracer.positions[n].start.line, tracer.positions[n].end.line) for n in inside]
    entries: List[ModelEntry] = []
    seen: Set[str] = set()
    for call, cls, scope in tracer.constructions:
        if call not in tracer.own_positions or not tracer.is_module_class(cls):
            continue
        line = tracer.positions[call].start.line
        if any(start <= line <= end for start, end in spans) or _parametric(call, scope):
            continue
        text = " ".join(tracer.module.code_for_node(call).split())  # its name: in full
        if text in seen:
            continue
        seen.add(text)
        pragma, _, error = class_pragma(tracer, cls.node, path) if cls.node in tracer.positions \
            else ({}, None, None)
        entries.append(ModelEntry(text, call, "construction", cls, pragma, error, call,
                                  None if scope.kind == "module" else scope))
    return entries
