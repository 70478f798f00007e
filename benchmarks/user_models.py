"""macslint on models as people write them (issue 19): public repositories, declared by hand.

Not a test. For each repository of benchmarks/user_models/*.toml (its URL, the pinned commit,
and the declarations written for it: `[tool.macslint.models.<label>]` entries and class-line
pragmas; never the repository's code), this script

1. copies the repository (but .git and files over 10 MB) to a temporary directory,
   appends the declarations to the copy's pyproject.toml and inserts the pragmas into the
   copies of their files (the corpus directory is never changed);
2. runs `macslint report --no-cache --format json -j 1` there, on the files declared;
3. builds every declared model with PyTorch, from the same copy, in a fresh process each:
   the repository root (and a script's directory, as `python file.py` has it) on
   `sys.path`, the build expression evaluated in its module's namespace inside
   `torch.device("meta")`, `.eval()`, then (still inside it) a forward pass under
   FlopCounterMode on meta tensors of the declared shapes and dtypes with the batch (grad
   enabled); params = sum of numel of
   `model.parameters()`, MACs = flops // 2;
4. compares per model: complete with params and MACs equal to torch's -> exact; complete but
   different -> WRONG; incomplete -> blocked (macslint's first reason).

    python benchmarks/user_models.py --corpus DIR [--work DIR] [--deps DIR] [--repo NAME]

`--corpus DIR` holds the repositories already checked out (DIR/<name>, the names of the TOML
files); a git checkout is checked against the pinned commit (a warning otherwise). Without
`--corpus`, the repositories are cloned at their pinned commits into ~/.cache/macslint-bench/
user-models (network access to GitHub needed). A module given by file path (a script:
`dcgan/main.py:Generator(ngpu)`) is not imported, since importing would train: its top-level
statements run one by one, except loops, `with` blocks, `if __name__ == "__main__":` and
calls of the script's own functions (`main()`), a failing statement skipped (data loading);
its argparse sees the `argv` of the TOML (none: the defaults).

Missing third-party modules that the models do not use to build or run (torchvision's
datasets, PIL, tqdm...) are stubbed on torch's side only (`stubs` in a TOML): a stub fails
loudly when a model touches it. numpy and einops, which models do use, are installed with pip
into `--deps` (default ~/.cache/macslint-bench/user-models-deps), outside the virtualenv.
Exits 1 if any model is WRONG.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parent.parent
DECLARATIONS = REPO / "benchmarks" / "user_models"
DEPS = ["numpy==2.4.6", "einops==0.8.2"]
CACHE = Path.home() / ".cache" / "macslint-bench"
WORKER_TIMEOUT = 600
MACSLINT_TIMEOUT = 1800


# --------------------------------------------------------------------------- declarations


class Model:
    """One declared model: its label, how macslint names it, how torch builds it."""

    def __init__(self, label: str, file: Optional[str], module: Optional[str], expression: str,
                 macslint_name: str, inputs: List[Dict[str, Any]], batch: int, how: str):
        self.label = label
        self.file = file  # the file the build is evaluated in, relative to the repo root
        self.module = module  # a dotted module to import (None: `file` is executed)
        self.expression = expression
        self.macslint_name = macslint_name
        self.inputs = inputs  # [{"name", "shape" (no batch), "dtype"}]
        self.batch = batch
        self.how = how  # "pyproject" or "pragma"


def _inputs(specs: Any) -> List[Dict[str, Any]]:
    return [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype or "float32"} for s in specs]


def load_repo(path: Path) -> Dict[str, Any]:
    """A TOML of benchmarks/user_models: metadata, the [tool.macslint] text to append to the
    copy's pyproject.toml, and its models."""
    sys.path.insert(0, str(REPO))
    from macslint.builds import parse_build
    from macslint.inputs import check_inputs
    from macslint.pragmas import parse_pragma

    text = path.read_text()
    data = tomllib.loads(text)
    meta = data["benchmark"]
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("[tool.macslint"))
    config = data.get("tool", {}).get("macslint", {})
    default_batch = config.get("batch-size", 1)
    models: List[Model] = []
    for label, table in config.get("models", {}).items():
        build = parse_build(table["build"], label=label, key="build", source=str(path))
        if "inputs" in table:
            inputs = _inputs(check_inputs(table["inputs"], key="inputs", source=str(path)))
        else:
            inputs = [{"name": None, "shape": list(table.get("input-size", [3, 224, 224])),
                       "dtype": "float32"}]
        module = build.module
        file = module if module.endswith(".py") else None
        models.append(Model(label, file, None if file else module, build.expression, label,
                            inputs, table.get("batch-size", default_batch), "pyproject"))
    for pragma in meta.get("pragma", []):
        parsed = parse_pragma("# macslint: " + pragma["pragma"], source=str(path))
        cls = pragma["line"].split()[1].split("(")[0]
        build = parsed.get("build")
        expression = build.expression if build else f"{cls}()"
        name = build.label if build else cls
        if "inputs" in parsed:
            inputs = _inputs(parsed["inputs"])
        else:
            inputs = [{"name": None, "shape": list(parsed.get("input_size", (3, 224, 224))),
                       "dtype": "float32"}]
        models.append(Model(pragma["label"], pragma["file"], None, expression, name, inputs,
                            parsed.get("batch_size", default_batch), "pragma"))
    return {"name": path.stem, "url": meta["url"], "commit": meta["commit"],
            "stubs": meta.get("stubs", []), "argv": meta.get("argv", {}),
            "pragmas": meta.get("pragma", []), "config_text": "".join(lines[start:]),
            "models": models}


# --------------------------------------------------------------------------- the corpus


def checkout(repo: Dict[str, Any], corpus: Optional[Path]) -> Path:
    """The repository's directory: under --corpus (its commit checked when it is a git
    checkout), or cloned at the pinned commit into the cache."""
    if corpus is not None:
        root = corpus / repo["name"]
        if not root.is_dir():
            sys.exit(f"{root}: not found (--corpus DIR must hold {repo['name']}/)")
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                              capture_output=True, text=True)
        if head.returncode != 0:
            print(f"warning: {root} is not a git checkout; its commit cannot be checked "
                  f"(expected {repo['commit']})", file=sys.stderr)
        elif head.stdout.strip() != repo["commit"]:
            print(f"warning: {root} is at {head.stdout.strip()}, not the pinned "
                  f"{repo['commit']}", file=sys.stderr)
        return root
    root = CACHE / "user-models" / repo["name"]
    if not (root / ".git").is_dir():
        root.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "--quiet", "--filter=blob:none", "--no-checkout",
                        repo["url"], str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "--quiet", repo["commit"]], check=True)
    return root


def copy_repo(repo: Dict[str, Any], source: Path, work: Path) -> Path:
    """The checkout's files (not .git, nor files over 10 MB that are not Python), with the
    declarations added."""
    root = work / repo["name"]
    if root.exists():
        shutil.rmtree(root)
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if ".git" in relative.parts or not path.is_file():
            continue
        if path.suffix == ".py" or path.stat().st_size <= 10_000_000:  # data files the code reads
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    pyproject = root / "pyproject.toml"
    existing = pyproject.read_text() if pyproject.exists() else ""
    if "[tool.macslint" in existing:
        sys.exit(f"{source}/pyproject.toml already has a [tool.macslint] table")
    pyproject.write_text(existing + ("\n" if existing else "") + repo["config_text"])
    for pragma in repo["pragmas"]:
        path = root / pragma["file"]
        lines = path.read_text().splitlines(keepends=True)
        hits = [i for i, line in enumerate(lines) if line.strip() == pragma["line"]]
        if len(hits) != 1:
            sys.exit(f"{pragma['file']}: {len(hits)} lines are {pragma['line']!r}, want one")
        line = lines[hits[0]].rstrip("\r\n")
        lines[hits[0]] = f"{line}  # macslint: {pragma['pragma']}\n"
        path.write_text("".join(lines))
    return root


def module_file(root: Path, model: Model) -> str:
    if model.file:
        return model.file
    dotted = model.module.replace(".", "/")
    return f"{dotted}.py" if (root / f"{dotted}.py").exists() else f"{dotted}/__init__.py"


# --------------------------------------------------------------------------- macslint


def run_macslint(root: Path, files: List[str]) -> Tuple[Dict[str, Any], float, str]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "macslint", "report", "--no-cache",
                           "--format", "json", "-j", "1", *files],
                          cwd=root, capture_output=True, text=True, timeout=MACSLINT_TIMEOUT)
    elapsed = time.perf_counter() - started
    try:
        return json.loads(proc.stdout), elapsed, proc.stderr
    except json.JSONDecodeError:
        return {}, elapsed, f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"


def macslint_result(report: Dict[str, Any], file: str, model: Model) -> Dict[str, Any]:
    """macslint's model for `model`: complete, params, macs, reason."""
    wanted = Path(file).as_posix()
    for entry in report.get("files", []):
        if Path(entry["path"]).as_posix().lstrip("./") != wanted.lstrip("./"):
            continue
        if entry.get("error"):
            return {"complete": False, "reason": f"file not analysed: {entry['error']}"}
        for m in entry.get("models", []):
            if m["name"] == model.macslint_name:
                reason = m.get("reason")
                if not m.get("complete") and not reason:
                    untraced = [layer for layer in m.get("layers", []) if layer.get("reason")]
                    reason = untraced[0]["reason"] if untraced else "incomplete (no reason given)"
                return {"complete": bool(m.get("complete")), "params": m.get("params"),
                        "macs": m.get("macs"), "reason": reason}
        callee = model.expression.split("(")[0].split(".")[-1]
        for nb in entry.get("not_built", []):
            if nb["name"] == callee:
                return {"complete": False, "reason": f"not built: {nb['reason']}"}
        names = [m["name"] for m in entry.get("models", [])]
        return {"complete": False, "reason": f"no model {model.macslint_name!r} (models: {names})"}
    return {"complete": False, "reason": f"{file} not in the report"}


# --------------------------------------------------------------------------- torch's side


def run_torch(root: Path, repo: Dict[str, Any], model: Model, deps: Path) -> Dict[str, Any]:
    job = {"root": str(root), "file": module_file(root, model), "module": model.module,
           "expression": model.expression, "inputs": model.inputs, "batch": model.batch,
           "stubs": repo["stubs"], "argv": repo["argv"].get(model.file or "", []),
           "deps": str(deps)}
    try:
        proc = subprocess.run([sys.executable, __file__, "--torch-worker", json.dumps(job)],
                              cwd=root / Path(job["file"]).parent, capture_output=True,
                              text=True, timeout=WORKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {WORKER_TIMEOUT} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"error": f"worker exit {proc.returncode}: {proc.stderr.strip()[-500:]}"}


def _stub_modules(names: List[str]) -> None:
    """Modules the repository imports but the models do not use: a stub that raises when used
    as a value (calls and attributes give more stubs, so decorators and imports pass)."""
    import importlib.abc
    import importlib.machinery
    import importlib.util
    import types

    missing = {n for n in names if importlib.util.find_spec(n) is None}

    class Stub:
        def __init__(self, name: str):
            object.__setattr__(self, "_name", name)

        def __getattr__(self, attr: str) -> "Stub":
            if attr.startswith("__"):
                raise AttributeError(attr)
            return Stub(f"{self._name}.{attr}")

        def __call__(self, *args: Any, **kwargs: Any) -> "Stub":
            return Stub(f"{self._name}()")

        def __mro_entries__(self, bases: Any) -> Tuple[type, ...]:
            return (object,)

        def _used(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"stubbed module used: {self._name}")

        __bool__ = __int__ = __index__ = __iter__ = __len__ = __float__ = _used
        __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __truediv__ = __getitem__ = _used

    class Module(types.ModuleType):
        def __getattr__(self, attr: str) -> Any:
            if attr.startswith("__"):
                raise AttributeError(attr)
            return Stub(f"{self.__name__}.{attr}")

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname.split(".")[0] in missing:
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            return None

        def create_module(self, spec: Any) -> Any:
            module = Module(spec.name)
            module.__path__ = []
            return module

        def exec_module(self, module: Any) -> None:
            pass

    sys.meta_path.insert(0, Finder())


def _run_script(path: Path, argv: List[str]) -> Dict[str, Any]:
    """A script's namespace without its training: top-level statements one by one."""
    source = path.read_text()
    tree = ast.parse(source, str(path))
    own = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    namespace: Dict[str, Any] = {"__name__": "__benchmark__", "__file__": str(path),
                                 "__builtins__": __builtins__}
    sys.argv = [str(path), *argv]
    for node in tree.body:
        if isinstance(node, (ast.For, ast.While, ast.With, ast.AsyncFor, ast.AsyncWith)):
            continue
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Name) and node.value.func.id in own:
            continue
        code = compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec")
        try:
            exec(code, namespace)
        except (Exception, SystemExit):
            pass
    return namespace


def torch_worker(job: Dict[str, Any]) -> Dict[str, Any]:
    import importlib
    import io
    from contextlib import redirect_stdout

    sys.path.insert(0, job["deps"])
    root = Path(job["root"])
    file = root / job["file"]
    sys.path.insert(0, str(root))
    if not job["module"]:  # a script: its directory first, as `python file.py` has it
        sys.path.insert(0, str(file.parent))
    _stub_modules(job["stubs"])
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    try:
        with redirect_stdout(io.StringIO()):
            with torch.device("meta"):
                if job["module"]:
                    namespace = vars(importlib.import_module(job["module"]))
                else:
                    namespace = _run_script(file, job["argv"])
                model = eval(job["expression"], namespace)
                model.eval()
                params = sum(p.numel() for p in model.parameters())
                args, kwargs = [], {}
                for spec in job["inputs"]:
                    tensor = torch.zeros((job["batch"], *spec["shape"]),
                                         dtype=getattr(torch, spec["dtype"]), device="meta")
                    if spec["name"]:
                        kwargs[spec["name"]] = tensor
                    else:
                        args.append(tensor)
                with FlopCounterMode(display=False) as counter:
                    model(*args, **kwargs)
        return {"params": params, "macs": counter.get_total_flops() // 2}
    except Exception as exc:  # noqa: BLE001 - reported in the table
        text = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return {"error": text[:300]}


# --------------------------------------------------------------------------- the table


def first_reason(text: str) -> str:
    """The first of macslint's reasons (they are joined with '; '), outside quotes."""
    depth = 0
    for index, char in enumerate(text):
        if char == "`":
            depth ^= 1
        elif not depth and text.startswith("; ", index):
            return text[:index]
    return text


def verdict(ours: Dict[str, Any], torch: Dict[str, Any]) -> Tuple[str, str]:
    if not ours["complete"]:
        return "blocked", first_reason(ours["reason"] or "")
    if "error" in torch:
        return "unverified", f"macslint complete, torch could not run it: {torch['error']}"
    if (ours["params"], ours["macs"]) == (torch["params"], torch["macs"]):
        return "exact", ""
    return "WRONG", "params or MACs differ from torch"


def fmt(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="the repositories, checked out (DIR/<name>)")
    parser.add_argument("--work", type=Path, help="where the copies go (default: a temporary dir)")
    parser.add_argument("--deps", type=Path, default=CACHE / "user-models-deps",
                        help="pip --target directory for numpy and einops (torch's side only)")
    parser.add_argument("--repo", action="append", help="only this repository (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--torch-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        result = torch_worker(json.loads(args.torch_worker))
        print("RESULT " + json.dumps(result))
        return 0

    if not all((args.deps / name.split("==")[0]).is_dir() for name in DEPS):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                        str(args.deps), *DEPS], check=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="macslint-user-models-"))
    rows: List[Dict[str, Any]] = []
    times: Dict[str, float] = {}
    for toml in sorted(DECLARATIONS.glob("*.toml")):
        repo = load_repo(toml)
        if args.repo and repo["name"] not in args.repo:
            continue
        root = copy_repo(repo, checkout(repo, args.corpus), work)
        files = sorted({module_file(root, m) for m in repo["models"]})
        report, elapsed, errors = run_macslint(root, files)
        times[repo["name"]] = elapsed
        if not report:
            print(f"{repo['name']}: macslint failed: {errors}", file=sys.stderr)
        for model in repo["models"]:
            ours = macslint_result(report, module_file(root, model), model) if report else \
                {"complete": False, "reason": f"macslint failed: {errors[:200]}"}
            theirs = run_torch(root, repo, model, args.deps)
            kind, reason = verdict(ours, theirs)
            row = {"repo": repo["name"], "label": model.label, "declared": model.how,
                   "torch_params": theirs.get("params"), "torch_macs": theirs.get("macs"),
                   "torch_error": theirs.get("error"), "params": ours.get("params"),
                   "macs": ours.get("macs"), "complete": ours["complete"], "verdict": kind,
                   "reason": reason, "reasons": ours.get("reason")}
            rows.append(row)
            print(f"{repo['name']:28} {model.label:36} {kind:10} {reason[:100]}", file=sys.stderr)

    print("| repo | model | declared | torch params | torch MACs | macslint params | "
          "macslint MACs | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        tp = fmt(r["torch_params"]) if r["torch_error"] is None else "error"
        tm = fmt(r["torch_macs"]) if r["torch_error"] is None else "error"
        text = r["verdict"] + (f": {r['reason']}" if r["reason"] else "")
        text = text.replace("|", "\\|").replace("\n", " ")
        print(f"| {r['repo']} | {r['label']} | {r['declared']} | {tp} | {tm} | "
              f"{fmt(r['params'])} | {fmt(r['macs'])} | {text} |")
    counts = {k: sum(1 for r in rows if r["verdict"] == k)
              for k in ("exact", "WRONG", "unverified", "blocked")}
    total = len(rows)
    print()
    print(f"models: {total}; exact: {counts['exact']} ({100 * counts['exact'] / max(total, 1):.1f}%); "
          f"WRONG: {counts['WRONG']}; complete but not verifiable: {counts['unverified']}; "
          f"blocked: {counts['blocked']}; repositories: {len({r['repo'] for r in rows})}")
    print("macslint time per repository (s): " +
          ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
    torch_failed = [r for r in rows if r["torch_error"]]
    if torch_failed:
        print()
        print("torch could not build or run:")
        for r in torch_failed:
            print(f"- {r['repo']} {r['label']}: {r['torch_error']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if counts["WRONG"] else 0


if __name__ == "__main__":
    sys.exit(main())
