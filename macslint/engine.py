"""One file through the pipeline: source -> analysis -> report -> findings.

Every failure ends here as data (a file-level error and a MAC9xx finding), so the adapters
never see an exception from a user's file.
"""

from __future__ import annotations

import io
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from .config import Settings
from .stack import on_deep_stack
from .files import read_regular_file
from .results.codec import DeferredFields
from .results.findings import Finding, file_findings
from .results.report import FileReport, file_report
from .results.traces import SiteUse, site_uses


@dataclass
class FileResult(DeferredFields):
    report: FileReport
    findings: List[Finding] = field(default_factory=list)
    source: str = ""  # the text checked, for `# noqa` in the CLI
    depends_on: Tuple[str, ...] = ()  # other project files the result depends on (the cache)
    # What its models do with the layer constructions of other project files (their origin
    # set): those files' results take them in (project_uses).
    site_uses: List[SiteUse] = field(default_factory=list)
    # The files those uses are of (their origins, sorted): a file none of them is needs not
    # read them (they are read from a cached entry only when used: results.codec).
    use_origins: Tuple[str, ...] = ()


def _file_error(path: str, settings: Optional[Settings], code: str, message: str,
                line: int = 1, col: int = 1) -> FileResult:
    report = FileReport(path, settings, error=message)
    return FileResult(report, [Finding(path, line, col, code, message)])


def _python_syntax_error(source: str, path: str, settings: Settings) -> Optional[FileResult]:
    """Python's own verdict first: its position is the one users know (flake8's E999), and
    libcst's native parser crashes the process on nesting CPython rejects anyway. A full
    compile, not only a parse: `return` outside a function, or blocks nested past CPython's
    limit, are its compiler's errors (and the compile is faster than building the ast)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning is Python's to print, not ours
            compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return _file_error(path, settings, "MAC901", f"cannot parse file: {exc.msg}",
                           exc.lineno or 1, exc.offset or 1)
    except (ValueError, RecursionError, MemoryError) as exc:
        return _file_error(path, settings, "MAC901", f"cannot parse file: {_describe(exc)}")
    return None


def _caused_by_recursion(exc: BaseException) -> bool:
    seen = set()  # libcst re-raises once per level: the chain is long, and may loop
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def check_source(path: str, source: str, settings: Settings,
                 file: Optional[Path] = None) -> FileResult:
    """`path` names the file in findings; `file` is where it is on disk (default: `path`),
    for the project files it imports."""
    # Imported here: a run that finds every result in the cache never loads libcst.
    import libcst

    from .analysis import analyze_source
    from .project.prefilter import mentions_torch

    try:
        if mentions_torch(source):  # (a file that does not was parsed by Python in the prefilter)
            failed = _python_syntax_error(source, path, settings)
            if failed is not None:
                return failed
        try:
            analysis = analyze_source(source, settings, path, file)
        except Exception as exc:  # noqa: BLE001 - retried below when it is only depth
            if not _caused_by_recursion(exc):
                raise
            analysis = on_deep_stack(analyze_source, source, settings, path, file)
        report = file_report(path, analysis.sites, settings, analysis.models, analysis.not_built)
        findings = file_findings(report)
    except libcst.ParserSyntaxError as exc:
        return _file_error(path, settings, "MAC901", f"cannot parse file: {exc.message}",
                           exc.raw_line, exc.raw_column + 1)
    except Exception as exc:  # noqa: BLE001 - a bug of ours must not lose the other files
        if _caused_by_recursion(exc):
            return _file_error(path, settings, "MAC901",
                               "cannot analyse file: it is nested too deeply")
        return internal_error(path, settings, exc)
    uses = [use for model in analysis.models for use in site_uses(model)
            if use.origin is not None]
    return FileResult(report, findings, source, analysis.depends_on, uses,
                      tuple(sorted({use.origin for use in uses if use.origin is not None})))


def _describe(exc: BaseException) -> str:
    """`str(exc)`, bounded: some exceptions carry a whole syntax tree."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - even printing it may fail (deep recursion)
        text = ""
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


def internal_error(path: str, settings: Optional[Settings], exc: BaseException) -> FileResult:
    return _file_error(path, settings, "MAC900",
                       f"internal error: {type(exc).__name__}: {_describe(exc)}; "
                       "please report it with this file")


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
        data = read_regular_file(path)
    except OSError as exc:
        return _file_error(display, settings, "MAC901", f"cannot read file: {exc.strerror or exc}")
    return check_data(path, display, settings, data)


def check_data(path: Path, display: str, settings: Settings, data: bytes) -> FileResult:
    """`data` is the content of `path` as read once (the cache keys on the same bytes)."""
    try:
        source = decode_source(data)
    except ValueError as exc:
        return _file_error(display, settings, "MAC901", f"cannot read file: {exc}")
    return check_source(display, source, settings, path)
