"""The Transformer family as torch composes it: TransformerEncoderLayer and
TransformerDecoderLayer (MultiheadAttention, two Linears, LayerNorms, Dropouts), the stacks
TransformerEncoder and TransformerDecoder (deep copies of a layer, an optional norm), and
Transformer (an encoder and a decoder stack, each with a LayerNorm).

Each is the submodules torch's constructor builds (`parts`, in torch's order and with its
arguments): its parameters are theirs, its constructor's checks theirs (and the activation's),
and its forward() runs them as torch's does (the residual sums, pre- or post-norm), so its MACs
are MultiheadAttention's and the Linears' (layers/attention.py). A model's trace runs the very
same parts as its submodules (macslint.torchnn.transformer: `encoder.layers.0.self_attn`...);
the catalogue entries here cost a construction on its own, and are what `macslint verify`
rebuilds for one. TransformerEncoder and TransformerDecoder take a module (the layer to copy),
so they are no catalogue entries: the tracer builds them, and the Transformer entry runs them
here through `run_encoder`/`run_decoder`.

The fast paths torch takes in eval mode without grad (`_transformer_encoder_layer_fwd`, nested
tensors) are never taken on the meta device with grad enabled, the reference convention: the
forward here is torch's explicit one. `activation` is "relu" by default here, the string torch
maps to its default F.relu.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..shapes import broadcast
from ..spec import (
    Args, LayerError, ModuleArgument, Shape, ShapeError, ShapeTuple, UnknownArgument, Unresolved,
)
from .attention import SPEC as ATTENTION
from .base import LayerSpec
from .dropout import SPECS as DROPOUTS
from .linear import SPECS as LINEARS
from .norm import SPECS as NORMS

_SPECS: Dict[str, LayerSpec] = {spec.name: spec for spec in [
    ATTENTION, *LINEARS, *NORMS, *DROPOUTS]}

# (attribute, torch.nn class, positional, keyword arguments): a submodule torch builds
Part = Tuple[str, str, Tuple[Any, ...], Dict[str, Any]]

ENCODER_LAYER = "TransformerEncoderLayer"
DECODER_LAYER = "TransformerDecoderLayer"
LAYER_KINDS = (ENCODER_LAYER, DECODER_LAYER)
ACTIVATIONS = ("relu", "gelu")


def layer_parts(kind: str, args: Args) -> List[Part]:
    """The submodules of an encoder or decoder layer, in the order torch registers them (the
    activation, a module when one is passed, is registered last, by the tracer)."""
    v = args.values
    d_model, feedforward, p, bias = v["d_model"], v["dim_feedforward"], v["dropout"], v["bias"]
    factory = {"device": v["device"], "dtype": v["dtype"]}
    attn = ("MultiheadAttention", (d_model, v["nhead"]),
            {"dropout": p, "bias": bias, "batch_first": v["batch_first"], **factory})
    norm_args = ("LayerNorm", (d_model,), {"eps": v["layer_norm_eps"], "bias": bias, **factory})
    decoder = kind == DECODER_LAYER
    parts: List[Part] = [("self_attn", *attn)]
    if decoder:
        parts.append(("multihead_attn", *attn))
    parts += [("linear1", "Linear", (d_model, feedforward), {"bias": bias, **factory}),
              ("dropout", "Dropout", (p,), {}),
              ("linear2", "Linear", (feedforward, d_model), {"bias": bias, **factory})]
    parts += [(f"norm{i}", *norm_args) for i in (1, 2, 3)[:3 if decoder else 2]]
    parts += [(f"dropout{i}", "Dropout", (p,), {}) for i in (1, 2, 3)[:3 if decoder else 2]]
    return parts


def part_args(part: Part) -> Args:
    """A part's arguments, bound and checked as its constructor checks them."""
    _, kind, positional, keywords = part
    spec = _SPECS[kind]
    args = spec.bind(positional, keywords)
    spec.check_args(args)
    return args


def check_activation(args: Args) -> None:
    """After the parts: a string must name F.relu or F.gelu; anything else is taken (and
    called by forward())."""
    activation = args.values.get("activation")
    if isinstance(activation, str) and activation not in ACTIVATIONS:
        raise LayerError(f"activation should be relu/gelu, not {activation}")


def _activation_params(args: Args) -> int:
    activation = args["activation"]
    if isinstance(activation, ModuleArgument):
        raise Unresolved("activation", "a module: its parameters are counted where a model "
                                       "that runs it is traced")
    return 0


def _layer_check(kind: str):
    def check(args: Args) -> None:
        for part in layer_parts(kind, args):
            part_args(part)
        check_activation(args)

    return check


def _layer_params(kind: str, args: Args) -> int:
    total = sum(_SPECS[part[1]].params(part_args(part)) for part in layer_parts(kind, args))
    check_activation(args)
    return total + _activation_params(args)


def layer_count(value: Any) -> int:
    """How many copies `_get_clones(layer, N)` makes: `range(N)`'s (none for N <= 0)."""
    if isinstance(value, UnknownArgument):
        raise Unresolved("num_layers", value.reason)
    if not isinstance(value, int):
        raise LayerError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
    return max(int(value), 0)


# ---------------------------------------------------------------------------------------
# forward(), on shapes


def size(x: Shape, dim: int) -> int:
    """`x.size(dim)`, in torch's words where the dim is out of range."""
    if not x:
        raise ShapeError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -len(x) <= dim < len(x):
        raise ShapeError(f"Dimension out of range (expected to be in range of [{-len(x)}, "
                         f"{len(x) - 1}], but got {dim})")
    return x[dim]


def tensor(value: Any, attribute: str) -> Shape:
    """A forward() argument that must be a tensor (torch reads `attribute` of it first)."""
    if value is None or isinstance(value, ShapeTuple):
        kind = "NoneType" if value is None else "tuple"
        raise ShapeError(f"'{kind}' object has no attribute '{attribute}'")
    return tuple(value)


def mask_or_none(value: Any) -> Optional[Shape]:
    return None if value is None else tensor(value, "dtype")


def sequence_length(src: Shape, batch_first: bool) -> int:
    """torch.nn.modules.transformer._get_seq_len."""
    if len(src) == 2:
        return src[0]
    position = 1 if batch_first else 0
    if position >= len(src):
        raise ShapeError("tuple index out of range")
    return src[position]


CAUSAL_UNKNOWN = "whether the mask is the causal one depends on its values"


def detect_causal(mask: Optional[Shape], is_causal: Any, length: int) -> Any:
    """torch.nn.modules.transformer._detect_is_causal_mask: True or False, or None where
    torch compares the mask's values with the causal mask's (a mask of (length, length)
    when is_causal is None)."""
    if is_causal is None and mask is not None:
        return None if tuple(mask) == (length, length) else False
    return is_causal is True


def _causal_value(flag: Any) -> Any:
    return UnknownArgument(CAUSAL_UNKNOWN) if flag is None else flag


class _Run:
    """The MACs of one forward(), summed while its parts run."""

    def __init__(self) -> None:
        self.macs = 0

    def part(self, part: Part, inputs: Sequence[Any]) -> Any:
        spec = _SPECS[part[1]]
        output, macs = spec.run(part_args(part), list(inputs))
        self.macs += macs
        return output

    def attend(self, part: Part, query: Shape, memory: Shape, mask: Any, padding: Any,
               causal: Any) -> Shape:
        out = self.part(part, [query, memory, memory, padding, False, mask, True, causal])
        return out[0]

    def layer(self, kind: str, args: Args, x: Shape, memory: Optional[Shape], masks: Sequence[Any],
              causal: Sequence[Any]) -> Shape:
        """One encoder (masks: attn, padding) or decoder layer (masks: tgt, memory, tgt
        padding, memory padding)."""
        parts = {part[0]: part for part in layer_parts(kind, args)}
        decoder = kind == DECODER_LAYER
        if decoder:
            self_masks, cross_masks = (masks[0], masks[2]), (masks[1], masks[3])
        else:
            self_masks, cross_masks = (masks[0], masks[1]), (None, None)

        def self_block(y: Shape) -> Shape:
            out = self.attend(parts["self_attn"], y, y, *self_masks, causal[0])
            return self.part(parts["dropout1"], [out])

        def cross_block(y: Shape) -> Shape:
            assert memory is not None
            out = self.attend(parts["multihead_attn"], y, memory, *cross_masks, causal[1])
            return self.part(parts["dropout2"], [out])

        def feed_forward(y: Shape) -> Shape:
            y = self.part(parts["linear1"], [y])  # the activation keeps the shape, costs 0
            y = self.part(parts["linear2"], [self.part(parts["dropout"], [y])])
            return self.part(parts["dropout3" if decoder else "dropout2"], [y])

        blocks = [self_block, *([cross_block] if decoder else []), feed_forward]
        norms = [parts[f"norm{i}"] for i in range(1, len(blocks) + 1)]
        for block, norm_part in zip(blocks, norms):
            if args["norm_first"]:
                x = broadcast(x, block(self.part(norm_part, [x])))
            else:
                x = self.part(norm_part, [broadcast(x, block(x))])
        return x


def _encoder_layer_output(args: Args, inputs: Sequence[Any]) -> Tuple[Shape, int]:
    src, mask, padding, is_causal = (*inputs, *(None, None, None, False)[len(inputs):])
    src = tensor(src, "dtype")
    run = _Run()
    masks = (mask_or_none(mask), mask_or_none(padding))
    out = run.layer(ENCODER_LAYER, args, src, None, masks, (is_causal,))
    return out, run.macs


def _decoder_layer_output(args: Args, inputs: Sequence[Any]) -> Tuple[Shape, int]:
    defaults = (None, None, None, None, None, None, False, False)
    tgt, memory, *rest = (*inputs, *defaults[len(inputs):])
    run = _Run()
    masks = [mask_or_none(m) for m in rest[:4]]
    out = run.layer(DECODER_LAYER, args, tensor(tgt, "dim"), tensor(memory, "dim"), masks,
                    rest[4:])
    return out, run.macs


def run_encoder(run: _Run, layer: Args, count: int, norm_part: Optional[Part], src: Any,
                mask: Any, padding: Any, is_causal: Any) -> Shape:
    """TransformerEncoder.forward with `count` copies of an encoder layer of `layer`'s
    arguments and a LayerNorm part or none."""
    src = tensor(src, "dtype")
    mask, padding = mask_or_none(mask), mask_or_none(padding)
    if count == 0:
        raise LayerError("index 0 is out of range")  # self.layers[0]
    length = sequence_length(src, bool(layer["batch_first"]))
    causal = _causal_value(detect_causal(mask, is_causal, length))
    before = run.macs
    out = run.layer(ENCODER_LAYER, layer, src, None, (mask, padding), (causal,))
    run.macs += (count - 1) * (run.macs - before)  # every copy maps the shape to itself
    return out if norm_part is None else run.part(norm_part, [out])


def run_decoder(run: _Run, layer: Args, count: int, norm_part: Optional[Part], tgt: Any,
                memory: Any, masks: Sequence[Any], tgt_causal: Any, memory_causal: Any) -> Shape:
    """TransformerDecoder.forward (masks: tgt, memory, tgt padding, memory padding)."""
    if count == 0:
        raise LayerError("index 0 is out of range")  # self.layers[0]
    tgt = tensor(tgt, "is_nested")
    shapes = [mask_or_none(m) for m in masks]
    length = sequence_length(tgt, bool(layer["batch_first"]))
    causal = _causal_value(detect_causal(shapes[0], tgt_causal, length))
    before = run.macs
    out = run.layer(DECODER_LAYER, layer, tgt, tensor(memory, "dim"), shapes,
                    (causal, memory_causal))
    run.macs += (count - 1) * (run.macs - before)
    return out if norm_part is None else run.part(norm_part, [out])


def transformer_check(batch_first: bool, d_model: Any, src: Shape, tgt: Shape) -> None:
    """Transformer.forward's own checks of src and tgt, in its order and words."""
    batched = len(src) == 3
    if not batch_first and size(src, 1) != size(tgt, 1) and batched:
        raise ShapeError("the batch number of src and tgt must be equal")
    if batch_first and size(src, 0) != size(tgt, 0) and batched:
        raise ShapeError("the batch number of src and tgt must be equal")
    if size(src, -1) != d_model or size(tgt, -1) != d_model:
        raise ShapeError("the feature number of src and tgt must be equal to d_model")


def stack_parts(args: Args) -> Tuple[Args, Part]:
    """The encoder or decoder layer's arguments within a Transformer, and its stacks' norm."""
    v = args.values
    layer = Args({name: v[name] for name in (
        "d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps",
        "batch_first", "norm_first", "bias", "device", "dtype")})
    norm_part: Part = ("norm", "LayerNorm", (v["d_model"],),
                       {"eps": v["layer_norm_eps"], "bias": v["bias"], "device": v["device"],
                        "dtype": v["dtype"]})
    return layer, norm_part


def _custom(args: Args, name: str) -> bool:
    if args[name] is None:
        return False
    raise Unresolved(name, "a module of the project's: counted where a model that runs it is "
                           "traced")


def _transformer_check(args: Args) -> None:
    """Transformer.__init__: the encoder layer, its norm, the stack, then the decoder's."""
    layer, norm_part = stack_parts(args)
    for custom, kind, count in (("custom_encoder", ENCODER_LAYER, "num_encoder_layers"),
                                ("custom_decoder", DECODER_LAYER, "num_decoder_layers")):
        if args.values.get(custom) is None:
            _layer_check(kind)(layer)
            part_args(norm_part)
            layer_count(args[count])


def _transformer_params(args: Args) -> int:
    _transformer_check(args)
    layer, norm_part = stack_parts(args)
    total = 0
    for custom, kind, count in (("custom_encoder", ENCODER_LAYER, "num_encoder_layers"),
                                ("custom_decoder", DECODER_LAYER, "num_decoder_layers")):
        if not _custom(args, custom):
            total += layer_count(args[count]) * _layer_params(kind, layer) + \
                _SPECS["LayerNorm"].params(part_args(norm_part))
    return total


def _transformer_output(args: Args, inputs: Sequence[Any]) -> Tuple[Shape, int]:
    src, tgt, *rest = (*inputs, *((None,) * 10 + (False,))[len(inputs):])
    src_mask, tgt_mask, memory_mask, src_padding, tgt_padding, memory_padding = rest[:6]
    src_causal, tgt_causal, memory_causal = rest[6:9]
    src_shape, tgt_shape = tensor(src, "dim"), tensor(tgt, "size")
    d_model = args["d_model"]
    transformer_check(bool(args["batch_first"]), d_model, src_shape, tgt_shape)
    _custom(args, "custom_encoder")
    _custom(args, "custom_decoder")
    layer, norm_part = stack_parts(args)
    run = _Run()
    memory = run_encoder(run, layer, layer_count(args["num_encoder_layers"]), norm_part,
                         src_shape, src_mask, src_padding, src_causal)
    out = run_decoder(run, layer, layer_count(args["num_decoder_layers"]), norm_part,
                      tgt_shape, memory, (tgt_mask, memory_mask, tgt_padding, memory_padding),
                      tgt_causal, memory_causal)
    return out, run.macs


def _spec(name: str, signature_of: Any, forward_of: Any, flags: Sequence[str], params: Any,
          check: Any, run: Any, standalone: Any) -> LayerSpec:
    return LayerSpec(name, "transformer", signature_of, params=params, check=check,
                     output=lambda args, inputs: run(args, inputs)[0],
                     macs=lambda args, inputs, out: run(args, inputs)[1],
                     standalone_inputs=standalone, forward_of=forward_of,
                     forward_values=frozenset(flags))


def _one_token(count: int):
    """Costed on its own: one token of d_model features per sample for each input, the
    samples as one unbatched sequence (as for MultiheadAttention)."""
    return lambda args, size: ((args.get_int("d_model"),),) * count


_LAYER_SIGNATURE = lambda d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", \
    layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None, \
    dtype=None: None  # noqa: E731

SPECS = [
    _spec(ENCODER_LAYER, _LAYER_SIGNATURE,
          lambda src, src_mask=None, src_key_padding_mask=None, is_causal=False: None,
          ("is_causal",), lambda args: _layer_params(ENCODER_LAYER, args),
          _layer_check(ENCODER_LAYER), _encoder_layer_output, _one_token(1)),
    _spec(DECODER_LAYER, _LAYER_SIGNATURE,
          lambda tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
          memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False: None,
          ("tgt_is_causal", "memory_is_causal"), lambda args: _layer_params(DECODER_LAYER, args),
          _layer_check(DECODER_LAYER), _decoder_layer_output, _one_token(2)),
    _spec("Transformer",
          lambda d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
          dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
          custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
          bias=True, device=None, dtype=None: None,
          lambda src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
          src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
          src_is_causal=None, tgt_is_causal=None, memory_is_causal=False: None,
          ("src_is_causal", "tgt_is_causal", "memory_is_causal"), _transformer_params,
          _transformer_check, _transformer_output, _one_token(2)),
]
