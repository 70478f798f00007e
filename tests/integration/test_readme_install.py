"""The install lines of the documentation work as written: macslint is not on a package index,
so every `pip install` of it is from a clone (`pip install .`, `pip install '.[lsp]'`) and
names extras pyproject.toml declares; the pre-commit snippet is a valid configuration and
pins no tag the repository does not have."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - tomli is a dependency below 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted([*REPO.glob("*.md"), *(REPO / "docs").glob("*.md")])
README = REPO / "README.md"

# `pip install` then its arguments, on the same line or (an inline code span wrapped by the
# Markdown's line length) on the next one; the arguments end at a comment, `&&`, `;`, `|` or
# the end of the code span.
PIP_INSTALL = re.compile(r"pip install[ \t]*(?:\n[ \t]*)?((?:[^\s`#&;|]+[ \t]*)*)")
# options of `pip install` whose value is not a requirement
VALUED_OPTIONS = {"-i", "--index-url", "--extra-index-url", "-r", "--requirement",
                  "-c", "--constraint", "-f", "--find-links"}


def extras() -> set:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return set(project.get("optional-dependencies", {}))


def requirements(command: str) -> List[str]:
    words = shlex.split(command)
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in VALUED_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            found.append(word)
    return found


def pip_installs() -> Dict[Tuple[str, str], List[str]]:
    """(file, the command as written) -> its requirements, for every documentation file."""
    found = {}
    for doc in DOCS:
        for match in PIP_INSTALL.finditer(doc.read_text(encoding="utf-8")):
            command = " ".join(match.group(1).split())
            if command:
                found[(doc.relative_to(REPO).as_posix(), command)] = requirements(command)
    return found


def test_every_pip_install_of_macslint_is_from_a_clone_with_declared_extras():
    declared = extras()
    local = set()
    for (doc, command), reqs in pip_installs().items():
        for req in reqs:
            name = re.match(r"[A-Za-z0-9_.-]*", req).group(0)
            if req.startswith((".", "/")):  # a path: the clone
                for extra in re.findall(r"\[([^\]]*)\]", req)[:1]:
                    for one in (e.strip() for e in extra.split(",")):
                        assert one in declared, (
                            f"{doc}: `pip install {command}` names the extra {one!r}; "
                            f"pyproject.toml declares {sorted(declared)}")
                        local.add(one)
                local.add(req)
            else:
                assert name.lower() != "macslint", (
                    f"{doc}: `pip install {command}` installs macslint from a package index, "
                    "where it is not; from a clone it is `pip install '.[extra]'`")
    # not vacuous: the lines the README and the editors' page give are all seen
    assert {".", "lsp", "torch", "test"} <= local, local


def test_the_pattern_reads_wrapped_and_commented_lines():
    text = ("(needs pygls: `pip install\n  '.[lsp]'` in a clone)\n"
            "pip install '.[torch]'   # a comment\n"
            "pip install torch==2.13.0 && pip install -e '.[test]' && python -m pytest -q\n")
    commands = [" ".join(m.group(1).split()) for m in PIP_INSTALL.finditer(text)]
    assert commands == ["'.[lsp]'", "'.[torch]'", "torch==2.13.0", "-e '.[test]'"]
    assert [requirements(c) for c in commands] == [[".[lsp]"], [".[torch]"], ["torch==2.13.0"],
                                                   [".[test]"]]


def precommit_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## pre-commit"):]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_precommit_snippet_is_a_valid_config_with_the_hook(tmp_path):
    from pre_commit.clientlib import load_config

    config_file = tmp_path / ".pre-commit-config.yaml"
    config_file.write_text(precommit_snippet(), encoding="utf-8")
    config = load_config(str(config_file))
    (repo,) = config["repos"]
    assert [hook["id"] for hook in repo["hooks"]] == ["macslint"]
    manifest = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert re.search(r"^- id: macslint$", manifest, re.M)


def test_precommit_snippet_pins_no_tag_the_repository_lacks():
    rev = re.search(r"^\s*rev:\s*(\S+)", precommit_snippet(), re.M).group(1)
    if re.fullmatch(r"[0-9a-f]{40}", rev) or not re.match(r"v?\d", rev):
        return  # a commit SHA, or a placeholder the text explains
    try:
        tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert rev in tags, f"the README's pre-commit snippet pins {rev}, a tag the repository lacks"
