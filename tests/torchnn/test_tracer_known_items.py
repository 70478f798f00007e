"""Small tensors of known items while a model is built (issue 21): a network whose stage
widths come from tensor arithmetic, in the style of a RegNet design space (`torch.arange`,
`*`, `+`, `/`, `torch.log`, `torch.pow`, `torch.divide`, `torch.round`, `.int().tolist()`,
and `torch.diff` of a `torch.tensor`), is counted as torch counts it. Items whose rounding is
too close to call, or that an in-place op changed, are not known, and the model says so:
never a guess.

torch builds these models on the CPU (their construction reads tensor items, which meta
tensors do not hold), then counts them on meta as every other (tracer_helpers).
"""

from __future__ import annotations

import random

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    HEADER, assert_matches_torch, reasons, src, torch_model, trace,
)

MATH = HEADER + "import math\n"

DESIGN = """
    def block_widths(depth, w_0, w_a, w_m, quant=8):
        continuous = torch.arange(depth) * w_a + w_0
        exponents = torch.round(torch.log(continuous / w_0) / math.log(w_m))
        scaled = torch.divide(w_0 * torch.pow(w_m, exponents), quant)
        return (torch.round(scaled) * quant).int().tolist()


    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self, depth={depth}, w_0={w_0}, w_a={w_a}, w_m={w_m}):
            super().__init__()
            widths = block_widths(depth, w_0, w_a, w_m)
            starts = [i for i, w in enumerate(widths) if i == 0 or w != widths[i - 1]]
            depths = torch.diff(torch.tensor(starts + [len(widths)])).int().tolist()
            stages, previous = [], 3
            for width, count in zip(sorted(set(widths)), depths):
                blocks = [nn.Conv2d(previous, width, 3, stride=2, padding=1)]
                blocks += [nn.Conv2d(width, width, 1) for _ in range(count - 1)]
                stages.append(nn.Sequential(*blocks))
                previous = width
            self.stages = nn.Sequential(*stages)
            self.head = nn.Linear(previous, 10)

        def forward(self, x):
            x = self.stages(x)
            return self.head(x.mean((2, 3)))
"""

# published RegNet design points (depth, w_0, w_a, w_m): numbers, not code
DESIGN_POINTS = [(16, 48, 27.89, 2.09), (13, 56, 38.84, 2.4), (22, 24, 36.44, 2.49),
                 (25, 56, 35.73, 2.28), (27, 80, 49.56, 2.88), (18, 200, 106.23, 2.48),
                 (21, 80, 42.63, 2.66), (16, 232, 115.89, 2.53)]


def design(depth: int, w_0: int, w_a: float, w_m: float) -> str:
    return src(DESIGN.format(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m), header=MATH)


@pytest.mark.parametrize("point", DESIGN_POINTS, ids=str)
def test_widths_from_tensor_arithmetic_are_torchs(point):
    model = assert_matches_torch(design(*point), "Net", built_on="cpu")
    assert model.params > 0


def test_random_design_points_are_torchs_or_say_too_close_to_call():
    """Over random design points, each model is counted exactly as torch counts it, or is
    incomplete because a rounding is too close to call; most are counted."""
    rng = random.Random(21)
    counted = 0
    for _ in range(12):
        point = (rng.randint(4, 28), 8 * rng.randint(2, 30), round(rng.uniform(8, 120), 2),
                 round(rng.uniform(1.5, 3.0), 2))
        source = design(*point)
        model = trace(source, "Net")
        if model.complete:
            assert_matches_torch(source, "Net", built_on="cpu")
            counted += 1
        else:
            assert "too close to call" in reasons(model), (point, reasons(model))
    assert counted >= 10


def test_a_rounding_too_close_to_call_is_unknown_not_guessed():
    """float32(0.1) * 5 is 0.5 in torch, or a hair above it in a kernel that computes in
    double first: round() may give 0 or 1, so the width is not known."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                extra = torch.round(torch.ones(1) * 0.1 * 5).int().tolist()[0]
                self.conv = nn.Conv2d(3, 4 + extra, 1)

            def forward(self, x):
                return self.conv(x)
    """)
    model = trace(source, "Net")
    assert model.params is None and model.macs is None
    assert "too close to call" in reasons(model)
    width = torch_model(source, "Net", "cpu").conv.out_channels
    assert width in (4, 5)  # torch picks one; macslint does not pretend to know which


@pytest.mark.parametrize("change, width", [
    ("steps = torch.tensor([4, 8])\nwidths = steps\nsteps.add_(1)", 9),
    ("widths = torch.arange(4) * 2 + 2\nwidths[1] = 7", 7),
], ids=["add_", "item assignment"])
def test_items_changed_in_place_are_not_followed(change, width):
    """`steps.add_(1)` changes the tensor `widths` also names, `widths[1] = 7` an item: the
    items are no longer known, rather than the ones before the change."""
    body = "\n".join(" " * 16 + line for line in change.splitlines())
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
{body}
                self.conv = nn.Conv2d(3, widths.tolist()[1], 1)

            def forward(self, x):
                return self.conv(x)
    """)
    model = trace(source, "Net")
    assert model.params is None
    assert "change in place" in reasons(model)
    assert torch_model(source, "Net", "cpu").conv.out_channels == width


@pytest.mark.parametrize("repeats", [[1, 2, 3], [0, 0, 4], [2], 5, [1, 2]], ids=str)
def test_repeat_interleave_by_a_tensor_of_known_repeats(repeats):
    """The output's size is the repeats' sum: known when the repeats' items are (torch on
    the CPU decides: meta tensors hold no repeats)."""
    from macslint.costmodel import TORCH_FUNCTIONS, LayerError
    from macslint.torchnn.values import ValuedTensor

    spec = TORCH_FUNCTIONS["repeat_interleave"]
    tensor = torch.tensor(repeats)
    ours = ValuedTensor(tuple(tensor.shape), 1, tensor.tolist(), "int64")
    try:
        expected = tuple(torch.repeat_interleave(torch.zeros(3, 4), tensor, dim=0).shape)
    except RuntimeError:
        with pytest.raises(LayerError):
            spec.run(spec.bind([(3, 4), ours], {"dim": 0}))
        return
    assert spec.run(spec.bind([(3, 4), ours], {"dim": 0})) == (expected, 0)


def test_sign_log2_and_tensor_split_in_a_forward():
    """Swin V2's log-spaced coordinates (sign * log2(|x| + 1)) and RAFT's tensor_split."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=6x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                first, rest = torch.tensor_split(x, indices=(2,), dim=1)
                scaled = torch.sign(rest) * torch.log2(torch.abs(rest) + 1.0) / 3.0
                return self.fc(torch.diff(scaled, dim=1, prepend=first[:, :1]))
    """)
    assert_matches_torch(source, "Net", check_calls=False)


def test_an_index_from_meshgrid_of_a_list_keeps_its_dtype():
    """A relative-position index (MaxViT's way: `torch.meshgrid([a, b])`, the list form)
    indexes a table: an int64 index, as torch makes it."""
    source = src("""
        def relative_index(size):
            grid = torch.stack(torch.meshgrid([torch.arange(size), torch.arange(size)],
                                              indexing="ij"))
            flat = torch.flatten(grid, 1)
            relative = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
            relative[:, :, 0] += size - 1
            relative[:, :, 1] += size - 1
            relative[:, :, 0] *= 2 * size - 1
            return relative.sum(-1)


        class Net(nn.Module):  # macslint: input-size=9x9x4
            def __init__(self, size=3):
                super().__init__()
                self.register_buffer("index", relative_index(size))
                self.table = nn.Parameter(torch.zeros((2 * size - 1) ** 2, 4))
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                bias = self.table[self.index.view(-1)].view(9, 9, -1)
                return self.fc(x + bias)
    """)
    assert_matches_torch(source, "Net", check_calls=False)


def test_as_tensor_of_numbers_and_of_a_tensor():
    """`torch.as_tensor([...])` makes a tensor of known items as torch.tensor does; of a
    tensor, the tensor itself (or its copy cast to `dtype=`)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                sizes = torch.as_tensor([2.0, 3.0])
                self.fc = nn.Linear(4, int(torch.as_tensor(sizes).tolist()[1]))
                self.bias = nn.Parameter(torch.zeros(4))

            def forward(self, x):
                ints = torch.as_tensor(x, dtype=torch.long)
                return self.fc(torch.as_tensor(x)) + self.bias[ints[0, :2]].sum()
    """)
    assert_matches_torch(source, "Net", check_calls=False, built_on="cpu")


TIMM_DESIGN = """
    def generate_regnet(width_slope, width_initial, width_mult, depth, group_size, quant=8):
        # timm's form: a float arange, pow of a number by a tensor, unique, max
        widths_cont = torch.arange(depth, device='cpu', dtype=torch.float32) * width_slope \\
            + width_initial
        width_exps = torch.round(torch.log(widths_cont / width_initial) / math.log(width_mult))
        widths = torch.round((width_initial * torch.pow(width_mult, width_exps)) / quant) * quant
        num_stages, max_stage = len(torch.unique(widths)), int(width_exps.max().item()) + 1
        groups = torch.tensor([group_size for _ in range(num_stages)], device='cpu',
                              dtype=torch.int32)
        return widths.int().tolist(), num_stages, max_stage, groups.tolist()


    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self, w_a={w_a}, w_0={w_0}, w_m={w_m}, depth={depth}):
            super().__init__()
            widths, num_stages, max_stage, groups = generate_regnet(w_a, w_0, w_m, depth, 8)
            eye = torch.eye(num_stages, max_stage + 1, dtype=torch.int64)
            self.stem = nn.Conv2d(3, widths[0], 3, padding=1, groups=1)
            self.body = nn.Sequential(*[nn.Conv2d(widths[0], widths[0], 1, groups=g)
                                        for g in groups])
            self.head = nn.Linear(widths[-1] if len(set(widths)) == 1 else widths[0],
                                  num_stages + max_stage + int(eye.sum().item()))

        def forward(self, x):
            return self.head(self.body(self.stem(x)).mean((2, 3)))
"""


@pytest.mark.parametrize("point", DESIGN_POINTS[:4], ids=str)
def test_timm_regnet_widths_stages_and_groups_are_torchs(point):
    depth, w_0, w_a, w_m = point
    source = src(TIMM_DESIGN.format(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m), header=MATH)
    assert_matches_torch(source, "Net", built_on="cpu")


def test_unique_of_items_not_known_says_its_size_depends_on_them():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                n = len(torch.unique(torch.randn(6)))
                self.fc = nn.Linear(4, n)

            def forward(self, x):
                return self.fc(x)
    """)
    model = trace(source, "Net")
    assert not model.complete
    assert "depends on items that are not known" in reasons(model)
