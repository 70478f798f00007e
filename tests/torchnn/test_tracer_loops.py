"""Loops whose course depends on a condition macslint cannot decide, and `del` of items:
a `break` or `continue` under such a condition makes the loop not followed (before, the
first pass's `break` was taken as certain: torchvision's IntermediateLayerGetter kept one
layer of four, and a detection model printed half its parameters); `del d[key]` on one
path is done as Python does it. Numbers from torch running the same source."""

from __future__ import annotations

import pytest

from tests.torchnn.tracer_helpers import HEADER, assert_matches_torch, reasons, src, torch_model, trace


@pytest.mark.parametrize("jump", ["break", "continue"])
def test_a_jump_under_an_unknown_condition_leaves_the_loop_not_followed(jump):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                layers = []
                for width in [4, 4, 4]:
                    if torch.cuda.is_available():
                        {jump}
                    layers.append(nn.Linear(4, width))
                self.body = nn.Sequential(*layers)

            def forward(self, x):
                return self.body(x)
    """)
    model = trace(source, "Net")
    assert model.params is None and model.macs is None, model.params
    assert "depends on a condition that is not known" in reasons(model)
    assert sum(p.numel() for p in torch_model(source, "Net").parameters()) in (0, 60)


def test_a_jump_under_an_unknown_condition_in_a_while_loop():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                layers, n = [], 0
                while n < 3:
                    n += 1
                    layers.append(nn.Linear(4, 4))
                    if torch.cuda.is_available():
                        break
                self.body = nn.Sequential(*layers)

            def forward(self, x):
                return self.body(x)
    """)
    model = trace(source, "Net")
    assert model.params is None
    assert "depends on a condition that is not known" in reasons(model)


GETTER = src("""
    class Getter(nn.ModuleDict):
        # torchvision's IntermediateLayerGetter's way: children up to the last one returned
        def __init__(self, model, return_layers):
            remaining = {str(k): str(v) for k, v in return_layers.items()}
            layers = OrderedDict()
            for name, module in model.named_children():
                layers[name] = module
                if name in remaining:
                    del remaining[name]
                if not remaining:
                    break
            super().__init__(layers)
            self.return_layers = return_layers

        def forward(self, x):
            out = OrderedDict()
            for name, module in self.items():
                x = module(x)
                if name in self.return_layers:
                    out[self.return_layers[name]] = x
            return out["last"]


    class Body(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Conv2d(3, 4, 1)
            self.layer2 = nn.Conv2d(4, 6, 1)
            self.layer3 = nn.Conv2d(6, 8, 1)
            self.head = nn.Linear(8, 2)


    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            self.body = Getter(Body(), {"layer1": "first", "layer3": "last"})

        def forward(self, x):
            return self.body(x)
""")


def test_del_of_a_dict_item_and_a_break_on_known_conditions_are_followed():
    assert_matches_torch(GETTER, "Net")


def test_del_of_list_and_dict_items():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                widths = [2, 3, 5, 7]
                del widths[1]
                del widths[-1]
                table = {"a": 1, "b": 2}
                del table["a"]
                self.fc = nn.Linear(4, sum(widths) + len(table))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_matches_torch(source, "Net")


def test_iterating_and_unpacking_a_tensor_gives_its_rows():
    """Python iterates a tensor by unbind(0): `q, k, v = qkv.permute(...)` (timm's attention)
    and `for row in x` (a list of images as one batch)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=3x4x6
            def __init__(self):
                super().__init__()
                self.qkv = nn.Linear(6, 18)
                self.fc = nn.Linear(6, 5)

            def forward(self, x):
                q, k, v = self.qkv(x).reshape(3, 4, 3, 6).permute(2, 0, 1, 3)
                att = (q @ k.transpose(-2, -1)).softmax(-1) @ v
                rows = [self.fc(row) for row in att]
                first, *rest = x
                return torch.stack(rows), first.sum() + len(rest)
    """)
    assert_matches_torch(source, "Net")


def test_accumulate_with_a_function_is_not_claimed_to_raise():
    """timm's sequencer: `accumulate(patch_sizes, lambda x, y: x * y)` (its function was
    iterated as an iterable: a false "raises")."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self, sizes=(2, 3)):
                super().__init__()
                total = list(itertools.accumulate(sizes, lambda x, y: x * y))[-1]
                self.fc = nn.Linear(4, total)

            def forward(self, x):
                return self.fc(x)
    """, header=HEADER + "import itertools\n")
    model = trace(source, "Net")
    assert "raises" not in reasons(model)
    assert "accumulate() with a function is not modelled" in reasons(model)
    assert torch_model(source, "Net") is not None
