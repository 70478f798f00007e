"""torch's Lazy layers in a traced model (issue 21): at its first call a LazyLinear,
LazyConv2d, LazyBatchNorm2d... takes its first size from the input and becomes the
non-lazy layer (torch's `cls_to_become`); its parameters exist only then, so the model's
count is torch's `sum(p.numel() for p in model.parameters())` after one forward
(tracer_helpers.torch_counts counts there). Every number here is torch's, from the same
source built and run on the meta device; what torch refuses is checked on the CPU."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, line_of, reasons, src, torch_counts, torch_leaf_calls,
    torch_model, torch_raises, trace,
)

pytestmark = pytest.mark.filterwarnings("ignore")  # torch: lazy modules are experimental

CNN = src("""
    class LazyNet(nn.Module):  # macslint: input-size=3x16x16, batch-size=2
        def __init__(self):
            super().__init__()
            self.conv = nn.LazyConv2d(8, 3, padding=1)
            self.bn = nn.LazyBatchNorm2d()
            self.fc = nn.LazyLinear(10)

        def forward(self, x):
            x = torch.relu(self.bn(self.conv(x)))
            x = torch.flatten(x, 1)
            return self.fc(x)
""")

EVERY_KIND = src("""
    class EveryKind(nn.Module):  # macslint: input-size=4x12
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.LazyConv1d(6, 3, groups=2),
                nn.LazyInstanceNorm1d(),
                nn.LazyConvTranspose1d(4, 2, stride=2),
                nn.LazyBatchNorm1d(affine=False),
            )
            self.up = nn.LazyConvTranspose2d(3, 3, padding=1, bias=False)
            self.norm = nn.LazyInstanceNorm2d(affine=False, track_running_stats=False)
            self.conv3 = nn.LazyConv3d(2, 1)
            self.norm3 = nn.LazyBatchNorm3d()
            self.head = nn.Sequential(nn.Flatten(), nn.LazyLinear(5, bias=False))

        def forward(self, x):
            x = self.features(x)
            x = self.norm(self.up(x.unsqueeze(1)))
            x = self.norm3(self.conv3(x.unsqueeze(2)))
            return self.head(x)
""")

SHARED = src("""
    class Shared(nn.Module):  # macslint: input-size=5x8
        def __init__(self):
            super().__init__()
            self.fc = nn.LazyLinear(8)

        def forward(self, x):
            return self.fc(self.fc(x))
""")

UNBATCHED = src("""
    class Unbatched(nn.Module):  # macslint: input-size=9, batch-size=3
        def __init__(self):
            super().__init__()
            self.conv = nn.LazyConv1d(4, 2)
            self.norm = nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)

        def forward(self, x):
            return self.norm(self.conv(x))
""")


@pytest.mark.parametrize("source, name", [(CNN, "LazyNet"), (EVERY_KIND, "EveryKind"),
                                          (SHARED, "Shared"), (UNBATCHED, "Unbatched")])
def test_lazy_layers_count_as_torch_s_after_one_forward(source, name):
    """Totals, output and each leaf call (kind as torch's hooks see it after the call: the
    non-lazy class) are torch's; params are counted after the forward."""
    model = assert_matches_torch(source, name)
    assert all(not c.kind.startswith("Lazy") for c in model.calls)


def test_containers_count_their_lazy_layers_after_the_forward():
    model = trace(EVERY_KIND, "EveryKind")
    torch_net = torch_model(EVERY_KIND, "EveryKind").eval()
    with torch.device("meta"):
        torch_net(torch.zeros(1, 4, 12))
    for path in ("features", "head"):
        expected = sum(p.numel() for p in torch_net.get_submodule(path).parameters())
        assert model.containers[path] == ("Sequential", expected)


def test_each_construction_is_costed_by_its_traced_call():
    result = analyse(CNN)
    by_kind = {layer.kind: layer for layer in result.report.layers}
    conv = by_kind["LazyConv2d"]
    assert conv.params is None and "comes from the first call" in conv.reason
    assert conv.traced is not None and conv.traced["input"] == [2, 3, 16, 16]
    assert conv.traced["params"] == 8 * 3 * 9 + 8
    assert not codes(result, "MAC100")  # the model costs it


def test_a_later_call_of_another_size_raises_as_torch_does():
    source = src("""
        class TwoSizes(nn.Module):  # macslint: input-size=6
            def __init__(self):
                super().__init__()
                self.fc = nn.LazyLinear(4)

            def forward(self, x):
                return self.fc(torch.cat([self.fc(x), x], 1))
    """)
    assert torch_raises(source, "TwoSizes", (1, 6))
    result = analyse(source)
    model = [m for m in result.report.models if m.name == "TwoSizes"][0]
    assert model.macs is None
    (issue,) = codes(result, "MAC011")
    assert issue.line == line_of(source, "nn.LazyLinear(4)")
    assert "1x10" in issue.message


def test_a_first_input_torch_cannot_infer_from_is_a_shape_mismatch():
    source = src("""
        class WrongRank(nn.Module):  # macslint: input-size=3x8
            def __init__(self):
                super().__init__()
                self.conv = nn.LazyConv2d(4, 3)

            def forward(self, x):
                return self.conv(x.flatten())
    """)
    assert torch_raises(source, "WrongRank", (1, 3, 8))
    result = analyse(source)
    (issue,) = codes(result, "MAC011")
    assert "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d" in issue.message


def test_a_lazy_layer_forward_does_not_call_has_no_parameter_count():
    """torch cannot count it either: its parameters are uninitialized."""
    source = src("""
        class Unused(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)
                self.spare = nn.LazyLinear(4)

            def forward(self, x):
                return self.fc(x)
    """)
    torch_net = torch_model(source, "Unused")
    with pytest.raises(ValueError, match="uninitialized parameter"):
        sum(p.numel() for p in torch_net.parameters())
    model = trace(source, "Unused")
    assert model.params is None
    assert "LazyLinear(4) (line" in reasons(model)
    assert "comes from the first call" in reasons(model)


def test_its_size_reads_zero_before_the_first_call_and_the_inferred_size_after():
    source = src("""
        class Sizes(nn.Module):  # macslint: input-size=10
            def __init__(self):
                super().__init__()
                self.fc = nn.LazyLinear(20)
                self.before = self.fc.in_features

            def forward(self, x):
                y = self.fc(x)
                return y[:, self.before:self.fc.in_features + self.fc.out_features // 10]
    """)
    model = assert_matches_torch(source, "Sizes")
    assert model.output == (1, 12)


def test_attributes_before_and_after_the_first_call_are_torch_s():
    """Before: sizes 0, the arguments as the layer it becomes keeps them, the tensors torch
    registers as None None and num_batches_tracked a 0-d tensor; after: the inferred sizes."""
    source = src("""
        class Attrs(nn.Module):  # macslint: input-size=3x8x8
            def __init__(self):
                super().__init__()
                self.up = nn.LazyConvTranspose2d(4, 3, stride=2)
                self.bn = nn.LazyBatchNorm2d(affine=False)
                self.extra = int(self.up.transposed) + self.up.kernel_size[1] \\
                    + self.up.stride[0] + self.up.in_channels + self.bn.num_features \\
                    + (self.bn.weight is None) + len(self.up.output_padding) \\
                    + self.bn.num_batches_tracked.dim()

            def forward(self, x):
                y = self.bn(self.up(x))
                return y[:, :, : self.extra + self.up.in_channels + self.bn.num_features]
    """)
    model = assert_matches_torch(source, "Attrs")
    assert model.output == (1, 4, 16, 17)


def test_its_weight_before_the_first_call_is_not_known():
    """torch's is an UninitializedParameter: reading its shape raises in torch; macslint
    does not make one up."""
    source = src("""
        class EarlyWeight(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.LazyLinear(4)
                self.rows = self.fc.weight.shape[0]

            def forward(self, x):
                return self.fc(x)[:, :self.rows]
    """)
    model = trace(source, "EarlyWeight")
    assert model.macs is None and "before its first call" in reasons(model)


def test_a_first_call_under_a_condition_not_known_is_not_followed():
    """Which branch runs first decides its size in torch: neither its calls nor its
    parameters are counted, rather than the size of the branch that happens to come last."""
    source = src("""
        class Branchy(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.LazyLinear(4)

            def forward(self, x):
                if x.sum() > 0:
                    return self.fc(torch.cat([x, x], 1))
                return self.fc(x)
    """)
    model = trace(source, "Branchy")
    assert (model.params, model.macs) == (None, None)
    assert "LazyLinear(4) (line 11) is first called under a condition that is not known" \
        in reasons(model)
    assert "the parameters of LazyLinear(4) (line 11) are not known" in reasons(model)


def test_the_model_input_a_lazy_layer_took_can_still_misfit_later_layers():
    """A Lazy layer takes any size: its first call does not make the model's input proven
    (the default input that does not fit a later use of it is a reason, not MAC011)."""
    source = src("""
        class Residual(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.LazyLinear(16)

            def forward(self, x):
                return self.fc(x) + x
    """)
    result = analyse(source, input_size=(8,))
    assert not codes(result, "MAC011")
    model = [m for m in result.report.models if m.name == "Residual"][0]
    assert model.macs is None and "input size" in reasons(model)
    assert torch_raises(source, "Residual", (1, 8))
    assert_matches_torch(source, "Residual", input_size=(16,))


def test_a_subclass_of_a_lazy_layer_becomes_torch_s_non_lazy_class():
    """torch's first call sets the instance's class to `cls_to_become`: its hooks see a
    Linear, not the subclass."""
    source = src("""
        class Head(nn.LazyLinear):
            pass

        class WithSub(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.head = Head(4)

            def forward(self, x):
                return self.head(self.head(x)[:, :2].repeat(1, 4))
    """)
    model = trace(source, "WithSub")
    expected = torch_counts(source, "WithSub", (1, 8))
    assert (model.params, model.macs, model.output) == \
        (expected.params, expected.macs, expected.output)
    assert [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls] == \
        torch_leaf_calls(source, "WithSub", (1, 8))


def test_nn_modules_path_and_star_import_name_the_lazy_layers():
    source = src("""
        from torch.nn import LazyLinear

        class Paths(nn.Module):  # macslint: input-size=6
            def __init__(self):
                super().__init__()
                self.a = nn.modules.linear.LazyLinear(5)
                self.b = LazyLinear(3)

            def forward(self, x):
                return self.b(self.a(x))
    """)
    assert_matches_torch(source, "Paths")


def test_torch_nn_lazy_classes_are_the_catalogued_ones():
    from macslint.costmodel import LAYERS
    lazy = {name for name in vars(nn) if name.startswith("Lazy")
            and isinstance(getattr(nn, name), type) and issubclass(getattr(nn, name), nn.Module)}
    assert lazy == {name for name in LAYERS if name.startswith("Lazy")}
