"""nn.MultiheadAttention: its parameters, torch's constructor checks, and its forward() as
F.multi_head_attention_forward runs it (torch 2.13): the output structure (attn_output,
attn_weights or None), the shape checks in torch's order and words, and the MACs
FlopCounterMode counts on the meta device, eval mode, grad enabled (REFERENCE.md).

On meta MHA never takes its fused fast path (meta is not a fast-path device; nor does any
device with grad enabled), so FlopCounterMode sees the explicit computation: the input
projections (one packed Linear, or three when kdim/vdim differ from embed_dim), the scores
and their product with the values (two bmm, a baddbmm with a mask, when need_weights; the
math backend of scaled_dot_product_attention when not: the same two products), and the
output projection. With L the query's length, S its key's, S' = S + add_bias_kv +
add_zero_attn the length attended over, N the batch (1 unbatched), E embed_dim:

    MACs = N * (L*E*E + S*kdim*E + S*vdim*E)      input projections
         + 2 * N * L * S' * E                     Q·Kᵀ and A·V (heads x head_dim = E)
         + N * L * E * E                          out_proj

Neither need_weights, average_attn_weights, the masks nor is_causal change the count (the
masked scores are computed all the same), as tests/costmodel/test_attention_layers_torch.py
measures for each.
"""

from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Tuple

from ..spec import (
    Args, LayerError, Shape, ShapeError, ShapeTuple, UnknownArgument, Unresolved,
)
from .base import LayerSpec

# torch's forward(): tensors, and three flags passed as plain values
FORWARD = lambda query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, \
    average_attn_weights=True, is_causal=False: None  # noqa: E731
FLAGS = frozenset({"need_weights", "average_attn_weights", "is_causal"})
_DEFAULTS = (None, None, None, None, True, None, True, False)


def torch_size(shape: Sequence[Any]) -> str:
    """`torch.Size([7, 2])`, as torch's messages print a shape."""
    return f"torch.Size([{', '.join(map(str, shape))}])"


def empty(sizes: Sequence[Any]) -> None:
    """torch.empty(sizes)'s checks, for the tensors a constructor creates: ints (a bool is
    refused only first, a float or anything else anywhere), none negative."""
    for index, size in enumerate(sizes):
        if isinstance(size, int) and not (index == 0 and isinstance(size, bool)):
            continue
        kind = type(size).__name__
        if index == 0:
            raise LayerError(f"empty(): argument 'size' (position 1) must be tuple of ints, but "
                             f"found element of type {kind} at pos 0")
        raise LayerError(f"empty(): argument 'size' failed to unpack the object at pos "
                         f"{index + 1} with error \"type must be tuple of ints,but got {kind}\"")
    if any(size < 0 for size in sizes):
        negative = next(size for size in sizes if size < 0)
        raise LayerError(f"Trying to create tensor with negative dimension {negative}: "
                         f"[{', '.join(str(int(s)) for s in sizes)}]")


def _not_positive(value: Any) -> bool:
    """`value <= 0` as Python answers it (a TypeError for what does not compare)."""
    if isinstance(value, (int, float)):
        return value <= 0
    raise LayerError(f"'<=' not supported between instances of '{type(value).__name__}' and "
                     "'int'")


def sizes(args: Args) -> Tuple[Any, Any, Any, Any, bool]:
    """(embed_dim, num_heads, kdim, vdim, one packed in_proj_weight), after the constructor's
    checks in torch's order (tensors created as torch creates them)."""
    embed, heads = args["embed_dim"], args["num_heads"]
    if _not_positive(embed) or _not_positive(heads):
        raise LayerError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed} "
                         f"and num_heads={heads} instead")
    kdim = embed if args["kdim"] is None else args["kdim"]
    vdim = embed if args["vdim"] is None else args["vdim"]
    packed = kdim == embed and vdim == embed
    if (embed // heads) * heads != embed:
        raise LayerError("embed_dim must be divisible by num_heads")
    if packed:
        empty((3 * embed, embed))
    else:
        empty((embed, embed))
        empty((embed, kdim))
        empty((embed, vdim))
    if args["bias"]:
        empty((3 * embed,))
    empty((embed, embed))  # out_proj, a Linear
    return embed, heads, kdim, vdim, packed


def _params(args: Args) -> int:
    embed, _, kdim, vdim, packed = sizes(args)
    weights = 4 * embed * embed if packed else embed * (2 * embed + kdim + vdim)
    biases = 4 * embed if args["bias"] else 0
    return int(weights + biases + (2 * embed if args["add_bias_kv"] else 0))


def forward_arguments(inputs: Sequence[Any]) -> List[Any]:
    """Every forward() argument: costed on its own, a layer gets its tensors only."""
    return [*inputs, *_DEFAULTS[len(inputs):]]


def _tensor(value: Any, attribute: str = "dim") -> Shape:
    """A tensor argument; torch's AttributeError for None or a tuple (it reads `attribute`
    of it first)."""
    if value is None or isinstance(value, ShapeTuple):
        kind = "NoneType" if value is None else "tuple"
        raise ShapeError(f"'{kind}' object has no attribute '{attribute}'")
    return tuple(value)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, UnknownArgument):
        raise Unresolved(name, value.reason)
    return bool(value)


def _swap(x: Shape) -> Shape:
    """`x.transpose(1, 0)` (a batch_first input)."""
    if len(x) < 2:
        rank = max(len(x), 1)
        raise ShapeError(f"Dimension out of range (expected to be in range of [{-rank}, "
                         f"{rank - 1}], but got 1)")
    return (x[1], x[0], *x[2:])


def _shape_check(q: Shape, k: Shape, v: Shape, padding: Optional[Shape],
                 mask: Optional[Shape], heads: Any) -> bool:
    """F._mha_shape_check: whether the query is batched; its words where it refuses."""
    if len(q) == 3:
        word, want, want_padding = "batched (3-D)", 3, 2
    elif len(q) == 2:
        word, want, want_padding = "unbatched (2-D)", 2, 1
    else:
        raise ShapeError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{len(q)}-D query tensor")
    if len(k) != want or len(v) != want:
        raise ShapeError(f"For {word} `query`, expected `key` and `value` to be {want}-D but "
                         f"found {len(k)}-D and {len(v)}-D tensors respectively")
    if padding is not None and len(padding) != want_padding:
        raise ShapeError(f"For {word} `query`, expected `key_padding_mask` to be `None` or "
                         f"{want_padding}-D but found {len(padding)}-D tensor instead")
    if mask is not None:
        if len(mask) not in (2, 3):
            raise ShapeError(f"For {word} `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                             f"but found {len(mask)}-D tensor instead")
        if want == 2 and len(mask) == 3 and tuple(mask) != (heads, q[0], k[0]):
            raise ShapeError(f"Expected `attn_mask` shape to be {(heads, q[0], k[0])} but got "
                             f"{torch_size(mask)}")
    return want == 3


def _cannot_multiply(x: Shape, rows_of: int, cols: int) -> ShapeError:
    return ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({math.prod(x[:-1])}x{x[-1]} "
                      f"and {rows_of}x{cols})")


def _view(shape: Shape, numel: int) -> None:
    """`tensor.view(shape)` of a tensor of `numel` elements (shape all ints, one -1 at most)."""
    for index, size in enumerate(shape):
        if not isinstance(size, int):
            raise LayerError(f"view(): argument 'size' failed to unpack the object at pos "
                             f"{index + 1} with error \"type must be tuple of ints,but got "
                             f"{type(size).__name__}\"")
    known = math.prod(s for s in shape if s != -1)
    text = f"[{', '.join(map(str, shape))}]"
    if -1 in shape:
        if known == 0 and numel == 0:
            raise ShapeError(f"cannot reshape tensor of 0 elements into shape {text} because "
                             "the unspecified dimension size -1 can be any value and is "
                             "ambiguous")
        if known == 0 or numel % known:
            raise ShapeError(f"shape '{text}' is invalid for input of size {numel}")
    elif known != numel:
        raise ShapeError(f"shape '{text}' is invalid for input of size {numel}")


def _run(args: Args, arguments: Sequence[Any]) -> Tuple[Any, int]:
    """(output, MACs) for every forward() argument, `is_causal` known."""
    query, key, value, padding, need_weights, mask, average, is_causal = arguments
    causal = bool(is_causal)
    embed, heads, kdim, vdim, packed = sizes(args)
    q, k, v = _tensor(query), _tensor(key, "is_nested"), _tensor(value, "is_nested")
    padding = None if padding is None else _tensor(padding, "dtype")
    mask = None if mask is None else _tensor(mask, "dtype")
    batch_first = _flag("batch_first", args["batch_first"])
    if batch_first and len(q) == 3:  # MHA.forward transposes to (L, N, E) first
        q, k, v = _swap(q), _swap(k), _swap(v)
    batched = _shape_check(q, k, v, padding, mask, heads)
    if not batched:
        q, k, v = (q[0], 1, *q[1:]), (k[0], 1, *k[1:]), (v[0], 1, *v[1:])
        padding = None if padding is None else (1, *padding)
    length, batch, width = q
    source = k[0]
    weights = _flag("need_weights", need_weights)
    if causal and mask is None:
        raise ShapeError("Need attn_mask if specifying the is_causal hint. You may use the "
                         "Transformer module method `generate_square_subsequent_mask` to create "
                         "this mask.")
    if causal and padding is None and not weights:
        mask = None  # scaled_dot_product_attention makes the causal mask itself
    elif padding is not None:
        is_causal = False
    if width != embed:
        raise ShapeError(f"was expecting embedding dimension of {embed}, but got {width}")
    if packed:
        if k != v:
            raise ShapeError(f"key shape {torch_size(k)} does not match value shape "
                             f"{torch_size(v)}")
        if k[-1] != embed:  # linear(k, w_k): w_k is embed x embed
            raise _cannot_multiply(k, embed, embed)
    else:
        if k[:2] != v[:2]:
            raise ShapeError(f"key's sequence and batch dims {torch_size(k[:2])} do not match "
                             f"value's {torch_size(v[:2])}")
        for name, x, dim in (("key", k, kdim), ("value", v, vdim)):
            if x[-1] != dim:
                raise ShapeError(f"expecting {name} weights shape of ({embed}, {x[-1]}), but got "
                                 f"{torch_size((embed, dim))}")
    macs = length * batch * embed * embed + source * k[1] * (k[-1] + v[-1]) * embed
    if mask is not None:
        want = (length, source) if len(mask) == 2 else (batch * heads, length, source)
        if tuple(mask) != want:
            raise ShapeError(f"The shape of the {len(mask)}D attn_mask is {torch_size(mask)}, but "
                             f"should be {want}.")
        mask = (1, *mask) if len(mask) == 2 else mask
    keys = source
    if _flag("add_bias_kv", args["add_bias_kv"]):
        if k[1] != batch:  # torch.cat([k, bias_k.repeat(1, bsz, 1)])
            raise ShapeError(f"Sizes of tensors must match except in dimension 0. Expected size "
                             f"{k[1]} but got size {batch} for tensor number 1 in the list.")
        keys += 1
        mask = None if mask is None else (*mask[:-1], mask[-1] + 1)
        padding = None if padding is None else (*padding[:-1], padding[-1] + 1)
    head_dim = embed // heads
    _view((length, batch * heads, head_dim), length * batch * embed)
    _view((keys, batch * heads, head_dim), keys * k[1] * embed)
    _view((keys, batch * heads, head_dim), keys * v[1] * embed)
    if _flag("add_zero_attn", args["add_zero_attn"]):
        keys += 1
        mask = None if mask is None else (*mask[:-1], mask[-1] + 1)
        padding = None if padding is None else (*padding[:-1], padding[-1] + 1)
    if padding is not None:
        if padding[0] != batch:
            raise ShapeError(f"Expected key_padded_mask.shape[0] to be {batch}, but got "
                             f"{padding[0]}")
        if padding[1] != keys:
            raise ShapeError(f"Expected key_padded_mask.shape[1] to be {keys}, but got "
                             f"{padding[1]}")
        mask = (batch * heads, 1 if mask is None else length, keys)  # mask + padding
    macs += 2 * batch * length * keys * embed + length * batch * embed * embed
    output: Shape = (length, batch, embed)
    if weights:
        scores: Optional[Shape] = (batch, length, keys) if _flag(
            "average_attn_weights", average) else (batch, heads, length, keys)
    else:
        scores = None
        if mask is not None and not (mask[0] == 1 and len(mask) == 3):
            _view((batch, heads, -1, keys), math.prod(mask))
        if not isinstance(is_causal, bool):  # scaled_dot_product_attention's parser
            raise ShapeError(f"scaled_dot_product_attention(): argument 'is_causal' (position "
                             f"6) must be bool, not {type(is_causal).__name__}")
    if not batched:
        output = (length, embed)
        scores = None if scores is None else scores[1:]
    elif batch_first:
        output = (batch, length, embed)
    return ShapeTuple((output, scores)), macs


def _forward(args: Args, inputs: Sequence[Any]) -> Tuple[Any, int]:
    """(output, MACs); an `is_causal` not known: what both values agree on."""
    arguments = forward_arguments(inputs)
    causal = arguments[7]
    if not isinstance(causal, UnknownArgument):
        return _run(args, arguments)
    answers: List[Any] = []
    for flag in (False, True):
        try:
            answers.append(_run(args, [*arguments[:7], flag]))
        except (LayerError, Unresolved) as exc:
            answers.append(exc)
    if all(isinstance(a, Exception) for a in answers):
        raise answers[0]
    if answers[0] != answers[1]:
        raise Unresolved("is_causal", causal.reason)
    return answers[0]


def _output(args: Args, inputs: Sequence[Any]) -> Any:
    return _forward(args, inputs)[0]


def _macs(args: Args, inputs: Sequence[Any], output: Any) -> int:
    return _forward(args, inputs)[1]


def _strides(args: Args, output: Any) -> Tuple[Optional[Shape], ...]:
    """Every tensor returned is new and contiguous but a batched batch_first output: the
    (L, N, E) result, transposed."""
    result = []
    for shape in (s for s in output if s is not None):
        strides, step = [], 1
        for size in reversed(shape):
            strides.append(step)
            step *= max(size, 1)
        result.append(tuple(reversed(strides)))
    out = output[0]
    if len(out) == 3 and args.values.get("batch_first") is True:
        batch, length, width = out
        result[0] = (width, batch * width, 1)
    return tuple(result)


def _standalone(args: Args, size: Shape) -> Tuple[Shape, ...]:
    """Costed on its own: a query, key and value of one token per sample, the samples as one
    unbatched sequence (a batch of 1: one token attending to itself)."""
    embed, _, kdim, vdim, _ = sizes(args)
    return (embed,), (kdim,), (vdim,)


SPEC = LayerSpec(
    "MultiheadAttention", "activation",
    lambda embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
    kdim=None, vdim=None, batch_first=False, device=None, dtype=None: None,
    params=_params, output=_output, macs=_macs, standalone_inputs=_standalone,
    forward_of=FORWARD, forward_values=FLAGS, output_strides=_strides,
)
