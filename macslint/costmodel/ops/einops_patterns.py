"""einops' patterns, read as einops 0.8 reads them (einops/parsing.py, einops/einops.py,
einops/packing.py), without importing einops: the output shapes of `rearrange`, `repeat`,
`reduce`, `pack`, `unpack`, `parse_shape`, the torch equation `einsum` runs, and the errors
einops raises, in its words.

A pattern `'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'` has two sides, each a list of dims; a dim
is a composition of elementary axes (names, anonymous lengths `2`, nothing for `()` or `1`),
or `...` (any number of dims). Axis lengths come from the input's shape, from the keywords
(`p1=16`), from anonymous lengths; one unknown axis per input dim is inferred. The order of
einops' own steps on a torch tensor is kept (`Plan`): reshape to the elementary axes, permute,
reduce, add axes (unsqueeze and expand), reshape to the output's dims.

Errors: LayerError where the pattern or the axis lengths alone are wrong (whatever the
input), ShapeError where the input does not fit. Pure Python: no libcst, no einops, no torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ..spec import LayerError, Shape, ShapeError, Unresolved

ELLIPSIS = "\u2026"  # einops replaces `...` by this one character
REDUCTIONS = ("min", "max", "sum", "mean", "prod", "any", "all")
# The einops layers prepare their recipes, at construction, for this many ellipsis dims (0-7).
LAYER_ELLIPSIS_DIMS = 8
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # string.ascii_letters


class AnonymousAxis:
    """An axis of a given length written as a number (`2`); each is its own axis (einops: "all
    instances of this class are not equal to each other")."""

    __slots__ = ("value",)

    def __init__(self, text: str) -> None:
        self.value = int(text)
        if self.value <= 1:
            if self.value == 1:
                raise LayerError("No need to create anonymous axis of length 1. Report this as "
                                 "an issue")
            raise LayerError(f"Anonymous axis should have positive length, not {self.value}")

    def __repr__(self) -> str:
        return f"{self.value}-axis"


Axis = Union[str, AnonymousAxis]


def _shown(axes: Sequence[Axis]) -> str:
    """A set of axes as einops' messages print one (`{'h', 'w'}`), in a fixed order."""
    items = sorted((repr(a) for a in axes))
    return "{" + ", ".join(items) + "}" if items else "set()"


def axis_name_problem(name: str, allow_underscore: bool = False) -> str:
    """Why `name` is not a valid axis name ('' if it is): einops'
    ParsedExpression.check_axis_name_return_reason (keywords and `axis` only warn)."""
    if not str.isidentifier(name):
        return "not a valid python identifier"
    if name[0] == "_" or name[-1] == "_":
        if name == "_" and allow_underscore:
            return ""
        return "axis name should should not start or end with underscore"
    return ""


@dataclass
class Expression:
    """One side of a pattern: `composition` is a list of dims, each a list of axes, or the
    ELLIPSIS itself at the top level; `identifiers` its axes (and ELLIPSIS) in order."""

    composition: List[Union[List[Axis], str]]
    identifiers: List[Axis]
    has_ellipsis: bool = False
    ellipsis_parenthesized: Optional[bool] = None
    non_unitary_anonymous: bool = False


def parse_expression(text: str, allow_underscore: bool = False,
                     allow_duplicates: bool = False) -> Expression:
    """einops' ParsedExpression: one side of a pattern, or the errors einops raises."""
    out = Expression([], [])
    if "." in text:
        if "..." not in text:
            raise LayerError("Expression may contain dots only inside ellipsis (...)")
        if text.count("...") != 1 or text.count(".") != 3:
            raise LayerError("Expression may contain dots only inside ellipsis (...); only one "
                             "ellipsis for tensor ")
        text = text.replace("...", ELLIPSIS)
        out.has_ellipsis = True
    group: Optional[List[Axis]] = None

    def add(name: str) -> None:
        if name in out.identifiers and not (allow_underscore and name == "_") \
                and not allow_duplicates:
            raise LayerError(f'Indexing expression contains duplicate dimension "{name}"')
        if name == ELLIPSIS:
            out.identifiers.append(ELLIPSIS)
            if group is None:
                out.composition.append(ELLIPSIS)
                out.ellipsis_parenthesized = False
            else:
                group.append(ELLIPSIS)
                out.ellipsis_parenthesized = True
            return
        is_number = str.isdecimal(name)
        if is_number and int(name) == 1:
            if group is None:
                out.composition.append([])
            return
        problem = axis_name_problem(name, allow_underscore)
        if not is_number and problem:
            raise LayerError(f"Invalid axis identifier: {name}\n{problem}")
        axis: Axis = AnonymousAxis(name) if is_number else name
        if axis not in out.identifiers:
            out.identifiers.append(axis)
        if is_number:
            out.non_unitary_anonymous = True
        if group is None:
            out.composition.append([axis])
        else:
            group.append(axis)

    current: Optional[str] = None
    for char in text:
        if char in "() ":
            if current is not None:
                add(current)
            current = None
            if char == "(":
                if group is not None:
                    raise LayerError("Axis composition is one-level (brackets inside brackets "
                                     "not allowed)")
                group = []
            elif char == ")":
                if group is None:
                    raise LayerError("Brackets are not balanced")
                out.composition.append(group)
                group = None
        elif str.isalnum(char) or char in ("_", ELLIPSIS):
            current = char if current is None else current + char
        else:
            raise LayerError(f"Unknown character '{char}'")
    if group is not None:
        raise LayerError(f'Imbalanced parentheses in expression: "{text}"')
    if current is not None:
        add(current)
    return out


def split_pattern(pattern: Any) -> Tuple[str, str]:
    """`left -> right`; Python's errors where einops' `pattern.split("->")` fails."""
    if not isinstance(pattern, str):
        raise LayerError(f"'{type(pattern).__name__}' object has no attribute 'split'")
    sides = pattern.split("->")
    if len(sides) != 2:
        raise LayerError(f"{'not enough' if len(sides) < 2 else 'too many'} values to unpack "
                         f"(expected 2{', got 1' if len(sides) < 2 else ''})")
    return sides[0], sides[1]


def _minus(a: Sequence[Axis], b: Sequence[Axis]) -> List[Axis]:
    return [x for x in a if x not in b]


@dataclass
class Recipe:
    """einops' TransformRecipe for one input rank: the elementary axes of the input's dims
    (`left`) and of the output's (`right`), ellipsis dims expanded; `given`: the axes whose
    length a keyword gives; `lengths`: the anonymous axes' lengths."""

    left: List[List[Axis]]
    right: List[List[Axis]]
    left_ids: List[Axis]
    right_ids: List[Axis]
    given: List[str]
    lengths: Dict[int, int]  # id(axis) -> length, for anonymous axes


def prepare(pattern: Any, operation: str, axes_names: Sequence[str], ndim: int) -> Recipe:
    """einops' _prepare_transformation_recipe: `operation` is "rearrange", "repeat" or a
    reduction. LayerError for errors of the pattern, ShapeError for a wrong rank."""
    left_text, right_text = split_pattern(pattern)
    left = parse_expression(left_text)
    right = parse_expression(right_text)
    if not left.has_ellipsis and right.has_ellipsis:
        raise LayerError(f"Ellipsis found in right side, but not left side of a pattern "
                         f"{pattern}")
    if left.has_ellipsis and left.ellipsis_parenthesized:
        raise LayerError(f"Ellipsis inside parenthesis in the left side is not allowed: "
                         f"{pattern}")
    if operation == "rearrange":
        if left.non_unitary_anonymous or right.non_unitary_anonymous:
            raise LayerError("Non-unitary anonymous axes are not supported in rearrange "
                             "(exception is length 1)")
        difference = _minus(left.identifiers, right.identifiers) + \
            _minus(right.identifiers, left.identifiers)
        if difference:
            raise LayerError(f"Identifiers only on one side of expression (should be on both): "
                             f"{_shown(difference)}")
    elif operation == "repeat":
        difference = _minus(left.identifiers, right.identifiers)
        if difference:
            raise LayerError(f"Unexpected identifiers on the left side of repeat: "
                             f"{_shown(difference)}")
        without_size = [a for a in right.identifiers if not isinstance(a, AnonymousAxis)
                        and a not in left.identifiers and a not in axes_names]
        if without_size:
            raise LayerError(f"Specify sizes for new axes in repeat: {_shown(without_size)}")
    elif operation in REDUCTIONS:
        difference = _minus(right.identifiers, left.identifiers)
        if difference:
            raise LayerError(f"Unexpected identifiers on the right side of reduce {operation}: "
                             f"{_shown(difference)}")
    else:
        raise LayerError(f"Unknown reduction {operation}. Expect one of {REDUCTIONS}.")

    left_ids, right_ids = list(left.identifiers), list(right.identifiers)
    if left.has_ellipsis:
        others = len(left.composition) - 1
        if ndim < others:
            raise ShapeError(f"Wrong shape: expected >={others} dims. Received {ndim}-dim "
                             f"tensor.")
        ell = [f"{ELLIPSIS}{i}" for i in range(ndim - others)]
        left_dims: List[List[Axis]] = []
        for dim in left.composition:
            left_dims.extend([[a] for a in ell] if dim == ELLIPSIS else [dim])  # type: ignore
        right_dims: List[List[Axis]] = []
        for dim in right.composition:
            if dim == ELLIPSIS:
                right_dims.extend([a] for a in ell)
            else:
                right_dims.append([x for a in dim for x in (ell if a == ELLIPSIS else [a])])
        left_ids = [a for a in left_ids if a != ELLIPSIS] + ell  # type: ignore[operator]
        if right.has_ellipsis:
            right_ids = [a for a in right_ids if a != ELLIPSIS] + ell  # type: ignore[operator]
    else:
        if ndim != len(left.composition):
            raise ShapeError(f"Wrong shape: expected {len(left.composition)} dims. Received "
                             f"{ndim}-dim tensor.")
        left_dims = [list(d) for d in left.composition]  # type: ignore[arg-type]
        right_dims = [list(d) for d in right.composition]  # type: ignore[arg-type]

    known_axes: List[Axis] = [a for dim in left_dims for a in dim]
    known_axes += [a for a in right_ids if a not in known_axes]
    for name in axes_names:
        if axis_name_problem(name):
            raise LayerError(str(("Invalid name for an axis", name)))
        if name not in known_axes:
            raise LayerError(f"Axis {name} is not used in transform")
    for dim in left_dims:
        unknown = [a for a in dim if not isinstance(a, AnonymousAxis) and a not in axes_names]
        if len(unknown) > 1:
            raise LayerError(f"Could not infer sizes for {_shown(unknown)}")
    lengths = {id(a): a.value for a in known_axes if isinstance(a, AnonymousAxis)}
    return Recipe(left_dims, right_dims, left_ids, right_ids, list(axes_names), lengths)


def check_pattern(pattern: Any, operation: str, axes_names: Sequence[str]) -> List[int]:
    """The errors of a pattern whatever the input (what the einops layers raise when built);
    the input ranks it takes (a layer takes no other: a KeyError when called)."""
    left_text, _ = split_pattern(pattern)
    left = parse_expression(left_text)
    base = len(left.composition) - (1 if left.has_ellipsis else 0)
    ranks = [base + i for i in range(LAYER_ELLIPSIS_DIMS)] if left.has_ellipsis else [base]
    for rank in ranks:
        prepare(pattern, operation, axes_names, rank)
    return ranks


@dataclass
class Plan:
    """What einops does to a tensor of `shape` (einops' _reconstruct_from_shape and
    _apply_recipe): each step's shape, or None where the step is skipped."""

    shape: Shape
    init: Optional[Shape]  # reshape to the elementary axes of the input
    permutation: Optional[Tuple[int, ...]]
    reduced: Tuple[int, ...]  # the dims reduced (trailing, after the permutation)
    reduced_sizes: Tuple[int, ...]
    added: Dict[int, int]  # position -> length of the axes repeat adds (unsqueeze + expand)
    expanded_rank: int
    final: Optional[Shape]  # reshape to the output's dims
    output: Shape


def axis_lengths(axes_lengths: Dict[str, Any]) -> Dict[str, int]:
    """The keywords' lengths as ints. Unresolved for a length that is not a plain int >= 0:
    what einops and torch do with one (a float that no reshape reads passes, a -1 torch's
    expand or reshape reads as "keep" or "infer") is not modelled."""
    out = {}
    for name, value in axes_lengths.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise Unresolved(name, f"an axis length that is not an int ({value!r}) is not "
                                   f"modelled")
        if value < 0:
            raise Unresolved(name, f"a negative axis length ({value}) is not modelled")
        out[name] = value
    return out


def plan(shape: Shape, pattern: Any, operation: str, axes_lengths: Dict[str, int]) -> Plan:
    """The steps and output shape of rearrange/repeat/reduce (`operation`: "rearrange",
    "repeat" or a reduction) on a tensor of `shape`."""
    recipe = prepare(pattern, operation, list(axes_lengths), len(shape))
    lengths: Dict[Any, int] = {}

    def length(axis: Axis) -> Optional[int]:
        if isinstance(axis, AnonymousAxis):
            return axis.value
        return axes_lengths.get(axis, lengths.get(axis))

    reshape = False
    for size, dim in zip(shape, recipe.left):
        unknown = [a for a in dim if length(a) is None]
        known = math.prod(length(a) for a in dim if length(a) is not None)  # type: ignore
        if not unknown:
            if size != known:
                raise ShapeError(f"Shape mismatch, {size} != {known}")
        else:
            if len(dim) == 1:
                lengths[unknown[0]] = size
                continue
            if known == 0:
                raise ShapeError("integer modulo by zero")
            if size % known != 0:
                raise ShapeError(f"Shape mismatch, can't divide axis of length {size} in chunks "
                                 f"of {known}")
            lengths[unknown[0]] = size // known  # type: ignore[index]
        if len(dim) != 1:
            reshape = True
    order_left = [a for dim in recipe.left for a in dim]
    order_right = [a for dim in recipe.right for a in dim]
    reduced_axes = [a for a in order_left if a not in recipe.right_ids]
    kept = [a for a in order_right if a in recipe.left_ids]
    permutation = tuple(order_left.index(a) for a in kept + reduced_axes)
    added = {i: length(a) for i, a in enumerate(order_right) if a not in recipe.left_ids}
    first_reduced = len(kept)
    output = tuple(math.prod(length(a) for a in dim) for dim in recipe.right)  # type: ignore
    return Plan(
        shape=tuple(shape),
        init=tuple(length(a) for a in order_left) if reshape else None,  # type: ignore
        permutation=None if permutation == tuple(range(len(permutation))) else permutation,
        reduced=tuple(range(first_reduced, len(permutation))),
        reduced_sizes=tuple(length(a) for a in reduced_axes),  # type: ignore
        added=added,  # type: ignore[arg-type]
        expanded_rank=len(added) + len(permutation),
        final=output if any(len(dim) != 1 for dim in recipe.right) else None,
        output=output,  # type: ignore[arg-type]
    )


def check_reduction(step: Plan, reduction: str) -> None:
    """torch's amax/amin refuse a reduced dim of size 0 (`max`/`min` over nothing)."""
    if reduction in ("min", "max"):
        for dim, size in zip(step.reduced, step.reduced_sizes):
            if size == 0:
                name = "amax" if reduction == "max" else "amin"
                raise ShapeError(f"{name}(): Expected reduction dim {dim} to have non-zero "
                                 f"size.")


def stacked(shapes: Sequence[Shape]) -> Shape:
    """A list of tensors as einops takes it: `torch.stack(list)`."""
    if not shapes:
        raise LayerError("Rearrange/Reduce/Repeat can't be applied to an empty list")
    for i, shape in enumerate(shapes):
        if tuple(shape) != tuple(shapes[0]):
            raise ShapeError(f"stack expects each tensor to be equal size, but got "
                             f"{list(shapes[0])} at entry 0 and {list(shape)} at entry {i}")
    return (len(shapes), *shapes[0])


# ---------------------------------------------------------------------------------------
# parse_shape, pack, unpack, einsum


def parse_shape(shape: Shape, pattern: Any) -> Dict[str, int]:
    """einops.parse_shape: the lengths of the named axes (`_` skips a dim)."""
    if not isinstance(pattern, str):
        raise LayerError(f"argument of type '{type(pattern).__name__}' is not iterable")
    exp = parse_expression(pattern, allow_underscore=True)
    shown = f"{pattern} {list(shape)}"
    if any(isinstance(d, list) and len(d) > 1 for d in exp.composition):
        raise LayerError(f"Can't parse shape with composite axes: {shown}")
    composition = list(exp.composition)
    if len(shape) != len(composition):
        if not exp.has_ellipsis:
            raise ShapeError(f"Can't parse shape with different number of dimensions: {shown}")
        if len(shape) < len(composition) - 1:
            raise ShapeError(f"Can't parse shape with this number of dimensions: {shown}")
    if exp.has_ellipsis:
        at = composition.index(ELLIPSIS)
        composition = composition[:at] + [["_"]] * (len(shape) - len(composition) + 1) + \
            composition[at + 1:]
    result: Dict[str, int] = {}
    for axes, size in zip(composition, shape):
        if not axes:
            if size != 1:
                raise ShapeError(f"Length of axis is not 1: {shown}")
            continue
        axis = axes[0]
        if isinstance(axis, AnonymousAxis):
            if axis.value != size:
                raise ShapeError(f"Length of anonymous axis does not match: {shown}")
        elif axis != "_":
            result[axis] = size
    return result


def packing_pattern(pattern: Any, opname: str) -> Tuple[int, int]:
    """einops' analyze_pattern: the number of axes before and after `*`."""
    if not isinstance(pattern, str):
        raise LayerError(f"'{type(pattern).__name__}' object has no attribute 'split'")
    axes = pattern.split()
    if len(axes) != len(set(axes)):
        raise LayerError(f'Duplicates in axes names in {opname}(..., "{pattern}")')
    if "*" not in axes:
        raise LayerError(f'No *-axis in {opname}(..., "{pattern}")')
    for axis in axes:
        if axis != "*" and axis_name_problem(axis):
            raise LayerError(f'Invalid axis name {axis} in {opname}(..., "{pattern}")')
    before = axes.index("*")
    return before, len(axes) - before - 1


def pack(shapes: Sequence[Shape], pattern: Any) -> Tuple[Shape, List[Shape]]:
    """einops.pack: the packed tensor's shape and the packed shapes (the dims `*` takes)."""
    before, after = packing_pattern(pattern, "pack")
    if not shapes:
        raise LayerError("list index out of range")
    pieces: List[Shape] = []
    packed: List[Shape] = []
    for i, shape in enumerate(shapes):
        if len(shape) < before + after:
            raise ShapeError(f"packed tensor #{i} (enumeration starts with 0) has shape "
                             f"{tuple(shape)}, while pattern {pattern} assumes at least "
                             f"{before + after} axes")
        end = len(shape) - after
        packed.append(tuple(shape[before:end]))
        outer = (*shape[:before], *shape[end:])
        middle = math.prod(shape[before:end])
        if math.prod(outer) == 0 and math.prod(shape) == 0:
            raise ShapeError(f"cannot reshape tensor of 0 elements into shape "
                             f"{[*shape[:before], -1, *shape[end:]]} because the unspecified "
                             f"dimension size -1 can be any value and is ambiguous")
        pieces.append((*shape[:before], middle, *shape[end:]))
    for i, piece in enumerate(pieces):
        for d, (a, b) in enumerate(zip(pieces[0], piece)):
            if d != before and a != b:
                raise ShapeError(f"Sizes of tensors must match except in dimension {before}. "
                                 f"Expected size {a} but got size {b} for tensor number {i} in "
                                 f"the list.")
    total = sum(p[before] for p in pieces)
    return (*pieces[0][:before], total, *pieces[0][before + 1:]), packed


def _reshaped(numel: int, target: Sequence[int]) -> Optional[Tuple[int, ...]]:
    """torch's reshape of `numel` elements to `target` (one -1 inferred); None if it raises."""
    if any(not isinstance(d, int) or isinstance(d, bool) or d < -1 for d in target) \
            or list(target).count(-1) > 1:
        return None
    known = math.prod(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or numel % known:
            return None
        return tuple(numel // known if d == -1 else d for d in target)
    return tuple(target) if known == numel else None


def unpack(shape: Shape, packed_shapes: Any, pattern: Any) -> List[Shape]:
    """einops.unpack: the shapes of the tensors the packed axis splits into."""
    before, after = packing_pattern(pattern, "unpack")
    if len(shape) != before + 1 + after:
        raise ShapeError(f"unpack(..., {pattern}) received input of wrong dim with shape "
                         f"{tuple(shape)}")
    if not isinstance(packed_shapes, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and all(isinstance(d, int) and not isinstance(d, bool)
                                                 for d in p) for p in packed_shapes):
        raise Unresolved("packed_shapes", "packed shapes other than a list of tuples of ints "
                                          "are not modelled")
    lengths = [-1 if -1 in p else math.prod(p) for p in packed_shapes]
    if lengths.count(-1) > 1:
        raise LayerError(f"unpack(..., {pattern}) received more than one -1 in "
                         f"{[tuple(p) for p in packed_shapes]} and can't infer dimensions")
    size = shape[before]
    splits = [0] * len(packed_shapes) + [size]
    if -1 not in lengths:
        for i, x in enumerate(lengths[:-1]):
            splits[i + 1] = splits[i] + x
    else:
        unknown = lengths.index(-1)
        for i in range(unknown):
            splits[i + 1] = splits[i] + lengths[i]
        for j in range(unknown + 1, len(lengths))[::-1]:
            splits[j] = splits[j + 1] - lengths[j]
    outer = math.prod(shape[:before]) * math.prod(shape[before + 1:])
    out = []
    for i, element in enumerate(packed_shapes):
        piece = len(range(size)[splits[i]:splits[i + 1]])
        found = _reshaped(outer * piece, (*shape[:before], *element, *shape[before + 1:]))
        if found is None:
            raise ShapeError(f'Error during unpack(..., "{pattern}"): could not split axis of '
                             f'size {splits[-1]} into requested '
                             f'{[tuple(p) for p in packed_shapes]}')
        out.append(found)
    return out


def einsum_equation(pattern: Any) -> str:
    """einops' _compactify_pattern_for_einsum: the one-letter equation torch.einsum runs."""
    if not isinstance(pattern, str):
        raise LayerError("The last argument passed to `einops.einsum` must be a string, "
                         "representing the einsum pattern.")
    if "->" not in pattern:
        raise LayerError("Einsum pattern must contain '->'.")
    lefts_text, right_text = split_pattern(pattern)
    lefts = [parse_expression(t, allow_underscore=True, allow_duplicates=True)
             for t in lefts_text.split(",")]
    right = parse_expression(right_text, allow_underscore=True)
    mapping: Dict[Any, str] = {}

    def letter(dim: Any, define: bool) -> str:
        if dim == ELLIPSIS:
            return "..."
        if len(dim) == 0:
            raise LayerError("Singleton () axes are not yet supported in einsum.")
        if len(dim) > 1:
            raise LayerError("Shape rearrangement is not yet supported in einsum.")
        axis = dim[0]
        if isinstance(axis, AnonymousAxis):
            raise LayerError("Anonymous axes are not yet supported in einsum.")
        if axis not in mapping:
            if not define:
                raise LayerError(f"Unknown axis {axis} on right side of einsum {pattern}.")
            if len(mapping) >= len(LETTERS):
                raise LayerError("Too many axes in einsum.")
            mapping[axis] = LETTERS[len(mapping)]
        return mapping[axis]

    terms = ["".join(letter(d, True) for d in left.composition) for left in lefts]
    return ",".join(terms) + "->" + "".join(letter(d, False) for d in right.composition)
