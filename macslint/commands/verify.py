"""`macslint verify`: every count macslint makes, checked against PyTorch itself.

For each file it analyses (the same walk, configuration, exclusions and settings as
`macslint report`), every layer macslint counted is rebuilt in PyTorch from the analysed
arguments, by catalogue name (`torch.nn.<Kind>(...)`, never the user's code), and run at the
same input shape under `torch.utils.flop_counter.FlopCounterMode`:

* each construction site with every argument known, at its own shape (the single-layer
  semantics of `macslint report`); a site without a shape of its own (norms, activations,
  pools) is built only, so its parameters are checked;
* each traced layer call of each model, at the traced input shape(s) (with the batch);
* the matrix products in a model's `forward()` (`@`, `torch.matmul`, `mm`, `bmm`,
  `F.linear`), on meta tensors of their traced shapes;
* a model's totals, where they are made of those parts only: MACs when every call and
  product of a complete model was rebuilt; params when the layers `forward()` calls hold all
  of them (parameters elsewhere, a raw `nn.Parameter` or a module `forward()` never calls,
  are not rebuilt, and the total is then reported as not rebuildable, never as verified).

Parameters are `sum(p.numel() for p in module.parameters())`, MACs are FlopCounterMode's
flops // 2 (Bilinear, which FlopCounterMode does not count, on the Linear over the outer
product that it is), and output shapes are compared too. Modules run in eval mode: MACs are
inference costs, and macslint does not flag what torch only rejects in training mode.

Devices: layers are built and run on the `meta` device (no memory, no arithmetic: a
1000-layer model at 224x224 costs milliseconds); index inputs (Embedding's, MaxUnpool's
indices) are meta `torch.long` tensors, which torch supports. Small CPU tensors (reference kernels,
oneDNN off, as the test suite's oracle) are used only where meta cannot decide: an operator
without a meta kernel, and before any disagreement about *validity* is reported (a meta
kernel may skip a check its CPU kernel makes). Above `CPU_LIMIT` elements that CPU check is
skipped and said so.

torch is imported here lazily, and only by `macslint verify`.
"""

from __future__ import annotations

import inspect
import math
import multiprocessing
import os
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..costmodel import (
    Args, LayerError, LayerSpec, Shape, ShapeTuple, UnknownArgument, Unresolved, flat_shapes,
    output_count,
)

from ..costmodel.spec import signature as spec_signature
from ..evaluator.values import Unknown, what_is
from ..config import Settings
from ..results.report import FileReport
from ..service import analyse_sites, iter_files, plan_files
from ..results.sites import LayerSite
from ..results.traces import LayerCall, ModelTrace

TORCH_MISSING = ("macslint verify needs PyTorch to check the counts against: "
                 "pip install 'macslint[torch]'")

# A CPU run (construction and one call) is made only below this many elements (parameters
# plus inputs): 16M float32 elements, 64 MB.
CPU_LIMIT = 1 << 24

INDEX_INPUT = frozenset({"Embedding", "EmbeddingBag"})
# Layers whose forward() takes a max pool's indices (int64) as its second tensor.
INDICES_SECOND = frozenset({"MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"})


class TorchMissing(Exception):
    pass


def require_torch() -> Any:
    try:
        with warnings.catch_warnings():  # a torch built without NumPy warns on import
            warnings.simplefilter("ignore")
            import torch
            from torch.utils.flop_counter import FlopCounterMode  # noqa: F401 - torch >= 2.1
    except ImportError as exc:
        raise TorchMissing(f"{TORCH_MISSING} ({exc})") from None
    return torch


# ---------------------------------------------------------------------------
# What PyTorch says about one layer or op


@dataclass(frozen=True)
class Accepts:
    params: int
    macs: Optional[int]  # None: built only, not called (no shape)
    output: Optional[Shape]
    device: str  # "meta" or "cpu"
    # When the module returns a tuple (MaxPool with return_indices=True, an LSTM's (output,
    # (h_n, c_n))): every tensor's shape in it, nested tuples flattened.
    outputs: Tuple[Shape, ...] = ()


@dataclass(frozen=True)
class Raises:
    error: str  # "ValueError: ..."
    when: str  # "building" or "calling"
    device: str
    confirmed: bool  # on CPU, or a construction (the same Python code on any device)


@dataclass(frozen=True)
class NotRebuilt:
    reason: str


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _plain_problem(name: str, value: Any) -> Optional[str]:
    """Why an analysed argument cannot be passed to torch as it is, or None."""
    if isinstance(value, Unknown):
        return f"argument '{name}' is not known: {value.reason}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return None
    if isinstance(value, (tuple, list)):
        for item in value:
            problem = _plain_problem(name, item)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _plain_problem(f"{name}[{key!r}]", item)
            if problem:
                return problem
        return None
    return f"argument '{name}' is {what_is(value)}, not a plain value"


def _torch_name(value: Any) -> Optional[str]:
    """The dotted name of torch's the analysis resolved an argument to (`F.gelu`, a function
    of torch's passed as a Transformer layer's activation), or None."""
    path = getattr(value, "path", None)
    return path if isinstance(path, str) and path.startswith("torch.") else None


def _constructor_call(spec: LayerSpec, args: Args, device: str) -> Tuple[list, dict]:
    """Positional and keyword arguments that bind to torch's constructor as `args` bound to the
    catalogue's copy of its signature (tests/test_catalogue_torch.py keeps them identical).
    `device` replaces the user's; `dtype` is dropped (counts do not depend on it). Both go by
    keyword: RNN and GRU take `*args` and would read a ninth positional as `proj_size`."""
    positional: list = []
    keywords: dict = {}
    for name, param in spec.signature.parameters.items():
        value = args.values.get(name, param.default)
        if name in ("device", "dtype"):
            keywords[name] = device if name == "device" else None
        elif param.kind is inspect.Parameter.VAR_POSITIONAL:
            positional.extend(value or ())
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            keywords.update(value or {})
        elif param.kind is inspect.Parameter.KEYWORD_ONLY:
            keywords[name] = value
        else:
            positional.append(value)
    return positional, keywords


def _key(value: Any) -> Any:
    """A hashable, type-exact key for memoising (1 and True, (1,) and [1] differ)."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _key(v)) for k, v in value.items()))
    return (type(value).__name__, repr(value))


def _args_key(args: Args) -> Any:
    return tuple((name, _key(value)) for name, value in args.values.items()
                 if name not in ("device", "dtype"))


def _no_meta_kernel(outcome: Any) -> bool:
    return isinstance(outcome, Raises) and (outcome.error.startswith("NotImplementedError")
                                            or "'Meta' backend" in outcome.error)


class Oracle:
    """PyTorch, memoised: the same layer at the same shapes is asked once per process."""

    def __init__(self) -> None:
        self.torch = require_torch()
        import torch.nn.functional as F
        from torch.utils.flop_counter import FlopCounterMode

        self.F = F
        self.FlopCounterMode = FlopCounterMode
        self.memo: Dict[Any, Any] = {}
        self.ops = {"matmul": self.torch.matmul, "torch.matmul": self.torch.matmul,
                    "torch.mm": self.torch.mm, "torch.bmm": self.torch.bmm,
                    "F.linear": F.linear}

    # -- layers -------------------------------------------------------------------
    def layer(self, spec: LayerSpec, args: Args, inputs: Optional[Sequence[Shape]]) -> Any:
        """Accepts, Raises or NotRebuilt for `torch.nn.<spec.name>(args)` called on tensors of
        shapes `inputs` (None: built only)."""
        torch_args = self.torch_args(args)
        if isinstance(torch_args, NotRebuilt):
            return torch_args
        args = torch_args
        key = ("layer", spec.name, _args_key(args), None if inputs is None else tuple(inputs))
        if key not in self.memo:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.memo[key] = self._layer(spec, args, inputs)
        return self.memo[key]

    def torch_args(self, args: Args) -> Any:
        """The arguments as torch takes them (a name of torch's the analysis resolved,
        `activation=F.gelu`, as torch's object), or NotRebuilt: why they cannot be passed."""
        values = dict(args.values)
        for name, value in args.values.items():
            path = _torch_name(value)
            if path is not None:
                values[name] = self.torch_object(path)
                if values[name] is None:
                    return NotRebuilt(f"argument '{name}' is `{path}`, which this torch has not")
            elif name not in ("device", "dtype"):
                problem = _plain_problem(name, value)
                if problem:
                    return NotRebuilt(problem)
        return Args(values)

    def torch_object(self, path: str) -> Any:
        """What torch's dotted name `path` is (`torch.nn.functional.gelu`), or None."""
        target = self.torch
        for part in path.split(".")[1:]:
            target = getattr(target, part, None)
            if target is None:
                return None
        return target

    def _build(self, spec: LayerSpec, args: Args, device: str) -> Any:
        positional, keywords = _constructor_call(spec, args, device)
        module = getattr(self.torch.nn, spec.name)(*positional, **keywords)
        return module.eval()

    def _inputs(self, spec: LayerSpec, shapes: Sequence[Any], device: str) -> list:
        """Zeros of each shape; None and tuples (an RNN's state) as the call passed them, and
        the plain values of a layer's `forward_values` (MultiheadAttention's need_weights).
        One not known (whether a mask is the causal one: is_causal) is False: the cost model
        counts such a call only where every value gives the same count and output."""
        dtype = self.torch.long if spec.name in INDEX_INPUT else self.torch.float32
        # forward()'s plain values by position (MaxUnpool's output_size may be a tuple)
        plain = [name in spec.forward_values for name in
                 (spec_signature(spec.forward_of).parameters if spec.forward_of else ())]

        def make(shape: Any, dtype: Any = dtype) -> Any:
            if isinstance(shape, UnknownArgument):
                return False
            if shape is None or isinstance(shape, ShapeTuple):
                return None if shape is None else tuple(make(s) for s in shape)
            if not isinstance(shape, tuple):
                return shape  # a plain value
            return self.torch.zeros(tuple(shape), dtype=dtype, device=device)

        return [s if i < len(plain) and plain[i] and not isinstance(s, UnknownArgument) else
                make(s, self.torch.long if i == 1 and spec.name in INDICES_SECOND else dtype)
                for i, s in enumerate(shapes)]

    def _layer(self, spec: LayerSpec, args: Args, inputs: Optional[Sequence[Shape]]) -> Any:
        try:
            module = self._build(spec, args, "meta")
        except Exception as exc:  # noqa: BLE001 - any exception is torch saying no
            return Raises(_describe(exc), "building", "meta", True)
        if inputs is None:  # built only: a Lazy layer's parameters have no size yet (None)
            return Accepts(_built_params(module), None, None, "meta")
        params = sum(p.numel() for p in module.parameters())
        meta = self._run_layer(spec, module, inputs, "meta")
        if _no_meta_kernel(meta):
            # No meta kernel: small enough, CPU decides; else it cannot be checked.
            if self._cpu_feasible(params, inputs):
                return self._cpu_layer(spec, args, inputs)
            return NotRebuilt(f"no meta kernel in torch ({meta.error}) and too large to run "
                              "on CPU")
        return meta

    def _run_layer(self, spec: LayerSpec, module: Any, shapes: Sequence[Shape],
                   device: str) -> Any:
        torch = self.torch
        try:
            tensors = self._inputs(spec, shapes, device)
            with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
                with self.FlopCounterMode(display=False) as counter:
                    y = module(*tensors)
                flops = counter.get_total_flops()
                if spec.name == "Bilinear":
                    flops = self._bilinear_flops(module, tensors[0], device)
        except Exception as exc:  # noqa: BLE001
            return Raises(_describe(exc), "calling", device, device == "cpu")
        outputs: Tuple[Shape, ...] = ()
        if isinstance(y, (tuple, list)):
            outputs = _tensor_shapes(torch, y)
            while isinstance(y, (tuple, list)):
                y = y[0] if y else None
        output = tuple(y.shape) if isinstance(y, torch.Tensor) else None
        params = sum(p.numel() for p in module.parameters())
        return Accepts(params, flops // 2, output, device, outputs)

    def _bilinear_flops(self, module: Any, x1: Any, device: str) -> int:
        """FlopCounterMode does not see torch.bilinear (it counts 0): count the Linear over
        the outer product of the inputs that Bilinear is (tests/test_catalogue_torch.py
        checks that identity numerically)."""
        rows = math.prod(x1.shape[:-1])
        weight = module.weight.detach().flatten(1)
        with self.FlopCounterMode(display=False) as counter:
            self.F.linear(self.torch.zeros(rows, weight.shape[1], device=device), weight)
        return counter.get_total_flops()

    def _cpu_feasible(self, params: Optional[int], inputs: Optional[Sequence[Shape]]) -> bool:
        if params is None:
            return False
        return params + sum(math.prod(s) for s in flat_shapes(list(inputs or ()))) <= CPU_LIMIT

    def _cpu_layer(self, spec: LayerSpec, args: Args, inputs: Optional[Sequence[Shape]]) -> Any:
        """The same layer on CPU with torch's reference kernels: the arbiter of validity."""
        try:
            module = self._build(spec, args, "cpu")
        except Exception as exc:  # noqa: BLE001
            return Raises(_describe(exc), "building", "cpu", True)
        if inputs is None:
            return Accepts(_built_params(module), None, None, "cpu")
        return self._run_layer(spec, module, inputs, "cpu")

    def confirm(self, spec: LayerSpec, args: Args, inputs: Optional[Sequence[Shape]],
                params: Optional[int]) -> Any:
        """Before a disagreement about validity is reported: the CPU verdict, when the layer
        is small enough (`params`: its parameter count, if known), else None."""
        if not self._cpu_feasible(params, inputs):
            return None
        torch_args = self.torch_args(args)
        if isinstance(torch_args, NotRebuilt):
            return None
        args = torch_args
        key = ("cpu", spec.name, _args_key(args), None if inputs is None else tuple(inputs))
        if key not in self.memo:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.memo[key] = self._cpu_layer(spec, args, inputs)
        return self.memo[key]

    # -- matrix products in forward() -------------------------------------------------
    def op(self, name: str, shapes: Sequence[Shape]) -> Any:
        function = self.ops.get(name)
        if function is None:
            return NotRebuilt(f"{name} is not an op verify rebuilds")
        key = ("op", name, tuple(tuple(s) for s in shapes))
        if key not in self.memo:
            outcome = self._op(function, shapes, "meta")
            if isinstance(outcome, Raises):  # CPU decides, when it can
                if sum(math.prod(s) for s in shapes) <= CPU_LIMIT:
                    outcome = self._op(function, shapes, "cpu")
                elif _no_meta_kernel(outcome):
                    outcome = NotRebuilt(f"no meta kernel in torch ({outcome.error}) and too "
                                         "large to run on CPU")
            self.memo[key] = outcome
        return self.memo[key]

    def _op(self, function: Any, shapes: Sequence[Shape], device: str) -> Any:
        torch = self.torch
        try:
            tensors = [torch.zeros(tuple(s), device=device) for s in shapes]
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                with self.FlopCounterMode(display=False) as counter:
                    y = function(*tensors)
        except Exception as exc:  # noqa: BLE001
            return Raises(_describe(exc), "calling", device, device == "cpu")
        return Accepts(0, counter.get_total_flops() // 2, tuple(y.shape), device)


def _built_params(module: Any) -> Optional[int]:
    """The parameters of a module built and not called; None for a Lazy layer's, which torch
    sizes only at its first call (UninitializedParameter.numel() raises)."""
    if any(type(p).__name__ == "UninitializedParameter" for p in module.parameters()):
        return None
    return sum(p.numel() for p in module.parameters())


def _site_result(spec: LayerSpec, args: Args, inputs: Optional[Sequence[Shape]]) -> Any:
    """The whole result the catalogue gives a construction site costed on its own at
    `inputs`, for a layer returning a tuple of another structure than a max pool's (an
    RNN's); else None."""
    if spec.forward_of is None or inputs is None:
        return None
    try:
        return spec.run(args, list(inputs))[0]
    except (LayerError, Unresolved):
        return None


def _tensor_shapes(torch: Any, value: Any) -> Tuple[Shape, ...]:
    """The shapes of the tensors in a (nested) tuple a module returns, in order."""
    if isinstance(value, torch.Tensor):
        return (tuple(value.shape),)
    if isinstance(value, (tuple, list)):
        return tuple(s for item in value for s in _tensor_shapes(torch, item))
    return ()


_ORACLE: Optional[Oracle] = None


def oracle() -> Oracle:
    global _ORACLE
    if _ORACLE is None:
        _ORACLE = Oracle()
    return _ORACLE


# ---------------------------------------------------------------------------
# One file


@dataclass
class Disagreement:
    path: str
    line: int
    col: int  # 1-based
    message: str

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


@dataclass
class FileVerification:
    path: str
    error: Optional[str] = None  # the file could not be analysed
    layers: int = 0  # construction sites compared with torch
    shapeless: int = 0  # ... of them built only (no shape of their own): params
    invalid: int = 0  # ... of them MAC010, and torch rejects them too
    calls: int = 0  # traced layer calls compared
    ops: int = 0  # matrix products in forward() compared
    model_macs: int = 0  # model MAC totals compared
    model_params: int = 0  # model param totals compared
    not_counted: int = 0  # sites and calls macslint gives no count for: nothing to verify
    disagreements: List[Disagreement] = field(default_factory=list)
    not_rebuilt: Counter = field(default_factory=Counter)  # reason -> how many

    def merge_into(self, total: "FileVerification") -> None:
        for name in ("layers", "shapeless", "invalid", "calls", "ops", "model_macs",
                     "model_params", "not_counted"):
            setattr(total, name, getattr(total, name) + getattr(self, name))
        total.disagreements.extend(self.disagreements)
        total.not_rebuilt.update(self.not_rebuilt)


def _shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _shapes(shapes: Sequence[Shape]) -> str:
    return " & ".join(_shape(s) for s in shapes)


class FileVerifier:
    def __init__(self, report: FileReport, sites: Optional[List[LayerSite]]) -> None:
        self.report = report
        self.sites = sites
        self.result = FileVerification(report.path)
        settings = report.settings
        self.factor = 2 if settings is not None and settings.unit == "flops" else 1
        self.unit = "FLOPs" if self.factor == 2 else "MACs"
        self.oracle = oracle()

    def disagree(self, path: str, line: int, col: int, message: str) -> None:
        self.result.disagreements.append(Disagreement(path, line, col, message))

    def cost(self, macs: int) -> int:
        return macs * self.factor

    def compare(self, where: Tuple[str, int, int], what: str, params: Optional[int],
                macs: Optional[int], output: Optional[Shape], torch: Accepts,
                args: Optional[Args] = None, result: Any = None) -> None:
        """`result`: the whole output macslint says a layer returns, where it is a tuple of
        another structure than a max pool's (an RNN's: costmodel.ShapeTuple)."""
        if params is not None and params != torch.params:
            self.disagree(*where, f"{what}: params macslint {params}, torch {torch.params}")
        if macs is not None and torch.macs is not None and macs != torch.macs:
            self.disagree(*where, f"{what}: {self.unit} macslint {self.cost(macs)}, "
                                  f"torch {self.cost(torch.macs)}")
        count = 1 if args is None else output_count(args)
        claimed = () if output is None else (tuple(output),) * count
        if isinstance(result, ShapeTuple):
            claimed = flat_shapes(result)
            count = len(claimed)
        if output is not None and (count > 1 or torch.outputs) and torch.outputs != claimed:
            # macslint's tuple (output, indices of its shape) against torch's, or one tensor
            # where torch returns a tuple: whatever forward() does next would be traced wrong.
            claim = (f"one tensor {_shape(output)}" if count == 1 else
                     f"a tuple of {count} tensors ({', '.join(map(_shape, claimed))})")
            actual = (f"a tuple of {len(torch.outputs)} tensors "
                      f"({', '.join(_shape(s) for s in torch.outputs)})" if torch.outputs
                      else f"one tensor {_shape(torch.output)}")
            self.disagree(*where, f"{what}: output macslint {claim}, torch {actual}")
        elif output is not None and torch.output is not None and tuple(output) != torch.output:
            self.disagree(*where, f"{what}: output shape macslint {_shape(output)}, "
                                  f"torch {_shape(torch.output)}")

    def counted_but_raises(self, where: Tuple[str, int, int], what: str, spec: LayerSpec,
                           args: Args, inputs: Optional[Sequence[Any]], params: Optional[int],
                           macs: Optional[int], output: Optional[Shape], torch: Raises,
                           result: Any = None) -> bool:
        """macslint counted it, torch (meta) raised: confirmed on CPU before it is said.
        True when torch accepts after all (then compared)."""
        if not torch.confirmed:
            cpu = self.oracle.confirm(spec, args, inputs, params)
            if isinstance(cpu, Accepts):
                self.compare(where, what, params, macs, output, cpu, args, result)
                return True
            if isinstance(cpu, Raises):
                torch = cpu
        counts = [f"params {params}"] if params is not None else []
        if macs is not None:
            counts.append(f"{self.unit} {self.cost(macs)}")
        device = "" if torch.device == "cpu" or torch.when == "building" else \
            " (on the meta device; too large to confirm on CPU)"
        self.disagree(*where, f"{what}: macslint counts it ({', '.join(counts)}), torch raises "
                              f"{torch.when} it{device}: {torch.error}")
        return False

    # -- construction sites ---------------------------------------------------------------
    def verify_sites(self) -> None:
        path = self.report.path
        settings = self.report.settings
        for index, layer in enumerate(self.report.layers):
            site = self.sites[index] if self.sites is not None else None
            if not layer.resolved and layer.error is None:
                self.result.not_counted += 1
                continue
            if site is None or site.spec is None:
                self.result.not_rebuilt["construction sites: arguments not kept by the "
                                        "analysis"] += 1
                continue
            if site.args is None:  # MAC010 from binding: the call does not fit the signature
                self.result.not_rebuilt["MAC010 sites: the call does not bind to the "
                                        "constructor's signature, no arguments to rebuild"] += 1
                continue
            where = (path, layer.line, layer.col)
            assert settings is not None
            if layer.error is not None:
                self.verify_invalid_site(where, layer, site, settings)
                continue
            inputs = None
            if layer.input is not None:
                inputs = [(settings.batch_size, *s) for s in (layer.input, *layer.extra_inputs)]
            what = f"layer {layer.call}" + (f" at {_shapes(inputs)}" if inputs else "")
            torch = self.oracle.layer(site.spec, site.args, inputs)
            if isinstance(torch, NotRebuilt):
                self.result.not_rebuilt[f"layers: {torch.reason}"] += 1
                continue
            self.result.layers += 1
            if inputs is None:
                self.result.shapeless += 1
            output = None if layer.output is None else (settings.batch_size, *layer.output)
            result = _site_result(site.spec, site.args, inputs)
            if isinstance(torch, Raises):
                self.counted_but_raises(where, what, site.spec, site.args, inputs,
                                        layer.params, layer.macs, output, torch, result)
            else:
                self.compare(where, what, layer.params, layer.macs, output, torch, site.args,
                             result)

    def verify_invalid_site(self, where: Tuple[str, int, int], layer: Any, site: LayerSite,
                            settings: Settings) -> None:
        spec, args = site.spec, site.args
        assert spec is not None and args is not None
        inputs = None
        if spec.standalone_inputs is not None:
            try:
                per_sample = spec.standalone_inputs(args, settings.input_size)
                inputs = [(settings.batch_size, *s) for s in per_sample]
            except (LayerError, Unresolved):
                inputs = None
        torch = self.oracle.layer(spec, args, inputs)
        if isinstance(torch, NotRebuilt):
            self.result.not_rebuilt[f"layers: {torch.reason}"] += 1
            return
        if isinstance(torch, Accepts) and inputs is None:
            # torch builds it; what macslint says it raises on is a call, and a layer with no
            # shape of its own has no input to call it on.
            self.result.not_rebuilt["MAC010 layers: torch builds them, and they have no "
                                    "shape of their own to call them at"] += 1
            return
        if isinstance(torch, Accepts):
            params = torch.params
            cpu = self.oracle.confirm(spec, args, inputs, params)
            if cpu is None:
                self.result.not_rebuilt["MAC010 layers: torch accepts them on the meta "
                                        "device, too large to confirm on CPU"] += 1
                return
            torch = cpu
        self.result.layers += 1
        if isinstance(torch, Raises):
            self.result.invalid += 1
            return
        shown = f" at {_shapes(inputs)}" if inputs else ""
        counts = f"params {torch.params}" + ("" if torch.macs is None else
                                             f", {self.unit} {self.cost(torch.macs)}")
        self.disagree(*where, f"layer {layer.call}{shown}: macslint says torch raises "
                              f"(MAC010: {layer.error}), torch accepts it ({counts})")

    # -- models ---------------------------------------------------------------------------
    def call_path(self, call: LayerCall) -> str:
        """The file the construction is in, as macslint names files on the command line."""
        file = call.site.file
        if file is None:
            return self.report.path
        if os.path.isabs(file):
            return file
        beside = os.path.join(os.path.dirname(self.report.path), file)
        return os.path.normpath(beside) if os.path.exists(beside) else file

    def verify_models(self) -> None:
        for model in self.report.models:
            if model.internal_error is not None:
                self.result.not_rebuilt["models: macslint failed on them (MAC900)"] += 1
                continue
            self.verify_model(model)

    def verify_model(self, model: ModelTrace) -> None:
        torch_macs: Optional[int] = 0
        macs_gap: List[str] = []
        layer_params: Dict[str, Tuple[int, Optional[int]]] = {}  # path -> (macslint, torch)
        params_gap: List[str] = []
        for call in model.calls:
            outcome = self.verify_call(model, call)
            if isinstance(outcome, Accepts):
                torch_macs = None if torch_macs is None or outcome.macs is None \
                    else torch_macs + outcome.macs
                if call.path and call.params is not None:
                    layer_params[call.path] = (call.params, outcome.params)
            else:
                macs_gap.append(call.path or call.kind)
                if call.path:
                    params_gap.append(call.path)
        for op in model.ops:
            where = (self.report.path, op.line, op.col)
            torch = self.oracle.op(op.op, op.inputs)
            what = f"model {model.name} {op.op} at {_shapes(op.inputs)}"
            if isinstance(torch, NotRebuilt):
                self.result.not_rebuilt[f"ops in forward(): {torch.reason}"] += 1
                macs_gap.append(op.op)
                continue
            self.result.ops += 1
            if isinstance(torch, Raises):
                device = "" if torch.device == "cpu" else \
                    " (on the meta device; too large to confirm on CPU)"
                self.disagree(*where, f"{what}: macslint counts it ({self.unit} "
                                      f"{self.cost(op.macs)}), torch raises calling it{device}: "
                                      f"{torch.error}")
                macs_gap.append(op.op)
                continue
            self.compare(where, what, None, op.macs, op.output if op.output else None, torch)
            torch_macs = None if torch_macs is None else torch_macs + (torch.macs or 0)
        where = (self.report.path, model.line, model.col)
        if model.macs is not None:
            if macs_gap or torch_macs is None:
                self.result.not_rebuilt["model MAC totals: a part not rebuilt"] += 1
            else:
                self.result.model_macs += 1
                if torch_macs != model.macs:
                    self.disagree(*where, f"model {model.name} total: {self.unit} macslint "
                                          f"{self.cost(model.macs)}, torch {self.cost(torch_macs)}")
        if model.params is not None:
            counted = sum(p for p, _ in layer_params.values())
            if params_gap:
                self.result.not_rebuilt["model param totals: a layer call not rebuilt"] += 1
            elif counted != model.params:
                self.result.not_rebuilt["model param totals: parameters outside the traced "
                                        "layer calls (nn.Parameter tensors, or modules the "
                                        "traced forward() does not reach)"] += 1
            else:
                self.result.model_params += 1
                total = sum(t for _, t in layer_params.values() if t is not None)
                if total != model.params:
                    self.disagree(*where, f"model {model.name} total: params macslint "
                                          f"{model.params}, torch {total}")

    def verify_call(self, model: ModelTrace, call: LayerCall) -> Any:
        """Accepts when the call was rebuilt and torch counted it, whether it agrees or not."""
        if not call.traced:
            if call.reason and call.reason.startswith("torch raises"):
                self.result.not_rebuilt["model calls macslint says torch rejects (MAC011): "
                                        "their input shape is not recorded"] += 1
                return NotRebuilt("MAC011")
            self.result.not_counted += 1
            return NotRebuilt("not traced")
        assert call.spec is not None and call.args is not None and call.inputs is not None
        where = (self.call_path(call), call.site.line, call.site.col + 1)
        what = (f"model {model.name} {call.path or '(not registered)'} {call.site.call_text} at "
                f"{_shapes(call.inputs)}")
        # an RNN's call: its arguments as passed (a state None or a tuple), its whole result
        arguments = call.arguments if call.arguments is not None else call.inputs
        torch = self.oracle.layer(call.spec, call.args, arguments)
        if isinstance(torch, NotRebuilt):
            self.result.not_rebuilt[f"model calls: {torch.reason}"] += 1
            return torch
        self.result.calls += 1
        if isinstance(torch, Raises):
            accepted = self.counted_but_raises(where, what, call.spec, call.args, arguments,
                                               call.params, call.macs, call.output, torch,
                                               call.result)
            if not accepted:
                return torch
            torch = self.oracle.confirm(call.spec, call.args, arguments, call.params)
            return torch
        self.compare(where, what, call.params, call.macs, call.output, torch, call.args,
                     call.result)
        return torch


def verify_file(path: Path, display: str, settings: Settings) -> FileVerification:
    report, sites = analyse_sites(path, display, settings)
    if report.error is not None:
        return FileVerification(display, error=report.error)
    try:
        verifier = FileVerifier(report, sites)
        verifier.verify_sites()
        verifier.verify_models()
    except Exception as exc:  # noqa: BLE001 - a bug of verify's must not lose the other files
        return FileVerification(display, error=f"verify failed: {_describe(exc)}; please "
                                               "report it with this file")
    return verifier.result


def _worker_verify(path: Path, display: str, settings: Settings) -> FileVerification:
    torch = require_torch()
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)  # CPU checks: one thread per worker process
    return verify_file(path, display, settings)


# ---------------------------------------------------------------------------
# A run


@dataclass
class Verification:
    files: List[FileVerification] = field(default_factory=list)
    config_errors: List[str] = field(default_factory=list)

    def total(self) -> FileVerification:
        total = FileVerification("")
        for file in self.files:
            file.merge_into(total)
            if file.error is not None:
                total.not_rebuilt["files not verified (listed above)"] += 1
        return total


def run_verify(paths: Sequence[str], overrides: Dict[str, object], jobs: int = 1) -> Verification:
    """TorchMissing without torch; UsageError for a path that does not exist."""
    require_torch()
    # The files `report` would analyse, each with its settings.
    plan = plan_files(iter_files(paths), overrides)
    work = plan.work
    run = Verification(config_errors=plan.config_errors)
    workers = min(jobs, len(work))
    if workers <= 1:
        run.files = [verify_file(*item) for item in work]
        return run
    from .. import analysis  # noqa: F401 - loaded once, before the workers fork

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    results: List[Optional[FileVerification]] = [None] * len(work)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures = [pool.submit(_worker_verify, *item) for item in work]
        for i, future in enumerate(futures):
            try:
                results[i] = future.result()
            except Exception:  # noqa: BLE001 - a worker lost: checked here, nothing is lost
                results[i] = verify_file(*work[i])
    run.files = [r for r in results if r is not None]
    return run
