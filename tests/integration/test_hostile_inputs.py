"""Hostile files and configuration through the real `macslint` command: each gives its exact
message and exit code (2 for configuration, a per-file finding with a code otherwise), never a
traceback, never a hang, and the other files are still checked.

Covered elsewhere, with exact messages: syntax errors, non-UTF-8 bytes, coding cookies, BOM,
nesting past the recursion limit (tests/adapters/test_cli.py); hostile model code, unbounded loops and
recursion (tests/integration/test_hostile.py); every configuration key's wrong values (tests/config/test_config.py).
TESTING.md lists them all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from macslint import files
from macslint.adapters import cli
from tests.helpers import macslint
from tests.torchnn.tracer_helpers import torch_costs

BUDGET = "[tool.macslint]\nmax-layer-macs = \"100M\"\n"
BIG = "import torch.nn as nn\n\nconv = nn.Conv2d(64, 64, 3, padding=1)\n"
# torch's count of the conv on its own: its 64 channels at the default 224x224
BIG_FINDING = (f"3:8: MAC001 Conv2d(64, 64, 3, padding=1) "
               f"{torch_costs('Conv2d(64, 64, 3, padding=1)', (64, 224, 224))}, budget 100M")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with one file over its budget."""
    (tmp_path / "pyproject.toml").write_text(BUDGET)
    (tmp_path / "model.py").write_text(BIG)
    return tmp_path


def check(project: Path, *paths: str):
    result = macslint("check", "--no-cache", *(paths or (".",)), cwd=project)
    return result.returncode, result.stdout.splitlines(), result.stderr


def test_empty_file(project):
    (project / "empty.py").write_bytes(b"")
    assert check(project, "empty.py") == (0, [], "")
    assert check(project) == (1, [f"./model.py:{BIG_FINDING}"], "")


def test_crlf_line_endings(project):
    (project / "crlf.py").write_bytes(BIG.replace("\n", "\r\n").encode())
    assert check(project, "crlf.py") == (1, [f"crlf.py:{BIG_FINDING}"], "")


def test_named_pipe_is_reported_not_read(project):
    """Reading a named pipe waits for a writer: the run would hang."""
    os.mkfifo(project / "pipe.py")
    assert check(project) == (1, [
        f"./model.py:{BIG_FINDING}",
        "./pipe.py:1:1: MAC901 cannot read file: not a regular file (a named pipe)"], "")
    assert check(project, "pipe.py") == (
        1, ["pipe.py:1:1: MAC901 cannot read file: not a regular file (a named pipe)"], "")


def test_dangling_symlink(project):
    (project / "gone.py").symlink_to(project / "nowhere.py")
    assert check(project) == (1, [
        "./gone.py:1:1: MAC901 cannot read file: No such file or directory",
        f"./model.py:{BIG_FINDING}"], "")


def test_symlink_loop_is_not_followed(project):
    (project / "sub").mkdir()
    (project / "sub" / "loop").symlink_to(project, target_is_directory=True)
    (project / "sub" / "m.py").write_text(BIG)
    assert check(project) == (1, [f"./model.py:{BIG_FINDING}", f"./sub/m.py:{BIG_FINDING}"], "")


def test_unreadable_file(project, monkeypatch, capsys):
    """In-process: permissions do not stop root (CI may run as root), so the read fails as
    it would for a file without read permission."""
    (project / "secret.py").write_text(BIG)
    real_open = open

    def open_unless_secret(path, *args, **kwargs):
        if Path(path).name == "secret.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", open_unless_secret, raising=False)
    monkeypatch.chdir(project)
    code = cli.main(["check", "-j", "1", "."])
    out, err = capsys.readouterr()
    assert (code, out.splitlines(), err) == (1, [
        f"./model.py:{BIG_FINDING}",
        "./secret.py:1:1: MAC901 cannot read file: Permission denied"], "")


def test_input_size_of_the_wrong_rank_for_a_layer(project):
    """Not a configuration error (another layer of the same path may fit it): a finding on
    the layer it does not fit, on by default."""
    (project / "pyproject.toml").write_text(BUDGET + "input-size = [16000]\n")
    (project / "audio.py").write_text(
        "import torch.nn as nn\n\nframes = nn.Conv1d(1, 512, 400)\nimage = nn.Conv2d(1, 8, 3)\n")
    assert check(project, "audio.py") == (1, [
        f"audio.py:3:10: MAC001 Conv1d(1, 512, 400) {torch_costs('Conv1d(1, 512, 400)', (1, 16000))}, "
        "budget 100M",
        "audio.py:4:9: MAC012 Conv2d(1, 8, 3) is not costed: input-size 16000 has fewer than "
        "the 2 spatial dims this layer needs; set input-size for this path"], "")


CONFIG_VALUE_ERRORS = {
    "invalid TOML": (
        "[tool.macslint\nmax-layer-macs = 1\n",
        "invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 15); "
        "fix the syntax of the file"),
    "wrong type": (
        "[tool.macslint]\nmax-layer-macs = [1]\n",
        "max-layer-macs = [1]: not a count (a list); use an integer or a string like \"500M\" "
        "or \"1.5G\" (suffixes K, M, G, T)"),
    "unknown key": (
        "[tool.macslint]\nmax-layer-mac = \"1M\"\n",
        "max-layer-mac = '1M': unknown key in [tool.macslint] (did you mean "
        "'max-layer-macs'?); valid keys are: baseline, batch-size, discover-constructions, exclude, "
        "input-size, inputs, max-layer-macs, max-layer-params, max-model-macs, max-model-macs-increase, "
        "max-model-params, max-model-params-increase, models, not-installed, per-path, unit"),
    "negative budget": (
        "[tool.macslint]\nmax-model-params = -5\n",
        "max-model-params = -5: negative; use a count >= 0"),
    "negative budget with a suffix": (
        "[tool.macslint]\nmax-layer-macs = \"-1M\"\n",
        "max-layer-macs = '-1M': negative; use a count >= 0"),
    "absurd budget": (
        "[tool.macslint]\nmax-layer-macs = \"1e400\"\n",
        "max-layer-macs = '1e400': not a count; use an integer or a string like \"500M\" or "
        "\"1.5G\" (suffixes K, M, G, T)"),
    "infinite budget": (
        "[tool.macslint]\nmax-layer-macs = inf\n",
        "max-layer-macs = inf: a float is not a count (it may not be exact); use an integer or "
        "a string like \"500M\" or \"1.5G\" (suffixes K, M, G, T)"),
    "zero in input-size": (
        "[tool.macslint]\ninput-size = [3, 0, 224]\n",
        "input-size = [3, 0, 224]: entry 1 (0) is not positive; use a list of positive "
        "integers like [3, 224, 224] (no batch dimension)"),
    "empty input-size": (
        "[tool.macslint]\ninput-size = []\n",
        "input-size = []: empty; use a list of positive integers like [3, 224, 224] (no batch "
        "dimension)"),
}


@pytest.mark.parametrize("case", CONFIG_VALUE_ERRORS)
@pytest.mark.parametrize("command", ["check", "report"])
def test_bad_configuration_exits_2_naming_file_key_and_fix(project, case, command):
    text, message = CONFIG_VALUE_ERRORS[case]
    (project / "pyproject.toml").write_text(text)
    result = macslint(command, "--no-cache", ".", cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"macslint: error: {project / 'pyproject.toml'}: {message}\n")


def test_absurd_but_valid_sizes_are_counted_exactly(project):
    """Sizes far past any machine (MACs past 64-bit integers) are still exact, never floats
    or overflow. (A size whose tensor has more bytes than 64 bits count, torch cannot take
    even on the meta device.)"""
    (project / "pyproject.toml").write_text(
        "[tool.macslint]\ninput-size = [3, 100000000, 100000000]\n"
        "max-layer-macs = 100000000000000000000000000000000000000000\n")
    (project / "m.py").write_text("import torch.nn as nn\n\nconv = nn.Conv2d(3, 64, 7)\n")
    result = macslint("report", "--no-cache", "--format", "json", "m.py", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")

    (layer,) = json.loads(result.stdout)["files"][0]["layers"]
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    conv = torch.nn.Conv2d(3, 64, 7, device="meta")  # the meta device allocates nothing
    with FlopCounterMode(display=False) as counter:
        out = conv(torch.empty(1, 3, 10**8, 10**8, device="meta"))
    assert layer["output"] == list(out.shape[1:])
    assert layer["macs"] == counter.get_total_flops() // 2
