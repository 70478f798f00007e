"""F.scaled_dot_product_attention and F.multi_head_attention_forward: their output shapes,
torch's errors and their MACs as FlopCounterMode counts them on the meta device (REFERENCE.md).

F.multi_head_attention_forward is nn.MultiheadAttention's forward in functional form (CLIP's
AttentionPool2d calls it with its own projection weights): it costs what the layer costs
with the same shapes (costmodel/layers/attention.py), the weights given as tensors instead
of built (their shapes checked here), and an output projection of any width. It returns
(attn_output, attn_weights), the weights None when need_weights is false.

On meta, torch 2.13 runs the math backend (`_scaled_dot_product_attention_math`), which
FlopCounterMode sees as two matrix products: `matmul(query, keyᵀ)` (the scores, L x S) and
`matmul(scores, value)`. So the MACs are those of these two products (`shapes.matmul`, with
broadcast batch dims), measured in tests/costmodel/test_attention_ops_torch.py:

- a mask (bool or float) is added to the scores and `is_causal` builds a (L, S) lower
  triangle that is added the same way: neither changes the count (torch does not skip the
  masked half), nor do `scale` or `dropout_p`;
- `enable_gqa=True` repeats the key and value heads (`repeat_interleave` on dim -3) up to
  the query's before the products, so they count as for as many key/value heads as query
  heads;
- an empty query sequence (L = 0) or an empty value returns zeros at once
  (query.shape[:-1] + (Ev,)), 0 MACs, before any check but the ranks.

Where the devices disagree:
- a mask of fewer than 2 dims (a (S,) row, a 0-dim tensor) is "broadcastable to the shape
  of the attention weights" (..., L, S), as the documentation asks: taken, as on meta,
  though the CPU's kernel selection reads its size(-2) and raises for 4-D inputs;
- `is_causal` with a mask raises, as on meta, in the math backend and in the documentation,
  though the CPU's flash kernel takes both for some shapes;
- a mask with more (or bigger) batch dims than the scores raises, as on the CPU and in the
  math backend outside FlopCounterMode (the mask is added in place); only meta under
  FlopCounterMode lets the scores grow.
tests/costmodel/test_attention_ops_torch.py asserts each of these disagreements.
"""

from __future__ import annotations

import math
from typing import Callable, Optional, Tuple

from ...units import format_shape
from ..layers import LAYERS
from ..shapes import broadcast, matmul, show_bracketed
from ..spec import Args, LayerError, Shape, ShapeError, UnknownArgument, Unresolved
from .base import int_arg, resolved, shape_of
from .matmul import linear_parts

# The parser's types for the non-tensor arguments: (name, accepted types, torch's name)
_REAL = (int, float)  # a Python float argument: ints and bools are taken too
_TYPES = (("dropout_p", _REAL, "float"), ("is_causal", (bool,), "bool"),
          ("scale", _REAL, "float"), ("enable_gqa", (bool,), "bool"))


def _check_types(args: Args) -> None:
    """TypeErrors of torch's argument parser, for the values known."""
    for name, kinds, torch_name in _TYPES:
        value = args.values.get(name)
        if isinstance(value, UnknownArgument) or value is None and name == "scale":
            continue
        if not isinstance(value, kinds):
            raise LayerError(f"scaled_dot_product_attention(): argument '{name}' must be "
                             f"{torch_name}, not {type(value).__name__}")


def _grouped(q: Shape, k: Shape, v: Shape) -> Tuple[Shape, Shape]:
    """enable_gqa: key and value heads (dim -3) repeated up to the query's."""
    for name, s in (("query", q), ("key", k), ("value", v)):
        if len(s) < 3:
            raise ShapeError(f"Dimension out of range (expected to be in range of "
                             f"[-{len(s)}, {len(s) - 1}], but got -3) (enable_gqa=True reads "
                             f"the heads of {name}, a {format_shape(s)} tensor)")
    hq, hk, hv = q[-3], k[-3], v[-3]
    if hk == 0 or hv == 0:
        # torch computes hq % hk: with 0 key or value heads the process dies (SIGFPE)
        raise ShapeError(f"enable_gqa=True with {hk} key and {hv} value heads: torch divides "
                         f"the query's {hq} heads by them (integer division by zero)")
    if hq == hk == hv:
        return k, v
    if hq % hk or hq % hv:
        raise ShapeError(f"Number of heads in key and value must divide the number of heads in "
                         f"query (query {hq}, key {hk}, value {hv} heads)")
    return (*k[:-3], hq, *k[-2:]), (*v[:-3], hq, *v[-2:])


def _product(a: Shape, b: Shape, what: str) -> Tuple[Shape, int]:
    """One of the two products (both operands at least 2-D), with its MACs."""
    if a[-1] != b[-2]:
        raise ShapeError(f"scaled_dot_product_attention: {what}: cannot multiply "
                         f"{format_shape(a)} by {format_shape(b)} (the inner sizes {a[-1]} and "
                         f"{b[-2]} differ)")
    return matmul(a, b)  # batch dims that do not broadcast: torch's words (shapes.broadcast)


def _attention(args: Args, gqa: bool) -> Tuple[Shape, int]:
    q, k, v = shape_of(args, "query"), shape_of(args, "key"), shape_of(args, "value")
    mask = None if args["attn_mask"] is None else shape_of(args, "attn_mask")
    if min(len(q), len(k), len(v)) < 2:
        raise ShapeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                         f"but got query.dim: {len(q)} key.dim: {len(k)} and value.dim: "
                         f"{len(v)} instead.")
    if q[-2] == 0 or math.prod(v) == 0:
        return (*q[:-1], v[-1]), 0  # torch returns zeros before any other check
    if mask is not None and args["is_causal"]:
        raise LayerError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                         "when is_causal=True")
    if gqa:
        k, v = _grouped(q, k, v)
    scores, macs = _product(q, (*k[:-2], k[-1], k[-2]), "query @ key.transpose(-2, -1)")
    if mask is not None:
        grown = broadcast(scores, mask)
        if grown != scores:  # added in place: the scores keep their shape
            raise ShapeError(f"output with shape {show_bracketed(scores)} doesn't match the "
                             f"broadcast shape {show_bracketed(grown)} (the attention scores and "
                             f"attn_mask {format_shape(mask)})")
    p = args.known("dropout_p")
    if isinstance(p, _REAL) and p > 1:  # checked only when dropout applies (p > 0)
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")
    out, more = _product(scores, v, "scores @ value")
    return out, macs + more


def _either(args: Args, name: str, run: Callable[[Args, bool], Tuple[Shape, int]]
            ) -> Tuple[Shape, int]:
    """`run` with the flag `name`; when it is not known, what both values agree on."""
    value = args.values.get(name)
    if not isinstance(value, UnknownArgument):
        return run(args, bool(value))
    answers = []
    for flag in (False, True):
        try:
            answers.append(run(args, flag))
        except LayerError as exc:
            answers.append(exc)
    if isinstance(answers[0], LayerError) and isinstance(answers[1], LayerError):
        raise answers[0]
    if answers[0] != answers[1]:
        raise Unresolved(name, value.reason)
    return answers[0]


def attention_parts(args: Args) -> Tuple[Shape, int]:
    """(output shape, MACs) of F.scaled_dot_product_attention."""
    _check_types(args)
    return _either(args, "enable_gqa", _attention)


def _result(args: Args) -> Shape:
    return attention_parts(args)[0]


def _macs(args: Args, out: Optional[Shape]) -> int:
    return attention_parts(args)[1]


# ---------------------------------------------------------------------------
# F.multi_head_attention_forward

_MHA_TENSORS = ("query", "key", "value", "in_proj_weight", "in_proj_bias", "bias_k", "bias_v",
                "out_proj_weight", "out_proj_bias", "key_padding_mask", "attn_mask",
                "q_proj_weight", "k_proj_weight", "v_proj_weight", "static_k", "static_v")


def _optional(args: Args, name: str) -> Optional[Shape]:
    return None if args[name] is None else shape_of(args, name)


def _weight(args: Args, name: str, want: Shape, what: str) -> None:
    got = shape_of(args, name)
    if got != want:
        raise ShapeError(f"expecting {what} shape of {want}, but got torch.Size("
                         f"{list(got)}) ({name})")


def _projections(args: Args, embed: int) -> Tuple[Optional[int], Optional[int]]:
    """The input projections' checks; (kdim, vdim) of separate weights (None: packed)."""
    if resolved(args, "use_separate_proj_weight"):
        for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
            if args[name] is None:
                raise LayerError(f"use_separate_proj_weight is True but {name} is None")
        k, v = shape_of(args, "k_proj_weight"), shape_of(args, "v_proj_weight")
        for name, w in (("k_proj_weight", k), ("v_proj_weight", v)):
            if len(w) != 2 or w[0] != embed:
                raise ShapeError(f"expecting {name[0]} projection weights of shape ({embed}, *), "
                                 f"but got torch.Size({list(w)})")
        _weight(args, "q_proj_weight", (embed, embed), "query weights")
        kdim, vdim = k[1], v[1]
    else:
        if args["in_proj_weight"] is None:
            raise LayerError("use_separate_proj_weight is False but in_proj_weight is None")
        _weight(args, "in_proj_weight", (3 * embed, embed), "packed in_proj_weight")
        kdim = vdim = None
    bias = _optional(args, "in_proj_bias")
    if bias is not None and bias != (3 * embed,):
        raise Unresolved("in_proj_bias", f"an in_proj_bias of shape {format_shape(bias)} (not "
                                         f"{3 * embed}, a bias per projection) is not modelled")
    return kdim, vdim


def _extra_keys(args: Args, embed: int) -> bool:
    """bias_k and bias_v: both (1, 1, E) or neither."""
    k, v = _optional(args, "bias_k"), _optional(args, "bias_v")
    if (k is None) != (v is None):
        raise LayerError(f"bias_{'k' if v is None else 'v'} is set but "
                         f"bias_{'v' if v is None else 'k'} is None")
    for name, s in (("bias_k", k), ("bias_v", v)):
        if s is not None and s != (1, 1, embed):
            raise Unresolved(name, f"a {name} of shape {format_shape(s)} (not 1x1x{embed}) is "
                                   f"not modelled")
    return k is not None


def mha_forward_parts(args: Args) -> Tuple[Tuple[Shape, Optional[Shape]], int]:
    """((attn_output, attn_weights or None), MACs) of F.multi_head_attention_forward."""
    for name in ("static_k", "static_v"):
        if args[name] is not None:
            raise Unresolved(name, "precomputed keys and values (static_k, static_v) are not "
                                   "modelled")
    query = shape_of(args, "query")
    embed, heads = resolved(args, "embed_dim_to_check"), int_arg(args, "num_heads")
    if not query or query[-1] != embed:
        raise ShapeError(f"was expecting embedding dimension of {embed}, but got "
                         f"{query[-1] if query else format_shape(query)}")
    if heads == 0:
        raise LayerError("integer division or modulo by zero (num_heads=0)")
    embed = query[-1]  # an int (embed_dim_to_check is only compared with it)
    kdim, vdim = _projections(args, embed)
    layer = Args({"embed_dim": embed, "num_heads": heads, "dropout": 0.0,
                  "bias": args["in_proj_bias"] is not None, "add_bias_kv": _extra_keys(args, embed),
                  "add_zero_attn": args["add_zero_attn"], "kdim": kdim, "vdim": vdim,
                  "batch_first": False})
    inputs = [query, shape_of(args, "key"), shape_of(args, "value"),
              _optional(args, "key_padding_mask"), args.values["need_weights"],
              _optional(args, "attn_mask"), args.values["average_attn_weights"],
              args.values["is_causal"]]
    (out, weights), macs = LAYERS["MultiheadAttention"].run(layer, inputs)
    p = args.known("dropout_p")
    if args.known("training") and isinstance(p, (int, float)) and p > 1:
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")
    # the output projection: a Linear of (L * N, E) rows to any width (the layer's E)
    rows = math.prod(out[:-1])
    w = shape_of(args, "out_proj_weight")
    if len(w) != 2:
        raise ShapeError(f"out_proj_weight must be 2-D (out_features, {embed}), got "
                         f"{format_shape(w)}")
    projected, projection_macs = linear_parts(Args({
        "input": (rows, embed), "weight": w, "bias": _optional(args, "out_proj_bias")}))
    return ((*out[:-1], projected[-1]), weights), macs - rows * embed * embed + projection_macs


def _mha_result(args: Args) -> Tuple[Shape, Optional[Shape]]:
    return mha_forward_parts(args)[0]


def _mha_macs(args: Args, out: object) -> int:
    return mha_forward_parts(args)[1]


# F.scaled_dot_product_attention(...): scale and enable_gqa are keyword-only in torch's
# parser (its docstring writes them as positional)
FUNCTIONAL = [
    ("scaled_dot_product_attention",
     lambda query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None,
     enable_gqa=False: None,
     dict(tensors=("query", "key", "value", "attn_mask"), result=_result, macs=_macs)),
]

# F.multi_head_attention_forward(...): listed last
MHA_FUNCTIONAL = [
    ("multi_head_attention_forward",
     lambda query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
     bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True,
     key_padding_mask=None, need_weights=True, attn_mask=None, use_separate_proj_weight=False,
     q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
     average_attn_weights=True, is_causal=False: None,
     dict(tensors=_MHA_TENSORS, no_numbers=_MHA_TENSORS, result=_mha_result, macs=_mha_macs,
          result_kind="tensors")),
]
