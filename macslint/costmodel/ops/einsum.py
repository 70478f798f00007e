"""torch.einsum: its output shape, torch's errors and its MACs as FlopCounterMode counts them.

torch 2.13 computes einsum (aten/src/ATen/native/Linear.cpp) by parsing the equation,
taking the diagonal of labels repeated on one operand, aligning every operand to
(output dims, contraction dims) with size-1 dims where a label is missing, then contracting
the operands pairwise: the first two, then that result with the next, and so on. Before
each pair, a contraction dim no other remaining operand has is summed out of the one
operand holding it; a pair sharing no dim left to sum is multiplied elementwise
(`aten.mul`, 0 MACs); otherwise it is one `aten.bmm` of (batch, left, summed) by
(batch, summed, right), which FlopCounterMode counts batch x left x summed x right MACs.
Only those bmm count: sums, diagonals, permutes are free.

The ORDER is an assumption: torch contracts left to right when `opt_einsum` is not
installed (or `torch.backends.opt_einsum.enabled` is False), and for 1 or 2 operands
always. With opt_einsum installed, torch asks it for a path for 3 operands or more, and
the count can be lower than macslint's. macslint models the left-to-right order (the one
of the reference venv, where `torch.backends.opt_einsum.is_available()` is False).

Not modelled: the sublist format `torch.einsum(a, [0, 1], b, [1, 2])` (not followed).
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

from ...units import format_shape
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .base import resolved, shapes_of

_LETTERS = 26
_ELLIPSIS = 2 * _LETTERS  # the code of "..." among the labels (A-Z: 0-25, a-z: 26-51)
_DOT, _COMMA, _SPACE = ord("."), ord(","), ord(" ")


def _is_letter(c: int) -> bool:
    return ord("A") <= c <= ord("Z") or ord("a") <= c <= ord("z")


def _subscript(c: int) -> int:
    return c - ord("A") if c <= ord("Z") else c - ord("a") + _LETTERS


def _label(s: int) -> str:
    return chr(s + ord("A")) if s < _LETTERS else chr(s - _LETTERS + ord("a"))


def _is_ellipsis(text: bytes, i: int) -> bool:
    """text[i] is a '.': whether "..." starts there, as torch tests it."""
    return i + 2 < len(text) and text[i + 1] == _DOT and text[i + 2] == _DOT


def _input_labels(lhs: bytes, count: int) -> List[List[int]]:
    labels: List[List[int]] = [[] for _ in range(count)]
    ellipsis, current, i = False, 0, 0
    while i < len(lhs):
        c = lhs[i]
        if c == _DOT:
            if ellipsis:
                raise LayerError(f"einsum(): found '.' for operand {current} for which an "
                                 f"ellipsis was already found")
            if not _is_ellipsis(lhs, i):
                raise LayerError(f"einsum(): found '.' for operand {current} that is not part "
                                 f"of any ellipsis")
            labels[current].append(_ELLIPSIS)
            ellipsis, i = True, i + 2
        elif c == _COMMA:
            current += 1
            if current >= count:
                raise LayerError("einsum(): fewer operands were provided than specified in the "
                                 "equation")
            ellipsis = False
        elif c != _SPACE:
            if not _is_letter(c):
                raise LayerError(f"einsum(): invalid subscript given at index {i} in the equation "
                                 f"string, subscripts must be in [a-zA-Z]")
            labels[current].append(_subscript(c))
        i += 1
    if current != count - 1:
        raise LayerError("einsum(): more operands were provided than specified in the equation")
    return labels


class _Layout:
    """Where each label and the ellipsis go in the aligned shape: output dims first
    (`out_dims` of them), then the contraction dims; `dims` in all."""

    def __init__(self, equation: bytes, arrow: int, labels: List[List[int]],
                 operands: Sequence[Shape]) -> None:
        self.count = [0] * _ELLIPSIS
        self.ellipsis_dims = 0  # the most dims any operand's ellipsis covers
        for i, (shape, names) in enumerate(zip(operands, labels)):
            named = len(names) - names.count(_ELLIPSIS)
            has_ellipsis = _ELLIPSIS in names
            for s in names:
                if s != _ELLIPSIS:
                    self.count[s] += 1
            if has_ellipsis:
                self.ellipsis_dims = max(self.ellipsis_dims, len(shape) - named)
            if named > len(shape) if has_ellipsis else named != len(shape):
                raise ShapeError(
                    f"einsum(): the number of subscripts in the equation ({named}) "
                    + ("is more than" if has_ellipsis else "does not match")
                    + f" the number of dimensions ({len(shape)}) for operand {i}"
                    + ("" if has_ellipsis else " and no ellipsis was given")
                    + f" (a {format_shape(shape)} tensor)")
        self.index = [-1] * _ELLIPSIS
        self.ellipsis_at, dims, in_output = 0, 0, False
        if arrow < 0:  # implicit output: the ellipsis, then the labels seen once, A-Z a-z
            dims, in_output = self.ellipsis_dims, True
            for s in range(_ELLIPSIS):
                if self.count[s] == 1:
                    self.index[s], dims = dims, dims + 1
        else:
            rhs, i = equation[arrow + 2:], 0
            while i < len(rhs):
                c = rhs[i]
                if c == _DOT:
                    if in_output:
                        raise LayerError("einsum(): found '.' for output but an ellipsis (...) "
                                         "was already found")
                    if not _is_ellipsis(rhs, i):
                        raise LayerError("einsum(): found '.' for output that is not part of "
                                         "any ellipsis (...)")
                    self.ellipsis_at, dims, in_output, i = dims, dims + self.ellipsis_dims, True, \
                        i + 2
                elif c != _SPACE:
                    if not _is_letter(c):
                        raise LayerError(f"einsum(): invalid subscript given at index "
                                         f"{arrow + 2 + i} in the equation string, subscripts "
                                         f"must be in [a-zA-Z]")
                    s = _subscript(c)
                    if self.count[s] == 0 or self.index[s] != -1:
                        raise LayerError(
                            f"einsum(): output subscript {chr(c)}" +
                            (" appears more than once in the output" if self.index[s] != -1
                             else " does not appear in the equation for any input operand"))
                    self.index[s], dims = dims, dims + 1
                i += 1
        self.out_dims = dims
        if not in_output:  # the ellipsis is summed over
            self.ellipsis_at, dims = dims, dims + self.ellipsis_dims
        for s in range(_ELLIPSIS):
            if self.count[s] and self.index[s] == -1:
                self.index[s], dims = dims, dims + 1
        self.dims = dims


def _aligned(layout: _Layout, labels: List[List[int]], operands: Sequence[Shape]
             ) -> Tuple[List[List[int]], List[int]]:
    """Each operand's shape aligned to the layout (size 1 where it lacks a label), checking
    the sizes; and per aligned dim, how many operands have it with a size other than 1."""
    sizes, ellipsis_sizes = [1] * _ELLIPSIS, [1] * layout.ellipsis_dims
    counts = [0] * layout.dims
    aligned = []
    for i, (shape, names) in enumerate(zip(operands, labels)):
        op = list(shape)
        where = [-1] * layout.dims  # aligned dim -> dim of op
        dim = 0
        for s in names:
            if s == _ELLIPSIS:
                covered = len(shape) - (len(names) - 1)
                for j in range(layout.ellipsis_dims - covered, layout.ellipsis_dims):
                    if op[dim] != 1:
                        if ellipsis_sizes[j] not in (1, op[dim]):
                            raise ShapeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}has "
                                f"size {op[dim]} which does not broadcast with previously seen "
                                f"ellipsis with size {ellipsis_sizes[j]} for the respective "
                                f"dimension")
                        ellipsis_sizes[j] = op[dim]
                        counts[layout.ellipsis_at + j] += 1
                    where[layout.ellipsis_at + j], dim = dim, dim + 1
            elif where[layout.index[s]] == -1:
                if op[dim] != 1:
                    if sizes[s] not in (1, op[dim]):
                        raise ShapeError(f"einsum(): subscript {_label(s)} has size {op[dim]} for "
                                         f"operand {i} which does not broadcast with previously "
                                         f"seen size {sizes[s]}")
                    sizes[s] = op[dim]
                    counts[layout.index[s]] += 1
                where[layout.index[s]], dim = dim, dim + 1
            else:  # a repeated label: its diagonal, in the place of the first
                first = where[layout.index[s]]
                if op[dim] != op[first]:
                    raise ShapeError(f"einsum(): subscript {_label(s)} is repeated for operand "
                                     f"{i} but the sizes don't match, {op[dim]} != {op[first]}")
                del op[dim]
        for k, d in enumerate(where):
            if d == -1:
                op.append(1)
                where[k], dim = dim, dim + 1
        aligned.append([op[d] for d in where])
    return aligned, counts


def _pair(a: List[int], b: List[int], summed: List[int]) -> Tuple[List[int], int]:
    """torch's sumproduct_pair (keepdim): (a * b) summed over `summed`, and its MACs."""
    if not summed:  # aten.mul
        return [x if x != 1 else y for x, y in zip(a, b)], 0
    out, batch, left, inner, right = [], 1, 1, 1, 1
    for d, (x, y) in enumerate(zip(a, b)):
        if d in summed:  # both have it (the caller sums the other dims first)
            inner *= x
            out.append(1)
        elif x != 1 and y != 1:
            batch *= x
            out.append(x)
        elif x != 1:
            left *= x
            out.append(x)
        else:
            right *= y
            out.append(y)
    # aten.bmm of (batch, left, inner) by (batch, inner, right)
    return out, batch * left * inner * right


def _contract(layout: _Layout, ops: List[List[int]], counts: List[int]) -> Tuple[Shape, int]:
    """Left to right (torch without opt_einsum): the first two, then the result with the
    next one."""
    macs = 0
    while len(ops) > 1:
        a, b, ops = ops[0], ops[1], ops[2:]
        summed = []
        for d in range(layout.out_dims, layout.dims):
            if a[d] != 1 and b[d] != 1:
                counts[d] -= 1
                if counts[d] == 1:
                    summed.append(d)
                    counts[d] = 0
            elif counts[d] == 1:  # only one of the two has it, and nothing after: summed out
                if a[d] != 1:
                    a[d], counts[d] = 1, 0
                elif b[d] != 1:
                    b[d], counts[d] = 1, 0
        result, more = _pair(a, b, summed)
        macs += more
        ops = [result, *ops]
    return tuple(ops[0][:layout.out_dims]), macs


def einsum_parts(args: Args) -> Tuple[Shape, int]:
    """(output shape, MACs) of torch.einsum(equation, *operands)."""
    equation = resolved(args, "equation")
    if not resolved(args, "operands"):
        raise LayerError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if equation is None or isinstance(equation, (bool, int, float, complex, list, dict)):
        raise LayerError(f"einsum(): argument 'equation' (position 1) must be str, not "
                         f"{type(equation).__name__}")
    if not isinstance(equation, str):  # a tensor first (its shape, or the tracer's tensor)
        raise Unresolved("equation", "torch.einsum's sublist format (operands and subscript "
                                     "lists) is not modelled")
    operands = shapes_of(args, "operands")
    text = equation.encode("utf-8")  # torch reads the equation's bytes
    arrow = text.find(b"->")
    labels = _input_labels(text if arrow < 0 else text[:arrow], len(operands))
    layout = _Layout(text, arrow, labels, operands)
    aligned, counts = _aligned(layout, labels, operands)
    return _contract(layout, aligned, counts)


def _result(args: Args) -> Shape:
    return einsum_parts(args)[0]


def _macs(args: Args, out: Shape) -> int:
    return einsum_parts(args)[1]


# torch.einsum(...): torch's Python signature is `einsum(*args)`; its documented one is
# `einsum(equation, *operands)`, and the operands may come as one list (its old interface)
TORCH = [
    ("einsum", lambda equation, *operands: None,
     dict(tensors=(), tensor_lists=("operands",), list_form=True, result=_result,
          macs=_macs)),
]
