"""Libraries the analysed code imports, as plug-ins of the evaluator (astroid's "brains").

The interpreter knows Python; what `import torch` binds, what `nn.Conv2d` is and what a
call of it means when a file is read come from the `Library` registered for the package's
top-level name (macslint.torchnn.names registers torch, macslint.torchnn.einops_library
einops).
What such values do when code runs (building and tracing a model) is the runtime's: see
macslint.torchnn.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .values import Unknown

# top-level package name -> its library; the type of a value a library made -> that library
LIBRARIES: Dict[str, "Library"] = {}
LIBRARY_OF_VALUE: Dict[type, "Library"] = {}


class Library:
    """The evaluator's knowledge of one package. `construct` answers NotImplemented for a
    callee that is not this library's: Python's rules apply."""

    root = ""
    value_types: Tuple[type, ...] = ()  # the values whose attributes it answers
    constructs_layers = False  # calls of its values may build costed layers (torch, einops)

    def module(self, path: str) -> Any:
        """The value `import <path> as m` binds (`import <root>` binds module(root))."""
        raise NotImplementedError

    def star(self, source: str) -> Dict[str, Any]:
        """The names `from <source> import *` binds."""
        return {}

    def attribute(self, base: Any, name: str) -> Any:
        """`base.name` for a value of one of its `value_types`."""
        raise NotImplementedError

    def has_attribute(self, base: Any, name: str) -> Any:
        """`hasattr(base, name)` for a value of one of its `value_types`: True, False, or
        Unknown (the default: not told)."""
        return Unknown(f"hasattr() of a {self.__class__.__name__} value is not modelled")

    def construct(self, interpreter: Any, node: Any, callee: Any, positional: List[Any],
                  keywords: Dict[str, Any], spread: Optional[str]) -> Any:
        """Reading a file: a call this library costs (a layer construction), recorded as a
        site by the interpreter; its value, or NotImplemented."""
        return NotImplemented

    def unresolved_call(self, interpreter: Any, node: Any, callee: Any,
                        positional: List[Any], keywords: Dict[str, Any]) -> None:
        """Reading a file: a call that may be one of this library's but cannot be costed
        (an uncatalogued layer, a name that cannot be told): recorded with the reason."""


def register(library: Library) -> Library:
    LIBRARIES[library.root] = library
    for kind in library.value_types:
        LIBRARY_OF_VALUE[kind] = library
    return library


def library_of(path: str) -> Optional[Library]:
    return LIBRARIES.get(path.split(".", 1)[0])


class AttributeNames:
    """`dir(module)` of a library's module (timm's `'silu' in dir(torch.nn.functional)`):
    only `name in` it is told, by the library (Library.has_attribute)."""

    python_type = "list"

    def __init__(self, library: Library, base: Any) -> None:
        self.library = library
        self.base = base

    def contains(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unknown("`in dir(...)` of a value that is not a known string")
        return self.library.has_attribute(self.base, name)
