"""The abstract values a model is built and traced with: tensors known by their shape, layer
instances, the file's module instances, containers; and the signals of control flow."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

from ..costmodel import Args, LayerError, LayerSpec, Shape, Unresolved
from ..costmodel.spec import ModuleArgument
from ..costmodel.dtypes import DEFAULT_FLOAT
from ..costmodel.layers.lazy import LAZY
from ..costmodel.strides import contiguous_strides
from ..evaluator.values import Unknown, UserClass, UserFunction
from ..results.sites import LayerSite


class Tensor:
    """A tensor known by its shape; `line` is where it was made (for messages), `from_input`
    says its shape is the model input's, untouched by any layer. `dtype`: its dtype's
    canonical name (costmodel.dtypes), None where it is not known."""

    # `requires_grad`: a parameter's flag (torch trains it); True unless the code clears it.
    __slots__ = ("shape", "line", "from_input", "param", "strided", "dtype", "strides",
                 "requires_grad")

    def __init__(self, shape: Shape, line: int, from_input: bool = False, param: bool = False,
                 strided: Optional[int] = None, dtype: Optional[str] = None,
                 strides: Any = ...):
        self.shape = tuple(shape)
        self.line = line
        self.from_input = from_input
        self.param = param
        self.dtype = dtype
        self.requires_grad = True
        # The line of the transpose/permute/expand/slice that may have left this tensor's
        # memory non-contiguous: a later `view` may or may not be accepted by torch.
        self.strided = strided
        # Its strides (costmodel.strides) where known, which decide a `view` exactly; None
        # where not known. Unless given: a model input's and a parameter's are contiguous.
        self.strides: Optional[Tuple[int, ...]] = (
            tuple(strides) if strides is not None and strides is not ... else
            contiguous_strides(self.shape) if strides is ... and (from_input or param)
            and strided is None else None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tensor) and other.shape == self.shape and (
            self.dtype is None or other.dtype is None or self.dtype == other.dtype)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tensor({'x'.join(map(str, self.shape))})"

    @property
    def python_type(self) -> str:  # in messages (evaluator.values.what_is)
        return "Parameter" if self.param else "Tensor"


class ValuedTensor(Tensor):
    """A small tensor made from known numbers while building a model (`torch.tensor(0.5)`,
    `torch.linspace(0, 0.1, 12)`, and what ops make of them: torchnn.valued): `values` are
    its items as `tolist()` gives them (a number for a 0-d tensor), each exactly torch's, or
    a Rounded interval holding it, or Unknown (why); or Unknown (why) for all of them."""

    __slots__ = ("values",)

    def __init__(self, shape: Any, line: int, values: Any, dtype: Optional[str] = None):
        super().__init__(shape, line, dtype=dtype, strides=contiguous_strides(tuple(shape)))
        self.values = values


class LayerModule(ModuleArgument):
    """An instance of a torch.nn layer; `args` None when its arguments are not all known.
    `owner`: the instance of the file's subclass of the layer this is the torch part of
    (`class LayerNorm(nn.LayerNorm)`: `super().__init__(...)` builds it), None for a layer
    built on its own."""

    def __init__(self, kind: str, spec: Optional[LayerSpec], site: LayerSite,
                 args: Optional[Args] = None, reason: Optional[str] = None) -> None:
        self.kind = kind
        self.spec = spec
        self.site = site
        self.args = args
        self.reason = reason
        self.owner: Optional["UserModule"] = None
        # The Lazy* layer this was, once its first call made it the layer it becomes
        # (torchnn.lazy): its class is that layer's then, a subclass's instance's too.
        self.lazy_name: Optional[str] = None
        # Its parameters and buffers as read (`fc.weight`): one tensor each, so that a
        # parameter bound elsewhere too is the same object, which torch counts once; `tied`:
        # the parameters assigned to it (`wte.weight = lm_head.weight`), by name.
        self.tensors: Dict[str, Tensor] = {}
        self.tied: Dict[str, Tensor] = {}
        # attributes the code sets that torch's layer does not have (Inception's
        # `self.fc.stddev = 0.1`): read back as set, of no cost
        self.extra: Dict[str, Any] = {}
        self.training = True  # torch's flag: `eval()`, `train(mode)`, `layer.training = ...`

    # Values appear in messages (`kernel_size must be an int, got ...`): as Python would show
    # them, never with an object's address (a message must be the same on every run).
    def __repr__(self) -> str:
        return self.site.call_text

    @property
    def python_type(self) -> str:
        return self.kind

    @property
    def lazy(self) -> bool:
        """A Lazy* layer not called yet (torchnn.lazy: its first call makes it the layer it
        becomes, whose spec and arguments it then holds)."""
        return self.spec is not None and self.args is not None and self.spec.name in LAZY

    def params(self) -> Optional[int]:
        if self.spec is None or self.args is None:
            return None
        try:
            return self.spec.params(self.args)
        except (Unresolved, LayerError):
            return None

    def attribute(self, name: str, line: int) -> Any:
        """torch's attribute `name` of this layer as torch keeps it (`stride` of a Conv2d a
        pair, `normalized_shape` of a LayerNorm a tuple, `weight` a parameter of its shape,
        `bias` None without one); KeyError when torch's layer has no such attribute, Unknown
        where the layer's arguments are not known."""
        if name in self.tied:
            return self.tied[name]
        if name in self.extra:
            return self.extra[name]
        if self.spec is None or self.args is None:
            return Unknown(f"`{name}` of {self.site.call_text} (line {self.site.line}) is not "
                           f"known: {self.reason or 'not modelled'}")
        values = self.args.values
        if self.lazy:
            return self.lazy_attribute(name, line)
        if name in values and name not in _NOT_ATTRIBUTES and name not in _TENSORS:
            return torch_attribute(self.kind, self.spec.module, name, values)
        if self.spec.module == "conv" and name in ("transposed", "output_padding"):
            return torch_attribute(self.kind, "conv", name, values)
        if self.kind == "MultiheadAttention" and name in ("head_dim", "_qkv_same_embed_dim"):
            return torch_attribute(self.kind, "", name, values)
        try:
            tensors = layer_tensors(self.kind, self.spec.module, values)
        except (TypeError, ValueError, ArithmeticError):
            tensors = {name: (None, False)} if name in ("weight", "bias") else {}
            return Unknown(f"`{name}` of {self.site.call_text} is not modelled") if tensors \
                else _absent(name)
        if name not in tensors:
            raise KeyError(name)
        count = sum(math.prod(shape) for shape, param in tensors.values() if param and shape is not None)
        if count != self.params():
            return Unknown(f"the parameters of {self.site.call_text} are not modelled")
        shape, param = tensors[name]
        if shape is None:
            return None
        if name not in self.tensors:
            dtype = None if values.get("dtype") is not None else (
                "int64" if name == "num_batches_tracked" else DEFAULT_FLOAT)
            self.tensors[name] = Tensor(shape, line, param=param, dtype=dtype)
        return self.tensors[name]

    def lazy_attribute(self, name: str, line: int) -> Any:
        """An attribute of a Lazy* layer before its first call: its inferred size is 0, its
        parameters and running statistics uninitialized (no shape), the rest as for the layer
        it becomes."""
        assert self.spec is not None and self.args is not None
        lazy, values = LAZY[self.spec.name], self.args.values
        if name == lazy.size:
            return 0
        tensors = lazy.tensors(values)
        if name == "num_batches_tracked" and tensors.get(name):
            return self.tensors.setdefault(name, Tensor((), line, dtype="int64"))
        if name in tensors:
            return Unknown(f"`{name}` of {self.site.call_text} (line {self.site.line}) is not "
                           f"known before its first call: torch's is uninitialized") \
                if tensors[name] else None
        if (name in values and name not in _NOT_ATTRIBUTES) or (
                self.spec.module == "conv" and name in ("transposed", "output_padding")):
            return torch_attribute(lazy.becomes, self.spec.module, name, values)
        return Unknown(f"`{name}` of {self.site.call_text} is not modelled")

    def named_tensors(self, parameters: bool) -> Optional[List[Tuple[str, Tensor]]]:
        """torch's `_parameters` (or `_buffers`) of this layer, in its order, as `attribute`
        gives them (the tied ones in their place; those torch registers as None left out);
        None where they are not known."""
        if self.spec is None or self.args is None or self.lazy:
            return None
        try:
            tensors = layer_tensors(self.kind, self.spec.module, self.args.values)
        except (TypeError, ValueError, ArithmeticError):
            return None
        count = sum(math.prod(shape) for shape, param in tensors.values() if param and shape is not None)
        if count != self.params():
            return None
        named = [(name, self.attribute(name, self.site.line)) for name, (shape, param)
                 in tensors.items() if param == parameters and shape is not None]
        return [(name, tensor) for name, tensor in named if isinstance(tensor, Tensor)]

    def shared_params(self, seen: set) -> int:
        """What `params()` misses or counts twice, by identity: the parameters read (which
        another module may hold too) and those tied to this layer are counted where `seen`
        (ids) does not have them yet; the ones tied replace the layer's own."""
        change = 0
        for name in {**self.tensors, **self.tied}:
            current = self.tied.get(name, self.tensors.get(name))
            own = self.own_shape(name)
            if own is None or current is None or not current.param:
                continue  # a buffer
            change -= math.prod(own)
            if id(current) not in seen:
                seen.add(id(current))
                change += math.prod(current.shape)
        return change

    def own_shape(self, name: str) -> Optional[Shape]:
        """The shape torch's constructor gives parameter `name` (before a tying)."""
        if self.spec is None or self.args is None or self.lazy:
            return None
        try:
            entry = layer_tensors(self.kind, self.spec.module, self.args.values).get(name)
        except (TypeError, ValueError, ArithmeticError):
            return None
        return entry[0] if entry is not None and entry[1] else None


def _absent(name: str) -> Any:
    raise KeyError(name)


# The parameters and buffers layers register (`bias` is one, not the constructor's argument).
_TENSORS = frozenset({"weight", "bias", "running_mean", "running_var", "num_batches_tracked"})
_NOT_ATTRIBUTES = frozenset({"args", "kwargs", "device", "dtype", "_weight", "_freeze"})


def _ntuple(value: Any, n: int) -> Any:
    """torch's `_ntuple(n)`: an iterable as a tuple, a single value repeated."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n


def torch_attribute(kind: str, family: str, name: str, values: Dict[str, Any]) -> Any:
    """The attribute torch's constructor of layer `kind` sets from its argument `name`."""
    value = values.get(name)
    if family == "conv":
        n = int(kind[-2])
        if name == "transposed":
            return kind.startswith("ConvTranspose")
        if name == "output_padding" and name not in values:
            return (0,) * n
        if name in ("kernel_size", "stride", "dilation", "output_padding") or (
                name == "padding" and not isinstance(value, str)):
            return _ntuple(value, n)
    if kind == "LayerNorm" and name == "normalized_shape":
        return _ntuple(value, 1)
    if kind == "MultiheadAttention":  # what its constructor derives (checked arguments)
        embed = values["embed_dim"]
        kdim, vdim = (embed if values[d] is None else values[d] for d in ("kdim", "vdim"))
        derived = {"kdim": kdim, "vdim": vdim, "head_dim": embed // values["num_heads"],
                   "_qkv_same_embed_dim": kdim == embed and vdim == embed}
        return derived.get(name, value)
    if kind == "AvgPool1d" and name in ("kernel_size", "stride", "padding"):
        # the one pool whose constructor stores them through `_single`: 1-tuples
        return _ntuple(values["kernel_size"] if name == "stride" and value is None else value, 1)
    if family == "pooling" and name == "stride" and value is None and "Adaptive" not in kind:
        return values["kernel_size"]
    if family == "sparse" and name == "padding_idx" and isinstance(value, int) and value < 0:
        return values["num_embeddings"] + value
    return value


Shapes = Dict[str, Tuple[Optional[Shape], bool]]  # name -> (shape or None, is a parameter)


def layer_tensors(kind: str, family: str, v: Dict[str, Any]) -> Shapes:
    """The parameters and buffers torch's layer `kind` registers, by name: their shapes
    (None where torch registers None: `bias=False`), and whether each is a parameter. Empty
    for a layer macslint does not know them of."""
    if family == "conv":
        n = int(kind[-2])
        kernel = _ntuple(v["kernel_size"], n)
        weight = (v["in_channels"], v["out_channels"] // v["groups"], *kernel) \
            if kind.startswith("ConvTranspose") else \
            (v["out_channels"], v["in_channels"] // v["groups"], *kernel)
        return {"weight": (weight, True), "bias": ((v["out_channels"],) if v["bias"] else None, True)}
    if kind == "Linear":
        return {"weight": ((v["out_features"], v["in_features"]), True),
                "bias": ((v["out_features"],) if v["bias"] else None, True)}
    if kind == "Bilinear":
        return {"weight": ((v["out_features"], v["in1_features"], v["in2_features"]), True),
                "bias": ((v["out_features"],) if v["bias"] else None, True)}
    if family in ("batchnorm", "instancenorm"):
        features, affine, stats = (v["num_features"],), v["affine"], v["track_running_stats"]
        return {"weight": (features if affine else None, True),
                "bias": (features if affine and v.get("bias", True) else None, True),
                "running_mean": (features if stats else None, False),
                "running_var": (features if stats else None, False),
                "num_batches_tracked": (() if stats else None, False)}
    if kind in ("LayerNorm", "GroupNorm"):
        shape = _ntuple(v["normalized_shape"], 1) if kind == "LayerNorm" else (v["num_channels"],)
        affine = v["elementwise_affine"] if kind == "LayerNorm" else v["affine"]
        return {"weight": (shape if affine else None, True),
                "bias": (shape if affine and v.get("bias", True) else None, True)}
    if kind == "Embedding" and v.get("_weight") is None:
        return {"weight": ((v["num_embeddings"], v["embedding_dim"]), True)}
    if kind == "PReLU":
        return {"weight": ((v["num_parameters"],), True)}
    return {}


class UserModule(ModuleArgument):
    """An instance of one of the file's nn.Module subclasses. A subclass of a torch.nn layer
    is one too: its `layer` is the torch layer `super().__init__(...)` built (its parameters,
    attributes and forward), beside what the subclass adds (children, params, attrs). A
    subclass of a container has its `container` kind ("Sequential", "ModuleList",
    "ModuleDict"): its children are the container's items. A torch.nn module torch composes
    of others (`composite`: "TransformerEncoderLayer", "Transformer"...; or the file's subclass
    of one) is one too: its children are the submodules torch's constructor builds, and its
    forward is torch's (macslint.torchnn.transformer)."""

    def __init__(self, cls: UserClass, sequential: bool = False,
                 container: Optional[str] = None) -> None:
        self.cls = cls
        self.container = container or ("Sequential" if sequential else None)
        # subclasses nn.Sequential: forward applies the children
        self.sequential = self.container == "Sequential"
        self.layer: Optional[LayerModule] = None
        self.children: "OrderedDict[str, Any]" = OrderedDict()
        self.params: "OrderedDict[str, Tensor]" = OrderedDict()
        self.attrs: Dict[str, Any] = {"training": True}
        self.opaque: List[str] = []  # attributes that may hold modules macslint cannot see
        self.buffers: List[str] = []  # the names of `attrs` registered as buffers, in order
        self.composite: Optional[str] = None  # the torch.nn class whose forward it runs
        self.composite_site: Optional[LayerSite] = None  # the catalogued construction of it

    def __repr__(self) -> str:
        return f"{self.cls.name}(...)"

    @property
    def python_type(self) -> str:
        return self.cls.name


class Container(ModuleArgument):
    """nn.Sequential / nn.ModuleList / nn.ModuleDict."""

    def __init__(self, kind: str, children: "OrderedDict[str, Any]") -> None:
        self.kind = kind
        self.children = children
        self.training = True

    def __repr__(self) -> str:
        return f"{self.kind}(...)"

    @property
    def python_type(self) -> str:
        return self.kind


def set_training(module: Any, mode: bool) -> None:
    """torch's `module.train(mode)` (`eval()`: mode False): `training` set on the module and
    every submodule (a layer subclass's torch part too)."""
    pending, seen = [module], set()
    while pending:
        current = pending.pop()
        if id(current) in seen or not isinstance(current, (UserModule, Container, LayerModule)):
            continue
        seen.add(id(current))
        if isinstance(current, UserModule):
            current.attrs["training"] = mode
            if current.layer is not None:
                pending.append(current.layer)
        else:
            current.training = mode
        if not isinstance(current, LayerModule):
            pending.extend(current.children.values())


class BoundMethod:
    def __init__(self, receiver: Any, name: str, function: Optional[UserFunction] = None):
        self.receiver = receiver
        self.name = name
        self.function = function

    def __repr__(self) -> str:
        return f"<bound method {self.name}>"

    @property
    def python_type(self) -> str:
        """A method of a tensor, str, list or dict is a builtin's."""
        if isinstance(self.receiver, (Tensor, str, list, dict)) and self.function is None:
            return "builtin_function_or_method"
        return "method"


class SuperProxy:
    def __init__(self, cls: UserClass, instance: Any) -> None:
        self.cls = cls
        self.instance = instance

    python_type = "super"

    def __repr__(self) -> str:
        return f"<super: {self.cls.name}>"


class ModulesView:
    """`module._modules`: torch's dict of a module's children, read and set by name (an item
    set there is a child, as `add_module` makes one; torchvision's `_replace_relu`)."""

    python_type = "dict"

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def __repr__(self) -> str:
        return "<_modules>"


MODULE_VALUES = (LayerModule, UserModule, Container)


class Untraced(Unknown):
    """What an operation the tracer could not follow returns: the cause is noted once, where
    it happened, and the operations that use this value do not repeat it."""


class OutOfBudget(Exception):
    pass


class Device:
    """`x.device`: the device counting runs on (the meta device, by the convention: REFERENCE);
    `str(device)` and `device.type` are its name (timm's attention-bias caches keyed by it)."""

    __slots__ = ("type",)
    python_type = "device"

    def __init__(self, kind: str) -> None:
        self.type = kind

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(("device", self.type))

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"


META = Device("meta")
