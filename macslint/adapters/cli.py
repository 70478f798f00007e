"""The `macslint` command: `check` (findings, in flake8-style text or a format for review
bots), `report` (what each layer and model costs) and `diff` (cost changes against a git
revision)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Union

from .. import __version__
from ..baseline import without_baselined, write_baseline
from ..cache import DEFAULT_DIR as DEFAULT_CACHE_DIR, ResultCache
from ..codes import CODES, DEFAULT_DISABLED
from ..commands.diff import run_diff
from ..commands.verify import TorchMissing, run_verify
from ..config import ConfigError
from ..locations import repository_root
from ..render.diff import render as render_diff
from ..render.formats import FORMATS, render as render_findings
from ..render.report_html import render_html
from ..render.report_json import display_unit, report_json
from ..render.report_text import (
    SUMMARY_INCOMPLETE_ROWS, SUMMARY_ROWS, ReportView, render_report)
from ..render.verify import render_verify
from .progress import progress_for
from ..selection import CodeSelection, parse_codes
from ..service import SILENT, Progress, UsageError, check_paths, default_jobs, selected_in_run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# ---------------------------------------------------------------------------
# Arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="macslint",
        description="Static parameter and MAC counts for torch.nn code, with budgets.",
    )
    parser.add_argument("--version", action="version", version=f"macslint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories (default: .)")
        g = p.add_argument_group("settings (override [tool.macslint] in pyproject.toml)")
        g.add_argument("--input-size", metavar="CxHxW",
                       help="per-sample input shape without batch, e.g. 3x224x224")
        g.add_argument("--inputs", metavar="SPEC",
                       help="the model's inputs, [name:]SHAPE[:dtype] separated by ';', e.g. "
                       "'idx:1024:int64; mask:1024:bool' (shapes without batch, dtype float32 "
                       "by default)")
        g.add_argument("--batch-size", type=int, metavar="N")
        for key in ("max-layer-macs", "max-layer-params", "max-model-macs", "max-model-params"):
            g.add_argument(f"--{key}", metavar="COUNT", help="e.g. 500M, 1.5G, 20000")
        g.add_argument("--unit", choices=("macs", "flops"))
        p.add_argument("-j", "--jobs", type=_positive, default=default_jobs(), metavar="N",
                       help="check files in N processes (default: the number of CPUs); "
                       "the output order does not depend on it")

    def cached(p: argparse.ArgumentParser) -> None:
        p.add_argument("--cache-dir", metavar="DIR",
                       default=os.environ.get("MACSLINT_CACHE_DIR", DEFAULT_CACHE_DIR),
                       help=f"where results are cached (default: {DEFAULT_CACHE_DIR}, or "
                       "$MACSLINT_CACHE_DIR)")
        p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")

    check = sub.add_parser("check", help="report layers over budget (exit 1 if any)",
                           description="Findings as `path:line:col: CODE message`. "
                           "Exit 0 clean, 1 findings, 2 usage or configuration error.")
    common(check)
    cached(check)
    sel = check.add_argument_group("codes (as flake8 selects them)")
    sel.add_argument("--select", metavar="CODES",
                     help="comma-separated code prefixes (default: MAC); the codes off by "
                     f"default ({','.join(DEFAULT_DISABLED)}) only by a prefix longer than MAC "
                     "(MAC1, MAC100): flake8-bugbear's rule for B9")
    sel.add_argument("--ignore", metavar="CODES",
                     help=f"comma-separated code prefixes (default: {','.join(DEFAULT_DISABLED)})")
    sel.add_argument("--extend-select", metavar="CODES", default="",
                     help="code prefixes added to --select (--extend-select MAC100)")
    sel.add_argument("--extend-ignore", metavar="CODES", default="")
    check.add_argument("--list-codes", action="store_true", help="print the codes and exit")
    check.add_argument("--with-dependents", action="store_true",
                       help="also check the project files that import the files given, "
                       "directly or through others (the models that use what changed); the "
                       "pre-commit hook passes it")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="text (path:line:col: CODE message), json (findings and the report), "
                       "sarif (GitHub code scanning), github (Actions annotations), "
                       "rdjson (reviewdog), gitlab (GitLab code quality report)")
    base = check.add_argument_group("baseline (adopting macslint on existing code)")
    base.add_argument("--baseline", metavar="FILE",
                      help="report only findings not recorded in FILE (default: the "
                      "`baseline` key of [tool.macslint])")
    base.add_argument("--write-baseline", metavar="FILE",
                      help="record the current findings in FILE and exit 0")

    report = sub.add_parser("report", help="what each layer costs: shapes, params, MACs",
                            description="Each torch.nn layer construction with its shapes, "
                            "params and MACs. Exit 0, or 1 if a file could not be analysed, "
                            "2 on a usage or configuration error.")
    common(report)
    cached(report)
    report.add_argument("--format", choices=("text", "json", "html"), default="text",
                        help="html: one self-contained page, a chart of each model's cost "
                        "per module beside its table")
    report.add_argument("--model", metavar="NAME",
                        help="show only the model NAME (a class name): its summary line and "
                        "its table (to --depth, 2 by default)")
    report.add_argument("--depth", type=_depth, metavar="N",
                        help="after the summary, each model's table: its modules to depth N "
                        "(1: the model's children), each with its totals; 'all': every layer")
    report.add_argument("--all", action="store_true", dest="all_models",
                        help=f"every model in the summary (else the {SUMMARY_ROWS} costliest "
                        f"counted in full and {SUMMARY_INCOMPLETE_ROWS} not)")
    report.add_argument("--sites", action="store_true",
                        help="each file's layer constructions, and its model classes not built")

    diff = sub.add_parser("diff", help="how each model's params and MACs changed since a git "
                          "revision (exit 1 if one grew past its limit)",
                          description="Compares the models in PATHS at git revision REV (read "
                          "with git, no checkout) with the working tree. Exit 0, 1 if a model "
                          "grew past max-model-macs-increase / max-model-params-increase "
                          "(MAC005 / MAC006), 2 on a usage or configuration error.")
    diff.add_argument("--base", required=True, metavar="REV",
                      help="the revision to compare against, e.g. origin/main or a commit")
    common(diff)
    for key in ("max-model-macs-increase", "max-model-params-increase"):
        diff.add_argument(f"--{key}", metavar="LIMIT", help='e.g. 10%% or 50M')
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    verify = sub.add_parser("verify", help="check every count against PyTorch (needs "
                            "macslint[torch]; exit 1 on a disagreement)",
                            description="Rebuilds each counted torch.nn layer and each traced "
                            "layer call in PyTorch from the analysed arguments (never running "
                            "your code), on the meta device, and compares params, MACs "
                            "(FlopCounterMode flops / 2) and output shapes with macslint's. "
                            "Exit 0 when all agree, 1 on a disagreement, 2 on a usage or "
                            "configuration error or without torch.")
    common(verify)
    verify.add_argument("--format", choices=("text", "json"), default="text")

    lsp = sub.add_parser("lsp", help="a language server over stdio: inlay hints, hovers, code "
                         "lenses and diagnostics in the editor (needs macslint[lsp])",
                         description="Speaks the Language Server Protocol on stdin/stdout, with "
                         "the configuration `macslint check` uses for each file. The results of "
                         "the project files that import an open file are read from (and kept "
                         "in) the result cache; the editor's buffers never are. See "
                         "docs/editors.md.")
    cached(lsp)
    return parser


def _cache(args: argparse.Namespace) -> Optional[ResultCache]:
    return None if args.no_cache else ResultCache(Path(args.cache_dir))


def _at_least_one(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def _positive(text: str) -> int:
    return _at_least_one(text, "a positive number of processes")


def _depth(text: str) -> Union[int, str]:
    """`--depth`: a depth of 1 or more, or 'all'."""
    if text.strip().lower() == "all":
        return "all"
    return _at_least_one(text, "a depth: use 1, 2, ... or 'all'")


def _overrides(args: argparse.Namespace) -> Dict[str, object]:
    growth = {key: getattr(args, key, None)
              for key in ("max_model_macs_increase", "max_model_params_increase")}
    return {
        **growth,
        "input_size": args.input_size,
        "inputs": args.inputs,
        "batch_size": args.batch_size,
        "max_layer_macs": args.max_layer_macs,
        "max_layer_params": args.max_layer_params,
        "max_model_macs": args.max_model_macs,
        "max_model_params": args.max_model_params,
        "unit": args.unit,
    }


# ---------------------------------------------------------------------------
# Commands: the service checks, render writes


@contextmanager
def _progress(machine_format: bool) -> Iterator[Progress]:
    """A progress line on stderr while files are checked, where a person watches."""
    progress = progress_for(sys.stderr, machine_format)
    try:
        yield progress or SILENT
    finally:
        if progress is not None:
            progress.close()


def cmd_check(args: argparse.Namespace, out) -> int:
    if args.list_codes:
        for code in CODES:
            state = "" if code.default_enabled else " (off by default)"
            out.write(f"{code.code}  {code.title}{state}\n")
        return EXIT_CLEAN
    selection = CodeSelection(parse_codes(args.select), parse_codes(args.ignore),
                              parse_codes(args.extend_select) or [],
                              parse_codes(args.extend_ignore) or [])
    with _progress(args.format != "text") as progress:
        run = check_paths(args.paths, _overrides(args), args.jobs, _cache(args),
                          with_dependents=args.with_dependents, progress=progress)
    root = repository_root(Path.cwd())
    located, baseline_of = selected_in_run(run, selection, root)
    if args.write_baseline is not None:
        file = Path(args.write_baseline)
        try:
            write_baseline(file, located)
        except OSError as exc:
            raise UsageError(f"--write-baseline {file}: {exc.strerror or exc}") from None
        sys.stderr.write(f"macslint: recorded {len(located)} finding"
                         f"{'s' if len(located) != 1 else ''} in {file}\n")
        return _config_errors(run.config_errors) or EXIT_CLEAN
    located = without_baselined(located, baseline_of, args.baseline, run.configs)
    report = None
    if args.format == "json":
        reports = [r.report for r in run.results]
        report = report_json(reports, display_unit(args.unit, reports))
    out.write(render_findings(args.format, located, root=root, files_checked=len(run.results),
                              report=report, errors=run.config_errors))
    return _config_errors(run.config_errors) or (EXIT_FINDINGS if located else EXIT_CLEAN)


def _config_errors(errors: List[str]) -> int:
    for message in errors:
        sys.stderr.write(f"macslint: error: {message}\n")
    return EXIT_ERROR if errors else EXIT_CLEAN


def cmd_report(args: argparse.Namespace, out) -> int:
    # With --model only that model is traced; the others are traced only to name them when
    # there is no such model.
    with _progress(args.format != "text") as progress:
        run = check_paths(args.paths, _overrides(args), args.jobs, _cache(args), args.model,
                          progress=progress)
    reports = [r.report for r in run.results]
    if args.model is not None:
        for report in reports:
            report.models = [m for m in report.models if args.model in (m.name, m.built)]
        if not any(r.models for r in reports) and not run.config_errors:
            every = check_paths(args.paths, _overrides(args), args.jobs, _cache(args))
            unbuilt = [f"{r.report.path}:{n.line}: {n.name} is not built: {n.reason}"
                       for r in every.results for n in r.report.not_built if n.name == args.model]
            if unbuilt:
                raise UsageError("; ".join(unbuilt))
            names = sorted({m.name for r in every.results for m in r.report.models})
            known = f"; models found: {', '.join(names)}" if names else "; no models found"
            raise UsageError(f"no model named {args.model!r} in {' '.join(args.paths)}{known}")
    if args.format == "json":
        json.dump(report_json(reports, display_unit(args.unit, reports)), out, indent=2)
        out.write("\n")
    elif args.format == "html":
        out.write(render_html(reports))
    else:
        tables = args.model is not None or args.depth is not None
        depth = 2 if args.depth is None else args.depth
        out.write(render_report(reports, ReportView(
            tables=tables, depth=None if depth == "all" else depth, sites=args.sites,
            limit=not args.all_models)))
    return _config_errors(run.config_errors) or (
        EXIT_FINDINGS if any(r.error for r in reports) else EXIT_CLEAN)


def cmd_diff(args: argparse.Namespace, out) -> int:
    result = run_diff(args.base, args.paths, _overrides(args), jobs=args.jobs)
    out.write(render_diff(args.format, result))
    return _config_errors(result.errors) or (EXIT_FINDINGS if result.findings else EXIT_CLEAN)


def cmd_verify(args: argparse.Namespace, out) -> int:
    try:
        result = run_verify(args.paths, _overrides(args), args.jobs)
    except TorchMissing as exc:
        sys.stderr.write(f"macslint: error: {exc}\n")
        return EXIT_ERROR
    out.write(render_verify(result, args.format))
    return _config_errors(result.config_errors) or (
        EXIT_FINDINGS if any(f.disagreements for f in result.files) else EXIT_CLEAN)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args, sys.stdout)
        if args.command == "diff":
            return cmd_diff(args, sys.stdout)
        if args.command == "verify":
            return cmd_verify(args, sys.stdout)
        if args.command == "lsp":
            from .lsp import serve  # pygls is imported only here

            return serve(_cache(args))
        return cmd_report(args, sys.stdout)
    except (UsageError, ConfigError) as exc:
        sys.stderr.write(f"macslint: error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:  # `macslint report | head`
        sys.stderr.close()
        return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
