"""Catalogued layers used in a model trace (issue 21): the padding layers (ZeroPad,
ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1d-3d), the pixel and channel
shuffles, the norms, activations, pools, unpools (fed a max pool's indices), sliding blocks and
upsamplings added with them, each in a model torch builds from the same source and runs on the
meta device (tracer_helpers): params, MACs, output and every leaf call as torch's."""

from __future__ import annotations

import pytest

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, src, torch_raises, trace,
)

PAD_1D = src("""
    class Pad1d(nn.Module):  # macslint: input-size=3x9, batch-size=2
        def __init__(self):
            super().__init__()
            self.zero = nn.ZeroPad1d(2)
            self.const = nn.ConstantPad1d((1, 0), 0.5)
            self.reflect = nn.ReflectionPad1d((3, 1))
            self.replicate = nn.ReplicationPad1d(-1)
            self.circular = nn.CircularPad1d((2, 2))
            self.conv = nn.Conv1d(3, 4, 3)

        def forward(self, x):
            x = self.circular(self.replicate(self.reflect(self.const(self.zero(x)))))
            return self.conv(x)
""")

PAD_2D = src("""
    class Pad2d(nn.Module):  # macslint: input-size=4x8x8, batch-size=2
        def __init__(self):
            super().__init__()
            self.pads = nn.Sequential(
                nn.ZeroPad2d(1),
                nn.ConstantPad2d((1, 0, 0, 1), value=-1.0),
                nn.ReflectionPad2d(2),
                nn.ReplicationPad2d((1, 0, 1, 0)),
                nn.CircularPad2d(1),
            )
            self.conv = nn.Conv2d(4, 8, 3)
            self.unshuffle = nn.PixelUnshuffle(2)
            self.shuffle = nn.PixelShuffle(upscale_factor=2)

        def forward(self, x):
            x = self.conv(self.pads(x))
            return self.shuffle(self.unshuffle(x))
""")

PAD_3D = src("""
    class Pad3d(nn.Module):  # macslint: input-size=2x4x5x6
        def __init__(self):
            super().__init__()
            self.zero = nn.ZeroPad3d((1, 1, 0, 0, 1, 0))
            self.const = nn.ConstantPad3d(1, 3.0)
            self.reflect = nn.ReflectionPad3d(1)
            self.replicate = nn.ReplicationPad3d((0, 1, 0, 1, 0, 1))
            self.circular = nn.CircularPad3d(-1)
            self.conv = nn.Conv3d(2, 3, 3)
            self.shuffle = nn.PixelShuffle(1)

        def forward(self, x):
            x = self.zero(x)
            x = self.circular(self.replicate(self.reflect(self.const(x))))
            return self.shuffle(self.conv(x))
""")


@pytest.mark.parametrize("source, name", [(PAD_1D, "Pad1d"), (PAD_2D, "Pad2d"),
                                          (PAD_3D, "Pad3d")])
def test_padding_and_shuffle_layers_trace_as_torch_runs_them(source, name):
    model = assert_matches_torch(source, name)
    kinds = {c.kind for c in model.calls}
    assert {k for k in kinds if "Pad" in k or "Shuffle" in k}  # the new layers were traced


BAD_SHUFFLE = src("""
    class BadShuffle(nn.Module):  # macslint: input-size=3x4x4
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 1)
            self.shuffle = nn.PixelShuffle(2)

        def forward(self, x):
            return self.shuffle(self.conv(x))
""")


def test_pixel_shuffle_of_indivisible_channels_is_reported_not_counted():
    """The conv's 6 channels are not divisible by 2**2: torch raises, macslint counts nothing
    and says why (MAC011)."""
    assert torch_raises(BAD_SHUFFLE, "BadShuffle", (1, 3, 4, 4))
    model = trace(BAD_SHUFFLE, "BadShuffle")
    assert (model.complete, model.macs) == (False, None)
    assert codes(analyse(BAD_SHUFFLE), "MAC011")


UNPOOL_2D = src("""
    class Unpool2d(nn.Module):  # macslint: input-size=4x9x9, batch-size=2
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 8, 3, padding=1)
            self.pool = nn.MaxPool2d(2, return_indices=True)
            self.unpool = nn.MaxUnpool2d(2)
            self.lrn = nn.LocalResponseNorm(3)
            self.shuffle = nn.ChannelShuffle(2)
            self.glu = nn.GLU(dim=1)
            self.rms = nn.RMSNorm([9, 9])
            self.unfold = nn.Unfold(3, padding=1, stride=3)
            self.fold = nn.Fold((9, 9), 3, padding=1, stride=3)
            self.mix = nn.Linear(36, 36)
            self.up = nn.UpsamplingBilinear2d(scale_factor=2)
            self.down = nn.LPPool2d(2, (3, 2), stride=2)
            self.head = nn.Conv2d(4, 6, 1)

        def forward(self, x):
            x = self.conv(x)
            y, indices = self.pool(x)
            x = self.unpool(y, indices, output_size=x.size())  # 9x9 again, not 8x8
            x = self.glu(self.shuffle(self.lrn(x)))
            blocks = self.unfold(self.rms(x))
            x = self.fold(self.mix(blocks.transpose(1, 2)).transpose(1, 2))
            return self.head(self.down(self.up(x)))
""")

UNPOOL_3D = src("""
    class Unpool3d(nn.Module):  # macslint: input-size=2x9x9x9
        def __init__(self):
            super().__init__()
            self.frac = nn.FractionalMaxPool3d(2, output_size=4, return_indices=True)
            self.unpool = nn.MaxUnpool3d(2)
            self.shrink = nn.Softshrink(0.1)
            self.rrelu = nn.RReLU()
            self.norm = nn.SyncBatchNorm(2)
            self.lrn = nn.CrossMapLRN2d(3)
            self.unpool1 = nn.MaxUnpool1d(3, stride=2, padding=1)
            self.lp = nn.LPPool1d(float("inf"), 3)

        def forward(self, x):
            y, indices = self.frac(x)
            x = self.unpool(y, indices, (9, 9, 9))
            x = self.norm(self.rrelu(self.shrink(x)))
            z = self.lrn(x.flatten(3)).flatten(2)
            p, i = F.max_pool1d(z, 3, 2, 1, return_indices=True)
            return self.lp(self.unpool1(p, i, output_size=z.shape))
""")

OTHERS = src("""
    class Others(nn.Module):  # macslint: input-size=3x12x10
        def __init__(self):
            super().__init__()
            self.frac = nn.FractionalMaxPool2d((2, 3), output_ratio=(0.5, 0.7))
            self.hard = nn.Hardshrink()
            self.near = nn.UpsamplingNearest2d(size=(7, 5))
            self.lp3 = nn.LPPool3d(2, 2, stride=1)
            self.flat = nn.Flatten(2)
            self.near1d = nn.UpsamplingNearest2d(scale_factor=3)  # on a 3-D input: 1-d
            self.lp1 = nn.LPPool1d(3, 2)
            self.pool1 = nn.MaxPool1d(2, return_indices=True)
            self.unpool1 = nn.MaxUnpool1d(2)
            self.norm = nn.RMSNorm(72, elementwise_affine=False)

        def forward(self, x):
            x = self.near(self.hard(self.frac(x)))
            x = self.flat(self.lp3(x.unsqueeze(0)))
            y, indices = self.pool1(self.lp1(self.near1d(x)))
            return self.norm(self.unpool1(y, indices))
""")


@pytest.mark.parametrize("source, name", [(UNPOOL_2D, "Unpool2d"), (UNPOOL_3D, "Unpool3d"),
                                          (OTHERS, "Others")])
def test_the_other_layers_trace_as_torch_runs_them(source, name):
    """MaxUnpool fed by a max pool's indices (MaxPool2d, FractionalMaxPool3d, F.max_pool1d),
    with an output_size given as `x.size()`, a tuple or `z.shape`, or none; and the norms,
    activations, pools, sliding blocks and upsamplings of issue 21 between convolutions and
    linear layers: totals and every leaf call as torch's."""
    model = assert_matches_torch(source, name)
    assert {c.kind for c in model.calls} >= {
        "Unpool2d": {"MaxUnpool2d", "LocalResponseNorm", "ChannelShuffle", "GLU", "RMSNorm",
                     "Unfold", "Fold", "UpsamplingBilinear2d", "LPPool2d"},
        "Unpool3d": {"FractionalMaxPool3d", "MaxUnpool3d", "Softshrink", "RReLU",
                     "SyncBatchNorm", "CrossMapLRN2d", "MaxUnpool1d", "LPPool1d"},
        "Others": {"FractionalMaxPool2d", "Hardshrink", "UpsamplingNearest2d", "LPPool3d",
                   "LPPool1d", "MaxUnpool1d", "RMSNorm"},
    }[name]


BAD_UNPOOLS = {
    "float indices": "self.unpool(y, indices.float())",
    "indices of another pool": "self.unpool(y, self.other(x)[1])",
    "an output size out of range": "self.unpool(y, indices, output_size=[3, 3])",
}


@pytest.mark.parametrize("call", BAD_UNPOOLS.values(), ids=list(BAD_UNPOOLS))
def test_an_unpool_torch_refuses_is_reported_not_counted(call):
    """Indices that are not int64, not of the input's shape, or an output_size more than a
    stride away from the default size: torch raises, macslint counts nothing and says why
    (MAC011)."""
    source = src(f"""
        class BadUnpool(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.pool = nn.MaxPool2d(2, return_indices=True)
                self.other = nn.MaxPool2d(3, return_indices=True)
                self.unpool = nn.MaxUnpool2d(2)

            def forward(self, x):
                y, indices = self.pool(x)
                return {call}
    """)
    assert torch_raises(source, "BadUnpool", (1, 3, 8, 8))
    model = trace(source, "BadUnpool")
    assert (model.complete, model.macs) == (False, None)
    assert codes(analyse(source), "MAC011")
