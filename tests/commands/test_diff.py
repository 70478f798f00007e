"""`macslint diff --base REV` on real throwaway git repositories, with PyTorch as the oracle.

Each test builds a git repository under tmp_path (commits made with `git -c user.*`, the user's
own git configuration shut out), changes models between revisions and in the working tree, and
runs `macslint.adapters.cli.main(["diff", ...])` from inside it. The numbers macslint prints for BOTH
revisions are checked against torch running that revision's source:

* the source of each revision is written to a temporary module and imported; each model class
  is built without arguments (eval mode) and run on zeros of the configured input size, batch 1;
* params = sum of numel over `model.parameters()` (shared modules counted once);
* MACs = `FlopCounterMode` flops of the whole forward // 2;
* layers = leaf torch.nn modules, by the path `named_modules()` gives them: class name, shape of
  the first call's input and output (no batch), params, MACs summed over the calls (each call
  measured on its own with FlopCounterMode) and the number of calls.

The expected layer changes are derived from the two torch layer tables (a path only before:
removed; only after: added; both but different: changed), in macslint's order (the base's
call order, then the new paths).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
import torch
from markdown_it import MarkdownIt
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.adapters.cli import main
from macslint.units import format_count, format_shape
from tests.helpers import HANG_SECONDS

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
Shape = Tuple[int, ...]

# --------------------------------------------------------------------------- git


def _git_env() -> Dict[str, str]:
    env = dict(os.environ)
    for key in list(env):
        # inside a git hook (pre-commit) these point at the outer repository
        if key.startswith("GIT_") and key not in ("GIT_CEILING_DIRECTORIES",):
            del env[key]
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
               GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    return env


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=test@example.com", "-c", "user.name=macslint tests",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo, env=_git_env(), capture_output=True, text=True, timeout=HANG_SECONDS)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def write(repo: Path, files: Dict[str, Optional[str]]) -> None:
    """Write (or, for None, delete) files relative to the repository."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def new_repo(path: Path, files: Dict[str, Optional[str]]) -> Tuple[Path, str]:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    write(path, files)
    return path, commit(path, "base")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """macslint's own git calls: no outer repository, no user configuration."""
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def macslint_diff(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, cwd: Path,
                  *args: str) -> Tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def diff_json(monkeypatch, capsys, cwd: Path, *args: str, expect: int = 0) -> Dict[str, Any]:
    code, out, err = macslint_diff(monkeypatch, capsys, cwd, *args, "--format", "json")
    assert code == expect, f"exit {code}, expected {expect}:\n{err}\n{out}"
    data = json.loads(out)
    assert data["schema"] == 1
    return data


def by_name(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    models = {m["name"]: m for m in data["models"]}
    assert len(models) == len(data["models"]), [m["name"] for m in data["models"]]
    return models


# --------------------------------------------------------------------------- the torch side


@dataclass(frozen=True)
class TorchLayer:
    kind: str
    params: int
    macs: int
    calls: int
    input: Shape
    output: Shape


@dataclass(frozen=True)
class TorchModel:
    params: int
    macs: int
    layers: Dict[str, TorchLayer]  # in first-call order


_MODULES: Dict[str, Any] = {}


def load_source(source: str, tmp: Path) -> Any:
    """Import a revision's source as a fresh module (once per distinct text)."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    if digest not in _MODULES:
        path = tmp / f"_macslint_diff_rev_{digest}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            spec.loader.exec_module(module)
        finally:
            sys.dont_write_bytecode = before
        _MODULES[digest] = module
    return _MODULES[digest]


def _count_macs(fn, *args: Any) -> int:
    with FlopCounterMode(display=False) as counter:
        fn(*args)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


def _is_layer(module: nn.Module) -> bool:
    return next(module.children(), None) is None and not isinstance(module, CONTAINERS)


_MEASURED: Dict[Tuple[str, str, Shape], TorchModel] = {}


def measure(source: str, name: str, input_size: Sequence[int], tmp: Path) -> TorchModel:
    """What torch says model `name` of `source` costs at `input_size` (no batch; batch 1)."""
    key = (source, name, tuple(input_size))
    if key in _MEASURED:
        return _MEASURED[key]
    torch.manual_seed(0)
    model = getattr(load_source(source, tmp), name)().eval()
    names: Dict[nn.Module, str] = {}
    for path, module in model.named_modules():
        names.setdefault(module, path)
    calls: List[Tuple[nn.Module, Tuple[torch.Tensor, ...], Shape]] = []

    def hook(module: nn.Module, args: Tuple[Any, ...], output: torch.Tensor) -> None:
        calls.append((module, tuple(torch.zeros(a.shape, dtype=a.dtype) for a in args),
                      tuple(output.shape[1:])))

    handles = [m.register_forward_hook(hook) for m in model.modules() if _is_layer(m)]
    try:
        with torch.no_grad():
            macs = _count_macs(model, torch.zeros((1, *input_size)))
    finally:
        for handle in handles:
            handle.remove()
    layers: Dict[str, TorchLayer] = {}
    with torch.no_grad():
        for module, args, out_shape in calls:
            path = names[module]
            call_macs = _count_macs(module, *args)
            known = layers.get(path)
            if known is None:
                layers[path] = TorchLayer(type(module).__name__,
                                          sum(p.numel() for p in module.parameters()),
                                          call_macs, 1, tuple(args[0].shape[1:]), out_shape)
            else:
                layers[path] = TorchLayer(known.kind, known.params, known.macs + call_macs,
                                          known.calls + 1, known.input, known.output)
    measured = TorchModel(sum(p.numel() for p in model.parameters()), macs, layers)
    _MEASURED[key] = measured
    return measured


def torch_children(source: str, name: str, input_size: Sequence[int], tmp: Path
                   ) -> Dict[str, Tuple[int, int]]:
    """Each child module of model `name`: (params, MACs), as FlopCounterMode attributes them
    (a container never called: its children's)."""
    model = getattr(load_source(source, tmp), name)().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros((1, *input_size)))
    counts = {key: sum(v.values()) // 2 for key, v in counter.get_flop_counts().items()}
    root = type(model).__name__

    def macs(key: str, module: nn.Module) -> int:
        if key in counts:
            return counts[key]
        return sum(macs(f"{key}.{child}", sub) for child, sub in module.named_children())

    return {child: (sum(p.numel() for p in sub.parameters()), macs(f"{root}.{child}", sub))
            for child, sub in model.named_children()}


def layer_json(layer: TorchLayer) -> Dict[str, Any]:
    return {"kind": layer.kind, "params": layer.params, "macs": layer.macs, "calls": layer.calls,
            "input": list(layer.input), "output": list(layer.output)}


def expected_layers(before: Optional[TorchModel], after: Optional[TorchModel]) -> List[Dict[str, Any]]:
    if before is None or after is None:
        return []
    out = []
    for path, old in before.layers.items():
        new = after.layers.get(path)
        if new is None:
            out.append({"path": path, "status": "removed", "before": layer_json(old), "after": None})
        elif new != old:
            out.append({"path": path, "status": "changed", "before": layer_json(old),
                        "after": layer_json(new)})
    for path, new in after.layers.items():
        if path not in before.layers:
            out.append({"path": path, "status": "added", "before": None, "after": layer_json(new)})
    return out


def check_against_torch(entry: Dict[str, Any], before: Optional[TorchModel],
                        after: Optional[TorchModel]) -> None:
    """One `models[]` entry of the JSON: totals, change, percents and layers as torch says."""
    where = f"{entry['status']} model {entry['name']}"
    for side, measured in (("before", before), ("after", after)):
        if measured is None:
            assert entry[side] is None, where
        else:
            assert entry[side]["complete"] is True, (where, entry[side]["reason"])
            assert (entry[side]["params"], entry[side]["macs"]) == (measured.params, measured.macs), \
                f"{where}: {side}"
    change = entry["change"]
    if before is None or after is None:
        assert change == {"params": None, "macs": None, "params_percent": None,
                          "macs_percent": None}, where
    else:
        assert change["params"] == after.params - before.params, where
        assert change["macs"] == after.macs - before.macs, where
        assert change["params_percent"] == pytest.approx(
            100 * (after.params - before.params) / before.params, rel=1e-12), where
        assert change["macs_percent"] == pytest.approx(
            100 * (after.macs - before.macs) / before.macs, rel=1e-12), where
    assert entry["layers"] == expected_layers(before, after), where


# --------------------------------------------------------------------------- model sources

HEADER = "import torch\nimport torch.nn as nn\n\n\n"


def grow_conv(channels: int) -> str:
    return f'''class GrowConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, {channels}, 3, padding=1)
        self.bn = nn.BatchNorm2d({channels})
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear({channels}, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(x, 1))
'''


def grow_fc(extra: bool) -> str:
    return f'''class GrowFc(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 4, stride=4)
        self.fc = nn.Linear(256, 32)
        self.shared = nn.Linear(32, 32)
{"        self.extra = nn.Linear(32, 32)" if extra else ""}
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.flatten(self.stem(x), 1)
        x = self.shared(self.shared(self.fc(x)))
{"        x = self.extra(self.shared(x))" if extra else ""}
        return self.head(x)
'''


SHRINK_BEFORE = '''class Shrink(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(32, 10)
        self.aux = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.flatten(self.pool(self.features(x)), 1)
        return self.head(x) + self.aux(x)
'''

SHRINK_AFTER = '''class Shrink(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.flatten(self.pool(self.features(x)), 1)
        return self.head(x)
'''

STABLE = '''class Stable(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(6 * 14 * 14, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.body(x), 1))
'''


def renamable(name: str) -> str:
    return f'''class {name}(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 12, 3, stride=2, padding=1)
        self.fc = nn.Linear(12 * 16 * 16, 5)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))
'''


def linear_model(name: str, out: int, pragma: str = "") -> str:
    return f'''class {name}(nn.Module):{pragma}
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, {out})

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))
'''


def conv_model(name: str, channels: int, kernel: int = 3) -> str:
    return f'''class {name}(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, {channels}, {kernel}, padding={kernel // 2})
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear({channels} * 16 * 16, 4)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))
'''


def module(*classes: str) -> str:
    return HEADER + "\n\n".join(classes)


PYPROJECT = "[tool.macslint]\ninput-size = [3, 32, 32]\n"
INPUT = (3, 32, 32)

# The base commit, the commit after it and the (dirty) working tree on top of that.
REV1: Dict[str, Optional[str]] = {
    "pyproject.toml": PYPROJECT,
    "nets/vision.py": module(grow_conv(8), grow_fc(False), SHRINK_BEFORE, STABLE),
    "nets/rename.py": module(renamable("OldName"), linear_model("Companion", 7)),
    "nets/mover.py": module(conv_model("Mover", 5), linear_model("Remain", 3)),
    "nets/gone.py": module(conv_model("Gone", 6)),
    "nets/partial.py": module(conv_model("Kept", 8), linear_model("Dropped", 9)),
    "top.py": module(conv_model("Top", 3)),  # outside nets/
    "README.md": "not python\n",
}
REV2: Dict[str, Optional[str]] = {
    **REV1,
    "nets/vision.py": module(grow_conv(16), grow_fc(True), SHRINK_AFTER, STABLE),
    "nets/rename.py": module(renamable("NewName"), linear_model("Companion", 7)),
    "nets/mover.py": module(linear_model("Remain", 3)),
    "nets/dest.py": module(conv_model("Mover", 5)),
    "nets/gone.py": None,
    "nets/partial.py": module(conv_model("Kept", 8)),
    "nets/added.py": module(conv_model("Fresh", 4, 5)),
}
DIRTY: Dict[str, Optional[str]] = {
    "nets/partial.py": module(conv_model("Kept", 11)),  # not committed
    "nets/untracked.py": module(linear_model("Newbie", 2)),  # not even added
}
WORKTREE: Dict[str, Optional[str]] = {**REV2, **DIRTY}

# model -> file, on each side
FILES1 = {"GrowConv": "nets/vision.py", "GrowFc": "nets/vision.py", "Shrink": "nets/vision.py",
          "Stable": "nets/vision.py", "OldName": "nets/rename.py", "Companion": "nets/rename.py",
          "Mover": "nets/mover.py", "Remain": "nets/mover.py", "Gone": "nets/gone.py",
          "Kept": "nets/partial.py", "Dropped": "nets/partial.py", "Top": "top.py"}
FILES_WT = {"GrowConv": "nets/vision.py", "GrowFc": "nets/vision.py", "Shrink": "nets/vision.py",
            "Stable": "nets/vision.py", "NewName": "nets/rename.py", "Companion": "nets/rename.py",
            "Mover": "nets/dest.py", "Remain": "nets/mover.py", "Kept": "nets/partial.py",
            "Fresh": "nets/added.py", "Newbie": "nets/untracked.py", "Top": "top.py"}
# model in the working tree -> (status against REV1, its name at REV1)
EXPECTED_VS_REV1 = {
    "GrowConv": ("changed", "GrowConv"), "GrowFc": ("changed", "GrowFc"),
    "Shrink": ("changed", "Shrink"), "Stable": ("unchanged", "Stable"),
    "NewName": ("renamed", "OldName"), "Companion": ("unchanged", "Companion"),
    "Mover": ("renamed", "Mover"), "Remain": ("unchanged", "Remain"),
    "Gone": ("removed", "Gone"), "Dropped": ("removed", "Dropped"),
    "Kept": ("changed", "Kept"), "Fresh": ("added", None), "Newbie": ("added", None),
    "Top": ("unchanged", "Top"),
}


@dataclass
class Scenario:
    repo: Path
    rev1: str
    rev2: str
    tmp: Path  # for the torch modules


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("diff")
    repo, rev1 = new_repo(root / "repo", REV1)
    write(repo, REV2)
    rev2 = commit(repo, "grow, shrink, rename, move, delete, add")
    write(repo, DIRTY)
    status = git(repo, "status", "--porcelain")
    assert " M nets/partial.py" in status and "?? nets/untracked.py" in status, status
    (root / "torch").mkdir()
    return Scenario(repo, rev1, rev2, root / "torch")


def torch_side(files: Dict[str, Optional[str]], names: Dict[str, str], name: Optional[str],
               tmp: Path, input_size: Sequence[int] = INPUT) -> Optional[TorchModel]:
    if name is None or name not in names:
        return None
    source = files[names[name]]
    assert source is not None
    return measure(source, name, input_size, tmp)


# --------------------------------------------------------------------------- the main scenario


def test_statuses_and_numbers_match_torch_for_both_revisions(scenario, monkeypatch, capsys):
    data = diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1)
    assert data["base"] == scenario.rev1 and data["base_commit"] == scenario.rev1
    assert data["findings"] == [] and data["unchecked"] == [] and data["errors"] == []
    models = by_name(data)
    assert {name: m["status"] for name, m in models.items()} == \
        {name: status for name, (status, _) in EXPECTED_VS_REV1.items()}
    for name, (status, old_name) in EXPECTED_VS_REV1.items():
        entry = models[name]
        if status == "removed":
            old_name, name_after = name, None
        else:
            name_after = name
        before = torch_side(REV1, FILES1, old_name, scenario.tmp)
        after = torch_side(WORKTREE, FILES_WT, name_after, scenario.tmp)
        check_against_torch(entry, before, after)
        if before is not None:
            assert entry["before"]["name"] == old_name
            assert entry["before"]["path"] == "./" + FILES1[old_name]
            assert entry["before"]["input"] == list(INPUT)
        if after is not None:
            assert entry["after"]["path"] == entry["path"] == "./" + FILES_WT[name]
            assert entry["after"]["input"] == list(INPUT)
    # the renamed class and the moved file are paired, not added + removed
    assert models["NewName"]["before"]["name"] == "OldName"
    assert models["Mover"]["before"]["path"] == "./nets/mover.py"
    assert models["Mover"]["after"]["path"] == "./nets/dest.py"


def test_layers_added_removed_changed_by_module_path(scenario, monkeypatch, capsys):
    models = by_name(diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1))
    grow_fc_before = measure(REV1["nets/vision.py"], "GrowFc", INPUT, scenario.tmp).layers
    grow_fc_after = measure(WORKTREE["nets/vision.py"], "GrowFc", INPUT, scenario.tmp).layers
    shrink_before = measure(REV1["nets/vision.py"], "Shrink", INPUT, scenario.tmp).layers
    # spelled out once, besides the generic comparison with torch above
    statuses = {name: {layer["path"]: layer["status"] for layer in models[name]["layers"]}
                for name in ("GrowConv", "GrowFc", "Shrink", "Kept", "Stable", "NewName", "Mover")}
    assert statuses["GrowConv"] == {"conv": "changed", "bn": "changed", "pool": "changed",
                                    "fc": "changed"}
    assert statuses["GrowFc"] == {"shared": "changed", "extra": "added"}
    assert statuses["Shrink"] == {"features.0": "changed", "features.1": "changed",
                                  "features.2": "changed", "features.3": "removed",
                                  "features.4": "removed", "pool": "changed", "head": "changed",
                                  "aux": "removed"}
    assert statuses["Kept"] == {"conv": "changed", "pool": "changed", "fc": "changed"}
    assert statuses["Stable"] == statuses["NewName"] == statuses["Mover"] == {}
    # a module called twice, then three times (torch's hooks count the calls): one entry, its
    # calls counted, its MACs summed
    shared = models["GrowFc"]["layers"][0]
    old, new = grow_fc_before["shared"], grow_fc_after["shared"]
    assert (old.calls, new.calls) == (2, 3)  # the calls written in the two sources
    assert (shared["path"], shared["before"]["calls"], shared["after"]["calls"]) == ("shared", old.calls, new.calls)
    assert (shared["before"]["macs"], shared["after"]["macs"]) == (old.macs, new.macs)
    assert shared["before"]["params"] == shared["after"]["params"] == old.params == new.params
    extra = models["GrowFc"]["layers"][1]
    assert extra["after"] == layer_json(grow_fc_after["extra"])
    aux = [layer for layer in models["Shrink"]["layers"] if layer["path"] == "aux"][0]
    assert aux["before"]["params"] == shrink_before["aux"].params and aux["after"] is None


def test_against_the_last_commit_only_the_dirty_tree_counts(scenario, monkeypatch, capsys):
    data = diff_json(monkeypatch, capsys, scenario.repo, "--base", "HEAD")
    assert data["base_commit"] == scenario.rev2
    models = by_name(data)
    expected = {name: "unchanged" for name in FILES_WT}
    expected.update(Kept="changed", Newbie="added")
    assert {name: m["status"] for name, m in models.items()} == expected
    check_against_torch(models["Kept"], measure(REV2["nets/partial.py"], "Kept", INPUT, scenario.tmp),
                        measure(WORKTREE["nets/partial.py"], "Kept", INPUT, scenario.tmp))
    check_against_torch(models["Newbie"], None,
                        measure(WORKTREE["nets/untracked.py"], "Newbie", INPUT, scenario.tmp))
    for name in FILES_WT:
        if expected[name] == "unchanged":
            same = measure(WORKTREE[FILES_WT[name]], name, INPUT, scenario.tmp)
            check_against_torch(models[name], same, same)
    # the working tree itself was neither checked out nor touched
    assert git(scenario.repo, "status", "--porcelain").splitlines() == \
        [" M nets/partial.py", "?? nets/untracked.py"]


def test_worst_regression_first(scenario, monkeypatch, capsys):
    data = diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1)
    statuses = [m["status"] for m in data["models"]]
    # changed and renamed (or moved) models are ranked together: a moved model that grew
    # is as much a regression
    rank = {"changed": 0, "renamed": 0, "added": 1, "removed": 2, "not compared": 3,
            "unchanged": 4}
    assert statuses == sorted(statuses, key=rank.get)
    compared = [m for m in data["models"] if rank[m["status"]] == 0]
    growth = {}
    for m in compared:
        old = m["before"]["name"]
        before = measure(REV1[FILES1[old]], old, INPUT, scenario.tmp)
        after = measure(WORKTREE[FILES_WT[m["name"]]], m["name"], INPUT, scenario.tmp)
        growth[m["name"]] = Fraction(after.macs - before.macs, before.macs)
    assert len(set(growth.values())) >= 3  # a real ordering to check
    assert sum(g > 0 for g in growth.values()) >= 2
    assert {m["status"] for m in compared} == {"changed", "renamed"}
    order = [growth[m["name"]] for m in compared]
    assert order == sorted(order, reverse=True)
    assert compared[-1]["name"] == "Shrink"  # the only one that got cheaper


TWO_LINEARS = '''class {name}(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(64, {width}, bias=False)
        self.b = nn.Linear({width}, {out}, bias=False)

    def forward(self, x):
        return self.b(self.a(x))
'''


def test_a_rename_is_only_claimed_when_every_layer_costs_the_same(tmp_path, monkeypatch, capsys):
    alpha = module(TWO_LINEARS.format(name="Alpha", width=4, out=32))
    beta = module(TWO_LINEARS.format(name="Beta", width=2, out=128))
    gamma = module(TWO_LINEARS.format(name="Gamma", width=4, out=32))
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": "[tool.macslint]\ninput-size = [64]\n",
                                        "a.py": alpha})
    write(repo, {"a.py": beta})
    before, after = measure(alpha, "Alpha", (64,), tmp_path), measure(beta, "Beta", (64,), tmp_path)
    # the same totals and layer names, but not the same layers: a model removed, another added
    assert (before.params, before.macs) == (after.params, after.macs)
    assert before.layers != after.layers
    models = by_name(diff_json(monkeypatch, capsys, repo, "--base", "HEAD"))
    assert {n: m["status"] for n, m in models.items()} == {"Alpha": "removed", "Beta": "added"}
    check_against_torch(models["Beta"], None, after)
    check_against_torch(models["Alpha"], before, None)
    write(repo, {"a.py": gamma})
    models = by_name(diff_json(monkeypatch, capsys, repo, "--base", "HEAD"))
    assert {n: m["status"] for n, m in models.items()} == {"Gamma": "renamed"}
    assert models["Gamma"]["before"]["name"] == "Alpha"


# --------------------------------------------------------------------------- markdown and text


def _table_after(lines: List[str], start: int) -> Tuple[List[str], List[List[str]], int]:
    """The first table at or after line `start`: header cells, rows of cells, next line."""
    i = start
    while not lines[i].startswith("|"):
        i += 1
    split = lambda line: [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]  # noqa: E731
    header = split(lines[i])
    assert re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|)+", lines[i + 1]), lines[i + 1]
    assert len(split(lines[i + 1])) == len(header)
    rows, i = [], i + 2
    while i < len(lines) and lines[i].startswith("|"):
        row = split(lines[i])
        assert len(row) == len(header), lines[i]
        rows.append(row)
        i += 1
    return header, rows, i


def _n(cell: str) -> int:
    return int(cell.replace(",", ""))


def test_markdown_pr_comment(scenario, monkeypatch, capsys):
    code, out, err = macslint_diff(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1,
                                   "--format", "markdown")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"## macslint: model costs against `{scenario.rev1}` ({scenario.rev1[:12]})"
    headings = [(i, line) for i, line in enumerate(lines) if line.startswith("### ")]
    heading = re.compile(r"### `(?P<title>[^`]+)` \((?P<status>[a-z ]+)\) in `(?P<path>[^`]+)`")
    sections = []
    for i, line in headings:
        match = heading.fullmatch(line)
        assert match, line
        sections.append((i, match["title"], match["status"], match["path"]))
    json_order = [m for m in diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1)
                  ["models"] if m["status"] != "unchanged"]
    assert [(s[2], s[3]) for s in sections] == [(m["status"], m["path"]) for m in json_order]
    titles = [s[1] for s in sections]
    # worst regression first, moved and renamed models ranked with the changed ones (Mover
    # grew; NewName did not; Shrink got cheaper)
    assert titles[:6] == ["GrowConv", "Kept", "GrowFc", "Mover (moved from ./nets/mover.py)",
                          "NewName (renamed from OldName)", "Shrink"]
    assert "NewName (renamed from OldName)" in titles
    assert "Mover (moved from ./nets/mover.py)" in titles
    for i, title, status, _ in sections:
        name = title.split(" ")[0]
        old_name = "OldName" if name == "NewName" else name
        before = None if status == "added" else measure(REV1[FILES1[old_name]], old_name, INPUT, scenario.tmp)
        after = None if status == "removed" else measure(WORKTREE[FILES_WT[name]], name, INPUT, scenario.tmp)
        header, rows, end = _table_after(lines, i)
        assert header == ["", "before", "after", "change"]
        assert [r[0] for r in rows] == ["params", "MACs"]
        for row, field in zip(rows, ("params", "macs")):
            old = getattr(before, field) if before else None
            new = getattr(after, field) if after else None
            assert row[1] == ("-" if old is None else f"{old:,}")
            assert row[2] == ("-" if new is None else f"{new:,}")
            if old is None:
                assert row[3] == "new"
            elif new is None:
                assert row[3] == "removed"
            else:
                pct = f" ({100 * (new - old) / old:+.1f}%)"
                assert row[3] == f"{new - old:+,}{pct}"
        if status in ("changed",):
            assert before is not None and after is not None
            layer_header, layer_rows, _ = _table_after(lines, end)
            assert layer_header == ["layer", "", "before", "after", "params", "MACs"]
            expected = expected_layers(before, after)
            assert [r[0] for r in layer_rows] == [f"`{e['path']}`" for e in expected]
            assert [r[1] for r in layer_rows] == [e["status"] for e in expected]
            for row, e in zip(layer_rows, expected):
                for cell, field in ((row[4], "params"), (row[5], "macs")):
                    old = e["before"][field] if e["before"] else None
                    new = e["after"][field] if e["after"] else None
                    if old is None:
                        assert _n(cell) == new
                    elif new is None:
                        assert cell == f"~~{old:,}~~"
                    elif old == new:
                        assert _n(cell) == new
                    else:
                        assert [_n(c) for c in cell.split(" → ")] == [old, new]
        if name == "Shrink":  # modules holding others: where the cost went, one level down
            _, _, after_layers = _table_after(lines, end)
            module_header, module_rows, _ = _table_after(lines, after_layers)
            assert module_header == ["module", "", "params", "MACs"]
            old = torch_children(REV1[FILES1[name]], name, INPUT, scenario.tmp)
            new = torch_children(WORKTREE[FILES_WT[name]], name, INPUT, scenario.tmp)
            assert [r[0] for r in module_rows] == [f"`{c}`" for c in [*new, *(
                c for c in old if c not in new)]]
            for row in module_rows:
                child = row[0].strip("`")
                for cell, index in ((row[2], 0), (row[3], 1)):
                    if child not in new:
                        assert cell == f"~~{old[child][index]:,}~~"
                    elif old[child][index] == new[child][index]:
                        assert _n(cell) == new[child][index]
                    else:
                        assert [_n(c) for c in cell.split(" → ")] == [
                            old[child][index], new[child][index]]
    # unchanged models: folded away, in a table of their own
    start = lines.index("<details><summary>4 unchanged models</summary>")
    end = lines.index("</details>")
    assert start > headings[-1][0]
    header, rows, stop = _table_after(lines, start)
    assert stop <= end
    assert header == ["model", "file", "params", "MACs"]
    assert sorted(r[0] for r in rows) == ["`Companion`", "`Remain`", "`Stable`", "`Top`"]
    for name, path, params, macs in rows:
        name = name.strip("`")
        torch_model = measure(WORKTREE[FILES_WT[name]], name, INPUT, scenario.tmp)
        assert (path, _n(params), _n(macs)) == (f"`./{FILES_WT[name]}`", torch_model.params, torch_model.macs)
    for name in ("Companion", "Remain", "Stable", "Top"):
        assert not any(name in line for line in lines[:start])
    # rendered as GitHub does (CommonMark + tables): every table above is an HTML table, the
    # last one inside <details>
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(out)
    separators = [line for line in lines if line.startswith("|---")]
    assert html.count("<table>") == len(separators) == 2 * 4 + 6 + 1 + 1  # (+ Shrink's modules)
    assert html.index("<details>") < html.rindex("<table>") < html.index("</details>")
    assert html.count("<details>") == 1 and html.index("<details>") > html.rindex("<h3>")
    assert "<td>params</td>" in html and "|" not in re.sub(r"<code>.*?</code>", "", html)
    assert lines[-1] == "_14 models: 4 changed, 2 renamed, 2 added, 2 removed, 4 unchanged._"


def test_markdown_and_text_in_flops(scenario, monkeypatch, capsys):
    code, out, _ = macslint_diff(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1,
                                 "--format", "markdown", "--unit", "flops", "nets/vision.py")
    assert code == 0
    before = measure(REV1["nets/vision.py"], "GrowConv", INPUT, scenario.tmp)
    after = measure(WORKTREE["nets/vision.py"], "GrowConv", INPUT, scenario.tmp)
    assert f"| FLOPs | {2 * before.macs:,} | {2 * after.macs:,} | " \
           f"{2 * (after.macs - before.macs):+,} ({100 * (after.macs - before.macs) / before.macs:+.1f}%) |" \
        in out.splitlines()
    # JSON keeps counting MACs whatever the unit
    data = diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1, "--unit", "flops",
                     "nets/vision.py")
    assert by_name(data)["GrowConv"]["after"]["macs"] == after.macs
    assert set(by_name(data)) == {"GrowConv", "GrowFc", "Shrink", "Stable"}


# class line of each changed model in the working tree (HEADER is 4 lines)
FILES_LINE = {"GrowConv": 5, "Kept": 5,
              "Shrink": 5 + sum(len(s.splitlines()) + 2 for s in (grow_conv(16), grow_fc(True)))}


def test_text_format_has_the_numbers(scenario, monkeypatch, capsys):
    code, out, err = macslint_diff(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"macslint diff against {scenario.rev1} ({scenario.rev1[:12]})"
    for name, path in (("GrowConv", "nets/vision.py"), ("Shrink", "nets/vision.py"),
                       ("Kept", "nets/partial.py")):
        before = measure(REV1[path], name, INPUT, scenario.tmp)
        after = measure(WORKTREE[path], name, INPUT, scenario.tmp)
        at = lines.index(f"./{path}:{FILES_LINE[name]}: {name}: changed")
        for label, field, line in (("params", "params", lines[at + 1]), ("MACs", "macs", lines[at + 2])):
            old, new = getattr(before, field), getattr(after, field)
            assert line == f"  {label:<6} {old:,} -> {new:,}  {new - old:+,} " \
                           f"({100 * (new - old) / old:+.1f}%)"
    aux = measure(REV1["nets/vision.py"], "Shrink", INPUT, scenario.tmp).layers["aux"]
    assert f"  - aux: Linear {format_shape(aux.input)} -> {format_shape(aux.output)}, {aux.params} params, " \
           f"{aux.macs} MACs => -" in lines
    assert "./nets/gone.py:5: Gone: removed" in lines
    assert "./nets/untracked.py:5: Newbie: added" in lines
    assert "unchanged: Remain, Companion, Stable, Top" in lines
    assert lines[-1] == "14 models: 4 changed, 2 renamed, 2 added, 2 removed, 4 unchanged"


# --------------------------------------------------------------------------- paths and directories


def test_paths_restrict_the_comparison_and_deleted_paths_count(scenario, monkeypatch, capsys):
    data = diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1,
                     "nets/gone.py", "nets/partial.py")
    assert {m["name"]: m["status"] for m in data["models"]} == \
        {"Gone": "removed", "Dropped": "removed", "Kept": "changed"}
    assert by_name(data)["Gone"]["path"] == "nets/gone.py"


def test_from_a_subdirectory(scenario, monkeypatch, capsys):
    data = diff_json(monkeypatch, capsys, scenario.repo / "nets", "--base", scenario.rev1)
    models = by_name(data)
    # what is below the current directory, as `check` does: not top.py
    assert {name: m["status"] for name, m in models.items()} == \
        {name: status for name, (status, _) in EXPECTED_VS_REV1.items() if name != "Top"}
    assert models["Gone"]["path"] == "./gone.py"
    assert models["Mover"]["before"]["path"] == "./mover.py"
    # the repository's pyproject.toml (one directory up) applies on both sides
    before = measure(REV1["nets/vision.py"], "GrowConv", INPUT, scenario.tmp)
    assert models["GrowConv"]["before"]["macs"] == before.macs
    assert models["GrowConv"]["after"]["input"] == list(INPUT)
    # a file deleted since the base, named from the subdirectory
    data = diff_json(monkeypatch, capsys, scenario.repo / "nets", "--base", scenario.rev1, "gone.py")
    assert [(m["name"], m["status"], m["path"]) for m in data["models"]] == [("Gone", "removed", "gone.py")]
    data = diff_json(monkeypatch, capsys, scenario.repo / "nets", "--base", scenario.rev1, "../nets/dest.py")
    assert [(m["name"], m["status"]) for m in data["models"]] == [("Mover", "added")]


def test_absolute_path_through_a_symlink(scenario, monkeypatch, capsys, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(scenario.repo, target_is_directory=True)
    data = diff_json(monkeypatch, capsys, scenario.repo, "--base", scenario.rev1,
                     str(link / "nets" / "partial.py"))
    assert {m["name"]: m["status"] for m in data["models"]} == {"Kept": "changed", "Dropped": "removed"}


# --------------------------------------------------------------------------- errors


def test_not_a_git_repository(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = tmp_path / "plain"
    write(plain, {"m.py": module(linear_model("Net", 4))})
    code, out, err = macslint_diff(monkeypatch, capsys, plain, "--base", "HEAD")
    assert (code, out) == (2, "")
    assert err.startswith("macslint: error: ") and "not inside a git repository" in err
    assert str(plain.resolve()) in err


def test_git_not_installed(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"m.py": module(linear_model("Net", 4))})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD")
    assert (code, out) == (2, "")
    assert "git is not installed" in err


def test_unknown_base_revision(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"m.py": module(linear_model("Net", 4))})
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "no-such-branch")
    assert (code, out) == (2, "")
    assert "--base no-such-branch: no such revision" in err
    # an option-looking revision is a revision, never an option to git
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base=--output=x")
    assert code == 2 and "--base --output=x: no such revision" in err
    assert not (repo / "x").exists()


def test_path_in_neither_revision(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"m.py": module(linear_model("Net", 4))})
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "m.py", "nothere.py")
    assert (code, out) == (2, "")
    assert "nothere.py: no such file or directory, in the working tree or at HEAD" in err
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", str(tmp_path))
    assert code == 2 and "outside the git repository" in err


def test_syntax_error_in_the_working_tree_is_not_compared(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {
        "pyproject.toml": PYPROJECT,
        "a.py": module(linear_model("Net", 4), conv_model("Other", 3)),
        "b.py": module(linear_model("Fine", 5))})
    write(repo, {"a.py": module(linear_model("Net", 6)) + "\nclass Broken(:\n"})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD",
                     "--max-model-macs-increase", "0")
    models = by_name(data)
    assert {n: m["status"] for n, m in models.items()} == \
        {"Net": "not compared", "Other": "not compared", "Fine": "unchanged"}
    assert models["Net"]["reason"].startswith("in the working tree: cannot parse file")
    assert models["Net"]["after"] is None
    net_before = measure(module(linear_model("Net", 4), conv_model("Other", 3)), "Net", INPUT, tmp_path)
    assert models["Net"]["before"]["params"] == net_before.params
    assert data["findings"] == []
    code, out, _ = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD")
    assert "./a.py:5: Net: not compared" in out.splitlines()
    assert "removed" not in out
    # and the other way round: unparsable at the base
    write(repo, {"a.py": "import torch.nn as nn\n\nclass Broken(:\n"})
    commit(repo, "broken")
    write(repo, {"a.py": module(linear_model("Net", 4))})
    models = by_name(diff_json(monkeypatch, capsys, repo, "--base", "HEAD"))
    assert models["Net"]["status"] == "not compared"
    assert models["Net"]["reason"].startswith("at HEAD: cannot parse file")


def test_invalid_config_at_the_base(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {
        "pyproject.toml": '[tool.macslint]\ninput-size = "oops"\n',
        "a.py": module(linear_model("Net", 4))})
    write(repo, {"pyproject.toml": PYPROJECT})
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "--format", "json")
    assert code == 2
    # the message names the file as it is in the repository, not a temporary copy
    assert "macslint: error: at HEAD: pyproject.toml: input-size = 'oops'" in err
    assert "macslint-base-" not in err
    models = by_name(json.loads(out))
    assert models["Net"]["status"] == "not compared"  # not "added"
    assert models["Net"]["reason"].startswith("at HEAD: pyproject.toml: input-size = 'oops'")
    # the other way round: the working tree's configuration is broken. Its files are not
    # compared, and the error names the file
    commit(repo, "fix the configuration")
    write(repo, {"pyproject.toml": '[tool.macslint]\ninput-size = "broken, and longer"\n'})
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "--format", "json")
    assert code == 2
    assert f"macslint: error: {repo.resolve() / 'pyproject.toml'}: input-size = 'broken, and " \
           "longer'" in err
    models = by_name(json.loads(out))
    assert models["Net"]["status"] == "not compared"
    assert models["Net"]["reason"].startswith("in the working tree: ")
    # in a subdirectory, only its files are not compared
    write(repo, {"pyproject.toml": PYPROJECT, "a.py": None,
                 "sub/a.py": module(linear_model("Net", 4))})
    commit(repo, "move")
    write(repo, {"sub/pyproject.toml": '[tool.macslint]\nunit = 3\n'})
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "--format", "json")
    assert code == 2
    assert f"macslint: error: {repo.resolve() / 'sub' / 'pyproject.toml'}: unit = 3" in err
    models = by_name(json.loads(out))
    assert models["Net"]["status"] == "not compared"  # not "removed"
    assert models["Net"]["reason"].startswith("in the working tree: ")
    assert models["Net"]["before"]["params"] == measure(module(linear_model("Net", 4)), "Net", INPUT, tmp_path).params


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_a_committed_symlink_is_read_on_both_sides(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": PYPROJECT,
                                        "a.py": module(conv_model("Net", 4))})
    (repo / "alias.py").symlink_to("a.py")
    commit(repo, "a link")
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD")
    assert [(m["path"], m["status"]) for m in data["models"]] == \
        [("./a.py", "unchanged"), ("./alias.py", "unchanged")]
    write(repo, {"a.py": module(conv_model("Net", 6))})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD")
    assert [(m["path"], m["status"]) for m in data["models"]] == \
        [("./a.py", "changed"), ("./alias.py", "changed")]
    after = measure(module(conv_model("Net", 6)), "Net", INPUT, tmp_path)
    assert {m["after"]["macs"] for m in data["models"]} == {after.macs}


def test_a_deleted_directory_and_nothing_changed(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": PYPROJECT,
                                        "old/a.py": module(linear_model("Net", 4)),
                                        "old/deep/b.py": module(conv_model("Deep", 2)),
                                        "keep.py": module(linear_model("Keep", 2))})
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "--format", "markdown")
    assert code == 0, err
    assert "No model changed its parameters or MACs." in out and "### " not in out
    assert "<details><summary>3 unchanged models</summary>" in out
    git(repo, "rm", "-r", "-q", "old")
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", "old")
    assert [(m["name"], m["status"], m["path"]) for m in data["models"]] == \
        [("Net", "removed", "old/a.py"), ("Deep", "removed", "old/deep/b.py")]
    assert data["models"][1]["before"]["macs"] == \
        measure(module(conv_model("Deep", 2)), "Deep", INPUT, tmp_path).macs


# --------------------------------------------------------------------------- configuration per revision


def test_each_revision_uses_its_own_pyproject(tmp_path, monkeypatch, capsys):
    source = module(conv_model("Net", 4))
    repo, _ = new_repo(tmp_path / "r", {"a.py": source})  # no configuration: 3x224x224
    write(repo, {"pyproject.toml": PYPROJECT})
    rev2 = commit(repo, "configure")
    write(repo, {"pyproject.toml": "[tool.macslint]\ninput-size = [3, 64, 64]\n"})
    source64 = module(conv_model("Net", 4).replace("16 * 16", "32 * 32"))
    write(repo, {"a.py": source64})
    # the same code at 32x32 (rev2) and, with the fc resized, at 64x64 (working tree)
    net = by_name(diff_json(monkeypatch, capsys, repo, "--base", rev2))["Net"]
    assert net["status"] == "changed"
    assert (net["before"]["input"], net["after"]["input"]) == ([3, 32, 32], [3, 64, 64])
    check_against_torch(net, measure(source, "Net", (3, 32, 32), tmp_path),
                        measure(source64, "Net", (3, 64, 64), tmp_path))
    # the first commit had no configuration at all: torch's 224x224 default
    net = by_name(diff_json(monkeypatch, capsys, repo, "--base", "HEAD~1"))["Net"]
    assert net["before"]["input"] == [3, 224, 224]  # the documented default input size
    assert net["before"]["complete"] is False  # Linear(4*16*16) does not fit 224x224
    # --input-size applies to both revisions
    net = by_name(diff_json(monkeypatch, capsys, repo, "--base", rev2, "--input-size", "3x32x32"))["Net"]
    assert (net["before"]["input"], net["after"]["input"]) == ([3, 32, 32], [3, 32, 32])
    assert net["after"]["complete"] is False  # the working tree's fc expects 64x64


def test_growth_limits_come_from_the_working_tree_config(tmp_path, monkeypatch, capsys):
    limited = PYPROJECT + 'max-model-params-increase = "0"\n'
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": limited,
                                        "a.py": module(linear_model("Net", 4))})
    write(repo, {"a.py": module(linear_model("Net", 5))})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", expect=1)
    assert [f["code"] for f in data["findings"]] == ["MAC006"]
    # the same growth, the limit dropped in the same change: the working tree's config rules
    write(repo, {"pyproject.toml": PYPROJECT})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", "a.py")
    assert data["findings"] == [] and by_name(data)["Net"]["status"] == "changed"


# --------------------------------------------------------------------------- MAC005 / MAC006

# Net: Linear(64, h) -> Linear(h, 10) at input 64. h: 10 -> 11 is exactly +10% MACs.
MLP = '''class Net(nn.Module):{pragma}
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, {hidden})
        self.fc2 = nn.Linear({hidden}, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
'''


def mlp(hidden: int, pragma: str = "") -> str:
    return module(MLP.format(hidden=hidden, pragma=pragma))


@pytest.fixture
def grown(tmp_path: Path) -> Tuple[Path, TorchModel, TorchModel]:
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": "[tool.macslint]\ninput-size = [64]\n",
                                        "a.py": mlp(10)})
    write(repo, {"a.py": mlp(11)})
    return repo, measure(mlp(10), "Net", (64,), tmp_path), measure(mlp(11), "Net", (64,), tmp_path)


def test_percent_limit_just_below_and_above(grown, monkeypatch, capsys):
    repo, before, after = grown
    macs_pct = Fraction(after.macs - before.macs, before.macs) * 100
    assert macs_pct == 10  # the test's premise, torch's numbers: exactly +10%
    params_pct = Fraction(after.params - before.params, before.params) * 100
    assert 9 < params_pct < 10  # the premise: between the two limits below
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD",
                     "--max-model-macs-increase", "10%", "--max-model-params-increase", "10%")
    assert data["findings"] == [] and data["unchecked"] == []
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", "--max-model-macs-increase", "9.99%",
                     "--max-model-params-increase", "9.8%", expect=1)
    # line 5: the class line (HEADER is 4 lines)
    assert [(f["code"], f["path"], f["line"], f["col"]) for f in data["findings"]] == \
        [("MAC005", "./a.py", 5, 1), ("MAC006", "./a.py", 5, 1)]
    assert data["findings"][0]["message"] == (
        f"Net MACs grew from {before.macs} to {after.macs} (+{after.macs - before.macs}, "
        f"+{float(macs_pct):.1f}%) against HEAD, limit +9.99%")
    assert data["findings"][1]["message"] == (
        f"Net params grew from {before.params} to {after.params} "
        f"(+{after.params - before.params}, +{float(params_pct):.1f}%) against HEAD, limit +9.8%")
    # only the params limit
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", "--max-model-params-increase", "9.8%",
                     expect=1)
    assert [f["code"] for f in data["findings"]] == ["MAC006"]


def test_absolute_limit_just_below_and_above(grown, monkeypatch, capsys):
    repo, before, after = grown
    macs, params = after.macs - before.macs, after.params - before.params
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD",
                                   "--max-model-macs-increase", str(macs),
                                   "--max-model-params-increase", str(params))
    assert code == 0, out
    code, out, err = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD",
                                   "--max-model-macs-increase", str(macs - 1),
                                   "--max-model-params-increase", str(params - 1))
    assert code == 1
    # 5:1: the class line (HEADER is 4 lines)
    findings = [line for line in out.splitlines() if re.match(r"\./a\.py:5:1: MAC00[56] ", line)]
    assert findings == [
        f"./a.py:5:1: MAC005 Net MACs grew from {before.macs} to {after.macs} (+{macs}, "
        f"+{100 * macs / before.macs:.1f}%) against HEAD, limit +{macs - 1}",
        f"./a.py:5:1: MAC006 Net params grew from {before.params} to {after.params} (+{params}, "
        f"+{100 * params / before.params:.1f}%) against HEAD, limit +{params - 1}",
    ]
    # markdown quotes them above the tables
    code, out, _ = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "--format", "markdown",
                                 "--max-model-macs-increase", str(macs - 1))
    assert code == 1
    assert "> **MAC005** `./a.py:5`: Net MACs grew from" in out


def test_large_counts_in_messages_and_flops(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": PYPROJECT,
                                        "a.py": module(conv_model("Net", 16))})
    write(repo, {"a.py": module(conv_model("Net", 32))})
    before = measure(module(conv_model("Net", 16)), "Net", INPUT, tmp_path)
    after = measure(module(conv_model("Net", 32)), "Net", INPUT, tmp_path)
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", "--max-model-macs-increase", "50K",
                     "--unit", "flops", expect=1)
    pct = 100 * (after.macs - before.macs) / before.macs
    assert [f["message"] for f in data["findings"]] == [
        f"Net FLOPs grew from {format_count(2 * before.macs)} to {format_count(2 * after.macs)} "
        f"(+{2 * (after.macs - before.macs):,}, +{pct:.1f}%) against HEAD, limit +100K"]


def test_limits_from_pyproject_models_table_per_path_and_pragma(tmp_path, monkeypatch, capsys):
    config = (PYPROJECT.replace("[3, 32, 32]", "[64]")
              + '\n[tool.macslint.per-path."strict/*"]\nmax-model-macs-increase = "5%"\n'
              + '\n[tool.macslint.models.Net]\nmax-model-params-increase = "1%"\n')
    repo, _ = new_repo(tmp_path / "r", {
        "pyproject.toml": config, "a.py": mlp(10), "strict/b.py": mlp(10).replace("Net", "Other"),
        "c.py": mlp(10, "  # macslint: max-model-macs-increase=1").replace("Net", "Third")})
    write(repo, {"a.py": mlp(11), "strict/b.py": mlp(11).replace("Net", "Other"),
                 "c.py": mlp(11, "  # macslint: max-model-macs-increase=1").replace("Net", "Third")})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", expect=1)
    assert sorted((f["path"], f["code"]) for f in data["findings"]) == \
        [("./a.py", "MAC006"), ("./c.py", "MAC005"), ("./strict/b.py", "MAC005")]
    # the command line beats them all
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", "--max-model-macs-increase", "50%",
                     "--max-model-params-increase", "50%")
    assert data["findings"] == []


def test_noqa_on_the_class_line(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": "[tool.macslint]\ninput-size = [64]\n",
                                        "a.py": mlp(10)})
    limits = ("--max-model-macs-increase", "1%", "--max-model-params-increase", "1%")
    write(repo, {"a.py": mlp(11, "  # noqa: MAC005")})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", *limits, expect=1)
    assert [f["code"] for f in data["findings"]] == ["MAC006"]
    write(repo, {"a.py": mlp(11, "  # noqa: MAC005,MAC006")})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", *limits)
    assert data["findings"] == []
    # a noqa elsewhere in the file does not count
    write(repo, {"a.py": mlp(11) + "X = 1  # noqa: MAC005,MAC006\n"})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", *limits, expect=1)
    assert [f["code"] for f in data["findings"]] == ["MAC005", "MAC006"]


MYSTERY = '''class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 11)
        self.odd = Mystery()
        self.fc2 = nn.Linear(11, 10)

    def forward(self, x):
        return self.fc2(self.odd(self.fc1(x)))
'''


def test_incomplete_on_one_side_is_unchecked_not_a_finding(tmp_path, monkeypatch, capsys):
    repo, _ = new_repo(tmp_path / "r", {"pyproject.toml": "[tool.macslint]\ninput-size = [64]\n",
                                        "a.py": mlp(10)})
    unknown = HEADER.replace("\n\n\n", "\nfrom elsewhere import Mystery\n\n\n") + MYSTERY
    write(repo, {"a.py": unknown})
    limits = ("--max-model-macs-increase", "0", "--max-model-params-increase", "0")
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", *limits)
    assert data["findings"] == []
    net = by_name(data)["Net"]
    assert net["status"] == "changed" and net["after"]["complete"] is False
    assert net["after"]["macs"] is None and "Mystery" in net["after"]["reason"]
    assert net["change"]["macs"] is None and net["change"]["macs_percent"] is None
    # line 6: the class line, after HEADER and the import
    assert [(u["path"], u["line"], u["name"]) for u in data["unchecked"]] == [("./a.py", 6, "Net")] * 2
    assert data["unchecked"][0]["reason"].startswith("MAC005 not checked: MACs unknown at the working tree (")
    assert data["unchecked"][1]["reason"].startswith(
        "MAC006 not checked: params unknown at the working tree (")
    code, out, _ = macslint_diff(monkeypatch, capsys, repo, "--base", "HEAD", "--format", "markdown", *limits)
    assert code == 0
    base = measure(mlp(10), "Net", (64,), tmp_path)  # the pyproject's input size
    assert f"| MACs | {base.macs:,} | ? | ? |" in out.splitlines()
    assert "Incomplete at the working tree: `self.odd`" in out
    # the other way round: incomplete at the base
    commit(repo, "mystery")
    write(repo, {"a.py": mlp(11)})
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD", *limits)
    assert data["findings"] == []
    assert [u["reason"].split(" (")[0] for u in data["unchecked"]] == [
        "MAC005 not checked: MACs unknown at the base", "MAC006 not checked: params unknown at the base"]
    # and with no limit, nothing to check: nothing listed
    data = diff_json(monkeypatch, capsys, repo, "--base", "HEAD")
    assert data["unchecked"] == []
