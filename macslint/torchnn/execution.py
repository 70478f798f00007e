"""The run's hooks on Python's semantics for torch's values: the truth of modules and tensors,
iterating containers, assigning items of containers, and the `def`s a build runs."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst

from ..evaluator.scope import Scope
from ..evaluator.collection_values import DefaultDict
from ..evaluator.values import PyBuiltin, Unknown, UserFunction, what_is
from .common import decorator_names
from .containers import container_kind
from .lazy import first_call
from .names import LayerClass, ModuleRef
from .transformer import apply_composite
from .valued import changed_in_place
from .values import (
    BoundMethod, Container, LayerModule, ModulesView, Tensor, Untraced, UserModule,
)


class Execution:
    """Part of ModelInterpreter (torchnn.tracer): overrides the evaluator's value hooks
    (truth, iterate, defined) and provides set_item for the RUN policy's assignments."""

    def defined(self, function: UserFunction) -> None:
        # A `def` run while building: its defaults are this model's own already.
        self.defaults[id(function)] = (function, function.defaults)

    def apply_module(self, node: cst.CSTNode, module: Any, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
        """`module(x)`: torch calls `module.forward(x)`, which for a `@staticmethod` forward
        gets no `self` and for a `@classmethod` one gets the module's class."""
        if isinstance(module, LayerModule):
            for name, tensor in module.tied.items():
                if tensor.shape != module.own_shape(name):
                    self.note(f"{module.site.call_text} (line {module.site.line}) runs with a "
                              f"`{name}` of another shape ({'x'.join(map(str, tensor.shape))}) "
                              f"assigned to it: not followed")
                    return Untraced(f"the output of {module.kind} is not known")
        if isinstance(module, UserModule):
            forward = self.find_method(module.cls, "forward")
            decorators = decorator_names(forward) if forward is not None else set()
            if "staticmethod" in decorators or "classmethod" in decorators:
                self.tick()
                receiver = [module.cls] if "classmethod" in decorators else []
                return self.call_function(forward, [*receiver, *positional], keywords)
            if forward is None and self.module_kind(module.cls) == "layer":
                self.tick()
                return self.apply_part(node, module, positional, keywords)
        return super().apply_module(node, module, positional, keywords)

    def apply_layer(self, node: cst.CSTNode, layer: LayerModule, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        if layer.lazy:  # its first call makes it the layer it becomes (torchnn.lazy)
            return first_call(self, node, layer, positional, keywords, super().apply_layer)
        return super().apply_layer(node, layer, positional, keywords)

    def apply_part(self, node: cst.CSTNode, module: UserModule, positional: List[Any],
                   keywords: Dict[str, Any]) -> Any:
        """The forward of the torch layer an instance of its subclass is (the subclass has
        none, or calls `super().forward(x)`): costed as that layer, and recorded as torch's
        hooks see the instance: at its path, with its class's name."""
        if module.composite is not None:  # a Transformer's: torch's forward of its parts
            return apply_composite(self, node, module, positional, keywords)
        layer = module.layer
        if layer is None:
            self.note(f"{module.cls.name}'s torch.nn layer is not built: its __init__ does not "
                      f"call super().__init__()")
            return Untraced(f"{module.cls.name} is not built")
        if id(module) in self.paths:
            self.paths[id(layer)] = self.paths[id(module)]
        first = len(self.calls)
        try:
            return self.apply_layer(node, layer, positional, keywords)
        finally:
            for call in self.calls[first:first + 1]:
                # torch's hooks see the class the first call of a Lazy layer gave it
                call.kind = module.cls.name if layer.lazy_name is None else layer.kind

    def iterate(self, value: Any, node: Optional[cst.CSTNode] = None) -> Any:
        if isinstance(value, Container) or isinstance(value, UserModule) and value.container:
            if container_kind(value) == "ModuleDict":
                return list(value.children.keys())
            return [v for v in value.children.values() if v is not None]
        return super().iterate(value, node)

    def iterable(self, value: Any) -> Optional[bool]:
        """torch's modules other than containers, and methods, are not iterable (a module of
        the file's own class may define `__iter__`)."""
        if isinstance(value, (BoundMethod, LayerModule, LayerClass)) or isinstance(
                value, UserModule) and self.module_kind(value.cls) == "module" and not any(
                n in c.body.values for c in self.class_mro(value.cls)
                for n in ("__iter__", "__getitem__")):
            return False
        return super().iterable(value)

    def index_value(self, node: cst.Subscript, base: Any, keys: List[Any]) -> Any:
        if base == PyBuiltin("sys.modules") and len(keys) == 1 and isinstance(keys[0], str):
            return self.module_named(keys[0])  # timm's register_model: its model's module
        if isinstance(base, DefaultDict) and len(keys) == 1 and base.factory is not None \
                and not (isinstance(keys[0], (str, int, tuple)) and keys[0] in base):
            if self.forks or self.uncertain or not isinstance(keys[0], (str, int, tuple)):
                # a key not known, or a read that may or may not run: the dict may have gained
                # an entry (Python's __missing__), so it is not known from here
                self.forget(base)
                return Unknown(f"`{self.code(node)}`: a defaultdict's entry made where it is "
                               f"not known which")
            base[keys[0]] = self.call(node, base.factory, [], {})  # Python's __missing__
            return base[keys[0]]
        if isinstance(base, UserModule) and base.container is not None and len(keys) == 1:
            return self.index_container(node, base, keys[0])
        if isinstance(base, ModulesView) and len(keys) == 1 and isinstance(keys[0], str):
            return base.owner.children.get(keys[0], Unknown(
                f"`{self.code(node)}`: no child named '{keys[0]}' (torch raises KeyError)"))
        return super().index_value(node, base, keys)

    def call_builtin(self, node: cst.Call, name: str, positional: List[Any],
                     keywords: Dict[str, Any]) -> Any:
        if name == "len" and len(positional) == 1 and not keywords and \
                isinstance(positional[0], UserModule) and positional[0].container is not None:
            return len(positional[0].children)  # a subclass of a container: its items
        return super().call_builtin(node, name, positional, keywords)

    def set_item(self, base: Any, target: cst.Subscript, value: Any, scope: Scope) -> None:
        keys = [self.eval(e.slice.value, scope) for e in target.slice
                if isinstance(e.slice, cst.Index)]
        if len(keys) == 1 and len(target.slice) == 1 and self.forks == 0:
            key = keys[0]
            if isinstance(base, ModulesView) and isinstance(key, str):
                if isinstance(value, Unknown):
                    self.note(f"{self.where(target)} puts a value that is not known among the "
                              f"children: {value.reason}")
                elif not (isinstance(value, (LayerModule, UserModule, Container)) or value is None):
                    self.note(f"{self.where(target)} puts {what_is(value)} among the children, "
                              f"which torch cannot count")
                base.owner.children[key] = value
                return
            if isinstance(base, dict) and isinstance(key, (str, int)):
                base[key] = value
                return
            if isinstance(base, list) and isinstance(key, int) and -len(base) <= key < len(base):
                base[key] = value
                return
            if (isinstance(base, Container) or isinstance(base, UserModule) and base.container) \
                    and isinstance(key, (str, int)):
                name = key if container_kind(base) == "ModuleDict" else self.index_name(base, key)
                if name is not None:
                    self.check_module(target, value, none=True)
                    base.children[name] = value
                    return
        if isinstance(base, (Container, UserModule)):
            self.note(f"the assignment to {self.where(target)} is not followed")
        changed_in_place(base, self.line_of(target))
        self.forget(base, scope)

    def truth(self, value: Any) -> Any:
        if isinstance(value, Tensor):
            return Unknown("the truth value of a tensor depends on its data")
        if isinstance(value, Container) or isinstance(value, UserModule) and value.container:
            return bool(value.children)  # an empty container is falsy, as torch's are
        if isinstance(value, (LayerModule, UserModule, LayerClass, ModuleRef, BoundMethod)):
            return True
        return super().truth(value)
