"""Tensor dtypes, as torch names them, and the rules the tracer follows them by: type
promotion (`torch.result_type`), what casts and creation functions make, and the calls torch
refuses for a dtype (an index that is not an integer, a weighted layer on integers), in
torch's words. Pure Python, as the rest of the cost model.

A dtype is its canonical name ("float32", "int64", "bool"); None is a dtype that is not
known. Every rule gives None when it needs a dtype it does not know, and never refuses a call
on an unknown dtype: where nothing declares a dtype, tracing behaves as if there were none.
Floating inputs of another precision than the layers' float32 weights are not refused (a
model given float16 inputs is taken to run in half precision, `model.half()`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .spec import Args, ShapeError

DTYPES: Tuple[str, ...] = ("float32", "float16", "bfloat16", "float64", "int64", "int32",
                           "int16", "int8", "uint8", "bool")
# torch's other names for them (torch.float, torch.long, ...)
ALIASES: Dict[str, str] = {"float": "float32", "half": "float16", "double": "float64",
                           "long": "int64", "int": "int32", "short": "int16"}
DEFAULT_FLOAT = "float32"  # torch.get_default_dtype()
_BITS = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64,
         "uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64, "bool": 1}


def element_size(dtype: str) -> int:
    """Bytes per element, as torch's `Tensor.element_size()` (a bool takes a byte)."""
    return max(1, _BITS[dtype] // 8)


# as torch's messages name them: scalar type, and C type
_SCALAR = {"float32": "Float", "float16": "Half", "bfloat16": "BFloat16", "float64": "Double",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool"}
_C_TYPE = {"float32": "float", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "float64": "double", "int64": "long int", "int32": "int", "int16": "short int",
           "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
UNKNOWN_REQUEST = "?"  # a `dtype=` (or `.to(...)` target) that is given but not known


class DtypeError(ShapeError):
    """torch would raise: the tensor's dtype does not fit the call. `operand`: the one at
    fault where one is (a parameter's name, or a layer's input by position)."""

    def __init__(self, message: str, operand: Any = None) -> None:
        super().__init__(message)
        self.operand = operand


def canonical_dtype(name: str) -> Optional[str]:
    """"float32" for "float32", "float", "torch.float"; None for a name that is not a dtype."""
    name = name[len("torch."):] if name.startswith("torch.") else name
    name = ALIASES.get(name, name)
    return name if name in DTYPES else None


def is_floating(dtype: Optional[str]) -> bool:
    return dtype in ("float16", "bfloat16", "float32", "float64")


def is_integral(dtype: Optional[str]) -> bool:
    """An integer dtype, bool not included."""
    return dtype in ("int64", "int32", "int16", "int8", "uint8")


def _category(dtype: str) -> int:
    return 2 if is_floating(dtype) else 1 if is_integral(dtype) else 0


def promote_types(a: str, b: str) -> str:
    """`torch.promote_types` for two known dtypes."""
    if a == b:
        return a
    if _category(a) != _category(b):
        return a if _category(a) > _category(b) else b
    if is_floating(a):
        if {a, b} == {"float16", "bfloat16"}:
            return "float32"
        return a if _BITS[a] > _BITS[b] else b
    if "uint8" in (a, b):
        other = b if a == "uint8" else a
        return "int16" if other == "int8" else other
    return a if _BITS[a] > _BITS[b] else b


class Operand(NamedTuple):
    """A tensor or number an operation is given: its dtype, and its kind: "tensor" (one
    dimension or more), "zero" (a 0-d tensor) or "scalar" (a Python number)."""

    dtype: Optional[str]
    kind: str


def scalar(value: Any) -> Operand:
    """The operand a Python number is."""
    if isinstance(value, bool):
        return Operand("bool", "scalar")
    return Operand("int64" if isinstance(value, int) else DEFAULT_FLOAT, "scalar")


def _combine(higher: Optional[str], lower: Optional[str]) -> Optional[str]:
    # c10's combine_categories (ScalarType undefined = None here)
    if higher is None:
        return lower
    if is_floating(higher):
        return higher
    if higher == "bool" or is_floating(lower):
        return higher if lower is None else promote_types(higher, lower)
    return higher


def result_type(operands: Sequence[Operand]) -> Optional[str]:
    """`torch.result_type` of the operands: dimensioned tensors decide, unless a 0-d tensor or
    a Python number is of a higher category (a float with int tensors). None if a tensor's
    dtype is not known."""
    groups: Dict[str, Optional[str]] = {"tensor": None, "zero": None, "scalar": None}
    for dtype, kind in operands:
        if dtype is None:
            return None
        if kind == "scalar" and is_floating(dtype):
            dtype = DEFAULT_FLOAT
        current = groups[kind]
        groups[kind] = dtype if current is None else promote_types(current, dtype)
    return _combine(groups["tensor"], _combine(groups["zero"], groups["scalar"]))


def scalar_type(dtype: str) -> str:
    return _SCALAR[dtype]


# ------------------------------------------------------------------------- layers

_EMBEDDINGS = frozenset({"Embedding", "EmbeddingBag"})
# Layers whose input must be of a floating dtype (their weights, or the floating-point math
# of a norm): torch raises on an integer or bool input.
_FLOATING_ONLY = frozenset({
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "Linear", "Bilinear", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "GroupNorm", "PReLU",
})
# Recurrent layers and cells: their input must have their weights' dtype (float32 unless
# built with another `dtype`); their states' dtypes are not checked here.
_RECURRENT = frozenset({"RNN", "LSTM", "GRU"})
_CELLS = frozenset({"RNNCell", "LSTMCell", "GRUCell"})
# Layers whose forward takes a max pool's indices (int64) after their input.
_UNPOOLS = frozenset({"MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"})
# Layers that return their input's dtype whatever it is.
_ANY_DTYPE = frozenset({"Identity", "Flatten", "Unflatten", "Dropout", "AlphaDropout",
                        "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"})


def _layer_refusal(kind: str, args: Args, dtype: str, dtypes: Sequence[Optional[str]]) -> str:
    name, c_type = _SCALAR[dtype], _C_TYPE[dtype]
    if kind == "Linear":
        return f"mat1 and mat2 must have the same dtype, but got {name} and Float"
    if kind == "Bilinear":
        second = dtypes[1] if len(dtypes) > 1 and dtypes[1] is not None else dtype
        return (f"All tensors must have the same dtype, got input1: {c_type}, input2: "
                f"{_C_TYPE[second]}, weight: float")
    if kind.startswith("Conv"):
        if args.known("bias") is False:
            return f"expected scalar type {name} but found Float"
        return f"Input type ({c_type}) and bias type (float) should be the same"
    if kind.startswith("BatchNorm"):
        return f"\"batch_norm\" not implemented for '{name}'"
    if kind == "PReLU":
        return f"prelu: Type promoting not supported. Got {name} and Float"
    return (f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {name}")


def _multihead_dtype(args: Args, dtypes: Sequence[Optional[str]]) -> Optional[str]:
    """MultiheadAttention, `dtypes` those of (query, key, value, key_padding_mask, attn_mask),
    None where not given: the masks bool or floating (torch's _canonical_mask, the padding
    mask's first), the inputs of the projections' dtype, and the mask the scores get (a bool
    one made of the query's dtype, both masks summed) of the query's dtype."""
    if args.values.get("dtype") is not None:
        return None  # built with a dtype of its own
    query, key, value, padding, mask = (*dtypes, None, None, None, None, None)[:5]
    for index, name, dtype in ((3, "key_padding_mask", padding), (4, "attn_mask", mask)):
        if dtype is not None and dtype != "bool" and not is_floating(dtype):
            raise DtypeError(f"only bool and floating types of {name} are supported", index)
    for index, dtype in enumerate((query, key, value)):
        if dtype is not None and dtype != DEFAULT_FLOAT:
            raise DtypeError(f"mat1 and mat2 must have the same dtype, but got "
                             f"{_SCALAR.get(dtype, dtype)} and Float", index)
    floats = [(index, DEFAULT_FLOAT if d == "bool" else d)
              for index, d in ((3, padding), (4, mask)) if d is not None]
    kinds = {d for _, d in floats}
    # attn_mask + key_padding_mask: the wider float (two halves of different kinds: float)
    wider = kinds.pop() if len(kinds) == 1 else "float64" if "float64" in kinds \
        else DEFAULT_FLOAT
    if floats and wider != DEFAULT_FLOAT:
        # baddbmm's or scaled_dot_product_attention's words, as need_weights decides
        raise DtypeError(f"a mask of dtype {wider} for a query of dtype {DEFAULT_FLOAT}: torch "
                         "takes a floating mask of the query's dtype only",
                         next(index for index, d in floats if d == wider))
    return query


def layer_dtype(kind: str, args: Args, dtypes: Sequence[Optional[str]]) -> Optional[str]:
    """The dtype of what layer `kind` returns for inputs of `dtypes`; DtypeError where torch
    raises (an Embedding's indices are not int64 or int32, a Linear gets integers)."""
    dtype = dtypes[0] if dtypes else None
    if kind in _EMBEDDINGS:
        if dtype is not None and dtype not in ("int64", "int32"):
            raise DtypeError(f"Expected tensor for argument #1 'indices' to have one of the "
                             f"following scalar types: Long, Int; but got torch.{dtype} "
                             f"instead", 0)
        return DEFAULT_FLOAT if args.values.get("dtype") is None else None
    if kind in _FLOATING_ONLY:
        refused = next((i for i, d in enumerate(dtypes) if d is not None
                        and not is_floating(d)), None)
        if refused is not None:
            raise DtypeError(_layer_refusal(kind, args, dtypes[refused], dtypes), refused)
        return dtype
    if kind in _ANY_DTYPE:
        return dtype
    if kind in _UNPOOLS and len(dtypes) > 1 and dtypes[1] not in (None, "int64"):
        raise DtypeError(f"elements in indices should be type int64 but got: "
                         f"{_SCALAR[dtypes[1]]}", 1)
    if kind == "MultiheadAttention":
        return _multihead_dtype(args, dtypes)
    if kind in _RECURRENT or kind in _CELLS:
        if args.values.get("dtype") is not None:
            return None  # built with a dtype of its own
        if dtype is not None and dtype != DEFAULT_FLOAT:
            if kind in _CELLS:
                raise DtypeError(f"mat1 and mat2 must have the same dtype, but got "
                                 f"{_SCALAR[dtype]} and Float", 0)
            raise DtypeError(f"RNN input dtype (torch.{dtype}) does not match weight dtype "
                             f"(torch.{DEFAULT_FLOAT}). Convert input: input.to(torch."
                             f"{DEFAULT_FLOAT}), or convert model: model.to(torch.{dtype})", 0)
        return dtype
    # activations, pools, resampling: a floating input stays so; on integers torch's CPU
    # kernels refuse some (not the meta ones): unknown, never refused
    return dtype if is_floating(dtype) else None


# ------------------------------------------------------------------------- operations

_SAME = frozenset({
    "view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "permute", "transpose",
    "t", "t_", "unsqueeze", "squeeze", "expand", "expand_as", "repeat", "flip", "chunk",
    "split", "contiguous", "clone", "detach", "cpu", "relu", "relu_", "abs", "abs_", "square",
    "square_", "max", "min", "amax", "amin", "pad", "dropout", "dropout1d", "dropout2d",
    "dropout3d", "alpha_dropout", "sign", "sign_", "diff", "tensor_split", "repeat_interleave",
    "swapdims", "swapaxes",
})
_CASTS = {"float": "float32", "half": "float16", "double": "float64", "bfloat16": "bfloat16",
          "long": "int64", "int": "int32", "bool": "bool"}
# floating-point math: an integer or bool tensor is promoted to the default float dtype
_TO_FLOAT = frozenset({"sigmoid", "tanh", "sqrt", "rsqrt", "exp", "log", "sin", "cos",
                       "sigmoid_", "tanh_", "sqrt_", "rsqrt_", "exp_", "log_", "sin_", "cos_",
                       "log2", "log10", "log1p", "expm1", "reciprocal", "log2_", "log10_",
                       "log1p_", "expm1_", "reciprocal_"})
# torch's other names of the arithmetic (issue 21): the rules of the first
_ALIASES = {"divide": "div", "true_divide": "div", "subtract": "sub", "multiply": "mul",
            "sgn": "sign", "sgn_": "sign_"}
_ELEMENTWISE = frozenset({"add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_",
                          "maximum", "minimum", "pow", "clamp", "clamp_"})
_CONCAT = frozenset({"cat", "concat", "concatenate", "stack"})
_CREATE = frozenset({"zeros", "ones", "empty", "rand", "randn", "eye"})
_LIKE = frozenset({"new_zeros", "new_ones", "new_empty", "new_full",
                   "zeros_like", "ones_like", "empty_like", "rand_like", "randn_like",
                   "full_like"})
_MATRIX = frozenset({"matmul", "mm", "bmm", "linear"})
_INDICES = frozenset({"argmax", "argmin", "argsort"})

# What an operation's tensors are, by parameter: an Operand, a list of them (torch.cat's
# tensors), or for other parameters the Python value itself (torch.full's fill_value).
Operands = Mapping[str, Any]


def _operand_dtype(operand: Any) -> Optional[str]:
    return operand.dtype if isinstance(operand, Operand) else None


def _tensor_dtypes(operands: Operands) -> List[Optional[str]]:
    found: List[Optional[str]] = []
    for value in operands.values():
        if isinstance(value, Operand) and value.kind != "scalar":
            found.append(value.dtype)
        elif isinstance(value, list):
            found.extend(v.dtype for v in value if isinstance(v, Operand))
    return found


def _no_bool_subtraction(operands: Sequence[Operand]) -> None:
    tensors = [d for d, kind in operands if kind != "scalar"]
    if "bool" in tensors:
        if all(d == "bool" for d, _ in operands):
            raise DtypeError("Subtraction, the `-` operator, with two bool tensors is not "
                             "supported. Use the `^` or `logical_xor()` operator instead.")
        raise DtypeError("Subtraction, the `-` operator, with a bool tensor is not "
                         "supported. If you are trying to invert a mask, use the `~` or "
                         "`logical_not()` operator instead.")


def matrix_dtype(a: Optional[str], b: Optional[str]) -> Optional[str]:
    """`a @ b`: torch multiplies matrices of one dtype only (no promotion)."""
    if a is None or b is None:
        return None
    if a != b:
        if is_floating(a) and is_floating(b):
            return None  # another precision: not refused (see the module's docstring)
        raise DtypeError(f"expected m1 and m2 to have the same dtype, but got: "
                         f"{_C_TYPE[a]} != {_C_TYPE[b]}")
    return a


def binary_dtype(op: str, operands: Sequence[Operand]) -> Optional[str]:
    """An arithmetic operator on tensors or a tensor and a number: "add", "sub", "mul",
    "div" (true division), "floor_divide", "remainder", "pow", "and", "or", "xor"."""
    if op == "sub":
        _no_bool_subtraction([o for o in operands if o.dtype is not None])
    dtype = result_type(operands)
    if dtype is None:
        return None
    if op == "div" and not is_floating(dtype):
        return DEFAULT_FLOAT
    return dtype


def inplace_dtype(target: Optional[str], result: Optional[str]) -> Optional[str]:
    """`x += y`: the result is written into `x`, whose dtype stays; torch raises when the
    result's kind does not fit it (floats into integers, numbers into bools)."""
    if target is not None and result is not None and _category(result) > _category(target):
        raise DtypeError(f"result type {_SCALAR[result]} can't be cast to the desired output "
                         f"type {_SCALAR[target]}")
    return target


def negate_dtype(dtype: Optional[str]) -> Optional[str]:
    if dtype == "bool":
        raise DtypeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                         "you are trying to invert a mask, use the `~` or `logical_not()` "
                         "operator instead.")
    return dtype


def invert_dtype(dtype: Optional[str]) -> Optional[str]:
    if is_floating(dtype):
        raise DtypeError("~ (operator.invert) is only implemented on integer and "
                         "Boolean-type tensors")
    return dtype


def _requested(requested: Optional[str], otherwise: Optional[str]) -> Optional[str]:
    if requested is None:
        return otherwise
    return None if requested == UNKNOWN_REQUEST else requested


def _arange(operands: Operands) -> Optional[str]:
    values = [operands.get(name) for name in ("start", "end", "step")]
    numbers = [v for v in values if v is not None]
    if not all(isinstance(v, Operand) and v.kind == "scalar" for v in numbers):
        return None  # a tensor bound, or a value that is not known
    return "int64" if all(v.dtype in ("int64", "bool") for v in numbers) else DEFAULT_FLOAT


def _attention_dtype(operands: Operands) -> Optional[str]:
    """F.scaled_dot_product_attention: the query's dtype. torch wants query, key and value of
    one floating dtype (floats of another precision are not refused here, see the module's
    docstring) and a mask of bool, float32 or the query's dtype."""
    names = ("query", "key", "value")
    q, k, v = dtypes = [_operand_dtype(operands.get(name)) for name in names]
    for name, dtype in zip(names, dtypes):
        if dtype is not None and not is_floating(dtype):
            if None not in dtypes and len(set(dtypes)) > 1:
                raise DtypeError(f"Expected query, key, and value to have the same dtype, but got "
                                 f"query.dtype: {_C_TYPE[q]} key.dtype: {_C_TYPE[k]} and "
                                 f"value.dtype: {_C_TYPE[v]} instead.", name)
            raise DtypeError(f"scaled_dot_product_attention: query, key and value must be "
                             f"floating point, not {_SCALAR[dtype]} ({name})", name)
    mask = _operand_dtype(operands.get("attn_mask"))
    if mask is not None and mask not in ("bool", "float32") and (
            not is_floating(mask) or q is not None and mask != q):
        raise DtypeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, "
                         f"but got attn_mask.dtype: {_C_TYPE[mask]} and  query.dtype: "
                         f"{_C_TYPE[q] if q else 'unknown'} instead.", "attn_mask")
    return q if q is not None and q == k == v else None


_ROUNDING = frozenset({"round", "round_", "floor", "floor_", "ceil", "ceil_", "trunc",
                       "trunc_"})
_INDEXED = frozenset({"gather", "scatter", "scatter_", "index_add", "index_add_"})
_ADDED_PRODUCTS = {"addmm": ("mat1", "mat2"), "baddbmm": ("batch1", "batch2"),
                   "addbmm": ("batch1", "batch2"), "addmv": ("mat", "vec")}
_CONVOLUTIONS = frozenset({"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                           "conv_transpose3d"})
# floating-point math whose CPU kernels refuse integers (meta's take them): the input's dtype
# if floating, else not known
_FLOATING_MATH = frozenset({"group_norm", "rms_norm", "unfold", "fold", "grid_sample",
                            "multi_head_attention_forward"})


def _one_dtype(dtypes: Sequence[Optional[str]], refusal: str) -> Optional[str]:
    """Tensors torch wants of one dtype (no promotion): that dtype; None if one is not known
    or floats of other precisions meet (not refused: see the module's docstring)."""
    if None in dtypes:
        return None
    if len(set(dtypes)) == 1:
        return dtypes[0]
    if all(is_floating(d) for d in dtypes):
        return None
    raise DtypeError(refusal)


def _index_check(op: str, operands: Operands) -> None:
    """An index of int64 or int32 (torch checks it when the index is not empty, which the
    dtypes do not tell: an empty index of another dtype is refused here too)."""
    index = _operand_dtype(operands.get("index"))
    if index is not None and index not in ("int64", "int32"):
        name = op.rstrip("_")
        raise DtypeError(f"{name}{'_' if name == 'index_add' else ''}(): Expected dtype "
                         f"int32/int64 for index" + (f" but got: {_SCALAR[index]}"
                                                     if name == "index_add" else ""), "index")


def _more_op_dtype(op: str, operands: Operands, requested: Optional[str]) -> Any:
    """The ops of issue 21 (rounding, indexing, sorting, the added products, linspace,
    meshgrid, the functional convolutions and the like); ... for another op."""
    first = _operand_dtype(operands.get("input"))
    if op in _ROUNDING:
        if op.startswith("round") and not is_floating(first):
            return None  # integers: their CPU kernel refuses an explicit `decimals`
        return first if first != "bool" else None  # bools: refused on the CPU, not on meta
    if op in _INDEXED:
        _index_check(op, operands)
        other = operands.get("src" if op.startswith("scatter") else "source")
        if isinstance(other, Operand) and other.kind != "scalar" and first is not None \
                and other.dtype is not None:
            refusal = "scatter(): Expected self.dtype to be equal to src.dtype" \
                if op.startswith("scatter") else (f"index_add_(): self ({_SCALAR[first]}) and "
                                                  f"source ({_SCALAR[other.dtype]}) must have "
                                                  f"the same scalar type")
            return _one_dtype([first, other.dtype], refusal)
        return first
    if op in ("topk", "sort", "roll"):
        return None if op == "topk" and first == "bool" else first  # topk: bools on meta only
    if op == "cumsum":
        return _requested(requested, "int64" if first == "bool" or is_integral(first) else first)
    if op in _ADDED_PRODUCTS:
        names = ("input", *_ADDED_PRODUCTS[op])
        dtypes = [_operand_dtype(operands.get(name)) for name in names]
        shown = ", ".join(_SCALAR.get(d or "", str(d)) for d in dtypes)
        return _one_dtype(dtypes, f"{op}: input tensors must have the same dtype, but got "
                                  f"{shown}")
    if op in ("linspace", "logspace"):
        bounds = [operands.get("start"), operands.get("end")]
        if any(isinstance(b, complex) for b in bounds):
            return None  # complex numbers: a complex dtype, not modelled
        return _requested(requested, DEFAULT_FLOAT)
    if op == "meshgrid":
        items = operands.get("tensors")
        dtypes = [getattr(o, "dtype", None) for o in items] if isinstance(items, list) else []
        if not dtypes or None in dtypes:  # an operand whose dtype is not known
            return None
        return _one_dtype(dtypes, "meshgrid expects all tensors to have the same dtype")
    if op in _CONVOLUTIONS:
        weight = _operand_dtype(operands.get("weight"))
        _one_dtype([first, weight], f"expected scalar type {_SCALAR.get(first or '', first)} "
                                    f"but found {_SCALAR.get(weight or '', weight)}")
        bias = _operand_dtype(operands.get("bias"))
        dtypes = [first, weight] + ([bias] if operands.get("bias") is not None else [])
        return _one_dtype(dtypes, f"Input type ({_C_TYPE.get(first or '', first)}) and bias "
                                  f"type ({_C_TYPE.get(bias or '', bias)}) should be the same")
    if op == "one_hot":
        if first is not None and first != "int64":
            raise DtypeError("one_hot is only applicable to index tensor of type LongTensor.",
                             "input")
        return "int64"
    if op == "embedding":
        if first is not None and first not in ("int64", "int32"):
            raise DtypeError(f"Expected tensor for argument #1 'indices' to have one of the "
                             f"following scalar types: Long, Int; but got torch.{first} instead",
                             "input")
        return _operand_dtype(operands.get("weight"))
    if op == "grid_sample":
        grid = _operand_dtype(operands.get("grid"))
        _one_dtype([first, grid], f"expected scalar type {_SCALAR.get(first or '', first)} but "
                                  f"found {_SCALAR.get(grid or '', grid)}")
    if op in _FLOATING_MATH:
        if op == "multi_head_attention_forward":
            first = _operand_dtype(operands.get("query"))
        return first if is_floating(first) else None
    if op in ("pixel_shuffle", "pixel_unshuffle"):
        return first
    return ...


def op_dtype(op: str, operands: Operands, requested: Optional[str] = None) -> Optional[str]:
    """The dtype of the tensor(s) operation `op` (a tensor method's, `torch.`'s or `F.`'s
    name) returns; DtypeError where torch raises for a dtype. `operands` by parameter name;
    `requested`: the dtype the call asks for (`dtype=`, `.to(...)`'s target), None when it
    asks for none, UNKNOWN_REQUEST when it is not known. For a call returning several tensors
    (`max(dim)`), the dtype of the first; see `op_dtypes`."""
    op = _ALIASES.get(op, op)
    first = _operand_dtype(operands.get("input"))
    if op in _CASTS:
        return _CASTS[op]
    if op in ("to", "type"):
        return _requested(requested, first)
    if op == "type_as":
        return _operand_dtype(operands.get("other"))
    if op in _CREATE:
        return _requested(requested, DEFAULT_FLOAT)
    if op == "full":
        fill = operands.get("fill_value")
        return _requested(requested, fill.dtype if isinstance(fill, Operand)
                          and fill.kind == "scalar" else None)
    if op == "arange":
        return _requested(requested, _arange(operands))
    if op in _LIKE:
        return _requested(requested, first)
    if op in _INDICES:
        return "int64"
    if op in ("masked_fill", "masked_fill_"):
        mask = _operand_dtype(operands.get("mask"))
        if mask is not None and mask != "bool":
            raise DtypeError(f"masked_fill_ only supports boolean masks, but got mask with "
                             f"dtype {_C_TYPE[mask]}", "mask")
        return first
    if op == "where":
        condition = _operand_dtype(operands.get("condition"))
        if condition is not None and condition != "bool":
            raise DtypeError(f"where expected condition to be a boolean tensor, but got a "
                             f"tensor with dtype {_SCALAR[condition]}", "condition")
        return result_type([o for o in (operands.get("input"), operands.get("other"))
                            if isinstance(o, Operand)])
    if op in _MATRIX:
        other = operands.get("other", operands.get("mat2", operands.get("weight")))
        return matrix_dtype(first, _operand_dtype(other))
    if op in _ELEMENTWISE:
        tensors = [o for o in operands.values() if isinstance(o, Operand)]
        if op.startswith("sub"):
            _no_bool_subtraction([o for o in tensors if o.dtype is not None])
        dtype = result_type(tensors)
        if op.startswith("div") and operands.get("rounding_mode") is None and \
                dtype is not None and not is_floating(dtype):
            return DEFAULT_FLOAT
        return dtype
    if op in _CONCAT:
        items = operands.get("tensors")
        if not isinstance(items, list) or not items:
            return None
        return result_type([Operand(o.dtype, "tensor") for o in items])
    if op == "sum":
        return _requested(requested, "int64" if first == "bool" or is_integral(first) else first)
    if op == "norm":
        if first is not None and not is_floating(first):
            raise DtypeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                             f"as input. Got {_SCALAR[first]}", "input")
        return _requested(requested, first)
    if op == "mean":
        if requested is None and first is not None and not is_floating(first):
            raise DtypeError(f"mean(): could not infer output dtype. Input dtype must be "
                             f"either a floating point or complex dtype. Got: "
                             f"{_SCALAR[first]}", "input")
        return _requested(requested, first)
    if op in ("softmax", "log_softmax"):
        return _requested(requested, first if is_floating(first) else None)
    if op in _TO_FLOAT:
        return first if is_floating(first) or first is None else DEFAULT_FLOAT
    if op in ("neg", "neg_"):
        return negate_dtype(first)
    if op in _SAME:
        return first
    if op == "layer_norm" and first is not None and not is_floating(first):
        raise DtypeError(_layer_refusal("LayerNorm", Args({}), first, [first]), "input")
    if op == "scaled_dot_product_attention":
        return _attention_dtype(operands)
    found = _more_op_dtype(op, operands, requested)
    if found is not ...:
        return found
    # the rest of torch.nn.functional: floating tensors of one dtype stay so
    dtypes = _tensor_dtypes(operands)
    if dtypes and all(is_floating(d) and d == dtypes[0] for d in dtypes):
        return dtypes[0]
    return None


def op_dtypes(op: str, operands: Operands, count: int,
              requested: Optional[str] = None) -> List[Optional[str]]:
    """The dtypes of the `count` tensors an operation returns (`max(x, dim)`: values and
    int64 indices; `chunk`, `split`: the input's)."""
    dtype = op_dtype(op, operands, requested)
    if op in ("max", "min", "topk", "sort") and count == 2:
        return [dtype, "int64"]
    return [dtype] * count


def pool_indices_dtype() -> str:
    """The indices a max pool built with `return_indices=True` returns."""
    return "int64"
