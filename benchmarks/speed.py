"""How fast macslint is, side by side with flake8, on real model code (issue 6).

Not a test. In one run, with several repetitions each (median and min-max spread):

(a) `flake8` with its default checks alone (a virtualenv with only flake8, the same version)
    vs the same flake8 with macslint's MAC plugin installed, cold (an empty result cache)
    and warm (the cache the cold run wrote: an editor or pre-commit re-checking files);
(b) `macslint check` cold (an empty cache) and warm (the cache the cold run wrote) vs (a)'s
    flake8 alone;
(c) macslint's time to report one model's MACs (`macslint report --model`) vs doing it
    dynamically (a fresh Python: import torch, build the model, FlopCounterMode forward);
(d) the peak memory (max RSS of any one process) of each command;
(e) `--corpus lsp`: how fast the language server answers an editor (lsp_latency.py);
(f) last, issue 23's targets against what this run measured (for the corpora it ran).

    python benchmarks/speed.py [--cache DIR] [--repeat N] [--corpus torchvision timm]
                               [--root DIR] [--against CHECKOUT] [--check-only]

`--root DIR`: an unpacked tree holding torchvision/ and timm/ to use instead of the pinned
wheels. `--against CHECKOUT`: also time the cold `macslint check` of another checkout of
macslint (its code first on PYTHONPATH), alternating run by run with this one, to tell
whether a change made the cold run slower.

The corpus is the model sources of the torchvision and timm wheels pinned in real_code.py,
downloaded into the cache directory (never committed); `torchvision-package` is the whole
torchvision package, where most files build no layer. Needs the test extra (torch).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import lsp_latency  # noqa: E402
from real_code import MODEL_SOURCES, TORCH_SIDE, fetch  # noqa: E402

# Wall time and the peak RSS (KiB) of the slowest-growing process the command waited for.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " done.returncode)\n"
)

# One model counted dynamically, from a fresh process: what a user runs today.
DYNAMIC = TORCH_SIDE.split("out = {}")[0] + r"""
module_name, factory = sys.argv[2], sys.argv[3]
model = getattr(importlib.import_module("torchvision.models." + module_name), factory)()
with torch.no_grad(), FlopCounterMode(display=False) as counter:
    model(torch.zeros(1, 3, 224, 224))
print(counter.get_total_flops() // 2)
"""
# name -> (the wheel it comes from, the paths checked in it)
CORPORA = {**{name: (name, paths) for name, paths in MODEL_SOURCES.items()},
           "torchvision-package": ("torchvision", ["torchvision"])}
MODELS = [("resnet", "resnet18"), ("resnet", "resnet50"), ("mobilenetv2", "mobilenet_v2"),
          ("vgg", "vgg16")]


def measure(command: Sequence[str], cwd: Path, repeat: int,
            env: Optional[Dict[str, str]] = None, before=None) -> Dict[str, float]:
    times, peaks = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        done = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, env=env,
                              capture_output=True, text=True, check=True)
        seconds, peak, _code = done.stdout.split()
        times.append(float(seconds))
        peaks.append(int(peak) / 1024)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "peak_mib": max(peaks)}


# The command line of any checkout (before the restructuring it was macslint.cli).
MAIN_ANY = ("import sys\ntry:\n    from macslint.adapters.cli import main\n"
            "except ImportError:\n    from macslint.cli import main\nsys.exit(main())")


def measure_alternating(a: Sequence[str], env_a: Optional[Dict[str, str]], b: Sequence[str],
                        env_b: Optional[Dict[str, str]], cwd: Path, repeat: int,
                        before=None) -> List[Dict[str, float]]:
    """Two commands run in turn, `repeat` times each: a loaded machine slows both alike."""
    runs: List[List[Dict[str, float]]] = [[], []]
    for _ in range(repeat):
        for i, (command, env) in enumerate(((a, env_a), (b, env_b))):
            runs[i].append(measure(command, cwd, 1, env=env, before=before))
    return [{"median": statistics.median(r["median"] for r in rs),
             "min": min(r["min"] for r in rs), "max": max(r["max"] for r in rs),
             "peak_mib": max(r["peak_mib"] for r in rs)} for rs in runs]


def flake8_alone(cache: Path) -> Path:
    """A virtualenv with the flake8 of this environment and nothing else."""
    import flake8

    venv = cache / f"flake8-{flake8.__version__}-only"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        f"flake8=={flake8.__version__}"], check=True)
    return python


def row(label: str, m: Dict[str, float], reference: Optional[Dict[str, float]] = None) -> str:
    ratio = f"{m['median'] / reference['median']:.2f}x" if reference else ""
    return (f"| {label} | {m['median']:.2f} s | {m['min']:.2f}-{m['max']:.2f} s | {ratio} | "
            f"{m['peak_mib']:.0f} MiB |")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "macslint-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", nargs="+", choices=sorted([*CORPORA, "lsp"]),
                        default=[*sorted(MODEL_SOURCES), "lsp"])
    parser.add_argument("--root", type=Path, help="an unpacked tree with torchvision/ and timm/")
    parser.add_argument("--against", type=Path, help="another macslint checkout to time too")
    parser.add_argument("--check-only", action="store_true",
                        help="only flake8 alone and macslint check (no plugin, -j1 or models)")
    args = parser.parse_args(argv)
    roots = ({"torchvision": args.root, "timm": args.root} if args.root is not None
             else fetch(args.cache))
    if args.against is not None:
        compileall.compile_dir(str(args.against / "macslint"), quiet=1)
        against_env = dict(os.environ, PYTHONPATH=str(args.against.resolve()))
    alone = flake8_alone(args.cache)
    # Measured as installed: pip writes bytecode at install time, an editable checkout (or a
    # PYTHONDONTWRITEBYTECODE environment) would make every process compile macslint again.
    package = importlib.util.find_spec("macslint").submodule_search_locations[0]
    compileall.compile_dir(package, quiet=1)
    macslint = [sys.executable, "-m", "macslint"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"repetitions: {args.repeat}; times are wall clock, peak is the largest RSS of one "
          "process\n")
    targets: List[Tuple[str, str, str, bool]] = []  # (target, corpus, measured, met)

    def target(what: str, corpus: str, measured: str, met: bool) -> None:
        targets.append((what, corpus, measured, met))

    for name in args.corpus:
        if name == "lsp":
            lsp = lsp_latency.report(roots["torchvision"], args.repeat)[lsp_latency.EDIT]
            target("language server, edit -> hints: median at most 150 ms", "vgg.py",
                   f"{lsp['median']:.0f} ms", lsp["median"] <= 150)
            target("language server, edit -> hints: 90th percentile at most 250 ms", "vgg.py",
                   f"{lsp['p90']:.0f} ms", lsp["p90"] <= 250)
            continue
        wheel, paths = CORPORA[name]
        root = roots[wheel]
        files = sum(1 for p in paths for _ in (root / p).rglob("*.py"))
        print(f"### {name}: {', '.join(paths)} ({files} files)\n")
        print("| command | median | spread | ratio | peak |")
        print("|---|---|---|---|---|")
        base = measure([str(alone), "-m", "flake8", *paths], root, args.repeat)
        print(row("flake8, default checks (flake8 alone)", base))
        cache_dir = Path(tempfile.mkdtemp(prefix="macslint-bench-cache-"))

        def empty_cache() -> None:
            subprocess.run(["rm", "-rf", str(cache_dir)], check=True)

        flake8 = [sys.executable, "-m", "flake8", "--macslint-cache-dir", str(cache_dir), *paths]
        if not args.check_only:
            plugin = measure(flake8, root, args.repeat, before=empty_cache)
            print(row("flake8, default checks + MAC plugin, cold (vs flake8 alone)", plugin, base))
            plugin_warm = measure(flake8, root, args.repeat)
            print(row("flake8, default checks + MAC plugin, warm (vs flake8 alone)", plugin_warm,
                      base))
            for label, m, most in (("cold", plugin, 2.0), ("warm", plugin_warm, 1.1)):
                ratio = m["median"] / base["median"]
                target(f"flake8 + MAC plugin, {label}: at most {most}x flake8 alone", name,
                       f"{ratio:.2f}x", ratio <= most)
        empty_cache()
        cold = measure([*macslint, "check", "--cache-dir", str(cache_dir), *paths], root,
                       args.repeat, before=empty_cache)
        print(row("macslint check, cold (vs flake8 alone)", cold, base))
        ratio = cold["median"] / base["median"]
        target("macslint check, cold: at most 1.5x flake8 alone", name, f"{ratio:.2f}x",
               ratio <= 1.5)
        warm = measure([*macslint, "check", "--cache-dir", str(cache_dir), *paths], root,
                       args.repeat)
        print(row("macslint check, warm (vs its cold run)", warm, cold))
        if not args.check_only:
            cold1 = measure([*macslint, "check", "-j", "1", "--cache-dir", str(cache_dir), *paths],
                            root, args.repeat, before=empty_cache)
            print(row("macslint check -j1, cold (vs flake8 alone)", cold1, base))
            if name == "timm":
                target("peak memory of check -j1 below 300 MB", name,
                       f"{cold1['peak_mib'] * 1.048576:.0f} MB", cold1["peak_mib"] * 1.048576 < 300)
        if args.against is not None:
            this, other = measure_alternating(
                [*macslint, "check", "--cache-dir", str(cache_dir), *paths], None,
                [sys.executable, "-c", MAIN_ANY, "check", "--cache-dir", str(cache_dir), *paths],
                against_env, root, args.repeat, before=empty_cache)
            print(row(f"macslint check at {args.against}, cold, alternating (vs flake8 alone)",
                      other, base))
            print(row("macslint check, cold, alternating (vs the other checkout)", this, other))
        empty_cache()
        print()
        if name != "torchvision" or args.check_only:
            continue  # the models below are counted once
        print("| one model | macslint report --model, cold | warm | dynamic (torch) | speed-up "
              "(cold) | speed-up (warm) |")
        print("|---|---|---|---|---|---|")
        for module_name, factory in MODELS:
            file = f"torchvision/models/{module_name}.py"
            report = [*macslint, "report", "--cache-dir", str(cache_dir), "--model", factory, file]
            static = measure(report, root, args.repeat, before=empty_cache)
            warm = measure(report, root, args.repeat)
            dynamic = measure([sys.executable, "-c", DYNAMIC, str(root), module_name, factory],
                              root, args.repeat)
            if factory == "resnet50":
                target("report --model resnet50, cold: at most 0.4 s", name,
                       f"{static['median']:.2f} s", static["median"] <= 0.4)
            print(f"| {factory} | {static['median']:.2f} s ({static['peak_mib']:.0f} MiB) | "
                  f"{warm['median']:.2f} s | "
                  f"{dynamic['median']:.2f} s ({dynamic['peak_mib']:.0f} MiB) | "
                  f"{dynamic['median'] / static['median']:.1f}x | "
                  f"{dynamic['median'] / warm['median']:.1f}x |")
        empty_cache()
        print()
    if targets:
        print("### issue 23's targets, as measured in this run\n")
        print("| target | corpus | measured | met |")
        print("|---|---|---|---|")
        for what, corpus, measured, met in targets:
            print(f"| {what} | {corpus} | {measured} | {'yes' if met else 'no'} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
