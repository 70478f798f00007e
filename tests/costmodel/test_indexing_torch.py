"""Oracle tests for macslint.costmodel.indexing: advanced indexing (integer tensors and
lists among ints, slices, None and `...`) gives torch's shape, or raises where torch raises.
Every case is run by torch on the meta device (and on the CPU for the bounds, which meta does
not check); a seeded generator draws 600 key tuples over five shapes."""

from __future__ import annotations

import random

import pytest
import torch

from macslint.costmodel.indexing import IndexArray, index_shape
from macslint.costmodel.spec import ShapeError

SHAPES = [(2, 3, 4, 5), (4, 6), (3, 1, 2), (5,), (2, 2, 3, 1, 4)]
HAND = [
    ((2, 3, 4, 5), (0, slice(None), [0, 1])),
    ((2, 3, 4, 5), (slice(None), [0, 1], slice(None), [1, 2])),
    ((2, 3, 4, 5), (slice(None), [0, 1], [1, 2])),
    ((2, 3, 4, 5), ([0, 1], None, [0, 1])),
    ((2, 3, 4, 5), (Ellipsis, [0, 1])),
    ((2, 3, 4, 5), (slice(None), [[0, 1], [1, 2]])),
    ((2, 8, 16), (slice(None), [-1], slice(None))),  # nanoGPT's x[:, [-1], :]
    ((27, 8), (("tensor", (14, 14)),)),  # SAM's rel_pos_resized[relative_coords.long()]
    ((2, 3, 4, 5), (("tensor", (3, 1)), slice(None), ("tensor", (2,)))),
    ((2, 3, 4, 5), ([0, 1], [0, 1, 2])),  # shapes that do not broadcast
    ((2, 3), ([0, 3],)),  # out of bounds
    ((2, 3), (slice(None), [-4])),
    ((2, 3), (0, 0, [0])),  # too many indices
]


def _torch_key(key):
    if isinstance(key, tuple) and key and key[0] == "tensor":
        return torch.zeros(key[1], dtype=torch.long)
    return key


def _ours(key):
    if isinstance(key, tuple) and key and key[0] == "tensor":
        return IndexArray(key[1])
    if isinstance(key, list):
        tensor = torch.tensor(key)
        return IndexArray(tuple(tensor.shape), tuple(tensor.flatten().tolist()))
    return key


def _generated():
    rng = random.Random(18)
    cases = []
    for _ in range(600):
        shape = rng.choice(SHAPES)
        keys = []
        for _ in range(rng.randint(1, len(shape) + 1)):
            kind = rng.choice(["int", "slice", "none", "list", "tensor", "ellipsis"])
            size = rng.randint(1, 5)
            if kind == "int":
                keys.append(rng.randint(-3, 3))
            elif kind == "slice":
                keys.append(slice(rng.choice([None, 0, 1, -1]), rng.choice([None, 2, -1]),
                                  rng.choice([None, 1, 2])))
            elif kind == "none":
                keys.append(None)
            elif kind == "list":
                keys.append([rng.randint(-2, 2) for _ in range(size)])
            elif kind == "tensor":
                keys.append(("tensor", tuple(rng.randint(1, 3) for _ in range(rng.randint(1, 2)))))
            elif Ellipsis not in keys:
                keys.append(Ellipsis)
        cases.append((shape, tuple(keys)))
    return cases


CASES = HAND + _generated()


@pytest.mark.parametrize("shape,keys", CASES, ids=[f"{s}{k}" for s, k in CASES])
def test_advanced_indexing_is_torchs(shape, keys):
    x = torch.zeros(shape)  # the CPU checks the bounds of list items (meta does not)
    try:
        expected = tuple(x[tuple(_torch_key(k) for k in keys)].shape)
    except IndexError:
        with pytest.raises(ShapeError):
            index_shape(shape, [_ours(k) for k in keys])
        return
    meta = torch.zeros(shape, device="meta")[tuple(
        _torch_key(k).to("meta") if isinstance(_torch_key(k), torch.Tensor) else k for k in keys)]
    assert tuple(meta.shape) == expected
    if any(isinstance(k, (list, tuple)) for k in keys):
        assert meta.is_contiguous()  # what the tracer takes for a contiguous input
    assert index_shape(shape, [_ours(k) for k in keys]) == expected


def test_messages_are_torchs():
    x = torch.zeros(2, 3)
    for keys in (([0, 3],), (slice(None), [-4]), ([0, 1], [0, 1, 2])):
        with pytest.raises(IndexError) as torch_error:
            x[keys]
        with pytest.raises(ShapeError) as ours:
            index_shape((2, 3), [_ours(k) for k in keys])
        assert str(ours.value) == str(torch_error.value)
