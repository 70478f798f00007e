"""Lazy layers: LazyLinear, LazyConv1d-3d, LazyConvTranspose1d-3d, LazyBatchNorm1d-3d and
LazyInstanceNorm1d-3d. Each is the layer torch's `cls_to_become` names (Linear, Conv2d, ...)
without its first size (in_features, in_channels, num_features): torch's forward pre-hook
infers that size from the input at the first call (`initialize_parameters`), materializes
the parameters, and the module becomes that layer, for this call and every later one.

Before that first call its parameters are torch's `UninitializedParameter`s, which have no
size: costed on its own, a Lazy layer is not counted (its `params` raise Unresolved). A
traced model counts it as the layer it becomes at its first call (`materialize`, used by
macslint.torchnn.lazy). Its construction check reports what torch raises whatever the input:
at construction (torch builds the layer with sizes 0) or at any first call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

from ..shapes import show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .base import LayerSpec
from .conv import SPECS as CONVOLUTIONS
from .linear import SPECS as LINEARS
from .norm import SPECS as NORMS


@dataclass(frozen=True)
class Lazy:
    becomes: str  # the class torch's `cls_to_become` names
    size: str  # the constructor argument torch infers at the first call
    where: str  # which of the input's dims it is, for messages
    # The parameters and buffers torch's lazy module holds before its first call (None where
    # torch registers None), by name: whether each is there, from the arguments' values.
    tensors: Callable[[Dict[str, Any]], Dict[str, bool]]


def _weight_bias(values: Dict[str, Any]) -> Dict[str, bool]:
    return {"weight": True, "bias": bool(values["bias"])}


def _norm_tensors(values: Dict[str, Any]) -> Dict[str, bool]:
    affine, stats = bool(values["affine"]), bool(values["track_running_stats"])
    return {"weight": affine, "bias": affine and bool(values["bias"]), "running_mean": stats,
            "running_var": stats, "num_batches_tracked": stats}


_TARGETS: Dict[str, LayerSpec] = {spec.name: spec for spec in [*CONVOLUTIONS, *LINEARS, *NORMS]}


LAZY: Dict[str, Lazy] = {
    "LazyLinear": Lazy("Linear", "in_features", "its input's last dim", _weight_bias),
    **{f"LazyConv{n}d": Lazy(f"Conv{n}d", "in_channels", "its input's channels", _weight_bias)
       for n in (1, 2, 3)},
    **{f"LazyConvTranspose{n}d": Lazy(f"ConvTranspose{n}d", "in_channels",
                                      "its input's channels", _weight_bias)
       for n in (1, 2, 3)},
    **{f"Lazy{kind}{n}d": Lazy(f"{kind}{n}d", "num_features", "its input's dim 1",
                               _norm_tensors)
       for kind in ("BatchNorm", "InstanceNorm") for n in (1, 2, 3)},
}


def not_called(name: str) -> str:
    """Why a Lazy layer that has not run has no parameter count."""
    lazy = LAZY[name]
    return (f"its input size comes from the first call: torch's {name} takes {lazy.size} from "
            f"{lazy.where} then, and its parameters are uninitialized until then (a traced "
            f"model that calls it counts it as the {lazy.becomes} it becomes)")


def inferred_size(name: str, args: Args, x: Shape) -> int:
    """The size torch's `initialize_parameters` reads from the first input `x`; ShapeError
    where torch raises reading it."""
    lazy = LAZY[name]
    if lazy.size == "in_features":
        if not x:
            raise ShapeError(f"{name} takes in_features from its input's last dim, and a "
                             "0-dimensional input has none (IndexError: tuple index out of range)")
        return x[-1]
    if lazy.size == "in_channels":
        n = int(name[-2])
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                             f"{name}, but got input of size: {show_bracketed(x)}")
        return x[1] if len(x) == n + 2 else x[0]
    if not args["affine"] and not args["track_running_stats"]:
        return 0  # nothing to initialize: torch leaves num_features at 0
    if len(x) < 2:
        raise ShapeError(f"{name} takes num_features from its input's dim 1, and a "
                         f"{len(x)}-dimensional input has none (IndexError: tuple index out of "
                         "range)")
    return x[1]


def materialized(name: str, args: Args, size: int) -> Tuple[LayerSpec, Args]:
    """The layer `name` becomes with its inferred `size`: the spec and arguments of torch's
    `cls_to_become` as the materialized module holds them, checked (LayerError or ShapeError
    where torch raises on that first call)."""
    lazy = LAZY[name]
    target = _TARGETS[lazy.becomes]
    values = {lazy.size: size, **args.values}
    if lazy.becomes.startswith("ConvTranspose"):
        out, groups = args.get_int("out_channels"), args.get_int("groups")
        if groups > 0 and out % groups:
            # The constructor never checks out_channels (it builds with 0): the weight gets
            # out_channels // groups channels per group, and the output that many times groups.
            if args["bias"]:
                weight = (size, out // groups, *args.get_ints("kernel_size", int(name[-2]),
                                                               broadcast_one=False))
                raise LayerError(
                    f"Given transposed=1, weight of size {show_bracketed(weight)}, expected bias "
                    f"to be 1-dimensional with {out // groups * groups} elements, but got bias "
                    f"of size [{out}] instead")
            values["out_channels"] = out // groups * groups
    bound = target.bind([], values)
    target.check_args(bound)
    return target, bound


def materialize(name: str, args: Args, x: Shape) -> Tuple[LayerSpec, Args]:
    """The layer a Lazy layer becomes at its first call, on input `x` (batched, or unbatched
    where the layer takes that)."""
    return materialized(name, args, inferred_size(name, args, x))


def _probe_sizes(name: str, args: Args) -> List[int]:
    """Sizes that stand for every input size: the checks depend on it only through whether it
    is 0 and (convolutions) whether groups divides it."""
    if LAZY[name].size == "in_channels":
        groups = args.get_int("groups")
        return [int(groups) if groups > 0 else 1, 0]
    return [1, 0]


def _check(name: str) -> Callable[[Args], None]:
    def check(args: Args) -> None:
        """What torch raises whatever the input: building the layer (with sizes 0) or on any
        first call. LayerError when the layer it becomes fails at every size."""
        errors: List[LayerError] = []
        for size in _probe_sizes(name, args):
            try:
                materialized(name, args, size)
            except LayerError as exc:
                errors.append(exc)
            else:
                return
        raise errors[0]

    return check


def _unknown(name: str, arg: str = "input-size") -> Callable[..., Any]:
    """A rule with no answer before the first call. Unresolved("input-size") words the reason
    as it is (results.report); the shape costed on its own names the argument instead, as
    "input-size" there would mean the configured input does not fit (MAC012)."""
    def rule(args: Args, *rest: Any) -> Any:
        raise Unresolved(arg, not_called(name))

    return rule


def _spec(name: str, module: str, signature_of: Callable[..., None]) -> LayerSpec:
    return LayerSpec(name, module, signature_of, params=_unknown(name), output=_unknown(name),
                     macs=_unknown(name), check=_check(name),
                     standalone_inputs=_unknown(name, LAZY[name].size))


def _conv(n: int) -> LayerSpec:
    return _spec(
        f"LazyConv{n}d", "conv",
        lambda out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
        padding_mode="zeros", device=None, dtype=None: None)


def _conv_transpose(n: int) -> LayerSpec:
    return _spec(
        f"LazyConvTranspose{n}d", "conv",
        lambda out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
        bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None: None)


def _norm(kind: str, module: str, n: int) -> LayerSpec:
    # affine and track_running_stats default to True for LazyInstanceNorm too
    return _spec(
        f"Lazy{kind}{n}d", module,
        lambda eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
        dtype=None, *, bias=True: None)


SPECS: Sequence[LayerSpec] = [
    _spec("LazyLinear", "linear",
          lambda out_features, bias=True, device=None, dtype=None: None),
    *(_conv(n) for n in (1, 2, 3)),
    *(_conv_transpose(n) for n in (1, 2, 3)),
    *(_norm("BatchNorm", "batchnorm", n) for n in (1, 2, 3)),
    *(_norm("InstanceNorm", "instancenorm", n) for n in (1, 2, 3)),
]
