"""Shared paths and subprocess runners for the fixture, CLI and flake8 tests."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

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


# --------------------------------------------------------------------------- hangs
# No test asserts a duration: on a loaded machine any bound in seconds can be crossed. The
# work of an evaluation is bounded by the evaluator's counters (steps, call depth, value
# sizes), and the tests assert those (`Budget` below). What must only not hang gets a
# timeout nothing but a hang reaches: HANG_SECONDS for a subprocess or a block of the test
# process (`no_hang`).
HANG_SECONDS = 600

# A copy of the terminal's stderr (conftest.py's pytest_configure: during a test pytest
# captures fd 2 into a file that a process ended by `no_hang` would lose).
HANG_REPORT_FD: Optional[int] = None
_armed = 0


@contextlib.contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Ends the test process, printing every thread's traceback, if the block has not ended
    after `seconds`: faulthandler's watchdog thread, which fires even while C code holds the
    GIL (a `pow(3, 10**8)`), as pytest-timeout's thread method does. Nested blocks: the
    outermost counts."""
    global _armed
    if _armed == 0:
        report = HANG_REPORT_FD if HANG_REPORT_FD is not None else sys.__stderr__
        faulthandler.dump_traceback_later(seconds, exit=True, file=report)
    _armed += 1
    try:
        yield
    finally:
        _armed -= 1
        if _armed == 0:
            faulthandler.cancel_dump_traceback_later()


class Budget:
    """The evaluation budget as the model interpreter spends it, read while a `with` block
    runs. `ModelInterpreter.tick` (macslint/torchnn/tracer.py) counts a step of the model
    being built or traced (`steps`, from 0 for each) and of the file (`file_steps`), and raises
    OutOfBudget past MAX_STEPS or MAX_FILE_STEPS; the tracer ends the model there, with a reason
    naming the budget. Read here: the most steps a model took (`most`; `by_model`, by the
    model's name and line, building or tracing, whichever took more), what all ticks charged,
    the costliest tick, and `late`: ticks after one that raised, without the steps being reset
    for the next model or for forward() (an OutOfBudget swallowed and the run going on; 0 when
    the budget holds)."""

    def __enter__(self) -> "Budget":
        from macslint.torchnn import tracer

        self.tracer = tracer
        self.most = self.charged = self.costliest = self.late = 0
        self.by_model: Dict[Tuple[str, int], int] = {}
        raised_at: Dict[int, int] = {}  # id(interpreter) -> its steps when a tick raised
        original = self._original = tracer.ModelInterpreter.tick
        budget = self

        def tick(interpreter, cost: int = 1) -> None:
            at = raised_at.pop(id(interpreter), None)
            if at is not None and interpreter.steps >= at:
                budget.late += 1
            budget.charged += cost
            budget.costliest = max(budget.costliest, cost)
            try:
                original(interpreter, cost)
            except BaseException:
                raised_at[id(interpreter)] = interpreter.steps
                raise
            finally:
                steps = interpreter.steps
                budget.most = max(budget.most, steps)
                model = (interpreter.model_name, getattr(interpreter, "model_line", 0))
                budget.by_model[model] = max(budget.by_model.get(model, 0), steps)

        tracer.ModelInterpreter.tick = tick  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self.tracer.ModelInterpreter.tick = self._original  # type: ignore[method-assign]

    def spent(self, name: str, line: int) -> bool:
        """Did the model `name` (of the file's `line`) run out of its own budget?"""
        return self.by_model.get((name, line), 0) > self.tracer.MAX_STEPS

    def problems(self) -> List[str]:
        """How the run went past its bounds: nothing when the budget held. A tick raises as
        soon as a count passes its bound, so a model's steps end above MAX_STEPS by less than
        the cost of that tick."""
        found = []
        if self.late:
            found.append(f"{self.late} ticks after the budget was spent")
        if self.most > self.tracer.MAX_STEPS + self.costliest:
            found.append(f"a model took {self.most:,} steps (MAX_STEPS {self.tracer.MAX_STEPS:,}, "
                         f"costliest tick {self.costliest:,})")
        return found


def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in fixtures/, tests/data/ (see conftest)
    return env


def run(cmd: Sequence[str], cwd: PathLike, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), cwd=str(cwd), input=stdin, capture_output=True, text=True,
                          env=_env(), timeout=HANG_SECONDS)


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
