"""The files of a git revision, read without a checkout (the working tree may be dirty).

`git ls-tree` lists the revision's files and `git cat-file --batch` (what `git show REV:path`
reads, for many files in one process) writes the Python files and pyproject.toml files into
a temporary directory, so the analysis reads them exactly as it reads the working tree:
imports between project files and configuration discovery included.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List

from ..service import UsageError


class GitMissing(UsageError):
    """No git to run: said as such, never taken for a failed git command."""


def _git(args: List[str], cwd: Path, input: bytes = b"") -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise GitMissing("git is not installed (macslint diff reads the base revision "
                         "with git)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def git_toplevel(cwd: Path) -> Path:
    try:
        out = _git(["rev-parse", "--show-toplevel"], cwd)
    except GitMissing:
        raise
    except UsageError:
        raise UsageError(f"{cwd}: not inside a git repository; macslint diff compares "
                         "against a git revision") from None
    return Path(out.decode("utf-8").strip()).resolve()


def resolve_commit(root: Path, rev: str) -> str:
    try:
        out = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                   root)
    except GitMissing:
        raise
    except UsageError:
        raise UsageError(f"--base {rev}: no such revision in {root} (in CI, fetch it first: "
                         "`git fetch origin main` and use `--base origin/main`)") from None
    return out.decode("ascii").strip()


def _wanted(path: str) -> bool:
    return path.endswith(".py") or path.rsplit("/", 1)[-1] == "pyproject.toml"


@dataclass
class BaseTree:
    commit: str
    files: List[str]  # "/"-separated paths relative to the repository root, as written


def export_tree(root: Path, commit: str, destination: Path) -> BaseTree:
    """Write the revision's Python and pyproject.toml files under `destination`."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], root)
    blobs = []
    links = set()
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.split()
        path = os.fsdecode(name)
        # Regular files, and symlinks (120000) made again as symlinks: the working tree's walk
        # reads a linked file too. Submodules (commits) are not sources here.
        if kind == b"blob" and mode in (b"100644", b"100755", b"120000") and _wanted(path):
            blobs.append((sha.decode("ascii"), path))
            if mode == b"120000":
                links.add(path)
    if not blobs:
        return BaseTree(commit, [])
    out = _git(["cat-file", "--batch"], root,
               input="".join(f"{sha}\n" for sha, _ in blobs).encode("ascii"))
    position = 0
    for sha, path in blobs:
        header_end = out.index(b"\n", position)
        size = int(out[position:header_end].split()[2])
        data = out[header_end + 1: header_end + 1 + size]
        position = header_end + 1 + size + 1  # the content is followed by a newline
        target = destination.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if path in links:
            try:
                os.symlink(os.fsdecode(data), target)
            except OSError:  # no symlinks here (Windows without the privilege): left out
                pass
        else:
            target.write_bytes(data)
    return BaseTree(commit, [path for _, path in blobs])
