"""Ops of issue 21 in whole models, as the benchmark's repositories write them (issue 19):
`torch.tril`/`triu` and in place `triu_` (minGPT's causal mask buffer, CLIP's attention mask),
`unbind` (segment-anything's `q, k, v = qkv.unbind(0)`), the `.mT`/`.mH`/`.H`/`.T`
properties (pytorch/examples' GAT), and a `view` of a LayerNorm's or Linear's output after a
permute (SAM's window partition: torch allocates those outputs contiguous).

Every number comes from torch running the same source (tracer_helpers); where torch refuses
the model, macslint counts nothing and says where.
"""

from __future__ import annotations

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
