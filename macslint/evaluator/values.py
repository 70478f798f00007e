"""The evaluator's values that are not Python's own: what it could not compute."""

from __future__ import annotations

from typing import Any

from ..costmodel import UnknownArgument


class Unknown(UnknownArgument):
    """A value the evaluator could not compute; `reason` says why. Anything computed from it is
    unknown too, with the same reason; the cost model reads it as an unresolved argument."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class ProjectModule:
    """The value of `from . import blocks`: a project module whose names are attributes
    (`loaded` is the project loader's LoadedModule: its `names()` and `display`)."""

    def __init__(self, loaded: Any) -> None:
        self.loaded = loaded

    def __repr__(self) -> str:  # in messages: no object address
        return f"<module '{self.loaded.display}'>"
