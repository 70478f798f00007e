"""What a model's parameters are beside their number: which ones torch would train, their
dtypes and the memory they and a forward pass take, as torchinfo's summary counts them.

Followed: `p.requires_grad = flag` and `p.requires_grad_(flag)` of a parameter (also in a
loop over `module.parameters()` or `named_parameters()`), `module.requires_grad_(flag)`,
`nn.Parameter(data, requires_grad=flag)`. A flag that is not known, or set under a condition
that is not known, leaves the trainable count unknown, and says where. A module's `.half()`,
`.double()`, `.bfloat16()`, `.float()`, `.type(...)` or `.to(...)` with anything but a device
may change its parameters' dtype, which is not followed: their memory is then not known.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Set

import libcst as cst

from ..costmodel.dtypes import DEFAULT_FLOAT
from ..results.traces import ModelTrace
from .values import Device, LayerModule, Tensor, UserModule

# Module methods that set `requires_grad` or may change the parameters' dtype.
PARAMETER_METHODS = frozenset({"requires_grad_", "half", "double", "bfloat16", "float",
                               "type", "to"})
# `.to()` arguments that name a device, never a dtype
_DEVICE_WORDS = ("cpu", "cuda", "meta", "mps", "xpu")


class ParameterState:
    """Part of ModelInterpreter (torchnn.tracer): the parameters' `requires_grad` and dtype
    changes while a model is built, and what they come to (`parameter_state`)."""

    param_notes: List[str]  # why the trainable count or the parameters' memory is not known
    param_unknown: Set[str]  # which: "trainable", "dtype"

    def set_requires_grad(self, tensor: Any, value: Any, node: cst.CSTNode) -> None:
        """`p.requires_grad = value` (or `p.requires_grad_(value)`) of a tensor."""
        if not isinstance(tensor, Tensor) or not tensor.param:
            return  # an activation's flag: no parameter count changes
        if isinstance(value, bool) and (value == tensor.requires_grad or not self.forks):
            tensor.requires_grad = value
            return
        why = "under a condition that is not known" if isinstance(value, bool) else \
            "to a value that is not known"
        self.param_note(f"{self.where(node)} sets `requires_grad` {why}: "
                        f"the trainable parameters are not known", "trainable")

    def param_note(self, message: str, what: str) -> None:
        """Why `what` ("trainable" or "dtype") is not known for this model."""
        if message not in self.param_notes:
            self.param_notes.append(message)
        self.param_unknown.add(what)

    def parameter_method(self, node: cst.Call, receiver: Any, name: str,
                         positional: List[Any], keywords: Dict[str, Any]) -> Any:
        """`p.requires_grad_(flag)`, and a module's `requires_grad_(flag)` or dtype methods:
        each returns its receiver, as torch's do."""
        flag = positional[0] if positional else keywords.get("requires_grad", True)
        if isinstance(receiver, Tensor):
            self.set_requires_grad(receiver, flag, node)
            return receiver
        if name == "requires_grad_":
            try:
                named = self.named_tensors(
                    self.named_modules(receiver, "", True), True, True)
            except Exception as exc:  # noqa: BLE001 - containers' _NotKnown
                self.param_note(f"{self.where(node)} sets `requires_grad` of parameters that "
                                f"are not known one by one ({exc}): the trainable parameters "
                                f"are not known", "trainable")
                named = []
            for _, tensor in named:
                self.set_requires_grad(tensor, flag, node)
        elif name != "to" or not all(_names_a_device(v) for v in (*positional, *(
                v for k, v in keywords.items() if k not in ("non_blocking", "copy")))):
            self.param_note(f"{self.where(node)} may change the parameters' dtype, "
                            f"which is not followed: their memory is not known", "dtype")
        return receiver

    def ran_module(self, module: UserModule, output: Any) -> Any:
        """A module of the code's own that holds no other module has run: its output, which
        torchinfo counts in the forward/backward pass where it has parameters."""
        if not any(child is not None for child in module.children.values()):
            first = output
            while isinstance(first, (tuple, list)) and first:
                first = first[0]  # torchinfo sizes the first tensor of a tuple
            self.module_outputs.append((
                self.paths.get(id(module), ""),
                first.shape if isinstance(first, Tensor) else None,
                first.dtype if isinstance(first, Tensor) else None))
        return output

    def parameter_state(self, trace: ModelTrace, modules: List[Any]) -> None:
        """The model's trainable parameters, and its parameters' count by dtype, where they
        are known (`trace.params` is); the notes say why not where they are not. `modules`:
        all_modules(model), as counted (a model nested thousands deep is walked once)."""
        if trace.params is None:
            return
        if "trainable" not in self.param_unknown:
            # The ones not read are trainable (torch's default): what was cleared is all
            frozen = [t for t in self.materialized(modules) if not t.requires_grad]
            trace.trainable_params = trace.params - sum(math.prod(t.shape) for t in frozen)
        if "dtype" not in self.param_unknown:
            trace.param_dtypes = self.default_dtypes(modules, trace.params) or \
                self.dtypes_one_by_one(modules, trace.params)
            if trace.param_dtypes is None:
                self.param_note("the parameters' dtypes are not all known (a layer built with "
                                "a `dtype`): their memory is not known", "dtype")
        trace.param_notes = list(self.param_notes)

    def dtypes_one_by_one(self, modules: List[Any], params: int) -> Optional[Dict[str, int]]:
        """The count of each dtype, parameter by parameter (a layer built with a `dtype`);
        None where they are not all known."""
        try:  # (what the counts walked, with no step charged after them)
            named = self.named_tensors(
                [(str(i), m) for i, m in enumerate(modules)], True, True)
            tensors = [t for _, t in named]
        except Exception:  # noqa: BLE001 - containers' _NotKnown
            return None
        if sum(math.prod(t.shape) for t in tensors) != params:
            return None
        return _dtype_counts(tensors)

    def materialized(self, modules: List[Any]) -> List[Tensor]:
        """The model's parameters the code has read or made (a layer's are made when read),
        each once: those whose flag it could have cleared."""
        found: Dict[int, Tensor] = {}
        for module in modules:
            if isinstance(module, UserModule):
                tensors = list(module.params.values())
            elif isinstance(module, LayerModule):
                tensors = [module.tied.get(name, tensor) for name, tensor in
                           module.tensors.items()] + list(module.tied.values())
            else:
                continue
            found.update((id(t), t) for t in tensors if isinstance(t, Tensor) and t.param)
        return list(found.values())

    def default_dtypes(self, modules: List[Any], params: int) -> Optional[Dict[str, int]]:
        """{float32: params} where no layer is built with a `dtype` and every parameter the
        code makes is float32; else None."""
        for module in modules:
            if isinstance(module, LayerModule) and (
                    module.args is None or module.args.values.get("dtype") is not None
                    or any(t.dtype != DEFAULT_FLOAT for t in module.tied.values())):
                return None
            if isinstance(module, UserModule) and any(
                    not isinstance(t, Tensor) or t.dtype != DEFAULT_FLOAT
                    for t in module.params.values()):
                return None
        return {DEFAULT_FLOAT: params}


def _dtype_counts(tensors: List[Tensor]) -> Optional[Dict[str, int]]:
    counts: Dict[str, int] = {}
    for tensor in tensors:
        if tensor.dtype is None:
            return None
        counts[tensor.dtype] = counts.get(tensor.dtype, 0) + math.prod(tensor.shape)
    return counts


def _names_a_device(value: Any) -> bool:
    """A `.to()` argument that can only be a device: "cuda", "cuda:0", `torch.device(...)`."""
    if isinstance(value, str):
        return value.split(":")[0] in _DEVICE_WORDS
    return isinstance(value, Device)
