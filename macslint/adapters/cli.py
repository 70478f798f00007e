"""The `macslint` command: `check` (findings, in flake8-style text or a format for review
bots), `report` (what each layer and model costs) and `diff` (cost changes against a git
revision)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .. import __version__
from ..codes import CODES, DEFAULT_DISABLED
from ..baseline import load_baseline, new_findings, write_baseline
from ..cache import DEFAULT_DIR as DEFAULT_CACHE_DIR, ResultCache
from ..config import ConfigError
from ..commands.diff import render as render_diff, run_diff
from ..render.formats import FORMATS, Located, locate, render as render_findings, repository_root
from ..noqa import NoqaFilter
from ..results.report import FileReport, report_json
from ..runner import Run, UsageError, default_jobs, run_files
from ..results.traces import ModelTrace
from ..units import format_count, format_shape

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
    sel.add_argument("--select", metavar="CODES", help="comma-separated code prefixes (default: MAC)")
    sel.add_argument("--ignore", metavar="CODES",
                     help=f"comma-separated code prefixes (default: {','.join(DEFAULT_DISABLED)})")
    sel.add_argument("--extend-select", metavar="CODES", default="")
    sel.add_argument("--extend-ignore", metavar="CODES", default="")
    check.add_argument("--list-codes", action="store_true", help="print the codes and exit")
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
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--model", metavar="NAME",
                        help="show only the model NAME (a class name): its traced layers and totals")

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

    sub.add_parser("lsp", help="a language server over stdio: inlay hints, hovers, code lenses "
                   "and diagnostics in the editor (needs macslint[lsp])",
                   description="Speaks the Language Server Protocol on stdin/stdout, with the "
                   "configuration `macslint check` uses for each file. See docs/editors.md.")
    return parser


def _cache(args: argparse.Namespace) -> Optional[ResultCache]:
    return None if args.no_cache else ResultCache(Path(args.cache_dir))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of processes")
    return value


def _overrides(args: argparse.Namespace) -> Dict[str, object]:
    growth = {key: getattr(args, key, None)
              for key in ("max_model_macs_increase", "max_model_params_increase")}
    return {
        **growth,
        "input_size": args.input_size,
        "batch_size": args.batch_size,
        "max_layer_macs": args.max_layer_macs,
        "max_layer_params": args.max_layer_params,
        "max_model_macs": args.max_model_macs,
        "max_model_params": args.max_model_params,
        "unit": args.unit,
    }


def _codes(text: Optional[str]) -> Optional[List[str]]:
    if text is None:
        return None
    return [c.strip().upper() for c in text.replace(" ", ",").split(",") if c.strip()]


@dataclass
class CodeSelection:
    """flake8's rule: the longest matching prefix decides; an explicit select beats a
    default ignore."""

    select: Optional[List[str]] = None
    ignore: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    extend_ignore: List[str] = field(default_factory=list)

    def enabled(self, code: str) -> bool:
        def longest(prefixes: Sequence[str]) -> int:
            return max((len(p) for p in prefixes if code.startswith(p)), default=-1)

        explicit_select = longest((self.select or []) + self.extend_select)
        select = max(explicit_select, longest(["MAC"] if self.select is None else []))
        explicit_ignore = longest((self.ignore or []) + self.extend_ignore)
        default_ignore = longest(list(DEFAULT_DISABLED) if self.ignore is None else [])
        if select < 0:
            return False
        if explicit_ignore < 0 and (default_ignore < 0 or explicit_select >= 0):
            return True
        return select > max(explicit_ignore, default_ignore)


# ---------------------------------------------------------------------------
# Commands


def cmd_check(args: argparse.Namespace, out) -> int:
    if args.list_codes:
        for code in CODES:
            state = "" if code.default_enabled else " (off by default)"
            out.write(f"{code.code}  {code.title}{state}\n")
        return EXIT_CLEAN
    selection = CodeSelection(_codes(args.select), _codes(args.ignore),
                              _codes(args.extend_select) or [], _codes(args.extend_ignore) or [])
    run = run_files(args.paths, _overrides(args), args.jobs, _cache(args))
    items, baseline_of = [], []
    for result, config in zip(run.results, run.configs):
        noqa = NoqaFilter.for_result(result)
        for finding in result.findings:
            if selection.enabled(finding.code) and not noqa.ignores(finding):
                items.append((finding, result.source))
                baseline_of.append(config.baseline)
    root = repository_root(Path.cwd())
    located = locate(items, root)
    if args.write_baseline is not None:
        file = Path(args.write_baseline)
        try:
            write_baseline(file, located)
        except OSError as exc:
            raise UsageError(f"--write-baseline {file}: {exc.strerror or exc}") from None
        sys.stderr.write(f"macslint: recorded {len(located)} finding"
                         f"{'s' if len(located) != 1 else ''} in {file}\n")
        return _config_errors(run) or EXIT_CLEAN
    located = _without_baseline(located, baseline_of, args.baseline, run)
    report = None
    if args.format == "json":
        reports = [r.report for r in run.results]
        report = report_json(reports, _display_unit(args, reports))
    out.write(render_findings(args.format, located, root=root, files_checked=len(run.results),
                              report=report, errors=run.config_errors))
    return _config_errors(run) or (EXIT_FINDINGS if located else EXIT_CLEAN)


def _display_unit(args: argparse.Namespace, reports: List[FileReport]) -> str:
    """The unit a JSON report is shown in: the flag, else the first file's setting."""
    return args.unit or next((r.settings.unit for r in reports if r.settings), "macs")


def _config_errors(run: Run) -> int:
    for message in run.config_errors:
        sys.stderr.write(f"macslint: error: {message}\n")
    return EXIT_ERROR if run.config_errors else EXIT_CLEAN


def _without_baseline(located: List[Located], baseline_of: List[Optional[Path]],
                      given: Optional[str], run: Run) -> List[Located]:
    """Drop the findings recorded in their baseline: `--baseline FILE` for every file, else
    each file's `baseline` key. A baseline that cannot be read is a usage error."""
    files = [Path(given) if given is not None else b for b in baseline_of]
    if given is None and not any(files):
        return located
    baselines = {}
    for file in {f for f in files if f is not None}:
        origin = "--baseline" if given is not None else _baseline_origin(run, file)
        baselines[file] = load_baseline(file, origin)
    return new_findings(located, baselines, files)


def _baseline_origin(run: Run, file: Path) -> str:
    source = next((c.source for c in run.configs if c.baseline == file), None)
    return f"{source}: baseline" if source is not None else "baseline"


def _count(n: Optional[int]) -> str:
    return "?" if n is None else f"{n:,}"


def _layer_rows(report: FileReport, factor: int) -> List[Tuple[str, ...]]:
    """One table row per layer; `factor` turns MACs into the display unit (2 for FLOPs)."""
    rows = []
    for layer in report.layers:
        shapes = (format_shape(layer.input) if layer.input is not None else "-",
                  format_shape(layer.output) if layer.output is not None else "-")
        cost = None if layer.macs is None else layer.macs * factor
        rows.append((f"{layer.line}:{layer.col}", layer.call, *shapes,
                     _count(layer.params), _count(cost)))
    return rows


def _table(rows: List[Tuple[str, ...]], header: Tuple[str, ...]) -> List[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def render_text(report: FileReport) -> str:
    lines = [report.path]
    settings = report.settings
    if report.error is not None:
        lines.append(f"  error: {report.error}")
        return "\n".join(lines) + "\n"
    if not report.layers:
        lines.append("  no torch.nn layers")
        return "\n".join(lines) + "\n"
    assert settings is not None
    unit = "FLOPs" if settings.unit == "flops" else "MACs"
    factor = 2 if settings.unit == "flops" else 1
    lines.extend(_table(_layer_rows(report, factor),
                        ("line:col", "layer", "input", "output", "params", unit)))
    problems = [l for l in report.layers if not l.resolved]
    if problems:
        lines.append("  not counted:")
        for layer in problems:
            label = "invalid" if layer.error else "unresolved"
            lines.append(f"    {layer.line}:{layer.col} {layer.call}: {label}: {layer.reason}")
    resolved = [l for l in report.layers if l.resolved]  # what the line says it sums
    params = sum(l.params for l in resolved if l.params is not None)
    macs = sum(l.macs for l in resolved if l.macs is not None)
    batch = f", batch {settings.batch_size}" if settings.batch_size != 1 else ""
    lines.append(
        f"  sum of the {len(resolved)} resolved layers, each costed on "
        f"its own at {format_shape(settings.input_size)}{batch}: {format_count(params)} params, "
        f"{format_count(macs * factor)} {unit}"
    )
    lines.append(f"  {report.sites_resolved} of {len(report.layers)} construction sites resolved "
                 f"(all arguments known on some evaluated path)")
    for model in report.models:
        lines.append("")
        lines.extend("  " + line for line in render_model(report.path, model))
    return "\n".join(lines) + "\n"


def _percent(part: Optional[int], total: Optional[int]) -> str:
    if part is None or not total:
        return "-"
    return f"{100 * part / total:.1f}%"


def render_model(path: str, model: ModelTrace) -> List[str]:
    """A torchinfo-like table of one traced model: each layer call in execution order."""
    settings = model.settings
    unit = "FLOPs" if settings.unit == "flops" else "MACs"
    factor = 2 if settings.unit == "flops" else 1
    shape = format_shape(model.input) if model.input is not None else "?"
    lines = [f"{path}:{model.line}:{model.col}: model {model.name} at {shape}"]
    rows = []
    shown: set = set()
    for call in model.calls:
        parts = call.path.split(".")
        for depth in range(1, len(parts)):
            prefix = ".".join(parts[:depth])
            if prefix in shown or prefix not in model.containers:
                continue
            shown.add(prefix)
            kind, params = model.containers[prefix]
            inside = [c.macs for c in model.calls if c.path.startswith(prefix + ".")]
            macs = None if None in inside else sum(inside) * factor
            rows.append(("  " * (depth - 1) + parts[depth - 1], kind, "", "", _count(params),
                         _count(macs), _percent(None if macs is None else macs // factor,
                                                model.macs)))
        depth = call.path.count(".")
        label = "  " * depth + (parts[-1] if call.path else "(not registered)")
        shapes = (format_shape(call.inputs[0]) if call.inputs else "?",
                  format_shape(call.output) if call.output is not None else "?")
        cost = None if call.macs is None else call.macs * factor
        rows.append((label, call.kind, *shapes, _count(call.params), _count(cost),
                     _percent(call.macs, model.macs)))
    for op in model.ops:
        rows.append((f"(line {op.line})", op.op, " & ".join(format_shape(s) for s in op.inputs),
                     format_shape(op.output), "0", _count(op.macs * factor),
                     _percent(op.macs, model.macs)))
    if rows:
        lines.extend(_table(rows, ("module", "layer", "input", "output", "params", unit, "%")))
    macs = None if model.macs is None else model.macs * factor
    lines.append(f"  total: {_count(model.params)} params, {_count(macs)} {unit}"
                 + ("" if model.complete else " (incomplete)"))
    for reason in model.reasons:
        lines.append(f"  incomplete: {reason}")
    untraced = [c for c in model.calls if not c.traced and c.reason]
    for call in untraced:
        lines.append(f"  not traced: {call.site.line}:{call.site.col + 1} {call.site.call_text}: "
                     f"{call.reason}")
    return lines


def cmd_report(args: argparse.Namespace, out) -> int:
    # With --model only that model is traced; the others are traced only to name them when
    # there is no such model.
    run = run_files(args.paths, _overrides(args), args.jobs, _cache(args), args.model)
    reports = [r.report for r in run.results]
    if args.model is not None:
        for report in reports:
            report.models = [m for m in report.models if m.name == args.model]
        if not any(r.models for r in reports) and not run.config_errors:
            every = run_files(args.paths, _overrides(args), args.jobs, _cache(args))
            names = sorted({m.name for r in every.results for m in r.report.models})
            known = f"; models found: {', '.join(names)}" if names else "; no models found"
            raise UsageError(f"no model named {args.model!r} in {' '.join(args.paths)}{known}")
    if args.format == "json":
        json.dump(report_json(reports, _display_unit(args, reports)), out, indent=2)
        out.write("\n")
    elif args.model is not None:
        out.write("\n".join("\n".join(render_model(r.path, m)) + "\n"
                            for r in reports for m in r.models))
    else:
        out.write("\n".join(render_text(r) for r in reports))
    for message in run.config_errors:
        sys.stderr.write(f"macslint: error: {message}\n")
    if run.config_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if any(r.error for r in reports) else EXIT_CLEAN


def cmd_diff(args: argparse.Namespace, out) -> int:
    result = run_diff(args.base, args.paths, _overrides(args), jobs=args.jobs)
    out.write(render_diff(args.format, result))
    for message in result.errors:
        sys.stderr.write(f"macslint: error: {message}\n")
    if result.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


def cmd_verify(args: argparse.Namespace, out) -> int:
    # torch is imported by macslint.verify only, and only here.
    from ..commands.verify import TorchMissing, render as render_verify, run_verify

    try:
        result = run_verify(args.paths, _overrides(args), args.jobs)
    except TorchMissing as exc:
        sys.stderr.write(f"macslint: error: {exc}\n")
        return EXIT_ERROR
    out.write(render_verify(result, args.format))
    for message in result.config_errors:
        sys.stderr.write(f"macslint: error: {message}\n")
    if result.config_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if any(f.disagreements for f in result.files) else EXIT_CLEAN


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

            return serve()
        return cmd_report(args, sys.stdout)
    except (UsageError, ConfigError) as exc:
        sys.stderr.write(f"macslint: error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:  # `macslint report | head`
        sys.stderr.close()
        return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
