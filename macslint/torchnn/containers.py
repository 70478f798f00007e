"""nn.Sequential / ModuleList / ModuleDict, and the lists and dicts model code builds
them from: their methods, changes in place, and forgetting what a call may have changed."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Optional, Tuple

import libcst as cst

from ..costmodel import TENSOR_METHODS
from ..evaluator.collection_values import Deque, deque_method
from ..evaluator.operators import MAX_SEQUENCE
from ..evaluator.records import Instance
from ..evaluator.scope import Scope
from ..evaluator.values import (
    RaiseSignal, Unknown, argument_not_known, python_type, what_is,
)
from .builtins import PLAIN_SCALAR
from ..costmodel.dtypes import is_floating
from .calls import TENSOR_FILLS
from .training import PARAMETER_METHODS
from .common import (
    END, FLOAT_FUNCTIONAL, FUNCTIONAL_METHODS, MISSING, NESTED, NO_EFFECT_MODULE_METHODS,
)
from .quantization import float_functional_call
from .valued import changed_in_place
from .values import (
    MODULE_VALUES, BoundMethod, Container, LayerModule, SuperProxy, Tensor, Untraced, UserModule,
    set_training,
)


# The methods of nn.Sequential / ModuleList / ModuleDict a subclass calls on itself.
CONTAINER_METHODS = frozenset({
    "append", "extend", "insert", "update", "keys", "values", "items", "__len__",
})


# nn.Module's walks of its tree (torch's names, order and de-duplication) and `apply`.
MEMBER_METHODS = frozenset({
    "parameters", "named_parameters", "buffers", "named_buffers", "modules", "named_modules",
    "children", "named_children", "apply",
})
# each one's parameters after `self`, with their defaults, in torch's order
_MEMBER_SIGNATURES: Dict[str, Tuple[Tuple[str, Any], ...]] = {
    "parameters": (("recurse", True),), "buffers": (("recurse", True),),
    "named_parameters": (("prefix", ""), ("recurse", True), ("remove_duplicate", True)),
    "named_buffers": (("prefix", ""), ("recurse", True), ("remove_duplicate", True)),
    "named_modules": (("memo", None), ("prefix", ""), ("remove_duplicate", True)),
    "modules": (), "children": (), "named_children": (), "apply": (("fn", MISSING),),
}


# Methods of str that only read it (`pn.endswith('c_proj.weight')` of a parameter's name).
STR_METHODS = frozenset({
    "endswith", "startswith", "split", "rsplit", "replace", "lower", "upper", "strip", "lstrip",
    "rstrip", "count", "find", "rfind", "partition", "rpartition", "isdigit", "isalpha", "join",
})
_MAX_TEXT = 100_000


def str_method(text: str, name: str, args: List[Any], keywords: Dict[str, Any]) -> Any:
    """Python's `text.name(*args)` where every argument is a str, an int, None or a tuple of
    str (and `join`'s a list or tuple of str), and the result is not too long to hold."""
    def plain(value: Any) -> bool:
        return value is None or isinstance(value, (str, int)) and not isinstance(value, bool) or (
            isinstance(value, tuple) and all(isinstance(v, str) for v in value))

    values = [*args, *keywords.values()]
    unknown = next((v for v in values if isinstance(v, Unknown)), None)
    if unknown is not None:  # the cause, not the method
        return Unknown(argument_not_known(f"str.{name}", unknown))
    if name == "join" and len(args) == 1 and not keywords and isinstance(args[0], (list, tuple)) \
            and all(isinstance(v, str) for v in args[0]):
        size = sum(map(len, args[0])) + len(text) * len(args[0])
    elif name != "join" and all(map(plain, values)):
        size = len(text) * (1 + sum(len(v) for v in values if isinstance(v, str)))
    else:
        return Unknown(f"`str.{name}()` of these arguments is not modelled")
    if size > _MAX_TEXT:
        return Unknown(f"`str.{name}()` of a text this long is not modelled")
    try:
        result = getattr(text, name)(*args, **keywords)
    except (TypeError, ValueError) as exc:
        raise RaiseSignal(f"`str.{name}()` raises: {exc}")
    return list(result) if isinstance(result, list) else result


def container_kind(container: Any) -> str:
    """"Sequential", "ModuleList" or "ModuleDict" of a Container or of an instance of the
    file's subclass of one."""
    return container.kind if isinstance(container, Container) else container.container


class ContainerCalls:
    """Part of ModelInterpreter (torchnn.tracer): methods of containers, modules, lists and
    dicts, and forgetting what a call not followed may have changed."""

    # -- containers and modules -------------------------------------------------
    def extend_container(self, node: cst.CSTNode, container: Container, modules: Any) -> None:
        items = self.iterate(modules)
        if isinstance(items, Unknown):
            self.note(f"the modules of {self.where(node)} are not known: {items.reason}")
            return
        for module in items:
            self.append_module(node, container, module)

    def append_module(self, node: cst.CSTNode, container: Container, module: Any) -> None:
        self.check_module(node, module)
        container.children[str(len(container.children))] = module

    def check_module(self, node: cst.CSTNode, value: Any, none: bool = False) -> None:
        """A value going into a container that is not a module macslint knows (None too,
        where torch takes it) stays there, so that the indices and names of the others hold;
        the model's count is incomplete, and running it gives an untraced value. A value that
        is certainly no module (an int, a config object) torch refuses: it raises."""
        if not (isinstance(value, MODULE_VALUES) or (none and value is None)):
            self.refuse_module(node, value)
            self.note(f"{self.where(node)} adds a value that is not a known module: "
                      f"{value.reason if isinstance(value, Unknown) else 'None'}")

    def refuse_module(self, node: cst.CSTNode, value: Any) -> None:
        """torch's add_module refuses what is not a module (None aside): TypeError."""
        if value is not None and not isinstance(value, (Unknown, *MODULE_VALUES)):
            what = f"{what_is(value)} where an nn.Module is expected"  # a class: not an instance
            raise RaiseSignal(f"{self.where(node)} raises TypeError: " + (
                f"{python_type(value)} is not a Module subclass ({what})"
                if python_type(value) != "type" else what))

    def update_container(self, node: cst.CSTNode, container: Container, modules: Any) -> None:
        if isinstance(modules, dict):
            items = list(modules.items())
        else:
            items = self.iterate(modules)
            if isinstance(items, Unknown):
                self.note(f"the modules of {self.where(node)} are not known: {items.reason}")
                return
        for item in items:
            if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)):
                self.note(f"an entry of {self.where(node)} is not a (name, module) pair")
                continue
            if not isinstance(item[1], MODULE_VALUES):
                self.refuse_module(node, item[1])
                self.note(f"the entry '{item[0]}' of {self.where(node)} is not a known module: "
                          f"{item[1].reason if isinstance(item[1], Unknown) else 'None'}")
                continue
            container.children[item[0]] = item[1]

    def index_name(self, container: Container, index: int) -> Optional[str]:
        names = list(container.children.keys())
        if -len(names) <= index < len(names):
            return names[index]
        return None

    def call_method(self, node: cst.Call, method: BoundMethod, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        receiver, name = method.receiver, method.name
        if method.function is not None:
            return self.call_function(method.function, [receiver, *positional], keywords)
        if name in ("eval", "train") and isinstance(receiver, (UserModule, LayerModule, Container)):
            return self.module_mode(node, receiver, name, positional, keywords)
        if isinstance(receiver, Tensor) and name == "requires_grad_" or name in PARAMETER_METHODS \
                and isinstance(receiver, (LayerModule, Container)) or name in PARAMETER_METHODS \
                and isinstance(receiver, UserModule) and self.find_method(receiver.cls, name) is None:
            return self.parameter_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, Tensor):
            if name in ("is_floating_point", "is_complex") and not positional and not keywords:
                if receiver.dtype is None:
                    return Unknown(f"`{self.code(node)}`: the tensor's dtype is not known")
                return is_floating(receiver.dtype) if name == "is_floating_point" else False
            if name in TENSOR_FILLS:
                changed_in_place(receiver, self.line_of(node))
                return receiver
            spec = TENSOR_METHODS.get(name)
            if spec is None:
                self.note(f"the tensor method {self.where(node)} is not modelled")
                return Untraced(f"the result of `.{name}()` is not known")
            return self.run_op(node, spec, f"x.{name}", [receiver, *positional], keywords)
        if isinstance(receiver, SuperProxy):
            instance = receiver.instance
            if name == "__init__" and isinstance(instance, Instance):
                return self.super_record_init(node, receiver.cls, instance, positional,
                                              keywords)
            if name == "__init__":
                if isinstance(instance, UserModule) and self.module_kind(receiver.cls) not in (
                        None, "module"):
                    self.torch_init(node, instance, positional, keywords)
                return None
            if name in ("eval", "train") and isinstance(instance, UserModule):
                return self.module_mode(node, instance, name, positional, keywords)
            if name == "forward" and isinstance(instance, UserModule) and (
                    instance.layer is not None or instance.composite is not None):
                return self.apply_part(node, instance, positional, keywords)
            if isinstance(instance, UserModule) and instance.container is not None and \
                    name in CONTAINER_METHODS:
                return self.container_method(node, instance, name, positional, keywords)
            return self.unknown_call(node, Unknown(f"super().{name} is not modelled"), positional)
        if isinstance(receiver, UserModule):
            return self.module_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, LayerModule) and receiver.kind == FLOAT_FUNCTIONAL \
                and name in FUNCTIONAL_METHODS:
            return float_functional_call(self, node, name, positional, keywords)
        if isinstance(receiver, LayerModule):
            if name == "forward":
                return self.apply_module(node, receiver, positional, keywords)
            if name in MEMBER_METHODS:
                return self.members(node, receiver, name, positional, keywords)
            return receiver  # .to(), .eval(), .float(): the same module
        if isinstance(receiver, Container):
            return self.container_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, str):
            return str_method(receiver, name, positional, keywords)
        if isinstance(receiver, list):
            return self.list_method(node, receiver, name, positional, keywords)
        if isinstance(receiver, dict):
            return self.dict_method(node, receiver, name, positional, keywords)
        return self.unknown_call(node, Unknown(f"`.{name}()` is not modelled"), positional)

    def module_mode(self, node: cst.Call, module: Any, name: str, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        """torch's `module.eval()` / `module.train(mode=True)`: `training` set on the module
        and every submodule (unknown under a condition not known); the module back."""
        mode = False if name == "eval" else positional[0] if positional else \
            keywords.get("mode", True)
        if name == "eval" and (positional or keywords) or len(positional) > 1 \
                or set(keywords) - {"mode"} or not isinstance(mode, (bool, Unknown)):
            return self.unknown_call(node, Unknown(f"`{self.code(node)}` is not modelled"),
                                     [module, *positional])
        if self.forks and not isinstance(mode, Unknown):
            mode = Unknown(f"`{self.code(node)}` ({self.place(node)}) runs under a condition "
                           f"that is not known")
        set_training(module, mode)
        return module

    def module_method(self, node: cst.Call, module: UserModule, name: str,
                      positional: List[Any], keywords: Dict[str, Any]) -> Any:
        args = [*positional, *keywords.values()]
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            self.set_attribute(module, args[0], args[1], node)
            return None
        if name == "register_parameter" and len(args) == 2 and isinstance(args[0], str):
            if isinstance(args[1], Tensor) and not args[1].param:
                raise RaiseSignal(f"{self.where(node)} raises TypeError: cannot assign a tensor "
                                  f"that is not an nn.Parameter to parameter '{args[0]}' "
                                  f"(torch.nn.Parameter or None required)")
            if isinstance(args[1], Tensor):  # the same parameter (bound elsewhere: counted once)
                module.params[args[0]] = args[1]
            elif args[1] is None:  # `register_parameter('weight', None)`: reads give None
                module.params.pop(args[0], None)
                module.attrs[args[0]] = None
            else:
                self.note(f"the parameter of {self.where(node)} is not known")
            return None
        if name == "register_buffer":
            if len(args) > 1 and isinstance(args[1], (int, float, str, list, tuple, dict)):
                raise RaiseSignal(f"{self.where(node)} raises TypeError: cannot assign "
                                  f"'{type(args[1]).__name__}' object to buffer '{args[0]}' "
                                  f"(torch Tensor or None required)")
            if args and isinstance(args[0], str):
                module.attrs[args[0]] = args[1] if len(args) > 1 else None
                if args[0] not in module.buffers:
                    module.buffers.append(args[0])
            return None
        if name == "forward":
            return self.apply_module(node, module, positional, keywords)
        if name in MEMBER_METHODS:
            return self.members(node, module, name, positional, keywords)
        if name in NO_EFFECT_MODULE_METHODS:
            return module
        if name == "__init__" or (name == "reset_parameters" and module.layer is not None):
            return None  # torch's layer initialises its parameters: no shape changes
        if module.container is not None and name in CONTAINER_METHODS:
            return self.container_method(node, module, name, positional, keywords)
        return self.unknown_call(node, Unknown(f"`{self.code(node.func)}` is not modelled"),
                                 [module, *args])

    def all_modules(self, root: Any) -> List[Any]:
        """`root` and the modules under it, depth first, each once. Not recursive: a loop can
        nest modules thousands deep (`for _ in range(n): m = nn.Sequential(m)`)."""
        seen: Dict[int, Any] = {}
        stack: List[Iterator[Any]] = [iter((root,))]
        while stack:
            module = next(stack[-1], END)
            if module is END:
                stack.pop()
            elif module is not None and id(module) not in seen:
                seen[id(module)] = module
                if not isinstance(module, LayerModule):
                    children = getattr(module, "children", {}).values()
                    part = getattr(module, "layer", None)  # a layer's subclass: its torch part
                    stack.append(iter((part, *children) if part is not None else children))
        return list(seen.values())

    # -- the module tree as torch walks it ----------------------------------------
    def members(self, node: cst.Call, root: Any, name: str, positional: List[Any],
                keywords: Dict[str, Any]) -> Any:
        """`root.parameters()`, `.named_modules()`, `.apply(fn)`, ...: torch's names, order and
        de-duplication (by identity: a module or parameter held twice comes once); a list.
        Where a module or tensor of the tree is not known, the model's count is not either."""
        signature = _MEMBER_SIGNATURES[name]
        bound = dict(signature)
        names = [n for n, _ in signature]
        extra = set(keywords) - set(names)
        if len(positional) > len(names) or extra or set(names[:len(positional)]) & set(keywords):
            return self.unknown_call(node, Unknown(f"`{name}()` with these arguments is not "
                                                   f"modelled"), [root, *positional])
        bound.update(zip(names, positional))
        bound.update(keywords)
        if bound.get("memo") is not None or not isinstance(bound.get("prefix", ""), str) or \
                not all(isinstance(bound.get(k, True), bool) for k in ("recurse", "remove_duplicate")):
            return self.unknown_call(node, Unknown(f"`{name}()` with these arguments is not "
                                                   f"modelled"), [root, *positional])
        if name == "apply":
            return self.apply_function(node, root, bound["fn"])
        try:
            if name in ("children", "named_children"):
                found: List[Any] = self.named_children(root)
            else:
                found = self.named_modules(root, bound.get("prefix", ""),
                                           bound.get("remove_duplicate", True))
            if name in ("modules", "children"):
                return [module for _, module in found]
            if name in ("named_modules", "named_children"):
                return found
            if not bound["recurse"]:
                found = [(bound.get("prefix", ""), root)]
            named = self.named_tensors(found, name.endswith("parameters"),
                                       bound.get("remove_duplicate", True))
        except _NotKnown as exc:
            self.note(f"{self.where(node)} is not followed: {exc}")
            return Untraced(f"the result of `{self.code(node.func)}(...)` is not known")
        return named if name.startswith("named_") else [tensor for _, tensor in named]

    def module_children(self, module: Any) -> List[Tuple[str, Any]]:
        """torch's `_modules` of `module` (a layer's subclass's torch part is not one)."""
        if isinstance(module, LayerModule):
            return []
        if isinstance(module, UserModule) and module.opaque:
            name = module.opaque[0]
            held = module.attrs.get(name)
            raise _NotKnown(f"`self.{name}` of {module.cls.name} is not known: {held.reason}"
                            if isinstance(held, Unknown) else
                            f"the module '{name}' of {module.cls.name} is not known")
        for child in module.children.values():
            if child is not None and not isinstance(child, MODULE_VALUES):
                raise _NotKnown(f"a module of {module!r} is not known")
        return list(module.children.items())

    def named_children(self, module: Any) -> List[Tuple[str, Any]]:
        seen: set = set()
        found = []
        for name, child in self.module_children(module):
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                found.append((name, child))
        return found

    def named_modules(self, root: Any, prefix: str, remove_duplicate: bool) -> List[Tuple[str, Any]]:
        """torch's `named_modules`: depth first, `root` first; not recursive (a loop can nest
        modules thousands deep)."""
        seen: set = set()
        found: List[Tuple[str, Any]] = []
        stack: List[Iterator[Tuple[str, Any]]] = [iter(((prefix, root),))]
        while stack:
            item = next(stack[-1], END)
            if item is END:
                stack.pop()
                continue
            path, module = item
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            self.tick()
            found.append((path, module))
            stack.append(iter([(f"{path}.{name}" if path else name, child)
                               for name, child in self.module_children(module) if child is not None]))
        return found

    def named_tensors(self, modules: List[Tuple[str, Any]], parameters: bool,
                      remove_duplicate: bool) -> List[Tuple[str, Tensor]]:
        """torch's `_named_members`: each module's `_parameters` (or `_buffers`) in order, those
        None left out, each tensor once."""
        seen: set = set()
        found: List[Tuple[str, Tensor]] = []
        for path, module in modules:
            for name, tensor in self.own_tensors(module, parameters):
                if remove_duplicate:
                    if id(tensor) in seen:
                        continue
                    seen.add(id(tensor))
                found.append((f"{path}.{name}" if path else name, tensor))
        return found

    def own_tensors(self, module: Any, parameters: bool) -> List[Tuple[str, Tensor]]:
        kind = "parameters" if parameters else "buffers"
        own: List[Tuple[str, Any]] = []
        layer = module if isinstance(module, LayerModule) else getattr(module, "layer", None)
        if layer is not None:
            named = layer.named_tensors(parameters)
            if named is None:
                raise _NotKnown(f"the {kind} of {layer.site.call_text} (line {layer.site.line}) "
                                f"are not modelled")
            own.extend(named)
        if isinstance(module, UserModule):
            own.extend(module.params.items() if parameters else
                       [(name, module.attrs.get(name)) for name in module.buffers])
        for name, tensor in own:
            if tensor is not None and not isinstance(tensor, Tensor):
                raise _NotKnown(f"the {kind} `{name}` of {module!r} is not known")
        return [(name, tensor) for name, tensor in own if tensor is not None]

    def apply_function(self, node: cst.Call, root: Any, fn: Any) -> Any:
        """`root.apply(fn)`: `fn` called on each module under `root`, its children first (each
        child's own tree, in order), then on `root`; returns `root`."""
        order: List[Any] = []
        stack: List[Tuple[Any, bool]] = [(root, False)]
        try:
            while stack:
                module, expanded = stack.pop()
                if expanded:
                    order.append(module)
                    continue
                self.tick()
                stack.append((module, True))
                stack.extend((child, False) for _, child in reversed(self.named_children(module)))
        except _NotKnown as exc:
            self.note(f"{self.where(node)} is not followed: {exc}")
            return Untraced(f"the result of `{self.code(node.func)}(...)` is not known")
        for module in order:
            self.call(node, fn, [module], {})
        return root

    def container_method(self, node: cst.Call, container: Any, name: str,
                         positional: List[Any], keywords: Dict[str, Any]) -> Any:
        """`container`: a Container, or an instance of the file's subclass of one."""
        args = [*positional, *keywords.values()]
        kind = container_kind(container)
        if self.forks and name in ("append", "extend", "insert", "add_module", "update"):
            self.note(f"{self.where(node)} changes a container under a condition that is not known")
        if name == "append" and len(args) == 1:
            self.append_module(node, container, args[0])
            return container
        if name == "extend" and len(args) == 1:
            self.extend_container(node, container, args[0])
            return container
        if name == "insert" and len(args) == 2 and isinstance(args[0], int) \
                and 0 <= args[0] <= len(container.children):
            # (torch's insert shifts string keys: a negative index raises KeyError, one past
            # the end leaves a gap; those are not modelled)
            self.check_module(node, args[1])
            items = [v for v in container.children.values()]
            items.insert(args[0], args[1])
            container.children = OrderedDict((str(i), m) for i, m in enumerate(items))
            return None
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            self.check_module(node, args[1], none=True)
            container.children[args[0]] = args[1]
            return None
        if name == "update" and len(args) == 1:
            self.update_container(node, container, args[0])
            return None
        if name == "keys":
            return list(container.children.keys())
        if name == "values":
            return list(container.children.values())
        if name == "items":
            return list(container.children.items())
        if name == "forward" and kind == "Sequential":
            return self.apply_module(node, container, positional, keywords)
        if name == "__len__":
            return len(container.children)
        if name in MEMBER_METHODS:
            return self.members(node, container, name, positional, keywords)
        if name in NO_EFFECT_MODULE_METHODS:
            return container
        return self.unknown_call(node, Unknown(f"`{kind}.{name}()` is not modelled"),
                                 [container, *args])

    def list_method(self, node: cst.Call, target: list, name: str, args: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        # Changed in place as Python does, outside a branch whose condition is not known (the
        # list is the same object in every branch); a call not modelled forgets the list.
        def plain() -> bool:  # only for the methods that compare items (not on every append)
            return all(isinstance(v, PLAIN_SCALAR) for v in target)

        if self.forks == 0 and not keywords and isinstance(target, Deque):
            done = deque_method(target, name, args)
            if done is not NotImplemented:
                return done
        if self.forks == 0 and not keywords:
            if name == "append" and len(args) == 1 and len(target) < MAX_SEQUENCE:
                target.append(args[0])
                return None
            if name == "extend" and len(args) == 1:
                items = self.iterate(args[0])
                if not isinstance(items, Unknown) and len(target) + len(items) <= MAX_SEQUENCE:
                    target.extend(items)
                    return None
            if name == "insert" and len(args) == 2 and isinstance(args[0], int):
                target.insert(args[0], args[1])
                return None
            if name == "pop" and len(args) <= 1 and target:
                index = args[0] if args else -1
                if isinstance(index, int) and -len(target) <= index < len(target):
                    return target.pop(index)
            if name in ("reverse", "clear") and not args:
                getattr(target, name)()
                return None
            if name == "remove" and len(args) == 1 and isinstance(args[0], PLAIN_SCALAR) \
                    and plain() and args[0] in target:
                target.remove(args[0])
                return None
        if name == "sort" and self.forks == 0 and not args and set(keywords) <= {"reverse"} \
                and isinstance(keywords.get("reverse", False), bool) and plain():
            try:
                ordered = sorted(target, reverse=keywords.get("reverse", False))
            except TypeError:  # Python raises: not modelled
                pass
            else:
                target[:] = ordered
                return None
        if name in ("index", "count", "copy"):  # they leave the list as it is
            if keywords or len(args) != (0 if name == "copy" else 1):
                return Unknown(f"`list.{name}()` with these arguments is not modelled")
            if name == "copy":
                return list(target)
            if isinstance(args[0], Unknown):
                return Unknown(argument_not_known(f"list.{name}", args[0]))
            if not (isinstance(args[0], PLAIN_SCALAR) and plain()):
                return Unknown(f"`list.{name}()` of values that are not known")
            try:
                return getattr(target, name)(args[0])
            except ValueError:
                return Unknown("list.index raises")
        self.forget(target)
        return self.unknown_call(node, Unknown(f"`list.{name}()` is not modelled"), [target, *args])

    def dict_method(self, node: cst.Call, target: dict, name: str, args: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        if name == "keys":
            return list(target.keys())
        if name == "values":
            return list(target.values())
        if name == "items":
            return list(target.items())
        key = args[0] if args and isinstance(args[0], (str, int)) else MISSING
        if key is not MISSING and not keywords and 1 <= len(args) <= 2:
            if name == "get" or (name == "setdefault" and key in target):
                return target.get(key, args[1] if len(args) > 1 else None)
            if name == "setdefault" and self.forks == 0:
                return target.setdefault(key, args[1] if len(args) > 1 else None)
            if name == "pop" and key not in target and len(args) == 2:
                return args[1]
            if name == "pop" and key in target and self.forks == 0:
                return target.pop(key)
        if name == "update" and self.forks == 0 and len(args) <= 1 and (
                not args or isinstance(args[0], dict)):  # (pairs or unknowns: forgotten below)
            if args:
                target.update(args[0])
            target.update(keywords)
            return None
        if name == "copy" and not args and not keywords:
            return dict(target)
        if name == "get" and args and isinstance(args[0], Unknown) and not keywords:
            return Unknown(argument_not_known("dict.get", args[0]))  # it changes nothing
        self.forget(target)  # whatever it does, the dict may have changed
        return self.unknown_call(node, Unknown(f"`dict.{name}()` is not modelled"), args)

    def forget(self, value: Any, scope: Optional[Scope] = None) -> None:
        """`value` may have been changed in place in a way macslint does not model: every name
        that holds one of its lists or dicts becomes unknown, where it lives: in `scope` and
        the scopes of the calls running (their locals, then the scopes around them), and the
        attributes of the modules they build."""
        targets = {id(c) for c in self.containers(value) if isinstance(c, (list, dict))}
        if not targets:
            return
        tables: Dict[int, Scope] = {}
        for held_in in (scope, *reversed(self.scopes), self.module_scope):
            while held_in is not None and id(held_in) not in tables:
                tables[id(held_in)] = held_in
                tables.setdefault(id(held_in.origin), held_in.origin)
                held_in = held_in.parent
        for table in tables.values():
            for name, held in list(table.values.items()):
                if targets.intersection(map(id, self.containers(held))):
                    kind = "dict" if isinstance(held, dict) else "list"
                    table.values[name] = Unknown(f"'{name}' is a {kind} changed in place")
                    table.rebound.add(name)
        for _, instance in self.frames:
            if isinstance(instance, UserModule):
                for name, held in list(instance.attrs.items()):
                    if targets.intersection(map(id, self.containers(held))):
                        instance.attrs[name] = Unknown(f"`self.{name}` is changed in place")

    def containers(self, value: Any) -> List[Any]:
        """The lists, dicts and tuples in `value`, itself included. Looking costs steps of the
        budget by the items looked at (a file's big lists must not make every call slow);
        items of plain values are skipped at C speed."""
        if not isinstance(value, NESTED):
            return []
        found: Dict[int, Any] = {id(value): value}
        stack = [value]
        while stack:
            items = stack.pop()
            items = items.values() if isinstance(items, dict) else items
            self.scanned += 1 + len(items)
            if self.scanned >= 1024:  # a step per thousand items
                self.tick(self.scanned // 1024)
                self.scanned %= 1024
            if all(not issubclass(t, NESTED) for t in set(map(type, items))):
                continue
            for item in items:
                if isinstance(item, NESTED) and id(item) not in found:
                    found[id(item)] = item
                    stack.append(item)
        return list(found.values())

    def index_container(self, node: cst.Subscript, container: Any, key: Any) -> Any:
        """`container`: a Container, or an instance of the file's subclass of one."""
        kind = container_kind(container)
        if isinstance(key, Unknown):
            self.note(f"{self.where(node)} is not followed: {key.reason}")
            return key
        if isinstance(container, UserModule) and isinstance(key, slice):
            # torch makes another instance of the subclass (`self.__class__(...)`)
            self.note(f"{self.where(node)}, a slice of a {container.cls.name}, is not followed")
            return Untraced(f"a slice of a {container.cls.name}")
        if kind == "ModuleDict":
            if isinstance(key, str) and key in container.children:
                return container.children[key]
            raise RaiseSignal(f"{self.where(node)}: no module named {key!r}")
        items = list(container.children.items())
        if isinstance(key, slice):
            try:
                chosen = items[key]
            except (TypeError, ValueError) as exc:  # `layers[:1.5]`, `layers[::0]`
                raise RaiseSignal(f"{self.where(node)} raises: {exc}")
            if kind == "ModuleList":
                chosen = [(str(i), m) for i, (_, m) in enumerate(chosen)]
            return Container(kind, OrderedDict(chosen))
        if isinstance(key, int) and -len(items) <= key < len(items):
            return items[key][1]
        raise RaiseSignal(f"{self.where(node)}: index {key!r} is out of range")


class _NotKnown(Exception):
    """A module or tensor of the tree walked is not known (the message says which)."""
