"""Oracle tests for the recurrent layers of the catalogue (macslint.costmodel.layers.rnn): RNN,
LSTM, GRU, RNNCell, LSTMCell, GRUCell. PyTorch is the source of truth, never our formulas.

* Valid configurations: the `torch.nn` layer is built with the same arguments on the meta
  device and called, in eval mode with grad enabled, on zero tensors (the input, and the
  state: None, a tensor, or LSTM's pair) under FlopCounterMode (REFERENCE.md: on CPU the fused
  LSTM kernel counts 0). The catalogue must give its parameter count, the whole structure of
  what it returns (RNN/GRU (output, h_n), LSTM (output, (h_n, c_n)), LSTMCell (h', c'),
  RNNCell/GRUCell h', as nested tuples of shapes) and MACs = flops / 2. Strides too, where the
  catalogue gives them (a batch_first output is a transposed view).
* Invalid ones: where torch raises (building, or calling on the CPU, whose kernels make every
  check), the catalogue raises LayerError; where it mirrors torch's message, the same message.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from macslint.config import Settings
from macslint.costmodel import LAYERS, LayerError, ShapeTuple, Unresolved
from macslint.costmodel.dtypes import DtypeError, layer_dtype
from macslint.results.report import standalone_cost
from tests.costmodel.test_catalogue_torch import _fmt

# torch warns about dropout with one layer (tested below), empty tensors...
pytestmark = pytest.mark.filterwarnings("ignore")

Shape = Tuple[int, ...]
P = ShapeTuple  # a tuple of tensors passed as one argument: LSTM's (h_0, c_0)

RECURRENT = ("RNN", "LSTM", "GRU")
CELLS = ("RNNCell", "LSTMCell", "GRUCell")


# _one_thread (torch on one thread per module): tests/costmodel/conftest.py


# ---------------------------------------------------------------------------
# Helpers


def _show(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, ShapeTuple):
        return "(" + ",".join(_show(v) for v in value) + ")"
    return _fmt(tuple(value))


def rcase(name: str, pos: Sequence[Any], kw: Dict[str, Any], x: Shape, hx: Any = None,
          **marks: Any):
    """One pytest.param: LSTM(5,7,bidirectional=True)@(4,3,5)&((2,3,7),(2,3,7))."""
    args = [_fmt(p) for p in pos] + [f"{k}={_fmt(v)}" for k, v in kw.items()]
    ident = f"{name}({','.join(args)})@{_fmt(tuple(x))}" + ("" if hx is None else f"&{_show(hx)}")
    return pytest.param(name, tuple(pos), dict(kw), [tuple(x), hx], id=ident, **marks)


def _zeros(structure: Any, device: str, dtype: torch.dtype = torch.float32) -> Any:
    if structure is None:
        return None
    if isinstance(structure, ShapeTuple):
        return tuple(_zeros(s, device, dtype) for s in structure)
    return torch.zeros(structure, device=device, dtype=dtype)


def _structure(value: Any) -> Any:
    """What a torch layer returned, as the catalogue writes it: nested tuples of shapes."""
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return ShapeTuple(_structure(v) for v in value)


def _tensors(value: Any) -> List[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    return [t for item in value for t in _tensors(item)]


def torch_build(name: str, pos: Sequence[Any], kw: Dict[str, Any], device: str) -> nn.Module:
    with torch.device(device):
        return getattr(nn, name)(*pos, **kw).eval()


def torch_truth(name: str, pos, kw, inputs) -> Tuple[int, Any, int]:
    """(params, output structure, MACs) as torch counts them on the meta device."""
    module = torch_build(name, pos, kw, "meta")
    with torch.enable_grad(), FlopCounterMode(display=False) as counter:
        y = module(*[_zeros(s, "meta") for s in inputs])
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"odd flop count {flops}"
    return sum(p.numel() for p in module.parameters()), _structure(y), flops // 2


def catalogue_answer(name: str, pos, kw, inputs) -> Tuple[int, Any, int]:
    spec = LAYERS[name]
    args = spec.bind(pos, kw)
    spec.check_args(args)
    output, macs = spec.run(args, list(inputs))
    return spec.params(args), output, macs


def torch_error(name: str, pos, kw, inputs: Optional[Sequence[Any]] = None) -> Optional[str]:
    """torch's message building (and, given `inputs`, calling) the layer on the CPU, whose
    kernels make every check; None when it accepts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = getattr(nn, name)(*pos, **kw)
            if inputs is not None:
                module(*[_zeros(s, "cpu") for s in inputs])
    except Exception as exc:  # noqa: BLE001 - any exception is torch saying no
        return str(exc)
    return None


def catalogue_error(name: str, pos, kw, inputs: Optional[Sequence[Any]] = None) -> Optional[str]:
    spec = LAYERS[name]
    try:
        args = spec.bind(pos, kw)
        spec.check_args(args)
        if inputs is not None:
            spec.run(args, list(inputs))
    except LayerError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------
# 1. Valid configurations: params, output structure, MACs

I, H, T, N, PROJ = 5, 7, 4, 3, 3


def _state(name: str, layers: int, directions: int, out: int, batch: Optional[int]) -> Any:
    lead = (layers * directions,) if batch is None else (layers * directions, batch)
    h = (*lead, out)
    return P((h, (*lead, H))) if name == "LSTM" else h


def _recurrent_cases() -> list:
    cases = []
    extras = {"RNN": [{}, {"nonlinearity": "relu"}], "LSTM": [{}, {"proj_size": PROJ}],
              "GRU": [{}]}
    for name in RECURRENT:
        for layers, bidirectional, batch_first, bias, extra in itertools.product(
                (1, 2), (False, True), (False, True), (True, False), extras[name]):
            kw: Dict[str, Any] = dict(extra)
            if layers != 1:
                kw["num_layers"] = layers
                kw["dropout"] = 0.3  # between layers in training mode; eval: none
            if bidirectional:
                kw["bidirectional"] = True
            if batch_first:
                kw["batch_first"] = True
            if not bias:
                kw["bias"] = False
            directions, out = 1 + bidirectional, extra.get("proj_size") or H
            x = (N, T, I) if batch_first else (T, N, I)
            cases += [
                rcase(name, (I, H), kw, x),
                rcase(name, (I, H), kw, x, _state(name, layers, directions, out, N)),
                rcase(name, (I, H), kw, (T, I)),
                rcase(name, (I, H), kw, (T, I), _state(name, layers, directions, out, None)),
            ]
    # three layers, positional arguments, an empty batch, one step, batch of one
    cases += [
        rcase("LSTM", (I, H, 3), {"bidirectional": True, "proj_size": 2}, (2, 1, I)),
        rcase("GRU", (I, H, 3, True, True), {}, (1, 6, I), (3, 1, H)),
        rcase("RNN", (I, H, 2, "relu", False, True, 0.5, True), {}, (2, 3, I)),
        rcase("LSTM", (I, H, 2, True, False, 0.0, True, 4), {}, (T, 2, I)),
        rcase("LSTM", (), {"input_size": 1, "hidden_size": 1}, (1, 1, 1)),
        rcase("LSTM", (I, H), {"batch_first": True}, (0, T, I)),
        rcase("GRU", (I, H, 2), {}, (T, 0, I), (2, 0, H)),
        rcase("RNN", (I, H), {"bidirectional": True}, (1, I), (2, H)),
        rcase("LSTM", (True, True), {}, (2, 3, 1)),  # sizes of True: 1
        rcase("GRU", (I, True), {}, (2, 3, I)),
        rcase("RNN", (True, H), {}, (2, 3, 1)),
    ]
    return cases


def _cell_cases() -> list:
    cases = []
    for name in CELLS:
        extras = [{}, {"nonlinearity": "relu"}] if name == "RNNCell" else [{}]
        for bias, extra in itertools.product((True, False), extras):
            kw = dict(extra, **({} if bias else {"bias": False}))
            state = P(((N, H), (N, H))) if name == "LSTMCell" else (N, H)
            single = P(((H,), (H,))) if name == "LSTMCell" else (H,)
            cases += [
                rcase(name, (I, H), kw, (N, I)),
                rcase(name, (I, H), kw, (N, I), state),
                rcase(name, (I, H), kw, (I,)),
                rcase(name, (I, H), kw, (I,), single),
            ]
        cases += [
            rcase(name, (I, H), {}, (0, I)),  # an empty batch
            rcase(name, (0, H), {}, (N, 0)),  # no input features
            rcase(name, (I, 0), {}, (N, I)),  # no hidden units
            rcase(name, (I, H, 1), {}, (1, I)),  # bias=1: torch tests its truth
            rcase(name, (I, H), {"bias": None}, (2, I)),
        ]
    cases.append(rcase("LSTMCell", (I, H), {}, (I,), P(((H,), (H,), (H,)))))  # the first two
    return cases


VALID_CASES = _recurrent_cases() + _cell_cases()


@pytest.mark.parametrize("name, pos, kw, inputs", VALID_CASES)
def test_valid_configuration_matches_torch(name, pos, kw, inputs):
    expected = torch_truth(name, pos, kw, inputs)
    got = catalogue_answer(name, pos, kw, inputs)
    assert got == expected, f"catalogue (params, output, MACs) {got} != torch {expected}"
    assert torch_error(name, pos, kw, inputs) is None  # the real kernels accept it too


def test_the_grid_covers_every_recurrent_layer_and_argument():
    assert {p.values[0] for p in VALID_CASES} == set(RECURRENT + CELLS) == {
        name for name, spec in LAYERS.items() if spec.module == "rnn"}
    for name in RECURRENT + CELLS:
        names = list(LAYERS[name].signature.parameters)
        given = {key for p in VALID_CASES if p.values[0] == name
                 for key in [*names[:len(p.values[1])], *p.values[2]]}
        assert set(names) - {"device", "dtype"} <= given, name
    assert len(VALID_CASES) >= 300


@pytest.mark.parametrize("name, pos, kw, inputs", [
    rcase("LSTM", (I, H), {"batch_first": True}, (N, T, I)),
    rcase("LSTM", (I, H, 2), {"batch_first": True, "bidirectional": True, "proj_size": 2},
          (N, T, I), P(((4, N, 2), (4, N, H)))),
    rcase("GRU", (I, H), {"batch_first": True}, (1, T, I)),
    rcase("GRU", (I, H), {"batch_first": True}, (T, I)),
    rcase("RNN", (I, H, 2), {}, (T, N, I)),
    rcase("LSTMCell", (I, H), {}, (N, I)),
    rcase("GRUCell", (I, H), {}, (I,)),
])
def test_output_strides_are_torchs(name, pos, kw, inputs):
    """A batch_first output is the (seq, batch, features) result transposed: not contiguous
    (a later `view` may fail); every other tensor returned is."""
    module = torch_build(name, pos, kw, "cpu")
    strides = tuple(t.stride() for t in _tensors(module(*[_zeros(s, "cpu") for s in inputs])))
    spec = LAYERS[name]
    args = spec.bind(pos, kw)
    output, _ = spec.run(args, list(inputs))
    assert spec.output_strides(args, output) == strides


@pytest.mark.parametrize("name, pos, kw", [
    ("LSTM", (I, H, 2), {"bidirectional": True, "proj_size": 3}),
    ("GRU", (I, H), {"batch_first": True}),
    ("RNN", (I, H), {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", (I, H), {}),
    ("GRUCell", (I, H), {"bias": False}),
    ("RNNCell", (I, H), {}),
])
def test_costed_on_its_own_one_step_per_sample(name, pos, kw):
    """A construction no traced model reaches is costed on `input_size` features per sample
    (for RNN, LSTM and GRU an unbatched sequence of batch-size steps): torch on that input."""
    settings = Settings(batch_size=4)
    spec = LAYERS[name]
    standalone = standalone_cost(spec, spec.bind(pos, kw), settings)
    _, output, macs = torch_truth(name, pos, kw, [(4, I), None])
    first = output[0] if isinstance(output, ShapeTuple) else output
    assert (standalone.inputs, standalone.output, standalone.macs) == (((I,),), first[1:], macs)


def test_dropout_with_one_layer_is_only_a_warning():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        module = nn.LSTM(I, H, dropout=0.5)
    spec = LAYERS["LSTM"]
    args = spec.bind((I, H), {"dropout": 0.5})
    spec.check_args(args)
    assert spec.params(args) == sum(p.numel() for p in module.parameters())


# ---------------------------------------------------------------------------
# 2. Constructor errors: both raise (the same message where the catalogue mirrors it)

# (name, positional, keywords, the catalogue words it as torch does)
CONSTRUCTOR_ERRORS = [
    ("RNN", (I, H), {"nonlinearity": "sigmoid"}, True),
    ("RNN", (I, H, 1, "gelu"), {}, True),
    ("RNN", (I, H), {"nonlinearity": "sigmoid", "dropout": 2}, True),  # nonlinearity first
    ("RNN", (I, H), {"proj_size": 0}, False),  # only LSTM takes one; RNN: a ValueError
    ("GRU", (I, H), {"proj_size": 2}, False),
    ("LSTM", (I, H), {"proj_size": H}, True),
    ("LSTM", (I, H), {"proj_size": H + 2}, True),
    ("LSTM", (I, H), {"proj_size": -1}, True),
    ("LSTM", (I, H), {"proj_size": None}, True),
    ("LSTM", (I, H), {"proj_size": 1.5}, True),
    ("LSTM", (I, H), {"proj_size": True}, False),
    ("LSTM", (I, H, 2), {"dropout": 1.5}, True),
    ("GRU", (I, H, 2), {"dropout": -0.1}, True),
    ("RNN", (I, H, 2), {"dropout": True}, True),
    ("LSTM", (I, H, 2), {"dropout": "a"}, True),
    ("LSTM", (I, H, 2), {"dropout": "0.5"}, True),
    ("GRU", (I, H, 2), {"dropout": None}, True),
    ("LSTM", (I, H), {"bias": 1}, True),
    ("GRU", (I, H), {"batch_first": None}, True),
    ("RNN", (I, H), {"bias": False, "batch_first": 0}, True),
    ("LSTM", (0, H), {}, True),
    ("GRU", (-1, H), {}, True),
    ("RNN", (2.0, H), {}, True),
    ("LSTM", (I, 0), {}, True),
    ("LSTM", (I, False), {}, True),
    ("GRU", (I, 3.0), {}, True),
    ("RNN", (I, True), {}, False),  # RNN's one gate: a weight of [True, input_size]
    ("LSTM", (I, H, 0), {}, True),
    ("RNN", (I, H, -2), {}, True),
    ("GRU", (I, H, 2.0), {}, True),
    ("LSTM", (I, H), {"num_layers": "2"}, True),
    ("LSTM", (I, H, 2.0), {"proj_size": H}, True),  # proj_size is checked first
    ("LSTM", (I,), {}, False),  # torch names RNNBase.__init__, the catalogue LSTM.__init__
    ("GRU", (I, H), {"unexpected": 1}, False),
    ("RNNCell", (-1, H), {}, False),
    ("GRUCell", (I, -2), {}, False),
    ("LSTMCell", (I, 2.0), {}, False),
    ("LSTMCell", (I, H), {"nonlinearity": "tanh"}, True),
    ("GRUCell", (I,), {}, True),
]


def _call_text(name: str, pos: Sequence[Any], kw: Dict[str, Any]) -> str:
    return f"{name}({','.join([_fmt(p) for p in pos] + [f'{k}={_fmt(v)}' for k, v in kw.items()])})"


@pytest.mark.parametrize("name, pos, kw, mirrored", CONSTRUCTOR_ERRORS,
                         ids=[_call_text(*error[:3]) for error in CONSTRUCTOR_ERRORS])
def test_constructor_errors_match_torch(name, pos, kw, mirrored):
    expected = torch_error(name, pos, kw)
    got = catalogue_error(name, pos, kw)
    assert expected is not None, "torch accepts it"
    assert got is not None, f"the catalogue accepts what torch refuses: {expected}"
    if mirrored:
        assert got == expected


# ---------------------------------------------------------------------------
# 3. Call errors: torch (CPU) raises; the catalogue too, in torch's words where it mirrors them

def _e(name: str, pos, kw, x: Any, hx: Any = None, mirrored: bool = True):
    return pytest.param(name, tuple(pos), dict(kw), [x, hx], mirrored,
                        id=rcase(name, pos, kw, x if isinstance(x, tuple) else (), hx).id
                        + ("" if isinstance(x, tuple) else f"[x={x!r}]"))


CALL_ERRORS = [
    _e("LSTM", (I, H), {}, (T, N, 1, I)),
    _e("RNN", (I, H), {}, (I,)),
    _e("GRU", (I, H), {}, ()),
    _e("LSTM", (I, H), {}, (T, N, I + 1)),
    _e("GRU", (I, H), {"batch_first": True}, (N, T, I - 1)),
    _e("LSTM", (I, H, 2), {}, (T, N, I), P(((2, N, H - 1), (2, N, H)))),
    _e("LSTM", (I, H, 2), {}, (T, N, I), P(((2, N, H), (2, N + 1, H)))),
    _e("LSTM", (I, H), {"proj_size": 2}, (T, N, I), P(((1, N, H), (1, N, H)))),
    _e("LSTM", (I, H), {"proj_size": 2}, (T, N, I), P(((1, N, 2), (1, N, 2)))),
    _e("LSTM", (I, H), {"bidirectional": True}, (T, N, I), P(((1, N, H), (1, N, H)))),
    _e("LSTM", (I, H), {}, (T, N, I), P(((N, H), (N, H)))),
    _e("LSTM", (I, H), {}, (T, I), P(((1, 1, H), (1, 1, H)))),
    _e("LSTM", (I, H), {}, (T, I), P(((2, H), (2, H)))),
    _e("LSTM", (I, H), {}, (T, N, I), (1, N, H)),  # a tensor: its slices are (N, H)
    _e("LSTM", (I, H), {}, (T, N, I), P(((1, N, H),))),
    _e("LSTM", (I, H), {}, (T, N, I), P(((1, N, H), (1, N, H), (1, N, H)))),
    _e("LSTM", (I, H), {}, (T, N, I), P((None, (1, N, H)))),
    _e("LSTM", (I, H), {}, (T, N, I), (2, 1, N, H), mirrored=False),  # a tensor, not a tuple
    _e("GRU", (I, H, 2), {}, (T, N, I), (2, N, H + 1)),
    _e("GRU", (I, H), {}, (T, N, I), (N, H)),
    _e("RNN", (I, H), {}, (T, I), (1, 1, H)),
    _e("RNN", (I, H), {}, (T, I), (2, H)),
    _e("GRU", (I, H), {}, (T, N, I), P(((1, N, H),))),
    _e("RNN", (I, H), {"batch_first": True}, (N, 0, I)),
    _e("LSTM", (I, H), {}, (0, N, I)),
    _e("GRU", (I, H), {}, (0, I)),
    _e("LSTM", (I, H), {"bidirectional": 1}, (T, N, I), mirrored=False),
    _e("RNN", (I, H), {"bidirectional": None}, (T, N, I), mirrored=False),
    _e("RNN", (I, H), {}, None),
    _e("RNNCell", (I, H), {"nonlinearity": "sigmoid"}, (N, I)),
    _e("RNNCell", (I, H), {}, (2, N, I)),
    _e("LSTMCell", (I, H), {}, ()),
    _e("GRUCell", (I, H), {}, (N, I), (1, N, H)),
    _e("RNNCell", (I, H), {}, (N, I + 1)),
    _e("GRUCell", (I, H), {}, (N, I), (N, H + 1)),
    _e("RNNCell", (I, H), {}, (N, I), (N + 1, H)),
    _e("GRUCell", (I, H), {}, (N, I), (H,)),
    _e("RNNCell", (I, 1), {}, (1, I), (1,)),
    _e("GRUCell", (I, H), {}, (I,), (H + 1,)),
    _e("RNNCell", (I, H), {}, (I,), (2, H)),
    _e("RNNCell", (I, H), {}, (I,), (H, 2)),
    _e("GRUCell", (I, H), {}, (N, I), P(((N, H),))),
    _e("LSTMCell", (I, H), {}, (N, I), P(((N, H), (N, H + 1)))),
    _e("LSTMCell", (I, H), {}, (N, I), P(((N, H), (N - 1, H)))),
    _e("LSTMCell", (I, H), {}, (N, I), P(((N, H), (1, N, H)))),
    _e("LSTMCell", (I, H), {}, (N, I), P(((N, H),))),
    _e("LSTMCell", (I, H), {}, (N, I), P(((N, H), (N, H), (N, H)))),
    _e("LSTMCell", (I, H), {}, (N, I), (N, H)),
    _e("LSTMCell", (I, H), {}, (N, I), (2, N, H)),
    _e("LSTMCell", (I, H), {}, (I,), P(((H,),))),
    _e("LSTMCell", (I, H), {}, (I,), P(((H, 2), (H, 2)))),
]


@pytest.mark.parametrize("name, pos, kw, inputs, mirrored", CALL_ERRORS)
def test_call_errors_match_torch(name, pos, kw, inputs, mirrored):
    assert torch_error(name, pos, kw) is None  # built: the call is what torch refuses
    expected = torch_error(name, pos, kw, inputs)
    got = catalogue_error(name, pos, kw, inputs)
    assert expected is not None, "torch accepts it"
    assert got is not None, f"the catalogue accepts what torch refuses: {expected}"
    if mirrored:
        assert got == expected


@pytest.mark.parametrize("name, pos, kw, inputs", [
    ("LSTM", (I, H), {"bidirectional": 1}, [(T, N, I), None]),
    ("GRU", (I, H), {"bidirectional": "yes"}, [(T, I), None]),
    ("RNNCell", (I, H), {"nonlinearity": "sigmoid"}, [(I,), None]),
    ("LSTM", (I, H, True), {}, [(T, N, I), None]),  # built with one layer, called: not an int
])
def test_arguments_torch_refuses_on_any_call_are_argument_errors(name, pos, kw, inputs):
    """torch builds them and refuses every call, whatever the input: the construction's
    fault (LayerError: MAC010 at it), not the input's (ShapeError: MAC011)."""
    assert torch_error(name, pos, kw) is None
    assert torch_error(name, pos, kw, inputs) is not None
    spec = LAYERS[name]
    with pytest.raises(LayerError) as info:
        spec.run(spec.bind(pos, kw), inputs)
    assert type(info.value) is LayerError


def test_a_2d_state_of_a_1d_input_torch_broadcasts_is_not_counted():
    """RNNCell unsqueezes the state of an unbatched input: a 2-D state [H, H] becomes
    [1, H, H] and torch returns [H, H] (LSTMCell crashes the process: not run here). The
    catalogue does not count it rather than guess."""
    assert tuple(nn.RNNCell(I, H)(torch.zeros(I), torch.zeros(H, H)).shape) == (H, H)
    spec = LAYERS["RNNCell"]
    with pytest.raises(Unresolved, match="not modelled"):
        spec.run(spec.bind((I, H), {}), [(I,), (H, H)])


# ---------------------------------------------------------------------------
# 4. dtypes: the input must have the weights' dtype


@pytest.mark.parametrize("name, dtype", [
    ("LSTM", torch.int64), ("GRU", torch.float64), ("RNN", torch.float16),
    ("LSTMCell", torch.int64), ("GRUCell", torch.float64), ("RNNCell", torch.int32),
])
def test_an_input_of_another_dtype_than_the_weights_is_refused_as_torch_does(name, dtype):
    x = (T, N, I) if name in RECURRENT else (N, I)
    module = getattr(nn, name)(I, H)
    with pytest.raises((ValueError, RuntimeError)) as info:
        module(torch.zeros(x, dtype=dtype))
    spec = LAYERS[name]
    with pytest.raises(DtypeError) as ours:
        layer_dtype(name, spec.bind((I, H), {}), [str(dtype).removeprefix("torch.")])
    assert str(ours.value) == str(info.value)


@pytest.mark.parametrize("name", RECURRENT + CELLS)
def test_the_weights_dtype_goes_through(name):
    x = (T, N, I) if name in RECURRENT else (N, I)
    y = getattr(nn, name)(I, H)(torch.zeros(x))
    spec = LAYERS[name]
    assert layer_dtype(name, spec.bind((I, H), {}), ["float32"]) == \
        str(_tensors(y)[0].dtype).removeprefix("torch.")
