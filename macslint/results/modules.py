"""A traced model as a tree of modules: each row of its table in the order forward() ran it,
and each module's totals, as torch's FlopCounterMode attributes them (a module's MACs are
those of every layer call and op in its forward(), its submodules' included)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from .traces import LayerCall, ModelTrace, OpCall

Shape = Tuple[int, ...]


@dataclass(frozen=True)
class ModuleRow:
    """One row of a model's table: a module holding others (`kind` its class), a layer
    call, or an op of a forward() (a matrix product), at its depth below the model (1: the
    model's own children)."""

    path: str  # as torch's named_modules() names it; "" for the model's own op
    depth: int
    kind: str
    label: str  # the last part of the path; "(not registered)"; "(matmul, line 12)"
    params: Optional[int]
    macs: Optional[int]  # a module's: its total; None where a call under it is not traced
    input: Optional[Shape] = None
    output: Optional[Shape] = None
    inputs: Tuple[Shape, ...] = ()  # an op's operands
    container: bool = False
    call: Optional[LayerCall] = None
    op: Optional[OpCall] = None


def _ancestors(path: str) -> List[str]:
    """"a.b.c" -> ["a", "a.b"]: the modules a call at `path` runs inside."""
    parts = path.split(".") if path else []
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def module_macs(model: ModelTrace) -> Dict[str, Optional[int]]:
    """The MACs of each module holding others (`model.containers`) and of the model ("");
    None where a layer call under it is not traced."""
    totals: Dict[str, Optional[int]] = {path: 0 for path in model.containers}
    totals[""] = 0

    def add(path: str, macs: Optional[int]) -> None:
        if path in totals:
            total = totals[path]
            totals[path] = None if total is None or macs is None else total + macs

    for call in model.calls:
        for path in ["", *_ancestors(call.path)]:
            add(path, call.macs)
    for op in model.ops:
        for path in ["", *_ancestors(op.path), *([op.path] if op.path else [])]:
            add(path, op.macs)
    return totals


def module_rows(model: ModelTrace) -> List[ModuleRow]:
    """The model's table, every row at every depth: each module holding others before the
    first call in it, then the layer calls and ops in the order they ran."""
    totals = module_macs(model)
    rows: List[ModuleRow] = []
    shown: set = set()

    def open_modules(paths: List[str]) -> None:
        for path in paths:
            if path in shown or path not in model.containers:
                continue
            shown.add(path)
            kind, params = model.containers[path]
            rows.append(ModuleRow(path, path.count(".") + 1, kind, path.rsplit(".", 1)[-1],
                                  params, totals.get(path), container=True))

    def add_op(op: OpCall) -> None:
        open_modules([*_ancestors(op.path), *([op.path] if op.path else [])])
        depth = op.path.count(".") + 2 if op.path else 1
        rows.append(ModuleRow(op.path, depth, op.op, f"({op.op}, line {op.line})", 0, op.macs,
                              output=tuple(op.output), inputs=tuple(map(tuple, op.inputs)),
                              op=op))

    ops = sorted(model.ops, key=lambda op: op.after)  # (stable: in the order they ran)
    next_op = 0
    for index, call in enumerate(model.calls):
        while next_op < len(ops) and ops[next_op].after <= index:
            add_op(ops[next_op])
            next_op += 1
        open_modules(_ancestors(call.path))
        rows.append(ModuleRow(
            call.path, call.path.count(".") + 1, call.kind,
            call.path.rsplit(".", 1)[-1] if call.path else "(not registered)",
            call.params, call.macs,
            input=tuple(call.inputs[0]) if call.inputs else None,
            output=tuple(call.output) if call.output is not None else None, call=call))
    for op in ops[next_op:]:
        add_op(op)
    return rows


def merged(rows: List[ModuleRow]) -> List[Tuple[ModuleRow, Optional[int]]]:
    """Each module of `rows` once, in the order it first ran, with its MACs (a layer called
    twice: its calls' together; a module holding others: its row's total already), and the
    ops of one forward() once per op, together."""
    found: Dict[Tuple[str, str], List[Any]] = {}
    for row in rows:
        key = ("op", f"{row.path}:{row.kind}") if row.op is not None else ("module", row.path)
        if key not in found:
            found[key] = [row, row.macs]
        elif not row.container:
            known = found[key][1]
            found[key][1] = None if known is None or row.macs is None else known + row.macs
    return [(row, macs) for row, macs in found.values()]


def top_modules(model: ModelTrace) -> Dict[str, Tuple[str, Optional[int], Optional[int]]]:
    """The model's own modules (depth 1) in the order they first ran, each with its kind,
    params and MACs, and the ops of its own forward() by op ("(matmul in forward())"):
    where its cost goes, one level down."""
    return {(f"({row.kind} in forward())" if row.op is not None else row.label):
            (row.kind, row.params, macs)
            for row, macs in merged([row for row in module_rows(model) if row.depth == 1])}
