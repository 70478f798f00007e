"""Catalogued layers used in a model trace (issue 21): the padding layers (ZeroPad,
ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1d-3d) and the pixel shuffles, each
in a model torch builds from the same source and runs on the meta device (tracer_helpers):
params, MACs, output and every leaf call as torch's."""

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
