"""argparse as configuration: `ArgumentParser()`, `add_argument(...)` (flags, `dest`,
positionals, `action`, `type`, `nargs`, `required`, `default`), argument groups,
`set_defaults`, and `parse_args()` / `parse_known_args()` with no command line given: a
Namespace of the defaults, as a plain run of the script builds it (`type` applied to string
defaults, as argparse does). An argument with no default is unknown, with the reason.
Part of evaluator.record_calls (mixed into the interpreter)."""

from __future__ import annotations

from typing import Any, Dict, List

import libcst as cst

from .records import Argument, Method, Namespace, Parser, ParserGroup, StdName
from .scope import Scope, unbound
from .values import PyBuiltin, Unknown, UserFunction

PARSER_METHODS = frozenset({"add_argument", "add_argument_group", "add_mutually_exclusive_group",
                            "set_defaults", "parse_args", "parse_known_args", "add_subparsers",
                            "get_default", "print_help", "print_usage", "format_help"})
GROUP_METHODS = frozenset({"add_argument", "add_argument_group", "add_mutually_exclusive_group"})
CONVERTERS = {"int": int, "float": float, "str": str, "bool": bool}
# actions -> the default when add_argument gives none (argparse's)
ACTION_DEFAULTS = {"store": None, "store_const": None, "store_true": False,
                   "store_false": True, "append": None, "append_const": None, "extend": None,
                   "count": None}
SUPPRESS = StdName("argparse.SUPPRESS")


class ArgparseCalls:
    """Part of evaluator.record_calls.RecordCalls: argparse's calls and attributes."""

    def argparse_call(self, node: cst.Call, scope: Scope, path: str, positional: List[Any],
                      keywords: Dict[str, Any]) -> Any:
        if path == "argparse.ArgumentParser":
            parser = Parser(keywords.get("argument_default"))
            for parent in keywords.get("parents") or ():
                if isinstance(parent, Parser) and parent.opaque is None:
                    parser.attrs.update(parent.attrs)
                    parser.others.extend(parent.others)
                else:
                    parser.opaque = f"a parent parser of {self.where(node)} is not known"
            return self.made(parser, scope)
        return Unknown(f"`{path}(...)` ({self.place(node)}) is not modelled")

    def parser_attribute(self, node: cst.CSTNode, base: Any, name: str) -> Any:
        if isinstance(base, ParserGroup) and name in GROUP_METHODS:
            return Method(base, name)
        if isinstance(base, Parser):
            if name in PARSER_METHODS:
                return Method(base, name)
            return Unknown(f"`{self.code(node)}` of an ArgumentParser is not modelled")
        return NotImplemented

    def parser_method(self, node: cst.Call, scope: Scope, receiver: Any, name: str,
                      positional: List[Any], keywords: Dict[str, Any]) -> Any:
        if isinstance(receiver, ParserGroup):
            receiver = receiver.parser
        if not isinstance(receiver, Parser):
            return NotImplemented
        parser = receiver
        if name in ("add_argument_group", "add_mutually_exclusive_group"):
            return ParserGroup(parser)
        if name in ("print_help", "print_usage"):
            return None
        if parser.opaque is not None:
            return Unknown(parser.opaque)
        if name == "add_argument":
            self.add_argument(node, scope, parser, positional, keywords)
            return None
        if name == "set_defaults" and not positional:
            for dest, value in keywords.items():
                old = parser.attrs.get(dest)
                text = old.text if isinstance(old, Argument) else f"`{dest}`"
                default = value
                if isinstance(old, Argument) and isinstance(old.default, Unknown) \
                        and "has no default" in old.default.reason:
                    default = old.default  # still required on the command line
                self.parser_write(parser, dest, Argument(dest, default, text), node, scope)
            return None
        if name == "add_subparsers":
            self.parser_note(parser, f"an attribute may be set by a subcommand "
                             f"({self.where(node)})", node, scope)
            if isinstance(keywords.get("dest"), str):
                self.parser_write(parser, keywords["dest"],
                                  Argument(keywords["dest"], None, "the subcommand"), node, scope)
            return Unknown(f"the subcommands of {self.where(node)} are not modelled")
        if name == "get_default" and len(positional) == 1 and isinstance(positional[0], str):
            entry = parser.attrs.get(positional[0])
            return entry.default if isinstance(entry, Argument) else Unknown(
                f"{self.where(node)} is not known")
        if name in ("parse_args", "parse_known_args"):
            given = positional[0] if positional else keywords.get("args")
            if set(keywords) - {"args"} or len(positional) > 1 or given not in (None, []):
                return Unknown(f"{self.where(node)} parses a command line given in the code, "
                               f"which is not modelled")
            namespace = self.parsed(parser, node, scope)
            return (namespace, []) if name == "parse_known_args" else namespace
        return Unknown(f"{self.where(node)} is not modelled")

    def parsed(self, parser: Parser, node: cst.CSTNode, scope: Scope) -> Any:
        """The Namespace `parse_args()` returns on an empty command line."""
        attrs: Dict[str, Any] = {}
        for dest, entry in parser.attrs.items():
            if isinstance(entry, Argument):
                if entry.default is not SUPPRESS:
                    attrs[dest] = entry.default
            else:  # a merge of branches that added different arguments
                attrs[dest] = entry if isinstance(entry, Unknown) else Unknown(
                    f"the argument `{dest}` is not known")
        missing = "; ".join(parser.others) if parser.others else None
        return self.made(Namespace("Namespace", attrs, missing), scope)

    def parser_note(self, parser: Parser, reason: str, node: cst.CSTNode, scope: Scope) -> None:
        if self.skipping or self.after_module(parser):
            return
        if reason not in parser.others:
            parser.others.append(reason)

    def parser_write(self, parser: Parser, dest: str, entry: Argument, node: cst.CSTNode,
                     scope: Scope) -> None:
        """Add (or change) an argument: certain where the parser was made, else its default is
        not known (reading a file); running, as any attribute (branches merge)."""
        if self.policy.runs:
            if self.uncertain or self.forks:
                entry = Argument(dest, Unknown(f"{entry.text} is added under a condition or in "
                                               f"a loop ({self.place(node)})"), entry.text)
            self.write(parser.attrs, dest, entry, f"the argument {entry.text}")
            return
        if self.skipping or self.after_module(parser):
            return
        if scope is not parser.home or (self.uncertain, self.skipping) != parser.levels:
            entry = Argument(dest, Unknown(f"{entry.text} is added under a condition or in a "
                                           f"loop ({self.place(node)})"), entry.text)
        parser.attrs[dest] = entry

    def add_argument(self, node: cst.Call, scope: Scope, parser: Parser, positional: List[Any],
                     keywords: Dict[str, Any]) -> None:
        names = positional
        if not names or not all(isinstance(n, str) and n for n in names):
            self.parser_note(parser, f"{self.where(node)} adds an argument whose name is not "
                             f"known", node, scope)
            return
        optional = names[0].startswith("-")
        if optional:
            long = next((n for n in names if n.startswith("--")), names[0])
            dest = keywords.get("dest", long.lstrip("-").replace("-", "_"))
        else:
            dest = names[0]
        text = f"`{long if optional else names[0]}`"
        if not isinstance(dest, str):
            self.parser_note(parser, f"{self.where(node)} adds an argument whose `dest` is not "
                             f"known", node, scope)
            return
        action = keywords.get("action", "store")
        nargs = keywords.get("nargs")
        if action in ("help", "version"):
            return
        if isinstance(action, str) and action in ACTION_DEFAULTS:
            implicit = ACTION_DEFAULTS[action]
        elif action == StdName("argparse.BooleanOptionalAction"):
            implicit = None
        else:
            reason = f"{text} has an action macslint does not model ({self.where(node)})"
            self.parser_write(parser, dest, Argument(dest, Unknown(reason), text), node, scope)
            return
        required = keywords.get("required", False) if optional else \
            nargs not in ("?", "*", "...")
        if isinstance(required, Unknown) or required is not False and not isinstance(required, bool):
            default: Any = Unknown(f"whether {text} is required is not known ({self.place(node)})")
        elif required:
            default = Unknown(f"{text} has no default: it must be given on the command line "
                              f"({self.place(node)})")
        elif "default" in keywords:
            default = self.typed_default(node, scope, text, keywords["default"],
                                         keywords.get("type"))
        elif parser.argument_default is not None:
            default = self.typed_default(node, scope, text, parser.argument_default,
                                         keywords.get("type"))
        elif not optional and nargs in ("*", "..."):
            default = []
        else:
            default = implicit
        self.parser_write(parser, dest, Argument(dest, default, text), node, scope)

    def typed_default(self, node: cst.Call, scope: Scope, text: str, default: Any,
                      kind: Any) -> Any:
        """argparse applies `type` to a default that is a string."""
        if not isinstance(default, str) or kind is None:
            return default
        converter = self.converter(node, scope, kind)
        if converter is None:
            if self.policy.runs and isinstance(kind, UserFunction):
                return self.call_function(kind, [default], {})  # type: ignore[attr-defined]
            return Unknown(f"the `type` of {text} is not known ({self.place(node)})")
        try:
            return converter(default)
        except (ArithmeticError, ValueError) as exc:
            return Unknown(f"the default of {text} is not a valid value: {type(exc).__name__} "
                           f"({self.place(node)})")

    def converter(self, node: cst.Call, scope: Scope, kind: Any) -> Any:
        if isinstance(kind, PyBuiltin) and kind.name in CONVERTERS:
            return CONVERTERS[kind.name]
        expr = next((a.value for a in node.args if a.keyword is not None
                     and a.keyword.value == "type"), None)
        if isinstance(expr, cst.Name) and expr.value in CONVERTERS and unbound(scope, expr.value):
            return CONVERTERS[expr.value]
        return None
