"""PyTorch's side of the fixtures/ showcase: every fixture file run by torch, nothing taken from
macslint.

The oracle imports each fixture module with importlib (its own source, unchanged) while every
`torch.nn` layer class's `__init__` is wrapped. A construction called from the fixture file is
recorded at the position of its call expression: the calling frame's `f_lasti` looked up in
`co_positions()` (Python 3.11) gives the exact line and column, the same place macslint names
(1-based line, 1-based column). Then every nn.Module subclass of the file that can be built
without arguments, and every module-level function that returns a module when called without
arguments (a factory, such as `build()` in imports.py), is built; those with a `forward()` run
on their input shape. That shape is read by the oracle itself: the class line's
`# macslint: input-size=...` pragma, else `[tool.macslint.models.<Name>]`, else the file's
`input-size` (with its per-path overrides) in fixtures/pyproject.toml, read with tomllib.

Everything runs as REFERENCE.md says the reference runs: on the meta device, eval mode, grad
enabled; MACs = `FlopCounterMode` flops // 2. Measured per fixture:

* each construction (`Built`): the torch module, or the exception torch raised building it
  (the fixture's `__init__` then goes on, with a bare module in the layer's place, so one bad
  layer does not hide the others: invalid.py holds eleven);
* each construction costed on its own (`standalone`): a convolution at
  (batch, in_channels, last N dims of input-size), a Linear at (batch, in_features), a Bilinear
  at (batch, in1) and (batch, in2); other layers have no input of their own;
* each model run (`ModelRun`): params, MACs and output shape of the whole model, every call of a
  recorded layer (model, path as `named_modules()` names it, input and output shape with the
  batch, that call's MACs and the layer's params), or the exception torch raised, with the
  layer running at that moment and the fixture line the traceback ends in.

Bilinear is the one layer `FlopCounterMode` does not count (it has no formula for
aten::_trilinear, flops 0): its MACs are REFERENCE.md's N * out * in1 * in2, taken from the
weight torch built.

Fixtures that torch cannot import as they are, named with why (never silently skipped):
`IMPORT_STUBS` below.
"""

from __future__ import annotations

import ast
import copy
import fnmatch
import functools
import importlib.util
import inspect
import io
import re
import sys
import tokenize
import tomllib
import traceback
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from tests.helpers import FIXTURES

Position = Tuple[int, int]  # 1-based line, 1-based column of a call expression
Shape = Tuple[int, ...]

PYPROJECT = FIXTURES / "pyproject.toml"
# The defaults README.md documents (the configuration table); the showcase sets input-size itself.
DEFAULT_SETTINGS: Dict[str, Any] = {"input-size": [3, 224, 224], "batch-size": 1, "unit": "macs"}
NOT_SETTINGS = ("per-path", "models", "exclude", "baseline")

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)
INDEX_INPUT = (nn.Embedding, nn.EmbeddingBag)


class ProjectLinear(nn.Module):
    """Stands for unresolved.py's `from .layers import Linear`: the project's own layer, not a
    torch.nn class, so torch records no layer where it is built (macslint cannot tell what it is
    and costs nothing there)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()


# Fixture -> {relative module: its attributes}. These fixtures import a module of their project
# that the showcase does not ship; the oracle supplies a stand-in so the rest of the file runs.
IMPORT_STUBS: Dict[str, Dict[str, Dict[str, Any]]] = {
    "unresolved.py": {"layers": {"Linear": ProjectLinear}},
}


# --------------------------------------------------------------------------- configuration


@functools.lru_cache(maxsize=None)
def _macslint_table() -> Mapping[str, Any]:
    with open(PYPROJECT, "rb") as handle:
        return tomllib.load(handle)["tool"]["macslint"]


def _pattern_matches(pattern: str, relative: str) -> bool:
    """The documented per-path glob rule: the path or one of its parent directories matches;
    a pattern without "/" also matches any single path component."""
    pure = PurePosixPath(relative)
    candidates = [relative, *(p.as_posix() for p in pure.parents if p.as_posix() != ".")]
    if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
        return True
    return "/" not in pattern and any(fnmatch.fnmatchcase(part, pattern) for part in pure.parts)


def file_settings(fixture: str) -> Dict[str, Any]:
    """[tool.macslint] of fixtures/pyproject.toml with every matching per-path entry on top."""
    table = _macslint_table()
    settings = dict(DEFAULT_SETTINGS)
    settings.update({k: v for k, v in table.items() if k not in NOT_SETTINGS})
    for pattern, entry in table.get("per-path", {}).items():
        if _pattern_matches(pattern, fixture):
            settings.update(entry)
    return settings


def pragma(source_line: str) -> Dict[str, str]:
    """The `# macslint: key=value, ...` settings of a line's comment."""
    comments = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source_line + "\n").readline)
                if tok.type == tokenize.COMMENT] if "#" in source_line else []
    settings: Dict[str, str] = {}
    for comment in comments:
        for part in comment.split("#"):
            part = part.strip()
            if part.startswith("macslint:"):
                for item in part[len("macslint:"):].replace(",", " ").split():
                    key, _, value = item.partition("=")
                    settings[key] = value
    return settings


def model_settings(fixture: str, name: str, line: int) -> Dict[str, Any]:
    """file < [tool.macslint.models.<Name>] < the pragma on the model's `class`/`def` line."""
    settings = file_settings(fixture)
    settings.update(_macslint_table().get("models", {}).get(name, {}))
    for key, value in pragma(source_lines(fixture)[line - 1]).items():
        settings[key] = [int(d) for d in value.split("x")] if key == "input-size" else (
            int(value) if key == "batch-size" else value)
    return settings


@functools.lru_cache(maxsize=None)
def source_lines(fixture: str) -> List[str]:
    return (FIXTURES / fixture).read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------- what torch measured


@dataclass
class Built:
    """One torch.nn layer constructed by the fixture's source."""

    position: Position
    kind: str  # the torch.nn class name
    module: Optional[nn.Module]  # None when torch refused to build it
    error: Optional[str] = None

    @property
    def params(self) -> Optional[int]:
        return None if self.module is None else sum(p.numel() for p in self.module.parameters())

    @property
    def is_leaf(self) -> bool:
        return self.module is not None and is_layer(self.module)


@dataclass
class Standalone:
    """A layer costed on its own at the file's input-size (batch first)."""

    inputs: Optional[List[Shape]] = None  # None: the layer has no input of its own
    output: Optional[Shape] = None
    macs: int = 0
    error: Optional[str] = None
    needs_dims: Optional[int] = None  # spatial dims a convolution needs that input-size lacks


@dataclass
class Call:
    """One call of a recorded layer in a model's forward."""

    model: str
    path: str
    input: Shape  # the first tensor argument, batch first
    output: Optional[Shape]
    macs: int
    params: int


@dataclass
class ModelRun:
    """A model of the file (a class or factory callable without arguments), built and run."""

    name: str
    line: int  # of its `class` or `def`
    settings: Dict[str, Any]
    input: Shape  # batch first
    runs: bool  # it has a forward() (a bare nn.Module has none)
    build_errors: List[Built] = field(default_factory=list)  # layers torch refused while building it
    build_exception: Optional[str] = None  # what else building it raised
    params: Optional[int] = None
    macs: Optional[int] = None
    output: Optional[Shape] = None
    error: Optional[BaseException] = None  # what torch raised running it
    failed_layer: Optional[Position] = None  # the recorded layer running when it raised
    failed_input: Optional[Shape] = None  # that layer's input
    failed_line: Optional[int] = None  # the fixture line the traceback ends in
    calls: List[Tuple[Position, Call]] = field(default_factory=list)


@dataclass
class TorchFixture:
    """Everything torch measured for one fixture file."""

    fixture: str
    settings: Dict[str, Any]
    built: Dict[Position, List[Built]]
    models: List[ModelRun]

    def at(self, position: Position) -> List[Built]:
        return self.built.get(position, [])

    def calls_at(self, position: Position) -> List[Call]:
        return [call for run in self.models for where, call in run.calls if where == position]

    def costliest_call(self, position: Position) -> Optional[Call]:
        """The call with the most MACs, the first of equals (models in source order, calls in
        execution order): the one a layer budget is held to."""
        best: Optional[Call] = None
        for call in self.calls_at(position):
            if best is None or call.macs > best.macs:
                best = call
        return best

    def model(self, name: str) -> ModelRun:
        found = [run for run in self.models if run.name == name]
        assert len(found) == 1, f"{self.fixture}: torch builds models {[r.name for r in self.models]}, not {name}"
        return found[0]


def is_layer(module: nn.Module) -> bool:
    """A leaf: no children and not a container (an empty Sequential returns its input)."""
    return next(module.children(), None) is None and not isinstance(module, CONTAINERS)


def count_macs(fn: Callable[..., Any], *args: Any) -> Tuple[int, Any]:
    with FlopCounterMode(display=False) as counter:
        result = fn(*args)
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    return flops // 2, result


def layer_macs(module: nn.Module, inputs: Sequence[torch.Tensor]) -> Tuple[int, Any]:
    macs, output = count_macs(module, *inputs)
    if isinstance(module, nn.Bilinear):  # FlopCounterMode counts 0: REFERENCE.md's formula
        out, in1, in2 = module.weight.shape
        macs = inputs[0].shape[:-1].numel() * out * in1 * in2
    return macs, output


def _shape(value: Any) -> Optional[Shape]:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


# --------------------------------------------------------------------------- recording constructions


def _torch_layer_classes() -> List[type]:
    """Every torch.nn module class with an `__init__` of its own (nn.Module included)."""
    found, todo = [], [nn.Module]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("torch.nn") and "__init__" in vars(cls):
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return list(dict.fromkeys(found))


def _is_torch_layer(obj: Any) -> bool:
    return type(obj).__module__.startswith("torch.nn")


def _character_column(path: str, line: int, byte_col: int) -> int:
    """co_positions() columns count UTF-8 bytes; positions count characters."""
    text = Path(path).read_text(encoding="utf-8").splitlines()[line - 1]
    return len(text.encode("utf-8")[:byte_col].decode("utf-8"))


def call_position(frame: types.FrameType) -> Position:
    """Where the call expression the frame is executing starts (1-based line and column)."""
    line, _, col, _ = list(frame.f_code.co_positions())[frame.f_lasti // 2]
    assert line is not None and col is not None, frame
    return line, _character_column(frame.f_code.co_filename, line, col) + 1


class Recorder:
    """Records each torch.nn construction whose caller runs in one file."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.built: List[Built] = []
        self.positions: Dict[int, Position] = {}  # id(module) -> where it was built
        self.keep: List[nn.Module] = []  # so no id is reused
        self.bare_init: Callable[[nn.Module], None] = vars(nn.Module)["__init__"]

    def wrap(self, original: Callable[..., None]) -> Callable[..., None]:
        recorder = self

        @functools.wraps(original)
        def __init__(self: nn.Module, *args: Any, **kwargs: Any) -> None:
            caller = sys._getframe(1)
            if caller.f_code.co_filename != recorder.path or not _is_torch_layer(self):
                return original(self, *args, **kwargs)  # torch building its own parts, or super()
            position = call_position(caller)
            try:
                original(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - torch refusing the arguments is a result
                recorder.bare_init(self)  # a bare module in its place: the file goes on
                recorder.built.append(Built(position, type(self).__name__, None, _error_text(exc)))
                return
            recorder.built.append(Built(position, type(self).__name__, self))
            recorder.positions[id(self)] = position
            recorder.keep.append(self)

        return __init__


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def recording(path: Path) -> Iterator[Recorder]:
    recorder = Recorder(path)
    classes = _torch_layer_classes()
    originals = {cls: vars(cls)["__init__"] for cls in classes}
    try:
        for cls, original in originals.items():
            cls.__init__ = recorder.wrap(original)
        yield recorder
    finally:
        for cls, original in originals.items():
            cls.__init__ = original


# --------------------------------------------------------------------------- importing a fixture


def _load(fixture: str) -> types.ModuleType:
    """Import the fixture from its path, as the package `_macslint_oracle_<n>` (so a relative
    import finds its stub), without writing __pycache__ into fixtures/."""
    package = "_macslint_oracle_" + re.sub(r"\W", "_", fixture)
    name = f"{package}.{Path(fixture).stem}"
    sys.modules[package] = types.ModuleType(package)
    sys.modules[package].__path__ = []  # type: ignore[attr-defined]
    for relative, attributes in IMPORT_STUBS.get(fixture, {}).items():
        stub = types.ModuleType(f"{package}.{relative}")
        stub.__dict__.update(attributes)
        sys.modules[stub.__name__] = stub
    spec = importlib.util.spec_from_file_location(name, FIXTURES / fixture)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


def _definition_lines(fixture: str) -> Dict[str, int]:
    """Top-level class and function name -> line of its `class`/`def` (decorators aside)."""
    tree = ast.parse((FIXTURES / fixture).read_text(encoding="utf-8"))
    return {node.name: node.lineno for node in tree.body
            if isinstance(node, (ast.ClassDef, ast.FunctionDef))}


def _no_arg_callable(obj: Any) -> bool:
    try:
        inspect.signature(obj).bind()
    except (TypeError, ValueError):
        return False
    return True


def model_builders(module: types.ModuleType, fixture: str) -> List[Tuple[str, int, Callable[[], Any]]]:
    """The file's nn.Module subclasses and module-level functions that can be called without
    arguments, in source order (a function counts when it returns a module)."""
    lines = _definition_lines(fixture)
    found = []
    for name, obj in vars(module).items():
        if getattr(obj, "__module__", None) != module.__name__ or name not in lines:
            continue
        is_model_class = isinstance(obj, type) and issubclass(obj, nn.Module)
        if (is_model_class or inspect.isfunction(obj)) and _no_arg_callable(obj):
            found.append((name, lines[name], obj))
    return sorted(found, key=lambda item: item[1])


# --------------------------------------------------------------------------- running models


def model_input(model: nn.Module, shape: Shape) -> torch.Tensor:
    """Zeros of the model's input shape; token ids (long) when its first layer is an embedding."""
    first = next((m for m in model.modules() if is_layer(m)), None)
    dtype = torch.long if isinstance(first, INDEX_INPUT) else torch.float32
    return torch.zeros(shape, dtype=dtype, device="meta")


def _innermost_fixture_line(exc: BaseException, path: str) -> Optional[int]:
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == path]
    return lines[-1] if lines else None


def _meta_like(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.empty(value.shape, dtype=value.dtype, device="meta")
    return value


def run_model(run: ModelRun, model: nn.Module, recorder: Recorder) -> None:
    """Run the model once, recording every call of a layer the file built."""
    names: Dict[int, str] = {}
    for name, sub in model.named_modules():  # a shared module keeps its first name
        names.setdefault(id(sub), name)
    stack: List[Tuple[nn.Module, Tuple[Any, ...]]] = []  # the modules running, with their inputs
    raw_calls: List[Tuple[nn.Module, Tuple[Any, ...], Optional[Shape]]] = []

    def before(module: nn.Module, args: Tuple[Any, ...]) -> None:
        stack.append((module, args))

    def after(module: nn.Module, args: Tuple[Any, ...], output: Any) -> None:
        stack.pop()
        if id(module) in recorder.positions and is_layer(module):
            # shapes and dtypes only: an in-place layer may change its input afterwards
            raw_calls.append((module, tuple(_meta_like(a) for a in args), _shape(output)))

    hooks = [nn.modules.module.register_module_forward_pre_hook(before),
             nn.modules.module.register_module_forward_hook(after)]
    try:
        run.macs, output = count_macs(model, model_input(model, run.input))
        run.output = _shape(output)
    except Exception as exc:  # noqa: BLE001 - a shape mismatch is a result
        run.error, run.macs = exc, None
        running, args = stack[-1] if stack else (None, ())  # a layer calls no other module
        if running is not None and id(running) in recorder.positions and is_layer(running):
            run.failed_layer = recorder.positions[id(running)]
            run.failed_input = next((_shape(a) for a in args if isinstance(a, torch.Tensor)), None)
        run.failed_line = _innermost_fixture_line(exc, recorder.path)
    finally:
        for hook in hooks:
            hook.remove()
    for module, args, out_shape in raw_calls:
        macs, _ = layer_macs(module, [_meta_like(a) for a in args])
        first = next(a for a in args if isinstance(a, torch.Tensor))
        call = Call(run.name, names.get(id(module), "?"), tuple(first.shape), out_shape, macs,
                    sum(p.numel() for p in module.parameters()))
        run.calls.append((recorder.positions[id(module)], call))


def _build_and_run(fixture: str, name: str, line: int, builder: Callable[[], Any],
                   recorder: Recorder) -> Optional[ModelRun]:
    settings = model_settings(fixture, name, line)
    errors_before = sum(b.module is None for b in recorder.built)
    shape = (settings["batch-size"], *settings["input-size"])
    try:
        model = builder()
    except Exception as exc:  # noqa: BLE001 - reported by the tests, not hidden
        return ModelRun(name, line, settings, shape, runs=False, build_exception=_error_text(exc))
    if not isinstance(model, nn.Module):
        return None  # a function that is no factory
    run = ModelRun(name, line, settings, shape, runs=type(model).forward is not nn.Module.forward)
    run.build_errors = [b for b in recorder.built if b.module is None][errors_before:]
    run.params = sum(p.numel() for p in model.parameters())
    if run.runs and not run.build_errors:
        model.eval()
        run_model(run, model, recorder)
    return run


# --------------------------------------------------------------------------- layers on their own


def standalone(layer: nn.Module, settings: Mapping[str, Any]) -> Standalone:
    """The layer at the file's input-size: a convolution at in_channels and the last N dims, a
    Linear at in_features, a Bilinear at in1 and in2; other layers have no input of their own."""
    size, batch = list(settings["input-size"]), settings["batch-size"]
    if isinstance(layer, nn.modules.conv._ConvNd):
        dims = len(layer.kernel_size)
        if len(size) < dims:
            return Standalone(needs_dims=dims)
        shapes = [(batch, layer.in_channels, *size[len(size) - dims:])]
    elif isinstance(layer, nn.Linear):
        shapes = [(batch, layer.in_features)]
    elif isinstance(layer, nn.Bilinear):
        shapes = [(batch, layer.in1_features), (batch, layer.in2_features)]
    else:
        return Standalone()
    try:
        macs, output = layer_macs(layer, [torch.zeros(s, device="meta") for s in shapes])
    except Exception as exc:  # noqa: BLE001
        return Standalone(inputs=shapes, error=_error_text(exc))
    return Standalone(inputs=shapes, output=_shape(output), macs=macs)


def refused_at_standalone_input(layer: nn.Module, settings: Mapping[str, Any]) -> Optional[str]:
    """Why torch refuses the layer's first call at the file's input-size, or None. The meta
    kernels skip some argument checks (a transposed conv's output_padding), so a call the meta
    device accepts is tried once more on the CPU (with an uninitialised copy of the layer)."""
    alone = standalone(layer, settings)
    if alone.error is not None or alone.inputs is None:
        return alone.error
    cpu_layer = copy.deepcopy(layer).to_empty(device="cpu")
    try:
        with torch.no_grad():
            cpu_layer(*(torch.zeros(s) for s in alone.inputs))
    except Exception as exc:  # noqa: BLE001
        return _error_text(exc)
    return None


# --------------------------------------------------------------------------- the whole fixture


@functools.lru_cache(maxsize=None)
def torch_fixture(fixture: str) -> TorchFixture:
    """Import the fixture with torch, build its models, run those with a forward()."""
    path = FIXTURES / fixture
    with recording(path) as recorder, torch.device("meta"):
        module = _load(fixture)
        models = []
        for name, line, builder in model_builders(module, fixture):
            run = _build_and_run(fixture, name, line, builder, recorder)
            if run is not None:
                models.append(run)
    built: Dict[Position, List[Built]] = {}
    for entry in recorder.built:
        built.setdefault(entry.position, []).append(entry)
    return TorchFixture(fixture, file_settings(fixture), built, models)


@functools.lru_cache(maxsize=None)
def standalone_of(fixture: str, position: Position) -> List[Standalone]:
    """Each layer built at the position, costed on its own (distinct results only)."""
    oracle = torch_fixture(fixture)
    results: List[Standalone] = []
    for entry in oracle.at(position):
        if entry.module is not None:
            result = standalone(entry.module, oracle.settings)
            if result not in results:
                results.append(result)
    return results
