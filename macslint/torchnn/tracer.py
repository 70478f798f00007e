"""Whole models: build each nn.Module subclass of a file and trace shapes through forward().

The file's walk (the interpreter under the WALK policy) has already found every construction
site with its arguments as far as they are constant. Here the same interpreter, under the RUN
policy and with the torch runtime's hooks (this package), *executes* a model's `__init__` on
an abstract `self` (layers, containers, parameters, instances of the file's other model
classes), then runs `forward` on a symbolic tensor of the configured input shape. Tensors
carry only their shape; every layer call and tensor operation computes its output shape (and
MACs) with the pure cost model (`macslint.costmodel`).

Anything the tracer cannot follow is recorded as a note naming the construct and its line:
a model with notes is incomplete, and its totals are unknown rather than guessed.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import libcst as cst

from ..config import Settings
from ..costmodel import Args, LayerSpec
from ..errors import ConfigError
from ..pragmas import parse_pragma
from ..evaluator.interpreter import Interpreter
from ..evaluator.policy import RUN
from ..evaluator.scope import Scope
from ..evaluator.values import RaiseSignal, Unknown, UserClass, UserFunction
from ..results.sites import LayerSite
from ..results.traces import LayerCall, ModelTrace, OpCall, ShapeIssue
from .building import ModuleBuilding
from .builtins import BuiltinCalls
from .common import END, fresh_copy
from .containers import ContainerCalls
from .execution import Execution
from .tensors import TensorOps
from .values import Container, LayerModule, OutOfBudget, Tensor, UserModule

MAX_STEPS = 50_000  # statements and calls per model: hostile code ends incomplete, never hangs
MAX_FILE_STEPS = 500_000  # and per file, whatever the number of models in it


class ModelInterpreter(Execution, ModuleBuilding, ContainerCalls, TensorOps, BuiltinCalls,
                       Interpreter):
    """The interpreter with the RUN policy and the torch.nn runtime: runs `__init__` and
    `forward` of the file's models on abstract values. Its parts add torch's values (modules,
    containers, tensors) through the interpreter's hooks; none redefines how Python's
    statements and expressions evaluate."""

    policy = RUN

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
        self.module_scope.values = {k: fresh_copy(v, memo) for k, v in self.module_snapshot.items()}
        for cls in self.classes:
            snapshot = self.class_snapshots.get(id(cls))
            if snapshot is not None:
                cls.body.values = {k: fresh_copy(v, memo) for k, v in snapshot.items()}
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
            name, child = next(children, (None, END))
            if child is END:
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
