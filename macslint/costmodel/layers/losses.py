"""Loss modules (torch.nn.modules.loss): every one of torch 2.13's, from L1Loss to
LinearCrossEntropyLoss.

A loss takes two tensors or more (`forward_of`: torch's forward(), (input, target),
(input1, input2, target), (anchor, positive, negative), GaussianNLLLoss's (input, target,
var), CTCLoss's four) and returns the loss per element with reduction 'none', a scalar with
'mean' or 'sum' (KLDivLoss's 'batchmean' too). The legacy `size_average` and `reduce`
arguments, when given, decide the reduction as _Loss.__init__ does. Each checks its inputs in
torch's order and words (the functions of torch.nn.functional and their kernels): a shape
that does not fit is a ShapeError, a value torch refuses (a reduction it does not know, a
margin it wants positive, a plain argument of a type its parser refuses) a LayerError, raised
when the loss is called unless torch raises building it. A target's values (class indices,
CTC lengths) are not known: the checks of values are made only where no value could pass.
Shapes are the CPU kernels' (the meta functions of the margin losses return (1,) for an
unbatched call, and nll_loss's refuses a 1-D input with a target of one class, both unlike
the CPU). GaussianNLLLoss takes a float `var` too; a model's trace passes a layer tensors
only, so such a call is not traced.

Parameters: none, but LinearCrossEntropyLoss's Linear (`weight` given to a loss is a buffer,
not a parameter). MACs, as FlopCounterMode counts them on the meta device (and on the CPU for
CTCLoss and GaussianNLLLoss, which meta cannot run): 0 for every loss (their elementwise
math, reductions, log-softmax and norms have no formula), but LinearCrossEntropyLoss's
logits, `rows x in_features x num_classes x prod(out_features)` (its chunked path, with
`options`, is not modelled: torch counts 0 for its custom op).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..shapes import broadcast, show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, Unresolved
from .attention import empty
from .base import LayerSpec
from .loss_rules import (
    bool_argument, check_enum, check_plain, compare, cross_entropy, float_argument, into,
    int_argument, nll, number_argument, pairwise, reduced, reduction, tensor, tensor_argument,
    torch_size,
)

TWO = lambda input, target: None  # noqa: E731 - torch's forward(input, target)
PAIR = lambda input1, input2, target: None  # noqa: E731
TRIPLET = lambda anchor, positive, negative: None  # noqa: E731
# the usual constructors
LEGACY = lambda size_average=None, reduce=None, reduction="mean": None  # noqa: E731
WEIGHTED = lambda weight=None, size_average=None, reduce=None, reduction="mean": None  # noqa: E731


def _tensors(inputs: Sequence[Any]) -> Sequence[Shape]:
    return [tensor(x) for x in inputs]


def _loss(name: str, signature_of: Any, output: Any, forward_of: Any = TWO, **rules: Any
          ) -> LayerSpec:
    return LayerSpec(name, "loss", signature_of, output=output, forward_of=forward_of,
                     **rules)


# ---------------------------------------------------------------------------------------
# Elementwise losses of broadcast input and target


def _pointwise(kind: str):
    """L1Loss, MSELoss, SmoothL1Loss, HuberLoss: the input and target broadcast (torch warns
    when they differ), then the reduction is checked, then the loss's own argument."""

    def output(args: Args, inputs: Sequence[Any]) -> Shape:
        x, t = _tensors(inputs)
        shape = broadcast(x, t)
        how = reduction(args)
        check_enum(how)
        if kind == "SmoothL1Loss":
            beta = args["beta"]
            if not (isinstance(beta, (int, float)) and beta == 0.0):  # 0: l1_loss
                if float_argument("smooth_l1_loss", "beta", 4, beta) < 0:
                    raise LayerError("smooth_l1_loss does not support negative values for beta.")
        elif kind == "HuberLoss":
            if float_argument("huber_loss", "delta", 4, args["delta"]) <= 0:
                raise LayerError("huber_loss does not support non-positive values for delta.")
        return reduced(how, shape)

    return output


def _huber_check(args: Args) -> None:
    delta = args["delta"]
    if not isinstance(delta, (int, float)):
        raise LayerError(f"delta must be a float or int, got: <class '{type(delta).__name__}'>")


def _kl_div_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    how = reduction(args)
    if how != "batchmean":  # 'batchmean': the sum, divided by the batch
        check_enum(how)
    bool_argument("kl_div", "log_target", None, args["log_target"])
    return reduced(how, broadcast(x, t))


def _poisson_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    how = reduction(args)
    check_plain(how)
    bool_argument("poisson_nll_loss", "log_input", 3, args["log_input"])
    bool_argument("poisson_nll_loss", "full", 4, args["full"])
    float_argument("poisson_nll_loss", "eps", 5, args["eps"])
    return reduced(how, broadcast(x, t))


def _gaussian_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """F.gaussian_nll_loss: `var` of the input's shape, or one dim short of it (unsqueezed),
    or of its rank with sizes differing where var's sum to 1; or a float."""
    x, t = tensor(inputs[0]), tensor(inputs[1])
    var = inputs[2]
    if isinstance(var, float):
        if var < 0:
            raise LayerError("var has negative entry/entries")
        v: Shape = x
    elif isinstance(var, (bool, int)):
        raise LayerError("any() received an invalid combination of arguments - got (bool)")
    else:
        v = tensor(var)
        if v != x:
            if x[:-1] == v:
                v = (*v, 1)
            elif not (len(x) == len(v) and sum(b for a, b in zip(x, v) if a != b) == 1):
                raise ShapeError("var is of incorrect size")
    how = args["reduction"]
    check_plain(how, " is not valid")
    eps = args["eps"]
    if eps is None or not isinstance(eps, (int, float)):
        raise LayerError(f"clamp_() received an invalid combination of arguments - got "
                         f"(min={type(eps).__name__}, )")
    return reduced(how, broadcast(v, broadcast(x, t)))


def _hinge_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    how = reduction(args)
    check_enum(how)
    float_argument("hinge_embedding_loss", "margin", 3, args["margin"])
    return reduced(how, broadcast(t, x))


def _soft_margin_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """soft_margin_loss computes into a tensor of the input's shape."""
    x, t = _tensors(inputs)
    how = reduction(args)
    check_enum(how)
    return reduced(how, into(x, t))


def _same_size(x: Shape, t: Shape, message: str) -> None:
    if tuple(x) != tuple(t):
        raise ShapeError(message)


def _bce_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """BCELoss: the target of the input's size; a weight broadcast to it and expanded, into
    the input's shape."""
    x, t = _tensors(inputs)
    weight = tensor_argument(args, "weight")
    how = reduction(args)
    check_enum(how)
    _same_size(x, t, f"Using a target size ({torch_size(t)}) that is different to the input "
                     f"size ({torch_size(x)}) is deprecated. Please ensure they have the same "
                     "size.")
    if weight is not None:
        try:
            expanded = broadcast(t, weight)
        except ShapeError:
            raise ShapeError(f"Attempting to broadcast a dimension of length {weight[-1]}: "
                             f"weight of size {torch_size(weight)} is not broadcastable to "
                             f"{show_bracketed(t)}") from None
        into(x, expanded)
    return reduced(how, x)


def _bce_logits_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """BCEWithLogitsLoss: the target of the input's size; `pos_weight` times the target, and
    the `weight`, computed into a tensor of the input's shape."""
    x, t = _tensors(inputs)
    weight = tensor_argument(args, "weight")
    positive = tensor_argument(args, "pos_weight")
    how = reduction(args)
    check_enum(how)
    _same_size(x, t, f"Target size ({torch_size(t)}) must be the same as input size "
                     f"({torch_size(x)})")
    if positive is not None:
        into(x, broadcast(positive, t))
    if weight is not None:
        into(x, weight)
    return reduced(how, x)


def _soft_margin_multilabel_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """F.multilabel_soft_margin_loss, in Python: the loss of target and input broadcast (and
    weighted), summed over the input's last dim."""
    x, t = _tensors(inputs)
    weight = tensor_argument(args, "weight")
    how = reduction(args)
    loss = broadcast(t, x)
    if weight is not None:
        loss = broadcast(loss, weight)
    if not x:
        raise ShapeError("Dimension specified as -1 but tensor has no dimensions")
    class_dim = len(x) - 1
    loss = (*loss[:class_dim], *loss[class_dim + 1:])
    check_plain(how, " is not valid")
    return reduced(how, loss)


def _margin_ranking_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x1, x2, t = _tensors(inputs)
    how = reduction(args)
    check_enum(how)
    if not len(x1) == len(x2) == len(t):
        raise ShapeError(f"margin_ranking_loss : All input tensors should have same dimension "
                         f"but got sizes: input1: {torch_size(x1)}, input2: {torch_size(x2)}, "
                         f"target: {torch_size(t)} ")
    float_argument("margin_ranking_loss", "margin", 4, args["margin"])
    return reduced(how, broadcast(t, broadcast(x1, x2)))


def _cosine_embedding_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """cosine_embedding_loss: 1-D inputs with a 0-D target, 2-D ones with a 1-D target; the
    cosine of the two over their last dim, then the target's broadcast."""
    x1, x2, t = _tensors(inputs)
    how = reduction(args)
    check_enum(how)
    float_argument("cosine_embedding_loss", "margin", 4, args["margin"])
    if len(t) > 1:
        raise ShapeError("0D or 1D target tensor expected, multi-target not supported")
    want = len(t) + 1
    if len(x1) != want or len(x2) != want:
        raise ShapeError(f"{len(t)}D target tensor expects {want}D input tensors, but found "
                         f"inputs with sizes {show_bracketed(x1)} and {show_bracketed(x2)}.")
    both = broadcast(x1, x2)
    return reduced(how, broadcast(both[:-1], t))


# ---------------------------------------------------------------------------------------
# Class indices: NLLLoss, CrossEntropyLoss, the margin losses


def _nll_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    weight = tensor_argument(args, "weight")
    how = reduction(args)
    check_enum(how)
    int_argument("nll_loss_nd", "ignore_index", 5, args["ignore_index"])
    return reduced(how, nll(x, t, weight))


def _cross_entropy_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    weight = tensor_argument(args, "weight")
    how = reduction(args)
    check_enum(how)
    return reduced(how, cross_entropy(x, t, weight, args["ignore_index"],
                                      args["label_smoothing"]))


def _frames(x: Shape) -> Shape:
    """(samples, classes) of a margin loss's input: a vector or a matrix whose classes are
    not empty (a scalar: one of one)."""
    if not (len(x) == 2 and x[1] or len(x) == 1 and x[0] or not x):
        raise ShapeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                         f"but got: {show_bracketed(x)}")
    return (1, x[0] if x else 1) if len(x) <= 1 else (x[0], x[1])


def _multi_margin_check(args: Args) -> None:
    weight = tensor_argument(args, "weight")
    p = args["p"]
    if p != 1 and p != 2:
        raise LayerError("only p == 1 and p == 2 supported")
    if weight is not None and len(weight) != 1:
        raise LayerError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                         f"{len(weight)}D instead")


def _multi_margin_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    weight = tensor_argument(args, "weight")
    how = reduction(args)
    check_enum(how)
    number_argument("multi_margin_loss", "p", 3, args["p"])
    number_argument("multi_margin_loss", "margin", 4, args["margin"])
    samples, classes = _frames(x)
    if len(t) > 1 or math.prod(t) != samples:
        raise ShapeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the "
                         f"number of input samples (batch size). Expected target size "
                         f"[{samples}], but got {show_bracketed(t)}. Input has shape "
                         f"{show_bracketed(x)}.")
    if weight is not None and math.prod(weight) != classes:
        raise ShapeError(f"inconsistent weight size, expected {classes} but got "
                         f"{show_bracketed(weight)}")
    return reduced(how, (samples,) if t else ())


def _multilabel_margin_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    how = reduction(args)
    check_enum(how)
    samples, classes = _frames(x)
    fits = len(t) <= 1 and math.prod(t) == classes if len(x) <= 1 else \
        tuple(t) == (samples, classes)
    if not fits:
        raise ShapeError(f"inconsistent target size: {show_bracketed(t)} for input of size: "
                         f"{show_bracketed(x)}")
    return reduced(how, () if len(x) <= 1 else (samples,))


# ---------------------------------------------------------------------------------------
# Triplets and CTC


def _margin_check(name: str):
    def check(args: Args) -> None:
        margin = args["margin"]
        compare(margin, "<=")
        if margin <= 0:
            raise LayerError(f"{name}: expected margin to be greater than 0, got {margin} "
                             "instead")

    return check


def _same_rank(a: Shape, p: Shape, n: Shape) -> None:
    if not len(a) == len(p) == len(n):
        raise ShapeError(f"The anchor, positive, and negative tensors are expected to have the "
                         f"same number of dimensions, but got: anchor {len(a)}D, positive "
                         f"{len(p)}D, and negative {len(n)}D inputs")


def _triplet(a: Shape, p: Shape, n: Shape, swap: bool, norm: float = 2.0) -> Shape:
    """`margin + d(a, p) - d(a, n)` (d(a, n) the least of it and d(p, n) with `swap`)."""
    positive, negative = pairwise(a, p, norm), pairwise(a, n, norm)
    if swap:
        negative = broadcast(negative, pairwise(p, n, norm))
    return broadcast(positive, negative)


def _triplet_output(args: Args, inputs: Sequence[Any]) -> Shape:
    a, p, n = _tensors(inputs)
    how = reduction(args)
    check_enum(how)
    op = "triplet_margin_loss"
    float_argument(op, "margin", 4, args["margin"])
    norm = float_argument(op, "p", 5, args["p"])
    float_argument(op, "eps", 6, args["eps"])
    swap = bool_argument(op, "swap", 7, args["swap"])
    _same_rank(a, p, n)
    return reduced(how, _triplet(a, p, n, swap, norm))


def _triplet_distance_output(args: Args, inputs: Sequence[Any]) -> Shape:
    a, p, n = _tensors(inputs)
    how = args["reduction"]
    if not (isinstance(how, str) and how in ("mean", "sum", "none")):
        raise LayerError(f"{how} is not a valid value for reduction")
    _same_rank(a, p, n)
    if args["distance_function"] is not None:
        raise Unresolved("distance_function", "a distance function other than the default "
                         "(PairwiseDistance) is not modelled")
    return reduced(how, _triplet(a, p, n, bool(args["swap"])))


def _ctc_output(args: Args, inputs: Sequence[Any]) -> Shape:
    """CTCLoss: log_probs (T, N, C) or unbatched (T, C), targets (N, S) or concatenated (their
    size is the sum of target_lengths, not known), N input and target lengths."""
    log_probs, targets, input_lengths, target_lengths = _tensors(inputs)
    how = args["reduction"]
    check_enum(how)
    blank = int_argument("ctc_loss", "blank", 5, args["blank"])
    bool_argument("ctc_loss", "zero_infinity", 7, args["zero_infinity"])
    batched = len(log_probs) == 3
    if not log_probs:
        raise ShapeError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    probs = log_probs if batched else (log_probs[0], 1, *log_probs[1:])
    if not math.prod(probs):
        raise ShapeError("log_probs tensor must not be empty")
    checking = "(while checking arguments for ctc_loss_allocate_outputs)"
    if len(probs) != 3:
        raise ShapeError(f"Expected 3-dimensional tensor, but got {len(probs)}-dimensional tensor "
                         f"for argument #1 'log_probs' {checking}")
    if len(targets) not in (1, 2):
        raise ShapeError(f"Expected 1 to 2 dimensions, but got {len(targets)}-dimensional tensor "
                         f"for argument #2 'targets' {checking}")
    samples, labels = probs[1], probs[2]
    if not 0 <= blank < labels:
        raise LayerError("blank must be in label range")
    for name, lengths in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if math.prod(lengths) != samples:
            raise ShapeError(f"{name} must be of size batch_size")
    if len(targets) == 2 and targets[0] != samples:
        raise ShapeError(f"Expected tensor to have size {samples} at dimension 0, but got size "
                         f"{targets[0]} for argument #2 'targets' {checking}")
    return reduced(how, (samples,) if batched else ())


# ---------------------------------------------------------------------------------------
# LinearCrossEntropyLoss: a Linear to the logits, then cross entropy


def _linear_sizes(args: Args) -> Any:
    """(in_features, num_classes, out_features, the Linear's out_features), after the
    constructor's checks in its order."""
    weight = args["weight"]
    classes, extra = args["num_classes"], args["out_features"]
    if weight is not None:
        shape = getattr(weight, "shape", None)
        if shape is None:
            raise LayerError(f"'{type(weight).__name__}' object has no attribute 'shape'")
        if tuple(shape) != (classes,):
            raise LayerError(f"expected weight shape to be {(classes,)}, got {tuple(shape)}")
    smoothing = args["label_smoothing"]
    compare(smoothing, "<")
    if smoothing < 0 or smoothing > 1.0:
        raise LayerError(f"expected label_smoothing to be in range [0, 1], got {smoothing}")
    if not isinstance(extra, (list, tuple)):
        raise LayerError(f"'{type(extra).__name__}' object is not iterable")
    if not all(isinstance(d, (int, float)) for d in (classes, *extra)):
        bad = next(d for d in (classes, *extra) if not isinstance(d, (int, float)))
        raise LayerError(f"unsupported operand type(s) for *: '{type(classes).__name__}' and "
                         f"'{type(bad).__name__}'")
    features = math.prod(extra, start=classes)
    empty((features, args["in_features"]))
    if args["bias"]:
        empty((features,))
    return args["in_features"], classes, tuple(extra), features


def _linear_ce_params(args: Args) -> int:
    cin, _, _, cout = _linear_sizes(args)
    return int(cin * cout + (cout if args["bias"] else 0))


def _linear_ce_output(args: Args, inputs: Sequence[Any]) -> Shape:
    x, t = _tensors(inputs)
    cin, classes, extra, _ = _linear_sizes(args)
    if not 1 <= len(x) <= 2:
        raise ShapeError(f"expected input with dimensionality 1 or 2, got {len(x)}")
    if x[-1] != cin:
        raise ShapeError(f"expected equal input and linear_weight last dimensions (in_features), "
                         f"got {x[-1]} and {cin}, respectively")
    if extra and len(x) == 1:
        raise ShapeError(f"K-dimensional loss defined by linear_weight shape "
                         f"{(classes, *extra, cin)} requires batched input, (N, {cin}), got "
                         f"unbatched input with shape {tuple(x)}")
    logits = (*x[:-1], classes, *extra)
    ignore = args["ignore_index"]
    if tuple(t) == logits and ignore is not None:
        raise LayerError("ignore_index cannot be specified when target contains probabilities")
    if args["options"] is not None:
        raise Unresolved("options", "the chunked path of linear_cross_entropy is not modelled")
    how = args["reduction"]
    check_enum(how)
    weight = tensor_argument(args, "weight")
    return reduced(how, cross_entropy(logits, t, weight, -100 if ignore is None else ignore,
                                      args["label_smoothing"]))


def _linear_ce_macs(args: Args, inputs: Sequence[Any], output: Any) -> int:
    x = tuple(inputs[0])
    return math.prod(x[:-1]) * x[-1] * _linear_sizes(args)[3]


def _linear_ce_standalone(args: Args, size: Shape) -> Any:
    """On its own: one feature vector per sample, a class index per sample (and position)."""
    cin, _, extra, _ = _linear_sizes(args)
    return (cin,), extra


def _buffers(*names: str):
    """_WeightedLoss.__init__ (BCEWithLogitsLoss's too): each a tensor or None."""

    def check(args: Args) -> None:
        for name in names:
            tensor_argument(args, name)

    return check


WEIGHT = _buffers("weight")
SPECS = [
    _loss("L1Loss", LEGACY, _pointwise("L1Loss")),
    _loss("NLLLoss", lambda weight=None, size_average=None, ignore_index=-100, reduce=None,
          reduction="mean": None, _nll_output, check=WEIGHT),
    _loss("NLLLoss2d", lambda weight=None, size_average=None, ignore_index=-100, reduce=None,
          reduction="mean": None, _nll_output, check=WEIGHT),
    _loss("PoissonNLLLoss", lambda log_input=True, full=False, size_average=None, eps=1e-08,
          reduce=None, reduction="mean": None, _poisson_output,
          forward_of=lambda log_input, target: None),
    _loss("GaussianNLLLoss", lambda *, full=False, eps=1e-06, reduction="mean": None,
          _gaussian_output, forward_of=lambda input, target, var: None),
    _loss("KLDivLoss", lambda size_average=None, reduce=None, reduction="mean",
          log_target=False: None, _kl_div_output),
    _loss("MSELoss", LEGACY, _pointwise("MSELoss")),
    _loss("BCELoss", WEIGHTED, _bce_output,
          check=WEIGHT),
    _loss("BCEWithLogitsLoss", lambda weight=None, size_average=None, reduce=None,
          reduction="mean", pos_weight=None: None, _bce_logits_output,
          check=_buffers("weight", "pos_weight")),
    _loss("HingeEmbeddingLoss", lambda margin=1.0, size_average=None, reduce=None,
          reduction="mean": None, _hinge_output),
    _loss("MultiLabelMarginLoss", LEGACY, _multilabel_margin_output),
    _loss("SmoothL1Loss", lambda size_average=None, reduce=None, reduction="mean", beta=1.0: None,
          _pointwise("SmoothL1Loss")),
    _loss("HuberLoss", lambda reduction="mean", delta=1.0: None, _pointwise("HuberLoss"),
          check=_huber_check),
    _loss("SoftMarginLoss", LEGACY, _soft_margin_output),
    _loss("CrossEntropyLoss", lambda weight=None, size_average=None, ignore_index=-100,
          reduce=None, reduction="mean", label_smoothing=0.0: None, _cross_entropy_output,
          check=WEIGHT),
    _loss("MultiLabelSoftMarginLoss", WEIGHTED, _soft_margin_multilabel_output,
          check=WEIGHT),
    _loss("CosineEmbeddingLoss", lambda margin=0.0, size_average=None, reduce=None,
          reduction="mean": None, _cosine_embedding_output, forward_of=PAIR),
    _loss("MarginRankingLoss", lambda margin=0.0, size_average=None, reduce=None,
          reduction="mean": None, _margin_ranking_output, forward_of=PAIR),
    _loss("MultiMarginLoss", lambda p=1, margin=1.0, weight=None, size_average=None, reduce=None,
          reduction="mean": None, _multi_margin_output, check=_multi_margin_check),
    _loss("TripletMarginLoss", lambda margin=1.0, p=2.0, eps=1e-06, swap=False,
          size_average=None, reduce=None, reduction="mean": None, _triplet_output,
          forward_of=TRIPLET, check=_margin_check("TripletMarginLoss")),
    _loss("TripletMarginWithDistanceLoss", lambda *, distance_function=None, margin=1.0,
          swap=False, reduction="mean": None, _triplet_distance_output, forward_of=TRIPLET,
          check=_margin_check("TripletMarginWithDistanceLoss")),
    _loss("CTCLoss", lambda blank=0, reduction="mean", zero_infinity=False: None, _ctc_output,
          forward_of=lambda log_probs, targets, input_lengths, target_lengths: None),
    _loss("LinearCrossEntropyLoss", lambda in_features, num_classes, *, out_features=(),
          bias=False, device=None, dtype=None, reduction="mean", weight=None, ignore_index=None,
          label_smoothing=0.0, options=None: None, _linear_ce_output,
          params=_linear_ce_params, macs=_linear_ce_macs,
          standalone_inputs=_linear_ce_standalone),
]
