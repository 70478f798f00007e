"""The MACs of what ran before the trace stopped (issue 22: a detection model's backbone and
heads before its data-dependent boxes). torch stops at the same point on the meta device (a
`nonzero` has no data there, a raise is a raise): its FlopCounterMode count when it raises is
the number macslint must print as `macs_before_stop`."""

from __future__ import annotations

from typing import Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from tests.torchnn.tracer_helpers import analyse, src, the_model, torch_model, trace

PARTIAL = src("""
    class Net(nn.Module):
        def __init__(self, stop='nonzero'):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.head = nn.Linear(8, 4)
            self.late = nn.Linear(4, 4)
            self.stop = stop

        def forward(self, x):
            y = self.stem(x).mean((2, 3))
            z = self.head(y)
            w = torch.bmm(z[:, None], z[:, :, None])
            if self.stop == 'nonzero':
                keep = torch.where(z[0] > 0)[0]  # data-dependent: torch stops on meta
                v = self.late(z) @ self.late.weight  # after the stop: torch never gets here
                z = v[:, keep]
            elif self.stop == 'raises':
                raise ValueError('late')
            return self.late(z) + w[:, 0]


    def net_nonzero():  # macslint: input-size=3x8x8, batch-size=2
        return Net()


    def net_raises():  # macslint: input-size=3x8x8, batch-size=2
        return Net(stop='raises')
""")


def torch_count_until_it_stops(source: str, factory: str, shape: Tuple[int, ...]) -> int:
    """torch's MACs (flops / 2, meta device, eval mode) of a forward that raises, counted up
    to where it raises; the test fails if it does not."""
    model = torch_model(source, factory).eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        with pytest.raises(Exception):
            model(torch.zeros(shape, device="meta"))
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("factory", ["net_nonzero", "net_raises"])
def test_the_macs_before_the_trace_stopped_are_torchs(factory):
    model = trace(PARTIAL, factory)
    assert model.macs is None and model.reasons
    assert model.macs_before_stop == torch_count_until_it_stops(PARTIAL, factory, (2, 3, 8, 8))
    assert model.stopped_by == model.reasons[0]


def test_no_figure_before_a_stop_where_the_model_is_not_built_in_full():
    """A layer whose arguments are not known: what forward() runs is not sure from the start."""
    source = src("""
        import os


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, 4)
                self.b = nn.Linear(4, int(os.environ['WIDTH']))

            def forward(self, x):
                x = self.a(x)
                keep = torch.nonzero(x)
                return self.b(x[keep])
    """)
    model = trace(source, "Net")
    assert model.macs is None and model.macs_before_stop is None


def test_the_json_report_and_the_text_carry_it():
    from macslint.render.report_json import model_json
    from macslint.render.report_text import render_model

    model = the_model(analyse(PARTIAL), "net_nonzero")
    data = model_json(model, "flops")
    assert data["macs"] is None and data["macs_before_stop"] == model.macs_before_stop > 0
    assert data["flops_before_stop"] == 2 * data["macs_before_stop"]
    assert data["stopped_by"] == model.reasons[0]
    text = "\n".join(render_model("m.py", model))
    assert f"before the trace stopped: {model.macs_before_stop:,} MACs" in text


LIST_OF_IMAGES = src("""
    class Detector(nn.Module):  # macslint: inputs=[3x8x8], batch-size=2
        def __init__(self):
            super().__init__()
            self.backbone = nn.Conv2d(3, 4, 3)
            self.box_head = nn.Linear(4, 4)

        def forward(self, images):
            if not images[0].is_floating_point():
                raise TypeError('float images expected')
            x = torch.stack([img * 2 for img in images])
            scores = self.backbone(x).mean((2, 3))
            keep = torch.nonzero(scores.sum(1) > 0)[:, 0]  # the boxes depend on the data
            return self.box_head(scores[keep])
""")


def test_a_list_of_images_up_to_the_data_dependent_boxes():
    """A detection model's input (`inputs=[3x8x8]`: a list of `batch` images): traced up to
    the boxes, whose number depends on the data; the backbone's MACs are torch's."""
    model = trace(LIST_OF_IMAGES, "Detector")
    assert [(s.shape, s.dtype, s.listed) for s in model.inputs] == [((2, 3, 8, 8), "float32",
                                                                     True)]
    torch_net = torch_model(LIST_OF_IMAGES, "Detector").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        with pytest.raises(NotImplementedError):
            torch_net([torch.zeros(3, 8, 8, device="meta") for _ in range(2)])
    assert model.params == sum(p.numel() for p in torch_net.parameters())
    assert model.macs is None
    assert model.macs_before_stop == counter.get_total_flops() // 2 > 0


def test_no_figure_for_a_module_without_forward_and_no_line_for_zero():
    from macslint.render.report_text import render_model

    source = src("""
        class Bag(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)


        class Early(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                raise ValueError('not yet')
    """)
    result = analyse(source)
    assert the_model(result, "Bag").macs_before_stop is None
    early = the_model(result, "Early")
    assert early.macs_before_stop == 0
    assert "before the trace stopped" not in "\n".join(render_model("m.py", early))
