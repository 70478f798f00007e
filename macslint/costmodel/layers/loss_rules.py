"""What the loss modules (losses.py), the distances (distance.py) and the adaptive softmax
(adaptive.py) share: `self.reduction` as torch.nn's `_Loss` sets it and the functions check
it, the tensors a constructor takes (a loss's `weight`), the checks torch's argument parser
makes of the plain values a loss passes to its kernel, broadcasting into a tensor in place,
pairwise distances, and the class-index rules of F.nll_loss and F.cross_entropy (torch
2.13's nll_loss_nd, nll_loss, nll_loss2d and cross_entropy_loss, in their order and words).

Shapes only: a target's values (class indices, CTC lengths) are not known, so the checks of
values torch makes (a class index out of range) are made only where no value could pass
(a class index among 0 classes).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from ..shapes import broadcast, show_bracketed
from ..spec import INT64_MAX, Args, LayerError, Shape, ShapeError, ShapeTuple

# what torch.nn._reduction.get_enum takes ('elementwise_mean', deprecated, is 'mean')
ENUM = ("none", "mean", "sum", "elementwise_mean")
# what the losses computed in Python compare the reduction with
PLAIN = ("none", "mean", "sum")


def torch_size(shape: Sequence[int]) -> str:
    """`torch.Size([2, 3])`, as a message prints a tensor's size()."""
    return f"torch.Size({show_bracketed(shape)})"


def reduction(args: Args) -> Any:
    """`self.reduction`: _Loss.__init__ maps the legacy `size_average` and `reduce` (either
    given) to 'mean', 'sum' or 'none' by their truth; else `reduction` as given."""
    values = args.values
    if values.get("size_average") is None and values.get("reduce") is None:
        return args["reduction"]
    size_average, reduce = args["size_average"], args["reduce"]
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def check_enum(value: Any) -> None:
    """torch.nn._reduction.get_enum."""
    if not _among(value, ENUM):
        raise LayerError(f"{value} is not a valid value for reduction")


def check_plain(value: Any, suffix: str = " is not a valid value for reduction") -> None:
    """The check of the losses computed in Python: `reduction + suffix` (a TypeError for what
    is not a string)."""
    if not _among(value, PLAIN):
        if not isinstance(value, str):
            raise LayerError(f"unsupported operand type(s) for +: '{type(value).__name__}' and "
                             "'str'")
        raise LayerError(value + suffix)


def _among(value: Any, names: Sequence[str]) -> bool:
    return isinstance(value, str) and value in names


def reduced(value: Any, shape: Shape) -> Shape:
    """The output of a loss: the elementwise loss's shape with 'none', a scalar otherwise."""
    return tuple(shape) if value == "none" else ()


def tensor_argument(args: Args, name: str) -> Optional[Shape]:
    """The shape of a tensor given to the constructor (a loss's `weight`, which it registers
    as a buffer: a tensor or None), None when not given. A tensor is any value with a shape
    (the tracer's tensors)."""
    value = args[name]
    if value is None:
        return None
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(d, int) for d in shape):
        return shape
    raise LayerError(f"cannot assign '{type(value).__name__}' object to buffer '{name}' (torch "
                     "Tensor or None required)")


def tensor(value: Any, attribute: str = "size") -> Shape:
    """A forward() argument that must be a tensor: torch's AttributeError for None or a
    tuple (what it reads first of it: `attribute`)."""
    if not isinstance(value, tuple) or isinstance(value, ShapeTuple):
        kind = "tuple" if isinstance(value, tuple) else type(value).__name__
        raise ShapeError(f"'{kind}' object has no attribute '{attribute}'")
    return value


# ---------------------------------------------------------------------------------------
# The plain values a loss passes to its kernel: torch's argument parser takes a float for
# an int or a bool, an int for no bool, a bool for nothing else.


def _refused(op: str, name: str, position: Optional[int], wanted: str, value: Any) -> LayerError:
    where = f" (position {position})" if position is not None else ""
    return LayerError(f"{op}(): argument '{name}'{where} must be {wanted}, not "
                      f"{type(value).__name__}")


def float_argument(op: str, name: str, position: Optional[int], value: Any) -> float:
    if not isinstance(value, (int, float)):
        raise _refused(op, name, position, "float", value)
    return float(value)  # OverflowError for an int past a double, as torch's


def int_argument(op: str, name: str, position: Optional[int], value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refused(op, name, position, "int", value)
    if abs(value) > INT64_MAX:
        raise LayerError("Overflow when unpacking long long")
    return value


def bool_argument(op: str, name: str, position: Optional[int], value: Any) -> bool:
    if not isinstance(value, bool):
        raise _refused(op, name, position, "bool", value)
    return value


def number_argument(op: str, name: str, position: Optional[int], value: Any) -> float:
    """A Scalar ("Number") argument: bools and ints and floats."""
    if not isinstance(value, (int, float)):
        raise _refused(op, name, position, "Number", value)
    return float(value)


def compare(value: Any, op: str) -> None:
    """What Python says comparing `value` with an int where it cannot."""
    if not isinstance(value, (int, float)):
        raise LayerError(f"'{op}' not supported between instances of '{type(value).__name__}' "
                         "and 'int'")


# ---------------------------------------------------------------------------------------
# Shapes


def into(shape: Shape, *others: Shape) -> Shape:
    """An in-place operation on a tensor of `shape` with others: they broadcast to it."""
    result = broadcast(shape, *others)
    if result != tuple(shape):
        raise ShapeError(f"output with shape {show_bracketed(shape)} doesn't match the broadcast "
                         f"shape {show_bracketed(result)}")
    return result


def pairwise(x1: Shape, x2: Shape, p: float = 2.0, keepdim: bool = False) -> Shape:
    """F.pairwise_distance: the p-norm of `x1 - x2` (broadcast) over its last dim (a norm
    with no identity, p negative or infinite, of none of them is an error)."""
    both = broadcast(x1, x2)
    if not both:
        return ()
    if both[-1] == 0 and (p < 0 or math.isinf(p)):
        raise ShapeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension "
                         f"{len(both) - 1} because this dimension is empty and the operation "
                         "does not have an identity")
    return (*both[:-1], 1) if keepdim else both[:-1]


def without(shape: Shape, dim: int) -> Shape:
    return (*shape[:dim], *shape[dim + 1:])


def _no_dims(dim: int) -> ShapeError:
    return ShapeError(f"Dimension specified as {dim} but tensor has no dimensions")


def _classes_bound(classes: int, target: Shape) -> None:
    """A class index must be below the class count: with none, no target passes (torch:
    "Target 0 is out of bounds.", the value it met)."""
    if classes == 0 and math.prod(target) > 0:
        raise ShapeError("Target is out of bounds: the input has 0 classes")


def _nll2d(x: Shape, t: Shape, weight: Optional[Shape]) -> Shape:
    if weight is not None and math.prod(weight) != x[1]:
        raise ShapeError("weight tensor should be defined either for all or no classes")
    if (x[0], x[2], x[3]) != tuple(t):
        raise ShapeError(f"size mismatch (got input: {show_bracketed(x)} , target: "
                         f"{show_bracketed(t)}")
    _classes_bound(x[1], t)
    return tuple(t)


def nll(x: Shape, t: Shape, weight: Optional[Shape]) -> Shape:
    """nll_loss_nd: the shape of the loss per element (reduction 'none'), or the error."""
    if not x:
        raise ShapeError(f"Expected 1 or more dimensions (got {len(x)})")
    if len(x) == 1:
        if len(t) == 1 and t[0] != 1:
            raise ShapeError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{t[0]}")
    elif x[0] != (t[0] if t else 0):
        raise ShapeError(f"Expected input batch_size ({x[0]}) to match target batch_size "
                         f"({t[0] if t else 0}).")
    if len(x) <= 2:
        if len(t) > 1:
            raise ShapeError("0D or 1D target tensor expected, multi-target not supported")
        if len(x) == 2 and not t:
            raise _no_dims(0)
        classes = x[-1]
        if weight is not None and (len(weight) != 1 or weight[0] != classes):
            raise ShapeError(f"weight tensor should be defined either for all {classes} classes "
                             f"or no classes but got weight tensor of shape: "
                             f"{show_bracketed(weight)}")
        _classes_bound(classes, t)
        return (x[0],) if len(x) == 2 else ()
    if len(x) == 4:
        if len(t) != 3:
            raise ShapeError(f"only batches of spatial targets supported (3D tensors) but got "
                             f"targets of dimension: {len(t)}")
        return _nll2d(x, t, weight)
    out = (x[0], *x[2:])
    if tuple(t[1:]) != tuple(x[2:]):
        raise ShapeError(f"Expected target size {show_bracketed(out)}, got {show_bracketed(t)}")
    flat_x = (x[0], x[1], 1, math.prod(x[2:])) if math.prod(x) else (x[0], x[1], 0, 0)
    flat_t = (t[0], 1, math.prod(t[1:])) if math.prod(t) else (t[0], 0, 0)
    _nll2d(flat_x, flat_t, weight)
    return out


def cross_entropy(x: Shape, t: Shape, weight: Optional[Shape], ignore_index: Any,
                  smoothing: Any) -> Shape:
    """cross_entropy_loss: the loss per element (reduction 'none'), or the error. A target of
    the input's shape holds class probabilities (torch wants it floating); another holds
    class indices (nll_loss_nd on the log-softmax)."""
    ignore = int_argument("cross_entropy_loss", "ignore_index", 5, ignore_index)
    smoothing = float_argument("cross_entropy_loss", "label_smoothing", 6, smoothing)
    smoothing_error = LayerError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                                 f"{smoothing}")
    if tuple(x) == tuple(t):
        if ignore >= 0:
            raise LayerError("ignore_index is not supported for floating point target")
        class_dim = 0 if len(x) == 1 else 1
        if len(x) <= class_dim:
            raise _no_dims(class_dim)
        classes = x[class_dim]
        if weight is not None and (len(weight) != 1 or weight[0] != classes):
            raise ShapeError(f"cross_entropy: weight tensor should be defined either for all "
                             f"{classes} classes or no classes but got weight tensor of shape: "
                             f"{show_bracketed(weight)}")
        if smoothing > 1.0:
            raise smoothing_error
        return without(x, class_dim)
    if smoothing > 1.0:
        raise smoothing_error
    if not x:  # log_softmax over dim 1
        raise ShapeError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    out = nll(x, t, weight)
    if smoothing > 0:  # the smoothing term, masked in place where the target is ignored
        into(without(x, 0 if len(x) == 1 else 1), t)
    return out
