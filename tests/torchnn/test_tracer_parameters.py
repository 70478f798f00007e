"""A model walking its own tree while it is built (issues 19/22): `named_parameters()`,
`parameters()`, `named_modules()`, `modules()`, `children()`, `named_children()`, `buffers()`,
`apply(fn)`, in torch's order and names, each module and parameter once; and weight tying
(`wte.weight = lm_head.weight`), which torch counts once, by identity.

torch runs the same source. Where a walk's result matters, the source turns it into a layer's
width (`nn.Linear(8, signature)`), so a wrong name, order or count changes the parameters.
"""

from __future__ import annotations

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    assert_matches_torch, reasons, src, torch_model, torch_params, trace,
)

# ------------------------------------------------------------------------- the walks of the tree

WALKS = src("""
    class Scaled(nn.LayerNorm):
        def __init__(self, n):
            super().__init__(n)
            self.gain = nn.Parameter(torch.ones(n))

    def signature(names):
        total = 0
        for i, name in enumerate(names):
            total += (i + 1) * len(name)
        return total % 97 + 1

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.same = self.fc
            self.blocks = nn.ModuleList([nn.Linear(8, 8), Scaled(8), nn.BatchNorm1d(8)])
            self.w = self.fc.weight
            self.register_buffer("mask", torch.ones(8))
            self.empty = None
            self.d = nn.ModuleDict(dict(a=nn.Linear(8, 4, bias=False), b=self.fc))
            walks = [
                [n for n, _ in self.named_parameters()],
                [n for n, _ in self.named_modules()],
                [n for n, _ in self.named_children()],
                [n for n, _ in self.named_buffers()],
                [n for n, _ in self.named_parameters(recurse=False)],
                [n for n, _ in self.blocks.named_parameters(prefix="x")],
                [n for n, _ in self.d.named_modules()],
                [n for n, _ in self.blocks[1].named_parameters()],
            ]
            self.heads = nn.ModuleList([nn.Linear(8, signature(w)) for w in walks])
            total = sum(p.numel() for p in self.parameters()) + len(list(self.modules())) \\
                + len(list(self.children())) + len(list(self.buffers())) \\
                + sum(b.numel() for b in self.blocks[2].buffers())
            self.tail = nn.Linear(8, total % 89 + 1)

        def forward(self, x):
            y = self.tail(x)[..., :1]
            for head in self.heads:
                y = y + head(x)[..., :1]
            return y
""")


def test_walks_of_the_tree_name_order_and_deduplicate_as_torch():
    # a module held twice (fc, d.b) and a parameter bound twice (w) come once, at their first
    # place; None children are left out; a layer subclass's parameters come before its own
    assert_matches_torch(WALKS, "Net")
    names = [n for n, _ in torch_model(WALKS, "Net").named_parameters()]
    assert names[:2] == ["w", "fc.bias"]  # what the signature above depends on


MIN_GPT = src("""
    import math

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.ln = nn.LayerNorm(n)
            self.c_fc = nn.Linear(n, 4 * n)
            self.c_proj = nn.Linear(4 * n, n)

        def forward(self, x):
            return x + self.c_proj(F.gelu(self.c_fc(self.ln(x))))

    class GPT(nn.Module):  # macslint: input-size=16x32
        def __init__(self, n=32, n_layer=3):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                drop=nn.Dropout(0.1),
                h=nn.ModuleList([Block(n) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n),
            ))
            self.lm_head = nn.Linear(n, 10, bias=False)
            scaled = 0
            for pn, p in self.named_parameters():
                if pn.endswith('c_proj.weight'):
                    torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))
                    scaled += 1
            n_params = sum(p.numel() for p in self.transformer.parameters())
            # the counts decide a width, so that a wrong one shows in the parameters
            self.probe = nn.Linear(n, n_params % 101 + scaled)

        def forward(self, x):
            for block in self.transformer.h:
                x = block(self.transformer.drop(x))
            return self.lm_head(self.transformer.ln_f(x)) + self.probe(x)[..., :1]
""")


def test_min_gpt_init_loop_over_named_parameters():
    model = assert_matches_torch(MIN_GPT, "GPT")
    assert model.params == sum(p.numel() for p in torch_model(MIN_GPT, "GPT").parameters())


APPLY = src("""
    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Linear(8, 8)
            self.norm = nn.LayerNorm(8)

        def forward(self, x):
            return self.norm(self.conv(x))

    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.inner = Inner()
            self.layers = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), self.inner)
            self.order = []
            self.apply(self._init_weights)
            code = 0
            for i, k in enumerate(self.order):
                code += (i + 1) * k
            self.head = nn.Linear(8, code)

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
                self.order.append(1)
            elif isinstance(module, nn.LayerNorm):
                torch.nn.init.ones_(module.weight)
                self.order.append(2)
            elif isinstance(module, nn.ReLU):
                self.order.append(3)
            elif isinstance(module, nn.Sequential):
                self.order.append(4)
            elif isinstance(module, Inner):
                self.order.append(5)
            else:
                self.order.append(6)

        def forward(self, x):
            return self.head(self.layers(x))
""")


def test_apply_calls_fn_on_children_first_then_self_as_torch():
    # `inner` is held twice (by Net and by the Sequential): apply visits it under each
    assert_matches_torch(APPLY, "Net")


# ------------------------------------------------------------------------------ weight tying

NANO_GPT = src("""
    class GPT(nn.Module):  # macslint: input-size=16
        def __init__(self, vocab=50, n=32):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab, n),
                ln_f=nn.LayerNorm(n),
            ))
            self.lm_head = nn.Linear(n, vocab, bias=False)
            self.transformer.wte.weight = self.lm_head.weight
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx):
            x = self.transformer.wte(idx.long())
            return self.lm_head(self.transformer.ln_f(x))
""")


def test_nano_gpt_tying_counts_the_shared_weight_once():
    model = assert_matches_torch(NANO_GPT, "GPT")
    # not the untied count: the embedding's 50x32 is the head's
    assert model.params == 50 * 32 + 2 * 32


TIED_BIAS_KEPT = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(8, 8)
            self.dec = nn.Linear(8, 8)
            self.dec.weight = self.enc.weight
            self.extra = nn.Linear(8, 8)
            self.extra.weight = nn.Parameter(torch.zeros(8, 8))

        def forward(self, x):
            return self.extra(self.dec(self.enc(x)))
""")


def test_tied_layer_keeps_its_bias_and_a_new_parameter_replaces_the_old():
    model = assert_matches_torch(TIED_BIAS_KEPT, "Net")
    assert model.params == 3 * 8 + 2 * 64


TIED_OTHER_SHAPE = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, 16)
            self.b = nn.Linear(4, 16, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return {body}
""")


def test_tied_parameter_of_another_shape_is_counted_by_identity():
    source = TIED_OTHER_SHAPE.format(body="self.a(x)")
    assert_matches_torch(source, "Net")  # b is not called: its shape does not matter
    assert torch_params(source, "Net") == 16 * 8 + 16


def test_layer_running_with_a_tied_parameter_of_another_shape_is_not_costed():
    source = TIED_OTHER_SHAPE.format(body="self.b(x)")
    # torch runs it (b, built for 4 features, takes 8 with a's weight): macslint does not
    # follow that
    assert tuple(torch_model(source, "Net")(torch.zeros(1, 8, device="meta")).shape) == (1, 16)
    model = trace(source, "Net")
    assert model.params == torch_params(source, "Net")
    assert model.macs is None and "runs with a `weight` of another shape" in reasons(model)


# ---------------------------------------------------------------------------- not followed

@pytest.mark.parametrize("value", ["torch.zeros(8, 8)", "self.fc.weight.data"])
def test_assigning_a_tensor_that_is_not_a_parameter_is_not_followed(value):
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.fc.weight = {value}

            def forward(self, x):
                return self.fc(x)
    """)
    with pytest.raises(TypeError):  # torch refuses it
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.params is None and "the assignment to `self.fc.weight`" in reasons(model)


def test_a_parameter_where_the_layer_has_none_is_not_followed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8, bias=False)
                self.fc.bias = nn.Parameter(torch.zeros(8))

            def forward(self, x):
                return self.fc(x)
    """)
    assert torch_params(source, "Net") == 72  # torch registers it: macslint does not
    model = trace(source, "Net")
    assert model.params is None and "the assignment to `self.fc.bias`" in reasons(model)


def test_parameters_of_a_layer_whose_tensors_are_not_modelled_are_not_guessed():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.rnn = nn.GRU(8, 8)
                self.fc = nn.Linear(8, len(list(self.parameters())))

            def forward(self, x):
                return self.fc(x)
    """)
    assert torch_params(source, "Net") > 0
    model = trace(source, "Net")
    assert model.params is None and "`self.parameters()`" in reasons(model)
