"""macslint/torchnn/torch_members.py, the names torch.nn's modules have (for `hasattr`),
against torch itself: the file is what its script finds, and every attribute of every
torch.nn module class built here is in it (a name not listed is answered "no")."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import torch.nn as nn

from macslint.torchnn.common import MODULE_MEMBERS
from macslint.torchnn.torch_members import MEMBERS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "torch_members.py"
# argument lists tried in turn to build each class (most take sizes; a few none)
CANDIDATES = [(), (4,), (4, 4), (4, 4, 3), (8, 2), (1, (2, 2))]
RNN_WEIGHTS = re.compile(r"(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?$")


def test_the_file_is_what_the_script_finds_in_this_torch():
    spec = importlib.util.spec_from_file_location("torch_members_script", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert MEMBERS == script.torch_module_members()
    assert MODULE_MEMBERS <= MEMBERS


def built_modules():
    for name, cls in sorted(vars(nn).items()):
        if not (inspect.isclass(cls) and issubclass(cls, nn.Module)) or name.startswith("_"):
            continue
        for args in CANDIDATES:
            try:
                yield cls(*args)
                break
            except Exception:
                continue


def test_every_attribute_of_a_built_torch_module_is_listed():
    built = list(built_modules())
    assert len(built) >= 150  # the walk builds nearly every class (a test that sees them)
    for module in built:
        names = set(dir(module)) - set(module._modules) - set(module._parameters) \
            - set(module._buffers)
        missing = {n for n in names - MEMBERS if not RNN_WEIGHTS.match(n)}
        assert not missing, (type(module).__name__, sorted(missing))
    # extended: the RNNs with bidirectional layers and projections name their weights so
    lstm = nn.LSTM(4, 4, num_layers=2, bidirectional=True, proj_size=2)
    assert all(RNN_WEIGHTS.match(n) for n in lstm._parameters)
