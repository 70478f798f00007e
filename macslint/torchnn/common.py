"""Constants and small helpers the model interpreter's parts share."""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Dict, Optional

import libcst as cst

from ..costmodel import Args, Shape
from ..evaluator.records import NamedTupleValue, Record, copy_sequence, fresh_copy  # noqa: F401 (re-exported)
from ..evaluator.syntax import last_name
from ..evaluator.values import MISSING as VALUES_MISSING, Unknown, UserFunction
from ..results.sites import first_unknown
from .values import Container, LayerModule, Tensor, UserModule


SEQUENTIAL_BASES = frozenset({"torch.nn.Sequential", "torch.nn.modules.container.Sequential"})
END = object()  # an iterator is exhausted (the walks of module trees)
MISSING = VALUES_MISSING  # one sentinel for 'absent' across the evaluator and the runtime
NESTED = (list, dict, tuple)

TENSOR_BINARY = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo,
                 cst.Power, cst.BitAnd, cst.BitOr, cst.BitXor)
OP_WORDS = {cst.Add: "add", cst.Subtract: "subtract", cst.Multiply: "multiply",
            cst.Divide: "divide", cst.FloorDivide: "divide", cst.Modulo: "take the modulo of",
            cst.Power: "raise", cst.BitAnd: "and", cst.BitOr: "or", cst.BitXor: "xor"}
# Layers whose arguments fix the size of their input's features or channels.
SIZED_ARGS = frozenset({"in_channels", "in_features", "in1_features", "num_features",
                        "num_channels", "normalized_shape", "input_size"})
# Tensor attributes that are not methods and carry no shape macslint needs.
TENSOR_PROPERTIES = frozenset({"dtype", "device", "is_cuda", "requires_grad", "grad", "layout",
                               "is_sparse", "grad_fn", "names", "is_leaf", "itemsize"})
STRIDING = frozenset({"transpose", "swapdims", "swapaxes", "permute", "t", "expand",
                      "expand_as", "T"})
VIEW_LIKE = frozenset({"reshape", "reshape_as", "flatten", "unflatten", "unsqueeze", "squeeze",
                       "chunk", "split", "detach"})
NO_EFFECT_MODULE_METHODS = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "eval", "train", "apply", "requires_grad_",
    "zero_grad", "share_memory", "type", "bfloat16", "register_forward_hook",
    "register_forward_pre_hook", "register_full_backward_hook", "load_state_dict",
})

# What an nn.Module has whatever its subclass sets: torch 2.13's `dir(nn.Module)` (dunders
# aside) and the instance attributes `nn.Module.__init__` sets (tests/torchnn compares both
# with torch). Any other `self.<name>` that a module's class and __init__ do not set is an
# AttributeError in torch.
MODULE_MEMBERS = frozenset({
    "T_destination", "_apply", "_call_impl", "_compiled_call_impl", "_get_backward_hooks",
    "_get_backward_pre_hooks", "_get_name", "_load_from_state_dict",
    "_maybe_warn_non_full_backward_hook", "_named_members", "_register_load_state_dict_pre_hook",
    "_register_state_dict_hook", "_replicate_for_data_parallel", "_save_to_state_dict",
    "_slow_forward", "_version", "_wrapped_call_impl", "add_module", "apply", "bfloat16",
    "buffers", "call_super_init", "children", "compile", "cpu", "cuda", "double",
    "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer", "get_extra_state",
    "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
    "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
    "register_backward_hook", "register_buffer", "register_forward_hook",
    "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_",
    "set_extra_state", "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train",
    "type", "xpu", "zero_grad",
    # instance attributes
    "_backward_hooks", "_backward_pre_hooks", "_buffers", "_forward_hooks",
    "_forward_hooks_always_called", "_forward_hooks_with_kwargs", "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs", "_is_full_backward_hook", "_load_state_dict_post_hooks",
    "_load_state_dict_pre_hooks", "_modules", "_non_persistent_buffers_set", "_parameters",
    "_state_dict_hooks", "_state_dict_pre_hooks", "training",
})


class MissingMember(Unknown):
    """`self.<name>` of a model that neither its class, its __init__ nor nn.Module sets."""

    __slots__ = ()


# torch's eager-mode quantization modules (torchnn.quantization): FloatFunctional's methods,
# the torch op each runs (add_relu: relu after add)
FUNCTIONAL_OPS = {"add": "add", "add_relu": "add", "add_scalar": "add", "mul": "mul",
                   "mul_scalar": "mul", "cat": "cat", "matmul": "matmul"}
FLOAT_FUNCTIONAL = "FloatFunctional"
FUNCTIONAL_METHODS = frozenset({*FUNCTIONAL_OPS, "forward"})
# their classes' names (`type(module)`)
TYPE_PATHS = {"QuantStub": "torch.ao.quantization.stubs.QuantStub",
              "DeQuantStub": "torch.ao.quantization.stubs.DeQuantStub",
              FLOAT_FUNCTIONAL: "torch.ao.nn.quantized.modules.functional_modules.FloatFunctional"}
FORWARD_ERROR = ("RuntimeError: FloatFunctional is not intended to use the 'forward'. Please "
                 "use the underlying operation")

def plain_number(value: Any) -> bool:
    return isinstance(value, (int, float, bool)) and not isinstance(value, Unknown)


def unknown_argument(args: Args) -> Optional[str]:
    """Why an argument that matters is not known (where a layer lives does not matter)."""
    for name, value in args.values.items():
        unknown = first_unknown(value)
        if unknown is not None and name not in ("device", "dtype"):
            return f"argument '{name}' is not known: {unknown.reason}"
    return None


def unknown_arguments(args: Optional[Args]) -> str:
    return (unknown_argument(args) if args is not None else None) or "its arguments are not known"


def decorator_names(function: UserFunction) -> set:
    return {last_name(d.decorator) for d in function.node.decorators}


def expected_shape(layer: LayerModule, shape: Shape) -> Optional[Shape]:
    """The input shape the layer would accept, where one dimension is at fault."""
    values = layer.args.values if layer.args is not None else {}
    if not shape:
        return None
    for name in ("in_features", "in1_features"):
        if isinstance(values.get(name), int):
            return (*shape[:-1], values[name])
    for name in ("in_channels", "num_features", "num_channels"):
        if isinstance(values.get(name), int) and len(shape) >= 2:
            return (shape[0], values[name], *shape[2:])
    return None


def clone(value: Any, memo: Dict[int, Any]) -> Any:
    """`copy.deepcopy` of a module (its tensors new ones: a copy's parameters are its own),
    of the tensors, lists and dicts it holds; other values as they are."""
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, Tensor):
        copied: Any = copy.copy(value)
    elif isinstance(value, LayerModule):
        copied = LayerModule(value.kind, value.spec, value.site, value.args, value.reason)
        memo[id(value)] = copied
        copied.owner = clone(value.owner, memo) if value.owner is not None else None
        copied.tensors = {k: clone(t, memo) for k, t in value.tensors.items()}
        copied.tied = {k: clone(t, memo) for k, t in value.tied.items()}
        copied.extra = {k: clone(v, memo) for k, v in value.extra.items()}
        copied.training = value.training
    elif isinstance(value, UserModule):
        copied = UserModule(value.cls, container=value.container)
        memo[id(value)] = copied
        copied.layer = clone(value.layer, memo) if value.layer is not None else None
        for table in ("children", "params"):
            getattr(copied, table).update((k, clone(v, memo))
                                          for k, v in getattr(value, table).items())
        copied.attrs = {k: clone(v, memo) for k, v in value.attrs.items()}
        copied.opaque, copied.buffers = list(value.opaque), list(value.buffers)
        copied.composite, copied.composite_site = value.composite, value.composite_site
    elif isinstance(value, Container):
        copied = Container(value.kind, OrderedDict())
        copied.training = value.training
        memo[id(value)] = copied
        copied.children.update((k, clone(v, memo)) for k, v in value.children.items())
    elif isinstance(value, (list, dict, tuple)):
        return copy_sequence(value, memo, clone)
    else:
        return value
    memo[id(value)] = copied
    return copied
