"""nn.AdaptiveLogSoftmaxWithLoss (torch.nn.modules.adaptive): a head Linear over the
shortlist and one entry per tail cluster, and per cluster i a projection Linear(in_features,
in_features // div_value**(i+1)) and a Linear to the cluster's classes (both without bias).

forward(input_, target_) takes (N, in_features) with N targets, or one (in_features,) sample
with a 0-D target, and returns (output, loss): the target's log-probability per sample, (N,)
or (), and its mean, (). MACs, as FlopCounterMode counts them (on the CPU: meta cannot run
the forward, whose nonzero() needs values): the head on every sample, `N x in_features x
head_size` (N = 1 unbatched), and each tail cluster on the samples whose targets fall in
it, which the target's values decide: so the MACs are not known (Unresolved) unless there
is no sample (0). Its parameters and shapes are. Costed on its own: one feature vector and
target per sample.
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

from ..spec import Args, LayerError, ShapeError, ShapeTuple, Unresolved
from .attention import empty
from .base import LayerSpec
from .loss_rules import compare, tensor, torch_size

_RULE = ("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
         "order, where each value is between 1 and n_classes-1")


def _cutoffs(args: Args) -> List[Any]:
    cutoffs = args["cutoffs"]
    if not isinstance(cutoffs, (list, tuple, range)):
        raise LayerError(f"'{type(cutoffs).__name__}' object is not iterable")
    cutoffs = list(cutoffs)
    if not cutoffs:
        raise LayerError("cutoffs should be a sequence of length larger than 0")
    for value in (*cutoffs, args["n_classes"]):
        compare(value, "<")
    classes = args["n_classes"]
    try:
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise LayerError(_RULE)
    except ValueError as exc:  # int(nan)
        raise LayerError(str(exc)) from None
    return cutoffs


def _sizes(args: Args) -> Tuple[Any, Any, List[Tuple[Any, Any]]]:
    """(in_features, head_size, [(hidden, classes) per tail cluster]), the constructor's
    checks made in its order (the Linears created as torch creates them)."""
    cutoffs = _cutoffs(args) + [args["n_classes"]]
    features, division = args["in_features"], args["div_value"]
    head = cutoffs[0] + len(cutoffs) - 1
    empty((head, features))
    if args["head_bias"]:
        empty((head,))
    tails = []
    for i in range(len(cutoffs) - 1):
        compare(features, "//")
        compare(division, "**")
        try:
            hidden = int(features // (division ** (i + 1)))
        except ZeroDivisionError as exc:
            raise LayerError(str(exc)) from None
        classes = cutoffs[i + 1] - cutoffs[i]
        empty((hidden, features))
        empty((classes, hidden))
        tails.append((hidden, classes))
    return features, head, tails


def _params(args: Args) -> int:
    features, head, tails = _sizes(args)
    total = features * head + (head if args["head_bias"] else 0)
    return int(total + sum(features * hidden + hidden * classes for hidden, classes in tails))


def _output(args: Args, inputs: Sequence[Any]) -> Any:
    x, t = tensor(inputs[0]), tensor(inputs[1], "dim")
    features, head, _ = _sizes(args)
    if len(t) == 1:
        if not x:
            raise ShapeError("Dimension specified as 0 but tensor has no dimensions")
        if x[0] != t[0]:
            raise ShapeError("Input and target should have the same size in the batch dimension.")
        if len(x) != 2:
            raise ShapeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                             f"size {torch_size(x)}")
    elif not t:
        if len(x) != 1:
            raise ShapeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                             f"size {torch_size(x)}")
    else:
        raise ShapeError("0D or 1D target tensor expected, multi-target not supported")
    rows = t[0] if t else 1
    if x[-1] != features:  # the head, a Linear
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x[-1]} and "
                         f"{features}x{head})")
    return ShapeTuple(((rows,) if t else (), ()))


def _macs(args: Args, inputs: Sequence[Any], output: Any) -> int:
    target = tuple(inputs[1])
    if target and target[0] == 0:
        return 0
    # The head runs on every sample, each tail cluster on the samples whose targets fall in
    # it: the targets' values decide, not their shape (a count for some values is a guess).
    raise Unresolved("target_", "the MACs of AdaptiveLogSoftmaxWithLoss's tail clusters "
                     "depend on which cluster each target value falls in")


SPEC = LayerSpec(
    "AdaptiveLogSoftmaxWithLoss", "adaptive",
    lambda in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None,
    dtype=None: None,
    params=_params, output=_output, macs=_macs, forward_of=lambda input_, target_: None,
    output_namedtuple=("_ASMoutput", ("output", "loss")),
    standalone_inputs=lambda args, size: ((args["in_features"],), ()),
)
