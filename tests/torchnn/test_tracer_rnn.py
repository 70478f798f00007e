"""Whole models with recurrent layers: pytorch/examples' word language model (Embedding, LSTM,
Linear decoder), MNIST read row by row by an LSTM, time-sequence prediction with LSTMCells
stepped over time, a GRU given its initial state; the ways forward() takes their tuples apart
(`out, (h, c) = ...`, `out, _ = ...`, `self.rnn(x)[0]`, a state passed by keyword or as None).

Every count is torch's: the same source built and run by torch on the meta device, in eval mode
with grad enabled (`assert_matches_torch`, `torch_counts_inputs` in tracer_helpers); the input
from the class line's pragma. The structure of what each layer call returns is compared with
what torch's layer returned (forward hooks). Where torch raises (on the CPU), macslint reports
it and counts no MACs.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple

import pytest
import torch

from macslint.commands.verify import run_verify
from macslint.costmodel import ShapeTuple
from macslint.render.report_json import report_json

from tests.torchnn.tracer_helpers import (
    CONTAINERS, analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src,
    torch_counts_inputs, torch_model, torch_params, torch_raises_inputs, trace, the_model, analyse_undeclared,
)

# torch warns: Dropout2d on 2-D inputs, dropout=... with one layer
pytestmark = pytest.mark.filterwarnings("ignore")

LONG = torch.int64


def _structure(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return ShapeTuple(_structure(v) for v in value)


def torch_results(source: str, name: str, inputs: List[Tuple[Any, Tuple[int, ...], Any]]
                  ) -> List[Tuple[str, Tuple[Tuple[int, ...], ...], Any]]:
    """Each torch.nn layer call of model `name` run by torch (meta device, eval mode) on zeros
    of `inputs`: (path, the shapes of its tensor arguments, positional and keyword, flattened,
    the structure it returned)."""
    model = torch_model(source, name).eval()
    calls: list = []
    handles = []

    def flat(value: Any) -> list:
        if isinstance(value, torch.Tensor):
            return [tuple(value.shape)]
        if isinstance(value, (tuple, list)):
            return [s for item in value for s in flat(item)]
        if isinstance(value, dict):
            return [s for item in value.values() for s in flat(item)]
        return []

    for path, module in model.named_modules():
        if not path or isinstance(module, CONTAINERS) or any(True for _ in module.children()):
            continue

        def hook(mod, args, kwargs, output, path=path):
            calls.append((path, tuple(flat(args) + flat(kwargs)), _structure(output)))

        handles.append(module.register_forward_hook(hook, with_kwargs=True))
    positional = [torch.zeros(shape, dtype=dtype, device="meta") for _, shape, dtype in inputs]
    with torch.device("meta"):
        model(*positional)
    for handle in handles:
        handle.remove()
    return calls


def traced_results(model) -> List[Tuple[str, Tuple[Tuple[int, ...], ...], Any]]:
    return [(c.path, tuple(c.inputs), c.result if c.result is not None else c.output)
            for c in model.calls]


def torch_message(source: str, name: str) -> Optional[str]:
    """What torch raises running model `name` on zeros of its declared input, on the CPU (whose
    kernels make every check), whatever the exception (a GRU given a tuple: AttributeError);
    None when it runs."""
    model = torch_model(source, name, device="cpu").eval()
    try:
        with torch.no_grad():
            model(torch.zeros(declared_input(source, name)))
    except Exception as exc:  # noqa: BLE001 - torch saying no
        return str(exc)
    return None


def assert_structures_match(source: str, name: str, dtype: Any = torch.float32, **settings):
    model = trace(source, name, **settings)
    shape = model.input
    assert traced_results(model) == torch_results(source, name, [(None, shape, dtype)])
    return model


# ----------------------------------------------------------------- word language model

WORD_LM = src('''
    class RNNModel(nn.Module):  # macslint: inputs=input:20:int64, batch-size=35
        """pytorch/examples word_language_model: encoder, LSTM, decoder."""

        def __init__(self, ntoken=100, ninp=16, nhid=32, nlayers=2, dropout=0.5):
            super(RNNModel, self).__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.init_weights()
            self.nhid = nhid
            self.nlayers = nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1)
''')


def assert_matches_inputs(source: str, name: str, called: list):
    """Complete, with torch's params, MACs, output and leaf calls (first input, first output)
    when called on `called` (name, shape with batch, dtype)."""
    model = trace(source, name)
    assert model.complete, model.reasons
    expected = torch_counts_inputs(source, name, called)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs,
                                                        expected.output)
    assert [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path] == \
        expected.calls
    return model


def test_word_language_model():
    called = [("input", (35, 20), LONG)]  # (sequence, batch) token ids
    model = assert_matches_inputs(WORD_LM, "RNNModel", called)
    assert traced_results(model) == torch_results(WORD_LM, "RNNModel", called)
    (lstm,) = [c for c in model.calls if c.kind == "LSTM"]
    assert lstm.arguments == [(35, 20, 16), None]  # no initial state: torch makes zeros


def test_word_language_model_with_a_hidden_state_it_returns():
    """The example's own forward: a state argument (None at first) and (output, hidden)
    returned: the model's output is a tuple, no single shape on either side."""
    source = WORD_LM.replace("def forward(self, input):",
                             "def forward(self, input, hidden=None):") \
        .replace("output, hidden = self.rnn(emb)", "output, hidden = self.rnn(emb, hidden)") \
        .replace("return F.log_softmax(decoded, dim=1)",
                 "return F.log_softmax(decoded, dim=1), hidden")
    called = [("input", (35, 20), LONG)]
    model = assert_matches_inputs(source, "RNNModel", called)
    assert model.output is None
    assert traced_results(model) == torch_results(source, "RNNModel", called)


def test_word_language_model_of_each_rnn_type():
    """`getattr(nn, rnn_type)(...)` as the example builds it, for LSTM, GRU and the RNN_TANH /
    RNN_RELU variants (nn.RNN with a nonlinearity)."""
    template = src('''
        class RNNModel(nn.Module):  # macslint: inputs=input:6:int64, batch-size=5
            def __init__(self, rnn_type="LSTM", ntoken=50, ninp=8, nhid=12, nlayers=2):
                super().__init__()
                self.encoder = nn.Embedding(ntoken, ninp)
                if rnn_type in ['LSTM', 'GRU']:
                    self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=0.2)
                else:
                    nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
                    self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=0.2)
                self.decoder = nn.Linear(nhid, ntoken)

            def forward(self, input):
                output, hidden = self.rnn(self.encoder(input))
                return self.decoder(output)
    ''')
    for rnn_type in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"):
        source = template.replace('rnn_type="LSTM"', f'rnn_type="{rnn_type}"')
        assert_matches_inputs(source, "RNNModel", [("input", (5, 6), LONG)])


# ----------------------------------------------------------------- MNIST, one row per step

MNIST_RNN = src('''
    class Net(nn.Module):  # macslint: input-size=1x28x28, batch-size=4
        """pytorch/examples mnist_rnn: each image read as 28 rows of 28 pixels."""

        def __init__(self):
            super(Net, self).__init__()
            self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
            self.batchnorm = nn.BatchNorm1d(64)
            self.dropout1 = nn.Dropout2d(0.25)
            self.dropout2 = nn.Dropout2d(0.5)
            self.fc1 = nn.Linear(64, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, input):
            input = input.reshape(-1, 28, 28)
            output, hidden = self.rnn(input)
            output = output[:, -1, :]
            output = self.batchnorm(output)
            output = self.dropout1(output)
            output = self.fc1(output)
            output = F.relu(output)
            output = self.dropout2(output)
            output = self.fc2(output)
            output = F.log_softmax(output, dim=1)
            return output
''')


def test_mnist_rows_through_a_batch_first_lstm():
    assert_matches_torch(MNIST_RNN, "Net")
    assert_structures_match(MNIST_RNN, "Net")


@pytest.mark.parametrize("unpack", [
    "output, (h_n, c_n) = self.rnn(input)",
    "output, _ = self.rnn(input, None)",
    "output = self.rnn(input)[0]",
    "output = self.rnn(input, hx=None)[0]",
    "output, (h_n, c_n) = self.rnn(input, (torch.zeros(1, input.size(0), 64), "
    "torch.zeros(1, input.size(0), 64)))",
    "output, (h_n, c_n) = self.rnn(input, hx=[torch.zeros(1, 4, 64), torch.zeros(1, 4, 64)])",
])
def test_the_ways_forward_takes_the_tuple_apart(unpack):
    source = MNIST_RNN.replace("output, hidden = self.rnn(input)", unpack)
    assert_matches_torch(source, "Net")
    assert_structures_match(source, "Net")


def test_the_last_hidden_state_instead_of_the_last_output():
    source = MNIST_RNN.replace("output, hidden = self.rnn(input)\n",
                               "_, (h_n, c_n) = self.rnn(input)\n") \
        .replace("output = output[:, -1, :]", "output = h_n[-1]")
    assert_matches_torch(source, "Net")


def test_a_view_of_a_batch_first_output_is_a_shape_mismatch():
    """torch returns a batch_first output as a transposed view: `view` cannot flatten it
    (reshape can)."""
    flat = MNIST_RNN.replace("output = output[:, -1, :]", "output = output.view(4, -1)[:, :64]")
    assert torch_message(flat, "Net")
    result = analyse(flat)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(flat, "output.view(4, -1)")
    assert [m.macs for m in result.report.models] == [None]
    assert_matches_torch(flat.replace("output.view(4, -1)", "output.reshape(4, -1)"), "Net")
    # through a dropout, whose strides macslint does not follow: not counted, either way
    dropped = MNIST_RNN.replace("output = output[:, -1, :]",
                                "output = self.dropout1(output).view(4, -1)[:, :64]")
    assert torch_message(dropped, "Net")
    assert trace(dropped, "Net").macs is None
    seq_first = flat.replace("batch_first=True", "batch_first=False")  # contiguous: it views
    assert torch_message(seq_first, "Net") is None
    assert_matches_torch(seq_first, "Net")


# ----------------------------------------------------------------- LSTMCells over time

TIME_SEQUENCE = src('''
    class Sequence(nn.Module):  # macslint: input-size=12, batch-size=3
        """pytorch/examples time_sequence_prediction (float states)."""

        def __init__(self):
            super(Sequence, self).__init__()
            self.lstm1 = nn.LSTMCell(1, 51)
            self.lstm2 = nn.LSTMCell(51, 51)
            self.linear = nn.Linear(51, 1)

        def forward(self, input, future=2):
            outputs = []
            h_t = torch.zeros(input.size(0), 51)
            c_t = torch.zeros(input.size(0), 51)
            h_t2 = torch.zeros(input.size(0), 51)
            c_t2 = torch.zeros(input.size(0), 51)

            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for i in range(future):  # if we should predict the future
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            outputs = torch.cat(outputs, dim=1)
            return outputs
''')


def test_time_sequence_prediction_with_lstm_cells():
    model = assert_matches_torch(TIME_SEQUENCE, "Sequence")
    assert [c.path for c in model.calls].count("lstm1") == 12 + 2
    assert_structures_match(TIME_SEQUENCE, "Sequence")


def test_time_sequence_with_stack_and_gru_cells_without_a_state():
    source = TIME_SEQUENCE.replace("nn.LSTMCell(1, 51)", "nn.GRUCell(1, 51)") \
        .replace("nn.LSTMCell(51, 51)", "nn.RNNCell(51, 51, nonlinearity='relu')") \
        .replace("h_t, c_t = self.lstm1(input_t, (h_t, c_t))", "h_t = self.lstm1(input_t)") \
        .replace("h_t, c_t = self.lstm1(output, (h_t, c_t))", "h_t = self.lstm1(output, h_t)") \
        .replace("h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))", "h_t2 = self.lstm2(h_t, hx=h_t2)") \
        .replace("outputs = torch.cat(outputs, dim=1)",
                 "outputs = torch.stack(outputs, 1).squeeze(2)")
    assert_matches_torch(source, "Sequence")
    assert_structures_match(source, "Sequence")


def test_a_cell_state_of_the_wrong_batch_is_a_shape_mismatch():
    source = TIME_SEQUENCE.replace("c_t2 = torch.zeros(input.size(0), 51)",
                                   "c_t2 = torch.zeros(input.size(0) + 1, 51)")
    assert torch_message(source, "Sequence")
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "self.lstm2 = nn.LSTMCell")
    assert "Input batch size 3 doesn't match hidden1 batch size 4" in finding.message
    assert [m.macs for m in result.report.models] == [None]


# ----------------------------------------------------------------- a GRU given its state

GRU_CLASSIFIER = src('''
    class GRUClassifier(nn.Module):  # macslint: input-size=10x16, batch-size=2
        def __init__(self, input_dim=16, hidden=24, layers=2, classes=5):
            super().__init__()
            self.layers, self.hidden = layers, hidden
            self.gru = nn.GRU(input_dim, hidden, layers, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(2 * hidden, classes)

        def forward(self, x):
            h0 = torch.zeros(self.layers * 2, x.size(0), self.hidden)
            out, h_n = self.gru(x, h0)
            last = torch.cat([h_n[-2], h_n[-1]], dim=1)
            return self.fc(last) + self.fc(out[:, -1, :])
''')


def test_a_bidirectional_gru_given_its_initial_state():
    model = assert_matches_torch(GRU_CLASSIFIER, "GRUClassifier")
    assert_structures_match(GRU_CLASSIFIER, "GRUClassifier")
    (gru,) = [c for c in model.calls if c.kind == "GRU"]
    assert gru.inputs == [(2, 10, 16), (4, 2, 24)]  # both tensors, as torch's hook saw them


@pytest.mark.parametrize("change", [
    ("h0 = torch.zeros(self.layers * 2, x.size(0), self.hidden)",
     "h0 = torch.zeros(self.layers, x.size(0), self.hidden)"),  # one direction only
    ("h0 = torch.zeros(self.layers * 2, x.size(0), self.hidden)",
     "h0 = torch.zeros(self.layers * 2, self.hidden)"),  # 2-D for a batched input
    ("out, h_n = self.gru(x, h0)", "out, h_n = self.gru(x, (h0,))"),  # a tuple: LSTM's
])
def test_a_wrong_initial_state_is_a_shape_mismatch(change):
    source = GRU_CLASSIFIER.replace(*change)
    assert torch_message(source, "GRUClassifier")
    result = analyse(source)
    (finding,) = codes(result, "MAC011")
    assert finding.line == line_of(source, "self.gru = nn.GRU")
    assert [m.macs for m in result.report.models] == [None]


def test_an_lstm_fed_token_ids_is_refused_as_torch_refuses_it():
    source = src('''
        class Tagger(nn.Module):  # macslint: inputs=ids:7x4:int64
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(4, 8)

            def forward(self, ids):
                out, _ = self.rnn(ids)
                return out
    ''')
    message = torch_raises_inputs(source, "Tagger", [(None, (1, 7, 4), LONG)])
    assert message and message.startswith("RNN input dtype (torch.int64)")
    model = trace(source, "Tagger")
    assert model.macs is None and model.params == torch_params(source, "Tagger")
    assert message in reasons(model)


def test_a_layer_input_size_that_does_not_fit_the_model_input_says_to_set_it():
    source = MNIST_RNN.replace("nn.LSTM(input_size=28,", "nn.LSTM(input_size=27,")
    message = torch_message(source, "Net")
    assert message
    model = the_model(analyse_undeclared(source), "Net")
    assert model.macs is None
    assert "set the model's input size" in reasons(model) and message in reasons(model)
    # the input declared for Net on its class line: the misfit is a finding
    (finding,) = codes(analyse(source), "MAC011")
    assert message in finding.message


# ----------------------------------------------------------------- reports and verify

def test_the_json_report_lists_every_tensor_a_call_takes():
    result = analyse(GRU_CLASSIFIER)
    data = json.loads(json.dumps(report_json([result.report], "macs")))
    (model,) = data["files"][0]["models"]
    gru = next(call for call in model["layers"] if call["kind"] == "GRU")
    ((_, shapes, structure),) = [c for c in torch_results(
        GRU_CLASSIFIER, "GRUClassifier", [(None, (2, 10, 16), torch.float32)]) if c[0] == "gru"]
    assert (gru["input"], gru["extra_inputs"], gru["output"], gru["outputs"]) == (
        list(shapes[0]), [list(s) for s in shapes[1:]], list(structure[0]),
        [list(s) for s in structure])
    assert "outputs" not in next(call for call in model["layers"] if call["kind"] == "Linear")


def test_verify_rebuilds_every_recurrent_call_and_agrees(tmp_path):
    (tmp_path / "models.py").write_text("\n\n".join(
        [MNIST_RNN, TIME_SEQUENCE.split("\n", 6)[-1], GRU_CLASSIFIER.split("\n", 6)[-1],
         src('''
            class States(nn.Module):  # macslint: input-size=5x6, batch-size=2
                def __init__(self):
                    super().__init__()
                    self.lstm = nn.LSTM(6, 8, 2, bidirectional=True, proj_size=3)
                    self.cell = nn.LSTMCell(6, 4)

                def forward(self, x):
                    out, (h, c) = self.lstm(x, (torch.zeros(4, 5, 3), torch.zeros(4, 5, 8)))
                    h1, c1 = self.cell(x[0])
                    return out.sum() + h1.sum()
         ''').split("\n", 6)[-1]]))
    source = (tmp_path / "models.py").read_text()
    names = ["Net", "Sequence", "GRUClassifier", "States"]
    torch_calls = sum(len(torch_results(source, name, [(None, declared_input(source, name),
                                                         torch.float32)])) for name in names)
    run = run_verify([str(tmp_path / "models.py")], {})
    (file,) = run.files
    assert file.error is None
    assert file.disagreements == []
    assert (file.calls, file.model_macs, file.model_params) == (torch_calls, 4, 4)
    assert not file.not_rebuilt, file.not_rebuilt
