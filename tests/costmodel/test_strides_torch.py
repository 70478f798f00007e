"""Oracle tests for macslint.costmodel.strides: torch decides whether `view` is accepted and
which strides every view op gives. Tensors are laid out by real permutes, expands, slices
and unsqueezes; compute_stride must agree with torch's `.view` (raises or not, and the
strides it gives), and view_strides / index_strides with the strides torch reports."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from macslint.costmodel import Args
from macslint.costmodel.strides import (
    compute_stride, contiguous_strides, index_strides, is_contiguous, view_strides,
)


def _layouts():
    """(name, tensor) pairs of many layouts: permuted, expanded, sliced, unsqueezed."""
    out = []
    for shape in [(2, 3, 4), (1, 3, 4), (2, 1, 4), (4, 6), (2, 3, 1, 5), (3, 0, 2)]:
        base = torch.zeros(shape)
        for perm in itertools.permutations(range(len(shape))):
            out.append((f"{shape}.permute{perm}", base.permute(perm)))
        out.append((f"{shape}[..., ::2]", base[..., ::2]))
        out.append((f"{shape}[:, 1:]", base[:, 1:]))
        out.append((f"{shape}.unsqueeze(1).transpose(0, -1)", base.unsqueeze(1).transpose(0, -1)))
    out.append(("expand", torch.zeros(3, 1, 4).expand(2, 3, 5, 4)))
    out.append(("expand.t", torch.zeros(1, 4).expand(6, 4).t()))
    out.append(("chunk", torch.zeros(2, 5, 12).chunk(3, dim=-1)[1]))
    out.append(("channels_last", torch.zeros(1, 8, 5, 5).permute(0, 2, 3, 1)))
    return out


def _targets(shape):
    numel = math.prod(shape)
    candidates = {(numel,), (-1,), tuple(shape), (1, *shape), (*shape, 1)}
    for i in range(1, len(shape)):
        candidates.add((math.prod(shape[:i]), -1))
        candidates.add((*shape[:i - 1], shape[i - 1] * shape[i], *shape[i + 1:]))
    for d, size in enumerate(shape):
        for f in (2, 3):
            if size % f == 0 and size > f:
                candidates.add((*shape[:d], f, size // f, *shape[d + 1:]))
    return sorted(candidates)


def _infer(target, numel):
    if -1 not in target:
        return tuple(target)
    known = math.prod(s for s in target if s != -1)
    return tuple(numel // known if s == -1 else s for s in target)


CASES = [(name, t, target) for name, t in _layouts() for target in _targets(tuple(t.shape))]


@pytest.mark.parametrize("name,tensor,target", CASES,
                         ids=[f"{n}->{t}" for n, _, t in CASES])
def test_compute_stride_is_torchs_view(name, tensor, target):
    shape = tuple(tensor.shape)
    new = _infer(target, tensor.numel()) if tensor.numel() else tuple(
        0 if s == -1 else s for s in target)
    try:
        expected = tensor.view(new).stride()
    except RuntimeError as exc:
        assert "view size is not compatible" in str(exc)
        expected = None
    assert compute_stride(shape, tensor.stride(), new) == expected


def test_contiguity_as_torch_says():
    for _, tensor in _layouts():
        assert is_contiguous(tuple(tensor.shape), tensor.stride()) == tensor.is_contiguous()
    for shape in [(), (3,), (2, 3, 4), (2, 0, 3)]:
        assert contiguous_strides(shape) == torch.zeros(shape).stride()


OPS = [
    ("permute", dict(sizes=(2, 0, 1), dims=None), lambda t: t.permute(2, 0, 1)),
    ("transpose", dict(dim0=0, dim1=-1), lambda t: t.transpose(0, -1)),
    ("mT", {}, lambda t: t.mT),
    ("T", {}, lambda t: t.permute(*range(t.dim() - 1, -1, -1))),
    ("unsqueeze", dict(dim=1), lambda t: t.unsqueeze(1)),
    ("unsqueeze", dict(dim=-1), lambda t: t.unsqueeze(-1)),
    ("squeeze", dict(dim=None), lambda t: t.squeeze()),
    ("squeeze", dict(dim=1), lambda t: t.squeeze(1)),
    ("flatten", dict(start_dim=1, end_dim=-1), lambda t: t.flatten(1)),
    ("flatten", dict(start_dim=0, end_dim=-1), lambda t: t.flatten()),
    ("reshape", {}, lambda t: t.reshape(-1)),
    ("contiguous", {}, lambda t: t.contiguous()),
    ("detach", {}, lambda t: t.detach()),
    ("expand", {}, lambda t: t.unsqueeze(0).expand(2, *t.shape)),
]


@pytest.mark.parametrize("op,values,run", OPS, ids=[o[0] for o in OPS])
def test_view_ops_give_torchs_strides(op, values, run):
    for name, tensor in _layouts():
        if tensor.dim() != 3:
            continue
        result = run(tensor)
        source = tensor.unsqueeze(0) if op == "expand" else tensor
        got = view_strides(op, Args({"input": tuple(source.shape), **values}),
                           tuple(source.shape), source.stride(), tuple(result.shape))
        assert got == result.stride(), name


def test_split_ops_give_torchs_strides():
    x = torch.zeros(4, 6, 8).permute(2, 0, 1)
    for op, values, pieces in [("chunk", dict(chunks=2, dim=1), x.chunk(2, 1)),
                               ("split", dict(split_size=3, dim=-1), x.split(3, -1)),
                               ("unbind", dict(dim=1), x.unbind(1))]:
        got = view_strides(op, Args({"input": tuple(x.shape), **values}), tuple(x.shape),
                           x.stride(), tuple(tuple(p.shape) for p in pieces))
        assert got == tuple(p.stride() for p in pieces)


@pytest.mark.parametrize("keys", [
    (slice(None), slice(1, None)), (0,), (Ellipsis, slice(None, None, 2)), (None, 1),
    (slice(None), None, slice(2, 5, 3)), (Ellipsis, None), (1, Ellipsis, 0),
    (slice(None), 2, None),
])
def test_basic_indexing_gives_torchs_strides(keys):
    for _, tensor in _layouts():
        if tensor.dim() < 3 or 0 in tensor.shape:
            continue
        try:
            expected = tensor[keys].stride()
        except IndexError:
            continue
        assert index_strides(tuple(tensor.shape), tensor.stride(), keys) == expected


def test_layer_outputs_are_contiguous():
    """The layers the tracer takes as allocating a contiguous output (tensors.py)."""
    x = torch.zeros(2, 8, 5).permute(0, 2, 1)
    assert torch.nn.Linear(8, 4)(x).is_contiguous()
    assert torch.nn.LayerNorm(8)(x).is_contiguous()


def _four_and_five_d_layouts():
    """4-D and 5-D tensors in every dim order, with size-1 and empty dims (the ambiguous cases
    c10 resolves to contiguous), made on the meta device as the model oracle runs."""
    out = []
    for shape in [(2, 3, 4, 5), (1, 8, 5, 5), (2, 1, 4, 4), (2, 3, 1, 1), (1, 1, 3, 4),
                  (2, 3, 1, 5), (2, 4, 3, 2, 5), (1, 3, 1, 2, 2), (2, 0, 3, 3),
                  (2, 1, 1, 1), (4, 1, 1, 6)]:  # N111 and N11W: c10's ambiguous cases
        base = torch.zeros(shape, device="meta")
        for perm in itertools.permutations(range(len(shape))):
            inverse = tuple(perm.index(d) for d in range(len(shape)))
            # a tensor of `shape` laid out in the memory order `perm`
            out.append((f"{shape}@{perm}", base.permute(perm).contiguous().permute(inverse)))
        out.append((f"{shape}[..., ::2]", base[..., ::2]))
    return out


@pytest.mark.parametrize("name,tensor", _four_and_five_d_layouts(),
                         ids=[n for n, _ in _four_and_five_d_layouts()])
def test_interpolate_keeps_the_memory_format_torch_suggests(name, tensor):
    """F.interpolate allocates its output channels last when its input suggests that
    (dinov2's position embedding: interpolate of a permute, then permute and view)."""
    from macslint.costmodel.strides import suggested_strides

    if 0 in tensor.shape:
        return  # interpolate refuses empty spatial inputs
    size = (3,) * (tensor.dim() - 2)
    mode = "bilinear" if tensor.dim() == 4 else "trilinear"
    for kwargs in ({"mode": "nearest"}, {"mode": mode, "align_corners": False}):
        out = torch.nn.functional.interpolate(tensor, size=size, **kwargs)
        got = suggested_strides(tuple(tensor.shape), tensor.stride(), tuple(out.shape))
        if got is None:  # not known: only a size-1 dim outside channels last (the docstring)
            assert 1 in out.shape
        else:
            assert got == out.stride(), kwargs


def test_interpolate_of_a_permute_is_channels_last():
    """dinov2's `interpolate(pos.reshape(1, M, M, dim).permute(0, 3, 1, 2))`: the output is
    channels last, so `.permute(0, 2, 3, 1).view(1, -1, dim)` is accepted."""
    from macslint.costmodel.strides import suggested_strides

    x = torch.zeros(1, 16, 16, 384, device="meta").permute(0, 3, 1, 2)
    out = torch.nn.functional.interpolate(x, size=(14, 14), mode="bicubic")
    assert suggested_strides(tuple(x.shape), x.stride(), tuple(out.shape)) == out.stride()
    assert out.permute(0, 2, 3, 1).view(1, -1, 384).shape == (1, 196, 384)


@pytest.mark.parametrize("shape,strides_of,target", [
    ((2,), lambda t: t, (4, 1, 2)),
    ((3, 2), lambda t: t.t(), (1, 1, 2, 3)),
    ((1, 4), lambda t: t, (1, 3, 1, 4)),
    ((3, 1), lambda t: t[::1], (2, 1, 3, 5)),
])
def test_expand_to_new_leading_dims_of_size_one(shape, strides_of, target):
    """torch's inferExpandGeometry: a new leading dim of size 1 steps over the dims after it
    (it was 0, which a broadcast operand's layout then read wrongly)."""
    from macslint.costmodel.strides import expand_strides

    tensor = strides_of(torch.zeros(shape))
    out = tensor.expand(*target)
    assert expand_strides(tuple(tensor.shape), tensor.stride(), target) == out.stride()


SPLIT_CASES = [c for c in CASES if 0 not in c[1].shape]  # (no claim for an empty tensor)


@pytest.mark.parametrize("name,tensor,target", SPLIT_CASES,
                         ids=[f"{c[0]}->{c[2]}" for c in SPLIT_CASES])
def test_a_view_that_only_splits_dims_is_accepted_whatever_the_strides(name, tensor, target):
    """splits_only: where it says yes, torch's `view` accepts the target (macslint then
    follows a view of a tensor whose strides it does not know)."""
    from macslint.costmodel.strides import splits_only

    shape = tuple(tensor.shape)
    out = _infer(target, math.prod(shape))
    if splits_only(shape, out):
        assert tuple(tensor.view(target).shape) == out
    assert splits_only(shape, shape) and splits_only(shape, (1, *shape, 1))


@pytest.mark.parametrize("shape,out,expected", [
    ((1, 3136, 128), (1, 128, 56, 56), False),
    ((1, 128, 3136), (1, 128, 56, 56), True),
    ((2, 12, 5), (2, 3, 4, 5), True),
    ((2, 12, 5), (2, 4, 3, 5), True),
    ((2, 12, 5), (24, 5), False),
    ((2, 12, 5), (2, 60), False),
    ((6, 4), (2, 3, 2, 2), True),
    ((6, 4), (3, 2, 4), True),
    ((6, 4), (2, 12), False),
])
def test_splits_only(shape, out, expected):
    from macslint.costmodel.strides import splits_only

    assert splits_only(shape, out) is expected
