"""One file's analysis: its layer construction sites, and with settings its models built and
traced, reading the project files it imports. The one place that wires the evaluator, the
project loader and the torch tracer together."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import libcst as cst

from .evaluator.interpreter import Interpreter
from .evaluator.positions import LazyPositions
from .project.loader import ProjectLoader, parse_file_source, parse_module
from .project.prefilter import might_construct_layers
from .results.sites import Analysis
from .torchnn.tracer import trace_models


def _disk_file(path: str, file: Optional[Path]) -> Optional[Path]:
    """Where the analysed text is on disk: `file`, else `path` unless it names no file."""
    if file is None and path not in ("<string>", "-", "stdin"):
        return Path(path)
    return file


def analyze_module(module: cst.Module, source: str, settings: Any = None,
                   path: str = "<string>", file: Optional[Path] = None,
                   positions: Any = None) -> Analysis:
    """Sites always; with `settings`, also every model of the file built and traced, reading
    the project files it imports from (when `path` is a file on disk)."""
    if positions is None:
        positions = LazyPositions(module)
    loader = None
    file = _disk_file(path, file)
    not_installed = frozenset(settings.not_installed) if settings is not None else frozenset()
    if settings is not None and file is not None and file.parent.is_dir():
        loader = ProjectLoader(file, not_installed)
    interpreter = Interpreter(module, source, positions, loader=loader, path=file,
                              not_installed=not_installed)
    interpreter.run()
    models: List[Any] = []
    not_built: List[Any] = []
    if settings is not None:
        models, not_built = trace_models(interpreter, settings, path)
    # Tracing may complete a site's arguments (a block built with known values).
    sites = sorted(interpreter.sites.values(), key=lambda s: (s.line, s.col))
    depends_on = tuple(sorted(str(p) for p in loader.consulted)) if loader is not None else ()
    return Analysis(sites, models, not_built, depends_on)


def analyze_source(source: str, settings: Any = None, path: str = "<string>",
                   file: Optional[Path] = None) -> Analysis:
    """Raises libcst.ParserSyntaxError on code libcst cannot parse."""
    if source.startswith("\ufeff"):
        source = source[1:]
    file = _disk_file(path, file)
    might, consulted = might_construct_layers(source, file if settings is not None else None)
    if not might:
        return Analysis([], [], [], consulted)
    if file is not None and settings is not None:
        module, positions = parse_file_source(file, source)
        return analyze_module(module, source, settings, path, file, positions)
    return analyze_module(parse_module(source), source, settings, path, file)
