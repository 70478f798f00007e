"""Record macslint's output on fixed corpora, or compare two recordings byte for byte.

A restructuring must not change what users see. Record the output of the code before the
change, record it again after, and compare:

    python benchmarks/same_output.py record --source /path/to/old/checkout --out before
    python benchmarks/same_output.py record --source . --out after
    python benchmarks/same_output.py compare before after

`--source` is the checkout whose `macslint` package runs (put first on PYTHONPATH). The
corpora are the repository's fixtures/ (run from that checkout, so paths and the fixtures'
pyproject.toml are the same) and, with `--corpus DIR` (an unpacked wheel tree holding
torchvision/ and timm/, see real_code.py), torchvision/models, the whole torchvision package,
and timm/models with timm/layers.
Every command runs with --no-cache; exit codes are recorded beside the output.

`--deep` runs each command in one process (-j 1) on a 1 GiB stack with Python's recursion
limit raised to 200,000: a deeply nested model build is then stopped by macslint's own
bounds, never by Python's recursion limit, whose depth depends on how many Python frames an
interpreted call takes (which a restructuring may change).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

COMMANDS = {
    "check.txt": ["check", "--no-cache"],
    "check.json": ["check", "--no-cache", "--format", "json"],
    "report.json": ["report", "--no-cache", "--format", "json"],
    "report.txt": ["report", "--no-cache"],
}
# The command line wherever the checkout keeps it (it moved into macslint.adapters).
MAIN = ("import sys\ntry:\n    from macslint.adapters.cli import main\n"
        "except ImportError:\n    from macslint.cli import main\nsys.exit(main())")
DEEP = ("import sys, threading\nsys.setrecursionlimit(200_000)\n"
        "threading.stack_size(1024 * 1024 * 1024)\n" + MAIN.replace("sys.exit(main())", "")
        + "out = {}\nthread = threading.Thread(target=lambda: out.setdefault('rc', main()))\n"
        "thread.start(); thread.join(); sys.exit(out.get('rc', 3))")
CORPUS_PATHS = {
    "torchvision-models": ["torchvision/models"],
    "torchvision-package": ["torchvision"],
    "timm": ["timm/models", "timm/layers"],
}


def run(source: Path, cwd: Path, args: list[str], deep: bool = False) -> tuple[bytes, int]:
    env = dict(os.environ, PYTHONPATH=str(source))
    program = [sys.executable, "-c", DEEP, *args, "-j", "1"] if deep else \
        [sys.executable, "-c", MAIN, *args]
    done = subprocess.run(program, cwd=cwd, env=env, capture_output=True)
    return done.stdout + b"\n--- stderr ---\n" + done.stderr, done.returncode


def record(source: Path, corpus: Path | None, out: Path, deep: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    targets = [("fixtures", source, ["fixtures"])]
    if corpus is not None:
        targets += [(name, corpus, paths) for name, paths in CORPUS_PATHS.items()]
    for name, cwd, paths in targets:
        for file_name, command in COMMANDS.items():
            output, code = run(source, cwd, [*command, *paths], deep)
            (out / f"{name}.{file_name}").write_bytes(output + f"\n--- exit {code} ---\n".encode())
            print(f"{name} {file_name}: exit {code}, {len(output)} bytes", flush=True)


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    differ = 0
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'after' if not a.exists() else 'before'}")
            differ += 1
        elif a.read_bytes() != b.read_bytes():
            print(f"{name}: DIFFERS")
            differ += 1
        else:
            print(f"{name}: identical ({a.stat().st_size} bytes)")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("--source", type=Path, required=True)
    rec.add_argument("--corpus", type=Path)
    rec.add_argument("--out", type=Path, required=True)
    rec.add_argument("--deep", action="store_true", help="one process, no Python recursion limit")
    cmp_ = commands.add_parser("compare")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.source.resolve(), args.corpus.resolve() if args.corpus else None, args.out,
               args.deep)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
