"""The pre-commit hook, end to end: `pre-commit try-repo <this repo> macslint --all-files` in a
throwaway git repository.

pre-commit clones the hook repository and pip-installs it into a fresh virtualenv, so these
tests need `git` and a reachable package index for libcst and flake8. They are skipped only
when `git` is missing.

try-repo installs from git, not from the working tree: it uses the committed files plus the
uncommitted changes of *tracked* files; untracked files are invisible to it. While
`.pre-commit-hooks.yaml` is not committed yet, the `hook_repo` fixture therefore tries a
snapshot repository made of the tracked files (as they are in the working tree) plus the
manifest; once the manifest is tracked, it tries the repository root itself.

Note: try-repo always installs into a temporary store of its own (pre-commit's
`try_repo()` builds `Store(tempdir)`), so the shared PRE_COMMIT_HOME below keeps pre-commit
away from the user's cache but does not save the environment build (~5 s per test).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"
TIMEOUT = 900  # a cold pip install may be slow; it is not expected to take this long


def _env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY",
                        "PRE_COMMIT", "PRE_COMMIT_HOME")}
    env.update(extra)
    return env


def _run(args: List[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=_env(**extra), capture_output=True, text=True,
                          timeout=TIMEOUT)


def _git(cwd: Path, *args: str) -> str:
    result = _run(["git", *args], cwd)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def _init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q")
    _git(path, "config", "user.email", "macslint-tests@example.invalid")
    _git(path, "config", "user.name", "macslint tests")
    _git(path, "config", "commit.gpgsign", "false")
    return path


def _manifest_is_tracked() -> bool:
    result = _run(["git", "ls-files", "--error-unmatch", MANIFEST.name], REPO_ROOT)
    return result.returncode == 0


# ---------------------------------------------------------------------------
# The manifest


def test_manifest_is_valid():
    result = _run([sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
                  REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_declares_the_hook():
    import yaml  # a dependency of pre-commit

    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["macslint"]
    (hook,) = hooks
    assert hook["name"] == "macslint"
    assert hook["description"]
    assert hook["entry"] == "macslint check --with-dependents"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "toml"]
    # one process for all the files: a model depending on several is reported once
    assert hook["require_serial"] is True


# ---------------------------------------------------------------------------
# try-repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> str:
    """The repository to try: the root once the manifest is committed, else a snapshot."""
    _git(REPO_ROOT, "rev-parse", "--git-dir")  # fails loudly outside a git checkout
    if _manifest_is_tracked():
        return str(REPO_ROOT)
    snapshot = _init_repo(tmp_path_factory.mktemp("hook-repo-snapshot"))
    tracked = [f for f in _git(REPO_ROOT, "ls-files", "-z").split("\0") if f]
    for name in [*tracked, MANIFEST.name]:
        source = REPO_ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "--no-verify", "-m", "snapshot of the working tree")
    return str(snapshot)


@pytest.fixture
def project(tmp_path) -> Path:
    return _init_repo(tmp_path / "project")


def _try_repo(project: Path, hook_repo: str, home: Path,
              files: Optional[List[str]] = None) -> subprocess.CompletedProcess:
    """The hook on every file, or on `files` only (as on a commit that changes only them)."""
    _git(project, "add", "-A")
    which = ["--all-files"] if files is None else ["--files", *files]
    return _run([sys.executable, "-m", "pre_commit", "try-repo", hook_repo, "macslint",
                 *which, "--color", "never"],
                project, PRE_COMMIT_HOME=str(home))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


PYPROJECT = '[tool.macslint]\nmax-layer-macs = "1M"\n'
MODEL = "import torch.nn as nn\n\nstem = nn.Conv2d(3, 64, 7){noqa}\n"


def test_no_python_files_passes(project, hook_repo, pre_commit_home):
    _write(project / "README.md", "# no Python here\n")
    result = _try_repo(project, hook_repo, pre_commit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "macslint" in output and "(no files to check)" in output


def test_layer_over_budget_fails_with_mac001(project, hook_repo, pre_commit_home):
    _write(project / "pyproject.toml", PYPROJECT)
    _write(project / "model.py", MODEL.format(noqa=""))
    result = _try_repo(project, hook_repo, pre_commit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "MAC001" in output
    assert "model.py:3:8: MAC001 Conv2d(3, 64, 7) costs" in output


def test_noqa_passes(project, hook_repo, pre_commit_home):
    _write(project / "pyproject.toml", PYPROJECT)
    _write(project / "model.py", MODEL.format(noqa="  # noqa: MAC001"))
    result = _try_repo(project, hook_repo, pre_commit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "MAC001" not in output
    assert "Passed" in output


# A block in one file, the model that uses it in another: a commit that grows the block, or
# that only tightens a budget, must fail on the model (issue 20).
BLOCKS = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
"""
NET = """import torch.nn as nn

from .blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(3, {width})

    def forward(self, x):
        return self.block(x)
"""


def _two_files(project: Path, budget: str, width: int) -> None:
    _write(project / "pyproject.toml",
           f'[tool.macslint]\ninput-size = [3, 32, 32]\nmax-model-macs = "{budget}"\n')
    (project / "pkg").mkdir(exist_ok=True)
    _write(project / "pkg" / "__init__.py", "")
    _write(project / "pkg" / "blocks.py", BLOCKS)
    _write(project / "pkg" / "net.py", NET.format(width=width))


def test_a_commit_changing_only_the_block_reports_the_model(project, hook_repo, pre_commit_home):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    _two_files(project, "1M", 8)
    with torch.device("meta"):  # the budget is chosen between the two widths' costs
        small = torch.nn.Conv2d(3, 8, 3, padding=1)
        big = torch.nn.Conv2d(3, 64, 3, padding=1)
        costs = []
        for conv in (small, big):
            with FlopCounterMode(display=False) as counter:
                conv(torch.zeros(1, 3, 32, 32))
            costs.append(counter.get_total_flops() // 2)
    assert costs[0] < 1_000_000 < costs[1]
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "--no-verify", "-m", "within budget")
    # the commit changes blocks.py only: the block's conv gets wider through its default
    _write(project / "pkg" / "blocks.py", BLOCKS.replace("cout, 3", "cout * 8, 3"))
    result = _try_repo(project, hook_repo, pre_commit_home, ["pkg/blocks.py"])
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    from macslint.units import format_count

    assert f"pkg/net.py:6:1: MAC003 Net costs {format_count(costs[1])} MACs" in output


def test_a_commit_changing_only_the_budget_reports_the_model(project, hook_repo, pre_commit_home):
    _two_files(project, "1G", 64)
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "--no-verify", "-m", "within budget")
    _write(project / "pyproject.toml",
           '[tool.macslint]\ninput-size = [3, 32, 32]\nmax-model-macs = "1M"\n')
    result = _try_repo(project, hook_repo, pre_commit_home, ["pyproject.toml"])
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Skipped" not in output
    assert "pkg/net.py:6:1: MAC003 Net costs" in output
