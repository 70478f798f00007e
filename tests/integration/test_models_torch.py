"""Whole-model tracing, with PyTorch as the oracle.

Every file in fixtures/models/ (except shape_errors.py) is real, runnable model code. For every
model class in it that can be built without arguments, `macslint report --format json` must
report a model entry (`files[0]["models"]`) whose totals and per-layer list are exactly what
PyTorch measures when the model runs:

* the input is a zero tensor of the shape the class line's pragma gives
  (`# macslint: input-size=3x32x32, batch-size=2`; batch 1 by default), of dtype long when the
  model's first layer is an nn.Embedding (token ids);
* the model is used as constructed (training mode: batch norm and dropout do not change shapes);
* params = sum of numel over `model.parameters()` (torch deduplicates shared modules);
* MACs = `FlopCounterMode` flops over the whole forward // 2 (so matmuls written in forward,
  such as attention's `q @ k.transpose(-2, -1)`, count);
* layers = one entry per call of a leaf torch.nn module (no children, not a container), in call
  order: (path as `named_modules()` names it, first name for a shared module; class name; shape
  of the first input; output shape; that call's MACs measured in isolation; the module's params).

shape_errors.py holds one model per kind of static shape mismatch: torch raises in each forward,
and `macslint check` reports MAC011 on exactly the lines marked `# expect: MAC011`.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import re
import sys
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from tests.helpers import FIXTURES, lines, macslint
from tests.integration import fixture_oracle

MODELS_DIR = FIXTURES / "models"
SHAPE_ERRORS = "shape_errors.py"
MODEL_FILES: List[str] = sorted(p.name for p in MODELS_DIR.glob("*.py") if p.name != SHAPE_ERRORS)

# Models macslint is allowed to trace only partially: (file, class) -> substring of `reason`.
EXPECTED_INCOMPLETE: Dict[Tuple[str, str], str] = {}

# Modules that only hold other modules; an empty one (`self.shortcut = nn.Sequential()`) has no
# children but is no layer: calling it returns its input.
CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
INDEX_INPUT = (nn.Embedding, nn.EmbeddingBag)

PRAGMA = re.compile(r"#\s*macslint:\s*(?P<body>.*?)\s*$")
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>MAC\d{3}(?:\s*,\s*MAC\d{3})*)")
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>MAC\d{3}) (?P<message>.+)$")
SHAPE_TEXT = re.compile(r"\b\d+(?:x\d+)+\b")

Shape = Tuple[int, ...]
LayerRow = Tuple[str, str, Optional[Shape], Optional[Shape], int, int]


# --------------------------------------------------------------------------- fixture discovery


@dataclass(frozen=True)
class ModelSpec:
    file: str
    name: str
    line: int
    input: Tuple[int, ...]  # full shape, batch first

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def _pragma(source_line: str) -> Dict[str, str]:
    match = PRAGMA.search(source_line)
    if not match:
        return {}
    settings = {}
    for item in match["body"].split(","):
        key, _, value = item.partition("=")
        settings[key.strip()] = value.strip()
    return settings


def _class_lines(path: Path) -> Dict[str, Tuple[int, Dict[str, str]]]:
    """Top-level class name -> (line of `class`, its pragma settings)."""
    source = path.read_text(encoding="utf-8")
    text_lines = source.splitlines()
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = (node.lineno, _pragma(text_lines[node.lineno - 1]))
    return found


@lru_cache(maxsize=None)
def load_fixture(file: str) -> ModuleType:
    path = MODELS_DIR / file
    name = f"_macslint_fixture_models_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in fixtures/
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


def _no_arg_constructible(cls: type) -> bool:
    """True when `cls()` binds: every constructor parameter has a default."""
    try:
        inspect.signature(cls).bind()
    except TypeError:
        return False
    return True


def module_classes(file: str) -> List[type]:
    """nn.Module subclasses defined in the file, in source order."""
    module = load_fixture(file)
    classes = [
        obj for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, nn.Module) and obj.__module__ == module.__name__
    ]
    order = _class_lines(MODELS_DIR / file)
    return sorted(classes, key=lambda cls: order[cls.__name__][0])


def model_specs(file: str) -> List[ModelSpec]:
    lines_and_pragmas = _class_lines(MODELS_DIR / file)
    specs = []
    for cls in module_classes(file):
        if not _no_arg_constructible(cls):
            continue
        line, pragma = lines_and_pragmas[cls.__name__]
        assert "input-size" in pragma, f"{file}:{line}: model {cls.__name__} has no input-size pragma"
        size = tuple(int(d) for d in pragma["input-size"].split("x"))
        batch = int(pragma.get("batch-size", "1"))
        specs.append(ModelSpec(file, cls.__name__, line, (batch, *size)))
    return specs


ALL_SPECS: List[ModelSpec] = [spec for file in MODEL_FILES for spec in model_specs(file)]
SHAPE_ERROR_SPECS: List[ModelSpec] = model_specs(SHAPE_ERRORS)


def build(spec: ModelSpec) -> nn.Module:
    torch.manual_seed(0)
    return getattr(load_fixture(spec.file), spec.name)()


def first_layer(model: nn.Module) -> Optional[nn.Module]:
    for module in model.modules():
        if _is_layer(module):
            return module
    return None


def make_input(model: nn.Module, shape: Sequence[int]) -> torch.Tensor:
    """Zeros of the model's input shape; token ids (long) when the first layer is an embedding."""
    dtype = torch.long if isinstance(first_layer(model), INDEX_INPUT) else torch.float32
    return torch.zeros(tuple(shape), dtype=dtype)


# --------------------------------------------------------------------------- the torch side


def _is_layer(module: nn.Module) -> bool:
    return next(module.children(), None) is None and not isinstance(module, CONTAINERS)


def _shape(value: Any) -> Optional[Shape]:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def _zeros_like_spec(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.zeros(value.shape, dtype=value.dtype)
    return value


@dataclass
class TorchTrace:
    params: int
    macs: int
    output: Optional[Shape]
    layers: List[LayerRow]


def count_macs(fn, *args: Any) -> Tuple[int, Any]:
    with FlopCounterMode(display=False) as counter:
        result = fn(*args)
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    return flops // 2, result


@lru_cache(maxsize=None)
def torch_trace(spec: ModelSpec) -> TorchTrace:
    model = build(spec)
    names: Dict[nn.Module, str] = {}
    for name, module in model.named_modules():  # deduplicated: a shared module keeps its first name
        names.setdefault(module, name)
    calls: List[Tuple[nn.Module, Tuple[Any, ...], Any]] = []

    def hook(module: nn.Module, args: Tuple[Any, ...], output: Any) -> None:
        # record shapes and dtypes only: in-place layers may change the tensors afterwards
        calls.append((module, tuple(torch.empty(a.shape, dtype=a.dtype, device="meta")
                                    if isinstance(a, torch.Tensor) else a for a in args), _shape(output)))

    handles = []
    for module in model.modules():
        if _is_layer(module):
            assert type(module).__module__.startswith("torch.nn"), (
                f"{spec.id}: {type(module).__name__} is a user-defined module without children; "
                "the fixtures keep every leaf a torch.nn layer"
            )
            handles.append(module.register_forward_hook(hook))
    x = make_input(model, spec.input)
    try:
        with torch.no_grad():
            macs, output = count_macs(model, x)
    finally:
        for handle in handles:
            handle.remove()

    layers: List[LayerRow] = []
    with torch.no_grad():
        for module, args, out_shape in calls:
            inputs = [_zeros_like_spec(a) for a in args]
            layer_macs, _ = count_macs(module, *inputs)
            first = next((a for a in args if isinstance(a, torch.Tensor)), None)
            layers.append((
                names[module],
                type(module).__name__,
                _shape(first),
                out_shape,
                layer_macs,
                sum(p.numel() for p in module.parameters()),
            ))
    return TorchTrace(
        params=sum(p.numel() for p in model.parameters()),
        macs=macs,
        output=_shape(output),
        layers=layers,
    )


# --------------------------------------------------------------------------- the macslint side


@lru_cache(maxsize=None)
def macslint_report(file: str) -> Dict[str, Any]:
    result = macslint("report", "--format", "json", f"models/{file}")
    try:
        data = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"macslint report models/{file} exited {result.returncode}, no JSON:\n{result.stderr}")
    assert len(data["files"]) == 1
    report = data["files"][0]
    assert report["error"] is None, f"macslint report models/{file}: {report['error']}"
    assert result.returncode == 0, f"macslint report models/{file} exited {result.returncode}:\n{result.stderr}"
    return report


def macslint_models(file: str) -> List[Dict[str, Any]]:
    report = macslint_report(file)
    if "models" not in report:
        pytest.fail(f"macslint report has no 'models' for models/{file}: whole-model tracing not implemented")
    return report["models"]


def macslint_model(spec: ModelSpec) -> Dict[str, Any]:
    entries = [m for m in macslint_models(spec.file) if m["name"] == spec.name]
    reported = [m["name"] for m in macslint_models(spec.file)]
    assert len(entries) == 1, f"{spec.id}: macslint reports models {reported}"
    return entries[0]


def _row(layer: Dict[str, Any]) -> LayerRow:
    def shape(value: Optional[List[int]]) -> Optional[Shape]:
        return None if value is None else tuple(value)

    return (layer["path"], layer["kind"], shape(layer["input"]), shape(layer["output"]), layer["macs"],
            layer["params"])


def _fmt_row(row: Optional[LayerRow]) -> str:
    if row is None:
        return "-"
    path, kind, shape_in, shape_out, macs, params = row
    fmt = lambda s: "None" if s is None else "x".join(map(str, s))  # noqa: E731
    return f"{path} {kind} {fmt(shape_in)} -> {fmt(shape_out)} macs={macs} params={params}"


def layer_diff(ours: List[LayerRow], theirs: List[LayerRow]) -> str:
    """Both lists side by side, the first differing entry marked."""
    first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    out = [f"first difference at layer {first} (macslint {len(ours)} layers, torch {len(theirs)})"]
    for i in range(max(len(ours), len(theirs))):
        a = ours[i] if i < len(ours) else None
        b = theirs[i] if i < len(theirs) else None
        mark = ">>" if i == first else ("  " if a == b else " !")
        out.append(f"{mark} {i:3d} macslint: {_fmt_row(a)}")
        if a != b:
            out.append(f"{'':6s}   torch:    {_fmt_row(b)}")
    return "\n".join(out)


# --------------------------------------------------------------------------- tests: the fixture set


def test_model_fixture_set_covers_the_styles():
    assert len(MODEL_FILES) >= 15
    assert len(ALL_SPECS) >= 30
    sources = "\n".join((MODELS_DIR / f).read_text(encoding="utf-8") for f in MODEL_FILES)
    for needle in (
        "ConvTranspose2d", "Conv1d", "Conv3d", "torch.cat", "nn.ModuleList", "OrderedDict", "nn.Parameter",
        "nn.ModuleDict", "add_module", "nn.Embedding", "groups=", "+=", "@ k.transpose(-2, -1)", "super().__init__(",
        ".view(", "torch.flatten(", "F.max_pool2d", "AdaptiveAvgPool2d", "AdaptiveAvgPool1d", "BatchNorm3d",
        ".mean(dim=1)", "batch-size=",
    ):
        assert needle in sources, needle
    # a model built from another model class of its own file, and a subclass of one
    nested = subclassed = False
    for file in MODEL_FILES:
        classes = {cls.__name__ for cls in module_classes(file)}
        for node in ast.walk(ast.parse((MODELS_DIR / file).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                subclassed |= any(isinstance(b, ast.Name) and b.id in classes for b in node.bases)
                for call in ast.walk(node):
                    nested |= (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                               and call.func.id in classes and bool(call.args or call.keywords))
    assert nested and subclassed


def test_every_model_file_has_a_model():
    for file in MODEL_FILES:
        assert model_specs(file), file


def test_some_model_takes_token_ids():
    assert any(make_input(build(spec), spec.input).dtype == torch.long for spec in ALL_SPECS)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
def test_torch_runs_the_model(spec):
    """The oracle side alone: the model runs on its pragma input and has layers to compare."""
    trace = torch_trace(spec)
    assert trace.layers
    assert trace.params > 0
    assert 0 < trace.macs < 200_000_000  # keep the suite fast
    assert sum(row[4] for row in trace.layers) <= trace.macs


def test_torch_oracle_counts_what_we_think():
    """Pin the torch conventions the comparison relies on (LeNet from the PyTorch tutorial)."""
    trace = torch_trace(next(s for s in ALL_SPECS if s.id == "lenet_attrs.py::LeNet"))
    assert trace.params == 61706 and trace.macs == 416520 and trace.output == (1, 10)
    assert trace.layers[0] == ("conv1", "Conv2d", (1, 1, 32, 32), (1, 6, 28, 28), 117600, 156)
    assert [row[0] for row in trace.layers] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    # a shared module: one name, params counted once in the total, MACs at every call
    shared = torch_trace(next(s for s in ALL_SPECS if s.id == "shared_module.py::SharedConv"))
    assert [row[:2] for row in shared.layers] == [("conv", "Conv2d"), ("relu", "ReLU")] * 2
    assert shared.params == 8 * 8 * 9 + 8 and shared.macs == 2 * 8 * 8 * 9 * 16 * 16
    # attention's matmuls in forward count in the total, not in any layer
    vit = torch_trace(next(s for s in ALL_SPECS if s.id == "vit_tiny.py::ViTTiny"))
    assert sum(row[4] for row in vit.layers) < vit.macs
    # an empty nn.Sequential shortcut is not a layer
    cifar = torch_trace(next(s for s in ALL_SPECS if s.id == "resnet_basic.py::CifarResNet"))
    assert "Sequential" not in {row[1] for row in cifar.layers}


def test_layer_diff_shows_both_sides():
    row = ("conv", "Conv2d", (1, 3, 8, 8), (1, 4, 6, 6), 3888, 112)
    text = layer_diff([row, row], [row, row[:4] + (3889, 112)])
    assert "first difference at layer 1" in text and "macs=3888" in text and "macs=3889" in text


# --------------------------------------------------------------------------- tests: macslint = torch


@pytest.mark.parametrize("file", MODEL_FILES)
def test_macslint_reports_exactly_the_constructible_models(file):
    reported = [m["name"] for m in macslint_models(file)]
    assert sorted(reported) == sorted(spec.name for spec in model_specs(file))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
def test_model_matches_torch(spec):
    entry = macslint_model(spec)
    assert (entry["line"], entry["col"]) == (spec.line, 1)
    assert entry["input"] == list(spec.input)

    incomplete = EXPECTED_INCOMPLETE.get((spec.file, spec.name))
    if incomplete is not None:
        assert entry["complete"] is False and incomplete in (entry["reason"] or ""), entry["reason"]
        return
    assert entry["complete"] is True, f"{spec.id}: incomplete: {entry['reason']}"
    assert entry["reason"] is None

    trace = torch_trace(spec)
    ours = [_row(layer) for layer in entry["layers"]]
    assert ours == trace.layers, f"{spec.id}\n{layer_diff(ours, trace.layers)}"
    assert all(layer["traced"] is True and layer["reason"] is None for layer in entry["layers"])
    assert entry["params"] == trace.params, f"{spec.id}: params {entry['params']}, torch {trace.params}"
    assert entry["macs"] == trace.macs, f"{spec.id}: macs {entry['macs']}, torch {trace.macs}"
    expected_output = None if trace.output is None else list(trace.output)
    assert entry["output"] == expected_output


# --------------------------------------------------------------------------- tests: shape errors


def _expected_lines(file: str, code: str) -> List[int]:
    """Lines with an `expect:` comment naming the code (comments only, not docstrings)."""
    found = []
    with open(MODELS_DIR / file, encoding="utf-8") as handle:
        for token in tokenize.generate_tokens(handle.readline):
            match = EXPECT.match(token.string) if token.type == tokenize.COMMENT else None
            if match and code in [c.strip() for c in match["codes"].split(",")]:
                found.append(token.start[0])
    return found


def test_shape_errors_fixture_is_well_formed():
    expect = _expected_lines(SHAPE_ERRORS, "MAC011")
    assert len(SHAPE_ERROR_SPECS) >= 5
    assert len(expect) == len(SHAPE_ERROR_SPECS)  # one mismatch per model
    spans = sorted(spec.line for spec in SHAPE_ERROR_SPECS)
    owners = [max(s for s in spans if s < line) for line in expect]
    assert sorted(owners) == spans, "each model class holds exactly one expected MAC011 line"


@pytest.mark.parametrize("spec", SHAPE_ERROR_SPECS, ids=lambda s: s.id)
def test_shape_error_model_raises_in_torch(spec):
    model = build(spec)
    with torch.no_grad(), pytest.raises((RuntimeError, ValueError, IndexError)):
        model(make_input(model, spec.input))


def test_shape_errors_reported_on_the_marked_lines():
    result = macslint("check", "--select", "MAC", f"models/{SHAPE_ERRORS}")
    assert result.stderr == ""
    findings = [FINDING.match(line) for line in lines(result.stdout)]
    assert all(findings), result.stdout
    mac011 = [m for m in findings if m["code"] == "MAC011"]
    assert all(m["path"] == f"models/{SHAPE_ERRORS}" and int(m["col"]) >= 1 for m in mac011)
    assert sorted(int(m["line"]) for m in mac011) == _expected_lines(SHAPE_ERRORS, "MAC011"), result.stdout
    for m in mac011:
        assert len(SHAPE_TEXT.findall(m["message"])) >= 2, f"message names no two shapes: {m.group(0)}"
    assert result.returncode == 1


# --------------------------------------------------------------------------- the other fixtures


def test_complete_models_of_the_other_fixtures_match_torch():
    """Every model of the fixtures outside models/ (the single-layer showcase files) that torch
    builds and runs is a complete model in macslint's report, with torch's numbers. Torch's side
    is tests/integration/fixture_oracle.py: the model run on the meta device at the input its
    pragma or fixtures/pyproject.toml gives, read by the oracle (nothing from the report)."""
    checked = 0
    for path in sorted(p for p in FIXTURES.rglob("*.py") if MODELS_DIR not in p.parents):
        relative = path.relative_to(FIXTURES).as_posix()
        report = json.loads(macslint("report", "--format", "json", relative).stdout)
        entries = {m["name"]: m for m in report["files"][0]["models"]}
        for run in fixture_oracle.torch_fixture(relative).models:
            if not run.runs or run.error is not None or run.build_errors:
                continue  # no forward(), or torch refuses it: test_fixtures.py checks those
            entry = entries.get(run.name)
            assert entry is not None and entry["complete"], f"{relative}: {run.name} not complete: {entry}"
            assert (entry["input"], entry["params"], entry["macs"], entry["output"]) == (
                list(run.input), run.params, run.macs, list(run.output)), f"{relative}: {run.name}"
            checked += 1
    assert checked >= 4  # vgg, lenet, clean_block, imports' build(), ...
