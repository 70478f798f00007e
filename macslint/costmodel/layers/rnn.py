"""Recurrent layers: RNN (tanh or relu), LSTM (with `proj_size`), GRU, and the cells RNNCell,
LSTMCell, GRUCell.

They take an optional state beside their input (`forward_of`: None, a tensor, or LSTM's
(h_0, c_0)) and return a tuple: RNN and GRU (output, h_n), LSTM (output, (h_n, c_n)),
LSTMCell (h', c'); RNNCell and GRUCell return h'. Batched or unbatched inputs, `batch_first`
(whose output torch returns as a transposed view: `output_strides`), and torch's checks of
the input and state sizes, in torch's order and words (torch.nn.modules.rnn and the C++
checks of aten/src/ATen/native/RNN.cpp).

MACs are FlopCounterMode's on the meta device, where the sequence is unrolled into matrix
products (on CPU the fused LSTM kernel counts 0: REFERENCE.md). Per time step, layer and
direction, with G gates (RNN 1, GRU 3, LSTM 4), hidden size H, H_out = proj_size or H:
`N * G*H * (in + H_out)` (the input and hidden projections: the hidden one is counted for a
zero initial state too), plus `N * H * proj_size` for an LSTM's projection. A layer's `in`
is input_size for the first, D * H_out after it (D = 2 when bidirectional). A cell is one
step: `N * G*H * (input_size + H)`. An unbatched input counts N = 1.
"""

from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Tuple

from ..spec import (
    Args, LayerError, Shape, ShapeError, ShapeTuple, Unresolved, check_int64, flat_shapes,
    is_real_number,
)
from .base import LayerSpec, check_sizes, reject_bool

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3, "RNNCell": 1, "LSTMCell": 4, "GRUCell": 3}
# the _VF function each runs: its argument parser refuses a `bidirectional` that is not a bool
_KERNELS = {"LSTM": "lstm", "GRU": "gru"}


def _no_dim(value: Any) -> ShapeError:
    """What torch says calling `.dim()` on what is not a tensor."""
    return ShapeError(f"'{'NoneType' if value is None else 'tuple'}' object has no attribute "
                      "'dim'")


def _is_tensor(value: Any) -> bool:
    return value is not None and not isinstance(value, ShapeTuple)


def _items(state: Any) -> List[Any]:
    """What indexing a state gives: a tuple's items, or a tensor's slices along dim 0."""
    if isinstance(state, ShapeTuple):
        return list(state)
    if not state:
        raise ShapeError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    return [tuple(state[1:])] * min(state[0], 3)  # alike: the first ones are all that matter


def _item(state: Any, items: List[Any], index: int) -> Any:
    if index < len(items):
        return items[index]
    if isinstance(state, ShapeTuple):
        raise ShapeError("tuple index out of range")
    raise ShapeError(f"index {index} is out of bounds for dimension 0 with size {len(items)}")


def _row_major(shape: Sequence[int]) -> Shape:
    """The strides of a fresh tensor (costmodel.strides.contiguous_strides, which this
    package's layers cannot import: strides imports the ops, which import the layers)."""
    out, step = [], 1
    for size in reversed(shape):
        out.append(step)
        step *= max(size, 1)
    return tuple(reversed(out))


# ---------------------------------------------------------------------------------------
# RNN, LSTM, GRU


def _not_an_int(value: Any, compared: str = "<=") -> LayerError:
    if isinstance(value, float):
        return LayerError("'float' object cannot be interpreted as an integer")
    return LayerError(f"'{compared}' not supported between instances of "
                      f"'{type(value).__name__}' and 'int'")


def _base_check(kind: str, args: Args) -> None:
    """RNNBase.__init__'s checks, in its order (RNN's nonlinearity first)."""
    if kind == "RNN":
        nonlinearity = args["nonlinearity"]
        if nonlinearity not in ("tanh", "relu"):
            raise LayerError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
    # the costs do not read dropout: an unknown one is no error
    dropout = args.values.get("dropout")
    if isinstance(dropout, str):
        try:
            float(dropout)  # self.dropout = float(dropout) comes first
        except ValueError:
            raise LayerError(f"could not convert string to float: {dropout!r}") from None
    elif dropout is None or isinstance(dropout, (list, tuple, dict)):
        raise LayerError("float() argument must be a string or a real number, not "
                         f"'{type(dropout).__name__}'")
    if isinstance(dropout, (str, bool)) or is_real_number(dropout) and not 0 <= dropout <= 1:
        raise LayerError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    for name in ("bias", "batch_first"):
        if not isinstance(args[name], bool):
            raise LayerError(f"{name} should be of type bool, got: {type(args[name]).__name__}")
    for name in ("input_size", "hidden_size"):
        value = args[name]
        if not isinstance(value, int):
            raise LayerError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise LayerError(f"{name} must be greater than zero")
        check_int64(name, value)
    layers = args["num_layers"]
    if not is_real_number(layers) and not isinstance(layers, bool):
        raise _not_an_int(layers)
    if layers <= 0:
        raise LayerError("num_layers must be greater than zero")
    if not isinstance(layers, float):
        check_int64("num_layers", layers)
    proj = args["proj_size"] if kind == "LSTM" else 0
    if not is_real_number(proj) and not isinstance(proj, bool):
        raise _not_an_int(proj, "<")
    if proj < 0:
        raise LayerError("proj_size should be a positive integer or zero to disable projections")
    if proj >= args["hidden_size"]:
        raise LayerError("proj_size has to be smaller than hidden_size")
    if isinstance(layers, float):  # range(num_layers) builds the weights
        raise _not_an_int(layers)
    if kind == "RNN":  # one gate: weight_ih [hidden_size, input_size]
        reject_bool("empty", "size", args["hidden_size"], leading=True)
    if isinstance(proj, float):
        raise LayerError("empty(): argument 'size' failed to unpack the object at pos 2 with "
                         "error \"type must be tuple of ints,but got float\"")
    if proj:
        reject_bool("empty", "size", proj, leading=True)  # weight_hr [proj_size, hidden_size]


def _sizes(kind: str, args: Args) -> Tuple[int, int, int, int, int, int]:
    """(input_size, hidden_size, H_out, proj_size, num_layers, directions), checked."""
    _base_check(kind, args)
    proj = int(args["proj_size"]) if kind == "LSTM" else 0
    hidden = int(args["hidden_size"])
    directions = 2 if args["bidirectional"] else 1
    return (int(args["input_size"]), hidden, proj or hidden, proj, int(args["num_layers"]),
            directions)


def _over_layers(term: Any, input_size: int, out: int, layers: int, directions: int) -> int:
    """`term(in)` summed over the layers: `in` is input_size for the first, the previous
    layer's output (directions x H_out) for the others (closed form: num_layers may be huge)."""
    return term(input_size) + (layers - 1) * term(out * directions)


def _base_params(kind: str):
    def params(args: Args) -> int:
        input_size, hidden, out, proj, layers, directions = _sizes(kind, args)
        gates = GATES[kind] * hidden
        biases = 2 * gates if args["bias"] else 0
        return directions * _over_layers(
            lambda width: gates * (width + out) + biases + proj * hidden,
            input_size, out, layers, directions)

    return params


def _hidden_error(expected: Tuple[int, ...], got: Sequence[int], which: str = "") -> ShapeError:
    return ShapeError(f"Expected hidden{which} size {expected}, got {list(got)}")


def _base_output(kind: str):
    def output(args: Args, inputs: Sequence[Any]) -> Any:
        x, hx = (*inputs, None)[:2]  # costed on its own: the input only
        input_size, hidden, out, proj, layers, directions = _sizes(kind, args)
        if not _is_tensor(x):
            raise _no_dim(x)
        if len(x) not in (2, 3):
            tensor = " tensor" if kind == "RNN" else ""
            raise ShapeError(f"{kind}: Expected input to be 2D or 3D, got {len(x)}D{tensor} "
                             "instead")
        batched = len(x) == 3
        batch_first = args["batch_first"]
        seq = x[1] if batched and batch_first else x[0]
        batch = x[0 if batch_first else 1] if batched else 1
        states: List[Shape] = []
        if kind != "LSTM" and hx is not None:
            if not _is_tensor(hx):
                raise _no_dim(hx)
            if len(hx) != (3 if batched else 2):
                word = "batched 3-D" if batched else "unbatched 2-D"
                raise ShapeError(f"For {word} input, hx should also be {len(x)}-D but got "
                                 f"{len(hx)}-D tensor")
            states = [tuple(hx) if batched else (hx[0], 1, *hx[1:])]
        elif kind == "LSTM" and hx is not None:
            items = _items(hx)
            pair = [_item(hx, items, 0), _item(hx, items, 1)]
            for value in pair:
                if not _is_tensor(value):
                    raise _no_dim(value)
            if any(len(value) != len(x) for value in pair):
                word = "batched 3-D" if batched else "unbatched 2-D"
                raise ShapeError(f"For {word} input, hx and cx should also be {len(x)}-D but got "
                                 f"({len(pair[0])}-D, {len(pair[1])}-D) tensors")
            states = [tuple(v) if batched else (v[0], 1, *v[1:]) for v in pair]
            if not batched:  # a new tuple of the first two
                hx, items = ShapeTuple(states), states
        if x[-1] != input_size:
            raise ShapeError(f"input.size(-1) must be equal to input_size. Expected "
                             f"{input_size}, got {x[-1]}")
        expected = (layers * directions, batch, out)
        if kind == "LSTM" and states:
            if states[0] != expected:
                raise _hidden_error(expected, states[0], "[0]")
            cell = (layers * directions, batch, hidden)
            if states[1] != cell:
                raise _hidden_error(cell, states[1], "[1]")
        elif states and states[0] != expected:
            raise _hidden_error(expected, states[0])
        kernel = _KERNELS[kind] if kind in _KERNELS else f"rnn_{args['nonlinearity']}"
        # the kernel's argument parser: bidirectional a bool, num_layers an int (not a bool)
        for name, wanted in (("num_layers", "int"), ("bidirectional", "bool")):
            value = args[name]
            if isinstance(value, bool) != (wanted == "bool"):
                raise LayerError(f"{kernel}() received an invalid combination of arguments: "
                                 f"argument '{name}' must be {wanted}, not "
                                 f"{type(value).__name__}")
        if kind == "LSTM" and hx is not None:
            if not isinstance(hx, ShapeTuple):
                raise ShapeError(f"{kernel}() received an invalid combination of arguments: "
                                 "argument 'hx' must be tuple of Tensors, not Tensor")
            if len(items) != 2:
                raise ShapeError("lstm expects two hidden states")
        if seq == 0:
            raise ShapeError("Expected sequence length to be larger than 0 in RNN")
        width = directions * out
        result: Shape = ((batch, seq, width) if batch_first else (seq, batch, width)) \
            if batched else (seq, width)
        h_n = (layers * directions, batch, out) if batched else (layers * directions, out)
        if kind != "LSTM":
            return ShapeTuple((result, h_n))
        c_n = (*h_n[:-1], hidden)
        return ShapeTuple((result, ShapeTuple((h_n, c_n))))

    return output


def _base_macs(kind: str):
    def macs(args: Args, inputs: Sequence[Any], output: Any) -> int:
        input_size, hidden, out, proj, layers, directions = _sizes(kind, args)
        result = flat_shapes(output)[0]
        steps = math.prod(result[:-1])  # sequence length x batch
        gates = GATES[kind] * hidden
        per_step = _over_layers(lambda width: gates * (width + out) + hidden * proj,
                                input_size, out, layers, directions)
        return directions * steps * per_step

    return macs


def _strides(args: Args, output: Any) -> Tuple[Optional[Shape], ...]:
    """Every result of a recurrent layer is a new contiguous tensor but a batched
    batch_first output: the (seq, batch, features) tensor torch computes, transposed."""
    shapes = flat_shapes(output)
    first = shapes[0]
    strides = [_row_major(s) for s in shapes]
    if args.values.get("batch_first") is True and len(first) == 3:
        batch, seq, width = first
        s = _row_major((seq, batch, width))
        strides[0] = (s[1], s[0], s[2])
    return tuple(strides)


# ---------------------------------------------------------------------------------------
# RNNCell, LSTMCell, GRUCell


def _cell_sizes(kind: str, args: Args) -> Tuple[int, int]:
    input_size, hidden = args.get_int("input_size"), args.get_int("hidden_size")
    check_sizes(("input_size", input_size), ("hidden_size", hidden))
    return input_size, hidden


def _cell_params(kind: str):
    def params(args: Args) -> int:
        input_size, hidden = _cell_sizes(kind, args)
        gates = GATES[kind] * hidden
        return gates * (input_size + hidden) + (2 * gates if args["bias"] else 0)

    return params


def _cell_output(kind: str):
    def output(args: Args, inputs: Sequence[Any]) -> Any:
        x, hx = (*inputs, None)[:2]  # costed on its own: the input only
        input_size, hidden = _cell_sizes(kind, args)
        if not _is_tensor(x):
            raise _no_dim(x)
        if len(x) not in (1, 2):
            raise ShapeError(f"{kind}: Expected input to be 1D or 2D, got {len(x)}D instead")
        batched = len(x) == 2
        states: Optional[List[Any]] = None
        if kind == "LSTMCell" and hx is not None:
            items = _items(hx)
            for index, value in enumerate(items):
                if not _is_tensor(value):
                    raise _no_dim(value)
                if len(value) not in (1, 2):
                    raise ShapeError(f"LSTMCell: Expected hx[{index}] to be 1D or 2D, got "
                                     f"{len(value)}D instead")
            if not batched:  # a new tuple of the first two
                states = [(1, *_item(hx, items, i)) for i in (0, 1)]
            elif not isinstance(hx, ShapeTuple):
                raise ShapeError("lstm_cell(): argument 'hx' (position 2) must be tuple of "
                                 "Tensors, not Tensor")
            else:
                states = items
        elif hx is not None:
            if not _is_tensor(hx):
                raise _no_dim(hx)
            if len(hx) not in (1, 2):
                raise ShapeError(f"{kind}: Expected hidden to be 1D or 2D, got {len(hx)}D "
                                 "instead")
            states = [tuple(hx) if batched else (1, *hx)]
        batch = x[0] if batched else 1
        if kind == "RNNCell" and args["nonlinearity"] not in ("tanh", "relu"):
            raise LayerError(f"Unknown nonlinearity: {args['nonlinearity']}")
        if kind == "LSTMCell" and states is not None and len(states) != 2:
            raise ShapeError("lstm_cell expects two hidden states")
        if x[-1] != input_size:
            raise ShapeError(f"input has inconsistent input_size: got {x[-1]} expected "
                             f"{input_size}")
        for label, state in enumerate(states or ()):
            if state[0] != batch:
                raise ShapeError(f"Input batch size {batch} doesn't match hidden{label} batch "
                                 f"size {state[0]}")
            if len(state) < 2:
                raise ShapeError("Dimension out of range (expected to be in range of [-1, 0], "
                                 "but got 1)")
            if state[1] != hidden:
                raise ShapeError(f"hidden{label} has inconsistent hidden_size: got {state[1]}, "
                                 f"expected {hidden}")
        if states and len(states[0]) == 3:  # a 2-D state of a 1-D input, unsqueezed: (1, H, b)
            if states[0][2] != hidden:
                raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({hidden}x"
                                 f"{states[0][2]} and {hidden}x{GATES[kind] * hidden})")
            # torch broadcasts it (RNNCell returns [H, H], GRUCell raises, LSTMCell crashes)
            raise Unresolved("hx", "a 2-D state of a 1-D input (not modelled)")
        h = (batch, hidden) if batched else (hidden,)
        return ShapeTuple((h, h)) if kind == "LSTMCell" else h

    return output


def _cell_macs(kind: str):
    def macs(args: Args, inputs: Sequence[Any], output: Any) -> int:
        input_size, hidden = _cell_sizes(kind, args)
        batch = math.prod(flat_shapes(output)[0][:-1])
        return batch * GATES[kind] * hidden * (input_size + hidden)

    return macs


def _cell_strides(args: Args, output: Any) -> Tuple[Optional[Shape], ...]:
    return tuple(_row_major(s) for s in flat_shapes(output))


def _one_step(args: Args, size: Shape) -> Tuple[Shape, ...]:
    """Costed on its own: one step of input_size features per sample (for RNN, LSTM and GRU
    an unbatched sequence of batch-size steps: the same MACs)."""
    return ((args.get_int("input_size"),),)


_FORWARD = lambda input, hx=None: None  # noqa: E731


def _recurrent(kind: str, signature_of: Any) -> LayerSpec:
    return LayerSpec(kind, "rnn", signature_of, params=_base_params(kind),
                     output=_base_output(kind), macs=_base_macs(kind),
                     check=lambda args: _base_check(kind, args), standalone_inputs=_one_step,
                     forward_of=_FORWARD, output_strides=_strides)


def _cell(kind: str, signature_of: Any) -> LayerSpec:
    return LayerSpec(kind, "rnn", signature_of, params=_cell_params(kind),
                     output=_cell_output(kind), macs=_cell_macs(kind),
                     standalone_inputs=_one_step, forward_of=_FORWARD,
                     output_strides=_cell_strides)


# The signatures torch documents (RNN, LSTM and GRU take *args, **kwargs and pass them on
# to RNNBase: their typing overloads are these).
SPECS = [
    _recurrent("RNN", lambda input_size, hidden_size, num_layers=1, nonlinearity="tanh",
               bias=True, batch_first=False, dropout=0.0, bidirectional=False, device=None,
               dtype=None: None),
    _recurrent("LSTM", lambda input_size, hidden_size, num_layers=1, bias=True,
               batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, device=None,
               dtype=None: None),
    _recurrent("GRU", lambda input_size, hidden_size, num_layers=1, bias=True,
               batch_first=False, dropout=0.0, bidirectional=False, device=None,
               dtype=None: None),
    _cell("RNNCell", lambda input_size, hidden_size, bias=True, nonlinearity="tanh",
          device=None, dtype=None: None),
    _cell("LSTMCell", lambda input_size, hidden_size, bias=True, device=None, dtype=None: None),
    _cell("GRUCell", lambda input_size, hidden_size, bias=True, device=None, dtype=None: None),
]
