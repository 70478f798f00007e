"""Time two checkouts' cold `macslint check` doing the same work: one process each (-j 1), on a
1 GiB stack with Python's recursion limit raised (as `same_output.py record --deep`), so that
no model is cut short by Python's recursion limit, whose depth depends on how many Python
frames an interpreted call takes and so differs between the two checkouts. With the default
limit, a checkout with fewer frames per call traces deeply nested models further: more work,
not slower code.

    python benchmarks/deep_check_time.py --root DIR --against OLD [--repeat 3] [PATH ...]

DIR holds the corpus (default paths: timm/models timm/layers); OLD is the other checkout. The
two run in turn (ABBA order), CPU time (user + sys) of the child process is compared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from same_output import DEEP  # noqa: E402 - the benchmarks directory is not a package

HERE = Path(__file__).resolve().parent.parent


def timed_check(source: Path, root: Path, paths: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one cold `check` of `paths` by the checkout at `source`."""
    env = dict(os.environ, PYTHONPATH=str(source))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", DEEP, "check", "--no-cache", *paths, "-j", "1"],
                   cwd=root, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--against", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("paths", nargs="*", default=["timm/models", "timm/layers"])
    args = parser.parse_args()
    checkouts = {"before": args.against.resolve(), "after": HERE}
    cpu: dict[str, list[float]] = {name: [] for name in checkouts}
    for repeat in range(args.repeat):
        order = list(checkouts) if repeat % 2 == 0 else list(reversed(checkouts))
        for name in order:
            wall, seconds = timed_check(checkouts[name], args.root, args.paths)
            cpu[name].append(seconds)
            print(f"{name} #{repeat + 1}: {seconds:.2f} s CPU, {wall:.2f} s wall", flush=True)
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"median CPU: before {medians['before']:.2f} s, after {medians['after']:.2f} s, "
          f"after / before {medians['after'] / medians['before']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
