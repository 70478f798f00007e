"""torch's eager-mode quantization helpers as a float model uses them (torchvision's
quantizable models with `quantize=False`, the default): `QuantStub` and `DeQuantStub` return
their input; `FloatFunctional`'s `add`, `add_relu`, `add_scalar`, `mul`, `mul_scalar`, `cat`
and `matmul` are those torch ops (the module's own forward raises). None has parameters; only
`matmul` costs MACs. Quantizing (`prepare`, `convert`, `fuse_modules`) is not modelled: a model
that runs them says so.

Each is a LayerModule of its own kind with the Identity entry's rules (no parameters, the
input's shape): the cost model's catalogue holds torch.nn's layers, and these are not.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ..costmodel import LAYERS, TORCH_FUNCTIONS
from ..evaluator.values import RaiseSignal, Unknown
from .calls import handles
from .common import FLOAT_FUNCTIONAL, FORWARD_ERROR, FUNCTIONAL_OPS
from .values import LayerModule

_ROOTS = ("torch.ao.quantization", "torch.ao.quantization.stubs", "torch.quantization",
          "torch.quantization.stubs")
_FUNCTIONAL_PATHS = ("torch.nn.quantized.FloatFunctional",
                     "torch.ao.nn.quantized.FloatFunctional",
                     "torch.nn.quantized.modules.functional_modules.FloatFunctional",
                     "torch.ao.nn.quantized.modules.functional_modules.FloatFunctional")
def _module(run: Any, node: Any, kind: str, positional: List[Any],
            keywords: Dict[str, Any]) -> LayerModule:
    spec = LAYERS["Identity"]
    extra = set(keywords) - {"qconfig"}
    if len(positional) > (0 if kind == FLOAT_FUNCTIONAL else 1) or extra or (
            kind == FLOAT_FUNCTIONAL and keywords):
        raise RaiseSignal(f"{run.where(node)} raises TypeError: {kind}() takes other "
                          f"arguments")
    site = run.record_site(node, kind, spec, [], {}, None)
    return LayerModule(kind, spec, site, spec.bind([], {}))


@handles(*(f"{root}.QuantStub" for root in _ROOTS))
def quant_stub(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    return _module(run, node, "QuantStub", positional, keywords)


@handles(*(f"{root}.DeQuantStub" for root in _ROOTS))
def dequant_stub(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
    return _module(run, node, "DeQuantStub", positional, keywords)


@handles(*_FUNCTIONAL_PATHS)
def float_functional(run: Any, node: Any, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
    return _module(run, node, FLOAT_FUNCTIONAL, positional, keywords)


def float_functional_call(run: Any, node: Any, name: str, positional: List[Any],
                          keywords: Dict[str, Any]) -> Any:
    """`ff.add_relu(a, b)` and the rest (their parameters in torch's order, as the ops'):
    the torch op, run as `torch.<op>` would be."""
    if name == "forward":
        raise RaiseSignal(f"{run.where(node)} raises {FORWARD_ERROR}")
    op = FUNCTIONAL_OPS.get(name)
    if op is None:
        return Unknown(f"`FloatFunctional.{name}()` is not modelled")
    result = run.run_op(node, TORCH_FUNCTIONS[op], f"FloatFunctional.{name}", positional,
                        keywords)
    if name == "add_relu":
        result = run.run_op(node, TORCH_FUNCTIONS["relu"], "FloatFunctional.add_relu",
                            [result], {})
    return result
