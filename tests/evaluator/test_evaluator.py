"""The evaluator (issue 4): how far macslint computes a model's layer sizes from the source.

One small model per evaluator feature.  Each model takes its layer sizes from that feature, so
a wrong evaluation changes the numbers, and every number asserted comes from PyTorch: the same
source is executed, the model built (a class with no arguments, or a factory function called
with none), run on zeros under FlopCounterMode, its parameters counted (tests/torchnn/tracer_helpers.py's
oracle).  `test_the_feature_decides_the_numbers` shows each model is sensitive: a plausible
wrong evaluation of the feature (the `mutant` edit) changes torch's own numbers.

Cases marked xfail are macslint bugs found this way (strict: a fix makes them pass, and the
run fail until the mark is dropped).

Then the other side of the contract: a value macslint cannot know stays unknown, and poisons
only what depends on it.  Hostile code (tests/data/hostile.py) is run through the CLI and
flake8 by tests/integration/test_hostile.py; here, that the step budget bounds time as well.
"""

from __future__ import annotations

import re
import sys
import textwrap
import types
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import pytest
import torch.nn as nn

from tests.helpers import Budget
from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, declared_input, line_of, src, the_model, torch_counts, trace,
)


@dataclass
class Case:
    body: str
    mutant: Tuple[str, str]  # (text, replacement): a wrong evaluation of the feature
    name: str = "Net"
    xfail: Optional[str] = None


CASES: Dict[str, Case] = {}


def case(id_: str, body: str, mutant: Tuple[str, str], name: str = "Net",
         xfail: Optional[str] = None) -> None:
    assert id_ not in CASES, id_
    CASES[id_] = Case(body, mutant, name, xfail)


# --------------------------------------------------------------------------- values

case("ints", """
    class Net(nn.Module):  # macslint: input-size=12
        def __init__(self):
            super().__init__()
            base = 12
            hidden = base * 3 - 4 // 2 + 7 % 4 + 2 ** 3 - (base >> 2)
            self.fc1 = nn.Linear(base, hidden)
            self.fc2 = nn.Linear(hidden, -(-hidden // 4))

        def forward(self, x):
            return self.fc2(self.fc1(x))
""", ("2 ** 3", "2 * 3"))

case("floats", """
    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self, width_mult=0.5):
            super().__init__()
            width = int(64 * width_mult)
            hidden = round(width * 1.5)
            self.conv = nn.Conv2d(3, width, 3)
            self.fc1 = nn.Linear(width, hidden)
            self.fc2 = nn.Linear(hidden, int(hidden / 2.5))

        def forward(self, x):
            x = self.conv(x).mean((2, 3))
            return self.fc2(self.fc1(x))
""", ("width_mult=0.5", "width_mult=0.25"))

case("bools", """
    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self, bias=False, wide=True):
            super().__init__()
            c = 16 if wide else 8
            self.conv = nn.Conv2d(3, c, 3, bias=bias)
            self.bn = nn.BatchNorm2d(c, affine=not bias)
            self.fc = nn.Linear(c, 4, bias=bias or not wide)

        def forward(self, x):
            return self.fc(self.bn(self.conv(x)).mean((2, 3)))
""", ("bias=False, wide", "bias=True, wide"))

case("none-defaults", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, hidden=None, out=None):
            super().__init__()
            if hidden is None:
                hidden = 4 * 8
            out = out if out is not None else hidden // 2
            self.fc1 = nn.Linear(8, hidden)
            self.fc2 = nn.Linear(hidden, out)

        def forward(self, x):
            return self.fc2(self.fc1(x))
""", ("hidden=None", "hidden=16"))

case("strings", """
    CFG = [16, "M", 32, "M", 64]

    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self, size="large"):
            super().__init__()
            layers, cin = [], 3
            for v in CFG:
                if v == "M":
                    layers.append(nn.MaxPool2d(2))
                else:
                    layers.append(nn.Conv2d(cin, v, 3, padding=1))
                    cin = v
            self.features = nn.Sequential(*layers)
            classes = {"small": 4, "large": 10}
            self.fc = nn.Linear(cin, classes[size])

        def forward(self, x):
            return self.fc(self.features(x).mean((2, 3)))
""", ('"M", 64', '64'))

case("tuples", """
    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self):
            super().__init__()
            kernel, pad = (3, 5), (1, 2)
            cin, cout = (3, 8)
            shape = (cout, 4)
            self.conv = nn.Conv2d(cin, cout, kernel, padding=pad, stride=(1, 2))
            self.fc = nn.Linear(shape[0], shape[1] + len(kernel))

        def forward(self, x):
            return self.fc(self.conv(x).mean((2, 3)))
""", ("(3, 5)", "(3, 3)"))

case("lists", """
    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            widths = [8, 16]
            widths.append(32)
            widths.insert(0, 4)
            self.layers = nn.ModuleList()
            for i in range(len(widths) - 1):
                self.layers.append(nn.Linear(widths[i], widths[i + 1]))
            self.out = nn.Linear(widths[-1], widths.pop(1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.out(x)
""", ("widths.append(32)", "widths.append(24)"))

case("module-level-dict", """
    CFGS = {"a": [8, 16], "b": [8, 16, 32]}
    NUM_CLASSES = {"a": 10, "b": 100}

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, variant="b"):
            super().__init__()
            layers, cin = [], 8
            for w in CFGS[variant]:
                layers += [nn.Linear(cin, w), nn.ReLU()]
                cin = w
            self.body = nn.Sequential(*layers)
            self.head = nn.Linear(cin, NUM_CLASSES[variant])

        def forward(self, x):
            return self.head(self.body(x))
""", ('variant="b"', 'variant="a"'))

case("dict-built-in-init", """
    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            sizes = {}
            sizes["stem"] = 8
            sizes.update(body=24)
            sizes = dict(sizes, head=sizes.get("missing", 5))
            self.stem = nn.Linear(4, sizes["stem"])
            self.body = nn.Linear(sizes["stem"], sizes["body"])
            self.head = nn.Linear(sizes["body"], sizes["head"])

        def forward(self, x):
            return self.head(self.body(self.stem(x)))
""", ('"missing", 5', '"stem", 5'))

# --------------------------------------------------------------------------- iteration

case("range-with-step", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            dims = list(range(8, 33, 8)) + list(range(24, 0, -12))
            self.body = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(dims, dims[1:])])

        def forward(self, x):
            return self.body(x)
""", ("range(8, 33, 8)", "range(8, 33, 16)"))

case("slice", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            cfg = [8, 16, 32, 64]
            self.heads = nn.ModuleList([nn.Linear(8, w) for w in cfg[1:]])

        def forward(self, x):
            return torch.cat([head(x) for head in self.heads], dim=1)
""", ("cfg[1:]", "cfg[2:]"))

case("reversed-slice", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [4, 16, 32]
            dims = [8] + widths[::-1]
            self.body = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(dims, dims[1:])])

        def forward(self, x):
            return self.body(x)
""", ("widths[::-1]", "widths[::1]"))

case("list-comprehension", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [w * 2 for w in [4, 8, 12, 16] if w != 12]
            self.body = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(widths, widths[1:])])

        def forward(self, x):
            return self.body(x)
""", ("w != 12", "w != 8"))

case("dict-comprehension", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = {f"fc{i}": 8 * (i + 1) for i in range(3)}
            self.heads = nn.ModuleDict({name: nn.Linear(8, w) for name, w in widths.items()})

        def forward(self, x):
            return torch.cat([self.heads[name](x) for name in self.heads], dim=1)
""", ("8 * (i + 1)", "8 * (i + 2)"))

case("for-over-list", """
    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList()
            cin = 4
            for cout in [8, 16, 12]:
                self.blocks.append(nn.Linear(cin, cout))
                cin = cout

        def forward(self, x):
            for block in self.blocks:
                x = F.relu(block(x))
            return x
""", ("[8, 16, 12]", "[8, 16, 20]"))

case("while-counter", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            c, n, layers = 8, 0, []
            while c < 64:
                layers.append(nn.Linear(c, c * 2))
                c *= 2
                n += 1
            self.body = nn.Sequential(*layers)
            self.head = nn.Linear(c, n)

        def forward(self, x):
            return self.head(self.body(x))
""", ("c < 64", "c < 32"))

# --------------------------------------------------------------------------- control flow

case("if-and-ternary", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, mode="wide", depth=3):
            super().__init__()
            if mode == "narrow":
                w = 8
            elif mode == "wide":
                w = 32
            else:
                w = 16
            self.fc1 = nn.Linear(8, w)
            self.act = nn.ReLU() if depth > 2 else nn.Identity()
            self.fc2 = nn.Linear(w, 4 if depth % 2 else 2)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))
""", ('mode="wide"', 'mode="other"'))

case("unknown-condition-branches-agree", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            if torch.cuda.is_available():
                hidden = 24
            else:
                hidden = 24
            scale = 2 if torch.cuda.is_available() else 2
            self.fc1 = nn.Linear(8, hidden * scale)
            self.fc2 = nn.Linear(hidden * scale, 4)

        def forward(self, x):
            return self.fc2(self.fc1(x))
""", ("2 if torch.cuda.is_available() else 2", "3 if torch.cuda.is_available() else 3"))

case("augmented-assignment", """
    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            c = 4
            c *= 2
            c += 8
            c //= 2
            c **= 2
            layers = [nn.Linear(4, c)]
            layers += [nn.ReLU(), nn.Linear(c, c // 4)]
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            return self.body(x)
""", ("c *= 2", "c *= 3"))

# --------------------------------------------------------------------------- calls

case("star-args-and-kwargs", """
    def conv_bn(*args, **kwargs):
        return nn.Sequential(nn.Conv2d(*args, bias=False, **kwargs), nn.BatchNorm2d(args[1]))

    def stage(cin, *widths, stride=1, **kwargs):
        layers = []
        for w in widths:
            layers.append(conv_bn(cin, w, 3, stride=stride, **kwargs))
            cin, stride = w, 1
        return nn.Sequential(*layers)

    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self):
            super().__init__()
            self.a = stage(3, 8, 16, stride=2, padding=1)
            self.b = stage(*[16, 24], **{"padding": 1, "dilation": 1})

        def forward(self, x):
            return self.b(self.a(x))
""", ("stride=2, padding=1", "stride=2, padding=0"))

case("keyword-defaults-and-keyword-only", """
    def head(cin, *, hidden=32, classes=10, bias=True):
        return nn.Sequential(nn.Linear(cin, hidden, bias=bias), nn.ReLU(),
                             nn.Linear(hidden, classes))

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, *, width=16, classes=5):
            super().__init__()
            self.stem = nn.Linear(8, width)
            self.head = head(width, classes=classes, bias=False)

        def forward(self, x):
            return self.head(self.stem(x))
""", ("hidden=32", "hidden=40"))

# --------------------------------------------------------------------------- builtins

case("math-ceil", """
    import math

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, math.ceil(20 / 3))

        def forward(self, x):
            return self.fc(x)
""", ("math.ceil(20 / 3)", "math.floor(20 / 3)"))

case("math-floor", """
    import math

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, math.floor(20 / 3))

        def forward(self, x):
            return self.fc(x)
""", ("math.floor(20 / 3)", "math.ceil(20 / 3)"))

case("math-sqrt", """
    import math

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, int(math.sqrt(200)))

        def forward(self, x):
            return self.fc(x)
""", ("200", "300"))

case("math-prod", """
    import math

    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self):
            super().__init__()
            kernel = (3, 5)
            self.conv = nn.Conv2d(3, 4, kernel)
            self.fc = nn.Linear(4 * math.prod([6, 4]), math.prod(kernel))

        def forward(self, x):
            return self.fc(self.conv(x).flatten(1))
""", ("math.prod(kernel)", "sum(kernel)"))

case("int", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, int(24 / 5) * int("3") + int(True))
            self.fc2 = nn.Linear(self.fc1.out_features, int(7.9))

        def forward(self, x):
            return self.fc2(self.fc1(x))
""", ('int("3")', 'int("4")'))

case("len", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [8, 8, 8]
            self.layers = nn.ModuleList([nn.Linear(w, w) for w in widths])
            names = {"a": 1, "b": 2}
            self.head = nn.Linear(8, len(widths) * len(self.layers) + len(names) + len("xyz"))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.head(x)
""", ("[8, 8, 8]", "[8, 8]"))

case("min-max", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [24, 8, 40]
            c = max(8, min(widths) // 4)
            self.fc1 = nn.Linear(8, max(widths))
            self.fc2 = nn.Linear(max(widths), min(c, 16, 12) + min(widths))

        def forward(self, x):
            return self.fc2(self.fc1(x))
""", ("[24, 8, 40]", "[24, 12, 40]"))

case("sum", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [4, 12, 20]
            self.branches = nn.ModuleList([nn.Linear(8, w) for w in widths])
            self.fuse = nn.Linear(sum(widths), sum([1, 2, 3]))

        def forward(self, x):
            return self.fuse(torch.cat([b(x) for b in self.branches], 1))
""", ("[4, 12, 20]", "[4, 12, 24]"))

case("zip", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            ins, outs, biases = [8, 16, 12], [16, 12, 4], [True, False, True]
            self.body = nn.Sequential(*[nn.Linear(i, o, bias=b) for i, o, b in zip(ins, outs, biases)])

        def forward(self, x):
            return self.body(x)
""", ("[True, False, True]", "[True, True, True]"))

case("enumerate-start", """
    class Net(nn.Module):  # macslint: input-size=4
        def __init__(self):
            super().__init__()
            layers, cin = [], 4
            for i, w in enumerate([4, 4, 4], start=1):
                layers.append(nn.Linear(cin, w * i))
                cin = w * i
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            return self.body(x)
""", ("start=1", "start=2"))

case("isinstance-file-class", """
    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.fc = nn.Linear(c, c)

        def forward(self, x):
            return self.fc(x)

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            parts = [Block(8), nn.ReLU(), Block(8)]
            blocks = sum([1 for p in parts if isinstance(p, Block)])
            self.body = nn.Sequential(*parts)
            self.head = nn.Linear(8, 10 * blocks + isinstance(self.body, nn.Sequential))

        def forward(self, x):
            return self.head(self.body(x))
""", ("isinstance(p, Block)", "isinstance(p, nn.ReLU)"))

case("isinstance-nn-layer", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh())
            n = 0
            for m in self.body:
                if isinstance(m, nn.Linear):
                    n += 6
                elif isinstance(m, (nn.Conv2d, nn.Tanh)):
                    n += 1
            self.head = nn.Linear(8, n)

        def forward(self, x):
            return self.head(self.body(x))
""", ("isinstance(m, nn.Linear)", "isinstance(m, nn.ReLU)"))

case("partial-of-a-layer", """
    class Net(nn.Module):  # macslint: input-size=3x16x16
        def __init__(self):
            super().__init__()
            conv3x3 = functools.partial(nn.Conv2d, kernel_size=3, padding=1)
            self.c1 = conv3x3(3, 8)
            self.c2 = conv3x3(8, 16, stride=2)

        def forward(self, x):
            return self.c2(self.c1(x))
""", ("kernel_size=3, padding=1", "kernel_size=5, padding=1"))

case("partial-of-a-block-class", """
    from functools import partial

    class Block(nn.Module):
        def __init__(self, cin, cout, expand=1):
            super().__init__()
            self.up = nn.Linear(cin, cout * expand)
            self.down = nn.Linear(cout * expand, cout)

        def forward(self, x):
            return self.down(self.up(x))

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            wide = partial(Block, expand=4)
            self.a = wide(8, 8)
            self.b = wide(8, cout=6)

        def forward(self, x):
            return self.b(self.a(x))
""", ("expand=4", "expand=3"))

case("class-attribute", """
    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, cin, planes):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, planes, 1)
            self.conv2 = nn.Conv2d(planes, planes * self.expansion, 1)

        def forward(self, x):
            return self.conv2(self.conv1(x))

    class Net(nn.Module):  # macslint: input-size=8x4x4
        def __init__(self, block=Bottleneck):
            super().__init__()
            self.block = block(8, 4)
            self.fc = nn.Linear(4 * Bottleneck.expansion, 10 * block.expansion)

        def forward(self, x):
            return self.fc(self.block(x).mean((2, 3)))
""", ("expansion = 4", "expansion = 2"))

case("class-objects-as-values", """
    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, norm_layer=None):
            super().__init__()
            norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
            self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.norm = norm_layer(cout)

        def forward(self, x):
            return self.norm(self.conv(x))

    class ChannelNorm(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.norm = nn.GroupNorm(1, c)

        def forward(self, x):
            return self.norm(x)

    class Net(nn.Module):  # macslint: input-size=3x8x8
        def __init__(self, block=BasicBlock, norm_layer=None):
            super().__init__()
            self.a = block(3, 8, norm_layer)
            self.b = block(8, 16, norm_layer=ChannelNorm)

        def forward(self, x):
            return self.b(self.a(x))
""", ("nn.BatchNorm2d if norm_layer is None", "nn.Identity if norm_layer is None"))

case("super-chain", """
    class Base(nn.Module):
        def __init__(self, cin, width):
            super().__init__()
            self.fc = nn.Linear(cin, width)

    class Mid(Base):
        def __init__(self, width=6):
            super(Mid, self).__init__(8, width * 2)
            self.act = nn.ReLU()

    class Net(Mid):  # macslint: input-size=8
        def __init__(self):
            super().__init__(width=5)
            self.out = nn.Linear(self.fc.out_features, 3)

        def forward(self, x):
            return self.out(self.act(self.fc(x)))
""", ("width=5", "width=7"))

case("make-layer-method", """
    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            return self.relu(out + identity)

    class Net(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self, block=BasicBlock, layers=(1, 2)):
            super().__init__()
            self.inplanes = 16
            self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
            self.layer1 = self._make_layer(block, 32, layers[0], stride=2)
            self.layer2 = self._make_layer(block, 64, 3, stride=2)
            self.fc = nn.Linear(64 * block.expansion, 10)

        def _make_layer(self, block, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                    nn.BatchNorm2d(planes * block.expansion),
                )
            layers = [block(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * block.expansion
            for _ in range(1, blocks):
                layers.append(block(self.inplanes, planes))
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.layer2(self.layer1(self.conv1(x)))
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
""", ("64, 3, stride=2", "64, 2, stride=2"))

case("module-level-helper", """
    def make_layers(cfg, batch_norm=False):
        layers = []
        in_channels = 3
        for v in cfg:
            if v == "M":
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
                if batch_norm:
                    layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                else:
                    layers += [conv2d, nn.ReLU(inplace=True)]
                in_channels = v
        return nn.Sequential(*layers)

    CFG = {"A": [8, "M", 16, "M", 32, 32, "M"]}

    class VGG(nn.Module):  # macslint: input-size=3x32x32
        def __init__(self, features=None, num_classes=10):
            super().__init__()
            self.features = features if features is not None else make_layers(CFG["A"], batch_norm=True)
            self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
            self.classifier = nn.Sequential(
                nn.Linear(32 * 2 * 2, 64), nn.ReLU(True), nn.Dropout(), nn.Linear(64, num_classes))

        def forward(self, x):
            x = self.avgpool(self.features(x))
            return self.classifier(torch.flatten(x, 1))
""", ("batch_norm=True", "batch_norm=False"), name="VGG")

case("factory-function", """
    class Block(nn.Module):
        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(cout)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class Net(nn.Module):
        def __init__(self, block, depths, num_classes=10, width=8):
            super().__init__()
            layers, cin = [], 3
            for i, depth in enumerate(depths):
                for j in range(depth):
                    layers.append(block(cin, width, stride=2 if j == 0 and i else 1))
                    cin = width
                width *= 2
            self.body = nn.Sequential(*layers)
            self.fc = nn.Linear(cin, num_classes)

        def forward(self, x):
            return self.fc(self.body(x).mean((2, 3)))

    def _net(block, depths, **kwargs):
        return Net(block, depths, **kwargs)

    def net(**kwargs):  # macslint: input-size=3x16x16
        return _net(Block, [2, 2], **kwargs)
""", ("[2, 2]", "[2, 3]"), name="net")

case("sequential-of-starred-list", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*[nn.Linear(8, 8) for _ in range(3)], nn.ReLU(),
                                      *[nn.Linear(8, 4)])

        def forward(self, x):
            return self.body(x)
""", ("range(3)", "range(4)"))

case("global-constants", """
    WIDTH = 12
    SCALE = 3

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8 * SCALE, WIDTH)
            self.out = nn.Linear(WIDTH, WIDTH // SCALE)

        def forward(self, x):
            return self.out(self.fc(x.repeat(1, SCALE)))
""", ("SCALE = 3", "SCALE = 2"))


case("global-assigned-by-a-called-function", """
    WIDTH = 8

    def widen(by):
        global WIDTH
        WIDTH = WIDTH * by

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, WIDTH)
            widen(3)
            self.b = nn.Linear(8, WIDTH)

        def forward(self, x):
            return self.b(x) + self.a(x).sum(1, keepdim=True)
""", ("widen(3)", "widen(2)"))


# --------------------------------------------------------------------------- once macslint bugs
# Models on which macslint gave other numbers than torch (or claimed torch raises): methods of
# a list or dict held by a local name, parameter defaults (evaluated once, when `def` runs, not
# at each call), class attributes assigned after the class.

case("local-list-sort-and-reverse", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [16, 32, 4]
            widths.sort()
            widths.reverse()
            dims = [8] + widths
            self.body = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(dims, dims[1:])])

        def forward(self, x):
            return self.body(x)
""", ("widths.reverse()", "widths.reverse() if False else None"))

case("local-list-remove", """
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            widths = [4, 16, 32]
            widths.remove(4)
            self.fc = nn.Linear(8, widths[0])

        def forward(self, x):
            return self.fc(x)
""", ("widths.remove(4)", "widths.remove(16)"))

case("kwargs-setdefault", """
    def linear(cin, cout, **kwargs):
        kwargs.setdefault("bias", False)
        return nn.Linear(cin, cout, **kwargs)

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = linear(8, 16)

        def forward(self, x):
            return self.a(x)
""", ('"bias", False', '"bias", True'))

case("kwargs-pop", """
    def linear(cin, **kwargs):
        cout = kwargs.pop("width", 16)
        return nn.Linear(cin, cout, **kwargs)

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = linear(8, width=12, bias=False)

        def forward(self, x):
            return self.a(x)
""", ("width=12", "width=10"))

case("mutable-default-argument", """
    def width(acc=[]):
        acc.append(8)
        return sum(acc)

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, width())
            self.b = nn.Linear(self.a.out_features, width())

        def forward(self, x):
            return self.b(self.a(x))
""", ("acc.append(8)", "acc.append(4)"))

case("default-evaluated-at-def", """
    WIDTH = 8

    def linear(cin, cout=WIDTH):
        return nn.Linear(cin, cout)

    WIDTH = 24

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = linear(8)
            self.b = nn.Linear(self.a.out_features, WIDTH)

        def forward(self, x):
            return self.b(self.a(x))
""", ("cout=WIDTH)", "cout=WIDTH * 2)"))


case("class-attribute-assigned", """
    class Cfg:
        width = 8

    Cfg.width = 16

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, Cfg.width)

        def forward(self, x):
            return self.fc(x)
""", ("Cfg.width = 16", "Cfg.width = 12"))


# --------------------------------------------------------------------------- the features


def _case_params():
    for id_, c in CASES.items():
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
        yield pytest.param(c, id=id_, marks=marks)


@pytest.mark.parametrize("c", list(_case_params()))
def test_feature_matches_torch(c: Case):
    assert_matches_torch(src(c.body), c.name)


def _input_of(source: str, name: str) -> Tuple[int, ...]:
    """The input the case's pragma gives (macslint's own input, unless building fails)."""
    line = next(t for t in source.splitlines() if re.match(rf"(class|def) {name}\(", t))
    size = re.search(r"input-size=([\dx]+)", line)
    assert size, line
    return (1, *map(int, size.group(1).split("x")))


def _torch_numbers(source: str, name: str, shape: Tuple[int, ...]) -> Tuple[Any, ...]:
    counts = torch_counts(source, name, shape)
    return counts.params, counts.macs, counts.output


@pytest.mark.parametrize("c", [pytest.param(c, id=i) for i, c in CASES.items()])
def test_the_feature_decides_the_numbers(c: Case):
    """A wrong evaluation of the feature gives torch other numbers: the case can fail."""
    source = src(c.body)
    old, new = c.mutant
    assert source.count(old) == 1, old
    mutant = source.replace(old, new)
    shape = _input_of(source, c.name)
    assert _torch_numbers(source, c.name, shape) != _torch_numbers(mutant, c.name, shape)


def test_builtins_keywords_are_honoured_not_ignored():
    """sorted(reverse=True), max(key=...) would give a wrong value if their keywords were
    ignored: they are Python's (issue 19), as is enumerate's positional start."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, sorted([2, 8, 4], reverse=True)[0])
                self.b = nn.Linear(4, max([1, 6, 3], key=lambda v: -v))
                self.c = nn.Linear(4, [i for i, _ in enumerate([7, 7], 1)][-1])

            def forward(self, x):
                return self.c(x)
    """)
    assert_matches_torch(source, "Net")


# =========================================================================== unknown stays unknown
# A value macslint cannot know makes unknown what depends on it, and nothing else: the other
# constructions of the file stay resolved (with torch's numbers), the model's totals become
# unknown (never guessed) and its reason names the line.


@pytest.fixture
def somewhere_unknown(monkeypatch):
    """For torch only: the module macslint cannot see, with some values."""
    module = types.ModuleType("somewhere_unknown")
    module.WIDTH = 5  # type: ignore[attr-defined]
    module.WIDTHS = [4, 6]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "somewhere_unknown", module)


def _torch_model(source: str, name: str) -> nn.Module:
    namespace: Dict[str, Any] = {}
    exec(compile(source, "m.py", "exec", dont_inherit=True), namespace)  # noqa: S102 - our own test source
    return namespace[name]()


def _numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


UNKNOWN_IMPORT = src("""
    from somewhere_unknown import WIDTH

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, 16)
            self.b = nn.Linear(16, WIDTH)
            self.c = nn.Linear(8, 4)
            self.d = nn.Linear(8, WIDTH * 4)

        def forward(self, x):
            y = self.b(self.a(x)).sum(1, keepdim=True) + self.d(x).sum(1, keepdim=True)
            return self.c(x) + y

    class Other(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 12)

        def forward(self, x):
            return self.fc(x)
""")


def test_unknown_import_poisons_only_what_depends_on_it(somewhere_unknown):
    source = UNKNOWN_IMPORT
    result = analyse(source)
    layers = {layer.line: layer for layer in result.report.layers}
    net = _torch_model(source, "Net")
    for attr in ("a", "c"):
        layer = layers[line_of(source, f"self.{attr} =")]
        assert layer.resolved and layer.params == _numel(getattr(net, attr)), attr
    for attr in ("b", "d"):  # d through `WIDTH * 4`
        layer = layers[line_of(source, f"self.{attr} =")]
        assert not layer.resolved and layer.params is None, attr
        assert "'WIDTH' is imported from somewhere_unknown" in layer.reason
    other = layers[line_of(source, "self.fc =")]
    assert other.resolved and other.params == _numel(_torch_model(source, "Other").fc)
    assert result.report.sites_resolved == sum(layer.resolved for layer in layers.values()) == 3

    model = the_model(result, "Net")
    assert not model.complete and (model.params, model.macs) == (None, None)
    assert f"(line {line_of(source, 'self.b =')})" in "; ".join(model.reasons)
    # the calls that do not depend on WIDTH are traced as torch runs them
    expected = torch_counts(source, "Net", declared_input(source, "Net")).calls
    traced = {(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.traced}
    assert {t[0] for t in traced} == {"a", "c"} and traced <= set(expected)
    assert_matches_torch(source, "Other")  # the file's other model is whole
    assert codes(result, "MAC010") == codes(result, "MAC011") == []


@pytest.mark.parametrize("form, words", [
    ("ternary", "hidden = 24 if torch.cuda.is_available() else 32"),
    ("if", "if torch.cuda.is_available():\n        hidden = 24\n    else:\n        hidden = 32"),
])
def test_unknown_condition_whose_branches_disagree_is_unknown(form, words):
    body = textwrap.indent(words, "            ").lstrip()
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                {body}
                self.a = nn.Linear(8, 8)
                self.b = nn.Linear(8, hidden)
                self.c = nn.Linear(8, 2)

            def forward(self, x):
                return self.c(self.a(x)) + self.b(x).sum(1, keepdim=True)
    """)
    result = analyse(source)
    layers = {layer.line: layer for layer in result.report.layers}
    net = _torch_model(source, "Net")
    for attr in ("a", "c"):
        layer = layers[line_of(source, f"self.{attr} =")]
        assert layer.resolved and layer.params == _numel(getattr(net, attr)), attr
    b = layers[line_of(source, "self.b =")]
    assert not b.resolved and b.params is None
    model = the_model(result, "Net")
    assert not model.complete and (model.params, model.macs) == (None, None)
    assert f"(line {line_of(source, 'self.b =')})" in "; ".join(model.reasons)
    assert {c.path for c in model.calls if c.traced} == {"a", "c"}


@pytest.mark.parametrize("where", ["direct", "helper"])
def test_global_assigned_under_an_unknown_condition_stays_unknown(where):
    """A `global` assignment under a condition macslint does not know (directly, or in a
    function called there) may or may not have run: torch on a machine without CUDA has other
    numbers than on one with it."""
    helper = "def widen():\n    global WIDTH\n    WIDTH = 16\n" if where == "helper" else ""
    assign = "widen()" if where == "helper" else "WIDTH = 16"
    source = src(
        "WIDTH = 8\n\n"
        + helper
        + "\n\nclass Net(nn.Module):  # macslint: input-size=8\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        global WIDTH\n"
        "        self.a = nn.Linear(8, 8)\n"
        "        if torch.cuda.is_available():\n"
        f"            {assign}\n"
        "        self.b = nn.Linear(8, WIDTH)\n"
        "\n"
        "    def forward(self, x):\n"
        "        return self.b(self.a(x))\n"
    )
    result = analyse(source)
    layers = {layer.line: layer for layer in result.report.layers}
    assert layers[line_of(source, "self.a =")].resolved
    assert not layers[line_of(source, "self.b =")].resolved
    model = the_model(result, "Net")
    assert not model.complete and model.params is None


def test_loop_over_an_unknown_list_poisons_only_its_layers(somewhere_unknown):
    source = src("""
        from somewhere_unknown import WIDTHS

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.stem = nn.Linear(8, 8)
                layers = []
                for w in WIDTHS:
                    layers.append(nn.Linear(8, w))
                self.branches = nn.ModuleList(layers)
                self.head = nn.Linear(8, 3)

            def forward(self, x):
                return self.head(self.stem(x))
    """)
    result = analyse(source)
    layers = {layer.line: layer for layer in result.report.layers}
    net = _torch_model(source, "Net")
    for attr in ("stem", "head"):
        layer = layers[line_of(source, f"self.{attr} =")]
        assert layer.resolved and layer.params == _numel(getattr(net, attr)), attr
    assert not layers[line_of(source, "nn.Linear(8, w)")].resolved
    model = the_model(result, "Net")
    assert not model.complete and model.params is None
    assert f"the loop over `WIDTHS` (line {line_of(source, 'for w in WIDTHS')})" in \
        "; ".join(model.reasons)


# Changes macslint does not follow, each making `width` (the size of `self.b`) unknown where
# Python may give it another value than the one macslint last saw.
NOT_FOLLOWED = {
    "sort-with-a-key": """
        ws = [16, 4]
        ws.sort(key=lambda v: -v)
        width = ws[0]""",
    "unmodelled-method-in-a-helper": """
        ws = [16, 4]
        order(ws)
        width = ws[0]""",
    "list-passed-to-a-call-not-followed": """
        ws = [16, 4]
        random.shuffle(ws)
        width = ws[0]""",
    "attribute-list-sorted-with-a-key": """
        self.ws = [16, 4]
        self.ws.sort(key=lambda v: -v)
        width = self.ws[0]""",
    "dict-popitem": """
        sizes = {"a": 16, "b": 4}
        sizes.popitem()
        width = len(sizes) * 4""",
    "class-attribute-under-a-condition": """
        if torch.cuda.is_available():
            Cfg.width = 16
        width = Cfg.width""",
    "global-under-a-ternary": """
        ok = widen() if torch.cuda.is_available() else False
        width = WIDTH""",
    "global-under-and": """
        ok = torch.cuda.is_available() and widen()
        width = WIDTH""",
    "mutable-default-changed-by-a-module-call": """
        width = total()""",
}


@pytest.mark.parametrize("words", [pytest.param(w, id=i) for i, w in NOT_FOLLOWED.items()])
def test_changes_not_followed_are_unknown_not_wrong(words):
    body = textwrap.indent(textwrap.dedent(words).strip("\n"), " " * 16).lstrip()
    source = src(f"""
        import random

        WIDTH = 8

        class Cfg:
            width = 8

        def order(ws):
            ws.sort(key=lambda v: -v)

        def widen():
            global WIDTH
            WIDTH = 16
            return True

        def total(acc=[8]):
            acc.append(8)
            return sum(acc)

        total()

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(8, 8)
                {body}
                self.b = nn.Linear(8, width)

            def forward(self, x):
                return self.a(x) + self.b(x).sum(1, keepdim=True)
    """)
    result = analyse(source)
    layers = {layer.line: layer for layer in result.report.layers}
    assert layers[line_of(source, "self.a =")].resolved
    assert not layers[line_of(source, "self.b =")].resolved
    model = the_model(result, "Net")
    assert not model.complete and (model.params, model.macs) == (None, None)
    assert f"(line {line_of(source, 'self.b =')})" in "; ".join(model.reasons)


NONLOCAL = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, 8)
            width = 8

            def grow():
                nonlocal width
                width = 16
            if torch.cuda.is_available():
                grow()
            self.b = nn.Linear(8, width)

        def forward(self, x):
            return self.a(x) + self.b(x).sum(1, keepdim=True)
""")


def test_nonlocal_written_under_an_unknown_condition_leaves_the_model_unknown():
    model = trace(NONLOCAL, "Net")
    assert not model.complete and (model.params, model.macs) == (None, None)
    assert f"(line {line_of(NONLOCAL, 'self.b =')})" in "; ".join(model.reasons)


def test_nonlocal_written_by_a_nested_function_leaves_the_site_unknown():
    """Was resolved with width = 8: the file's walk does not follow `grow()`, which may set it
    to 16 (torch has 16 when it runs)."""
    layers = {layer.line: layer for layer in analyse(NONLOCAL).report.layers}
    site = layers[line_of(NONLOCAL, "self.b =")]
    assert not site.resolved
    assert site.reason == ("argument 'out_features' is not known: 'width' may be rebound by a "
                           "function nested in this one (`nonlocal width`)")


def test_writes_every_branch_agrees_on_are_known():
    """A `global`, a `nonlocal` and a class attribute set to the same value by both branches of
    a condition macslint does not know: known, as Python has them either way."""
    source = src("""
        WIDTH = 8

        class Cfg:
            width = 8

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                global WIDTH
                n = 8

                def grow():
                    nonlocal n
                    n = 16
                if torch.cuda.is_available():
                    WIDTH, Cfg.width = 12, 4
                    grow()
                    m = n
                else:
                    WIDTH, Cfg.width = 12, 4
                    grow()
                    m = n
                self.a = nn.Linear(8, WIDTH + Cfg.width + m + n)

            def forward(self, x):
                return self.a(x)
    """)
    assert_matches_torch(source, "Net")


# =========================================================================== the step budget
# The work of running hostile code is bounded by the tracer's step budget (MAX_STEPS a model,
# MAX_FILE_STEPS a file) and the call depth (MAX_DEPTH): asserted as steps, and as counts of the
# work done (Python calls made, items looked at), which load cannot change; never as seconds.
# tests/integration/test_hostile.py runs tests/data/hostile.py through the CLI and flake8.


def _exponential(dead_lines: int) -> str:
    """f(60) calls itself 2**60 times; `dead_lines` statements after its returns never run."""
    dead = "".join(f"    y{i} = n + {i}\n" for i in range(dead_lines))
    return src(
        "def f(n):\n"
        "    if n:\n"
        "        return f(n - 1) + f(n - 1)\n"
        "    return 1\n"
        + dead
        + "\n\n"
        "class Net(nn.Module):  # macslint: input-size=8\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, f(60))\n"
        "\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
    )


def _python_calls(run: Any) -> int:
    """The Python and builtin function calls made while `run()` runs (in this thread and the
    threads it starts): the work done, the same on every run however loaded the machine."""
    import threading

    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    threading.setprofile(count)
    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return calls


def test_evaluation_is_bounded_by_the_step_budget_whatever_the_function_text(monkeypatch):
    """Building Net() ends at the budget, with the reason naming it, after exactly the steps
    the budget allows. A call is one step whatever the function's text: its 400 statements
    after the returns never run, and the names they bind are collected once per function,
    not per call (it was per call: 400 statements walked at each of thousands of calls). So a
    step costs the same work with or without them."""
    from macslint.torchnn import building, tracer

    monkeypatch.setattr(building, "MAX_DEPTH", 12)  # far from Python's recursion limit under pytest
    monkeypatch.setattr(tracer, "MAX_STEPS", 500)
    trace(_exponential(0), "Net")  # the interpreter's lookups warmed, as for every run below
    work: Dict[Tuple[int, int], int] = {}
    for steps in (500, 2000):
        monkeypatch.setattr(tracer, "MAX_STEPS", steps)
        for dead in (0, 400):
            source = _exponential(dead)
            models = []
            with Budget() as budget:
                work[steps, dead] = _python_calls(lambda: models.append(trace(source, "Net")))
            (model,) = models
            assert f"building Net() takes more than {steps:,} steps" in model.reasons
            assert model.params is None and model.macs is None
            assert budget.by_model["Net", model.line] == steps + 1 and budget.problems() == []
    # The text is read once whatever the budget (the same extra work at 500 and 2,000 steps),
    # so the work of 1,500 more steps does not depend on it (about 40 calls a step here).
    per_step = {dead: (work[2000, dead] - work[500, dead]) / 1500 for dead in (0, 400)}
    assert per_step[400] < 1.25 * per_step[0], per_step


def test_forgetting_a_list_in_a_big_module_is_bounded_by_the_step_budget(monkeypatch):
    """A list given to a call macslint does not follow is forgotten wherever a name holds it:
    looking through the file's big lists costs a step per 1,024 items looked at, so many such
    calls end the build. The items looked at are bounded by the steps, and those by the budget."""
    from macslint.torchnn import tracer

    monkeypatch.setattr(tracer, "MAX_STEPS", 5000)
    looked = 0
    containers = tracer.ModelInterpreter.containers

    def counted(self: Any, value: Any) -> Any:
        nonlocal looked
        found = containers(self, value)
        looked += sum(1 + len(c) for c in found)  # what containers() counts, item by item
        return found

    monkeypatch.setattr(tracer.ModelInterpreter, "containers", counted)
    big = "".join(f"BIG{i} = [0] * 99999\n" for i in range(20))
    source = src(
        "import random\n"
        + big
        + "\n\n"
        "class Net(nn.Module):  # macslint: input-size=8\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        for i in range(10000):\n"
        "            random.shuffle([i])\n"
        "        self.fc = nn.Linear(8, 8)\n"
        "\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
    )
    with Budget() as budget:
        model = trace(source, "Net")
    assert "building Net() takes more than 5,000 steps" in model.reasons
    assert budget.problems() == []
    # Every 1,024 items looked at were charged (the last look, cut short by the budget, is
    # not counted: it raised); the budget went on looking, not on the loop's calls.
    assert looked <= 1024 * (budget.charged + 1), (looked, budget.charged)
    assert looked > 1024 * 4000, looked
