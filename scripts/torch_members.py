"""Write macslint/torchnn/torch_members.py from the installed torch (a maintainer's script,
run when the pinned torch changes; tests/torchnn/test_torch_members.py checks the file
against torch).

    python scripts/torch_members.py

MEMBERS is a superset of the names any torch.nn module has: every class attribute of the
module classes of torch.nn, every `self.<name> =` in torch/nn, and every name given as a
string to register_buffer/register_parameter/add_module/setattr there (what every nn.Module
has is torchnn.common.MODULE_MEMBERS)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import torch
import torch.nn as nn

TARGET = Path(__file__).resolve().parent.parent / "macslint" / "torchnn" / "torch_members.py"


def torch_module_members() -> set:
    root = Path(nn.__file__).parent
    names: set = set()
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        names |= set(re.findall(r"self\.([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)", text))
        names |= set(re.findall(r"(?:register_buffer|register_parameter|add_module|__setattr__|"
                                r"setattr)\(\s*(?:self\s*,\s*)?['\"](\w+)['\"]", text))
    for value in vars(nn).values():
        if inspect.isclass(value) and issubclass(value, nn.Module):
            names |= set(dir(value))
    return names


def listing(names: set) -> str:
    lines, line = [], "    "
    for name in sorted(names):
        item = f"{name!r}, "
        if len(line) + len(item) > 99:
            lines.append(line.rstrip())
            line = "    "
        line += item
    lines.append(line.rstrip())
    return "\n".join(lines)


def main() -> None:
    version = torch.__version__.split("+")[0]
    TARGET.write_text(f'''"""The attribute names of torch.nn's modules (torch {version}), for `hasattr(module, name)`:
MEMBERS holds every name any torch.nn module has (and more): a name not in it is no torch.nn
module's. Written by scripts/torch_members.py; tests/torchnn/test_torch_members.py checks it.
Data."""

MEMBERS = frozenset({{
{listing(torch_module_members())}
}})
''')


if __name__ == "__main__":
    main()
