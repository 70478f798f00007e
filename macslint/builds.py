"""Declared constructions: how to build a model whose constructor needs arguments.

    [tool.macslint.models.unet-small]
    build = "unet.unet_model:UNet(n_channels=3, n_classes=2)"

    class UNet(nn.Module):  # macslint: build=UNet(n_channels=3, n_classes=2)

The text is a Python call expression, evaluated statically (never run) in the scope of the
file that defines its callee, optionally after `module:` naming that file: a dotted module
(`unet.unet_model`) or a path (`unet/unet_model.py`), matched against the end of the checked
file's path. Without it, the expression applies to every checked file that defines the
callee's first name at its top level (a class or function). Pure: no libcst (validation uses
`ast`), so the configuration can check it cheaply.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Optional

from .errors import ConfigError

EXAMPLE = 'build = "unet.unet_model:UNet(n_channels=3, n_classes=2)"'
# `module:` before the expression: a dotted name or a path, then a colon that is not part
# of the expression (a call expression has no top-level colon before its callee).
_MODULE_RE = re.compile(r"^\s*(?P<module>[A-Za-z_][\w.]*|[\w./\\-]+\.py)\s*:(?!=)")


@dataclass(frozen=True)
class Build:
    """One declared construction: the model's label, the file it is evaluated in (None: any
    file defining `callee`), the call expression and the callee's first name."""

    label: str
    module: Optional[str]
    expression: str
    callee: str

    def applies_to(self, path: str) -> bool:
        """Does this construction belong to the file at `path` (as checked)?"""
        if self.module is None:
            return True
        if self.module.endswith(".py"):
            wanted = PurePath(self.module.replace("\\", "/")).parts
        else:
            wanted = tuple(self.module.split("."))
        parts = PurePath(str(path).replace("\\", "/")).parts
        candidates = [wanted[:-1] + (wanted[-1] + ".py",), wanted + ("__init__.py",)] \
            if not self.module.endswith(".py") else [wanted]
        return any(len(parts) >= len(c) and parts[len(parts) - len(c):] == c for c in candidates)


def parse_build(text: object, *, label: str, key: str, source: str) -> Build:
    """Check a declared construction: a string holding `[module:]Callee(arguments)`."""
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{source}: {key} = {text!r}: {problem}; write a call expression "
                           f"like {EXAMPLE}")

    if not isinstance(text, str):
        raise fail(f"not a string ({type(text).__name__})")
    module = None
    expression = text.strip()
    match = _MODULE_RE.match(expression)
    if match is not None:
        module = match["module"]
        expression = expression[match.end():].strip()
    if not expression:
        raise fail("no call expression")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise fail(f"not a Python expression ({exc.msg})") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise fail("not a call (the class or factory and its arguments)")
    root = call.func
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        raise fail("the callee is not a name or a dotted name")
    return Build(label, module, expression, root.id)
