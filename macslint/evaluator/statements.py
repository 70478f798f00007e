"""The interpreter's statements: blocks, assignments, imports, definitions, branches, loops
and `try`, under the WALK or RUN policy (evaluator.policy). Mixed into evaluator.Interpreter."""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .library import library_of
from .optional_imports import (
    catching_handler, is_not_installed, optional_imports, raised_import_errors,
)
from .records import AttrsView, Record
from .scope import Scope
from .collection_values import DefaultDict
from .effects import changes_in
from .syntax import (
    assigned_names, breaks_out, declared_names, dotted, handler, handler_of, names_bound_in,
)
from .values import (
    ENVIRONMENT, IN_PLACE, MISSING, PLAIN, STDLIB_HELPERS, TYPING_ABCS, BreakSignal, ContinueSignal, LazyImport, PyBuiltin,
    PyModule, RaiseSignal, ReturnSignal, UncertainLoopSignal, Unknown, UserClass, UserFunction,
    holds, lists_in, resolved, same_value,
)


class Statements:
    """The statement half of evaluator.interpreter.Interpreter (one class, two files)."""

    def walk_block(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            self.walk_stmt(stmt, scope)

    def walk_body(self, node: cst.BaseSuite, scope: Scope) -> None:
        self.walk_block(node.body, scope)

    def stmt_SimpleStatementLine(self, stmt: cst.SimpleStatementLine, scope: Scope) -> None:
        self.walk_block(stmt.body, scope)

    stmt_SimpleStatementSuite = stmt_SimpleStatementLine
    stmt_IndentedBlock = stmt_SimpleStatementLine

    def stmt_Assign(self, stmt: cst.Assign, scope: Scope) -> None:
        value = self.eval(stmt.value, scope)
        for target in stmt.targets:
            self.bind_target(scope, target.target, value)

    def stmt_AnnAssign(self, stmt: cst.AnnAssign, scope: Scope) -> None:
        self.eval(stmt.annotation.annotation, scope)
        if stmt.value is not None:
            self.bind_target(scope, stmt.target, self.eval(stmt.value, scope))

    def stmt_Del(self, stmt: cst.Del, scope: Scope) -> None:
        targets = ([e.value for e in stmt.target.elements]
                   if isinstance(stmt.target, (cst.Tuple, cst.List)) else [stmt.target])
        for target in targets:
            if isinstance(target, cst.Subscript) and self.delete_item(target, scope):
                continue
            if not isinstance(target, cst.Name):
                self.mutate_target(target, scope)
        self.invalidate(scope, assigned_names(stmt.target), "was deleted")

    def delete_item(self, target: cst.Subscript, scope: Scope) -> bool:
        """`del d[key]`, `del items[i]` running on one path (no condition not known around
        it): done, as Python does it; False where it is not followed that way."""
        if not self.policy.runs or self.forks or self.uncertain or len(target.slice) != 1 \
                or not isinstance(target.slice[0].slice, cst.Index):
            return False
        base = self.eval(target.value, scope)
        key = self.eval(target.slice[0].slice.value, scope)
        if type(base) is dict and isinstance(key, (str, int)) and key in base:
            del base[key]
            return True
        if type(base) is list and type(key) is int and -len(base) <= key < len(base):
            del base[key]
            return True
        return False

    def stmt_Import(self, stmt: cst.Import, scope: Scope) -> None:
        for alias in stmt.names:
            path = dotted(alias.name)
            if alias.asname is not None:
                name = dotted(alias.asname.name)
                library = library_of(path)
                value = library.module(path) if library is not None else \
                    PyModule(path) if path in STDLIB_HELPERS else \
                    self.project_module(path) or \
                    Unknown(f"'{name}' is the module {path}, not torch")
            else:
                name = path.split(".")[0]
                library = library_of(name)
                value = library.module(name) if library is not None else \
                    PyModule(name) if path in STDLIB_HELPERS else \
                    path == name and self.project_module(path) or \
                    Unknown(f"'{name}' is a module other than torch")
            self.bind(scope, name, value)

    def stmt_ImportFrom(self, stmt: cst.ImportFrom, scope: Scope) -> None:
        source = dotted(stmt.module) if stmt.module is not None else ""
        library = library_of(source) if not stmt.relative else None
        if isinstance(stmt.names, cst.ImportStar):
            if library is not None:
                for name, value in library.star(source).items():
                    self.bind(scope, name, value)
            elif self.loader is not None and self.path is not None:
                star = self.loader.star_import(self, source, len(stmt.relative), self.path,
                                               scope.values)
                for name, value in star.items():
                    # A name already bound is read now: the same value is no rebinding (not
                    # in a file read for its names only: it is never settled, see run()).
                    eager = name in scope.values and not self.names_only
                    self.bind(scope, name, resolved(value) if eager else value)
            return
        for alias in stmt.names:
            name = dotted(alias.name)
            local = dotted(alias.asname.name) if alias.asname is not None else name
            if library is not None:
                self.bind(scope, local, library.module(f"{source}.{name}"))
            elif not stmt.relative and source == "os" and name == "environ":
                self.bind(scope, local, ENVIRONMENT)
            elif not stmt.relative and name in STDLIB_HELPERS.get(source, ()):
                self.bind(scope, local, PyBuiltin(f"{source}.{name}"))
            elif source == "typing" and name in TYPING_ABCS:  # `isinstance(x, Sequence)`
                self.bind(scope, local, PyBuiltin(f"collections.abc.{name}"))
            else:
                self.bind(scope, local, self.project_import(source, len(stmt.relative), name))

    def project_import(self, source: str, level: int, name: str) -> Any:
        """`from <source> import <name>`: read from <source> when it is a file of the analysed
        project, the first time the name is used (importing is cheap, reading is not)."""
        if self.loader is None or self.path is None:
            return Unknown(f"'{name}' is imported from {'.' * level + source}")
        return LazyImport(self, source, level, name)

    def project_module(self, path: str) -> Any:
        """`import blocks as b`, `import pkg.blocks as b`: the project file, or None."""
        if self.loader is None or self.path is None or self.loader.find(path, 0, self.path) is None:
            return None
        parent, _, leaf = path.rpartition(".")
        return self.project_import(parent, 0, leaf)

    def resolve_import(self, source: str, level: int, name: str) -> Any:
        found, value = self.loader.import_name(source, level, name, self.path)
        if not found:
            return Unknown(f"'{name}' is imported from {'.' * level + source}")
        return resolved(value)

    def stmt_Global(self, stmt: cst.CSTNode, scope: Scope) -> None:
        return None

    stmt_Nonlocal = stmt_Global

    def stmt_FunctionDef(self, stmt: cst.FunctionDef, scope: Scope) -> None:
        for decorator in stmt.decorators:
            self.decorated(decorator, self.eval(decorator.decorator, scope), scope,
                           stmt.name.value)
        defaults = self.eval_parameters(stmt.params, scope)
        if stmt.returns is not None:
            self.eval(stmt.returns.annotation, scope)
        function = UserFunction(stmt.name.value, stmt, scope.origin, defaults)
        self.defined(function)
        self.bind(scope, stmt.name.value, function)
        self.pending_functions.append((stmt, scope.origin))

    def defined(self, function: UserFunction) -> None:
        self.functions.append((function, self.user_calls))

    def stmt_ClassDef(self, stmt: cst.ClassDef, scope: Scope) -> None:
        decorators = [self.eval(decorator.decorator, scope) for decorator in stmt.decorators]
        for decorator, value in zip(stmt.decorators, decorators):
            self.decorated(decorator, value, scope, stmt.name.value)
        bases = tuple(self.eval(arg.value, scope) for arg in stmt.bases)
        for arg in stmt.keywords:
            self.eval(arg.value, scope)
        body_scope = Scope("class", scope)
        self.walk_body(stmt.body, body_scope)
        value = UserClass(stmt.name.value, stmt, scope.origin, bases, body_scope)
        self.class_made(value, stmt, decorators)  # dataclasses, namedtuples (record_calls)
        self.classes.append(value)
        self.bind(scope, stmt.name.value, value)

    def fork(self, scope: Scope) -> Scope:
        copy = Scope(scope.kind, scope.parent, scope.local_names, scope.deferred)
        copy.volatile = scope.volatile
        copy.params = scope.params
        copy.values = dict(scope.values)
        copy.origin = scope.origin
        return copy

    def stmt_With(self, stmt: cst.With, scope: Scope) -> None:
        for item in stmt.items:
            self.eval(item.item, scope)
            if item.asname is not None:
                self.bind_target(scope, item.asname.name, Unknown("bound by a with statement"))
        self.walk_body(stmt.body, scope)

    def stmt_Match(self, stmt: cst.CSTNode, scope: Scope) -> None:
        self.eval(stmt.subject, scope)  # type: ignore[attr-defined]
        cases = stmt.cases  # type: ignore[attr-defined]
        branches = [lambda s, c=c: self.walk_match_case(c, s) for c in cases]
        branches.append(lambda s: None)
        self.run_branches(scope, branches)

    def walk_match_case(self, case: cst.CSTNode, scope: Scope) -> None:
        self.invalidate(scope, names_bound_in([case.pattern]).names, "is bound by a pattern")
        if case.guard is not None:
            self.eval(case.guard, scope)
        self.walk_body(case.body, scope)

    def function_locals(self, node: cst.FunctionDef) -> Set[str]:
        """The names local to a function: its parameters and what its body binds, except
        `global` / `nonlocal` names (the body's walk is cached, see names_bound_in)."""
        collected = names_bound_in([node.body])
        return (collected.names | self.param_names(node.params)) - collected.declared

    def walk_function(self, node: cst.FunctionDef, parent: Scope) -> None:
        scope = Scope("function", parent, self.function_locals(node), deferred=True)
        if "nonlocal" in self.source:
            scope.volatile = declared_names(node.body, cst.Nonlocal) & scope.local_names
        scope.params = set(self.param_names(node.params))
        for name in scope.params:
            scope.values[name] = Unknown(f"'{name}' is a parameter of {node.name.value}()")
        self.walk_body(node.body, scope)
        scope.settle()  # what the functions nested in it, which run later, may rely on

    # -- branches of a condition that is not known --------------------------
    def write(self, table: Dict[str, Any], name: str, value: Any, label: str = "") -> None:
        """Set a name in a scope or class other than the running branch's own copy: a branch of
        a condition that is not known logs what it had, to undo and merge the write after."""
        if self.branch_writes:
            self.branch_writes[-1].setdefault(
                (id(table), name), (table, name, table.get(name, MISSING), label or name))
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
        except (ReturnSignal, RaiseSignal, BreakSignal, ContinueSignal) as exc:
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
            writes[key] = (table, name, before, label, table.get(name, MISSING))
            if before is MISSING:
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
            if all(v is not MISSING and same_value(v, first) for v in values):
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

    def run_branches(self, scope: Scope, branches: Sequence[Callable[[Scope], None]],
                     condition: Optional[cst.CSTNode] = None, because: str = "") -> None:
        """Run alternative blocks from the same state; a name keeps a value after them only
        if every branch that ends normally leaves it with that same value. A branch that
        raises is left out; if every branch returns, the call returns."""
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
                if isinstance(signal, (BreakSignal, ContinueSignal)):
                    # which passes of the loop run depends on the condition
                    raise UncertainLoopSignal()
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
            raise ReturnSignal(first if all(same_value(v, first) for v in returned)
                               else Unknown("the value returned depends on a condition"))
        if returned:
            self.note(f"a `return` depends on the condition {self.where(condition)}, which is "
                      f"not known{': ' + because if because else ''}" if condition is not None else
                      "a `return` depends on a condition that is not known")
        names = set().union(*outcomes)
        for name in names:
            values = [o.get(name, MISSING) for o in outcomes]
            first = values[0]
            if all(v is not MISSING and (v is first or same_value(v, first)) for v in values):
                self.bind(scope, name, first)  # (an Unknown no branch touched keeps its reason)
            else:
                self.bind(scope, name, Unknown(f"'{name}' depends on which branch ran"))
        # `global` / `nonlocal` names and class attributes the branches set, merged the same
        # way; last, over the branches' copies of a scope a `nonlocal` wrote
        self.merge_writes(written)

    # -- statements -------------------------------------------------------
    def walk_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        self.tick()
        method = handler(type(self), "stmt_", type(stmt))
        if method is not None:
            method(self, stmt, scope)
        else:
            self.eval_children(stmt, scope)

    def stmt_Return(self, stmt: cst.Return, scope: Scope) -> None:
        if not self.policy.runs:
            self.eval_children(stmt, scope)
            return
        raise ReturnSignal(None if stmt.value is None else self.eval(stmt.value, scope))

    def stmt_Raise(self, stmt: cst.Raise, scope: Scope) -> None:
        if not self.policy.runs:
            self.eval_children(stmt, scope)
            return
        raise RaiseSignal(f"`{self.code(stmt)}` is reached ({self.place(stmt)})")

    def stmt_Assert(self, stmt: cst.Assert, scope: Scope) -> None:
        if not self.policy.runs:
            self.eval_children(stmt, scope)
            return
        test = self.truth(self.eval(stmt.test, scope))
        if test is False:
            raise RaiseSignal(f"`{self.code(stmt)}` fails ({self.place(stmt)})")

    def stmt_Break(self, stmt: cst.Break, scope: Scope) -> None:
        if self.policy.runs:
            raise BreakSignal()

    def stmt_Continue(self, stmt: cst.Continue, scope: Scope) -> None:
        if self.policy.runs:
            raise ContinueSignal()

    def condition(self, value: Any) -> Any:
        """The truth of a condition: True, False, or Unknown when it cannot be told."""
        if self.policy.runs:
            return self.truth(value)
        if not isinstance(value, Unknown) and isinstance(value, PLAIN):
            return bool(value)
        return Unknown("a condition that is not constant")

    def stmt_If(self, stmt: cst.If, scope: Scope) -> None:
        test = self.condition(self.eval(stmt.test, scope))
        orelse = stmt.orelse
        branches: List[Callable[[Scope], None]] = [lambda s: self.walk_body(stmt.body, s)]
        if isinstance(orelse, cst.If):
            branches.append(lambda s: self.stmt_If(orelse, s))
        elif isinstance(orelse, cst.Else):
            branches.append(lambda s: self.walk_body(orelse.body, s))
        else:
            branches.append(lambda s: None)
        if not isinstance(test, Unknown):
            # A known condition: only the branch Python takes runs. Reading a file, the other
            # one is still read for layer constructions, with its bindings thrown away.
            taken, skipped = (branches[0], branches[1]) if test else (branches[1], branches[0])
            if self.policy.reads_skipped_branches:
                self.skipping += 1
                try:
                    skipped(self.fork(scope))
                finally:
                    self.skipping -= 1
            taken(scope)
            return
        # While building, what a branch does to the model is noted where it does it (an
        # attribute, a container, a list set under the condition); in forward() any
        # unknown branch may change which layers run.
        if self.tracing:
            self.note(f"the condition {self.where(stmt.test)} is not known: {test.reason}")
        self.run_branches(scope, branches, stmt.test, test.reason)

    def run_loop_body(self, body: cst.BaseSuite, scope: Scope) -> bool:
        """One pass of a loop body; False when it `break`s. UncertainLoopSignal when whether
        it does depends on a condition that is not known."""
        try:
            self.walk_body(body, scope)
        except BreakSignal:
            return False
        except ContinueSignal:
            pass
        return True

    def walk_uncertain_body(self, body: cst.BaseSuite, scope: Scope) -> None:
        """A loop body walked once for any number of passes: a `break` or `continue` in it
        ends only this walk."""
        try:
            self.walk_body(body, scope)
        except (BreakSignal, ContinueSignal, UncertainLoopSignal):
            pass

    def loop(self, scope: Scope, body: Sequence[cst.CSTNode], run: Callable[[], None]) -> None:
        # The body may run any number of times: what it assigns is unknown in it and after,
        # and so is a defaultdict it reads by key (a read may add the key).
        self.invalidate(scope, names_bound_in(body).names, "changes in a loop")
        for name in {n for b in body for n in changes_in(b).subscripted}:
            if isinstance(scope.lookup(name), DefaultDict):
                self.mutated(scope, scope.lookup(name))
        self.uncertain += 1
        self.unfollowed_loops += 1
        try:
            run()
        finally:
            self.uncertain -= 1
            self.unfollowed_loops -= 1
        self.invalidate(scope, names_bound_in(body).names, "changes in a loop")

    def stmt_For(self, stmt: cst.For, scope: Scope) -> None:
        if self.policy.runs:
            items = self.iterate(self.eval(stmt.iter, scope), stmt.iter)
            if not isinstance(items, Unknown):
                try:
                    for item in items:
                        self.bind_target(scope, stmt.target, item)
                        if not self.run_loop_body(stmt.body, scope):
                            return
                except UncertainLoopSignal:
                    items = Unknown("whether it stops (`break`) or skips (`continue`) depends "
                                    "on a condition that is not known")
                else:
                    if stmt.orelse is not None:
                        self.walk_body(stmt.orelse.body, scope)
                    return
            self.note(f"the loop over {self.where(stmt.iter)} is not followed: {items.reason}")
        items = self.module_loop_items(stmt, scope)  # module-level code runs once: its loops
        if items is None and self.defer_module_loop(stmt, scope):
            return  # run when a model reads what it changes
        if items is not None:
            for item in items:
                self.bind_target(scope, stmt.target, item)
                self.walk_body(stmt.body, scope)
            return
        # Walked once for any number of passes (when running: the iterable is read again).
        self.forget_changed_items(stmt, self.eval(stmt.iter, scope), scope)

        def run() -> None:
            self.invalidate(scope, assigned_names(stmt.target), "is a loop variable")
            self.walk_uncertain_body(stmt.body, scope)

        self.loop(scope, [stmt.body], run)
        self.invalidate(scope, assigned_names(stmt.target), "is a loop variable")
        self.loop_else(stmt, scope)

    def stmt_While(self, stmt: cst.While, scope: Scope) -> None:
        if self.policy.runs:
            while True:
                test = self.truth(self.eval(stmt.test, scope))
                if isinstance(test, Unknown):
                    self.note(f"the loop `while {self.code(stmt.test)}` ({self.place(stmt)}) "
                              f"is not followed: {test.reason}")
                    break
                if not test:
                    if stmt.orelse is not None:
                        self.walk_body(stmt.orelse.body, scope)
                    return
                try:
                    if not self.run_loop_body(stmt.body, scope):
                        return
                except UncertainLoopSignal:
                    self.note(f"the loop `while {self.code(stmt.test)}` ({self.place(stmt)}) "
                              f"is not followed: whether it stops (`break`) or skips "
                              f"(`continue`) depends on a condition that is not known")
                    break

        def run() -> None:
            self.eval(stmt.test, scope)
            self.walk_uncertain_body(stmt.body, scope)

        self.loop(scope, [stmt.body], run)
        self.loop_else(stmt, scope)

    def loop_else(self, stmt: Union[cst.For, cst.While], scope: Scope) -> None:
        """A loop's `else` after a loop not followed: it runs unless a `break` ended the loop,
        so with a `break` in the body it is one of two branches."""
        if stmt.orelse is None:
            return
        orelse = stmt.orelse.body
        if breaks_out(stmt.body):
            self.run_branches(scope, [lambda fork: self.walk_body(orelse, fork), lambda fork: None])
        else:
            self.walk_body(orelse, scope)

    def stmt_Try(self, stmt: cst.Try, scope: Scope) -> None:
        if self.policy.runs:
            # Running, one path: a `raise` reached in the body is what a handler would catch.
            try:
                self.walk_body(stmt.body, scope)
                if stmt.orelse is not None:
                    self.walk_body(stmt.orelse.body, scope)
            except RaiseSignal as exc:
                handler = handler_of(stmt, exc.kind)
                if handler is None:
                    raise  # no handler catches it: the exception goes on
                if handler is MISSING:
                    self.note(f"an exception caught by `try` ({self.place(stmt)}): {exc}")
                else:  # timm's `try: act(inplace=...) except TypeError: act()`
                    if exc.undo is not None:
                        exc.undo()
                    if handler.name is not None and isinstance(handler.name.name, cst.Name):
                        self.bind(scope, handler.name.name.value,
                                  Unknown(f"the exception caught at {self.place(handler)}"))
                    self.walk_body(handler.body, scope)
            finally:
                if stmt.finalbody is not None:
                    self.walk_body(stmt.finalbody.body, scope)
            return
        # Any statement of the body may be the one that raised: what it binds is unknown
        # in the handlers and after the whole statement.
        blocks: List[cst.CSTNode] = [stmt.body, *stmt.handlers]
        if stmt.orelse is not None:
            blocks.append(stmt.orelse)
        bound = names_bound_in(blocks).names
        if self.try_import_fails(stmt, scope) or self.try_import_succeeds(stmt, scope):
            return
        self.uncertain += 1  # it may stop at any statement
        try:
            self.walk_body(stmt.body, scope)
        finally:
            self.uncertain -= 1
        if stmt.orelse is not None:
            self.walk_body(stmt.orelse.body, scope)
        for caught in stmt.handlers:
            fork = self.fork(scope)
            self.invalidate(fork, bound, "may or may not be assigned when an exception is caught")
            if caught.type is not None:
                self.eval(caught.type, fork)
            self.walk_body(caught.body, fork)
        self.invalidate(scope, bound, "depends on whether an exception was raised" +
                        self.optional_import_hint(stmt))
        if stmt.finalbody is not None:
            self.walk_body(stmt.finalbody.body, scope)

    stmt_TryStar = stmt_Try

    def try_import_fails(self, stmt: cst.Try, scope: Scope) -> bool:
        """A `try` whose body certainly raises an ImportError (a module the settings declare
        not installed): the body up to there, then the handler that catches it, both run
        (evaluator.optional_imports). False, having run nothing, where that is not certain."""
        raised = raised_import_errors(stmt.body.body, self.not_installed)
        if raised is None:
            return False
        handler = catching_handler(stmt.handlers, raised, scope.values.keys() |
                                   (self.module_scope.values.keys() if self.module_scope else set()))
        if handler is None:
            return False
        self.uncertain += 1  # where in the body it stops is not followed
        try:
            self.walk_body(stmt.body, scope)
        finally:
            self.uncertain -= 1
        self.invalidate(scope, names_bound_in([stmt.body]).names,
                        "may or may not be assigned before an import of a module not "
                        "installed raised")
        if handler.type is not None:
            self.eval(handler.type, scope)
        self.walk_body(handler.body, scope)
        if stmt.finalbody is not None:
            self.walk_body(stmt.finalbody.body, scope)
        return True

    def optional_import_hint(self, stmt: cst.Try) -> str:
        """How to tell macslint that a module a `try` imports is not installed, for a module
        of neither the project, the standard library nor a library macslint knows."""
        for module in optional_imports(stmt.body.body):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or library_of(top) is not None or \
                    is_not_installed(module, self.not_installed):
                continue
            if self.loader is not None and self.path is not None and \
                    self.loader.find(module, 0, self.path) is not None:
                continue
            return (f" (whether `{module}` can be imported: if it is not installed where the "
                    f"model runs, say so with not-installed = [\"{top}\"] in [tool.macslint])")
        return ""

    def stmt_AugAssign(self, stmt: cst.AugAssign, scope: Scope) -> None:
        right = self.eval(stmt.value, scope)
        op = getattr(cst, type(stmt.operator).__name__.replace("Assign", ""), None)
        if not self.policy.runs:
            if isinstance(stmt.target, cst.Name):
                left = scope.lookup(stmt.target.value)
                value = self.binary(op, left, right)
                self.mutated(scope, left)  # `+=` changes a list in place, under every alias
                self.bind(scope, stmt.target.value, value)
            elif isinstance(stmt.target, cst.Attribute) and isinstance(
                    owner := self.eval(stmt.target.value, scope), Record):
                left = self.record_attribute(stmt.target, owner)  # `cfg.width += 8`
                self.record_set(owner, stmt.target.attr.value, self.binary(op, left, right),
                                stmt.target, scope)
            else:
                self.mutate_target(stmt.target, scope)
            return
        left = self.eval(stmt.target, scope)
        if isinstance(left, list) and op is cst.Add and self.forks == 0:
            items = self.iterate(right)
            if not isinstance(items, Unknown):
                left.extend(items)  # `+=` extends the list in place, under every alias
                return
        if self.set_augmented(op, left, right) is True:  # `s |= t`: in place (evaluator.sets)
            return
        value = self.augmented(stmt, op, left, right)
        if value is IN_PLACE:
            return
        if isinstance(stmt.target, cst.Name):
            if isinstance(left, list):
                self.forget(left, scope)
            self.bind(scope, stmt.target.value, value)
        else:
            self.bind_target(scope, stmt.target, value)

    def mutated(self, scope: Scope, value: Any) -> None:
        """`value` may have been changed in place: forget every name whose value holds one of
        its lists (aliases included), in this scope and the ones around it. (A branch Python
        does not take, read for its layers, changes nothing.)"""
        lists = [v for v in lists_in(value)]
        if not lists or self.skipping:
            return
        current: Optional[Scope] = scope
        while current is not None:
            for target in {id(current): current, id(current.origin): current.origin}.values():
                for name, held in list(target.values.items()):
                    if isinstance(held, Record):  # `self.sizes.append(3)`: its attribute too
                        for attr, item in list(held.attrs.items()):
                            if any(holds(item, lst) for lst in lists):
                                held.attrs[attr] = Unknown(f"'{name}.{attr}' is changed in place")
                    if any(holds(held, lst) for lst in lists):
                        kind = type(held).__name__ if isinstance(held, (dict, set)) else "list"
                        target.values[name] = Unknown(f"'{name}' is a {kind} changed in place")
                        target.rebound.add(name)
            current = current.parent

    def mutate_target(self, target: cst.BaseExpression, scope: Scope) -> None:
        """`x[i] = ...`, `x.a = ...`, `del x[i]`: evaluate the parts once (for layer calls in
        them) and forget the lists they change."""
        if isinstance(target, cst.Subscript):
            self.mutated(scope, self.eval(target.value, scope))
            for element in target.slice:
                self.eval_children(element, scope)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, scope)
            self.record_reassigned(owner, target, scope)
            if isinstance(owner, UserClass):  # `Cfg.width += 8`, `del Cfg.width`
                self.set_class_attribute(scope, owner, target.attr.value,
                                         Unknown(f"'{owner.name}.{target.attr.value}' is changed"))
            self.mutated(scope, owner)
        else:
            self.eval_children(target, scope)

    def set_class_attribute(self, scope: Scope, cls: "UserClass", name: str, value: Any) -> None:
        """`Cfg.width = 16` as the module runs (what the models start from): known only where it
        certainly runs (not in a branch of a condition that is not known, nor in a loop).
        Function bodies are walked after the models' snapshot, and run by the tracer."""
        if self.skipping or scope.kind == "function":
            return
        if scope is not scope.origin or self.uncertain:
            value = Unknown(f"'{cls.name}.{name}' is assigned under a condition or in a loop")
        cls.body.values[name] = value

    def invalidate(self, scope: Scope, names: Iterable[str], why: str) -> None:
        for name in names:
            self.bind(scope, name, Unknown(f"'{name}' {why}"))

    # -- binding ----------------------------------------------------------
    def bind(self, scope: Scope, name: str, value: Any) -> None:
        if self.policy.runs and scope.kind == "function" and name not in scope.local_names \
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
        if name in scope.volatile:
            value = Unknown(f"'{name}' may be rebound by a function nested in this one "
                            f"(`nonlocal {name}`)")
        if name in scope.values and not same_value(scope.values[name], value):
            scope.origin.rebound.add(name)
        scope.values[name] = value

    def bind_target(self, scope: Scope, target: cst.BaseExpression, value: Any) -> None:
        if self.policy.runs and isinstance(target, cst.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, Record):  # a config object (evaluator.record_calls)
                self.record_set(owner, target.attr.value, value, target, scope)
            else:
                self.set_attribute(owner, target.attr.value, value, target)
        elif self.policy.runs and isinstance(target, cst.Subscript):
            owner = self.eval(target.value, scope)
            key = self.eval(target.slice[0].slice.value, scope) if isinstance(owner, AttrsView) \
                and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index) else None
            if isinstance(owner, AttrsView) and isinstance(key, str):  # `self.__dict__[k] = v`
                self.record_set(owner, key, value, target, scope)
            else:
                self.set_item(owner, target, value, scope)
        elif not self.module_item_set(scope, target, value):  # (effects: module code runs once)
            self.assign_target(scope, target, value)

    def unpacked(self, value: Any, count: int, node: Optional[cst.CSTNode] = None) -> Any:
        """The items `a, b, ... = value` takes, as a list: a tuple's or list's, or what the
        iterate hook gives for a runtime value (a ModuleList's modules, a tensor's unbind);
        else None. `node`: the target, where iterating the value is done."""
        if isinstance(value, (tuple, list)):
            return list(value)
        if isinstance(value, (Unknown, str, range, dict, int, float, type(None))) or \
                not self.policy.runs:
            return None  # a long range or string is not listed to unpack it
        items = self.iterate(value, node)
        return items if isinstance(items, list) else None

    def assign_target(self, scope: Scope, target: cst.BaseExpression, value: Any) -> None:
        """Names, unpacking, and (reading a file) attributes and items a value is assigned to."""
        if isinstance(target, cst.Name):
            self.bind(scope, target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = self.unpacked(value, len(elements), target)
            stars = [i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)]
            if isinstance(items, list) and not stars and len(items) == len(elements):
                for element, item in zip(elements, items):
                    self.bind_target(scope, element.value, item)
            elif isinstance(items, list) and len(stars) == 1 and len(items) >= len(elements) - 1:
                star, after = stars[0], len(items) - (len(elements) - stars[0] - 1)
                for element, item in zip(elements, [*items[:star], items[star:after],
                                                    *items[after:]]):
                    self.bind_target(scope, element.value, item)  # `a, *rest = ...`
            else:
                reason = value if isinstance(value, Unknown) else Unknown(
                    "unpacked from a value of unknown length")
                for name in assigned_names(target):
                    self.bind(scope, name, reason)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(scope, target.value, Unknown("starred unpacking"))
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, UserClass):
                self.set_class_attribute(scope, owner, target.attr.value, value)
            elif isinstance(owner, Record):  # a config object (evaluator.record_calls)
                self.record_set(owner, target.attr.value, value, target, scope)
            else:
                self.mutated(scope, owner)
        else:
            self.mutate_target(target, scope)
