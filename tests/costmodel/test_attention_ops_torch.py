"""Oracle tests for F.scaled_dot_product_attention and torch.einsum (macslint/costmodel/ops/
attention.py, einsum.py): torch decides every shape, MAC count and error.

Each call is run by torch twice, as in test_tensor_ops_torch.py (whose helpers this module
uses): eagerly on CPU zeros, and on `meta` tensors under FlopCounterMode (the convention:
REFERENCE.md; the expected shape and MACs come from there, flops / 2). For einsum the two
always agree. For attention they do not always, and each case says what torch does on each
device; the cost model follows the documented contract (attention.py's docstring):

- valid cases: meta runs them; the CPU too, except the cases marked `cpu_raises` (a mask of
  fewer than 2 dims on 4-D inputs: the CPU's kernel selection reads its size(-2));
- invalid cases: `raises_on` says where torch raises ("both", "cpu": a mask that would grow
  the scores, added in place; "meta": `is_causal` with a mask where the CPU's flash kernel
  takes both), and the cost model must raise ShapeError (the tensors do not fit) or
  LayerError (the arguments are wrong whatever the tensors), with torch's message where it
  mirrors it.

einsum contracts left to right when opt_einsum is not installed, the order macslint models:
`test_the_modelled_einsum_order_is_torchs_here` states it, and the oracle runs with
opt_einsum disabled so that its numbers are that order's wherever the suite runs.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from macslint.costmodel import FUNCTIONAL, TORCH_FUNCTIONS, LayerError, ShapeError, Unresolved
from macslint.costmodel.dtypes import DtypeError, Operand, op_dtypes
from macslint.evaluator.values import Unknown
from tests.costmodel.test_tensor_ops_torch import B, T, call_torch, fn, nnf, ours

pytestmark = pytest.mark.filterwarnings("ignore")

SDPA = "scaled_dot_product_attention"


# ---------------------------------------------------------------------------
# torch on both devices


def on_cpu(kind: str, name: str, pos, kw) -> Any:
    """The output shape of the eager CPU call, or the exception torch raised."""
    try:
        with torch.backends.opt_einsum.flags(enabled=False):
            return tuple(call_torch(kind, name, pos, kw).shape)
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError) as exc:
        return exc


def on_meta(kind: str, name: str, pos, kw) -> Any:
    """(output shape, MACs) of the call on meta under FlopCounterMode, or the exception."""
    try:
        with torch.backends.opt_einsum.flags(enabled=False), \
                FlopCounterMode(display=False) as counter:
            out = call_torch(kind, name, pos, kw, "meta")
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError) as exc:
        return exc
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    return tuple(out.shape), flops // 2


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0]


def _param(kind: str, name: str, pos, kw):
    return (fn if kind == "torch" else nnf)(name, *pos, **kw)


def valid(kind: str, name: str, *pos: Any, cpu_raises: bool = False, **kw: Any):
    p = _param(kind, name, pos, kw)
    return pytest.param(*p.values[:4], cpu_raises, id=p.id + (" [CPU raises]" if cpu_raises
                                                              else ""))


def bad(kind: str, name: str, *pos: Any, error: type = ShapeError, raises_on: str = "both",
        same_message: bool = True, **kw: Any):
    """A call torch refuses on `raises_on` ("both", "cpu" or "meta"); the cost model raises
    `error` exactly, with torch's message as the start of its own when `same_message`."""
    p = _param(kind, name, pos, kw)
    return pytest.param(*p.values[:4], error, raises_on, same_message,
                        id=p.id + ("" if raises_on == "both" else f" [{raises_on} raises]"))


def check_valid(kind, name, pos, kw, cpu_raises):
    meta = on_meta(kind, name, pos, kw)
    assert not isinstance(meta, Exception), f"torch raises on meta: {meta}"
    cpu = on_cpu(kind, name, pos, kw)
    if cpu_raises:
        assert isinstance(cpu, Exception), f"the CPU now takes it: {cpu}"
    else:
        assert cpu == meta[0], f"CPU {cpu} and meta {meta[0]} disagree"
    assert ours(kind, name, pos, kw) == ("tensor", *meta)


def check_invalid(kind, name, pos, kw, error, raises_on, same_message):
    cpu, meta = on_cpu(kind, name, pos, kw), on_meta(kind, name, pos, kw)
    raised = {device for device, got in (("cpu", cpu), ("meta", meta))
              if isinstance(got, Exception)}
    assert raised == ({"cpu", "meta"} if raises_on == "both" else {raises_on}), (cpu, meta)
    with pytest.raises(LayerError) as caught:
        ours(kind, name, pos, kw)
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
    if same_message:
        theirs = first_line(cpu if isinstance(cpu, Exception) else meta)
        assert str(caught.value).lower().startswith(theirs.lower()), \
            f"\n torch: {theirs}\n ours:  {caught.value}"


def sdpa(*pos: Any, cpu_raises: bool = False, **kw: Any):
    return valid("F", SDPA, *pos, cpu_raises=cpu_raises, **kw)


def bad_sdpa(*pos: Any, **kw: Any):
    return bad("F", SDPA, *pos, **kw)


# ---------------------------------------------------------------------------
# 1. F.scaled_dot_product_attention

QKV = (T(2, 4, 16, 8), T(2, 4, 12, 8), T(2, 4, 12, 5))  # L=16, S=12, E=8, Ev=5
SQUARE = (T(2, 4, 16, 8),) * 3  # the CPU's flash kernel takes these


def _attention_cases() -> list:
    cases = [
        # ranks 2 to 5, L != S, E != Ev, the REFERENCE.md example
        sdpa(*SQUARE), sdpa(T(1, 4, 10, 16), T(1, 4, 10, 16), T(1, 4, 10, 16)), sdpa(*QKV),
        sdpa(T(16, 8), T(12, 8), T(12, 5)), sdpa(T(3, 16, 8), T(3, 12, 8), T(3, 12, 5)),
        sdpa(T(5, 2, 4, 16, 8), T(5, 2, 4, 12, 8), T(5, 2, 4, 12, 5)),
        sdpa(T(1, 1, 1, 1), T(1, 1, 1, 1), T(1, 1, 1, 1)),
        # batch dims broadcast, tensors of different ranks
        sdpa(T(2, 1, 16, 8), T(1, 4, 12, 8), T(1, 4, 12, 5)),
        sdpa(T(2, 1, 16, 8), T(2, 4, 12, 8), T(2, 4, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(4, 12, 8), T(4, 12, 5)),
        sdpa(T(16, 8), T(2, 12, 8), T(2, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(2, 4, 12, 8), T(3, 2, 4, 12, 5)),
        sdpa(T(4, 16, 8), T(2, 1, 12, 8), T(3, 1, 1, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(1, 12, 8), T(2, 1, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(2, 4, 12, 8), T(4, 12, 5)),
        # empty: no embedding (both products still run), or torch's early zeros (L = 0 or an
        # empty value), which skip every later check
        sdpa(T(2, 4, 16, 0), T(2, 4, 12, 0), T(2, 4, 12, 5)),
        sdpa(T(2, 4, 0, 8), T(2, 4, 12, 8), T(2, 4, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(2, 4, 0, 8), T(2, 4, 0, 5)),
        sdpa(T(2, 4, 16, 8), T(2, 4, 12, 8), T(2, 4, 12, 0)),
        sdpa(T(0, 4, 16, 8), T(0, 4, 12, 8), T(0, 4, 12, 5)),
        sdpa(T(2, 4, 0, 8), T(2, 4, 12, 7), T(2, 4, 12, 5)),
        sdpa(T(2, 4, 0, 8), T(3, 4, 12, 8), T(3, 4, 12, 5)),
        sdpa(T(4, 0, 8), T(2, 1, 12, 8), T(2, 1, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(0, 4, 12, 8), T(0, 4, 12, 5)),
        sdpa(T(2, 4, 16, 8), T(3, 4, 0, 8), T(3, 4, 0, 5)),
        sdpa(T(2, 4, 16, 8), T(2, 4, 0, 7), T(2, 4, 0, 5)),
        sdpa(T(2, 4, 16, 8), T(2, 4, 12, 8), T(1, 0, 4, 12, 5)),
        sdpa(*QKV[:2], T(2, 4, 0, 5), attn_mask=T(3, 16, 0), is_causal=True),
        sdpa(T(2, 4, 0, 8), *QKV[1:], attn_mask=T(5, 2, 4, 0, 12)),
        sdpa(T(2, 8, 16, 8), T(2, 3, 0, 8), T(2, 3, 0, 5), enable_gqa=True),
        sdpa(T(2, 4, 16, 8), T(2, 4, 0, 8), T(2, 4, 0, 5), dropout_p=1.5),
        # is_causal: a (L, S) lower triangle, the same products
        sdpa(*SQUARE, is_causal=True), sdpa(*QKV, is_causal=True),
        sdpa(T(2, 4, 12, 8), T(2, 4, 16, 8), T(2, 4, 16, 5), is_causal=True),
        sdpa(T(16, 8), T(12, 8), T(12, 5), is_causal=True),
        sdpa(*QKV, is_causal=False, attn_mask=None),
        # masks, bool or float, broadcast to the scores (..., L, S)
        sdpa(*QKV, attn_mask=B(16, 12)), sdpa(*QKV, attn_mask=T(16, 12)),
        sdpa(*QKV, attn_mask=B(1, 12)), sdpa(*QKV, attn_mask=T(16, 1)),
        sdpa(*QKV, attn_mask=B(2, 1, 1, 12)), sdpa(*QKV, attn_mask=T(2, 4, 16, 12)),
        sdpa(*QKV, attn_mask=B(4, 16, 12)), sdpa(*QKV, attn_mask=T(1, 1, 1, 1)),
        sdpa(*SQUARE, attn_mask=B(16, 16)), sdpa(*SQUARE, attn_mask=T(2, 4, 16, 16)),
        sdpa(T(2, 1, 16, 8), T(1, 4, 12, 8), T(1, 4, 12, 5), attn_mask=T(2, 4, 16, 12)),
        sdpa(T(3, 16, 8), T(3, 12, 8), T(3, 12, 5), attn_mask=T(12)),
        sdpa(T(3, 16, 8), T(3, 12, 8), T(3, 12, 5), attn_mask=B()),
        sdpa(T(16, 8), T(12, 8), T(12, 5), attn_mask=B(12)),
        # a mask of fewer than 2 dims broadcasts on meta, as documented; the CPU's kernel
        # selection raises for 4-D inputs
        sdpa(*QKV, attn_mask=T(12), cpu_raises=True),
        sdpa(*SQUARE, attn_mask=B(16), cpu_raises=True),
        sdpa(*QKV, attn_mask=T(), cpu_raises=True), sdpa(*QKV, attn_mask=B(), cpu_raises=True),
        # scale, dropout: the same products (a float argument takes ints and bools too)
        sdpa(*QKV, scale=0.5), sdpa(*SQUARE, scale=-0.5), sdpa(*QKV, scale=0.0),
        sdpa(*QKV, scale=2), sdpa(*QKV, scale=True), sdpa(*QKV, scale=None),
        sdpa(*QKV, dropout_p=0.5), sdpa(*QKV, dropout_p=1.0), sdpa(*SQUARE, dropout_p=0.1),
        sdpa(*QKV, dropout_p=1), sdpa(*QKV, dropout_p=True), sdpa(*QKV, dropout_p=-0.5),
        sdpa(*QKV, dropout_p=float("nan")),
        sdpa(*QKV, B(16, 12), 0.0, False), sdpa(*QKV, None, 0.5, True),
        # enable_gqa: key and value heads repeated up to the query's
        sdpa(T(2, 8, 16, 8), T(2, 2, 16, 8), T(2, 2, 16, 8), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 2, 12, 8), T(2, 2, 12, 5), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 2, 16, 8), T(2, 4, 16, 8), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 8, 16, 8), T(2, 2, 16, 8), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 1, 12, 8), T(2, 1, 12, 5), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 8, 16, 8), T(2, 8, 16, 8), enable_gqa=True),
        sdpa(T(8, 16, 8), T(2, 16, 8), T(2, 16, 8), enable_gqa=True),
        sdpa(T(3, 8, 16, 8), T(2, 16, 8), T(2, 16, 8), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(1, 2, 12, 8), T(1, 2, 12, 5), enable_gqa=True),
        sdpa(T(2, 0, 16, 8), T(2, 2, 12, 8), T(2, 2, 12, 5), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 2, 12, 8), T(2, 2, 12, 5), enable_gqa=True, is_causal=True),
        sdpa(T(2, 8, 16, 8), T(2, 2, 12, 8), T(2, 2, 12, 5), enable_gqa=True,
             attn_mask=B(2, 8, 16, 12)),
        sdpa(T(2, 6, 16, 8), T(2, 3, 12, 8), T(2, 2, 12, 5), enable_gqa=True),
        sdpa(T(2, 8, 16, 8), T(2, 8, 12, 8), T(2, 8, 12, 5), enable_gqa=False),
        sdpa(T(2, 8, 16, 8), T(2, 1, 12, 8), T(2, 1, 12, 5)),  # one head broadcasts anyway
        # the keywords by name
        sdpa(query=T(2, 4, 16, 8), key=T(2, 4, 12, 8), value=T(2, 4, 12, 5)),
    ]
    return cases


ATTENTION_CASES = _attention_cases()


@pytest.mark.parametrize("kind, name, pos, kw, cpu_raises", ATTENTION_CASES)
def test_attention_matches_torch(kind, name, pos, kw, cpu_raises):
    check_valid(kind, name, pos, kw, cpu_raises)


INVALID_ATTENTION = [
    # ranks: at least 2 each
    bad_sdpa(T(8), T(8), T(8)), bad_sdpa(T(2, 8), T(8), T(3, 8)), bad_sdpa(T(), T(2, 8), T(2, 8)),
    bad_sdpa(T(0), T(2, 8), T(3, 8)), bad_sdpa(T(2, 8), T(2, 8), T(2)),
    # the embedding sizes, the sequence lengths, the batch dims
    bad_sdpa(T(2, 4, 16, 8), T(2, 4, 12, 7), T(2, 4, 12, 5), same_message=False),
    bad_sdpa(T(2, 4, 16, 8), T(2, 4, 12, 8), T(2, 4, 11, 5), same_message=False),
    bad_sdpa(T(16, 8), T(12, 8), T(13, 5), same_message=False),
    bad_sdpa(T(2, 4, 16, 8), T(2, 4, 0, 8), T(2, 4, 3, 5), same_message=False),
    bad_sdpa(T(2, 4, 16, 8), T(3, 4, 12, 8), T(2, 4, 12, 5), same_message=False),
    bad_sdpa(T(2, 4, 16, 8), T(1, 4, 12, 8), T(3, 4, 12, 5), same_message=False),
    bad_sdpa(T(0, 4, 16, 8), T(2, 4, 12, 8), T(2, 4, 12, 5), same_message=False),
    bad_sdpa(T(2, 8, 16, 8), T(2, 2, 16, 8), T(2, 2, 16, 8), same_message=False),
    # a mask that does not broadcast to the scores
    bad_sdpa(*QKV, attn_mask=T(3, 16, 12), same_message=False),
    bad_sdpa(*QKV, attn_mask=B(16, 16), same_message=False),
    bad_sdpa(*QKV, attn_mask=T(0, 16, 12), same_message=False),
    # ... or would make the scores bigger: only meta under FlopCounterMode lets them grow
    bad_sdpa(*QKV, attn_mask=T(5, 2, 4, 16, 12), raises_on="cpu"),
    bad_sdpa(*SQUARE, attn_mask=B(5, 2, 4, 16, 16), raises_on="cpu"),
    bad_sdpa(T(1, 1, 16, 8), T(1, 1, 12, 8), T(1, 1, 12, 5), attn_mask=T(2, 4, 16, 12),
             raises_on="cpu"),
    bad_sdpa(T(16, 8), T(12, 8), T(12, 5), attn_mask=B(2, 16, 12), raises_on="cpu"),
    # is_causal with a mask; the CPU's flash kernel (square 4-D inputs) takes both
    bad_sdpa(*QKV, attn_mask=B(16, 12), is_causal=True, error=LayerError),
    bad_sdpa(T(16, 8), T(12, 8), T(12, 5), attn_mask=T(16, 12), is_causal=True,
             error=LayerError),
    bad_sdpa(*SQUARE, attn_mask=B(16, 16), is_causal=True, error=LayerError, raises_on="meta"),
    # enable_gqa: the heads (dim -3) must exist, and key's and value's divide the query's
    bad_sdpa(T(2, 8, 16, 8), T(2, 3, 16, 8), T(2, 3, 16, 8), enable_gqa=True),
    bad_sdpa(T(2, 8, 16, 8), T(2, 2, 16, 8), T(2, 3, 16, 8), enable_gqa=True),
    bad_sdpa(T(2, 8, 16, 8), T(2, 16, 12, 8), T(2, 16, 12, 8), enable_gqa=True),
    bad_sdpa(T(2, 4, 16, 8), T(2, 8, 12, 8), T(2, 4, 12, 5), enable_gqa=True),
    bad_sdpa(T(16, 8), T(16, 8), T(16, 8), enable_gqa=True),
    bad_sdpa(T(2, 16, 8), T(16, 8), T(16, 8), enable_gqa=True),
    bad_sdpa(T(2, 16, 8), T(2, 16, 8), T(16, 8), enable_gqa=True),
    # dropout_p above 1 (checked only where dropout applies)
    bad_sdpa(*QKV, dropout_p=1.5, error=LayerError),
    bad_sdpa(*SQUARE, dropout_p=10**30, error=LayerError, same_message=False),
    # the argument parser
    bad_sdpa(*QKV, is_causal=1, error=LayerError),
    bad_sdpa(*QKV, is_causal=None, error=LayerError),
    bad_sdpa(*QKV, enable_gqa=1, error=LayerError),
    bad_sdpa(*QKV, dropout_p="a", error=LayerError),
    bad_sdpa(*QKV, dropout_p=None, error=LayerError),
    bad_sdpa(*QKV, scale="x", error=LayerError),
    bad_sdpa(*QKV, None, 0.0, False, 0.5, error=LayerError, same_message=False),
    bad_sdpa(*QKV[:2], error=LayerError, same_message=False),
    bad_sdpa(*QKV, foo=1, error=LayerError, same_message=False),
    bad_sdpa(*QKV[:2], T(2, 4, 12, 5), attn_mask=[1], error=LayerError, same_message=False),
]


@pytest.mark.parametrize("kind, name, pos, kw, error, raises_on, same_message",
                         INVALID_ATTENTION)
def test_invalid_attention_raises_like_torch(kind, name, pos, kw, error, raises_on,
                                             same_message):
    check_invalid(kind, name, pos, kw, error, raises_on, same_message)


def test_gqa_with_no_key_heads_is_refused():
    """torch computes `query heads % key heads`: with 0 key heads (and a value not empty) the
    process dies of SIGFPE, so torch is not run here; macslint refuses the call."""
    for k in ((2, 0, 12, 8), (2, 0, 0, 8)):
        with pytest.raises(ShapeError, match="division by zero"):
            ours("F", SDPA, ((2, 8, 16, 8), k, (2, 2, 12, 5)), {"enable_gqa": True})


def test_masks_and_causality_do_not_change_the_count():
    """The counting convention, measured: a mask or is_causal adds to the scores, the two
    products stay (FlopCounterMode on meta counts them whole)."""
    plain = on_meta("F", SDPA, QKV, {})
    for kw in ({"is_causal": True}, {"attn_mask": B(16, 12)}, {"attn_mask": T(2, 4, 16, 12)}):
        assert on_meta("F", SDPA, QKV, kw) == plain
    # and they are the two products: L x S x E and L x S x Ev per head
    assert plain[1] == 2 * 4 * 16 * 12 * (8 + 5)


def test_unknown_flags_cost_the_call_only_where_they_matter():
    spec = FUNCTIONAL[SDPA]
    q, k, v = (s.shape for s in QKV)
    expected = on_meta("F", SDPA, QKV, {})
    # is_causal unknown: without a mask it changes nothing
    assert spec.run(spec.bind([q, k, v], {"is_causal": Unknown("flag")})) == expected
    # enable_gqa unknown: same heads, both values agree
    assert spec.run(spec.bind([q, k, v], {"enable_gqa": Unknown("flag")})) == expected
    # ... but not when the key has fewer heads (torch raises without it)
    with pytest.raises(Unresolved):
        spec.run(spec.bind([(2, 8, 16, 8), (2, 2, 12, 8), (2, 2, 12, 5)],
                           {"enable_gqa": Unknown("flag")}))
    with pytest.raises(Unresolved):
        spec.run(spec.bind([q, k, v], {"attn_mask": (16, 12), "is_causal": Unknown("flag")}))
    with pytest.raises(Unresolved):
        spec.run(spec.bind([q, k, v], {"attn_mask": Unknown("a mask")}))
    # dropout_p and scale do not change the shape or the count
    assert spec.run(spec.bind([q, k, v], {"dropout_p": Unknown("p"), "scale": Unknown("s")})) \
        == expected


def test_attention_signature_is_torchs():
    """The documented signature (torch's is a builtin), with scale and enable_gqa keyword-only
    as torch's parser has them (test_invalid_attention_raises_like_torch: 7 positional)."""
    doc = F.scaled_dot_product_attention.__doc__.strip()
    documented = doc[doc.index("(") + 1:doc.index(")")].replace("\n", " ")
    names = [part.split("=")[0].strip() for part in documented.split(",")]
    params = FUNCTIONAL[SDPA].signature.parameters
    assert list(params) == names
    for part in documented.split(","):
        if "=" in part:
            name, default = (x.strip() for x in part.split("="))
            assert params[name].default == eval(default)
    assert [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY] == ["scale", "enable_gqa"]


# ---------------------------------------------------------------------------
# 2. Attention dtypes (costmodel.dtypes): what torch returns, or that it raises

DTYPES = {"f32": torch.float32, "f16": torch.float16, "f64": torch.float64,
          "i64": torch.int64, "b": torch.bool}
DTYPE_CASES = [
    ("f32", "f32", "f32", None), ("f16", "f16", "f16", None), ("f64", "f64", "f64", "f64"),
    ("f32", "f32", "f32", "b"), ("f32", "f32", "f32", "f32"), ("f16", "f16", "f16", "f32"),
    ("f16", "f16", "f16", "f16"), ("f16", "f16", "f16", "b"),
    ("f32", "f32", "f32", "i64"), ("f32", "f32", "f32", "f16"), ("f32", "f32", "f32", "f64"),
    ("f16", "f16", "f16", "f64"), ("i64", "i64", "i64", None), ("f32", "i64", "f32", None),
    ("f32", "f32", "i64", None), ("b", "b", "b", None), ("i64", "i64", "i64", "i64"),
]


@pytest.mark.parametrize("q, k, v, mask", DTYPE_CASES)
def test_attention_dtype_matches_torch(q, k, v, mask):
    tensors = [torch.zeros(2, 4, 16, 8, dtype=DTYPES[d]) for d in (q, k, v)]
    attn_mask = None if mask is None else torch.zeros(16, 16, dtype=DTYPES[mask])
    operands = {name: Operand(str(DTYPES[d]).replace("torch.", ""), "tensor")
                for name, d in zip(("query", "key", "value", "attn_mask"), (q, k, v, mask))
                if d is not None}
    try:
        expected: Optional[str] = str(F.scaled_dot_product_attention(
            *tensors, attn_mask=attn_mask).dtype).replace("torch.", "")
    except RuntimeError:
        with pytest.raises(DtypeError):
            op_dtypes(SDPA, operands, 1)
        return
    assert op_dtypes(SDPA, operands, 1) == [expected]


def test_attention_of_floats_of_other_precisions_is_not_refused():
    """torch wants one dtype for query, key and value; floats of another precision are left
    unknown, not refused (costmodel.dtypes' policy: a model may run in half precision)."""
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(torch.zeros(2, 4, 8), torch.zeros(2, 4, 8).half(),
                                       torch.zeros(2, 4, 8))
    operands = {"query": Operand("float32", "tensor"), "key": Operand("float16", "tensor"),
                "value": Operand("float32", "tensor")}
    assert op_dtypes(SDPA, operands, 1) == [None]


# ---------------------------------------------------------------------------
# 3. torch.einsum


def ein(equation: str, *operands: Any):
    return valid("torch", "einsum", equation, *operands)


def bad_ein(equation: Any, *operands: Any, error: type = LayerError, same_message: bool = True):
    return bad("torch", "einsum", equation, *operands, error=error, same_message=same_message)


def _einsum_cases() -> list:
    return [
        # two operands: products (aten.bmm) and elementwise products (aten.mul, 0 MACs)
        ein("bij,bjk->bik", T(2, 3, 4), T(2, 4, 5)), ein("ij,jk->ik", T(2, 3), T(3, 4)),
        ein("ij,jk", T(2, 3), T(3, 4)), ein("ij,kj->ik", T(2, 3), T(4, 3)),
        ein("ij,jk->ki", T(2, 3), T(3, 4)), ein("i,i->", T(5), T(5)), ein("i,i", T(5), T(5)),
        ein("i,j->ij", T(2), T(3)), ein("i,j", T(2), T(3)), ein("ij,ij->ij", T(2, 3), T(2, 3)),
        ein("ij,ij->", T(2, 3), T(2, 3)), ein("ij,ij->i", T(2, 3), T(2, 3)),
        ein("bi,io->bo", T(4, 8), T(8, 6)), ein("bhqd,bhkd->bhqk", T(2, 4, 16, 8), T(2, 4, 12, 8)),
        ein("bhqk,bhkd->bhqd", T(2, 4, 16, 12), T(2, 4, 12, 5)),
        ein("bnd,md->bnm", T(2, 5, 8), T(7, 8)), ein("ij,jk->jik", T(2, 3), T(3, 4)),
        ein("Ab,bC->AC", T(2, 3), T(3, 4)), ein("aA,Aa->", T(2, 3), T(3, 2)),
        ein(" ij , jk -> ik ", T(2, 3), T(3, 4)),
        # labels of one operand only: summed out before the product
        ein("ij,jk->i", T(2, 3), T(3, 4)), ein("ij,kl->il", T(2, 3), T(4, 5)),
        ein("bij,bjk->b", T(2, 3, 4), T(2, 4, 5)), ein("ijk,k->", T(2, 3, 4), T(4)),
        # size-1 dims broadcast
        ein("ij,ij->ij", T(1, 3), T(2, 3)), ein("ij,jk->ik", T(2, 1), T(3, 4)),
        ein("bij,bjk->bik", T(1, 3, 4), T(5, 4, 2)), ein("ij,ij->j", T(2, 1), T(1, 3)),
        # one operand: permutes, sums, diagonals (free)
        ein("ij->ji", T(2, 3)), ein("ij->", T(2, 3)), ein("ij->i", T(2, 3)), ein("ij", T(2, 3)),
        ein("ji", T(2, 3)), ein("ii->i", T(3, 3)), ein("ii", T(3, 3)), ein("ii->", T(3, 3)),
        ein("bii->bi", T(2, 3, 3)), ein("iji->j", T(2, 4, 2)), ein("i->i", T(0)),
        # repeated labels with another operand
        ein("ii,ij->j", T(3, 3), T(3, 4)), ein("bii,bij->bj", T(2, 3, 3), T(2, 3, 4)),
        # ellipsis: broadcast batch dims, implicit output (the ellipsis first)
        ein("...ij,...jk->...ik", T(2, 3, 4), T(2, 4, 5)),
        ein("...ij,...jk->...ik", T(2, 1, 3, 4), T(5, 4, 2)),
        ein("...ij,...jk", T(2, 3, 4), T(4, 5)), ein("...i,...i->...", T(2, 3), T(2, 3)),
        ein("i...->...", T(2, 3, 4)), ein("...->...", T(2, 3)), ein("...", T(2, 3)),
        ein("b...d,b...d->b...", T(2, 3, 4, 5), T(2, 1, 4, 5)),
        ein("...ij,jk->ik", T(2, 3, 4), T(4, 5)), ein("i...j,j...k->ik...", T(2, 3, 4), T(4, 3, 5)),
        ein("...ii->...i", T(2, 3, 3)), ein("ij...,jk...->ik", T(2, 3), T(3, 4)),
        # 0-dim operands, empty dims
        ein(",ij->ij", T(), T(2, 3)), ein("i,->i", T(3), T()), ein(",", T(), T()), ein("", T()),
        ein("ij,jk->ik", T(0, 3), T(3, 4)), ein("ij,jk->ik", T(2, 0), T(0, 4)),
        ein("bij,bjk->bik", T(0, 3, 4), T(0, 4, 5)), ein("ij,jk", T(2, 3), T(3, 0)),
        # three and more operands: left to right
        ein("ij,jk,kl->il", T(2, 3), T(3, 4), T(4, 5)),
        ein("ij,jk,kl->il", T(5, 40), T(40, 3), T(3, 60)),
        ein("bn,anm,bm->ba", T(2, 4), T(3, 4, 5), T(2, 5)),
        ein("i,i,i->", T(4), T(4), T(4)), ein("ij,jk,ki->", T(2, 3), T(3, 4), T(4, 2)),
        ein("ab,bc,cd,de->ae", T(2, 3), T(3, 4), T(4, 5), T(5, 6)),
        ein("ab,cd,bd->ac", T(2, 3), T(4, 5), T(3, 5)), ein("i,j,k->ijk", T(2), T(3), T(4)),
        ein("bi,bj,bk->b", T(2, 3), T(2, 4), T(2, 5)),
        ein("...i,...j,...k->...ijk", T(2, 3), T(1, 4), T(2, 5)),
        ein("ii,ij,jk", T(3, 3), T(3, 4), T(4, 2)), ein("ab,ab,ab->ab", T(2, 3), T(1, 3), T(2, 1)),
        ein("a,b,c,d,e->", T(2), T(3), T(4), T(5), T(6)),
        # the list form (torch's old interface): a list or tuple of the operands
        ein("bij,bjk->bik", [T(2, 3, 4), T(2, 4, 5)]), ein("ij->j", [T(2, 3)]),
        ein("ij,jk,kl->il", (T(2, 3), T(3, 4), T(4, 5))), ein("i,i", [T(5), T(5)]),
    ]


EINSUM_CASES = _einsum_cases()


@pytest.mark.parametrize("kind, name, pos, kw, cpu_raises", EINSUM_CASES)
def test_einsum_matches_torch(kind, name, pos, kw, cpu_raises):
    check_valid(kind, name, pos, kw, cpu_raises)


INVALID_EINSUM = [
    # sizes that do not fit
    bad_ein("ij,jk->ik", T(2, 3), T(4, 5), error=ShapeError),
    bad_ein("bij,bjk->bik", T(2, 3, 4), T(3, 4, 5), error=ShapeError),
    bad_ein("ij,jk", T(2, 3, 4), T(3, 4), error=ShapeError),
    bad_ein("ij,jk", T(2), T(3, 4), error=ShapeError),
    bad_ein("...ijk", T(2, 3), error=ShapeError), bad_ein("i", T(), error=ShapeError),
    bad_ein("ii", T(2, 3), error=ShapeError), bad_ein("iji->j", T(2, 4, 3), error=ShapeError),
    bad_ein("...i,...i", T(2, 3), T(4, 3), error=ShapeError),
    bad_ein("...ij,...jk->...ik", T(2, 3, 4), T(3, 4, 5), error=ShapeError),
    bad_ein("ij,jk,kl->il", T(2, 3), T(3, 4), T(5, 6), error=ShapeError),
    bad_ein("ij,ij->ij", T(2, 3), T(3, 3), error=ShapeError),
    # the equation
    bad_ein("i1,1k->ik", T(2, 3), T(3, 4)), bad_ein("ij->iz", T(2, 3)),
    bad_ein("ij->ii", T(2, 3)), bad_ein("ij->i1", T(2, 3)), bad_ein("i.j", T(2, 3)),
    bad_ein("..i", T(2, 3)), bad_ein("...i...", T(2, 3)), bad_ein("ij->....", T(2, 3)),
    bad_ein("ij->...i...", T(2, 3)), bad_ein("ij->i.", T(2, 3)),
    bad_ein("ij->j->i", T(2, 2)), bad_ein("ïj", T(2, 2)), bad_ein("ij-k", T(2, 2)),
    bad_ein("ij,jk,kl", T(2, 3), T(3, 4)), bad_ein("ij", T(2, 3), T(3, 4)),
    bad_ein("ij,jk->ik,", T(2, 3), T(3, 4)),
    # the operands
    bad_ein("i"), bad_ein("i", []), bad_ein(3, T(2)), bad_ein(None, T(2)), bad_ein([0], T(2)),
    bad("torch", "einsum", T(2, 3), error=LayerError),
    bad_ein("i,i", T(2), 3, same_message=False),
]


@pytest.mark.parametrize("kind, name, pos, kw, error, raises_on, same_message", INVALID_EINSUM)
def test_invalid_einsum_raises_like_torch(kind, name, pos, kw, error, raises_on, same_message):
    check_invalid(kind, name, pos, kw, error, raises_on, same_message)


def test_the_modelled_einsum_order_is_torchs_here():
    """macslint models torch's left-to-right contraction. torch takes another path for 3 or
    more operands only with opt_einsum installed and enabled: not in this environment (if it
    were, macslint's count would be an assumption for such equations, as einsum.py says)."""
    assert not torch.backends.opt_einsum.is_available(), \
        "opt_einsum is installed: torch's einsum path for 3+ operands is not left to right"
    a, b, c = (torch.zeros(s, device="meta") for s in ((5, 40), (40, 3), (3, 60)))
    counts = {}
    for path in (None, [1, 2, 0, 1]):  # left to right; the last two first
        with FlopCounterMode(display=False) as counter:
            torch._VF.einsum("ij,jk,kl->il", [a, b, c], path=path)
        counts[str(path)] = counter.get_total_flops() // 2
    with FlopCounterMode(display=False) as counter:
        torch.einsum("ij,jk,kl->il", a, b, c)  # the default
    assert counter.get_total_flops() // 2 == counts["None"]
    assert counts["None"] != counts["[1, 2, 0, 1]"]  # the order matters
    assert ours("torch", "einsum", ("ij,jk,kl->il", T(5, 40), T(40, 3), T(3, 60)), {}) == \
        ("tensor", (5, 60), counts["None"])


def test_einsum_sublist_format_is_not_followed():
    """torch.einsum(a, [0, 1], b, [1, 2]): not modelled, so not counted (nor refused)."""
    assert tuple(torch.einsum(torch.zeros(2, 3), [0, 1], torch.zeros(3, 4), [1, 2]).shape) \
        == (2, 4)
    spec = TORCH_FUNCTIONS["einsum"]
    with pytest.raises(Unresolved):
        spec.run(spec.bind([(2, 3), [0, 1], (3, 4), [1, 2]], {}))


def test_einsum_documented_signature():
    """torch's Python signature is `einsum(*args)`; the documented one is ours."""
    doc_line = torch.einsum.__doc__.strip().splitlines()[0]
    assert doc_line.startswith("einsum(equation, *operands)")
    params = TORCH_FUNCTIONS["einsum"].signature.parameters
    assert [(n, str(p.kind)) for n, p in params.items()] == [
        ("equation", "POSITIONAL_OR_KEYWORD"), ("operands", "VAR_POSITIONAL")]


def test_einsum_of_unknown_operands_is_unresolved():
    spec = TORCH_FUNCTIONS["einsum"]
    with pytest.raises(Unresolved):
        spec.run(spec.bind([Unknown("eq"), (2, 3)], {}))
    with pytest.raises(Unresolved):
        spec.run(spec.bind(["ij,jk", (2, 3), Unknown("a tensor")], {}))


def test_case_counts():
    """Enough of each kind, and most valid cases count MACs (not only free permutes)."""
    assert len(ATTENTION_CASES) >= 80 and len(INVALID_ATTENTION) >= 40
    assert len(EINSUM_CASES) >= 75 and len(INVALID_EINSUM) >= 30
    counted = [p for p in EINSUM_CASES if ours(*p.values[:4])[2] > 0]
    assert len(counted) >= 40

