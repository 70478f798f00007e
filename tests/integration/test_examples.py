"""examples/github-actions.yml and examples/gitlab-ci.yml, run step by step on a throwaway
repository: each `run:` / `script:` command as the CI would run it, services stubbed (a fake
`gh` records the PR comment), and every file a later step or the CI server reads checked."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from markdown_it import MarkdownIt

from tests.helpers import DATA
from tests.torchnn.tracer_helpers import torch_counts, torch_has_params

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SARIF_SCHEMA = json.loads((DATA / "sarif-2.1.0-rtm.5.json")
                          .read_text(encoding="utf-8"))
INSTALL = "pip install macslint"  # the test environment has it installed already

PYPROJECT = """\
[tool.macslint]
input-size = [3, 32, 32]
max-layer-params = "1K"
max-model-macs-increase = "10%"
"""
INPUT = (3, 32, 32)  # PYPROJECT's input-size: torch runs Net at it, batch 1

MODEL = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, {width}, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear({width}, 10)

    def forward(self, x):
        return self.fc(self.pool(self.conv(x)).flatten(1))
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=CI",
                           *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def pull_request(tmp_path):
    """A repository whose base commit has Net at width 16 and whose head grows it to 64
    (a conv over `max-layer-params`, and more MACs than the 10% limit allows)."""
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / "models" / "net.py").write_text(MODEL.format(width=16))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "models" / "net.py").write_text(MODEL.format(width=64))
    git(repo, "commit", "-qam", "grow Net")
    return repo, base


def html_tables(html: str) -> list:
    """Each <table> of `html` as rows of cell texts."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr":
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.tables[-1][-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Tables()
    parser.feed(html)
    return parser.tables


def torch_params(width: int) -> int:
    return torch_counts(MODEL.format(width=width), "Net", (1, *INPUT)).params


def torch_macs(width: int) -> int:
    return torch_counts(MODEL.format(width=width), "Net", (1, *INPUT)).macs


def fake_gh(bin_dir: Path, log: Path) -> None:
    """`gh` that records its arguments; `--edit-last` fails as when there is no comment yet."""
    bin_dir.mkdir()
    script = bin_dir / "gh"
    script.write_text(f"""#!/bin/sh
echo "$@" >> {log}
case " $* " in *" --edit-last "*) echo "no comments found for current user" >&2; exit 1;; esac
exit 0
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def environment(extra: dict, bin_dir: Path) -> dict:
    env = dict(os.environ)
    path = [str(bin_dir), os.path.dirname(sys.executable), env.get("PATH", "")]
    env.update(extra, PATH=os.pathsep.join(path))
    return env


def expand(value: str, context: dict) -> str:
    """A `${{ expression }}` the workflow uses, as GitHub would fill it in for this PR."""
    def one(match: re.Match) -> str:
        expression = match.group(1).strip()
        assert expression in context, f"the test does not know {expression!r}"
        return context[expression]
    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


def test_github_actions_workflow(pull_request, tmp_path):
    repo, base = pull_request
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    assert list(workflow[True]) == ["pull_request"]  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"]["security-events"] == "write"
    context = {"github.event.pull_request.base.sha": base, "github.token": "token",
               "github.event.pull_request.number": "7"}
    summary, gh_log = tmp_path / "summary.md", tmp_path / "gh.log"
    fake_gh(tmp_path / "bin", gh_log)
    outcomes, outputs, failed = {}, {}, False
    for step in workflow["jobs"]["macslint"]["steps"]:
        name = step.get("name") or step["uses"]
        condition = step.get("if", "success()")
        if failed and "always()" not in condition:
            outcomes[name] = "skipped"
            continue
        if "uses" in step:
            action = step["uses"].split("@")[0]
            if action == "actions/checkout":
                assert step["with"]["fetch-depth"] == 0  # diff needs the base commit
            elif action == "github/codeql-action/upload-sarif":
                sarif = json.loads((repo / step["with"]["sarif_file"]).read_text())
                jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
                outputs["sarif"] = sarif
            else:
                assert action == "actions/setup-python"
            outcomes[name] = "success"
            continue
        if step["run"].strip() == INSTALL:
            outcomes[name] = "success"
            continue
        env = {key: expand(str(value), context) for key, value in step.get("env", {}).items()}
        env["GITHUB_STEP_SUMMARY"] = str(summary)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", step["run"]],
                              cwd=repo, env=environment(env, tmp_path / "bin"),
                              capture_output=True, text=True)
        outputs[name] = done
        outcomes[name] = "success" if done.returncode == 0 else f"exit {done.returncode}"
        failed = failed or done.returncode != 0

    assert outcomes == {
        "actions/checkout@v4": "success",
        "actions/setup-python@v5": "success",
        "Install macslint": "success",
        "Annotate findings": "exit 1",  # the layer over budget fails the job ...
        "Findings as SARIF": "success",  # ... and the steps that report go on
        "Upload SARIF to code scanning": "success",
        "Cost diff against the base branch": "exit 1",  # MAC005: Net grew past +10%
        "Comment the cost diff on the pull request": "success",
    }
    annotations = outputs["Annotate findings"].stdout.splitlines()
    # `nn.Conv2d(3, 64, 3, padding=1)` spans columns 21 to 50 of line 7 (endColumn is inclusive).
    assert annotations[:-1] == [
        "::warning file=models/net.py,line=7,col=21,endLine=7,endColumn=50,title=MAC002::"
        f"Conv2d(3, 64, 3, padding=1) {torch_has_params('Conv2d(3, 64, 3, padding=1)')}, budget 1K"]
    assert annotations[-1].startswith("::notice title=macslint::")
    results = outputs["sarif"]["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"MAC002"}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results} == {"models/net.py"}
    comment = (repo / "macslint-diff.md").read_text()
    assert summary.read_text() == comment
    assert "MAC005" in comment and "`Net` (changed)" in comment
    # Rendered as GitHub renders comments (CommonMark with tables), the first table holds
    # Net's totals before and after, as torch counts them.
    tables = html_tables(MarkdownIt("commonmark", {"html": True}).enable("table").render(comment))
    params = {w: torch_params(w) for w in (16, 64)}
    macs = {w: torch_macs(w) for w in (16, 64)}
    assert tables[0][0] == ["", "before", "after", "change"]
    assert tables[0][1][:3] == ["params", f"{params[16]:,}", f"{params[64]:,}"]
    assert tables[0][2][:3] == ["MACs", f"{macs[16]:,}", f"{macs[64]:,}"]
    assert tables[0][2][3] == f"{macs[64] - macs[16]:+,} (+{100 * (macs[64] / macs[16] - 1):.1f}%)"
    # Every layer changed: conv and fc their weights, the pool its shapes (16 -> 64 channels).
    assert [row[0] for row in tables[1][1:]] == ["conv", "pool", "fc"]
    assert gh_log.read_text().splitlines() == [
        "pr comment 7 --body-file macslint-diff.md --edit-last",
        "pr comment 7 --body-file macslint-diff.md",
    ]


CODE_QUALITY_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_gitlab_ci_job(pull_request, tmp_path):
    repo, base = pull_request
    job = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())["macslint"]
    assert job["before_script"] == [INSTALL]
    assert job["variables"]["GIT_DEPTH"] == 0
    (tmp_path / "bin").mkdir()
    env = environment({"CI_MERGE_REQUEST_DIFF_BASE_SHA": base}, tmp_path / "bin")
    # GitLab runs the script lines in one bash shell that stops at the first failing line.
    script = "set -eo pipefail\n" + "\n".join(job["script"])
    done = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # findings and a grown model fail the job
    assert "./models/net.py:7:21: MAC002" in done.stdout and "MAC002" in done.stdout
    assert "## macslint: model costs against" in done.stdout  # the diff, in the job log

    report_file = job["artifacts"]["reports"]["codequality"]
    issues = json.loads((repo / report_file).read_text())
    assert issues and all(issue["check_name"] == "MAC002" for issue in issues)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in CODE_QUALITY_SEVERITIES
        assert issue["location"]["path"] == "models/net.py"
        assert issue["location"]["lines"]["begin"] == 7
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    for path in job["artifacts"]["paths"]:
        assert (repo / path).is_file()
    assert "MAC005" in (repo / "macslint-diff.md").read_text()
