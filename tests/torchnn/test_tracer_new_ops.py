"""Ops of issue 21 in whole models, as the benchmark's repositories write them (issue 19):
`torch.tril`/`triu` and in place `triu_` (minGPT's causal mask buffer, CLIP's attention mask),
`unbind` (segment-anything's `q, k, v = qkv.unbind(0)`), the `.mT`/`.mH`/`.H`/`.T`
properties (pytorch/examples' GAT), and a `view` of a LayerNorm's or Linear's output after a
permute (SAM's window partition: torch allocates those outputs contiguous); then rounding,
roll, gather/scatter/index_add, topk/sort/cumsum, addmm/baddbmm (GPT-2's Conv1D), linspace and
meshgrid, and torch.nn.functional's convolutions, norms, sliding blocks, embedding,
grid_sample, pixel shuffles and multi_head_attention_forward (CLIP's AttentionPool2d).

Every number comes from torch running the same source (tracer_helpers); where torch refuses
the model, macslint counts nothing and says where.
"""

from __future__ import annotations

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, line_of, reasons, src, the_model, torch_raises,
)

MATH = HEADER + "import math\n"

# minGPT's CausalSelfAttention: the mask is a buffer made with torch.tril in __init__.
MINGPT = src("""
    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd=32, n_head=4, block_size=8):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size))
                                 .view(1, 1, block_size, block_size))
            self.n_head, self.n_embd = n_head, n_embd

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)


    class GPTBlock(nn.Module):  # macslint: input-size=6x32 batch-size=2
        def __init__(self):
            super().__init__()
            self.ln = nn.LayerNorm(32)
            self.attn = CausalSelfAttention()
            self.lower = torch.ones(6, 6).tril_(-1)

        def forward(self, x):
            x = x + self.attn(self.ln(x))
            return x + torch.triu(self.lower.T, diagonal=1).sum() * x
""", header=MATH)


def test_mingpt_causal_attention_matches_torch():
    model = assert_matches_torch(MINGPT, "GPTBlock")
    assert model.output == (2, 6, 32)


# CLIP's build_attention_mask: `mask.fill_(float("-inf")); mask.triu_(1)`, used in forward.
CLIP = src("""
    class ResidualAttention(nn.Module):  # macslint: input-size=8x32 batch-size=2
        def __init__(self, width=32, context_length=8):
            super().__init__()
            self.context_length = context_length
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)
            self.scale = width ** -0.5
            self.attn_mask = self.build_attention_mask()

        def build_attention_mask(self):
            mask = torch.empty(self.context_length, self.context_length)
            mask.fill_(float("-inf"))
            mask.triu_(1)
            return mask

        def forward(self, x):
            L = x.shape[1]
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            att = (q @ k.mT) * self.scale + self.attn_mask[:L, :L]
            att = att.softmax(dim=-1)
            return x + self.proj(att @ v)
""")


def test_clip_attention_mask_matches_torch():
    assert_matches_torch(CLIP, "ResidualAttention")


# segment-anything's image encoder attention (image_encoder.py): window partition (a view of
# LayerNorm's output after PatchEmbed's permute), qkv unbound, the reverse partition (a view of
# a Linear's output after a permute and reshape).
SAM = src("""
    class Attention(nn.Module):
        def __init__(self, dim, num_heads=2):
            super().__init__()
            self.num_heads = num_heads
            self.scale = (dim // num_heads) ** -0.5
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            B, H, W, _ = x.shape
            qkv = self.qkv(x).reshape(B, H * W, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.reshape(3, B * self.num_heads, H * W, -1).unbind(0)
            attn = (q * self.scale) @ k.transpose(-2, -1)
            attn = attn.softmax(dim=-1)
            x = (attn @ v).view(B, self.num_heads, H, W, -1).permute(0, 2, 3, 1, 4).reshape(B, H, W, -1)
            return self.proj(x)


    def window_partition(x, window_size):
        B, H, W, C = x.shape
        x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
        windows = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)
        return windows


    def window_unpartition(windows, window_size, hw):
        H, W = hw
        B = windows.shape[0] // (H * W // window_size // window_size)
        x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


    class Encoder(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self, dim=16, window_size=2):
            super().__init__()
            self.patch = nn.Conv2d(3, dim, kernel_size=4, stride=4)
            self.norm1 = nn.LayerNorm(dim)
            self.attn = Attention(dim)
            self.window_size = window_size
            self.global_attn = Attention(dim)

        def forward(self, x):
            x = self.patch(x).permute(0, 2, 3, 1)
            shortcut = x
            x = self.norm1(x)
            H, W = x.shape[1], x.shape[2]
            x = window_unpartition(self.attn(window_partition(x, self.window_size)),
                                   self.window_size, (H, W))
            x = shortcut + x
            x = x + self.global_attn(x)
            return x.permute(0, 3, 1, 2)
""")


def test_sam_window_attention_with_unbind_matches_torch():
    model = assert_matches_torch(SAM, "Encoder")
    assert [op.op for op in model.ops].count("matmul") == 4


# pytorch/examples' GAT: `e = source_scores + target_scores.mT`, on a 2-D node-feature input.
GAT = src("""
    class GraphAttentionLayer(nn.Module):  # macslint: input-size=16 batch-size=10
        def __init__(self, in_features=16, n_hidden=8):
            super().__init__()
            self.n_hidden = n_hidden
            self.W = nn.Parameter(torch.empty(in_features, n_hidden))
            self.a = nn.Parameter(torch.empty(2 * n_hidden, 1))

        def forward(self, h):
            h_transformed = torch.mm(h, self.W)
            source_scores = torch.matmul(h_transformed, self.a[:self.n_hidden, :])
            target_scores = torch.matmul(h_transformed, self.a[self.n_hidden:, :])
            e = source_scores + target_scores.mT
            attention = F.softmax(e, dim=-1)
            h_prime = attention @ h_transformed
            return (h_prime.mH @ attention.H).T @ self.W.T
""")


def test_gat_matrix_transposes_match_torch():
    assert_matches_torch(GAT, "GraphAttentionLayer")


def test_unbound_pieces_unpack_like_a_tuple():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x4x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                a, b, c = torch.unbind(x, dim=1)
                pieces = x.unbind(-1)
                return self.fc(a + b * c) + pieces[0].unsqueeze(-1) + len(pieces)
    """)
    assert_matches_torch(source, "Net")


def test_tril_of_a_vector_is_torch_error_at_its_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                y = self.fc(x)
                return torch.tril(y[0])
    """)
    assert torch_raises(source, "Net", (1, 8))
    result = analyse(source)
    model = the_model(result, "Net")
    assert model.macs is None and not model.complete
    assert f"line {line_of(source, 'torch.tril')}" in reasons(model)
    assert "at least 2 dimensions" in reasons(model)


def test_mt_of_a_vector_is_torch_error_at_its_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)[0].mT
    """)
    assert torch_raises(source, "Net", (1, 8))
    model = the_model(analyse(source), "Net")
    assert model.macs is None and not model.complete
    assert f"line {line_of(source, '.mT')}" in reasons(model)
    assert "only supported on matrices or batches of matrices" in reasons(model)


# -- issue 21, second part: rounding, indexing, sorting, the added products, grids, and
# torch.nn.functional's convolutions, norms, lookups and multi_head_attention_forward.

# HuggingFace GPT-2's Conv1D (`torch.addmm(bias, x2d, weight)`) and BLOOM's scores
# (`torch.baddbmm(alibi, q, kᵀ, beta=1.0, alpha=1/sqrt(d))`): FlopCounterMode counts both
# products; addbmm and addmv count 0.
GPT2 = src("""
    class Conv1D(nn.Module):
        def __init__(self, nf, nx):
            super().__init__()
            self.nf = nf
            self.weight = nn.Parameter(torch.empty(nx, nf))
            self.bias = nn.Parameter(torch.zeros(nf))

        def forward(self, x):
            size_out = x.size()[:-1] + (self.nf,)
            x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
            return x.view(size_out)


    class Attention(nn.Module):  # macslint: input-size=6x32 batch-size=2
        def __init__(self, dim=32, heads=4):
            super().__init__()
            self.heads = heads
            self.c_attn = Conv1D(3 * dim, dim)
            self.c_proj = Conv1D(dim, dim)
            self.register_buffer("alibi", torch.zeros(heads, 1, 6))
            self.mix = nn.Parameter(torch.zeros(6, 6))

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.c_attn(x).split(C, dim=2)
            q = q.reshape(B * self.heads, T, C // self.heads)
            k = k.reshape(B * self.heads, T, C // self.heads)
            v = v.reshape(B * self.heads, T, C // self.heads)
            bias = self.alibi.repeat(B, 1, 1)
            att = torch.baddbmm(bias, q, k.transpose(1, 2), beta=1.0,
                                alpha=1 / math.sqrt(C // self.heads))
            att = att.softmax(dim=-1) + torch.addbmm(self.mix, att, att).unsqueeze(0)
            y = torch.bmm(att, v).reshape(B, T, C)
            y = y + torch.addmv(y[0, :, 0], y[0], y[0, 0]).unsqueeze(-1)
            return self.c_proj(y)
""", header=MATH)


def test_gpt2_addmm_and_baddbmm_match_torch():
    model = assert_matches_torch(GPT2, "Attention")
    assert [op.op for op in model.ops] == ["torch.addmm", "torch.baddbmm", "torch.bmm",
                                           "torch.addmm"]


# Mixture-of-experts routing and nucleus filtering: topk, scatter, gather, sort, cumsum,
# masked_fill, then roll (Swin's shifted windows), round/floor/ceil and index_add.
ROUTER = src("""
    class TopKRouter(nn.Module):  # macslint: input-size=10x16 batch-size=2
        def __init__(self, dim=16, experts=4, k=2):
            super().__init__()
            self.k = k
            self.n = experts
            self.gate = nn.Linear(dim, experts)
            self.experts = nn.Linear(dim, dim * experts)

        def forward(self, x):
            scores = self.gate(x)
            top, idx = torch.topk(scores, self.k, dim=-1)
            weights = torch.zeros_like(scores).scatter(-1, idx, top.softmax(-1))
            out = self.experts(x).view(*x.shape[:-1], self.n, -1)
            picked = torch.gather(out, 2, idx.unsqueeze(-1).expand(-1, -1, -1, out.shape[-1]))
            values, order = scores.sort(dim=-1, descending=True)
            cum = values.softmax(-1).cumsum(-1)
            keep = torch.masked_fill(values, cum > 0.9, float("-inf"))
            y = (weights.unsqueeze(-1) * out).sum(2) + picked.sum(2) + keep.sum(-1, keepdim=True)
            y = torch.roll(y, shifts=(1, -1), dims=(1, 2)) + torch.round(y * 4, decimals=1)
            y = y.floor() - y.ceil_() + order.float().mean()
            return y.index_add(1, torch.arange(2), y[:, :2])
""")


def test_topk_routing_and_sorting_match_torch():
    model = assert_matches_torch(ROUTER, "TopKRouter")
    assert model.output == (2, 10, 16)


# torch.nn.functional with the model's own weights: conv2d, group_norm, conv_transpose2d,
# pixel (un)shuffle, unfold/fold, a sampling grid of linspace and meshgrid, rms_norm, embedding.
FUNCTIONAL = src("""
    class Functional(nn.Module):  # macslint: input-size=3x8x8 batch-size=2
        def __init__(self):
            super().__init__()
            self.w1 = nn.Parameter(torch.randn(16, 3, 3, 3))
            self.b1 = nn.Parameter(torch.zeros(16))
            self.gn_w = nn.Parameter(torch.ones(16))
            self.gn_b = nn.Parameter(torch.zeros(16))
            self.w2 = nn.Parameter(torch.randn(16, 8, 2, 2))
            self.w3 = nn.Parameter(torch.randn(8, 2, 3, 3))
            self.w4 = nn.Parameter(torch.randn(8, 4, 3))
            self.table = nn.Parameter(torch.randn(10, 8))

        def forward(self, x):
            x = F.conv2d(x, self.w1, self.b1, padding=1)
            x = F.group_norm(x, 4, self.gn_w, self.gn_b)
            x = F.conv_transpose2d(x, self.w2, stride=2)
            x = F.conv2d(x, self.w3, stride=2, padding=1, groups=4)
            x = F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2)
            patches = F.unfold(x, 2, stride=2)
            x = F.fold(patches, (8, 8), 2, stride=2)
            B, C, H, W = x.shape
            ys, xs = torch.meshgrid(torch.linspace(-1, 1, H), torch.linspace(-1, 1, W),
                                    indexing="ij")
            grid = torch.stack((xs, ys), dim=-1).unsqueeze(0).expand(B, -1, -1, -1)
            x = F.grid_sample(x, grid, align_corners=False)
            x = x + F.conv1d(x.flatten(2)[:, :4], self.w4, padding="same").view(B, C, H, W)
            x = F.rms_norm(x.permute(0, 2, 3, 1), [C])
            return x + F.embedding(torch.arange(W), self.table)
""")


def test_functional_convolutions_and_norms_match_torch():
    model = assert_matches_torch(FUNCTIONAL, "Functional")
    assert [op.op for op in model.ops] == ["F.conv2d", "F.conv_transpose2d", "F.conv2d",
                                           "F.conv1d"]


# CLIP's AttentionPool2d (clip/model.py): F.multi_head_attention_forward with the query,
# key and value projections of three Linears and the output projection of a fourth (to
# another width), `need_weights=False`: `x, _ = ...` unpacks (output, None).
CLIP_POOL = src("""
    class AttentionPool2d(nn.Module):  # macslint: input-size=32x4x4 batch-size=2
        def __init__(self, spacial_dim=4, embed_dim=32, num_heads=4, output_dim=16):
            super().__init__()
            self.positional_embedding = nn.Parameter(
                torch.randn(spacial_dim ** 2 + 1, embed_dim) / embed_dim ** 0.5)
            self.k_proj = nn.Linear(embed_dim, embed_dim)
            self.q_proj = nn.Linear(embed_dim, embed_dim)
            self.v_proj = nn.Linear(embed_dim, embed_dim)
            self.c_proj = nn.Linear(embed_dim, output_dim or embed_dim)
            self.num_heads = num_heads

        def forward(self, x):
            x = x.flatten(start_dim=2).permute(2, 0, 1)  # NCHW -> (HW)NC
            x = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0)  # (HW+1)NC
            x = x + self.positional_embedding[:, None, :].to(x.dtype)  # (HW+1)NC
            x, _ = F.multi_head_attention_forward(
                query=x[:1], key=x, value=x,
                embed_dim_to_check=x.shape[-1],
                num_heads=self.num_heads,
                q_proj_weight=self.q_proj.weight,
                k_proj_weight=self.k_proj.weight,
                v_proj_weight=self.v_proj.weight,
                in_proj_weight=None,
                in_proj_bias=torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]),
                bias_k=None,
                bias_v=None,
                add_zero_attn=False,
                dropout_p=0,
                out_proj_weight=self.c_proj.weight,
                out_proj_bias=self.c_proj.bias,
                use_separate_proj_weight=True,
                training=self.training,
                need_weights=False
            )
            assert _ is None
            return x.squeeze(0)
""")


def test_clip_attention_pool_matches_torch():
    model = assert_matches_torch(CLIP_POOL, "AttentionPool2d", check_calls=False)
    assert model.output == (2, 16)
    assert [op.op for op in model.ops] == ["F.multi_head_attention_forward"]


# The same with one packed in_proj_weight and the attention weights returned.
PACKED_POOL = src("""
    class PackedPool(nn.Module):  # macslint: input-size=5x16 batch-size=3
        def __init__(self, dim=16, heads=2):
            super().__init__()
            self.in_proj_weight = nn.Parameter(torch.randn(3 * dim, dim))
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
            self.out = nn.Linear(dim, dim)
            self.heads = heads

        def forward(self, x):
            x = x.transpose(0, 1)
            out, weights = F.multi_head_attention_forward(
                x, x, x, x.shape[-1], self.heads, self.in_proj_weight, self.in_proj_bias,
                None, None, False, 0.0, self.out.weight, self.out.bias, training=False)
            return out.transpose(0, 1) + weights.sum(-1, keepdim=True)
""")


def test_packed_multi_head_attention_forward_with_weights_matches_torch():
    model = assert_matches_torch(PACKED_POOL, "PackedPool", check_calls=False)
    assert model.output == (3, 5, 16)


def test_torch_round_of_a_number_is_torch_error_at_its_line():
    """torch.round takes a tensor only (Python's round() is another function)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.scale = 2.5

            def forward(self, x):
                return self.fc(x) * torch.round(self.scale)
    """)
    model = the_model(analyse(source), "Net")
    assert model.macs is None and not model.complete
    assert f"line {line_of(source, 'torch.round')}" in reasons(model)
    assert "must be Tensor, not float" in reasons(model)
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        torch.round(2.5)


def test_topk_of_more_than_the_dim_is_torch_error_at_its_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                values, indices = self.fc(x).topk(5)
                return values
    """)
    assert torch_raises(source, "Net", (1, 8))
    model = the_model(analyse(source), "Net")
    assert model.macs is None and not model.complete
    assert f"line {line_of(source, '.topk')}" in reasons(model)
    assert "k out of range" in reasons(model)


def test_functional_conv_of_the_wrong_channels_is_torch_error_at_its_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.randn(8, 4, 3, 3))

            def forward(self, x):
                return F.conv2d(x, self.w)
    """)
    assert torch_raises(source, "Net", (1, 3, 8, 8))
    model = the_model(analyse(source), "Net")
    assert model.macs is None and not model.complete
    assert f"line {line_of(source, 'F.conv2d')}" in reasons(model)
    assert "to have 4 channels, but got 3 channels" in reasons(model)
