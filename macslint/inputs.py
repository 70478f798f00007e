"""A model's inputs: what `inputs` declares, in TOML, in a class-line pragma or with
`--inputs`; the one place both forms are parsed.

TOML (wherever `input-size` is accepted)::

    inputs = [[3, 224, 224], { shape = [1024], dtype = "int64" }, { name = "mask", shape = [1024], dtype = "bool" }]
    inputs = [{ shape = [3, 800, 800], list = true }]  # a list of images, one per sample

The compact form (the pragma, the command line, or a TOML string): items separated by `;`,
each `[name:]SHAPE[:dtype]`; a name starts with a letter (or `_`), a shape with a digit
(`3x224x224`), `()` is a 0-d input (a tensor of shape `(batch,)` once batched), and a shape
in brackets (`[3x224x224]`) a list of `batch` tensors of that shape (detection models)::

    # macslint: inputs=idx:1024:int64; mask:1024:bool
    macslint check --inputs '3x224x224; 3x224x224'

Shapes are without the batch dimension. Unnamed inputs are passed to forward() by position,
in order, and come before the named ones, which are passed by keyword. The dtype is float32
unless given (torch's names: float32/float, float16/half, bfloat16, float64/double,
int64/long, int32/int, int16/short, int8, uint8, bool).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from .costmodel.dtypes import canonical_dtype
from .errors import ConfigError
from .units import format_shape, type_name

DEFAULT_DTYPE = "float32"
DTYPE_HINT = ("use one of float32 (float), float16 (half), bfloat16, float64 (double), "
              "int64 (long), int32 (int), int16 (short), int8, uint8, bool")
TOML_HINT = ('use a list like [[3, 224, 224], { shape = [1024], dtype = "int64" }, '
             '{ name = "mask", shape = [1024], dtype = "bool" }] (shapes without the batch '
             'dimension)')
TEXT_HINT = ("write inputs like 3x224x224 or idx:1024:int64; mask:1024:bool (items "
             "[name:]SHAPE[:dtype] separated by ';', shapes without the batch dimension; "
             "[3x224x224] for a list of images)")
_TABLE_KEYS = ("shape", "dtype", "name", "list")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIM_RE = re.compile(r"[0-9]+(?:_[0-9]+)*")


@dataclass(frozen=True)
class InputSpec:
    """One input of a model. `shape` is per sample (no batch) where it is declared, and with
    the batch in a traced model (`ModelTrace.inputs`). `name`: the forward() parameter it is
    passed to by keyword (None: by position; in a traced model, the parameter it was bound to
    where known). `dtype`: a canonical torch dtype name; None for an input given by
    `input-size`, whose dtype macslint does not check."""

    name: Optional[str]
    shape: Tuple[int, ...]
    dtype: Optional[str] = DEFAULT_DTYPE
    # a Python list of `batch` tensors, each of `shape` without the batch (torchvision's
    # detection models take `List[Tensor]` images): `{ shape = [...], list = true }`, `[3x224x224]`
    listed: bool = False

    def describe(self) -> str:
        """`1x1024 int64`, `mask=1x1024 bool`, `[3x224x224] float32` (a list)."""
        shape = format_shape(self.shape)
        text = (f"[{shape}]" if self.listed else shape) + (f" {self.dtype}" if self.dtype else "")
        return text if self.name is None or self.name == "" else f"{self.name}={text}"


def _error(source: str, key: str, value: object, problem: str, fix: str) -> ConfigError:
    # the format of config.value_error (which this module cannot import: config imports it)
    return ConfigError(f"{source}: {key} = {value!r}: {problem}; {fix}")


def declared(settings: Any) -> Tuple[InputSpec, ...]:
    """A model's inputs as its settings give them: `inputs`, or the one input of
    `input-size` (no dtype)."""
    if settings.inputs is not None:
        return tuple(settings.inputs)
    return (InputSpec(None, tuple(settings.input_size), None),)


def describe(inputs: Sequence[InputSpec]) -> str:
    return ", ".join(spec.describe() for spec in inputs)


# --------------------------------------------------------------------------- TOML


def _check_shape(value: object, *, key: str, source: str) -> Tuple[int, ...]:
    fix = "use a list of positive integers like [3, 224, 224] (no batch dimension; [] for 0-d)"
    if not isinstance(value, (list, tuple)):
        raise _error(source, key, value, f"not a list ({type_name(value)})", fix)
    for index, dim in enumerate(value):
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise _error(source, key, value,
                         f"entry {index} ({dim!r}) is {type_name(dim)}, not an integer", fix)
        if dim <= 0:
            raise _error(source, key, value, f"entry {index} ({dim!r}) is not positive", fix)
    return tuple(int(d) for d in value)


def _check_dtype(value: object, *, key: str, source: str) -> str:
    dtype = canonical_dtype(value) if isinstance(value, str) else None
    if dtype is None:
        problem = "not a dtype" if isinstance(value, str) else f"not a string ({type_name(value)})"
        raise _error(source, key, value, problem, DTYPE_HINT)
    return dtype


def _check_name(value: object, *, key: str, source: str) -> str:
    fix = "use the name of a forward() parameter, like \"mask\""
    if not isinstance(value, str):
        raise _error(source, key, value, f"not a string ({type_name(value)})", fix)
    if not _NAME_RE.fullmatch(value):
        raise _error(source, key, value, "not a parameter name", fix)
    return value


def _check_order(specs: Sequence[InputSpec], keys: Sequence[str], value: object, *,
                 source: str) -> None:
    named = None
    seen = set()
    for spec, key in zip(specs, keys):
        if spec.name is None and named is not None:
            raise _error(source, key, value, f"an input without a name after the named input "
                         f"{named!r}", "put the inputs passed by position first")
        if spec.name is not None:
            if spec.name in seen:
                raise _error(source, key, value, f"the name {spec.name!r} is given twice",
                             "name each forward() parameter once")
            named = spec.name
            seen.add(spec.name)


def check_inputs(value: object, *, key: str, source: str) -> Tuple[InputSpec, ...]:
    """The `inputs` key's value: a TOML list of shapes and tables, or a string in the compact
    form (or inputs already parsed). ConfigError naming `source`, the key (`inputs[1].dtype`)
    and what to write."""
    if isinstance(value, str):
        return parse_inputs(value, key=key, source=source)
    if isinstance(value, tuple) and value and all(isinstance(v, InputSpec) for v in value):
        return value
    if not isinstance(value, list):
        raise _error(source, key, value, f"not a list ({type_name(value)})", TOML_HINT)
    if not value:
        raise _error(source, key, value, "empty", TOML_HINT)
    specs, keys = [], []
    for index, item in enumerate(value):
        item_key = f"{key}[{index}]"
        if isinstance(item, (list, tuple)):
            specs.append(InputSpec(None, _check_shape(item, key=item_key, source=source)))
        elif isinstance(item, dict):
            for name in item:
                if name not in _TABLE_KEYS:
                    raise _error(source, f"{item_key}.{name}", item[name],
                                 "unknown key in an input",
                                 "valid keys are: shape, dtype, name, list")
            if "shape" not in item:
                raise _error(source, item_key, item, "no shape",
                             'write it like { shape = [1024], dtype = "int64" }')
            shape = _check_shape(item["shape"], key=f"{item_key}.shape", source=source)
            dtype = _check_dtype(item.get("dtype", DEFAULT_DTYPE), key=f"{item_key}.dtype",
                                 source=source)
            name = _check_name(item["name"], key=f"{item_key}.name", source=source) \
                if "name" in item else None
            listed = item.get("list", False)
            if not isinstance(listed, bool):
                raise _error(source, f"{item_key}.list", listed, f"not a boolean "
                             f"({type_name(listed)})", "write list = true for a list of "
                             "tensors (one per sample), or leave it out")
            specs.append(InputSpec(name, shape, dtype, listed))
        else:
            raise _error(source, item_key, item, f"not a shape or a table ({type_name(item)})",
                         TOML_HINT)
        keys.append(item_key)
    _check_order(specs, keys, value, source=source)
    return tuple(specs)


# --------------------------------------------------------------------------- compact form


def _parse_shape(text: str, *, fail: Any) -> Tuple[int, ...]:
    if text.replace(" ", "") == "()":
        return ()
    if "," in text:
        raise fail("a ',' in a shape", "separate inputs with ';' and dimensions with 'x'")
    dims = []
    for position, part in enumerate(re.split(r"[xX]", text), start=1):
        part = part.strip()
        if not _DIM_RE.fullmatch(part):
            what = "missing" if not part else f"{part!r} is not a positive integer"
            raise fail(f"dimension {position} of shape {text!r} {what}", TEXT_HINT)
        if int(part.replace("_", "")) <= 0:
            raise fail(f"dimension {position} of shape {text!r} is not positive", TEXT_HINT)
        dims.append(int(part.replace("_", "")))
    return tuple(dims)


def parse_inputs(text: object, *, key: str, source: str) -> Tuple[InputSpec, ...]:
    """`"idx:1024:int64; mask:1024:bool"` (the compact form) into InputSpecs; ConfigError
    naming `source`, `key` (`inputs`, `--inputs`), the text and what to write."""
    if not isinstance(text, str):
        raise _error(source, key, text, f"not a string ({type_name(text)})", TEXT_HINT)
    if not text.strip():
        raise _error(source, key, text, "empty", TEXT_HINT)
    specs, keys = [], []
    for number, item in enumerate(text.split(";"), start=1):
        def fail(problem: str, fix: str, item: str = item, number: int = number) -> ConfigError:
            return _error(source, key, text, f"input {number} ({item.strip()!r}): {problem}", fix)

        parts = [p.strip() for p in item.split(":")]
        if not any(parts):
            raise fail("empty", TEXT_HINT)
        name = None
        if parts[0][:1].isalpha() or parts[0][:1] == "_":
            name = parts.pop(0)
            if not _NAME_RE.fullmatch(name):
                raise fail(f"{name!r} is not a parameter name", TEXT_HINT)
            if not parts:
                raise fail("no shape", f"write {name}:SHAPE[:dtype], like {name}:1024:int64")
        text_shape = parts.pop(0)
        listed = text_shape.startswith("[") and text_shape.endswith("]")
        shape = _parse_shape(text_shape[1:-1] if listed else text_shape, fail=fail)
        dtype = DEFAULT_DTYPE
        if parts:
            dtype = canonical_dtype(parts.pop(0)) or ""
            if not dtype:
                raise fail("not a dtype", DTYPE_HINT)
        if parts:
            raise fail("too many ':'", TEXT_HINT)
        specs.append(InputSpec(name, shape, dtype, listed))
        keys.append(key)
    _check_order(specs, keys, text, source=source)
    return tuple(specs)


# --------------------------------------------------------------------------- binding


@dataclass(frozen=True)
class ForwardSignature:
    """forward()'s parameters after `self`, as binding inputs needs them: (name, whether it
    has a default) in order, the first `positional_only` of them positional-only."""

    positional: Tuple[Tuple[str, bool], ...]
    keyword_only: Tuple[Tuple[str, bool], ...] = ()
    positional_only: int = 0
    star: bool = False  # *args
    star_star: bool = False  # **kwargs


def bind_inputs(signature: ForwardSignature, inputs: Sequence[InputSpec]
                ) -> Tuple[Tuple[Optional[str], ...], Optional[str], Tuple[str, ...]]:
    """How `inputs` are passed to forward(), as Python would bind them: the parameter each one
    goes to (None for one that goes to *args or **kwargs), why they cannot be passed (None
    when they can) and the required parameters left without an input."""
    count = sum(1 for spec in inputs if spec.name is None)
    takes = len(signature.positional)
    problem = None
    if count > takes and not signature.star:
        problem = (f"{count} input{'s are' if count != 1 else ' is'} declared by position but "
                   f"forward() takes {takes} after self")
    filled = {signature.positional[i][0] for i in range(min(count, takes))}
    known = {name for name, _ in (*signature.positional[signature.positional_only:],
                                  *signature.keyword_only)}
    every = [name for name, _ in (*signature.positional, *signature.keyword_only)]
    names: list = []
    index = 0
    for spec in inputs:
        if spec.name is None:
            names.append(signature.positional[index][0] if index < takes else None)
            index += 1
            continue
        if problem is not None:
            pass
        elif spec.name in filled:
            problem = (f"forward()'s parameter {spec.name!r} gets an input by position and "
                       f"the input named {spec.name!r}; declare it once")
        elif spec.name not in known and spec.name in every:
            problem = (f"forward()'s parameter {spec.name!r} is positional-only; declare its "
                       f"input without a name, in order")
        elif spec.name not in every and not signature.star_star:
            problem = (f"forward() has no parameter {spec.name!r} for the input named "
                       f"{spec.name!r} (its parameters: {', '.join(every) or 'none'})")
        names.append(spec.name if spec.name in known else None)
        filled.add(spec.name)
    missing = tuple(name for name, default in (*signature.positional, *signature.keyword_only)
                    if not default and name not in filled)
    return tuple(names), problem, missing
