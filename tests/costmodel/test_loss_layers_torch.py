"""Oracle and differential tests for the loss modules, the distances and the adaptive softmax
in the catalogue (macslint.costmodel.layers.losses, .distance, .adaptive): every class of
torch.nn.modules.loss, CosineSimilarity, PairwiseDistance and AdaptiveLogSoftmaxWithLoss.
PyTorch is the source of truth, never our formulas.

* Valid configurations (a grid per class: constructor arguments x input shapes x reduction):
  the module is built and called, in eval mode with grad enabled, on zero tensors
  (class-index targets as int64) under FlopCounterMode; the catalogue must give its parameter
  count, what it returns (a shape, AdaptiveLogSoftmaxWithLoss's (output, loss)) as the CPU
  kernels return it, and MACs = flops / 2 on the meta device. CTCLoss, GaussianNLLLoss (given
  a tensor var) and AdaptiveLogSoftmaxWithLoss cannot run on meta (no meta kernel, `.item()`,
  `nonzero()`): they are counted on the CPU (`torch_truth` says where else meta and the CPU
  part). The CPU must accept every valid call.
* Invalid configurations: where torch raises (building, or calling on the CPU), the
  catalogue raises LayerError, a ShapeError where it is the inputs that do not fit.
* Differential (hypothesis): a strategy per class draws constructor arguments and input
  shapes (valid mostly, near misses sometimes); each example is a one-layer model that
  macslint checks in process, compared with torch building and calling the same module, as
  tests/costmodel/test_differential.py does for the one-input layers (`tested_elsewhere`
  leaves these families to this module).
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple

import pytest
import torch
import torch.nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.costmodel import LAYERS, LayerError, ShapeError, ShapeTuple, Unresolved, flat_shapes
from macslint.costmodel.spec import bind
from macslint.engine import check_source
from tests.costmodel.test_catalogue_torch import _fmt
from tests.costmodel import test_differential as differential
from tests.costmodel.test_differential import batch, near, often, split_call
from tests.helpers import examples

# torch warns: deprecated size_average/reduce, broadcast targets, 'mean' of KLDivLoss
pytestmark = pytest.mark.filterwarnings("ignore")

Shape = Tuple[int, ...]
FAMILY = sorted(name for name, spec in LAYERS.items()
                if spec.module in ("loss", "distance", "adaptive"))
# no meta kernel (CTCLoss), `.item()` of var's check (GaussianNLLLoss), nonzero() (ASM)
ON_CPU = {"CTCLoss", "GaussianNLLLoss", "AdaptiveLogSoftmaxWithLoss"}


class W:
    """A tensor given to a constructor (a loss's `weight`): torch.ones of `shape` for torch,
    a value with its shape for the catalogue (as the tracer's tensors have)."""

    def __init__(self, *shape: int) -> None:
        self.shape = tuple(shape)

    def __repr__(self) -> str:
        return f"torch.ones({self.shape!r})"

    def torch(self, device: str) -> torch.Tensor:
        return torch.ones(self.shape, device=device)


class I:  # noqa: E742 - an input
    """A forward() input: zeros of `shape`, float32 or int64 (`long`: class indices, lengths)."""

    def __init__(self, *shape: int, long: bool = False) -> None:
        self.shape, self.long = tuple(shape), long

    def __repr__(self) -> str:
        return ("L" if self.long else "") + _fmt(self.shape)

    def torch(self, device: str) -> torch.Tensor:
        return torch.zeros(self.shape, dtype=torch.long if self.long else torch.float32,
                           device=device)

    def source(self) -> str:
        dtype = ", dtype=torch.long" if self.long else ""
        return f"torch.zeros({self.shape!r}{dtype})"


def L(*shape: int) -> I:  # noqa: N802, E743
    return I(*shape, long=True)


def _torch_value(value: Any, device: str) -> Any:
    return value.torch(device) if isinstance(value, (W, I)) else value


def _ours(value: Any) -> Any:
    return value.shape if isinstance(value, I) else value


# ---------------------------------------------------------------------------
# The oracle and the catalogue


def _structure(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return ShapeTuple(_structure(v) for v in value)


def _run(name: str, pos, kw, inputs, device: str) -> Tuple[int, Any, int]:
    with torch.device(device):
        module = getattr(nn, name)(*[_torch_value(v, device) for v in pos],
                                   **{k: _torch_value(v, device) for k, v in kw.items()}).eval()
    with torch.enable_grad(), FlopCounterMode(display=False) as counter:
        y = module(*[_torch_value(v, device) for v in inputs])
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    return sum(p.numel() for p in module.parameters()), _structure(y), flops // 2


def torch_truth(name: str, pos, kw, inputs) -> Tuple[int, Any, int]:
    """(params, output structure, MACs): built and called in eval mode with grad enabled;
    what it returns as the CPU kernels return it, the MACs FlopCounterMode counts on meta.
    Where meta cannot run the call (no meta kernel: CTCLoss; `.item()`, `nonzero()`: a
    GaussianNLLLoss's var, AdaptiveLogSoftmaxWithLoss; a meta function stricter than the CPU
    kernel: nll_loss of a 1-D input and a target of one class, a 0-D class weight of 3-D
    inputs) the MACs are the CPU's. The meta functions of the margin losses also return (1,)
    for an unbatched call, where the CPU kernels return (): the catalogue follows the CPU."""
    params, structure, macs = _run(name, pos, kw, inputs, "cpu")
    if name not in ON_CPU:
        try:
            macs = _run(name, pos, kw, inputs, "meta")[2]
        except (RuntimeError, IndexError, NotImplementedError):
            pass
    return params, structure, macs


def torch_error(name: str, pos, kw, inputs: Optional[Sequence[Any]] = None) -> Optional[str]:
    """torch's message building (and, given inputs, calling) the module on the CPU; None when
    it accepts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = getattr(nn, name)(*[_torch_value(v, "cpu") for v in pos],
                                       **{k: _torch_value(v, "cpu") for k, v in kw.items()})
            if inputs is not None:
                module(*[_torch_value(v, "cpu") for v in inputs])
    except Exception as exc:  # noqa: BLE001 - any exception is torch saying no
        return f"{type(exc).__name__}: {exc}"
    return None


def catalogue_answer(name: str, pos, kw, inputs) -> Tuple[int, Any, int]:
    spec = LAYERS[name]
    args = spec.bind(pos, kw)
    spec.check_args(args)
    values = bind(spec.forward_of, f"{name}.forward()", [_ours(v) for v in inputs], {})
    try:
        output, macs = spec.run(args, list(values.values()))
    except Unresolved:  # the adaptive softmax's tails: the targets' values decide
        output, macs = spec.output(args, list(values.values())), UNKNOWN
    return spec.params(args), output, macs


UNKNOWN = "unknown: the targets' values decide"


def data_dependent(name: str, inputs: Sequence[Any]) -> bool:
    """AdaptiveLogSoftmaxWithLoss on at least one sample: its tail clusters' MACs depend on
    the targets' values, which macslint does not know (torch counts zeros' here)."""
    return name == "AdaptiveLogSoftmaxWithLoss" and not (inputs[0].shape and inputs[0].shape[0] == 0)


def case(name: str, pos: Sequence[Any], kw: Dict[str, Any], inputs: Sequence[Any], **marks):
    args = [_fmt(p) for p in pos] + [f"{k}={_fmt(v)}" for k, v in kw.items()]
    ident = f"{name}({','.join(args)})@" + "&".join(map(repr, inputs))
    return pytest.param(name, tuple(pos), dict(kw), list(inputs), id=ident, **marks)


# ---------------------------------------------------------------------------
# 1. Valid configurations

R = ("none", "mean", "sum")
# input, target pairs every broadcasting loss takes (0-D, empty, broadcast targets)
BROADCAST = [((2, 3), (2, 3)), ((2, 3, 4), (3, 4)), ((4,), (4,)), ((), ()), ((0, 3), (0, 3)),
             ((2, 1), (1, 3)), ((3,), (2, 3))]
# losses computing into a tensor of the input's shape: targets broadcast to it
INTO = [((2, 3), (2, 3)), ((2, 3, 4), (3, 4)), ((4,), (1,)), ((), ()), ((0, 3), (0, 3)),
        ((2, 3), ())]
SAME = [((2, 3), (2, 3)), ((2, 3, 4), (2, 3, 4)), ((4,), (4,)), ((), ()), ((0, 3), (0, 3))]
LEGACY = [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True},
          {"reduce": False, "reduction": "sum"}]
CLASS_INDICES = [((5,), L()), ((5,), L(1)), ((2, 5), L(2)), ((2, 5, 3), L(2, 3)),
                 ((2, 5, 3, 4), L(2, 3, 4)), ((2, 5, 3, 4, 2), L(2, 3, 4, 2)), ((0, 5), L(0)),
                 ((2, 5, 0), L(2, 0)), ((0, 5, 3, 4), L(0, 3, 4)), ((1, 5), L(1))]
PROBABILITIES = [((2, 5), I(2, 5)), ((5,), I(5)), ((2, 5, 3), I(2, 5, 3)), ((0, 5), I(0, 5)),
                 ((2, 0), I(2, 0))]


def _pairs(name: str, pairs, arguments: Sequence[Dict[str, Any]], reductions=R) -> list:
    cases = []
    for kw in arguments:
        for how in reductions:
            for x, t in pairs:
                t = t if isinstance(t, I) else I(*t)
                cases.append(case(name, (), {**kw, "reduction": how}, [I(*x), t]))
    for kw in LEGACY if "size_average" in LAYERS[name].signature.parameters else ():
        cases.append(case(name, (), kw, [I(*pairs[0][0]), I(*pairs[0][1])]))
    return cases


def _broadcasting_cases() -> list:
    return [
        *_pairs("L1Loss", BROADCAST, [{}]),
        *_pairs("MSELoss", BROADCAST, [{}]),
        *_pairs("SmoothL1Loss", BROADCAST, [{}, {"beta": 0.0}, {"beta": 0.5}]),
        *_pairs("HuberLoss", BROADCAST, [{}, {"delta": 2.0}, {"delta": True}]),
        *_pairs("HingeEmbeddingLoss", BROADCAST, [{}, {"margin": 0.5}]),
        *_pairs("KLDivLoss", BROADCAST, [{}, {"log_target": True}],
                R + ("batchmean", "elementwise_mean")),
        *_pairs("PoissonNLLLoss", BROADCAST, [{}, {"log_input": False, "full": True,
                                                   "eps": 1e-4}]),
        *_pairs("SoftMarginLoss", INTO, [{}]),
        *_pairs("MultiLabelSoftMarginLoss", [p for p in BROADCAST if p[0]] + [((2, 3), (4, 2, 3))],
                [{}, {"weight": W()}]),
        *_pairs("MultiLabelSoftMarginLoss", [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3))],
                [{"weight": W(3)}, {"weight": W(2, 1)}, {"weight": W(4, 1, 1)}]),
        *_pairs("BCELoss", SAME, [{}]),
        *_pairs("BCELoss", SAME[:1], [{"weight": W(3)}, {"weight": W(2, 1)}, {"weight": W()},
                                      {"weight": W(2, 3)}]),
        *_pairs("BCEWithLogitsLoss", SAME, [{}]),
        *_pairs("BCEWithLogitsLoss", SAME[:2], [{"weight": W(1)}, {"pos_weight": W(1)}]),
        *_pairs("BCEWithLogitsLoss", SAME[:1], [{"weight": W(3), "pos_weight": W(3)},
                                                {"weight": W(2, 1)}, {"pos_weight": W(2, 3)}]),
    ]


def _gaussian_cases() -> list:
    triples = [((2, 3), (2, 3), (2, 3)), ((2, 3), (2, 3), (2,)), ((2, 3), (2, 3), (2, 1)),
               ((2, 3), (2, 3), (1, 3)), ((2, 3, 4), (2, 3, 4), (2, 1, 4)), ((3,), (3,), ()),
               ((2, 3), (3,), (2, 3)), ((), (), ()), ((0, 3), (0, 3), (0,)),
               ((2, 1), (2, 3), (2,)), ((2, 3), (), (2, 3))]
    cases = []
    for kw in ({}, {"full": True, "eps": 1e-3}):
        for how in R:
            for x, t, v in triples:
                cases.append(case("GaussianNLLLoss", (), {**kw, "reduction": how},
                                  [I(*x), I(*t), I(*v)]))
    return cases


def _class_index_cases() -> list:
    cases = []
    for name in ("NLLLoss", "NLLLoss2d", "CrossEntropyLoss"):
        options = [{}, {"weight": W(5)}, {"ignore_index": 1}]
        if name == "CrossEntropyLoss":
            options += [{"label_smoothing": 0.1}, {"label_smoothing": 0.2, "weight": W(5)},
                        {"label_smoothing": -0.5}]
        for kw in options:
            for how in R:
                for x, t in CLASS_INDICES:
                    if not (kw.get("label_smoothing", 0) > 0 and t.shape == (1,)):
                        cases.append(case(name, (), {**kw, "reduction": how}, [I(*x), t]))
        cases.append(case(name, (W(5), None, 3, None, "sum"), {}, [I(2, 5, 3), L(2, 3)]))
        cases.append(case(name, (), {"reduce": False}, [I(2, 5), L(2)]))
    for kw in ({}, {"weight": W(5)}, {"label_smoothing": 0.3}, {"ignore_index": -1}):
        for how in R:
            for x, t in PROBABILITIES:
                if kw.get("weight") is None or x[-1] == 5:
                    cases.append(case("CrossEntropyLoss", (), {**kw, "reduction": how},
                                      [I(*x), t]))
    margin = [((2, 5), L(2)), ((5,), L()), ((5,), L(1)), ((), L()), ((), L(1)), ((0, 5), L(0)),
              ((1, 5), L())]
    for kw in ({}, {"p": 2, "margin": 0.5}, {"weight": W(5)}, {"p": 2.0, "margin": True}):
        for how in R:
            for x, t in margin:
                if kw.get("weight") is None or (x[-1:] or (1,)) == (5,):
                    cases.append(case("MultiMarginLoss", (), {**kw, "reduction": how}, [I(*x), t]))
    for how in R:
        for x, t in [((2, 5), L(2, 5)), ((5,), L(5)), ((), L()), ((), L(1)), ((0, 5), L(0, 5))]:
            cases.append(case("MultiLabelMarginLoss", (), {"reduction": how}, [I(*x), t]))
    cases.append(case("MultiLabelMarginLoss", (), {"size_average": False}, [I(2, 5), L(2, 5)]))
    cases.append(case("MultiMarginLoss", (1, 1.0, None, None, False), {}, [I(2, 5), L(2)]))
    return cases


def _embedding_cases() -> list:
    cases = []
    pairs = [((2, 5), (2, 5), (2,)), ((5,), (5,), ()), ((1, 5), (2, 5), (2,)),
             ((2, 0), (2, 0), (2,)), ((0, 5), (0, 5), (0,)), ((2, 5), (2, 5), (1,))]
    ranking = [((3,), (3,), (3,)), ((2, 3), (2, 1), (1, 3)), ((), (), ()), ((0,), (0,), (0,)),
               ((2, 3), (2, 3), (1, 1))]
    triplets = [((2, 5),) * 3, ((5,),) * 3, ((),) * 3, ((2, 3, 5), (1, 3, 5), (2, 1, 5)),
                ((2, 5), (1, 5), (2, 1)), ((0, 5),) * 3, ((2, 0),) * 3]
    for name, shapes, options in (
            ("CosineEmbeddingLoss", pairs, [{}, {"margin": 0.5}]),
            ("MarginRankingLoss", ranking, [{}, {"margin": 0.2}]),
            ("TripletMarginLoss", triplets,
             [{}, {"margin": 0.5, "p": 1.0, "swap": True}, {"p": 3, "eps": 0.0}]),
            ("TripletMarginWithDistanceLoss", triplets, [{}, {"margin": 2.0, "swap": True}])):
        for kw in options:
            for how in R:
                for three in shapes:
                    cases.append(case(name, (), {**kw, "reduction": how}, [I(*s) for s in three]))
    cases.append(case("TripletMarginLoss", (1.0, 2.0, 1e-6, False, None, False), {},
                      [I(2, 5)] * 3))
    return cases


def _ctc_cases() -> list:
    cases = []
    calls = [[I(7, 2, 5), L(2, 3), L(2), L(2)], [I(7, 5), L(1, 3), L(), L()],
             [I(7, 2, 5), L(0), L(2), L(2)], [I(7, 5), L(0), L(), L()],
             [I(7, 2, 5), L(2, 3), L(1, 2), L(2, 1)], [I(1, 1, 1), L(1, 0), L(1), L(1)],
             [I(7, 2, 5), L(2, 0), L(2), L(2)]]
    for kw in ({}, {"blank": 4, "zero_infinity": True}):
        for how in R + ("elementwise_mean",):
            for inputs in calls:
                if kw.get("blank", 0) < inputs[0].shape[-1]:
                    cases.append(case("CTCLoss", (), {**kw, "reduction": how}, inputs))
    return cases


def _linear_cross_entropy_cases() -> list:
    cases = []
    for kw, calls in (
            ({}, [[I(2, 6), L(2)], [I(6), L()], [I(0, 6), L(0)], [I(2, 6), I(2, 5)], [I(6), I(5)]]),
            ({"bias": True, "weight": W(5)}, [[I(2, 6), L(2)], [I(2, 6), I(2, 5)]]),
            ({"out_features": (3,)}, [[I(2, 6), L(2, 3)], [I(2, 6), I(2, 5, 3)]]),
            ({"out_features": [3, 2], "bias": True}, [[I(4, 6), L(4, 3, 2)]]),
            ({"ignore_index": 1, "label_smoothing": 0.2}, [[I(2, 6), L(2)], [I(6), L()]]),
            ({"ignore_index": -1}, [[I(6), L(1)]]),
            ({"label_smoothing": 1.0}, [[I(2, 6), I(2, 5)]]),
            ({"out_features": (0,)}, [[I(2, 6), L(2, 0)]])):
        for how in R:
            for inputs in calls:
                cases.append(case("LinearCrossEntropyLoss", (6, 5), {**kw, "reduction": how},
                                  inputs))
    cases.append(case("LinearCrossEntropyLoss", (0, 3), {}, [I(2, 0), L(2)]))
    cases.append(case("LinearCrossEntropyLoss", (), {"in_features": 4, "num_classes": 1},
                      [I(3, 4), L(3)]))
    return cases


def _distance_cases() -> list:
    cases = []
    for kw in ({}, {"dim": 0}, {"dim": -1}, {"dim": 2, "eps": 0.0}, {"dim": -3}):
        for x1, x2 in [((2, 5), (2, 5)), ((2, 3, 5), (3, 5)), ((5,), (2, 5)), ((2, 1), (2, 5)),
                       ((2, 3, 4), (2, 3, 4)), ((0, 5), (0, 5)), ((2, 4, 0), (2, 4, 0))]:
            rank = max(len(x1), len(x2))
            if -rank <= kw.get("dim", 1) < rank:
                cases.append(case("CosineSimilarity", (), kw, [I(*x1), I(*x2)]))
    for kw in ({"dim": 0}, {"dim": -1}):
        for x in [(), (5,), (0,)]:
            cases.append(case("CosineSimilarity", (), kw, [I(*x), I(*x)]))
    for kw in ({}, {"keepdim": True}, {"p": 1.0, "eps": 0.0}, {"p": float("inf")}, {"p": -1},
               {"p": 0, "keepdim": True}):
        for x1, x2 in [((2, 5), (2, 5)), ((2, 3, 5), (3, 5)), ((5,), (5,)), ((), ()),
                       ((0, 5), (0, 5)), ((2, 1), (2, 5)), ((5,), (2, 5)), ((0,), (0,))]:
            if kw.get("p", 2) >= 0 and kw.get("p") != float("inf") or x1[-1:] != (0,):
                cases.append(case("PairwiseDistance", (), kw, [I(*x1), I(*x2)]))
    return cases


def _adaptive_cases() -> list:
    cases = []
    for pos, kw in (((8, 10, [4, 8]), {}), ((8, 10, [2]), {}),
                    ((8, 10, (4, 8)), {"div_value": 2.0, "head_bias": True}),
                    ((5, 20, [3, 7, 12]), {"div_value": 1.5}), ((8, 10, [9]), {"div_value": 8}),
                    ((), {"in_features": 16, "n_classes": 100, "cutoffs": [10, 50]})):
        features = pos[0] if pos else kw["in_features"]
        for inputs in ([I(5, features), L(5)], [I(features), L()], [I(0, features), L(0)]):
            cases.append(case("AdaptiveLogSoftmaxWithLoss", pos, kw, inputs))
    return cases


# one call each loss takes, for the legacy arguments
ONE_CALL = {"NLLLoss": [I(2, 5), L(2)], "NLLLoss2d": [I(2, 5, 3, 4), L(2, 3, 4)],
            "CrossEntropyLoss": [I(2, 5), L(2)], "MultiMarginLoss": [I(2, 5), L(2)],
            "MultiLabelMarginLoss": [I(2, 5), L(2, 5)],
            "CosineEmbeddingLoss": [I(2, 5), I(2, 5), I(2)],
            "MarginRankingLoss": [I(2), I(2), I(2)], "TripletMarginLoss": [I(2, 5)] * 3}


def _legacy_cases() -> list:
    """size_average and reduce, which decide the reduction when given (any truth value)."""
    cases = []
    for name, inputs in ONE_CALL.items():
        for kw in [*LEGACY, {"size_average": 0, "reduce": 1, "reduction": "avg"}]:
            cases.append(case(name, (), kw, inputs))
    return cases


VALID_CASES = [*_broadcasting_cases(), *_gaussian_cases(), *_class_index_cases(),
               *_embedding_cases(), *_ctc_cases(), *_linear_cross_entropy_cases(),
               *_distance_cases(), *_adaptive_cases(), *_legacy_cases()]


@pytest.mark.parametrize("name, pos, kw, inputs", VALID_CASES)
def test_valid_configuration_matches_torch(name, pos, kw, inputs):
    assert torch_error(name, pos, kw, inputs) is None  # the real kernels accept it
    expected = torch_truth(name, pos, kw, inputs)
    if data_dependent(name, inputs):
        expected = (*expected[:2], UNKNOWN)
    got = catalogue_answer(name, pos, kw, inputs)
    assert got == expected, f"catalogue (params, output, MACs) {got} != torch {expected}"


def test_a_float_var_of_gaussian_nll_loss_is_the_input_s_shape():
    """forward(input, target, var) takes a float var too (torch broadcasts it as ones_like
    the input); on meta too, where no tensor's values are compared."""
    for how in R:
        inputs = [I(2, 3), I(1, 3), 0.5]
        assert catalogue_answer("GaussianNLLLoss", (), {"reduction": how}, inputs) == \
            torch_truth("GaussianNLLLoss", (), {"reduction": how}, inputs)


# ---------------------------------------------------------------------------
# 2. Invalid configurations: torch raises, and so does the catalogue ("shape": the inputs
# do not fit, a ShapeError; "args": a value torch refuses, a LayerError of the arguments)


def bad(name: str, pos, kw, inputs: Optional[Sequence[Any]], kind: str):
    args = [_fmt(p) for p in pos] + [f"{k}={_fmt(v)}" for k, v in kw.items()]
    ident = f"{name}({','.join(args)})"
    if inputs is not None:
        ident += "@" + "&".join(map(repr, inputs))
    return pytest.param(name, tuple(pos), dict(kw), inputs, kind, id=ident)


def _invalid_cases() -> list:
    x, t = I(2, 3), I(2, 3)
    cases = [bad(n, (), {"reduction": "avg"}, [x, t], "args") for n in (
        "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "HingeEmbeddingLoss",
        "KLDivLoss", "PoissonNLLLoss", "BCELoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss")]
    cases += [bad(n, (), {"reduction": None}, [x, t], "args") for n in (
        "L1Loss", "PoissonNLLLoss", "MultiLabelSoftMarginLoss")]
    cases += [bad(n, (), {"reduction": "elementwise_mean"}, [x, t], "args") for n in (
        "PoissonNLLLoss", "MultiLabelSoftMarginLoss")]
    cases += [bad(n, (), {}, [I(2, 3), I(2, 4)], "shape") for n in (
        "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "HingeEmbeddingLoss",
        "KLDivLoss", "PoissonNLLLoss", "BCELoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss")]
    cases += [
        bad("SoftMarginLoss", (), {}, [I(2, 1), I(1, 3)], "shape"),  # computed into the input
        bad("SoftMarginLoss", (), {}, [I(3), I(2, 3)], "shape"),
        bad("BCELoss", (), {}, [I(2, 3), I(3)], "shape"),
        bad("BCEWithLogitsLoss", (), {}, [I(2, 3), I(2, 1)], "shape"),
        bad("BCELoss", (), {"weight": W(4)}, [x, t], "shape"),
        bad("BCELoss", (), {"weight": W(3, 2, 3)}, [x, t], "shape"),
        bad("BCEWithLogitsLoss", (), {"weight": W(4)}, [x, t], "shape"),
        bad("BCEWithLogitsLoss", (), {"pos_weight": W(3, 2, 3)}, [x, t], "shape"),
        bad("BCEWithLogitsLoss", (), {"weight": W(3, 2, 3)}, [x, t], "shape"),
        bad("MultiLabelSoftMarginLoss", (), {"weight": W(4)}, [x, t], "shape"),
        bad("MultiLabelSoftMarginLoss", (), {}, [I(), I()], "shape"),
        bad("BCELoss", (), {"weight": [1.0, 2.0]}, None, "args"),  # a buffer: a tensor or None
        bad("BCEWithLogitsLoss", (), {"pos_weight": 1}, None, "args"),
        bad("NLLLoss", (3,), {}, None, "args"),
        bad("SmoothL1Loss", (), {"beta": -1}, [x, t], "args"),
        bad("SmoothL1Loss", (), {"beta": "1"}, [x, t], "args"),
        bad("HuberLoss", (), {"delta": 0}, [x, t], "args"),
        bad("HuberLoss", (), {"delta": "1"}, None, "args"),
        bad("HingeEmbeddingLoss", (None,), {}, [x, t], "args"),
        bad("KLDivLoss", (), {"log_target": 1}, [x, t], "args"),
        bad("PoissonNLLLoss", (), {"full": 1}, [x, t], "args"),
        bad("PoissonNLLLoss", (), {"eps": "0"}, [x, t], "args"),
        bad("GaussianNLLLoss", (), {}, [x, t, I(1, 1)], "shape"),
        bad("GaussianNLLLoss", (), {}, [x, t, I(3)], "shape"),
        bad("GaussianNLLLoss", (), {}, [x, t, I(2, 3, 1)], "shape"),
        bad("GaussianNLLLoss", (), {}, [x, t, I()], "shape"),
        bad("GaussianNLLLoss", (), {}, [x, I(4, 3), x], "shape"),
        bad("GaussianNLLLoss", (), {}, [I(2, 3, 4), I(2, 3, 4), I(1, 3, 1)], "shape"),
        bad("GaussianNLLLoss", (), {"reduction": "avg"}, [x, t, x], "args"),
        bad("GaussianNLLLoss", (), {"eps": None}, [x, t, x], "args"),
        bad("GaussianNLLLoss", (), {}, [x, t, -1.0], "args"),
        bad("GaussianNLLLoss", (), {}, [x, t, 1], "args"),
        bad("GaussianNLLLoss", (1,), {}, None, "args"),  # keyword-only
        bad("MarginRankingLoss", (), {}, [I(2), I(2, 3), I(2)], "shape"),
        bad("MarginRankingLoss", (), {}, [I(2), I(2), I(3)], "shape"),
        bad("MarginRankingLoss", (None,), {}, [I(2), I(2), I(2)], "args"),
        bad("CosineEmbeddingLoss", (), {}, [I(5), I(5), I(1)], "shape"),
        bad("CosineEmbeddingLoss", (), {}, [I(2, 5), I(2, 5), I()], "shape"),
        bad("CosineEmbeddingLoss", (), {}, [I(2, 5), I(2, 5), I(2, 1)], "shape"),
        bad("CosineEmbeddingLoss", (), {}, [I(2, 5), I(2, 4), I(2)], "shape"),
        bad("CosineEmbeddingLoss", (), {}, [I(2, 5), I(2, 5), I(3)], "shape"),
        bad("CosineEmbeddingLoss", (), {}, [I(), I(), I()], "shape"),
        bad("CosineEmbeddingLoss", (), {"reduction": "avg"}, [I(5), I(5), I()], "args"),
    ]
    for name in ("NLLLoss", "NLLLoss2d", "CrossEntropyLoss"):
        cases += [
            bad(name, (), {}, [I(), L()], "shape"),
            bad(name, (), {}, [I(5), L(2)], "shape"),
            bad(name, (), {}, [I(5), L(1, 1)], "shape"),
            bad(name, (), {}, [I(2, 5), L(3)], "shape"),
            bad(name, (), {}, [I(2, 5), L(2, 1)], "shape"),
            bad(name, (), {}, [I(2, 5), L()], "shape"),
            bad(name, (), {}, [I(0, 5), L()], "shape"),
            bad(name, (), {}, [I(2, 5, 3), L(2, 4)], "shape"),
            bad(name, (), {}, [I(2, 5, 3), L(2)], "shape"),
            bad(name, (), {}, [I(2, 5, 3, 4), L(2, 3)], "shape"),
            bad(name, (), {}, [I(2, 5, 3, 4), L(2, 3, 5)], "shape"),
            bad(name, (), {}, [I(2, 5, 3, 4, 2), L(2, 3, 4)], "shape"),
            bad(name, (), {}, [I(2, 0), L(2)], "shape"),  # no class to index
            bad(name, (), {}, [I(2, 0, 3), L(2, 3)], "shape"),
            bad(name, (), {}, [I(2, 0, 3, 4), L(2, 3, 4)], "shape"),
            bad(name, (), {"weight": W(4)}, [I(2, 5), L(2)], "shape"),
            bad(name, (), {"weight": W(1, 5)}, [I(2, 5), L(2)], "shape"),
            bad(name, (), {"weight": W(4)}, [I(2, 5, 3), L(2, 3)], "shape"),
            bad(name, (), {"reduction": "avg"}, [I(2, 5), L(3)], "args"),
            bad(name, (), {"ignore_index": None}, [I(2, 5), L(2)], "args"),
            bad(name, (), {"ignore_index": True}, [I(2, 5), L(2)], "args"),
            bad(name, (), {"weight": 1}, None, "args"),
        ]
    cases += [
        bad("CrossEntropyLoss", (), {"label_smoothing": 1.5}, [I(2, 5), L(2)], "args"),
        bad("CrossEntropyLoss", (), {"label_smoothing": 1.5}, [I(2, 5), I(2, 5)], "args"),
        bad("CrossEntropyLoss", (), {"label_smoothing": None}, [I(2, 5), L(2)], "args"),
        bad("CrossEntropyLoss", (), {"label_smoothing": 0.1}, [I(5), L(1)], "shape"),
        bad("CrossEntropyLoss", (), {"ignore_index": 2}, [I(2, 5), I(2, 5)], "args"),
        bad("CrossEntropyLoss", (), {"weight": W(4)}, [I(2, 5), I(2, 5)], "shape"),
        bad("MultiMarginLoss", (3,), {}, None, "args"),
        bad("MultiMarginLoss", (), {"weight": W(1, 5)}, None, "args"),
        bad("MultiMarginLoss", (), {"weight": W()}, None, "args"),
        bad("MultiMarginLoss", (), {"weight": W(4)}, [I(2, 5), L(2)], "shape"),
        bad("MultiMarginLoss", (), {"margin": None}, [I(2, 5), L(2)], "args"),
        bad("MultiMarginLoss", (), {"reduction": "avg"}, [I(2, 5), L(3)], "args"),
    ]
    for name in ("MultiMarginLoss", "MultiLabelMarginLoss"):
        cases += [bad(name, (), {}, [I(2, 5, 3), L(2)], "shape"),
                  bad(name, (), {}, [I(2, 0), L(2)], "shape"),
                  bad(name, (), {}, [I(0), L(0)], "shape")]
    cases += [
        bad("MultiMarginLoss", (), {}, [I(2, 5), L(3)], "shape"),
        bad("MultiMarginLoss", (), {}, [I(2, 5), L()], "shape"),
        bad("MultiMarginLoss", (), {}, [I(5), L(2)], "shape"),
        bad("MultiMarginLoss", (), {}, [I(2, 5), L(2, 1)], "shape"),
        bad("MultiMarginLoss", (), {}, [I(0, 5), L()], "shape"),
        bad("MultiLabelMarginLoss", (), {}, [I(5), L(4)], "shape"),
        bad("MultiLabelMarginLoss", (), {}, [I(5), L()], "shape"),
        bad("MultiLabelMarginLoss", (), {}, [I(2, 5), L(3, 5)], "shape"),
        bad("MultiLabelMarginLoss", (), {}, [I(2, 5), L(5)], "shape"),
    ]
    for name in ("TripletMarginLoss", "TripletMarginWithDistanceLoss"):
        three = [I(2, 5)] * 3
        cases += [
            bad(name, (), {"margin": 0}, None, "args"),
            bad(name, (), {"margin": -1.0}, None, "args"),
            bad(name, (), {"margin": "1"}, None, "args"),
            bad(name, (), {"reduction": "avg"}, three, "args"),
            bad(name, (), {}, [I(2, 5), I(2, 5), I(5)], "shape"),
            bad(name, (), {}, [I(2, 5), I(3, 5), I(2, 5)], "shape"),
            bad(name, (), {}, [I(2, 5), I(2, 5), I(2, 4)], "shape"),
            bad(name, (), {}, [I(1, 5), I(2, 5), I(3, 5)], "shape"),
        ]
    cases += [
        bad("TripletMarginLoss", (), {"p": "2"}, [I(2, 5)] * 3, "args"),
        bad("TripletMarginLoss", (), {"swap": 1}, [I(2, 5)] * 3, "args"),
        bad("TripletMarginLoss", (), {"p": float("inf")}, [I(2, 0)] * 3, "shape"),
        bad("TripletMarginWithDistanceLoss", (1.0,), {}, None, "args"),  # keyword-only
    ]
    ctc = [I(7, 2, 5), L(2, 3), L(2), L(2)]
    cases += [
        bad("CTCLoss", (), {"reduction": "avg"}, ctc, "args"),
        bad("CTCLoss", (5,), {}, ctc, "args"),
        bad("CTCLoss", (-1,), {}, ctc, "args"),
        bad("CTCLoss", (1.0,), {}, ctc, "args"),
        bad("CTCLoss", (True,), {}, ctc, "args"),
        bad("CTCLoss", (), {"zero_infinity": 1}, ctc, "args"),
        bad("CTCLoss", (), {}, [I(7, 2, 5), L(2, 3), L(3), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 5), L(2, 3), L(2), L(3)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 5), L(3, 3), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 5), L(2, 3, 1), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 5), L(), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2), L(2), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 5, 1), L(2, 3), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(5), L(3, 3), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(), L(3, 3), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(0, 2, 5), L(2, 3), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 0, 5), L(0, 3), L(0), L(0)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 0), L(2, 3), L(2), L(2)], "shape"),
        bad("CTCLoss", (), {}, [I(7, 2, 5), L(2, 3), L(), L()], "shape"),
    ]
    lce = (6, 5)
    cases += [
        bad("LinearCrossEntropyLoss", lce, {}, [I(3, 2, 6), L(3, 2)], "shape"),
        bad("LinearCrossEntropyLoss", lce, {}, [I(2, 7), L(2)], "shape"),
        bad("LinearCrossEntropyLoss", lce, {}, [I(2, 6), L(3)], "shape"),
        bad("LinearCrossEntropyLoss", lce, {"out_features": (3,)}, [I(6), L(3)], "shape"),
        bad("LinearCrossEntropyLoss", lce, {"ignore_index": 1}, [I(2, 6), I(2, 5)], "args"),
        bad("LinearCrossEntropyLoss", lce, {"reduction": "avg"}, [I(2, 6), L(2)], "args"),
        bad("LinearCrossEntropyLoss", lce, {"weight": W(4)}, None, "args"),
        bad("LinearCrossEntropyLoss", lce, {"weight": [1.0]}, None, "args"),
        bad("LinearCrossEntropyLoss", lce, {"label_smoothing": 2}, None, "args"),
        bad("LinearCrossEntropyLoss", lce, {"label_smoothing": -0.1}, None, "args"),
        bad("LinearCrossEntropyLoss", (-1, 5), {}, None, "args"),
        bad("LinearCrossEntropyLoss", (6, -1), {}, None, "args"),
        bad("LinearCrossEntropyLoss", (6.0, 5), {}, None, "args"),
        bad("LinearCrossEntropyLoss", lce, {"out_features": 2}, None, "args"),
        bad("LinearCrossEntropyLoss", lce, {"out_features": (-1,)}, None, "args"),
        bad("LinearCrossEntropyLoss", (6, 5, (3,)), {}, None, "args"),  # keyword-only
        bad("CosineSimilarity", (), {}, [I(5), I(5)], "shape"),
        bad("CosineSimilarity", (2,), {}, [I(2, 5), I(2, 5)], "shape"),
        bad("CosineSimilarity", (-3,), {}, [I(2, 5), I(2, 5)], "shape"),
        bad("CosineSimilarity", (), {}, [I(2, 5), I(3, 5)], "shape"),
        bad("CosineSimilarity", (1.0,), {}, [I(2, 5), I(2, 5)], "args"),
        bad("CosineSimilarity", (True,), {}, [I(2, 5), I(2, 5)], "args"),
        bad("CosineSimilarity", (), {"eps": -1}, [I(2, 5), I(2, 5)], "args"),
        bad("CosineSimilarity", (), {"eps": "0"}, [I(2, 5), I(2, 5)], "args"),
        bad("PairwiseDistance", (), {}, [I(2, 5), I(3, 5)], "shape"),
        bad("PairwiseDistance", ("2",), {}, [I(2, 5), I(2, 5)], "args"),
        bad("PairwiseDistance", (), {"keepdim": 1}, [I(2, 5), I(2, 5)], "args"),
        bad("PairwiseDistance", (), {"eps": None}, [I(2, 5), I(2, 5)], "args"),
        bad("PairwiseDistance", (float("inf"),), {}, [I(2, 0), I(2, 0)], "shape"),
        bad("PairwiseDistance", (-0.5,), {}, [I(0), I(0)], "shape"),
    ]
    asm = (8, 10, [4, 8])
    cases += [
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, []), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [8, 4]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [0, 4]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [4, 10]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [4, 4]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [4.5]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, 4), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [4.0]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10.0, [4]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (-8, 10, [4]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [4]), {"div_value": 0}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, [4]), {"div_value": -2.0}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", (8, 10, ["4"]), {}, None, "args"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(5, 8), L(4)], "shape"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(5, 8, 2), L(5)], "shape"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(5, 8), L()], "shape"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(5, 8), L(5, 1)], "shape"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(), L(1)], "shape"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(5, 7), L(5)], "shape"),
        bad("AdaptiveLogSoftmaxWithLoss", asm, {}, [I(7), L()], "shape"),
    ]
    return cases


INVALID_CASES = _invalid_cases()


@pytest.mark.parametrize("name, pos, kw, inputs, kind", INVALID_CASES)
def test_invalid_configuration_raises_like_torch(name, pos, kw, inputs, kind):
    message = torch_error(name, pos, kw, inputs)
    assert message is not None, "torch accepts it"
    spec = LAYERS[name]
    with pytest.raises(LayerError) as raised:
        args = spec.bind(pos, kw)
        spec.check_args(args)
        assert inputs is not None, f"torch raises building it: {message}"
        values = bind(spec.forward_of, f"{name}.forward()", [_ours(v) for v in inputs], {})
        spec.run(args, list(values.values()))
    assert isinstance(raised.value, ShapeError) == (kind == "shape"), \
        f"{type(raised.value).__name__}: {raised.value} (torch: {message})"


# ---------------------------------------------------------------------------
# 3. Differential: a one-layer model macslint checks, against torch


@dataclass(frozen=True)
class Example:
    name: str
    pos: Tuple[Any, ...]
    kw: Dict[str, Any] = field(hash=False)
    inputs: Tuple[Any, ...]
    # "input": the first input is the model's own (its shape set by the pragma); "tensor":
    # forward() creates every input with torch.zeros
    feed: str


def model_source(ex: Example) -> str:
    args = [repr(v) for v in ex.pos] + [f"{k}={v!r}" for k, v in ex.kw.items()]
    values = [v.source() if isinstance(v, I) else repr(v) for v in ex.inputs]
    pragma = ""
    if ex.feed == "input":
        shape = ex.inputs[0].shape
        pragma = f"  # macslint: input-size={'x'.join(map(str, shape[1:]))}, batch-size={shape[0]}"
        values[0] = "x"
    return (
        "import torch\n"
        "import torch.nn as nn\n"
        "\n"
        "\n"
        f"class M(nn.Module):{pragma}\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        f"        self.layer = nn.{ex.name}({', '.join(args)})\n"
        "\n"
        "    def forward(self, x):\n"
        f"        return self.layer({', '.join(values)})\n"
    )


def file_settings(ex: Example) -> Settings:
    if ex.feed == "input":
        shape = ex.inputs[0].shape
        return Settings(input_size=shape[1:], batch_size=shape[0])
    return Settings()


@dataclass
class Accepts:
    params: int
    macs: int
    outputs: Tuple[Shape, ...]


def torch_outcome(ex: Example) -> Any:
    """Accepts(params, MACs, every tensor returned), or torch's error message: validity and
    shapes from the CPU, MACs as torch_truth counts them."""
    message = torch_error(ex.name, ex.pos, ex.kw, ex.inputs)
    if message is not None:
        return message
    params, structure, macs = torch_truth(ex.name, ex.pos, ex.kw, ex.inputs)
    return Accepts(params, macs, flat_shapes(structure))


def check_example(ex: Example) -> None:
    source = model_source(ex)
    truth = torch_outcome(ex)
    result = check_source("model.py", source, file_settings(ex))
    codes = {f.code for f in result.findings}
    models = {m.name: m for m in result.report.models}
    where = (f"\n--- source\n{source}--- torch: {truth}\n--- macslint findings:\n"
             + "\n".join(f.text() for f in result.findings)
             + "".join(f"\n--- model {m.name}: complete={m.complete} params={m.params} "
                       f"macs={m.macs} reasons={m.reasons}" for m in models.values()))
    assert "MAC900" not in codes and result.report.error is None, where
    assert set(models) == {"M"}, where
    model = models["M"]
    (site,) = [s for s in result.report.layers if s.kind == ex.name]
    if isinstance(truth, Accepts) and ex.name == "AdaptiveLogSoftmaxWithLoss" and \
            model.macs is None and any("depend on which cluster" in r for r in model.reasons):
        # data-dependent: not counted, on its own too (MAC100, off by default)
        assert model.params == truth.params and codes <= {"MAC100"}, where
    elif isinstance(truth, Accepts):
        assert model.complete, where
        assert (model.params, model.macs) == (truth.params, truth.macs), where
        (call,) = [c for c in model.calls if c.kind == ex.name]
        assert flat_shapes(call.result) == truth.outputs, where
        assert not result.findings, where
        assert site.error is None and site.params == truth.params, where
    else:
        assert model.macs is None, where
        misfit = ex.feed == "input" and any("set the model's input size" in reason
                                            for reason in model.reasons)
        # A tensor given to the constructor (`weight=torch.ones(...)`) is not evaluated by
        # the walk of the file: the construction's own verdict is MAC100 (not resolved), and
        # the model says that building it raises (a site's error comes from its own
        # arguments, not from a build's: torchnn.building.construct_layer).
        tensors = any(isinstance(v, W) for v in (*ex.pos, *ex.kw.values()))
        raises = tensors and any(" raises: " in reason for reason in model.reasons)
        assert {"MAC010", "MAC011"} & codes or misfit or raises, where
        # (the adaptive softmax is not counted on its own either: MAC100, off by default)
        unresolved = tensors or ex.name == "AdaptiveLogSoftmaxWithLoss"
        assert codes <= {"MAC010", "MAC011", "MAC012"} | ({"MAC100"} if unresolved else set()), \
            where


# ---------------------------------------------------------------------------
# Strategy helpers

FLOAT = often(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.sampled_from([None, "1", -1.0]), odds=10)
POSITIVE = often(st.sampled_from([0.5, 1.0, 2]), st.sampled_from([0, -1.0, None, "1"]), odds=10)
FLAG = often(st.booleans(), st.sampled_from([1, 0, None]), odds=10)
REDUCTION = often(st.sampled_from(R), st.sampled_from(["elementwise_mean", "avg", None]),
                  odds=10)


@st.composite
def shape(draw, low: int = 0, high: int = 3, dim_max: int = 3) -> Shape:
    return tuple(draw(st.lists(st.integers(0, dim_max), min_size=low, max_size=high)))


@st.composite
def partner(draw, x: Shape) -> Shape:
    """A shape that broadcasts with `x` mostly: itself, its trailing dims, some dims as 1."""
    choice = draw(st.integers(0, 5))
    if choice <= 2:
        return x
    if choice == 3:
        return x[draw(st.integers(0, len(x))):]
    if choice == 4:
        return tuple(1 if draw(st.booleans()) else d for d in x)
    return draw(near(x, odds=0))


@st.composite
def common(draw, name: str) -> Dict[str, Any]:
    """`reduction` (valid mostly) and, now and then, a legacy size_average or reduce."""
    args: Dict[str, Any] = {}
    parameters = LAYERS[name].signature.parameters
    if draw(st.booleans()):
        args["reduction"] = draw(REDUCTION if name != "KLDivLoss" else often(
            st.sampled_from(R + ("batchmean",)), st.sampled_from(["avg", None]), odds=10))
    if "size_average" in parameters and draw(st.integers(0, 6)) == 0:
        args[draw(st.sampled_from(["size_average", "reduce"]))] = draw(
            st.sampled_from([True, False, None]))
    return args


def some(draw, args: Dict[str, Any], optional: Dict[str, st.SearchStrategy]) -> None:
    for key, values in optional.items():
        if draw(st.booleans()):
            args[key] = draw(values)


@st.composite
def example(draw, name: str, args: Dict[str, Any], *inputs: Any) -> Example:
    pos, kw = split_call(draw, name, args)
    first = inputs[0]
    writable = isinstance(first, I) and not first.long and len(first.shape) >= 2 \
        and all(first.shape)
    feed = draw(st.sampled_from(["tensor", "input"])) if writable else "tensor"
    return Example(name, pos, kw, tuple(inputs), feed)


def weight_of(draw, x: Shape) -> W:
    return W(*draw(often(partner(x), shape(0, 2), odds=6)))


# ---------------------------------------------------------------------------
# Strategies


@st.composite
def broadcasting_examples(draw, name: str) -> Example:
    """The losses of input and target of broadcast shapes (BCE's of one shape)."""
    args = draw(common(name))
    some(draw, args, {
        "SmoothL1Loss": {"beta": FLOAT}, "HuberLoss": {"delta": POSITIVE},
        "HingeEmbeddingLoss": {"margin": FLOAT}, "KLDivLoss": {"log_target": FLAG},
        "PoissonNLLLoss": {"log_input": FLAG, "full": FLAG, "eps": FLOAT},
    }.get(name, {}))
    x = draw(shape(0, 3))
    t = draw(partner(x)) if not name.startswith("BCE") else draw(near(x, odds=8))
    if name in ("BCELoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss") \
            and draw(st.booleans()):
        args["weight"] = weight_of(draw, x)
    if name == "BCEWithLogitsLoss" and draw(st.booleans()):
        args["pos_weight"] = weight_of(draw, x)
    return draw(example(name, args, I(*x), I(*t)))


@st.composite
def gaussian_examples(draw) -> Example:
    args: Dict[str, Any] = {}
    some(draw, args, {"reduction": REDUCTION, "full": FLAG,
                      "eps": often(st.sampled_from([1e-6, 0.1]), st.just(None), odds=10)})
    x = draw(shape(0, 3))
    t = draw(partner(x))
    var = draw(st.sampled_from([x, x[:-1], tuple(1 if i == 0 else d for i, d in enumerate(x))]))
    var = draw(near(var, odds=8))
    return draw(example("GaussianNLLLoss", args, I(*x), I(*t), I(*var)))


@st.composite
def class_index_examples(draw, name: str) -> Example:
    """NLLLoss, NLLLoss2d, CrossEntropyLoss: an input (N, C, d1, ...) or (C,), a target of
    class indices (int64) near its shape, or for CrossEntropyLoss class probabilities (the
    input's shape, float); a weight of C mostly. ignore_index is never 0: the zero targets
    would then all be ignored, which only their values decide."""
    args = draw(common(name))
    classes = draw(often(st.integers(1, 4), st.just(0), odds=10))
    batched = draw(st.integers(0, 4)) > 0
    x = (draw(batch()), classes, *draw(shape(0, 3))) if batched else (classes,)
    x = draw(near(x, channel_dim=1 if batched else 0, odds=12))
    probabilities = name == "CrossEntropyLoss" and draw(st.integers(0, 3)) == 0
    t = x if probabilities else (x[:1] + x[2:] if len(x) > 1 else ())
    t = draw(near(t, odds=10))
    if draw(st.booleans()):
        args["weight"] = W(*draw(often(st.just((classes,)), shape(0, 2), odds=6)))
    if draw(st.integers(0, 2)) == 0:
        args["ignore_index"] = draw(often(st.sampled_from([-100, -1, 3]),
                                          st.sampled_from([None, 1.5, True]), odds=10))
    if name == "CrossEntropyLoss" and draw(st.integers(0, 2)) == 0:
        args["label_smoothing"] = draw(often(st.sampled_from([0.0, 0.1, 1.0]),
                                             st.sampled_from([1.5, -0.2, None]), odds=8))
    target = I(*t) if t == x and name == "CrossEntropyLoss" else L(*t)
    return draw(example(name, args, I(*x), target))


@st.composite
def margin_examples(draw, name: str) -> Example:
    """MultiMarginLoss, MultiLabelMarginLoss: a vector or matrix of classes (or a scalar), and
    its class-index target."""
    args = draw(common(name))
    classes = draw(often(st.integers(1, 4), st.just(0), odds=10))
    rank = draw(st.sampled_from([0, 1, 2, 2, 2]))
    x = ((draw(batch()), classes), (classes,), ())[2 - rank]
    x = draw(near(x, odds=12))
    if name == "MultiMarginLoss":
        t = x[:1] if len(x) == 2 else draw(st.sampled_from([(), (1,)]))
        some(draw, args, {"p": often(st.sampled_from([1, 2, 2.0]), st.sampled_from([3, 0]),
                                     odds=10),
                          "margin": FLOAT})
        if draw(st.booleans()):
            args["weight"] = W(*draw(often(st.just((classes,)), shape(0, 2), odds=6)))
    else:
        t = x if x else draw(st.sampled_from([(), (1,)]))
    return draw(example(name, args, I(*x), L(*draw(near(t, odds=10)))))


@st.composite
def pair_examples(draw, name: str) -> Example:
    """CosineEmbeddingLoss (x1, x2 of N x D or D, target N or 0-D), MarginRankingLoss (three
    tensors of one rank, broadcast)."""
    args = draw(common(name))
    some(draw, args, {"margin": FLOAT})
    if name == "CosineEmbeddingLoss":
        batched = draw(st.integers(0, 3)) > 0
        n, d = draw(batch()), draw(st.integers(0, 4))
        x1 = (n, d) if batched else (d,)
        x2, t = draw(partner(x1)), (n,) if batched else ()
    else:
        x1 = draw(shape(0, 2))
        x2, t = draw(partner(x1)), draw(partner(x1))
    x2, t = draw(near(x2, odds=10)), draw(near(t, odds=10))
    return draw(example(name, args, I(*x1), I(*x2), I(*t)))


@st.composite
def triplet_examples(draw, name: str) -> Example:
    args = {} if name != "TripletMarginLoss" else draw(common(name))
    some(draw, args, {"margin": POSITIVE, "swap": FLAG})
    if name == "TripletMarginLoss":
        some(draw, args, {"p": often(st.sampled_from([1.0, 2, 3.0, 0.0]),
                                     st.sampled_from([-1.0, None]), odds=8),
                          "eps": FLOAT})
    else:
        some(draw, args, {"reduction": REDUCTION})
    a = draw(shape(0, 3))
    p, n = draw(partner(a)), draw(partner(a))
    return draw(example(name, args, I(*a), I(*draw(near(p, odds=10))), I(*draw(near(n, odds=10)))))


@st.composite
def ctc_examples(draw) -> Example:
    """log_probs (T, N, C) or (T, C); targets (N, S), or concatenated and empty (the size of
    concatenated targets is the sum of target_lengths: values); N lengths each. The zero
    lengths are valid for any T and S."""
    args: Dict[str, Any] = {}
    classes = draw(often(st.integers(1, 4), st.just(0), odds=10))
    some(draw, args, {"reduction": REDUCTION, "zero_infinity": FLAG,
                      "blank": often(st.integers(0, max(classes - 1, 0)),
                                     st.sampled_from([classes, -1, 1.0]), odds=8)})
    steps, n = draw(often(st.integers(1, 4), st.just(0), odds=10)), draw(batch())
    batched = draw(st.integers(0, 3)) > 0
    probs = (steps, n, classes) if batched else (steps, classes)
    lengths = (n,) if batched else draw(st.sampled_from([(), (1,)]))
    targets = draw(near(draw(st.sampled_from([(n if batched else 1, draw(st.integers(0, 3))),
                                              (0,)])), odds=12))
    if len(targets) == 1:  # concatenated: as many as the lengths (zeros) sum to
        targets = (0,)
    return draw(example("CTCLoss", args, I(*draw(near(probs, odds=10))), L(*targets),
                        L(*draw(near(lengths, odds=12))), L(*draw(near(lengths, odds=12)))))


@st.composite
def linear_cross_entropy_examples(draw) -> Example:
    features = draw(often(st.integers(0, 5), st.sampled_from([-1, 2.0]), odds=12))
    classes = draw(often(st.integers(1, 4), st.sampled_from([0, -1]), odds=12))
    args: Dict[str, Any] = {"in_features": features, "num_classes": classes}
    extra = draw(often(st.sampled_from([(), (2,), [2, 1]]), st.sampled_from([(-1,), 2]),
                       odds=10))
    if extra != () or draw(st.booleans()):
        args["out_features"] = extra
    some(draw, args, {"bias": st.booleans(), "reduction": REDUCTION,
                      "ignore_index": often(st.sampled_from([None, -100, 1]), st.just(0.5)),
                      "label_smoothing": often(st.sampled_from([0.0, 0.3]), st.just(2.0))})
    c = classes if isinstance(classes, int) and classes > 0 else 2
    if draw(st.integers(0, 3)) == 0:
        args["weight"] = W(*draw(often(st.just((c,)), shape(0, 2), odds=4)))
    f = features if isinstance(features, int) and features >= 0 else 3
    more = tuple(extra) if isinstance(extra, (tuple, list)) and all(
        isinstance(d, int) and d >= 0 for d in extra) else ()
    batched = draw(st.integers(0, 3)) > 0
    n = draw(batch())
    x = draw(near((n, f) if batched else (f,), channel_dim=-1, odds=10))
    lead = x[:-1]
    logits = (*lead, c, *more)
    t = draw(near(logits if draw(st.integers(0, 3)) == 0 else (*lead, *more), odds=10))
    target = I(*t) if t == logits else L(*t)  # class probabilities, or indices
    pos, kw = split_call(draw, "LinearCrossEntropyLoss", args)
    return Example("LinearCrossEntropyLoss", pos, kw, (I(*x), target), "tensor")


@st.composite
def distance_examples(draw, name: str) -> Example:
    args: Dict[str, Any] = {}
    if name == "CosineSimilarity":
        some(draw, args, {"dim": often(st.integers(-3, 2), st.sampled_from([1.0, True, None]),
                                       odds=10),
                          "eps": often(st.sampled_from([1e-8, 0.0, 1]), st.sampled_from(
                              [-1.0, None]), odds=10)})
    else:
        some(draw, args, {"p": often(st.sampled_from([2.0, 1, 0.0, 3.0]), st.sampled_from(
            [-1.0, None]), odds=8), "eps": FLOAT, "keepdim": FLAG})
    x1 = draw(shape(0, 3))
    return draw(example(name, args, I(*x1), I(*draw(partner(x1)))))


@st.composite
def adaptive_examples(draw) -> Example:
    features = draw(often(st.integers(1, 6), st.sampled_from([0, -1, 2.0]), odds=12))
    classes = draw(often(st.integers(3, 9), st.sampled_from([2, 5.0]), odds=12))
    n_valid = classes if isinstance(classes, int) else 5
    cutoffs = draw(often(
        st.lists(st.integers(1, max(n_valid - 1, 1)), min_size=1, max_size=3, unique=True)
        .map(sorted),
        st.one_of(st.just([]), st.lists(st.integers(0, n_valid + 1), min_size=1, max_size=3),
                  st.just(4)), odds=8))
    args: Dict[str, Any] = {"in_features": features, "n_classes": classes, "cutoffs": cutoffs}
    some(draw, args, {"div_value": often(st.sampled_from([4.0, 2.0, 1.5, 1]),
                                         st.sampled_from([0, -2.0]), odds=10),
                      "head_bias": st.booleans()})
    f = features if isinstance(features, int) and features > 0 else 4
    batched = draw(st.integers(0, 3)) > 0
    n = draw(batch())
    x = draw(near((n, f) if batched else (f,), channel_dim=-1, odds=10))
    t = draw(near((n,) if batched else (), odds=10))
    return draw(example("AdaptiveLogSoftmaxWithLoss", args, I(*x), L(*t)))


STRATEGIES: Dict[str, st.SearchStrategy] = {
    **{name: broadcasting_examples(name) for name in (
        "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "HingeEmbeddingLoss",
        "KLDivLoss", "PoissonNLLLoss", "BCELoss", "BCEWithLogitsLoss",
        "MultiLabelSoftMarginLoss")},
    "GaussianNLLLoss": gaussian_examples(),
    **{name: class_index_examples(name) for name in ("NLLLoss", "NLLLoss2d", "CrossEntropyLoss")},
    **{name: margin_examples(name) for name in ("MultiMarginLoss", "MultiLabelMarginLoss")},
    **{name: pair_examples(name) for name in ("CosineEmbeddingLoss", "MarginRankingLoss")},
    **{name: triplet_examples(name) for name in ("TripletMarginLoss",
                                                 "TripletMarginWithDistanceLoss")},
    "CTCLoss": ctc_examples(),
    "LinearCrossEntropyLoss": linear_cross_entropy_examples(),
    **{name: distance_examples(name) for name in ("CosineSimilarity", "PairwiseDistance")},
    "AdaptiveLogSoftmaxWithLoss": adaptive_examples(),
}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=examples(60))
@given(data=st.data())
def test_layer_agrees_with_torch(name, data):
    check_example(data.draw(STRATEGIES[name], label="example"))


# ---------------------------------------------------------------------------
# 4. Coverage: this module answers for these families (test_differential.tested_elsewhere)


def test_every_loss_distance_and_adaptive_layer_is_covered_here():
    assert FAMILY == sorted(name for name in LAYERS if differential.tested_elsewhere(name)
                            and not name.startswith("Lazy"))
    assert sorted(STRATEGIES) == FAMILY
    assert {p.values[0] for p in VALID_CASES} == set(FAMILY)
    assert {p.values[0] for p in INVALID_CASES} == set(FAMILY)


def test_every_loss_module_of_torch_is_catalogued():
    import torch.nn.modules.loss as losses

    classes = {name for name, value in vars(losses).items() if inspect.isclass(value)
               and issubclass(value, nn.Module) and value.__module__ == losses.__name__
               and not name.startswith("_")}
    assert classes == {name for name in FAMILY if LAYERS[name].module == "loss"}


@pytest.mark.parametrize("name", FAMILY)
def test_forward_signature_matches_torch(name):
    """The forward() a call binds to is torch's: names, kinds and defaults."""
    ours = inspect.signature(LAYERS[name].forward_of).parameters.values()
    theirs = list(inspect.signature(getattr(nn, name).forward).parameters.values())[1:]
    assert [(p.name, p.kind, p.default) for p in ours] == \
        [(p.name, p.kind, p.default) for p in theirs]


def test_the_grid_gives_every_constructor_argument():
    given = {(p.values[0], key) for p in VALID_CASES + INVALID_CASES for key in
             [*list(LAYERS[p.values[0]].signature.parameters)[:len(p.values[1])],
              *p.values[2]]}
    for name in FAMILY:
        # options, distance_function: test_the_chunked_path..., test_a_custom_distance...
        names = set(LAYERS[name].signature.parameters) - {"device", "dtype", "options",
                                                          "distance_function"}
        assert names <= {key for n, key in given if n == name}, name


def test_costs_per_torch():
    """The costs in one line per class (README, Counting conventions): 0 MACs but for
    LinearCrossEntropyLoss's Linear; AdaptiveLogSoftmaxWithLoss's depend on the targets'
    values (unknown)."""
    assert catalogue_answer("LinearCrossEntropyLoss", (6, 5), {"out_features": (3,)},
                            [I(4, 6), L(4, 3)]) == (90, (), 4 * 6 * 15)
    assert catalogue_answer("AdaptiveLogSoftmaxWithLoss", (8, 10, [4, 8]), {},
                            [I(5, 8), L(5)]) == (8 * 6 + 8 * 2 + 2 * 4 + 8 * 0 + 0 * 2,
                                                 ShapeTuple(((5,), ())), UNKNOWN)
    for name in FAMILY:
        if name not in ("LinearCrossEntropyLoss", "AdaptiveLogSoftmaxWithLoss"):
            spec = LAYERS[name]
            assert spec.params(spec.bind((), {})) == 0 and spec.standalone_inputs is None


def test_a_custom_distance_function_is_not_counted():
    """TripletMarginWithDistanceLoss with a distance function of its own: what it computes is
    not followed, so the call is not counted (Unresolved), though torch accepts it."""
    spec = LAYERS["TripletMarginWithDistanceLoss"]
    args = spec.bind((), {"distance_function": nn.PairwiseDistance()})
    with pytest.raises(Unresolved, match="distance_function"):
        spec.run(args, [(2, 5)] * 3)
    assert torch_error("TripletMarginWithDistanceLoss", (),
                       {"distance_function": nn.PairwiseDistance()}, [I(2, 5)] * 3) is None


def test_the_chunked_path_of_linear_cross_entropy_is_not_counted():
    """With `options` torch takes a chunked custom op (which FlopCounterMode counts as 0 on
    meta); not modelled: Unresolved."""
    spec = LAYERS["LinearCrossEntropyLoss"]
    args = spec.bind((6, 5), {"options": object()})
    with pytest.raises(Unresolved, match="options"):
        spec.run(args, [(2, 6), (2,)])
    kw = {"options": nn.LinearCrossEntropyOptions()}
    assert _run("LinearCrossEntropyLoss", (6, 5), kw, [I(4, 6), L(4)], "meta")[2] == 0
