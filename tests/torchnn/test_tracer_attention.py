"""F.scaled_dot_product_attention and torch.einsum in whole models, as the benchmark's
repositories write them: nanoGPT's CausalSelfAttention (c_attn, split, view/transpose,
SDPA with is_causal=True, transpose/contiguous/view, c_proj) in its Block, masked and
cross attention, grouped-query attention (Llama's wq/wk/wv/wo), and attention, outer
products, diagonals and three-operand contractions written with einsum.

Every number comes from torch running the same source on the meta device (tracer_helpers:
`assert_matches_torch` compares params, MACs, the output and every leaf call); where torch
refuses the model (on the CPU, `torch_raises`), macslint counts nothing and says where.
"""

from __future__ import annotations

import sys
import types

import pytest

from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, declared_input, line_of, reasons, src, the_model,
    torch_raises,
)

PRELUDE = HEADER + "import math\nfrom dataclasses import dataclass\n"

# nanoGPT's model.py (karpathy/nanoGPT), its LayerNorm, CausalSelfAttention, MLP and Block as
# written there, and a Block built from a small config (the classes take a config).
NANOGPT = src('''
    @dataclass
    class GPTConfig:
        block_size: int = 16
        vocab_size: int = 64
        n_layer: int = 2
        n_head: int = 4
        n_embd: int = 64
        dropout: float = 0.1
        bias: bool = True


    class LayerNorm(nn.Module):
        """ LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False """

        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))
            self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)


    class CausalSelfAttention(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            # key, query, value projections for all heads, but in a batch
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            # output projection
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            # regularization
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.n_head = config.n_head
            self.n_embd = config.n_embd
            self.dropout = config.dropout
            # flash attention make GPU go brrrrr but support is only in PyTorch >= 2.0
            self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention')
            if not self.flash:
                print("WARNING: using slow attention. Flash Attention requires PyTorch >= 2.0")
                # causal mask to ensure that attention is only applied to the left in the input sequence
                self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                                            .view(1, 1, config.block_size, config.block_size))

        def forward(self, x):
            B, T, C = x.size() # batch size, sequence length, embedding dimensionality (n_embd)

            # calculate query, key, values for all heads in batch and move head forward to be the batch dim
            q, k, v  = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)

            # causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
            if self.flash:
                # efficient attention using Flash Attention CUDA kernels
                y = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True)
            else:
                # manual implementation of attention
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:,:,:T,:T] == 0, float('-inf'))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v # (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
            y = y.transpose(1, 2).contiguous().view(B, T, C) # re-assemble all head outputs side by side

            # output projection
            y = self.resid_dropout(self.c_proj(y))
            return y


    class MLP(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.c_fc    = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu    = nn.GELU()
            self.c_proj  = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            x = self.c_fc(x)
            x = self.gelu(x)
            x = self.c_proj(x)
            x = self.dropout(x)
            return x


    class Block(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x


    class NanoBlock(nn.Module):  # macslint: input-size=16x64
        def __init__(self):
            super().__init__()
            self.block = Block(GPTConfig())

        def forward(self, x):
            return self.block(x)


    class NanoAttention(CausalSelfAttention):  # macslint: input-size=12x64 batch-size=2
        def __init__(self):
            super().__init__(GPTConfig(bias=False))
''', header=PRELUDE)


@pytest.fixture
def importable_source():
    """torch runs the source as module `_macslint_tracer_test_model` (tracer_helpers), and
    dataclasses looks a class's module up in sys.modules: one is there while the test runs."""
    name = "_macslint_tracer_test_model"
    saved = sys.modules.get(name)
    sys.modules[name] = types.ModuleType(name)
    yield
    if saved is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = saved


def test_nanogpt_block_matches_torch(importable_source):
    assert_matches_torch(NANOGPT, "NanoBlock")


def test_nanogpt_attention_alone_matches_torch(importable_source):
    assert_matches_torch(NANOGPT, "NanoAttention")


MODELS = src("""
    class MaskedAttention(nn.Module):  # macslint: input-size=10x32
        # segment-anything's qkv: one Linear, reshape, permute, unbind; a causal bool mask
        def __init__(self, dim=32, num_heads=4):
            super().__init__()
            self.num_heads = num_heads
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            B, T, C = x.shape
            qkv = self.qkv(x).reshape(B, T, 3, self.num_heads, C // self.num_heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
            mask = torch.ones(T, T, dtype=torch.bool).tril()
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.5)
            return self.proj(y.transpose(1, 2).reshape(B, T, C))


    class PaddingMaskAttention(nn.Module):  # macslint: input-size=9x24 batch-size=3
        # a float mask per sequence, (B, 1, 1, T), broadcast over heads and queries
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(24, 72, bias=False)
            self.out = nn.Linear(24, 24)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            q, k, v = (t.view(B, T, 2, C // 2).transpose(1, 2) for t in (q, k, v))
            mask = torch.zeros(B, 1, 1, T)
            y = F.scaled_dot_product_attention(q, k, v, mask, 0.0, False)
            return self.out(y.transpose(1, 2).flatten(2))


    class CrossAttention(nn.Module):  # macslint: input-size=7x32
        # queries from the input (L = 7), keys and values from 5 learned latents, Ev != E
        def __init__(self):
            super().__init__()
            self.latents = nn.Parameter(torch.zeros(5, 32))
            self.q = nn.Linear(32, 32)
            self.kv = nn.Linear(32, 32 + 48)
            self.o = nn.Linear(48, 32)

        def forward(self, x):
            B = x.shape[0]
            q = self.q(x).view(B, -1, 4, 8).transpose(1, 2)
            k, v = self.kv(self.latents).split([32, 48], dim=-1)
            k = k.view(1, 5, 4, 8).transpose(1, 2)
            v = v.view(1, 5, 4, 12).transpose(1, 2)
            y = F.scaled_dot_product_attention(query=q, key=k, value=v)
            return self.o(y.transpose(1, 2).reshape(B, -1, 48))


    class GQAttention(nn.Module):  # macslint: input-size=12x64 batch-size=2
        # Llama's wq/wk/wv/wo with 8 query heads sharing 2 key/value heads
        def __init__(self, dim=64, n_heads=8, n_kv_heads=2):
            super().__init__()
            self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
            self.head_dim = dim // n_heads
            self.wq = nn.Linear(dim, n_heads * self.head_dim, bias=False)
            self.wk = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
            self.wv = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
            self.wo = nn.Linear(n_heads * self.head_dim, dim, bias=False)

        def forward(self, x):
            bsz, seqlen, _ = x.shape
            xq = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim).transpose(1, 2)
            xk = self.wk(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim).transpose(1, 2)
            xv = self.wv(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim).transpose(1, 2)
            output = F.scaled_dot_product_attention(xq, xk, xv, is_causal=True, enable_gqa=True)
            output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
            return self.wo(output)


    class EinsumAttention(nn.Module):  # macslint: input-size=16x32
        # attention written with einsum: scores, softmax, weighted values
        def __init__(self, dim=32, heads=4):
            super().__init__()
            self.heads = heads
            self.scale = (dim // heads) ** -0.5
            self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
            self.to_out = nn.Linear(dim, dim)

        def forward(self, x):
            b, n, c = x.shape
            q, k, v = self.to_qkv(x).chunk(3, dim=-1)
            q, k, v = (t.reshape(b, n, self.heads, c // self.heads) for t in (q, k, v))
            dots = torch.einsum("bqhd,bkhd->bhqk", q, k) * self.scale
            attn = dots.softmax(dim=-1)
            out = torch.einsum("bhqk,bkhd->bqhd", attn, v)
            return self.to_out(out.reshape(b, n, c))


    class EinsumMix(nn.Module):  # macslint: input-size=6x8
        # an ellipsis, the list form, a diagonal, three operands, an outer product
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(8, 5))
            self.bil = nn.Parameter(torch.zeros(4, 5, 5))

        def forward(self, x):
            h = torch.einsum("...i,io->...o", x, self.w)
            gram = torch.einsum("bti,btj->bij", [h, h])
            d = torch.einsum("bii->bi", gram)
            z = torch.einsum("bi,oij,bj->bo", d, self.bil, d)
            return torch.einsum("bo,bt->bto", z, x.sum(-1))


    class EinsumImplicit(nn.Module):  # macslint: input-size=4x6
        # implicit outputs (the labels seen once, in order) and a trace
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)
            self.m = nn.Parameter(torch.zeros(6, 3))

        def forward(self, x):
            y = torch.einsum("bij,jk", self.fc(x), self.m)
            t = torch.einsum("ii", self.fc.weight)
            return y * t
""")

MODEL_NAMES = ["MaskedAttention", "PaddingMaskAttention", "CrossAttention", "GQAttention",
               "EinsumAttention", "EinsumMix", "EinsumImplicit"]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_matches_torch(name):
    assert_matches_torch(MODELS, name)


# --------------------------------------------------------------------------- torch refuses


def _refused(source: str, name: str, text: str, message: str) -> None:
    """torch raises running the model (CPU), so macslint counts nothing and says where."""
    assert torch_raises(source, name, declared_input(source, name))
    model = the_model(analyse(source), name)
    assert model.macs is None and not model.complete
    assert f"line {line_of(source, text)}" in reasons(model)
    assert message in reasons(model)


def test_attention_with_mismatched_embeddings_is_refused():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x16
            def __init__(self):
                super().__init__()
                self.q = nn.Linear(16, 16)
                self.k = nn.Linear(16, 32)

            def forward(self, x):
                q = self.q(x).view(1, 6, 2, 8).transpose(1, 2)
                k = self.k(x).view(1, 6, 2, 16).transpose(1, 2)
                return F.scaled_dot_product_attention(q, k, k)
    """)
    _refused(source, "Net", "scaled_dot_product_attention", "the inner sizes 8 and 16 differ")


def test_attention_with_heads_not_dividing_is_refused():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x24
            def __init__(self):
                super().__init__()
                self.q = nn.Linear(24, 32)
                self.kv = nn.Linear(24, 24)

            def forward(self, x):
                q = self.q(x).view(1, 6, 4, 8).transpose(1, 2)
                kv = self.kv(x).view(1, 6, 3, 8).transpose(1, 2)
                return F.scaled_dot_product_attention(q, kv, kv, enable_gqa=True)
    """)
    _refused(source, "Net", "scaled_dot_product_attention",
             "Number of heads in key and value must divide the number of heads in")


def test_attention_with_a_mask_and_is_causal_is_refused():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x16
            def __init__(self):
                super().__init__()
                self.qkv = nn.Linear(16, 40)

            def forward(self, x):
                q, k, v = self.qkv(x).split([16, 16, 8], dim=-1)
                mask = torch.ones(6, 6, dtype=torch.bool)
                return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=True)
    """)
    _refused(source, "Net", "scaled_dot_product_attention",
             "Explicit attn_mask should not be set when is_causal=True")


def test_attention_with_an_integer_mask_is_refused():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x16
            def __init__(self):
                super().__init__()
                self.qkv = nn.Linear(16, 48)

            def forward(self, x):
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                mask = torch.ones(6, 6, dtype=torch.long)
                return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    """)
    _refused(source, "Net", "scaled_dot_product_attention",
             "Expected attn_mask dtype to be bool or float or to match query dtype")


def test_einsum_with_sizes_that_do_not_fit_is_refused():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.a = nn.Parameter(torch.zeros(3, 8))
                self.w = nn.Parameter(torch.zeros(7, 4))

            def forward(self, x):
                h = torch.einsum("bi,io->bo", self.a, self.w)
                return self.fc(x) + h.sum()
    """)
    _refused(source, "Net", "torch.einsum",
             "einsum(): subscript i has size 7 for operand 1 which does not broadcast with "
             "previously seen size 8")


def test_einsum_with_a_wrong_equation_is_refused():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return torch.einsum("bi,bj->bk", self.fc(x), x)
    """)
    _refused(source, "Net", "torch.einsum",
             "einsum(): output subscript k does not appear in the equation for any input operand")


# --------------------------------------------------------------------------- not followed


def test_einsum_sublist_format_is_not_counted():
    """torch.einsum(a, [0, 1], b, [1, 2]) is not modelled: the model has no total."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.zeros(8, 4))

            def forward(self, x):
                return torch.einsum(x, [0, 1], self.w, [1, 2], [0, 2])
    """)
    assert not torch_raises(source, "Net", declared_input(source, "Net"))
    model = the_model(analyse(source), "Net")
    assert not model.complete and model.macs is None
    assert f"(line {line_of(source, 'torch.einsum')})" in reasons(model)
