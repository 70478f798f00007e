"""Running modules and tensor operations on symbolic tensors: layer calls, ops, operators,
indexing, and the shape errors torch would raise."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import libcst as cst

from ..costmodel import (
    Args, LayerError, ShapeError, ShapeTuple, Unresolved, broadcast, flat_shapes, matmul,
    TENSOR_METHODS, output_count)
from ..costmodel.dtypes import (
    UNKNOWN_REQUEST, DtypeError, Operand, binary_dtype, canonical_dtype, inplace_dtype,
    invert_dtype, layer_dtype, matrix_dtype, negate_dtype, op_dtypes, scalar,
)
from ..costmodel.ops import PROPERTIES
from ..costmodel.spec import bind
from ..costmodel.indexing import IndexArray, index_list, index_shape
from ..costmodel.strides import (
    LAYOUT_KEEPING_OPS, VIEW_ERROR, VIEW_OPS, contiguous_strides, index_strides, is_contiguous,
    suggested_strides, view_splits_only, view_strides,
)
from ..evaluator.operators import MAX_SEQUENCE
from ..evaluator.records import NamedTupleType, NamedTupleValue
from ..evaluator.rounded import Rounded
from ..evaluator.values import IN_PLACE, Partial, PyBuiltin, RaiseSignal, Unknown, what_is
from ..results.traces import LayerCall, ShapeIssue
from ..units import format_shape
from .builtins import percent_format
from .common import (
    FLOAT_FUNCTIONAL, FORWARD_ERROR, OP_WORDS, SIZED_ARGS, STRIDING, TENSOR_BINARY, TENSOR_PROPERTIES, VIEW_LIKE, expected_shape,
    plain_number)
from .einops_library import EinopsLayer, apply_einops_layer
from .names import ModuleRef
from .valued import changed_in_place, pieces_with_items, with_items
from .values import BoundMethod, Container, LayerModule, Tensor, Untraced, UserModule, ValuedTensor

# The Python operators on tensors, as costmodel.dtypes.binary_dtype names them.
_OPERATOR_NAMES = {cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "div",
                   cst.FloorDivide: "floor_divide", cst.Modulo: "remainder", cst.Power: "pow",
                   cst.BitAnd: "and", cst.BitOr: "or", cst.BitXor: "xor"}
_PYTHON_TYPES = {"float": "float64", "int": "int64", "bool": "bool"}  # `x.to(float)`
# Layers whose output torch allocates contiguous whatever their input's strides (a
# LayerNorm or Linear after a permute: a `view` of the output is accepted).
_CONTIGUOUS_OUTPUT = frozenset({"Linear", "LayerNorm"})
# F.linear, F.layer_norm: the same; a matrix product's output is fresh and contiguous too
_CONTIGUOUS_OPS = frozenset({"linear", "layer_norm", "matmul", "mm", "bmm", "mv"})
# Methods that return their tensor itself where they change nothing (`p.float()` of a float32
# parameter is the parameter: still an nn.Parameter, counted once where it is registered).
_SELF_RETURNING = frozenset({"float", "double", "half", "bfloat16", "to", "type_as", "type",
                             "contiguous"})


def _argument(value: Any, tensors: List[Tensor], slots: List[Optional[Tensor]]) -> Any:
    """A forward() argument as a layer with `forward_of` takes it: a tensor (added to
    `tensors` and `slots`), None (a None slot), a ShapeTuple for a tuple or list of those;
    else the value itself (not traced)."""
    if isinstance(value, Tensor):
        tensors.append(value)
        slots.append(value)
        return value
    if value is None:
        slots.append(None)
        return None
    if isinstance(value, (tuple, list)):
        items = [_argument(item, tensors, slots) for item in value]
        bad = next((v for v in items if v is not None and not isinstance(v, (Tensor, ShapeTuple))),
                   None)
        return bad if bad is not None else \
            ShapeTuple(v.shape if isinstance(v, Tensor) else v for v in items)
    return value


def contiguous(tensor: Tensor) -> bool:
    """Whether the tensor's strides are known and contiguous."""
    return tensor.strides is not None and is_contiguous(tensor.shape, tensor.strides)


def fresh_strides(shape: Any, tensors: Sequence[Tensor]) -> Any:
    """The strides of a new tensor made from `tensors`: contiguous where all of them are
    (torch allocates so), else not known (TensorIterator may keep an input's layout)."""
    return contiguous_strides(shape) if all(contiguous(t) for t in tensors) else None


def operand(value: Any) -> Optional[Operand]:
    """A tensor or Python number as costmodel.dtypes sees it; None for other values."""
    if isinstance(value, Tensor):
        return Operand(value.dtype, "tensor" if value.shape else "zero")
    if plain_number(value):
        return scalar(value)
    if isinstance(value, Rounded):  # a Python float whose exact value is not known
        return scalar(0.0)
    return None


def dtype_named(value: Any) -> Optional[str]:
    """The dtype a value names (`torch.long`, `torch.float16`, `float`), or None."""
    if isinstance(value, ModuleRef) and value.path.count(".") == 1:
        return canonical_dtype(value.path)
    if isinstance(value, PyBuiltin):
        return _PYTHON_TYPES.get(value.name)
    return None


def requested_dtype(op: str, raw: Dict[str, Any]) -> Optional[str]:
    """The dtype an operation's arguments ask for: `dtype=`, or what `.to(...)` converts to
    (a dtype or another tensor's); None for none, UNKNOWN_REQUEST for one not known."""
    if op == "to":
        kwargs = raw.get("kwargs") or {}
        candidates = [kwargs["dtype"]] if "dtype" in kwargs else list(raw.get("args") or ())
        found = UNKNOWN_REQUEST if "dtype" in kwargs else None
        for value in candidates:
            if isinstance(value, Tensor):
                return value.dtype or UNKNOWN_REQUEST
            if dtype_named(value) is not None:
                return dtype_named(value)
            if isinstance(value, Unknown):
                found = UNKNOWN_REQUEST  # `x.to(device)`: may be a dtype too
        return found
    value = raw.get("dtype")
    if value is None:
        return None
    return dtype_named(value) or UNKNOWN_REQUEST


def described(tensor: Tensor) -> str:
    """`1x16 int64 (from line 12)`: a tensor in a message."""
    dtype = f" {tensor.dtype}" if tensor.dtype else ""
    return f"{format_shape(tensor.shape)}{dtype} (from line {tensor.line})"


def not_tensors(op: str, name: str, value: Any) -> Unknown:
    """Why argument `name` of `op` (`torch.cat`'s `tensors`) is not a list of tensors, as
    torch means it ("must be tuple of Tensors, not Tensor"; "expected Tensor as element 1")."""
    raises = "; torch raises TypeError" if op.startswith("torch.") else ""
    if not isinstance(value, (list, tuple)):
        return value if isinstance(value, Unknown) else Unknown(
            f"argument '{name}' is {what_is(value)} where a sequence of tensors is expected"
            f"{raises}")
    index, item = next((i, v) for i, v in enumerate(value) if not isinstance(v, Tensor))
    if isinstance(item, Unknown):
        return (Untraced if isinstance(item, Untraced) else Unknown)(
            f"item {index} of argument '{name}' is not known: {item.reason}")
    return Unknown(f"item {index} of argument '{name}' is {what_is(item)}, not a tensor{raises}")


class TensorOps:
    """Part of ModelInterpreter (torchnn.tracer): running modules, tensor operations and
    operators (the operate/augmented/unary_value/index_value hooks), shape errors."""

    declared_inputs = False  # the model's settings give `inputs` (set by trace_forward)
    # The user declared this model's input (a pragma on its class line, or its
    # [tool.macslint.models.<name>] table): a misfit is then a finding (MAC011), not a
    # setting left at its default (set by trace_model).
    input_declared = False

    def tensor_attribute(self, node: cst.Attribute, tensor: Tensor, name: str) -> Any:
        if name == "shape":
            return tensor.shape
        if name == "ndim":
            return len(tensor.shape)
        if name == "data":
            return tensor
        if name in PROPERTIES:  # x.T, x.mT, x.H, x.mH
            if not tensor.shape or (name == "T" and len(tensor.shape) == 1):
                return tensor  # torch returns a 0-d (and x.T a 1-d) tensor unchanged
            result = self.run_op(node, PROPERTIES[name], f"x.{name}", [tensor], {})
            if isinstance(result, Tensor):
                result.dtype = tensor.dtype
                result.strided = None if contiguous(result) else self.line_of(node)
            return result
        if name in ("item", "tolist") and isinstance(tensor, ValuedTensor):
            return Partial(PyBuiltin(f"torch.Tensor.{name}"), [tensor], {})  # builtins.py
        if name in ("item", "tolist"):
            return Unknown(f"the items of the tensor made at line {tensor.line} are not known "
                           f"(only those of tensors made from known numbers are followed)")
        if name in TENSOR_PROPERTIES:
            return Unknown(f"`{self.code(node)}` of a tensor is not modelled")
        return BoundMethod(tensor, name)  # a method call on it says whether it is modelled

    def iterate(self, value: Any, node: Optional[cst.CSTNode] = None) -> Any:
        """A 1-d tensor of known items: its 0-d tensors (`for x in torch.linspace(...)`)."""
        if isinstance(value, ValuedTensor) and len(value.shape) == 1:
            items = value.values if isinstance(value.values, list) else \
                [value.values] * value.shape[0]
            return [ValuedTensor((), value.line, v, value.dtype) for v in items]
        if isinstance(value, Tensor) and node is not None and value.shape \
                and isinstance(value.shape[0], int) and value.shape[0] <= MAX_SEQUENCE:
            # `q, k, v = qkv.permute(2, 0, 3, 1, 4)`: Python iterates a tensor by unbind(0)
            pieces = self.run_op(node, TENSOR_METHODS["unbind"], "x.unbind", [value], {})
            return list(pieces) if isinstance(pieces, tuple) else pieces
        return super().iterate(value, node)  # type: ignore[misc]

    # -- running modules ----------------------------------------------------------
    def apply_module(self, node: cst.CSTNode, module: Any, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
        self.tick()
        if isinstance(module, EinopsLayer):  # einops' Rearrange/Reduce: an op, not a torch.nn call
            return apply_einops_layer(self, node, module, positional, keywords)
        if isinstance(module, LayerModule) and module.kind == FLOAT_FUNCTIONAL:
            raise RaiseSignal(f"{self.where(node)} raises {FORWARD_ERROR}")
        if isinstance(module, LayerModule):
            return self.apply_layer(node, module, positional, keywords)
        if isinstance(module, UserModule):
            forward, receiver = self.forward_of(module)
            if forward is not None:
                with self.running_module(module):
                    return self.ran_module(module, self.call_function(
                        forward, [receiver, *positional], keywords))
            if module.sequential:
                return self.apply_sequence(node, module.children.values(), positional, keywords)
            self.note(f"{module.cls.name} has no forward() in this file")
            return Untraced(f"{module.cls.name} has no forward()")
        if not isinstance(module, Container):  # a value a container holds, not known
            return Untraced(f"{self.where(node)} runs a module that is not known: "
                            f"{getattr(module, 'reason', None) or what_is(module)}")
        if module.kind == "Sequential":
            return self.apply_sequence(node, module.children.values(), positional, keywords)
        raise RaiseSignal(f"{self.where(node)} calls a {module.kind}, which has no forward()")

    def apply_sequence(self, node: cst.CSTNode, modules: Iterable[Any], positional: List[Any],
                       keywords: Dict[str, Any]) -> Any:
        if len(positional) != 1 or keywords:
            self.note(f"{self.where(node)} passes a Sequential other than one input")
            return Untraced("a Sequential called with other than one input")
        value = positional[0]
        for module in modules:
            if module is not None:
                value = self.apply_module(node, module, [value], {})
        return value

    def apply_layer(self, node: cst.CSTNode, layer: LayerModule, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        call = LayerCall(self.paths.get(id(layer), ""), layer.kind, layer.site, layer.spec,
                         layer.args, params=layer.params())
        self.calls.append(call)
        line = self.line_of(node)
        if layer.spec is None or layer.args is None:
            call.reason = layer.reason
            self.note(f"{layer.site.call_text} (line {layer.site.line}) is not costed: "
                      f"{layer.reason}")
            return Untraced(f"the output of {layer.kind} is not known")
        structured = layer.spec.forward_of is not None
        flags = layer.spec.forward_values  # plain values (need_weights), passed as they are
        names: List[Optional[str]] = []
        if structured:  # an RNN's optional state: every forward() argument, in order
            try:
                bound = bind(layer.spec.forward_of, f"{layer.kind}.forward()", positional,
                             keywords)
            except LayerError as exc:
                raise RaiseSignal(f"{self.where(node)} raises: {exc}")
            names, values = list(bound), list(bound.values())
        else:
            values = [*positional, *keywords.values()]
        names += [None] * (len(values) - len(names))
        inputs: List[Tensor] = []
        # each tensor argument's tensors, None for one not given: what layer_dtype reads
        slots: List[Optional[Tensor]] = []
        arguments = [v if name in flags else _argument(v, inputs, slots) if structured else v
                     for name, v in zip(names, values)]
        bad = next((v for name, v in zip(names, arguments) if name not in flags and
                    not isinstance(v, Tensor) and
                    (not structured or v is not None and not isinstance(v, ShapeTuple))), None)
        if not values or bad is not None:
            why = bad.reason if isinstance(bad, Unknown) else "its input is not a traced tensor"
            call.reason = f"its input is not traced: {why}"
            if not isinstance(bad, Untraced):
                self.note(f"{layer.site.call_text} (line {layer.site.line}) gets an input that "
                          f"is not traced: {why}")
            return Untraced(f"the output of {layer.kind} is not known")
        if not structured:
            inputs = slots = list(arguments)
        shapes = [v.shape if isinstance(v, Tensor) else v for v in arguments]
        try:
            output, macs = layer.spec.run(layer.args, shapes)
        except Unresolved as exc:
            call.reason = str(exc)
            self.note(f"{layer.site.call_text} (line {layer.site.line}): {exc}")
            return Untraced(str(exc))
        except (LayerError, OverflowError, ValueError) as exc:
            # ValueError, OverflowError: sizes from `scale_factor=float('nan')` or `10**1000`
            # (the catalogue's arithmetic; torch raises too)
            call.reason = f"torch raises: {exc}"
            if type(exc) is LayerError:
                self.layer_argument_error(layer, exc)
            self.layer_shape_error(layer, self.at_fault(layer, inputs, shapes), exc)
            return Unknown("a layer call that raises")
        try:
            dtype = layer_dtype(layer.kind, layer.args,
                                [None if t is None else t.dtype for t in slots])
        except DtypeError as exc:
            call.reason = f"torch raises: {exc}"
            where = f" in {self.paths[id(layer)]}" if id(layer) in self.paths else ""
            faulty = slots[exc.operand] if isinstance(exc.operand, int) else None
            at_fault = [faulty] if faulty is not None else inputs
            self.dtype_error(at_fault, layer.site.call_text, exc, layer.site.line,
                             layer.site.col + 1, f"{layer.site.call_text} gets "
                             f"{described(inputs[0])}{where}: {exc}", layer.site.file)
        call.inputs, call.output, call.macs = [t.shape for t in inputs], output, macs
        call.dtype = dtype
        if any(t.from_input for t in inputs) and SIZED_ARGS & set(layer.args.values):
            self.input_accepted = True
        if structured:
            call.arguments, call.result, call.output = shapes, output, flat_shapes(output)[0]
            return self.layer_result(layer, output, line, dtype)
        first = inputs[0]
        strided = first.strided if output == first.shape and layer.kind not in _CONTIGUOUS_OUTPUT \
            else None
        strides = contiguous_strides(output) if layer.kind in _CONTIGUOUS_OUTPUT else \
            fresh_strides(output, inputs)
        result = Tensor(output, line, strided=strided, dtype=dtype, strides=strides)
        if output_count(layer.args) == 2:  # max pools: (output, indices)
            return (result, Tensor(output, line, dtype="int64", strides=strides))
        return result

    @staticmethod
    def at_fault(layer: LayerModule, inputs: List[Tensor], shapes: List[Any]) -> List[Tensor]:
        """The tensors a failing call blames: all, but where the layer runs on its input alone
        (an RNN given a state of the wrong size), the state's."""
        if layer.spec.forward_of is None or len(inputs) < 2 or inputs[0].shape != shapes[0]:
            return inputs
        try:
            layer.spec.run(layer.args, [shapes[0]] + [None] * (len(shapes) - 1))
        except (LayerError, Unresolved, OverflowError, ValueError):
            return inputs
        return inputs[1:]

    def layer_result(self, layer: LayerModule, output: Any, line: int,
                     dtype: Optional[str]) -> Any:
        """The tensor, or nested tuple of tensors, a layer with `forward_of` returns."""
        rule = layer.spec.output_strides
        strides = iter(rule(layer.args, output) if rule is not None else ())

        def build(value: Any) -> Any:
            if value is None:  # MultiheadAttention's weights without need_weights
                return None
            if isinstance(value, ShapeTuple):
                return tuple(build(item) for item in value)
            known = next(strides, None)
            strided = line if known is not None and not is_contiguous(value, known) else None
            return Tensor(value, line, dtype=dtype, strides=known, strided=strided)

        result = build(output)
        named = layer.spec.output_namedtuple
        if named is not None and isinstance(result, tuple):
            return NamedTupleValue(result, NamedTupleType(named[0], named[1], {}))
        return result

    # -- shape errors ---------------------------------------------------------------
    def input_mismatch(self, tensors: Sequence[Tensor], what: str, exc: Exception) -> bool:
        """A failure the untouched model input takes part in, before any layer that checks its
        input's features or channels has accepted it: the configured input does not fit this
        model (a setting to fix), not a bug in the model (MAC011)."""
        if any(t.from_input for t in tensors) and not self.input_accepted \
                and not self.input_declared:
            self.input_issue = f"{what}: {exc}"
            shape = next(t.shape for t in tensors if t.from_input)
            setting = ("inputs with `# macslint: inputs=...`" if self.declared_inputs else
                       "input size with `# macslint: input-size=...`")
            raise RaiseSignal(f"the input {format_shape(shape)} does not fit {self.model_name}: "
                         f"{what}: {exc}; set the model's {setting} on its class line or "
                         f"[tool.macslint.models.{self.model_name}]")
        return False

    def dtype_error(self, tensors: Sequence[Tensor], what: str, exc: Exception, line: int,
                    col: int, message: str, file: Optional[str] = None) -> None:
        """torch refuses a tensor's dtype (`message`, MAC011 at line:col), or, when the
        tensors at fault are untouched model inputs, the inputs' declared dtypes do not fit
        the model (a setting to fix)."""
        if tensors and all(t.from_input for t in tensors):
            self.input_issue = f"{what}: {exc}"
            inputs = ", ".join(f"{format_shape(t.shape)} {t.dtype or ''}".strip() for t in tensors)
            raise RaiseSignal(f"the input {inputs} does not fit {self.model_name}: {what}: {exc}; "
                              f"declare the input's dtype with `# macslint: inputs=...` on its "
                              f"class line or inputs = [...] in "
                              f"[tool.macslint.models.{self.model_name}]")
        self.shape_error(line, col, message, file)

    def layer_argument_error(self, layer: LayerModule, exc: LayerError) -> None:
        """torch raises on the first call whatever the input (`MaxPool2d(3, padding=2)`): the
        construction's arguments are wrong (MAC010 at it), not the input nor the model."""
        site = layer.site
        if site.error is None:
            site.error, site.unresolved = str(exc), None
        raise RaiseSignal(f"{site.call_text} (line {site.line}) raises when called: {exc}")

    def layer_shape_error(self, layer: LayerModule, inputs: Sequence[Tensor], exc: Exception) -> None:
        self.input_mismatch(inputs, layer.site.call_text, exc)
        if not inputs:  # `self.rnn(None)`: no tensor at all
            self.shape_error(layer.site.line, layer.site.col + 1,
                             f"{layer.site.call_text} gets no tensor: {exc}", layer.site.file)
        x = inputs[0]
        expected = expected_shape(layer, x.shape)
        # (a shape that fits in channels and features may still fail: a kernel too large)
        wanted = f"expects {format_shape(expected)} but gets" \
            if expected and tuple(expected) != tuple(x.shape) else "gets"
        message = (f"{layer.site.call_text} {wanted} {format_shape(x.shape)} (from line {x.line})"
                   f"{' in ' + self.paths[id(layer)] if id(layer) in self.paths else ''}: {exc}")
        self.shape_error(layer.site.line, layer.site.col + 1, message, layer.site.file)

    def shape_error(self, line: int, col: int, message: str, file: Optional[str] = None) -> None:
        if file is not None:  # in an imported project file: said on the model's line here
            message = f"{message} (at {file}:{line})"
            line, col = self.model_line, self.model_col
        self.shape_errors.setdefault((line, col), ShapeIssue(line, col, message))
        raise RaiseSignal(f"torch raises at line {line}: {message}")

    # -- tensor operations --------------------------------------------------------------
    def run_op(self, node: cst.CSTNode, spec: Any, what: str, positional: List[Any],
               keywords: Dict[str, Any]) -> Any:
        try:
            args = spec.bind(positional, keywords)
        except LayerError as exc:
            raise RaiseSignal(f"{self.where(node)} raises: {exc}")
        values = dict(args.values)
        tensors: List[Tensor] = []
        for name in spec.tensors:
            value = values.get(name)
            if isinstance(value, Tensor):
                tensors.append(value)
                values[name] = value.shape
            elif plain_number(value) or value == ():  # bind() made a number a 0-d shape
                values[name] = ()
            elif value is None:
                continue
            else:
                return self.untraced_op(node, value, positional, keywords)
        for name in spec.tensor_lists:
            items = values.get(name)
            if not isinstance(items, (list, tuple)) or not all(isinstance(t, Tensor) for t in items):
                return self.untraced_op(node, not_tensors(spec.name, name, items), positional,
                                        keywords)
            tensors.extend(items)
            values[name] = [t.shape for t in items]
        line, col = self.positions[node].start.line, self.positions[node].start.column + 1
        op = spec.name.rsplit(".", 1)[-1]
        strided = next((t.strided for t in tensors if t.strided is not None), None)
        if op in ("view", "view_as") and strided is not None and tensors[0].strides is None \
                and not view_splits_only(spec, values, tensors[0].shape):
            self.note(f"{self.where(node)} views a tensor that may not be contiguous (after "
                      f"line {strided}): whether torch accepts it depends on its strides; "
                      f"use reshape() or call contiguous() first")
            return Untraced("a view of a tensor that may not be contiguous")
        try:
            result, macs = spec.run(Args(values))
            strides = self.op_strides(op, args, tensors, result)
            if op in ("view", "view_as") and strides is None and tensors[0].strides is not None:
                raise ShapeError(VIEW_ERROR)
        except Unresolved as exc:
            self.note(f"{self.where(node)} is not followed: {exc.reason}")
            return Untraced(exc.reason)
        except LayerError as exc:
            # A tensor passed where the op wants something else (`torch.zeros(x)`) takes
            # part in the failure too: the model input may simply not be what forward() takes.
            passed = [v for v in (*positional, *keywords.values()) if isinstance(v, Tensor)]
            if str(exc) != VIEW_ERROR:  # strides a permute left: the model's, not the input's
                self.input_mismatch([*tensors, *passed], f"`{self.code(node)}`", exc)
            shapes = " and ".join(f"{format_shape(t.shape)} (from line {t.line})" for t in tensors)
            self.shape_error(line, col, f"`{self.code(node)}`{' on ' + shapes if shapes else ''}: "
                             f"{exc}", self.file_of(node))
        from_input = bool(tensors) and all(t.from_input for t in tensors)
        kind = spec.result_kind(args) if callable(spec.result_kind) else spec.result_kind
        count = 1 if kind == "tensor" else len(result) if kind == "tensors" else 0
        dtypes = self.op_dtypes(node, spec, op, positional, keywords, tensors, count)
        if any(d is not None and t.dtype is not None and t.dtype != d
               for d in dtypes for t in tensors):
            from_input = False  # a cast, a comparison: no longer the input as declared
        if macs:
            self.record_op(line, col, spec.name, [t.shape for t in tensors],
                           result if kind == "tensor" else (), macs)
        if strides is not None and kind == "tensor" and is_contiguous(result, strides):
            strided = None  # exactly known: contiguous
        elif op in STRIDING:
            strided = line
        elif op == "contiguous":
            strided = None
        elif strided is not None and op not in VIEW_LIKE and op not in ("view", "view_as"):
            # Elementwise results keep their input's layout; new shapes are fresh memory.
            shapes = {t.shape for t in tensors if t.strided is not None}
            strided = strided if kind == "tensor" and tuple(result) in shapes else None
        if kind == "tensor" and op in _SELF_RETURNING and tensors and tensors[0].param \
                and tensors[0].dtype is not None and dtypes[0] == tensors[0].dtype \
                and tuple(result) == tensors[0].shape and values.get("copy") is not True \
                and (op != "contiguous" or contiguous(tensors[0])):
            return tensors[0]  # torch returns the parameter itself: no cast, no copy
        if op.endswith("_") and tensors:
            changed_in_place(tensors[0], line)
        if kind == "tensor":
            return with_items(Tensor(result, line, from_input, strided=strided, dtype=dtypes[0],
                                     strides=strides), op, spec.signature_of, positional,
                              keywords)
        if kind == "tensors":
            pieces = strides if isinstance(strides, tuple) and len(strides) == len(result) \
                else (None,) * len(result)
            return pieces_with_items(op, tensors[0] if tensors else None, tuple(
                Tensor(s, line, from_input, strided=strided, dtype=d, strides=p)
                for s, d, p in zip(result, dtypes, pieces)))
        return result

    @staticmethod
    def op_strides(op: str, args: Args, tensors: List[Tensor], result: Any) -> Any:
        """The strides of an op's result (a tuple of them for several tensors) where known,
        else None; None too for a `view` torch refuses (its input's strides known)."""
        if op in VIEW_OPS:
            if not tensors or tensors[0].strides is None:
                return None
            found = view_strides(op, args, tensors[0].shape, tensors[0].strides, result)
            return None if found is ... else found
        if op in _CONTIGUOUS_OPS:
            return contiguous_strides(result)
        if op in LAYOUT_KEEPING_OPS and isinstance(result, tuple) and tensors:
            x = tensors[0]
            return None if x.strides is None else suggested_strides(x.shape, x.strides, result)
        if isinstance(result, tuple) and all(isinstance(d, int) for d in result):
            return fresh_strides(result, tensors)
        return None

    def op_dtypes(self, node: cst.CSTNode, spec: Any, op: str, positional: List[Any],
                  keywords: Dict[str, Any], tensors: List[Tensor], count: int
                  ) -> List[Optional[str]]:
        """The dtypes of the `count` tensors an operation returns (None where not known);
        torch's refusal of a dtype is MAC011 at the operation (dtype_error)."""
        if not count:
            return []
        raw = bind(spec.signature_of, f"{spec.name}()", positional, keywords)
        operands: Dict[str, Any] = {}
        for name, value in raw.items():
            if name in spec.tensor_lists:
                if spec.list_form and isinstance(value, tuple) and len(value) == 1 and \
                        isinstance(value[0], (list, tuple)):
                    value = value[0]  # torch.meshgrid([a, b]): the list is the tensors
                items = self.iterate(value)
                value = [operand(t) for t in items] if isinstance(items, list) else None
            operands[name] = operand(value) or value
        try:
            return op_dtypes(op, operands, count, requested_dtype(op, raw))
        except DtypeError as exc:
            code = f"`{self.code(node)}`"
            line, col = self.positions[node].start.line, self.positions[node].start.column + 1
            shapes = " and ".join(described(t) for t in tensors)
            at_fault = raw.get(exc.operand) if isinstance(exc.operand, str) else None
            self.dtype_error([at_fault] if isinstance(at_fault, Tensor) else tensors, code, exc,
                             line, col, f"{code} on {shapes}: {exc}", self.file_of(node))
            raise  # dtype_error raises

    def untraced_op(self, node: cst.CSTNode, value: Any, positional: List[Any],
                    keywords: Dict[str, Any]) -> Unknown:
        why = value.reason if isinstance(value, Unknown) else \
            f"{what_is(value)} where a tensor is expected"
        if isinstance(value, Untraced):
            return Untraced(why)
        if any(isinstance(v, Tensor) for v in (*positional, *keywords.values())) or \
                isinstance(value, Unknown):
            self.note(f"{self.where(node)} is not followed: {why}")
        return Untraced(why)

    def combine(self, node: cst.CSTNode, op: Optional[type], left: Any, right: Any,
                in_place: bool = False) -> Any:
        """A binary operator; tensors broadcast (or multiply as matrices for `@`)."""
        if not (isinstance(left, Tensor) or isinstance(right, Tensor)):
            if op is cst.MatrixMultiply:
                return Unknown("`@` on values that are not tensors")
            if op is cst.Modulo and isinstance(left, str):
                return percent_format(left, right)
            if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) \
                    and op is cst.Add and type(left) is type(right) and len(left) + len(right) <= MAX_SEQUENCE:
                return left + right
            return self.binary(op, left, right)
        tensors = [v for v in (left, right) if isinstance(v, Tensor)]
        other = next((v for v in (left, right) if not isinstance(v, Tensor)), None)
        # a float known up to rounding (np.log(...)): only its type matters to the result
        if other is not None and not plain_number(other) and not isinstance(other, Rounded):
            why = other.reason if isinstance(other, Unknown) else \
                f"{what_is(other)}, which is not modelled"
            if not isinstance(other, Untraced):
                self.note(f"{self.where(node)} combines a tensor with "
                          + (f"a value that is not known: {why}" if isinstance(other, Unknown)
                             else why))
            return Untraced(why)
        a = left.shape if isinstance(left, Tensor) else ()
        b = right.shape if isinstance(right, Tensor) else ()
        line, col = self.positions[node].start.line, self.positions[node].start.column + 1
        from_input = all(t.from_input for t in tensors)
        try:
            if op is cst.MatrixMultiply:
                if other is not None:
                    raise ShapeError("both arguments to matmul need to be at least 1D")
                shape, macs = matmul(a, b)
                dtype = self.operator_dtype(node, tensors, lambda: matrix_dtype(left.dtype,
                                                                                right.dtype))
                if macs:
                    self.record_op(line, col, "matmul", [a, b], shape, macs)
                return Tensor(shape, line, from_input and dtype == left.dtype, dtype=dtype,
                              strides=contiguous_strides(shape))
            if op not in TENSOR_BINARY:
                return Unknown("an operator on tensors that is not modelled")
            shape = broadcast(a, b)
            if in_place and shape != a:
                raise ShapeError(f"output with shape [{', '.join(map(str, a))}] doesn't match "
                                 f"the broadcast shape [{', '.join(map(str, shape))}]")
        except Unresolved as exc:
            self.note(f"{self.where(node)} is not followed: {exc.reason}")
            return Untraced(exc.reason)
        except LayerError as exc:
            self.input_mismatch(tensors, f"`{self.code(node)}`", exc)
            word = "multiply" if op is cst.MatrixMultiply else OP_WORDS.get(op, "combine")
            shapes = " and ".join(f"{format_shape(t.shape)} (from line {t.line})" for t in tensors)
            self.shape_error(line, col, f"cannot {word} {shapes}: {exc}", self.file_of(node))
        strided = next((t.strided for t in tensors
                        if t.strided is not None and t.shape == shape), None)
        strides = fresh_strides(shape, tensors)
        operands = [operand(left), operand(right)]
        dtype = self.operator_dtype(node, tensors, lambda: binary_dtype(
            _OPERATOR_NAMES.get(op, ""), operands))  # type: ignore[arg-type]
        if in_place and isinstance(left, Tensor):
            dtype = self.operator_dtype(node, tensors, lambda: inplace_dtype(left.dtype, dtype))
        if any(t.dtype is not None and dtype is not None and t.dtype != dtype for t in tensors):
            from_input = False
        result = Tensor(shape, line, from_input, strided=strided, dtype=dtype, strides=strides)
        if in_place:
            changed_in_place(left, line)
            return result
        return with_items(result, _OPERATOR_NAMES.get(op, ""), None, [left, right], {})

    def operator_dtype(self, node: cst.CSTNode, tensors: Sequence[Tensor],
                       rule: Callable[[], Optional[str]]) -> Optional[str]:
        """The dtype an operator's result has (`rule`), or MAC011 where torch refuses it."""
        try:
            return rule()
        except DtypeError as exc:
            code = f"`{self.code(node)}`"
            line, col = self.positions[node].start.line, self.positions[node].start.column + 1
            shapes = " and ".join(described(t) for t in tensors)
            self.dtype_error(tensors, code, exc, line, col, f"{code} on {shapes}: {exc}",
                             self.file_of(node))
            raise

    def operate(self, node: cst.CSTNode, op: Optional[type], left: Any, right: Any) -> Any:
        return self.combine(node, op, left, right)

    def augmented(self, node: cst.CSTNode, op: Optional[type], left: Any, right: Any) -> Any:
        if isinstance(left, Container) and left.kind == "ModuleList" and op is cst.Add:
            # ModuleList.__iadd__ is extend(): in place, the same object stays bound
            self.container_method(node, left, "extend", [right], {})
            return IN_PLACE
        return self.combine(node, op, left, right, in_place=True)

    def unary_value(self, node: cst.UnaryOperation, value: Any) -> Any:
        if isinstance(value, Tensor):
            if isinstance(node.operator, cst.Not):
                return self.truth(value)
            rule = {cst.Minus: negate_dtype, cst.BitInvert: invert_dtype}.get(
                type(node.operator), lambda dtype: dtype)
            dtype = self.operator_dtype(node, [value], lambda: rule(value.dtype))
            return Tensor(value.shape, self.line_of(node), value.from_input,
                          strided=value.strided, dtype=dtype,
                          strides=fresh_strides(value.shape, [value]))
        if isinstance(node.operator, cst.Not):
            truth = self.truth(value)
            return truth if isinstance(truth, Unknown) else not truth
        return self.unary(node, value)

    def binary_compare(self, op: type, left: Any, right: Any) -> Any:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            if op in (cst.Is, cst.IsNot):
                return (left is right) == (op is cst.Is)
            if op in (cst.In, cst.NotIn):
                return Unknown("`in` on a tensor")
            a = left.shape if isinstance(left, Tensor) else ()
            b = right.shape if isinstance(right, Tensor) else ()
            tensors = [t for t in (left, right) if isinstance(t, Tensor)]
            other = next((v for v in (left, right) if not isinstance(v, Tensor)), None)
            if other is not None and not plain_number(other) and not isinstance(other, Rounded):
                return Untraced("a comparison of a tensor with a value that is not known")
            try:
                return Tensor(broadcast(a, b), tensors[0].line,
                              all(t.from_input for t in tensors) and
                              all(t.dtype in (None, "bool") for t in tensors), dtype="bool")
            except LayerError:
                return Untraced("a comparison of tensors that do not broadcast")
        if op in (cst.Is, cst.IsNot) and not isinstance(left, Unknown) \
                and not isinstance(right, Unknown) and (left is None or right is None):
            return (left is right) == (op is cst.Is)
        if op in (cst.In, cst.NotIn) and isinstance(right, (dict, Container)) \
                and isinstance(left, str):
            keys = right if isinstance(right, dict) else right.children
            return (left in keys) == (op is cst.In)
        return super().binary_compare(op, left, right)

    def elementwise(self, value: Any) -> bool:
        return isinstance(value, Tensor)

    def untraced(self, reason: str) -> Untraced:
        return Untraced(reason)

    def index_value(self, node: cst.Subscript, base: Any, keys: List[Any]) -> Any:
        if isinstance(base, Tensor):
            return self.index_tensor(node, base, keys)
        if isinstance(base, Container) and len(keys) == 1:
            return self.index_container(node, base, keys[0])
        return NotImplemented

    def index_tensor(self, node: cst.Subscript, tensor: Tensor, keys: List[Any]) -> Any:
        if any(isinstance(k, (Tensor, list)) for k in keys):  # (a tuple spreads into keys)
            return self.index_advanced(node, tensor, keys)
        shape = list(tensor.shape)
        out: List[int] = []
        dim = 0
        if sum(1 for k in keys if k is Ellipsis) > 1:
            return self.untraced_op(node, Unknown("an index with two `...`"), [tensor], {})
        consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
        for key in keys:
            if key is None:
                out.append(1)
            elif key is Ellipsis:
                skip = len(shape) - consumed
                out.extend(shape[dim:dim + skip])
                dim += skip
            elif dim >= len(shape):
                break
            elif isinstance(key, bool) or not isinstance(key, (int, slice)):
                why = key.reason if isinstance(key, Unknown) else "an index that is not an int or slice"
                return self.untraced_op(node, Unknown(why), [tensor], {})
            elif isinstance(key, int):
                if not -shape[dim] <= key < shape[dim]:
                    line = self.line_of(node)
                    self.input_mismatch([tensor], f"`{self.code(node)}`", IndexError("out of range"))
                    self.shape_error(line, self.positions[node].start.column + 1,
                                     f"`{self.code(node)}` indexes {key} in dimension {dim} of "
                                     f"{format_shape(tensor.shape)} (from line {tensor.line}), which has "
                                     f"size {shape[dim]}", self.file_of(node))
                dim += 1
            else:
                if key.step is not None and (not isinstance(key.step, int) or key.step <= 0):
                    return self.untraced_op(node, Unknown("a slice step that is not positive"),
                                            [tensor], {})
                if not all(b is None or isinstance(b, int) for b in (key.start, key.stop)):
                    return self.untraced_op(node, Unknown("a slice bound that is not an int"),
                                            [tensor], {})
                out.append(len(range(*key.indices(shape[dim]))))
                dim += 1
        if dim > len(shape):
            return self.untraced_op(node, Unknown("too many indices for the tensor"), [tensor], {})
        out.extend(shape[dim:])
        strided = tensor.strided
        for position, key in enumerate(keys):
            if position > 0 and (isinstance(key, int) or (
                    isinstance(key, slice) and key != slice(None, None, None))):
                strided = self.line_of(node)  # a slice of an inner dim is not contiguous
        strides = None if tensor.strides is None else \
            index_strides(tensor.shape, tensor.strides, keys)
        if not isinstance(strides, tuple) or len(strides) != len(out):
            strides = None
        elif is_contiguous(tuple(out), strides):
            strided = None
        return Tensor(tuple(out), self.line_of(node), tensor.from_input, strided=strided,
                      dtype=tensor.dtype, strides=strides)

    def index_advanced(self, node: cst.Subscript, tensor: Tensor, keys: List[Any]) -> Any:
        """`x[:, [-1]]`, `x[idx]`: integer tensors and lists among the keys
        (costmodel.indexing); the result is a new tensor, contiguous if `x` is."""
        converted: List[Any] = []
        for key in keys:
            if isinstance(key, Tensor):
                if key.dtype in ("bool", "uint8"):
                    return self.untraced_op(node, Unknown(
                        "a boolean mask index: the result's size depends on the mask's values"),
                        [tensor], {})
                if key.dtype not in ("int64", "int32", "int16", "int8"):
                    why = "an index tensor whose dtype is not known" if key.dtype is None else \
                        f"an index tensor of {key.dtype} (torch wants long, int, byte or bool)"
                    return self.untraced_op(node, Unknown(why), [tensor], {})
                converted.append(IndexArray(key.shape))
            elif isinstance(key, list):
                array = index_list(key)
                if array is None:
                    return self.untraced_op(node, Unknown(
                        "an index list that is not of known ints"), [tensor], {})
                converted.append(array)
            elif key is None or key is Ellipsis or isinstance(key, slice) and all(
                    b is None or isinstance(b, int) and not isinstance(b, bool)
                    for b in (key.start, key.stop, key.step)) and (key.step or 1) > 0 or (
                    isinstance(key, int) and not isinstance(key, bool)):
                converted.append(key)
            else:
                why = key.reason if isinstance(key, Unknown) else \
                    "an index that is not an int, slice or integer tensor"
                return self.untraced_op(node, Unknown(why), [tensor], {})
        try:
            shape = index_shape(tensor.shape, converted)
        except ShapeError as exc:
            line = self.line_of(node)
            self.input_mismatch([tensor], f"`{self.code(node)}`", exc)
            self.shape_error(line, self.positions[node].start.column + 1,
                             f"`{self.code(node)}` of {format_shape(tensor.shape)} (from line "
                             f"{tensor.line}): {exc}", self.file_of(node))
        strides = contiguous_strides(shape) if contiguous(tensor) else None
        return Tensor(shape, self.line_of(node), dtype=tensor.dtype, strides=strides)

