"""Per-model settings: ``[tool.macslint.models.<Name>]``, class pragmas and their precedence."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest

from macslint.config import (
    MODEL_KEYS,
    TOP_LEVEL_KEYS,
    Config,
    Settings,
    apply_overrides,
    load_config,
)
from macslint.errors import ConfigError
from macslint.pragmas import PRAGMA_MARKER, PRAGMA_RE, parse_pragma

from tests.config.test_config import _fresh_caches, write  # noqa: F401 - the same fixture and helper

COUNT_HINT = 'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)'
SHAPE_HINT = 'use positive integers separated by "x" or ",", like "3x224x224"'
MODEL_VALID = ("batch-size, input-size, inputs, max-layer-macs, max-layer-params, max-model-macs, "
               "max-model-macs-increase, max-model-params, max-model-params-increase")
EXAMPLE = "'# macslint: input-size=3x32x32, batch-size=4, max-model-macs=500M'"


def load(tmp_path: Path, body: str) -> Config:
    """Write ``body`` under [tool.macslint]; ``[per-path...`` and ``[models...`` headers get the prefix."""
    body = re.sub(r"^\[(per-path|models)", r"[tool.macslint.\1", textwrap.dedent(body), flags=re.M)
    return load_config(write(tmp_path / "pyproject.toml", "[tool.macslint]\n" + body))


def error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, body)
    return str(info.value)


def models(settings: Settings) -> list[tuple[str, dict]]:
    return [(name, dict(values)) for name, values in settings.models]


def pragma_error(comment: str, source: str = "model.py:12") -> str:
    with pytest.raises(ConfigError) as info:
        parse_pragma(comment, source=source)
    return str(info.value)


# ---------------------------------------------------------------- key lists


def test_key_lists():
    assert "models" in TOP_LEVEL_KEYS
    assert TOP_LEVEL_KEYS == tuple(sorted(TOP_LEVEL_KEYS))
    assert MODEL_KEYS == (
        "batch-size",
        "input-size",
        "inputs",
        "max-layer-macs",
        "max-layer-params",
        "max-model-macs",
        "max-model-macs-increase",
        "max-model-params",
        "max-model-params-increase",
    )
    assert PRAGMA_MARKER == "macslint:"


# ---------------------------------------------------------------- valid models tables


def test_no_models_table(tmp_path):
    config = load(tmp_path, "batch-size = 2\n")
    assert config.base.models == ()
    assert config.base.cli_fixed == frozenset()
    assert config.base.for_model("Net") is config.base
    assert load_config(None, cwd=tmp_path).base.models == ()


def test_every_key(tmp_path):
    config = load(
        tmp_path,
        """
        max-layer-macs = "1M"

        [models.ResNet]
        input-size = [3, 64, 64]
        batch-size = 8
        max-model-macs = "1.5G"
        max-model-params = 25_000_000
        max-layer-macs = "500M"
        max-layer-params = "2k"
        """,
    )
    assert models(config.base) == [
        (
            "ResNet",
            {
                "input_size": (3, 64, 64),
                "batch_size": 8,
                "max_model_macs": 1_500_000_000,
                "max_model_params": 25_000_000,
                "max_layer_macs": 500_000_000,
                "max_layer_params": 2_000,
            },
        )
    ]
    assert config.base.max_layer_macs == 1_000_000  # the table does not change the file's settings
    assert config.base.for_model("ResNet") == Settings(
        input_size=(3, 64, 64),
        batch_size=8,
        max_layer_macs=500_000_000,
        max_layer_params=2_000,
        max_model_macs=1_500_000_000,
        max_model_params=25_000_000,
        models=config.base.models,
    )


def test_several_models_in_file_order_and_inline_tables(tmp_path):
    config = load(
        tmp_path,
        """
        models = { Small = { input-size = [1, 28, 28] }, "pkg.Big" = { batch-size = 4 }, Empty = {} }
        """,
    )
    assert models(config.base) == [
        ("Small", {"input_size": (1, 28, 28)}),
        ("pkg.Big", {"batch_size": 4}),
        ("Empty", {}),
    ]
    assert config.base.for_model("Small").input_size == (1, 28, 28)
    assert config.base.for_model("pkg.Big").batch_size == 4
    assert config.base.for_model("Big") is config.base  # names match exactly
    assert config.base.for_model("small") is config.base  # case-sensitive
    assert config.base.for_model("Empty") is config.base


def test_models_entries_are_read_only_and_settings_hashable(tmp_path):
    config = load(tmp_path, "[models.Net]\nbatch-size = 2\n")
    with pytest.raises(TypeError):
        config.base.models[0][1]["batch_size"] = 3  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.base.models = ()  # type: ignore[misc]
    assert isinstance(hash(config.base), int)
    assert isinstance(hash(config.base.for_model("Net")), int)
    assert config.base != Settings()  # the models table takes part in ==
    assert config.base == load(tmp_path, "[models.Net]\nbatch-size = 2\n").base


def test_for_model_keeps_models_and_applies_pragma(tmp_path):
    config = load(tmp_path, '[models.Net]\ninput-size = [1, 8, 8]\nmax-model-macs = "1M"\n')
    base = config.base
    s = base.for_model("Net", {"max_model_macs": 7, "batch_size": 3})
    assert (s.input_size, s.batch_size, s.max_model_macs) == ((1, 8, 8), 3, 7)
    assert s.models == base.models
    assert s.cli_fixed == base.cli_fixed
    # a pragma applies also without a models entry
    s = base.for_model("Other", {"input_size": (2, 4)})
    assert (s.input_size, s.max_model_macs, s.models) == ((2, 4), None, base.models)
    # the default is "no pragma"
    assert base.for_model("Net") == base.for_model("Net", {})


@pytest.mark.parametrize("key", ["unit", "models", "cli_fixed", "input-size", "nope"])
def test_for_model_rejects_non_model_pragma_keys(key):
    with pytest.raises(ValueError, match=f"pragma key {key!r} is not a per-model setting"):
        Settings().for_model("Net", {key: 1})


# ---------------------------------------------------------------- precedence


PRECEDENCE = """
    max-layer-macs = 1
    max-layer-params = 1
    max-model-macs = 1
    max-model-params = 1
    batch-size = 1

    [per-path."src/*"]
    max-layer-params = 2
    max-model-macs = 2
    max-model-params = 2
    batch-size = 2

    [models.Net]
    max-model-macs = 3
    max-model-params = 3
    batch-size = 3
"""


def test_precedence_each_level_beats_the_previous(tmp_path):
    config = load(tmp_path, PRECEDENCE)
    pragma = {"max_model_params": 4, "batch_size": 4}
    s = config.settings_for(tmp_path / "src" / "net.py").for_model("Net", pragma)
    # default < [tool.macslint] < per-path < models.<Name> < pragma
    assert (s.input_size, s.max_layer_macs, s.max_layer_params, s.max_model_macs, s.max_model_params) == (
        (3, 224, 224),
        1,
        2,
        3,
        4,
    )
    assert s.batch_size == 4
    # outside the per-path glob the models entry still applies over the top level
    s = config.settings_for(tmp_path / "lib" / "net.py").for_model("Net")
    assert (s.max_layer_params, s.max_model_macs, s.batch_size) == (1, 3, 3)
    # another model: no models entry
    s = config.settings_for(tmp_path / "src" / "net.py").for_model("Other")
    assert (s.max_model_macs, s.batch_size) == (2, 2)


def test_command_line_beats_everything_including_pragma(tmp_path):
    config = load(tmp_path, "input-size = [3, 32, 32]\n" + textwrap.dedent(PRECEDENCE))
    cli = apply_overrides(config, {"batch_size": 9, "input_size": "1x64x64", "max_model_params": None})
    assert cli.base.cli_fixed == frozenset({"batch_size", "input_size"})
    pragma = {"batch_size": 4, "input_size": (2, 2), "max_model_params": 4}
    for path in ("src/net.py", "lib/net.py"):
        settings = cli.settings_for(tmp_path / path)
        assert settings.cli_fixed == frozenset({"batch_size", "input_size"})
        s = settings.for_model("Net", pragma)
        assert (s.batch_size, s.input_size) == (9, (1, 64, 64))
        assert s.max_model_params == 4  # not on the command line: the pragma still wins
        assert s.max_model_macs == 3  # not on the command line: the models entry still wins
        assert s.cli_fixed == frozenset({"batch_size", "input_size"})
        assert settings.for_model("Other").batch_size == 9
    # the models table itself shows the command-line values
    assert models(cli.base) == [
        ("Net", {"max_model_macs": 3, "max_model_params": 3, "batch_size": 9, "input_size": (1, 64, 64)})
    ]
    # the original config is unchanged
    assert config.base.cli_fixed == frozenset()
    assert config.base.for_model("Net", pragma).batch_size == 4


def test_command_line_beats_models_entry(tmp_path):
    config = load(tmp_path, "[models.Net]\ninput-size = [3, 32, 32]\nmax-model-macs = 5\n")
    cli = apply_overrides(config, {"input_size": "1x64x64"})
    s = cli.base.for_model("Net")
    assert (s.input_size, s.max_model_macs) == ((1, 64, 64), 5)


def test_command_line_unit_does_not_enter_models_entries(tmp_path):
    config = load(tmp_path, "[models.Net]\nbatch-size = 2\n")
    cli = apply_overrides(config, {"unit": "flops"})
    assert models(cli.base) == [("Net", {"batch_size": 2})]
    assert cli.base.for_model("Net").unit == "flops"
    assert cli.base.cli_fixed == frozenset({"unit"})


def test_apply_overrides_twice_accumulates_cli_fixed(tmp_path):
    config = load(tmp_path, "[models.Net]\nbatch-size = 2\n")
    cli = apply_overrides(apply_overrides(config, {"batch_size": 5}), {"max_model_macs": "1M"})
    assert cli.base.cli_fixed == frozenset({"batch_size", "max_model_macs"})
    s = cli.base.for_model("Net", {"batch_size": 7, "max_model_macs": 7})
    assert (s.batch_size, s.max_model_macs) == (5, 1_000_000)


def test_cli_fixed_is_not_compared():
    assert Settings(cli_fixed=frozenset({"batch_size"})) == Settings()
    assert hash(Settings(cli_fixed=frozenset({"batch_size"}))) == hash(Settings())


# ---------------------------------------------------------------- models errors


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "models = 3",
            "models = 3: not a table (an integer); "
            "use one [tool.macslint.models.<Name>] section per model class or factory function",
        ),
        (
            'models = ["Net"]',
            "models = ['Net']: not a table (a list); "
            "use one [tool.macslint.models.<Name>] section per model class or factory function",
        ),
        (
            "models = { Net = 3 }",
            "models.Net = 3: not a table (an integer); use a table of settings like { input-size = [3, 32, 32] }",
        ),
        (
            'models = { "my net" = "big" }',
            "models.\"my net\" = 'big': not a table (a string); "
            "use a table of settings like { input-size = [3, 32, 32] }",
        ),
        (
            "[models]\ninput-size = [3, 32, 32]",
            "models.input-size = [3, 32, 32]: not a table (a list); "
            "models holds one table per model: put input-size in a [tool.macslint.models.<Name>] section",
        ),
        (
            'models = { "" = { batch-size = 2 } }',
            "models.\"\" = {'batch-size': 2}: empty model name; "
            "use the model's class or factory function name, like [tool.macslint.models.ResNet]",
        ),
        (
            "[models.Net]\ninput_size = [3, 32, 32]",
            "models.Net.input_size = [3, 32, 32]: unknown key in a models entry (did you mean 'input-size'?); "
            f"valid keys are: {MODEL_VALID}",
        ),
        (
            "[models.Net]\nmax-model-mac = 1",
            "models.Net.max-model-mac = 1: unknown key in a models entry (did you mean 'max-model-macs'?); "
            f"valid keys are: {MODEL_VALID}",
        ),
        (
            '[models."pkg.Net"]\nzzz = 1',
            f'models."pkg.Net".zzz = 1: unknown key in a models entry; valid keys are: {MODEL_VALID}',
        ),
        (
            '[models.Net]\nunit = "flops"',
            "models.Net.unit = 'flops': not allowed in a models entry; "
            "set unit at the top level of [tool.macslint] or in a per-path entry",
        ),
        (
            '[models.Net]\nexclude = ["x"]',
            "models.Net.exclude = ['x']: not allowed in a models entry; "
            "put exclude at the top level of [tool.macslint]",
        ),
        (
            "[models.Net.models.Inner]\nbatch-size = 2",
            "models.Net.models = {'Inner': {'batch-size': 2}}: not allowed in a models entry; "
            "put models at the top level of [tool.macslint]",
        ),
        (
            '[models.Net.per-path."a"]\nbatch-size = 2',
            "models.Net.per-path = {'a': {'batch-size': 2}}: not allowed in a models entry; "
            "put per-path at the top level of [tool.macslint]",
        ),
        (
            "[models.Net]\nbatch-size = 0",
            "models.Net.batch-size = 0: not positive; use a positive integer like 1",
        ),
        (
            "[models.Net]\nbatch-size = true",
            "models.Net.batch-size = True: not an integer (a boolean); use a positive integer like 1",
        ),
        (
            '[models.Net]\ninput-size = "3x32x32"',
            "models.Net.input-size = '3x32x32': not a list (a string); "
            "use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        (
            "[models.Net]\ninput-size = [3, 2.5]",
            "models.Net.input-size = [3, 2.5]: entry 1 (2.5) is a float, not an integer; "
            "use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        (
            '[models.Net]\nmax-model-macs = "lots"',
            f"models.Net.max-model-macs = 'lots': not a count; {COUNT_HINT}",
        ),
        (
            "[models.Net]\nmax-layer-params = 1.5",
            f"models.Net.max-layer-params = 1.5: a float is not a count (it may not be exact); {COUNT_HINT}",
        ),
        (
            "[models.Net]\nmax-model-params = -1",
            "models.Net.max-model-params = -1: negative; use a count >= 0",
        ),
        (
            "model = { Net = { batch-size = 2 } }",
            "model = {'Net': {'batch-size': 2}}: unknown key in [tool.macslint] (did you mean 'models'?); "
            "valid keys are: baseline, batch-size, discover-constructions, exclude, input-size, inputs, max-layer-macs, max-layer-params, "
            "max-model-macs, max-model-macs-increase, max-model-params, max-model-params-increase, "
            "models, not-installed, per-path, unit",
        ),
    ],
)
def test_models_errors(tmp_path, body, expected):
    assert error(tmp_path, body + "\n") == f"{tmp_path / 'pyproject.toml'}: {expected}"


def test_models_not_allowed_in_per_path(tmp_path):
    message = error(tmp_path, '[per-path."tests/*".models.Net]\nbatch-size = 2\n')
    assert message == (
        f"{tmp_path / 'pyproject.toml'}: per-path.\"tests/*\".models = {{'Net': {{'batch-size': 2}}}}: "
        "not allowed in a per-path entry; put models at the top level of [tool.macslint]"
    )


def test_models_error_names_file_as_given(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.macslint.models.Net]\nbatchsize = 2\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(Path("pyproject.toml"))
    assert str(info.value) == (
        "pyproject.toml: models.Net.batchsize = 2: unknown key in a models entry "
        f"(did you mean 'batch-size'?); valid keys are: {MODEL_VALID}"
    )


# ---------------------------------------------------------------- pragma parsing


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("# macslint: input-size=1x32x32", {"input_size": (1, 32, 32)}),
        ("#macslint: input-size=1x32x32", {"input_size": (1, 32, 32)}),
        ("#macslint:input-size=1x32x32", {"input_size": (1, 32, 32)}),
        ("#   macslint:   input-size = 1X32X32  ", {"input_size": (1, 32, 32)}),
        ("macslint: batch-size=2", {"batch_size": 2}),  # without the "#"
        (
            "# macslint: input-size=1x32x32, batch-size=4, max-model-macs=500M",
            {"input_size": (1, 32, 32), "batch_size": 4, "max_model_macs": 500_000_000},
        ),
        (
            "# macslint: input-size=3,32,32, batch-size=4",  # commas inside a shape
            {"input_size": (3, 32, 32), "batch_size": 4},
        ),
        (
            "# macslint: input-size=3x32x32 batch-size=4,max-layer-params=1_000",  # whitespace separates too
            {"input_size": (3, 32, 32), "batch_size": 4, "max_layer_params": 1_000},
        ),
        ("# macslint: batch-size=2,", {"batch_size": 2}),  # trailing comma
        (
            "# macslint: max-layer-macs=1.5G, max-layer-params=2 k, max-model-params=10m, max-model-macs=0",
            {"max_layer_macs": 1_500_000_000, "max_layer_params": 2_000, "max_model_params": 10_000_000,
             "max_model_macs": 0},
        ),
        ("# macslint: batch-size=1_000", {"batch_size": 1000}),
        ("# macslint: batch-size=2  # noqa: MAC003", {"batch_size": 2}),
        ("# noqa: MAC003  # macslint: batch-size=2", {"batch_size": 2}),
        ("# type: ignore # macslint: batch-size=2 # more text, even = signs", {"batch_size": 2}),
        (
            "# macslint: batch-size=2 # macslint: input-size=8",  # two pragma parts are merged
            {"batch_size": 2, "input_size": (8,)},
        ),
        # no pragma
        ("", {}),
        ("# a comment", {}),
        ("# noqa: MAC001", {}),
        ("# see the macslint: docs", {}),  # the marker must start a "#" part
        ("# macslint input-size=3x3", {}),  # no colon: not a pragma
        ("# MACSLINT: batch-size=2", {}),  # the marker is lower case
    ],
)
def test_parse_pragma(comment, expected):
    assert parse_pragma(comment, source="model.py:12") == expected


def test_pragma_result_applies_with_for_model():
    pragma = parse_pragma("# macslint: input-size=1x32x32, max-model-macs=500M", source="m.py:1")
    s = Settings().for_model("Net", pragma)
    assert (s.input_size, s.max_model_macs) == ((1, 32, 32), 500_000_000)


def test_pragma_re_and_marker():
    assert PRAGMA_MARKER in "x = Net()  # macslint: batch-size=2"
    assert PRAGMA_RE.search("class Net(nn.Module):  # macslint: batch-size=2")
    assert PRAGMA_RE.search("class Net(nn.Module):  #macslint:batch-size=2")
    assert not PRAGMA_RE.search("class Net(nn.Module):  # noqa")


@pytest.mark.parametrize(
    "comment, expected",
    [
        (
            "# macslint: input-size=1x0x3",
            f"input-size = '1x0x3': dimension 2 is 0, not a positive integer; {SHAPE_HINT}",
        ),
        (
            "# macslint: input-size=[3, 32, 32]",
            f"input-size = '[3, 32, 32]': dimension 1 '[3' is not a positive integer; {SHAPE_HINT}",
        ),
        (
            "# macslint: input-size=3x32x",
            f"input-size = '3x32x': dimension 3 missing; {SHAPE_HINT}",
        ),
        ("# macslint: input-size=", "input-size = '': no value; write input-size=3x32x32"),
        ("# macslint: batch-size=, input-size=3", "batch-size = '': no value; write batch-size=4"),
        ("# macslint: batch-size=2.5", "batch-size = '2.5': not an integer; use a positive integer like 1"),
        ("# macslint: batch-size=two", "batch-size = 'two': not an integer; use a positive integer like 1"),
        ("# macslint: batch-size=0", "batch-size = '0': not positive; use a positive integer like 1"),
        (
            "# macslint: batch-size=2 because it is small",
            "batch-size = '2 because it is small': not an integer; use a positive integer like 1",
        ),
        ("# macslint: max-model-macs=lots", f"max-model-macs = 'lots': not a count; {COUNT_HINT}"),
        ("# macslint: max-layer-macs=-5", "max-layer-macs = '-5': negative; use a count >= 0"),
        (
            "# macslint: max-layer-params=1.2345K",
            "max-layer-params = '1.2345K': not a whole number (1234.5); "
            "use a whole count, e.g. fewer decimals or a smaller suffix",
        ),
        (
            "# macslint: input_size=1x32x32",
            "input_size = '1x32x32': unknown key in a macslint pragma (did you mean 'input-size'?); "
            f"valid keys are: {MODEL_VALID}",
        ),
        (
            "# macslint: max-macs=5",
            "max-macs = '5': unknown key in a macslint pragma (did you mean 'max-model-macs'?); "
            f"valid keys are: {MODEL_VALID}",
        ),
        (
            "# macslint: zzz=5",
            f"zzz = '5': unknown key in a macslint pragma; valid keys are: {MODEL_VALID}",
        ),
        ("# macslint: unit=flops", "unit = 'flops': not allowed in a macslint pragma; set unit in [tool.macslint]"),
        (
            "# macslint: exclude=x",
            "exclude = 'x': not allowed in a macslint pragma; set exclude in [tool.macslint]",
        ),
        (
            "# macslint: batch-size=2, batch-size=4",
            "batch-size = '4': given twice in a macslint pragma; keep one",
        ),
        ("# macslint:", f"empty macslint pragma; write settings like {EXAMPLE}"),
        ("# macslint:  , # noqa", f"empty macslint pragma; write settings like {EXAMPLE}"),
        (
            "# macslint: input-size",
            f"macslint pragma item 'input-size' is not key=value; write settings like {EXAMPLE}",
        ),
        (
            "# macslint: input-size: 3x32x32",
            f"macslint pragma item 'input-size: 3x32x32' is not key=value; write settings like {EXAMPLE}",
        ),
        ("# macslint: =3", f"macslint pragma item '=3' is not key=value; write settings like {EXAMPLE}"),
    ],
)
def test_parse_pragma_errors(comment, expected):
    assert pragma_error(comment) == f"model.py:12: {expected}"


def test_parse_pragma_error_names_source():
    assert pragma_error("# macslint: batch-size=x", source="src/nets/resnet.py:40").startswith(
        "src/nets/resnet.py:40: batch-size = 'x': "
    )
