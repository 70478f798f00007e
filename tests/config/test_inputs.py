"""The `inputs` setting: its TOML form, the compact form of the pragma and `--inputs`, how it
combines with `input-size` across levels, and the errors (each names the file, the key and what
to write)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from macslint.config import Settings, apply_overrides, clear_caches, load_config
from macslint.errors import ConfigError
from macslint.inputs import ForwardSignature, InputSpec, bind_inputs, check_inputs, parse_inputs
from macslint.pragmas import parse_pragma


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


def load(tmp_path: Path, body: str):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.macslint]\n" + textwrap.dedent(body), encoding="utf-8")
    return load_config(path)


def error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, body)
    return str(info.value).replace(str(tmp_path / "pyproject.toml"), "pyproject.toml")


# ------------------------------------------------------------------------------ TOML

def test_toml_inputs(tmp_path):
    config = load(tmp_path, """
        inputs = [[3, 224, 224], { shape = [1024], dtype = "long" }, { name = "mask", shape = [1024], dtype = "bool" }]
    """)
    assert config.base.inputs == (InputSpec(None, (3, 224, 224), "float32"),
                                  InputSpec(None, (1024,), "int64"),
                                  InputSpec("mask", (1024,), "bool"))
    assert config.base.input_size == (3, 224, 224)  # the first input's shape


def test_toml_a_list_of_images(tmp_path):
    """torchvision's detection models take `List[Tensor]`: a list of `batch` images."""
    config = load(tmp_path, """
        inputs = [{ shape = [3, 800, 800], list = true }, { name = "targets", shape = [4], list = false }]
    """)
    assert config.base.inputs == (InputSpec(None, (3, 800, 800), "float32", True),
                                  InputSpec("targets", (4,), "float32", False))
    assert config.base.inputs[0].describe() == "[3x800x800] float32"


def test_toml_inputs_of_a_model_and_a_path(tmp_path):
    config = load(tmp_path, """
        [tool.macslint.per-path."text/*"]
        inputs = "ids:128:int64"
        [tool.macslint.models.GPT]
        inputs = [{ name = "idx", shape = [64], dtype = "int32" }]
    """)
    settings = config.settings_for(tmp_path / "text" / "m.py")
    assert settings.inputs == (InputSpec("ids", (128,), "int64"),)
    assert settings.input_size == (128,)
    gpt = settings.for_model("GPT")
    assert gpt.inputs == (InputSpec("idx", (64,), "int32"),) and gpt.input_size == (64,)
    assert config.settings_for(tmp_path / "m.py").inputs is None


@pytest.mark.parametrize("name, canonical", [
    ("float", "float32"), ("half", "float16"), ("double", "float64"), ("long", "int64"),
    ("int", "int32"), ("short", "int16"), ("torch.bfloat16", "bfloat16"), ("uint8", "uint8"),
    ("int8", "int8"), ("bool", "bool"),
])
def test_dtype_names(name, canonical):
    assert check_inputs([{"shape": [2], "dtype": name}], key="inputs", source="s") == (
        InputSpec(None, (2,), canonical),)


def test_a_0d_input(tmp_path):
    config = load(tmp_path, 'inputs = [[8], { name = "t", shape = [], dtype = "int64" }]\n')
    assert config.base.inputs[1] == InputSpec("t", (), "int64")


@pytest.mark.parametrize("body, expected", [
    ("inputs = 3", "pyproject.toml: inputs = 3: not a list (an integer); use a list like [[3, 224, 224], "),
    ("inputs = []", "pyproject.toml: inputs = []: empty; use a list like"),
    ("inputs = [[3, 0]]", "pyproject.toml: inputs[0] = [3, 0]: entry 1 (0) is not positive; use a list "
                          "of positive integers like [3, 224, 224] (no batch dimension; [] for 0-d)"),
    ("inputs = [[3, 2.5]]", "inputs[0] = [3, 2.5]: entry 1 (2.5) is a float, not an integer"),
    ('inputs = ["8"]', "pyproject.toml: inputs[0] = '8': not a shape or a table (a string)"),
    ('inputs = "a"', "pyproject.toml: inputs = 'a': input 1 ('a'): no shape"),
    ("inputs = [true]", "inputs[0] = True: not a shape or a table (a boolean)"),
    ('inputs = [{ dtype = "int64" }]', "inputs[0] = {'dtype': 'int64'}: no shape; write it like "
                                       '{ shape = [1024], dtype = "int64" }'),
    ('inputs = [{ shape = [2], dtype = "int65" }]',
     "pyproject.toml: inputs[0].dtype = 'int65': not a dtype; use one of float32 (float), float16 "
     "(half), bfloat16, float64 (double), int64 (long), int32 (int), int16 (short), int8, uint8, bool"),
    ('inputs = [{ shape = [2], dtype = 64 }]', "inputs[0].dtype = 64: not a string (an integer)"),
    ('inputs = [{ shape = [2], name = "2x" }]', "inputs[0].name = '2x': not a parameter name; use "
                                                'the name of a forward() parameter, like "mask"'),
    ('inputs = [{ shape = [2], size = 3 }]', "inputs[0].size = 3: unknown key in an input; valid "
                                             "keys are: shape, dtype, name, list"),
    ('inputs = [{ shape = [2], list = 1 }]', "inputs[0].list = 1: not a boolean (an integer); "
                                             "write list = true for a list of tensors"),
    ('inputs = [{ shape = [2], name = "a" }, [3]]',
     "inputs[1] = [{'shape': [2], 'name': 'a'}, [3]]: an input without a name after the named "
     "input 'a'; put the inputs passed by position first"),
    ('inputs = [{ shape = [2], name = "a" }, { shape = [2], name = "a" }]',
     "the name 'a' is given twice; name each forward() parameter once"),
    ("inputs = [[2]]\ninput-size = [3]", "pyproject.toml: inputs = [[2]]: given with input-size in "
                                         "the same table; keep one: input-size for one input, "
                                         "inputs for several inputs or their dtypes"),
    ('[tool.macslint.models.Net]\ninput-size = [3]\ninputs = "3"',
     "pyproject.toml: models.Net.inputs = '3': given with models.Net.input-size in the same table"),
    ('[tool.macslint.per-path."a/*"]\ninputs = [{ shape = [1], dtype = "x" }]',
     'pyproject.toml: per-path."a/*".inputs[0].dtype = \'x\': not a dtype'),
])
def test_toml_errors(tmp_path, body, expected):
    assert expected in error(tmp_path, body)


# ------------------------------------------------------------------------- compact form

@pytest.mark.parametrize("text, expected", [
    ("3x224x224", [(None, (3, 224, 224), "float32")]),
    ("3x224x224; 3x224x224", [(None, (3, 224, 224), "float32")] * 2),
    ("idx:1024:int64", [("idx", (1024,), "int64")]),
    (" idx : 1024 : long ;mask:1024:bool ", [("idx", (1024,), "int64"), ("mask", (1024,), "bool")]),
    ("8X8:half", [(None, (8, 8), "float16")]),
    ("10_000", [(None, (10000,), "float32")]),
    ("8; t:():int64", [(None, (8,), "float32"), ("t", (), "int64")]),
    ("_x:2", [("_x", (2,), "float32")]),
    ("[3x224x224]", [(None, (3, 224, 224), "float32", True)]),
    ("4; images:[3x8x8]:half", [(None, (4,), "float32"), ("images", (3, 8, 8), "float16", True)]),
])
def test_compact_form(text, expected):
    assert parse_inputs(text, key="inputs", source="s") == tuple(InputSpec(*e) for e in expected)


@pytest.mark.parametrize("text, expected", [
    ("", "s: inputs = '': empty; write inputs like 3x224x224 or idx:1024:int64; mask:1024:bool"),
    ("3x224x224;", "input 2 (''): empty"),
    ("3,224,224", "input 1 ('3,224,224'): a ',' in a shape; separate inputs with ';' and "
                  "dimensions with 'x'"),
    ("3x0", "input 1 ('3x0'): dimension 2 of shape '3x0' is not positive"),
    ("3xx4", "dimension 2 of shape '3xx4' missing"),
    ("idx", "input 1 ('idx'): no shape; write idx:SHAPE[:dtype], like idx:1024:int64"),
    ("idx:", "dimension 1 of shape '' missing"),
    ("i-dx:4", "input 1 ('i-dx:4'): 'i-dx' is not a parameter name"),
    ("idx:4:int65", "input 1 ('idx:4:int65'): not a dtype; use one of float32 (float)"),
    ("idx:4:int64:x", "input 1 ('idx:4:int64:x'): too many ':'"),
    ("a:4; 4", "an input without a name after the named input 'a'"),
    ("a:4; a:4", "the name 'a' is given twice"),
])
def test_compact_form_errors(text, expected):
    with pytest.raises(ConfigError) as info:
        parse_inputs(text, key="inputs", source="s")
    assert expected in str(info.value)


def test_pragma_inputs():
    assert parse_pragma("# macslint: inputs=idx:16:int64; mask:16:bool, batch-size=2",
                        source="m.py:3") == {
        "inputs": (InputSpec("idx", (16,), "int64"), InputSpec("mask", (16,), "bool")),
        "batch_size": 2}


@pytest.mark.parametrize("comment, expected", [
    ("# macslint: inputs=", "m.py:3: inputs = '': no value; write inputs=idx:1024:int64; "
                            "mask:1024:bool"),
    ("# macslint: inputs=3,224,224", "m.py:3: inputs = '3,224,224': input 1 ('3,224,224'): a ','"),
    ("# macslint: inputs=8 input-size=8", "m.py:3: input-size = '8': given with inputs in the "
                                          "same pragma; keep one"),
    ("# macslint: input-size=8, inputs=8", "m.py:3: inputs = '8': given with input-size in the "
                                           "same pragma"),
])
def test_pragma_errors(comment, expected):
    with pytest.raises(ConfigError) as info:
        parse_pragma(comment, source="m.py:3")
    assert expected in str(info.value)


# ----------------------------------------------------------------- levels and overrides

INPUTS = (InputSpec(None, (16,), "int64"),)


def test_a_level_with_input_size_resets_inputs():
    settings = Settings(inputs=INPUTS, input_size=(16,), models=(("Net", {"input_size": (3,)}),))
    assert settings.for_model("Net").inputs is None
    assert settings.for_model("Net").input_size == (3,)
    assert settings.for_model("Other").inputs == INPUTS


def test_a_pragma_with_inputs_beats_a_models_input_size():
    settings = Settings(models=(("Net", {"input_size": (3,)}),))
    model = settings.for_model("Net", {"inputs": INPUTS})
    assert (model.inputs, model.input_size) == (INPUTS, (16,))
    model = Settings(inputs=INPUTS, input_size=(16,)).for_model("Net", {"input_size": (4,)})
    assert (model.inputs, model.input_size) == (None, (4,))


def test_command_line_inputs(tmp_path):
    config = load(tmp_path, 'input-size = [8]\n[tool.macslint.models.Net]\ninput-size = [4]\n')
    config = apply_overrides(config, {"inputs": "idx:16:int64"})
    assert config.base.inputs == (InputSpec("idx", (16,), "int64"),)
    assert config.base.input_size == (16,)
    model = config.base.for_model("Net", {"input_size": (2,)})  # the pragma loses
    assert (model.inputs, model.input_size) == (config.base.inputs, (16,))


def test_command_line_input_size_beats_inputs_everywhere(tmp_path):
    config = load(tmp_path, """
        inputs = "4:int64"
        [tool.macslint.per-path."a/*"]
        inputs = "5:int64"
        [tool.macslint.models.Net]
        inputs = "6:int64"
    """)
    config = apply_overrides(config, {"input_size": "3x8"})
    for settings in (config.base, config.settings_for(tmp_path / "a" / "m.py")):
        assert (settings.inputs, settings.input_size) == (None, (3, 8))
        model = settings.for_model("Net", {"inputs": INPUTS})
        assert (model.inputs, model.input_size) == (None, (3, 8))


def test_command_line_errors(tmp_path):
    config = load(tmp_path, "")
    with pytest.raises(ConfigError) as info:
        apply_overrides(config, {"inputs": "8", "input_size": "8"})
    assert str(info.value) == ("command line: --inputs = '8': given with --input-size; keep one: "
                               "--input-size for one input, --inputs for several inputs or their "
                               "dtypes")
    with pytest.raises(ConfigError) as info:
        apply_overrides(config, {"inputs": "8:float128"})
    assert "command line: --inputs = '8:float128': input 1 ('8:float128'): not a dtype" in str(info.value)


def test_settings_with_inputs_pickle_and_compare():
    import pickle

    settings = Settings(inputs=INPUTS, input_size=(16,), models=(("N", {"inputs": INPUTS}),))
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert settings != Settings(input_size=(16,))


# ------------------------------------------------------------------------------ binding

SIGNATURE = ForwardSignature((("x", False), ("mask", True)), (("scale", True),))


@pytest.mark.parametrize("inputs, names, problem, missing", [
    ([InputSpec(None, (2,))], ("x",), None, ()),
    ([], (), None, ("x",)),
    ([InputSpec("mask", (2,))], ("mask",), None, ("x",)),
    ([InputSpec(None, (2,)), InputSpec("scale", ())], ("x", "scale"), None, ()),
    ([InputSpec(None, (2,))] * 3, ("x", "mask", None),
     "3 inputs are declared by position but forward() takes 2 after self", ()),
    ([InputSpec(None, (2,)), InputSpec("y", (2,))], ("x", None),
     "forward() has no parameter 'y' for the input named 'y' (its parameters: x, mask, scale)", ()),
])
def test_bind_inputs(inputs, names, problem, missing):
    assert bind_inputs(SIGNATURE, inputs) == (names, problem, missing)


def test_bind_positional_only():
    signature = ForwardSignature((("x", False), ("y", False)), positional_only=2)
    names, problem, missing = bind_inputs(signature, [InputSpec(None, (2,)), InputSpec("y", (2,))])
    assert problem == ("forward()'s parameter 'y' is positional-only; declare its input without "
                       "a name, in order")
