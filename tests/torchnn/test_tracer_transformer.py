"""Whole models with nn.MultiheadAttention and the Transformer family: a ViT with
MultiheadAttention blocks (need_weights=False), CLIP's ResidualAttentionBlock and text encoder
(its LayerNorm subclass, QuickGELU, an OrderedDict Sequential, `x.type(...)`, a causal mask
built in __init__), a TransformerEncoder language model with a causal mask from
`nn.Transformer.generate_square_subsequent_mask`, nn.Transformer with token ids for source and
target (two inputs), a TransformerDecoder over a memory input, pytorch/examples'
word_language_model TransformerModel (a subclass of nn.Transformer), subclasses and custom
layers in the stacks.

Every count is torch's: the same source built and run by torch on the meta device, in eval mode
with grad enabled (`torch_counts_inputs`, `torch_leaf_calls` in tracer_helpers); each torch.nn
layer call (MultiheadAttention one, as torch's hooks see it) compared with the hooks' record.
Where torch on meta compares a mask with the causal one (`.item()`: meta tensors refuse it),
torch runs on the CPU with scaled_dot_product_attention's math backend (the CPU's fused
kernels are not counted by FlopCounterMode): `torch_counts_cpu`. Where torch raises (on the
CPU), macslint reports it and counts no MACs.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from macslint.commands.verify import run_verify

from tests.torchnn.tracer_helpers import (
    HEADER, TorchCounts, analyse, codes, line_of, src, torch_counts_inputs, torch_leaf_calls,
    torch_model, torch_params, torch_raises_inputs, trace,
)

# torch warns: enable_nested_tensor without batch_first, mismatched mask dtypes
pytestmark = pytest.mark.filterwarnings("ignore")

FLOAT, LONG = torch.float32, torch.int64
MATH_HEADER = HEADER + "import math\n"


def assert_matches(source: str, name: str, inputs: List[Tuple[Optional[str], Tuple[int, ...],
                                                              Any]]):
    """Complete, with torch's params, MACs, output and every torch.nn layer call."""
    model = trace(source, name)
    assert model.complete, model.reasons
    expected = torch_counts_inputs(source, name, inputs)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    assert [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path] == \
        expected.calls
    return model


def torch_counts_cpu(source: str, name: str, inputs) -> TorchCounts:
    """The model run by torch on the CPU (eval mode, grad enabled), scaled_dot_product_attention
    on its math backend, under FlopCounterMode: params, MACs, output (no calls)."""
    model = torch_model(source, name, device="cpu").eval()
    positional = [torch.zeros(shape, dtype=dtype) for key, shape, dtype in inputs if key is None]
    keywords = {key: torch.zeros(shape, dtype=dtype) for key, shape, dtype in inputs if key}
    with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH), \
            FlopCounterMode(display=False) as counter:
        out = model(*positional, **keywords)
    return TorchCounts(sum(p.numel() for p in model.parameters()),
                       counter.get_total_flops() // 2, tuple(out.shape), [])


# ----------------------------------------------------------------------- a ViT

VIT = src('''
    class Block(nn.Module):
        def __init__(self, dim, heads, mlp_ratio=2.0):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
            self.norm2 = nn.LayerNorm(dim)
            hidden = int(dim * mlp_ratio)
            self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

        def forward(self, x):
            y = self.norm1(x)
            x = x + self.attn(y, y, y, need_weights=False)[0]
            return x + self.mlp(self.norm2(x))


    class ViT(nn.Module):  # macslint: input-size=3x32x32, batch-size=2
        def __init__(self, patch=8, dim=32, depth=2, heads=4, classes=10):
            super().__init__()
            self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.zeros(1, (32 // patch) ** 2 + 1, dim))
            self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
            self.norm = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, classes)

        def forward(self, x):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
            x = x + self.pos_embed
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x)[:, 0])
''')


def test_a_vit_with_multihead_attention_blocks():
    model = assert_matches(VIT, "ViT", [(None, (2, 3, 32, 32), FLOAT)])
    attention = [c for c in model.calls if c.kind == "MultiheadAttention"]
    assert [c.path for c in attention] == ["blocks.0.attn", "blocks.1.attn"]
    assert attention[0].inputs == [(2, 17, 32)] * 3
    assert attention[0].result == ((2, 17, 32), None)  # need_weights=False: no weights


def test_attention_weights_returned_and_kdim_vdim():
    source = src('''
        class Attend(nn.Module):  # macslint: input-size=5x16, batch-size=3
            def __init__(self):
                super().__init__()
                self.k = nn.Linear(16, 8)
                self.v = nn.Linear(16, 12)
                self.attn = nn.MultiheadAttention(16, 4, kdim=8, vdim=12, add_bias_kv=True,
                                                  add_zero_attn=True)

            def forward(self, x):
                out, weights = self.attn(x, self.k(x), self.v(x), average_attn_weights=False)
                return weights * out.sum()
    ''')
    model = assert_matches(source, "Attend", [(None, (3, 5, 16), FLOAT)])
    (attn,) = [c for c in model.calls if c.kind == "MultiheadAttention"]
    assert attn.result == ((3, 5, 16), (5, 4, 3, 5))


def test_the_attributes_torch_derives_are_read():
    """`kdim`/`vdim` (embed_dim when not given), `head_dim`, `_qkv_same_embed_dim`: as
    torch's constructor sets them."""
    source = src('''
        class Net(nn.Module):  # macslint: input-size=5x16, batch-size=2
            def __init__(self):
                super().__init__()
                self.attn = nn.MultiheadAttention(16, 4, vdim=8)
                self.v = nn.Linear(16, self.attn.vdim)
                width = self.attn.kdim + self.attn.head_dim + int(self.attn._qkv_same_embed_dim)
                self.fc = nn.Linear(width, 3)

            def forward(self, x):
                y = self.attn(x, x, self.v(x))[0]
                return self.fc(torch.cat([y, y[..., :4], y[..., :0]], dim=-1))
    ''')
    assert_matches(source, "Net", [(None, (2, 5, 16), FLOAT)])


# ----------------------------------------------------------------------- CLIP

CLIP_BLOCKS = '''
    class LayerNorm(nn.LayerNorm):
        """Subclass torch's LayerNorm to handle fp16."""

        def forward(self, x: torch.Tensor):
            orig_type = x.dtype
            ret = super().forward(x.type(torch.float32))
            return ret.type(orig_type)


    class QuickGELU(nn.Module):
        def forward(self, x: torch.Tensor):
            return x * torch.sigmoid(1.702 * x)


    class ResidualAttentionBlock(nn.Module):
        def __init__(self, d_model: int, n_head: int, attn_mask: torch.Tensor = None):
            super().__init__()

            self.attn = nn.MultiheadAttention(d_model, n_head)
            self.ln_1 = LayerNorm(d_model)
            self.mlp = nn.Sequential(OrderedDict([
                ("c_fc", nn.Linear(d_model, d_model * 4)),
                ("gelu", QuickGELU()),
                ("c_proj", nn.Linear(d_model * 4, d_model))
            ]))
            self.ln_2 = LayerNorm(d_model)
            self.attn_mask = attn_mask

        def attention(self, x: torch.Tensor):
            self.attn_mask = self.attn_mask.to(dtype=x.dtype, device=x.device) if self.attn_mask is not None else None
            return self.attn(x, x, x, need_weights=False, attn_mask=self.attn_mask)[0]

        def forward(self, x: torch.Tensor):
            x = x + self.attention(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x


    class Transformer(nn.Module):
        def __init__(self, width: int, layers: int, heads: int, attn_mask: torch.Tensor = None):
            super().__init__()
            self.width = width
            self.layers = layers
            self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

        def forward(self, x: torch.Tensor):
            return self.resblocks(x)
'''

CLIP = src(CLIP_BLOCKS + '''

    class Blocks(nn.Module):  # macslint: input-size=4x32, batch-size=6
        """CLIP's Transformer as its VisionTransformer runs it: (L, N, D), no mask."""

        def __init__(self):
            super().__init__()
            self.transformer = Transformer(32, 2, 4)

        def forward(self, x):
            return self.transformer(x)


    class TextEncoder(nn.Module):  # macslint: inputs=text:10:int64, batch-size=2
        """CLIP's encode_text, its causal mask built by build_attention_mask, the dtype its
        `dtype` property reads of a convolution's weight."""

        def __init__(self, context_length=10, vocab_size=100, transformer_width=32,
                     transformer_heads=4, transformer_layers=2):
            super().__init__()
            self.context_length = context_length
            self.conv1 = nn.Conv2d(3, transformer_width, 4, 4, bias=False)
            self.transformer = Transformer(
                width=transformer_width,
                layers=transformer_layers,
                heads=transformer_heads,
                attn_mask=self.build_attention_mask()
            )
            self.token_embedding = nn.Embedding(vocab_size, transformer_width)
            self.positional_embedding = nn.Parameter(torch.empty(self.context_length, transformer_width))
            self.ln_final = LayerNorm(transformer_width)

        def build_attention_mask(self):
            # lazily create causal attention mask, with full attention between the vision tokens
            # pytorch uses additive attention mask; fill with -inf
            mask = torch.empty(self.context_length, self.context_length)
            mask.fill_(float("-inf"))
            mask.triu_(1)  # zero out the lower diagonal
            return mask

        @property
        def dtype(self):
            return self.conv1.weight.dtype

        def forward(self, text):
            x = self.token_embedding(text).type(self.dtype)  # [batch_size, n_ctx, d_model]

            x = x + self.positional_embedding.type(self.dtype)
            x = x.permute(1, 0, 2)  # NLD -> LND
            x = self.transformer(x)
            x = x.permute(1, 0, 2)  # LND -> NLD
            x = self.ln_final(x).type(self.dtype)
            return x
''')


def test_clip_residual_attention_blocks():
    """CLIP's blocks as written: its LayerNorm subclass (`x.type(torch.float32)` and back),
    QuickGELU, the OrderedDict MLP and `self.attn(x, x, x, need_weights=False, ...)[0]`."""
    model = trace(CLIP, "Blocks")
    assert model.complete, model.reasons
    expected = torch_counts_inputs(CLIP, "Blocks", [(None, (6, 4, 32), FLOAT)])
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    assert [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path] == \
        torch_leaf_calls(CLIP, "Blocks", (6, 4, 32))


def test_clip_text_encoder_with_its_causal_mask():
    model = trace(CLIP, "TextEncoder")
    assert model.complete, model.reasons
    expected = torch_counts_inputs(CLIP, "TextEncoder", [(None, (2, 10), LONG)])
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    masks = [c.arguments[5] for c in model.calls if c.kind == "MultiheadAttention"]
    assert masks == [(10, 10)] * 2  # the (context, context) mask of build_attention_mask


# ------------------------------------------------------- encoder stacks and causal masks

ENCODER_LM = src('''
    class EncoderLM(nn.Module):  # macslint: inputs=tokens:12:int64, batch-size=3
        def __init__(self, ntoken=50, d_model=32, nhead=4, nhid=64, nlayers=2):
            super().__init__()
            self.d_model = d_model
            self.embed = nn.Embedding(ntoken, d_model)
            layer = nn.TransformerEncoderLayer(d_model, nhead, nhid, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, nlayers, norm=nn.LayerNorm(d_model))
            self.head = nn.Linear(d_model, ntoken)

        def forward(self, tokens):
            mask = nn.Transformer.generate_square_subsequent_mask(tokens.size(1))
            x = self.embed(tokens) * math.sqrt(self.d_model)
            x = self.encoder(x, mask=mask, is_causal=True)
            return self.head(x)
''', header=MATH_HEADER)


def test_an_encoder_stack_with_a_causal_mask():
    model = assert_matches(ENCODER_LM, "EncoderLM", [(None, (3, 12), LONG)])
    assert [c.path for c in model.calls][:4] == [
        "embed", "encoder.layers.0.self_attn", "encoder.layers.0.dropout1",
        "encoder.layers.0.norm1"]
    assert model.containers["encoder"] == ("TransformerEncoder", torch_params(
        ENCODER_LM, "EncoderLM", path="encoder"))
    assert model.containers["encoder.layers.1"][0] == "TransformerEncoderLayer"


def test_a_mask_torch_compares_with_the_causal_one():
    """Without `is_causal`, TransformerEncoder compares the mask's values with the causal
    mask's: meta tensors refuse that (`.item()`); the CPU (math backend) counts what macslint
    counts: the mask does not change the count, whatever it holds."""
    source = ENCODER_LM.replace("mask=mask, is_causal=True", "mask=mask")
    inputs = [(None, (3, 12), LONG)]
    with pytest.raises(RuntimeError, match="meta"):
        torch_counts_inputs(source, "EncoderLM", inputs)
    model = trace(source, "EncoderLM")
    assert model.complete, model.reasons
    expected = torch_counts_cpu(source, "EncoderLM", inputs)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)


def test_post_and_pre_norm_gelu_and_unbatched():
    for old, new in [("batch_first=True", "norm_first=True, activation='gelu'"),
                     ("batch_first=True", "activation=F.gelu, bias=False"),
                     ("nlayers=2", "nlayers=3")]:
        source = ENCODER_LM.replace(old, new).replace("tokens.size(1)", "tokens.size(0)")
        assert_matches(source, "EncoderLM", [(None, (3, 12), LONG)])


# ------------------------------------------------------- nn.Transformer, two inputs

SEQ2SEQ = src('''
    class Seq2Seq(nn.Module):  # macslint: inputs=src:9:int64; tgt:7:int64, batch-size=2
        def __init__(self, vocab=40, d_model=32):
            super().__init__()
            self.src_embed = nn.Embedding(vocab, d_model)
            self.tgt_embed = nn.Embedding(vocab, d_model)
            self.transformer = nn.Transformer(d_model, 4, 2, 2, 64, batch_first=True)
            self.out = nn.Linear(d_model, vocab)

        def forward(self, src, tgt):
            tgt_mask = self.transformer.generate_square_subsequent_mask(tgt.size(1))
            h = self.transformer(self.src_embed(src), self.tgt_embed(tgt), tgt_mask=tgt_mask,
                                 tgt_is_causal=True, tgt_key_padding_mask=tgt == 0,
                                 memory_key_padding_mask=src == 0)
            return self.out(h)
''')


def test_nn_transformer_with_source_and_target_token_ids():
    model = assert_matches(SEQ2SEQ, "Seq2Seq", [(None, (2, 9), LONG), (None, (2, 7), LONG)])
    cross = next(c for c in model.calls if c.path == "transformer.decoder.layers.0.multihead_attn")
    assert cross.inputs == [(2, 7, 32), (2, 9, 32), (2, 9, 32), (2, 9)]
    assert [name for name, _ in model.containers.items() if name.count(".") == 1] == [
        "transformer.encoder", "transformer.decoder"]


def test_a_decoder_stack_over_a_memory_input():
    source = src('''
        class Decoder(nn.Module):  # macslint: inputs=6x16; memory:8x16, batch-size=2
            def __init__(self):
                super().__init__()
                layer = nn.TransformerDecoderLayer(16, 2, 32, norm_first=True, activation=F.gelu,
                                                   batch_first=True)
                self.decoder = nn.TransformerDecoder(layer, num_layers=3, norm=nn.LayerNorm(16))

            def forward(self, x, memory):
                return self.decoder(x, memory, tgt_mask=torch.zeros(6, 6), tgt_is_causal=False)
    ''')
    assert_matches(source, "Decoder", [(None, (2, 6, 16), FLOAT), ("memory", (2, 8, 16), FLOAT)])


# ------------------------------------------------------- word_language_model

WORD_LM = src('''
    class PositionalEncoding(nn.Module):
        r"""Inject some information about the relative or absolute position of the tokens in the sequence."""

        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super(PositionalEncoding, self).__init__()
            self.dropout = nn.Dropout(p=dropout)

            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            pe = pe.unsqueeze(0).transpose(0, 1)
            self.register_buffer('pe', pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0), :]
            return self.dropout(x)

    class TransformerModel(nn.Transformer):  # macslint: inputs=src:20:int64, batch-size=35
        """Container module with an encoder, a recurrent or transformer module, and a decoder."""

        def __init__(self, ntoken=1000, ninp=32, nhead=2, nhid=64, nlayers=2, dropout=0.5):
            super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers)
            self.model_type = 'Transformer'
            self.src_mask = None
            self.pos_encoder = PositionalEncoding(ninp, dropout)

            self.input_emb = nn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)

            self.init_weights()

        def _generate_square_subsequent_mask(self, sz):
            return torch.log(torch.tril(torch.ones(sz,sz)))

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, src, has_mask=True):
            if has_mask:
                device = src.device
                if self.src_mask is None or self.src_mask.size(0) != len(src):
                    mask = self._generate_square_subsequent_mask(len(src)).to(device)
                    self.src_mask = mask
            else:
                self.src_mask = None

            src = self.input_emb(src) * math.sqrt(self.ninp)
            src = self.pos_encoder(src)
            output = self.encoder(src, mask=self.src_mask)
            output = self.decoder(output)
            return F.log_softmax(output, dim=-1)
''', header=MATH_HEADER)


def test_word_language_model_transformer():
    """pytorch/examples' TransformerModel as written: a subclass of nn.Transformer whose
    `self.decoder = nn.Linear(...)` replaces torch's decoder stack, its own
    `_generate_square_subsequent_mask`, `self.encoder(src, mask=self.src_mask)`: the encoder
    compares that mask with the causal one, which meta refuses; the CPU counts."""
    inputs = [(None, (35, 20), LONG)]  # (sequence, batch) token ids, as the example feeds them
    with pytest.raises(RuntimeError, match="meta"):
        torch_counts_inputs(WORD_LM, "TransformerModel", inputs)
    model = trace(WORD_LM, "TransformerModel")
    assert model.complete, model.reasons
    expected = torch_counts_cpu(WORD_LM, "TransformerModel", inputs)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    assert [c.path for c in model.calls if c.path.startswith("encoder.layers.1")] == [
        f"encoder.layers.1.{name}" for name in (
            "self_attn", "dropout1", "norm1", "linear1", "dropout", "linear2", "dropout2", "norm2")]
    assert "decoder.layers" not in model.containers
    # without the mask (has_mask=False) torch runs on meta too
    no_mask = WORD_LM.replace("has_mask=True", "has_mask=False")
    assert_matches(no_mask, "TransformerModel", inputs)


# ------------------------------------------------------- subclasses and custom layers

def test_a_subclass_of_an_encoder_layer_calling_super_forward():
    source = src('''
        class Layer(nn.TransformerEncoderLayer):  # macslint: input-size=6x16, batch-size=2
            def __init__(self):
                super().__init__(16, 2, 32, dropout=0.0, batch_first=True)
                self.extra = nn.Linear(16, 16)

            def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
                return self.extra(super().forward(src))
    ''')
    assert_matches(source, "Layer", [(None, (2, 6, 16), FLOAT)])


def test_a_custom_layer_copied_by_an_encoder_stack():
    source = src('''
        class MyLayer(nn.Module):
            def __init__(self, d=16):
                super().__init__()
                self.self_attn = nn.MultiheadAttention(d, 2)
                self.ff = nn.Linear(d, d)

            def forward(self, src, src_mask=None, is_causal=None, src_key_padding_mask=None):
                return self.ff(src + self.self_attn(src, src, src, need_weights=False)[0])


        class Stack(nn.Module):  # macslint: input-size=6x16, batch-size=2
            def __init__(self):
                super().__init__()
                self.encoder = nn.TransformerEncoder(MyLayer(), 3, enable_nested_tensor=False)

            def forward(self, x):
                return self.encoder(x)
    ''')
    model = assert_matches(source, "Stack", [(None, (2, 6, 16), FLOAT)])
    assert model.containers["encoder.layers.2"][0] == "MyLayer"


def test_isinstance_of_the_family():
    source = src('''
        class Net(nn.Module):  # macslint: input-size=6x16, batch-size=2
            def __init__(self):
                super().__init__()
                self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32), 1)
                self.fc = nn.Linear(16, 16)

            def forward(self, x):
                if isinstance(self.enc, nn.TransformerEncoder) and \\
                        isinstance(self.enc.layers[0], nn.TransformerEncoderLayer):
                    x = self.enc(x)
                return self.fc(x)
    ''')
    model = assert_matches(source, "Net", [(None, (2, 6, 16), FLOAT)])
    assert any(c.kind == "MultiheadAttention" for c in model.calls)


# ----------------------------------------------------------------------- errors

def torch_message(source: str, name: str, inputs) -> Optional[str]:
    """What torch raises running the model on the CPU with grad enabled (the convention: no
    fused fast path, whose checks differ), whatever the exception; None when it runs."""
    model = torch_model(source, name, device="cpu").eval()
    try:
        with torch.enable_grad():
            model(*[torch.zeros(shape, dtype=dtype) for _, shape, dtype in inputs])
    except Exception as exc:  # noqa: BLE001 - torch saying no
        return str(exc)
    return None


@pytest.mark.parametrize("key, value", [("y[..., :8]", "y[..., :8]"), ("y[..., :8]", "y")])
def test_a_key_of_the_wrong_width_is_mac011_at_the_attention(key, value):
    source = VIT.replace("self.attn(y, y, y, need_weights=False)", f"self.attn(y, {key}, {value})")
    message = torch_message(source, "ViT", [(None, (2, 3, 32, 32), FLOAT)])
    assert message is not None
    result = analyse(source)
    model = next(m for m in result.report.models if m.name == "ViT")
    assert model.macs is None
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "self.attn = nn.MultiheadAttention")
    assert message in finding.message


def test_source_and_target_of_another_batch_is_mac011_at_the_call():
    source = SEQ2SEQ.replace("batch_first=True", "batch_first=False")
    inputs = [(None, (2, 9), LONG), (None, (2, 7), LONG)]
    message = torch_raises_inputs(source, "Seq2Seq", inputs)
    assert message == "the batch number of src and tgt must be equal"
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "h = self.transformer(")
    assert message in finding.message


def test_a_stack_of_no_layers_is_mac010_at_the_construction():
    source = SEQ2SEQ.replace("nn.Transformer(d_model, 4, 2, 2, 64",
                             "nn.Transformer(d_model, 4, 0, 2, 64")
    inputs = [(None, (2, 9), LONG), (None, (2, 7), LONG)]
    assert torch_raises_inputs(source, "Seq2Seq", inputs) == "index 0 is out of range"
    torch_model(source, "Seq2Seq")  # torch builds it
    result = analyse(source)
    (finding,) = codes(result, "MAC010")
    assert finding.line == line_of(source, "self.transformer = nn.Transformer")
    assert "index 0 is out of range" in finding.message
    assert [m.macs for m in result.report.models] == [None]


def test_a_mask_of_the_wrong_shape_is_mac011():
    source = ENCODER_LM.replace("tokens.size(1))", "tokens.size(1) + 1)").replace(
        "mask=mask, is_causal=True", "mask=mask, is_causal=False")
    message = torch_message(source, "EncoderLM", [(None, (3, 12), LONG)])
    assert message == "The shape of the 2D attn_mask is torch.Size([13, 13]), but should be " \
                      "(12, 12)."
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert message in finding.message


def test_x_type_casts_as_torch_does():
    """`x.type(dtype)` (CLIP's): the dtype it names, so an Embedding refuses a float one."""
    source = src('''
        class Tokens(nn.Module):  # macslint: inputs=12:int32, batch-size=2
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(10, 8)

            def forward(self, x):
                return self.embed(x.type(torch.long))
    ''')
    assert_matches(source, "Tokens", [(None, (2, 12), torch.int32)])
    wrong = source.replace("torch.long", "torch.float64")
    assert torch_raises_inputs(wrong, "Tokens", [(None, (2, 12), torch.int32)])
    (finding,) = codes(analyse(wrong), "MAC011")
    assert "but got torch.float64" in finding.message


# ----------------------------------------------------------------------- verify

def test_verify_rebuilds_every_call_and_agrees(tmp_path):
    """`macslint verify` rebuilds each MultiheadAttention call (its flags and masks as the
    call passed them; an is_causal torch decides from the mask's values as False, where the
    count is the same either way), the layers torch's Transformers are made of, and the
    constructions costed on their own (`activation=F.gelu` as torch's function)."""
    body = [VIT, CLIP, ENCODER_LM, SEQ2SEQ]
    source = "\n\n".join([MATH_HEADER] + [b.replace(HEADER, "").replace(MATH_HEADER, "")
                                          for b in body])
    source = source.replace("import math\n", "", 1).replace(HEADER, HEADER + "import math\n", 1)
    (tmp_path / "models.py").write_text(source + src('''

        class NoHint(nn.Module):  # macslint: input-size=12x32, batch-size=3
            def __init__(self):
                super().__init__()
                self.encoder = nn.TransformerEncoder(
                    nn.TransformerEncoderLayer(32, 4, 64, activation=F.gelu), 2)

            def forward(self, x):
                return self.encoder(x, mask=nn.Transformer.generate_square_subsequent_mask(3))
    ''', header=""))
    run = run_verify([str(tmp_path / "models.py")], {})
    (file,) = run.files
    assert file.error is None
    assert file.disagreements == []
    # 7 models (ViT, CLIP's QuickGELU, Blocks and TextEncoder, EncoderLM, Seq2Seq, NoHint);
    # ViT's and TextEncoder's parameter totals hold nn.Parameter tensors (and TextEncoder's
    # conv1, which forward() never calls), which no layer call rebuilds
    assert file.calls > 40 and (file.model_macs, file.model_params) == (7, 5)
    assert dict(file.not_rebuilt) == {
        "model param totals: parameters outside the traced layer calls (nn.Parameter tensors, "
        "or modules the traced forward() does not reach)": 2}
