"""macslint on real model code: torchvision's and timm's model sources.

Not a test: it downloads two wheels (their code is never committed), runs macslint over their
model sources, and prints

1. per package, the share of torch.nn construction sites that some evaluated path builds with
   every argument known (on their own, or while building a model of any analysed file);
2. for five torchvision factory functions, macslint's params and MACs next to PyTorch's, built
   from that same source (forward at 1x3x224x224, FlopCounterMode flops / 2), and every layer
   call of each compared one by one (path, kind, shapes, params, MACs).

    python benchmarks/real_code.py [--cache DIR]

Needs the test extra (torch==2.13.0) and network access to a package index. The wheels are
pinned to the versions built for torch 2.13. torchvision's compiled extension is not loaded
(the wheel's is a CUDA build): its pure-Python model code is imported with its image I/O
helpers stubbed out, which the models do not use.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from macslint.config import Settings  # noqa: E402
from macslint.engine import check_file  # noqa: E402
from macslint.render.report_json import call_json  # noqa: E402

WHEELS = {"torchvision": "torchvision==0.28.0", "timm": "timm==1.0.31"}
MODEL_SOURCES = {"torchvision": ["torchvision/models"], "timm": ["timm/models", "timm/layers"]}
FACTORIES = [("alexnet", "alexnet"), ("vgg", "vgg16"), ("resnet", "resnet18"),
             ("resnet", "resnet50"), ("mobilenetv2", "mobilenet_v2")]
INPUT = (1, 3, 224, 224)

Site = Tuple[str, int, int]  # absolute path, line, 0-based column


def fetch(cache: Path) -> Dict[str, Path]:
    """Download and unpack the pinned wheels once; the unpacked tree of each package."""
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    roots = {}
    for name, requirement in WHEELS.items():
        version = requirement.split("==")[1]
        found = sorted(wheels.glob(f"{name}-{version}-*.whl"))
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            requirement, "-d", str(wheels)], check=True)
            found = sorted(wheels.glob(f"{name}-{version}-*.whl"))
        root = cache / "src" / f"{name}-{version}"
        if not (root / name).is_dir():
            with zipfile.ZipFile(found[0]) as archive:
                archive.extractall(root)
        roots[name] = root
    return roots


def analyse(root: Path, sources: List[str]) -> Tuple[Dict[Path, Any], float]:
    """macslint over every file of the model sources, as `macslint report` runs it."""
    files = sorted(p for s in sources for p in (root / s).rglob("*.py"))
    results = {}
    started = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for path in files:
            relative = path.relative_to(root)
            results[path] = check_file(relative, relative.as_posix(), Settings())
    finally:
        os.chdir(cwd)
    return results, time.perf_counter() - started


def coverage(root: Path, results: Dict[Path, Any]) -> Tuple[int, int]:
    """(sites, resolved): a site is resolved when its own arguments are known or any model
    build, of its own file or of a file importing it, gives it every argument."""
    sites: Set[Site] = set()
    resolved: Set[Site] = set()
    for path, result in results.items():
        for layer in result.report.layers:
            key = (str(path), layer.line, layer.col - 1)
            sites.add(key)
            if layer.resolved:
                resolved.add(key)
        for model in result.report.models:
            for file, line, col in model.built_sites:
                where = path if file is None else _locate(root, path, file)
                if where is not None:
                    resolved.add((str(where), line, col))
    return len(sites), len(sites & resolved)


def _locate(root: Path, importer: Path, display: str) -> Optional[Path]:
    for candidate in (importer.parent / display, root / display):
        if candidate.is_file():
            return candidate.resolve()
    return None


TORCH_SIDE = r"""
import importlib, json, sys, types
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

# The packages without their __init__ (which loads the compiled extension), image I/O stubbed.
for package in ("torchvision", "torchvision.models", "torchvision.ops", "torchvision.transforms",
                "torchvision.io"):
    stub(package, root + "/" + package.replace(".", "/"))
stub("torchvision.transforms._presets")
stub("PIL", __version__="10.0.0")
for name in ("PIL.Image", "PIL.ImageColor", "PIL.ImageDraw", "PIL.ImageFont"):
    stub(name)
import torch
from torch.utils.flop_counter import FlopCounterMode
stub("numpy")
importlib.import_module("torchvision.utils")
del sys.modules["numpy"]

out = {}
for module_name, factory in json.loads(sys.argv[2]):
    model = getattr(importlib.import_module("torchvision.models." + module_name), factory)()
    names = {}
    for name, module in model.named_modules():
        names.setdefault(id(module), name)
    calls = []
    def hook(module, inputs, output):
        calls.append((module, names[id(module)], [tuple(i.shape) for i in inputs], tuple(output.shape)))
    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    x = torch.zeros(json.loads(sys.argv[3]))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    for handle in handles:
        handle.remove()
    layers = []
    for module, path, shapes, output in calls:
        with torch.no_grad(), FlopCounterMode(display=False) as one:
            module(*[torch.zeros(s) for s in shapes])
        layers.append([path, type(module).__name__, list(shapes[0]), list(output),
                       sum(p.numel() for p in module.parameters()), one.get_total_flops() // 2])
    out[factory] = {"params": sum(p.numel() for p in model.parameters()),
                    "macs": counter.get_total_flops() // 2, "layers": layers}
print(json.dumps(out))
"""


def torch_truth(root: Path) -> Dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", TORCH_SIDE, str(root), json.dumps(FACTORIES),
                           json.dumps(INPUT)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("MACSLINT_BENCH_CACHE",
                                                    Path.home() / ".cache" / "macslint-bench")))
    args = parser.parse_args(argv)
    roots = fetch(args.cache)

    print("| package | files | construction sites | resolved | share | macslint time |")
    print("|---|---|---|---|---|---|")
    analysed = {}
    for name, root in roots.items():
        results, seconds = analyse(root, MODEL_SOURCES[name])
        analysed[name] = results
        sites, resolved = coverage(root, results)
        print(f"| {WHEELS[name]} | {len(results)} | {sites} | {resolved} | "
              f"{100 * resolved / sites:.1f}% | {seconds:.1f} s |")

    root = roots["torchvision"]
    truth = torch_truth(root)
    print()
    print("| factory | macslint params | PyTorch params | macslint MACs | PyTorch MACs | "
          "layer calls equal | match |")
    print("|---|---|---|---|---|---|---|")
    failures = 0
    for module_name, factory in FACTORIES:
        path = root / "torchvision" / "models" / f"{module_name}.py"
        result = analysed["torchvision"][path]
        model = next((m for m in result.report.models if m.name == factory), None)
        expected = truth[factory]
        if model is None:
            print(f"| {factory} | not found | {expected['params']:,} | | {expected['macs']:,} | | no |")
            failures += 1
            continue
        got = [[c["path"], c["kind"], c["input"], c["output"], c["params"], c["macs"]]
               for c in (call_json(call, model.settings, "macs") for call in model.calls)]
        same_calls = sum(a == b for a, b in zip(got, expected["layers"]))
        ok = (model.complete and model.params == expected["params"]
              and model.macs == expected["macs"] and got == expected["layers"])
        failures += not ok
        params = "?" if model.params is None else f"{model.params:,}"
        macs = "?" if model.macs is None else f"{model.macs:,}"
        print(f"| {factory} | {params} | {expected['params']:,} | {macs} | {expected['macs']:,} | "
              f"{same_calls}/{len(expected['layers'])} | {'yes' if ok else 'NO'} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
