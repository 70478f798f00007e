"""Whole-model tracing: per-model settings (class pragmas, the models table, the command line).

Split from tests/test_tracer.py. Every number asserted for a complete model comes from PyTorch (`torch_counts` in
tests/torchnn/tracer_helpers.py).
"""

from __future__ import annotations


from macslint.config import Config, Settings, apply_overrides, load_config
from macslint.engine import check_source
from macslint.render.report_json import report_json
from tests.torchnn.tracer_helpers import (
    src, analyse, the_model, trace, line_of, codes, torch_counts, assert_matches_torch,
)


# =========================================================================== 4. per-model settings

PRAGMA_SOURCE = src("""
    class Net(nn.Module):  # macslint: input-size=1x28x28, batch-size=2
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.fc = nn.Linear(4 * 26 * 26, 10)

        def forward(self, x):
            return self.fc(self.conv(x).flatten(1))
""")


def test_pragma_sets_input_and_batch():
    model = assert_matches_torch(PRAGMA_SOURCE, "Net")  # params, MACs and output: torch's
    # the shapes below are the pragma's settings, not counts
    assert model.input == (2, 1, 28, 28)
    assert model.settings.input_size == (1, 28, 28) and model.settings.batch_size == 2


def test_pragma_settings_reach_the_json():
    result = analyse(PRAGMA_SOURCE)
    (data,) = report_json([result.report], "macs")["files"][0]["models"]
    assert data["input"] == [2, 1, 28, 28] and data["batch_size"] == 2
    # the file's own settings are untouched
    assert report_json([result.report], "macs")["files"][0]["input"] == [3, 224, 224]  # the default


NO_PRAGMA = src("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)

        def forward(self, x):
            return self.conv(x)

    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)

        def forward(self, x):
            return self.conv(x)
""")


def test_models_table_sets_input_and_batch():
    settings = dict(models=(("Net", {"input_size": (1, 10, 10), "batch_size": 3}),))
    model = assert_matches_torch(NO_PRAGMA, "Net", **settings)
    assert model.input == (3, 1, 10, 10)


def test_models_table_applies_only_to_its_model():
    result = analyse(NO_PRAGMA, input_size=(3, 12, 12),
                     models=(("Net", {"input_size": (1, 10, 10)}),))
    assert the_model(result, "Other").input == (1, 3, 12, 12)
    assert the_model(result, "Net").input == (1, 1, 10, 10)


def test_pragma_beats_models_table():
    source = NO_PRAGMA.replace("class Net(nn.Module):", "class Net(nn.Module):  # macslint: input-size=1x6x6")
    model = trace(source, "Net", models=(("Net", {"input_size": (1, 10, 10), "batch_size": 3}),))
    assert model.input == (3, 1, 6, 6)  # input from the pragma, batch from the table


def test_bad_pragma_is_mac902_on_the_class_line():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=1x28x28, bogus=3
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3)

            def forward(self, x):
                return self.conv(x)
    """)
    result = analyse(source, input_size=(3, 8, 8))
    (finding,) = codes(result, "MAC902")
    assert (finding.line, finding.col) == (line_of(source, "class Net"), 1)
    assert "bogus" in finding.message and f"m.py:{finding.line}" in finding.message
    model = the_model(result, "Net")
    assert model.config_error is not None
    assert model.input == (1, 3, 8, 8)  # the file's settings, none of the pragma's
    (call,) = model.calls
    expected = torch_counts(source, "Net", (1, 3, 8, 8))  # the file's input size, batch 1
    assert call.traced and (call.output, call.macs) == (expected.output, expected.macs)


def test_bad_pragma_value_is_mac902_and_other_models_are_unaffected():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8x
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)

        class Good(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source)
    assert [f.line for f in codes(result, "MAC902")] == [line_of(source, "class Net")]
    assert "input-size" in codes(result, "MAC902")[0].message
    assert the_model(result, "Good").complete
    assert result.report.error is None


def test_command_line_beats_pragma(tmp_path):
    config = apply_overrides(load_config(None, cwd=tmp_path), {"input_size": "1x12x12"})
    settings = config.settings_for(tmp_path / "m.py")
    model = the_model(check_source("m.py", PRAGMA_SOURCE, settings), "Net")
    assert model.input == (2, 1, 12, 12)  # input from the command line, batch from the pragma


def test_command_line_beats_models_table(tmp_path):
    table = Settings(models=(("Net", {"input_size": (1, 10, 10), "batch_size": 3}),))
    config = apply_overrides(Config(source=None, root=tmp_path, base=table), {"batch_size": 4})
    model = the_model(check_source("m.py", NO_PRAGMA, config.settings_for(tmp_path / "m.py")), "Net")
    assert model.input == (4, 1, 10, 10)  # batch from the command line, input from the table


def test_pragma_budget_applies_to_its_model_only():
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8, max-model-params=10
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)

        class Other(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """)
    result = analyse(source)
    assert [f.line for f in codes(result, "MAC004")] == [line_of(source, "class Net")]
