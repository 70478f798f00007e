"""Comprehensions (list, set, dict, generator): read once with their variables unknown when
a file is read, run item by item when code runs (evaluator.policy); and the `yield`s of a
generator function run by a model (`yielded`: the runs' items, set up by the runtime's
call_function). Mixed into the interpreter."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import libcst as cst

from .operators import MAX_SEQUENCE
from .scope import Scope
from .syntax import assigned_names
from .values import Unknown


class Comprehensions:
    """The comprehension forms of the interpreter (evaluator.interpreter)."""

    # the items (and why they are not known) of the generator functions running
    yielded: List[Tuple[List[Any], List[Unknown]]]

    def eval_ListComp(self, node: cst.ListComp, scope: Scope) -> Any:
        return self.eval_comprehension(node, scope, [node.elt])

    eval_SetComp = eval_GeneratorExp = eval_ListComp

    def eval_DictComp(self, node: cst.DictComp, scope: Scope) -> Any:
        return self.eval_comprehension(node, scope, [node.key, node.value])

    def eval_comprehension(self, node: cst.CSTNode, scope: Scope, parts: Sequence[cst.CSTNode]) -> Any:
        if self.policy.runs:
            return self.run_comprehension(node, scope, parts)
        inner = Scope("function", scope)
        comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
        first = True
        while comp is not None:
            # The first iterable is evaluated in the enclosing scope, the rest inside.
            self.eval(comp.iter, scope if first else inner)
            first = False
            for name in assigned_names(comp.target):
                inner.local_names.add(name)
                inner.values[name] = Unknown(f"'{name}' is a comprehension variable")
            for condition in comp.ifs:
                self.eval(condition.test, inner)
            comp = comp.inner_for_in
        for part in parts:
            self.eval(part, inner)
        unknown = Unknown("a comprehension is not evaluated")  # at module level: run when read
        return self.defer(unknown, node, scope, direct=True) or unknown  # type: ignore[attr-defined]

    def run_comprehension(self, node: cst.CSTNode, scope: Scope,
                          parts: Sequence[cst.CSTNode]) -> Any:
        """A comprehension run item by item: its value, or Unknown."""
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
            items = self.iterate(self.eval(comp.iter, scope if first else inner), comp.iter)
            if isinstance(items, Unknown):
                failed.append(items)
                return
            for item in items:
                self.tick()
                for name in assigned_names(comp.target):
                    inner.local_names.add(name)
                self.assign_target(inner, comp.target, item)
                if all(self.truth(self.eval(c.test, inner)) is True for c in comp.ifs):
                    run(comp.inner_for_in, False)

        run(comp, True)
        if failed:
            self.note(f"the comprehension {self.where(node)} is not followed: {failed[0].reason}")
            return Unknown(f"a comprehension over a value that is not known: {failed[0].reason}")
        if isinstance(node, cst.DictComp):
            return {k: v for k, v in results}
        if isinstance(node, cst.SetComp):
            return self.make_set([r[0] for r in results], set)
        return [r[0] for r in results]

    def eval_Yield(self, node: cst.Yield, scope: Scope) -> Any:
        """A generator function is run to its end when called, its yields kept in order: the
        items its caller iterates. (Its body and the caller's loop do not interleave: a
        generator reading what the loop over it changes is not told apart.)"""
        if not self.yielded:  # reading a file: the layers built in it
            self.eval_children(node, scope)  # type: ignore[attr-defined]
            return Unknown("a `yield` outside a generator that runs")
        items, problems = self.yielded[-1]
        if isinstance(node.value, cst.From):
            values = self.iterate(  # type: ignore[attr-defined]
                self.eval(node.value.item, scope), node.value.item)
            if isinstance(values, Unknown):  # how many items: not known
                problems.append(Unknown(f"`yield from` {self.where(node.value.item)}: "
                                        f"{values.reason}"))
            else:
                items.extend(values)
        else:
            items.append(None if node.value is None else self.eval(node.value, scope))
        if len(items) > MAX_SEQUENCE:
            problems.append(Unknown("a generator yields too many items to follow"))
