"""What calling a torch name does when code runs, by qualified name: one entry per name.

The containers and parameters of torch.nn, `Module.__init__`, the in-place initialisers of
torch.nn.init. Layer classes are the cost model's catalogue (costmodel.LAYERS); tensor
functions are its op registries (costmodel.TORCH_FUNCTIONS, FUNCTIONAL). Each handler gets
the running interpreter (torchnn.tracer.ModelInterpreter), the call's node and its bound
arguments, and returns the call's value.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..costmodel import FUNCTIONAL, TORCH_FUNCTIONS, OpSpec
from ..evaluator.values import RaiseSignal, Unknown
from .values import Container, Tensor

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


@handles("torch.nn.Sequential", "torch.nn.modules.container.Sequential")
def sequential(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    container = Container("Sequential", OrderedDict())
    if keywords:
        raise RaiseSignal(f"{run.where(node)}: Sequential takes no keyword arguments")
    run.sequential_init(container, positional)
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
        return Tensor(data.shape, run.line_of(node), param=True, dtype=data.dtype)
    why = f": {data.reason}" if isinstance(data, Unknown) else ""
    run.note(f"the parameter {run.where(node)} has no known shape{why}")
    return Unknown("a parameter of unknown shape")


# Tensor methods that fill a tensor in place and return it, shape unchanged, no FLOPs
# (`self.bias.data.uniform_(-b, b)`, `w.data.normal_(0, 0.02)`, `b.data.zero_()`).
TENSOR_FILLS = frozenset({
    "uniform_", "normal_", "zero_", "fill_", "random_", "bernoulli_", "exponential_", "cauchy_",
    "log_normal_", "geometric_", "requires_grad_",
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
