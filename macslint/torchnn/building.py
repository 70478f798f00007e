"""Building modules: attributes of modules and classes, user functions and classes called
and instantiated, torch.nn layers constructed, torch functions dispatched."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Tuple

import libcst as cst

from ..costmodel import LAYERS, Args, LayerError, LayerSpec, Unresolved
from ..costmodel.layers.lazy import LAZY, not_called
from ..evaluator.records import Instance
from ..evaluator.scope import Scope
from ..evaluator.syntax import last_name
from ..evaluator.values import (
    BreakSignal, ContinueSignal, Partial, ProjectModule, PyBuiltin, RaiseSignal, ReturnSignal, Unknown, UserClass,
    UserFunction, what_is,
)
from ..project.imports import module_name
from ..results.sites import LayerSite
from .builtins import MODULE_BASES
from .calls import op_spec, torch_call
from .containers import CONTAINER_METHODS, MEMBER_METHODS, STR_METHODS
from .common import (
    FLOAT_FUNCTIONAL, FUNCTIONAL_METHODS, MISSING, MODULE_MEMBERS, NO_EFFECT_MODULE_METHODS,
    SEQUENTIAL_BASES, MissingMember, decorator_names, fresh_copy, unknown_argument,
    unknown_arguments,
)
from .einops_library import EinopsName, call_einops
from .names import LayerClass, ModuleRef, is_uncatalogued_layer
from .transformer import COMPOSITES, METHODS, STACK_PATHS, build, build_part_of, is_composite_base
from .values import (
    META, MODULE_VALUES, BoundMethod, Device, Container, LayerModule, ModulesView, SuperProxy, Tensor,
    Untraced, UserModule,
)

MAX_DEPTH = 48  # nested user calls
CONTAINER_BASES = {
    "torch.nn.ModuleList": "ModuleList", "torch.nn.modules.container.ModuleList": "ModuleList",
    "torch.nn.ModuleDict": "ModuleDict", "torch.nn.modules.container.ModuleDict": "ModuleDict",
}
CONTAINER_KINDS = {"sequential": "Sequential", "modulelist": "ModuleList",
                   "moduledict": "ModuleDict"}
# Methods of nn.Module (not attributes of a layer) a layer's subclass may call on itself.
LAYER_PART_METHODS = NO_EFFECT_MODULE_METHODS | {
    "forward", "add_module", "register_module", "register_parameter", "register_buffer",
    "__init__", "reset_parameters", "extra_repr",
} | MEMBER_METHODS


# The reason of a layer built leniently (see ModelInterpreter.trace_model).
INVALID_LAYER = "torch raises building it, so the model cannot be built"
# torch's containers' own methods (Sequential, ModuleList, ModuleDict), beside nn.Module's
_CONTAINER_MEMBERS = CONTAINER_METHODS | {"pop", "clear", "forward"}

class ModuleBuilding:
    """Part of ModelInterpreter (torchnn.tracer): attributes of modules and classes, calls of
    functions, classes, layers and torch names (the run_call hook)."""

    # -- attributes -----------------------------------------------------------
    def set_attribute(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if isinstance(obj, UserModule):
            if obj.layer is not None and obj.layer.spec is not None \
                    and self.layer_attribute(obj.layer, name) is not MISSING:
                if self.set_layer_attribute(obj.layer, name, value, node):
                    return  # (timm's LayerNorm2dNoBias: `self.eps = ...`, `self.bias = None`)
                self.note(f"the assignment to {self.where(node)} changes the torch.nn."
                          f"{obj.layer.kind} {obj.cls.name} subclasses: not followed")
            if self.forks:
                self.note(f"{self.where(node)} is assigned under a condition that is not known")
            if isinstance(value, MODULE_VALUES):
                obj.params.pop(name, None)
                obj.attrs.pop(name, None)
                obj.children[name] = value  # a re-assigned name keeps its place, as in torch
            elif isinstance(value, Tensor) and value.param:
                obj.children.pop(name, None)
                obj.params[name] = value
            elif name in obj.children and value is None:
                obj.children[name] = None
            else:
                obj.attrs[name] = value
                if isinstance(value, Unknown) and name not in obj.opaque:
                    obj.opaque.append(name)
                    self.note(f"`self.{name}` ({self.place(node)}) is not known, and a module "
                              f"there would not be counted: {value.reason}")
        elif isinstance(obj, UserClass):
            self.set_class_attribute(None, obj, name, value)
        elif isinstance(obj, Tensor) and name == "requires_grad":
            self.set_requires_grad(obj, value, node)
        elif isinstance(obj, (LayerModule, Container)) and name == "training":
            obj.training = value if not self.forks else Unknown(
                f"`{self.code(node)}` is assigned under a condition that is not known")
        elif isinstance(obj, LayerModule) and self.tie(obj, name, value, node):
            return
        elif isinstance(obj, LayerModule) and self.set_layer_attribute(obj, name, value, node):
            return
        elif isinstance(obj, (Container, LayerModule, SuperProxy)):
            self.note(f"the assignment to {self.where(node)} is not followed")
        elif isinstance(obj, ProjectModule):  # `mod.__all__ = [...]` (timm's register_model)
            obj.loaded.names()[name] = value if not self.forks else Unknown(
                f"`{self.code(node)}` is assigned under a condition that is not known")

    def set_layer_attribute(self, layer: LayerModule, name: str, value: Any,
                            node: cst.CSTNode) -> bool:
        """`layer.name = value` as torch does it: an attribute torch's layer does not have
        is kept (no cost); an argument its forward reads again (any of a layer without
        parameters: SSD's `pool.ceil_mode = True`; a convolution's stride, padding, dilation,
        output_padding) changes what the layer computes from there. False otherwise."""
        if layer.spec is None or layer.args is None or isinstance(value, (Tensor, Unknown)):
            return False
        if self.forks:
            return False  # under a condition not known: not followed (noted by the caller)
        try:
            current = layer.attribute(name, self.line_of(node))
        except KeyError:
            layer.extra[name] = value
            return True
        if name in layer.extra:
            layer.extra[name] = value
            return True
        values = layer.args.values
        if name == "bias" and value is None and values.get("bias") is True \
                and "bias" not in layer.tied:  # torch drops the parameter
            layer.args = Args({**values, "bias": False})  # as if built without one
            layer.tensors.pop("bias", None)
            return True
        if name in _COST_NEUTRAL and name in values and isinstance(value, (int, float)) \
                and not isinstance(value, bool):  # read by forward, no shape or cost depends on it
            layer.args = Args({**values, name: value})
            return True
        rereads = layer.params() == 0 and not layer.tensors or layer.spec.module == "conv" \
            and name in ("stride", "padding", "dilation", "output_padding")
        if not rereads or name not in layer.args.values or isinstance(current, Unknown):
            return False
        layer.args = Args({**layer.args.values, name: value})
        return True

    def tie(self, layer: LayerModule, name: str, value: Any, node: cst.CSTNode) -> bool:
        """`wte.weight = lm_head.weight`: a parameter (nn.Parameter) put in the place of one of
        the layer's own; torch counts each parameter once, by identity. False where this is
        not that (torch raises for a tensor that is not a parameter: not followed)."""
        if layer.own_shape(name) is None or not (isinstance(value, Tensor) and value.param):
            return False
        if self.forks:
            self.note(f"{self.where(node)} is assigned under a condition that is not known")
        layer.tied[name] = value
        return True

    def set_class_attribute(self, scope: Optional[Scope], cls: UserClass, name: str,
                            value: Any) -> None:
        """`Cfg.width = 16` while building: under a condition that is not known, merged with the
        other branch; in a loop the tracer does not follow, unknown."""
        if id(cls) not in self.class_snapshots and id(cls) not in self.touched_classes:
            # a class of an imported file: restored for the next model, as this file's are
            self.touched_classes[id(cls)] = (cls, dict(cls.body.values))
        if self.uncertain:
            value = Unknown(f"'{cls.name}.{name}' is assigned in a loop that is not followed")
        self.write(cls.body.values, name, value, f"{cls.name}.{name}")

    def attribute(self, node: cst.Attribute, base: Any) -> Any:
        name = node.attr.value
        if isinstance(base, Tensor):
            if name == "data" and base.param:  # the same data, not the parameter
                return Tensor(base.shape, self.line_of(node), dtype=base.dtype)
            if name == "device":
                return META  # where counting runs (every tensor of the model is there)
            return self.tensor_attribute(node, base, name)
        if isinstance(base, Device) and name in ("type", "index"):
            return base.type if name == "type" else None
        if isinstance(base, UserModule):
            return self.module_attribute(base, name)
        if isinstance(base, UserFunction) and name in ("__name__", "__module__"):
            return base.name if name == "__name__" else self.module_name_of(base.scope)
        if isinstance(base, (LayerModule, Container)) and name == "training":
            return base.training
        if isinstance(base, LayerModule):
            if name in NO_EFFECT_MODULE_METHODS or name in MEMBER_METHODS or name == "forward" \
                    or base.kind == FLOAT_FUNCTIONAL and name in FUNCTIONAL_METHODS:
                return BoundMethod(base, name)
            value = self.layer_attribute(base, name)
            if value is not MISSING:
                return value
            return Unknown(f"attribute `{self.code(node)}` of a {base.kind} is not modelled")
        if isinstance(base, Container):
            # torch's Module.__getattr__: a child by its name (`self.transformer.wte` of a
            # ModuleDict); torch refuses a child named as one of the container's attributes
            if name in base.children:
                return base.children[name]
            if name == "_modules":
                return ModulesView(base)
            return BoundMethod(base, name)
        if isinstance(base, (list, dict)) or isinstance(base, str) and name in STR_METHODS:
            return BoundMethod(base, name)
        if isinstance(base, SuperProxy):
            for cls in self.class_mro(base.cls)[1:]:
                if name in cls.body.values:
                    return self.bind_member(base.instance, cls.body.values[name])
            return BoundMethod(base, name)
        if isinstance(base, UserClass):
            for cls in self.class_mro(base):
                if name in cls.body.values:
                    value = cls.body.values[name]
                    if isinstance(value, UserFunction) and "classmethod" in decorator_names(value):
                        return BoundMethod(base, name, value)
                    return value
            if name == "__name__":
                return base.name
            if name == "__module__":
                return self.module_name_of(base.scope)
            return Unknown(f"`{self.code(node)}` is not defined in this file")
        return super().attribute(node, base)

    def module_attribute(self, module: UserModule, name: str) -> Any:
        if name == "__class__":  # `self.__class__.helper(x)`
            return module.cls
        if name == "__module__":  # torchvision's _log_api_usage_once(self)
            return self.module_name_of(module.cls.scope)
        if name == "_modules":  # torch's dict of children (`module._modules[key] = layer`)
            return ModulesView(module)
        for table in (module.children, module.params, module.attrs):
            if name in table:
                return table[name]
        layer = module.layer
        if layer is not None and layer.spec is not None and name not in LAYER_PART_METHODS:
            value = self.layer_attribute(layer, name)
            if value is not MISSING:
                return value
        for cls in self.class_mro(module.cls):
            if name in cls.body.values:
                return self.bind_member(module, cls.body.values[name])
        if layer is not None and name not in LAYER_PART_METHODS:
            value = self.layer_attribute(layer, name)  # the catalogue's reason, if not in it
            return value if isinstance(value, Unknown) else Unknown(
                f"`self.{name}` of {module.cls.name} (a torch.nn.{layer.kind}) is not modelled")
        if module.composite == "Transformer" and name in METHODS:  # a staticmethod of torch's
            return ModuleRef(METHODS[name])
        if name not in MODULE_MEMBERS and layer is None and module.composite is None and (
                module.container is None or name not in _CONTAINER_MEMBERS
                and not name.startswith("__")):
            # a plain nn.Module, or a subclass of a container that has no such method (torch
            # raises; `getattr(block, "_is_cn", False)` is the default)
            return MissingMember(
                f"`self.{name}` is not set on {module.cls.name}: torch raises AttributeError")
        return BoundMethod(module, name)

    def module_name_of(self, scope: Any) -> Any:
        """`__module__` of a class or function of the project: the dotted name of the file
        whose module scope holds `scope` (as the file is imported, not run as a script)."""
        while getattr(scope, "parent", None) is not None:
            scope = scope.parent
        names = self.__dict__.setdefault("module_names", {})  # id(module scope) -> its name
        if id(scope) not in names:
            files = [(self.module_scope, self.path)] + [
                (m.interpreter.module_scope, m.path)
                for m in (self.loader.modules() if self.loader else ())]
            path = next((p for s, p in files if s is scope), None)
            if path is None:
                return Unknown("the module of a value of no file of the project")
            names[id(scope)] = module_name(path)
        return names[id(scope)]

    def forward_of(self, module: UserModule) -> Tuple[Optional[UserFunction], Any]:
        """The forward a call of `module` runs, and what it is bound to: an instance attribute
        first (`self.forward = self.forward_slicing`, as Module.__call__ looks it up), else
        the class's."""
        bound = module.attrs.get("forward")
        if isinstance(bound, BoundMethod) and bound.function is not None:
            return bound.function, bound.receiver
        return self.find_method(module.cls, "forward"), module

    def module_named(self, name: str) -> Any:
        """`sys.modules[name]` of a file of the project (this one or one it imports): its
        module, whose names are the ones its code reads and sets."""
        for scope, display in [(self.module_scope, self.display), *(
                (m.interpreter.module_scope, m.display)
                for m in (self.loader.modules() if self.loader else ()))]:
            if self.module_name_of(scope) == name:
                return ProjectModule(ScopeNames(scope, display))
        return Unknown(f"sys.modules[{name!r}]: no file of the project read here")

    def layer_attribute(self, layer: LayerModule, name: str) -> Any:
        """torch's attribute `name` of a layer (LayerModule.attribute), MISSING if it has none."""
        try:
            return layer.attribute(name, layer.site.line)
        except KeyError:
            return MISSING

    def bind_member(self, instance: Any, value: Any) -> Any:
        if isinstance(value, UserFunction):
            decorators = decorator_names(value)
            if "staticmethod" in decorators:
                return value
            if "property" in decorators:
                return self.call_function(value, [instance], {})
            if "classmethod" in decorators:
                owner = instance.cls if isinstance(instance, UserModule) else instance
                return BoundMethod(owner, value.name, value)
            return BoundMethod(instance, value.name, value)
        return value

    # -- classes ----------------------------------------------------------------
    def is_module_class(self, cls: UserClass) -> bool:
        return self.module_kind(cls) is not None

    def module_kind(self, cls: UserClass) -> Optional[str]:
        """"module", "sequential", "modulelist" or "moduledict" for subclasses of nn.Module,
        nn.Sequential, nn.ModuleList, nn.ModuleDict; "layer" for subclasses of a torch.nn
        layer (`class LayerNorm(nn.LayerNorm)`, of the catalogue or not); else None."""
        base = self.torch_base(cls)
        if isinstance(base, ModuleRef):
            if base.path in MODULE_BASES:
                return "module"
            if base.path in SEQUENTIAL_BASES:
                return "sequential"
            if base.path in CONTAINER_BASES:
                return CONTAINER_BASES[base.path].lower()
        return "layer" if base is not None else None

    def torch_base(self, cls: UserClass) -> Any:
        """The first torch.nn class among the bases of `cls` and of its classes' bases: a
        ModuleRef of nn.Module or a container, a LayerClass, a ModuleRef of a layer that is
        not in the catalogue; None."""
        for c in self.class_mro(cls):
            for base in c.bases:
                if isinstance(base, LayerClass) or isinstance(base, ModuleRef) and (
                        base.path in MODULE_BASES or base.path in SEQUENTIAL_BASES
                        or base.path in CONTAINER_BASES or is_uncatalogued_layer(base)
                        or base.path in STACK_PATHS):
                    return base
        return None

    def find_method(self, cls: UserClass, name: str) -> Optional[UserFunction]:
        for c in self.class_mro(cls):
            value = c.body.values.get(name)
            if isinstance(value, UserFunction):
                return value
            if value is not None:
                return None
        return None

    def instantiate(self, node: cst.CSTNode, cls: UserClass, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
        kind = self.module_kind(cls)
        if kind is None and cls.meta.get("plain", "") is None and self.scopes:
            # a config class reached through a partial (torchvision's `partial(MBConvConfig,
            # width_mult=...)`): an instance of the file's class, as a direct call makes
            return self.make_instance(node, self.scopes[-1], cls, positional, keywords)
        if kind is None:
            return Unknown(f"an instance of {cls.name}, which is not an nn.Module")
        module = UserModule(cls, container=CONTAINER_KINDS.get(kind))
        self.modules_made += 1
        init = self.find_method(cls, "__init__")
        if init is not None:
            self.call_function(init, [module, *positional], keywords)
        else:
            self.torch_init(node, module, positional, keywords)
        return module

    def torch_init(self, node: cst.CSTNode, module: UserModule, positional: List[Any],
                   keywords: Dict[str, Any]) -> None:
        """The torch.nn class's `__init__` run on an instance of its subclass (by
        `super().__init__(...)`, or as the subclass has none of its own)."""
        if module.container == "Sequential":
            self.sequential_init(module, positional, node)
        elif module.container is not None:
            modules = positional[0] if positional else keywords.get("modules")
            if modules is None:
                return
            if module.container == "ModuleList":
                self.extend_container(node, module, modules)
            else:
                self.update_container(node, module, modules)
        elif self.module_kind(module.cls) == "layer":
            self.build_layer_part(node, module, positional, keywords)

    def build_layer_part(self, node: cst.CSTNode, module: UserModule, positional: List[Any],
                         keywords: Dict[str, Any]) -> None:
        """The torch.nn layer an instance of its subclass is: built by torch's constructor
        as `nn.Conv2d(...)` is (what torch refuses raises here), at the call `node`."""
        base = self.torch_base(module.cls)
        if not isinstance(node, cst.Call):
            raise RaiseSignal(f"{module.cls.name} is built without its arguments")
        if is_composite_base(base):  # a Transformer's: its submodules become the subclass's
            build_part_of(self, node, module, base, positional, keywords)
            return
        if isinstance(base, LayerClass):
            layer = self.construct_layer(node, base.spec, positional, keywords)
        else:
            kind = base.path.rsplit(".", 1)[-1]
            reason = f"torch.nn.{kind} is not in macslint's layer catalogue"
            site = self.record_site(node, kind, None, positional, keywords, reason)
            layer = LayerModule(kind, None, site, reason=reason)
        layer.owner = module
        module.layer = layer

    def sequential_init(self, target: Any, modules: List[Any], node: cst.CSTNode) -> None:
        children = target.children
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            self.refuse_module(node, module)  # torch's add_module: TypeError (None aside)
            if not isinstance(module, MODULE_VALUES):
                self.note(f"an element of a Sequential is not a known module: "
                          f"{getattr(module, 'reason', None) or what_is(module)}")
                if isinstance(target, UserModule):
                    target.opaque.append(str(name))
                continue
            children[str(name)] = module

    # -- calls ------------------------------------------------------------------
    def call_function(self, function: UserFunction, positional: List[Any],
                      keywords: Dict[str, Any]) -> Any:
        if self.depth >= MAX_DEPTH:
            self.note(f"calls nest deeper than {MAX_DEPTH} levels at {function.name}()")
            return Unknown("calls nest too deep")
        if self.unfollowed_loops and any(f is function for f, _ in self.frames):
            # timm's named_apply() over children not known: each level would walk its loop
            # again, with nothing known, down to MAX_DEPTH
            self.note(f"{function.name}() calls itself in a loop that is not followed: not run")
            return Unknown(f"{function.name}() calls itself in a loop that is not followed")
        node = function.node
        generator = is_generator(node)
        # The body's names are walked once per function, not per call (_names_bound_in is
        # cached): a call is one step of the budget, whatever the size of the function's text.
        scope = Scope("function", function.scope, self.function_locals(node), deferred=True)
        problem = self.bind_parameters(function, positional, keywords, scope)
        if problem is not None:
            raise RaiseSignal(f"{function.name}() {problem}")
        self.depth += 1
        self.frames.append((function, positional[0] if positional else None))
        if generator:
            self.yielded.append(([], []))
        returned = None
        try:
            self.walk_body(node.body, scope)
        except ReturnSignal as exc:
            returned = exc.value
        except (BreakSignal, ContinueSignal):
            pass
        finally:
            self.depth -= 1
            self.frames.pop()
            made = self.yielded.pop() if generator else None
        if made is not None:  # its items, all made at once (timm's named_modules())
            items, problems = made
            return problems[0] if problems else items
        return returned

        return None  # what `send()` would give: iterating sends nothing

    def bind_parameters(self, function: UserFunction, positional: List[Any],
                        keywords: Dict[str, Any], scope: Scope) -> Optional[str]:
        params = function.node.params
        ordered = [*params.posonly_params, *params.params]
        values: Dict[str, Any] = {}
        rest = list(positional)
        for param in ordered:
            if rest:
                values[param.name.value] = rest.pop(0)
        star = params.star_arg
        if rest:
            if not isinstance(star, cst.Param):
                return f"takes {len(ordered)} positional arguments but {len(positional)} were given"
            values[star.name.value] = tuple(rest)
        elif isinstance(star, cst.Param):
            values[star.name.value] = ()
        by_name = {p.name.value: p for p in (*params.params, *params.kwonly_params)}
        extra: Dict[str, Any] = {}
        for key, value in keywords.items():
            if key in by_name:
                if key in values:
                    return f"got multiple values for argument '{key}'"
                values[key] = value
            elif params.star_kwarg is not None:
                extra[key] = value
            else:
                return f"got an unexpected keyword argument '{key}'"
        defaults: Optional[Dict[str, Any]] = None
        for param in (*ordered, *params.kwonly_params):
            name = param.name.value
            if name not in values:
                if param.default is None:
                    return f"missing a required argument: '{name}'"
                if defaults is None:
                    defaults = self.defaults_of(function)
                values[name] = defaults.get(name, Unknown(f"the default of '{name}' is not known"))
        if params.star_kwarg is not None:
            values[params.star_kwarg.name.value] = dict(extra)
        scope.values.update(values)
        return None

    def defaults_of(self, function: UserFunction) -> Dict[str, Any]:
        """The defaults of a function, evaluated once, when its `def` ran (a `def` of the module
        or a class, run by the file's walk: this model's copy of them, as of a fresh import)."""
        entry = self.defaults.get(id(function))
        if entry is None:
            entry = self.defaults[id(function)] = (function, fresh_copy(function.defaults, self.memo))
        return entry[1]

    def run_call(self, node: cst.Call, scope: Scope, callee: Any, positional: List[Any],
                 keywords: Dict[str, Any], spread: Optional[str]) -> Any:
        if spread is not None:
            if isinstance(callee, LayerClass):
                site = self.record_site(node, callee.spec.name, callee.spec, positional,
                                        keywords, spread)
                return LayerModule(callee.spec.name, callee.spec, site,
                                   reason=spread)
            self.note(f"the call {self.where(node)} is not followed: {spread}")
            return Untraced(spread)
        self.scopes.append(scope)  # where a list or dict the call changes may live
        try:
            return self.call(node, callee, positional, keywords)
        finally:
            self.scopes.pop()

    def star_items(self, value: Any) -> Any:
        return self.iterate(value)

    def star_keywords(self, value: Any) -> Any:
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        return Unknown("not a dict of known keys")

    def call(self, node: cst.Call, callee: Any, positional: List[Any],
             keywords: Dict[str, Any]) -> Any:
        if isinstance(callee, LayerClass):
            return self.construct_layer(node, callee.spec, positional, keywords)
        if isinstance(callee, MODULE_VALUES):
            return self.apply_module(node, callee, positional, keywords)
        if isinstance(callee, BoundMethod):
            return self.call_method(node, callee, positional, keywords)
        if isinstance(callee, UserFunction):
            return self.call_function(callee, positional, keywords)
        if isinstance(callee, UserClass):
            return self.instantiate(node, callee, positional, keywords)
        if isinstance(callee, ModuleRef):
            return self.call_torch(node, callee, positional, keywords)
        if isinstance(callee, EinopsName):  # torchnn.einops_library
            return call_einops(self, node, callee, positional, keywords)
        if isinstance(callee, PyBuiltin):
            return self.call_builtin(node, callee.name, positional, keywords)
        if isinstance(callee, Partial):
            return self.call(node, callee.function, [*callee.positional, *positional],
                             {**callee.keywords, **keywords})
        if isinstance(callee, Instance) and isinstance(
                self.find_member(callee.cls, "__call__"), UserFunction):  # timm's builders
            return self.call_function(self.find_member(callee.cls, "__call__"),
                                      [callee, *positional], keywords)
        if isinstance(callee, Unknown) and last_name(node.func) in LAYERS:
            kind = last_name(node.func)
            reason = (f"cannot tell whether `{self.code(node.func)}` is torch.nn.{kind}: "
                      f"{callee.reason}")
            site = self.record_site(node, kind, None, positional, keywords, reason)
            return LayerModule(kind, None, site, reason=reason)
        for value in (*positional, *keywords.values()):
            self.forget(value)  # a call macslint does not follow may change the lists it gets
        return self.unknown_call(node, callee, [*positional, *keywords.values()])

    def unknown_call(self, node: cst.Call, callee: Any, values: Iterable[Any]) -> Unknown:
        why = callee.reason if isinstance(callee, Unknown) else "not modelled"
        if any(isinstance(v, (Tensor,) + MODULE_VALUES) for v in values) \
                and not isinstance(callee, Untraced):
            self.note(f"the call {self.where(node)} is not followed: {why}")
            return Untraced(f"the result of `{self.code(node.func)}(...)` is not known")
        if isinstance(callee, Untraced) or any(isinstance(v, Untraced) for v in values):
            return Untraced(f"the result of `{self.code(node.func)}(...)` is not known")
        if isinstance(callee, Unknown):  # what is called is not known: why (the first cause)
            why = callee.reason
            if why.startswith("the result of `") and " is not known: " in why:
                why = why.split(" is not known: ", 1)[1]
            return Unknown(f"the result of `{self.code(node.func)}(...)` is not known: {why}")
        return Unknown(f"the result of `{self.code(node.func)}(...)` is not known")

    def construct_layer(self, node: cst.Call, spec: LayerSpec, positional: List[Any],
                        keywords: Dict[str, Any]) -> Any:
        """The LayerModule of `spec` built with these arguments (one with a reason where it
        is not costed); for a module torch composes (a Transformer layer), the UserModule of
        its submodules (torchnn.transformer)."""
        home = self.home(node)
        new = id(node) not in (home.interpreter.sites if home is not None else self.sites)
        site = self.record_site(node, spec.name, spec, positional, keywords, None)
        if new and self.forks and site.error is not None:
            # Only a branch whose condition is not known builds it: it may never run, so no
            # MAC010 (the branch is left out, as one that raises)
            site.unresolved = (f"built only where a condition macslint cannot decide holds, "
                               f"and there torch raises: {site.error}")
            site.error = None
        try:
            args = spec.bind(positional, keywords)
        except LayerError as exc:
            return self.invalid_layer(site, spec, exc)
        unknown = unknown_argument(args)
        composite = spec.name in COMPOSITES  # its parts hold the parameters
        lazy = spec.name in LAZY  # no size (nor parameters) before its first call
        if unknown is not None:  # even a Dropout's `p`: torch raises for some values of it
            return LayerModule(spec.name, spec, site, reason=unknown)
        try:
            spec.check(args) if composite or lazy else spec.check_args(args)
        except Unresolved as exc:
            return LayerModule(spec.name, spec, site, reason=str(exc))
        except (LayerError, OverflowError) as exc:  # `scale_factor=10**1000`: torch's too
            if site.error is None and site.args is None and not self.forks:
                site.error, site.unresolved = str(exc), None
            return self.invalid_layer(site, spec, exc)
        self.complete_site(site, args)
        self.built_sites.add((site.origin, site.line, site.col))
        if composite:
            return build(self, node, spec, args, site)
        return LayerModule(spec.name, spec, site, args, reason=not_called(spec.name) if lazy
                           else None)

    def invalid_layer(self, site: LayerSite, spec: LayerSpec, exc: Exception) -> LayerModule:
        """torch raises building the layer: so does the build (RaiseSignal), unless the model
        is being built again leniently (see trace_model): then a module that is not costed."""
        if not self.lenient:
            self.invalid_raised = True
            kind = "TypeError" if _ARGUMENT_ERROR.search(str(exc)) else None  # Python's binding

            def undo(error: Any = site.error, unresolved: Any = site.unresolved) -> None:
                self.invalid_raised = False  # caught by the code: no finding of torch raising
                site.error, site.unresolved = error, unresolved

            raise RaiseSignal(f"{site.call_text} (line {site.line}) raises: {exc}", kind, undo)
        return LayerModule(spec.name, spec, site, reason=f"{INVALID_LAYER} ({exc})")

    def complete_site(self, site: LayerSite, args: Args) -> None:
        """A site whose arguments the file's walk did not know takes the ones building a model
        gave it, if every build gave the same ones (a block built with different widths stays
        unresolved on its own: its calls in the traced models carry their own arguments)."""
        key = (site.file, site.line, site.col)
        if key in self.completed:
            original, unresolved, first = self.completed[key]
            if first is not None and first.values != args.values:
                site.args, site.unresolved = original, (
                    f"{unresolved}; the models of this file build it with different arguments")
                self.completed[key] = (original, unresolved, None)
            return
        incomplete = site.args is None and site.unresolved is not None or (
            site.args is not None and unknown_argument(site.args) is not None)
        if site.spec is None or site.error is not None or not incomplete:
            return
        self.completed[key] = (site.args, site.unresolved or unknown_arguments(site.args), args)
        site.args, site.unresolved = args, None

    def call_torch(self, node: cst.Call, ref: ModuleRef, positional: List[Any],
                   keywords: Dict[str, Any]) -> Any:
        path = ref.path
        parts = path.split(".")
        handler = torch_call(path)
        if handler is not None:
            return handler(self, node, positional, keywords)
        if is_uncatalogued_layer(ref):
            kind = parts[-1]
            reason = f"torch.nn.{kind} is not in macslint's layer catalogue"
            site = self.record_site(node, kind, None, positional, keywords, reason)
            return LayerModule(kind, None, site, reason=reason)
        spec = op_spec(path)
        if spec is not None:
            return self.run_op(node, spec, self.code(node.func), positional, keywords)
        return self.unknown_call(node, Unknown(f"`{path}` is not modelled"),
                                 [*positional, *keywords.values()])


_GENERATORS: Dict[int, Tuple[cst.CSTNode, bool]] = {}


# layer arguments forward reads that change no shape, parameter or cost (eval mode)
_COST_NEUTRAL = frozenset({"eps", "momentum"})

# torch's messages for arguments Python's binding refuses (a TypeError)
_ARGUMENT_ERROR = re.compile(r"got an unexpected keyword argument|takes \d+ positional argument|"
                             r"missing \d+ required|got multiple values for argument")


def is_generator(node: cst.CSTNode) -> bool:
    """A `def` whose body yields (not in a function nested in it): calling it makes a
    generator, whose body runs only as it is iterated."""
    known = _GENERATORS.get(id(node))
    if known is not None and known[0] is node:
        return known[1]
    found, stack = False, [getattr(node, "body", node)]
    while stack and not found:
        current = stack.pop()
        if isinstance(current, cst.Yield):
            found = True
        elif not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(current.children)
    if len(_GENERATORS) > 100_000:
        _GENERATORS.clear()
    _GENERATORS[id(node)] = (node, found)
    return found


class ScopeNames:
    """A project file as `sys.modules` gives it (ProjectModule's `loaded`): its live names."""

    def __init__(self, scope: Scope, display: Any) -> None:
        self.scope, self.display = scope, display or "this file"

    def names(self) -> Dict[str, Any]:
        return self.scope.values
