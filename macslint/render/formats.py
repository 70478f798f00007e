"""Findings in the formats their consumers read: flake8-style text, JSON, SARIF 2.1.0 (GitHub
code scanning), GitHub Actions workflow commands, reviewdog's rdjson and GitLab's code quality
report.

Plain data in, text out: no libcst, no file reading. The positions each format needs come
with the findings (`macslint.locations.Located`): SARIF counts columns in characters (code
points, as it says in `columnKind`), reviewdog in UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote

from .. import __version__
from ..codes import BY_CODE, CODES, HOMEPAGE, help_url
from ..locations import Located, locate  # noqa: F401 - locate: where the positions come from

FORMATS = ("text", "json", "sarif", "github", "rdjson", "gitlab")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "macslintFinding/v1"
GITHUB_SHOWN_PER_STEP = 10  # GitHub shows this many annotations of each kind per step


# ---------------------------------------------------------------------------
# text and JSON


def render_text(located: Sequence[Located]) -> str:
    return "".join(item.finding.text() + "\n" for item in located)


def finding_json(item: Located) -> Dict[str, Any]:
    f = item.finding
    return {"path": f.path, "line": f.line, "col": f.col, "end_line": item.end_line,
            "end_col": item.end_col, "code": f.code, "level": BY_CODE[f.code].level,
            "message": f.message}


def render_json(located: Sequence[Located], report: Dict[str, Any]) -> str:
    """The report contract (`schema`, `unit`, `files`) with the findings added."""
    data = dict(report)
    data["findings"] = [finding_json(item) for item in located]
    return json.dumps(data, indent=2) + "\n"


# ---------------------------------------------------------------------------
# SARIF 2.1.0, as GitHub code scanning reads it


def fingerprints(located: Sequence[Located]) -> List[str]:
    """A hash per finding that survives unrelated edits: the file, the code and what the
    finding is about (the layer's call text or model name, else its line's text), numbered
    when the same thing is flagged twice. Line numbers are left out on purpose."""
    seen: Counter = Counter()
    out = []
    for item in located:
        key = (item.relative or item.finding.path, item.finding.code, item.anchor)
        seen[key] += 1
        text = "\0".join((*key, str(seen[key])))
        out.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
    return out


def sarif_rules() -> List[Dict[str, Any]]:
    return [{
        "id": code.code,
        "name": "".join(word.capitalize() for word in code.title.split()),
        "shortDescription": {"text": code.title},
        "fullDescription": {"text": code.description},
        "help": {"text": f"{code.description} See {help_url(code.code)}",
                 "markdown": f"{code.description}\n\n[{code.code}]({help_url(code.code)})"},
        "helpUri": help_url(code.code),
        "defaultConfiguration": {"level": code.level, "enabled": code.default_enabled},
    } for code in CODES]


def sarif_log(located: Sequence[Located], root: Path,
              errors: Sequence[str] = ()) -> Dict[str, Any]:
    index = {code.code: i for i, code in enumerate(CODES)}
    results = []
    for item, fingerprint in zip(located, fingerprints(located)):
        f = item.finding
        if item.relative:
            artifact = {"uri": quote(item.relative), "uriBaseId": "%SRCROOT%"}
        else:  # outside the repository: an absolute file URI
            artifact = {"uri": Path(os.path.abspath(f.path)).as_uri()}
        results.append({
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": BY_CODE[f.code].level,
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact,
                "region": {"startLine": f.line, "startColumn": f.col,
                           "endLine": item.end_line, "endColumn": item.end_col},
            }}],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        })
    invocation: Dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolConfigurationNotifications"] = [
            {"level": "error", "message": {"text": message}} for message in errors]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "macslint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": sarif_rules(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation],
            "results": results,
        }],
    }


def render_sarif(located: Sequence[Located], root: Path, errors: Sequence[str] = ()) -> str:
    return json.dumps(sarif_log(located, root, errors), indent=2) + "\n"


# ---------------------------------------------------------------------------
# GitHub Actions workflow commands


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def render_github(located: Sequence[Located], files_checked: int) -> str:
    lines = []
    for item in located:
        f = item.finding
        path = item.relative or f.path
        end_col = max(item.end_col - 1, f.col)  # GitHub's endColumn is the last column
        # GitHub takes columns only for a one-line span ("omit if start_line and end_line
        # have different values"): a call over several lines gets its lines alone.
        cols = (f"col={f.col},endLine={item.end_line},endColumn={end_col}"
                if item.end_line == f.line else f"endLine={item.end_line}")
        props = (f"file={escape_property(path)},line={f.line},{cols},"
                 f"title={escape_property(f.code)}")
        command = GITHUB_COMMANDS[BY_CODE[f.code].level]
        lines.append(f"::{command} {props}::{escape_data(f.message)}")
    lines.append(github_summary(located, files_checked))
    return "\n".join(lines) + "\n"


def github_summary(located: Sequence[Located], files_checked: int) -> str:
    """One closing notice: how many findings there are, since GitHub shows only some."""
    files = f"{files_checked} file{'s' if files_checked != 1 else ''}"
    if not located:
        return f"::notice title=macslint::no findings in {escape_data(files)}"
    counts = Counter(item.finding.code for item in located)
    by_code = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
    kinds = Counter(GITHUB_COMMANDS[BY_CODE[code].level] for code in counts.elements())
    text = (f"macslint: {len(located)} finding{'s' if len(located) != 1 else ''} in "
            f"{len({item.finding.path for item in located})} of {files} ({by_code})")
    if any(n > GITHUB_SHOWN_PER_STEP for n in kinds.values()):
        text += (f"; GitHub shows only {GITHUB_SHOWN_PER_STEP} annotations of each kind per "
                 "step: every finding is in this step's log")
    return f"::notice title=macslint::{escape_data(text)}"


# ---------------------------------------------------------------------------
# reviewdog


RDJSON_SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


def rdjson(located: Sequence[Located]) -> Dict[str, Any]:
    diagnostics = []
    for item in located:
        f = item.finding
        diagnostics.append({
            "message": f.message,
            "location": {"path": f.path, "range": {
                "start": {"line": f.line, "column": item.byte_col},
                "end": {"line": item.end_line, "column": item.byte_end_col},
            }},
            "severity": RDJSON_SEVERITY[BY_CODE[f.code].level],
            "code": {"value": f.code, "url": help_url(f.code)},
        })
    return {"source": {"name": "macslint", "url": HOMEPAGE}, "diagnostics": diagnostics}


def render_rdjson(located: Sequence[Located]) -> str:
    return json.dumps(rdjson(located), indent=2) + "\n"


# ---------------------------------------------------------------------------
# GitLab code quality (a CodeClimate subset): the merge request widget and diff annotations


GITLAB_SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def gitlab_report(located: Sequence[Located]) -> List[Dict[str, Any]]:
    return [{
        "description": f"{item.finding.code} {item.finding.message}",
        "check_name": item.finding.code,
        "fingerprint": fingerprint,
        "severity": GITLAB_SEVERITY[BY_CODE[item.finding.code].level],
        "location": {"path": item.relative or item.finding.path,
                     "lines": {"begin": item.finding.line, "end": item.end_line}},
    } for item, fingerprint in zip(located, fingerprints(located))]


def render_gitlab(located: Sequence[Located]) -> str:
    return json.dumps(gitlab_report(located), indent=2) + "\n"


def render(fmt: str, located: Sequence[Located], *, root: Path, files_checked: int,
           report: Optional[Dict[str, Any]] = None, errors: Sequence[str] = ()) -> str:
    if fmt == "text":
        return render_text(located)
    if fmt == "json":
        return render_json(located, report or {})
    if fmt == "sarif":
        return render_sarif(located, root, errors)
    if fmt == "github":
        return render_github(located, files_checked)
    if fmt == "rdjson":
        return render_rdjson(located)
    if fmt == "gitlab":
        return render_gitlab(located)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
