"""Advanced indexing in forward() (costmodel.indexing): integer lists and tensors among the
keys. torch runs the same source; complete models have torch's counts, a list index out of
bounds is MAC011 where torch raises, a boolean mask (its result's size depends on its
values) leaves the model incomplete with the reason."""

from __future__ import annotations

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src, torch_raises,
    trace,
)

MODELS = src("""
    class LastToken(nn.Module):  # macslint: input-size=8x16
        # nanoGPT's generation head: `self.lm_head(x[:, [-1], :])`
        def __init__(self):
            super().__init__()
            self.lm_head = nn.Linear(16, 50, bias=False)

        def forward(self, x):
            return self.lm_head(x[:, [-1], :])


    class RelativePosition(nn.Module):  # macslint: input-size=14x14x8
        # segment-anything's get_rel_pos: a table indexed by a long tensor of coordinates
        def __init__(self):
            super().__init__()
            self.rel_pos = nn.Parameter(torch.zeros(27, 8))
            self.proj = nn.Linear(8, 8)

        def forward(self, x):
            q_coords = torch.arange(14)[:, None]
            k_coords = torch.arange(14)[None, :]
            relative_coords = (q_coords - k_coords) + 13
            rel = self.rel_pos[relative_coords.long()]
            attn = torch.einsum("bhwc,hkc->bhwk", self.proj(x), rel)
            return attn


    class Gather(nn.Module):  # macslint: input-size=6x10
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 4)

        def forward(self, x):
            picked = x[:, [0, 2, 4]][..., [[0], [2]], [5, 7]]
            return self.fc(picked.transpose(-1, -2).reshape(x.shape[0], -1, 2))
""")

OUT_OF_BOUNDS = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            return self.fc(x)[:, :, [0, 4]]
""")

MASK = src("""
    class Net(nn.Module):  # macslint: input-size=4x8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(x[x > 0])
""")


def test_integer_lists_and_tensors_as_indices_are_torchs():
    for name in ("LastToken", "RelativePosition", "Gather"):
        assert_matches_torch(MODELS, name)


def test_a_list_index_out_of_bounds_is_mac011_where_torch_raises():
    assert torch_raises(OUT_OF_BOUNDS, "Net", declared_input(OUT_OF_BOUNDS, "Net"))
    found = codes(analyse(OUT_OF_BOUNDS), "MAC011")
    line = line_of(OUT_OF_BOUNDS, "self.fc(x)[:, :, [0, 4]]")
    assert [f.line for f in found] == [line]
    assert "index 4 is out of bounds for dimension 0 with size 4" in found[0].message


def test_a_boolean_mask_leaves_the_model_incomplete_with_the_reason():
    model = trace(MASK, "Net")
    assert model.macs is None
    assert "a boolean mask index" in reasons(model)
    assert f"line {line_of(MASK, 'x[x > 0]')}" in reasons(model)
