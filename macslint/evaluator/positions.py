"""Node positions of a module: exactly libcst's `PositionProvider`, 7x cheaper.

`MetadataWrapper(module).resolve(PositionProvider)` generates the module's code again and
notes where each node starts and ends. On torchvision/models (61 files) that takes 3.8 s,
more than libcst's parse (1.6 s), though generating the code alone takes 0.4 s: the time
goes to the bookkeeping (a regex split of every token; per node a generator-based context
manager, two frozen `CodePosition`s and a `CodeRange`, hashing by a Python `__hash__`).

Here the same code generation runs with a subclass of the same state whose bookkeeping is
cheap: (line, column) ints, a regex split only for a token with a line break, a table keyed
by `id(node)` whose entry is one int packing the four numbers (entries holding their node cost twice as much,
in the garbage collector; a list keeps the nodes alive, so no id is reused), and a
`CodeRange` built when one is asked for: 0.5 s on the same files. (Aligning `ast` nodes
instead is no cheaper: `ast.parse` alone takes 0.6 s on these files.)

The positions are libcst's by construction, for every node type: 1-based lines, 0-based
columns in code points, a node's own parentheses left out, a decorated definition starting
at `def` or `class`. `node in positions` holds exactly for the nodes of the module. Should
a libcst release add a hook to its position state, or change one so that this fails,
libcst's provider is used instead (counted in `FALLBACKS`); tests/test_positions.py compares
the two on every node of many files, so a release that changes their meaning fails CI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional, Tuple

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import (
    NEWLINE_RE, PositionProvidingCodegenState, WhitespaceInclusivePositionProvidingCodegenState,
)

# (start line, start column, end line, end column) packed into one int, 32 bits each: one
# object per node instead of a tuple and its (mostly large) ints, half the memory.
_Entry = int
_BITS = 32
_MASK = (1 << _BITS) - 1


def _pack(line: int, column: int, end_line: int, end_column: int) -> _Entry:
    return (((line << _BITS | column) << _BITS | end_line) << _BITS) | end_column


def _unpack(entry: _Entry) -> Tuple[int, int, int, int]:
    return (entry >> 3 * _BITS, entry >> 2 * _BITS & _MASK, entry >> _BITS & _MASK,
            entry & _MASK)

# The methods libcst's position state defines: each is overridden below. A method this
# module does not know of may change positions, so then libcst's provider is used.
_HOOKS = {"add_indent_tokens", "add_token", "_update_position", "before_codegen",
          "after_codegen", "record_syntactic_position"}
_FAST = all(name.startswith("__") or name in _HOOKS or not callable(value)
            for cls in (PositionProvidingCodegenState,
                        WhitespaceInclusivePositionProvidingCodegenState)
            for name, value in vars(cls).items())

FALLBACKS = 0  # modules whose positions came from libcst's provider


class _State(PositionProvidingCodegenState):
    """libcst's position state with cheap bookkeeping: results in `computed`."""

    __slots__ = ("computed", "nodes", "marks", "closer")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent,
                         default_newline=module.default_newline, provider=None)
        self.computed: Dict[int, _Entry] = {}
        self.nodes: List[cst.CSTNode] = []  # the nodes of `computed`, kept alive
        self.marks: List[Tuple[Any, Any, Any, int, int]] = []  # open syntactic positions
        self.closer = _Closer(self)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self._stack.pop()
        if id(node) not in self.computed:  # a syntactic position recorded already wins
            self.computed[id(node)] = (((line << _BITS | column) << _BITS | self.line)
                                       << _BITS) | self.column
            self.nodes.append(node)

    def record_syntactic_position(self, node: cst.CSTNode, *,
                                  start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> "_Closer":
        self.marks.append((node, start_node, end_node, self.line, self.column))
        return self.closer


class _Closer:
    """The context manager `record_syntactic_position` returns: one per state, the open
    positions are on the state's stack."""

    __slots__ = ("state",)

    def __init__(self, state: _State) -> None:
        self.state = state

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        state = self.state
        node, start_node, end_node, line, column = state.marks.pop()
        computed = state.computed
        if start_node is not None:
            line, column = _unpack(computed[id(start_node)])[:2]
        end_line, end_column = ((state.line, state.column) if end_node is None
                                else _unpack(computed[id(end_node)])[2:])
        if id(node) not in computed:
            state.nodes.append(node)
        computed[id(node)] = _pack(line, column, end_line, end_column)


def compute(module: cst.Module) -> Tuple[Dict[int, _Entry], List[cst.CSTNode]]:
    """({id(node): (start line, start column, end line, end column)}, the nodes) for every
    node of `module`."""
    global FALLBACKS
    if _FAST:
        try:
            state = _State(module)
            module._codegen(state)
            return state.computed, state.nodes
        except Exception:  # noqa: BLE001 - libcst internals moved: its own provider is exact
            pass
    FALLBACKS += 1
    resolved = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return ({id(node): _pack(r.start.line, r.start.column, r.end.line, r.end.column)
             for node, r in resolved.items()}, list(resolved))


class LazyPositions(Mapping):
    """node -> CodeRange for the nodes of a module, computed on first use (most imported
    modules, helpers and constants, never have one asked for)."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._entries: Optional[Dict[int, _Entry]] = None
        self._nodes: List[cst.CSTNode] = []  # alive as long as the ids in _entries
        self._ranges: Dict[int, CodeRange] = {}  # built so far

    def _computed(self) -> Dict[int, _Entry]:
        if self._entries is None:
            self._entries, self._nodes = compute(self._module)
        return self._entries

    @property
    def computed(self) -> bool:
        """Whether the table exists already (asking `in` of a module whose table does not
        would compute it)."""
        return self._entries is not None

    def __getitem__(self, node: Any) -> CodeRange:
        found = self._ranges.get(id(node))
        if found is None:
            entry = self._computed().get(id(node))
            if entry is None:
                raise KeyError(node)
            line, column, end_line, end_column = _unpack(entry)
            found = self._ranges[id(node)] = CodeRange((line, column), (end_line, end_column))
        return found

    def __contains__(self, node: object) -> bool:
        # Exact: every id in the table is that of a node kept alive, no other object's.
        return id(node) in self._computed()

    def __iter__(self) -> Iterator[Any]:
        self._computed()
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._computed())
