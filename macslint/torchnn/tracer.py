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
import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import libcst as cst

from ..config import Settings
from ..costmodel import Args, LayerSpec
from ..evaluator.effects import Unrun
from ..evaluator.interpreter import Interpreter
from ..pragmas import PRAGMA_RE
from ..evaluator.policy import RUN
from ..evaluator.scope import Scope
from ..evaluator.syntax import child_nodes
from ..evaluator.values import (
    MISSING, DeferredCall, DeferredLoop, LazyImport, RaiseSignal, Unknown, UserClass, UserFunction, resolved, what_is,
)
from ..inputs import ForwardSignature, InputSpec, bind_inputs, declared as declared_inputs
from ..results.sites import LayerSite
from ..results.traces import LayerCall, ModelTrace, NotBuilt, OpCall, ShapeIssue
from ..stack import DEEP_THREAD, on_deep_stack
from .building import INVALID_LAYER, ModuleBuilding
from .builtins import BuiltinCalls
from .common import END, fresh_copy
from .entries import (
    ModelEntry, class_pragma, construction_entries, declared_entries, header_comment,
    required_parameters,
)
from .containers import ContainerCalls
from .execution import Execution
from .tensors import TensorOps
from .training import ParameterState
from .values import Container, LayerModule, OutOfBudget, Tensor, UserModule, set_training

MAX_STEPS = 100_000  # statements and calls per model: hostile code ends incomplete, never hangs
MAX_FILE_STEPS = 500_000  # and per file, whatever the number of models in it



def input_declared(entry: ModelEntry, settings: Settings) -> bool:
    """Did the user declare this model's input: on its class line, or in the
    [tool.macslint.models.<name>] table of the model or its construction (and the command
    line does not override it)?"""
    keys = {"input_size", "inputs"}
    if settings.cli_fixed & keys:
        return False
    if keys & set(entry.pragma):
        return True
    names = {entry.name, entry.built}
    return any(name in names and keys & set(values) for name, values in settings.models)

class ModelInterpreter(Execution, ModuleBuilding, ContainerCalls, TensorOps, BuiltinCalls,
                       ParameterState, Interpreter):
    """The interpreter with the RUN policy and the torch.nn runtime: runs `__init__` and
    `forward` of the file's models on abstract values. Its parts add torch's values (modules,
    containers, tensors) through the interpreter's hooks; none redefines how Python's
    statements and expressions evaluate."""

    policy = RUN

    def __init__(self, base: Interpreter) -> None:
        self.base = base  # the file as read (its calls not run: replay_all)
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
        self.constructions = base.constructions
        # factory name -> (its entry, why what it returns is not known): said, not dropped
        self.unfollowed: Dict[str, Tuple[ModelEntry, str]] = {}
        self.part_classes: set = set()  # id() of the classes of modules inside built models
        self.owner: Dict[int, UserClass] = {}
        self.touched_classes: Dict[int, Tuple[UserClass, Dict[str, Any]]] = {}
        self.register_owners()
        self.reset()

    def register_owners(self) -> None:
        """The class each method belongs to (for `super()`), of this file and of the project
        files loaded so far (a file imported while tracing: again, when a method is not
        found)."""
        loaded = list(self.loader.modules()) if self.loader else []
        self.owners_from = len(loaded)  # the files registered so far
        imported = [c for m in loaded for c in m.interpreter.classes]
        for cls in [*self.classes, *imported]:
            for value in cls.body.values.values():
                if isinstance(value, UserFunction):
                    self.owner.setdefault(id(value), cls)

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Any:
        value = super().eval(node, scope)
        if type(value) is DeferredCall:
            return self.run_deferred(value)
        if type(value) is DeferredLoop:
            return self.run_deferred_loop(value)
        if type(value) is Unrun:
            return self.replay(value)
        return value

    def replay(self, marker: Unrun) -> Any:
        """A module-level name that decorators or call statements not run when its file was
        read may change (timm's registries, filled by `@register_model`): the first time a
        model reads one, every such call of this file and the files it imports runs, in the
        order Python ran them at import, once; each name is then what they left (unknown where
        one changed it in a way not followed), or unknown with why where one of them raises.
        Their notes are not the model's: what they could not follow is in the values."""
        if marker.result is MISSING:
            self.replay_all()
        for view in (marker.home.values, *marker.views):
            if view.get(marker.name) is marker:
                view[marker.name] = marker.result
        return marker.result

    def replay_all(self) -> None:
        interpreters = [self.base, *(m.interpreter for m in self.loader.modules())] \
            if self.loader is not None else [self.base]
        markers = [m for i in interpreters for m in i.__dict__.get("unrun_markers", ())
                   if m.result is MISSING]
        effects = [e for i in interpreters for e in i.__dict__.get("unrun_effects", ())]
        for marker in markers:
            if not all(e.replayable for e in marker.effects):
                marker.result = Unknown(marker.reason)  # an assignment's call: left unknown
                continue
            marker.result = Unknown(f"{marker.reason}: it is read while those calls run")
            if marker.home.values.get(marker.name) is marker:
                marker.home.values[marker.name] = marker.original
        failed: Dict[int, str] = {}
        replaying, self.replaying, completed = self.replaying, True, False
        try:
            for effect in effects:
                if not effect.done and effect.replayable:
                    effect.done = True
                    try:
                        self.run_effect(effect)
                    except RaiseSignal as exc:
                        failed[id(effect)] = f"`{self.code(effect.node)}` raises: {exc}"
            completed = True
        finally:
            self.replaying = replaying
            if not completed:  # the budget ran out: what the calls left half-done is unknown
                for marker in markers:
                    for view in (marker.home.values, *marker.views):
                        view[marker.name] = marker.result
        for marker in markers:
            if not all(e.replayable for e in marker.effects):
                continue
            why = next((failed[id(e)] for e in marker.effects if id(e) in failed), None)
            marker.result = marker.home.values.get(marker.name, marker.original) \
                if why is None else Unknown(f"{marker.reason}; running it: {why}")

    def run_effect(self, effect: Any) -> None:
        if effect.target is None:  # a call statement
            self.eval(effect.node, effect.scope)
            return
        decorator = self.eval(effect.node, effect.scope)
        target = effect.scope.values.get(effect.target)
        if not isinstance(decorator, UserFunction):
            raise RaiseSignal(f"the decorator is {what_is(decorator)}")
        self.call_function(decorator, [target], {})

    def run_deferred(self, deferred: DeferredCall) -> Any:
        """A module-level call of a project function, read while running a model: evaluated
        once per model, where it was written (evaluator.values.DeferredCall)."""
        done = self.deferred.get(id(deferred))
        if done is not None:
            return done[1]
        self.deferred[id(deferred)] = (deferred, Unknown(f"{deferred.reason}: it reads itself"))
        try:
            value = self.eval(deferred.node, deferred.scope)
        except RaiseSignal as exc:
            value = Unknown(f"{deferred.reason}: {exc}")
        self.deferred[id(deferred)] = (deferred, value)
        return value

    def run_deferred_loop(self, deferred: DeferredLoop) -> Any:
        """A name a module-level loop over a DeferredCall changes (evaluator.effects.
        defer_module_loop): the loop runs once per model, on a copy of the names as they were
        at its line; the name is what it left there."""
        key = id(deferred.node)
        done = self.deferred.get(key)
        if done is None:
            self.deferred[key] = (deferred, Unknown(f"{deferred.reason}: it reads itself"))
            here = Scope("class", deferred.scope.parent)
            here.values = {k: fresh_copy(v, self.memo) for k, v in deferred.scope.values.items()}
            try:
                self.walk_stmt(deferred.node, here)
                done = (deferred, here.values)
            except RaiseSignal as exc:
                done = (deferred, Unknown(f"{deferred.reason}: {exc}"))
            self.deferred[key] = done
        values = done[1]
        if isinstance(values, Unknown):
            return values
        return resolved(values.get(deferred.name, Unknown(
            f"{deferred.reason}: the loop left it unbound")))

    def reset(self) -> None:
        # Each model starts from the module as it stands after running: a list one model's
        # construction changed in place is fresh for the next.
        self.deferred: Dict[int, Tuple[DeferredCall, Any]] = {}  # run_deferred's, this model's
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
        self.replaying = False  # module-level calls not run when reading, run now (replay)
        self.forks = 0  # inside a branch whose condition is unknown
        self.build_notes: List[str] = []  # the module tree may differ from what was built
        self.trace_notes: List[str] = []  # the traced MACs may be incomplete
        self.param_notes: List[str] = []  # torchnn.training
        self.param_unknown: set = set()
        self.tracing = False
        self.stop: Optional[Tuple[int, int, str]] = None  # (calls, ops, note) at the first note
        self.calls: List[LayerCall] = []
        self.ops: List[OpCall] = []
        self.shape_errors: Dict[Tuple[int, int], ShapeIssue] = {}
        self.paths: Dict[int, str] = {}
        self.running: List[str] = []  # the paths of the modules whose forward() runs, innermost last
        self.module_outputs: List[Any] = []  # torchnn.training.ran_module
        self.input_issue: Optional[str] = None
        self.input_accepted = False  # a layer that checks sizes took the model input as it is
        self.model_name = ""
        self.built_sites: set = set()
        self.modules_made = 0  # instances of model classes made (a factory that made some)
        # A layer's arguments made torch raise while building (`invalid_layer`); `lenient`:
        # the build again, with such layers built as modules that are not costed.
        self.invalid_raised = False
        self.lenient = False

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
        if self.replaying:  # module-level calls run for what they leave (replay)
            return
        notes = self.trace_notes if self.tracing else self.build_notes
        if self.tracing and self.stop is None:  # what ran before this is exactly known
            self.stop = (len(self.calls), len(self.ops), message)
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
        if init is None:  # a layer's subclass takes the layer's arguments
            return self.module_kind(cls) != "layer"
        params = init.node.params
        ordered = [*params.posonly_params, *params.params][1:]
        return all(p.default is not None for p in (*ordered, *params.kwonly_params))

    def trace_model(self, entry: ModelEntry, settings: Settings, path: str) -> Optional[ModelTrace]:
        """Build a model as its entry says (a class with no arguments, a factory called with
        none, a declared or written construction), and trace it. None for a factory that
        turns out not to return a model."""
        self.reset()
        name = entry.name
        self.model_name = name
        start = self.positions[entry.node].start
        trace = ModelTrace(name, start.line, start.column + 1, settings)
        self.model_line, self.model_col = start.line, start.column + 1
        trace.config_error = entry.config_error
        trace.built = entry.built if entry.built != name else None
        if entry.kind != "declared" or entry.name == entry.built:
            settings = settings.for_model(entry.built, entry.pragma)
        else:
            settings = settings.for_model(entry.built, entry.pragma).for_model(entry.name)
        trace.settings = settings
        self.input_declared = input_declared(entry, settings)
        model = self.build_model(entry)
        if self.invalid_raised and not isinstance(model, (UserModule, Container)):
            # torch cannot build it. Built again with the invalid layers as modules that are
            # not costed, the layers before them keep their traced shapes, and the ones after
            # are unknown in this model: none falls back to its cost on its own.
            notes = self.build_notes
            self.reset()
            self.model_name, self.lenient = name, True
            model = self.build_model(entry)
            self.build_notes = notes + [n for n in self.build_notes if n not in notes]
        if isinstance(model, Unknown) and entry.expression is not None:
            self.build_notes.append(f"building {name} gives no model: {model.reason}")
        if entry.kind == "factory" and not isinstance(model, (UserModule, Container)):
            stopped = model is None and self.build_notes  # building it raised, or went too deep
            if (isinstance(model, Unknown) or stopped) and (
                    self.modules_made or self.built_sites or self.names_a_model_class(entry)):
                # a factory that built modules and returns something not known: say why
                notes = self.build_notes or [model.reason]
                more = f" (and {len(notes) - 1} more)" if len(notes) > 1 else ""
                first = notes[-1] if stopped else notes[0]
                self.unfollowed[entry.name] = (entry, first + more)
            return None  # not a factory (or not one macslint can follow: nothing to claim)
        if not isinstance(model, (UserModule, Container)):
            trace.reasons.extend(self.build_notes)
            return trace
        self.assign_paths(model)
        modules = self.all_modules(model)
        lazy = any(isinstance(m, LayerModule) and m.lazy for m in modules)
        self.count_model(model, trace, modules, lazy)
        trace.input = (settings.batch_size, *(settings.inputs[0].shape if settings.inputs
                                              else settings.input_size))
        self.trace_forward(model, trace)
        if lazy:  # torch's Lazy* layers have parameters after a forward(): counted again
            notes = len(self.build_notes)
            self.count_model(model, trace, self.all_modules(model), False)
            self.build_notes[notes:] = [n for n in self.build_notes[notes:]
                                        if n not in self.build_notes[:notes]]
        self.parameter_state(trace, modules)
        trace.reasons.extend(self.build_notes)
        trace.reasons.extend(n for n in self.trace_notes if n not in trace.reasons)
        if self.lenient:  # the first note says it: building raises at the invalid layer
            trace.reasons[1:] = [r for r in trace.reasons[1:] if INVALID_LAYER not in r]
        trace.calls, trace.ops, trace.module_outputs = self.calls, self.ops, self.module_outputs
        trace.built_sites = self.built_sites
        trace.shape_errors = list(self.shape_errors.values())
        trace.input_misfit = self.input_issue is not None and not self.input_declared
        if not trace.reasons and all(c.traced for c in self.calls):
            trace.macs = sum(c.macs for c in self.calls) + sum(o.macs for o in self.ops)
        elif not trace.reasons:
            trace.reasons.append("a layer call is not traced")
        if trace.macs is None and self.stop is not None and not self.build_notes \
                and trace.params is not None and trace.runs_forward:
            self.macs_before_stop(trace, *self.stop)
        return trace

    @contextmanager
    def running_module(self, module: Any) -> Iterator[None]:
        """While `module`'s forward() runs: the ops it computes are its own (an unregistered
        module's, the enclosing one's)."""
        self.running.append(self.paths.get(id(module), self.running[-1] if self.running else ""))
        try:
            yield
        finally:
            self.running.pop()

    def record_op(self, line: int, col: int, op: str, inputs: List[Any], output: Any,
                  macs: int) -> None:
        """An op with MACs in a forward(): the module whose forward() computes it owns it,
        as torch's FlopCounterMode counts it (a ViT block's attention matmuls are the
        block's), and it ran after the layer calls so far."""
        self.ops.append(OpCall(line, col, op, inputs, output, macs,
                               self.running[-1] if self.running else "", len(self.calls)))

    def macs_before_stop(self, trace: ModelTrace, calls: int, ops: int, note: str) -> None:
        """The MACs of the layers and ops that ran before the trace's first note (the call
        that note stopped, last, not counted, as torch counts none of one that raises)."""
        before = self.calls[:calls]
        if before and not before[-1].traced:
            before = before[:-1]
        if all(c.traced for c in before):
            trace.macs_before_stop = sum(c.macs for c in before) + \
                sum(o.macs for o in self.ops[:ops])
            trace.stopped_by = note

    def count_model(self, model: Any, trace: ModelTrace, modules: List[Any],
                    pending: bool) -> None:
        """The parameters of the model (`modules`: all_modules(model)) and of each of its
        containers (with a build note where one is not known; `pending`: before forward(),
        a Lazy layer's, not known yet, goes without one)."""
        trace.params = self.count_params(model, modules, pending)
        if self.build_notes:
            trace.params = None  # the modules built may not be the ones __init__ builds
        # Each container's own count walks the modules under it: bounded, as n containers
        # nested in one another (a loop wrapping a module) cost n * n / 2 module visits.
        visits = MAX_FILE_STEPS
        for module in modules:
            if isinstance(module, UserModule):
                self.part_classes.add(id(module.cls))
            path = self.paths.get(id(module))
            if path is not None and isinstance(module, (UserModule, Container)):
                kind = module.cls.name if isinstance(module, UserModule) else module.kind
                below = self.all_modules(module) if visits > 0 else None
                visits -= len(below or ())
                notes = len(self.build_notes)
                params = self.count_params(module, below, pending) if below is not None \
                    else None
                trace.containers[path] = (kind, params)
                del self.build_notes[notes:]  # already said for the whole model

    def build_model(self, entry: ModelEntry) -> Any:
        """The model the entry builds; None, with a build note, where building it stops."""
        built = f"{entry.name}{'' if entry.expression else '()'}"
        try:
            if entry.expression is not None:
                scope = entry.scope
                if scope is not None:  # a function's locals, as read: fresh for this model
                    scope = self.fork(scope)
                    scope.values = {k: fresh_copy(v, self.memo) for k, v in scope.values.items()}
                return self.eval(entry.expression, scope or self.module_scope)
            if entry.kind == "class":
                return self.instantiate(entry.node, entry.target, [], {})
            return self.call_function(entry.target, [], {})
        except RaiseSignal as exc:
            self.build_notes.append(f"building {built} raises: {exc}")
        except OutOfBudget:
            self.build_notes.append(self.budget_spent(f"building {built}"))
        except RecursionError:
            if threading.current_thread().name != DEEP_THREAD:
                # timm's factories go deep (build_model_with_cfg): again from the start, on a
                # thread with a large stack, as the engine does for a deep file
                name, lenient = self.model_name, self.lenient
                self.reset()
                self.model_name, self.lenient = name, lenient
                return on_deep_stack(self.build_model, entry)
            self.build_notes.append(f"building {built} nests too deeply")
        return None

    def trace_forward(self, model: Any, trace: ModelTrace) -> None:
        self.tracing = True
        self.stop = None
        # layers and ops a constructor ran (timm's hybrid embed runs its backbone on zeros to
        # find its output size) are not the model's forward: torch counts the forward only
        self.calls, self.ops, self.running, self.module_outputs = [], [], [], []
        set_eval_mode(model)
        self.steps = 0
        cls = model.cls if isinstance(model, UserModule) else None
        forward = self.find_method(cls, "forward") if cls is not None else None
        line = self.line_of(forward.node) if forward is not None else trace.line
        settings = trace.settings
        self.declared_inputs = settings.inputs is not None
        specs = declared_inputs(settings)
        tensors: List[Any] = [
            [Tensor(spec.shape, line, from_input=True, dtype=spec.dtype)
             for _ in range(settings.batch_size)] if spec.listed else
            Tensor((settings.batch_size, *spec.shape), line, from_input=True, dtype=spec.dtype)
            for spec in specs]
        positional = [t for spec, t in zip(specs, tensors) if spec.name is None]
        keywords = {spec.name: t for spec, t in zip(specs, tensors) if spec.name is not None}
        names: Tuple[Optional[str], ...] = tuple(spec.name for spec in specs)
        problem, extra = None, ()
        if forward is not None:
            params = forward.node.params
            ordered = [*params.posonly_params, *params.params][1:]
            signature = ForwardSignature(
                tuple((p.name.value, p.default is not None) for p in ordered),
                tuple((p.name.value, p.default is not None) for p in params.kwonly_params),
                max(len(params.posonly_params) - 1, 0), isinstance(params.star_arg, cst.Param),
                params.star_kwarg is not None)
            names, problem, extra = bind_inputs(signature, specs)
        trace.inputs = [InputSpec(name, (settings.batch_size, *spec.shape), spec.dtype,
                                  spec.listed) for name, spec in zip(names, specs)]
        if problem is not None and self.declared_inputs:
            self.note(f"the declared inputs cannot be passed to forward(): {problem}")
        elif extra:
            how = ("with inputs = [...] in [tool.macslint.models.{0}] or `# macslint: inputs=...` "
                   "on its class line").format(self.model_name)
            self.note(f"forward() takes more inputs than "
                      f"{'one tensor' if len(specs) == 1 else f'the {len(specs)} declared'}: "
                      f"{', '.join(repr(e) for e in extra)} {'is' if len(extra) == 1 else 'are'} "
                      f"not traced; declare {'it' if len(extra) == 1 else 'them'} {how}")
        try:
            if cls is not None and forward is None and not model.sequential \
                    and self.module_kind(cls) != "layer":
                self.note(f"{cls.name} has no forward() in this file")
                trace.runs_forward = False
                return
            node = cls.node if cls is not None else self.module
            blocked = extra or (problem is not None and self.declared_inputs)
            result = self.apply_module(node, model, positional, keywords) if not blocked \
                else Unknown("")
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

    def names_a_model_class(self, entry: ModelEntry) -> bool:
        """The factory's return annotation, or a name its body reads, is a model class of the
        project (`def convnext_atto(...) -> ConvNeXt`; `build_model_with_cfg(ConvNeXt, ...)`):
        what it returns is meant to be a model, so a factory not followed says why."""
        node = entry.node
        names = [node.returns.annotation] if getattr(node, "returns", None) is not None else []
        names += [n for n in _walk_names(node.body)]
        for expr in names:
            if not isinstance(expr, cst.Name):
                continue
            value = self.module_scope.values.get(expr.value)
            if isinstance(value, LazyImport):
                value = resolved(value)
            if isinstance(value, UserClass) and self.module_kind(value) is not None:
                return True
        return False

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

    def count_params(self, root: Any, modules: Optional[List[Any]] = None,
                     pending: bool = False) -> Optional[int]:
        """`modules`: all_modules(root), when the caller has it. `pending`: a Lazy layer not
        called yet is not said (not known before forward() runs)."""
        total = 0
        seen_params: set = set()
        for module in modules if modules is not None else self.all_modules(root):
            if isinstance(module, LayerModule):
                count = module.params()
                if count is None:
                    if pending and module.lazy:
                        return None
                    self.build_notes.append(
                        f"the parameters of {module.site.call_text} (line {module.site.line}) "
                        f"are not known: {module.reason or 'not modelled'}")
                    return None
                total += count + module.shared_params(seen_params)
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
        # id(node) -> (node, the node it is reported at): a declared construction's nodes,
        # parsed from configuration, are placed at the class or function they build
        self.anchors: Dict[int, Tuple[cst.CSTNode, cst.CSTNode]] = {}

    def anchor(self, expression: cst.CSTNode, at: cst.CSTNode) -> None:
        stack = [expression]
        while stack:
            node = stack.pop()
            self.anchors[id(node)] = (node, at)
            stack.extend(child_nodes(node))

    def __getitem__(self, node: cst.CSTNode) -> Any:
        try:
            return self.own[node]
        except KeyError:
            anchored = self.anchors.get(id(node))
            if anchored is not None and anchored[0] is node:
                return self[anchored[1]]
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


def set_eval_mode(model: Any) -> None:
    """`model.eval()`, as the convention runs it: `training` False on the model and every
    submodule (GoogLeNet's and Inception's auxiliary heads run only in training)."""
    set_training(model, False)


def trace_models(base: Interpreter, settings: Settings, path: str
                 ) -> Tuple[List[ModelTrace], List[NotBuilt]]:
    """The file's models (macslint.torchnn.entries), each built and traced; and its model
    classes and factories no model builds, with why."""
    if not base.classes and not settings.builds and not base.constructions and not any(
            isinstance(v, UserFunction) for v in base.module_snapshot.values()):
        return [], []
    tracer = ModelInterpreter(base)
    declared, replaced = declared_entries(tracer, settings, path)
    entries: List[ModelEntry] = []
    for cls in base.classes:
        if cls.scope.kind == "module" and tracer.is_module_class(cls) and \
                tracer.standalone(cls) and cls.name not in replaced:
            pragma, _, error = class_pragma(tracer, cls.node, path)
            entries.append(ModelEntry(cls.name, cls.node, "class", cls, pragma, error))
    for function in base.module_snapshot.values():
        if isinstance(function, UserFunction) and function.scope.kind == "module" and \
                function.name not in replaced and tracer.factory(function):
            pragma, _, error = class_pragma(tracer, function.node, path)
            entries.append(ModelEntry(function.name, function.node, "factory", function, pragma,
                                      error))
    entries.extend(declared)
    entries.sort(key=lambda e: tracer.positions[e.node].start.line)
    traces = _trace_entries(tracer, entries, settings, path)
    if settings.discover_constructions and tracer.constructions:
        # Not inside a model class (its blocks) or a factory traced as a model.
        inside = [c.node for c in base.classes if tracer.is_module_class(c)]
        inside += [e.node for e, t in zip(entries, traces) if e.kind == "factory" and t is not None]
        found = construction_entries(tracer, path, inside)
        traces += _trace_entries(tracer, found, settings, path)
        entries += found
    models = [t for t in traces if t is not None]
    return models, _not_built(tracer, entries, settings, path)


def _trace_entries(tracer: ModelInterpreter, entries: List[ModelEntry], settings: Settings,
                   path: str) -> List[Optional[ModelTrace]]:
    """Each entry's trace (None: a factory that returns no model), in order."""
    traces: List[Optional[ModelTrace]] = []
    for entry in entries:
        if settings.trace_only is not None and settings.trace_only not in (entry.name, entry.built):
            traces.append(None)  # report --model: the others would be thrown away
            continue
        try:
            traces.append(tracer.trace_model(entry, settings, path))
        except Exception as exc:  # noqa: BLE001 - a bug of ours loses this model, not the file
            start = tracer.positions[entry.node].start
            trace = ModelTrace(entry.name, start.line, start.column + 1, settings)
            text = " ".join(str(exc).split())[:200]
            trace.internal_error = f"{type(exc).__name__}: {text}"
            trace.reasons.append(f"internal error while tracing: {trace.internal_error}")
            traces.append(trace)
    return traces


def _not_built(tracer: ModelInterpreter, entries: List[ModelEntry],
               settings: Settings, path: str) -> List[NotBuilt]:
    """The file's model classes no entry builds (and that no built model holds as a part),
    and its factories whose result is not known: each with why, and how to declare it."""
    built = {id(e.target) for e in entries}
    parts = tracer.part_classes
    found: List[NotBuilt] = []
    for cls in tracer.classes:
        if cls.scope.kind != "module" or not tracer.is_module_class(cls) or \
                id(cls) in built or id(cls) in parts:
            continue
        start = tracer.positions[cls.node].start
        required = required_parameters(tracer.find_method(cls, "__init__"), 1)
        if required:
            arguments = ", ".join(required)
            example = ", ".join(f"{a}=..." for a in required)
            reason = (f"needs constructor arguments {arguments}: declare a construction, "
                      f"e.g. `# macslint: build={cls.name}({example})` on its class line")
        else:
            reason = "not built"
        comment = header_comment(cls.node)
        declared = (comment is not None and PRAGMA_RE.search(comment) is not None) \
            or any(name == cls.name for name, _ in settings.models)
        error = class_pragma(tracer, cls.node, path)[2] if declared else None
        found.append(NotBuilt(cls.name, start.line, start.column + 1, reason, declared, error))
    for entry, reason in tracer.unfollowed.values():
        start = tracer.positions[entry.node].start
        found.append(NotBuilt(entry.name, start.line, start.column + 1,
                              f"{entry.name}() returns a value macslint cannot follow: {reason}"))
    return sorted(found, key=lambda n: (n.line, n.col))


def _walk_names(node: cst.CSTNode) -> Iterator[cst.Name]:
    """The names a function body reads, in order (not into nested functions or classes)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Name):
            yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            continue
        pending.extend(reversed(list(current.children)))
