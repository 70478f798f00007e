"""The abstract values a model is built and traced with: tensors known by their shape, layer
instances, the file's module instances, containers; and the signals of control flow."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Optional

from ..costmodel import Args, LayerError, LayerSpec, Shape, Unresolved
from ..evaluator.values import Unknown, UserClass, UserFunction
from ..results.sites import LayerSite


class Tensor:
    """A tensor known by its shape; `line` is where it was made (for messages), `from_input`
    says its shape is the model input's, untouched by any layer. `dtype`: its dtype's
    canonical name (costmodel.dtypes), None where it is not known."""

    __slots__ = ("shape", "line", "from_input", "param", "strided", "dtype")

    def __init__(self, shape: Shape, line: int, from_input: bool = False, param: bool = False,
                 strided: Optional[int] = None, dtype: Optional[str] = None):
        self.shape = tuple(shape)
        self.line = line
        self.from_input = from_input
        self.param = param
        self.dtype = dtype
        # The line of the transpose/permute/expand/slice that may have left this tensor's
        # memory non-contiguous: a later `view` may or may not be accepted by torch.
        self.strided = strided

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tensor) and other.shape == self.shape and (
            self.dtype is None or other.dtype is None or self.dtype == other.dtype)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tensor({'x'.join(map(str, self.shape))})"


class LayerModule:
    """An instance of a torch.nn layer; `args` None when its arguments are not all known."""

    def __init__(self, kind: str, spec: Optional[LayerSpec], site: LayerSite,
                 args: Optional[Args] = None, reason: Optional[str] = None) -> None:
        self.kind = kind
        self.spec = spec
        self.site = site
        self.args = args
        self.reason = reason

    # Values appear in messages (`kernel_size must be an int, got ...`): as Python would show
    # them, never with an object's address (a message must be the same on every run).
    def __repr__(self) -> str:
        return self.site.call_text

    def params(self) -> Optional[int]:
        if self.spec is None or self.args is None:
            return None
        try:
            return self.spec.params(self.args)
        except (Unresolved, LayerError):
            return None


class UserModule:
    """An instance of one of the file's nn.Module subclasses."""

    def __init__(self, cls: UserClass, sequential: bool = False) -> None:
        self.cls = cls
        self.sequential = sequential  # subclasses nn.Sequential: forward applies the children
        self.children: "OrderedDict[str, Any]" = OrderedDict()
        self.params: "OrderedDict[str, Tensor]" = OrderedDict()
        self.attrs: Dict[str, Any] = {"training": True}
        self.opaque: List[str] = []  # attributes that may hold modules macslint cannot see

    def __repr__(self) -> str:
        return f"{self.cls.name}(...)"


class Container:
    """nn.Sequential / nn.ModuleList / nn.ModuleDict."""

    def __init__(self, kind: str, children: "OrderedDict[str, Any]") -> None:
        self.kind = kind
        self.children = children

    def __repr__(self) -> str:
        return f"{self.kind}(...)"


class BoundMethod:
    def __init__(self, receiver: Any, name: str, function: Optional[UserFunction] = None):
        self.receiver = receiver
        self.name = name
        self.function = function

    def __repr__(self) -> str:
        return f"<bound method {self.name}>"


class SuperProxy:
    def __init__(self, cls: UserClass, instance: Any) -> None:
        self.cls = cls
        self.instance = instance

    def __repr__(self) -> str:
        return f"<super: {self.cls.name}>"


MODULE_VALUES = (LayerModule, UserModule, Container)


class Untraced(Unknown):
    """What an operation the tracer could not follow returns: the cause is noted once, where
    it happened, and the operations that use this value do not repeat it."""


class OutOfBudget(Exception):
    pass
