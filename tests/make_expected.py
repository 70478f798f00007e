"""Make the golden files of the fixtures/ showcase: `<file>.expected` beside every
`fixtures/**/*.py` is exactly what `macslint check --select MAC,MAC1 <file>` prints (every
code, MAC100 included), run from fixtures/.

    python -m tests.make_expected           # rewrite every .expected
    python -m tests.make_expected --check   # only compare: exit 1 naming the files that differ

The golden files are macslint's own output: they pin it, they do not prove it right. Their
numbers are checked against PyTorch by tests/integration/test_fixtures.py.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from tests.helpers import FIXTURE_FILES, expected_path, macslint


class GoldenError(RuntimeError):
    """macslint did not run as a golden run must: no stderr, exit 1 with findings, 0 without."""


def expected_output(fixture: str) -> str:
    """What the fixture's .expected must hold. --no-cache: nothing is written into fixtures/."""
    result = macslint("check", "--select", "MAC,MAC1", "--no-cache", fixture)
    wanted_exit = 1 if result.stdout else 0
    if result.stderr or result.returncode != wanted_exit:
        raise GoldenError(f"macslint check {fixture} exited {result.returncode} "
                          f"(want {wanted_exit}), stderr: {result.stderr!r}")
    return result.stdout


def is_golden(fixture: str, text: str) -> bool:
    """The .expected holds exactly these bytes (UTF-8, "\\n" line ends)."""
    path = expected_path(fixture)
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def write(fixture: str, text: str) -> None:
    with open(expected_path(fixture), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.make_expected", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a file differs")
    args = parser.parse_args(argv)
    differing = []
    for fixture in FIXTURE_FILES:
        text = expected_output(fixture)
        if is_golden(fixture, text):
            continue
        differing.append(fixture)
        if not args.check:
            write(fixture, text)
    verb = "differ" if args.check else "rewritten"
    print(f"{len(FIXTURE_FILES)} fixtures, {len(differing)} .expected {verb}")
    for fixture in differing:
        print(f"  {fixture}")
    return 1 if args.check and differing else 0


if __name__ == "__main__":
    sys.exit(main())
