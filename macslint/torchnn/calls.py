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
        return Tensor(data.shape, run.line_of(node), param=True)
    run.note(f"the parameter {run.where(node)} has no known shape")
    return Unknown("a parameter of unknown shape")


@handles("torch.nn.Module.__init__", "torch.nn.Module")
def module_init(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    return None


@handles("torch.nn.init", "torch.nn.init.*")
def initialiser(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    """`nn.init.kaiming_normal_(w)`: fills the tensor in place and returns it."""
    return positional[0] if positional else None
