"""The layer entry type, `LayerSpec`, and the argument checks several layer families share."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Mapping, Optional, Sequence, Tuple

from ..spec import Args, LayerError, Shape, bind, signature


def zero_macs(args: Args, inputs: Sequence[Shape], output: Shape) -> int:
    return 0


def no_params(args: Args) -> int:
    return 0


def no_check(args: Args) -> None:
    return None


def same_shape(args: Args, inputs: Sequence[Shape]) -> Shape:
    return inputs[0]


@dataclass(frozen=True)
class LayerSpec:
    name: str
    module: str  # torch.nn.modules.<module> defines it
    signature_of: Callable[..., None]  # a lambda with torch's constructor signature
    params: Callable[[Args], int] = no_params
    output: Callable[[Args, Sequence[Shape]], Shape] = same_shape
    macs: Callable[[Args, Sequence[Shape], Shape], int] = zero_macs
    check: Callable[[Args], None] = no_check
    # Per-sample input shape(s) when the layer is costed on its own at the configured
    # input size (no traced shape); None for layers whose MACs do not depend on a shape.
    standalone_inputs: Optional[Callable[[Args, Shape], Tuple[Shape, ...]]] = None
    # torch's forward() signature, for a layer that takes more than tensors (an RNN's
    # optional initial state: None, a tensor or a tuple of them). A call binds to it, and
    # `output`/`macs` get every parameter in order, defaults included: a Shape, None, or a
    # ShapeTuple for a tuple; they may return a ShapeTuple, the structure torch returns
    # (LSTM: (output, (h_n, c_n))). None: the inputs are the tensors passed, in order, and
    # the output is one tensor (or, for max pools, `output_count` of them).
    forward_of: Optional[Callable[..., None]] = None
    # The strides of each tensor the output holds (flat_shapes order; None where not
    # known), for a layer whose result torch does not allocate contiguous (a batch_first
    # RNN's output is a transposed view). None: as for any new tensor.
    output_strides: Optional[Callable[[Args, Any], Tuple[Optional[Shape], ...]]] = None
    # The forward() parameters (of `forward_of`) that take plain values, not tensors
    # (MultiheadAttention's `need_weights`, `is_causal`): `output`/`macs` get them as the
    # call passes them (a value not known as an UnknownArgument, which they may not read).
    forward_values: FrozenSet[str] = frozenset()
    # The namedtuple a forward() returns, as (class name, field names), for a layer whose
    # result is one (AdaptiveLogSoftmaxWithLoss: _ASMoutput(output, loss)); None: a plain
    # tuple, or a tensor.
    output_namedtuple: Optional[Tuple[str, Tuple[str, ...]]] = None
    # Pickled (for `-j` workers and the result cache) by name, as its rules are lambdas:
    # see the reducer macslint.costmodel.layers registers.

    @property
    def signature(self) -> inspect.Signature:
        return signature(self.signature_of)

    def bind(self, positional: Sequence[Any], keywords: Mapping[str, Any]) -> Args:
        """Bind call arguments as torch's constructor would; LayerError if Python would not."""
        return Args(bind(self.signature_of, f"{self.name}.__init__()", positional, keywords))

    def check_args(self, args: Args) -> None:
        self.check(args)
        self.params(args)  # size errors (negative dims) surface at construction time

    def run(self, args: Args, inputs: Sequence[Any]) -> Tuple[Any, int]:
        """Output shape and MACs for input shape(s) (batched, or unbatched where torch
        takes that too: convolutions, pools, InstanceNorm...). With `forward_of`: every
        forward() argument (Shape, None or ShapeTuple), and the output may be a ShapeTuple."""
        out = self.output(args, inputs)
        return out, self.macs(args, inputs, out)


def reject_bool(op: str, arg: str, value: Any, *, leading: bool = False,
                trailing: bool = False) -> None:
    """torch's C++ argument parser refuses a bool where it wants an int, and in an int list
    it looks at the first element only (a bool further on passes as 0 or 1).  `leading`:
    the value is, or is expanded to, an int list; `trailing`: that list is reversed first."""
    if isinstance(value, (list, tuple)):
        if not value:
            return
        first = value[-1] if trailing else value[0]
        if isinstance(first, bool):
            raise LayerError(f"{op}(): argument '{arg}' must be tuple of ints, but found element "
                             "of type bool at pos 0")
    elif isinstance(value, bool):
        what = "tuple of ints" if leading or trailing else "int"
        raise LayerError(f"{op}(): argument '{arg}' must be {what}, not bool")


def check_sizes(*pairs: Tuple[str, int]) -> None:
    """Sizes of a tensor the constructor creates (weights, buffers)."""
    for name, value in pairs:
        if value < 0:
            raise LayerError(f"Trying to create tensor with negative dimension: {name}={value}")
