"""What calling a torch name does when code runs, by qualified name: one entry per name.

The containers and parameters of torch.nn, `Module.__init__`, the in-place initialisers of
torch.nn.init. Layer classes are the cost model's catalogue (costmodel.LAYERS); tensor
functions are its op registries (costmodel.TORCH_FUNCTIONS, FUNCTIONAL). Each handler gets
the running interpreter (torchnn.tracer.ModelInterpreter), the call's node and its bound
arguments, and returns the call's value.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from fractions import Fraction
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..costmodel import FUNCTIONAL, TORCH_FUNCTIONS, OpSpec
from ..evaluator.values import RaiseSignal, Unknown
from .values import Container, Tensor
from .valued import flat, is_int

Handler = Callable[[Any, Any, List[Any], Dict[str, Any]], Any]

# qualified name -> handler; and name prefixes whose every name has one handler
TORCH_CALLS: Dict[str, Handler] = {}
TORCH_CALL_PREFIXES: List[Tuple[str, Handler]] = []


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            if name.endswith(".*"):
                TORCH_CALL_PREFIXES.append((name[:-1], handler))
            else:
                TORCH_CALLS[name] = handler
        return handler
    return register


def torch_call(path: str) -> Optional[Handler]:
    handler = TORCH_CALLS.get(path)
    if handler is None:
        handler = next((h for prefix, h in TORCH_CALL_PREFIXES if path.startswith(prefix)), None)
    return handler


def op_spec(path: str) -> Optional[OpSpec]:
    """The cost model's entry for `torch.<name>` or `torch.nn.functional.<name>`."""
    parts = path.split(".")
    if parts[:3] == ["torch", "nn", "functional"] and len(parts) == 4:
        return FUNCTIONAL.get(parts[3])
    if parts[0] == "torch" and len(parts) == 2:
        return TORCH_FUNCTIONS.get(parts[1])
    return None


@handles("torch.nn.functional.multi_head_attention_forward")
def multi_head_attention_forward(run: Any, node: Any, positional: List[Any],
                                 keywords: Dict[str, Any]) -> Any:
    """`(attn_output, attn_weights)`, the op registry's entry; the weights None when
    need_weights is false, which the tracer's tensor ops do not return: put back here."""
    spec = FUNCTIONAL["multi_head_attention_forward"]
    tensors_only = dataclasses.replace(
        spec, result=lambda args: tuple(s for s in spec.result(args) if s is not None))
    result = run.run_op(node, tensors_only, run.code(node.func), positional, keywords)
    if isinstance(result, tuple) and len(result) == 1:
        return result[0], None
    return result


@handles("torch.nn.Sequential", "torch.nn.modules.container.Sequential")
def sequential(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    container = Container("Sequential", OrderedDict())
    if keywords:
        raise RaiseSignal(f"{run.where(node)}: Sequential takes no keyword arguments")
    run.sequential_init(container, positional, node)
    return container


@handles("torch.nn.ModuleList", "torch.nn.modules.container.ModuleList")
def module_list(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    container = Container("ModuleList", OrderedDict())
    modules = positional[0] if positional else keywords.get("modules")
    if modules is not None:
        run.extend_container(node, container, modules)
    return container


@handles("torch.nn.ModuleDict", "torch.nn.modules.container.ModuleDict")
def module_dict(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    container = Container("ModuleDict", OrderedDict())
    modules = positional[0] if positional else keywords.get("modules")
    if modules is not None:
        run.update_container(node, container, modules)
    return container


@handles("torch.nn.Parameter", "torch.nn.parameter.Parameter")
def parameter(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    data = positional[0] if positional else keywords.get("data")
    if isinstance(data, Tensor):
        made = Tensor(data.shape, run.line_of(node), param=True, dtype=data.dtype)
        if len(positional) > 1 or "requires_grad" in keywords:
            run.set_requires_grad(made, positional[1] if len(positional) > 1 else
                                  keywords["requires_grad"], node)
        return made
    why = f": {data.reason}" if isinstance(data, Unknown) else ""
    run.note(f"the parameter {run.where(node)} has no known shape{why}")
    return Unknown("a parameter of unknown shape")


# Tensor methods that fill a tensor in place and return it, shape unchanged, no FLOPs
# (`self.bias.data.uniform_(-b, b)`, `w.data.normal_(0, 0.02)`, `b.data.zero_()`).
TENSOR_FILLS = frozenset({
    "uniform_", "normal_", "zero_", "fill_", "random_", "bernoulli_", "exponential_", "cauchy_",
    "log_normal_", "geometric_", "requires_grad_", "erfinv_",
})


@handles("torch.nn.Module.__init__", "torch.nn.Module")
def module_init(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    return None


@handles("torch.nn.init", "torch.nn.init.*")
def initialiser(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`nn.init.kaiming_normal_(w)`: fills the tensor in place and returns it."""
    return positional[0] if positional else None


def legacy_tensor(path: str) -> Handler:
    """A legacy constructor of floating-point tensors: `torch.Tensor(4, 8)` is an
    uninitialised tensor of that shape, `torch.Tensor([[1, 2], [3, 4]])` one of that data,
    `torch.Tensor(t)` the same data as tensor `t` (the typed ones refuse a tensor of another
    dtype, which the tensor values do not tell; the integer ones make tensors that cannot be
    parameters: not modelled)."""
    name = path.rpartition(".")[2]

    def construct(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
        if keywords:
            return Unknown(f"`torch.{name}()` with keyword arguments is not modelled")
        if len(positional) == 1 and isinstance(positional[0], Tensor):
            if name != "Tensor":
                return Unknown(f"`torch.{name}()` of a tensor whose dtype is not known")
            return Tensor(positional[0].shape, run.line_of(node))
        if all(isinstance(v, int) and not isinstance(v, bool) for v in positional):
            negative = [v for v in positional if v < 0]
            if negative:
                raise RaiseSignal(f"{run.where(node)} raises: Trying to create tensor with "
                                  f"negative dimension {negative[0]}: {list(positional)}")
            return Tensor(tuple(positional) if positional else (0,), run.line_of(node))
        if len(positional) == 1 and isinstance(positional[0], list):
            shape = data_shape(run, node, positional[0])
            if shape is not None:
                return Tensor(shape, run.line_of(node))
            return Unknown(f"the data of `torch.{name}()` is not known")
        # a tuple may be a tensor's shape (a torch.Size: the size) or data: not told apart
        return Unknown(f"`torch.{name}()` of these arguments is not modelled")

    return construct


for _path in ("torch.Tensor", "torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor",
              "torch.BFloat16Tensor"):
    handles(_path)(legacy_tensor(_path))


def data_shape(run: Any, node: Any, data: Any) -> Optional[Tuple[int, ...]]:
    """The shape of a tensor made from nested lists (or tuples) of numbers; raises what torch
    raises for ragged data; None when an item is not known."""
    if isinstance(data, (int, float)):
        return ()
    if not isinstance(data, (list, tuple)):
        return None
    shapes = [data_shape(run, node, item) for item in data]
    if any(s is None for s in shapes):
        return None
    if shapes and any(s != shapes[0] for s in shapes):
        raise RaiseSignal(f"{run.where(node)} raises: the data is not rectangular")
    return (len(data), *(shapes[0] if shapes else ()))


def _float32(value: float) -> float:
    """`value` rounded to float32, as a Python float (one float32 operation's result is the
    double result rounded: +, -, *, / are exact in double before that rounding)."""
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _data_values(data: Any, dtype: str) -> Any:
    if isinstance(data, (list, tuple)):
        return [_data_values(item, dtype) for item in data]
    if dtype == "bool":
        return bool(data)
    if is_int(dtype):  # (an int64 value that the dtype holds: checked by the caller)
        return int(data)
    return _float32(float(data)) if dtype == "float32" else None


def _data_dtype(data: Any) -> Optional[str]:
    """The dtype torch infers for nested lists of Python numbers: float32 (the default) if any
    is a float, int64 if any is an int, else bool; None for another item."""
    items = [data]
    kinds = set()
    while items:
        item = items.pop()
        if isinstance(item, (list, tuple)):
            items.extend(item)
        elif isinstance(item, (bool, int, float)):
            kinds.add(type(item))
        else:
            return None
    return "float32" if float in kinds else "int64" if int in kinds else "bool"


@handles("torch.jit.is_scripting", "torch.jit.is_tracing", "torch.compiler.is_compiling",
         "torch.compiler.is_dynamo_compiling", "torch._dynamo.is_compiling",
         "torch.onnx.is_in_onnx_export")
def not_scripting(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """A model counted runs eagerly, as under FlopCounterMode: not scripted, traced,
    compiled or exported."""
    if positional or keywords:
        return Unknown(f"{run.where(node)} takes no arguments")
    return False


@handles("torch.get_default_dtype")
def default_dtype(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """torch's default float dtype: float32 (what counting builds with; set_default_dtype is
    not followed)."""
    if positional or keywords:
        raise RaiseSignal(f"{run.where(node)} raises: get_default_dtype() takes no arguments")
    from .names import resolve_torch_path
    return resolve_torch_path("torch.float32")


# torch.finfo / torch.iinfo of each dtype (torch 2.13's numbers: data)
_FINFO = {
    "float32": dict(bits=32, eps=1.1920928955078125e-07, max=3.4028234663852886e+38,
                    tiny=1.1754943508222875e-38, resolution=1e-06),
    "float64": dict(bits=64, eps=2.220446049250313e-16, max=1.7976931348623157e+308,
                    tiny=2.2250738585072014e-308, resolution=1e-15),
    "float16": dict(bits=16, eps=0.0009765625, max=65504.0, tiny=6.103515625e-05,
                    resolution=0.001),
    "bfloat16": dict(bits=16, eps=0.0078125, max=3.3895313892515355e+38,
                     tiny=1.1754943508222875e-38, resolution=0.01),
}
_IINFO = {"int64": 64, "int32": 32, "int16": 16, "int8": 8}


@handles("torch.finfo", "torch.iinfo")
def type_info(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`torch.finfo(dtype).bits` (timm's sin-cos position embedding): the numbers of a dtype;
    finfo() with no dtype is the default one's (float32)."""
    from ..evaluator.records import Namespace
    from .tensors import dtype_named

    floats = run.code(node.func).endswith("finfo")
    if keywords or len(positional) > 1:
        return Unknown(f"{run.where(node)} with these arguments is not modelled")
    name = dtype_named(positional[0]) if positional else "float32" if floats else None
    if floats and name in _FINFO:
        info = dict(_FINFO[name], min=-_FINFO[name]["max"], dtype=name,
                    smallest_normal=_FINFO[name]["tiny"])
        return Namespace("finfo", info)
    if not floats and name in _IINFO:
        bits = _IINFO[name]
        return Namespace("iinfo", dict(bits=bits, max=2 ** (bits - 1) - 1, min=-2 ** (bits - 1),
                                       dtype=name))
    return Unknown(f"{run.where(node)} of {name or 'a dtype not known'} is not modelled")


@handles("torch.jit.annotate")
def jit_annotate(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`torch.jit.annotate(List[Tensor], [])`: a hint to TorchScript; the value itself."""
    if len(positional) == 2 and not keywords:
        return positional[1]
    return Unknown(f"`torch.jit.annotate()` with these arguments is not modelled "
                   f"({run.place(node)})")


@handles("torch._C._get_tracing_state")
def no_tracing_state(run: Any, node: Any, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
    """No JIT tracing state in an eager run (torchvision's `_is_tracing()` reads it)."""
    found = not_scripting(run, node, positional, keywords)
    return found if isinstance(found, Unknown) else None


@handles("torch.tensor")
def tensor(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`torch.tensor(0.)`, `torch.tensor([[1, 2], [3, 4]])`: its shape (0-d for a number), the
    dtype torch infers (or `dtype=`), and its items."""
    from .tensors import ValuedTensor, dtype_named  # tensors imports this module's users

    data = positional[0] if len(positional) == 1 else keywords.get("data", MISSING_DATA) \
        if not positional else MISSING_DATA
    extra = set(keywords) - {"data", "dtype", "device", "requires_grad", "pin_memory"}
    if data is MISSING_DATA or extra:
        return Unknown(f"`torch.tensor()` with these arguments is not modelled ({run.place(node)})")
    if isinstance(data, Tensor):  # a copy, cast to `dtype=` where given
        return Tensor(data.shape, run.line_of(node), dtype=data.dtype if keywords.get(
            "dtype") is None else dtype_named(keywords["dtype"]))
    shape = data_shape(run, node, data)
    inferred = _data_dtype(data)
    if shape is None or inferred is None:
        why = f": {data.reason}" if isinstance(data, Unknown) else ""
        return Unknown(f"the data of {run.where(node)} is not known{why}")
    if any(isinstance(v, int) and not isinstance(v, bool) and not -2 ** 63 <= v < 2 ** 63
           for v in _flat(data)):
        raise RaiseSignal(f"{run.where(node)} raises: Overflow when unpacking long")
    dtype = inferred
    if keywords.get("dtype") is not None:
        dtype = dtype_named(keywords["dtype"])  # None: not known
    values = _data_values(data, dtype) if dtype == inferred or dtype == "float32" \
        and inferred != "bool" or inferred == "int64" and is_int(dtype) and all(
            -_INT_LIMITS.get(dtype, 2 ** 63) <= v < _INT_LIMITS.get(dtype, 2 ** 63)
            for v in _flat(data)) else Unknown(f"the items of {run.where(node)} are not modelled")
    return ValuedTensor(shape, run.line_of(node), values, dtype)


_INT_LIMITS = {"int32": 2 ** 31, "int16": 2 ** 15, "int8": 2 ** 7}


@handles("torch.unique")
def unique(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`torch.unique(t)`: its size is its distinct items' count, so known where the items
    are, exactly (timm's RegNet: `len(torch.unique(widths))`); sorted, as torch gives them."""
    from .tensors import ValuedTensor

    source = positional[0] if positional else keywords.get("input")
    options = {**dict(zip(("sorted", "return_inverse", "return_counts", "dim"), positional[1:])),
               **{k: v for k, v in keywords.items() if k != "input"}}
    if len(positional) > 5 or set(options) - {"sorted", "return_inverse", "return_counts", "dim"} \
            or any(options.get(k) not in (None, False) for k in ("return_inverse",
                                                              "return_counts", "dim")) \
            or options.get("sorted", True) is not True:
        return Unknown(f"`torch.unique()` with these arguments is not modelled "
                       f"({run.place(node)})")
    items = getattr(source, "values", None)
    if not isinstance(source, ValuedTensor) or not isinstance(items, list) \
            or not all(type(v) in (int, float, bool) for v in flat(items)):
        return Unknown(f"the size of {run.where(node)} depends on items that are not known")
    distinct = sorted(set(flat(items)))
    return ValuedTensor((len(distinct),), run.line_of(node), distinct, source.dtype)


@handles("torch.as_tensor")
def as_tensor(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`torch.as_tensor(data, dtype=None, device=None)`: a tensor given with no other dtype is
    returned itself (no copy); otherwise as `torch.tensor(data)`."""
    data = positional[0] if positional else keywords.get("data")
    if isinstance(data, Tensor) and keywords.get("dtype") is None and len(positional) <= 1:
        return data
    return tensor(run, node, positional, keywords)


def _flat(data: Any) -> List[Any]:
    if isinstance(data, (list, tuple)):
        return [item for value in data for item in _flat(value)]
    return [data]


MISSING_DATA = object()


@handles("torch.linspace")
def linspace(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`torch.linspace(start, end, steps)`: a 1-d float32 tensor of `steps` items, computed as
    torch's CPU kernel does in float32 (from both ends, `start + step * i` for the first half,
    `end - step * (steps - 1 - i)` for the rest)."""
    from .tensors import ValuedTensor, dtype_named

    names = ("start", "end", "steps")
    bound = dict(zip(names, positional))
    bound.update({k: v for k, v in keywords.items() if k in names})
    extra = set(keywords) - {*names, "dtype", "device", "requires_grad", "layout", "out"}
    if len(positional) > 3 or extra or set(names) - set(bound) or keywords.get("out") is not None:
        return Unknown(f"`torch.linspace()` with these arguments is not modelled "
                       f"({run.place(node)})")
    start, end, steps = bound["start"], bound["end"], bound["steps"]
    for value in (start, end, steps):
        if isinstance(value, Unknown):
            return Unknown(f"an argument of {run.where(node)} is not known: {value.reason}")
    if not isinstance(steps, int) or isinstance(steps, bool):
        return Unknown(f"the steps of {run.where(node)} are not an int")
    if steps < 0:
        raise RaiseSignal(f"{run.where(node)} raises: number of steps must be non-negative")
    dtype = "float32"
    if keywords.get("dtype") is not None:
        dtype = dtype_named(keywords["dtype"])
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, end))
    if not numbers or dtype != "float32" or steps > 10_000:
        return ValuedTensor((steps,), run.line_of(node), Unknown(
            f"the items of {run.where(node)} are not modelled"), dtype)
    values = _linspace32(start, end, steps)
    if values is None:  # the count is known, and often enough (`for x in ...`)
        values = _linspace_bounds(start, end, steps, f"the items of {run.where(node)} are not "
                                  f"known: torch rounds them in float32 in a way that depends "
                                  f"on the CPU")
    return ValuedTensor((steps,), run.line_of(node), values, dtype)


def _linspace32(start: float, end: float, steps: int) -> Optional[List[float]]:
    """The items when no rounding can happen on the way (`torch.linspace(0, 1, 5)`,
    `torch.linspace(0, 0, 12)`): then every formula torch's kernels may use (scalar or vector
    lanes, fused multiply-add or not: which depends on the CPU) gives them. None otherwise."""
    first, last = _float32(float(start)), _float32(float(end))
    if not (math.isfinite(first) and math.isfinite(last)):
        return None
    if steps == 1:
        return [first]
    step = _float32(_float32(last - first) / _float32(steps - 1))
    values = []
    for i in range(steps):
        exact = Fraction(first) + Fraction(step) * i
        for part in (exact, Fraction(step) * i, Fraction(step) * (steps - 1 - i),
                     Fraction(last) - Fraction(step) * (steps - 1 - i)):
            if Fraction(_float32(float(part))) != part:
                return None
        if exact != Fraction(last) - Fraction(step) * (steps - 1 - i):
            return None
        values.append(float(exact))
    return values


U32 = Fraction(1, 2 ** 24)  # float32's unit roundoff: |fl(x) - x| <= U32 * |x| (normal range)
SUBNORMAL32 = Fraction(1, 2 ** 150)  # |fl(x) - x| below the normal range


def _linspace_bounds(start: float, end: float, steps: int, reason: str) -> Any:
    """Each item of `torch.linspace(start, end, steps)` (float32, steps >= 2) as an interval
    that holds torch's value whatever its CPU kernel does (evaluator.rounded.Rounded); the
    first item, `start + step * 0`, exactly. Unknown when not finite.

    torch's kernel (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp) computes in float32
    `step = (end - start) / (steps - 1)` (deterministic: correctly rounded, as here), then item
    i < steps // 2 from the start, by the scalar loop `start + step * i` or by a vector lane
    `(start + step * j) + step * (i - j)` (j <= i, its vector's first index; `arange` lanes),
    and item i >= steps // 2 either way or from the end: `end - step * (steps - 1 - i)`, or
    `(end - step * (steps - 1 - j)) + step * (i - j)`. Each is the exact real `start + step*i`
    (or `end - step*(steps-1-i)`) plus at most four rounding errors (two products, two sums;
    a fused multiply-add only drops some), each at most U32 times the exact intermediate, whose
    magnitudes are bounded by |start| + |step|*i (or |end| + |step|*(steps-1)), plus
    SUBNORMAL32 each below the normal range; 1.001 covers the intermediates' own rounding."""
    from ..evaluator.rounded import Rounded  # the interpreter imports this package's users

    first, last = _float32(float(start)), _float32(float(end))
    if steps < 2 or not (math.isfinite(first) and math.isfinite(last)):
        return Unknown(reason)
    step = _float32(_float32(last - first) / _float32(steps - 1))
    if not math.isfinite(step):
        return Unknown(reason)
    a, b, s = Fraction(first), Fraction(last), Fraction(step)
    slack = Fraction(1001, 1000)
    values: List[Any] = [first]
    for i in range(1, steps):
        near = a + s * i
        err = (U32 * (2 * abs(a) + 4 * abs(s) * i) + 4 * SUBNORMAL32) * slack
        lo, hi = near - err, near + err
        if i >= steps // 2:
            far = b - s * (steps - 1 - i)
            err = (U32 * (2 * abs(b) + 4 * abs(s) * (steps - 1)) + 4 * SUBNORMAL32) * slack
            lo, hi = min(lo, far - err), max(hi, far + err)
        values.append(Rounded(lo, hi, reason))
    return values
