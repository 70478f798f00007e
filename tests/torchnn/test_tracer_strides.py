"""`view` decided by strides (costmodel.strides): torch runs the same source; where it accepts
a view after a permute, the model is complete with torch's counts, and where it raises (a view
across dims no longer adjacent in memory) macslint reports MAC011 at the view."""

from __future__ import annotations

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, declared_input, line_of, src, torch_raises,
)

ACCEPTED = src("""
    class Split(nn.Module):  # macslint: input-size=16x8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 4)

        def forward(self, x):
            b, n, c = x.shape
            y = x.transpose(1, 2).view(b, c // 2, 2, n)[:, :, 0]
            y = y.permute(0, 2, 1).unsqueeze(1).view(b, n, 2, 2)
            return self.fc(y)


    class Windows(nn.Module):  # macslint: input-size=8x8x4
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            B, H, W, C = x.shape
            x = x.view(B, H // 4, 4, W // 4, 4, C)
            w = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, 4, 4, C)
            w = self.fc(w)
            w = w.view(B, H // 4, W // 4, 4, 4, -1).permute(0, 1, 3, 2, 4, 5)
            return w.reshape(B, H, W, -1).view(B, H * W, C)


    class PositionEmbedding(nn.Module):  # macslint: input-size=16x8
        # dinov2's interpolate_pos_encoding: resampling keeps the channels-last layout of its
        # permuted input, so permuting back gives a contiguous tensor that `view` accepts.
        def __init__(self):
            super().__init__()
            self.pos = nn.Parameter(torch.zeros(1, 16, 8))
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            pos = F.interpolate(self.pos.reshape(1, 4, 4, 8).permute(0, 3, 1, 2),
                                size=(5, 3), mode="bicubic")
            pos = pos.permute(0, 2, 3, 1).view(1, -1, 8)
            return self.fc(x + pos[:, :1])


    class AfterLinear(nn.Module):  # macslint: input-size=8x6
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            return self.fc(x.permute(0, 2, 1)).view(x.shape[0], -1)


    class AfterMatmul(nn.Module):  # macslint: input-size=3x8x4
        # MViT's relative positions: a matrix product's output is contiguous whatever its
        # operands' strides, so a view of its transpose that splits a dim is accepted
        def __init__(self):
            super().__init__()
            self.table = nn.Parameter(torch.zeros(1, 5, 4))
            self.fc = nn.Linear(5, 5)

        def forward(self, x):
            y = torch.matmul(x[0], self.table.expand(3, 5, 4).transpose(1, 2)).transpose(0, 1)
            z = (x[0] @ self.table[0].t()).transpose(0, 1)
            return self.fc(y.view(2, 4, 3, 5)) + z.reshape(5, 24).sum()
""")

REFUSED = src("""
    class Merge(nn.Module):  # macslint: input-size=16x8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(128, 4)

        def forward(self, x):
            return self.fc(x.transpose(1, 2).view(x.shape[0], -1))


    class MatmulMerge(nn.Module):  # macslint: input-size=3x8x4
        def __init__(self):
            super().__init__()
            self.table = nn.Parameter(torch.zeros(3, 4, 5))

        def forward(self, x):
            return (x[0] @ self.table).transpose(1, 2).view(3, -1)


    class ChunkMerge(nn.Module):  # macslint: input-size=4x12
        def __init__(self):
            super().__init__()

        def forward(self, x):
            q, k, v = x.chunk(3, dim=-1)
            return q.view(x.shape[0], -1)
""")


def test_views_torch_accepts_after_a_permute_are_traced():
    for name in ("Split", "Windows", "PositionEmbedding", "AfterLinear", "AfterMatmul"):
        assert not torch_raises(ACCEPTED, name, declared_input(ACCEPTED, name))
        assert_matches_torch(ACCEPTED, name)


def test_views_torch_refuses_are_mac011_at_the_view():
    result = analyse(REFUSED)
    found = {f.line: f.message for f in codes(result, "MAC011")}
    for name, text in (("Merge", "x.transpose(1, 2).view"), ("ChunkMerge", "q.view"),
                       ("MatmulMerge", "(x[0] @ self.table).transpose(1, 2).view")):
        assert torch_raises(REFUSED, name, declared_input(REFUSED, name))
        line = line_of(REFUSED, text)
        assert line in found, found
        assert "view size is not compatible with input tensor's size and stride" in found[line]


def test_torch_says_the_same():
    import torch
    x = torch.zeros(1, 16, 8).transpose(1, 2)
    try:
        x.view(1, -1)
    except RuntimeError as exc:
        assert "view size is not compatible with input tensor's size and stride" in str(exc)
    else:
        raise AssertionError("torch accepted the view")


SPLIT_OF_UNKNOWN_STRIDES = src("""
    class Tokens(nn.Module):  # macslint: input-size=17x8
        def __init__(self):
            super().__init__()
            self.proj = nn.Conv2d(8, 8, 3, 1, 1, groups=8)
            self.fc = nn.Linear(8, 8)
            self.pos = nn.Parameter(torch.zeros(1, 8, 17))

        def forward(self, x):
            # the sum of a transposed tensor and a contiguous one: its layout is torch's
            # choice (macslint does not follow it), and a view that only splits is accepted
            x = self.fc(x) + self.pos.transpose(1, 2)
            B, N, C = x.shape
            img = x[:, 1:]
            feat = img.transpose(1, 2).view(B, C, 4, 4)
            y = self.proj(feat) + feat
            return y.flatten(2).transpose(1, 2).reshape(B, -1, 2, 4).view(B, 16, 2, 2, 2)
""")


def test_a_view_that_only_splits_a_tensor_of_unknown_strides_is_traced():
    """coat's, davit's, hiera's and levit's `x.transpose(1, 2).view(B, C, H, W)` after an
    elementwise op whose layout macslint does not follow: splitting dims is a view torch
    accepts whatever the strides."""
    assert_matches_torch(SPLIT_OF_UNKNOWN_STRIDES, "Tokens")


def test_a_view_that_merges_dims_of_unknown_strides_is_still_not_claimed():
    """After a split (accepted, strides still not known), merging the channels with the
    spatial dims is torch's error here: macslint does not claim it either way."""
    source = SPLIT_OF_UNKNOWN_STRIDES.replace(
        "return y.flatten(2).transpose(1, 2).reshape(B, -1, 2, 4).view(B, 16, 2, 2, 2)",
        "return feat.view(B, C * 16)")
    assert torch_raises(source, "Tokens", declared_input(source, "Tokens"))
    model = analyse(source).report.models[0]
    assert model.macs is None and "may not be contiguous" in "; ".join(model.reasons)
