"""Whole models: build each nn.Module subclass of a file and trace shapes through forward().

The analyzer's walk has already found every construction site with its arguments as far as
they are constant.  Here a second interpreter *executes* a model's `__init__` on an abstract
`self` (layers, containers, parameters, instances of the file's other model classes), then
runs `forward` on a symbolic tensor of the configured input shape.  Tensors carry only their
shape; every layer call and tensor operation computes its output shape (and MACs) with the
pure cost model (`catalogue`, `tensor_ops`).

Anything the tracer cannot follow is recorded as a note naming the construct and its line:
a model with notes is incomplete, and its totals are unknown rather than guessed.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from ..evaluator.interpreter import (
    Interpreter, LayerClass, LayerSite, ModuleRef, Partial, PyBuiltin, Scope, UserClass,
    UserFunction,
    MAX_SEQUENCE, _assigned_names, first_unknown, _last_name, _same,
    is_uncatalogued_layer,
)
from ..costmodel import FUNCTIONAL, TENSOR_METHODS, TORCH_FUNCTIONS, broadcast, matmul, LAYERS, Args, LayerError, LayerSpec, Shape, ShapeError, Unresolved, output_count
from ..evaluator.values import Unknown
from ..config import Settings, parse_pragma
from ..errors import ConfigError
from .builtins import MODULE_BASES, PLAIN_SCALAR, BuiltinCalls, percent_format
from .values import (
    MODULE_VALUES, BoundMethod, BreakSignal, Container, ContinueSignal, LayerModule,
    OutOfBudget, RaiseSignal, ReturnSignal, SuperProxy, Tensor, Untraced, UserModule,
)
from ..results.traces import LayerCall, ModelTrace, OpCall, ShapeIssue

MAX_STEPS = 50_000  # statements and calls per model: hostile code ends incomplete, never hangs
MAX_FILE_STEPS = 500_000  # and per file, whatever the number of models in it
MAX_DEPTH = 48  # nested user calls
SEQUENTIAL_BASES = frozenset({"torch.nn.Sequential", "torch.nn.modules.container.Sequential"})
_END = object()  # an iterator is exhausted (the walks of module trees)


_TENSOR_BINARY = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo,
                  cst.Power, cst.BitAnd, cst.BitOr, cst.BitXor)
_OP_WORDS = {cst.Add: "add", cst.Subtract: "subtract", cst.Multiply: "multiply",
             cst.Divide: "divide", cst.FloorDivide: "divide", cst.Modulo: "take the modulo of",
             cst.Power: "raise", cst.BitAnd: "and", cst.BitOr: "or", cst.BitXor: "xor"}
# Layers whose arguments fix the size of their input's features or channels.
_SIZED_ARGS = frozenset({"in_channels", "in_features", "in1_features", "num_features",
                         "num_channels", "normalized_shape"})
# Tensor attributes that are not methods and carry no shape macslint needs.
_TENSOR_PROPERTIES = frozenset({"dtype", "device", "is_cuda", "requires_grad", "grad", "layout",
                                "is_sparse", "grad_fn", "names", "is_leaf", "itemsize"})
_STRIDING = frozenset({"transpose", "permute", "t", "expand", "expand_as", "T"})
_VIEW_LIKE = frozenset({"reshape", "reshape_as", "flatten", "unflatten", "unsqueeze", "squeeze",
                        "chunk", "split", "detach"})
_BUILTINS = frozenset({
    "range", "len", "int", "float", "bool", "min", "max", "sum", "abs", "round", "list", "tuple",
    "dict", "enumerate", "zip", "reversed", "sorted", "isinstance", "issubclass", "super",
    "print", "getattr", "setattr", "hasattr", "divmod", "pow", "all", "any", "str",
})
_NO_EFFECT_MODULE_METHODS = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "eval", "train", "apply", "requires_grad_",
    "zero_grad", "share_memory", "type", "bfloat16", "register_forward_hook",
    "register_forward_pre_hook", "register_full_backward_hook", "load_state_dict",
})


def _fmt(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def _plain_number(value: Any) -> bool:
    return isinstance(value, (int, float, bool)) and not isinstance(value, Unknown)


class ModelInterpreter(BuiltinCalls, Interpreter):
    """Runs `__init__` and `forward` of the file's models on abstract values."""

    def __init__(self, base: Interpreter) -> None:
        super().__init__(base.module, base.source, _Positions(base.positions, base.loader),
                         loader=base.loader, path=base.path)
        self.own_positions = base.positions
        self.file_steps = 0
        self.sites = base.sites
        self.classes = base.classes
        self.module_scope = base.module_scope
        self.module_snapshot = base.module_snapshot
        # site (line, col) -> its own args and reason, and the args models built it with
        self.completed: Dict[Tuple[Optional[str], int, int],
                             Tuple[Optional[Args], Optional[str], Optional[Args]]] = {}
        self.class_snapshots = base.class_snapshots
        self.owner: Dict[int, UserClass] = {}
        self.touched_classes: Dict[int, Tuple[UserClass, Dict[str, Any]]] = {}
        imported = [c for m in (base.loader.modules() if base.loader else ())
                    for c in m.interpreter.classes]
        for cls in [*self.classes, *imported]:
            for value in cls.body.values.values():
                if isinstance(value, UserFunction):
                    self.owner.setdefault(id(value), cls)
        self.reset()

    def reset(self) -> None:
        # Each model starts from the module as it stands after running: a list one model's
        # construction changed in place is fresh for the next.
        memo: Dict[int, Any] = {}
        self.module_scope.values = {k: _fresh(v, memo) for k, v in self.module_snapshot.items()}
        for cls in self.classes:
            snapshot = self.class_snapshots.get(id(cls))
            if snapshot is not None:
                cls.body.values = {k: _fresh(v, memo) for k, v in snapshot.items()}
        for cls, values in self.touched_classes.values():  # classes of imported files
            cls.body.values = values
        self.touched_classes = {}
        self.memo = memo
        # id(function) -> (function, its defaults in this model): a mutable default is shared
        # by the calls of one model, and fresh for the next
        self.defaults: Dict[int, Tuple[UserFunction, Dict[str, Any]]] = {}
        self.scopes: List[Scope] = []  # the scope of each call being evaluated, innermost last
        self.open_forks: List[Scope] = []  # the copies of scopes the running branches work on
        # Per branch of a condition that is not known, running: what it wrote outside its own
        # scope (a `global`, a class attribute): (id(table), name) -> (table, name, the value
        # before, what to call it).
        self.branch_writes: List[Dict[Tuple[int, str], Tuple[Dict[str, Any], str, Any, str]]] = []
        self.steps = 0
        self.scanned = 0  # items looked at by containers(), not yet charged to the budget
        self.depth = 0
        self.frames: List[Tuple[UserFunction, Any]] = []  # the calls running: for super()
        self.forks = 0  # inside a branch whose condition is unknown
        self.build_notes: List[str] = []  # the module tree may differ from what was built
        self.trace_notes: List[str] = []  # the traced MACs may be incomplete
        self.tracing = False
        self.calls: List[LayerCall] = []
        self.ops: List[OpCall] = []
        self.shape_errors: Dict[Tuple[int, int], ShapeIssue] = {}
        self.paths: Dict[int, str] = {}
        self.input_issue: Optional[str] = None
        self.input_accepted = False  # a layer that checks sizes took the model input as it is
        self.model_name = ""
        self.built_sites: set = set()

    # -- bookkeeping --------------------------------------------------------
    def tick(self, cost: int = 1) -> None:
        self.steps += cost
        self.file_steps += cost
        if self.steps > MAX_STEPS or self.file_steps > MAX_FILE_STEPS:
            raise OutOfBudget()

    def budget_spent(self, what: str) -> str:
        if self.file_steps > MAX_FILE_STEPS:
            return (f"{what} was stopped: the evaluation budget of the file "
                    f"({MAX_FILE_STEPS:,} steps for all its models) is spent")
        return f"{what} takes more than {MAX_STEPS:,} steps"

    def note(self, message: str) -> None:
        notes = self.trace_notes if self.tracing else self.build_notes
        if message not in notes:
            notes.append(message)

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def home(self, node: cst.CSTNode) -> Any:
        """The project module (project.LoadedModule) another file's node belongs to, or None
        for a node of this file."""
        if node in self.own_positions or self.loader is None:
            return None
        for module in _tables_first(self.loader.modules()):
            if node in module.interpreter.positions:
                return module
        return None

    def file_of(self, node: cst.CSTNode) -> Optional[str]:
        home = self.home(node)
        return home.display if home is not None else None

    def record_site(self, node: cst.Call, kind: str, spec: Optional[LayerSpec],
                    positional: List[Any], keywords: Dict[str, Any],
                    unresolved: Optional[str]) -> LayerSite:
        home = self.home(node)
        if home is not None:  # a layer built by code of an imported project file
            return home.interpreter.record_site(node, kind, spec, positional, keywords, unresolved)
        return super().record_site(node, kind, spec, positional, keywords, unresolved)

    def place(self, node: cst.CSTNode) -> str:
        """"line 12", or "blocks.py line 12" for a node of an imported project file."""
        home = self.home(node)
        prefix = f"{home.display} " if home is not None else ""
        return f"{prefix}line {self.line_of(node)}"

    def where(self, node: cst.CSTNode) -> str:
        return f"`{self.code(node)}` ({self.place(node)})"

    # -- statements -----------------------------------------------------------
    def bind(self, scope: Scope, name: str, value: Any) -> None:
        if scope.kind == "function" and name not in scope.local_names \
                and name not in scope.values:
            # `global` / `nonlocal`: the assignment is to the scope that holds the name
            target: Optional[Scope] = scope.parent
            while target is not None and target.kind == "class":
                target = target.parent
            while target is not None and target.parent is not None \
                    and name not in target.values:
                target = target.parent
            if target is not None:
                self.write(target.values, name, value)
                for fork in self.open_forks:  # the running branches' copies of that scope
                    if fork.origin is target:
                        fork.values[name] = value
                return
        super().bind(scope, name, value)

    def write(self, table: Dict[str, Any], name: str, value: Any, label: str = "") -> None:
        """Set a name in a scope or class other than the running branch's own copy: a branch of
        a condition that is not known logs what it had, to undo and merge the write after."""
        if self.branch_writes:
            self.branch_writes[-1].setdefault(
                (id(table), name), (table, name, table.get(name, _MISSING), label or name))
        table[name] = value

    def run_branch(self, run: Callable[[], Any]) -> Tuple[Any, Optional[Exception], Dict]:
        """Run one branch of a condition that is not known: its result, the Return or Raise
        signal that ended it, and what it wrote outside its scope (then undone)."""
        log: Dict[Tuple[int, str], Tuple[Dict[str, Any], str, Any, str]] = {}
        self.branch_writes.append(log)
        result: Any = None
        signal: Optional[Exception] = None
        try:
            result = run()
        except (ReturnSignal, RaiseSignal) as exc:
            signal = exc
        except BaseException:
            self.branch_writes.pop()
            if self.branch_writes:  # left as they are: the enclosing branch undoes them
                for key, entry in log.items():
                    self.branch_writes[-1].setdefault(key, entry)
            raise
        self.branch_writes.pop()
        writes = {}
        for key, (table, name, before, label) in log.items():
            writes[key] = (table, name, before, label, table.get(name, _MISSING))
            if before is _MISSING:
                table.pop(name, None)
            else:
                table[name] = before
        return result, signal, writes

    def merge_writes(self, branches: Sequence[Dict]) -> None:
        """After the branches that may have run: a name one of them wrote keeps a value only if
        every branch leaves it with that same value (a branch that did not write it, the old)."""
        for key in {key for writes in branches for key in writes}:
            table, name, before, label, _ = next(w[key] for w in branches if key in w)
            values = [w[key][4] if key in w else before for w in branches]
            first = values[0]
            if all(v is not _MISSING and _same(v, first) for v in values):
                self.write(table, name, first, label)
            else:
                self.write(table, name, Unknown(f"'{label}' depends on which branch ran"), label)

    def alternatives(self, scope: Scope,
                     nodes: Sequence[Optional[cst.BaseExpression]]) -> List[Any]:
        """Evaluate the expressions of which one runs, on a condition that is not known (None:
        nothing runs): their values, with what they wrote outside the scope merged."""
        values: List[Any] = []
        branches: List[Dict] = []
        self.forks += 1
        try:
            for node in nodes:
                value, signal, writes = self.run_branch(
                    lambda: None if node is None else self.eval(node, scope))
                if signal is not None:
                    raise signal
                values.append(value)
                branches.append(writes)
        finally:
            self.forks -= 1
        self.merge_writes(branches)
        return values

    def defined(self, function: UserFunction) -> None:
        # A `def` run while building: its defaults are this model's own already.
        self.defaults[id(function)] = (function, function.defaults)

    def walk_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        self.tick()
        super().walk_stmt(stmt, scope)

    def stmt_Return(self, stmt: cst.Return, scope: Scope) -> None:
        raise ReturnSignal(None if stmt.value is None else self.eval(stmt.value, scope))

    def stmt_Raise(self, stmt: cst.Raise, scope: Scope) -> None:
        raise RaiseSignal(f"`{self.code(stmt)}` is reached ({self.place(stmt)})")

    def stmt_Assert(self, stmt: cst.Assert, scope: Scope) -> None:
        test = self.truth(self.eval(stmt.test, scope))
        if test is False:
            raise RaiseSignal(f"`{self.code(stmt)}` fails ({self.place(stmt)})")

    def stmt_Break(self, stmt: cst.Break, scope: Scope) -> None:
        raise BreakSignal()

    def stmt_Continue(self, stmt: cst.Continue, scope: Scope) -> None:
        raise ContinueSignal()

    def stmt_If(self, stmt: cst.If, scope: Scope) -> None:
        test = self.truth(self.eval(stmt.test, scope))
        orelse = stmt.orelse
        if test is True:
            self.walk_body(stmt.body, scope)
        elif test is False:
            if isinstance(orelse, cst.If):
                self.stmt_If(orelse, scope)
            elif isinstance(orelse, cst.Else):
                self.walk_body(orelse.body, scope)
        else:
            # While building, what a branch does to the model is noted where it does it (an
            # attribute, a container, a list set under the condition); in forward() any
            # unknown branch may change which layers run.
            if self.tracing:
                self.note(f"the condition {self.where(stmt.test)} is not known: {test.reason}")
            branches: List[Callable[[Scope], None]] = [lambda s: self.walk_body(stmt.body, s)]
            if isinstance(orelse, cst.If):
                branches.append(lambda s: self.stmt_If(orelse, s))
            elif isinstance(orelse, cst.Else):
                branches.append(lambda s: self.walk_body(orelse.body, s))
            else:
                branches.append(lambda s: None)
            self.run_branches(scope, branches)

    def run_branches(self, scope: Scope, branches: Sequence[Callable[[Scope], None]]) -> None:
        outcomes: List[Dict[str, Any]] = []
        returned: List[Any] = []
        written: List[Dict] = []
        raised = 0
        self.forks += 1
        try:
            for branch in branches:
                fork = self.fork(scope)
                self.open_forks.append(fork)
                try:
                    _, signal, writes = self.run_branch(lambda: branch(fork))
                finally:
                    self.open_forks.pop()
                if isinstance(signal, RaiseSignal):
                    raised += 1  # had this branch run, the code would have raised
                    continue
                written.append(writes)
                if isinstance(signal, ReturnSignal):
                    returned.append(signal.value)
                else:
                    outcomes.append(fork.values)
        finally:
            self.forks -= 1
        if not outcomes and not returned:
            raise RaiseSignal("every branch raises")
        if returned and not outcomes:
            self.merge_writes(written)
            first = returned[0]
            raise ReturnSignal(first if all(_same(v, first) for v in returned)
                          else Unknown("the value returned depends on a condition"))
        if returned:
            self.note("a `return` depends on a condition that is not known")
        names = set().union(*outcomes)
        for name in names:
            values = [o.get(name, _MISSING) for o in outcomes]
            first = values[0]
            if all(v is not _MISSING and _same(v, first) for v in values):
                self.bind(scope, name, first)
            else:
                self.bind(scope, name, Unknown(f"'{name}' depends on which branch ran"))
        # `global` / `nonlocal` names and class attributes the branches set, merged the same
        # way; last, over the branches' copies of a scope a `nonlocal` wrote
        self.merge_writes(written)

    def iterate(self, value: Any) -> Any:
        """The items a `for` over `value` sees, or Unknown."""
        if isinstance(value, (list, tuple, str, range)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, Container):
            if value.kind == "ModuleDict":
                return list(value.children.keys())
            return [v for v in value.children.values() if v is not None]
        if isinstance(value, UserModule) and value.sequential:
            return [v for v in value.children.values() if v is not None]
        if isinstance(value, Unknown):
            return value
        return Unknown(f"iteration over a {type(value).__name__} is not modelled")

    def stmt_For(self, stmt: cst.For, scope: Scope) -> None:
        items = self.iterate(self.eval(stmt.iter, scope))
        if isinstance(items, Unknown):
            self.note(f"the loop over {self.where(stmt.iter)} is not followed: {items.reason}")
            super().stmt_For(stmt, scope)
            return
        for item in items:
            self.bind_target(scope, stmt.target, item)
            if not self.run_loop_body(stmt.body, scope):
                return
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)

    def run_loop_body(self, body: cst.BaseSuite, scope: Scope) -> bool:
        """One pass of a loop body; False when it `break`s."""
        try:
            self.walk_body(body, scope)
        except BreakSignal:
            return False
        except ContinueSignal:
            pass
        return True

    def stmt_While(self, stmt: cst.While, scope: Scope) -> None:
        while True:
            test = self.truth(self.eval(stmt.test, scope))
            if isinstance(test, Unknown):
                self.note(f"the loop `while {self.code(stmt.test)}` ({self.place(stmt)}) "
                          f"is not followed: {test.reason}")
                super().stmt_While(stmt, scope)
                return
            if not test:
                break
            if not self.run_loop_body(stmt.body, scope):
                return
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)

    def stmt_Try(self, stmt: cst.Try, scope: Scope) -> None:
        try:
            self.walk_body(stmt.body, scope)
            if stmt.orelse is not None:
                self.walk_body(stmt.orelse.body, scope)
        except RaiseSignal as exc:
            self.note(f"an exception caught by `try` ({self.place(stmt)}): {exc}")
        finally:
            if stmt.finalbody is not None:
                self.walk_body(stmt.finalbody.body, scope)

    stmt_TryStar = stmt_Try

    def stmt_AugAssign(self, stmt: cst.AugAssign, scope: Scope) -> None:
        right = self.eval(stmt.value, scope)
        op = getattr(cst, type(stmt.operator).__name__.replace("Assign", ""), None)
        left = self.eval(stmt.target, scope)
        if isinstance(left, list) and op is cst.Add and self.forks == 0:
            items = self.iterate(right)
            if not isinstance(items, Unknown):
                left.extend(items)  # `+=` extends the list in place, under every alias
                return
        if isinstance(left, Container) and left.kind == "ModuleList" and op is cst.Add:
            # ModuleList.__iadd__ is extend(): in place, the same object stays bound
            self.container_method(stmt, left, "extend", [right], {})
            return
        value = self.combine(stmt, op, left, right, in_place=True)
        if isinstance(stmt.target, cst.Name):
            if isinstance(left, list):
                self.forget(left, scope)
            self.bind(scope, stmt.target.value, value)
        else:
            self.bind_target(scope, stmt.target, value)

    def bind_target(self, scope: Scope, target: cst.BaseExpression, value: Any) -> None:
        if isinstance(target, cst.Attribute):
            self.set_attribute(self.eval(target.value, scope), target.attr.value, value, target)
        elif isinstance(target, cst.Subscript):
            self.set_item(self.eval(target.value, scope), target, value, scope)
        else:
            super().bind_target(scope, target, value)

    def set_item(self, base: Any, target: cst.Subscript, value: Any, scope: Scope) -> None:
        keys = [self.eval(e.slice.value, scope) for e in target.slice
                if isinstance(e.slice, cst.Index)]
        if len(keys) == 1 and len(target.slice) == 1 and self.forks == 0:
            key = keys[0]
            if isinstance(base, dict) and isinstance(key, (str, int)):
                base[key] = value
                return
            if isinstance(base, list) and isinstance(key, int) and -len(base) <= key < len(base):
                base[key] = value
                return
            if isinstance(base, Container) and isinstance(key, (str, int)):
                name = key if base.kind == "ModuleDict" else self.index_name(base, key)
                if name is not None:
                    self.check_module(target, value, none=True)
                    base.children[name] = value
                    return
        if isinstance(base, (Container, UserModule)):
            self.note(f"the assignment to {self.where(target)} is not followed")
        self.forget(base, scope)

    # -- attributes -----------------------------------------------------------
    def set_attribute(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if isinstance(obj, UserModule):
            if self.forks:
                self.note(f"{self.where(node)} is assigned under a condition that is not known")
            if isinstance(value, MODULE_VALUES):
                obj.params.pop(name, None)
                obj.attrs.pop(name, None)
                obj.children[name] = value  # a re-assigned name keeps its place, as in torch
            elif isinstance(value, Tensor) and value.param:
                obj.children.pop(name, None)
                obj.params[name] = value
            elif name in obj.children and value is None:
                obj.children[name] = None
            else:
                obj.attrs[name] = value
                if isinstance(value, Unknown) and name not in obj.opaque:
                    obj.opaque.append(name)
                    self.note(f"`self.{name}` ({self.place(node)}) may hold a module "
                              f"macslint does not know: {value.reason}")
        elif isinstance(obj, UserClass):
            self.set_class_attribute(None, obj, name, value)
        elif isinstance(obj, (Container, LayerModule, SuperProxy)):
            self.note(f"the assignment to {self.where(node)} is not followed")

    def set_class_attribute(self, scope: Optional[Scope], cls: UserClass, name: str,
                            value: Any) -> None:
        """`Cfg.width = 16` while building: under a condition that is not known, merged with the
        other branch; in a loop the tracer does not follow, unknown."""
        if id(cls) not in self.class_snapshots and id(cls) not in self.touched_classes:
            # a class of an imported file: restored for the next model, as this file's are
            self.touched_classes[id(cls)] = (cls, dict(cls.body.values))
        if self.uncertain:
            value = Unknown(f"'{cls.name}.{name}' is assigned in a loop that is not followed")
        self.write(cls.body.values, name, value, f"{cls.name}.{name}")

    def attribute(self, node: cst.Attribute, base: Any) -> Any:
        name = node.attr.value
        if isinstance(base, Tensor):
            return self.tensor_attribute(node, base, name)
        if isinstance(base, UserModule):
            return self.module_attribute(base, name)
        if isinstance(base, LayerModule):
            if base.args is not None and name in base.args.values:
                return base.args.values[name]
            if name in _NO_EFFECT_MODULE_METHODS or name == "forward":
                return BoundMethod(base, name)
            return Unknown(f"attribute `{self.code(node)}` of a {base.kind} is not modelled")
        if isinstance(base, Container):
            return BoundMethod(base, name)
        if isinstance(base, (list, dict)):
            return BoundMethod(base, name)
        if isinstance(base, SuperProxy):
            for cls in self.mro(base.cls)[1:]:
                if name in cls.body.values:
                    return self.bind_member(base.instance, cls.body.values[name])
            return BoundMethod(base, name)
        if isinstance(base, UserClass):
            for cls in self.mro(base):
                if name in cls.body.values:
                    value = cls.body.values[name]
                    if isinstance(value, UserFunction) and "classmethod" in _decorators(value):
                        return BoundMethod(base, name, value)
                    return value
            return Unknown(f"`{self.code(node)}` is not defined in this file")
        return super().attribute(node, base)

    def module_attribute(self, module: UserModule, name: str) -> Any:
        for table in (module.children, module.params, module.attrs):
            if name in table:
                return table[name]
        for cls in self.mro(module.cls):
            if name in cls.body.values:
                return self.bind_member(module, cls.body.values[name])
        return BoundMethod(module, name)

    def bind_member(self, instance: Any, value: Any) -> Any:
        if isinstance(value, UserFunction):
            decorators = _decorators(value)
            if "staticmethod" in decorators:
                return value
            if "property" in decorators:
                return self.call_function(value, [instance], {})
            if "classmethod" in decorators:
                owner = instance.cls if isinstance(instance, UserModule) else instance
                return BoundMethod(owner, value.name, value)
            return BoundMethod(instance, value.name, value)
        return value

    def tensor_attribute(self, node: cst.Attribute, tensor: Tensor, name: str) -> Any:
        if name == "shape":
            return tensor.shape
        if name == "ndim":
            return len(tensor.shape)
        if name == "data":
            return tensor
        if name == "T":
            if len(tensor.shape) < 2:
                return tensor  # torch returns a 0-d or 1-d tensor unchanged
            result = self.run_op(node, TENSOR_METHODS["permute"], "x.T",
                                 [tensor, *reversed(range(len(tensor.shape)))], {})
            if isinstance(result, Tensor):
                result.strided = self.line_of(node)
            return result
        if name in _TENSOR_PROPERTIES:
            return Unknown(f"`{self.code(node)}` of a tensor is not modelled")
        return BoundMethod(tensor, name)  # a method call on it says whether it is modelled

    # -- classes ----------------------------------------------------------------
    def mro(self, cls: UserClass) -> List[UserClass]:
        order: List[UserClass] = []

        def visit(c: UserClass) -> None:
            if c in order or len(order) > 64:
                return
            order.append(c)
            for base in c.bases:
                if isinstance(base, UserClass):
                    visit(base)

        visit(cls)
        return order

    def is_module_class(self, cls: UserClass) -> bool:
        return self.module_kind(cls) is not None

    def module_kind(self, cls: UserClass) -> Optional[str]:
        """"module" or "sequential" for nn.Module / nn.Sequential subclasses, else None."""
        for c in self.mro(cls):
            for base in c.bases:
                if isinstance(base, ModuleRef) and base.path in MODULE_BASES:
                    return "module"
                if isinstance(base, ModuleRef) and base.path in SEQUENTIAL_BASES:
                    return "sequential"
        return None

    def find_method(self, cls: UserClass, name: str) -> Optional[UserFunction]:
        for c in self.mro(cls):
            value = c.body.values.get(name)
            if isinstance(value, UserFunction):
                return value
            if value is not None:
                return None
        return None

    def instantiate(self, node: cst.CSTNode, cls: UserClass, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        kind = self.module_kind(cls)
        if kind is None:
            return Unknown(f"an instance of {cls.name}, which is not an nn.Module")
        module = UserModule(cls, sequential=kind == "sequential")
        init = self.find_method(cls, "__init__")
        if init is not None:
            self.call_function(init, [module, *positional], keywords)
        elif kind == "sequential":
            self.sequential_init(module, positional)
        return module

    def sequential_init(self, target: Any, modules: List[Any]) -> None:
        children = target.children
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            if not isinstance(module, MODULE_VALUES):
                self.note(f"an element of a Sequential is not a known module: "
                          f"{getattr(module, 'reason', type(module).__name__)}")
                if isinstance(target, UserModule):
                    target.opaque.append(str(name))
                continue
            children[str(name)] = module

    # -- calls ------------------------------------------------------------------
    def call_function(self, function: UserFunction, positional: List[Any],
                      keywords: Dict[str, Any]) -> Any:
        if self.depth >= MAX_DEPTH:
            self.note(f"calls nest deeper than {MAX_DEPTH} levels at {function.name}()")
            return Unknown("calls nest too deep")
        node = function.node
        # The body's names are walked once per function, not per call (_names_bound_in is
        # cached): a call is one step of the budget, whatever the size of the function's text.
        scope = Scope("function", function.scope, self.function_locals(node), deferred=True)
        problem = self.bind_parameters(function, positional, keywords, scope)
        if problem is not None:
            raise RaiseSignal(f"{function.name}() {problem}")
        self.depth += 1
        self.frames.append((function, positional[0] if positional else None))
        try:
            self.walk_body(node.body, scope)
        except ReturnSignal as exc:
            return exc.value
        except (BreakSignal, ContinueSignal):
            return None
        finally:
            self.depth -= 1
            self.frames.pop()
        return None


    def bind_parameters(self, function: UserFunction, positional: List[Any],
                        keywords: Dict[str, Any], scope: Scope) -> Optional[str]:
        params = function.node.params
        ordered = [*params.posonly_params, *params.params]
        values: Dict[str, Any] = {}
        rest = list(positional)
        for param in ordered:
            if rest:
                values[param.name.value] = rest.pop(0)
        star = params.star_arg
        if rest:
            if not isinstance(star, cst.Param):
                return f"takes {len(ordered)} positional arguments but {len(positional)} were given"
            values[star.name.value] = tuple(rest)
        elif isinstance(star, cst.Param):
            values[star.name.value] = ()
        by_name = {p.name.value: p for p in (*params.params, *params.kwonly_params)}
        extra: Dict[str, Any] = {}
        for key, value in keywords.items():
            if key in by_name:
                if key in values:
                    return f"got multiple values for argument '{key}'"
                values[key] = value
            elif params.star_kwarg is not None:
                extra[key] = value
            else:
                return f"got an unexpected keyword argument '{key}'"
        defaults: Optional[Dict[str, Any]] = None
        for param in (*ordered, *params.kwonly_params):
            name = param.name.value
            if name not in values:
                if param.default is None:
                    return f"missing a required argument: '{name}'"
                if defaults is None:
                    defaults = self.defaults_of(function)
                values[name] = defaults.get(name, Unknown(f"the default of '{name}' is not known"))
        if params.star_kwarg is not None:
            values[params.star_kwarg.name.value] = dict(extra)
        scope.values.update(values)
        return None

    def defaults_of(self, function: UserFunction) -> Dict[str, Any]:
        """The defaults of a function, evaluated once, when its `def` ran (a `def` of the module
        or a class, run by the file's walk: this model's copy of them, as of a fresh import)."""
        entry = self.defaults.get(id(function))
        if entry is None:
            entry = self.defaults[id(function)] = (function, _fresh(function.defaults, self.memo))
        return entry[1]

    def eval_Call(self, node: cst.Call, scope: Scope) -> Any:
        self.tick()
        receiver: Any = None
        if isinstance(node.func, cst.Attribute):
            receiver = self.eval(node.func.value, scope)
            callee = self.attribute(node.func, receiver)
        else:
            callee = self.eval(node.func, scope)
        positional, keywords, spread = self.call_arguments(node, scope)
        if spread is not None:
            if isinstance(callee, LayerClass):
                site = self.record_site(node, callee.spec.name, callee.spec, positional,
                                        keywords, spread)
                return LayerModule(callee.spec.name, callee.spec, site,
                                   reason=spread)
            self.note(f"the call {self.where(node)} is not followed: {spread}")
            return Untraced(spread)
        self.scopes.append(scope)  # where a list or dict the call changes may live
        try:
            return self.call(node, callee, positional, keywords)
        finally:
            self.scopes.pop()

    def star_items(self, value: Any) -> Any:
        return self.iterate(value)

    def star_keywords(self, value: Any) -> Any:
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        return Unknown("not a dict of known keys")

    def call(self, node: cst.Call, callee: Any, positional: List[Any],
             keywords: Dict[str, Any]) -> Any:
        if isinstance(callee, LayerClass):
            return self.construct_layer(node, callee.spec, positional, keywords)
        if isinstance(callee, MODULE_VALUES):
            return self.apply_module(node, callee, positional, keywords)
        if isinstance(callee, BoundMethod):
            return self.call_method(node, callee, positional, keywords)
        if isinstance(callee, UserFunction):
            return self.call_function(callee, positional, keywords)
        if isinstance(callee, UserClass):
            return self.instantiate(node, callee, positional, keywords)
        if isinstance(callee, ModuleRef):
            return self.call_torch(node, callee, positional, keywords)
        if isinstance(callee, PyBuiltin):
            return self.call_builtin(node, callee.name, positional, keywords)
        if isinstance(callee, Partial):
            return self.call(node, callee.function, [*callee.positional, *positional],
                             {**callee.keywords, **keywords})
        if isinstance(callee, Unknown) and _last_name(node.func) in LAYERS:
            kind = _last_name(node.func)
            reason = (f"cannot tell whether `{self.code(node.func)}` is torch.nn.{kind}: "
                      f"{callee.reason}")
            site = self.record_site(node, kind, None, positional, keywords, reason)
            return LayerModule(kind, None, site, reason=reason)
        for value in (*positional, *keywords.values()):
            self.forget(value)  # a call macslint does not follow may change the lists it gets
        return self.unknown_call(node, callee, [*positional, *keywords.values()])

    def unknown_call(self, node: cst.Call, callee: Any, values: Iterable[Any]) -> Unknown:
        why = callee.reason if isinstance(callee, Unknown) else "not modelled"
        if any(isinstance(v, (Tensor,) + MODULE_VALUES) for v in values) \
                and not isinstance(callee, Untraced):
            self.note(f"the call {self.where(node)} is not followed: {why}")
            return Untraced(f"the result of `{self.code(node.func)}(...)` is not known")
        if isinstance(callee, Untraced) or any(isinstance(v, Untraced) for v in values):
            return Untraced(f"the result of `{self.code(node.func)}(...)` is not known")
        return Unknown(f"the result of `{self.code(node.func)}(...)` is not known")

    def construct_layer(self, node: cst.Call, spec: LayerSpec, positional: List[Any],
                        keywords: Dict[str, Any]) -> LayerModule:
        site = self.record_site(node, spec.name, spec, positional, keywords, None)
        try:
            args = spec.bind(positional, keywords)
        except LayerError as exc:
            raise RaiseSignal(f"{site.call_text} (line {site.line}) raises: {exc}")
        unknown = _unknown_argument(args)
        if unknown is not None:
            return LayerModule(spec.name, spec, site, reason=unknown)
        try:
            spec.check_args(args)
        except Unresolved as exc:
            return LayerModule(spec.name, spec, site, reason=str(exc))
        except (LayerError, OverflowError) as exc:  # `scale_factor=10**1000`: torch's too
            if site.error is None and site.args is None:
                site.error, site.unresolved = str(exc), None
            raise RaiseSignal(f"{site.call_text} (line {site.line}) raises: {exc}")
        self.complete_site(site, args)
        self.built_sites.add((site.file, site.line, site.col))
        return LayerModule(spec.name, spec, site, args)

    def complete_site(self, site: LayerSite, args: Args) -> None:
        """A site whose arguments the file's walk did not know takes the ones building a model
        gave it, if every build gave the same ones (a block built with different widths stays
        unresolved on its own: its calls in the traced models carry their own arguments)."""
        key = (site.file, site.line, site.col)
        if key in self.completed:
            original, unresolved, first = self.completed[key]
            if first is not None and first.values != args.values:
                site.args, site.unresolved = original, (
                    f"{unresolved}; the models of this file build it with different arguments")
                self.completed[key] = (original, unresolved, None)
            return
        incomplete = site.args is None and site.unresolved is not None or (
            site.args is not None and _unknown_argument(site.args) is not None)
        if site.spec is None or site.error is not None or not incomplete:
            return
        self.completed[key] = (site.args, site.unresolved or _unknown_arguments(site.args), args)
        site.args, site.unresolved = args, None

    def call_torch(self, node: cst.Call, ref: ModuleRef, positional: List[Any],
                   keywords: Dict[str, Any]) -> Any:
        path = ref.path
        parts = path.split(".")
        if path in ("torch.nn.Sequential", "torch.nn.modules.container.Sequential"):
            container = Container("Sequential", OrderedDict())
            if keywords:
                raise RaiseSignal(f"{self.where(node)}: Sequential takes no keyword arguments")
            self.sequential_init(container, positional)
            return container
        if path in ("torch.nn.ModuleList", "torch.nn.modules.container.ModuleList"):
            container = Container("ModuleList", OrderedDict())
            modules = positional[0] if positional else keywords.get("modules")
            if modules is not None:
                self.extend_container(node, container, modules)
            return container
        if path in ("torch.nn.ModuleDict", "torch.nn.modules.container.ModuleDict"):
            container = Container("ModuleDict", OrderedDict())
            modules = positional[0] if positional else keywords.get("modules")
            if modules is not None:
                self.update_container(node, container, modules)
            return container
        if path in ("torch.nn.Parameter", "torch.nn.parameter.Parameter"):
            data = positional[0] if positional else keywords.get("data")
            if isinstance(data, Tensor):
                return Tensor(data.shape, self.line_of(node), param=True)
            self.note(f"the parameter {self.where(node)} has no known shape")
            return Unknown("a parameter of unknown shape")
        if path in ("torch.nn.Module.__init__", "torch.nn.Module"):
            return None
        if parts[:3] == ["torch", "nn", "init"]:
            return positional[0] if positional else None
        if is_uncatalogued_layer(ref):
            kind = parts[-1]
            reason = f"torch.nn.{kind} is not in macslint's layer catalogue"
            site = self.record_site(node, kind, None, positional, keywords, reason)
            return LayerModule(kind, None, site, reason=reason)
        spec = None
        if parts[:3] == ["torch", "nn", "functional"] and len(parts) == 4:
            spec = FUNCTIONAL.get(parts[3])
        elif parts[0] == "torch" and len(parts) == 2:
            spec = TORCH_FUNCTIONS.get(parts[1])
        if spec is not None:
            return self.run_op(node, spec, self.code(node.func), positional, keywords)
        return self.unknown_call(node, Unknown(f"`{path}` is not modelled"),
                                 [*positional, *keywords.values()])

    # -- containers and modules -------------------------------------------------
    def extend_container(self, node: cst.CSTNode, container: Container, modules: Any) -> None:
        items = self.iterate(modules)
        if isinstance(items, Unknown):
            self.note(f"the modules of {self.where(node)} are not known: {items.reason}")
            return
        for module in items:
            self.append_module(node, container, module)

    def append_module(self, node: cst.CSTNode, container: Container, module: Any) -> None:
        self.check_module(node, module)
        container.children[str(len(container.children))] = module

    def check_module(self, node: cst.CSTNode, value: Any, none: bool = False) -> None:
        """A value going into a container that is not a module macslint knows (None too,
        where torch takes it) stays there, so that the indices and names of the others hold;
        the model's count is incomplete, and running it gives an untraced value."""
        if not (isinstance(value, MODULE_VALUES) or (none and value is None)):
            self.note(f"{self.where(node)} adds a value that is not a known module: "
                      f"{getattr(value, 'reason', type(value).__name__)}")

    def update_container(self, node: cst.CSTNode, container: Container, modules: Any) -> None:
        if isinstance(modules, dict):
            items = list(modules.items())
        else:
            items = self.iterate(modules)
            if isinstance(items, Unknown):
                self.note(f"the modules of {self.where(node)} are not known: {items.reason}")
                return
        for item in items:
            if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)):
                self.note(f"an entry of {self.where(node)} is not a (name, module) pair")
                continue
            if not isinstance(item[1], MODULE_VALUES):
                self.note(f"the entry '{item[0]}' of {self.where(node)} is not a known module")
                continue
            container.children[item[0]] = item[1]

    def index_name(self, container: Container, index: int) -> Optional[str]:
        names = list(container.children.keys())
        if -len(names) <= index < len(names):
            return names[index]
        return None

    def call_method(self, node: cst.Call, method: BoundMethod, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        receiver, name = method.receiver, method.name
        if method.function is not None:
            return self.call_function(method.function, [receiver, *positional], keywords)
        if isinstance(receiver, Tensor):
            spec = TENSOR_METHODS.get(name)
            if spec is None:
                self.note(f"the tensor method {self.where(node)} is not modelled")
                return Untraced(f"the result of `.{name}()` is not known")
            return self.run_op(node, spec, f"x.{name}", [receiver, *positional], keywords)
        if isinstance(receiver, SuperProxy):
            if name == "__init__":
                kind = self.module_kind(receiver.cls)
                if kind == "sequential" and isinstance(receiver.instance, UserModule):
                    self.sequential_init(receiver.instance, positional)
                return None
            return self.unknown_call(node, Unknown(f"super().{name} is not modelled"), positional)
        if isinstance(receiver, UserModule):
            return self.module_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, LayerModule):
            if name == "forward":
                return self.apply_module(node, receiver, positional, keywords)
            return receiver  # .to(), .eval(), .float(): the same module
        if isinstance(receiver, Container):
            return self.container_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, list):
            return self.list_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, dict):
            return self.dict_method(node, receiver, name, positional, keywords)
        return self.unknown_call(node, Unknown(f"`.{name}()` is not modelled"), positional)

    def module_method(self, node: cst.Call, module: UserModule, name: str,
                      positional: List[Any], keywords: Dict[str, Any]) -> Any:
        args = [*positional, *keywords.values()]
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            self.set_attribute(module, args[0], args[1], node)
            return None
        if name == "register_parameter" and len(args) == 2 and isinstance(args[0], str):
            if isinstance(args[1], Tensor):
                module.params[args[0]] = Tensor(args[1].shape, args[1].line, param=True)
            elif args[1] is not None:
                self.note(f"the parameter of {self.where(node)} is not known")
            return None
        if name == "register_buffer":
            if args and isinstance(args[0], str):
                module.attrs[args[0]] = args[1] if len(args) > 1 else None
            return None
        if name == "forward":
            return self.apply_module(node, module, positional, keywords)
        if name in ("modules", "children"):
            return self.all_modules(module) if name == "modules" else [
                c for c in module.children.values() if c is not None]
        if name in _NO_EFFECT_MODULE_METHODS:
            return module
        if name == "__init__":
            return None
        return self.unknown_call(node, Unknown(f"`{self.code(node.func)}` is not modelled"),
                                 [module, *args])

    def all_modules(self, root: Any) -> List[Any]:
        """`root` and the modules under it, depth first, each once. Not recursive: a loop can
        nest modules thousands deep (`for _ in range(n): m = nn.Sequential(m)`)."""
        seen: Dict[int, Any] = {}
        stack: List[Iterator[Any]] = [iter((root,))]
        while stack:
            module = next(stack[-1], _END)
            if module is _END:
                stack.pop()
            elif module is not None and id(module) not in seen:
                seen[id(module)] = module
                if not isinstance(module, LayerModule):
                    stack.append(iter(getattr(module, "children", {}).values()))
        return list(seen.values())

    def container_method(self, node: cst.Call, container: Container, name: str,
                         positional: List[Any], keywords: Dict[str, Any]) -> Any:
        args = [*positional, *keywords.values()]
        if self.forks and name in ("append", "extend", "insert", "add_module", "update"):
            self.note(f"{self.where(node)} changes a container under a condition that is not known")
        if name == "append" and len(args) == 1:
            self.append_module(node, container, args[0])
            return container
        if name == "extend" and len(args) == 1:
            self.extend_container(node, container, args[0])
            return container
        if name == "insert" and len(args) == 2 and isinstance(args[0], int):
            self.check_module(node, args[1])
            items = [v for v in container.children.values()]
            items.insert(args[0], args[1])
            container.children = OrderedDict((str(i), m) for i, m in enumerate(items))
            return None
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            self.check_module(node, args[1], none=True)
            container.children[args[0]] = args[1]
            return None
        if name == "update" and len(args) == 1:
            self.update_container(node, container, args[0])
            return None
        if name == "keys":
            return list(container.children.keys())
        if name == "values":
            return list(container.children.values())
        if name == "items":
            return list(container.children.items())
        if name == "forward" and container.kind == "Sequential":
            return self.apply_module(node, container, positional, keywords)
        if name == "__len__":
            return len(container.children)
        if name in ("modules", "children"):
            return self.all_modules(container) if name == "modules" else \
                list(container.children.values())
        if name in _NO_EFFECT_MODULE_METHODS:
            return container
        return self.unknown_call(node, Unknown(f"`{container.kind}.{name}()` is not modelled"),
                                 [container, *args])

    def list_method(self, node: cst.Call, target: list, name: str, args: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        # Changed in place as Python does, outside a branch whose condition is not known (the
        # list is the same object in every branch); a call not modelled forgets the list.
        def plain() -> bool:  # only for the methods that compare items (not on every append)
            return all(isinstance(v, PLAIN_SCALAR) for v in target)

        if self.forks == 0 and not keywords:
            if name == "append" and len(args) == 1 and len(target) < MAX_SEQUENCE:
                target.append(args[0])
                return None
            if name == "extend" and len(args) == 1:
                items = self.iterate(args[0])
                if not isinstance(items, Unknown) and len(target) + len(items) <= MAX_SEQUENCE:
                    target.extend(items)
                    return None
            if name == "insert" and len(args) == 2 and isinstance(args[0], int):
                target.insert(args[0], args[1])
                return None
            if name == "pop" and len(args) <= 1 and target:
                index = args[0] if args else -1
                if isinstance(index, int) and -len(target) <= index < len(target):
                    return target.pop(index)
            if name in ("reverse", "clear") and not args:
                getattr(target, name)()
                return None
            if name == "remove" and len(args) == 1 and isinstance(args[0], PLAIN_SCALAR) \
                    and plain() and args[0] in target:
                target.remove(args[0])
                return None
        if name == "sort" and self.forks == 0 and not args and set(keywords) <= {"reverse"} \
                and isinstance(keywords.get("reverse", False), bool) and plain():
            try:
                ordered = sorted(target, reverse=keywords.get("reverse", False))
            except TypeError:  # Python raises: not modelled
                pass
            else:
                target[:] = ordered
                return None
        if name in ("index", "count", "copy"):  # they leave the list as it is
            if keywords or len(args) != (0 if name == "copy" else 1):
                return Unknown(f"`list.{name}()` with these arguments is not modelled")
            if name == "copy":
                return list(target)
            if not (isinstance(args[0], PLAIN_SCALAR) and plain()):
                return Unknown(f"`list.{name}()` of values that are not known")
            try:
                return getattr(target, name)(args[0])
            except ValueError:
                return Unknown("list.index raises")
        self.forget(target)
        return self.unknown_call(node, Unknown(f"`list.{name}()` is not modelled"), [target, *args])

    def dict_method(self, node: cst.Call, target: dict, name: str, args: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        if name == "keys":
            return list(target.keys())
        if name == "values":
            return list(target.values())
        if name == "items":
            return list(target.items())
        key = args[0] if args and isinstance(args[0], (str, int)) else _MISSING
        if key is not _MISSING and not keywords and 1 <= len(args) <= 2:
            if name == "get" or (name == "setdefault" and key in target):
                return target.get(key, args[1] if len(args) > 1 else None)
            if name == "setdefault" and self.forks == 0:
                return target.setdefault(key, args[1] if len(args) > 1 else None)
            if name == "pop" and key not in target and len(args) == 2:
                return args[1]
            if name == "pop" and key in target and self.forks == 0:
                return target.pop(key)
        if name == "update" and self.forks == 0 and len(args) <= 1:
            if args and isinstance(args[0], dict):
                target.update(args[0])
            target.update(keywords)
            return None
        if name == "copy" and not args and not keywords:
            return dict(target)
        self.forget(target)  # whatever it does, the dict may have changed
        return self.unknown_call(node, Unknown(f"`dict.{name}()` is not modelled"), args)

    def forget(self, value: Any, scope: Optional[Scope] = None) -> None:
        """`value` may have been changed in place in a way macslint does not model: every name
        that holds one of its lists or dicts becomes unknown, where it lives: in `scope` and
        the scopes of the calls running (their locals, then the scopes around them), and the
        attributes of the modules they build."""
        targets = {id(c) for c in self.containers(value) if isinstance(c, (list, dict))}
        if not targets:
            return
        tables: Dict[int, Scope] = {}
        for held_in in (scope, *reversed(self.scopes), self.module_scope):
            while held_in is not None and id(held_in) not in tables:
                tables[id(held_in)] = held_in
                tables.setdefault(id(held_in.origin), held_in.origin)
                held_in = held_in.parent
        for table in tables.values():
            for name, held in list(table.values.items()):
                if targets.intersection(map(id, self.containers(held))):
                    kind = "dict" if isinstance(held, dict) else "list"
                    table.values[name] = Unknown(f"'{name}' is a {kind} changed in place")
                    table.rebound.add(name)
        for _, instance in self.frames:
            if isinstance(instance, UserModule):
                for name, held in list(instance.attrs.items()):
                    if targets.intersection(map(id, self.containers(held))):
                        instance.attrs[name] = Unknown(f"`self.{name}` is changed in place")

    def containers(self, value: Any) -> List[Any]:
        """The lists, dicts and tuples in `value`, itself included. Looking costs steps of the
        budget by the items looked at (a file's big lists must not make every call slow);
        items of plain values are skipped at C speed."""
        if not isinstance(value, _NESTED):
            return []
        found: Dict[int, Any] = {id(value): value}
        stack = [value]
        while stack:
            items = stack.pop()
            items = items.values() if isinstance(items, dict) else items
            self.scanned += 1 + len(items)
            if self.scanned >= 1024:  # a step per thousand items
                self.tick(self.scanned // 1024)
                self.scanned %= 1024
            if all(not issubclass(t, _NESTED) for t in set(map(type, items))):
                continue
            for item in items:
                if isinstance(item, _NESTED) and id(item) not in found:
                    found[id(item)] = item
                    stack.append(item)
        return list(found.values())

    # -- running modules ----------------------------------------------------------
    def apply_module(self, node: cst.CSTNode, module: Any, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
        self.tick()
        if isinstance(module, LayerModule):
            return self.apply_layer(node, module, positional, keywords)
        if isinstance(module, UserModule):
            forward = self.find_method(module.cls, "forward")
            if forward is not None:
                return self.call_function(forward, [module, *positional], keywords)
            if module.sequential:
                return self.apply_sequence(node, module.children.values(), positional, keywords)
            self.note(f"{module.cls.name} has no forward() in this file")
            return Untraced(f"{module.cls.name} has no forward()")
        if not isinstance(module, Container):  # a value a container holds, not known
            return Untraced(f"{self.where(node)} runs a module that is not known: "
                            f"{getattr(module, 'reason', type(module).__name__)}")
        if module.kind == "Sequential":
            return self.apply_sequence(node, module.children.values(), positional, keywords)
        raise RaiseSignal(f"{self.where(node)} calls a {module.kind}, which has no forward()")

    def apply_sequence(self, node: cst.CSTNode, modules: Iterable[Any], positional: List[Any],
                       keywords: Dict[str, Any]) -> Any:
        if len(positional) != 1 or keywords:
            self.note(f"{self.where(node)} passes a Sequential other than one input")
            return Untraced("a Sequential called with other than one input")
        value = positional[0]
        for module in modules:
            if module is not None:
                value = self.apply_module(node, module, [value], {})
        return value

    def apply_layer(self, node: cst.CSTNode, layer: LayerModule, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        call = LayerCall(self.paths.get(id(layer), ""), layer.kind, layer.site, layer.spec,
                         layer.args, params=layer.params())
        self.calls.append(call)
        line = self.line_of(node)
        if layer.spec is None or layer.args is None:
            call.reason = layer.reason
            self.note(f"{layer.site.call_text} (line {layer.site.line}) is not costed: "
                      f"{layer.reason}")
            return Untraced(f"the output of {layer.kind} is not known")
        inputs = [*positional, *keywords.values()]
        if not inputs or not all(isinstance(t, Tensor) for t in inputs):
            bad = next((v for v in inputs if not isinstance(v, Tensor)), None)
            why = bad.reason if isinstance(bad, Unknown) else "its input is not a traced tensor"
            call.reason = f"its input is not traced: {why}"
            if not isinstance(bad, Untraced):
                self.note(f"{layer.site.call_text} (line {layer.site.line}) gets an input that "
                          f"is not traced: {why}")
            return Untraced(f"the output of {layer.kind} is not known")
        shapes = [t.shape for t in inputs]
        try:
            output, macs = layer.spec.run(layer.args, shapes)
        except Unresolved as exc:
            call.reason = str(exc)
            self.note(f"{layer.site.call_text} (line {layer.site.line}): {exc}")
            return Untraced(str(exc))
        except (LayerError, OverflowError, ValueError) as exc:
            # ValueError, OverflowError: sizes from `scale_factor=float('nan')` or `10**1000`
            # (the catalogue's arithmetic; torch raises too)
            call.reason = f"torch raises: {exc}"
            if type(exc) is LayerError:
                self.layer_argument_error(layer, exc)
            self.layer_shape_error(layer, inputs, exc)
            return Unknown("a layer call that raises")
        call.inputs, call.output, call.macs = shapes, output, macs
        if any(t.from_input for t in inputs) and _SIZED_ARGS & set(layer.args.values):
            self.input_accepted = True
        first = inputs[0]
        result = Tensor(output, line, strided=first.strided if output == first.shape else None)
        if output_count(layer.args) == 2:  # max pools: (output, indices)
            return (result, Tensor(output, line))
        return result

    # -- shape errors ---------------------------------------------------------------
    def input_mismatch(self, tensors: Sequence[Tensor], what: str, exc: Exception) -> bool:
        """A failure the untouched model input takes part in, before any layer that checks its
        input's features or channels has accepted it: the configured input does not fit this
        model (a setting to fix), not a bug in the model (MAC011)."""
        if any(t.from_input for t in tensors) and not self.input_accepted:
            self.input_issue = f"{what}: {exc}"
            shape = next(t.shape for t in tensors if t.from_input)
            raise RaiseSignal(f"the input {_fmt(shape)} does not fit {self.model_name}: "
                         f"{what}: {exc}; set the model's input size with "
                         f"`# macslint: input-size=...` on its class line or "
                         f"[tool.macslint.models.{self.model_name}]")
        return False

    def layer_argument_error(self, layer: LayerModule, exc: LayerError) -> None:
        """torch raises on the first call whatever the input (`MaxPool2d(3, padding=2)`): the
        construction's arguments are wrong (MAC010 at it), not the input nor the model."""
        site = layer.site
        if site.error is None:
            site.error, site.unresolved = str(exc), None
        raise RaiseSignal(f"{site.call_text} (line {site.line}) raises when called: {exc}")

    def layer_shape_error(self, layer: LayerModule, inputs: Sequence[Tensor], exc: Exception) -> None:
        self.input_mismatch(inputs, layer.site.call_text, exc)
        x = inputs[0]
        expected = _expected_shape(layer, x.shape)
        wanted = f"expects {_fmt(expected)} but gets" if expected else "gets"
        message = (f"{layer.site.call_text} {wanted} {_fmt(x.shape)} (from line {x.line})"
                   f"{' in ' + self.paths[id(layer)] if id(layer) in self.paths else ''}: {exc}")
        self.shape_error(layer.site.line, layer.site.col + 1, message, layer.site.file)

    def shape_error(self, line: int, col: int, message: str, file: Optional[str] = None) -> None:
        if file is not None:  # in an imported project file: said on the model's line here
            message = f"{message} (at {file}:{line})"
            line, col = self.model_line, self.model_col
        self.shape_errors.setdefault((line, col), ShapeIssue(line, col, message))
        raise RaiseSignal(f"torch raises at line {line}: {message}")

    # -- tensor operations --------------------------------------------------------------
    def run_op(self, node: cst.CSTNode, spec: Any, what: str, positional: List[Any],
               keywords: Dict[str, Any]) -> Any:
        try:
            args = spec.bind(positional, keywords)
        except LayerError as exc:
            raise RaiseSignal(f"{self.where(node)} raises: {exc}")
        values = dict(args.values)
        tensors: List[Tensor] = []
        for name in spec.tensors:
            value = values.get(name)
            if isinstance(value, Tensor):
                tensors.append(value)
                values[name] = value.shape
            elif _plain_number(value) or value == ():  # bind() made a number a 0-d shape
                values[name] = ()
            elif value is None:
                continue
            else:
                return self.untraced_op(node, value, positional, keywords)
        for name in spec.tensor_lists:
            items = self.iterate(values.get(name))
            if isinstance(items, Unknown) or not all(isinstance(t, Tensor) for t in items):
                return self.untraced_op(node, values.get(name), positional, keywords)
            tensors.extend(items)
            values[name] = [t.shape for t in items]
        line, col = self.positions[node].start.line, self.positions[node].start.column + 1
        op = spec.name.rsplit(".", 1)[-1]
        strided = next((t.strided for t in tensors if t.strided is not None), None)
        if op in ("view", "view_as") and strided is not None:
            self.note(f"{self.where(node)} views a tensor that may not be contiguous (after "
                      f"line {strided}): whether torch accepts it depends on its strides; "
                      f"use reshape() or call contiguous() first")
            return Untraced("a view of a tensor that may not be contiguous")
        try:
            result, macs = spec.run(Args(values))
        except Unresolved as exc:
            self.note(f"{self.where(node)} is not followed: {exc.reason}")
            return Untraced(exc.reason)
        except LayerError as exc:
            # A tensor passed where the op wants something else (`torch.zeros(x)`) takes
            # part in the failure too: the model input may simply not be what forward() takes.
            passed = [v for v in (*positional, *keywords.values()) if isinstance(v, Tensor)]
            self.input_mismatch([*tensors, *passed], f"`{self.code(node)}`", exc)
            shapes = " and ".join(f"{_fmt(t.shape)} (from line {t.line})" for t in tensors)
            self.shape_error(line, col, f"`{self.code(node)}`{' on ' + shapes if shapes else ''}: "
                             f"{exc}", self.file_of(node))
        from_input = bool(tensors) and all(t.from_input for t in tensors)
        kind = spec.result_kind(args) if callable(spec.result_kind) else spec.result_kind
        if macs:
            self.ops.append(OpCall(line, col, spec.name, [t.shape for t in tensors],
                                   result if kind == "tensor" else (), macs))
        if op in _STRIDING:
            strided = line
        elif op == "contiguous":
            strided = None
        elif strided is not None and op not in _VIEW_LIKE:
            # Elementwise results keep their input's layout; new shapes are fresh memory.
            shapes = {t.shape for t in tensors if t.strided is not None}
            strided = strided if kind == "tensor" and tuple(result) in shapes else None
        if kind == "tensor":
            return Tensor(result, line, from_input, strided=strided)
        if kind == "tensors":
            return tuple(Tensor(s, line, from_input, strided=strided) for s in result)
        return result

    def untraced_op(self, node: cst.CSTNode, value: Any, positional: List[Any],
                    keywords: Dict[str, Any]) -> Unknown:
        why = value.reason if isinstance(value, Unknown) else \
            f"a {type(value).__name__} where a tensor is expected"
        if isinstance(value, Untraced):
            return Untraced(why)
        if any(isinstance(v, Tensor) for v in (*positional, *keywords.values())) or \
                isinstance(value, Unknown):
            self.note(f"{self.where(node)} is not followed: {why}")
        return Untraced(why)

    def combine(self, node: cst.CSTNode, op: Optional[type], left: Any, right: Any,
                in_place: bool = False) -> Any:
        """A binary operator; tensors broadcast (or multiply as matrices for `@`)."""
        if not (isinstance(left, Tensor) or isinstance(right, Tensor)):
            if op is cst.MatrixMultiply:
                return Unknown("`@` on values that are not tensors")
            if op is cst.Modulo and isinstance(left, str):
                return percent_format(left, right)
            if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) \
                    and op is cst.Add and type(left) is type(right) and len(left) + len(right) <= MAX_SEQUENCE:
                return left + right
            return self.binary(op, left, right)
        tensors = [v for v in (left, right) if isinstance(v, Tensor)]
        other = next((v for v in (left, right) if not isinstance(v, Tensor)), None)
        if other is not None and not _plain_number(other):
            why = other.reason if isinstance(other, Unknown) else f"a {type(other).__name__}"
            if not isinstance(other, Untraced):
                self.note(f"{self.where(node)} combines a tensor with a value that is not known: "
                          f"{why}")
            return Untraced(why)
        a = left.shape if isinstance(left, Tensor) else ()
        b = right.shape if isinstance(right, Tensor) else ()
        line, col = self.positions[node].start.line, self.positions[node].start.column + 1
        from_input = all(t.from_input for t in tensors)
        try:
            if op is cst.MatrixMultiply:
                if other is not None:
                    raise ShapeError("both arguments to matmul need to be at least 1D")
                shape, macs = matmul(a, b)
                if macs:
                    self.ops.append(OpCall(line, col, "matmul", [a, b], shape, macs))
                return Tensor(shape, line, from_input)
            if op not in _TENSOR_BINARY:
                return Unknown("an operator on tensors that is not modelled")
            shape = broadcast(a, b)
            if in_place and shape != a:
                raise ShapeError(f"output with shape [{', '.join(map(str, a))}] doesn't match "
                                 f"the broadcast shape [{', '.join(map(str, shape))}]")
        except Unresolved as exc:
            self.note(f"{self.where(node)} is not followed: {exc.reason}")
            return Untraced(exc.reason)
        except LayerError as exc:
            self.input_mismatch(tensors, f"`{self.code(node)}`", exc)
            word = "multiply" if op is cst.MatrixMultiply else _OP_WORDS.get(op, "combine")
            shapes = " and ".join(f"{_fmt(t.shape)} (from line {t.line})" for t in tensors)
            self.shape_error(line, col, f"cannot {word} {shapes}: {exc}", self.file_of(node))
        strided = next((t.strided for t in tensors
                        if t.strided is not None and t.shape == shape), None)
        return Tensor(shape, line, from_input, strided=strided)

    def eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        return self.combine(node, type(node.operator), left, right)

    def eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Any:
        value = self.eval(node.expression, scope)
        if isinstance(value, Tensor):
            if isinstance(node.operator, cst.Not):
                return self.truth(value)
            return Tensor(value.shape, self.line_of(node), value.from_input,
                          strided=value.strided)
        if isinstance(node.operator, cst.Not):
            truth = self.truth(value)
            return truth if isinstance(truth, Unknown) else not truth
        return self.unary(node, value)

    def eval_Comparison(self, node: cst.Comparison, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            outcome = self.binary_compare(type(target.operator), left, right)
            if isinstance(outcome, Tensor):
                # An elementwise comparison: a tensor (of bools), never a Python truth value.
                return outcome if len(node.comparisons) == 1 else \
                    Untraced("a chained comparison of tensors")
            if result is True:
                result = outcome if isinstance(outcome, Unknown) or not outcome else True
            left = right
        return result

    def binary_compare(self, op: type, left: Any, right: Any) -> Any:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            if op in (cst.Is, cst.IsNot):
                return (left is right) == (op is cst.Is)
            if op in (cst.In, cst.NotIn):
                return Unknown("`in` on a tensor")
            a = left.shape if isinstance(left, Tensor) else ()
            b = right.shape if isinstance(right, Tensor) else ()
            tensors = [t for t in (left, right) if isinstance(t, Tensor)]
            other = next((v for v in (left, right) if not isinstance(v, Tensor)), None)
            if other is not None and not _plain_number(other):
                return Untraced("a comparison of a tensor with a value that is not known")
            try:
                return Tensor(broadcast(a, b), tensors[0].line,
                              all(t.from_input for t in tensors))
            except LayerError:
                return Untraced("a comparison of tensors that do not broadcast")
        if op in (cst.Is, cst.IsNot) and not isinstance(left, Unknown) \
                and not isinstance(right, Unknown) and (left is None or right is None):
            return (left is right) == (op is cst.Is)
        if op in (cst.In, cst.NotIn) and isinstance(right, (dict, Container)) \
                and isinstance(left, str):
            keys = right if isinstance(right, dict) else right.children
            return (left in keys) == (op is cst.In)
        return super().binary_compare(op, left, right)

    def truth(self, value: Any) -> Any:
        """Python's truth value of `value`, or Unknown."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Tensor):
            return Unknown("the truth value of a tensor depends on its data")
        if isinstance(value, Container):
            return bool(value.children)  # an empty container is falsy, as torch's are
        if isinstance(value, (LayerModule, UserModule, UserClass, UserFunction, LayerClass,
                              ModuleRef, BoundMethod, PyBuiltin, Partial)):
            return True
        if isinstance(value, (int, float, str, bool, type(None), tuple, list, dict, range)):
            if isinstance(value, (tuple, list)) and first_unknown(value) is not None:
                return bool(value)  # length decides, whatever the items are
            return bool(value)
        return Unknown(f"the truth value of a {type(value).__name__}")

    def eval_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        truth = self.truth(left)
        if isinstance(truth, Unknown):
            self.alternatives(scope, [node.right, None])  # the right side may or may not run
            return Unknown("a condition that is not known")
        if isinstance(node.operator, cst.And):
            return self.eval(node.right, scope) if truth else left
        return left if truth else self.eval(node.right, scope)

    def eval_IfExp(self, node: cst.IfExp, scope: Scope) -> Any:
        truth = self.truth(self.eval(node.test, scope))
        if truth is True:
            return self.eval(node.body, scope)
        if truth is False:
            return self.eval(node.orelse, scope)
        if self.tracing:
            self.note(f"the condition {self.where(node.test)} is not known: {truth.reason}")
        body, orelse = self.alternatives(scope, [node.body, node.orelse])
        return body if _same(body, orelse) else Unknown("a condition that is not known")

    def eval_Name(self, node: cst.Name, scope: Scope) -> Any:
        value = super().eval_Name(node, scope)
        if isinstance(value, Unknown) and node.value in _BUILTINS and _unbound(scope, node.value):
            return PyBuiltin(node.value)
        return value

    def eval_Ellipsis(self, node: cst.Ellipsis, scope: Scope) -> Any:
        return Ellipsis

    def eval_FormattedString(self, node: cst.FormattedString, scope: Scope) -> Any:
        """f"conv{i}": module names. Only plain `{expr}` parts of ints and strings."""
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

    def eval_Subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        base = self.eval(node.value, scope)
        keys: List[Any] = []
        for element in node.slice:
            index = element.slice
            if isinstance(index, cst.Index):
                keys.append(self.eval(index.value, scope))
            else:
                parts = [self.eval(p, scope) if p is not None else None
                         for p in (index.lower, index.upper, index.step)]
                keys.append(next((p for p in parts if isinstance(p, Unknown)), None)
                            or slice(*parts))
        if isinstance(base, Tensor):
            return self.index_tensor(node, base, keys)
        if isinstance(base, Container) and len(keys) == 1:
            return self.index_container(node, base, keys[0])
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
        if not isinstance(base, (tuple, list, str)):
            return Unknown(f"`{self.code(node)}` is not evaluated")
        try:
            return base[keys[0]]
        except (IndexError, TypeError, ValueError) as exc:
            return Unknown(f"the subscript raises {type(exc).__name__}")

    def index_container(self, node: cst.Subscript, container: Container, key: Any) -> Any:
        if isinstance(key, Unknown):
            self.note(f"{self.where(node)} is not followed: {key.reason}")
            return key
        if container.kind == "ModuleDict":
            if isinstance(key, str) and key in container.children:
                return container.children[key]
            raise RaiseSignal(f"{self.where(node)}: no module named {key!r}")
        items = list(container.children.items())
        if isinstance(key, slice):
            try:
                chosen = items[key]
            except (TypeError, ValueError) as exc:  # `layers[:1.5]`, `layers[::0]`
                raise RaiseSignal(f"{self.where(node)} raises: {exc}")
            if container.kind == "ModuleList":
                chosen = [(str(i), m) for i, (_, m) in enumerate(chosen)]
            return Container(container.kind, OrderedDict(chosen))
        if isinstance(key, int) and -len(items) <= key < len(items):
            return items[key][1]
        raise RaiseSignal(f"{self.where(node)}: index {key!r} is out of range")

    def index_tensor(self, node: cst.Subscript, tensor: Tensor, keys: List[Any]) -> Any:
        shape = list(tensor.shape)
        out: List[int] = []
        dim = 0
        if sum(1 for k in keys if k is Ellipsis) > 1:
            return self.untraced_op(node, Unknown("an index with two `...`"), [tensor], {})
        consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
        for key in keys:
            if key is None:
                out.append(1)
            elif key is Ellipsis:
                skip = len(shape) - consumed
                out.extend(shape[dim:dim + skip])
                dim += skip
            elif dim >= len(shape):
                break
            elif isinstance(key, bool) or not isinstance(key, (int, slice)):
                why = key.reason if isinstance(key, Unknown) else "an index that is not an int or slice"
                return self.untraced_op(node, Unknown(why), [tensor], {})
            elif isinstance(key, int):
                if not -shape[dim] <= key < shape[dim]:
                    line = self.line_of(node)
                    self.input_mismatch([tensor], f"`{self.code(node)}`", IndexError("out of range"))
                    self.shape_error(line, self.positions[node].start.column + 1,
                                     f"`{self.code(node)}` indexes {key} in dimension {dim} of "
                                     f"{_fmt(tensor.shape)} (from line {tensor.line}), which has "
                                     f"size {shape[dim]}", self.file_of(node))
                dim += 1
            else:
                if key.step is not None and (not isinstance(key.step, int) or key.step <= 0):
                    return self.untraced_op(node, Unknown("a slice step that is not positive"),
                                            [tensor], {})
                if not all(b is None or isinstance(b, int) for b in (key.start, key.stop)):
                    return self.untraced_op(node, Unknown("a slice bound that is not an int"),
                                            [tensor], {})
                out.append(len(range(*key.indices(shape[dim]))))
                dim += 1
        if dim > len(shape):
            return self.untraced_op(node, Unknown("too many indices for the tensor"), [tensor], {})
        out.extend(shape[dim:])
        strided = tensor.strided
        for position, key in enumerate(keys):
            if position > 0 and (isinstance(key, int) or (
                    isinstance(key, slice) and key != slice(None, None, None))):
                strided = self.line_of(node)  # a slice of an inner dim is not contiguous
        return Tensor(tuple(out), self.line_of(node), tensor.from_input, strided=strided)

    # -- comprehensions ---------------------------------------------------------------
    def eval_comprehension(self, node: cst.CSTNode, scope: Scope, parts: Sequence[cst.CSTNode]) -> Any:
        inner = Scope("function", scope, deferred=False)
        results: List[Any] = []
        comp: cst.CompFor = node.for_in  # type: ignore[attr-defined]
        failed: List[Unknown] = []

        def run(comp: Optional[cst.CompFor], first: bool) -> None:
            if failed:
                return
            if comp is None:
                results.append([self.eval(part, inner) for part in parts])
                if len(results) > MAX_SEQUENCE:
                    failed.append(Unknown("a comprehension too long to evaluate"))
                return
            items = self.iterate(self.eval(comp.iter, scope if first else inner))
            if isinstance(items, Unknown):
                failed.append(items)
                return
            for item in items:
                self.tick()
                for name in _assigned_names(comp.target):
                    inner.local_names.add(name)
                super(ModelInterpreter, self).bind_target(inner, comp.target, item)
                if all(self.truth(self.eval(c.test, inner)) is True for c in comp.ifs):
                    run(comp.inner_for_in, False)

        run(comp, True)
        if failed:
            self.note(f"the comprehension {self.where(node)} is not followed: {failed[0].reason}")
            return Unknown(f"a comprehension over a value that is not known: {failed[0].reason}")
        if isinstance(node, cst.DictComp):
            return {k: v for k, v in results}
        if isinstance(node, cst.SetComp):
            return Unknown("a set comprehension")
        return [r[0] for r in results]

    # -- models -------------------------------------------------------------------------
    def standalone(self, cls: UserClass) -> bool:
        """Can the class be built with no arguments (a model on its own)?"""
        init = self.find_method(cls, "__init__")
        if init is None:
            return True
        params = init.node.params
        ordered = [*params.posonly_params, *params.params][1:]
        return all(p.default is not None for p in (*ordered, *params.kwonly_params))

    def trace_model(self, entry: Any, settings: Settings, path: str) -> Optional[ModelTrace]:
        """Build a model class with no arguments, or call a factory function with none, and
        trace what it returns. None for a function that turns out not to return a model."""
        self.reset()
        name = entry.name
        self.model_name = name
        start = self.positions[entry.node].start
        trace = ModelTrace(name, start.line, start.column + 1, settings)
        self.model_line, self.model_col = start.line, start.column + 1
        comment = _header_comment(entry.node)
        if comment:
            try:
                pragma = parse_pragma(comment, source=f"{path}:{start.line}")
            except ConfigError as exc:
                trace.config_error = str(exc)
                pragma = {}
            trace.settings = settings = settings.for_model(name, pragma)
        else:
            trace.settings = settings = settings.for_model(name)
        model: Any = None
        try:
            if isinstance(entry, UserClass):
                model = self.instantiate(entry.node, entry, [], {})
            else:
                model = self.call_function(entry, [], {})
        except RaiseSignal as exc:
            self.build_notes.append(f"building {name}() raises: {exc}")
        except OutOfBudget:
            self.build_notes.append(self.budget_spent(f"building {name}()"))
        except RecursionError:
            self.build_notes.append(f"building {name}() nests too deeply")
        if isinstance(entry, UserFunction) and not isinstance(model, (UserModule, Container)):
            return None  # not a factory (or not one macslint can follow: nothing to claim)
        if not isinstance(model, (UserModule, Container)):
            trace.reasons.extend(self.build_notes)
            return trace
        self.assign_paths(model)
        trace.params = self.count_params(model)
        if self.build_notes:
            trace.params = None  # the modules built may not be the ones __init__ builds
        # Each container's own count walks the modules under it: bounded, as n containers
        # nested in one another (a loop wrapping a module) cost n * n / 2 module visits.
        visits = MAX_FILE_STEPS
        for module in self.all_modules(model):
            path = self.paths.get(id(module))
            if path is not None and isinstance(module, (UserModule, Container)):
                kind = module.cls.name if isinstance(module, UserModule) else module.kind
                below = self.all_modules(module) if visits > 0 else None
                visits -= len(below or ())
                notes = len(self.build_notes)
                params = self.count_params(module, below) if below is not None else None
                trace.containers[path] = (kind, params)
                del self.build_notes[notes:]  # already said for the whole model
        trace.input = (settings.batch_size, *settings.input_size)
        self.trace_forward(model, trace)
        trace.reasons.extend(self.build_notes)
        trace.reasons.extend(n for n in self.trace_notes if n not in trace.reasons)
        trace.calls, trace.ops = self.calls, self.ops
        trace.built_sites = self.built_sites
        trace.shape_errors = list(self.shape_errors.values())
        if not trace.reasons and all(c.traced for c in self.calls):
            trace.macs = sum(c.macs for c in self.calls) + sum(o.macs for o in self.ops)
        elif not trace.reasons:
            trace.reasons.append("a layer call is not traced")
        return trace

    def trace_forward(self, model: Any, trace: ModelTrace) -> None:
        self.tracing = True
        self.steps = 0
        cls = model.cls if isinstance(model, UserModule) else None
        forward = self.find_method(cls, "forward") if cls is not None else None
        line = self.line_of(forward.node) if forward is not None else trace.line
        x = Tensor(trace.input, line, from_input=True)
        extra = []
        if forward is not None:
            params = forward.node.params
            ordered = [*params.posonly_params, *params.params][2:]
            extra = [p.name.value for p in (*ordered, *params.kwonly_params) if p.default is None]
        if extra:
            self.note(f"forward() takes more inputs than one tensor: "
                      f"{', '.join(repr(e) for e in extra)} {'is' if len(extra) == 1 else 'are'} "
                      f"not traced")
        try:
            if cls is not None and forward is None and not model.sequential:
                self.note(f"{cls.name} has no forward() in this file")
                return
            node = cls.node if cls is not None else self.module
            result = self.apply_module(node, model, [x], {}) if not extra else Unknown("")
        except RaiseSignal as exc:
            if self.build_notes and self.input_issue is None:
                # The modules built may not be the ones __init__ builds: no proof of a bug.
                self.shape_errors.clear()
                self.note(f"forward() fails on the modules macslint could build, which may "
                          f"not be the model's: {exc}")
            else:
                self.note(f"forward() raises: {exc}" if self.input_issue is None else str(exc))
            return
        except OutOfBudget:
            self.note(self.budget_spent("tracing forward()"))
            return
        except RecursionError:
            self.note("tracing forward() nests too deeply")
            return
        finally:
            self.tracing = False
        if isinstance(result, Tensor):
            trace.output = result.shape

    def factory(self, function: UserFunction) -> bool:
        """A module-level function callable without arguments that returns something: it may
        build a model (`def resnet18(**kwargs): return ResNet(...)`)."""
        params = function.node.params
        required = [p for p in (*params.posonly_params, *params.params, *params.kwonly_params)
                    if p.default is None]
        return not required and any(isinstance(n, cst.Return) and n.value is not None
                                    for n in _returns(function.node.body))

    def assign_paths(self, root: Any) -> None:
        """Each module's path from `root` (`features.0.conv`), depth first; not recursive (see
        all_modules)."""
        stack: List[Tuple[Iterator[Tuple[str, Any]], str]] = [
            (iter(getattr(root, "children", {}).items()), "")]
        while stack:
            children, prefix = stack[-1]
            name, child = next(children, (None, _END))
            if child is _END:
                stack.pop()
                continue
            if child is None or id(child) in self.paths or child is root:
                continue
            self.paths[id(child)] = prefix + name
            if not isinstance(child, LayerModule):
                stack.append((iter(getattr(child, "children", {}).items()), prefix + name + "."))

    def count_params(self, root: Any, modules: Optional[List[Any]] = None) -> Optional[int]:
        """`modules`: all_modules(root), when the caller has it."""
        total = 0
        seen_params: set = set()
        for module in modules if modules is not None else self.all_modules(root):
            if isinstance(module, LayerModule):
                count = module.params()
                if count is None:
                    self.build_notes.append(
                        f"the parameters of {module.site.call_text} (line {module.site.line}) "
                        f"are not known: {module.reason or 'not modelled'}")
                    return None
                total += count
            elif not isinstance(module, (UserModule, Container)):
                return None  # a value in a container that is not known (noted when added)
            elif isinstance(module, UserModule):
                if module.opaque:
                    return None
                for tensor in module.params.values():
                    if id(tensor) not in seen_params:
                        seen_params.add(id(tensor))
                        total += math.prod(tensor.shape)
        return total


_MISSING = object()
_NESTED = (list, dict, tuple)


def _fresh(value: Any, memo: Dict[int, Any]) -> Any:
    """A copy of the lists and dicts in `value` (aliases kept), other values as they are."""
    if isinstance(value, (list, dict, tuple)):
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, list):
            copy: Any = []
            memo[id(value)] = copy
            copy.extend(_fresh(v, memo) for v in value)
        elif isinstance(value, dict):
            copy = type(value)()
            memo[id(value)] = copy
            copy.update((k, _fresh(v, memo)) for k, v in value.items())
        else:
            copy = tuple(_fresh(v, memo) for v in value)
            memo[id(value)] = copy
        return copy
    return value


def _tables_first(modules: Iterable[Any]) -> List[Any]:
    """The project modules whose position table exists first: a node belongs to one module,
    so the order does not change which is found, and fewer tables are computed."""
    modules = list(modules)
    return ([m for m in modules if getattr(m.interpreter.positions, "computed", True)]
            + [m for m in modules if not getattr(m.interpreter.positions, "computed", True)])


class _Positions:
    """Positions of this file's nodes, then of the imported project files' nodes."""

    def __init__(self, own: Any, loader: Any) -> None:
        self.own = own
        self.loader = loader

    def __getitem__(self, node: cst.CSTNode) -> Any:
        try:
            return self.own[node]
        except KeyError:
            for module in _tables_first(self.loader.modules() if self.loader else ()):
                try:
                    return module.interpreter.positions[node]
                except KeyError:
                    continue
            raise

    def __contains__(self, node: object) -> bool:
        try:
            self[node]  # type: ignore[index]
        except KeyError:
            return False
        return True


def _unknown_argument(args: Args) -> Optional[str]:
    """Why an argument that matters is not known (where a layer lives does not matter)."""
    for name, value in args.values.items():
        unknown = first_unknown(value)
        if unknown is not None and name not in ("device", "dtype"):
            return f"argument '{name}' is not known: {unknown.reason}"
    return None


def _unknown_arguments(args: Optional[Args]) -> str:
    return (_unknown_argument(args) if args is not None else None) or "its arguments are not known"


def _decorators(function: UserFunction) -> set:
    return {_last_name(d.decorator) for d in function.node.decorators}


def _unbound(scope: Scope, name: str) -> bool:
    current: Optional[Scope] = scope
    while current is not None:
        if name in current.values or name in current.local_names:
            return False
        current = current.parent
    return True


def _returns(body: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """The return statements of a function body, not of functions nested in it."""
    stack = [body]
    while stack:
        node = stack.pop()
        for child in node.children:
            if isinstance(child, cst.Return):
                yield child
            elif not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda,
                                        cst.BaseExpression)):
                stack.append(child)


def _header_comment(node: cst.CSTNode) -> Optional[str]:
    body = node.body
    if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
        return body.header.comment.value
    if isinstance(body, cst.SimpleStatementSuite) and body.trailing_whitespace.comment is not None:
        return body.trailing_whitespace.comment.value
    return None


def _expected_shape(layer: LayerModule, shape: Shape) -> Optional[Shape]:
    """The input shape the layer would accept, where one dimension is at fault."""
    values = layer.args.values if layer.args is not None else {}
    if not shape:
        return None
    for name in ("in_features", "in1_features"):
        if isinstance(values.get(name), int):
            return (*shape[:-1], values[name])
    for name in ("in_channels", "num_features", "num_channels"):
        if isinstance(values.get(name), int) and len(shape) >= 2:
            return (shape[0], values[name], *shape[2:])
    return None


def trace_models(base: Interpreter, settings: Settings, path: str) -> List[ModelTrace]:
    """Every nn.Module subclass at the top of the file that can be built without arguments."""
    if not base.classes and not any(isinstance(v, UserFunction)
                                    for v in base.module_snapshot.values()):
        return []
    tracer = ModelInterpreter(base)
    entries: List[Any] = [cls for cls in base.classes if cls.scope.kind == "module"
                          and tracer.is_module_class(cls) and tracer.standalone(cls)]
    entries.extend(f for f in base.module_snapshot.values()
                   if isinstance(f, UserFunction) and f.scope.kind == "module" and tracer.factory(f))
    entries.sort(key=lambda e: tracer.positions[e.node].start.line)
    if settings.trace_only is not None:  # report --model: the others would be thrown away
        entries = [e for e in entries if e.name == settings.trace_only]
    traces = []
    for entry in entries:
        try:
            trace = tracer.trace_model(entry, settings, path)
            if trace is not None:
                traces.append(trace)
        except Exception as exc:  # noqa: BLE001 - a bug of ours loses this model, not the file
            start = tracer.positions[entry.node].start
            trace = ModelTrace(entry.name, start.line, start.column + 1, settings)
            text = " ".join(str(exc).split())[:200]
            trace.internal_error = f"{type(exc).__name__}: {text}"
            trace.reasons.append(f"internal error while tracing: {trace.internal_error}")
            traces.append(trace)
    return traces
