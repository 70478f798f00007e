"""Reading the files macslint is given or finds: regular files only.

A directory walk lists every `*.py` name, and a named pipe, socket or device can carry one;
reading a named pipe blocks until something writes to it, so it would hang the run. Such
files are refused with an OSError like an unreadable file, and reported the same way.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Union

# Directories never walked into (flake8's default exclude, plus virtualenvs).
SKIP_DIRS = frozenset({
    ".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs",
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".macslint_cache",
    "node_modules",
})


def read_regular_file(path: Union[str, Path]) -> bytes:
    """The bytes of `path` (symlinks followed); OSError if it cannot be read or is not a
    regular file."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        what = ("a directory" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device")
        raise OSError(0, f"not a regular file ({what})")
    with open(path, "rb") as file:
        return file.read()
