"""Arguments and binding shared by layer and op specs: `Args`, the errors, the unknown-value
marker, and binding a call to a signature lambda as Python binds it."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Dict, Mapping, Sequence, Tuple

Shape = Tuple[int, ...]

INT64_MAX = 2**63 - 1


class UnknownArgument:
    """The base of the values a caller could not compute (`reason` says why). The cost model
    only tests for them: reading one through `Args` raises Unresolved. The evaluator's
    `Unknown` (macslint.evaluator.values) is one."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class ModuleArgument:
    """The base of a torch.nn module passed as an argument of a layer's constructor (a
    Transformer layer's `activation=nn.GELU()`): the cost model does not know its parameters,
    so a count that needs them is Unresolved. The tracer's module values
    (macslint.torchnn.values) are ones."""

    __slots__ = ()


class Unresolved(Exception):
    """A cost needed an argument whose value is not known."""

    def __init__(self, arg: str, reason: str) -> None:
        super().__init__(f"argument '{arg}' is unknown: {reason}")
        self.arg = arg
        self.reason = reason


class LayerError(Exception):
    """torch would raise constructing the layer or calling it (message in torch's words)."""


class ShapeError(LayerError):
    """torch would raise because the input tensor does not fit the layer."""


def check_int64(name: str, value: int) -> int:
    """torch stores ints as int64 ("Overflow when unpacking long long")."""
    if abs(value) > INT64_MAX:
        raise LayerError(f"{name}={value} does not fit in a 64-bit integer")
    return int(value)


def as_int(name: str, value: Any) -> int:
    """A layer constructor's int argument, in nn.Module's words (ops read theirs in the
    words of torch's argument parser: `ops.base.int_arg`)."""
    if not isinstance(value, int):  # bool is an int for torch too
        raise LayerError(f"{name} must be an int, got {value!r}")
    return check_int64(name, value)


def is_real_number(value: Any) -> bool:
    """An int or a float, not a bool: a value a layer's range check compares."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_python_scalar(value: Any) -> bool:
    """A Python number torch takes where a tensor goes (torch.add(x, 1)): bools and complex
    numbers included."""
    return isinstance(value, (bool, int, float, complex))


class Args:
    """Bound constructor arguments; reading an unknown one raises Unresolved."""

    __slots__ = ("values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def __getitem__(self, name: str) -> Any:
        value = self.values[name]
        if isinstance(value, UnknownArgument):
            raise Unresolved(name, value.reason)
        return value

    def known(self, name: str) -> Any:
        """An argument only checked for validity: None when unknown (the shape does not
        depend on it, so an unknown one must not cost the shape)."""
        value = self.values.get(name)
        return None if isinstance(value, UnknownArgument) else value

    def maybe(self, name: str) -> bool:
        """An argument torch tests for truth is true, or may be (it is not known)."""
        value = self.values.get(name)
        return isinstance(value, UnknownArgument) or bool(value)

    def get_int(self, name: str) -> int:
        return as_int(name, self[name])

    def get_ints(self, name: str, n: int, *, broadcast_one: bool = True) -> Shape:
        """An int or a sequence of n ints (or of one int, which torch repeats)."""
        value = self[name]
        if isinstance(value, (list, tuple)):
            items = tuple(as_int(name, v) for v in value)
            if len(items) == n or (broadcast_one and len(items) == 1):
                return items * (n // len(items)) if len(items) == 1 else items
            raise LayerError(
                f"expected {name} to be a single integer value or a list of {n} values to match "
                f"the convolution dimensions, but got {name}={list(items)}"
            )
        return (as_int(name, value),) * n


def python_wording(message: str) -> str:
    """inspect's binding errors in the words Python uses for the call itself."""
    if message.startswith("missing a required argument: "):
        return "missing 1 required positional argument: " + message.split(": ", 1)[1]
    if message.startswith("multiple values for argument "):
        return "got " + message
    return message


@functools.lru_cache(maxsize=None)
def signature(signature_of: Callable[..., None]) -> inspect.Signature:
    """The signature of a spec's lambda, computed once (binding is on every call)."""
    return inspect.signature(signature_of)


def bind(signature_of: Callable[..., None], caller: str, positional: Sequence[Any],
         keywords: Mapping[str, Any]) -> Dict[str, Any]:
    """Bind as Python binds the call, defaults applied; LayerError in Python's words if it
    would not (`caller` opens the message: "Conv2d.__init__()", "torch.cat()")."""
    try:
        bound = signature(signature_of).bind(*positional, **keywords)
    except TypeError as exc:
        raise LayerError(f"{caller} {python_wording(str(exc))}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


class ShapeTuple(tuple):
    """Several tensors passed or returned as one value, a tuple torch takes or gives: an
    LSTM's initial state (h_0, c_0), its result (output, (h_n, c_n)). Each item is a Shape,
    a ShapeTuple, or None (an optional tensor argument not given). A plain tuple of ints is
    one tensor's Shape: a layer's inputs and output are Shapes unless it says otherwise
    (`LayerSpec.forward_of`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ShapeTuple({tuple.__repr__(self)})"


def flat_shapes(value: Any) -> Tuple[Shape, ...]:
    """The tensors' shapes in a layer's inputs or output, in order: a Shape is one, a
    ShapeTuple (or a list of inputs) holds several, None none, nor a plain value passed
    beside the tensors (MultiheadAttention's `need_weights`: `LayerSpec.forward_values`)."""
    if value is None or not isinstance(value, (tuple, list)):
        return ()
    if isinstance(value, ShapeTuple) or isinstance(value, list):
        return tuple(shape for item in value for shape in flat_shapes(item))
    return (tuple(value),)
