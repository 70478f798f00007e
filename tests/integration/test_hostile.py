"""Hostile model code (tests/data/hostile.py) ends within the evaluation bounds: each hostile
model is incomplete with a reason naming the bound, the file's ordinary layers and model are
still reported, and nothing crashes. The bounds are counters (steps, call depth, sizes),
asserted as such in process; the CLI and flake8 only must not hang (tests.helpers.HANG_SECONDS)."""

from __future__ import annotations

import json

from macslint.config import config_for_path
from macslint.engine import check_source
from macslint.torchnn.tracer import MAX_STEPS
from tests.helpers import DATA, Budget, flake8, macslint, no_hang

# Each hostile model, and the words of the bound that stops it.
BOUNDS = {
    "InfiniteInit": f"building InfiniteInit() takes more than {MAX_STEPS:,} steps",
    "InfiniteForward": f"tracing forward() takes more than {MAX_STEPS:,} steps",
    "ExponentialRecursion": "calls nest deeper than 48 levels at f()",
    "GiantRange": "the loop over `range(10**12)` (line 54) is not followed: a range too long to "
                  "evaluate",
    "GiantRangeInForward": "the loop over `range(10**12)` (line 68) is not followed: a range too "
                           "long to evaluate",
    "HugeList": "a value too large to evaluate",
    "PingPong": "calls nest deeper than 48 levels at pong()",
}


# The models the step budget stops: the others meet their own bound (a range or a value too
# large, the call depth) within a few hundred steps.
BY_THE_STEP_BUDGET = {"InfiniteInit", "InfiniteForward", "ExponentialRecursion"}


def test_hostile_models_take_at_most_their_step_budget():
    path = DATA / "hostile.py"
    with no_hang(), Budget() as budget:
        result = check_source(str(path), path.read_text(), config_for_path(path).settings_for(path),
                              path)
    assert budget.problems() == []
    max_steps = budget.tracer.MAX_STEPS
    assert {name for name, _ in budget.by_model} == {*BOUNDS, "Ordinary"}
    for (name, _), steps in budget.by_model.items():
        if name in BY_THE_STEP_BUDGET:  # the tick past the budget raised, and nothing ran after it
            assert steps == max_steps + 1, (name, steps)
        else:
            assert steps < 1_000, (name, steps)
    assert budget.charged < len(BY_THE_STEP_BUDGET) * (max_steps + 1) + len(BOUNDS) * 1_000
    models = {m.name: m for m in result.report.models}
    for name in BY_THE_STEP_BUDGET:
        assert f"more than {max_steps:,} steps" in " ".join(models[name].reasons), name


def test_hostile_models_end_within_the_bounds():
    report = macslint("report", "--format", "json", "hostile.py", cwd=DATA)  # see HANG_SECONDS
    check = macslint("check", "--select", "MAC", "hostile.py", cwd=DATA)
    assert (report.returncode, report.stderr) == (0, "")
    assert check.returncode == 1 and check.stderr == ""
    assert "MAC900" not in check.stdout

    file = json.loads(report.stdout)["files"][0]
    models = {m["name"]: m for m in file["models"]}
    assert set(models) == {*BOUNDS, "Ordinary"}
    for name, words in BOUNDS.items():
        assert models[name]["complete"] is False and models[name]["macs"] is None, name
        assert words in models[name]["reason"], (name, models[name]["reason"])
    ordinary = models["Ordinary"]
    assert ordinary["complete"] is True
    assert (ordinary["params"], ordinary["macs"]) == (3 * 8 * 9 + 8 + 8 * 10 + 10,
                                                      3 * 8 * 9 * 64 + 8 * 10)
    assert {(layer["line"], layer["kind"]) for layer in file["layers"]} >= {
        (11, "Conv2d"), (101, "Conv2d"), (102, "Linear"), (108, "Linear")}


def test_hostile_file_through_flake8():
    result = flake8("--select", "MAC", "hostile.py", cwd=DATA)  # see HANG_SECONDS
    assert result.returncode == 1 and "MAC900" not in result.stdout, result.stdout + result.stderr
