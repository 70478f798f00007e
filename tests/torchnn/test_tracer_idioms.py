"""Idioms of real repositories that made models vanish or stop (issue 19, "No silent drops"):
`@staticmethod def forward(x)`, static and class methods called from forward, nn.ModuleDict
attributes and iteration (minGPT, nanoGPT), parameters made with the legacy tensor
constructors (`nn.Parameter(torch.Tensor(a, b))`) and initialised in place.

Every number comes from torch running the same source (tracer_helpers); where torch refuses
the model, macslint counts nothing and says why, with the construct and its line.
"""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from tests.torchnn.tracer_helpers import (
    HEADER, assert_matches_torch, declared_input, line_of, reasons, src, torch_counts,
    torch_model, trace,
)

# ------------------------------------------------------------- static and class methods


STATIC_FORWARD = src("""
    class Act(nn.Module):
        @staticmethod
        def forward(x):
            return F.relu(x) * 2


    class Scale(nn.Module):
        @classmethod
        def forward(cls, x):
            return x * cls.factor()

        @staticmethod
        def factor():
            return 3


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 16)
            self.act = Act()
            self.scale = Scale()
            self.out = nn.Linear(16, 4)

        @staticmethod
        def double(x):
            return x + x

        @classmethod
        def project(cls, layer, x):
            return cls.double(layer(x))

        def forward(self, x):
            x = self.act(self.fc(x))
            x = self.act.forward(x)  # the static forward called by name
            x = self.scale(Net.double(x))
            x = self.__class__.double(self.double(x))
            return self.project(self.out, x)
""")


def test_static_and_class_method_forward_and_helpers_match_torch():
    """torch calls `module(x)` as `module.forward(x)`: a static forward gets no `self`, a
    class one the module's class; helpers called through `self`, the class or `__class__`."""
    model = assert_matches_torch(STATIC_FORWARD, "Net")
    assert model.macs > 0


def test_static_forward_that_takes_self_raises_as_in_torch():
    source = STATIC_FORWARD.replace("def forward(x):", "def forward(self, x):")
    with pytest.raises(TypeError, match="forward"):
        torch_counts(source, "Net", declared_input(source, "Net"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert "forward() raises: forward() missing a required argument: 'x'" in reasons(model)


# ---------------------------------------------------------------------- nn.ModuleDict


GPT = src("""
    N_EMBD, N_HEAD, N_LAYER, VOCAB, BLOCK = 32, 4, 2, 100, 64


    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
            self.c_proj = nn.Linear(N_EMBD, N_EMBD)
            self.attn_dropout = nn.Dropout(0.1)
            self.n_head = N_HEAD
            self.n_embd = N_EMBD

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = self.attn_dropout(F.softmax(att, dim=-1))
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)


    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(N_EMBD)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(N_EMBD)
            self.mlp = nn.ModuleDict(dict(
                c_fc=nn.Linear(N_EMBD, 4 * N_EMBD),
                c_proj=nn.Linear(4 * N_EMBD, N_EMBD),
                act=nn.GELU(),
                dropout=nn.Dropout(0.1),
            ))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            m = self.mlp
            return x + m.dropout(m.c_proj(m.act(m.c_fc(self.ln_2(x)))))


    class GPT(nn.Module):  # macslint: input-size=16 batch-size=2
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(VOCAB, N_EMBD),
                wpe=nn.Embedding(BLOCK, N_EMBD),
                drop=nn.Dropout(0.1),
                h=nn.ModuleList([Block() for _ in range(N_LAYER)]),
                ln_f=nn.LayerNorm(N_EMBD),
            ))
            self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)

        def forward(self, idx):
            device = idx.device
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long, device=device)
            tok_emb = self.transformer.wte(idx)
            pos_emb = self.transformer.wpe(pos)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer['ln_f'](x)
            return self.lm_head(x)
""", header="import math\n" + HEADER)


def test_nanogpt_shaped_module_dict_matches_torch():
    """nanoGPT's `self.transformer = nn.ModuleDict(dict(wte=..., h=nn.ModuleList(...)))`, used
    as `self.transformer.wte(idx)` and `for block in self.transformer.h` (token ids in)."""
    model = trace(GPT, "GPT")
    assert model.complete, model.reasons
    expected = torch_counts(GPT, "GPT", declared_input(GPT, "GPT"), dtype=torch.long)
    assert (model.params, model.macs, model.output) == \
        (expected.params, expected.macs, expected.output)
    assert [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path] == \
        expected.calls
    assert model.containers["transformer.h"][0] == "ModuleList"


MODULE_DICT = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleDict(dict(
                inp=nn.Linear(8, 8),
                h=nn.ModuleList([nn.Linear(8, 8) for _ in range(3)]),
                act=nn.ReLU(),
            ))
            self.seq = nn.Sequential(OrderedDict(a=nn.Linear(8, 8), b=nn.ReLU()))
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            x = self.blocks.inp(x)
            x = getattr(self.blocks, 'act')(x)
            for i in range(len(self.blocks.h)):
                x = self.blocks.h[i](x)
            x = self.blocks['h'][0](x)
            x = self.seq.a(x)  # a Sequential's child by its name
            for name, module in self.blocks.items():
                if name == 'act':
                    x = module(x)
            for name in self.blocks:
                if name == 'inp':
                    x = self.blocks[name](x)
            for name in self.blocks.keys():
                if name in ('h',):
                    x = self.blocks[name][-1](x)
            n = len(self.blocks) + len(list(self.blocks.values()))
            if 'inp' in self.blocks and 'nope' not in self.blocks:
                x = x * n
            return self.head(x)
""")


def test_module_dict_items_keys_values_len_in_match_torch():
    assert_matches_torch(MODULE_DICT, "Net")


@pytest.mark.parametrize("use, why", [
    ("self.blocks.nope(x)", "`ModuleDict.nope()` is not modelled"),
    ("self.blocks['nope'](x)", "no module named 'nope'"),
])
def test_module_dict_name_it_does_not_hold_is_not_counted(use, why):
    source = MODULE_DICT.replace("x = self.blocks.inp(x)", f"x = {use}")
    model_in_torch = torch_model(source, "Net")
    with pytest.raises((AttributeError, KeyError)):
        model_in_torch(torch.zeros(declared_input(source, "Net"), device="meta"))
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    assert why in reasons(model)
    assert f"line {line_of(source, use)}" in reasons(model)


# ------------------------------------------------- nn.Parameter(torch.Tensor(a, b))


def torch_counts_built_on_cpu(source: str, name: str):
    """The legacy constructors ignore the default device (torch.Tensor(4, 8) is on the CPU
    under `torch.device('meta')`): build on the CPU, then move to meta and run as
    tracer_helpers.torch_counts does."""
    shape = declared_input(source, name)
    model = torch_model(source, name, device="cpu").to("meta").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(shape, device="meta"))
    return (sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2,
            tuple(out.shape))


LEGACY = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.Tensor(4, 8))
            self.bias = nn.Parameter(torch.Tensor(4))
            self.w2 = nn.Parameter(torch.FloatTensor(4, 4))
            self.w3 = nn.Parameter(torch.Tensor([1.0, 2.0, 3.0, 4.0]))
            self.w4 = nn.Parameter(torch.Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
            self.w5 = nn.Parameter(torch.Tensor(self.w4))
            self.empty = nn.Parameter(torch.Tensor())
            self.reset_parameters()

        def reset_parameters(self):
            nn.init.xavier_uniform_(self.weight)
            bound = 1 / math.sqrt(self.weight.size(1))
            self.bias.data.uniform_(-bound, bound)
            self.w2.data.normal_(0, 0.02)
            self.w2.data.mul_(0.5)
            self.w4.data.fill_(1.0)
            self.w5.data.zero_()

        def forward(self, x):
            return F.linear(x, self.weight, self.bias) @ self.w2 * self.w3
""", header="import math\n" + HEADER)


def test_parameters_of_legacy_tensor_constructors_match_torch():
    model = trace(LEGACY, "Net")
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == torch_counts_built_on_cpu(LEGACY, "Net")


@pytest.mark.parametrize("constructor, why", [
    ("torch.Tensor(-1, 8)", "negative dimension -1"),
    ("torch.Tensor([[1.0, 2.0], [3.0]])", "the data is not rectangular"),
])
def test_legacy_constructor_torch_refuses_is_not_counted(constructor, why):
    source = LEGACY.replace("torch.Tensor(4, 8)", constructor)
    with pytest.raises((RuntimeError, ValueError)):
        torch_model(source, "Net", device="cpu")
    model = trace(source, "Net")
    assert not model.complete and model.params is None and model.macs is None
    assert why in reasons(model) and f"line {line_of(source, constructor)}" in reasons(model)


@pytest.mark.parametrize("constructor, why", [
    # data (2 params), or for a torch.Size a shape: not told apart
    ("torch.Tensor((4, 8))", "`torch.Tensor()` of these arguments is not modelled"),
    # an integer tensor, which torch refuses as a parameter
    ("torch.LongTensor(4, 8)", "the result of `torch.LongTensor(...)` is not known"),
    # torch refuses a tensor of another dtype
    ("torch.DoubleTensor(torch.zeros(4, 8))",
     "`torch.DoubleTensor()` of a tensor whose dtype is not known"),
])
def test_legacy_constructor_not_modelled_says_why(constructor, why):
    source = LEGACY.replace("torch.Tensor(4, 8)", constructor)
    model = trace(source, "Net")
    assert not model.complete and model.params is None and model.macs is None
    assert f"(line {line_of(source, constructor)}) has no known shape: {why}" in reasons(model)
