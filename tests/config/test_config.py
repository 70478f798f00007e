from __future__ import annotations

import builtins
import io
import os
import re
import textwrap
from pathlib import Path

import pytest

from macslint import config as config_module
from macslint.config import (
    Config,
    Settings,
    apply_overrides,
    clear_caches,
    config_for_path,
    find_pyproject,
    load_config,
)
from macslint.errors import ConfigError


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, body: str) -> Config:
    """Write ``body`` under [tool.macslint]; ``[per-path.X]`` headers become ``[tool.macslint.per-path.X]``."""
    body = re.sub(r"^\[per-path", "[tool.macslint.per-path", textwrap.dedent(body), flags=re.M)
    return load_config(write(tmp_path / "pyproject.toml", "[tool.macslint]\n" + body))


def error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, body)
    return str(info.value)


# ---------------------------------------------------------------- defaults and valid values


def test_defaults_without_pyproject(tmp_path):
    config = load_config(None, cwd=tmp_path)
    assert config.source is None
    assert config.root == tmp_path
    assert config.base == Settings()
    assert config.base.input_size == (3, 224, 224)
    assert config.base.batch_size == 1
    assert config.base.unit == "macs"
    assert config.exclude == ()
    assert config.per_path == ()
    assert config.settings_for(tmp_path / "a.py") == Settings()
    assert not config.is_excluded(tmp_path / "a.py")


def test_empty_table_gives_defaults(tmp_path):
    config = load(tmp_path, "")
    assert config.base == Settings()
    assert config.source == tmp_path / "pyproject.toml"
    assert config.root == tmp_path.resolve()


def test_all_keys(tmp_path):
    config = load(
        tmp_path,
        """
        input-size = [1, 28, 28]
        batch-size = 8
        max-layer-macs = "500M"
        max-layer-params = 1_000_000
        max-model-macs = "1.5G"
        max-model-params = "2k"
        unit = "flops"
        exclude = ["build", "vendor/*"]

        [per-path."tests/*"]
        max-layer-macs = "2G"
        """,
    )
    assert config.base == Settings(
        input_size=(1, 28, 28),
        batch_size=8,
        max_layer_macs=500_000_000,
        max_layer_params=1_000_000,
        max_model_macs=1_500_000_000,
        max_model_params=2_000,
        unit="flops",
    )
    assert config.exclude == ("build", "vendor/*")
    assert [(glob, dict(values)) for glob, values in config.per_path] == [
        ("tests/*", {"max_layer_macs": 2_000_000_000})
    ]


def test_per_path_inline_table(tmp_path):
    config = load(
        tmp_path,
        """
        max-layer-macs = 10
        per-path = { "models/*" = { input-size = [3, 32, 32], unit = "flops" }, "a" = {} }
        """,
    )
    assert [(glob, dict(values)) for glob, values in config.per_path] == [
        ("models/*", {"input_size": (3, 32, 32), "unit": "flops"}),
        ("a", {}),
    ]


def test_per_path_overrides_are_read_only(tmp_path):
    config = load(tmp_path, '[per-path."a"]\nbatch-size = 2\n')
    with pytest.raises(TypeError):
        config.per_path[0][1]["batch_size"] = 3  # type: ignore[index]


# ---------------------------------------------------------------- per-path precedence


def test_per_path_precedence(tmp_path):
    config = load(
        tmp_path,
        """
        max-layer-macs = "1M"
        batch-size = 2

        [per-path."src/*"]
        max-layer-macs = "2M"
        unit = "flops"

        [per-path."src/models/*"]
        max-layer-macs = "3M"

        [per-path."*.py"]
        batch-size = 16

        [per-path."src/**"]
        max-layer-macs = "4M"
        """,
    )
    root = tmp_path
    # all matching entries apply, later ones (file order) win
    s = config.settings_for(root / "src/models/net.py")
    assert (s.max_layer_macs, s.unit, s.batch_size) == (4_000_000, "flops", 16)
    # "src/*" and "src/**" match, "*.py" does not
    s = config.settings_for(root / "src/x.txt")
    assert (s.max_layer_macs, s.unit, s.batch_size) == (4_000_000, "flops", 2)
    # not under src: only "*.py" applies
    s = config.settings_for(root / "lib/net.py")
    assert (s.max_layer_macs, s.unit, s.batch_size) == (1_000_000, "macs", 16)
    # nothing matches: base
    assert config.settings_for(root / "lib/readme.md") == config.base


def test_per_path_order_is_file_order_not_specificity(tmp_path):
    config = load(
        tmp_path,
        """
        [per-path."src/models/*"]
        max-layer-macs = "3M"

        [per-path."src/*"]
        max-layer-macs = "2M"
        """,
    )
    assert config.settings_for(tmp_path / "src/models/net.py").max_layer_macs == 2_000_000


def test_per_path_with_relative_paths(tmp_path, monkeypatch):
    config = load(tmp_path, '[per-path."src/*"]\nbatch-size = 5\n')
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    assert config.settings_for(Path("src/a.py")).batch_size == 5
    assert config.settings_for(Path("lib/a.py")).batch_size == 1
    # relative paths are taken relative to the working directory, here below the root
    monkeypatch.chdir(tmp_path / "src")
    assert config.settings_for(Path("a.py")).batch_size == 5
    assert config.settings_for(Path("../lib/a.py")).batch_size == 1
    assert config.settings_for(Path("../src/b.py")).batch_size == 5


# ---------------------------------------------------------------- exclude


@pytest.mark.parametrize(
    "pattern, path, excluded",
    [
        ("build", "build/x.py", True),
        ("build", "build", True),
        ("build", "src/build/x.py", True),  # no "/": matches any component
        ("build", "builder.py", False),
        ("build", "src/rebuild/x.py", False),
        ("vendor/*", "vendor/a.py", True),
        ("vendor/*", "vendor/pkg/deep/a.py", True),
        ("vendor/*", "src/vendor/a.py", False),  # has "/": anchored at the root
        ("*_test.py", "a_test.py", True),
        ("*_test.py", "pkg/sub/a_test.py", True),
        ("*_test.py", "pkg/a_test.py.bak", False),
        ("generated", "a/b/generated/c/d.py", True),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/sub/a.py", True),  # fnmatch "*" crosses "/"
        ("src/**/*.py", "src/sub/deep/a.py", True),
        ("src/**/*.py", "src/a.py", False),  # "**" is just "*": needs the second "/"
        ("./build/", "build/x.py", True),
        ("build/", "src/build/x.py", True),  # trailing "/" is ignored: like "build"
        ("/", "a.py", False),
        ("Build", "build/x.py", False),  # case-sensitive
        ("*.py", "src/model.py", True),
        ("src", "src/model.py", True),
        ("src/model.py", "src/model.py", True),
        ("model.py", "src/model.py", True),
        ("src/model.py", "other/src/model.py", False),
    ],
)
def test_exclude_semantics(tmp_path, pattern, path, excluded):
    config = Config(source=None, root=tmp_path, exclude=(pattern,))
    assert config.is_excluded(tmp_path / path) is excluded


def test_exclude_from_pyproject_and_outside_root(tmp_path):
    project = tmp_path / "project"
    config = load_config(write(project / "pyproject.toml", '[tool.macslint]\nexclude = ["vendor/*", "*_pb2.py"]\n'))
    assert config.is_excluded(project / "vendor" / "x.py")
    assert config.is_excluded(project / "a" / "b_pb2.py")
    assert not config.is_excluded(project / "a" / "b.py")
    # not under the root: the path is used as given, component patterns still apply
    assert config.is_excluded(tmp_path / "elsewhere" / "b_pb2.py")
    assert not config.is_excluded(Path("/elsewhere/vendor/x.py"))


def test_exclude_relative_path_outside_root_used_as_given(tmp_path, monkeypatch):
    config = load_config(write(tmp_path / "project" / "pyproject.toml", '[tool.macslint]\nexclude = ["vendor/*"]\n'))
    monkeypatch.chdir(tmp_path)
    # "vendor/x.py" relative to tmp_path is not under the root: matched as given
    assert config.is_excluded(Path("vendor/x.py"))
    assert not config.is_excluded(Path("project/x.py"))
    assert config.is_excluded(Path("project/vendor/x.py"))


def test_exclude_through_symlink(tmp_path):
    real = tmp_path / "real"
    config = load_config(write(real / "pyproject.toml", '[tool.macslint]\nexclude = ["gen/*"]\n'))
    link = tmp_path / "link"
    try:
        link.symlink_to(real, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks not supported")
    (real / "gen").mkdir()
    (real / "gen" / "a.py").write_text("")
    assert config.is_excluded(link / "gen" / "a.py")
    assert not config.is_excluded(link / "src" / "a.py")


# ---------------------------------------------------------------- discovery


def test_find_pyproject_nearest_and_skips_without_table(tmp_path):
    outer = write(tmp_path / "pyproject.toml", "[tool.macslint]\nbatch-size = 2\n")
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n[tool.ruff]\nline-length = 99\n')
    inner = write(tmp_path / "pkg" / "sub" / "pyproject.toml", "[tool.macslint]\nbatch-size = 3\n")
    source = write(tmp_path / "pkg" / "mod" / "a.py", "")

    # file -> its directory; the pyproject in pkg/ has no [tool.macslint], so it is skipped
    assert find_pyproject(source) == outer.resolve()
    assert find_pyproject(tmp_path / "pkg") == outer.resolve()
    # directory -> the directory itself first
    assert find_pyproject(tmp_path / "pkg" / "sub") == inner.resolve()
    assert find_pyproject(tmp_path / "pkg" / "sub" / "x.py") == inner.resolve()
    # a file that does not exist yet still finds its directory's config
    assert find_pyproject(tmp_path / "pkg" / "sub" / "new" / "y.py") == inner.resolve()


def test_find_pyproject_relative_start(tmp_path, monkeypatch):
    expected = write(tmp_path / "pyproject.toml", "[tool.macslint]\n").resolve()
    write(tmp_path / "a" / "b.py", "")
    monkeypatch.chdir(tmp_path / "a")
    assert find_pyproject(Path("b.py")) == expected
    assert find_pyproject(Path(".")) == expected
    assert find_pyproject(Path("..")) == expected


def test_find_pyproject_none(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.other]\nx = 1\n")
    write(tmp_path / "a" / "b.py", "")
    result = find_pyproject(tmp_path / "a" / "b.py")
    # there may be a configured pyproject above tmp_path on this machine, but never ours
    assert result is None or not str(result).startswith(str(tmp_path.resolve()))


def test_find_pyproject_non_table_tool_macslint_counts(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[tool]\nmacslint = 3\n")
    assert find_pyproject(tmp_path) == pyproject.resolve()
    with pytest.raises(ConfigError) as info:
        load_config(pyproject)
    assert str(info.value) == (
        f"{pyproject}: tool.macslint = 3: not a table (an integer); write it as a [tool.macslint] section"
    )


def test_find_pyproject_invalid_toml_raises(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.macslint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        find_pyproject(tmp_path)


def test_config_for_path_uses_nearest(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.macslint]\nbatch-size = 2\n")
    write(tmp_path / "sub" / "pyproject.toml", "[tool.macslint]\nbatch-size = 3\n")
    assert config_for_path(tmp_path / "a.py").base.batch_size == 2
    assert config_for_path(tmp_path / "sub" / "a.py").base.batch_size == 3
    assert config_for_path(tmp_path / "sub").base.batch_size == 3
    assert config_for_path(tmp_path / "sub" / "a.py").root == (tmp_path / "sub").resolve()


# ---------------------------------------------------------------- memoisation


def count_reads(monkeypatch) -> list[str]:
    """Record every open() of a pyproject.toml (Path.read_bytes/open go through io.open)."""
    reads: list[str] = []
    original = io.open

    def counting_open(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and os.path.basename(os.fsdecode(file)) == "pyproject.toml":
            reads.append(os.fsdecode(file))
        return original(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)
    return reads


def test_count_reads_helper_sees_reads(tmp_path, monkeypatch):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.macslint]\n")
    reads = count_reads(monkeypatch)
    pyproject.read_bytes()
    with open(pyproject, "rb"):
        pass
    assert len(reads) == 2


def test_config_for_path_reads_once(tmp_path, monkeypatch):
    pyproject = write(tmp_path / "pyproject.toml", '[tool.macslint]\nmax-layer-macs = "1M"\n')
    files = [tmp_path / "pkg" / f"m{i}.py" for i in range(1000)]
    files += [tmp_path / "pkg" / "deep" / "er" / f"n{i}.py" for i in range(10)]
    reads = count_reads(monkeypatch)
    configs = [config_for_path(f) for f in files]
    assert len(reads) == 1
    assert all(c is configs[0] for c in configs)
    assert configs[0].base.max_layer_macs == 1_000_000
    assert configs[0].source == pyproject.resolve()


def test_config_for_path_dir_lookup_memoised(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.macslint]\n")
    config_for_path(tmp_path / "a" / "b" / "c.py")
    calls = []
    original = config_module._walk_up
    monkeypatch.setattr(config_module, "_walk_up", lambda *a: calls.append(a) or original(*a))
    for _ in range(50):
        config_for_path(tmp_path / "a" / "b" / "c.py")
        config_for_path(tmp_path / "a" / "x.py")  # parent dir seen during the first walk
    assert calls == []


def test_config_for_path_walk_stops_at_memoised_ancestor(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.macslint]\n")
    config_for_path(tmp_path / "a" / "b" / "c.py")  # memoises a/b, a and tmp_path
    checked: list[Path] = []
    original = Path.is_file

    def counting_is_file(self):
        if self.name == "pyproject.toml":
            checked.append(self)
        return original(self)

    source = write(tmp_path / "a" / "new" / "d.py", "")
    monkeypatch.setattr(Path, "is_file", counting_is_file)
    config = config_for_path(source)
    assert config.source == (tmp_path / "pyproject.toml").resolve()
    assert checked == [(tmp_path / "a" / "new" / "pyproject.toml").resolve()]


def test_config_for_path_reloads_after_edit(tmp_path, monkeypatch):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.macslint]\nbatch-size = 2\n")
    assert config_for_path(tmp_path / "a.py").base.batch_size == 2
    reads = count_reads(monkeypatch)
    assert config_for_path(tmp_path / "b.py").base.batch_size == 2
    assert reads == []
    write(pyproject, "[tool.macslint]\nbatch-size = 3\n")
    reads.clear()  # the write itself opened the file
    stat = pyproject.stat()
    os.utime(pyproject, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert config_for_path(tmp_path / "c.py").base.batch_size == 3
    assert len(reads) == 1


def test_config_for_path_without_pyproject(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.ruff]\n")
    if find_pyproject(tmp_path) is not None:
        pytest.skip("a configured pyproject.toml exists above the temporary directory")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    config = config_for_path(tmp_path / "x.py")
    assert config.source is None
    assert config.base == Settings()
    assert config.root == Path.cwd()


# ---------------------------------------------------------------- errors


def test_invalid_toml(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.macslint]\nbatch-size = = 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(pyproject)
    message = str(info.value)
    assert message.startswith(f"{pyproject}: invalid TOML: ")
    assert "line 2" in message and "column" in message
    assert message.endswith("; fix the syntax of the file")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert str(info.value).startswith(f"{tmp_path / 'nope.toml'}: cannot read")


def test_not_utf8(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(b"[tool.macslint]\n# \xff\n")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(pyproject)


def test_file_without_table(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.ruff]\n")
    with pytest.raises(ConfigError) as info:
        load_config(pyproject)
    assert str(info.value) == (
        f"{pyproject}: no [tool.macslint] table; add a [tool.macslint] section or pass another file"
    )


def test_message_names_file_as_given(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[tool.macslint]\nmax-layer-macs = "12X"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(Path("pyproject.toml"))
    assert str(info.value) == (
        "pyproject.toml: max-layer-macs = '12X': not a count; "
        'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)'
    )


def test_unknown_key(tmp_path):
    message = error(tmp_path, "input_size = [3, 32, 32]\n")
    assert message == (
        f"{tmp_path / 'pyproject.toml'}: input_size = [3, 32, 32]: unknown key in [tool.macslint] "
        "(did you mean 'input-size'?); valid keys are: baseline, batch-size, discover-constructions, exclude, input-size, "
        "inputs, max-layer-macs, max-layer-params, max-model-macs, max-model-macs-increase, max-model-params, "
        "max-model-params-increase, models, not-installed, per-path, unit"
    )


def test_unknown_key_without_suggestion(tmp_path):
    message = error(tmp_path, "zzz = 1\n")
    assert "zzz = 1: unknown key in [tool.macslint]; valid keys are: baseline, batch-size," in message


def test_unknown_key_in_per_path(tmp_path):
    message = error(tmp_path, '[per-path."tests/*"]\nmax-layer-mac = 1\n')
    assert message == (
        f'{tmp_path / "pyproject.toml"}: per-path."tests/*".max-layer-mac = 1: unknown key in a per-path entry '
        "(did you mean 'max-layer-macs'?); valid keys are: batch-size, input-size, inputs, max-layer-macs, "
        "max-layer-params, max-model-macs, max-model-macs-increase, max-model-params, "
        "max-model-params-increase, unit"
    )


@pytest.mark.parametrize("key", ["exclude", "per-path"])
def test_exclude_and_per_path_not_allowed_in_per_path(tmp_path, key):
    message = error(tmp_path, f'[per-path."tests/*"]\n{key} = []\n')
    assert message == (
        f'{tmp_path / "pyproject.toml"}: per-path."tests/*".{key} = []: not allowed in a per-path entry; '
        f"put {key} at the top level of [tool.macslint]"
    )


def test_nested_count_error_uses_dotted_key(tmp_path):
    message = error(tmp_path, '[per-path."tests/*"]\nmax-layer-macs = "lots"\n')
    assert message == (
        f"{tmp_path / 'pyproject.toml'}: per-path.\"tests/*\".max-layer-macs = 'lots': not a count; "
        'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)'
    )


def test_bare_per_path_key_is_not_quoted(tmp_path):
    message = error(tmp_path, "[per-path.tests]\nbatch-size = 0\n")
    assert "per-path.tests.batch-size = 0: not positive; use a positive integer like 1" in message


@pytest.mark.parametrize(
    "body, expected",
    [
        ("batch-size = true", "batch-size = True: not an integer (a boolean); use a positive integer like 1"),
        ("batch-size = 2.0", "batch-size = 2.0: not an integer (a float); use a positive integer like 1"),
        ('batch-size = "2"', "batch-size = '2': not an integer (a string); use a positive integer like 1"),
        ("batch-size = 0", "batch-size = 0: not positive; use a positive integer like 1"),
        ("batch-size = -3", "batch-size = -3: not positive; use a positive integer like 1"),
        (
            "input-size = [3.0, 224, 224]",
            "input-size = [3.0, 224, 224]: entry 0 (3.0) is a float, not an integer; "
            "use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        (
            "input-size = [3, true]",
            "input-size = [3, True]: entry 1 (True) is a boolean, not an integer; "
            "use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        (
            'input-size = "3x224x224"',
            "input-size = '3x224x224': not a list (a string); "
            "use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        (
            "input-size = []",
            "input-size = []: empty; use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        (
            "input-size = [3, 0, 4]",
            "input-size = [3, 0, 4]: entry 1 (0) is not positive; "
            "use a list of positive integers like [3, 224, 224] (no batch dimension)",
        ),
        ('unit = "MACs"', "unit = 'MACs': not a unit; use \"macs\" or \"flops\""),
        ("unit = 1", "unit = 1: not a unit; use \"macs\" or \"flops\""),
        (
            'exclude = "build"',
            "exclude = 'build': not a list (a string); use a list of glob strings like [\"build\", \"vendor/*\"]",
        ),
        (
            'exclude = ["build", 3]',
            "exclude[1] = 3: not a string (an integer); use a list of glob strings like [\"build\", \"vendor/*\"]",
        ),
        (
            'exclude = [""]',
            "exclude[0] = '': empty pattern; use a list of glob strings like [\"build\", \"vendor/*\"]",
        ),
        (
            "max-model-params = true",
            "max-model-params = True: a boolean is not a count; "
            'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)',
        ),
        (
            "max-model-macs = 1.5e9",
            "max-model-macs = 1500000000.0: a float is not a count (it may not be exact); "
            'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)',
        ),
        ("max-layer-params = -1", "max-layer-params = -1: negative; use a count >= 0"),
        (
            "per-path = 3",
            "per-path = 3: not a table (an integer); use [tool.macslint.per-path.\"glob\"] sections of overrides",
        ),
        (
            'per-path = { "tests/*" = 3 }',
            'per-path."tests/*" = 3: not a table (an integer); use a table of overrides like { max-layer-macs = "1G" }',
        ),
        (
            'per-path = { "" = { batch-size = 2 } }',
            "per-path.\"\" = {'batch-size': 2}: empty glob; use a glob like \"tests/*\"",
        ),
    ],
)
def test_wrong_values(tmp_path, body, expected):
    assert error(tmp_path, body + "\n") == f"{tmp_path / 'pyproject.toml'}: {expected}"


def test_nested_wrong_type(tmp_path):
    message = error(tmp_path, '[per-path."models/**"]\ninput-size = [3, 2.5]\n')
    assert message.startswith(
        f'{tmp_path / "pyproject.toml"}: per-path."models/**".input-size = [3, 2.5]: entry 1 (2.5) is a float'
    )


def test_non_table_tool_macslint(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", 'tool = { macslint = ["x"] }\n')
    with pytest.raises(ConfigError) as info:
        load_config(pyproject)
    assert str(info.value) == (
        f"{pyproject}: tool.macslint = ['x']: not a table (a list); write it as a [tool.macslint] section"
    )


def test_config_for_path_propagates_errors(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.macslint]\nbatch-size = false\n")
    with pytest.raises(ConfigError, match="batch-size = False"):
        config_for_path(tmp_path / "a.py")


# ---------------------------------------------------------------- command-line overrides


def test_apply_overrides_beats_per_path(tmp_path):
    config = load(
        tmp_path,
        """
        max-layer-macs = "1M"
        batch-size = 2

        [per-path."tests/*"]
        max-layer-macs = "5M"
        unit = "flops"
        """,
    )
    assert config.settings_for(tmp_path / "tests/a.py").max_layer_macs == 5_000_000
    cli = apply_overrides(config, {"max_layer_macs": 7, "input_size": (1, 8, 8)})
    for path in ("tests/a.py", "src/a.py"):
        s = cli.settings_for(tmp_path / path)
        assert s.max_layer_macs == 7
        assert s.input_size == (1, 8, 8)
        assert s.batch_size == 2
    # untouched per-path values survive
    assert cli.settings_for(tmp_path / "tests/a.py").unit == "flops"
    assert cli.settings_for(tmp_path / "src/a.py").unit == "macs"
    # the original is unchanged
    assert config.settings_for(tmp_path / "tests/a.py").max_layer_macs == 5_000_000
    assert cli.exclude == config.exclude and cli.source == config.source and cli.root == config.root


def test_apply_overrides_values(tmp_path):
    config = load_config(None, cwd=tmp_path)
    cli = apply_overrides(
        config,
        {
            "input_size": "1x28x28",
            "batch_size": 4,
            "max_layer_params": "2.5M",
            "max_model_macs": 0,
            "unit": "flops",
            "max_layer_macs": None,  # flag not given
        },
    )
    assert cli.base == Settings(
        input_size=(1, 28, 28), batch_size=4, max_layer_params=2_500_000, max_model_macs=0, unit="flops"
    )
    assert apply_overrides(config, {}) is config


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (
            {"max_layer_macs": "12X"},
            "command line: --max-layer-macs = '12X': not a count; "
            'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)',
        ),
        (
            {"batch_size": True},
            "command line: --batch-size = True: not an integer (a boolean); use a positive integer like 1",
        ),
        ({"unit": "ops"}, "command line: --unit = 'ops': not a unit; use \"macs\" or \"flops\""),
        (
            {"input_size": "3x0"},
            "command line: --input-size = '3x0': dimension 2 is 0, not a positive integer; "
            'use positive integers separated by "x" or ",", like "3x224x224"',
        ),
        (
            {"exclude": ["x"]},
            "command line: --exclude = ['x']: unknown setting; valid settings are: input_size, batch_size, "
            "max_layer_macs, max_layer_params, max_model_macs, max_model_params, "
            "max_model_macs_increase, max_model_params_increase, unit, inputs",
        ),
    ],
)
def test_apply_overrides_errors(tmp_path, overrides, expected):
    with pytest.raises(ConfigError) as info:
        apply_overrides(load_config(None, cwd=tmp_path), overrides)
    assert str(info.value) == expected


def test_apply_overrides_custom_source(tmp_path):
    with pytest.raises(ConfigError, match=r"^flake8 options: --batch-size = 0: not positive"):
        apply_overrides(load_config(None, cwd=tmp_path), {"batch_size": 0}, source="flake8 options")
