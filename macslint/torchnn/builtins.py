"""Python's builtins and the standard-library helpers model code computes sizes with, for the
model interpreter: `range`, `len`, `min`/`max`, `zip`, `enumerate`, `isinstance`, `super`,
`getattr`, `math.*`, `functools.partial`, `collections.OrderedDict`, `typing.cast`."""

from __future__ import annotations

import copy
import math
import operator
import re
from collections import OrderedDict
from typing import Any, Callable, Dict, List

import libcst as cst

from ..evaluator.operators import MAX_INT_BITS, MAX_SEQUENCE, too_big
from ..evaluator.collection_values import new_collection
from ..evaluator.regex import REGEX_FUNCTIONS, regex_call
from ..evaluator.iterables import ITERTOOLS, abc_instance, itertools_call, plus
from ..evaluator.records import Instance, Record, StdName
from ..evaluator.values import (
    BUILTIN_CLASSES, MISSING, Partial, ProjectModule, PyBuiltin, RaiseSignal, Unknown, UserClass, UserFunction, argument_not_known,
    python_type, what_is,
)
from . import torch_members
from .common import MODULE_MEMBERS, TYPE_PATHS, MissingMember, clone, copy_sequence
from .names import LayerClass, ModuleRef, is_uncatalogued_layer, torch_has
from .values import (
    MODULE_VALUES, BoundMethod, Device, Container, LayerModule, SuperProxy, Tensor, UserModule,
)

MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})
CONTAINER_KINDS = frozenset({"Sequential", "ModuleList", "ModuleDict"})


PLAIN_SCALAR = (int, float, bool, str, type(None))
PLAIN_BUILTINS: Dict[str, Callable[..., Any]] = {
    "range": range, "int": int, "float": float, "bool": bool, "abs": abs, "round": round,
    "divmod": divmod, "pow": pow, "str": str,
    "math.ceil": math.ceil, "math.floor": math.floor, "math.sqrt": math.sqrt,
    "math.gcd": math.gcd, "math.log2": math.log2, "math.log": math.log, "math.exp": math.exp,
    "math.pow": math.pow, "math.isqrt": math.isqrt, "operator.mul": operator.mul,
    "operator.add": operator.add,
}

# The builtins that are operators, checked as the operators are (a power or a repetition
# too large to build would take minutes or gigabytes).
_OPERATORS = {"pow": cst.Power, "operator.mul": cst.Multiply, "operator.add": cst.Add}


_WIDE_FORMAT = re.compile(r"%[-#0 +]*(\*|\d{4,})|\.(\*|\d{4,})")


def percent_format(template: str, values: Any) -> Any:
    """`"layer%d" % i`: names of modules. Widths that could build huge strings are refused."""
    if _WIDE_FORMAT.search(template) or len(template) > 1000:
        return Unknown("`%` formatting with a large width")
    items = values if isinstance(values, tuple) else (values,)
    if not all(isinstance(v, PLAIN_SCALAR) for v in items):
        return Unknown("`%` formatting of values that are not known")
    try:
        return template % values
    except (TypeError, ValueError, KeyError, OverflowError) as exc:  # `"%d" % float("inf")`
        return Unknown(f"`%` formatting raises {type(exc).__name__}")


def _orderable(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_orderable(v) for v in value)
    return isinstance(value, PLAIN_SCALAR)


# torch names macslint knows exist (torch >= 2.0) besides its catalogue and op registries
def flat_items(values: Any) -> List[Any]:
    """The items of nested lists, in order (a number is one item)."""
    if not isinstance(values, list):
        return [values]
    return [item for value in values for item in flat_items(value)]


_PYTHON_CLASSES = (bool, int, float, str, list, tuple, dict)
_RNN_WEIGHT = re.compile(r"(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?$")  # named at run time
# values macslint knows to be objects that are neither classes nor functools.partial objects
_KNOWN_OBJECTS = (UserFunction, Instance, UserModule, LayerModule, Container, Tensor, type(None),
                  *_PYTHON_CLASSES)


def copy_of(value: Any, deep: bool) -> Any:
    """`copy.copy(value)`, `copy.deepcopy(value)`: a config object (efficientnet's
    `copy.copy(cnf)` before changing a block's channels), lists, dicts; deep: modules too,
    each copy with parameters of its own (torchnn.transformer.clone)."""
    if deep:
        memo: Dict[int, Any] = {}

        def deep_copy(item: Any, memo: Dict[int, Any]) -> Any:
            if isinstance(item, Record):
                if id(item) not in memo:
                    memo[id(item)] = item.copied(lambda v: deep_copy(v, memo), memo)
                return memo[id(item)]
            if isinstance(item, (list, dict, tuple)):
                return copy_sequence(item, memo, deep_copy)
            return clone(item, memo)

        return deep_copy(value, memo)
    if isinstance(value, Instance):
        made = copy.copy(value)
        made.attrs = dict(value.attrs)
        return made
    if isinstance(value, (list, dict)):
        return type(value)(value) if not isinstance(value, OrderedDict) else OrderedDict(value)
    if isinstance(value, (UserModule, LayerModule, Container, Tensor, Record)):
        return Unknown(f"copy.copy() of {what_is(value)} is not modelled (its copy shares "
                       f"what torch shares)")
    return value  # numbers, strings, tuples, None: Python returns the value itself


def type_of(value: Any) -> Any:
    """`type(value)`: the file's class of a module or config object, a builtin class of a
    Python value; Unknown for others (a tensor's, a layer's: torch's classes)."""
    if isinstance(value, (UserModule, Instance)):
        return value.cls
    if isinstance(value, LayerModule):
        if value.spec is not None and value.kind == value.spec.name:
            return LayerClass(value.spec)
        return ModuleRef(TYPE_PATHS.get(value.kind, f"torch.nn.{value.kind}"))
    if isinstance(value, Container):
        return ModuleRef(f"torch.nn.{value.kind}")
    if value is not None and type(value) in _PYTHON_CLASSES:
        return PyBuiltin(type(value).__name__)
    return value if isinstance(value, Unknown) else Unknown(
        f"the type of {what_is(value)} is not modelled")


class BuiltinCalls:
    """Calls of builtins, mixed into the model interpreter (which provides `iterate`, `note`,
    `attribute`, `module_attribute`, `set_attribute`, `unknown_call`, `mro` and `frames`)."""

    def call_builtin(self, node: cst.Call, name: str, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
        args = positional
        unknown = next((v for v in (*args, *keywords.values()) if isinstance(v, Unknown)), None)
        if name == "super":
            return self.super_proxy(node, args)
        if name in ("torch.Tensor.item", "torch.Tensor.tolist") and len(args) == 1 \
                and not keywords:  # of a tensor of known items (tensors.ValuedTensor)
            values, shape = args[0].values, args[0].shape
            if isinstance(values, Unknown):  # the count is known: a list of unknown items
                if math.prod(shape) > MAX_SEQUENCE:
                    return Unknown(values.reason)
                for size in reversed(shape):
                    values = [copy.copy(values) for _ in range(size)]
            if name.endswith("tolist"):
                return copy.deepcopy(values)
            items = flat_items(values)
            if len(items) != 1:
                raise RaiseSignal(f"{self.where(node)} raises: a Tensor with {len(items)} "
                                  f"elements cannot be converted to Scalar")
            return items[0]
        if name == "print":
            return None
        if name == "typing.cast" and len(args) == 2:
            return args[1]  # a type checker's hint, the value itself at run time
        if name.startswith("itertools.") and name[len("itertools."):] in ITERTOOLS:
            return itertools_call(name[len("itertools."):], args, keywords, self.iterate, plus)
        if name in ("copy.copy", "copy.deepcopy") and len(args) == 1 and not keywords:
            return copy_of(args[0], deep=name == "copy.deepcopy")
        if name == "isinstance" and len(args) == 2:
            return self.isinstance_of(args[0], args[1])
        if name == "type" and len(args) == 1 and not keywords:
            return type_of(args[0])
        if name == "issubclass" and len(args) == 2:
            return self.subclass_of(args[0], args[1])
        if name == "getattr" and len(args) in (2, 3) and isinstance(args[1], str):
            fake = cst.Attribute(value=cst.Name("_"), attr=cst.Name(args[1]))
            value = self.attribute(fake, args[0]) if not isinstance(args[0], UserModule) else \
                self.module_attribute(args[0], args[1])
            if len(args) == 3 and isinstance(value, MissingMember) and not args[0].opaque:
                return args[2]  # `getattr(self, "name", default)`
            return value
        if name == "setattr" and len(args) == 3 and isinstance(args[1], str):
            self.set_attribute(args[0], args[1], args[2], node)
            return None
        if name == "hasattr" and len(args) == 2 and isinstance(args[1], str):
            if isinstance(args[0], ModuleRef):  # `hasattr(F, "scaled_dot_product_attention")`
                return torch_has(args[0].path, args[1])
            if isinstance(args[0], UserModule):
                value = self.module_attribute(args[0], args[1])
                if isinstance(value, MissingMember):
                    return Unknown(value.reason) if args[0].opaque else False
                return not (isinstance(value, BoundMethod) and value.function is None)
            if isinstance(args[0], Container) or isinstance(args[0], LayerModule) \
                    and args[0].spec is not None:
                return self.torch_module_has(args[0], args[1])
            if isinstance(args[0], ProjectModule):  # its names: what its code bound
                found = args[0].loaded.names().get(args[1], MISSING)
                return found if isinstance(found, Unknown) else found is not MISSING
            if isinstance(args[0], Unknown):
                return Unknown(argument_not_known("hasattr", args[0]))
            return Unknown(f"hasattr() of {what_is(args[0])} is not modelled")
        if name == "str" and len(args) == 1 and not keywords and isinstance(args[0], Device):
            return args[0].type  # `str(x.device)`
        if name == "len" and len(args) == 1:
            value = args[0]
            if isinstance(value, Container):
                return len(value.children)
            if isinstance(value, Tensor):
                return value.shape[0] if value.shape else Unknown("len() of a 0-d tensor")
            if isinstance(value, (list, tuple, str, dict, range)):
                return len(value)
            if isinstance(value, (int, float, type(None), BoundMethod, LayerModule)):
                raise RaiseSignal(f"{self.where(node)} raises TypeError: object of type "
                                  f"'{python_type(value)}' has no len()")
            return unknown or Unknown(f"len() of {what_is(value)} is not modelled")
        if name in ("map", "filter"):
            return self.apply_each(node, name, args, keywords)
        if name in ("list", "tuple", "sorted", "reversed", "enumerate", "zip", "all", "any",
                    "sum", "min", "max", "dict", "collections.OrderedDict", "math.prod"):
            return self.iterable_builtin(node, name, args, keywords)
        if unknown is not None:
            return Unknown(unknown.reason)
        if name in ("collections.defaultdict", "collections.deque"):
            made = new_collection(name, args, keywords, self.iterate)
            if made is not NotImplemented:
                return made
        if name.startswith("re.") and name[3:] in REGEX_FUNCTIONS:
            return regex_call(name[3:], args, keywords)
        function = PLAIN_BUILTINS.get(name)
        if function is not None and not keywords:
            if not all(isinstance(v, PLAIN_SCALAR) for v in args):
                return Unknown(f"{name}() of values that are not plain numbers")
            operation = _OPERATORS.get(name)
            if operation is not None and len(args) == 2 and too_big(operation, *args):
                return Unknown("a value too large to evaluate")
            try:
                if name == "range" and len(range(*args)) > MAX_SEQUENCE:
                    return Unknown("a range too long to evaluate")
                result = function(*args)
            except (ArithmeticError, TypeError, ValueError) as exc:
                if name == "range" and isinstance(exc, OverflowError):  # past sys.maxsize
                    return Unknown("a range too long to evaluate")
                return Unknown(f"{name}() raises {type(exc).__name__}")
            if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
                return Unknown("a value too large to evaluate")
            return result
        if name == "functools.partial" and args:
            return Partial(args[0], list(args[1:]), dict(keywords))
        return self.unknown_call(node, Unknown(f"{name}() is not modelled"), args)

    def iterable_builtin(self, node: cst.Call, name: str, args: List[Any],
                         keywords: Dict[str, Any]) -> Any:
        if name in ("dict", "collections.OrderedDict"):
            make = OrderedDict if name != "dict" else dict
            result = make()
            if args:
                if isinstance(args[0], dict):
                    result.update(args[0])
                else:
                    items = self.iterate(args[0])
                    if isinstance(items, Unknown):
                        return items
                    for item in items:
                        if not (isinstance(item, (tuple, list)) and len(item) == 2):
                            return Unknown(f"{name}() of items that are not pairs")
                        result[item[0]] = item[1]
            result.update(keywords)
            return result
        allowed = {"enumerate": {"start"}, "zip": {"strict"}, "sorted": {"key", "reverse"},
                   "min": {"key", "default"}, "max": {"key", "default"}}.get(name, set())
        if set(keywords) - allowed:  # key=, reverse=, default=, ...: not modelled, not ignored
            return Unknown(f"{name}() with keyword arguments is not modelled")
        if name in ("min", "max") and len(args) > 1:
            values = args
        elif name == "sum" and len(args) == 2 and type(args[1]) in (list, tuple):
            items = self.iterate(args[0])  # `sum(lists, [])`: the lists joined (timm's rexnet)
            if isinstance(items, Unknown):
                return items
            if not all(type(i) is type(args[1]) for i in items):
                return Unknown("sum() of sequences of different kinds (Python raises TypeError)")
            joined = list(args[1]) + [v for i in items for v in i]
            return joined if type(args[1]) is list else tuple(joined)
        else:
            if len(args) != 1 and name != "zip" and not (name == "enumerate" and len(args) == 2):
                return Unknown(f"{name}() with these arguments is not modelled")
            lists = [self.iterate(a) for a in (args[:1] if name == "enumerate" else args)]
            bad = next((v for v in lists if isinstance(v, Unknown)), None)
            if bad is not None:
                return bad
            if name == "zip":
                return [tuple(t) for t in zip(*lists)]
            if name == "enumerate":
                start = keywords.get("start", args[1] if len(args) > 1 else 0)
                return [(i, v) for i, v in enumerate(lists[0], start)] if isinstance(start, int) \
                    else Unknown("enumerate() with an unknown start")
            values = lists[0]
        if name == "list":
            return list(values)
        if name == "tuple":
            return tuple(values)
        if name == "reversed":
            return list(reversed(values))
        if keywords:  # sorted(), min(), max() with key=, reverse=, default=
            return self.keyed(node, name, values, keywords)
        if not all(isinstance(v, PLAIN_SCALAR) for v in values):
            return Unknown(f"{name}() of values that are not plain numbers")
        try:
            if name == "sorted":
                return sorted(values)
            return {"all": all, "any": any, "sum": sum, "min": min, "max": max,
                    "math.prod": math.prod}[name](values)
        except (TypeError, ValueError) as exc:
            return Unknown(f"{name}() raises {type(exc).__name__}")

    def call_item(self, node: cst.Call, function: Any, args: List[Any]) -> Any:
        """`function(*args)` for a builtin that calls it (`map`, `sorted(key=...)`): the
        ordinary call path, one step of the budget each."""
        self.tick()
        return self.call(node, function, args, {})

    def apply_each(self, node: cst.Call, name: str, args: List[Any],
                   keywords: Dict[str, Any]) -> Any:
        """`map(f, *iterables)` (a list: what iterating it gives), `filter(f, xs)`,
        `filter(None, xs)`."""
        if keywords or len(args) < 2 or (name == "filter" and len(args) != 2):
            return Unknown(f"{name}() with these arguments is not modelled")
        function = args[0]
        if isinstance(function, Unknown):
            return Unknown(f"the function given to {name}() is not known: {function.reason}")
        lists = [self.iterate(a) for a in args[1:]]
        bad = next((v for v in lists if isinstance(v, Unknown)), None)
        if bad is not None:
            return Unknown(bad.reason)
        if name == "map":
            return [self.call_item(node, function, list(items)) for items in zip(*lists)]
        kept = []
        for item in lists[0]:
            truth = self.truth(item if function is None else self.call_item(node, function, [item]))
            if isinstance(truth, Unknown):
                return Unknown(f"filter() of an item whose truth is not known: {truth.reason}")
            if truth:
                kept.append(item)
        return kept

    def keyed(self, node: cst.Call, name: str, values: List[Any], keywords: Dict[str, Any]) -> Any:
        """`sorted(xs, key=f, reverse=r)`, `max(xs, key=f, default=d)`: f called on each item,
        the items ordered by its results as Python does (stable; the first of equal ones)."""
        key, reverse = keywords.get("key"), keywords.get("reverse", False)
        for value in (key, reverse):
            if isinstance(value, Unknown):
                return Unknown(f"an argument of {name}() is not known: {value.reason}")
        if not isinstance(reverse, (bool, int)):
            return Unknown(f"{name}() with a reverse= that is not a bool")
        keys = list(values) if key is None else [self.call_item(node, key, [v]) for v in values]
        if not all(_orderable(k) for k in keys):
            return Unknown(f"{name}() by keys that are not plain values")
        order = range(len(values))
        try:
            if name == "sorted":
                return [values[i] for i in sorted(order, key=keys.__getitem__, reverse=bool(reverse))]
            if not values and "default" in keywords:
                return keywords["default"]
            return values[(max if name == "max" else min)(order, key=keys.__getitem__)]
        except (TypeError, ValueError) as exc:
            return Unknown(f"{name}() raises {type(exc).__name__}")

    def passes_rounded(self, callee: Any) -> bool:
        if isinstance(callee, BoundMethod) and callee.function is not None:
            return True  # a method of the file's classes
        return super().passes_rounded(callee)  # type: ignore[misc]

    def callable_value(self, value: Any) -> Any:
        if isinstance(value, (LayerClass, BoundMethod, *MODULE_VALUES)):
            return True  # a torch.nn class, a module (its __call__), a method
        if isinstance(value, Tensor):
            return False
        return super().callable_value(value)  # type: ignore[misc]

    def super_proxy(self, node: cst.Call, args: List[Any]) -> Any:
        if len(args) == 2 and isinstance(args[0], UserClass):
            return SuperProxy(args[0], args[1])
        if not args and self.frames:
            function, instance = self.frames[-1]
            if id(function) not in self.owner and self.loader is not None \
                    and len(list(self.loader.modules())) != self.owners_from:
                self.register_owners()  # a file loaded since (not for a plain function)
            cls = self.owner.get(id(function))
            if cls is not None:
                return SuperProxy(cls, instance)
        return Unknown("super() outside a method of this file")

    def subclass_of(self, cls: Any, kind: Any) -> Any:
        """`issubclass(cls, kind)` for the classes macslint knows: the file's classes, torch's
        layers and bases; Unknown where torch's own hierarchy would decide (ReLU6 is a
        Hardtanh)."""
        if isinstance(kind, tuple):
            answers = [self.subclass_of(cls, k) for k in kind]
            if any(a is True for a in answers):
                return True
            return False if all(a is False for a in answers) else Unknown("issubclass() unknown")
        if isinstance(cls, Unknown):
            return cls
        if isinstance(kind, ModuleRef) and kind.path in MODULE_BASES:
            if isinstance(cls, LayerClass):
                return True
            if isinstance(cls, UserClass):
                return self.module_kind(cls) is not None or Unknown(
                    f"issubclass() of {cls.name}, whose bases macslint does not all know")
        if isinstance(cls, UserClass):
            if isinstance(kind, UserClass):
                mro = self.class_mro(cls)
                # a library's class (torch's, a builtin) is no subclass of the project's
                return kind in mro or (Unknown(
                    f"issubclass() of {cls.name}, whose bases macslint does not all know")
                    if any(isinstance(b, Unknown) for c in mro for b in c.bases) else False)
            if isinstance(kind, LayerClass):
                bases = [b for c in self.class_mro(cls) for b in c.bases]
                if any(isinstance(b, LayerClass) and b.spec == kind.spec for b in bases):
                    return True
        if isinstance(cls, LayerClass):
            if isinstance(kind, LayerClass) and kind.spec == cls.spec:
                return True
            if isinstance(kind, UserClass):
                return False  # a class of torch's is no subclass of the project's
        return Unknown("issubclass() of classes whose relation torch's hierarchy decides")

    def torch_module_has(self, module: Any, name: str) -> Any:
        """`hasattr(m, name)` of a torch.nn container or catalogued layer: True for its
        children, the attributes macslint knows it has and what every nn.Module has; False for
        a name no torch.nn module has (torch_members: timm's `hasattr(m, 'init_weights')`)."""
        if isinstance(module, Container):
            if name in module.children:
                return True
        else:
            value = self.layer_attribute(module, name)
            if value is not MISSING and not isinstance(value, Unknown):
                return True
        if name in MODULE_MEMBERS:
            return True
        if name not in torch_members.MEMBERS and not _RNN_WEIGHT.match(name):
            return False
        return Unknown(f"whether torch's {module.kind} has `{name}` is not modelled")

    def abc_of_instance(self, kind: str, value: Instance) -> Any:
        """`isinstance(cfg, Sequence)` of an instance of a class of the project with no
        other bases (a dataclass config): the ABCs Python checks by method (Iterable: __iter__,
        Callable: __call__) by its methods; the others (Sequence, Mapping) need a base it does
        not have. None where a base is a library's."""
        mro = self.class_mro(value.cls)
        if any(not isinstance(b, UserClass) and b != PyBuiltin("object")
               for c in mro for b in c.bases):
            return None
        method = {"Iterable": "__iter__", "Callable": "__call__"}.get(kind)
        return method is not None and any(method in c.body.values for c in mro)

    def isinstance_of(self, value: Any, kind: Any) -> Any:
        if isinstance(kind, tuple):
            answers = [self.isinstance_of(value, k) for k in kind]
            if any(a is True for a in answers):
                return True
            return False if all(a is False for a in answers) else Unknown("isinstance() unknown")
        if isinstance(value, Unknown):
            return value
        if isinstance(kind, LayerClass):  # a Transformer's: the module of its parts
            return isinstance(value, LayerModule) and value.spec == kind.spec or \
                isinstance(value, UserModule) and value.composite == kind.spec.name
        if isinstance(kind, UserClass):
            if isinstance(value, Instance):  # a config object, an enum member
                return kind in self.class_mro(value.cls)
            return isinstance(value, UserModule) and kind in self.class_mro(value.cls)
        if isinstance(kind, PyBuiltin) and kind.name.startswith("collections.abc."):
            answer = abc_instance(kind.name.rsplit(".", 1)[-1], value)
            if answer is None and isinstance(value, (Tensor, Container)):
                answer = kind.name.endswith("Iterable")  # tensors and containers iterate
            if answer is None and isinstance(value, Instance):
                answer = self.abc_of_instance(kind.name.rsplit(".", 1)[-1], value)
            if answer is None and (isinstance(value, LayerClass) or isinstance(value, UserClass)
                                   and (value.meta.get("enum") or self.module_kind(value)
                                        or value.meta.get("plain", "") is None)):  # type's
                answer = kind.name.endswith("Callable") or kind.name.endswith("Iterable") and \
                    isinstance(value, UserClass) and bool(value.meta.get("enum"))  # (EnumMeta)
            if answer is None and isinstance(value, (LayerModule, UserModule)):
                answer = kind.name.endswith("Callable") or (
                    isinstance(value, UserModule) and value.container is not None
                    and kind.name.endswith("Iterable"))
            return answer if answer is not None else Unknown(
                f"isinstance() of {what_is(value)} against {kind.name}")
        if isinstance(kind, PyBuiltin) and kind.name.startswith("numbers."):  # the numeric tower
            tower = {"Integral": (int,), "Rational": (int,), "Real": (int, float),
                     "Complex": (int, float, complex), "Number": (int, float, complex)}
            if isinstance(value, (*_PYTHON_CLASSES, complex, type(None), Tensor, Instance,
                                  UserModule, LayerModule, Container, UserFunction)):
                return isinstance(value, tower[kind.name.split(".")[1]])  # (a bool is an int)
            return Unknown(f"isinstance() of {what_is(value)} against {kind.name}")
        if isinstance(kind, PyBuiltin) and kind.name == "functools.partial":
            # partial objects are made by functools.partial only, which gives a Partial (or
            # an Unknown, answered above): no other value is one
            return isinstance(value, Partial)
        if isinstance(kind, PyBuiltin) and kind.name == "type":  # is it a class?
            if isinstance(value, (UserClass, LayerClass)) or isinstance(value, PyBuiltin) \
                    and value.name in (*BUILTIN_CLASSES, "type", "object"):
                return True
            if isinstance(value, _KNOWN_OBJECTS) or isinstance(value, PyBuiltin):
                return False
            return Unknown(f"isinstance() of {what_is(value)} against type")
        if isinstance(kind, StdName) and kind.path == "types.FunctionType":
            if isinstance(value, UserFunction):
                return True
            if value is None or isinstance(value, (UserModule, Instance, Container, LayerModule,
                                                   Tensor, UserClass, LayerClass, Partial,
                                                   PyBuiltin, *_PYTHON_CLASSES)):
                return False  # torchvision's _log_api_usage_once(self); builtins are not
            return Unknown(f"isinstance() of {what_is(value)} against types.FunctionType")
        if isinstance(kind, ModuleRef):
            if kind.path in MODULE_BASES:
                return isinstance(value, MODULE_VALUES)
            if kind.path in ("torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter"):
                if isinstance(value, Tensor):
                    return value.param if kind.path != "torch.Tensor" else True
                if isinstance(value, (int, float, complex, str, bytes, list, tuple, dict, type(None))) \
                        or isinstance(value, MODULE_VALUES):
                    return False
                return Unknown(f"isinstance() of {what_is(value)} against {kind.path}")
            name = kind.path.rsplit(".", 1)[-1]
            if name in CONTAINER_KINDS:
                return isinstance(value, Container) and value.kind == name
            if is_uncatalogued_layer(kind):
                return isinstance(value, LayerModule) and value.kind == name
            if name in ("TransformerEncoder", "TransformerDecoder"):
                return isinstance(value, UserModule) and value.composite == name
        if isinstance(kind, PyBuiltin) and kind.name in ("int", "float", "str", "bool", "list",
                                                         "tuple", "dict"):
            python_type = {"int": int, "float": float, "str": str, "bool": bool, "list": list,
                           "tuple": tuple, "dict": dict}[kind.name]
            return isinstance(value, python_type) and not (python_type is int and isinstance(value, bool))
        if isinstance(kind, Unknown):
            return Unknown(f"isinstance() against a type that is not known: {kind.reason}")
        return Unknown("isinstance() against a type macslint does not model")
