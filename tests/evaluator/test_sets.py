"""Issue 19: Python sets and frozensets of known hashable values (evaluator.sets). Literals,
`set(...)`, `frozenset(...)`, comprehensions, `in`, `len`, iteration, methods, operators and
the builtins model code applies to them; a set changed in place is seen under every name
that holds it.

Every count comes from torch building the same source (tracer_helpers). The other side: an
iteration whose order depends on hash randomization (a set of strings) and a set changed by a
call macslint does not follow are unknown, never a guess.
"""

from __future__ import annotations

import torch.nn as nn

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, line_of, reasons, src, trace,
)

# lucidrains' KarrasUnet: `attn_res = set(cast_tuple(attn_res))`, then `curr_res in attn_res`
# decides which blocks have attention (and so `self.heads`).
KARRAS = src("""
    def cast_tuple(t, length=1):
        return t if isinstance(t, tuple) else ((t,) * length)


    class Block(nn.Module):
        def __init__(self, dim, has_attn=False):
            super().__init__()
            if has_attn:
                self.heads = 2
                self.fc = nn.Linear(dim, dim * self.heads)
            else:
                self.fc = nn.Linear(dim, dim)

        def forward(self, x):
            return self.fc(x)[..., :8]


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self, attn_res=(16, 8), image_size=32):
            super().__init__()
            attn_res = set(cast_tuple(attn_res))
            blocks = []
            curr_res = image_size
            for _ in range(3):
                blocks.append(Block(8, has_attn=curr_res in attn_res))
                curr_res //= 2
            self.mid_has_attn = curr_res in attn_res
            self.blocks = nn.Sequential(*blocks)

        def forward(self, x):
            return self.blocks(x)
""")


def test_karras_unet_attention_resolutions_match_torch():
    model = assert_matches_torch(KARRAS, "Net")
    assert [c.output for c in model.calls if c.path.endswith("fc")] == [(1, 8), (1, 16), (1, 16)]


SETS = src("""
    class Net(nn.Module):  # macslint: input-size=16
        def __init__(self, attn_res=(16, 8)):
            super().__init__()
            attn_res = set(attn_res)
            other = attn_res           # the same set: changed in place, seen under both names
            other.add(4)
            s2 = {1, 2} | {3}
            alias = s2
            s2 |= {7}                  # in place: `alias` sees it
            s2 = s2 - {2}              # a new set: `alias` keeps 1, 2, 3, 7
            layers = []
            for r in (16, 8, 4, 2):
                layers.append(nn.Linear(16, r * 2 if r in attn_res else r))
            for i in s2:
                layers.append(nn.Linear(16, i + len(attn_res) + len(alias)))
            layers.append(nn.Linear(16, sum({x * 2 for x in attn_res}) + max(attn_res)))
            names = {"a", "bb", "ccc"}  # order-free uses of a set of strings
            layers.append(nn.Linear(16, len(names) + len(sorted(names)[0]) + ("a" in names)
                                    + len(max(names)) + ("zz" not in names)))
            self.layers = nn.ModuleList(layers)

        def forward(self, x):
            return [layer(x) for layer in self.layers][-1]
""")


def test_sets_built_changed_and_read_match_torch():
    assert_matches_torch(SETS, "Net")


METHODS = src("""
    class Net(nn.Module):  # macslint: input-size=16
        def __init__(self):
            super().__init__()
            a = {32, 1, 8, 16, 64}     # iterated in Python's order (ints hash the same everywhere)
            b = frozenset([8, 2, 64])
            a.discard(64)
            a.discard(1000)
            a.remove(1)
            a.update([3, 5], (6,))
            c = a.union(b).intersection({2, 3, 8, 16, 32}).difference([3])
            d = a ^ b
            e = (a & b) | {9}
            f = a.symmetric_difference(b)
            g = a.copy()
            g.clear()
            h = {x % 5 for x in range(12) if x != 3}
            sizes = [*c, *d, *e, len(f), len(g) + 1, *h, sum(h) + 1, min(a), len(b | {1})]
            sizes.append(10 if {8, 16} <= a and a >= {8} and not a.isdisjoint(b) else 20)
            sizes.append(11 if b.issubset(a) or frozenset({2}) < b else 21)
            sizes.append(a.pop())
            sizes.append(len(a) + sorted(a)[0])
            self.layers = nn.ModuleList([nn.Linear(16, max(n, 1)) for n in sizes])

        def forward(self, x):
            return [layer(x) for layer in self.layers][-1]
""")


def test_set_methods_operators_and_iteration_order_match_torch():
    model = assert_matches_torch(METHODS, "Net")
    assert len(model.calls) > 10


def test_iterating_a_set_of_strings_to_build_layers_is_unknown():
    """Its order depends on PYTHONHASHSEED: the layers' order would be a guess."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                names = {"a", "bb", "ccc"}
                self.layers = nn.ModuleList([nn.Linear(16, len(n)) for n in names])
                self.order = list(names)

            def forward(self, x):
                return self.layers[0](x)
    """)
    model = trace(source, "Net")
    assert not model.complete and model.params is None
    assert "hash randomization" in reasons(model)


def test_a_set_changed_by_an_unknown_call_is_unknown_under_every_name():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                sizes = {4, 8}
                alias = sizes
                some_lib.tweak(alias)
                self.fc = nn.Linear(16, len(sizes))
                self.fc2 = nn.Linear(16, 3 if 4 in sizes else 5)

            def forward(self, x):
                return self.fc2(x)
    """, header="import torch.nn as nn\nimport some_lib\n")
    model = trace(source, "Net")
    assert model.params is None
    assert "some_lib.tweak" in reasons(model)


def test_a_set_changed_under_an_unknown_condition_is_unknown():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                sizes = {4, 8}
                if some_lib.flag():
                    sizes.add(16)
                self.fc = nn.Linear(16, len(sizes))

            def forward(self, x):
                return self.fc(x)
    """, header="import torch.nn as nn\nimport some_lib\n")
    model = trace(source, "Net")
    assert model.params is None


def test_an_unmodelled_method_or_unknown_item_loses_the_set():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=16
            def __init__(self):
                super().__init__()
                sizes = {4, 8}
                sizes.add(some_lib.size())
                self.fc = nn.Linear(16, len(sizes))

            def forward(self, x):
                return self.fc(x)
    """, header="import torch.nn as nn\nimport some_lib\n")
    assert trace(source, "Net").params is None


# ------------------------------------------------------------------ reading the file (sites)

SITES = src("""
    RES = {8, 16}
    FROZEN = frozenset({1})
    fc = nn.Linear(8, 32 if 16 in RES else 4)
    fc2 = nn.Linear(8, 3 if 4 in RES else 5)
    fc3 = nn.Linear(8, 7 if {8} <= RES else 9)
    GROWN = {1, 2}
    SAME = GROWN
    GROWN.add(3)
    fc4 = nn.Linear(8, 2 if 3 in SAME else 6)
""")


def test_file_level_sites_read_sets_as_torch_builds_them():
    ns: dict = {}
    exec(compile(SITES, "<sites>", "exec", dont_inherit=True), ns)  # torch builds the same source
    layers = {layer.line: layer for layer in analyse(SITES).report.layers}
    for name in ("fc", "fc2", "fc3"):
        layer = layers[line_of(SITES, f"{name} = ")]
        assert layer.resolved, name
        assert layer.params == sum(p.numel() for p in ns[name].parameters()), name
    # A set changed by a method the file's walk does not follow: unknown, under every name.
    changed = layers[line_of(SITES, "fc4 = ")]
    assert not changed.resolved and changed.params is None
    assert isinstance(ns["fc4"], nn.Linear)
