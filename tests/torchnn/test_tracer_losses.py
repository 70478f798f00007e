"""Losses, distances and the adaptive softmax in whole models and scripts: a criterion built at
module level as training scripts do, a model computing its own loss on a target it makes,
a siamese model comparing two encodings (a distance module built inside forward() too), and
a language model's adaptive softmax, whose (output, loss) namedtuple forward() takes apart.

Every count is torch's: the same source built and run by torch in eval mode with grad
enabled, on the meta device (`assert_matches_torch`), or on the CPU for
AdaptiveLogSoftmaxWithLoss, whose forward meta cannot run (`nonzero()`).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, src, torch_model, trace,
)

# torch warns: deprecated reductions
pytestmark = pytest.mark.filterwarnings("ignore")


TRAINING_SCRIPT = src('''
    class Net(nn.Module):  # macslint: input-size=20, batch-size=4
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(20, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x)))


    criterion = nn.CrossEntropyLoss()
    regression = nn.MSELoss(reduction="sum")
    smooth = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=-1)


    def train(model, loader, optimizer):
        for data, target in loader:
            optimizer.zero_grad()
            loss = criterion(model(data), target)
            loss.backward()
            optimizer.step()
''')


def test_a_criterion_built_by_a_training_script_is_catalogued():
    """`criterion = nn.CrossEntropyLoss()` at module level: a known layer, resolved (0
    parameters, 0 MACs on its own), never "not in macslint's layer catalogue" nor MAC100."""
    result = analyse(TRAINING_SCRIPT)
    losses = [layer for layer in result.report.layers if "Loss" in layer.kind]
    assert [layer.kind for layer in losses] == ["CrossEntropyLoss", "MSELoss",
                                                "CrossEntropyLoss"]
    assert all(layer.resolved and (layer.params, layer.macs) == (0, 0) for layer in losses)
    assert codes(result, "MAC100") == [] and result.findings == []
    assert_matches_torch(TRAINING_SCRIPT, "Net")


def test_the_command_line_reports_nothing_for_the_training_script(tmp_path):
    """`macslint check --select MAC,MAC1` (MAC100 selected): nothing to say."""
    path = tmp_path / "train.py"
    path.write_text(TRAINING_SCRIPT)
    done = subprocess.run([sys.executable, "-m", "macslint", "check", "--select", "MAC,MAC1",
                           str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "")


CLASSIFIER_WITH_LOSS = src('''
    class Classifier(nn.Module):  # macslint: input-size=3x8x8, batch-size=2
        """Computes its own loss: per-pixel classes (a 4-D input to CrossEntropyLoss) and a
        weighted NLLLoss of the pooled logits, on targets it makes."""

        def __init__(self, classes=5):
            super().__init__()
            self.conv = nn.Conv2d(3, classes, 3, padding=1)
            self.pixels = nn.CrossEntropyLoss(reduction="none")
            self.pooled = nn.NLLLoss(weight=torch.ones(classes))
            self.fc = nn.Linear(classes, classes)

        def forward(self, x):
            logits = self.conv(x)
            target = torch.zeros(x.shape[0], 8, 8, dtype=torch.long)
            per_pixel = self.pixels(logits, target)
            scores = F.log_softmax(self.fc(logits.mean((2, 3))), dim=1)
            labels = torch.zeros(x.shape[0], dtype=torch.long)
            return per_pixel.mean() + self.pooled(scores, labels)
''')


def test_a_model_computing_its_own_loss_matches_torch():
    model = assert_matches_torch(CLASSIFIER_WITH_LOSS, "Classifier")
    calls = {c.path: c for c in model.calls}
    assert calls["pixels"].output == (2, 8, 8) and calls["pooled"].output == ()
    assert (calls["pixels"].macs, calls["pooled"].macs) == (0, 0)


SIAMESE = src('''
    class Siamese(nn.Module):  # macslint: input-size=8, batch-size=3
        """Two encodings compared: PairwiseDistance as a submodule, CosineSimilarity built and
        called inside forward(), and a TripletMarginLoss of three."""

        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(8, 16)
            self.distance = nn.PairwiseDistance(keepdim=True)
            self.triplet = nn.TripletMarginLoss(margin=0.5, swap=True)

        def forward(self, x):
            a, b = self.encoder(x), self.encoder(x * 2)
            near = self.distance(a, b).squeeze(1)
            similar = nn.CosineSimilarity(dim=1)(a, b)
            return near + similar + self.triplet(a, b, self.encoder(x - 1))
''')


def test_a_siamese_model_with_distances_matches_torch():
    model = assert_matches_torch(SIAMESE, "Siamese", check_calls=False)
    kinds = [(c.kind, c.output) for c in model.calls]
    assert ("PairwiseDistance", (3, 1)) in kinds and ("CosineSimilarity", (3,)) in kinds
    assert ("TripletMarginLoss", ()) in kinds


def test_a_distance_of_inputs_that_do_not_broadcast_is_reported():
    source = SIAMESE.replace("self.encoder(x * 2)", "self.encoder(x * 2)[:2]")
    result = analyse(source)
    (model,) = result.report.models
    assert model.macs is None
    (finding,) = codes(result, "MAC011")
    assert "PairwiseDistance" in finding.message
    with pytest.raises(RuntimeError, match="must match the size"):
        torch_model(source, "Siamese", device="cpu")(torch.zeros(3, 8))


LANGUAGE_MODEL = src('''
    class AdaptiveLM(nn.Module):  # macslint: inputs=tokens:12:int64, batch-size=4
        """An embedding, a GRU and an adaptive softmax over a large vocabulary, given the next
        tokens as its target; forward() reads the namedtuple's `loss` and unpacks it too."""

        def __init__(self, vocabulary=1000, width=32):
            super().__init__()
            self.embed = nn.Embedding(vocabulary, width)
            self.rnn = nn.GRU(width, width, batch_first=True)
            self.softmax = nn.AdaptiveLogSoftmaxWithLoss(width, vocabulary, [100, 400],
                                                         div_value=2.0)

        def forward(self, tokens):
            hidden, _ = self.rnn(self.embed(tokens))
            flat = hidden.reshape(-1, hidden.shape[-1])
            target = torch.zeros(flat.shape[0], dtype=torch.long)
            result = self.softmax(flat, target)
            output, loss = result
            return result.loss + loss + output.mean()
''')


def test_an_adaptive_softmax_has_torch_s_params_and_shapes_and_unknown_macs():
    """Its tail clusters run on the rows whose targets fall in them: the targets' values
    decide its MACs, so macslint's are unknown, and the model incomplete saying why; its
    parameters and output are torch's (on the CPU: meta cannot run its forward)."""
    model = trace(LANGUAGE_MODEL, "AdaptiveLM")
    assert model.macs is None and "depend on which cluster each target value falls in" in \
        "; ".join(model.reasons)
    torch_lm = torch_model(LANGUAGE_MODEL, "AdaptiveLM", device="cpu").eval()
    tokens = torch.zeros(4, 12, dtype=torch.long)  # the pragma's inputs
    torch_lm(tokens)  # torch runs it
    assert model.params == sum(p.numel() for p in torch_lm.parameters())
    (call,) = [c for c in model.calls if c.kind == "AdaptiveLogSoftmaxWithLoss"]
    assert call.macs is None and call.inputs is None


def test_a_result_holding_a_tensor_given_to_a_constructor_is_cached():
    """`nn.NLLLoss(weight=torch.ones(classes))`: the site's arguments hold a tensor, which the
    result cache writes as its shape and dtype (macslint.cache.CODEC)."""
    from macslint.cache import CODEC

    result = analyse(CLASSIFIER_WITH_LOSS)
    again = CODEC.loads(CODEC.dumps(result))
    (site,) = [s for s in again.report.layers if s.kind == "NLLLoss"]
    (original,) = [s for s in result.report.layers if s.kind == "NLLLoss"]
    assert site.args == original.args and site.resolved
    assert again.report.models[0].macs == result.report.models[0].macs
