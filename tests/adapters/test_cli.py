"""The `macslint` command: exit codes, file discovery, configuration, code selection, noqa, file
errors and the `report` outputs. Mostly in-process (`macslint.adapters.cli.main`), a few real subprocesses
for the installed entry point."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from macslint.adapters import cli
from macslint.units import format_count, format_shape
from tests.helpers import DATA, FIXTURES, macslint
from tests.torchnn.tracer_helpers import (
    TorchCounts, torch_costs as costs, torch_counts, torch_has_params as has_params, torch_layer_counts,
)


# Every count below is torch's: the layer built from the constructor text the file holds and
# run on zeros of the shape the message prints (a layer on its own: its in-channels at the
# configured spatial size, batch first). Budgets ("budget 100M"), positions and counts of
# findings are the test's own.
def torch_layer(call: str, shape, batch: int = 1) -> TorchCounts:
    """`call` as macslint prints it (`Conv2d(64, 64, 3, padding=1)`), run by torch at
    `shape` (no batch) with `batch`."""
    return torch_layer_counts("nn." + call, (batch, *shape))


CONV = "Conv2d(64, 64, 3, padding=1)"  # tests/data/model.py's first layer
CONV_224 = f"{CONV} {costs(CONV, (64, 224, 224))}, budget 100M"
MODEL_MAC001 = f"model.py:6:9: MAC001 {CONV_224}"
MODEL_MAC100 = (
    "model.py:7:9: MAC100 Conv2d(width, 8, 1) is not resolved: argument 'in_channels' is not known: "
    "'width' is a parameter of build()"
)
BAD_CONFIG = DATA / "bad_config" / "pyproject.toml"
BAD_CONFIG_MESSAGE = (
    f"{BAD_CONFIG}: max-layer-mac = '100M': unknown key in [tool.macslint] (did you mean "
    "'max-layer-macs'?); valid keys are: baseline, batch-size, discover-constructions, exclude, "
    "input-size, inputs, max-layer-macs, max-layer-params, max-model-macs, max-model-macs-increase, "
    "max-model-params, max-model-params-increase, models, not-installed, per-path, unit"
)
BIG = "import torch.nn as nn\n\nconv = nn.Conv2d(64, 64, 3, padding=1)\n"
BIG_FINDING = f"3:8: MAC001 {CONV_224}"


def run(capsys, monkeypatch, cwd: Path, *argv: str):
    """`macslint *argv` in-process from `cwd`: (exit code, stdout lines, stderr)."""
    monkeypatch.chdir(cwd)
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.fixture
def project(tmp_path):
    """A scratch project with the budgets of tests/data/pyproject.toml."""
    shutil.copy(DATA / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_clean(capsys, monkeypatch):
    assert run(capsys, monkeypatch, FIXTURES, "check", "lenet.py", "clean_block.py") == (0, [], "")


def test_exit_1_with_findings(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, DATA, "check", "model.py")
    assert (code, out, err) == (1, [MODEL_MAC001], "")


def test_exit_2_bad_config_names_file_and_key(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, DATA, "check", "bad_config")
    assert code == 2
    assert out == []
    assert err == f"macslint: error: {BAD_CONFIG_MESSAGE}\n"


def test_bad_config_is_reported_once_and_other_files_still_checked(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, DATA, "check", "bad_config", "model.py")
    assert code == 2
    assert out == [MODEL_MAC001]
    assert err.count("max-layer-mac =") == 1


def test_exit_2_bad_config_for_report(capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, DATA, "report", "bad_config/one.py")
    assert code == 2
    assert err == f"macslint: error: {BAD_CONFIG_MESSAGE}\n"


def test_exit_2_nonexistent_path(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, DATA, "check", "model.py", "no/such/file.py")
    assert (code, err) == (2, "macslint: error: no/such/file.py: no such file or directory\n")
    code, _, err = run(capsys, monkeypatch, DATA, "report", "nope")
    assert (code, err) == (2, "macslint: error: nope: no such file or directory\n")


def test_exit_2_bad_flag_value(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, DATA, "check", "--max-layer-macs", "lots", "model.py")
    assert (code, out) == (2, [])
    assert err.startswith("macslint: error: command line: --max-layer-macs = 'lots': not a count;")


def test_entry_point_exit_codes():
    """The installed console script, as pre-commit and CI call it."""
    clean = macslint("check", "lenet.py", cwd=FIXTURES)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    found = macslint("check", "model.py", cwd=DATA)
    assert (found.returncode, found.stdout) == (1, MODEL_MAC001 + "\n")
    bad = macslint("check", "bad_config", cwd=DATA)
    assert (bad.returncode, bad.stdout, bad.stderr) == (2, "", f"macslint: error: {BAD_CONFIG_MESSAGE}\n")
    missing = macslint("check", "missing.py", cwd=DATA)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


# --------------------------------------------------------------------------- files


def test_default_path_is_dot(capsys, monkeypatch, project):
    (project / "a.py").write_text(BIG)
    (project / "pkg").mkdir()
    (project / "pkg" / "b.py").write_text(BIG)
    code, out, _ = run(capsys, monkeypatch, project, "check")
    assert code == 1
    assert out == [f"./a.py:{BIG_FINDING}", f"./pkg/b.py:{BIG_FINDING}"]
    assert run(capsys, monkeypatch, project, "check", ".")[1] == out


def test_directory_walk_skips_vcs_venv_and_caches(capsys, monkeypatch, project):
    for directory in (".git", "venv", ".venv", "__pycache__", ".tox", "node_modules", "x.egg", "src"):
        (project / directory).mkdir()
        (project / directory / "m.py").write_text(BIG)
    (project / "src" / "notes.txt").write_text(BIG)
    code, out, _ = run(capsys, monkeypatch, project, "check", ".")
    assert (code, out) == (1, [f"./src/m.py:{BIG_FINDING}"])


def test_exclude_globs(capsys, monkeypatch):
    # tests/data/pyproject.toml: exclude = ["excluded", "*_generated.py"]
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "--select", "MAC00", ".", "excluded")
    paths = {line.split(":")[0] for line in out}
    assert {"./model.py", "./syntax/fine.py"} <= paths
    assert not paths & {"./excluded/big.py", "./big_generated.py", "excluded/big.py"}


def test_exclude_applies_to_files_named_explicitly(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "excluded/big.py", "big_generated.py")
    assert (code, out) == (0, [])
    # the same file outside the excluded path is checked
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "syntax/fine.py")
    assert (code, out) == (1, [f"syntax/fine.py:{BIG_FINDING}"])


def test_per_path_input_size(capsys, monkeypatch):
    # small/* is costed at 3x32x32: under the 100M budget there, over it at 224x224
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "small/model.py", "model.py")
    assert (code, out) == (1, [MODEL_MAC001])
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "--max-layer-macs", "10M", "small/model.py")
    assert out == [f"small/model.py:6:9: MAC001 {CONV} {costs(CONV, (64, 32, 32))}, budget 10M"]


def test_per_path_budget(capsys, monkeypatch):
    # legacy/*: max-layer-macs = "2G"; the same layer is MAC001 elsewhere
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "check", "legacy/old_net.py")
    conv3 = "Conv2d(128, 128, 3, padding=1)"
    assert out[0] == f"legacy/old_net.py:12:22: MAC001 {conv3} {costs(conv3, (128, 224, 224))}, budget 2G"
    assert torch_layer("Conv2d(64, 64, 3, padding=1)", (64, 224, 224)).macs <= 2_000_000_000  # "2G"
    assert not any(":11:" in line for line in out)  # conv2: within the legacy budget


# --------------------------------------------------------------------------- flags beat the file


def test_input_size_flag(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "--input-size", "3x32x32", "model.py")
    assert (code, out) == (0, [])
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "--input-size", "3x32x32",
                       "--max-layer-macs", "10M", "model.py")
    assert out == [f"model.py:6:9: MAC001 {CONV} {costs(CONV, (64, 32, 32))}, budget 10M"]


def test_input_size_flag_beats_per_path(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "report", "--format", "json",
                       "--input-size", "4x16x16", "audio/speech.py", "lenet.py")
    files = json.loads("\n".join(out))["files"]
    assert [f["input"] for f in files] == [[4, 16, 16], [4, 16, 16]]
    conv3d = next(layer for layer in files[0]["layers"] if layer["kind"] == "Conv3d")
    # Conv3d(1, 4, 3): its 1 channel at the flag's 4x16x16
    expected = torch_layer("Conv3d(1, 4, 3)", (1, 4, 16, 16))
    assert conv3d["resolved"] and conv3d["input"] == [1, 4, 16, 16]
    assert conv3d["output"] == list(expected.output[1:])  # no batch dim


def test_max_layer_macs_flag(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "check", "--max-layer-macs", "500M", "vgg.py")
    assert code == 1
    # the model traced by torch at the file's 3x224x224: each conv's input, then its MACs there
    vgg = torch_counts((FIXTURES / "vgg.py").read_text(), "VGG16", (1, 3, 224, 224))
    inputs = {path: shape for path, _, shape, _ in vgg.calls}
    expected = []
    for line, path, call in ((13, "features.2", "Conv2d(64, 64, kernel_size=3, padding=1)"),
                             (16, "features.5", "Conv2d(64, 128, kernel_size=3, padding=1)"),
                             (19, "features.8", "Conv2d(128, 512, kernel_size=3, padding=1)")):
        shape = inputs[path]
        expected.append(f"vgg.py:{line}:13: MAC001 {call} {costs(call, shape[1:], shape[0], traced=True)} "
                        f"in VGG16.{path}, budget 500M")
    assert [line for line in out if "MAC001" in line] == expected


def test_max_layer_macs_flag_beats_per_path_budget(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "check", "--max-layer-macs", "8G", "legacy/old_net.py")
    assert out == [f"legacy/old_net.py:13:19: MAC002 Linear(2048, 1000) {has_params('Linear(2048, 1000)')}, "
                   "budget 1M"]


def test_unit_flops_flag(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "--unit", "flops", "model.py")
    assert (code, out) == (1, [
        f"model.py:6:9: MAC001 {CONV} {costs(CONV, (64, 224, 224), unit='FLOPs')}, budget 200M"
    ])


def test_batch_size_flag(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "--batch-size", "4", "model.py")
    assert out == [f"model.py:6:9: MAC001 {CONV} {costs(CONV, (64, 224, 224), batch=4)} "
                   "(batch 4), budget 100M"]


# --------------------------------------------------------------------------- code selection


@pytest.mark.parametrize(
    "flags, codes",
    [
        ([], ["MAC001"]),
        (["--extend-select", "MAC100"], ["MAC001", "MAC100"]),
        (["--extend-select", "MAC1"], ["MAC001", "MAC100"]),
        (["--extend-select", "MAC"], ["MAC001"]),
        # MAC100 (off by default) only when named by a prefix longer than MAC (flake8-bugbear's
        # rule for its B9 codes): `--select MAC` runs every code on by default
        (["--select", "MAC"], ["MAC001"]),
        (["--select", "MAC1"], ["MAC100"]),
        (["--select", "MAC10"], ["MAC100"]),
        (["--select", "MAC100"], ["MAC100"]),
        (["--select", "MAC,MAC1"], ["MAC001", "MAC100"]),
        (["--select", "MAC0"], ["MAC001"]),
        # --ignore replaces the default ignore list, but MAC100 still needs its select
        (["--ignore", "MAC001"], []),
        (["--ignore", "MA"], []),  # an explicit ignore beats the implicit select (flake8)
        (["--extend-ignore", "MAC001"], []),
        (["--select", "MAC", "--ignore", "MAC1"], ["MAC001"]),
        (["--select", "MAC1", "--ignore", "MAC100"], []),
        (["--select", "E,W"], []),
    ],
)
def test_code_selection(capsys, monkeypatch, flags, codes):
    code, out, _ = run(capsys, monkeypatch, DATA, "check", *flags, "model.py")
    assert [line.split()[1] for line in out] == codes
    assert code == (1 if codes else 0)


def test_mac100_only_file_is_clean_by_default(capsys, monkeypatch):
    assert run(capsys, monkeypatch, FIXTURES, "check", "unresolved.py") == (0, [], "")
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "check", "--extend-select", "MAC100", "unresolved.py")
    expected = (FIXTURES / "unresolved.expected").read_text(encoding="utf-8").splitlines()
    assert code == 1 and out == [line for line in expected if "MAC100" in line] and len(out) == 7  # findings


# --------------------------------------------------------------------------- noqa


@pytest.mark.parametrize(
    "comment, reported",
    [
        ("", True),
        ("  # noqa", False),
        ("  # NOQA", False),
        ("  # noqa: MAC001", False),
        ("  # noqa:MAC001", False),
        ("  # noqa: MAC0", False),
        ("  # noqa: E501, MAC001", False),
        ("  # noqa: MAC002", True),
        ("  # noqa: mac001", True),
        ("  # noqa : MAC002", False),  # not a code list: a bare noqa, as in flake8
    ],
)
def test_inline_noqa(capsys, monkeypatch, project, comment, reported):
    (project / "m.py").write_text(BIG.rstrip("\n") + comment + "\n")
    code, out, _ = run(capsys, monkeypatch, project, "check", "m.py")
    assert out == ([f"m.py:{BIG_FINDING}"] if reported else [])
    assert code == (1 if reported else 0)


def test_file_level_noqa(capsys, monkeypatch):
    assert run(capsys, monkeypatch, DATA, "check", "noqa/file_noqa.py") == (0, [], "")


@pytest.mark.parametrize("header", ["# flake8: noqa", "  # flake8:noqa", "# FLAKE8= NOQA"])
def test_file_level_noqa_spellings(capsys, monkeypatch, project, header):
    (project / "m.py").write_text(header + "\n" + BIG)
    assert run(capsys, monkeypatch, project, "check", "m.py") == (0, [], "")


@pytest.mark.parametrize("header", ["x = 1  # flake8: noqa", "#flake8: noqa", "# flake8 noqa"])
def test_not_a_file_level_noqa(capsys, monkeypatch, project, header):
    (project / "m.py").write_text(header + "\n" + BIG)
    code, out, _ = run(capsys, monkeypatch, project, "check", "m.py")
    assert out == ["m.py:4:8: MAC001 " + CONV_224]


def test_file_level_noqa_with_codes(capsys, monkeypatch):
    assert run(capsys, monkeypatch, DATA, "check", "noqa/file_noqa_codes.py") == (0, [], "")


def test_noqa_on_first_line_of_multiline_call(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "check", "noqa_forms.py")
    assert "noqa_forms.py:17:18:" not in "\n".join(out)  # noqa on the line the call starts
    assert any(line.startswith("noqa_forms.py:23:18: MAC001 ") for line in out)  # noqa on its last line


# --------------------------------------------------------------------------- unreadable files


def test_syntax_error_file_gives_mac901_and_other_files_are_checked(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, DATA, "check", "syntax")
    assert (code, err) == (1, "")
    # Python's own position and message (flake8's E999 says the same)
    assert out == ["syntax/broken.py:4:12: MAC901 cannot parse file: invalid syntax",
                   f"syntax/fine.py:{BIG_FINDING}"]


def test_syntax_error_is_reported_on_its_line(capsys, monkeypatch):
    source = (DATA / "syntax" / "broken.py").read_text()
    with pytest.raises(SyntaxError) as info:
        compile(source, "broken.py", "exec")
    assert info.value.lineno == 4
    code, out, _ = run(capsys, monkeypatch, DATA, "check", "syntax/broken.py")
    assert out[0].startswith("syntax/broken.py:4:")


def test_too_deeply_nested_file_does_not_crash_the_run(project):
    # libcst's native parser segfaults on nesting CPython rejects: Python's verdict comes first.
    # (The file mentions torch: files that do not are skipped before any parse.)
    (project / "deep.py").write_text("import torch\nt = " + "[" * 1500 + "0" + "]" * 1500 + "\n")
    with pytest.raises(SyntaxError):
        compile((project / "deep.py").read_text(), "deep.py", "exec")
    (project / "model.py").write_text(BIG)
    result = macslint("check", ".", cwd=project)
    assert result.returncode == 1, f"exit {result.returncode}: {result.stderr[-300:]}"
    out = result.stdout.splitlines()
    assert len(out) == 2 and out[0].startswith("./deep.py:2:") and " MAC901 " in out[0]
    assert out[1] == f"./model.py:{BIG_FINDING}"


@pytest.mark.parametrize("expression", ["[" * 150 + "0" + "]" * 150, " + ".join(["1"] * 400)])
def test_deep_but_valid_python_is_analysed(capsys, monkeypatch, project, expression):
    source = f"import torch.nn as nn\nt = {expression}\nfc = nn.Linear(4096, 4096)\n"
    compile(source, "m.py", "exec")  # valid Python
    (project / "m.py").write_text(source)
    code, out, _ = run(capsys, monkeypatch, project, "check", "m.py")
    assert out == [f"m.py:3:6: MAC002 Linear(4096, 4096) {has_params('Linear(4096, 4096)')}, budget 1M"]


def test_syntax_error_is_an_error_in_report(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "report", "--format", "json", "syntax")
    files = json.loads("\n".join(out))["files"]
    assert code == 1
    assert [f["path"] for f in files] == ["syntax/broken.py", "syntax/fine.py"]
    assert files[0]["error"].startswith("cannot parse file: ") and files[0]["layers"] == []
    assert files[1]["error"] is None and len(files[1]["layers"]) == 1


def test_non_utf8_file_gives_mac901(capsys, monkeypatch, project):
    (project / "latin.py").write_bytes(b'import torch.nn as nn\nx = "\xff"\n' + BIG.encode())
    code, out, _ = run(capsys, monkeypatch, project, "check", "latin.py")
    assert code == 1
    assert out == ["latin.py:1:1: MAC901 cannot read file: not readable as Python source text: 'utf-8' "
                   "codec can't decode byte 0xff in position 27: invalid start byte"]


def test_coding_cookie_is_honoured(capsys, monkeypatch, project):
    (project / "latin.py").write_bytes(b'# -*- coding: latin-1 -*-\nx = "\xff"\n' + BIG.encode())
    code, out, _ = run(capsys, monkeypatch, project, "check", "latin.py")
    assert (code, out) == (1, [f"latin.py:5:8: MAC001 {CONV_224}"])


def test_utf8_bom_file(capsys, monkeypatch, project):
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + BIG.encode())
    code, out, _ = run(capsys, monkeypatch, project, "check", "bom.py")
    assert (code, out) == (1, [f"bom.py:{BIG_FINDING}"])


# --------------------------------------------------------------------------- report


TOP_KEYS = {"schema", "unit", "files"}
FILE_KEYS = {"path", "error", "layers", "models"}
LAYER_KEYS = {"line", "col", "kind", "resolved", "reason", "params", "macs", "input", "output"}
MODEL_KEYS = {"name", "line", "col", "input", "params", "macs", "complete", "reason", "output", "layers"}


def test_report_json_contract(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "report", "--format", "json", "imports.py", "unresolved.py")
    assert code == 0
    data = json.loads("\n".join(out))
    assert TOP_KEYS <= set(data) and data["schema"] == 1 and data["unit"] == "macs"
    assert [f["path"] for f in data["files"]] == ["imports.py", "unresolved.py"]
    for file in data["files"]:
        assert FILE_KEYS <= set(file) and file["error"] is None
        for layer in file["layers"]:
            assert LAYER_KEYS <= set(layer), set(layer)
    # imports.py has no nn.Module subclass; its build() factory returns a Sequential
    [build] = data["files"][0]["models"]
    assert (build["name"], build["line"], build["complete"]) == ("build", 21, True)
    assert [layer["kind"] for layer in build["layers"]] == ["Conv2d", "BatchNorm2d", "ReLU"]
    pyramid = data["files"][1]["models"][0]
    assert MODEL_KEYS <= set(pyramid)
    assert (pyramid["name"], pyramid["line"], pyramid["col"], pyramid["complete"]) == ("Pyramid", 17, 1, False)
    assert pyramid["macs"] is None and "RNNBase" in pyramid["reason"] \
        and pyramid["params"] is None
    stem = data["files"][0]["layers"][0]
    torch_stem = torch_layer("Conv2d(3, 128, 3, padding=1)", (3, 224, 224))
    assert {k: stem[k] for k in LAYER_KEYS} == {
        "line": 11, "col": 8, "kind": "Conv2d", "resolved": True, "reason": None,
        "params": torch_stem.params, "macs": torch_stem.macs,
        "input": [3, 224, 224], "output": list(torch_stem.output[1:]),
    }
    base = next(layer for layer in data["files"][1]["layers"] if layer["kind"] == "RNNBase")
    assert {k: base[k] for k in LAYER_KEYS} == {
        "line": 24, "col": 20, "kind": "RNNBase", "resolved": False,
        "reason": "torch.nn.RNNBase is not in macslint's layer catalogue",
        "params": None, "macs": None, "input": None, "output": None,
    }


def test_report_json_columns_are_one_based(capsys, monkeypatch, project):
    (project / "m.py").write_text("import torch.nn as nn\nnn.Linear(8, 8)\nx = [nn.ReLU(), nn.Linear(8, 8)]\n")
    code, out, _ = run(capsys, monkeypatch, project, "report", "--format", "json", "m.py")
    layers = json.loads("\n".join(out))["files"][0]["layers"]
    assert [(layer["line"], layer["col"], layer["kind"]) for layer in layers] == [
        (2, 1, "Linear"), (3, 6, "ReLU"), (3, 17, "Linear")]


def test_report_json_batch_and_flops(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "report", "--format", "json", "--batch-size", "2",
                       "--unit", "flops", "model.py")
    data = json.loads("\n".join(out))
    assert data["unit"] == "flops"
    file = data["files"][0]
    assert (file["input"], file["batch_size"]) == ([3, 224, 224], 2)
    conv = file["layers"][0]
    expected = torch_layer(CONV, (64, 224, 224), batch=2)
    assert conv["input"] == [64, 224, 224] and conv["output"] == list(expected.output[1:])  # no batch dim
    assert conv["macs"] == expected.macs  # MACs include the batch
    assert conv["flops"] == 2 * conv["macs"]


def test_json_args_of_var_argument_layers_rebuild_them(capsys, monkeypatch, project):
    (project / "m.py").write_text("import torch.nn as nn\na = nn.Identity()\nb = nn.Identity(54, unused=1)\n")
    code, out, _ = run(capsys, monkeypatch, project, "report", "--format", "json", "m.py")
    layers = json.loads("\n".join(out))["files"][0]["layers"]
    # `getattr(torch.nn, kind)(**args)` must rebuild the layer as written
    assert layers[0]["args"] == {}
    assert layers[1]["args"] in ({"unused": 1}, None)


def test_report_text(capsys, monkeypatch):
    """The summary (no models here), then with --sites each file's construction sites, each
    layer costed on its own: no sum of them, which no model would count."""
    code, out, _ = run(capsys, monkeypatch, DATA, "report", "--sites", "model.py",
                       "small/model.py")
    assert code == 0
    big, small = torch_layer(CONV, (64, 224, 224)), torch_layer(CONV, (64, 32, 32))
    # the column widths are those of torch's numbers: a number of another length fails too
    assert out == [
        "0 models in 2 files",
        "  More: --depth N (each model's modules to depth N; all: every layer), --model NAME "
        "(one model),",
        "  --sites (each file's layer constructions), --format json (every field)",
        "",
        "model.py",
        "  line:col  layer                         input       output      params           MACs",
        f"  6:9       Conv2d(64, 64, 3, padding=1)  64x224x224  {format_shape(big.output[1:])}  "
        f"{big.params:,}  {big.macs:,}",
        "  7:9       Conv2d(width, 8, 1)           -           -                ?              ?",
        "  not counted:",
        "    7:9 Conv2d(width, 8, 1): unresolved: argument 'in_channels' is not known: 'width' is a "
        "parameter of build()",
        "  1 of 2 construction sites resolved (all arguments known on some evaluated path)",
        "",
        "small/model.py",
        "  line:col  layer                         input     output    params        MACs",
        f"  6:9       Conv2d(64, 64, 3, padding=1)  64x32x32  {format_shape(small.output[1:])}  "
        f"{small.params:,}  {small.macs:,}",
        "  7:9       Conv2d(width, 8, 1)           -         -              ?           ?",
        "  not counted:",
        "    7:9 Conv2d(width, 8, 1): unresolved: argument 'in_channels' is not known: 'width' is a "
        "parameter of build()",
        "  1 of 2 construction sites resolved (all arguments known on some evaluated path)",
    ]


def test_report_text_invalid_layers_are_not_counted(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "report", "--sites", "video/clip.py")
    text = "\n".join(out)
    assert "  not counted:\n" in text
    assert ("    16:25 Conv3d(3, 8, kernel_size=(9, 3, 3)): invalid: Calculated padded input size per "
            "channel: (8 x 112 x 112). Kernel size: (9 x 3 x 3). Kernel size can't be greater than "
            "actual input size") in out


def test_report_text_unit_flops(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, DATA, "report", "--sites", "--unit", "flops",
                       "model.py")
    expected = torch_layer(CONV, (64, 224, 224))
    table = out.index("model.py")
    assert out[table + 1].split()[-1] == "FLOPs"
    assert out[table + 2].split()[-1] == f"{2 * expected.macs:,}"


@pytest.mark.parametrize("separator", ["\x0c", "\u2028", "\x1c", "\x85"])
def test_noqa_lines_are_pythons_lines(capsys, monkeypatch, tmp_path, separator):
    """A form feed or U+2028 in a comment does not end a line for Python, so it must not
    shift which line a `# noqa` is on (str.splitlines would)."""
    (tmp_path / "m.py").write_text(
        f"import torch.nn as nn\n# page{separator}break\n"
        "conv = nn.Conv2d(3, 64, 7)  # noqa: MAC002\nfc = nn.Linear(4096, 4096)\n",
        encoding="utf-8")
    code, out, _ = run(capsys, monkeypatch, tmp_path, "check", "--max-layer-params", "10", "m.py")
    assert (code, [line.split(": ")[0] for line in out]) == (1, ["m.py:4:6"])


@pytest.mark.parametrize("command", [["check", "--max-layer-macs", "1M"], ["report", "--format", "json"]])
def test_jobs_give_the_same_output_in_the_same_order(capsys, monkeypatch, command):
    """Files checked in worker processes come back as they would in one process, in order."""
    one = run(capsys, monkeypatch, FIXTURES, *command, "-j", "1", ".")
    two = run(capsys, monkeypatch, FIXTURES, *command, "-j", "2", ".")
    assert one == two
    assert len(one[1]) > 20  # lines of output: enough files and lines for the order to matter


def test_results_survive_pickling_for_workers():
    import pickle

    from macslint.service import check_paths as run_files

    results = run_files([str(FIXTURES)], {}).results
    assert any(r.report.models for r in results)
    for result in results:
        copy = pickle.loads(pickle.dumps(result))
        assert copy.findings == result.findings
        assert copy.report.settings == result.report.settings
        assert [l.call for l in copy.report.layers] == [l.call for l in result.report.layers]
        assert [(m.name, m.params, m.macs) for m in copy.report.models] == \
            [(m.name, m.params, m.macs) for m in result.report.models]


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_jobs_must_be_a_positive_number(capsys, monkeypatch, tmp_path, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", "-j", value, "."])
    assert exit_info.value.code == 2
    assert f"argument -j/--jobs: {value!r} is not a positive number of processes" in \
        capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1", "deep"])
def test_depth_is_one_or_more_or_all(capsys, monkeypatch, tmp_path, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report", "--depth", value, "."])
    assert exit_info.value.code == 2
    assert f"argument --depth: {value!r} is not a depth: use 1, 2, ... or 'all'" in \
        capsys.readouterr().err


def test_depth_all_shows_every_layer_call_and_depth_1_the_models_children(capsys, monkeypatch):
    _, every, _ = run(capsys, monkeypatch, FIXTURES, "report", "--depth", "ALL",
                      "models/resnet_basic.py")
    _, top, _ = run(capsys, monkeypatch, FIXTURES, "report", "--depth", "1",
                    "models/resnet_basic.py")
    calls = json.loads("\n".join(run(capsys, monkeypatch, FIXTURES, "report", "--format", "json",
                                     "models/resnet_basic.py")[1]))["files"][0]["models"]
    deepest = max(layer["path"].count(".") for model in calls for layer in model["layers"])
    indents = lambda lines: {len(l) - len(l.lstrip()) for l in lines if re.match(r"  +\w", l)
                             and not l.lstrip().startswith(("total", "output", "parameters",
                                                            "memory", "model", "More", "--"))}
    assert max(indents(every)) == 2 + 2 * deepest > max(indents(top)) == 2


def test_report_model_traces_only_that_model(capsys, monkeypatch):
    """`report --model NAME` builds NAME alone: the file's other models would be thrown away."""
    from macslint.torchnn import tracer

    traced = []
    original = tracer.ModelInterpreter.trace_model

    def spy(self, entry, settings, path):
        traced.append(entry.name)
        return original(self, entry, settings, path)

    monkeypatch.setattr(tracer.ModelInterpreter, "trace_model", spy)
    # vit_tiny.py has two models (and blocks that need arguments)
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "report", "--no-cache", "-j", "1",
                       "--model", "ViTTinyBatch2", "models/vit_tiny.py")
    assert code == 0 and out[0] == "1 model in 1 file"
    assert "models/vit_tiny.py:78:1: model ViTTinyBatch2 at 2x3x32x32" in out
    assert traced == ["ViTTinyBatch2"]
    traced.clear()
    code, _, err = run(capsys, monkeypatch, FIXTURES, "report", "--no-cache", "-j", "1",
                       "--model", "Nope", "models/vit_tiny.py")
    assert code == 2 and err.rstrip().endswith("models found: ViTTiny, ViTTinyBatch2")


def test_the_readmes_first_command_prints_a_summary_a_newcomer_reads_at_a_glance(
        capsys, monkeypatch):
    """`macslint report fixtures/` (the README's first command): under 60 lines, a line per
    model up to the caps, each model once with --all, and the way to the tables."""
    code, out, _ = run(capsys, monkeypatch, FIXTURES, "report", ".")
    _, everything, _ = run(capsys, monkeypatch, FIXTURES, "report", "--all", ".")
    _, data, _ = run(capsys, monkeypatch, FIXTURES, "report", "--format", "json", ".")
    models = [(m["name"], f"{f['path']}:{m['line']}", m["complete"])
              for f in json.loads("\n".join(data))["files"] for m in f["models"]]
    assert code == 0 and len(out) < 60
    assert out[0].startswith(f"{len(models)} models in ")
    complete = sum(1 for *_, full in models if full)
    rows = [line for line in out if re.search(r"\.py:\d+", line)]
    assert len(rows) == min(complete, 30) + min(len(models) - complete, 20)
    listed = sorted(tuple(line.split()[i] for i in (0, 4)) for line in everything
                    if re.search(r"\.py:\d+", line))
    assert listed == sorted((name, where) for name, where, _ in models)
    assert any("--depth N" in line for line in out) and any("--all" in line for line in out)
    # the costliest first: MACs descending, then the models not counted in full, by params
    macs = [m["macs"] for f in json.loads("\n".join(data))["files"] for m in f["models"]]
    shown = [line.split() for line in rows]
    full = [int(cells[2].replace(",", "")) for cells in shown if cells[2] != "?"]
    assert full == sorted((m for m in macs if m is not None), reverse=True)[:len(full)]
    partial = [cells[1] for cells in shown if cells[2] == "?"]
    assert shown[len(full):] == [cells for cells in shown if cells[2] == "?"]
    counts = [int(p.replace(",", "")) for p in partial if p != "?"]
    assert counts == sorted(counts, reverse=True)
