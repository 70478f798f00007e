"""`macslint verify`: macslint's counts rebuilt and checked in PyTorch.

The fixtures must verify clean; a catalogue formula broken in process must come out as the
exact disagreement lines (and exit 1); without torch the command exits 2 and says how to
install it; and nothing but `verify` ever imports torch.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import textwrap

import pytest
import torch

from macslint import costmodel as catalogue
from macslint.costmodel import LayerError
from macslint.adapters.cli import main
from tests.helpers import REPO, macslint, run
from tests.torchnn.tracer_helpers import torch_counts, torch_layer, torch_layer_counts

pytestmark = pytest.mark.filterwarnings("ignore")

NET = textwrap.dedent("""\
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.flat = nn.Flatten()
            self.fc = nn.Linear(8, 10)

        def forward(self, x):
            return self.fc(self.flat(self.pool(self.conv(x))))
    """)

# Every kind of thing verify rebuilds: layers with and without a shape of their own, index
# inputs, Bilinear, matrix products in forward(), a raw parameter.
ZOO = textwrap.dedent("""\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Zoo(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect")
            self.pool = nn.MaxPool2d(2)
            self.norm = nn.GroupNorm(2, 8)
            self.act = nn.PReLU(8)
            self.up = nn.Upsample(scale_factor=2, mode="bilinear")
            self.deconv = nn.ConvTranspose2d(8, 4, 2, stride=2)
            self.flat = nn.Flatten()
            self.fc = nn.Linear(4 * 64 * 64, 16)
            self.ln = nn.LayerNorm(16)
            self.bil = nn.Bilinear(16, 16, 5)
            self.proj = nn.Parameter(torch.zeros(5, 7))

        def forward(self, x):
            x = self.act(self.norm(self.pool(self.conv(x))))
            x = self.flat(self.deconv(self.up(x)))
            x = self.ln(self.fc(x))
            return self.bil(x, x) @ self.proj


    class Tokens(nn.Module):  # macslint: input-size=12
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(100, 32, padding_idx=0)
            self.bag = nn.EmbeddingBag(100, 32, mode="max")
            self.att = nn.Linear(32, 32)

        def forward(self, x):
            h = self.emb(x)
            q = self.att(h)
            s = torch.matmul(q, h.transpose(1, 2))
            w = torch.bmm(s, h) + self.bag(x).unsqueeze(1)
            return F.linear(w, torch.zeros(8, 32))


    class Conv1(nn.Module):  # macslint: input-size=4x50
        def __init__(self):
            super().__init__()
            self.c = nn.Conv1d(4, 8, 5, stride=2, dilation=2, groups=2)
            self.t = nn.ConvTranspose1d(8, 8, 4, stride=3, output_padding=1, groups=4)
            self.p = nn.AdaptiveMaxPool1d(3)
            self.u = nn.Unflatten(1, (2, 4))

        def forward(self, x):
            return self.u(self.p(self.t(self.c(x))))
    """)


# The input `project` configures, batch 1: what the expected numbers below are measured at.
INPUT = (1, 3, 32, 32)


def torch_net():
    """NET as torch runs it at INPUT: the model, and its conv and fc layers on their inputs."""
    model = torch_counts(NET, "Net", INPUT)
    inputs = {path: shape for path, _, shape, _ in model.calls}
    conv = torch_layer_counts("nn.Conv2d(3, 8, 3, padding=1)", inputs["conv"])
    fc = torch_layer_counts("nn.Linear(8, 10)", inputs["fc"])
    return model, conv, fc, inputs


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with its own [tool.macslint] (3x32x32), as the working directory."""
    (tmp_path / "pyproject.toml").write_text("[tool.macslint]\ninput-size = [3, 32, 32]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def verify(capsys, *args: str):
    code = main(["verify", "-j", "1", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


SUMMARY = re.compile(
    r"^verified (?P<layers>\d+) layers?( \((?P<shapeless>\d+) without a shape of their own: "
    r"params only\))?, (?P<calls>\d+) model calls?(, (?P<ops>\d+) matrix products? in "
    r"forward\(\))?, (?P<macs>\d+) model MAC totals?, (?P<params>\d+) model param totals?; "
    r"(?P<disagreements>\d+) disagreements?; (?P<unrebuilt>\d+) not rebuildable")


def test_fixtures_verify_clean():
    proc = macslint("verify", "fixtures/", cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout  # no disagreement, no file that failed: the summary
    found = SUMMARY.match(lines[0])
    assert found, lines[0]
    counts = {k: int(v) for k, v in found.groupdict().items() if v is not None}
    assert counts["disagreements"] == 0
    # how many layers, calls and model totals were checked (lower bounds), not costs
    assert counts["layers"] >= 300 and counts["calls"] >= 500 and counts["macs"] >= 40, counts
    # The parts it could not rebuild are named with their reasons.
    assert "model param totals: parameters outside the traced layer calls" in lines[0]
    assert "MAC011" in lines[0]


def test_fixtures_json_counts_invalid_layers(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = verify(capsys, "--format", "json", "fixtures/invalid.py")
    assert code == 0
    data = json.loads("\n".join(out))
    assert data["schema"] == 1 and data["disagreements"] == [] and data["errors"] == []
    # Every MAC010 layer of the fixture is rejected by torch too, except the one whose call
    # does not bind to the signature: there are no arguments to rebuild it from.
    assert data["verified"]["invalid_layers_torch_rejects"] == 10  # a count of layers, not a cost
    assert data["not_rebuildable"] == {
        "MAC010 sites: the call does not bind to the constructor's signature, no arguments to "
        "rebuild": 1}
    assert data["summary"].startswith("verified ")


def test_every_kind_of_part_agrees_with_torch(project, capsys):
    (project / "zoo.py").write_text(ZOO)
    code, out, err = verify(capsys, "--batch-size", "2", "zoo.py")
    assert code == 0, out
    # how many things of each kind verify checked, not costs
    assert out == [
        "verified 17 layers (10 without a shape of their own: params only), 17 model calls, "
        "4 matrix products in forward(), 3 model MAC totals, 2 model param totals; "
        "0 disagreements; 1 not rebuildable (1 model param totals: parameters outside the "
        "traced layer calls (nn.Parameter tensors, or modules the traced forward() does not "
        "reach))"]


def _broken(monkeypatch, name: str, **rules) -> None:
    monkeypatch.setitem(catalogue.LAYERS, name,
                        dataclasses.replace(catalogue.LAYERS[name], **rules))


def test_a_wrong_mac_formula_is_a_disagreement(project, capsys, monkeypatch):
    (project / "net.py").write_text(NET)
    real = catalogue.LAYERS["Conv2d"].macs
    _broken(monkeypatch, "Conv2d", macs=lambda args, inputs, out: real(args, inputs, out) + 1)
    code, out, _ = verify(capsys, "net.py")
    assert code == 1
    model, conv, _, inputs = torch_net()
    at = list(inputs["conv"])
    # the broken formula adds 1 to torch's count of each conv call (one in Net)
    assert out == [
        f"net.py:7:21: layer Conv2d(3, 8, 3, padding=1) at {at}: "
        f"MACs macslint {conv.macs + 1}, torch {conv.macs}",
        f"net.py:7:21: model Net conv Conv2d(3, 8, 3, padding=1) at {at}: "
        f"MACs macslint {conv.macs + 1}, torch {conv.macs}",
        f"net.py:4:1: model Net total: MACs macslint {model.macs + 1}, torch {model.macs}",
        # how many things verify checked, not costs
        "verified 4 layers (2 without a shape of their own: params only), 4 model calls, "
        "1 model MAC total, 1 model param total; 3 disagreements; 0 not rebuildable",
    ]


def test_flops_unit_and_params(project, capsys, monkeypatch):
    (project / "net.py").write_text(NET)
    _broken(monkeypatch, "Linear", params=lambda args: 7)
    code, out, _ = verify(capsys, "--unit", "flops", "net.py")
    assert code == 1
    model, _, fc, inputs = torch_net()
    at = list(inputs["fc"])
    # 7: the broken formula's Linear params, in place of torch's
    assert out[:3] == [
        f"net.py:10:19: layer Linear(8, 10) at {at}: params macslint 7, torch {fc.params}",
        f"net.py:10:19: model Net fc Linear(8, 10) at {at}: params macslint 7, torch {fc.params}",
        f"net.py:4:1: model Net total: params macslint {model.params - fc.params + 7}, torch {model.params}",
    ]


def test_counted_but_torch_rejects(project, capsys, monkeypatch):
    (project / "bad.py").write_text(
        "import torch.nn as nn\n\nlayer = nn.Conv2d(6, 4, 3, groups=4)\n")
    _broken(monkeypatch, "Conv2d", check=lambda args: None)  # forgets the groups rule
    code, out, _ = verify(capsys, "bad.py")
    assert code == 1
    with pytest.raises(ValueError):
        torch_layer("nn.Conv2d(6, 4, 3, groups=4)")
    # torch builds no such layer, so it has no count for it: params 40 and MACs 32400 are
    # macslint's (the catalogue's formulas on 6 // 4 input channels a group) as verify prints them
    assert out[0] == (
        "bad.py:3:9: layer Conv2d(6, 4, 3, groups=4) at [1, 6, 32, 32]: macslint counts it "
        "(params 40, MACs 32400), torch raises building it: ValueError: in_channels must be "
        "divisible by groups")


def test_invalid_but_torch_accepts(project, capsys, monkeypatch):
    (project / "net.py").write_text(NET)

    def refuse(args):
        raise LayerError("Linear refuses 8 features")

    _broken(monkeypatch, "Linear", check=refuse)
    code, out, _ = verify(capsys, "net.py")
    assert code == 1
    _, _, fc, inputs = torch_net()
    assert out[0] == (f"net.py:10:19: layer Linear(8, 10) at {list(inputs['fc'])}: macslint says torch raises "
                      f"(MAC010: Linear refuses 8 features), torch accepts it (params {fc.params}, "
                      f"MACs {fc.macs})")


def test_parallel_output_is_the_same(project, capsys, monkeypatch):
    (project / "net.py").write_text(NET)
    (project / "zoo.py").write_text(ZOO)
    one = verify(capsys, ".")
    code = main(["verify", "-j", "2", "."])
    assert (code, capsys.readouterr().out.splitlines()) == one[:2]


def test_a_layer_returning_indices_agrees_and_a_wrong_tuple_claim_is_found(project, capsys,
                                                                          monkeypatch):
    """verify found that MaxPool/AdaptiveMaxPool with return_indices=True were traced as one
    tensor (torch returns (output, indices)); now traced as the pair, verify agrees. Claiming
    one tensor again is a disagreement."""
    pool = "nn.AdaptiveMaxPool1d(3, return_indices=True)"
    at = (1, 8, 65)  # the pragma's input size, batch 1
    out_shape, indices_shape = (tuple(t.shape) for t in torch_layer(pool)(torch.zeros(at, device="meta")))
    (project / "pool.py").write_text(textwrap.dedent("""\
        import torch.nn as nn


        class Pool(nn.Module):  # macslint: input-size=8x65
            def __init__(self):
                super().__init__()
                self.p = nn.AdaptiveMaxPool1d(3, return_indices=True)

            def forward(self, x):
                y, _ = self.p(x)
                return y
        """))
    code, out, _ = verify(capsys, "pool.py")
    assert code == 0, out
    monkeypatch.setattr("macslint.commands.verify.output_count", lambda args: 1)
    code, out, _ = verify(capsys, "pool.py")
    assert code == 1
    assert out[0] == (f"pool.py:7:18: model Pool p AdaptiveMaxPool1d(3, return_indices=True) at "
                      f"{list(at)}: output macslint one tensor {list(out_shape)}, torch a tuple of 2 "
                      f"tensors ({list(out_shape)}, {list(indices_shape)})")


def test_an_unpool_fed_indices_and_an_output_size_agrees(project, capsys):
    """MaxUnpool's forward takes int64 indices and a plain output_size (a tuple too, not a
    tensor's shape): verify rebuilds the call with both as torch takes them."""
    (project / "unpool.py").write_text(textwrap.dedent("""\
        import torch.nn as nn


        class Unpool(nn.Module):  # macslint: input-size=2x9x9x9
            def __init__(self):
                super().__init__()
                self.pool = nn.FractionalMaxPool3d(2, output_size=4, return_indices=True)
                self.unpool = nn.MaxUnpool3d(2)
                self.pool2 = nn.MaxPool2d(2, return_indices=True)
                self.unpool2 = nn.MaxUnpool2d(2)

            def forward(self, x):
                y, i = self.pool(x)
                x = self.unpool(y, i, (9, 9, 9)).flatten(3)
                y, i = self.pool2(x)
                return self.unpool2(y, i, output_size=x.size())
        """))
    code, out, _ = verify(capsys, "unpool.py")
    assert code == 0, out
    assert "4 model calls" in out[0] and "; 0 disagreements; 0 not rebuildable" in out[0]


def test_usage_and_config_errors_exit_2(project, capsys):
    code, _, err = verify(capsys, "missing.py")
    assert code == 2 and "missing.py: no such file or directory" in err
    (project / "pyproject.toml").write_text("[tool.macslint]\nbatch-size = 0\n")
    (project / "net.py").write_text(NET)
    code, _, err = verify(capsys, "net.py")
    assert code == 2 and "batch-size" in err


def test_without_torch_exit_2_and_say_how_to_install(tmp_path):
    (tmp_path / "net.py").write_text(NET)
    script = ("import sys; sys.modules['torch'] = None\n"  # `import torch` now fails
              "from macslint.adapters.cli import main\n"
              "sys.exit(main(['verify', 'net.py']))\n")
    proc = run([sys.executable, "-c", script], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "pip install 'macslint[torch]'" in proc.stderr


def test_linting_never_imports_torch(tmp_path):
    (tmp_path / "net.py").write_text(NET)
    script = ("import io, sys, contextlib\n"
              "from macslint.adapters.cli import main\n"
              "import macslint.commands.verify\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              "    for command in ('check', 'report'):\n"
              "        main([command, '--no-cache', '-j', '1', 'net.py'])\n"
              "assert 'torch' not in sys.modules, 'torch was imported'\n")
    proc = run([sys.executable, "-c", script], tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_an_argument_that_is_not_plain_is_named_in_python_s_words():
    """A layer's argument verify cannot pass to torch is named as Python names its type (was:
    "argument 'activation' is a LayerModule, not a plain value": macslint's own class)."""
    from macslint.commands.verify import _plain_problem
    from macslint.results.sites import LayerSite
    from macslint.torchnn.values import LayerModule

    gelu = LayerModule("GELU", catalogue.LAYERS["GELU"],
                       LayerSite(1, 0, "GELU", "GELU()", catalogue.LAYERS["GELU"]))
    assert type(torch.nn.GELU()).__name__ == "GELU"
    assert _plain_problem("activation", gelu) == \
        "argument 'activation' is a GELU object, not a plain value"
