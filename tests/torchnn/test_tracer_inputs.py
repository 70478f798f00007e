"""Models with several inputs, keyword inputs, optional inputs left at their defaults, and
inputs of other dtypes than float (token ids into nn.Embedding, bool masks).

Every count is torch's: the same source built with torch and called on zeros of the shapes and
dtypes the test declares to torch itself (`torch_counts_inputs`, meta device), never read from
macslint's trace. Where torch refuses an input's dtype (`torch_raises_inputs`, on the CPU, whose
kernels check dtypes), macslint reports it and counts no MACs.
"""

from __future__ import annotations

import json
from typing import Any, List

import pytest
import torch

from macslint.adapters import cli
from macslint.config import Settings
from macslint.costmodel.dtypes import DTYPES, Operand, promote_types, result_type
from macslint.inputs import InputSpec
from macslint.render.report_json import report_json
from macslint.render.report_text import ReportView, render_report

from tests.torchnn.tracer_helpers import (
    analyse, codes, line_of, reasons, src, torch_counts_inputs, torch_params,
    torch_raises_inputs, trace,
)

LONG, BOOL, FLOAT = torch.int64, torch.bool, torch.float32


def assert_matches(source: str, name: str, called: List[Any], **settings: Any):
    """The model traces completely, with torch's params, MACs, output and layer calls when
    `called` on inputs (name or None, shape with batch, torch dtype)."""
    model = trace(source, name, **settings)
    assert model.complete, model.reasons
    expected = torch_counts_inputs(source, name, called)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    got = [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path]
    assert got == expected.calls
    return model


# ------------------------------------------------------------------------ several inputs

GCN = src("""
    class GCN(nn.Module):  # macslint: inputs=10x8; 10x10, batch-size=2
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.fc2 = nn.Linear(16, 4)

        def forward(self, x, adj):
            x = F.relu(adj @ self.fc1(x))
            return adj @ self.fc2(x)
""")


def test_gcn_with_features_and_adjacency():
    model = assert_matches(GCN, "GCN", [(None, (2, 10, 8), FLOAT), (None, (2, 10, 10), FLOAT)])
    assert [(s.name, s.shape, s.dtype) for s in model.inputs] == [
        ("x", (2, 10, 8), "float32"), ("adj", (2, 10, 10), "float32")]
    assert model.input == (2, 10, 8)  # the first input, as `input` always was


SIAMESE = src("""
    class Siamese(nn.Module):  # macslint: inputs=3x16x16; 3x16x16
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(),
                                         nn.Linear(8 * 14 * 14, 32))
            self.head = nn.Linear(64, 1)

        def forward(self, a, b):
            return self.head(torch.cat([self.encoder(a), self.encoder(b)], dim=1))
""")


def test_siamese_shares_its_encoder():
    assert_matches(SIAMESE, "Siamese", [(None, (1, 3, 16, 16), FLOAT)] * 2)


def test_siamese_from_the_settings():
    source = SIAMESE.replace("  # macslint: inputs=3x16x16; 3x16x16", "")
    inputs = (InputSpec(None, (3, 16, 16)), InputSpec(None, (3, 16, 16)))
    assert_matches(source, "Siamese", [(None, (3, 3, 16, 16), FLOAT)] * 2,
                   models=(("Siamese", {"inputs": inputs, "input_size": (3, 16, 16),
                                        "batch_size": 3}),))


GPT = src("""
    class GPT(nn.Module):  # macslint: inputs=idx:16:int64
        def __init__(self, vocab=100, block=16, width=32):
            super().__init__()
            self.tok = nn.Embedding(vocab, width)
            self.pos = nn.Embedding(block, width)
            self.blocks = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 4 * width),
                                        nn.GELU(), nn.Linear(4 * width, width))
            self.ln = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab, bias=False)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
            x = self.tok(idx) + self.pos(pos)
            x = x + self.blocks(x)
            logits = self.head(self.ln(x))
            if targets is not None:
                logits = logits + targets
            return logits
""")


def test_gpt_with_token_ids_and_positions():
    model = assert_matches(GPT, "GPT", [("idx", (1, 16), LONG)])
    assert [(s.name, s.dtype) for s in model.inputs] == [("idx", "int64")]


def test_gpt_positions_of_default_int64():
    source = GPT.replace("torch.arange(0, t, dtype=torch.long, device=idx.device)",
                         "torch.arange(t)").replace("inputs=idx:16:int64", "inputs=16:long")
    assert_matches(source, "GPT", [(None, (1, 16), LONG)])


def test_gpt_positions_made_float_do_not_index():
    source = GPT.replace("dtype=torch.long", "dtype=torch.float32")
    assert torch_raises_inputs(source, "GPT", [("idx", (1, 16), LONG)])
    result = analyse(source)
    model = [m for m in result.report.models if m.name == "GPT"][0]
    assert model.macs is None and not model.complete
    assert model.params == torch_params(source, "GPT")
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "self.pos = nn.Embedding")
    assert "Embedding(block, width) gets 16 float32" in finding.message
    assert "Long, Int; but got torch.float32" in finding.message


TIMESTEP = src("""
    class Denoiser(nn.Module):  # macslint: inputs=32; t:():int64
        def __init__(self):
            super().__init__()
            self.time = nn.Embedding(1000, 32)
            self.fc = nn.Linear(32, 32)

        def forward(self, x, t):
            return self.fc(x + self.time(t))
""")


def test_a_0d_input_is_one_value_per_sample():
    model = assert_matches(TIMESTEP, "Denoiser", [(None, (1, 32), FLOAT), ("t", (1,), LONG)])
    assert model.inputs[1] == InputSpec("t", (1,), "int64")


# ------------------------------------------------------------ keyword and optional inputs

MASKED = src("""
    class Masked(nn.Module):  # macslint: inputs=6x8; mask:6x6:bool
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(8, 8)
            self.k = nn.Linear(8, 8)

        def forward(self, x, mask=None):
            scores = self.q(x) @ self.k(x).transpose(-2, -1)
            if mask is not None:
                scores = scores.masked_fill(mask, float("-inf"))
            return scores.softmax(-1)
""")


def test_a_keyword_input_by_name():
    assert_matches(MASKED, "Masked", [(None, (1, 6, 8), FLOAT), ("mask", (1, 6, 6), BOOL)])


def test_an_optional_input_left_at_its_default():
    source = MASKED.replace("inputs=6x8; mask:6x6:bool", "inputs=6x8")
    assert_matches(source, "Masked", [(None, (1, 6, 8), FLOAT)])


def test_a_keyword_only_input():
    source = MASKED.replace("def forward(self, x, mask=None)", "def forward(self, x, *, mask)")
    assert_matches(source, "Masked", [(None, (1, 6, 8), FLOAT), ("mask", (1, 6, 6), BOOL)])


def test_a_float_mask_is_refused():
    source = MASKED.replace("mask:6x6:bool", "mask:6x6")
    assert "boolean" in torch_raises_inputs(source, "Masked", [(None, (1, 6, 8), FLOAT),
                                                               ("mask", (1, 6, 6), FLOAT)])
    model = trace(source, "Masked")
    assert model.macs is None
    assert "the input 1x6x6 float32 does not fit Masked" in reasons(model)
    assert "masked_fill_ only supports boolean masks" in reasons(model)
    assert "inputs=..." in reasons(model)


def test_star_args_take_the_inputs_by_position():
    source = src("""
        class Pair(nn.Module):  # macslint: inputs=8; 8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, *args):
                return self.fc(args[0]) + self.fc(args[1])
    """)
    model = assert_matches(source, "Pair", [(None, (1, 8), FLOAT)] * 2)
    assert [s.name for s in model.inputs] == [None, None]


def test_star_star_kwargs_take_named_inputs():
    source = src("""
        class Extra(nn.Module):  # macslint: inputs=8; bias:4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x, **extra):
                return self.fc(x) + extra["bias"]
    """)
    assert_matches(source, "Extra", [(None, (1, 8), FLOAT), ("bias", (1, 4), FLOAT)])


# --------------------------------------------------------- inputs forward() cannot take

def test_a_required_input_not_declared_says_how_to_declare_it():
    source = GCN.replace("inputs=10x8; 10x10", "inputs=10x8")
    model = trace(source, "GCN")
    assert model.macs is None and model.params == torch_params(source, "GCN")
    assert "forward() takes more inputs than one tensor: 'adj' is not traced" in reasons(model)
    assert "declare it with inputs = [...] in [tool.macslint.models.GCN]" in reasons(model)


def test_a_name_that_is_not_a_parameter():
    source = GCN.replace("inputs=10x8; 10x10", "inputs=10x8; adjacency:10x10")
    model = trace(source, "GCN")
    assert model.macs is None
    assert "forward() has no parameter 'adjacency'" in reasons(model)


def test_more_inputs_than_forward_takes():
    source = GCN.replace("inputs=10x8; 10x10", "inputs=10x8; 10x10; 10")
    model = trace(source, "GCN")
    assert model.macs is None
    assert "3 inputs are declared by position but forward() takes 2" in reasons(model)


def test_a_name_given_by_position_too():
    source = GCN.replace("inputs=10x8; 10x10", "inputs=10x8; 10x10; x:10x8")
    assert "gets an input by position and the input named 'x'" in reasons(trace(source, "GCN"))


# ----------------------------------------------------------------------- dtypes torch refuses

EMBED = src("""
    class Tokens(nn.Module):  # macslint: inputs=12
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 8)
            self.fc = nn.Linear(8, 2)

        def forward(self, ids):
            return self.fc(self.embed(ids))
""")


def test_float_input_into_embedding_is_reported_not_counted():
    assert "Long, Int" in torch_raises_inputs(EMBED, "Tokens", [(None, (1, 12), FLOAT)])
    result = analyse(EMBED)
    model = [m for m in result.report.models if m.name == "Tokens"][0]
    assert model.macs is None and not model.complete
    assert model.params == torch_params(EMBED, "Tokens")
    assert "the input 1x12 float32 does not fit Tokens: Embedding(50, 8)" in reasons(model)
    assert "declare the input's dtype" in reasons(model)
    assert codes(result, "MAC011") == []  # a setting to fix, not a bug in the model


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_ids_into_embedding(dtype):
    source = EMBED.replace("inputs=12", f"inputs=12:{dtype}")
    assert_matches(source, "Tokens", [(None, (1, 12), getattr(torch, dtype))])


@pytest.mark.parametrize("dtype", ["int16", "uint8", "bool"])
def test_other_integers_into_embedding(dtype):
    source = EMBED.replace("inputs=12", f"inputs=12:{dtype}")
    assert torch_raises_inputs(source, "Tokens", [(None, (1, 12), getattr(torch, dtype))])
    assert trace(source, "Tokens").macs is None


LINEAR = src("""
    class Net(nn.Module):  # macslint: inputs=8:int64
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            return self.fc(x)
""")


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_input_into_linear_is_reported(dtype):
    source = LINEAR.replace("inputs=8:int64", f"inputs=8:{dtype}")
    message = torch_raises_inputs(source, "Net", [(None, (1, 8), getattr(torch, dtype))])
    assert message and "dtype" in message
    model = trace(source, "Net")
    assert model.macs is None and model.params == torch_params(source, "Net")
    assert f"the input 1x8 {dtype} does not fit Net: Linear(8, 4)" in reasons(model)
    assert "mat1 and mat2 must have the same dtype" in reasons(model)


def test_a_cast_to_integers_before_a_linear_is_mac011():
    source = LINEAR.replace("inputs=8:int64", "inputs=8").replace("self.fc(x)", "self.fc(x.long())")
    assert torch_raises_inputs(source, "Net", [(None, (1, 8), FLOAT)])
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "self.fc = nn.Linear")
    assert "Linear(8, 4) gets 1x8 int64" in finding.message
    assert [m.macs for m in result.report.models] == [None]


@pytest.mark.parametrize("cast, dtype", [("float", FLOAT), ("half", torch.float16),
                                         ("double", torch.float64)])
def test_casts_to_float_feed_embeddings_no_more(cast, dtype):
    source = EMBED.replace("inputs=12", "inputs=12:int64").replace(
        "self.embed(ids)", f"self.embed(ids.{cast}())")
    assert torch_raises_inputs(source, "Tokens", [(None, (1, 12), LONG)])
    assert len(codes(analyse(source), "MAC011")) == 1


def test_casts_back_to_long_feed_embeddings():
    source = EMBED.replace("self.embed(ids)", "self.embed(ids.long())")
    assert_matches(source, "Tokens", [(None, (1, 12), FLOAT)])
    source = EMBED.replace("self.embed(ids)", "self.embed(ids.to(torch.long))")
    assert_matches(source, "Tokens", [(None, (1, 12), FLOAT)])


def test_comparisons_make_bool_masks():
    source = MASKED.replace("inputs=6x8; mask:6x6:bool", "inputs=6x8; mask:6x6:int64").replace(
        "masked_fill(mask,", "masked_fill(mask == 0,")
    assert_matches(source, "Masked", [(None, (1, 6, 8), FLOAT), ("mask", (1, 6, 6), LONG)])


def test_true_division_of_integers_is_float():
    source = EMBED.replace("inputs=12", "inputs=12:int64").replace(
        "return self.fc(self.embed(ids))", "return self.fc(self.embed(ids) + (ids / 2)[..., None])")
    assert_matches(source, "Tokens", [(None, (1, 12), LONG)])
    floor = source.replace("(ids / 2)", "(ids // 2)")  # int64 into the embedding's float sum
    assert_matches(floor, "Tokens", [(None, (1, 12), LONG)])
    index = EMBED.replace("inputs=12", "inputs=12:int64").replace("self.embed(ids)",
                                                                   "self.embed(ids / 2)")
    assert torch_raises_inputs(index, "Tokens", [(None, (1, 12), LONG)])
    assert len(codes(analyse(index), "MAC011")) == 1


def test_input_size_keeps_its_dtype_unchecked():
    """`input-size` declares no dtype: token models traced with it count as before."""
    source = EMBED.replace("inputs=12", "input-size=12")
    model = trace(source, "Tokens")
    assert model.complete and model.inputs == [InputSpec("ids", (1, 12), None)]
    assert model.macs == torch_counts_inputs(source, "Tokens", [(None, (1, 12), LONG)]).macs


# ------------------------------------------------------------------------ type promotion

@pytest.mark.parametrize("a", DTYPES)
def test_promotion_is_torchs(a):
    for b in DTYPES:
        assert promote_types(a, b) == str(torch.promote_types(getattr(torch, a),
                                                              getattr(torch, b)))[6:]


@pytest.mark.parametrize("a", DTYPES)
def test_result_type_with_0d_tensors_and_numbers_is_torchs(a):
    def made(dtype, kind):
        if kind == "scalar":
            return {"bool": True, "int64": 3, "float32": 2.5}[dtype]
        return torch.zeros((2,) if kind == "tensor" else (), dtype=getattr(torch, dtype))

    for kind_a in ("tensor", "zero"):
        others = [(b, k) for b in DTYPES for k in ("tensor", "zero")]
        others += [(b, "scalar") for b in ("bool", "int64", "float32")]
        for b, kind_b in others:
            expected = torch.result_type(made(a, kind_a), made(b, kind_b))
            assert result_type([Operand(a, kind_a), Operand(b, kind_b)]) == str(expected)[6:]


# ------------------------------------------------------------------------------ reports

def test_the_reports_show_every_input():
    result = analyse(MASKED)
    summary, table = render_report([result.report], ReportView(tables=True)).split("\n\n")
    assert "model Masked at 1x6x8 float32, 1x6x6 bool" in table
    assert "  1x6x8 float32, 1x6x6 bool  " in summary
    (model,) = report_json([result.report], "macs")["files"][0]["models"]
    assert model["input"] == [1, 6, 8]
    assert model["inputs"] == [{"name": "x", "shape": [1, 6, 8], "dtype": "float32", "list": False},
                               {"name": "mask", "shape": [1, 6, 6], "dtype": "bool", "list": False}]


def test_the_json_of_an_input_size_model():
    result = analyse(EMBED.replace("inputs=12", "input-size=12"), batch_size=2)
    (model,) = report_json([result.report], "macs")["files"][0]["models"]
    assert model["inputs"] == [{"name": "ids", "shape": [2, 12], "dtype": None, "list": False}]


# ------------------------------------------------------------- settings: levels and the CLI

def test_file_inputs_apply_to_every_model():
    source = GCN.replace("  # macslint: inputs=10x8; 10x10, batch-size=2", "")
    inputs = (InputSpec(None, (10, 8)), InputSpec("adj", (10, 10)))
    assert_matches(source, "GCN", [(None, (1, 10, 8), FLOAT), ("adj", (1, 10, 10), FLOAT)],
                   inputs=inputs, input_size=(10, 8))


def test_a_model_entry_input_size_overrides_file_inputs():
    source = EMBED.replace("  # macslint: inputs=12", "")
    model = trace(source, "Tokens", inputs=(InputSpec(None, (12,)),), input_size=(12,),
                  models=(("Tokens", {"input_size": (12,)}),))
    assert model.complete and model.inputs == [InputSpec("ids", (1, 12), None)]


def test_the_pragma_inputs_override_a_model_entry_input_size():
    model = trace(EMBED.replace("inputs=12", "inputs=12:int64"), "Tokens",
                  models=(("Tokens", {"input_size": (3, 3)}),))
    assert model.complete and model.inputs == [InputSpec("ids", (1, 12), "int64")]


def _project(tmp_path, body: str, toml: str = "") -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.macslint]\n" + toml)
    (tmp_path / "models.py").write_text(body)


def _report(capsys, monkeypatch, tmp_path, *argv: str):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["report", "--format", "json", "--no-cache", "-j", "1", *argv, "models.py"])
    out, err = capsys.readouterr()
    return code, (json.loads(out)["files"][0]["models"] if code == 0 else None), err


def test_cli_inputs(tmp_path, capsys, monkeypatch):
    _project(tmp_path, GPT.replace("  # macslint: inputs=idx:16:int64", ""))
    code, (model,), _ = _report(capsys, monkeypatch, tmp_path, "--inputs", " idx : 16 : long ")
    expected = torch_counts_inputs(GPT, "GPT", [("idx", (1, 16), LONG)])
    assert code == 0 and model["complete"]
    assert (model["params"], model["macs"]) == (expected.params, expected.macs)
    assert model["inputs"] == [{"name": "idx", "shape": [1, 16], "dtype": "int64", "list": False}]


def test_cli_inputs_beat_the_pragma(tmp_path, capsys, monkeypatch):
    _project(tmp_path, EMBED)  # the pragma's float input does not fit
    code, (model,), _ = _report(capsys, monkeypatch, tmp_path, "--inputs", "12:int32",
                                "--batch-size", "3")
    assert code == 0 and model["complete"]
    assert model["inputs"] == [{"name": "ids", "shape": [3, 12], "dtype": "int32", "list": False}]


def test_cli_input_size_beats_pragma_inputs(tmp_path, capsys, monkeypatch):
    _project(tmp_path, EMBED)
    code, (model,), _ = _report(capsys, monkeypatch, tmp_path, "--input-size", "5")
    assert code == 0 and model["complete"]
    assert model["inputs"] == [{"name": "ids", "shape": [1, 5], "dtype": None, "list": False}]


def test_cli_rejects_bad_inputs(tmp_path, capsys, monkeypatch):
    _project(tmp_path, EMBED)
    code, _, err = _report(capsys, monkeypatch, tmp_path, "--inputs", "12:int65")
    assert code == 2
    assert "--inputs = '12:int65': input 1 ('12:int65'): not a dtype; use one of" in err
    code, _, err = _report(capsys, monkeypatch, tmp_path, "--inputs", "12", "--input-size", "12")
    assert code == 2 and "--inputs = '12': given with --input-size" in err


def test_toml_inputs_of_a_model(tmp_path, capsys, monkeypatch):
    _project(tmp_path, MASKED.replace("  # macslint: inputs=6x8; mask:6x6:bool", ""),
             '[tool.macslint.models.Masked]\n'
             'inputs = [[6, 8], { name = "mask", shape = [6, 6], dtype = "bool" }]\n')
    code, (model,), _ = _report(capsys, monkeypatch, tmp_path)
    expected = torch_counts_inputs(MASKED, "Masked", [(None, (1, 6, 8), FLOAT),
                                                      ("mask", (1, 6, 6), BOOL)])
    assert code == 0 and (model["params"], model["macs"]) == (expected.params, expected.macs)


def test_a_bad_pragma_inputs_is_mac902():
    source = EMBED.replace("inputs=12", "inputs=12:int65")
    result = analyse(source)
    (finding,) = codes(result, "MAC902")
    assert finding.line == line_of(source, "class Tokens")
    assert "inputs = '12:int65'" in finding.message and "not a dtype" in finding.message
