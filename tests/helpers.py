"""Shared paths and subprocess runners for the fixture, CLI and flake8 tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence, Union

REPO = Path(__file__).resolve().parent.parent
# Two data roots, on purpose. fixtures/ is the user-facing showcase (the README runs
# `macslint report fixtures/`): every .py file under it is a showcase file with its .expected.
# tests/data/ holds inputs only the tests want (a bad pyproject.toml, syntax errors, hostile
# code, excluded files), each directory with its own pyproject.toml. It cannot live under
# fixtures/: a file is checked with its nearest pyproject.toml, so fixtures/pyproject.toml
# cannot exclude a subdirectory that has its own, and `macslint check fixtures` would print
# its findings and its configuration error.
FIXTURES = REPO / "fixtures"
DATA = REPO / "tests" / "data"

BIN = Path(sys.executable).parent
MACSLINT: List[str] = (
    [str(BIN / "macslint")] if (BIN / "macslint").exists() else [sys.executable, "-m", "macslint"]
)
FLAKE8: List[str] = [sys.executable, "-m", "flake8"]

# Every fixture, as the path `macslint check` is given from the fixtures directory.
FIXTURE_FILES: List[str] = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.py"))

PathLike = Union[str, Path]

# The hypothesis profile that runs (registered in conftest.py) and how many examples a
# property test tries in it: its CI count, ten times that at night.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
PROFILE_SCALE = {"ci": 1, "nightly": 10}


def examples(ci: int) -> int:
    return ci * PROFILE_SCALE.get(PROFILE, 1)


def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # keep __pycache__ out of fixtures/ and tests/data/
    return env


def run(cmd: Sequence[str], cwd: PathLike, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(cmd), cwd=str(cwd), input=stdin, capture_output=True, text=True, env=_env(), timeout=120
    )


def macslint(*args: str, cwd: PathLike = FIXTURES) -> subprocess.CompletedProcess:
    return run([*MACSLINT, *args], cwd)


def flake8(*args: str, cwd: PathLike = FIXTURES, stdin: str | None = None) -> subprocess.CompletedProcess:
    # --isolated: no user or project flake8 configuration can change what is selected.
    return run([*FLAKE8, "--isolated", *args], cwd, stdin)


def lines(text: str) -> List[str]:
    return text.splitlines()


def mac_lines(text: str) -> List[str]:
    """The MAC findings of flake8 output (`path:line:col: MACnnn ...`)."""
    return [line for line in text.splitlines() if line.split(": ", 1)[-1].startswith("MAC")]


def expected_path(fixture: str) -> Path:
    return FIXTURES / (fixture[: -len(".py")] + ".expected")
