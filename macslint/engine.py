"""One file through the pipeline: source -> analysis -> report -> findings.

Every failure ends here as data (a file-level error and a MAC9xx finding), so the adapters
never see an exception from a user's file.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import libcst

from .analyzer import analyze_source
from .config import Settings
from .findings import Finding, file_findings
from .report import FileReport, file_report


@dataclass
class FileResult:
    report: FileReport
    findings: List[Finding] = field(default_factory=list)
    source: str = ""  # the text checked, for `# noqa` in the CLI


def _file_error(path: str, settings: Optional[Settings], code: str, message: str,
                line: int = 1, col: int = 1) -> FileResult:
    report = FileReport(path, settings, error=message)
    return FileResult(report, [Finding(path, line, col, code, message)])


def check_source(path: str, source: str, settings: Settings) -> FileResult:
    try:
        analysis = analyze_source(source)
    except libcst.ParserSyntaxError as exc:
        return _file_error(path, settings, "MAC901", f"cannot parse file: {exc.message}",
                           exc.editor_line, exc.editor_column)
    except RecursionError:
        return _file_error(path, settings, "MAC901",
                           "cannot parse file: it is nested too deeply for the parser")
    except Exception as exc:  # noqa: BLE001 - a bug of ours must not lose the other files
        return internal_error(path, settings, exc)
    report = file_report(path, analysis.sites, settings)
    return FileResult(report, file_findings(report), source)


def internal_error(path: str, settings: Optional[Settings], exc: BaseException) -> FileResult:
    return _file_error(path, settings, "MAC900",
                       f"internal error: {type(exc).__name__}: {exc}; please report it with this file")


def config_error(path: str, message: str) -> FileResult:
    return _file_error(path, None, "MAC902", f"invalid configuration: {message}")


def decode_source(data: bytes) -> str:
    """Decode as Python does (PEP 263 cookie, BOM, UTF-8 default); ValueError if it cannot."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise ValueError(f"not readable as Python source text: {exc}") from None
    return text[1:] if text.startswith("\ufeff") else text


def check_file(path: Path, display: str, settings: Settings) -> FileResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _file_error(display, settings, "MAC901", f"cannot read file: {exc.strerror or exc}")
    try:
        source = decode_source(data)
    except ValueError as exc:
        return _file_error(display, settings, "MAC901", f"cannot read file: {exc}")
    return check_source(display, source, settings)
