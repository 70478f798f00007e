"""What the analysis of a file produces, as plain data: its layer construction sites.

Kept apart from the analyzer (which knows libcst) so that reports, findings and cached
results can be read without importing libcst.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

from ..costmodel import Args, LayerSpec

from ..evaluator.values import Unknown


@dataclass
class LayerSite:
    """One construction of a torch.nn layer in the source."""

    line: int  # 1-based
    col: int  # 0-based, where the call starts
    kind: str  # "Conv2d"
    call_text: str  # "Conv2d(3, 64, 7, stride=2)"
    spec: Optional[LayerSpec]  # None: a torch.nn layer outside the catalogue
    args: Optional[Args] = None  # bound arguments, when binding succeeded
    error: Optional[str] = None  # torch would raise (MAC010)
    unresolved: Optional[str] = None  # why the arguments are not known
    file: Optional[str] = None  # another project file, for a site a model of this one uses
    end_line: Optional[int] = None  # where the call ends (1-based line, 0-based column after it)
    end_col: Optional[int] = None
    # A submodule torch's constructor builds for the module constructed here (a Transformer
    # layer's `self_attn`: "TransformerEncoderLayer.self_attn"): not a construction of the
    # source, placed at the one that builds it.
    part: Optional[str] = None
    # The resolved path of `file` on disk (None with it): the key other files' results use.
    origin: Optional[str] = None


@dataclass
class Analysis:
    sites: List[LayerSite]
    models: List[Any] = field(default_factory=list)  # tracer.ModelTrace, one per model
    not_built: List[Any] = field(default_factory=list)  # results.traces.NotBuilt
    # The other project files the analysis looked for or read, present or not.
    depends_on: Tuple[str, ...] = ()


def first_unknown(value: Any) -> Optional[Unknown]:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (tuple, list, dict)):
        for item in (value.values() if isinstance(value, dict) else value):
            found = first_unknown(item)
            if found is not None:
                return found
    return None
