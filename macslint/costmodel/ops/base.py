"""The op entry type, `OpSpec`, and the readers of an op's arguments: tensors (passed as
their shapes), ints and int lists as torch's argument parser reads them."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..shapes import normalize_dim
from ..spec import (
    Args, LayerError, Shape, ShapeError, UnknownArgument, Unresolved, bind, check_int64,
    is_python_scalar, signature,
)

# ---------------------------------------------------------------------------
# Tensors, and the default rules


def resolve(name: str, value: Any) -> Any:
    """The value, or Unresolved if it is, or holds, an unknown value."""
    if isinstance(value, UnknownArgument):
        raise Unresolved(name, value.reason)
    if isinstance(value, (list, tuple)):
        for item in value:
            resolve(name, item)
    return value


def resolved(args: Args, name: str) -> Any:
    """An argument read through `Args`, with nothing unknown inside it either."""
    return resolve(name, args[name])


def as_shape(name: str, value: Any) -> Shape:
    resolve(name, value)
    if not isinstance(value, tuple) or not all(isinstance(d, int) for d in value):
        raise LayerError(f"argument '{name}' must be a Tensor, not {value!r}")
    return value


def shape_of(args: Args, name: str = "input") -> Shape:
    return as_shape(name, args[name])


def shapes_of(args: Args, name: str) -> List[Shape]:
    value = resolved(args, name)
    if not isinstance(value, (list, tuple)):
        raise LayerError(f"argument '{name}' must be a sequence of Tensors, not {value!r}")
    return [as_shape(name, s) for s in value]


def _a_list(value: Any) -> bool:
    """A list or tuple that is not a tensor's shape (a tuple of ints)."""
    return isinstance(value, list) or isinstance(value, tuple) and \
        not all(isinstance(d, int) for d in value)


def same(args: Args) -> Shape:
    return shape_of(args)


def zero(args: Args, result: Any) -> int:
    return 0


# ---------------------------------------------------------------------------
# The entry type


@dataclass(frozen=True)
class OpSpec:
    name: str  # "view", "torch.cat", "F.max_pool2d"
    signature_of: Callable[..., None]  # a lambda with torch's Python-level signature
    tensors: Tuple[str, ...] = ("input",)  # parameters that take a tensor (its shape)
    tensor_lists: Tuple[str, ...] = ()  # parameters that take a list of tensors
    result: Callable[[Args], Any] = same  # output Shape, tuple of Shapes, or value
    macs: Callable[[Args, Any], int] = zero
    # "tensor" | "tensors" (a tuple of tensors) | "value" (int or tuple of ints); for
    # max/min and the pools with return_indices it depends on the arguments: `kind(args)`.
    result_kind: Union[str, Callable[[Args], str]] = "tensor"
    # the tensor lists that are varargs may also come as one list or tuple, which is then
    # the list (torch.einsum(eq, [a, b]), the old interface its Python wrapper still takes)
    list_form: bool = False
    # tensor parameters that take no Python number (`torch.round(2.5)` is a TypeError)
    no_numbers: Tuple[str, ...] = ()
    # (tensor parameter, parameter): a Python number passed by position for the first is the
    # second (torch's overloads: `x.scatter(1, index, 0.5)` is `value=0.5`, not a `src`)
    numbers_to: Tuple[Tuple[str, str], ...] = ()

    @property
    def signature(self) -> inspect.Signature:
        return signature(self.signature_of)

    def bind(self, positional: Sequence[Any], keywords: Dict[str, Any]) -> Args:
        """Bind as Python binds the call (LayerError in Python's words if it would not).
        A Python number where a tensor is allowed (torch.add(x, 1)) becomes shape ()."""
        values = bind(self.signature_of, f"{self.name}()", positional, keywords)
        short = self.name.rsplit(".", 1)[-1]
        for name in self.no_numbers:
            if is_python_scalar(values.get(name)):
                raise LayerError(f"{short}(): argument '{name}' must be Tensor, not "
                                 f"{type(values[name]).__name__}")
        for name, other in self.numbers_to:
            if name not in keywords and is_python_scalar(values.get(name)):
                if values.get(other) is not None:
                    raise LayerError(f"{short}() received an invalid combination of arguments: "
                                     f"both a number for '{name}' and '{other}='")
                values[other], values[name] = values[name], None
        for name in self.tensors:
            if is_python_scalar(values.get(name)):
                values[name] = ()
        for name in self.tensor_lists if self.list_form else ():
            items = values.get(name)
            if isinstance(items, tuple) and len(items) == 1 and _a_list(items[0]) and \
                    self.signature.parameters[name].kind is inspect.Parameter.VAR_POSITIONAL:
                values[name] = items[0]
        return Args(values)

    def kind(self, args: Args) -> str:
        return self.result_kind if isinstance(self.result_kind, str) else self.result_kind(args)

    def run(self, args: Args) -> Tuple[Any, int]:
        """(result, MACs); ShapeError/LayerError where torch raises."""
        try:
            result = self.result(args)
            return result, self.macs(args, result)
        except (OverflowError, ValueError) as exc:
            # sizes from `scale_factor=10**1000` or `float('nan')`: torch raises too
            raise LayerError(str(exc)) from None


def registry(prefix: str, entries: Sequence[Tuple[str, Callable[..., None], Dict[str, Any]]]
             ) -> Dict[str, OpSpec]:
    """Entries (name, signature lambda, OpSpec fields) keyed by name; `prefix` the spec's
    displayed name: "torch.", "F."."""
    return {name: OpSpec(prefix + name, sig, **kw) for name, sig, kw in entries}


# Shared signatures and tensor parameters.
ONE_TENSOR = lambda input: None  # noqa: E731
BINARY = ("input", "other")


# ---------------------------------------------------------------------------
# Ints and dims


_ARG = object()  # int_arg's "read the argument itself"


def int_arg(args: Args, name: str, value: Any = _ARG) -> int:
    """An int as torch's argument parser reads it (layers read theirs with spec.as_int)."""
    value = resolved(args, name) if value is _ARG else resolve(name, value)
    if not isinstance(value, int):
        raise LayerError(f"argument '{name}' must be int, not {type(value).__name__}")
    return check_int64(name, value)


def strict_int_arg(args: Args, name: str, value: Any = _ARG) -> int:
    """An int where torch's parser refuses a bool too (`x.topk(True)`)."""
    value = resolved(args, name) if value is _ARG else resolve(name, value)
    if isinstance(value, bool):
        raise LayerError(f"argument '{name}' must be int, not bool")
    return int_arg(args, name, value)


def bool_arg(args: Args, name: str) -> bool:
    """A bool as torch's parser reads it: an int is refused (`x.sort(descending=1)`)."""
    value = resolved(args, name)
    if not isinstance(value, bool):
        raise LayerError(f"argument '{name}' must be bool, not {type(value).__name__}")
    return value


def int_list_arg(args: Args, name: str) -> Tuple[int, ...]:
    """A tuple/list of ints (torch's IntArrayRef); a bare int is a TypeError in torch."""
    value = resolved(args, name)
    if not isinstance(value, (list, tuple)):
        raise LayerError(f"argument '{name}' must be tuple of ints, not "
                         f"{type(value).__name__}")
    return tuple(int_arg(args, name, v) for v in value)


def int_array_arg(args: Args, name: str) -> Tuple[int, ...]:
    """torch's IntArrayRef[1]: an int (one item) or a sequence of ints. A bool is refused as
    the value, or as the first item only (the parser looks at that one)."""
    value = resolved(args, name)
    if isinstance(value, bool) or not isinstance(value, (int, list, tuple)):
        raise LayerError(f"argument '{name}' must be tuple of ints, not {type(value).__name__}")
    if isinstance(value, int):
        return (int_arg(args, name, value),)
    if value and isinstance(value[0], bool):
        raise LayerError(f"argument '{name}' must be tuple of ints, but found element of type "
                         f"bool at pos 0")
    return tuple(int_arg(args, name, v) for v in value)


def sizes_arg(args: Args, var: str, keyword: str) -> Tuple[int, ...]:
    """Sizes given as varargs (x.view(2, -1)), as one sequence (x.view((2, -1))) or by
    keyword (x.view(size=(2, -1)))."""
    items = resolved(args, var)
    by_keyword = args.values.get(keyword)
    if by_keyword is not None:
        if items:
            raise LayerError(f"received an invalid combination of arguments: both sizes "
                             f"and {keyword}=")
        items = resolve(keyword, by_keyword)
        if not isinstance(items, (list, tuple)):
            items = (items,)
    elif len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = items[0]
    elif not items:
        raise LayerError(f'missing 1 required positional arguments: "{keyword}"')
    return tuple(int_arg(args, var, v) for v in items)


def dims_arg(args: Args, name: str, x: Shape, what: str) -> Optional[Tuple[int, ...]]:
    """A reduction's dims: None (all), an int or a sequence (empty = all), wrapped."""
    value = resolved(args, name)
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple)) else (value,)
    dims = tuple(normalize_dim(int_arg(args, name, d), len(x), what) for d in items)
    for d in dims:
        if dims.count(d) > 1:
            raise ShapeError(f"dim {d} appears multiple times in the list of dims ({what})")
    return dims if dims or not isinstance(value, (list, tuple)) else None
