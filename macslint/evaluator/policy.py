"""What differs between the two ways the one interpreter evaluates code.

Reading a file (WALK) visits every path once, for the layer constructions on it: both
branches of a condition, a loop body once for any number of passes, function bodies with
their parameters unknown, calls not followed. Running code (RUN: building a model and
tracing its forward()) follows one path, as Python would: calls, loops item by item,
`return`/`raise`/`break` as signals, branches only where a condition cannot be told.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    name: str
    runs: bool  # follow one path as Python would (else read every path once)
    reads_skipped_branches: bool  # a branch a known condition skips is still read for sites


WALK = Policy("walk", runs=False, reads_skipped_branches=True)
RUN = Policy("run", runs=True, reads_skipped_branches=False)
