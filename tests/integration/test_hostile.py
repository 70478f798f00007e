"""Hostile model code (tests/data/hostile.py) ends within the evaluation bounds: each hostile
model is incomplete with a reason naming the bound, the file's ordinary layers and model are
still reported, and nothing crashes."""

from __future__ import annotations

import json
import time

from tests.helpers import DATA, flake8, macslint

# Each hostile model, and the words of the bound that stops it.
BOUNDS = {
    "InfiniteInit": "building InfiniteInit() takes more than 50,000 steps",
    "InfiniteForward": "tracing forward() takes more than 50,000 steps",
    "ExponentialRecursion": "calls nest deeper than 48 levels at f()",
    "GiantRange": "the loop over `range(10**12)` (line 54) is not followed: a range too long to "
                  "evaluate",
    "GiantRangeInForward": "the loop over `range(10**12)` (line 68) is not followed: a range too "
                           "long to evaluate",
    "HugeList": "a value too large to evaluate",
    "PingPong": "calls nest deeper than 48 levels at pong()",
}


def test_hostile_models_end_within_the_bounds():
    started = time.perf_counter()
    report = macslint("report", "--format", "json", "hostile.py", cwd=DATA)
    check = macslint("check", "--select", "MAC", "hostile.py", cwd=DATA)
    elapsed = time.perf_counter() - started
    # generous for a slow CI machine; it takes about 5 s here for both runs
    assert elapsed < 60, elapsed
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
    started = time.perf_counter()
    result = flake8("--select", "MAC", "hostile.py", cwd=DATA)
    assert time.perf_counter() - started < 60
    assert result.returncode == 1 and "MAC900" not in result.stdout, result.stdout + result.stderr
