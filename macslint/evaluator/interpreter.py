"""The one interpreter of Python over libcst trees: expressions and calls (statements: mixed in).

It evaluates a module the way Python would run it, in order, keeping abstract values for
names. Anything it cannot compute is an `Unknown` with the reason, and only what depends on
it is unknown. Its policy (evaluator.policy) says whether it reads a file (every path once,
function bodies with their parameters unknown: the layer construction sites) or runs code
(a model's `__init__` and `forward`). Libraries (evaluator.library) give imported names
their values; the model runtime (macslint.torchnn) adds torch's values through the hooks at
the end of the class.
"""

from __future__ import annotations

import math
import operator
from typing import AbstractSet, Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..costmodel import LayerError, LayerSpec
from ..results.sites import LayerSite, first_unknown
from .library import LIBRARIES, LIBRARY_OF_VALUE, AttributeNames
from .operators import (
    BINARY_OPERATORS, COMPARISONS, MAX_INT_BITS, MAX_SEQUENCE, READ_MATH, read_math, too_big,
)
from .comprehensions import Comprehensions
from .effects import UnrunEffects, walk_nodes
from .policy import WALK, Policy
from .record_calls import RecordCalls
from .records import (
    RECORD_VALUES, AttrsView, DataclassDecorator, FieldSpec, Instance, Method, Namespace,
    NamedTupleType, Parser, StdName, fresh_copy, identical,
)
from .rounded import PASSES_ROUNDED, Rounded, compare_rounded, known_only, truth_of_rounded
from .scope import Scope, unbound
from .sets import SETS, SetValues
from .statements import Statements
from .syntax import declared_names, handler, lambda_def, literal
from .enums import enum_member
from .values import (
    ENVIRONMENT, MISSING, PLAIN, STDLIB_HELPERS, TYPING_ABCS, DeferredCall, Environment, NamesView, Partial, ProjectModule, PyBuiltin,
    PyModule, RaiseSignal, Unknown, UserClass, UserFunction, UserObject, argument_not_known,
    lists_in, python_type, resolved, same_value, what_is,
)

# Python's builtins running code may call (when the name is not bound in the file).
PY_BUILTIN_NAMES = frozenset({
    "range", "len", "int", "float", "bool", "min", "max", "sum", "abs", "round", "list", "tuple",
    "dict", "enumerate", "zip", "reversed", "sorted", "isinstance", "issubclass", "super",
    "print", "getattr", "setattr", "hasattr", "divmod", "pow", "all", "any", "str",
    "callable", "globals", "map", "filter", "set", "frozenset", "vars", "type", "dir",
})

# those that change none of their arguments (the others run functions, or set attributes)
PURE_BUILTIN_NAMES = PY_BUILTIN_NAMES - {"setattr", "map", "filter", "super", "vars", "globals"}


class Interpreter(RecordCalls, Statements, SetValues, Comprehensions, UnrunEffects):
    """The one interpreter of Python for macslint; `policy` says whether it reads a file or
    runs code (evaluator.policy)."""

    policy: Policy = WALK
    names_only = False  # run for its names only (an imported file): see run()

    def __init__(self, module: cst.Module, source: str, positions: Any, loader: Any = None,
                 path: Any = None, display: Optional[str] = None,
                 not_installed: AbstractSet[str] = frozenset()) -> None:
        self.module = module
        self.source = source
        self.positions = positions
        self.loader = loader  # project.ProjectLoader: the project files this one imports
        self.path = path  # this file, for relative imports
        self.display = display  # how sites of this file are named when another file uses them
        self.not_installed = not_installed  # modules an import of raises (optional_imports)
        self.sites: Dict[int, LayerSite] = {}
        self.pending_functions: List[Tuple[cst.CSTNode, Scope]] = []
        self.classes: List["UserClass"] = []  # every class statement run, in order
        self.module_scope: Optional[Scope] = None
        self.uncertain = 0  # in a loop body or a `try` body: it may run any number of times
        self.unfollowed_loops = 0  # in the body of a loop not followed, walked once for its notes
        self.yielded = []  # generator functions running (evaluator.comprehensions)
        # Calls that may run code of the file while the module runs, and each `def` with the
        # count when it ran: a later call may change its mutable defaults in place.
        self.user_calls = 0
        self.functions: List[Tuple[UserFunction, int]] = []
        self.skipping = 0  # inside the branch a known condition skips: it changes nothing
        # Branches of conditions that are not known, running: the copies of scopes they work on,
        # their number, and per branch what it wrote outside its own scope (to merge after).
        self.open_forks: List[Scope] = []
        self.forks = 0
        self.branch_writes: List[Dict[Tuple[int, str], Tuple[Dict[str, Any], str, Any, str]]] = []
        self.tracing = False  # running forward(): unknown conditions are noted
        self.changed_by_functions: Dict[int, str] = {}  # config objects (record_calls)
        self.lost_sets: Dict[int, Tuple[set, str]] = {}  # sets changed as not modelled (sets)
        # Calls of the file's (or an imported project file's) classes with arguments, read
        # while walking: (call, class, the scope it is in, copied when a function's or a
        # class body's). The model runtime builds those that are models (torchnn.tracer).
        self.constructions: List[Tuple[cst.Call, "UserClass", Scope]] = []

    # -- entry point ------------------------------------------------------
    def run(self, walk_functions: bool = True) -> List[LayerSite]:
        """Walk the module, then (unless `walk_functions` is false: a file read for its
        names only) every function body for the layers built in it."""
        scope = self.module_scope = Scope("module", None)
        self.names_only = not walk_functions
        self.walk_block(self.module.body, scope)
        # What the model tracer starts from: the module as it stands after running (the last
        # value of each name), before anything below makes names unknown for function bodies
        # that could run at any time.
        self.module_snapshot = dict(scope.values)
        self.class_snapshots = {id(cls): dict(cls.body.values) for cls in self.classes}
        for function, calls in self.functions:
            if calls < self.user_calls:  # the file's walk does not follow that call
                for name, value in function.defaults.items():
                    if any(True for _ in lists_in(value)):
                        function.defaults[name] = Unknown(
                            f"the default of '{name}' may be changed in place by a call "
                            f"that runs after `def {function.name}`")
        # Function bodies run after the module has run: they see its final bindings, and
        # nothing they can rely on for a name the module (or a `global`) binds to several values.
        scope.rebound |= self.global_names()
        scope.settle()
        if walk_functions:  # walked on copies: what the walk taints, the snapshot keeps as it ran
            memo: Dict[int, Any] = {}
            scope.values = {k: fresh_copy(v, memo) for k, v in scope.values.items()}
            for cls in self.classes:
                cls.body.values = {k: fresh_copy(v, memo) for k, v in cls.body.values.items()}
        self.walking_functions = True
        while self.pending_functions and walk_functions:
            node, parent = self.pending_functions.pop(0)
            self.walk_function(node, parent)
        return sorted(self.sites.values(), key=lambda s: (s.line, s.col))

    def global_names(self) -> Set[str]:
        if "global" not in self.source:
            return set()
        return declared_names(self.module, cst.Global)


    # -- expressions ------------------------------------------------------
    def eval_children(self, node: cst.CSTNode, scope: Scope) -> None:
        """Evaluate every expression below an unmodelled node, for the layer calls in it."""
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.eval(child, scope)
            elif isinstance(child, (cst.BaseStatement, cst.BaseSmallStatement)):
                self.walk_stmt(child, scope)
            else:
                self.eval_children(child, scope)

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Any:
        method = handler(type(self), "eval_", type(node))
        if method is None:
            self.eval_children(node, scope)
            return Unknown(f"`{self.code(node)}` is not evaluated")
        return method(self, node, scope)

    def code(self, node: cst.CSTNode, limit: int = 40) -> str:
        # Memoized: libcst generates a node's code anew on each call, and models evaluate the
        # same nodes again and again (2.1 s of 18 s on torchvision/models before).
        memo = _CODE.get(id(node))
        if memo is None or memo[0] is not node:
            if len(_CODE) >= _CODE_SIZE:
                _CODE.clear()
            memo = _CODE[id(node)] = (node, " ".join(self.module.code_for_node(node).split()))
        text = memo[1]
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def eval_Integer(self, node: cst.Integer, scope: Scope) -> Any:
        return literal(node)

    def eval_Float(self, node: cst.Float, scope: Scope) -> Any:
        return literal(node)

    def eval_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Any:
        value = literal(node)
        return value if isinstance(value, str) else Unknown("a bytes literal")

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return Unknown("a string that is not constant")

    def eval_Attribute(self, node: cst.Attribute, scope: Scope) -> Any:
        return self.attribute(node, self.eval(node.value, scope))

    def attribute(self, node: cst.Attribute, base: Any) -> Any:
        if isinstance(base, (*RECORD_VALUES, UserClass)) and not isinstance(base, StdName):
            value = self.record_attribute(node, base)  # config objects (evaluator.record_calls)
            if value is not NotImplemented:
                return value
        library = LIBRARY_OF_VALUE.get(type(base))
        if library is not None:
            return library.attribute(base, node.attr.value)
        if isinstance(base, ProjectModule):
            names = base.loaded.names()
            if node.attr.value == "__dict__":
                return NamesView(names, base.loaded.display)
            return resolved(names.get(node.attr.value, Unknown(
                f"`{self.code(node)}` is not defined in {base.loaded.display}")))
        if isinstance(base, PyModule) and base.name == "sys" and node.attr.value != "modules":
            return Unknown("'sys' is a module other than torch")
        if isinstance(base, PyModule) and f"{base.name}.{node.attr.value}" in STDLIB_HELPERS:
            return PyModule(f"{base.name}.{node.attr.value}")  # `collections.abc`
        if isinstance(base, PyModule) and base.name == "typing" and node.attr.value in TYPING_ABCS:
            return PyBuiltin(f"collections.abc.{node.attr.value}")  # `typing.Sequence`
        if isinstance(base, PyModule) and node.attr.value in STDLIB_HELPERS[base.name]:
            if base.name == "math" and node.attr.value in ("pi", "e", "inf"):
                return getattr(math, node.attr.value)
            if base.name == "os" and node.attr.value == "environ":
                return ENVIRONMENT
            return PyBuiltin(f"{base.name}.{node.attr.value}")
        if isinstance(base, str) and hasattr(base, "member_attribute"):  # a StrEnum member
            found = base.member_attribute(node.attr.value)  # type: ignore[attr-defined]
            if isinstance(found, str):
                return found
        if isinstance(base, Partial) and node.attr.value in ("func", "args", "keywords"):
            return {"func": base.function, "args": tuple(base.positional),
                    "keywords": base.keywords}[node.attr.value]  # (the partial's own dict)
        if isinstance(base, Unknown):
            return Unknown(base.reason)
        return Unknown(f"attribute `{self.code(node)}` is not evaluated")

    def eval_Tuple(self, node: cst.Tuple, scope: Scope) -> Any:
        return self.eval_elements(node.elements, scope, tuple, node)

    def eval_List(self, node: cst.List, scope: Scope) -> Any:
        return self.eval_elements(node.elements, scope, list, node)

    def eval_elements(self, elements: Sequence[cst.BaseElement], scope: Scope, make: type,
                      node: cst.BaseExpression) -> Any:
        items: List[Any] = []
        unknown: Optional[Unknown] = None
        for element in elements:
            value = self.eval(element.value, scope)
            if isinstance(element, cst.StarredElement):
                value = self.iterate(value) if isinstance(value, SETS) else value
                if isinstance(value, (tuple, list)):
                    items.extend(value)
                    continue
                value = value if isinstance(value, Unknown) else Unknown("a starred element")
            unknown = unknown or first_unknown(value)
            items.append(value)
        if unknown is not None:
            return self.defer(unknown, node, scope) or Unknown(unknown.reason)
        if len(items) > MAX_SEQUENCE:
            return Unknown("a sequence too long to evaluate")
        return make(items)

    def unary(self, node: cst.UnaryOperation, value: Any) -> Any:
        """`node`'s operator on its operand's `value` (evaluated once: evaluating it again at
        each level of `- - - x` takes 2**depth steps)."""
        if isinstance(value, Unknown):
            return value
        op = {cst.Minus: operator.neg, cst.Plus: operator.pos, cst.BitInvert: operator.invert,
              cst.Not: operator.not_}[type(node.operator)]
        return self.apply(op, value)

    def binary(self, op: Optional[type], left: Any, right: Any) -> Any:
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        function = BINARY_OPERATORS.get(op) if op is not None else None
        if function is None:
            return Unknown("an operator that is not evaluated")
        if too_big(op, left, right):
            return Unknown("a value too large to evaluate")
        if op is cst.Modulo and isinstance(left, str):
            return Unknown("`%` formatting of a string is not evaluated")
        result = self.apply(function, left, right)
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            return Unknown("a value too large to evaluate")
        return result

    def apply(self, function: Callable[..., Any], *values: Any) -> Any:
        if not all(isinstance(v, (*PLAIN, *SETS)) for v in values):
            return Unknown("an operation on values that are not plain constants")
        lost = next((self.lost(v) for v in values if self.lost(v) is not None), None)
        if lost is not None:
            return lost
        try:
            return function(*values)
        except (ArithmeticError, TypeError, ValueError) as exc:
            return Unknown(f"the expression raises {type(exc).__name__}")

    def binary_compare(self, op: type, left: Any, right: Any) -> Any:
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        if op in (cst.Is, cst.IsNot) and not (left is None or right is None):
            same = identical(left, right)
            if same is None:
                return Unknown("an identity test on values that are not None")
            return same if op is cst.Is else not same
        if isinstance(left, Rounded) or isinstance(right, Rounded):
            return compare_rounded(COMPARISONS[op], left, right)
        if op in (cst.In, cst.NotIn) and isinstance(right, (AttributeNames, Environment)):
            found = right.contains(left)  # `'silu' in dir(F)`, `'K' in os.environ`
            return found if isinstance(found, Unknown) or op is cst.In else not found
        found = self.class_membership(op, left, right)
        return found if found is not NotImplemented else self.apply(COMPARISONS[op], left, right)

    def eval_Dict(self, node: cst.Dict, scope: Scope) -> Any:
        result: Dict[Any, Any] = {}
        unknown: Optional[Unknown] = None
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.eval(element.value, scope)
                if isinstance(value, dict):
                    result.update(value)
                else:
                    unknown = unknown or Unknown("a `**` entry of a dict")
                continue
            key = self.eval(element.key, scope)
            value = self.eval(element.value, scope)
            if isinstance(key, (str, int, bool, type(None), tuple)) and first_unknown(key) is None:
                result[key] = value
            else:
                unknown = unknown or Unknown("a dict key that is not known")
        return unknown if unknown is not None else result

    def eval_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.bind_target(scope, node.target, value)
        return value

    def eval_Lambda(self, node: cst.Lambda, scope: Scope) -> Any:
        defaults = self.eval_parameters(node.params, scope)
        if self.policy.runs:  # called as the `def` it stands for, when it is called
            return UserFunction("<lambda>", lambda_def(node), scope.origin, defaults)
        names = self.param_names(node.params)
        inner = Scope("function", scope, names)
        for name in names:
            inner.values[name] = Unknown(f"'{name}' is a lambda parameter")
        self.eval(node.body, inner)
        return UserObject("function", "<lambda>")

    def eval_parameters(self, params: cst.Parameters, scope: Scope) -> Dict[str, Any]:
        """Defaults and annotations run where the function is defined: the defaults' values."""
        defaults: Dict[str, Any] = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                defaults[param.name.value] = self.eval(param.default, scope)
            if param.annotation is not None:
                self.eval(param.annotation.annotation, scope)
        return defaults

    @staticmethod
    def param_names(params: cst.Parameters) -> Set[str]:
        names = {p.name.value for p in (*params.posonly_params, *params.params,
                                        *params.kwonly_params)}
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names.add(star.name.value)
        return names

    def call_arguments(self, node: cst.Call, scope: Scope
                       ) -> Tuple[List[Any], Dict[str, Any], Optional[str]]:
        """Positional and keyword values of a call, and why the argument list itself is not
        known (a `*` or `**` of a value that cannot be spread), if it is not."""
        positional: List[Any] = []
        keywords: Dict[str, Any] = {}
        spread: Optional[str] = None
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star == "*":
                items = self.star_items(value)
                if isinstance(items, Unknown):
                    spread = spread or f"arguments passed as `*{self.code(arg.value)}`" + (
                        f": {value.reason}" if isinstance(value, Unknown) else "")
                else:
                    positional.extend(items)
            elif arg.star == "**":
                if isinstance(value, AttrsView) and value.record.opaque is None:
                    value = dict(value.record.attrs)  # `**vars(args)`
                named = self.star_keywords(value)
                if isinstance(named, Unknown):
                    spread = spread or f"arguments passed as `**{self.code(arg.value)}`" + (
                        f": {value.reason}" if isinstance(value, Unknown) else "")
                else:
                    keywords.update(named)
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = value
            else:
                positional.append(value)
        return positional, keywords, spread

    def star_items(self, value: Any) -> Any:
        return list(value) if isinstance(value, (tuple, list)) else Unknown("not a sequence")

    def star_keywords(self, value: Any) -> Any:
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        return Unknown("keywords are not spread outside a model build")

    def record_site(self, node: cst.Call, kind: str, spec: Optional[LayerSpec],
                    positional: List[Any], keywords: Dict[str, Any],
                    unresolved: Optional[str]) -> LayerSite:
        key = id(node)
        if key in self.sites:
            return self.sites[key]
        if self.record_depth:  # a constructor the file's walk runs: its body is read later
            return LayerSite(0, 0, kind, "", spec)
        start, end = self.positions[node].start, self.positions[node].end
        origin = str(self.path) if self.display is not None and self.path is not None else None
        site = LayerSite(start.line, start.column, kind, self.call_text(kind, node), spec,
                         file=self.display, end_line=end.line, end_col=end.column,
                         origin=origin)
        if spec is not None and unresolved is None:
            try:
                site.args = spec.bind(positional, keywords)
            except LayerError as exc:
                site.error = str(exc)
        site.unresolved = unresolved
        self.sites[key] = site
        return site

    def call_text(self, kind: str, node: cst.Call) -> str:
        parts = []
        for arg in node.args:
            prefix = arg.star or (f"{arg.keyword.value}=" if arg.keyword is not None else "")
            parts.append(prefix + self.code(arg.value, 30))
        text = f"{kind}({', '.join(parts)})"
        return text if len(text) <= 80 else text[:76] + "...)"


    # -- expressions that depend on the policy ----------------------------
    def eval_Ellipsis(self, node: cst.Ellipsis, scope: Scope) -> Any:
        if self.policy.runs:
            return Ellipsis
        return Unknown(f"`{self.code(node)}` is not evaluated")

    def eval_FormattedString(self, node: cst.FormattedString, scope: Scope) -> Any:
        """f"conv{i}": module names, when running. Only plain `{expr}` parts of ints and
        strings."""
        if not self.policy.runs:
            self.eval_children(node, scope)
            return Unknown("an f-string")
        parts: List[str] = []
        result: Any = None
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
                continue
            value = self.eval(part.expression, scope)
            if result is None and (part.conversion is not None or part.format_spec is not None
                                   or isinstance(value, bool)
                                   or not isinstance(value, (int, str))):
                result = Unknown("an f-string with a value that is not a known int or string")
            elif result is None:
                parts.append(str(value))
        if result is not None:
            return result
        text = "".join(parts)
        if "{" in text or "}" in text or "\\" in text or len(text) > MAX_SEQUENCE:
            return Unknown("an f-string with escapes")
        return text

    def eval_Name(self, node: cst.Name, scope: Scope) -> Any:
        name = node.value
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        value = resolved(scope.lookup(name))
        if self.policy.runs and isinstance(value, Unknown) and name in PY_BUILTIN_NAMES \
                and unbound(scope, name):
            return PyBuiltin(name)
        return value

    def eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Any:
        value = self.eval(node.expression, scope)
        if isinstance(value, Rounded) and not isinstance(node.operator, cst.Not):
            return Unknown(value.reason)  # its exact value would matter
        return self.unary_value(node, value)

    def eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        if not (isinstance(left, Rounded) and self.elementwise(right) or
                isinstance(right, Rounded) and self.elementwise(left)):
            left, right = known_only(left), known_only(right)  # a tensor's result keeps no value
        return self.operate(node, type(node.operator), left, right)

    def eval_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        if self.policy.runs:
            truth = self.truth(left)
            if isinstance(truth, Unknown):
                self.alternatives(scope, [node.right, None])  # the right side may or may not run
                return Unknown(f"{self.where(node.left)} is not known: {truth.reason}")
            if isinstance(node.operator, cst.And):
                return self.eval(node.right, scope) if truth else left
            return left if truth else self.eval(node.right, scope)
        right = self.eval(node.right, scope)  # read for layer calls either way
        if isinstance(left, Unknown) or not isinstance(left, PLAIN):
            return Unknown("a condition that is not constant")
        if isinstance(node.operator, cst.And):
            return right if left else left
        return left if left else right

    def eval_Comparison(self, node: cst.Comparison, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            if self.policy.runs:
                outcome = self.binary_compare(type(target.operator), left, right)
                if self.elementwise(outcome):
                    # An elementwise comparison: a tensor (of bools), never a Python truth value.
                    return outcome if len(node.comparisons) == 1 else \
                        self.untraced("a chained comparison of tensors")
                if result is True:
                    result = outcome if isinstance(outcome, Unknown) or not outcome else True
            elif result is True:
                outcome = self.binary_compare(type(target.operator), left, right)
                result = outcome if isinstance(outcome, Unknown) or not outcome else True
            left = right
        return result

    def eval_IfExp(self, node: cst.IfExp, scope: Scope) -> Any:
        if not self.policy.runs:
            test = self.eval(node.test, scope)
            body, orelse = self.eval(node.body, scope), self.eval(node.orelse, scope)
            if isinstance(test, Unknown) or not isinstance(test, PLAIN):
                return body if same_value(body, orelse) else Unknown("a condition that is not constant")
            return body if test else orelse
        truth = self.truth(self.eval(node.test, scope))
        if truth is True:
            return self.eval(node.body, scope)
        if truth is False:
            return self.eval(node.orelse, scope)
        if self.tracing:
            self.note(f"the condition {self.where(node.test)} is not known: {truth.reason}")
        body, orelse = self.alternatives(scope, [node.body, node.orelse])
        if same_value(body, orelse):
            return body
        if self.policy.runs:  # building a model: which condition, and why
            return Unknown(f"the condition {self.where(node.test)} is not known: {truth.reason}")
        return Unknown("a condition that is not known")

    def eval_Subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        base = self.eval(node.value, scope)
        if isinstance(base, Environment) and len(node.slice) == 1 \
                and isinstance(node.slice[0].slice, cst.Index):  # `os.environ['K']`
            return base.item(self.eval(node.slice[0].slice.value, scope))
        if isinstance(base, AttrsView):  # `vars(args)["lr"]`
            base = dict(base.record.attrs) if base.record.opaque is None else \
                Unknown(base.record.opaque)
        keys: List[Any] = []
        for element in node.slice:
            index = element.slice
            if isinstance(index, cst.Index):
                keys.append(self.eval(index.value, scope))
            else:
                parts = [self.eval(p, scope) if p is not None else None
                         for p in (index.lower, index.upper, index.step)]
                if self.policy.runs:
                    keys.append(next((p for p in parts if isinstance(p, Unknown)), None)
                                or slice(*parts))
                else:
                    keys.append(Unknown("a slice bound") if any(isinstance(p, Unknown) for p in parts)
                                else slice(*parts))
        if isinstance(base, NamesView) and len(keys) == 1 and isinstance(keys[0], str):
            return resolved(base.names.get(keys[0], Unknown(
                f"`{self.code(node)}` ({self.place(node)}): '{keys[0]}' is not a name of "
                f"{base.display}")))
        if isinstance(base, UserClass) and base.meta.get("enum") and len(keys) == 1:
            return enum_member(base, keys[0])  # `Color["RED"]`
        if self.policy.runs:
            value = self.index_value(node, base, keys)
            if value is not NotImplemented:
                return value
            if isinstance(base, dict) and len(keys) == 1:
                key = keys[0]
                if isinstance(key, Unknown):
                    return key
                try:
                    return base[key]
                except (KeyError, TypeError):
                    return Unknown(f"`{self.code(node)}` is not a key of the dict")
            if isinstance(base, range) and len(keys) == 1 and isinstance(keys[0], (int, slice)):
                try:
                    return base[keys[0]]
                except (IndexError, TypeError, ValueError) as exc:  # `range(5)[:1.5]`
                    return Unknown(f"the subscript raises {type(exc).__name__}")
        if isinstance(base, Unknown):
            return base
        if len(keys) != 1 or isinstance(keys[0], Unknown):
            return keys[0] if keys and isinstance(keys[0], Unknown) else \
                Unknown(f"`{self.code(node)}` is not evaluated")
        if not isinstance(base, (tuple, list, str) if self.policy.runs else (tuple, list, str, dict)):
            return Unknown(f"`{self.code(node)}` is not evaluated")
        try:
            return base[keys[0]]
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            return Unknown(f"the subscript raises {type(exc).__name__}")

    # -- calls ------------------------------------------------------------
    def eval_Call(self, node: cst.Call, scope: Scope) -> Any:
        self.tick()
        receiver: Any = None  # what a method is called on: the call may change it in place
        if isinstance(node.func, cst.Attribute):
            receiver = self.eval(node.func.value, scope)
            callee = self.attribute(node.func, receiver)
        else:
            callee = self.eval(node.func, scope)
        positional, keywords, spread = self.call_arguments(node, scope)
        value = self.record_call(node, scope, receiver, callee, positional, keywords, spread)
        if value is not NotImplemented:  # config objects (evaluator.record_calls)
            return value
        if self.policy.runs:
            value = self.set_call(node, receiver, callee, positional, keywords, spread)
            if value is not NotImplemented:  # sets (evaluator.sets)
                return value
            if not self.passes_rounded(callee):  # where the exact value may matter
                positional = [known_only(v) for v in positional]
                keywords = {k: known_only(v) for k, v in keywords.items()}
            if self.callable_value(callee) is False:  # `self.blocks(x)` of an int
                raise RaiseSignal(f"{self.where(node)} raises TypeError: '{python_type(callee)}' "
                                  f"object is not callable (`{self.code(node.func)}` is "
                                  f"{what_is(callee)})")
            return self.run_call(node, scope, callee, positional, keywords, spread)
        if isinstance(callee, PyBuiltin) and callee.name == "functools.partial" and positional \
                and spread is None:
            return Partial(positional[0], positional[1:], keywords)
        computed = read_math(callee.name, positional) if isinstance(callee, PyBuiltin) \
            and callee.name in READ_MATH and not keywords else None
        if computed is not None:
            return computed
        if isinstance(callee, UserClass) and node.args:
            self.constructions.append(
                (node, callee, scope if scope.kind == "module" else self.fork(scope)))
        for library in LIBRARIES.values():
            value = library.construct(self, node, callee, positional, keywords, spread)
            if value is not NotImplemented:
                return value
        if isinstance(callee, (UserObject, Partial, Unknown)):
            self.user_calls += 1  # it may run a function of the file
        done = self.module_list_call(node, scope, receiver, positional, keywords)
        if done is not NotImplemented:  # `widths.append(w)` in module-level code (effects)
            return done
        # Any other call may change the lists it is given, or the one it is a method of
        # (Python's `len(xs)`, `sorted(xs)`, ... do not).
        pure = isinstance(node.func, cst.Name) and node.func.value in PURE_BUILTIN_NAMES \
            and unbound(scope, node.func.value)
        for value in () if pure else (*positional, *keywords.values(), receiver):
            self.mutated(scope, value)
        for library in LIBRARIES.values():
            library.unresolved_call(self, node, callee, positional, keywords)
        unknown = next((v for v in (*positional, *keywords.values()) if isinstance(v, Unknown)), 0)
        if unknown and (isinstance(callee, PyBuiltin) or isinstance(receiver, (str, list, dict))
                        or isinstance(node.func, cst.Name) and node.func.value in PY_BUILTIN_NAMES
                        and unbound(scope, node.func.value)):  # the argument is the cause
            return (isinstance(unknown, DeferredCall) and self.defer(unknown, node, scope)) or \
                Unknown(argument_not_known(self.code(node.func), unknown))
        reason = f"the result of `{self.code(node.func)}(...)` is not evaluated"
        if isinstance(callee, UserFunction):
            self.unrun_call(callee, node, scope)  # what it may change is not known
        if isinstance(callee, UserFunction) and spread is None:
            return self.defer(Unknown(reason), node, scope, direct=True) or Unknown(reason)
        return Unknown(reason)

    def defer(self, unknown: Unknown, node: cst.BaseExpression, scope: Scope,
              direct: bool = False) -> Optional[DeferredCall]:
        """A module-level expression not known because of a call of a project function that
        reading a file does not run (`direct`: the call itself; else a tuple or a builtin's
        call holding one): a DeferredCall, run when a model reads it (torchnn.tracer)."""
        if (direct or isinstance(unknown, DeferredCall)) and scope.kind == "module" \
                and not self.skipping and not self.uncertain and not self.policy.runs:
            return DeferredCall(unknown.reason, node, self.as_here(node, scope))
        return None

    def as_here(self, node: cst.CSTNode, scope: Scope) -> Scope:
        """A scope where the names `node` reads have their values of this point of the module
        (their containers copied), the others the module's: a deferred call runs later, and
        `x = f(x)` must not read its own later binding (timm's `default_cfgs`)."""
        here = Scope("class", scope)  # (a class scope: names not bound here are looked up)
        memo: Dict[int, Any] = {}
        for name in {n.value for n in walk_nodes(node) if isinstance(n, cst.Name)}:
            if name in scope.values:
                here.values[name] = fresh_copy(scope.values[name], memo)
        return here

    # -- hooks: what running code needs of the values it runs on ----------
    # The defaults are Python's own semantics on plain values; the model runtime
    # (macslint.torchnn) extends them to tensors, modules and containers.
    def tick(self, cost: int = 1) -> None:
        """A step of the evaluation budget (running code is bounded; reading a file is not)."""

    def note(self, message: str) -> None:
        """Something the run could not follow (kept by the model runtime)."""

    def place(self, node: cst.CSTNode) -> str:
        """"line 12", or "blocks.py line 12" for a node of an imported project file (a
        constructor of another file run while reading this one)."""
        if node in self.positions:
            return f"line {self.positions[node].start.line}"
        for module in self.loader.modules() if self.loader is not None else ():
            if node in module.interpreter.positions:
                return f"{module.display} line {module.interpreter.positions[node].start.line}"
        return "in another file"

    def where(self, node: cst.CSTNode) -> str:
        return f"`{self.code(node)}` ({self.place(node)})"

    def callable_value(self, value: Any) -> Any:
        """`callable(value)`: True, False, or Unknown (the model runtime adds its values)."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, (UserObject, PyBuiltin, Partial, NamedTupleType, Method,
                              DataclassDecorator)):
            return True
        if isinstance(value, Instance) and value.cls.meta.get("plain", "") is None:
            return self.find_member(value.cls, "__call__") is not MISSING
        if isinstance(value, (int, float, str, bool, type(None), tuple, list, dict, range, *SETS,
                              ProjectModule, PyModule, NamesView, FieldSpec, AttrsView,
                              Namespace, Parser)):
            return False
        return Unknown(f"callable() of {what_is(value)} is not modelled")

    def passes_rounded(self, callee: Any) -> bool:
        """Does calling `callee` keep a Rounded argument one (the file's own code, builtins
        that pass values along)? The model runtime adds the methods of the file's classes."""
        if isinstance(callee, Partial):
            return self.passes_rounded(callee.function)
        return isinstance(callee, (UserFunction, UserClass)) or \
            isinstance(callee, PyBuiltin) and callee.name in PASSES_ROUNDED

    def truth(self, value: Any) -> Any:
        """Python's truth value of `value`, or Unknown."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Rounded):
            return truth_of_rounded(value)
        if isinstance(value, (UserClass, UserFunction, PyBuiltin, Partial, *RECORD_VALUES)) \
                and not isinstance(value, tuple):
            return True
        if isinstance(value, (int, float, str, bool, type(None), tuple, list, dict, range, *SETS)):
            return self.lost(value) or bool(value)
        return Unknown(f"the truth value of {what_is(value)} is not modelled")

    def iterate(self, value: Any, node: Optional[cst.CSTNode] = None) -> Any:
        """The items a `for` over `value` sees, or Unknown. Where Python raises (a method, a
        number: `for m in self.modules:`), running code raises (`node`: what is iterated)."""
        if isinstance(value, (list, tuple, str, range)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, SETS):
            return self.set_items(value)
        if isinstance(value, AttrsView) and value.record.opaque is None:
            return list(value.record.attrs)
        if isinstance(value, Unknown):
            return value
        what, error = what_is(value), f"TypeError: '{python_type(value)}' object is not iterable"
        if self.iterable(value) is False and self.policy.runs:
            raise RaiseSignal(f"{self.where(node)} is {what}; iterating it raises {error}"
                              if node is not None else f"iterating {what} raises {error}")
        return Unknown(f"iterating {what} raises {error}" if self.iterable(value) is False
                       else f"iterating {what} is not modelled")

    def iterable(self, value: Any) -> Optional[bool]:
        """False for a value Python cannot iterate, else None (not told)."""
        if isinstance(value, (int, float, complex, type(None), Rounded, UserFunction, PyBuiltin,
                              Partial, PyModule, ProjectModule, Method, Namespace, Parser,
                              FieldSpec)) \
                or isinstance(value, Instance) and value.cls.meta.get("plain", "") is None and \
                all(self.find_member(value.cls, n) is MISSING for n in ("__iter__", "__getitem__")):
            return False
        return None

    def operate(self, node: cst.CSTNode, op: Optional[type], left: Any, right: Any) -> Any:
        """A binary operator on two values."""
        return self.binary(op, left, right)

    def augmented(self, node: cst.CSTNode, op: Optional[type], left: Any, right: Any) -> Any:
        """`left op= right` when running: the new value, or IN_PLACE when `left` changed."""
        return self.operate(node, op, left, right)

    def unary_value(self, node: cst.UnaryOperation, value: Any) -> Any:
        return self.unary(node, value)

    def elementwise(self, value: Any) -> bool:
        """Is this comparison's outcome elementwise (a tensor), not a truth value?"""
        return False

    def untraced(self, reason: str) -> Unknown:
        """An unknown value that comes from a value the run could not follow."""
        return Unknown(reason)

    def index_value(self, node: cst.Subscript, base: Any, keys: List[Any]) -> Any:
        """`base[keys]` for values only the runtime knows, else NotImplemented."""
        return NotImplemented


# id(node) -> (node, its code on one line): the node is kept so that its id is not reused.
# Bounded, as the parse cache is.
_CODE: Dict[int, Tuple[cst.CSTNode, str]] = {}
_CODE_SIZE = 100_000


