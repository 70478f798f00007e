"""Shared by the whole-model tracing tests (tests/torchnn/test_tracer_*.py,
tests/config/test_tracer_model_settings.py, tests/evaluator/test_evaluator.py).

Every number asserted for a complete model comes from PyTorch: `torch_counts` executes the very
same source, builds the class with no arguments on the meta device (REFERENCE.md: on CPU,
FlopCounterMode misses what fused kernels compute), runs it in eval mode under `FlopCounterMode`
on a zero tensor and counts `sum(p.numel() for p in model.parameters())`. The input shape is
read from the class line's pragma (or the test's settings) by `declared_input`, never taken
from macslint's trace: nothing of macslint's analysis feeds the expected side.
Incomplete models are checked for what the tracer promises instead: totals unknown (None), never
guessed, and a reason that names the construct and its line.
"""

from __future__ import annotations

import re
import sys
import textwrap
import types
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.engine import FileResult, check_source
from macslint.results.findings import Finding
from macslint.results.traces import ModelTrace

HEADER = """\
import functools
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
"""

Shape = Tuple[int, ...]


def src(body: str, header: str = HEADER) -> str:
    return header + textwrap.dedent(body)


def analyse(source: str, **settings: Any) -> FileResult:
    return check_source("m.py", source, Settings(**settings))


def the_model(result: FileResult, name: str) -> ModelTrace:
    found = [m for m in result.report.models if m.name == name]
    assert len(found) == 1, [m.name for m in result.report.models]
    return found[0]


def trace(source: str, name: str, **settings: Any) -> ModelTrace:
    return the_model(analyse(source, **settings), name)


def line_of(source: str, text: str, nth: int = 1) -> int:
    """1-based number of the nth line containing `text`."""
    hits = [i for i, line in enumerate(source.splitlines(), 1) if text in line]
    assert len(hits) >= nth, f"{text!r} not in source"
    return hits[nth - 1]


def col_of(source: str, text: str, nth: int = 1) -> int:
    """1-based column of `text` on the nth line containing it."""
    line = source.splitlines()[line_of(source, text, nth) - 1]
    return line.index(text) + 1


def reasons(model: ModelTrace) -> str:
    return "; ".join(model.reasons)


def codes(result: FileResult, code: str) -> List[Finding]:
    return [f for f in result.findings if f.code == code]


# --------------------------------------------------------------------------- the torch oracle

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def has_parts(module: nn.Module) -> bool:
    """A module whose forward calls submodules: one with children, but nn.MultiheadAttention,
    whose forward reads its `out_proj`'s weights (F.multi_head_attention_forward) and never
    calls it: torch's hooks see the attention itself run, the leaf macslint counts."""
    return any(True for _ in module.children()) and not isinstance(module, nn.MultiheadAttention)


@dataclass
class TorchCounts:
    params: int
    macs: int
    output: Optional[Shape]  # None unless forward returns one tensor
    calls: List[Tuple[str, str, Shape, Shape]]  # (named_modules path, class, input, output)


def first_shape(output: Any) -> Shape:
    """The shape of the first tensor a layer returns: its output, or the first of a tuple
    (an LSTM's (output, (h_n, c_n)), a max pool's (output, indices))."""
    while isinstance(output, (tuple, list)):
        output = output[0]
    return tuple(output.shape)


def torch_model(source: str, class_name: str, device: str = "meta") -> nn.Module:
    """`class_name()` built by torch from the same source, run as an imported module (in
    sys.modules while it runs and builds: a registry reads `sys.modules[fn.__module__]`)."""
    module = types.ModuleType("_macslint_tracer_test_model")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, "<model>", "exec", dont_inherit=True), module.__dict__)
        with torch.device(device):
            return module.__dict__[class_name]()
    finally:
        del sys.modules[module.__name__]


def torch_counts(source: str, class_name: str, input_shape: Shape,
                 dtype: torch.dtype = torch.float32, built_on: str = "meta") -> TorchCounts:
    """Build `class_name()` from `source` with torch and measure one forward on zeros, on the
    meta device, in eval mode, with grad enabled (the reference convention). `built_on="cpu"`:
    built on the CPU, then moved to meta, for a model whose construction reads tensor items
    (`torch.arange(n).tolist()`), which meta tensors do not hold."""
    model = torch_model(source, class_name, built_on).eval().to("meta")
    calls: List[Tuple[str, str, Shape, Shape]] = []
    handles = []
    for name, module in model.named_modules():
        # the torch layers: a user module holding only parameters has no children either
        if not name or isinstance(module, CONTAINERS) or has_parts(module) \
                or not type(module).__module__.startswith("torch.nn."):
            continue

        def hook(mod, inputs, output, name=name):
            calls.append((name, type(mod).__name__, tuple(inputs[0].shape), first_shape(output)))

        handles.append(module.register_forward_hook(hook))
    x = torch.zeros(input_shape, dtype=dtype, device="meta")
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(x)
    for handle in handles:
        handle.remove()
    params = sum(p.numel() for p in model.parameters())
    output = tuple(out.shape) if isinstance(out, torch.Tensor) else None
    return TorchCounts(params, counter.get_total_flops() // 2, output, calls)


PRAGMA_INPUT = re.compile(r"input-size=(?P<size>\d+(?:x\d+)*)")
PRAGMA_BATCH = re.compile(r"batch-size=(?P<batch>\d+)")


def declared_input(source: str, name: str, **settings: Any) -> Shape:
    """The input a test declares for model `name`, read from the text (batch first). Each of
    input size and batch size comes from the first that gives it: the class line's pragma, the
    settings' `models` table entry for `name`, the file's settings, the documented default
    (3x224x224, batch 1)."""
    line = next(t for t in source.splitlines() if re.match(rf"\s*(class|def) {name}\b", t))
    size, batch = PRAGMA_INPUT.search(line), PRAGMA_BATCH.search(line)
    table = dict(settings.get("models", ())).get(name, {})
    dims = tuple(map(int, size["size"].split("x"))) if size else tuple(
        table.get("input_size", settings.get("input_size", (3, 224, 224))))
    batch_size = int(batch["batch"]) if batch else table.get(
        "batch_size", settings.get("batch_size", 1))
    return (batch_size, *dims)


def assert_matches_torch(source: str, name: str, check_calls: bool = True,
                         built_on: str = "meta", **settings: Any) -> ModelTrace:
    """The model traces completely and its totals (and leaf calls) are torch's."""
    model = trace(source, name, **settings)
    assert model.complete, model.reasons
    shape = declared_input(source, name, **settings)
    assert model.input == shape
    expected = torch_counts(source, name, shape, built_on=built_on)
    assert (model.params, model.macs, model.output) == (expected.params, expected.macs, expected.output)
    if check_calls:
        got = [(c.path, c.kind, c.inputs[0], c.output) for c in model.calls if c.path]
        assert got == expected.calls
    return model


def torch_raises(source: str, name: str, input_shape: Shape) -> bool:
    """torch refuses to run model `name` on zeros of `input_shape`. On the CPU: the meta
    kernels skip some of the real kernels' checks (a convolution's `dilation=0` runs on meta)."""
    model = torch_model(source, name, device="cpu")
    try:
        with torch.no_grad():
            model(torch.zeros(input_shape))
    except (RuntimeError, IndexError, ValueError):
        return True
    return False


# A model calling a library macslint does not follow (completeness, budgets and JSON tests).
UNKNOWN_LIB = src("""
    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            x = some_lib.op(x)
            return self.fc(x)
""", header=HEADER + "import some_lib\n")


# ----------------------------------------- one layer, params alone, operations, formatted costs

import contextlib  # noqa: E402 - appended section
import sys  # noqa: E402
import types  # noqa: E402
from typing import Iterator  # noqa: E402


@contextlib.contextmanager
def stub_modules(*names: str) -> Iterator[None]:
    """Empty modules importable under `names` while the block runs (a source's `import some_lib`
    of a library macslint does not follow), so torch can build what does not call them."""
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update({name: types.ModuleType(name) for name in names})
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def torch_params(source: str, class_name: str, path: str = "", stubs: Tuple[str, ...] = ()) -> int:
    """The parameters torch counts for `class_name()` built from `source` on the meta device (or
    for its submodule at the dotted `path`), without running forward(): for models macslint
    cannot trace but whose module tree it knows. `stubs`: libraries the source imports and
    __init__ does not call."""
    with stub_modules(*stubs):
        model = torch_model(source, class_name)
    module = model.get_submodule(path) if path else model
    return sum(p.numel() for p in module.parameters())


def torch_layer(constructor: str, header: str = HEADER, **names: Any) -> nn.Module:
    """The layer torch builds on the meta device from its constructor text as the test's source
    writes it (`"nn.Conv2d(3, 8, 3)"`), with `header`'s imports and `names` in scope."""
    namespace: Dict[str, Any] = {"__name__": "_macslint_tracer_test_layer"}
    exec(compile(header, "<header>", "exec", dont_inherit=True), namespace)
    namespace.update(names)
    with torch.device("meta"):
        return eval(compile(constructor.strip(), "<layer>", "eval", dont_inherit=True), namespace)


def torch_layer_counts(constructor: str, input_shape: Shape, header: str = HEADER,
                       **names: Any) -> TorchCounts:
    """One layer built by torch from its constructor text (`torch_layer`) and run once in eval
    mode on zeros of `input_shape` (batch included), on the meta device under FlopCounterMode:
    its params, MACs (flops // 2) and output shape; `calls` is empty."""
    layer = torch_layer(constructor, header, **names).eval()
    x = torch.zeros(input_shape, device="meta")
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = layer(x)
    params = sum(p.numel() for p in layer.parameters())
    output = tuple(out.shape) if isinstance(out, torch.Tensor) else None
    return TorchCounts(params, counter.get_total_flops() // 2, output, [])


def torch_failing_operands(source: str, name: str, input_shape: Shape) -> List[Shape]:
    """The shapes of the tensors torch was given by the call that raised when model `name` ran
    on zeros of `input_shape` (on the CPU, as `torch_raises`): the innermost torch function or
    tensor method that raised, its tensor arguments in order (those in a list too, as
    `torch.cat`'s). For a layer that is its functional form (`F.linear(input, weight, bias)`):
    the input comes first. Empty when torch does not raise."""
    return failing_operands(torch_model(source, name, device="cpu"), input_shape)


def failing_operands(model: nn.Module, input_shape: Shape) -> List[Shape]:
    """`torch_failing_operands` for a model already built (on the CPU)."""
    from torch.overrides import TorchFunctionMode

    failed: List[List[Shape]] = []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            try:
                return func(*args, **(kwargs or {}))
            except Exception:
                if not failed:
                    failed.append(_tensor_shapes(list(args)))
                raise

    try:
        with torch.no_grad(), Recorder():
            model(torch.zeros(input_shape))
    except (RuntimeError, IndexError, ValueError):
        return failed[0] if failed else []
    return []


def _tensor_shapes(value: Any) -> List[Shape]:
    if isinstance(value, torch.Tensor):
        return [tuple(value.shape)]
    if isinstance(value, (list, tuple)):
        return [shape for item in value for shape in _tensor_shapes(item)]
    return []


def torch_ops(source: str, name: str, input_shape: Shape) -> List[Tuple[str, List[Shape], List[Shape]]]:
    """Every torch function and tensor method model `name` calls in one forward on zeros of
    `input_shape` (meta device, eval mode), in order: (its name, the shapes of its tensor
    arguments, the shapes of the tensors it returns). A layer shows as its functional form
    (`linear`, `conv2d`); `a @ b` as `matmul`."""
    from torch.overrides import TorchFunctionMode

    ops: List[Tuple[str, List[Shape], List[Shape]]] = []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            ops.append((getattr(func, "__name__", str(func)), _tensor_shapes(list(args)),
                        _tensor_shapes(out)))
            return out

    model = torch_model(source, name).eval()
    x = torch.zeros(input_shape, device="meta")
    with torch.device("meta"), Recorder():
        model(x)
    return ops


def torch_costs(call: str, shape: Shape, batch: int = 1, unit: str = "MACs", traced: bool = False) -> str:
    """A layer's cost as macslint's messages word it (`costs 1.8G MACs at 64x224x224`), with
    torch's count: the layer built from `call` as the message prints it (`Conv2d(64, 64, 3,
    padding=1)`, torch.nn's) and run at `shape` (no batch) with `batch`; the count formatted
    with macslint's `format_count` (formatting, not analysis). A call traced in a model prints
    its input with the batch."""
    from macslint.units import format_count, format_shape

    macs = torch_layer_counts("nn." + call, (batch, *shape)).macs
    at = format_shape((batch, *shape) if traced else shape)
    return f"costs {format_count(2 * macs if unit == 'FLOPs' else macs)} {unit} at {at}"


def torch_has_params(call: str) -> str:
    """`has 2.0M params`: the parameters of torch's layer built from `call` (as `torch_costs`),
    formatted with macslint's `format_count`."""
    from macslint.units import format_count

    return f"has {format_count(sum(p.numel() for p in torch_layer('nn.' + call).parameters()))} params"


# ------------------------------------------------- several inputs, by position or by name

# One input as a test declares it to torch: (the forward() parameter it is passed to by
# keyword, or None for by position; its shape with the batch; its torch dtype).
TorchInput = Tuple[Optional[str], Shape, torch.dtype]


def torch_inputs(inputs: List[TorchInput], device: str) -> Tuple[List[Any], Dict[str, Any]]:
    """Zeros of each declared shape and dtype: the positional arguments, then the keywords."""
    positional = [torch.zeros(shape, dtype=dtype, device=device)
                  for name, shape, dtype in inputs if name is None]
    keywords = {name: torch.zeros(shape, dtype=dtype, device=device)
                for name, shape, dtype in inputs if name is not None}
    return positional, keywords


def torch_counts_inputs(source: str, class_name: str, inputs: List[TorchInput]) -> TorchCounts:
    """`torch_counts` with the model called on several inputs, by position and by keyword, of
    the given shapes and dtypes (zeros, meta device, eval mode, grad enabled). `calls` record
    each torch.nn layer's first input."""
    model = torch_model(source, class_name).eval()
    calls: List[Tuple[str, str, Shape, Shape]] = []
    handles = []
    for name, module in model.named_modules():
        if not name or isinstance(module, CONTAINERS) or has_parts(module) \
                or not type(module).__module__.startswith("torch.nn."):
            continue

        def hook(mod, args, output, name=name):
            calls.append((name, type(mod).__name__, tuple(args[0].shape), first_shape(output)))

        handles.append(module.register_forward_hook(hook))
    positional, keywords = torch_inputs(inputs, "meta")
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(*positional, **keywords)
    for handle in handles:
        handle.remove()
    params = sum(p.numel() for p in model.parameters())
    output = tuple(out.shape) if isinstance(out, torch.Tensor) else None
    return TorchCounts(params, counter.get_total_flops() // 2, output, calls)


def torch_raises_inputs(source: str, class_name: str, inputs: List[TorchInput]) -> Optional[str]:
    """torch's message when model `class_name` refuses the inputs, on the CPU (where a kernel
    checks dtypes the meta device may not); None when it runs."""
    model = torch_model(source, class_name, device="cpu").eval()
    positional, keywords = torch_inputs(inputs, "cpu")
    try:
        with torch.no_grad():
            model(*positional, **keywords)
    except (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError) as exc:
        return str(exc)
    return None


# ------------------------------------------- the project's subclasses of torch.nn layers

def is_layer_subclass(module: nn.Module) -> bool:
    """An instance of a class of the test's source that subclasses a torch.nn layer (not
    nn.Module itself, nor a container): `class LayerNorm(nn.LayerNorm)`."""
    if type(module).__module__.startswith("torch.nn."):
        return False
    return any(base.__module__.startswith("torch.nn.") and base is not nn.Module
               and not issubclass(base, CONTAINERS) for base in type(module).__mro__[1:])


def torch_leaf_calls(source: str, class_name: str, input_shape: Shape
                     ) -> List[Tuple[str, str, Shape, Shape]]:
    """`torch_counts(...).calls` with the leaves torch's hooks see that are instances of the
    source's subclasses of torch.nn layers too (those with no children, as `torch_counts`'
    torch.nn layers): (path, `type(module).__name__`, first input, output), in call order."""
    model = torch_model(source, class_name).eval()
    calls: List[Tuple[str, str, Shape, Shape]] = []
    handles = []
    for name, module in model.named_modules():
        if not name or isinstance(module, CONTAINERS) or has_parts(module) \
                or not (type(module).__module__.startswith("torch.nn.")
                        or is_layer_subclass(module)):
            continue

        def hook(mod, inputs, output, name=name):
            calls.append((name, type(mod).__name__, tuple(inputs[0].shape), first_shape(output)))

        handles.append(module.register_forward_hook(hook))
    with torch.device("meta"):
        model(torch.zeros(input_shape, device="meta"))
    for handle in handles:
        handle.remove()
    return calls


def undeclared(source: str) -> Tuple[str, Dict[str, Any]]:
    """The source without its class-line input pragma, and the settings giving the same input
    to the whole file: an input not declared for the model, whose misfit is a setting to fix
    (a reason), where a declared one's is a finding (MAC011)."""
    match = re.search(r"  # macslint: (input-size=[^\n]*)", source)
    assert match, "no input pragma"
    settings: Dict[str, Any] = {}
    size, batch = PRAGMA_INPUT.search(match[1]), PRAGMA_BATCH.search(match[1])
    if size:
        settings["input_size"] = tuple(map(int, size["size"].split("x")))
    if batch:
        settings["batch_size"] = int(batch["batch"])
    return source.replace(match[0], ""), settings


def analyse_undeclared(source: str) -> FileResult:
    """`analyse` with the input the class line declares given to the whole file instead."""
    text, settings = undeclared(source)
    return analyse(text, **settings)
