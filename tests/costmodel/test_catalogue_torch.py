"""Oracle tests for macslint.costmodel.catalogue: PyTorch is the source of truth, never our formulas.

For every case the real `torch.nn` module is built with the same arguments and run on a
zero tensor of the given shape under `torch.utils.flop_counter.FlopCounterMode`; the
catalogue must agree on the parameter count (sum of `numel` over `m.parameters()`), the
output shape and the MACs (= FlopCounterMode flops / 2).  Configurations torch rejects
(at construction or on the first call) must make the catalogue raise `LayerError`.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import typing
from typing import Any, Dict, List, Sequence, Tuple

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from macslint.costmodel import LAYERS, LayerError

# torch warns about zero-element initialisation, even 'same' kernels, implicit softmax dims...
pytestmark = pytest.mark.filterwarnings("ignore")

Shape = Tuple[int, ...]


# _one_thread (torch on one thread per module): tests/costmodel/conftest.py


# ---------------------------------------------------------------------------
# Helpers

# Layers whose inputs are indices (torch.long), not floats.
INDEX_INPUT = {"Embedding", "EmbeddingBag"}
# Layers whose second input is a max pool's indices (torch.long): the unpools.
INDICES_SECOND = {"MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"}


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ",".join(_fmt(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ",".join(_fmt(v) for v in value) + "]"
    return repr(value)


def case(name: str, pos: Sequence[Any], kw: Dict[str, Any], *shapes: Shape, **marks: Any):
    """One pytest.param with a readable id: Conv2d(4,6,3,groups=2)@(2,4,7,6)."""
    args = [_fmt(p) for p in pos] + [f"{k}={_fmt(v)}" for k, v in kw.items()]
    ident = f"{name}({','.join(args)})@" + "&".join(_fmt(tuple(s)) for s in shapes)
    return pytest.param(name, tuple(pos), dict(kw), [tuple(s) for s in shapes], id=ident,
                        **marks)


def torch_module(name: str, pos: Sequence[Any], kw: Dict[str, Any]) -> torch.nn.Module:
    return getattr(torch.nn, name)(*pos, **kw)


def torch_inputs(name: str, shapes: Sequence[Shape], device: str = "cpu") -> List[torch.Tensor]:
    dtype = torch.long if name in INDEX_INPUT else torch.float32
    return [torch.zeros(shape, device=device,
                        dtype=torch.long if i == 1 and name in INDICES_SECOND else dtype)
            for i, shape in enumerate(shapes)]


def torch_call(name: str, pos, kw, shapes, *, native: bool = False) -> torch.Tensor:
    """Build the module and call it once, in plain eager mode (the arbiter of validity:
    FlopCounterMode lets some invalid calls through, e.g. Upsample to an empty size).
    `native`: bypass oneDNN, whose CPU kernels skip some of torch's shape checks."""
    with torch.backends.mkldnn.flags(enabled=not native):
        module = torch_module(name, pos, kw)
        return module(*torch_inputs(name, shapes))


def first_tensor(y: Any) -> torch.Tensor:
    """A layer's output: the first of a tuple (a pool's (output, indices) with
    return_indices=True), whose indices have its shape (costmodel.output_count)."""
    if isinstance(y, tuple):
        assert len(y) == 2 and y[0].shape == y[1].shape and y[1].dtype == torch.long
        return y[0]
    return y


def torch_truth(name: str, pos, kw, shapes) -> Tuple[int, Shape, int]:
    """(params, output shape, MACs) as torch sees them."""
    module = torch_module(name, pos, kw)
    inputs = torch_inputs(name, shapes)
    shape = tuple(first_tensor(module(*inputs)).shape)
    with FlopCounterMode(display=False) as counter:
        y = first_tensor(module(*inputs))
    assert tuple(y.shape) == shape
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    params = sum(p.numel() for p in module.parameters())
    return params, shape, flops // 2


def catalogue_answer(name: str, pos, kw, shapes) -> Tuple[int, Shape, int]:
    spec = LAYERS[name]
    args = spec.bind(pos, kw)
    spec.check_args(args)
    params = spec.params(args)
    out, macs = spec.run(args, [tuple(s) for s in shapes])
    return params, tuple(out), macs


def assert_matches_torch(name, pos, kw, shapes) -> None:
    expected = torch_truth(name, pos, kw, shapes)
    got = catalogue_answer(name, pos, kw, shapes)
    assert got == expected, f"catalogue (params, shape, MACs) {got} != torch {expected}"


# ---------------------------------------------------------------------------
# 1. Signatures


def _torch_signature(name: str) -> inspect.Signature:
    """torch's constructor signature; where `__init__` takes `(*args, **kwargs)` and passes them
    on (RNN, LSTM, GRU to RNNBase), the signature its typing overload documents."""
    init = getattr(torch.nn, name).__init__
    documented = [o for o in typing.get_overloads(init)
                  if any(p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
                         for p in inspect.signature(o).parameters.values())]
    sig = inspect.signature(documented[0] if documented else init)
    params = list(sig.parameters.values())
    assert params[0].name == "self"
    return sig.replace(parameters=params[1:])


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_signature_matches_torch(name):
    ours = [(p.name, p.kind, p.default) for p in LAYERS[name].signature.parameters.values()]
    theirs = [(p.name, p.kind, p.default) for p in _torch_signature(name).parameters.values()]
    assert [(n, k) for n, k, _ in ours] == [(n, k) for n, k, _ in theirs]
    for (pname, _, mine), (_, _, real) in zip(ours, theirs):
        if callable(real) and pname == "activation":
            # the Transformer layers' default, F.relu: the catalogue (no torch in it) writes
            # "relu", the string torch's constructor maps to that very function
            from torch.nn.modules.transformer import _get_activation_fn
            assert _get_activation_fn(mine) is real, f"default of {pname}: {mine!r} != {real!r}"
            continue
        assert type(mine) is type(real) and mine == real, \
            f"default of {pname}: {mine!r} != {real!r}"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_module_path_matches_torch(name):
    spec = LAYERS[name]
    assert spec.name == name
    module = importlib.import_module("torch.nn.modules." + spec.module)
    assert getattr(module, spec.name, None) is getattr(torch.nn, name)


# ---------------------------------------------------------------------------
# 2. Valid configurations

MODES = ("zeros", "reflect", "replicate", "circular")


def _conv_cases() -> list:
    cases = []
    spatial = {1: (9,), 2: (7, 6), 3: (5, 6, 4)}
    nonsquare_kernel = {1: (2,), 2: (3, 1), 3: (3, 1, 2)}
    channel_groups = [(2, 4, 1), (4, 6, 2), (4, 4, 4), (3, 6, 3)]  # plain, grouped, depthwise
    for n in (1, 2, 3):
        tup = lambda values: tuple(values[:n])  # noqa: E731
        kernels = [1, 2, 3, nonsquare_kernel[n], list(nonsquare_kernel[n])]
        # (stride, padding, dilation)
        geometry = [
            (1, 0, 1), (2, 0, 1), (1, 1, 1), (3, 1, 1), (1, "same", 1), (1, "same", 2),
            (1, "valid", 1), (2, 1, 2), (tup((2, 1, 3)), tup((1, 0, 2)), 1),
            (1, tup((1, 2, 0)), tup((2, 1, 1))), ((1,) * n, "same", tup((1, 2, 1))),
        ]
        for i, ((cin, cout, g), kernel, (stride, padding, dilation)) in enumerate(
            itertools.product(channel_groups, kernels, geometry)
        ):
            kw: Dict[str, Any] = {}
            if stride != 1:
                kw["stride"] = stride
            if padding != 0:
                kw["padding"] = padding
            if dilation != 1:
                kw["dilation"] = dilation
            if g != 1:
                kw["groups"] = g
            if i % 3 == 1:
                kw["bias"] = False
            mode = MODES[(i // 2) % 4]
            if mode != "zeros":
                kw["padding_mode"] = mode
            batch = 1 + i % 2
            cases.append(case(f"Conv{n}d", (cin, cout, kernel), kw, (batch, cin, *spatial[n])))
    # batch > 2, unbatched input, keyword-only construction
    cases += [
        case("Conv2d", (3, 8, 3), {"stride": 2, "padding": 1}, (4, 3, 8, 8)),
        case("Conv2d", (), {"in_channels": 3, "out_channels": 8, "kernel_size": (3, 5)},
             (2, 3, 9, 9)),
        case("Conv1d", (2, 4, 3), {"padding": "same", "padding_mode": "circular"}, (3, 2, 3)),
        case("Conv2d", (2, 4, 3), {"padding": 2, "padding_mode": "circular"}, (1, 2, 2, 2)),
        case("Conv2d", (2, 4, 3), {"padding": 1, "padding_mode": "replicate"}, (1, 2, 1, 1)),
        case("Conv3d", (2, 2, 3), {"padding": 1, "padding_mode": "reflect"}, (1, 2, 2, 2, 2)),
    ]
    return cases


def _conv_transpose_cases() -> list:
    cases = []
    spatial = {1: (5,), 2: (4, 3), 3: (3, 4, 3)}
    nonsquare_kernel = {1: (2,), 2: (3, 1), 3: (3, 1, 2)}
    channel_groups = [(2, 4, 1), (4, 6, 2), (4, 4, 4), (6, 3, 3)]
    for n in (1, 2, 3):
        tup = lambda values: tuple(values[:n])  # noqa: E731
        kernels = [1, 2, 3, nonsquare_kernel[n]]
        # (stride, padding, output_padding, dilation)
        geometry = [
            (1, 0, 0, 1), (2, 0, 1, 1), (2, 1, 1, 1), (3, 1, 2, 1), (1, 0, 1, 2),
            (2, 1, 0, 2), (tup((2, 1, 3)), tup((1, 0, 0)), tup((1, 0, 2)), 1),
            (1, tup((0, 1, 1)), 0, tup((2, 1, 3))),
        ]
        for i, ((cin, cout, g), kernel, (stride, padding, out_pad, dilation)) in enumerate(
            itertools.product(channel_groups, kernels, geometry)
        ):
            kw: Dict[str, Any] = {}
            for key, value, default in (("stride", stride, 1), ("padding", padding, 0),
                                        ("output_padding", out_pad, 0), ("groups", g, 1),
                                        ("dilation", dilation, 1)):
                if value != default:
                    kw[key] = value
            if i % 3 == 2:
                kw["bias"] = False
            batch = 1 + i % 2
            cases.append(
                case(f"ConvTranspose{n}d", (cin, cout, kernel), kw, (batch, cin, *spatial[n]))
            )
    cases += [
        # positional all the way down to dilation
        case("ConvTranspose2d", (4, 2, 3, 2, 1, 1, 2, False, 1), {}, (2, 4, 3, 3)),
        case("ConvTranspose1d", (2, 3, 4), {"stride": 4, "padding_mode": "zeros"}, (1, 2, 3)),
    ]
    return cases


def _linear_cases() -> list:
    cases = []
    for (cin, cout), bias, lead in itertools.product(
        [(1, 1), (3, 5), (8, 2)], (True, False), [(), (2,), (1,), (2, 3), (2, 1, 3)]
    ):
        kw = {} if bias else {"bias": False}
        cases.append(case("Linear", (cin, cout), kw, (*lead, cin)))
    return cases


def _norm_cases() -> list:
    cases = []
    for n in (1, 2, 3):
        shapes = {1: [(2, 4), (3, 4, 5)], 2: [(2, 4, 3, 5)], 3: [(2, 4, 3, 2, 3)]}[n]
        for shape, (affine, bias, track) in itertools.product(
            shapes, [(True, True, True), (False, True, True), (True, False, True),
                     (True, True, False), (False, True, False)]
        ):
            kw: Dict[str, Any] = {}
            if not affine:
                kw["affine"] = False
            if not bias:
                kw["bias"] = False
            if not track:
                kw["track_running_stats"] = False
            cases.append(case(f"BatchNorm{n}d", (4,), kw, shape))
        batched = {1: (2, 4, 5), 2: (2, 4, 3, 5), 3: (1, 4, 3, 2, 3)}[n]
        for shape, (affine, bias, track) in itertools.product(
            [batched, batched[1:]],
            [(False, True, False), (True, True, False), (True, False, False),
             (False, True, True), (True, True, True)],
        ):
            kw = {}
            if affine:
                kw["affine"] = True
            if not bias:
                kw["bias"] = False
            if track:
                kw["track_running_stats"] = True
            cases.append(case(f"InstanceNorm{n}d", (4,), kw, shape))
    for shape_arg, x in [(5, (5,)), (5, (2, 5)), (5, (2, 3, 5)), ((3, 5), (2, 3, 5)),
                         ([2, 3, 5], (2, 3, 5)), ((4, 2, 3), (1, 4, 2, 3))]:
        for kw in ({}, {"elementwise_affine": False}, {"bias": False},
                   {"elementwise_affine": False, "bias": False}):
            cases.append(case("LayerNorm", (shape_arg,), kw, x))
    for (groups, channels), x_tail, kw in itertools.product(
        [(1, 6), (2, 6), (3, 6), (6, 6)], [(), (4,), (3, 2)],
        [{}, {"affine": False}, {"bias": False}],
    ):
        cases.append(case("GroupNorm", (groups, channels), kw, (2, channels, *x_tail)))
    return cases


def _embedding_cases() -> list:
    cases = []
    for (num, dim), padding_idx, x in itertools.product(
        [(10, 3), (1, 7)], (None, 0, -1), [(), (5,), (2, 5), (2, 3, 4)]
    ):
        kw = {} if padding_idx is None else {"padding_idx": padding_idx}
        cases.append(case("Embedding", (num, dim), kw, x))
    cases.append(case("Embedding", (10, 3), {"max_norm": 1.0, "sparse": True}, (2, 4)))
    for mode, padding_idx, x in itertools.product(
        ("sum", "mean", "max"), (None, 2), [(1, 1), (2, 5), (3, 2)]
    ):
        kw: Dict[str, Any] = {"mode": mode}
        if padding_idx is not None:
            kw["padding_idx"] = padding_idx
        cases.append(case("EmbeddingBag", (10, 4), kw, x))
    cases.append(case("EmbeddingBag", (10, 4), {"include_last_offset": True}, (2, 3)))
    return cases


def _prelu_cases() -> list:
    return [
        case("PReLU", (), {}, (2, 3, 4, 5)),
        case("PReLU", (), {}, (5,)),
        case("PReLU", (1,), {}, ()),
        case("PReLU", (3,), {}, (2, 3)),
        case("PReLU", (3,), {"init": 0.1}, (2, 3, 4, 5)),
        case("PReLU", (), {"num_parameters": 4}, (1, 4, 2)),
    ]


def _pool_cases() -> list:
    cases = []
    # 1d: every combination; includes ceil_mode windows that would start in the padding
    for kind, kernel, stride, padding, dilation, ceil, size in itertools.product(
        ("Max", "Avg"), (1, 2, 3), (None, 1, 2, 3), (0, 1), (1, 2), (False, True), (5, 6, 7)
    ):
        if padding > kernel // 2 or (kind == "Avg" and dilation != 1):
            continue
        kw: Dict[str, Any] = {}
        if stride is not None:
            kw["stride"] = stride
        if padding:
            kw["padding"] = padding
        if dilation != 1:
            kw["dilation"] = dilation
        if ceil:
            kw["ceil_mode"] = True
        x = (2, 3, size) if size != 6 else (3, size)  # one unbatched size
        cases.append(case(f"{kind}Pool1d", (kernel,), kw, x))
    for n in (2, 3):
        x = {2: (2, 3, 7, 6), 3: (1, 2, 5, 6, 7)}[n]
        kernels = [2, 3, (3, 2, 1)[:n], [2] * n]
        strides = [None, 2, (2, 1, 3)[:n], (2,)]
        for kind, kernel, stride, padding, ceil in itertools.product(
            ("Max", "Avg"), kernels, strides, (0, 1), (False, True)
        ):
            ks = kernel if isinstance(kernel, (tuple, list)) else (kernel,) * n
            if padding > min(ks) // 2:
                continue
            kw = {}
            if stride is not None:
                kw["stride"] = stride
            if padding:
                kw["padding"] = padding
            if ceil:
                kw["ceil_mode"] = True
            cases.append(case(f"{kind}Pool{n}d", (kernel,), kw, x))
        cases += [
            case(f"MaxPool{n}d", (3,), {"stride": 2, "padding": 1, "dilation": 2}, x),
            case(f"MaxPool{n}d", (2,), {"padding": 1, "dilation": (2, 1, 3)[:n],
                                        "ceil_mode": True}, x),
            case(f"AvgPool{n}d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False,
                                        "divisor_override": 2}, x),
            case(f"MaxPool{n}d", (2,), {}, x[1:]),  # unbatched
        ]
    cases += [
        # the last window would start inside the right padding: ceil_mode drops it
        case("MaxPool1d", (2,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 1, 5)),
        case("AvgPool1d", (2,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 1, 5)),
        case("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 1, 5, 5)),
        case("AvgPool2d", (2,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 1, 5, 6)),
        case("MaxPool3d", (2,), {"stride": 2, "padding": 1, "ceil_mode": True},
             (1, 1, 5, 6, 7)),
        case("AvgPool3d", (3,), {"stride": 3, "padding": 1, "ceil_mode": True},
             (1, 1, 4, 5, 7)),
        case("MaxPool1d", (3,), {"stride": 3, "ceil_mode": True}, (1, 2, 7)),
    ]
    for n in (1, 2, 3):
        x = {1: (2, 3, 9), 2: (2, 3, 9, 7), 3: (1, 2, 5, 6, 7)}[n]
        sizes = [1, 3, 4, 12, (5, None, 2)[:n] if n > 1 else (4,), [2] * n]
        if n > 1:
            sizes.append((None,) * n)
        for kind, size in itertools.product(("Avg", "Max"), sizes):
            cases.append(case(f"Adaptive{kind}Pool{n}d", (size,), {}, x))
        cases.append(case(f"AdaptiveAvgPool{n}d", (2,), {}, x[1:]))  # unbatched
        cases.append(case(f"AdaptiveMaxPool{n}d", (), {"output_size": 2}, x[1:]))
    return cases


def _reshape_cases() -> list:
    cases = []
    x = (2, 3, 4, 5)
    for start, end in itertools.product((0, 1, 2, -1, -3), (-1, 1, 2, 3)):
        if (start % 4) <= (end % 4):
            cases.append(case("Flatten", (start, end), {}, x))
    cases += [
        case("Flatten", (), {}, (2, 3)),
        case("Flatten", (), {}, (7, 1, 1)),
        case("Flatten", (0,), {}, (3,)),
        case("Flatten", (0, 0), {}, ()),
    ]
    for dim, sizes, shape in [
        (1, (2, 6), (2, 12)), (1, (2, -1), (2, 12)), (1, (-1, 4), (2, 12)), (-1, (3, 4), (2, 12)),
        (1, [3, 2, 2], (2, 12)), (0, (1, 2, -1), (6, 5)), (2, (5, 1), (2, 3, 5)),
        (1, (1, -1, 1), (2, 3, 5)), (-2, (3, 1), (2, 3, 5)), (1, (12,), (2, 12)),
        (1, (0, 4), (2, 0)),
    ]:
        cases.append(case("Unflatten", (dim, sizes), {}, shape))
    return cases


def _upsample_cases() -> list:
    cases = []
    inputs = {"linear": (2, 3, 5), "bilinear": (1, 2, 5, 3), "bicubic": (1, 2, 5, 3),
              "trilinear": (1, 2, 3, 5, 3)}
    for mode, x in [("nearest", (2, 3, 5)), ("nearest", (1, 2, 5, 3)),
                    ("nearest", (1, 2, 3, 5, 3)), ("nearest-exact", (1, 2, 5, 3)),
                    ("area", (1, 2, 5, 3)), *inputs.items()]:
        n = len(x) - 2
        options = [{"size": 4}, {"size": (7, 4, 3)[:n]}, {"size": [2, 9, 1][:n]},
                   {"scale_factor": 2}, {"scale_factor": 1.5}, {"scale_factor": 0.5},
                   {"scale_factor": (1.5, 2.0, 0.7)[:n]},
                   {"scale_factor": 1.7, "recompute_scale_factor": True}]
        for kw in options:
            kw = {**kw, "mode": mode} if mode != "nearest" else dict(kw)
            cases.append(case("Upsample", (), kw, x))
        if mode in inputs:
            cases.append(case("Upsample", (), {"scale_factor": 2, "mode": mode,
                                               "align_corners": True}, x))
    cases.append(case("Upsample", (6,), {}, (1, 1, 2, 3)))
    cases.append(case("Upsample", (None, 3), {}, (1, 1, 2, 3)))
    return cases


PAD_KINDS = ("ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad")


def _pad_args(kind: str, padding: Any) -> tuple:
    return (padding, 2.5) if kind == "ConstantPad" else (padding,)


def _padding_cases() -> list:
    cases = []
    spatial = {1: (5,), 2: (4, 5), 3: (3, 4, 5)}
    for kind, n in itertools.product(PAD_KINDS, (1, 2, 3)):
        name = f"{kind}{n}d"
        paddings = [0, 1, 2, (1, 2, 0, 3, 2, 1)[:2 * n], [2, 0, 1, 1, 0, 2][:2 * n],
                    (-1, 2, 1, -1, 0, 1)[:2 * n], -1]
        for i, padding in enumerate(paddings):
            x = spatial[n]
            lead = [(2, 3), (3,), (1, 2), (0, 2)][i % 4]  # batched, unbatched, empty batch
            cases.append(case(name, _pad_args(kind, padding), {}, (*lead, *x)))
        # a tuple of 2 values pads the last dim only (F.pad applies it to as many dims)
        if name != "CircularPad3d":
            cases.append(case(name, _pad_args(kind, (1, 1)), {}, (2, 3, 5)))
    cases += [
        case("ConstantPad2d", (), {"padding": 1, "value": -1}, (2, 3, 4, 4)),
        case("ConstantPad1d", (2, None), {}, (2, 3, 4)),
        case("ConstantPad3d", ((1, 1),), {"value": True}, (7,)),
        case("ZeroPad2d", (1,), {}, (3, 4)),  # any rank: constant padding checks none
        case("ZeroPad2d", ((1, 2),), {}, (2, 3, 4, 5, 6)),
        case("ZeroPad1d", ((),), {}, (2, 3)),
        case("ZeroPad3d", ((1, 1, 1, 1, 1, 1, 1, 1),), {}, (3, 3, 3, 3)),
        case("ZeroPad1d", (-2,), {}, (1, 3, 4)),  # cropped to nothing
        case("ZeroPad2d", (1,), {}, (2, 0, 0, 3)),
        case("ReflectionPad1d", ((-3, 1),), {}, (2, 3, 3)),
        case("ReflectionPad2d", ((1, 1, 1, 1, 1, 1),), {}, (2, 3, 3, 3)),
        case("ReflectionPad3d", ((-1, -1, 0, 0, -1, -1),), {}, (2, 3, 2, 3, 2)),
        case("ReplicationPad1d", (5,), {}, (2, 3, 1)),
        case("ReplicationPad2d", ((-1, -1, -1, -1),), {}, (2, 3, 3, 2)),
        case("CircularPad1d", (3,), {}, (2, 3, 3)),
        case("CircularPad1d", ((-3, 0),), {}, (2, 3, 3)),
        case("CircularPad1d", ((2, -5),), {}, (1, 1, 3)),
        case("CircularPad1d", ((3, -2),), {}, (2, 4)),  # a copy onto itself torch cannot see
        case("CircularPad1d", ((-1, 3),), {}, (2, 3, 3)),
        case("CircularPad2d", ((-1, 3, 2, -2),), {}, (2, 3, 3, 3)),
        case("CircularPad2d", ((-1, -1, -1, -1),), {}, (2, 3, 2, 2)),
        case("CircularPad1d", (1,), {}, (2, 0, 3)),
        case("CircularPad3d", (1,), {}, (2, 3, 2, 2)),
    ]
    return cases


def _shuffle_cases() -> list:
    cases = []
    for r, lead in itertools.product((1, 2, 3), [(), (2,), (2, 3)]):
        cases.append(case("PixelShuffle", (r,), {}, (*lead, 2 * r * r, 3, 4)))
        cases.append(case("PixelUnshuffle", (r,), {}, (*lead, 2, 2 * r, 3 * r)))
    cases += [
        case("PixelShuffle", (), {"upscale_factor": 2}, (0, 8, 2, 2)),
        case("PixelShuffle", (2,), {}, (1, 0, 3, 4)),
        case("PixelUnshuffle", (), {"downscale_factor": 2}, (0, 4, 4)),
        case("PixelUnshuffle", (2,), {}, (1, 0, 4)),  # torch's CPU kernel returns it as it is
        case("PixelUnshuffle", (3,), {}, (0, 0, 0)),
    ]
    return cases


# -- issue 21: the other torch.nn layers

def _more_norm_cases() -> list:
    cases = []
    shapes = [(2, 4, 5), (2, 4, 5, 6), (1, 3, 2, 2, 2), (2, 3, 2, 2, 1, 2), (3, 1, 1)]
    for size, x in itertools.product((1, 2, 3, 5), shapes):
        cases.append(case("LocalResponseNorm", (size,), {}, x))
        if len(x) == 4:
            cases.append(case("CrossMapLRN2d", (size,), {}, x))
    cases += [
        case("LocalResponseNorm", (2,), {"alpha": 1e-3, "beta": 0.5, "k": 2.0}, (2, 4, 5, 6)),
        case("LocalResponseNorm", (), {"size": 4}, (0, 3, 5)),
        case("CrossMapLRN2d", (3, 1e-3, 0.5, 2), {}, (2, 4, 5, 6)),
        case("CrossMapLRN2d", (), {"size": 5, "k": 2.0}, (1, 1, 3, 3)),
        case("CrossMapLRN2d", (2,), {}, (0, 2, 3, 3)),
        case("CrossMapLRN2d", (4,), {}, (2, 3, 0, 3)),
    ]
    for shape_arg, x in [(5, (5,)), (5, (2, 5)), (5, (2, 3, 5)), ((3, 5), (2, 3, 5)),
                         ([2, 3, 5], (2, 3, 5)), ((4, 2, 3), (1, 4, 2, 3)), ((3, 5), (3, 5))]:
        for kw in ({}, {"elementwise_affine": False}, {"eps": 1e-6}):
            cases.append(case("RMSNorm", (shape_arg,), kw, x))
    for x, kw in itertools.product(
        [(2, 4), (2, 4, 3), (2, 4, 3, 3), (1, 4, 2, 2, 2), (2, 4, 2, 1, 2, 1)],
        [{}, {"affine": False}, {"bias": False}, {"track_running_stats": False},
         {"momentum": None, "process_group": None}, {"affine": False,
                                                     "track_running_stats": False}],
    ):
        cases.append(case("SyncBatchNorm", (4,), kw, x))
    cases.append(case("SyncBatchNorm", (4, 1e-3, 0.2, True, True, None), {}, (0, 4, 3)))
    return cases


def _glu_cases() -> list:
    return [
        case("GLU", (), {}, (2, 4)),
        case("GLU", (), {}, (6,)),
        case("GLU", (), {}, (2, 3, 8)),
        case("GLU", (), {}, (0,)),
        case("GLU", (0,), {}, (4, 3)),
        case("GLU", (1,), {}, (2, 6, 5)),
        case("GLU", (), {"dim": -2}, (3, 4, 5)),
        case("GLU", (2,), {}, (1, 3, 2, 5)),
    ]


def _channel_shuffle_cases() -> list:
    cases = []
    for groups, x in itertools.product((1, 2, 3), [(2, 6, 3), (2, 6, 3, 4), (1, 6, 2, 2, 2),
                                                   (0, 6, 3), (2, 6, 0)]):
        cases.append(case("ChannelShuffle", (groups,), {}, x))
    cases.append(case("ChannelShuffle", (), {"groups": 2}, (2, 0, 3)))
    return cases


def _lp_pool_cases() -> list:
    cases = []
    inf = float("inf")
    for norm, kernel, kw, x in itertools.product(
        (2, 1.5, inf, -inf), (2, 3),
        [{}, {"stride": 1}, {"stride": 2}, {"stride": (2,)}, {"ceil_mode": True},
         {"stride": 2, "ceil_mode": True}],
        [(2, 3, 7), (3, 8)],
    ):
        cases.append(case("LPPool1d", (norm, kernel), kw, x))
    for norm, kernel, kw, x in itertools.product(
        (2, 3.0, inf), (2, (3, 2), [2, 2], (3, True)),
        [{}, {"stride": 2}, {"stride": (2, 1)}, {"stride": (1,)}, {"ceil_mode": True}],
        [(2, 3, 7, 6), (3, 7, 6)],
    ):
        cases.append(case("LPPool2d", (norm, kernel), kw, x))
    for norm, kernel, kw, x in itertools.product(
        (2, inf), (2, (3, 2, 1)), [{}, {"stride": 1}, {"stride": (2, 1, 2), "ceil_mode": True}],
        [(1, 2, 5, 4, 6), (2, 5, 4, 6)],
    ):
        cases.append(case("LPPool3d", (norm, kernel), kw, x))
    cases += [
        case("LPPool1d", (True, 2), {}, (2, 3, 5)),
        case("LPPool1d", (2, 3), {}, (0, 3, 7)),
        case("LPPool1d", (inf, (3,)), {}, (2, 3, 7)),
        case("LPPool2d", (), {"norm_type": 2, "kernel_size": 2, "stride": None}, (0, 3, 4, 4)),
    ]
    return cases


def _fractional_pool_cases() -> list:
    cases = []
    for kernel, kw, x in itertools.product(
        (2, (2, 3), [1, 2]),
        [{"output_size": 3}, {"output_size": (3, 2)}, {"output_size": [2, 4]},
         {"output_size": (3, True)}, {"output_size": 0}, {"output_ratio": 0.5},
         {"output_ratio": (0.5, 0.3)}, {"output_ratio": 0.1},
         {"output_size": 2, "return_indices": True}],
        [(2, 3, 7, 6), (3, 7, 6), (0, 3, 7, 6)],
    ):
        cases.append(case("FractionalMaxPool2d", (kernel,), kw, x))
    for kernel, kw, x in itertools.product(
        (2, (3, 2, 1)),
        [{"output_size": 2}, {"output_size": (2, 2, 1)}, {"output_ratio": 0.5},
         {"output_ratio": (0.5, 0.3, 0.7, 0.9)}, {"output_size": 2, "return_indices": True}],
        [(1, 2, 5, 6, 7), (2, 5, 6, 7), (0, 2, 5, 6, 7)],
    ):
        cases.append(case("FractionalMaxPool3d", (kernel,), kw, x))
    return cases


def _unpool_cases() -> list:
    cases = []
    inputs = {1: [(2, 3, 4), (3, 4), (0, 3, 4)], 2: [(2, 3, 4, 3), (3, 4, 3), (0, 3, 4, 3)],
              3: [(1, 2, 3, 4, 3), (2, 3, 4, 3), (0, 2, 3, 4, 3)]}
    for n in (1, 2, 3):
        geometry = [((2,), {}), ((3, 2, 1), {}), ((3,), {"stride": 1}), ((1,), {"stride": 3}),
                    ((2,), {"padding": 1}), (((2,) * n,), {"stride": (1, 2, 3)[:n]}),
                    ((), {"kernel_size": (3, 2, 2)[:n], "padding": (1, 0, 1)[:n]})]
        for (pos, kw), x in itertools.product(geometry, inputs[n]):
            cases.append(case(f"MaxUnpool{n}d", pos, kw, x, x))
    cases += [
        case("MaxUnpool1d", ((2,),), {}, (2, 3, 4), (2, 3, 4)),
        case("MaxUnpool1d", (True,), {}, (2, 3, 4), (2, 3, 4)),
        case("MaxUnpool2d", (2,), {"padding": -1}, (2, 3, 1, 3), (2, 3, 1, 3)),
        case("MaxUnpool2d", (2,), {"stride": (1, 2, 3)}, (2, 3, 4, 3), (2, 3, 4, 3)),
        case("MaxUnpool3d", (2,), {"padding": -1}, (3, 2, 2, 2), (3, 2, 2, 2)),
    ]
    return cases


def _fold_cases() -> list:
    cases = []
    for kernel, kw, x in itertools.product(
        (1, 2, (2, 3), [3, 1]),
        [{}, {"stride": 2}, {"padding": 1}, {"dilation": 2}, {"stride": (2, 1), "padding": (0, 1)},
         {"dilation": (1, 2), "padding": 1, "stride": 3}],
        [(2, 3, 6, 5), (3, 6, 5), (0, 3, 6, 5)],
    ):
        cases.append(case("Unfold", (kernel,), kw, x))
        # Fold takes back what Unfold gives
        y = tuple(torch_call("Unfold", (kernel,), kw, [x]).shape)
        cases.append(case("Fold", ((6, 5), kernel), kw, y))
    cases += [
        case("Fold", (4, 2), {}, (2, 12, 9)),
        case("Fold", ([4, 5],), {"kernel_size": 2, "stride": (1, True)}, (12, 12)),
        case("Fold", (1, 2), {"padding": 1}, (2, 4, 4)),
        case("Unfold", ((2, True),), {}, (2, 3, 4, 5)),
    ]
    return cases


def _upsampling_cases() -> list:
    cases = []
    for name, kw, x in itertools.product(
        ("UpsamplingNearest2d", "UpsamplingBilinear2d"),
        [{"scale_factor": 2}, {"scale_factor": 1.5}, {"scale_factor": (2, 1.5)},
         {"size": (3, 7)}, {"size": 3}, {"size": [5, 2]}, {"scale_factor": True}],
        [(2, 3, 4, 5), (0, 3, 4, 5)],
    ):
        cases.append(case(name, (), kw, x))
    cases += [
        case("UpsamplingNearest2d", (6,), {}, (1, 2, 3)),  # any Upsample rank: 'nearest'
        case("UpsamplingNearest2d", (None, 2), {}, (1, 2, 3, 4, 5)),
        case("UpsamplingBilinear2d", ((4, 4),), {}, (1, 1, 2, 2)),
    ]
    return cases


ISSUE_21 = frozenset({
    "LocalResponseNorm", "CrossMapLRN2d", "RMSNorm", "SyncBatchNorm", "GLU", "Hardshrink",
    "Softshrink", "RReLU", "ChannelShuffle", "LPPool1d", "LPPool2d", "LPPool3d",
    "FractionalMaxPool2d", "FractionalMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
    "Fold", "Unfold", "UpsamplingNearest2d", "UpsamplingBilinear2d",
})

# Constructor arguments and an input shape for every elementwise layer in LAYERS.
ELEMENTWISE_ARGS: Dict[str, List[Tuple[tuple, dict]]] = {
    "Threshold": [((0.1, 20.0), {}), ((), {"threshold": 0.5, "value": -1, "inplace": True})],
    "Softmax": [((), {}), ((1,), {}), ((-1,), {}), ((), {"dim": 0})],
    "LogSoftmax": [((), {}), ((1,), {}), ((-2,), {})],
    "Softmin": [((), {}), ((-1,), {}), ((0,), {})],
    "LeakyReLU": [((), {}), ((0.2, True), {})],
    "ELU": [((), {}), ((), {"alpha": 0.5})],
    "CELU": [((), {}), ((2.0,), {})],
    "GELU": [((), {}), (("tanh",), {})],
    "Softplus": [((), {}), ((2.0, 10.0), {})],
    "Hardtanh": [((), {}), ((-2.0, 3.0, True), {}), ((), {"min_value": -0.5, "max_value": 0.5})],
    "Dropout": [((), {}), ((0.0,), {}), ((1.0,), {}), ((), {"p": 0.3, "inplace": True})],
    "Identity": [((), {}), ((3, "x"), {"anything": None})],
    "Hardshrink": [((), {}), ((0.2,), {}), ((), {"lambd": -1.0})],
    "Softshrink": [((), {}), ((0.0,), {}), ((), {"lambd": 2})],
    "RReLU": [((), {}), ((0.1, 0.2), {}), ((), {"lower": -1.0, "upper": 1.0, "inplace": True}),
              ((0.3, 0.3), {})],
}
ELEMENTWISE_SHAPES: Dict[str, List[Shape]] = {
    "Softmax": [(2, 3, 4, 5), (2, 3)],
    "LogSoftmax": [(2, 3, 4, 5), (2, 3)],
    "Softmin": [(2, 3, 4, 5), (7,)],
    "Softmax2d": [(2, 3, 4, 5), (3, 4, 5)],
    "Dropout1d": [(2, 3, 5), (3, 5)],
    "Dropout2d": [(2, 3, 4, 5), (3, 4, 5), (2, 3)],
    "Dropout3d": [(2, 3, 4, 5, 2), (3, 4, 5, 2), (2, 3), (3,)],
    "FeatureAlphaDropout": [(2, 3, 4, 5), (2, 3)],
}
ELEMENTWISE = sorted(
    name for name, spec in LAYERS.items()
    if (spec.module in ("activation", "dropout")
        and name not in ("PReLU", "MultiheadAttention", "GLU"))  # GLU halves a dim
    or name == "Identity"
)


def _elementwise_cases() -> list:
    cases = []
    for name in ELEMENTWISE:
        for pos, kw in ELEMENTWISE_ARGS.get(name, [((), {})]):
            for shape in ELEMENTWISE_SHAPES.get(name, [(2, 3, 4, 5), (7,), (2, 3)]):
                cases.append(case(name, pos, kw, shape))
    return cases


VALID_CASES = [
    *_conv_cases(), *_conv_transpose_cases(), *_linear_cases(), *_norm_cases(),
    *_embedding_cases(), *_prelu_cases(), *_pool_cases(), *_reshape_cases(),
    *_upsample_cases(), *_elementwise_cases(),
    *_padding_cases(), *_shuffle_cases(),
    *_more_norm_cases(), *_glu_cases(), *_channel_shuffle_cases(), *_lp_pool_cases(),
    *_fractional_pool_cases(), *_unpool_cases(), *_fold_cases(), *_upsampling_cases(),
]


@pytest.mark.parametrize("name, pos, kw, shapes", VALID_CASES)
def test_valid_configuration_matches_torch(name, pos, kw, shapes):
    assert_matches_torch(name, pos, kw, shapes)


def meta_truth(name: str, pos, kw, shapes, **call_kw: Any) -> Tuple[int, Shape, int]:
    """(params, output shape, MACs) as the reference convention measures them: the module
    built and run on the meta device, in eval mode, grad enabled."""
    with torch.device("meta"):
        module = torch_module(name, pos, kw).eval()
    inputs = torch_inputs(name, shapes, "meta")
    with FlopCounterMode(display=False) as counter:
        y = first_tensor(module(*inputs, **call_kw))
    return sum(p.numel() for p in module.parameters()), tuple(y.shape), \
        counter.get_total_flops() // 2


@pytest.mark.parametrize("name, pos, kw, shapes",
                         [p for p in VALID_CASES if p.values[0] in ISSUE_21])
def test_valid_configuration_matches_torch_on_meta(name, pos, kw, shapes):
    """The layers issue 21 added, measured as README's counting conventions say (on CPU above
    too): the same params, output and MACs (none: FlopCounterMode counts no flop of theirs)."""
    assert catalogue_answer(name, pos, kw, shapes) == meta_truth(name, pos, kw, shapes)


def unpool_case(n: int, pos, kw, x: Shape, output_size: Any):
    """MaxUnpool{n}d(*pos, **kw) called on x, indices of x's shape and `output_size`."""
    p = case(f"MaxUnpool{n}d", pos, kw, x, x)
    return pytest.param(*p.values, output_size, id=f"{p.id}&output_size={output_size!r}")


UNPOOL_OUTPUT_SIZES = [
    unpool_case(n, pos, kw, x, size)
    for n, x in [(1, (2, 3, 4)), (1, (3, 4)), (2, (2, 3, 4, 3)), (2, (3, 4, 3)),
                 (3, (1, 2, 3, 4, 3)), (3, (2, 3, 4, 3))]
    for pos, kw in [((2,), {}), ((3, 2, 1), {}), ((2,), {"stride": 1})]
    for size in [None, "default", "minus one", "plus one", "with batch", "low", "high", "short",
                 "int", "floats"]
]


def _output_size(spec: Any, kw: Dict[str, Any], pos, x: Shape, which: Any) -> Any:
    """The output_size a case names, from the default size torch documents, (in - 1) * stride
    - 2 * padding + kernel: the one given, one less, one more, as long as the input's size
    (batch and channels first), out of range, the wrong length, an int, floats."""
    if which is None:
        return None
    n = int(spec[-2])
    args = dict(zip(("kernel_size", "stride", "padding"), pos), **kw)
    kernel, padding = args["kernel_size"], args.get("padding", 0)
    stride = args.get("stride") or kernel
    default = [(d - 1) * stride + kernel - 2 * padding for d in x[len(x) - n:]]
    return {"default": default, "minus one": [d - 1 for d in default],
            "plus one": [d + 1 for d in default], "with batch": [*x[:len(x) - n], *default],
            "low": [d - stride for d in default], "high": [d + stride for d in default],
            "short": default[1:] or [1, 2], "int": default[0],
            "floats": [float(d) for d in default]}[which]


@pytest.mark.parametrize("name, pos, kw, shapes, which", UNPOOL_OUTPUT_SIZES)
def test_unpool_output_size_matches_torch(name, pos, kw, shapes, which):
    """MaxUnpool's forward(input, indices, output_size): each output_size torch takes gives its
    output; each it refuses, a LayerError."""
    output_size = _output_size(name, kw, pos, shapes[0], which)
    spec = LAYERS[name]
    args = spec.bind(pos, kw)
    module = torch_module(name, pos, kw)
    try:
        y = module(*torch_inputs(name, shapes), output_size=output_size)
    except (RuntimeError, ValueError, TypeError):
        with pytest.raises(LayerError):
            spec.run(args, [*shapes, output_size])
        return
    assert spec.run(args, [*shapes, output_size]) == (tuple(y.shape), 0)
    assert meta_truth(name, pos, kw, shapes, output_size=output_size) == (0, tuple(y.shape), 0)


def test_valid_grid_covers_every_layer():
    # the recurrent layers: tests/costmodel/test_rnn_torch.py, on the meta device (on CPU
    # FlopCounterMode counts the fused LSTM kernel as 0)
    recurrent = {name for name, spec in LAYERS.items() if spec.module == "rnn"}
    # MultiheadAttention and the Transformer layers: tests/costmodel/test_attention_layers_torch.py,
    # on the meta device too (on CPU FlopCounterMode does not see the attention kernels)
    attention = {name for name, spec in LAYERS.items() if spec.module == "transformer"} | {
        "MultiheadAttention"}
    # families with a test module of their own (test_differential.tested_elsewhere)
    own = {name for name in LAYERS if name.startswith("Lazy")
           or LAYERS[name].module in ("loss", "distance", "adaptive")}
    covered = {p.values[0] for p in VALID_CASES} | {"Bilinear"} | recurrent | attention | own
    assert covered == set(LAYERS)
    assert len(VALID_CASES) >= 500


# Bilinear: FlopCounterMode does not see torch.bilinear at all (it counts 0), so prove the
# catalogue's MACs with torch another way: Bilinear *is* a Linear over the outer product
# of its inputs; check that identity numerically, then count that Linear's flops.

BILINEAR_CASES = [
    case("Bilinear", (in1, in2, out), kw, (*lead, in1), (*lead, in2))
    for (in1, in2, out), kw, lead in itertools.product(
        [(3, 4, 5), (1, 1, 1), (6, 2, 3)], [{}, {"bias": False}], [(2,), (1,), (2, 3)]
    )
] + [
    case("Bilinear", (), {"in1_features": 2, "in2_features": 3, "out_features": 4},
         (5, 2), (5, 3)),
    case("Bilinear", (True, 2, 3), {}, (2, 1), (2, 2)),  # a bool in1_features is accepted
]


@pytest.mark.parametrize("name, pos, kw, shapes", BILINEAR_CASES)
def test_bilinear_matches_torch(name, pos, kw, shapes):
    torch.manual_seed(0)
    module = torch_module(name, pos, kw)
    x1, x2 = (torch.randn(shape) for shape in shapes)
    y = module(x1, x2)
    lead = x1.shape[:-1]
    a, b = x1.reshape(-1, x1.shape[-1]), x2.reshape(-1, x2.shape[-1])
    outer = torch.einsum("bi,bj->bij", a, b).flatten(1)
    with FlopCounterMode(display=False) as counter:
        as_linear = F.linear(outer, module.weight.flatten(1), module.bias)
    torch.testing.assert_close(as_linear.reshape(*lead, -1), y, rtol=1e-5, atol=1e-5)
    flops = counter.get_total_flops()
    assert flops > 0 and flops % 2 == 0
    expected = (sum(p.numel() for p in module.parameters()), tuple(y.shape), flops // 2)
    assert catalogue_answer(name, pos, kw, shapes) == expected


# ---------------------------------------------------------------------------
# 3. Invalid configurations: torch raises, so must the catalogue


def bad(name: str, pos, kw, *shapes: Shape, error: type, match: str, native: bool = False):
    """A configuration torch rejects with `error` whose message matches `match`."""
    p = case(name, pos, kw, *shapes)
    return pytest.param(*p.values, error, match, native, id=p.id)


INVALID_CASES = [
    # -- convolutions
    bad("Conv2d", (4, 6, 3), {"groups": 4}, (1, 4, 5, 5), error=ValueError,
        match="out_channels must be divisible by groups"),
    bad("Conv2d", (6, 4, 3), {"groups": 4}, (1, 6, 5, 5), error=ValueError,
        match="in_channels must be divisible by groups"),
    bad("ConvTranspose1d", (4, 6, 3), {"groups": 4}, (1, 4, 5), error=ValueError,
        match="divisible by groups"),
    bad("Conv1d", (4, 4, 3), {"groups": 0}, (1, 4, 5), error=ValueError,
        match="groups must be a positive integer"),
    bad("Conv2d", (4, 4, 3), {"groups": -2}, (1, 4, 5, 5), error=ValueError,
        match="groups must be a positive integer"),
    bad("Conv2d", (2, 4, -1), {}, (1, 2, 5, 5), error=RuntimeError, match="negative dimension"),
    bad("Conv1d", (-2, 4, 3), {}, (1, 2, 5), error=RuntimeError, match="negative dimension"),
    bad("Conv3d", (2, -4, 3), {}, (1, 2, 5, 5, 5), error=RuntimeError,
        match="negative dimension"),
    bad("ConvTranspose2d", (2, -4, 3), {}, (1, 2, 5, 5), error=RuntimeError,
        match="negative dimension"),
    bad("Conv2d", (2, 4, 0), {}, (1, 2, 5, 5), error=RuntimeError, match="kernel|weight"),
    bad("Conv2d", (2, 4, (3, 0)), {}, (1, 2, 5, 5), error=RuntimeError, match="kernel|weight"),
    bad("Conv2d", (2, 4, (3,)), {}, (1, 2, 5, 5), error=RuntimeError,
        match="expected stride to be a single integer value or a list of 1 values"),
    bad("Conv1d", (2, 4, 3), {"stride": 0}, (1, 2, 5), error=RuntimeError,
        match="non-positive stride"),
    bad("Conv2d", (2, 4, 3), {"stride": (1, -1)}, (1, 2, 5, 5), error=RuntimeError,
        match="non-positive stride"),
    bad("ConvTranspose2d", (2, 4, 3), {"stride": 0}, (1, 2, 5, 5), error=RuntimeError,
        match="non-positive stride"),
    bad("Conv2d", (2, 4, 3), {"padding": -1}, (1, 2, 5, 5), error=RuntimeError,
        match="negative padding"),
    bad("ConvTranspose2d", (2, 4, 3), {"padding": -1}, (1, 2, 5, 5), error=RuntimeError,
        match="negative padding"),
    bad("Conv1d", (2, 4, 3), {"dilation": 0}, (1, 2, 5), error=RuntimeError,
        match="dilation should be greater than zero"),
    bad("ConvTranspose3d", (2, 4, 3), {"dilation": 0}, (1, 2, 3, 3, 3), error=RuntimeError,
        match="dilation should be greater than zero"),
    bad("Conv2d", (2, 4, 3), {"padding": "same", "stride": 2}, (1, 2, 5, 5), error=ValueError,
        match="padding='same' is not supported for strided convolutions"),
    bad("Conv1d", (2, 4, 3), {"padding": "same", "stride": (2,)}, (1, 2, 5), error=ValueError,
        match="strided"),
    bad("Conv2d", (2, 4, 3), {"padding": "SAME"}, (1, 2, 5, 5), error=ValueError,
        match="Invalid padding string"),
    bad("Conv2d", (2, 4, 3), {"padding": "full"}, (1, 2, 5, 5), error=ValueError,
        match="Invalid padding string"),
    bad("Conv2d", (2, 4, 3), {"padding_mode": "zero"}, (1, 2, 5, 5), error=ValueError,
        match="padding_mode must be one of"),
    bad("Conv1d", (2, 4, 3), {"padding_mode": "symmetric"}, (1, 2, 5), error=ValueError,
        match="padding_mode must be one of"),
    bad("Conv2d", (2, 4, 5), {}, (1, 2, 4, 9), error=RuntimeError,
        match="Kernel size can't be greater than actual input size"),
    bad("Conv1d", (2, 4, 3), {"dilation": 3}, (1, 2, 6), error=RuntimeError,
        match="Kernel size can't be greater"),
    bad("Conv3d", (2, 4, 3), {"padding": (1, 0, 0)}, (1, 2, 3, 2, 3), error=RuntimeError,
        match="Kernel size can't be greater"),
    bad("ConvTranspose2d", (2, 4, 3), {"output_padding": 1}, (1, 2, 5, 5),
        error=RuntimeError, match="output padding must be smaller than either stride or "
                                  "dilation"),
    bad("ConvTranspose1d", (2, 4, 3), {"stride": 2, "output_padding": 2}, (1, 2, 5),
        error=RuntimeError, match="output padding must be smaller"),
    bad("ConvTranspose3d", (2, 4, 3), {"stride": 2, "dilation": 2, "output_padding": 2},
        (1, 2, 3, 3, 3), error=RuntimeError, match="output padding must be smaller"),
    bad("ConvTranspose2d", (2, 4, 3), {"stride": 2, "output_padding": -1}, (1, 2, 5, 5),
        error=RuntimeError, match="negative output_padding"),
    bad("ConvTranspose2d", (2, 4, 1), {"padding": 1}, (1, 2, 1, 1), error=RuntimeError,
        match=""),
    bad("ConvTranspose1d", (2, 4, 1), {"padding": 2}, (1, 2, 2), error=RuntimeError,
        match=""),
    bad("ConvTranspose2d", (2, 4, 3), {"padding_mode": "reflect"}, (1, 2, 5, 5),
        error=ValueError, match='Only "zeros" padding mode is supported'),
    bad("ConvTranspose2d", (2, 4, 3), {"padding": "same"}, (1, 2, 5, 5), error=TypeError,
        match="padding"),
    bad("ConvTranspose1d", (2, 4, 3), {"padding": "valid"}, (1, 2, 5), error=TypeError,
        match="padding"),
    bad("Conv2d", (2, 0, 3), {}, (1, 2, 5, 5), error=RuntimeError,
        match="expected weight to be at least 1 at dimension 0"),
    bad("Conv1d", (0, 0, 3), {}, (1, 0, 5), error=RuntimeError,
        match="expected weight to be at least 1"),
    bad("ConvTranspose2d", (2, 0, 3), {}, (1, 2, 5, 5), error=RuntimeError, match=""),
    bad("ConvTranspose2d", (0, 4, 3), {}, (1, 0, 5, 5), error=RuntimeError,
        match="expected weight to be at least 1"),
    bad("Conv2d", (2, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (1, 2, 1, 5),
        error=RuntimeError, match="Padding size should be less than the corresponding input"),
    bad("Conv1d", (2, 4, 5), {"padding": "same", "padding_mode": "reflect"}, (1, 2, 2),
        error=RuntimeError, match="Padding size should be less than"),
    bad("Conv2d", (2, 4, 3), {"padding": 3, "padding_mode": "circular"}, (1, 2, 2, 2),
        error=RuntimeError, match="wrapping around more than once"),
    bad("Conv2d", (2, 4, 3), {"padding": (1,), "padding_mode": "reflect"}, (1, 2, 5, 5),
        error=NotImplementedError, match="Padding size 2 is not supported for 4D input"),
    bad("Conv3d", (2, 4, 3), {"padding": (1,), "padding_mode": "replicate"}, (1, 2, 5, 5, 5),
        error=NotImplementedError, match="not supported for 5D input"),
    bad("Conv2d", (2, 4, 3), {"padding": (1,), "padding_mode": "circular"}, (1, 2, 5, 5),
        error=NotImplementedError, match="not supported"),
    bad("Conv2d", (3, 4, 3), {}, (1, 2, 5, 5), error=RuntimeError,
        match="expected input.* to have 3 channels, but got 2 channels"),
    bad("Conv2d", (3, 4, 3), {}, (2, 5, 5), error=RuntimeError, match="3 channels"),
    bad("ConvTranspose2d", (3, 4, 3), {}, (1, 2, 5, 5), error=RuntimeError,
        match="to have 3 channels"),
    bad("Conv3d", (3, 4, 3), {}, (1, 3, 5, 5), error=RuntimeError,
        match=r"expected input\[1, 1, 3, 5, 5\] to have 3 channels"),  # 4D = unbatched
    bad("Conv1d", (3, 4, 3), {}, (1, 1, 3, 5), error=RuntimeError, match="Expected 2D"),
    bad("Conv2d", (2, 4, (3, 3, 3)), {}, (1, 2, 5, 5), error=RuntimeError,
        match="a list of 3 values"),
    bad("Conv2d", (2, 4, 3), {"stride": (1, 1, 1)}, (1, 2, 5, 5), error=RuntimeError,
        match="expected stride to be a single integer value or a list of 2 values"),
    bad("Conv2d", (2, 4, 3), {"dilation": (1, 1, 1)}, (1, 2, 5, 5), error=RuntimeError,
        match="dilation"),
    # an empty output: oneDNN's CPU kernel skips this check, torch's reference kernel does not
    bad("ConvTranspose2d", (2, 4, 1), {"padding": 1}, (2, 2, 2, 2), error=RuntimeError,
        match="Output size is too small", native=True),
    bad("ConvTranspose1d", (2, 4, 3), {"padding": 2}, (2, 2, 1), error=RuntimeError,
        match="Output size is too small", native=True),
    bad("Conv2d", (0, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 0, 5, 5),
        error=RuntimeError, match="non-zero dimensions"),
    bad("Conv1d", (0, 4, 1), {"padding_mode": "replicate"}, (2, 0, 5), error=RuntimeError,
        match="non-zero dimensions"),
    # torch's argument parser: no bool as an int argument nor as an int list's first element
    bad("Conv2d", (2, True, 3), {"bias": False}, (2, 2, 5, 5), error=TypeError, match="bool"),
    bad("ConvTranspose2d", (True, 4, 3), {}, (2, 1, 5, 5), error=TypeError, match="bool"),
    bad("ConvTranspose2d", (2, True, 3), {}, (2, 2, 5, 5), error=TypeError, match="bool"),
    bad("Conv2d", (2, 4, 3), {"groups": True}, (2, 2, 5, 5), error=TypeError, match="bool"),
    bad("Conv2d", (2, 4, 3), {"padding": True}, (2, 2, 5, 5), error=TypeError, match=""),
    bad("Conv2d", (2, 4, 3), {"padding": (1, True), "padding_mode": "reflect"}, (2, 2, 5, 5),
        error=TypeError, match="bool"),
    bad("Conv1d", (2, 4, 3), {"stride": True}, (2, 2, 5), error=TypeError, match=""),
    bad("ConvTranspose2d", (2, 4, 3), {"stride": 2, "output_padding": (False, 0)},
        (2, 2, 5, 5), error=TypeError, match="bool"),
    bad("Linear", (3, True), {}, (2, 3), error=TypeError, match="bool"),
    bad("Bilinear", (2, 2, True), {}, (2, 2), (2, 2), error=TypeError, match="bool"),
    bad("BatchNorm2d", (True,), {}, (2, 1, 5, 5), error=TypeError, match="bool"),
    bad("LayerNorm", (True,), {}, (2, 1), error=TypeError, match="bool"),
    bad("LayerNorm", ((True, 2),), {"elementwise_affine": False}, (2, 1, 2), error=TypeError,
        match="bool"),
    bad("GroupNorm", (True, 2), {}, (2, 2), error=TypeError, match="bool"),
    bad("GroupNorm", (1, True), {}, (2, 1), error=TypeError, match="bool"),
    bad("Embedding", (True, 3), {}, (2, 1), error=TypeError, match="bool"),
    bad("PReLU", (True,), {}, (2, 1), error=TypeError, match="bool"),
    bad("MaxPool2d", (True,), {}, (2, 1, 3, 3), error=TypeError, match="bool"),
    bad("AvgPool1d", (2,), {"padding": (True,)}, (2, 1, 3), error=TypeError, match="bool"),
    bad("AdaptiveAvgPool2d", (True,), {}, (2, 4, 2, 2), error=TypeError, match="bool"),
    bad("AdaptiveMaxPool2d", ((True, 2),), {}, (2, 4, 2, 2), error=TypeError, match="bool"),
    bad("Flatten", (True,), {}, (2, 4, 2), error=TypeError, match="bool"),
    bad("Unflatten", (True, (2, 2)), {}, (2, 4), error=TypeError, match="bool"),
    bad("Upsample", (True,), {}, (2, 4, 2), error=TypeError, match=""),
    bad("Softmax", (), {"dim": True}, (2, 3), error=TypeError, match="bool"),
    # -- linear
    bad("Linear", (4, 3), {}, (2, 5), error=RuntimeError, match="cannot be multiplied"),
    bad("Linear", (4, 3), {}, (2, 4, 3), error=RuntimeError, match="cannot be multiplied"),
    bad("Linear", (4, 3), {}, (), error=RuntimeError, match="at least 1D"),
    bad("Linear", (-1, 3), {}, (2, 4), error=RuntimeError, match="negative dimension"),
    bad("Linear", (4, -3), {}, (2, 4), error=RuntimeError, match="negative dimension"),
    bad("Linear", (4,), {}, (2, 4), error=TypeError, match="out_features"),
    bad("Linear", (4, 3), {"bais": False}, (2, 4), error=TypeError, match="bais"),
    bad("Bilinear", (3, 4, 5), {}, (2, 4), (2, 4), error=RuntimeError, match=""),
    bad("Bilinear", (3, 4, 5), {}, (2, 3), (3, 4), error=RuntimeError, match=""),
    bad("Bilinear", (3, -4, 5), {}, (2, 3), (2, 4), error=RuntimeError,
        match="negative dimension"),
    # -- norms
    bad("BatchNorm2d", (4,), {}, (2, 4, 3), error=ValueError, match="expected 4D input"),
    bad("BatchNorm1d", (4,), {}, (2, 4, 3, 3), error=ValueError, match="expected 2D or 3D"),
    bad("BatchNorm2d", (4,), {}, (2, 5, 3, 3), error=RuntimeError, match="5 elements not 4"),
    bad("BatchNorm1d", (4,), {"affine": False}, (2, 5), error=RuntimeError,
        match="running_mean should contain 5 elements not 4"),
    bad("BatchNorm1d", (4,), {"track_running_stats": False}, (2, 5), error=RuntimeError,
        match="weight should contain 5 elements not 4"),
    bad("BatchNorm3d", (4,), {"eps": -1.0}, (2, 4, 2, 2, 2), error=ValueError,
        match="eps must be"),
    bad("BatchNorm1d", (-4,), {}, (2, 4), error=RuntimeError, match="negative dimension"),
    bad("InstanceNorm2d", (4,), {}, (4, 3), error=ValueError, match="expected 3D or 4D"),
    bad("InstanceNorm1d", (4,), {"affine": True}, (2, 5, 3), error=ValueError,
        match="to match num_features"),
    bad("InstanceNorm1d", (4,), {"track_running_stats": True}, (2, 5, 3), error=RuntimeError,
        match="running_mean should contain"),
    bad("InstanceNorm2d", (3,), {}, (2, 3, 1, 1), error=ValueError,
        match="Expected more than 1 spatial element"),
    bad("InstanceNorm1d", (4,), {}, (4, 1), error=ValueError,
        match="Expected more than 1 spatial element"),
    bad("LayerNorm", ((3, 4),), {}, (2, 4, 4), error=RuntimeError,
        match="expected input with shape"),
    bad("LayerNorm", (4,), {}, (2, 4, 3), error=RuntimeError, match="expected input with shape"),
    bad("LayerNorm", ((),), {}, (2, 4), error=RuntimeError, match="at least 1-dimensional"),
    bad("LayerNorm", ((2, 3),), {}, (3,), error=RuntimeError, match="expected input with shape"),
    bad("LayerNorm", (-3,), {}, (2, 4), error=RuntimeError, match="negative dimension"),
    bad("GroupNorm", (4, 6), {}, (2, 6), error=ValueError, match="must be divisible by"),
    bad("GroupNorm", (0, 6), {}, (2, 6), error=ZeroDivisionError, match=""),
    bad("GroupNorm", (-2, 6), {}, (2, 6, 4), error=RuntimeError,
        match="Expected num groups to be greater than 0"),
    bad("GroupNorm", (2, 6), {}, (2, 4, 3), error=RuntimeError, match=""),
    bad("GroupNorm", (2, 6), {"affine": False}, (2, 5, 3), error=RuntimeError,
        match="divisible by num_groups"),
    bad("GroupNorm", (2, 6), {}, (6,), error=RuntimeError, match="at least 2 dimensions"),
    bad("GroupNorm", (4, 4), {}, (1, 4), error=ValueError, match="more than 1 value per channel"),
    bad("GroupNorm", (2, 4), {"affine": False}, (1, 2, 1), error=ValueError,
        match="more than 1 value per channel"),
    # -- embeddings and PReLU
    bad("Embedding", (10, 3), {"padding_idx": 10}, (2, 4), error=AssertionError,
        match="Padding_idx must be within num_embeddings"),
    bad("Embedding", (10, 3), {"padding_idx": -11}, (2, 4), error=AssertionError,
        match="Padding_idx must be within num_embeddings"),
    bad("EmbeddingBag", (10, 3), {"padding_idx": 10}, (2, 4), error=AssertionError,
        match="padding_idx must be within num_embeddings"),
    bad("Embedding", (-1, 3), {}, (2, 4), error=RuntimeError, match="negative dimension"),
    bad("EmbeddingBag", (10, 3), {"mode": "median"}, (2, 4), error=ValueError,
        match="mode has to be one of sum, mean or max"),
    bad("EmbeddingBag", (10, 3), {}, (5,), error=ValueError, match="offsets"),
    bad("EmbeddingBag", (10, 3), {}, (2, 3, 4), error=ValueError, match="1D or 2D"),
    bad("EmbeddingBag", (10, 3), {}, (2, 0), error=RuntimeError, match="step must be nonzero"),
    bad("PReLU", (3,), {}, (2, 4, 5), error=RuntimeError,
        match="Mismatch of parameter numbers and input channel size"),
    bad("PReLU", (3,), {}, (3,), error=RuntimeError, match="Mismatch of parameter numbers"),
    bad("PReLU", (-1,), {}, (2, 3), error=RuntimeError, match="negative dimension"),
    # -- pools
    bad("MaxPool2d", (3,), {"padding": 2}, (1, 1, 7, 7), error=RuntimeError,
        match="pad should be at most half of effective kernel size"),
    bad("AvgPool1d", (3,), {"padding": 2}, (1, 1, 7), error=RuntimeError,
        match="half of effective kernel size"),
    bad("MaxPool1d", (2,), {"padding": 2, "dilation": 3}, (1, 1, 9), error=RuntimeError,
        match="half of kernel size"),
    bad("AvgPool3d", ((3, 1, 1),), {"padding": (1, 0, 1)}, (1, 1, 5, 5, 5),
        error=RuntimeError, match="half of effective kernel size"),
    bad("MaxPool1d", (4,), {}, (1, 1, 3), error=RuntimeError, match="output size"),
    bad("AvgPool2d", (3,), {}, (1, 1, 2, 5), error=RuntimeError, match="Output size is too small"),
    bad("MaxPool3d", (2,), {"dilation": 3}, (1, 1, 3, 5, 5), error=RuntimeError,
        match="Output size is too small"),
    bad("MaxPool1d", (0,), {}, (1, 1, 5), error=RuntimeError, match="kernel_size must be greater"),
    bad("AvgPool2d", (0,), {}, (1, 1, 5, 5), error=RuntimeError, match="zero"),
    bad("MaxPool2d", (3,), {"stride": 0}, (1, 1, 5, 5), error=RuntimeError,
        match="stride must be greater than zero|stride should not be zero"),
    bad("AvgPool1d", (3,), {"stride": 0}, (1, 1, 5), error=RuntimeError,
        match="stride should not be zero"),
    bad("MaxPool1d", (3,), {"dilation": 0}, (1, 1, 5), error=RuntimeError,
        match="dilation must be greater than zero"),
    bad("AvgPool2d", (3,), {"padding": -1}, (1, 1, 5, 5), error=RuntimeError,
        match="pad must be non-negative"),
    bad("AvgPool2d", (3,), {"divisor_override": 0}, (1, 1, 5, 5), error=RuntimeError,
        match="divisor must be not zero"),
    bad("MaxPool2d", (2,), {}, (2, 1, 3, 5, 5), error=RuntimeError, match="3D or 4D"),
    bad("AvgPool1d", (2,), {}, (5,), error=RuntimeError, match="Expected 2 to 3 dimensions"),
    bad("AdaptiveAvgPool2d", ((2,),), {}, (1, 2, 9, 9), error=RuntimeError,
        match="output_size must be 2"),
    bad("AdaptiveAvgPool2d", (None,), {}, (1, 2, 9, 9), error=TypeError, match=""),
    bad("AdaptiveMaxPool2d", (None,), {}, (1, 2, 9, 9), error=TypeError, match=""),
    bad("AdaptiveAvgPool1d", ((None,),), {}, (1, 2, 9), error=TypeError, match="output_size"),
    bad("AdaptiveMaxPool1d", (None,), {}, (1, 2, 9), error=TypeError, match="output_size"),
    bad("AdaptiveAvgPool2d", ((3, -1),), {}, (1, 2, 9, 9), error=RuntimeError,
        match="greater than or equal to 0"),
    bad("AdaptiveMaxPool3d", (2,), {}, (2, 9, 9), error=RuntimeError, match="4D or 5D"),
    bad("AdaptiveAvgPool2d", (4,), {}, (2, 9, 0), error=RuntimeError, match="non-zero size"),
    bad("AdaptiveMaxPool2d", (2,), {}, (2, 0, 5, 5), error=RuntimeError, match="non-zero size"),
    bad("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 0, 5), error=RuntimeError,
        match="non-zero size"),
    bad("AdaptiveMaxPool1d", (2,), {}, (2, 0), error=RuntimeError, match="non-zero size"),
    bad("MaxPool2d", (2,), {"padding": 1}, (2, 0, 5, 5), error=RuntimeError,
        match="optional 0 dim batch size|non-batch dimension"),
    bad("AvgPool2d", (2,), {}, (0, 5, 5), error=RuntimeError,
        match="optional 0 dim batch size|non-batch dimension"),
    bad("MaxPool1d", (2,), {"stride": 1, "padding": 1}, (1, 1, 0), error=RuntimeError,
        match="optional 0 dim batch size|non-batch dimension"),
    bad("AvgPool3d", (2,), {"stride": 1, "padding": 1}, (1, 1, 3, 0, 3), error=RuntimeError,
        match="optional 0 dim batch size|non-batch dimension"),
    # -- reshapes and resampling
    bad("Flatten", (), {}, (3,), error=IndexError, match="Dimension out of range"),
    bad("Flatten", (2, 1), {}, (2, 3, 4), error=RuntimeError, match="start_dim cannot come after"),
    bad("Flatten", (0, 4), {}, (2, 3, 4), error=IndexError, match="Dimension out of range"),
    bad("Unflatten", (1, (2, 4)), {}, (2, 6), error=RuntimeError,
        match="don't multiply up to the size"),
    bad("Unflatten", (1, (4, -1)), {}, (2, 6), error=RuntimeError, match=""),
    bad("Unflatten", (1, (-1, -1)), {}, (2, 6), error=RuntimeError,
        match="only one dimension can be inferred"),
    bad("Unflatten", (0, (-2, -2)), {}, (4, 6), error=RuntimeError,
        match="invalid shape dimension"),
    bad("Unflatten", (0, ()), {}, (1, 6), error=RuntimeError, match="sizes must be non-empty"),
    bad("Unflatten", (0, (0, -1)), {}, (0, 6), error=RuntimeError, match="ambiguous"),
    bad("Unflatten", (0, (True, 4)), {}, (4, 6), error=TypeError, match="bool"),
    bad("Unflatten", (0, 6), {}, (6, 6), error=TypeError, match="unflattened_size must be a tuple"),
    bad("Unflatten", (0, (2.0, 3)), {}, (6, 6), error=TypeError, match="float"),
    bad("Unflatten", (2, (1, 6)), {}, (6, 6), error=IndexError, match="Dimension out of range"),
    bad("Upsample", (4,), {"scale_factor": 2}, (1, 1, 3, 3), error=ValueError,
        match="only one of size or scale_factor"),
    bad("Upsample", (), {}, (1, 1, 3, 3), error=ValueError, match="either size or scale_factor"),
    bad("Upsample", (), {"scale_factor": 2, "align_corners": True}, (1, 1, 3, 3),
        error=ValueError, match="align_corners option can only be set"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "area", "align_corners": False},
        (1, 1, 3, 3), error=ValueError, match="align_corners option"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, (1, 1, 3),
        error=NotImplementedError, match="bilinear mode needs 4D input"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "bicubic"}, (1, 1, 3, 3, 3),
        error=NotImplementedError, match="Only 3D, 4D and 5D"),
    bad("Upsample", (), {"scale_factor": 2}, (1, 1, 2, 2, 2, 2), error=NotImplementedError,
        match="Only 3D, 4D and 5D"),
    bad("Upsample", (), {"scale_factor": 2}, (1, 3), error=NotImplementedError,
        match="Only 3D, 4D and 5D"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "cubic"}, (1, 1, 3, 3),
        error=NotImplementedError, match="got cubic"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "lanczos"}, (1, 1, 3, 3),
        error=ValueError, match="antialias"),
    bad("Upsample", ((2, 3),), {}, (1, 1, 3), error=ValueError,
        match="same number of spatial dimensions"),
    bad("Upsample", (), {"scale_factor": (2, 3)}, (1, 1, 3), error=ValueError,
        match="same number of spatial dimensions"),
    bad("Upsample", (), {"scale_factor": 0.2}, (1, 1, 3), error=RuntimeError,
        match="should be greater than 0"),
    bad("Upsample", (4,), {"recompute_scale_factor": True}, (1, 1, 3), error=ValueError,
        match="recompute_scale_factor is not meaningful with an explicit size"),
    bad("Upsample", (), {"scale_factor": 0.2}, (1, 1, 3, 3), error=RuntimeError,
        match="should be greater than 0"),
    bad("Upsample", (), {"scale_factor": (0.2, 1.0), "mode": "nearest-exact"}, (1, 1, 3, 3),
        error=RuntimeError, match="should be greater than 0"),
    bad("Upsample", ((0, 2),), {}, (1, 1, 3, 3), error=RuntimeError,
        match="should be greater than 0"),
    bad("Upsample", (-1,), {"mode": "area"}, (1, 1, 3, 3), error=RuntimeError, match=""),
    bad("Upsample", (), {"scale_factor": 2}, (1, 1, 0, 3), error=RuntimeError,
        match="should be greater than 0"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "area"}, (1, 1, 0, 3), error=RuntimeError,
        match="non-zero size"),
    bad("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, (1, 0, 2, 3),
        error=RuntimeError, match="Non-empty 4D data tensor expected"),
    bad("Upsample", (), {"scale_factor": [2.0, 2.0]}, (1, 1, 3, 3), error=TypeError,
        match="list"),
    bad("Upsample", (), {"scale_factor": 0}, (1, 1, 3, 3), error=ValueError,
        match="either size or scale_factor"),
    # -- padding and pixel shuffles
    bad("ConstantPad1d", (-3, 1.0), {}, (1, 3, 4), error=RuntimeError,
        match="length must be non-negative"),
    bad("ConstantPad1d", ((-5, 2), 1.0), {}, (1, 3, 4), error=RuntimeError,
        match="length must be non-negative"),
    bad("ConstantPad2d", (1, 1.0), {}, (4,), error=RuntimeError,
        match="Padding length should be less than or equal to two times"),
    bad("ZeroPad2d", (1,), {}, (), error=RuntimeError, match="two times the input dimension"),
    bad("ZeroPad2d", ((1, 2, 3),), {}, (2, 3, 4, 5), error=RuntimeError,
        match="Padding length must be divisible by 2"),
    bad("ZeroPad1d", (True,), {}, (2, 2), error=TypeError, match="bool"),
    bad("ZeroPad1d", (1.0,), {}, (2, 2), error=TypeError, match="float"),
    bad("ZeroPad1d", ((1, 1.5),), {}, (2, 2), error=TypeError, match="float"),
    bad("ZeroPad1d", (None,), {}, (2, 2), error=TypeError, match="NoneType"),
    bad("ConstantPad1d", (1, "a"), {}, (2, 2), error=TypeError, match="must be float"),
    bad("ConstantPad1d", (1, 1j), {}, (2, 2), error=TypeError, match="must be float"),
    bad("ConstantPad1d", (1,), {}, (2, 2), error=TypeError, match="value"),
    bad("ReflectionPad1d", (2,), {}, (3, 2), error=RuntimeError,
        match="Padding size should be less than the corresponding input dimension"),
    bad("ReflectionPad2d", (2,), {}, (2, 3, 3, 2), error=RuntimeError,
        match="Padding size should be less than"),
    bad("ReflectionPad3d", (1,), {}, (3, 3, 3, 1), error=RuntimeError,
        match="Padding size should be less than"),
    bad("ReflectionPad1d", (2,), {}, (3,), error=NotImplementedError,
        match="Padding size 2 is not supported for 1D input"),
    bad("ReflectionPad1d", (1,), {}, (2, 3, 3, 3), error=NotImplementedError,
        match="not supported for 4D input"),
    bad("ReplicationPad2d", ((1, 1),), {}, (2, 3, 3, 3), error=NotImplementedError,
        match="Padding size 2 is not supported"),
    bad("ReflectionPad2d", ((1,) * 8,), {}, (2, 3, 3, 3, 3), error=NotImplementedError,
        match="Padding size 8"),
    bad("ReplicationPad1d", ((),), {}, (2, 2), error=NotImplementedError, match="Padding size 0"),
    bad("ReflectionPad1d", ((-2, -1),), {}, (2, 3, 3), error=RuntimeError, match="too small"),
    bad("ReplicationPad1d", (-1,), {}, (2, 3, 2), error=RuntimeError, match="too small"),
    bad("ReflectionPad2d", ((-1, -1, -1, -1),), {}, (2, 3, 2, 2), error=RuntimeError,
        match="too small"),
    bad("ReplicationPad3d", (-1,), {}, (2, 3, 2, 2, 2), error=RuntimeError, match="too small"),
    bad("ReplicationPad2d", ((-2, -1, 0, 0),), {}, (2, 3, 3, 2), error=RuntimeError,
        match="negative dimension"),
    bad("ReflectionPad3d", ((-3, 0, 0, 0, 0, 0),), {}, (2, 3, 2, 3, 2), error=RuntimeError,
        match="negative dimension"),
    bad("ReflectionPad1d", (1,), {}, (2, 0, 3), error=RuntimeError,
        match="other non-zero dimensions"),
    bad("ReplicationPad2d", (1,), {}, (0, 3, 3), error=RuntimeError,
        match="other non-zero dimensions"),
    bad("ReplicationPad3d", (1,), {}, (1, 2, 0, 3, 3), error=RuntimeError,
        match="other non-zero dimensions"),
    bad("CircularPad1d", (4,), {}, (2, 3, 3), error=RuntimeError,
        match="wrapping around more than once"),
    bad("CircularPad2d", ((0, 0, 5, 0),), {}, (2, 3, 2, 2), error=RuntimeError,
        match="wrapping around more than once"),
    bad("CircularPad1d", (1,), {}, (2, 3, 0), error=RuntimeError, match="wrapping around"),
    bad("CircularPad1d", ((-2, -2),), {}, (2, 3, 3), error=RuntimeError,
        match="Negative padding value is resulting in an empty dimension"),
    bad("CircularPad1d", (1,), {}, (2, 3, 3, 3), error=ValueError,
        match=r"expected 2D or 3D input \(got 4D input\)"),
    bad("CircularPad1d", (1,), {}, (3,), error=ValueError, match="expected 2D or 3D input"),
    bad("CircularPad3d", (1,), {}, (3, 2, 2), error=ValueError, match="expected 4D or 5D input"),
    bad("CircularPad2d", ((1, 1),), {}, (2, 3, 3, 3), error=NotImplementedError,
        match="Padding size 2 is not supported for 4D"),
    # torch's circular copies: a crop beyond the input, a border copied onto itself
    bad("CircularPad1d", ((1, -4),), {}, (4, 3), error=RuntimeError, match="must match"),
    bad("CircularPad3d", ((-4, 3, 1, -2, 1, -4),), {}, (1, 5, 3, 5, 4), error=RuntimeError,
        match="must match"),
    bad("CircularPad1d", ((3, -2),), {}, (1, 4), error=RuntimeError,
        match="refer to a single memory location"),
    bad("CircularPad1d", ((-1, 3),), {}, (1, 1, 3), error=RuntimeError,
        match="refer to a single memory location"),
    bad("CircularPad2d", ((0, 0, 3, -2),), {}, (1, 1, 4, 2), error=RuntimeError,
        match="refer to a single memory location"),
    bad("PixelShuffle", (2,), {}, (8, 4), error=RuntimeError,
        match="expects input to have at least 3 dimensions"),
    bad("PixelShuffle", (2,), {}, (6, 4, 4), error=RuntimeError,
        match="divisible by the square of upscale_factor"),
    bad("PixelShuffle", (0,), {}, (8, 4, 4), error=RuntimeError,
        match="expects a positive upscale_factor"),
    bad("PixelShuffle", (-1,), {}, (1, 8, 4, 4), error=RuntimeError, match="positive"),
    bad("PixelShuffle", (True,), {}, (8, 4, 4), error=TypeError, match="not bool"),
    bad("PixelShuffle", (2.0,), {}, (8, 4, 4), error=TypeError, match="not float"),
    bad("PixelShuffle", (2**32,), {}, (1, 8, 1, 4), error=ValueError, match="overflowed"),
    bad("PixelShuffle", (), {}, (8, 4, 4), error=TypeError, match="upscale_factor"),
    bad("PixelUnshuffle", (2,), {}, (8, 4, 3), error=RuntimeError,
        match="expects width to be divisible by downscale_factor"),
    bad("PixelUnshuffle", (2,), {}, (2, 8, 3, 4), error=RuntimeError,
        match="expects height to be divisible"),
    bad("PixelUnshuffle", (2,), {}, (0, 3, 4), error=RuntimeError, match="height"),
    bad("PixelUnshuffle", (2,), {}, (4, 4), error=RuntimeError, match="at least 3 dimensions"),
    bad("PixelUnshuffle", (0,), {}, (1, 4, 4), error=RuntimeError,
        match="expects a positive downscale_factor"),
    bad("PixelUnshuffle", (None,), {}, (1, 4, 4), error=TypeError, match="NoneType"),
    # -- elementwise layers
    bad("Dropout", (1.5,), {}, (2, 3), error=ValueError, match="between 0 and 1"),
    bad("Dropout2d", (-0.1,), {}, (2, 3, 4, 4), error=ValueError, match="between 0 and 1"),
    bad("AlphaDropout", (2,), {}, (2, 3), error=ValueError, match="between 0 and 1"),
    bad("Dropout1d", (), {}, (2, 3, 4, 4), error=RuntimeError, match="Expected 2D or 3D input"),
    bad("Dropout1d", (), {}, (3,), error=RuntimeError, match="Expected 2D or 3D input"),
    bad("Dropout2d", (), {}, (3,), error=RuntimeError, match="at least 2 dimensions"),
    bad("Dropout3d", (), {}, (), error=RuntimeError, match="at least 2 dimensions"),
    bad("FeatureAlphaDropout", (), {}, (4,), error=RuntimeError, match="at least 2 dimensions"),
    bad("Softmax", (2,), {}, (2, 3), error=IndexError, match="Dimension out of range"),
    bad("LogSoftmax", (-3,), {}, (2, 3), error=IndexError, match="Dimension out of range"),
    bad("Softmin", (1,), {}, (3,), error=IndexError, match="Dimension out of range"),
    bad("Softmax2d", (), {}, (2, 3), error=ValueError, match="expected input to be 3D or 4D"),
    bad("Softmax2d", (), {}, (2, 3, 4, 5, 6), error=ValueError, match="3D or 4D"),
    bad("GELU", ("fast",), {}, (2, 3), error=RuntimeError,
        match="approximate argument must be either none or tanh"),
    bad("CELU", (0.0,), {}, (2, 3), error=RuntimeError, match="alpha cannot be 0"),
    bad("Hardtanh", (1.0, -1.0), {}, (2, 3), error=AssertionError,
        match="must be greater than min_val"),
    bad("Hardtanh", (), {"min_value": 2.0}, (2, 3), error=AssertionError,
        match="must be greater than min_val"),
    bad("Threshold", (0.1,), {}, (2, 3), error=TypeError, match="value"),
    bad("ReLU", (), {"inplace": True, "alpha": 1}, (2, 3), error=TypeError, match="alpha"),
    bad("Sigmoid", (1,), {}, (2, 3), error=TypeError, match="takes 1 positional argument"),
    bad("Tanh", (), {"inplace": True}, (2, 3), error=TypeError,
        match="unexpected keyword argument 'inplace'"),
    bad("Softmax2d", (1,), {}, (2, 3, 4), error=TypeError, match="positional argument"),
    # -- issue 21: norms
    bad("LocalResponseNorm", (2,), {}, (2, 3), error=ValueError, match="Expected 3D or higher"),
    bad("LocalResponseNorm", (0,), {}, (2, 3, 4), error=RuntimeError,
        match="kernel size should be greater than zero"),
    bad("LocalResponseNorm", (-1,), {}, (2, 3, 4, 5), error=RuntimeError,
        match="kernel size should be greater than zero"),
    bad("LocalResponseNorm", (True,), {}, (2, 3, 4), error=TypeError, match="bool"),
    bad("LocalResponseNorm", (2.0,), {}, (2, 3, 4, 5), error=TypeError, match="pad"),
    bad("CrossMapLRN2d", (3,), {}, (2, 3, 4), error=ValueError, match="Expected input to be 4D"),
    bad("CrossMapLRN2d", (0,), {}, (2, 3, 4, 4), error=ZeroDivisionError, match=""),
    bad("CrossMapLRN2d", (-3,), {}, (2, 2, 4, 5), error=IndexError,
        match="index 2 out of range"),
    bad("CrossMapLRN2d", (-9,), {}, (2, 3, 4, 5), error=IndexError,
        match="index -4 out of range"),
    bad("CrossMapLRN2d", (3,), {}, (0, 0, 4, 5), error=IndexError, match="index 0 out of range"),
    bad("RMSNorm", (5,), {}, (2, 3, 4), error=RuntimeError, match="expected input with shape"),
    bad("RMSNorm", ((3, 5),), {"elementwise_affine": False}, (4, 5), error=RuntimeError,
        match="expected input with shape"),
    bad("RMSNorm", ((3, 5),), {}, (5,), error=ValueError, match="at least 2 dimensions"),
    bad("RMSNorm", ((),), {}, (2, 3), error=RuntimeError, match="at least 1-dimensional"),
    bad("RMSNorm", (-1,), {}, (2, 3), error=RuntimeError, match="negative dimension"),
    bad("RMSNorm", (True,), {}, (2, 1), error=TypeError, match="bool"),
    bad("RMSNorm", (True,), {"elementwise_affine": False}, (2, 1), error=TypeError,
        match="bool"),
    bad("RMSNorm", (2.0,), {}, (2, 2), error=TypeError, match="float"),
    bad("SyncBatchNorm", (4,), {}, (4,), error=ValueError, match="expected at least 2D input"),
    bad("SyncBatchNorm", (4,), {}, (2, 5, 3), error=RuntimeError, match="5 elements not 4"),
    bad("SyncBatchNorm", (4,), {"affine": False}, (2, 3), error=RuntimeError,
        match="running_mean should contain 3 elements not 4"),
    bad("SyncBatchNorm", (0,), {}, (2, 0), error=ValueError,
        match="number of input channels should be non-zero"),
    bad("SyncBatchNorm", (4,), {"eps": -1.0}, (2, 4), error=ValueError, match="eps must be"),
    bad("SyncBatchNorm", (4,), {"track_running_stats": False}, (1, 4, 1), error=ValueError,
        match="more than 1 value per channel"),
    bad("SyncBatchNorm", (-4,), {}, (2, 4), error=RuntimeError, match="negative dimension"),
    # -- activations and the channel shuffle
    bad("GLU", (), {}, (2, 3), error=RuntimeError, match="Halving dimension must be even"),
    bad("GLU", (), {}, (), error=RuntimeError, match="does not support scalars"),
    bad("GLU", (2,), {}, (4, 4), error=IndexError, match="Dimension out of range"),
    bad("GLU", (True,), {}, (4, 4), error=TypeError, match="must be int, not bool"),
    bad("GLU", (None,), {}, (4, 4), error=TypeError, match="NoneType"),
    bad("Hardshrink", (None,), {}, (2, 3), error=TypeError, match="must be Number"),
    bad("Hardshrink", (1e39,), {}, (2, 3), error=RuntimeError, match="overflow"),
    bad("Softshrink", (-1.0,), {}, (2, 3), error=RuntimeError, match="lambda must be in range"),
    bad("Softshrink", (-0.5,), {}, (0, 3), error=RuntimeError, match="lambda must be in range"),
    bad("RReLU", (0.5, 0.1), {}, (2, 3), error=RuntimeError,
        match="Lower bound should be less than or equal to the upper bound"),
    bad("RReLU", ("a",), {}, (2, 3), error=TypeError, match="must be Number"),
    bad("ChannelShuffle", (2,), {}, (6, 3), error=RuntimeError, match="> 2 dims"),
    bad("ChannelShuffle", (0,), {}, (2, 6, 3), error=RuntimeError,
        match="Number of groups to divide channels in must be positive"),
    bad("ChannelShuffle", (-1,), {}, (2, 0, 3), error=RuntimeError, match="must be positive"),
    bad("ChannelShuffle", (4,), {}, (2, 6, 0), error=RuntimeError,
        match="Number of channels must be divisible by groups"),
    bad("ChannelShuffle", (True,), {}, (2, 6, 3), error=TypeError, match="not bool"),
    bad("ChannelShuffle", (2.0,), {}, (2, 6, 3), error=TypeError, match="not float"),
    # -- LP and fractional max pools
    bad("LPPool1d", (2, (3,)), {}, (2, 4, 7), error=TypeError, match="mul"),
    bad("LPPool1d", (0, 3), {}, (2, 4, 7), error=ZeroDivisionError, match=""),
    bad("LPPool2d", (False, 2), {}, (0, 4, 7, 7), error=ZeroDivisionError, match=""),
    bad("LPPool2d", ("a", 3), {}, (4, 8, 8), error=ValueError, match="could not convert"),
    bad("LPPool2d", (2, (3,)), {}, (4, 7, 7), error=ValueError, match="not enough values"),
    bad("LPPool2d", (float("inf"), (3, 2, 1)), {}, (4, 7, 7), error=ValueError,
        match="too many values"),
    bad("LPPool3d", (2, 3), {}, (4, 2, 7, 7), error=RuntimeError,
        match="smaller than kernel size"),
    bad("LPPool3d", (float("inf"), 3), {}, (4, 2, 7, 7), error=RuntimeError,
        match="Output size is too small"),
    bad("LPPool1d", (2, 9), {}, (2, 4, 8), error=RuntimeError, match="Output size is too small"),
    bad("LPPool1d", (2, 3), {}, (7,), error=RuntimeError, match="Expected 2 to 3 dimensions"),
    bad("LPPool1d", (2, 3), {}, (2, 0, 8), error=RuntimeError, match="non-zero|optional 0 dim"),
    bad("LPPool2d", (2, 3), {"stride": 0}, (4, 8, 8), error=RuntimeError,
        match="stride should not be zero"),
    bad("LPPool2d", (2, (True, 3)), {}, (4, 7, 7), error=TypeError, match="bool"),
    bad("FractionalMaxPool2d", (2,), {}, (2, 3, 7, 9), error=ValueError,
        match="requires specifying either an output size, or a pooling ratio"),
    bad("FractionalMaxPool2d", (2,), {"output_size": 2, "output_ratio": 0.5}, (2, 3, 7, 9),
        error=ValueError, match="only one of output_size and output_ratio"),
    bad("FractionalMaxPool2d", (2,), {"output_ratio": 1.0}, (2, 3, 7, 9), error=ValueError,
        match="output_ratio must be between 0 and 1"),
    bad("FractionalMaxPool2d", (2,), {"output_ratio": (0.5,)}, (2, 3, 7, 9), error=IndexError,
        match="out of range"),
    bad("FractionalMaxPool2d", (2,), {"output_ratio": (0.5, 0.5, 0.5)}, (2, 3, 7, 9),
        error=ValueError, match="requires output_ratio to either be"),
    bad("FractionalMaxPool2d", (2,), {"output_size": 7}, (2, 3, 7, 9), error=RuntimeError,
        match="pool height 2 too large relative to input height 7"),
    bad("FractionalMaxPool2d", ((2, 3),), {"output_size": 3}, (1, 1, 7, 3), error=RuntimeError,
        match="pool width 3 too large"),
    bad("FractionalMaxPool2d", (2,), {"output_size": 3}, (7, 9), error=IndexError,
        match="Dimension out of range"),
    bad("FractionalMaxPool2d", (2,), {"output_ratio": 0.5}, (9,), error=IndexError,
        match="Dimension out of range"),
    bad("FractionalMaxPool2d", (2,), {"output_size": 3}, (2, 3, 7, 9, 3), error=RuntimeError,
        match="Expected 3D or 4D tensor"),
    bad("FractionalMaxPool2d", (2,), {"output_size": 3}, (2, 0, 7, 9), error=RuntimeError,
        match="non-zero size for non-batch dimensions"),
    bad("FractionalMaxPool2d", (2,), {"output_size": -1}, (2, 3, 7, 9), error=RuntimeError,
        match="negative dimension"),
    bad("FractionalMaxPool2d", ((2,),), {"output_size": 3}, (4, 7, 7), error=RuntimeError,
        match="kernel_size must either be a single Int or tuple of Ints"),
    bad("FractionalMaxPool2d", (2,), {"output_size": (3, 4, 5)}, (4, 7, 7), error=RuntimeError,
        match="output_size must either be a single Int or tuple of Ints"),
    bad("FractionalMaxPool2d", (True,), {"output_size": 3}, (2, 3, 7, 9), error=TypeError,
        match="bool"),
    bad("FractionalMaxPool2d", (2,), {"output_size": 3.0}, (2, 3, 7, 9), error=TypeError,
        match="float"),
    bad("FractionalMaxPool3d", (0,), {"output_size": 3}, (4, 7, 7, 7), error=ValueError,
        match="kernel_size must be greater than 0"),
    bad("FractionalMaxPool3d", ((2, 0, 1),), {"output_size": 3}, (4, 7, 7, 7),
        error=ValueError, match="kernel_size must be greater than 0"),
    bad("FractionalMaxPool3d", (2,), {"output_size": 6}, (1, 1, 7, 7, 7), error=RuntimeError,
        match="pool time 2 too large relative to input time 7"),
    bad("FractionalMaxPool3d", (2,), {"output_size": (5, 7, 6)}, (1, 1, 7, 7, 7),
        error=RuntimeError, match="pool width 2 too large"),
    bad("FractionalMaxPool3d", (2,), {"output_size": (3, 4)}, (4, 7, 7, 7), error=RuntimeError,
        match="tuple of three Ints"),
    bad("FractionalMaxPool3d", (2,), {"output_ratio": (0.5, 0.5)}, (4, 7, 7, 7),
        error=IndexError, match="out of range"),
    bad("FractionalMaxPool3d", (2,), {"output_size": 3}, (7, 7, 7), error=IndexError,
        match="Dimension out of range"),
    bad("FractionalMaxPool3d", (2,), {"output_size": 3}, (1, 0, 7, 7, 7), error=RuntimeError,
        match="non-zero size"),
    # -- unpools (input, indices)
    bad("MaxUnpool1d", (2,), {}, (3,), (3,), error=RuntimeError,
        match="Input to max_unpooling2d should be a 3d or 4d Tensor"),
    bad("MaxUnpool1d", (2,), {}, (1, 2, 4, 3), (1, 2, 4, 3), error=RuntimeError,
        match="3d or 4d Tensor, but got a tensor with 5 dimensions"),
    bad("MaxUnpool1d", (2,), {}, (2, 4, 3), (2, 4, 2), error=RuntimeError,
        match="Expected shape of indices to be same as that of the input tensor"),
    bad("MaxUnpool1d", (-1,), {}, (2, 4, 3), (2, 4, 3), error=ValueError,
        match="output_size must contain non-negative spatial dimensions"),
    bad("MaxUnpool1d", ((2, 3),), {}, (2, 4, 3), (2, 4, 3), error=IndexError,
        match="out of range"),
    bad("MaxUnpool1d", (2,), {}, (2, 0, 3), (2, 0, 3), error=RuntimeError,
        match="non-zero size for non-batch dimensions"),
    bad("MaxUnpool1d", (2,), {}, (), (), error=IndexError, match="out of range"),
    bad("MaxUnpool2d", (2,), {}, (3, 3), (3, 3), error=RuntimeError, match="3d or 4d Tensor"),
    bad("MaxUnpool2d", ((2,),), {}, (2, 4, 3, 3), (2, 4, 3, 3), error=RuntimeError,
        match="There should be exactly two elements"),
    bad("MaxUnpool2d", ((2, 3, 4),), {}, (2, 4, 3, 3), (2, 4, 3, 3), error=IndexError,
        match="out of range"),
    bad("MaxUnpool2d", (2,), {}, (2, 4, 3, 3), (2, 4, 3, 3, 1), error=RuntimeError,
        match="Expected shape of indices"),
    bad("MaxUnpool2d", (2,), {"padding": 3}, (2, 4, 2, 3), (2, 4, 2, 3), error=ValueError,
        match="non-negative"),
    bad("MaxUnpool3d", (2,), {}, (3, 3, 3), (3, 3, 3), error=RuntimeError,
        match="4d or 5d Tensor"),
    bad("MaxUnpool3d", (2,), {"stride": 0}, (4, 3, 3, 3), (4, 3, 3, 3), error=RuntimeError,
        match="strides should be greater than zero"),
    bad("MaxUnpool3d", (2,), {"stride": -1}, (4, 3, 3, 3), (4, 3, 3, 3), error=RuntimeError,
        match="strides should be greater than zero"),
    bad("MaxUnpool3d", ((2, 2),), {}, (4, 3, 3, 3), (4, 3, 3, 3), error=RuntimeError,
        match="three elements"),
    bad("MaxUnpool3d", (2,), {"padding": (0, 0)}, (4, 3, 3, 3), (4, 3, 3, 3), error=IndexError,
        match="out of range"),
    bad("MaxUnpool3d", (2,), {}, (4, 0, 3, 3), (4, 0, 3, 3), error=RuntimeError,
        match="non-zero size"),
    # -- sliding blocks
    bad("Fold", ((4, 5), 2), {}, (12,), error=RuntimeError, match="Expected 2D or 3D"),
    bad("Fold", ((4, 5), 2), {}, (1, 2, 12, 12), error=RuntimeError, match="Expected 2D or 3D"),
    bad("Fold", ((4, 5), 2), {}, (2, 0, 12), error=RuntimeError, match="non-zero dimensions"),
    bad("Fold", ((4, 5), 2), {}, (2, 10, 12), error=RuntimeError,
        match="divisible by the product of kernel_size"),
    bad("Fold", ((4, 5), 2), {}, (2, 12, 11), error=RuntimeError,
        match="match the calculated number of sliding blocks 3 \\* 4 = 12"),
    bad("Fold", ((4,), 2), {}, (2, 12, 9), error=RuntimeError,
        match="expected output_size equals to 2"),
    bad("Fold", (4, (2, 2, 2)), {}, (2, 12, 9), error=RuntimeError,
        match="expected kernel_size equals to 2"),
    bad("Fold", (4, 0), {}, (2, 12, 9), error=RuntimeError,
        match="kernel size should be greater than zero"),
    bad("Fold", (4, 2), {"stride": 0}, (2, 12, 9), error=RuntimeError,
        match="stride should be greater than zero"),
    bad("Fold", (4, 2), {"dilation": 0}, (2, 12, 9), error=RuntimeError,
        match="dilation should be greater than zero"),
    bad("Fold", (4, 2), {"padding": -1}, (2, 12, 9), error=RuntimeError,
        match="padding should be non-negative"),
    bad("Fold", (True, 1), {}, (2, 12, 1), error=TypeError, match="bool"),
    bad("Fold", (-1, 1), {"padding": 1}, (2, 12, 1), error=RuntimeError,
        match="Expected output spatial size to be positive"),
    bad("Fold", (4, 5), {}, (2, 25, 1), error=RuntimeError, match="sliding blocks 0 \\* 0"),
    bad("Unfold", (2,), {}, (4, 5), error=IndexError, match="Dimension out of range"),
    bad("Unfold", (2,), {}, (1, 2, 3, 4, 5), error=RuntimeError, match="Expected 3D or 4D"),
    bad("Unfold", (2,), {}, (2, 0, 4, 5), error=RuntimeError, match="non-zero dimensions"),
    bad("Unfold", (2,), {}, (0, 4, 5), error=RuntimeError, match="non-zero dimensions"),
    bad("Unfold", (6,), {}, (2, 3, 4, 5), error=RuntimeError,
        match="its components must be at least one"),
    bad("Unfold", ((2,),), {}, (2, 3, 4, 5), error=RuntimeError,
        match="expected kernel_size equals to 2"),
    bad("Unfold", (2,), {"stride": (1, 1, 1)}, (2, 3, 4, 5), error=RuntimeError,
        match="expected stride equals to 2"),
    bad("Unfold", (2,), {"dilation": 0}, (2, 3, 4, 5), error=RuntimeError,
        match="dilation should be greater than zero"),
    bad("Unfold", (2.0,), {}, (2, 3, 4, 5), error=TypeError, match="float"),
    # -- Upsample's subclasses
    bad("UpsamplingBilinear2d", (), {"scale_factor": 2}, (3, 4, 5), error=NotImplementedError,
        match="bilinear mode needs 4D input"),
    bad("UpsamplingNearest2d", (), {"scale_factor": 2}, (2, 3), error=NotImplementedError,
        match="Only 3D, 4D and 5D"),
    bad("UpsamplingNearest2d", (), {}, (2, 3, 4, 5), error=ValueError,
        match="either size or scale_factor"),
    bad("UpsamplingBilinear2d", (3, 2), {}, (2, 3, 4, 5), error=ValueError,
        match="only one of size or scale_factor"),
    bad("UpsamplingNearest2d", (), {"scale_factor": 0.1}, (2, 3, 4, 5), error=RuntimeError,
        match="should be greater than 0"),
    bad("UpsamplingBilinear2d", (), {"scale_factor": (2,)}, (2, 3, 4, 5), error=ValueError,
        match="same number of spatial dimensions"),
    bad("UpsamplingNearest2d", (), {"scale_factor": [2, 1.5]}, (2, 3, 4, 5), error=TypeError,
        match="list"),
    bad("UpsamplingBilinear2d", (), {"scale_factor": 2}, (2, 0, 4, 5), error=RuntimeError,
        match="Non-empty 4D data tensor expected"),
    bad("UpsamplingNearest2d", (True,), {}, (2, 3, 4, 5), error=TypeError, match=""),
]


@pytest.mark.parametrize("name, pos, kw, shapes, error, match, native", INVALID_CASES)
def test_invalid_configuration_rejected_like_torch(name, pos, kw, shapes, error, match, native):
    with pytest.raises(error, match=match):
        torch_call(name, pos, kw, shapes, native=native)
    with pytest.raises(LayerError):
        catalogue_answer(name, pos, kw, shapes)


# Odd-looking configurations torch accepts: the catalogue must not reject them.
ODD_CASES = [
    case("Conv2d", (0, 4, 3), {}, (2, 0, 5, 5)),
    case("Conv1d", (0, 4, 3), {"bias": False}, (1, 0, 5)),
    case("Linear", (0, 8), {}, (2, 0)),
    case("Linear", (3, 4), {}, (0, 3)),
    case("Linear", (3, 0), {}, (2, 3)),
    case("Conv2d", (True, 4, 3), {}, (2, 1, 5, 5)),
    case("Linear", (True, 3), {}, (2, 1)),
    case("Conv2d", (2, 4, [3, 2]), {}, (2, 2, 5, 5)),
    case("Conv3d", (2, 4, [1, 2, 3]), {"stride": [1, 2, 1]}, (1, 2, 4, 5, 5)),
    case("Conv2d", (2, 4, 3), {"padding": (1,)}, (2, 2, 5, 5)),
    case("Conv3d", (2, 4, 3), {"padding": (1,)}, (1, 2, 4, 4, 4)),
    case("Conv1d", (2, 4, 3), {"padding": (1,), "padding_mode": "reflect"}, (2, 2, 5)),
    case("Conv2d", (2, 4, 3), {"stride": (2,)}, (2, 2, 5, 5)),
    case("Conv2d", (2, 4, 3), {"dilation": (2,)}, (2, 2, 5, 5)),
    case("Conv2d", (2, 4, 3), {"padding": "same", "stride": (1,)}, (2, 2, 3, 3)),
    case("ConvTranspose2d", (2, 4, 3), {"padding": (1,)}, (2, 2, 3, 3)),
    case("ConvTranspose2d", (2, 4, 3), {"stride": 2, "output_padding": (1,)}, (2, 2, 3, 3)),
    case("ConvTranspose2d", (2, 4, 3), {"output_padding": 1, "dilation": 2}, (2, 2, 3, 3)),
    case("Conv2d", (2, 4, 3), {}, (2, 5, 5)),  # unbatched
    case("Conv1d", (2, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 5)),
    case("Conv3d", (2, 4, 3), {"padding": "same", "padding_mode": "replicate"}, (2, 3, 3, 3)),
    case("ConvTranspose2d", (2, 4, 3), {"stride": 2}, (2, 3, 3)),
    case("MaxPool2d", (3,), {"stride": ()}, (1, 1, 5, 5)),
    case("AvgPool1d", (3,), {"stride": []}, (1, 1, 7)),
    case("MaxPool2d", (3,), {"stride": (2,)}, (1, 1, 5, 5)),
    case("AvgPool2d", ((3,),), {"padding": (1,)}, (1, 1, 5, 5)),
    case("AdaptiveAvgPool2d", ((None, 0),), {}, (1, 2, 9, 9)),
    case("AdaptiveMaxPool1d", (0,), {}, (2, 9, 3)),
    case("BatchNorm2d", (3,), {"affine": False, "track_running_stats": False}, (2, 5, 4, 4)),
    case("InstanceNorm2d", (3,), {}, (2, 5, 4, 4)),
    case("InstanceNorm1d", (4,), {"eps": -1.0}, (2, 4, 3)),
    case("GroupNorm", (2, 4), {"affine": False}, (2, 6)),
    case("GroupNorm", (2, 4), {"affine": False}, (2, 6, 1)),
    case("LayerNorm", (0,), {}, (2, 0)),
    case("LayerNorm", (4,), {"eps": -1.0}, (2, 4)),
    case("PReLU", (0,), {}, (2, 0)),
    case("Embedding", (10, 0), {}, (2, 3)),
    case("Dropout", (True,), {}, (2, 3)),
    case("Dropout", (1,), {}, (2, 3)),
    case("Dropout2d", (), {}, (2, 3)),
    case("AlphaDropout", (), {}, ()),
    case("Softmax", (), {}, ()),
    case("Softmax", (0,), {}, ()),
    case("Softmax", (-1,), {}, ()),
    case("ELU", (0,), {}, (2, 3)),
    case("Hardtanh", (-1, 0), {}, (2, 3)),
    case("Identity", (1, 2, 3), {"x": 4}, (2, 3)),
    case("Flatten", (0, 0), {}, ()),
    case("Flatten", (-1, -1), {}, ()),
    case("Upsample", (), {"scale_factor": 2.0, "mode": "linear", "align_corners": False},
         (1, 1, 3)),
    case("Upsample", (), {"scale_factor": 1}, (1, 1, 3)),
    case("Upsample", (), {"scale_factor": 2, "recompute_scale_factor": False}, (1, 1, 3)),
    case("Upsample", (4,), {"scale_factor": 0}, (1, 1, 3, 3)),  # a falsy scale is "no scale"
    case("Upsample", (), {"scale_factor": True}, (1, 1, 3, 3)),
    case("Upsample", (), {"scale_factor": 0.2, "mode": "area"}, (1, 1, 3, 3)),
    case("Upsample", ((0, 2),), {"mode": "area"}, (1, 1, 3, 3)),
    case("Upsample", (), {"scale_factor": 2, "mode": "area"}, (1, 0, 2, 3)),
    case("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, (0, 1, 2, 3)),
    # bools: fine where torch's C++ parser does not see them first in an int list
    case("Conv2d", (2, 4, True), {}, (2, 2, 5, 5)),
    case("Conv2d", (2, 4, 3), {"stride": (2, True)}, (2, 2, 5, 5)),
    case("Conv2d", (2, 4, 3), {"padding": (True, 1), "padding_mode": "reflect"}, (2, 2, 5, 5)),
    case("ConvTranspose2d", (2, True, 3), {"bias": False}, (2, 2, 5, 5)),
    case("LayerNorm", ((2, True),), {}, (2, 2, 1)),
    case("MaxPool2d", ((2, True),), {}, (2, 2, 5, 5)),
    case("AdaptiveAvgPool2d", ((2, True),), {}, (2, 4, 2, 2)),
    case("AdaptiveMaxPool2d", ((None, True),), {}, (2, 4, 3, 2)),
    case("Unflatten", (1, (2, True)), {}, (2, 2)),
    case("GroupNorm", (1, True), {"affine": False}, (2, 1, 2)),
    case("InstanceNorm1d", (True,), {}, (2, 1, 2)),
    case("BatchNorm1d", (True,), {"affine": False, "track_running_stats": False}, (2, 1, 2)),
    case("Embedding", (3, True), {}, (2, 1)),
    # empty dims torch lets through
    case("Conv2d", (0, 4, 3), {"padding": 1, "padding_mode": "circular"}, (2, 0, 5, 5)),
    case("Conv2d", (0, 4, 3), {"groups": 2}, (0, 5, 5)),
    case("Conv2d", (2, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (0, 2, 5, 5)),
    case("ConvTranspose2d", (2, 4, 3), {}, (0, 2, 5, 5)),
    case("MaxPool2d", (2,), {}, (0, 2, 5, 5)),
    case("AdaptiveAvgPool2d", (2,), {}, (2, 0, 5, 5)),
    case("AdaptiveAvgPool1d", (2,), {}, (0, 5)),
    case("AdaptiveMaxPool2d", (2,), {}, (0, 5, 5)),
    case("AdaptiveMaxPool2d", (2,), {}, (0, 3, 5, 5)),
    case("InstanceNorm2d", (3,), {}, (0, 5, 5)),
    # issue 21's layers: sizes and shapes torch lets through
    case("LocalResponseNorm", (0,), {}, (2, 0, 4, 5)),  # an empty input is returned first
    case("LocalResponseNorm", ("any",), {}, (0, 3, 4)),
    case("CrossMapLRN2d", (-1,), {}, (2, 3, 4, 5)),
    case("CrossMapLRN2d", (-3,), {}, (2, 1, 4, 5)),
    case("CrossMapLRN2d", (2.5,), {}, (2, 3, 4, 5)),
    case("CrossMapLRN2d", (True,), {}, (2, 3, 4, 5)),
    case("RMSNorm", ((2, True),), {}, (2, 2, 1)),
    case("RMSNorm", (0,), {}, (2, 3, 0)),
    case("RMSNorm", (5,), {"eps": -1.0}, (2, 5)),
    case("SyncBatchNorm", (4,), {}, (2, 4, 0)),
    case("SyncBatchNorm", (3,), {"affine": False, "track_running_stats": False}, (2, 5, 2)),
    case("Softshrink", (True,), {}, (2, 3)),
    case("Hardshrink", (float("inf"),), {}, (2, 3)),
    case("RReLU", (-1.0, 2.0), {}, (2, 3)),
    case("LPPool1d", (-1, 3), {}, (2, 4, 7)),
    case("LPPool1d", (2, 3, ()), {}, (2, 4, 8)),
    case("FractionalMaxPool2d", (0,), {"output_size": 3}, (2, 3, 7, 9)),
    case("FractionalMaxPool2d", (-1,), {"output_size": 3}, (2, 3, 7, 9)),
    case("FractionalMaxPool2d", (9,), {"output_size": 1}, (2, 3, 9, 9)),
    case("FractionalMaxPool3d", (2,), {"output_size": (2, True, 2)}, (1, 1, 4, 4, 4)),
    case("MaxUnpool1d", (0,), {}, (2, 4, 3), (2, 4, 3)),
    case("MaxUnpool1d", (3, 0), {}, (2, 4, 3), (2, 4, 3)),
    case("MaxUnpool2d", (2,), {"stride": 0}, (2, 4, 1, 3), (2, 4, 1, 3)),
    case("MaxUnpool2d", (2,), {"stride": -1}, (2, 4, 1, 3), (2, 4, 1, 3)),
    case("MaxUnpool2d", (2,), {"padding": 1}, (2, 4, 1, 3), (2, 4, 1, 3)),
    case("Fold", ((4, 5), 2), {}, (0, 12, 12)),
    case("Unfold", (2,), {}, (0, 3, 4, 5)),
    case("ChannelShuffle", (3,), {}, (2, 0, 3)),
]


@pytest.mark.parametrize("name, pos, kw, shapes", ODD_CASES)
def test_odd_configuration_torch_accepts(name, pos, kw, shapes):
    assert_matches_torch(name, pos, kw, shapes)


# ---------------------------------------------------------------------------
# 4. Disagreements the differential tests (tests/costmodel/test_differential.py) found, each pinned

DIFFERENTIAL_INVALID = [
    # Bilinear.reset_parameters() divides by sqrt(in1_features); in2_features=0 makes
    # forward's reshape(-1, 0) ambiguous whatever the input
    bad("Bilinear", (0, 3, 2), {}, (2, 0), (2, 3), error=ValueError,
        match="in1_features must be > 0"),
    bad("Bilinear", (2, 0, 3), {}, (2, 2), (2, 0), error=RuntimeError, match="ambiguous"),
    # avg_pool3d (only) wants the kernel to fit the input without its padding
    bad("AvgPool3d", (2,), {"padding": 1}, (1, 1, 1, 1, 1), error=RuntimeError,
        match="smaller than kernel size"),
    bad("AvgPool3d", (3,), {"padding": 1, "ceil_mode": True}, (1, 1, 3, 3, 2),
        error=RuntimeError, match="smaller than kernel size"),
    # batch_norm of an empty input reads weight[0]: affine weights over 0 channels have none
    bad("BatchNorm2d", (0,), {}, (2, 0, 3, 3), error=IndexError, match="out of range"),
    bad("BatchNorm1d", (0,), {"bias": False, "track_running_stats": False}, (2, 0),
        error=IndexError, match="out of range"),
    bad("InstanceNorm1d", (3,), {"affine": True}, (0, 3, 4), error=IndexError,
        match="out of range"),
    bad("InstanceNorm2d", (0,), {"affine": True}, (0, 3, 3), error=IndexError,
        match="out of range"),
    # without running statistics, batch statistics of one value fail in eval mode too
    bad("BatchNorm1d", (3,), {"track_running_stats": False}, (1, 3), error=ValueError,
        match="more than 1 value per channel"),
    bad("BatchNorm2d", (3,), {"affine": False, "track_running_stats": False}, (1, 3, 1, 1),
        error=ValueError, match="more than 1 value per channel"),
    # an input with a batch and channels but an empty spatial dim reaches no kernel
    bad("Conv2d", (2, 1, 1), {"padding": 1}, (1, 2, 0, 3), error=RuntimeError,
        match="Only zero batch or zero channel inputs are supported"),
    bad("Conv1d", (2, 1, 1), {"padding": 1}, (2, 0), error=RuntimeError,
        match="Only zero batch or zero channel inputs are supported"),
    bad("ConvTranspose2d", (2, 1, 3), {}, (1, 2, 0, 1), error=RuntimeError,
        match="Only zero batch or zero channel inputs are supported"),
    # an empty batch: the output's view still refuses a negative size, the weight an empty kernel
    bad("ConvTranspose1d", (2, 1, 1), {"padding": 1}, (0, 2, 1), error=RuntimeError, match=""),
    bad("Conv2d", (2, 1, (3, 0)), {}, (0, 2, 3, 3), error=IndexError, match="out of range"),
    # an empty table has no row for any index
    bad("Embedding", (0, 3), {}, (2,), error=RuntimeError, match="index"),
    bad("Embedding", (0, 3), {}, (), error=RuntimeError, match="index"),
    bad("EmbeddingBag", (0, 3), {}, (2, 1), error=RuntimeError, match=""),
    bad("EmbeddingBag", (10, 3), {"mode": "max", "sparse": True}, (2, 4), error=ValueError,
        match="max mode does not support sparse weights"),
    bad("EmbeddingBag", (10, 3), {"mode": "max", "scale_grad_by_freq": True}, (2, 4),
        error=ValueError, match="max mode does not support scaling the gradient"),
    # adaptive_avg_pool2d/3d to all ones is a mean over the last dims; Nones are filled in
    # from the input (which needs more dims than output_size has), the mean needs n dims
    bad("AdaptiveAvgPool2d", ((1, 1),), {}, (4, 5), error=ValueError,
        match="Input dimension should be at least 3"),
    bad("AdaptiveAvgPool3d", (1,), {}, (3, 4), error=IndexError, match="Dimension out of range"),
    bad("AdaptiveAvgPool2d", (2,), {}, (2, 3, 4, 5, 6), error=RuntimeError, match="3D or 4D"),
    bad("AdaptiveAvgPool1d", (2,), {}, (2, 0), error=RuntimeError, match="non-zero size"),
    bad("AdaptiveAvgPool1d", (1,), {}, (2, 3, 4, 5), error=RuntimeError, match="2 to 3"),
    # adaptive_avg_pool3d, unlike 1d and 2d, refuses empty channels too (as max pools do)
    bad("AdaptiveAvgPool3d", (2,), {}, (2, 0, 1, 1, 1), error=RuntimeError,
        match="non-zero size for non-batch dimensions"),
    bad("Upsample", (), {"size": 2, "mode": "area"}, (1, 0, 2, 2, 2), error=RuntimeError,
        match="non-zero size for non-batch dimensions"),
    bad("Upsample", (), {"size": 2, "mode": "area"}, (1, 1, 0), error=RuntimeError,
        match="non-zero size"),
    # a padding_mode's negative padding crops with F.pad: not to nothing (nor past it)
    bad("Conv1d", (1, 1, 1), {"padding": -1, "padding_mode": "reflect"}, (1, 1, 2),
        error=RuntimeError, match="too small"),
    bad("Conv1d", (1, 1, 1), {"padding": -1, "padding_mode": "replicate"}, (1, 1, 2),
        error=RuntimeError, match="too small"),
    bad("Conv1d", (1, 1, 1), {"padding": -2, "padding_mode": "circular"}, (1, 1, 3),
        error=RuntimeError, match="empty dimension"),
    bad("Conv1d", (1, 1, 1), {"padding": -1, "padding_mode": "circular"}, (1, 1, 2),
        error=RuntimeError, match="Kernel size can't be greater"),
    bad("Conv2d", (1, 1, 1), {"padding": -1}, (1, 1, 3, 3), error=RuntimeError,
        match="negative padding is not supported"),
    # 'same' around a zero kernel: dilation * (0 - 1) in total, under -1 a negative padding
    bad("Conv2d", (0, 1, 0), {"padding": "same", "dilation": 2}, (0, 0, 2, 2),
        error=RuntimeError, match="negative padding is not supported"),
]


@pytest.mark.parametrize("name, pos, kw, shapes, error, match, native", DIFFERENTIAL_INVALID)
def test_differential_regression_rejected_like_torch(name, pos, kw, shapes, error, match,
                                                     native):
    with pytest.raises(error, match=match):
        torch_call(name, pos, kw, shapes, native=native)
    with pytest.raises(LayerError):
        catalogue_answer(name, pos, kw, shapes)


DIFFERENTIAL_VALID = [
    # an input with no batch or no channels reaches no convolution kernel: the kernels' own
    # checks (dilation > 0, kernel > 0, output_padding, output size > 0) do not run
    case("Conv2d", (2, 1, 3), {"dilation": 0}, (0, 2, 4, 4)),
    case("Conv1d", (0, 1, 3), {"dilation": 0}, (0, 5)),
    case("Conv3d", (0, 1, 1), {"dilation": 0}, (1, 0, 1, 1, 1)),
    case("Conv2d", (0, 1, 0), {}, (2, 0, 1, 1)),
    case("Conv2d", (0, 1, (3, 0)), {}, (1, 0, 3, 3)),
    case("Conv2d", (2, 1, 1), {"padding": 1}, (0, 2, 0, 3)),
    case("Conv2d", (2, 1, 3), {"padding": "same", "dilation": 0}, (0, 2, 3, 3)),
    case("ConvTranspose2d", (2, 1, 3), {"output_padding": 1}, (0, 2, 2, 2)),
    case("ConvTranspose2d", (2, 1, 3), {"dilation": 0}, (0, 2, 1, 1)),
    case("ConvTranspose2d", (2, 1, 1), {"padding": 1}, (0, 2, 2, 2)),
    # batch_norm does not look at the channels of an empty input
    case("BatchNorm1d", (3,), {}, (2, 0)),
    case("BatchNorm2d", (3,), {}, (0, 5, 2, 2)),
    # no weight and no running statistics: nothing is created of a negative size
    case("BatchNorm1d", (-1,), {"affine": False, "track_running_stats": False}, (2, 3, 1)),
    case("InstanceNorm3d", (-1,), {}, (0, 3, 1, 1, 2)),
    case("GroupNorm", (1, -1), {"affine": False}, (2, 3)),
    # feature dropouts draw no noise for p=0, p=1 or an empty input: any rank goes
    case("Dropout2d", (0.0,), {}, ()),
    case("Dropout2d", (1.0,), {}, (3,)),
    case("Dropout3d", (0,), {}, ()),
    case("FeatureAlphaDropout", (), {}, (0,)),
    # an empty table and no index
    case("Embedding", (0, 3), {}, (0,)),
    case("EmbeddingBag", (0, 3), {}, (0, 1)),
    # adaptive_avg_pool2d/3d to all ones is a mean over the last 2 or 3 dims: any rank, empty
    # dims too (a 1d pool to 1 is a 2d pool to 1x1)
    case("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 5, 6)),
    case("AdaptiveAvgPool2d", (1,), {}, (4, 5)),
    case("AdaptiveAvgPool2d", ([1, 1],), {}, (1, 0, 1, 1, 1)),
    case("AdaptiveAvgPool2d", ((None, 1),), {}, (2, 1, 0)),
    case("AdaptiveAvgPool3d", (1,), {}, (2, 0, 0)),
    case("AdaptiveAvgPool1d", (1,), {}, (2, 0)),
    case("AdaptiveAvgPool3d", (2,), {}, (0, 1, 1, 1)),  # unbatched: dim 0 is the channels
    case("AdaptiveAvgPool2d", (2,), {}, (2, 0, 3, 3)),
    # Upsample 'area' is that adaptive average pool
    case("Upsample", (), {"size": 1, "mode": "area"}, (1, 1, 0)),
    case("Upsample", (), {"size": 1, "mode": "area"}, (1, 0, 2, 2, 2)),
    case("Upsample", (), {"size": (1, 1), "mode": "area"}, (1, 1, 0, 3)),
    case("Upsample", (), {"size": 2, "mode": "area"}, (0, 1, 2, 2, 2)),
    # a padding_mode pads with F.pad, which crops for a negative padding
    case("Conv2d", (1, 1, 3), {"padding": -1, "padding_mode": "reflect"}, (1, 1, 5, 5)),
    case("Conv3d", (1, 1, 1), {"padding": -1, "padding_mode": "reflect"}, (0, 1, 3, 3, 3)),
    case("Conv2d", (1, 1, 1), {"padding": (-1, 2), "padding_mode": "replicate"}, (1, 1, 3, 2)),
    case("Conv1d", (1, 1, 1), {"padding": -1, "padding_mode": "circular"}, (1, 1, 3)),
    case("Conv2d", (0, 1, 0), {"padding": "same"}, (0, 0, 2, 2)),
    case("Conv2d", (0, 1, 0), {"padding": "same", "dilation": 2, "padding_mode": "circular"},
         (0, 0, 2, 2)),
]


@pytest.mark.parametrize("name, pos, kw, shapes", DIFFERENTIAL_VALID)
def test_differential_regression_torch_accepts(name, pos, kw, shapes):
    assert_matches_torch(name, pos, kw, shapes)
