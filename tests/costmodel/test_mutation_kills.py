"""Cases that kill mutants which survived the cost model's mutation run (benchmarks/mutation.py,
tests/mutation_survivors.md): each is checked against torch, built and run on zeros
(FlopCounterMode for the MACs), never against a number written here.

Where torch raises, the catalogue must raise too and its message must hold torch's own (its
first line, without the final full stop, up to ", but got:"): the messages are what a user
reads in MAC010/MAC011.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Sequence, Tuple

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from macslint.costmodel import FUNCTIONAL, LAYERS, TORCH_FUNCTIONS, LayerError, ShapeError

pytestmark = pytest.mark.filterwarnings("ignore")

Shape = Tuple[int, ...]


def _torch_outcome(run: Callable[[str], Any]) -> Tuple[str, Any]:
    """('ok', (shape, MACs)) or ('error', torch's message): run(device) builds the tensors."""
    try:
        expected = tuple(run("cpu").shape)
    except Exception as error:  # noqa: BLE001 - whatever torch raises is the verdict
        # the shapes after "but got" are formatted otherwise ("got:[1, 0]" / "got: [1, 0]")
        return "error", str(error).splitlines()[0].rstrip(".").split(", but got:")[0]
    with FlopCounterMode(display=False) as counter:
        assert tuple(run("meta").shape) == expected
    return "ok", (expected, counter.get_total_flops() // 2)


def _assert_agrees(truth: Tuple[str, Any], ours: Callable[[], Tuple[Shape, int]],
                   message: bool = True) -> None:
    """`message`: False where the catalogue words the same refusal its own way."""
    verdict, value = truth
    if verdict == "ok":
        out, macs = ours()
        assert (tuple(out), macs) == value
    else:
        with pytest.raises((LayerError, ShapeError)) as raised:
            ours()
        assert not message or value in str(raised.value), f"torch: {value!r}\nours:  {raised.value}"


# ---------------------------------------------------------------------------------- layers

LAYER_CASES = [
    # norm.py: GroupNorm's "more than one value per channel" is == 1, an empty batch passes
    ("GroupNorm", (2, 4), {}, (0, 4, 3)),
    ("GroupNorm", (1, 2), {}, (0, 2)),
    # ... and it counts the values of a group: batch * channels / groups * spatial
    ("GroupNorm", (1, 1), {}, (1, 1, 2)),
    ("GroupNorm", (2, 4), {}, (1, 4, 2)),
    ("GroupNorm", (2, 2), {}, (1, 2)),
    # ... channels past CPython's small-int cache, as distinct int objects (== is not `is`)
    ("GroupNorm", (2, int("300")), {}, (1, int("300"), 2)),
    # norm.py: the rank message of InstanceNorm{n}d
    ("InstanceNorm2d", (3,), {}, (3, 4)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 4, 5)),
    # norm.py: running_mean's size message, batched and unbatched
    ("InstanceNorm1d", (3,), {"track_running_stats": True}, (2, 4, 5)),
    ("InstanceNorm1d", (3,), {"track_running_stats": True}, (4, 5)),
    # activation.py: a layer that takes no argument, given two; PReLU's channel message
    ("Tanh", (1, 2), {}, (2,)),
    ("PReLU", (3,), {}, (2, 4)),
    # spec.py: an argument given twice, in Python's words
    ("Linear", (3, 4), {"in_features": 3}, (2, 3)),
    # conv.py: the channel and rank messages name the weight's shape and conv2d
    ("Conv2d", (2, 3, 1), {}, (1, 4, 5, 5)),
    ("Conv2d", (2, 3, 1), {}, (4, 5)),
    # conv.py: an empty batch skips the kernels' checks (zero dilation), 1d and 3d
    ("Conv1d", (2, 3, 3), {"dilation": 0}, (0, 2, 3)),
    ("Conv3d", (2, 3, 3), {"dilation": 0}, (0, 2, 3, 3, 3)),
    # pool.py: adaptive pools' rank message; resample.py: a mode for another rank
    ("AdaptiveAvgPool2d", ((None, 2),), {}, (4,)),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, (1, 2, 3)),
    ("Upsample", (), {"scale_factor": 2, "mode": "trilinear"}, (1, 2, 3, 3)),
    # pool.py: negative dilation is refused like zero (worded otherwise than torch's)
    ("MaxPool2d", (2,), {"dilation": -1}, (1, 1, 4, 4)),
    ("MaxPool1d", (3,), {"dilation": -2}, (1, 1, 9)),
    ("MaxPool3d", (2,), {"dilation": (1, -1, 1)}, (1, 1, 4, 4, 4)),
    # pool.py: the message for an empty non-batch dim
    ("MaxPool2d", (2,), {}, (1, 0, 4, 4)),
    ("AvgPool2d", (2,), {}, (3, 0, 4)),
    # pool.py: the "output size is too small" message (batched and unbatched)
    ("MaxPool2d", (3,), {}, (1, 2, 2, 5)),
    ("AvgPool2d", (3,), {}, (2, 2, 5)),
    # conv.py: a padding_mode on an input with an empty non-batch dim (batched)
    ("Conv2d", (2, 3, 1), {"padding": 1, "padding_mode": "reflect"}, (1, 2, 0, 3)),
    ("Conv1d", (2, 3, 1), {"padding": 1, "padding_mode": "replicate"}, (3, 2, 0)),
]


@pytest.mark.parametrize("name, pos, kw, shape", LAYER_CASES,
                         ids=[f"{c[0]}{c[1]}{c[2]}@{c[3]}" for c in LAYER_CASES])
def test_layer_agrees_with_torch(name: str, pos: Sequence[Any], kw: Dict[str, Any],
                                 shape: Shape) -> None:
    def run(device: str):
        return getattr(torch.nn, name)(*pos, **kw).to(device)(
            torch.zeros(shape, device=device))

    def ours():
        spec = LAYERS[name]
        args = spec.bind(tuple(pos), dict(kw))
        spec.check_args(args)
        spec.params(args)
        return spec.run(args, [shape])

    _assert_agrees(_torch_outcome(run), ours, message="dilation" not in kw)


# ------------------------------------------------------------------------------- functions

def _runtime(text: str) -> str:
    """The same string built at run time, not interned: `==` and `is` then differ."""
    return "".join(list(text))


PAD_CASES = [
    # functional.py: an empty batch passes the non-constant modes' check (2-D and 3-D pads)
    ((0, 2, 4, 5), (1, 1, 1, 1), "reflect"),
    ((0, 2, 3, 4, 5), (1, 1, 1, 1, 1, 1), "replicate"),
    # the message for an empty non-batch dim
    ((1, 0, 3), (1, 1), "reflect"),
    ((2, 0, 3, 3), (1, 1, 1, 1), "replicate"),
    # 8 values are not supported in a non-constant mode, whatever the rank
    ((1, 1, 2, 3, 4), (1,) * 8, "reflect"),
    ((1, 1, 1, 2, 3, 4), (1,) * 8, "replicate"),
    # circular padding wrapping around more than once, the mode built at run time
    ((1, 2, 4, 5), (6, 6, 1, 1), _runtime("circular")),
    ((1, 2, 4, 5), (1, 1, 5, 0), _runtime("circular")),
    ((1, 2, 4, 5), (5, 5, 4, 4), _runtime("circular")),
]


@pytest.mark.parametrize("shape, pad, mode", PAD_CASES,
                         ids=[f"pad{c[0]}{c[1]}{c[2]}" for c in PAD_CASES])
def test_pad_agrees_with_torch(shape: Shape, pad: Tuple[int, ...], mode: str) -> None:
    def run(device: str):
        return F.pad(torch.zeros(shape, device=device), pad, mode=mode)

    def ours():
        spec = FUNCTIONAL["pad"]
        return spec.run(spec.bind((shape, pad), {"mode": mode}))

    _assert_agrees(_torch_outcome(run), ours)


BMM_CASES = [((2, 3, 4), (2, 5, 6)), ((2, 3, 4), (3, 4, 6)), ((1, 3, 4), (1, 4, 2))]


@pytest.mark.parametrize("a, b", BMM_CASES, ids=[f"bmm{a}{b}" for a, b in BMM_CASES])
def test_bmm_agrees_with_torch(a: Shape, b: Shape) -> None:
    """matmul.py: the message names batch2's expected first two dims."""
    def run(device: str):
        return torch.bmm(torch.zeros(a, device=device), torch.zeros(b, device=device))

    def ours():
        spec = TORCH_FUNCTIONS["bmm"]
        return spec.run(spec.bind((a, b), {}))

    _assert_agrees(_torch_outcome(run), ours)


LINEAR_CASES = [
    ((2, 3), (5, 4), (5,)),    # folded to addmm: the message's mat2 is the weight transposed
    ((2, 3, 4), (5, 3), None),  # matmul: the input folded to 2-D in the message
    ((4, 3), (2, 3), (2,)),
    # sizes past CPython's small-int cache, as distinct int objects: == and `is` differ
    ((2, int("300")), (5, int("300")), (5,)),
    ((2, int("300")), (5, int("300")), None),
]


@pytest.mark.parametrize("x, w, b", LINEAR_CASES, ids=[f"linear{c}" for c in LINEAR_CASES])
def test_linear_agrees_with_torch(x: Shape, w: Shape, b) -> None:
    """matmul.py: F.linear's "cannot be multiplied" message, with and without a bias."""
    def run(device: str):
        bias = None if b is None else torch.zeros(b, device=device)
        return F.linear(torch.zeros(x, device=device), torch.zeros(w, device=device), bias)

    def ours():
        spec = FUNCTIONAL["linear"]
        return spec.run(spec.bind((x, w, b), {}))

    _assert_agrees(_torch_outcome(run), ours)


POOL_BOOL_CASES = [("MaxPool2d", (True,), {}), ("AvgPool1d", (2,), {"stride": True}),
                   ("MaxPool3d", (2,), {"padding": False})]


@pytest.mark.parametrize("name, pos, kw", POOL_BOOL_CASES,
                         ids=[f"{c[0]}{c[1]}{c[2]}" for c in POOL_BOOL_CASES])
def test_pool_bool_argument_names_torch_function(name: str, pos, kw) -> None:
    """pool.py: a bool size is refused under the name of torch's function (max_pool2d():)."""
    shape = (1, 1) + (4,) * int(name[-2])
    with pytest.raises(TypeError) as torch_error:
        getattr(torch.nn, name)(*pos, **kw)(torch.zeros(shape))
    spec = LAYERS[name]
    with pytest.raises(LayerError) as ours:
        args = spec.bind(tuple(pos), dict(kw))
        spec.check_args(args)
        spec.run(args, [shape])
    assert str(ours.value).startswith(str(torch_error.value).split(" ")[0])
