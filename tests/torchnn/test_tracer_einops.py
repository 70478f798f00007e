"""einops in whole models, as lucidrains' repositories write it: vit-pytorch's ViT (patches by a
`Rearrange` layer, the class token by `repeat`, attention heads split and merged by
`rearrange`, pooling by `x.mean`, `reduce` or a `Reduce` layer), the time embedding of a 1-D
U-Net block (`rearrange(t, 'b c -> b c 1')`), `pack`/`unpack` of the class token, einops'
other import styles, and what macslint does not model (incomplete, with the call and its line).

Every number comes from torch running the same source with the real einops imported
(tracer_helpers: meta device, eval mode, FlopCounterMode flops / 2); where torch refuses the
model, macslint counts nothing and says where.
"""

from __future__ import annotations

import pytest

from macslint.costmodel import TORCH_FUNCTIONS
from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src,
    the_model, torch_params, torch_raises,
)

EINOPS = HEADER + """\
from einops import rearrange, repeat, reduce, pack, unpack, parse_shape
from einops.layers.torch import Rearrange, Reduce
"""

# vit-pytorch's vit.py (lucidrains), smaller: the same code, 32x32 images.
VIT_PARTS = """
    def pair(t):
        return t if isinstance(t, tuple) else (t, t)


    class FeedForward(nn.Module):
        def __init__(self, dim, hidden_dim, dropout=0.):
            super().__init__()
            self.net = nn.Sequential(
                nn.LayerNorm(dim),
                nn.Linear(dim, hidden_dim),
                nn.GELU(),
                nn.Dropout(dropout),
                nn.Linear(hidden_dim, dim),
                nn.Dropout(dropout)
            )

        def forward(self, x):
            return self.net(x)


    class Attention(nn.Module):
        def __init__(self, dim, heads=8, dim_head=64, dropout=0.):
            super().__init__()
            inner_dim = dim_head * heads
            project_out = not (heads == 1 and dim_head == dim)
            self.heads = heads
            self.scale = dim_head ** -0.5
            self.norm = nn.LayerNorm(dim)
            self.attend = nn.Softmax(dim=-1)
            self.dropout = nn.Dropout(dropout)
            self.to_qkv = nn.Linear(dim, inner_dim * 3, bias=False)
            self.to_out = nn.Sequential(
                nn.Linear(inner_dim, dim),
                nn.Dropout(dropout)
            ) if project_out else nn.Identity()

        def forward(self, x):
            x = self.norm(x)
            qkv = self.to_qkv(x).chunk(3, dim=-1)
            q, k, v = map(lambda t: rearrange(t, 'b n (h d) -> b h n d', h=self.heads), qkv)
            dots = torch.matmul(q, k.transpose(-1, -2)) * self.scale
            attn = self.attend(dots)
            attn = self.dropout(attn)
            out = torch.matmul(attn, v)
            out = rearrange(out, 'b h n d -> b n (h d)')
            return self.to_out(out)


    class Transformer(nn.Module):
        def __init__(self, dim, depth, heads, dim_head, mlp_dim, dropout=0.):
            super().__init__()
            self.norm = nn.LayerNorm(dim)
            self.layers = nn.ModuleList([])
            for _ in range(depth):
                self.layers.append(nn.ModuleList([
                    Attention(dim, heads=heads, dim_head=dim_head, dropout=dropout),
                    FeedForward(dim, mlp_dim, dropout=dropout)
                ]))

        def forward(self, x):
            for attn, ff in self.layers:
                x = attn(x) + x
                x = ff(x) + x
            return self.norm(x)
"""

VIT = src(VIT_PARTS + """

    class ViT(nn.Module):  # macslint: input-size=3x32x32 batch-size=2
        def __init__(self, *, image_size=32, patch_size=8, num_classes=10, dim=64, depth=2,
                     heads=4, mlp_dim=128, pool='cls', channels=3, dim_head=16, dropout=0.,
                     emb_dropout=0.):
            super().__init__()
            image_height, image_width = pair(image_size)
            patch_height, patch_width = pair(patch_size)
            assert image_height % patch_height == 0 and image_width % patch_width == 0
            num_patches = (image_height // patch_height) * (image_width // patch_width)
            patch_dim = channels * patch_height * patch_width
            assert pool in {'cls', 'mean'}
            self.to_patch_embedding = nn.Sequential(
                Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=patch_height,
                          p2=patch_width),
                nn.LayerNorm(patch_dim),
                nn.Linear(patch_dim, dim),
                nn.LayerNorm(dim),
            )
            self.pos_embedding = nn.Parameter(torch.randn(1, num_patches + 1, dim))
            self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
            self.dropout = nn.Dropout(emb_dropout)
            self.transformer = Transformer(dim, depth, heads, dim_head, mlp_dim, dropout)
            self.pool = pool
            self.to_latent = nn.Identity()
            self.mlp_head = nn.Linear(dim, num_classes)

        def forward(self, img):
            x = self.to_patch_embedding(img)
            b, n, _ = x.shape
            cls_tokens = repeat(self.cls_token, '1 1 d -> b 1 d', b=b)
            x = torch.cat((cls_tokens, x), dim=1)
            x += self.pos_embedding[:, :(n + 1)]
            x = self.dropout(x)
            x = self.transformer(x)
            x = x.mean(dim=1) if self.pool == 'mean' else x[:, 0]
            x = self.to_latent(x)
            return self.mlp_head(x)


    class MeanPooledViT(ViT):  # macslint: input-size=3x32x32
        def __init__(self):
            super().__init__(pool='mean', image_size=32, patch_size=4, dim=32, heads=2)
""", header=EINOPS)


def test_vit_pytorch_vit_matches_torch():
    model = assert_matches_torch(VIT, "ViT")
    assert model.output == (2, 10)
    assert model.macs > 0 and any(op.op == "torch.matmul" for op in model.ops)


def test_vit_with_mean_pooling_matches_torch():
    assert_matches_torch(VIT, "MeanPooledViT")


# Pooling by einops.reduce and by a Reduce layer in the head; the patches by a Rearrange layer
# as a submodule of its own, called in forward().
POOLED = src(VIT_PARTS + """

    class ReducedViT(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self, dim=32, patch=4, channels=3, num_classes=5):
            super().__init__()
            self.patchify = Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=patch, p2=patch)
            self.embed = nn.Linear(channels * patch * patch, dim)
            self.transformer = Transformer(dim, 1, 2, 8, 64)
            self.head = nn.Sequential(Reduce('b n d -> b d', 'mean'), nn.LayerNorm(dim),
                                      nn.Linear(dim, num_classes))
            self.cls = nn.Linear(dim, num_classes)

        def forward(self, img):
            x = self.embed(self.patchify(img))
            x = self.transformer(x)
            pooled = reduce(x, 'b n d -> b d', 'max')
            return self.head(x) + self.cls(pooled)
""", header=EINOPS)


def test_pooling_by_reduce_and_a_reduce_layer_matches_torch():
    model = assert_matches_torch(POOLED, "ReducedViT")
    assert model.output == (1, 5)


# denoising-diffusion-pytorch's 1-D U-Net blocks (lucidrains): the time embedding, a
# (batch, channels) vector, is made (batch, channels, 1) by rearrange to scale and shift the
# convolution's output; the up path concatenates the skip connection.
UNET1D = src("""
    def exists(x):
        return x is not None


    class SinusoidalPosEmb(nn.Module):
        def __init__(self, dim, theta=10000):
            super().__init__()
            self.dim = dim
            self.theta = theta

        def forward(self, x):
            half_dim = self.dim // 2
            emb = math.log(self.theta) / (half_dim - 1)
            emb = torch.exp(torch.arange(half_dim) * -emb)
            emb = x[:, None] * emb[None, :]
            return torch.cat((emb.sin(), emb.cos()), dim=-1)


    class Block(nn.Module):
        def __init__(self, dim, dim_out, groups=4):
            super().__init__()
            self.proj = nn.Conv1d(dim, dim_out, 3, padding=1)
            self.norm = nn.GroupNorm(groups, dim_out)
            self.act = nn.SiLU()

        def forward(self, x, scale_shift=None):
            x = self.proj(x)
            x = self.norm(x)
            if exists(scale_shift):
                scale, shift = scale_shift
                x = x * (scale + 1) + shift
            return self.act(x)


    class ResnetBlock(nn.Module):
        def __init__(self, dim, dim_out, *, time_emb_dim=None, groups=4):
            super().__init__()
            self.mlp = nn.Sequential(
                nn.SiLU(),
                nn.Linear(time_emb_dim, dim_out * 2)
            ) if exists(time_emb_dim) else None
            self.block1 = Block(dim, dim_out, groups=groups)
            self.block2 = Block(dim_out, dim_out, groups=groups)
            self.res_conv = nn.Conv1d(dim, dim_out, 1) if dim != dim_out else nn.Identity()

        def forward(self, x, time_emb=None):
            scale_shift = None
            if exists(self.mlp) and exists(time_emb):
                time_emb = self.mlp(time_emb)
                time_emb = rearrange(time_emb, 'b c -> b c 1')
                scale_shift = time_emb.chunk(2, dim=1)
            h = self.block1(x, scale_shift=scale_shift)
            h = self.block2(h)
            return h + self.res_conv(x)


    class UNet1D(nn.Module):  # macslint: input-size=4x32 batch-size=2
        def __init__(self, dim=16, channels=4):
            super().__init__()
            time_dim = dim * 4
            self.time_mlp = nn.Sequential(
                SinusoidalPosEmb(dim),
                nn.Linear(dim, time_dim),
                nn.GELU(),
                nn.Linear(time_dim, time_dim)
            )
            self.init_conv = nn.Conv1d(channels, dim, 7, padding=3)
            self.down_block = ResnetBlock(dim, dim * 2, time_emb_dim=time_dim)
            self.down = nn.Conv1d(dim * 2, dim * 2, 4, 2, 1)
            self.mid_block = ResnetBlock(dim * 2, dim * 2, time_emb_dim=time_dim)
            self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                                    nn.Conv1d(dim * 2, dim * 2, 3, padding=1))
            self.up_block = ResnetBlock(dim * 4, dim, time_emb_dim=time_dim)
            self.final_conv = nn.Conv1d(dim, channels, 1)

        def forward(self, x):
            t = self.time_mlp(torch.ones(x.shape[0]))
            x = self.init_conv(x)
            h = self.down_block(x, t)
            x = self.mid_block(self.down(h), t)
            x = torch.cat((self.up(x), h), dim=1)
            x = self.up_block(x, t)
            return self.final_conv(x)
""", header=EINOPS + "import math\n")


def test_unet1d_time_embedding_rearrange_matches_torch():
    model = assert_matches_torch(UNET1D, "UNet1D")
    assert model.output == (2, 4, 32)


# vit-pytorch's newer ViTs pack the class token with the patches and unpack it after.
PACKED = src("""
    class PackedTokens(nn.Module):  # macslint: input-size=3x16x16 batch-size=2
        def __init__(self, dim=24, patch=4):
            super().__init__()
            self.to_patches = nn.Sequential(
                Rearrange('b c (h p1) (w p2) -> b h w (p1 p2 c)', p1=patch, p2=patch),
                nn.Linear(3 * patch * patch, dim),
            )
            self.cls_token = nn.Parameter(torch.randn(dim))
            self.mix = nn.Linear(dim, dim)
            self.head = nn.Linear(2 * dim, 7)

        def forward(self, img):
            x = self.to_patches(img)
            x = rearrange(x, 'b ... d -> b (...) d')
            cls = repeat(self.cls_token, 'd -> b d', b=x.shape[0])
            x, ps = pack([cls, x], 'b * d')
            x = self.mix(x)
            cls, rest = unpack(x, ps, 'b * d')
            both = rearrange([cls, rest.mean(dim=1)], 'n b d -> b (n d)')
            return self.head(both)
""", header=EINOPS)


def test_pack_unpack_and_a_list_of_tensors_match_torch():
    model = assert_matches_torch(PACKED, "PackedTokens")
    assert model.output == (2, 7)


# The other ways to name einops: the module, aliases, its own submodules, parse_shape.
IMPORT_STYLES = src("""
    import einops
    import einops.layers.torch as elt
    from einops import rearrange as arrange
    from einops.einops import reduce as einops_reduce


    class Styles(nn.Module):  # macslint: input-size=8x6x6
        def __init__(self):
            super().__init__()
            self.flatten = elt.Rearrange('b c h w -> b (c h w)')
            self.pool = einops.layers.torch.Reduce('b c (h 2) (w 2) -> b c h w', 'max')
            self.fc = nn.Linear(8 * 3 * 3, 10)
            self.fc2 = nn.Linear(8, 10)

        def forward(self, x):
            y = self.fc(self.flatten(self.pool(x)))
            axes = einops.parse_shape(x, 'b c _ _')
            z = einops_reduce(x, 'b c h w -> (b c)', 'sum')
            z = arrange(z, '(b c) -> b c', **axes)
            return y + self.fc2(einops.repeat(z, 'b c -> b r c', r=1)[:, 0])
""", header=HEADER)


def test_einops_names_however_imported_match_torch():
    assert_matches_torch(IMPORT_STYLES, "Styles")


# -------------------------------------------------------------------- einops.einsum

EINSUM = src("""
    from einops import einsum


    class EinsumAttention(nn.Module):  # macslint: input-size=10x32
        def __init__(self, dim=32, heads=4):
            super().__init__()
            self.heads = heads
            self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
            self.to_out = nn.Linear(dim, dim)

        def forward(self, x):
            q, k, v = self.to_qkv(x).chunk(3, dim=-1)
            q, k, v = (rearrange(t, 'b n (h d) -> b h n d', h=self.heads) for t in (q, k, v))
            sim = einsum(q, k, 'b h i d, b h j d -> b h i j')
            attn = sim.softmax(dim=-1)
            out = einsum(attn, v, 'b h i j, b h j d -> b h i d')
            return self.to_out(rearrange(out, 'b h n d -> b n (h d)'))
""", header=EINOPS)


def test_einops_einsum_runs_torch_einsum():
    """einops.einsum is torch.einsum on einops' equation: counted as torch counts it where
    macslint models torch.einsum, else the model is incomplete at the call."""
    if "einsum" in TORCH_FUNCTIONS:
        assert_matches_torch(EINSUM, "EinsumAttention")
    else:
        model = the_model(analyse(EINSUM), "EinsumAttention")
        assert model.macs is None
        line = line_of(EINSUM, "sim = einsum(")
        assert model.reasons[0] == f"`einsum(q, k, 'b h i d, b h j d -> b h...` (line {line}) " \
                                   f"is not followed: torch.einsum, which einops.einsum runs, " \
                                   f"is not modelled"


# -------------------------------------------------------------------- torch refuses

MISFIT = src("""
    class Misfit(nn.Module):  # macslint: input-size=3x30x32
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.patches = Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=8, p2=8)

        def forward(self, x):
            return self.patches(self.conv(x))
""", header=EINOPS)


def test_a_pattern_the_input_does_not_fit_is_mac011_at_the_layer():
    assert torch_raises(MISFIT, "Misfit", declared_input(MISFIT, "Misfit"))
    result = analyse(MISFIT)
    model = the_model(result, "Misfit")
    assert model.macs is None and not model.complete
    found = codes(result, "MAC011")
    assert [f.line for f in found] == [line_of(MISFIT, "Rearrange(")]
    assert "Shape mismatch, can't divide axis of length 30 in chunks of 8" in found[0].message


BAD_PATTERN = src("""
    class BadPattern(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.split = Rearrange('b (h d) -> b h e', h=2)

        def forward(self, x):
            return self.split(self.fc(x))
""", header=EINOPS)


def test_a_pattern_einops_refuses_when_the_layer_is_built():
    with pytest.raises(Exception, match="Identifiers only on one side"):
        torch_params(BAD_PATTERN, "BadPattern")
    model = the_model(analyse(BAD_PATTERN), "BadPattern")
    assert not model.complete and model.params is None
    line = line_of(BAD_PATTERN, "Rearrange(")
    assert f"Rearrange('b (h d) -> b h e', h=2) (line {line}) raises: Identifiers only on one " \
           f"side of expression (should be on both): {{'d', 'e'}}" in reasons(model)


BAD_CALL = src("""
    class BadCall(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            x = self.fc(x)
            return rearrange(x, 'b (h d) -> b h d', h=3)
""", header=EINOPS)


def test_a_size_einops_cannot_split_is_mac011_at_the_call():
    assert torch_raises(BAD_CALL, "BadCall", declared_input(BAD_CALL, "BadCall"))
    result = analyse(BAD_CALL)
    assert [f.line for f in codes(result, "MAC011")] == [line_of(BAD_CALL, "return rearrange")]
    assert the_model(result, "BadCall").macs is None


VIEWED = src("""
    class Viewed(nn.Module):  # macslint: input-size=4x6x6
        def __init__(self, channels_last=True):
            super().__init__()
            self.channels_last = channels_last
            self.fc = nn.Linear(4 * 36, 10)

        def forward(self, x):
            if self.channels_last:
                x = rearrange(x, 'b c h w -> b h w c')
            else:
                x = rearrange(x, 'b c h w -> b (c h) w')
            return self.fc(x.view(x.shape[0], -1))


    class ViewedFlat(Viewed):  # macslint: input-size=4x6x6
        def __init__(self):
            super().__init__(channels_last=False)
""", header=EINOPS)


def test_a_view_of_a_permuted_rearrange_is_refused_as_torch_refuses_it():
    """rearrange returns a view where it can: after a permutation `view` fails in torch."""
    assert torch_raises(VIEWED, "Viewed", declared_input(VIEWED, "Viewed"))
    result = analyse(VIEWED)
    assert [f.line for f in codes(result, "MAC011")] == [line_of(VIEWED, "x.view(")]
    assert_matches_torch(VIEWED, "ViewedFlat")


MEAN_OF_INTS = src("""
    class MeanOfInts(nn.Module):  # macslint: inputs=6:int64
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 8)

        def forward(self, ids):
            counts = reduce(ids, 'b n -> b', 'mean')
            return self.emb(ids)
""", header=EINOPS)


def test_mean_of_integers_is_refused_as_einops_refuses_it():
    import einops
    import torch

    with pytest.raises(NotImplementedError):
        einops.reduce(torch.zeros(1, 6, dtype=torch.int64), 'b n -> b', 'mean')
    model = the_model(analyse(MEAN_OF_INTS), "MeanOfInts")
    assert model.macs is None
    assert "reduce_mean is not available for non-floating tensors" in reasons(model)


# -------------------------------------------------------------------- not modelled

NOT_MODELLED = src("""
    from einops.layers.torch import EinMix
    import einops


    class Callable(nn.Module):  # macslint: input-size=6x8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = reduce(x, 'b n d -> b d', torch.amax)
            return self.fc(x)


    class Mixer(nn.Module):  # macslint: input-size=6x8
        def __init__(self):
            super().__init__()
            self.mix = EinMix('b n d -> b n e', weight_shape='d e', d=8, e=4)

        def forward(self, x):
            return self.mix(x)


    class Numpy(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            return self.fc(einops.asnumpy(x))


    class Unknown(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.split = Rearrange('b (h d) -> b h d', h=some_config.heads)

        def forward(self, x):
            return self.split(self.fc(x))
""", header=EINOPS + "import some_config\n")


@pytest.mark.parametrize("name,call,why", [
    ("Callable", "reduce(x, 'b n d -> b d', torch.amax)",
     "is not followed: a reduction given as a function is not modelled"),
    ("Mixer", "EinMix(", "einops.layers.torch.EinMix is not modelled"),
    ("Numpy", "einops.asnumpy(x)", "is not followed: `einops.asnumpy` is not modelled"),
    ("Unknown", "Rearrange(", "is not followed: argument 'h' is not known"),
])
def test_what_is_not_modelled_leaves_the_model_incomplete_at_the_call(name, call, why):
    model = the_model(analyse(NOT_MODELLED), name)
    assert model.macs is None
    line = line_of(NOT_MODELLED, call)
    assert f"(line {line})" in reasons(model) and why in reasons(model)


def test_the_parameters_of_a_model_with_einmix_are_not_counted():
    """EinMix holds parameters (torch counts them): macslint does not model it, so it gives
    no total rather than one without them."""
    assert torch_params(NOT_MODELLED, "Mixer", stubs=("some_config",)) > 0
    assert the_model(analyse(NOT_MODELLED), "Mixer").params is None
