"""The flake8 plugin: flake8 as a subprocess (stdin, configuration lookup, noqa, bad configuration,
columns, code selection) and `MacsPlugin` in-process for the never-raise guarantee."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from macslint import service
from macslint.errors import ConfigError
from macslint.adapters.flake8_plugin import MacsPlugin
from tests.helpers import DATA, FIXTURES, FLAKE8, REPO, flake8, lines, macslint, run
from tests.torchnn.tracer_helpers import torch_costs, torch_has_params

# The costs in the messages are torch's (`torch_costs`: the layer as the message prints it, run
# at the shape it prints: its in-channels at the configured size); budgets and positions are
# the test's own.
CONV = "import torch.nn as nn\n\nconv = nn.Conv2d(64, 64, 3, padding=1)\n"
CONV1D = "import torch.nn as nn\n\nconv = nn.Conv1d(64, 128, 3, padding=1)\n"
LAYER = "Conv2d(64, 64, 3, padding=1)"
AT_224 = f"3:8: MAC001 {LAYER} {torch_costs(LAYER, (64, 224, 224))}, budget 100M"


@pytest.fixture
def project(tmp_path):
    shutil.copy(DATA / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# --------------------------------------------------------------------------- stdin


def test_stdin_display_name_finds_config_above_it():
    # from the repository root, whose pyproject.toml has no [tool.macslint]: the budgets come
    # from fixtures/pyproject.toml, above the (nonexistent) display path
    result = flake8("--select", "MAC", "-", "--stdin-display-name", "fixtures/sub/x.py", cwd=REPO, stdin=CONV)
    assert lines(result.stdout) == [f"fixtures/sub/x.py:{AT_224}"]
    assert result.returncode == 1


def test_stdin_display_name_gets_per_path_override():
    result = flake8("--select", "MAC", "-", "--stdin-display-name", "fixtures/audio/x.py", cwd=REPO, stdin=CONV1D)
    conv1d = "Conv1d(64, 128, 3, padding=1)"  # at the audio/* input size, 1x16000
    assert lines(result.stdout) == [
        f"fixtures/audio/x.py:3:8: MAC001 {conv1d} {torch_costs(conv1d, (64, 16000))}, budget 100M"
    ]
    # lenet.py is costed at 1x32x32 (a per-path pattern without "/")
    result = flake8("--select", "MAC", "-", "--stdin-display-name", "fixtures/lenet.py", cwd=REPO, stdin=CONV)
    assert (result.stdout, result.returncode) == ("", 0)


def test_stdin_display_name_excluded():
    result = flake8("--select", "MAC", "-", "--stdin-display-name", "tests/data/excluded/x.py",
                    cwd=REPO, stdin=CONV)
    assert (result.stdout, result.returncode) == ("", 0)
    result = flake8("--select", "MAC", "-", "--stdin-display-name", "tests/data/x.py", cwd=REPO, stdin=CONV)
    assert lines(result.stdout) == [f"tests/data/x.py:{AT_224}"]


def test_stdin_without_display_name_uses_cwd_config(tmp_path):
    result = flake8("--select", "MAC", "-", cwd=FIXTURES, stdin=CONV)
    assert (lines(result.stdout), result.returncode) == ([f"stdin:{AT_224}"], 1)
    # per-path entries match "stdin" as a file of the working directory
    result = flake8("--select", "MAC", "-", cwd=DATA / "small", stdin=CONV.replace("64, 64", "512, 512"))
    wide = "Conv2d(512, 512, 3, padding=1)"  # at the small/* input size, 3x32x32
    assert lines(result.stdout) == [
        f"stdin:3:8: MAC001 {wide} {torch_costs(wide, (512, 32, 32))}, budget 100M",
        f"stdin:3:8: MAC002 {wide} {torch_has_params(wide)}, budget 1M",
    ]
    # no [tool.macslint] anywhere above: no budgets, nothing to report
    result = flake8("--select", "MAC", "-", cwd=tmp_path, stdin=CONV)
    assert (result.stdout, result.returncode) == ("", 0)


def test_stdin_noqa():
    result = flake8("--select", "MAC", "-", cwd=FIXTURES, stdin=CONV.rstrip("\n") + "  # noqa: MAC001\n")
    assert (result.stdout, result.returncode) == ("", 0)
    result = flake8("--select", "MAC", "-", cwd=FIXTURES, stdin=CONV.rstrip("\n") + "  # noqa: MAC002\n")
    assert lines(result.stdout) == [f"stdin:{AT_224}"]


# --------------------------------------------------------------------------- noqa agreement

NOQA_VARIANTS = {
    "inline_none": CONV,
    "inline_bare": CONV.rstrip("\n") + "  # noqa\n",
    "inline_upper": CONV.rstrip("\n") + "  # NoQA\n",
    "inline_code": CONV.rstrip("\n") + "  # noqa: MAC001\n",
    "inline_nospace": CONV.rstrip("\n") + "  # noqa:MAC001,E501\n",
    "inline_prefix": CONV.rstrip("\n") + "  # noqa: MAC\n",
    "inline_other": CONV.rstrip("\n") + "  # noqa: MAC002\n",
    "inline_lower": CONV.rstrip("\n") + "  # noqa: mac001\n",
    "inline_space_colon": CONV.rstrip("\n") + "  # noqa : MAC002\n",
    "multiline_first": "import torch.nn as nn\nconv = nn.Conv2d(  # noqa: MAC001\n    64, 64, 3, padding=1\n)\n",
    "multiline_last": "import torch.nn as nn\nconv = nn.Conv2d(\n    64, 64, 3, padding=1\n)  # noqa: MAC001\n",
    "string_span": 'import torch.nn as nn\nconv = (nn.Conv2d(64, 64, 3, padding=1), """\n""")  # noqa\n',
    "crlf_bare": "import torch.nn as nn\r\nconv = nn.Conv2d(\r\n    64, 64, 3, padding=1)\r\nc = nn.Conv2d(64, 64, 3, padding=1)  # noqa\r\n",
    "file_bare": "# flake8: noqa\n" + CONV,
    "file_indented": "    # FLAKE8= noqa\n" + CONV,
    "file_nospace": "#flake8: noqa\n" + CONV,
    "file_in_code": "x = 1  # flake8: noqa\n" + CONV,
}


def test_noqa_agrees_with_flake8(project):
    for name, source in NOQA_VARIANTS.items():
        (project / f"{name}.py").write_text(source)
    files = sorted(f"{name}.py" for name in NOQA_VARIANTS)
    cli = macslint("check", *files, cwd=project)
    f8 = flake8("--select", "MAC", *files, cwd=project)
    assert sorted(lines(cli.stdout)) == sorted(lines(f8.stdout))
    reported = sorted({line.split(".py:")[0] for line in lines(cli.stdout)})
    # the agreement is not vacuous: some variants are silenced and some are not
    assert reported == ["crlf_bare", "file_in_code", "file_nospace", "inline_lower", "inline_none",
                        "inline_other", "multiline_last"]


def test_file_level_noqa_with_codes():
    f8 = flake8("--select", "MAC", "noqa/file_noqa_codes.py", cwd=DATA)
    assert (f8.stdout, f8.returncode) == ("", 0)  # what flake8 does (holds)
    cli = macslint("check", "noqa/file_noqa_codes.py", cwd=DATA)
    assert (cli.stdout, cli.returncode) == (f8.stdout, f8.returncode)


# --------------------------------------------------------------------------- code selection agreement

# tests/data/model.py has one MAC001 and one MAC100 (off by default).
@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--select", "MAC"],
        ["--select", "MAC1"],
        ["--select", "MAC10"],
        ["--select", "MAC100"],
        ["--select", "MAC,F"],
        ["--extend-select", "MAC100"],
        ["--extend-select", "MAC1"],
        ["--extend-select", "MAC"],
        ["--ignore", "E501"],
        ["--ignore", "MAC001"],
        ["--ignore", "MA"],
        ["--extend-ignore", "MAC00"],
        ["--select", "MAC", "--ignore", "MAC0"],
        ["--select", "MAC0", "--extend-select", "MAC100"],
        ["--ignore", "MAC", "--extend-select", "MAC100"],
        ["--select", "MAC00", "--extend-select", "MAC100", "--ignore", "MAC0"],
        ["--select", "MAC1", "--extend-ignore", "MAC"],
        ["--select", "MAC1", "--ignore", "MAC"],
        ["--select", "MAC1", "--ignore", "MAC1"],
    ],
)
def test_code_selection_agrees_with_flake8(flags):
    cli = macslint("check", *flags, "model.py", cwd=DATA)
    f8 = flake8(*flags, "model.py", cwd=DATA)
    f8_mac = [line for line in lines(f8.stdout) if " MAC" in line]
    assert lines(cli.stdout) == f8_mac


# --------------------------------------------------------------------------- bad configuration


def test_bad_config_one_mac902_per_file_and_flake8_keeps_going():
    result = flake8("--select", "MAC,F", "bad_config", cwd=DATA)
    message = (
        f"MAC902 invalid configuration: {DATA / 'bad_config' / 'pyproject.toml'}: max-layer-mac = '100M': "
        "unknown key in [tool.macslint] (did you mean 'max-layer-macs'?); valid keys are: baseline, "
        "batch-size, discover-constructions, exclude, input-size, inputs, max-layer-macs, max-layer-params, max-model-macs, "
        "max-model-macs-increase, max-model-params, max-model-params-increase, models, not-installed, per-path, unit"
    )
    assert sorted(lines(result.stdout)) == [
        f"bad_config/one.py:1:1: {message}",
        f"bad_config/two.py:1:1: F401 'os' imported but unused",
        f"bad_config/two.py:1:1: {message}",
    ]
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_bad_config_does_not_stop_other_files():
    result = flake8("--select", "MAC0,MAC9", "bad_config/one.py", "model.py", cwd=DATA)
    out = lines(result.stdout)
    assert len(out) == 2  # lines of output
    assert out[0].startswith("bad_config/one.py:1:1: MAC902 ")
    assert out[1] == f"model.py:{AT_224.replace('3:8:', '6:9:', 1)}"


# --------------------------------------------------------------------------- columns


def test_columns_are_one_based_and_equal_to_the_cli(project):
    source = (
        "import torch.nn as nn\n"
        "nn.Linear(4096, 4096)\n"
        "blocks = [nn.ReLU(), nn.Linear(2048, 2048)]\n"
        "\n"
        "\n"
        "def f():\n"
        '\tx = ("\u00e9\u00e9", nn.Linear(1024, 1024))\n'
        "\treturn x\n"
    )
    (project / "m.py").write_text(source, encoding="utf-8")
    cli = macslint("check", "m.py", cwd=project)
    f8 = flake8("--select", "MAC", "m.py", cwd=project)
    assert lines(cli.stdout) == lines(f8.stdout)
    text_lines = source.splitlines()
    expected = [(2, 1), (3, 22), (7, text_lines[6].index("nn.Linear") + 1)]
    assert expected[2] == (7, 13)  # characters, not bytes or editor columns
    positions = [tuple(int(x) for x in line.split(":")[1:3]) for line in lines(f8.stdout)]
    assert positions == expected


def test_file_errors_are_at_line_1_col_1(project):
    (project / "m.py").write_text("\n\n" + CONV)
    (project / "pyproject.toml").write_text("[tool.macslint]\nunit = 'watts'\n")
    f8 = flake8("--select", "MAC", "m.py", cwd=project)
    assert lines(f8.stdout) == [
        f"m.py:1:1: MAC902 invalid configuration: {project / 'pyproject.toml'}: unit = 'watts': not a "
        'unit; use "macs" or "flops"'
    ]


# --------------------------------------------------------------------------- MacsPlugin in-process


def plugin_results(path: Path, source: str):
    tree = ast.parse(source)
    return list(MacsPlugin(tree, str(path), source.splitlines(keepends=True)).run())


def test_plugin_results_are_flake8_tuples(project):
    path = project / "m.py"
    results = plugin_results(path, CONV)
    message = AT_224.split(": ", 1)[1]
    assert results == [(3, 7, message, MacsPlugin)]  # flake8 wants 0-based columns


def test_plugin_check_source_raising_gives_one_mac900(project, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    # the name the plugin calls (it imports check_source from macslint.engine)
    monkeypatch.setattr(service, "check_source", boom)
    results = plugin_results(project / "m.py", CONV)
    assert results == [
        (1, 0, "MAC900 internal error: RuntimeError: boom; please report it with this file", MacsPlugin)
    ]


def test_plugin_analyzer_raising_gives_one_mac900(project, monkeypatch):
    import macslint.analysis

    def boom(source, *args):
        raise KeyError("lost")

    monkeypatch.setattr(macslint.analysis, "analyze_source", boom)
    results = plugin_results(project / "m.py", CONV)
    assert results == [
        (1, 0, "MAC900 internal error: KeyError: 'lost'; please report it with this file", MacsPlugin)
    ]


def test_plugin_config_lookup_raising_gives_one_mac900(project, monkeypatch):
    def boom(path):
        raise OSError("disk on fire")

    monkeypatch.setattr(service, "config_for_path", boom)
    results = plugin_results(project / "m.py", CONV)
    assert results == [
        (1, 0, "MAC900 internal error: OSError: disk on fire; please report it with this file", MacsPlugin)
    ]


def test_plugin_config_error_gives_one_mac902(project, monkeypatch):
    def bad(path):
        raise ConfigError("pyproject.toml: unit = 'watts': not a unit; use \"macs\" or \"flops\"")

    monkeypatch.setattr(service, "config_for_path", bad)
    results = plugin_results(project / "m.py", CONV)
    assert results == [(1, 0, "MAC902 invalid configuration: pyproject.toml: unit = 'watts': not a unit; "
                        'use "macs" or "flops"', MacsPlugin)]


def test_plugin_excluded_file_gives_nothing(project):
    (project / "excluded").mkdir()
    assert plugin_results(project / "excluded" / "m.py", CONV) == []
    assert len(plugin_results(project / "kept.py", CONV)) == 1


# --------------------------------------------------------------------------- result cache


def test_plugin_reads_results_back_from_the_cache(project, tmp_path, monkeypatch):
    from macslint.cache import ResultCache

    monkeypatch.setattr(MacsPlugin, "cache", ResultCache(tmp_path / "cache"))
    first = plugin_results(project / "m.py", CONV)
    assert first and list((tmp_path / "cache").rglob("*.json"))

    def analysed(*args, **kwargs):
        raise AssertionError("analysed again")

    monkeypatch.setattr(service, "check_source", analysed)
    assert plugin_results(project / "m.py", CONV) == first
    # another text is another entry: analysed (and here, the spy's MAC900)
    assert plugin_results(project / "m.py", CONV + "\n")[0][2].startswith("MAC900 internal error")


def test_plugin_cache_entry_is_stale_when_an_imported_file_changes(project, tmp_path, monkeypatch):
    from macslint.cache import ResultCache

    monkeypatch.setattr(MacsPlugin, "cache", ResultCache(tmp_path / "cache"))
    (project / "blocks.py").write_text("import torch.nn as nn\n\nWIDTH = 64\n")
    source = "import torch.nn as nn\nfrom blocks import WIDTH\n\nconv = nn.Conv2d(WIDTH, WIDTH, 3, padding=1)\n"
    assert [r[:2] for r in plugin_results(project / "m.py", source)] == [(4, 7)]
    (project / "blocks.py").write_text("import torch.nn as nn\n\nWIDTH = 4\n")
    assert plugin_results(project / "m.py", source) == []


def test_flake8_cache_options(project, tmp_path):
    (project / "m.py").write_text(CONV)
    cache = tmp_path / "elsewhere"
    f8 = flake8("--select", "MAC", "--macslint-cache-dir", str(cache), "m.py", cwd=project)
    assert lines(f8.stdout) == [f"m.py:{AT_224}"]
    assert len(list(cache.rglob("*.json"))) == 1 and (cache / ".gitignore").is_file()
    shutil.rmtree(cache)
    f8 = flake8("--select", "MAC", "--macslint-cache-dir", str(cache), "--macslint-no-cache", "m.py",
                cwd=project)
    assert lines(f8.stdout) == [f"m.py:{AT_224}"] and not cache.exists()
    assert not (project / ".macslint_cache").exists()  # $MACSLINT_CACHE_DIR (conftest) is elsewhere


def test_flake8_with_an_unwritable_cache_still_reports(project, tmp_path):
    (project / "m.py").write_text(CONV)
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    f8 = flake8("--select", "MAC", "--macslint-cache-dir", str(blocker / "cache"), "m.py", cwd=project)
    assert (lines(f8.stdout), f8.returncode) == ([f"m.py:{AT_224}"], 1)


# --------------------------------------------------------------------------- codes off by default
# flake8-bugbear's rule for its B9 codes: MAC100 is reported only when select or extend-select
# names it by a prefix longer than the plugin's `MAC`; `--select MAC` (the way to run only
# macslint), flake8's default select and an ignore list that replaces flake8's default one
# never turn it on. tests/data/model.py has one MAC001 and one MAC100.


@pytest.mark.parametrize(
    "flags, codes",
    [
        ([], ["MAC001"]),
        (["--select", "MAC"], ["MAC001"]),
        (["--select", "MAC,E,F,W"], ["MAC001"]),
        (["--extend-select", "MAC"], ["MAC001"]),
        (["--ignore", "E501"], ["MAC001"]),  # replaces flake8's default ignore list (MAC100 in it)
        (["--select", "MAC1"], ["MAC100"]),
        (["--select", "MAC10"], ["MAC100"]),
        (["--select", "MAC100"], ["MAC100"]),
        (["--select", "MAC,MAC1"], ["MAC001", "MAC100"]),
        (["--extend-select", "MAC1"], ["MAC001", "MAC100"]),
        (["--extend-select", "MAC100"], ["MAC001", "MAC100"]),
        (["--select", "MAC1", "--ignore", "MAC100"], []),
        (["--select", "MAC1", "--extend-ignore", "MAC10"], []),
    ],
)
def test_off_by_default_codes_need_a_select_longer_than_mac(flags, codes):
    f8 = flake8(*flags, "model.py", cwd=DATA)
    assert [line.split()[1] for line in lines(f8.stdout)] == codes
    cli = macslint("check", *flags, "model.py", cwd=DATA)
    assert lines(cli.stdout) == lines(f8.stdout)


@pytest.mark.parametrize(
    "config, codes",
    [
        ("select = MAC", ["MAC001"]),
        ("select = MAC1", ["MAC100"]),
        ("extend-select = MAC100", ["MAC001", "MAC100"]),
        ("extend-ignore = MAC001", []),
    ],
)
def test_off_by_default_codes_from_flake8s_configuration(project, config, codes):
    shutil.copy(DATA / "model.py", project / "model.py")
    (project / ".flake8").write_text(f"[flake8]\n{config}\n")
    f8 = run([*FLAKE8, "--config", ".flake8", "model.py"], project)  # not `flake8`'s --isolated
    assert [line.split()[1] for line in lines(f8.stdout) if " MAC" in line] == codes


SELECTIONS = [None, [], ["MAC"], ["MA"], ["MAC1"], ["MAC10"], ["MAC100"], ["MAC0"], ["MAC001"],
              ["E", "MAC"], ["MAC", "MAC1"]]
EXTENSIONS = [None, ["MAC"], ["MAC1"], ["MAC100"], ["MAC00"]]


def test_code_selection_is_flake8s_decision_after_the_plugins_filter(monkeypatch):
    """`CodeSelection.enabled` (check, the language server) against what flake8 reports: the
    plugin's own filter (`parse_options` on the options) then flake8's DecisionEngine, with
    the defaults the installed plugins declare, for every code and many options."""
    import argparse

    from flake8.api.legacy import get_style_guide
    from flake8.style_guide import Decision, DecisionEngine

    from macslint.codes import CODES, DEFAULT_DISABLED
    from macslint.selection import CodeSelection

    monkeypatch.setattr(MacsPlugin, "cache", None)
    monkeypatch.setattr(MacsPlugin, "selected_off_by_default", frozenset())
    defaults = get_style_guide().options  # flake8's options with every plugin's defaults
    assert "MAC" in defaults.extended_default_select
    assert set(DEFAULT_DISABLED) <= set(defaults.extended_default_ignore)
    shown = set()
    for select in SELECTIONS:
        for ignore in SELECTIONS:
            for extend_select in EXTENSIONS:
                for extend_ignore in EXTENSIONS:
                    options = argparse.Namespace(**{
                        **vars(defaults), "select": select, "ignore": ignore,
                        "extend_select": extend_select, "extend_ignore": extend_ignore,
                        "macslint_no_cache": True})
                    MacsPlugin.parse_options(options)
                    engine = DecisionEngine(options)
                    selection = CodeSelection(select, ignore, extend_select or [],
                                              extend_ignore or [])
                    for code in (c.code for c in CODES):
                        on = MacsPlugin.selected_off_by_default
                        plugin = code in on if code in DEFAULT_DISABLED else True
                        reported = plugin and engine.decision_for(code) is Decision.Selected
                        assert selection.enabled(code) == reported, (
                            code, select, ignore, extend_select, extend_ignore)
                        if reported and code in DEFAULT_DISABLED:
                            shown.add((tuple(select or ()), tuple(extend_select or ())))
    # not vacuous: MAC100 is shown, and only where some select names it beyond `MAC`
    assert all(any(len(p) > 3 and "MAC100".startswith(p) for p in (*s, *e)) for s, e in shown)
    assert (("MAC1",), ()) in shown and ((), ("MAC100",)) in shown
