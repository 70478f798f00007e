"""Oracle tests for nn.MultiheadAttention and the Transformer family in the catalogue
(macslint.costmodel.layers.attention, .transformer): MultiheadAttention,
TransformerEncoderLayer, TransformerDecoderLayer, Transformer (whose TransformerEncoder and
TransformerDecoder stacks it runs). PyTorch is the source of truth, never our formulas.

* Valid configurations: the `torch.nn` module is built with the same arguments on the meta
  device and called, in eval mode with grad enabled, on zero tensors (positional inputs and
  forward() keywords: masks, need_weights, is_causal...) under FlopCounterMode (on CPU the
  attention kernels count 0: REFERENCE.md). The catalogue must give its parameter count, the
  whole structure of what it returns ((attn_output, attn_weights or None) for
  MultiheadAttention, as nested tuples of shapes) and MACs = flops / 2. The real kernels (CPU)
  must accept the call too.
* Where torch compares a mask's values (a Transformer's `src_mask` with `src_is_causal=None`:
  `.item()`, which meta tensors refuse) the count is torch's on the CPU with
  scaled_dot_product_attention's math backend (the CPU's own kernels are not counted by
  FlopCounterMode), which is what meta computes wherever it runs (checked here too).
* Invalid ones: where torch raises (building, or calling on the CPU), the catalogue raises
  LayerError; where it mirrors torch's message, the same message.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.costmodel import LAYERS, LayerError, ShapeTuple, Unresolved
from macslint.costmodel.dtypes import DtypeError, layer_dtype
from macslint.costmodel.spec import ModuleArgument, UnknownArgument, bind
from macslint.results.report import standalone_cost
from tests.costmodel.test_catalogue_torch import _fmt

# torch warns: enable_nested_tensor, mismatched mask dtypes, zero-element initialisation
pytestmark = pytest.mark.filterwarnings("ignore")

Shape = Tuple[int, ...]
P = ShapeTuple
MHA = "MultiheadAttention"
FAMILY = ("TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer")


class M:
    """A mask argument: zeros of `shape` and `dtype` for torch, its shape for the catalogue."""

    def __init__(self, *shape: int, dtype: torch.dtype = torch.float32) -> None:
        self.shape, self.dtype = tuple(shape), dtype

    def __repr__(self) -> str:
        return ("B" if self.dtype == torch.bool else "M") + _fmt(self.shape)


def B(*shape: int) -> M:
    return M(*shape, dtype=torch.bool)


# _one_thread (torch on one thread per module): tests/costmodel/conftest.py


# ---------------------------------------------------------------------------
# Helpers


def acase(name: str, pos: Sequence[Any], kw: Dict[str, Any], inputs: Sequence[Shape],
          fkw: Optional[Dict[str, Any]] = None, **marks: Any):
    """One pytest.param:
    MultiheadAttention(16,4,kdim=8)@(5,2,16)&(7,2,8)&(7,2,16)[need_weights=False]."""
    fkw = dict(fkw or {})
    args = [_fmt(p) for p in pos] + [f"{k}={_show(v)}" for k, v in kw.items()]
    ident = f"{name}({','.join(args)})@" + "&".join(_fmt(tuple(s)) for s in inputs)
    if fkw:
        ident += "[" + ",".join(f"{k}={v!r}" for k, v in fkw.items()) + "]"
    return pytest.param(name, tuple(pos), dict(kw), [tuple(s) for s in inputs], fkw, id=ident,
                        **marks)


def _show(value: Any) -> str:
    return getattr(value, "__name__", None) or _fmt(value)


def _torch_value(value: Any, device: str) -> Any:
    if isinstance(value, M):
        return torch.zeros(value.shape, dtype=value.dtype, device=device)
    if isinstance(value, tuple) and any(isinstance(v, M) for v in value):
        return tuple(_torch_value(v, device) for v in value)
    if isinstance(value, tuple):
        return torch.zeros(value, device=device)
    return value


def _ours_value(value: Any) -> Any:
    if isinstance(value, M):
        return value.shape
    if isinstance(value, tuple) and any(isinstance(v, M) for v in value):
        return ShapeTuple(_ours_value(v) for v in value)
    return value


def _structure(value: Any) -> Any:
    """What a torch module returned, as the catalogue writes it: nested tuples of shapes."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return ShapeTuple(_structure(v) for v in value)


def torch_build(name: str, pos, kw, device: str) -> nn.Module:
    with torch.device(device):
        return getattr(nn, name)(*pos, **kw).eval()


def torch_truth(name: str, pos, kw, inputs, fkw, device: str = "meta") -> Tuple[int, Any, int]:
    """(params, output structure, MACs): built and run on `device`, eval mode, grad enabled,
    under FlopCounterMode (on the CPU with the math backend of scaled_dot_product_attention)."""
    module = torch_build(name, pos, kw, device)
    args = [_torch_value(s, device) for s in inputs]
    keywords = {k: _torch_value(v, device) for k, v in fkw.items()}
    with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH), \
            FlopCounterMode(display=False) as counter:
        y = module(*args, **keywords)
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    return sum(p.numel() for p in module.parameters()), _structure(y), flops // 2


def catalogue_answer(name: str, pos, kw, inputs, fkw) -> Tuple[int, Any, int]:
    spec = LAYERS[name]
    args = spec.bind(pos, kw)
    spec.check_args(args)
    values = bind(spec.forward_of, f"{name}.forward()", [tuple(s) for s in inputs],
                  {k: _ours_value(v) for k, v in fkw.items()})
    output, macs = spec.run(args, list(values.values()))
    return spec.params(args), output, macs


def torch_error(name: str, pos, kw, inputs: Optional[Sequence[Any]] = None,
                fkw: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """torch's message building (and, given `inputs`, calling, in eval mode) the module on the
    CPU, whose kernels make every check; None when it accepts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = getattr(nn, name)(*pos, **kw).eval()
            if inputs is not None:
                module(*[_torch_value(s, "cpu") for s in inputs],
                       **{k: _torch_value(v, "cpu") for k, v in (fkw or {}).items()})
    except Exception as exc:  # noqa: BLE001 - any exception is torch saying no
        return str(exc)
    return None


def catalogue_error(name: str, pos, kw, inputs: Optional[Sequence[Any]] = None,
                    fkw: Optional[Dict[str, Any]] = None) -> Optional[str]:
    spec = LAYERS[name]
    try:
        args = spec.bind(pos, kw)
        spec.check_args(args)
        if inputs is not None:
            values = bind(spec.forward_of, f"{name}.forward()",
                          [None if s is None else tuple(s) for s in inputs],
                          {k: _ours_value(v) for k, v in (fkw or {}).items()})
            spec.run(args, list(values.values()))
    except LayerError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------
# 1. MultiheadAttention: valid configurations

E, H, L, S, N = 16, 4, 5, 7, 2
KD, VD = 8, 12


def _mha_cases() -> list:
    cases = []
    configurations: List[Dict[str, Any]] = [
        {}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
        {"add_bias_kv": True, "add_zero_attn": True}, {"kdim": KD, "vdim": VD},
        {"kdim": KD}, {"vdim": VD, "bias": False}, {"kdim": E, "vdim": E}, {"dropout": 0.3},
        {"batch_first": True}, {"batch_first": True, "kdim": KD, "vdim": VD, "add_bias_kv": True},
    ]
    calls: List[Dict[str, Any]] = [
        {}, {"need_weights": False}, {"average_attn_weights": False},
        {"attn_mask": M(L, S)}, {"attn_mask": M(L, S), "need_weights": False},
        {"attn_mask": B(L, S)}, {"attn_mask": B(L, S), "need_weights": False},
        {"attn_mask": M(N * H, L, S)}, {"attn_mask": M(N * H, L, S), "need_weights": False},
        {"key_padding_mask": B(N, S)}, {"key_padding_mask": M(N, S), "need_weights": False},
        {"key_padding_mask": B(N, S), "attn_mask": M(L, S), "need_weights": False},
        {"key_padding_mask": B(N, S), "attn_mask": B(N * H, L, S),
         "average_attn_weights": False},
        {"attn_mask": M(L, S), "is_causal": True, "need_weights": False},
        {"attn_mask": M(L, S), "is_causal": True},
        {"attn_mask": M(L, S), "is_causal": True, "key_padding_mask": B(N, S),
         "need_weights": False},
    ]
    for kw in configurations:
        kd, vd = kw.get("kdim") or E, kw.get("vdim") or E
        bf = kw.get("batch_first", False)
        q, k, v = ((N, L, E), (N, S, kd), (N, S, vd)) if bf else ((L, N, E), (S, N, kd), (S, N, vd))
        for fkw in calls:
            cases.append(acase(MHA, (E, H), kw, [q, k, v], fkw))
        for fkw in ({}, {"need_weights": False}, {"average_attn_weights": False},
                    {"attn_mask": M(L, S)}, {"attn_mask": M(H, L, S), "need_weights": False},
                    {"key_padding_mask": B(S)}, {"key_padding_mask": B(S), "need_weights": False},
                    {"attn_mask": M(L, S), "is_causal": True, "need_weights": False}):
            cases.append(acase(MHA, (E, H), kw, [(L, E), (S, kd), (S, vd)], fkw))  # unbatched
    # self-attention, positional flags, one head, as many heads as features, empty dims
    cases += [
        acase(MHA, (E, H), {}, [(L, N, E)] * 3),
        acase(MHA, (E, H), {}, [(L, N, E)] * 3, {"need_weights": False}),
        acase(MHA, (E, 1), {}, [(L, N, E)] * 3),
        acase(MHA, (E, E), {}, [(L, N, E), (S, N, E), (S, N, E)], {"need_weights": False}),
        acase(MHA, (E, True), {}, [(L, N, E), (S, N, E), (S, N, E)]),  # one head (True)
        acase(MHA, (E, H, 0.0, True, False, False, None, None, True), {},
              [(N, L, E), (N, S, E), (N, S, E)]),
        acase(MHA, (), {"embed_dim": 8, "num_heads": 2}, [(1, 1, 8)] * 3),
        acase(MHA, (E, H), {}, [(0, N, E), (S, N, E), (S, N, E)]),
        acase(MHA, (E, H), {}, [(0, N, E), (S, N, E), (S, N, E)], {"need_weights": False}),
        acase(MHA, (E, H), {}, [(L, N, E), (0, N, E), (0, N, E)]),
        acase(MHA, (E, H), {}, [(L, N, E), (0, N, E), (0, N, E)], {"need_weights": False}),
        acase(MHA, (E, H), {"add_zero_attn": True}, [(L, N, E), (0, N, E), (0, N, E)],
              {"need_weights": False}),
        acase(MHA, (E, H), {}, [(L, 0, E), (S, 0, E), (S, 0, E)], {"need_weights": False}),
        acase(MHA, (E, H), {"kdim": 0}, [(L, N, E), (S, N, 0), (S, N, E)]),
        acase(MHA, (E, H), {"bias": 0, "add_bias_kv": 1, "batch_first": 1},
              [(N, L, E), (N, S, E), (N, S, E)]),
        acase(MHA, (E, H), {}, [(L, N, E), (S, N, E), (S, N, E)],
              {"need_weights": 1, "average_attn_weights": None}),
        acase(MHA, (E, H), {}, [(L, N, E), (S, N, E), (S, N, E)],
              {"need_weights": None, "key_padding_mask": B(N, S), "is_causal": 0}),
    ]
    return cases


MHA_CASES = _mha_cases()


@pytest.mark.parametrize("name, pos, kw, inputs, fkw", MHA_CASES)
def test_multihead_attention_matches_torch(name, pos, kw, inputs, fkw):
    expected = torch_truth(name, pos, kw, inputs, fkw)
    got = catalogue_answer(name, pos, kw, inputs, fkw)
    assert got == expected, f"catalogue (params, output, MACs) {got} != torch {expected}"
    assert torch_error(name, pos, kw, inputs, fkw) is None  # the real kernels accept it too


def test_the_grid_covers_every_argument_of_multihead_attention():
    spec = LAYERS[MHA]
    names = list(spec.signature.parameters)
    given = {key for p in MHA_CASES for key in [*names[:len(p.values[1])], *p.values[2]]}
    assert set(names) - {"device", "dtype"} <= given
    forward = set(bind(spec.forward_of, "f", [(1,)] * 3, {}))
    assert forward - {"query", "key", "value"} <= {key for p in MHA_CASES for key in p.values[4]}
    assert len(MHA_CASES) >= 250


def test_need_weights_and_masks_do_not_change_the_count():
    """Measured, not assumed: torch counts the same with and without weights, masks or the
    causal hint (the explicit bmm path and scaled_dot_product_attention alike)."""
    inputs = [(L, N, E), (S, N, E), (S, N, E)]
    counts = {torch_truth(MHA, (E, H), {}, inputs, fkw)[2] for fkw in (
        {}, {"need_weights": False}, {"attn_mask": M(L, S)}, {"key_padding_mask": B(N, S)},
        {"attn_mask": M(L, S), "is_causal": True, "need_weights": False})}
    assert len(counts) == 1


@pytest.mark.parametrize("kw, inputs, fkw", [
    ({"batch_first": True}, [(N, L, E), (N, S, E), (N, S, E)], {}),
    ({"batch_first": True}, [(N, L, E), (N, S, E), (N, S, E)], {"need_weights": False}),
    ({"batch_first": True}, [(1, L, E), (1, S, E), (1, S, E)], {"average_attn_weights": False}),
    ({"batch_first": True}, [(L, E), (S, E), (S, E)], {}),
    ({}, [(L, N, E), (S, N, E), (S, N, E)], {"need_weights": False}),
    ({}, [(L, E), (S, E), (S, E)], {"average_attn_weights": False}),
])
def test_output_strides_are_torchs(kw, inputs, fkw):
    """A batched batch_first output is the (L, N, E) result transposed: not contiguous (a
    later `view` may fail); every other tensor returned is."""
    module = torch_build(MHA, (E, H), kw, "cpu")
    with torch.enable_grad():
        y = module(*[torch.zeros(s) for s in inputs], **fkw)
    strides = tuple(t.stride() for t in y if t is not None)
    spec = LAYERS[MHA]
    args = spec.bind((E, H), kw)
    output = catalogue_answer(MHA, (E, H), kw, inputs, fkw)[1]
    assert spec.output_strides(args, output) == strides


@pytest.mark.parametrize("name, pos, kw, count", [
    (MHA, (E, H), {}, 3), (MHA, (E, H), {"kdim": KD, "vdim": VD, "add_bias_kv": True}, 3),
    ("TransformerEncoderLayer", (E, H, 24), {}, 1),
    ("TransformerDecoderLayer", (E, H, 24), {"norm_first": True}, 2),
    ("Transformer", (E, H, 1, 2, 24), {}, 2),
])
def test_costed_on_its_own_one_token_per_sample(name, pos, kw, count):
    """A construction no traced model reaches is costed on one token per sample for each
    input (query, key, value; src; tgt, memory; src, tgt), the batch as one unbatched
    sequence: torch on that input."""
    settings = Settings(batch_size=3)
    spec = LAYERS[name]
    standalone = standalone_cost(spec, spec.bind(pos, kw), settings)
    widths = [E, KD, VD] if kw.get("kdim") else [E] * count
    _, output, macs = torch_truth(name, pos, kw, [(3, w) for w in widths], {})
    first = output[0] if isinstance(output, ShapeTuple) else output
    assert (standalone.inputs, standalone.output, standalone.macs) == (
        tuple((w,) for w in widths), first[1:], macs)


# ---------------------------------------------------------------------------
# 2. MultiheadAttention: constructor and call errors

# (positional, keywords, the catalogue words it as torch does)
MHA_CONSTRUCTOR_ERRORS = [
    ((0, 1), {}, True), ((E, 0), {}, True), ((-4, 2), {}, True), ((E, -4), {}, True),
    ((E, 3), {}, True), ((E, 20), {}, True), ((4, 8), {}, True),
    ((16.0, 4), {}, True), ((True, 1), {}, True), ((E, "4"), {}, True), (("16", 4), {}, True),
    ((None, 4), {}, True),
    ((E, H), {"kdim": -1}, True), ((E, H), {"vdim": -2}, True), ((E, H), {"kdim": 2.0}, True),
    ((E, H), {"kdim": "8"}, True), ((E, H), {"vdim": 8, "kdim": 1.5}, True),
    ((E,), {}, False), ((E, H), {"unexpected": 1}, False),
]


@pytest.mark.parametrize("pos, kw, mirrored", MHA_CONSTRUCTOR_ERRORS,
                         ids=[f"MHA{p}{k}" for p, k, _ in MHA_CONSTRUCTOR_ERRORS])
def test_multihead_attention_constructor_errors_match_torch(pos, kw, mirrored):
    expected = torch_error(MHA, pos, kw)
    got = catalogue_error(MHA, pos, kw)
    assert expected is not None, "torch accepts it"
    assert got is not None, f"the catalogue accepts what torch refuses: {expected}"
    if mirrored:
        assert got == expected


@pytest.mark.parametrize("pos, kw", [
    ((E, H), {"dropout": 1.5}), ((E, H), {"dropout": "a"}), ((E, H), {"bias": None}),
    ((E, H), {"add_zero_attn": "x"}), ((E, H), {"kdim": 0}), ((E, H), {"kdim": True}),
    ((E, 4.0), {}), ((E, True), {}),
])
def test_what_the_constructor_takes_the_catalogue_takes(pos, kw):
    module = nn.MultiheadAttention(*pos, **kw)
    spec = LAYERS[MHA]
    args = spec.bind(pos, kw)
    spec.check_args(args)
    assert spec.params(args) == sum(p.numel() for p in module.parameters())


def _e(kw: Dict[str, Any], inputs: Sequence[Any], fkw: Optional[Dict[str, Any]] = None,
       mirrored: bool = True):
    return pytest.param(dict(kw), list(inputs), dict(fkw or {}), mirrored,
                        id=acase(MHA, (E, H), kw, [s if isinstance(s, tuple) else () for s in
                                                    inputs], fkw).id)


MHA_CALL_ERRORS = [
    _e({}, [(E,), (S, E), (S, E)]),
    _e({}, [(1, L, N, E), (S, N, E), (S, N, E)]),
    _e({}, [(L, N, E), (S, E), (S, N, E)]),
    _e({}, [(L, E), (S, N, E), (S, E)]),
    _e({}, [(L, N, E + 1), (S, N, E), (S, N, E)]),
    _e({}, [(L, N, E), (S, N, E + 1), (S, N, E + 1)]),
    _e({}, [(L, N, E), (S, N, E), (S, N, E + 1)]),
    _e({}, [(L, N, E), (S + 1, N, E), (S, N, E)]),
    _e({}, [(L, N + 1, E), (S, N, E), (S, N, E)]),
    _e({}, [(L, N, E), (S, N + 1, E), (S, N + 1, E)]),
    _e({"kdim": KD, "vdim": VD}, [(L, N, E), (S, N, KD + 1), (S, N, VD)]),
    _e({"kdim": KD, "vdim": VD}, [(L, N, E), (S, N, KD), (S, N, VD - 1)]),
    _e({"kdim": KD, "vdim": VD}, [(L, N, E), (S, N, KD), (S + 1, N, VD)]),
    _e({"kdim": KD, "vdim": VD}, [(L, N, E), (S, N, KD), (S, N + 1, VD)]),
    _e({"kdim": KD, "vdim": VD}, [(L, N + 1, E), (S, N, KD), (S, N, VD)]),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"attn_mask": M(L, S + 1)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"attn_mask": M(S)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"attn_mask": M(1, L, S)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"attn_mask": M(1, L, S), "need_weights": False}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"attn_mask": M(N, H, L, S)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"key_padding_mask": B(N, S + 1)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"key_padding_mask": B(S)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"key_padding_mask": B(N + 1, S)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"key_padding_mask": B(N, 1, S)}),
    _e({}, [(L, E), (S, E), (S, E)], {"key_padding_mask": B(1, S)}),
    _e({}, [(L, E), (S, E), (S, E)], {"attn_mask": M(1, L, S)}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"is_causal": True}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"is_causal": True, "need_weights": False}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)],
       {"is_causal": True, "attn_mask": M(L, S + 2), "need_weights": True}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"need_weights": False, "is_causal": 1}),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"need_weights": False, "is_causal": None}),
    _e({"batch_first": True}, [(N, L, E), (N + 1, S, E), (N + 1, S, E)]),
    _e({"batch_first": True}, [(N, L, E), (S, E), (S, E)]),
    _e({"add_bias_kv": True}, [(L, N, E), (S, N + 1, E), (S, N + 1, E)]),
    _e({"add_zero_attn": True}, [(L, N, E), (S, N + 1, E), (S, N + 1, E)]),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)],
       {"attn_mask": M(N * H, L, 0), "need_weights": False}),
    _e({}, [(L, N, E), (0, N, E), (0, N, E)],
       {"attn_mask": M(N * H, L, 0), "need_weights": False}),
    _e({}, [(L, N, E), None, (S, N, E)]),
    _e({}, [(L, N, E), (S, N, E), (S, N, E)], {"key_padding_mask": (M(N, S), M(N, S))},
       mirrored=False),
]


@pytest.mark.parametrize("kw, inputs, fkw, mirrored", MHA_CALL_ERRORS)
def test_multihead_attention_call_errors_match_torch(kw, inputs, fkw, mirrored):
    assert torch_error(MHA, (E, H), kw) is None  # built: the call is what torch refuses
    expected = torch_error(MHA, (E, H), kw, inputs, fkw)
    got = catalogue_error(MHA, (E, H), kw, inputs, fkw)
    assert expected is not None, "torch accepts it"
    assert got is not None, f"the catalogue accepts what torch refuses: {expected}"
    if mirrored:
        assert got == expected


def test_a_kdim_key_passed_as_the_value_too_is_refused_in_another_shape():
    """`attn(q, kv, kv)` with kv of another width: torch projects key and value together
    (a (E, 2E) weight: "16x32"); the catalogue, which sees shapes, not identities, says so
    for a separate key ("16x16"). Both refuse."""
    kv = torch.zeros(S, N, E + 1)
    with pytest.raises(RuntimeError, match="16x32"):
        nn.MultiheadAttention(E, H)(torch.zeros(L, N, E), kv, kv)
    assert "16x16" in catalogue_error(MHA, (E, H), {}, [(L, N, E), (S, N, E + 1), (S, N, E + 1)])


@pytest.mark.parametrize("heads", [4.0, 2.0])
def test_a_float_head_count_torch_builds_is_refused_on_any_call(heads):
    """num_heads=4.0 divides embed_dim: torch builds it, and every call fails (q.view of a
    float size): the construction's fault (LayerError: MAC010 at it), not the input's."""
    assert torch_error(MHA, (E, heads), {}) is None
    assert torch_error(MHA, (E, heads), {}, [(L, N, E)] * 3) is not None
    spec = LAYERS[MHA]
    with pytest.raises(LayerError) as info:
        spec.run(spec.bind((E, heads), {}), [(L, N, E)] * 3)
    assert type(info.value) is LayerError
    assert str(info.value) == torch_error(MHA, (E, heads), {}, [(L, N, E)] * 3)


def test_flags_not_known_are_unresolved_but_is_causal_where_both_agree():
    spec = LAYERS[MHA]
    args = spec.bind((E, H), {})
    unknown = UnknownArgument("not known")
    inputs = [(L, N, E), (S, N, E), (S, N, E)]
    with pytest.raises(Unresolved):
        spec.run(args, [*inputs, None, unknown, None, True, False])
    with pytest.raises(Unresolved):
        spec.run(args, [*inputs, None, True, None, unknown, False])
    mask = M(L, S)
    expected = torch_truth(MHA, (E, H), {}, inputs, {"attn_mask": mask, "need_weights": False})
    assert spec.run(args, [*inputs, None, False, mask.shape, True, unknown]) == expected[1:]
    # a mask of the wrong shape: torch drops it with is_causal=True, refuses it without
    bad = M(L, S + 2)
    assert torch_error(MHA, (E, H), {}, inputs, {"attn_mask": bad, "need_weights": False,
                                                 "is_causal": True}) is None
    assert torch_error(MHA, (E, H), {}, inputs, {"attn_mask": bad, "need_weights": False})
    with pytest.raises(Unresolved):
        spec.run(args, [*inputs, None, False, bad.shape, True, unknown])


# ---------------------------------------------------------------------------
# 3. MultiheadAttention: dtypes


@pytest.mark.parametrize("which, dtype, padding", [
    ("query", torch.float64, True), ("key", torch.float64, True), ("query", torch.int64, False),
    ("key_padding_mask", torch.int64, True), ("attn_mask", torch.int64, True),
    ("key_padding_mask", torch.float64, True), ("attn_mask", torch.float16, False),
    ("attn_mask", torch.float64, True),
])
def test_dtypes_torch_refuses_are_refused(which, dtype, padding):
    """(`padding`: a bool key_padding_mask too, which torch turns into a mask of the query's
    dtype and adds: a half-precision attn_mask is promoted then, a double one is not.)"""
    dtypes = {"query": torch.float32, "key": torch.float32, "value": torch.float32,
              "key_padding_mask": torch.bool if padding else None, "attn_mask": torch.float32}
    dtypes[which] = dtype
    shapes = {"query": (L, N, E), "key": (S, N, E), "value": (S, N, E),
              "key_padding_mask": (N, S), "attn_mask": (L, S)}
    if which == "key":
        dtypes["value"] = dtype  # as key and value are one tensor
    tensors = {k: None if dtypes[k] is None else torch.zeros(s, dtype=dtypes[k])
               for k, s in shapes.items()}
    module = nn.MultiheadAttention(E, H).eval()
    with pytest.raises((RuntimeError, AssertionError)) as info:
        module(tensors["query"], tensors["key"], tensors["value"],
               key_padding_mask=tensors["key_padding_mask"], attn_mask=tensors["attn_mask"],
               need_weights=False)
    names = list(shapes)
    with pytest.raises(DtypeError) as ours:
        layer_dtype(MHA, LAYERS[MHA].bind((E, H), {}),
                    [None if dtypes[n] is None else str(dtypes[n]).removeprefix("torch.")
                     for n in names])
    assert ours.value.operand == names.index(which)
    if dtype is torch.int64 and which != "query" or dtype is torch.float64 and which in (
            "query", "key"):  # (an int64 query: torch fails on the mask it fills with -inf)
        assert str(ours.value) == str(info.value)


def test_a_half_mask_with_a_padding_mask_is_taken_as_torch_takes_it():
    module = nn.MultiheadAttention(E, H).eval()
    y, _ = module(torch.zeros(L, N, E), torch.zeros(S, N, E), torch.zeros(S, N, E),
                  key_padding_mask=torch.zeros(N, S, dtype=torch.bool),
                  attn_mask=torch.zeros(L, S, dtype=torch.float16), need_weights=False)
    assert layer_dtype(MHA, LAYERS[MHA].bind((E, H), {}), [
        "float32", "float32", "float32", "bool", "float16"]) == str(y.dtype)[6:]


def test_the_query_dtype_goes_through_and_masks_of_bool_or_its_dtype_are_taken():
    module = nn.MultiheadAttention(E, H).eval()
    y, w = module(torch.zeros(L, N, E), torch.zeros(S, N, E), torch.zeros(S, N, E),
                  key_padding_mask=torch.zeros(N, S, dtype=torch.bool),
                  attn_mask=torch.zeros(L, S))
    got = layer_dtype(MHA, LAYERS[MHA].bind((E, H), {}),
                      ["float32", "float32", "float32", "bool", "float32"])
    assert got == str(y.dtype).removeprefix("torch.") == str(w.dtype).removeprefix("torch.")


# ---------------------------------------------------------------------------
# 4. The Transformer family: valid configurations

D, NH, FF = 16, 4, 24


def _family_cases() -> list:
    cases = []
    configurations: List[Dict[str, Any]] = [
        {}, {"norm_first": True}, {"batch_first": True}, {"bias": False},
        {"activation": "gelu"}, {"activation": F.gelu}, {"activation": torch.tanh},
        {"layer_norm_eps": 1e-3, "dropout": 0.0}, {"dim_feedforward": 0},
        {"batch_first": True, "norm_first": True, "bias": False},
    ]
    for kw in configurations:
        bf = kw.get("batch_first", False)
        ff = {} if "dim_feedforward" in kw else {"dim_feedforward": FF}
        x = (N, L, D) if bf else (L, N, D)
        memory = (N, S, D) if bf else (S, N, D)
        cases += [
            acase("TransformerEncoderLayer", (D, NH), {**ff, **kw}, [x]),
            acase("TransformerEncoderLayer", (D, NH), {**ff, **kw}, [(L, D)]),
            acase("TransformerEncoderLayer", (D, NH), {**ff, **kw}, [x],
                  {"src_mask": M(L, L), "is_causal": True}),
            acase("TransformerEncoderLayer", (D, NH), {**ff, **kw}, [x],
                  {"src_key_padding_mask": B(N, L), "src_mask": B(L, L)}),
            acase("TransformerDecoderLayer", (D, NH), {**ff, **kw}, [x, memory]),
            acase("TransformerDecoderLayer", (D, NH), {**ff, **kw}, [(L, D), (S, D)],
                  {"tgt_mask": M(L, L), "memory_mask": M(L, S)}),
            acase("TransformerDecoderLayer", (D, NH), {**ff, **kw}, [x, memory],
                  {"tgt_mask": M(L, L), "tgt_is_causal": True,
                   "memory_key_padding_mask": B(N, S), "tgt_key_padding_mask": B(N, L)}),
            acase("TransformerDecoderLayer", (D, NH), {**ff, **kw}, [x, memory],
                  {"memory_mask": M(L, S), "memory_is_causal": True}),
            acase("Transformer", (D, NH, 2, 1), {**ff, **kw}, [memory, x]),
            acase("Transformer", (D, NH, 1, 2), {**ff, **kw}, [(S, D), (L, D)]),
            acase("Transformer", (D, NH, 1, 1), {**ff, **kw}, [memory, x],
                  {"tgt_mask": M(L, L), "tgt_is_causal": True, "src_mask": M(S, S),
                   "src_is_causal": False, "memory_mask": M(L, S)}),
            acase("Transformer", (D, NH, 1, 1), {**ff, **kw}, [memory, x],
                  {"src_key_padding_mask": B(N, S), "memory_key_padding_mask": B(N, S)}),
            acase("Transformer", (D, NH, 1, 1), {**ff, **kw}, [memory, x],
                  {"tgt_key_padding_mask": B(N, L), "memory_mask": M(L, S),
                   "memory_is_causal": True}),
        ]
    cases += [
        acase("Transformer", (), {"d_model": 8, "nhead": 2, "num_encoder_layers": 3,
                                  "num_decoder_layers": 0 + 1, "dim_feedforward": 12},
              [(S, 1, 8), (L, 1, 8)]),
        acase("Transformer", (D, NH, 1, 1, FF, 0.1, "relu", None, None, 1e-5, True, True,
                              False), {}, [(N, S, D), (N, L, D)]),
        acase("TransformerEncoderLayer", (D, NH, FF, 0.1, "gelu", 1e-6, True, True, False),
              {}, [(N, L, D)]),
        acase("TransformerDecoderLayer", (D, NH), {"dim_feedforward": FF}, [(0, N, D), (S, N, D)]),
        acase("TransformerEncoderLayer", (D, NH), {"dim_feedforward": FF}, [(L, 0, D)]),
        acase("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N, D)],
              {"tgt_is_causal": False, "src_is_causal": True, "src_mask": M(S, S)}),
    ]
    return cases


FAMILY_CASES = _family_cases()


@pytest.mark.parametrize("name, pos, kw, inputs, fkw", FAMILY_CASES)
def test_transformer_family_matches_torch(name, pos, kw, inputs, fkw):
    try:
        expected = torch_truth(name, pos, kw, inputs, fkw)
    except NotImplementedError as exc:
        # a batch_first encoder given a padding mask: torch checks it is left-aligned
        # (`_nested_tensor_from_mask_left_aligned`, no meta kernel) before it gives up its
        # nested-tensor path (grad is enabled): the CPU then, with the math backend
        assert "_nested_tensor_from_mask_left_aligned" in str(exc)
        assert kw.get("batch_first") and "src_key_padding_mask" in fkw
        expected = torch_truth(name, pos, kw, inputs, fkw, device="cpu")
    got = catalogue_answer(name, pos, kw, inputs, fkw)
    assert got == expected, f"catalogue (params, output, MACs) {got} != torch {expected}"
    assert torch_error(name, pos, kw, inputs, fkw) is None


def test_the_grid_covers_every_argument_of_the_family():
    for name in FAMILY:
        spec = LAYERS[name]
        names = list(spec.signature.parameters)
        cases = [p for p in FAMILY_CASES if p.values[0] == name]
        given = {key for p in cases for key in [*names[:len(p.values[1])], *p.values[2]]}
        left = {"device", "dtype", "custom_encoder", "custom_decoder"}
        assert set(names) - left <= given, name
        forward = set(bind(spec.forward_of, "f", [(1,)] * (1 if "Encoder" in name else 2), {}))
        used = {key for p in cases for key in p.values[4]}
        assert {k for k in forward if "mask" in k or "causal" in k} <= used, name
    assert len(FAMILY_CASES) >= 100


@pytest.mark.parametrize("fkw", [
    {"src_mask": M(S, S)}, {"src_mask": M(S, S), "tgt_mask": M(L, L)},
    {"tgt_mask": M(L, L), "memory_mask": M(L, S)},
])
def test_masks_torch_compares_with_the_causal_one(fkw):
    """With `*_is_causal=None` (the default) the stacks compare a square mask with the causal
    mask's values: `.item()`, which the meta device refuses. torch on the CPU (math backend)
    counts what the catalogue does, and what meta counts with the hint given."""
    pos, kw, inputs = (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N, D)]
    with pytest.raises(RuntimeError, match="meta"):
        torch_truth("Transformer", pos, kw, inputs, fkw)
    cpu = torch_truth("Transformer", pos, kw, inputs, fkw, device="cpu")
    hinted = {**fkw, **{f"{k.split('_')[0]}_is_causal": False for k in fkw
                        if k != "memory_mask"}}
    assert cpu == torch_truth("Transformer", pos, kw, inputs, hinted)
    assert catalogue_answer("Transformer", pos, kw, inputs, fkw) == cpu


# ---------------------------------------------------------------------------
# 5. The Transformer family: errors

FAMILY_CONSTRUCTOR_ERRORS = [
    ("TransformerEncoderLayer", (D, 3), {}, True),
    ("TransformerEncoderLayer", (0, NH), {}, True),
    ("TransformerEncoderLayer", (D, NH), {"activation": "tanh"}, True),
    ("TransformerDecoderLayer", (D, NH), {"activation": "GELU"}, True),
    ("TransformerEncoderLayer", (D, NH, -1), {}, False),  # Linear's own words
    ("TransformerDecoderLayer", (D, NH), {"dropout": 2.0}, True),
    ("TransformerEncoderLayer", (D, NH), {"dropout": -0.5}, True),
    ("TransformerEncoderLayer", (D, NH, 2.0), {}, False),
    ("TransformerDecoderLayer", (D, NH), {"unexpected": 1}, False),
    ("Transformer", (D, 3), {}, True),
    ("Transformer", (D, NH, 2.0), {}, True),
    ("Transformer", (D, NH, 1, None), {}, True),
    ("Transformer", (D, NH), {"activation": "silu"}, True),
    ("Transformer", (D, NH), {"dim_feedforward": -3}, False),
]


@pytest.mark.parametrize("name, pos, kw, mirrored", FAMILY_CONSTRUCTOR_ERRORS,
                         ids=[f"{n}{p}{k}" for n, p, k, _ in FAMILY_CONSTRUCTOR_ERRORS])
def test_family_constructor_errors_match_torch(name, pos, kw, mirrored):
    expected = torch_error(name, pos, kw)
    got = catalogue_error(name, pos, kw)
    assert expected is not None, "torch accepts it"
    assert got is not None, f"the catalogue accepts what torch refuses: {expected}"
    if mirrored:
        assert got == expected


FAMILY_CALL_ERRORS = [
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N + 1, D)], {}, True),
    ("Transformer", (D, NH, 1, 1, FF), {"batch_first": True}, [(N, S, D), (N + 1, L, D)], {},
     True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D + 1), (L, N, D)], {}, True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N, D - 1)], {}, True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(D,), (D,)], {}, True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, D), (D,)], {}, True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, D), (L, N, D)], {}, True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N, D)], {"tgt_is_causal": True},
     True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N, D)],
     {"tgt_mask": M(L, L + 1), "tgt_is_causal": False}, True),
    ("Transformer", (D, NH, 1, 1, FF), {}, [(S, N, D), (L, N, D)],
     {"memory_mask": M(L, S + 1)}, True),
    ("TransformerEncoderLayer", (D, NH, FF), {}, [(L, N, D + 1)], {}, True),
    ("TransformerEncoderLayer", (D, NH, FF), {}, [(L, N, D)], {"is_causal": True}, True),
    ("TransformerEncoderLayer", (D, NH, FF), {}, [(L, N, D)],
     {"src_key_padding_mask": B(N, L + 1)}, True),
    ("TransformerEncoderLayer", (D, NH, FF), {"norm_first": True}, [(L, N, D - 2)], {}, False),
    ("TransformerDecoderLayer", (D, NH, FF), {}, [(L, N, D), (S, D)], {}, True),
    ("TransformerDecoderLayer", (D, NH, FF), {}, [(L, N, D), (S, N + 1, D)], {}, True),
    ("TransformerDecoderLayer", (D, NH, FF), {}, [(L, N, D), (S, N, D)],
     {"memory_mask": M(L, L)}, True),
]


@pytest.mark.parametrize("name, pos, kw, inputs, fkw, mirrored", FAMILY_CALL_ERRORS,
                         ids=[acase(*c[:5]).id for c in FAMILY_CALL_ERRORS])
def test_family_call_errors_match_torch(name, pos, kw, inputs, fkw, mirrored):
    assert torch_error(name, pos, kw) is None
    expected = torch_error(name, pos, kw, inputs, fkw)
    got = catalogue_error(name, pos, kw, inputs, fkw)
    assert expected is not None, "torch accepts it"
    assert got is not None, f"the catalogue accepts what torch refuses: {expected}"
    if mirrored:
        assert got == expected


@pytest.mark.parametrize("pos", [(D, NH, 0, 1, FF), (D, NH, 1, 0, FF), (D, NH, -2, 1, FF)])
def test_a_stack_of_no_layers_is_refused_on_any_call(pos):
    """torch builds an empty stack and every call fails (`self.layers[0]`): the
    construction's fault (LayerError), not the input's."""
    assert torch_error("Transformer", pos, {}) is None
    inputs = [(S, N, D), (L, N, D)]
    expected = torch_error("Transformer", pos, {}, inputs)
    spec = LAYERS["Transformer"]
    with pytest.raises(LayerError) as info:
        spec.run(spec.bind(pos, {}), inputs)
    assert type(info.value) is LayerError and str(info.value) == expected


class _GELU(ModuleArgument):
    """A module passed as the activation, as the tracer's module values are."""


def test_a_module_activation_leaves_the_parameters_to_the_trace():
    """`activation=nn.GELU()` is a submodule of torch's layer (its parameters, if any, the
    layer's): the catalogue, which does not know them, does not count the layer on its own."""
    module = nn.TransformerEncoderLayer(D, NH, FF, activation=nn.PReLU())
    assert "activation" in dict(module.named_children())
    spec = LAYERS["TransformerEncoderLayer"]
    args = spec.bind((D, NH, FF), {"activation": _GELU()})
    spec.check(args)  # builds
    with pytest.raises(Unresolved, match="activation"):
        spec.params(args)
