"""Progress of a long CLI run on stderr: `macslint: 40/188 files`, rewritten in place, once
the run has taken DELAY seconds, and only where a person watches (stderr a terminal, not CI,
not a machine format); cleared when the run ends, so the output above it is as without."""

from __future__ import annotations

import os
import time
from typing import Callable, Optional, TextIO

from ..service import Progress

DELAY = 2.0  # seconds: a quick run shows nothing


class TerminalProgress(Progress):
    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.total = 0
        self.finished = 0
        self.width = 0  # of the line shown; 0: none shown

    def planned(self, files: int) -> None:
        self.total += files
        self.show()

    def done(self) -> None:
        self.finished += 1
        self.show()

    def show(self) -> None:
        if self.clock() - self.started < DELAY:
            return
        line = f"macslint: {self.finished}/{self.total} files"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def progress_for(stream: TextIO, machine_format: bool) -> Optional[TerminalProgress]:
    """A progress line for this run, or None: for a machine format, in CI (`CI` set, as
    GitHub Actions, GitLab and most others set it), or where stderr is not a terminal."""
    if machine_format or os.environ.get("CI"):
        return None
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or odd stream
        return None
    return TerminalProgress(stream)

