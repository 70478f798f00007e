"""Every factory of torchvision.models, macslint against PyTorch (issues 21 and 22).

Not a test. For each factory torchvision registers (`torchvision.models._api.BUILTIN_MODELS`,
121 in 0.29.1), PyTorch builds it from the same source on the meta device and counts its
parameters and, in eval mode with grad enabled under FlopCounterMode, its MACs (flops / 2)
on the input its family takes; macslint checks a copy of the source, with those inputs
declared in a pyproject.toml, and each factory's model is then

- exact: params and MACs equal torch's;
- exact up to the data-dependent stop (detection and keypoint models): params equal torch's,
  and macslint's MACs before the trace stopped equal torch's count before it raised;
- wrong: a number macslint printed differs from torch's (there should be none);
- incomplete: macslint says why it could not finish (the first reason is listed);
- not found: macslint lists no model by that name.

    python benchmarks/torchvision_factories.py --root DIR [--json FILE] [--torch-cache FILE]

DIR holds the unpacked torchvision wheel (DIR/torchvision/models/...). torchvision's
compiled extension is not loaded: its pure-Python model and ops code is imported with image
I/O and PIL stubbed. Detection models take a list of images (declared as
`inputs = [{ shape = [3, 224, 224], list = true }]`): torch counts their MACs up to where it
stops, at the first operation whose output size depends on the data (`nonzero` has no data on
meta), and macslint's `macs_before_stop` is compared with that. Quantized models do not run
on meta (their counts are torch's error).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

IMAGE = [3, 224, 224]
VIDEO = [3, 16, 224, 224]  # mvit needs 16 frames of 224x224; the others take any size

TORCH_ALL = r"""
import importlib, json, pkgutil, sys, types
root = sys.argv[1]

class _Meta(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Any

class _Any(metaclass=_Meta):
    def __init__(self, *args, **kwargs):
        pass
    def __call__(self, *args, **kwargs):
        return _Any()
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Any()

def stub(name, path=None, **attrs):
    module = types.ModuleType(name)
    if path:
        module.__path__ = [path]
    else:
        def attribute(attr):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return _Any
        module.__getattr__ = attribute
    module.__dict__.update(attrs)
    sys.modules[name] = module

# torchvision without its __init__ and compiled extension; image I/O and PIL stubbed. The
# models and torchvision.ops are torchvision's own code.
stub("torchvision", root + "/torchvision", _is_tracing=lambda: False)
stub("torchvision.extension", _assert_has_ops=lambda: None, _has_ops=lambda: False)
stub("torchvision.io", root + "/torchvision/io")
stub("torchvision.io.image")
stub("torchvision.transforms._presets")
stub("PIL", __version__="10.0.0")
for name in ("PIL.Image", "PIL.ImageColor", "PIL.ImageDraw", "PIL.ImageFont"):
    stub(name)
import torch
from torch.utils.flop_counter import FlopCounterMode

for info in pkgutil.walk_packages([root + "/torchvision/models"], "torchvision.models."):
    importlib.import_module(info.name)
from torchvision.models._api import BUILTIN_MODELS, WeightsEnum

# Each factory is built with its own defaults, as macslint builds it: a pretrained backbone
# where that is the default (the segmentation and detection models: it makes their batch norms
# FrozenBatchNorm2d). The weights are not downloaded (no network; no count depends on them):
# loading them loads nothing.
WeightsEnum.get_state_dict = lambda self, *args, **kwargs: {}
torch.nn.Module.load_state_dict = lambda self, *args, **kwargs: None

out = {}
for name, fn in sorted(BUILTIN_MODELS.items()):
    module = fn.__module__
    entry = {"module": module, "function": fn.__name__}
    try:
        kwargs = {}
        try:
            with torch.device("meta"):
                model = fn(**kwargs).eval()
        except NotImplementedError as exc:
            if "meta tensor" not in str(exc):
                raise
            # its construction reads tensor items (RegNet's widths): built on the CPU, then
            # moved to meta, where it is counted as every other
            model = fn(**kwargs).eval().to("meta")
        entry["params"] = sum(p.numel() for p in model.parameters())
        if ".detection." in module:
            # a list of images; torch stops where the boxes depend on the data (nonzero has
            # no data on meta): what it counted up to there is the backbone's and the heads'
            with torch.device("meta"), FlopCounterMode(display=False) as counter:
                try:
                    model([torch.zeros(json.loads(sys.argv[3]), device="meta")])
                    entry["macs"] = counter.get_total_flops() // 2
                except Exception as exc:
                    entry["macs_error"] = f"{type(exc).__name__}: {exc}"[:200]
                    entry["macs_before_stop"] = counter.get_total_flops() // 2
        else:
            shape = json.loads(sys.argv[4]) if ".video." in module else json.loads(sys.argv[3])
            inputs = [torch.zeros([1, *shape], device="meta")]
            if ".optical_flow." in module:
                inputs.append(torch.zeros([1, *shape], device="meta"))
            with torch.device("meta"), FlopCounterMode(display=False) as counter:
                model(*inputs)
            entry["macs"] = counter.get_total_flops() // 2
    except Exception as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
    out[name] = entry
print("RESULT " + json.dumps(out))
"""


def run_torch(script: str, *arguments: str) -> Dict[str, Any]:
    """torch's counts: `script` run in a fresh interpreter, its `RESULT ` line read."""
    done = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True,
                          text=True)
    if done.returncode:
        sys.exit(f"the torch side failed:\n{done.stderr[-3000:]}")
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def torch_side(root: Path) -> Dict[str, Any]:
    return run_torch(TORCH_ALL, str(root), "[]", json.dumps(IMAGE), json.dumps(VIDEO))


CONFIG = f"""[tool.macslint]
input-size = {IMAGE}

[tool.macslint.per-path."torchvision/models/video/*"]
input-size = {VIDEO}

[tool.macslint.per-path."torchvision/models/detection/*"]
inputs = [{{ shape = {IMAGE}, list = true }}]

[tool.macslint.models.raft_large]
inputs = [{IMAGE}, {IMAGE}]

[tool.macslint.models.raft_small]
inputs = [{IMAGE}, {IMAGE}]
"""


def macslint_side(root: Path) -> Dict[Any, Any]:
    """`macslint report --format json` over a copy of torchvision/models with the inputs
    declared; every model by (its file's module, its name), with the file it is in."""
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work)
        shutil.copytree(root / "torchvision", copy / "torchvision")
        (copy / "pyproject.toml").write_text(CONFIG)
        done = subprocess.run([sys.executable, "-m", "macslint", "report", "--no-cache",
                               "--format", "json", "torchvision/models"], cwd=copy,
                              capture_output=True, text=True, env={**os.environ,
                                                                   "PYTHONPATH": str(REPO)})
    report = json.loads(done.stdout)
    models: Dict[str, Any] = {}
    for file in report["files"]:
        for model in file["models"]:
            # by the function's module and name: a factory registered under another name
            # (`@register_model(name="quantized_resnet18") def resnet18`) is that function
            models.setdefault((_module_of(file["path"]), model["name"]),
                              {**model, "file": file["path"]})
        for unbuilt in file["not_built"]:  # a factory macslint could not follow, and why
            models.setdefault((_module_of(file["path"]), unbuilt["name"]),
                              {"not_built": unbuilt["reason"]})
    return models


def _module_of(path: str) -> str:
    return path[:-len(".py")].replace("/", ".").replace("\\", ".")


def compare(truth: Dict[str, Any], found: Dict[Any, Any]) -> List[Dict[str, Any]]:
    rows = []
    for name, expected in sorted(truth.items()):
        model = found.get((expected["module"], expected.get("function", name)))
        row: Dict[str, Any] = {"factory": name, "module": expected["module"],
                               "torch_params": expected.get("params"),
                               "torch_macs": expected.get("macs"),
                               "torch_error": expected.get("error") or expected.get("macs_error")}
        if model is None or "not_built" in model:
            row["verdict"] = "not found" if model is None else "not built"
            row["reasons"] = [] if model is None else [model["not_built"]]
            rows.append(row)
            continue
        row.update(macslint_params=model["params"], macslint_macs=model["macs"],
                   reasons=(model["reason"] or "").split("; ") if model["reason"] else [],
                   torch_macs_before_stop=expected.get("macs_before_stop"),
                   macslint_macs_before_stop=model.get("macs_before_stop"))
        wrong = [k for k in ("params", "macs", "macs_before_stop") if model.get(k) is not None
                 and expected.get(k) is not None and model[k] != expected[k]]
        if model.get("macs_before_stop") is not None and expected.get("macs") is not None \
                and model["macs_before_stop"] > expected["macs"]:
            wrong.append("macs_before_stop (more than torch's whole forward)")
        if wrong:
            row["verdict"] = "wrong: " + ", ".join(wrong)
        elif not model["complete"] and model["params"] == expected.get("params") and \
                model.get("macs_before_stop") is not None and \
                expected.get("macs_before_stop") is not None:
            # torch stops too (the boxes depend on the data): both counted up to there
            row["verdict"] = "exact up to the data-dependent stop"
        elif model["complete"] and expected.get("macs") is not None \
                and model["params"] == expected.get("params"):
            row["verdict"] = "exact"
        elif model["complete"]:
            row["verdict"] = "complete, torch cannot count it"
        else:
            row["verdict"] = "incomplete"
        rows.append(row)
    return rows


def truth_of(args: argparse.Namespace, side: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """torch's counts: from `--torch-cache` if it exists, else `side()` (then cached)."""
    if args.torch_cache is not None and args.torch_cache.is_file():
        return json.loads(args.torch_cache.read_text())
    truth = side()
    if args.torch_cache is not None:
        args.torch_cache.write_text(json.dumps(truth))
    return truth


def summary(rows: List[Dict[str, Any]], what: str, json_path: Optional[Path]) -> int:
    """The verdicts, the first reasons of the models not counted, the wrong ones in full;
    exit status 1 where a number is wrong."""
    verdicts = Counter(r["verdict"] for r in rows)
    print(f"{len(rows)} {what}: " + ", ".join(f"{n} {v}" for v, n in verdicts.most_common()))
    first = Counter(r["reasons"][0][:110] for r in rows
                    if r["verdict"] in ("incomplete", "not built") and r.get("reasons"))
    print("\nfirst reasons of the incomplete and not built ones:")
    for reason, n in first.most_common():
        print(f"  {n:3d}  {reason}")
    for row in rows:
        if row["verdict"].startswith("wrong") or row["verdict"] == "not found":
            print(f"\n{row['factory']}: {row['verdict']} {row}")
    if json_path:
        json_path.write_text(json.dumps(rows, indent=1))
    return 1 if any(r["verdict"].startswith("wrong") for r in rows) else 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True,
                        help="the unpacked torchvision wheel (holding torchvision/models)")
    parser.add_argument("--json", type=Path, help="write every row here")
    parser.add_argument("--torch-cache", type=Path,
                        help="torch's counts: read from this file if it exists, else written")
    args = parser.parse_args(argv)
    truth = truth_of(args, lambda: torch_side(args.root))
    return summary(compare(truth, macslint_side(args.root)), "factories", args.json)


if __name__ == "__main__":
    sys.exit(main())
