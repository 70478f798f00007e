"""torch's names as the evaluator sees them: `import torch`, `nn.Conv2d` (a layer class of
the cost model's catalogue), torch.nn names that are not layers; and the torch Library
registered on the evaluator, which records layer constructions as sites when a file is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ..costmodel import FUNCTIONAL, LAYERS, TORCH_FUNCTIONS, LayerSpec
from ..costmodel.dtypes import canonical_dtype
from ..evaluator.library import Library, register
from ..evaluator.syntax import last_name
from ..evaluator.values import Partial, Unknown

# torch.nn names that are containers or helpers, not layers to cost (TransformerEncoder and
# TransformerDecoder: copies of the layer they are given, built by torchnn.transformer).
NOT_LAYERS = frozenset({
    "Module", "Sequential", "ModuleList", "ModuleDict", "Parameter", "ParameterList",
    "ParameterDict", "Buffer", "UninitializedParameter", "UninitializedBuffer",
    "TransformerEncoder", "TransformerDecoder",
})
# The static methods of catalogued classes a model calls (`nn.Transformer.generate_square_
# subsequent_mask(sz)`): torch calls of their own (torchnn.transformer).
CLASS_METHODS = {("Transformer", "generate_square_subsequent_mask")}
# torch's modules model code names (the rest of torch's lower-case names are functions).
TORCH_MODULES = frozenset({
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.modules",
    "torch.nn.utils", "torch.linalg", "torch.fft", "torch.special", "torch.cuda", "torch.utils",
})


@dataclass(frozen=True)
class ModuleRef:
    """A torch module (or non-layer attribute of one), known by its dotted path."""

    path: str

    @property
    def identity_key(self) -> str:  # `type(m) is nn.Sequential` (evaluator.records.identical)
        return self.path

    @property
    def python_type(self) -> str:  # in messages (evaluator.values.what_is)
        last = self.path.rsplit(".", 1)[-1]
        if self.path.count(".") == 1 and canonical_dtype(self.path) is not None:
            return "dtype"  # torch.float32
        return "type" if last[:1].isupper() else "module" if self.path in TORCH_MODULES \
            else "function"


@dataclass(frozen=True)
class LayerClass:
    spec: LayerSpec
    python_type = "type"

    @property
    def identity_key(self) -> str:  # `type(mod) is nn.ReLU` (evaluator.records.identical)
        return f"torch.nn.{self.spec.name}"

    def __repr__(self) -> str:  # messages show values (`kernel_size must be an int, got ...`)
        return f"<class 'torch.nn.{self.spec.name}'>"


def resolve_torch_path(path: str) -> Any:
    """The value of a dotted torch name: a layer class or a module reference."""
    parts = path.split(".")
    name = parts[-1]
    spec = LAYERS.get(name)
    if spec is not None:
        prefix = parts[:-1]
        if prefix in (["torch", "nn"], ["torch", "nn", "modules"],
                      ["torch", "nn", "modules", spec.module]):
            return LayerClass(spec)
    return ModuleRef(path)


def is_uncatalogued_layer(ref: ModuleRef) -> bool:
    parts = ref.path.split(".")
    return (
        len(parts) >= 3 and parts[:2] == ["torch", "nn"]
        and (len(parts) == 3 or parts[2] == "modules")
        and parts[-1][:1].isupper() and parts[-1] not in NOT_LAYERS
    )


class TorchLibrary(Library):
    root = "torch"
    value_types = (ModuleRef, LayerClass)
    constructs_layers = True

    def module(self, path: str) -> Any:
        return resolve_torch_path(path)

    def star(self, source: str) -> Dict[str, Any]:
        names = {}
        for name in LAYERS:
            value = resolve_torch_path(f"{source}.{name}")
            if isinstance(value, LayerClass):
                names[name] = value
        if source in ("torch.nn", "torch.nn.modules", "torch.nn.modules.transformer"):
            names.update({name: ModuleRef(f"torch.nn.{name}") for name in (
                "TransformerEncoder", "TransformerDecoder")})
        return names

    def attribute(self, base: Any, name: str) -> Any:
        if isinstance(base, LayerClass):
            if (base.spec.name, name) in CLASS_METHODS:
                return ModuleRef(f"torch.nn.{base.spec.name}.{name}")
            if name in ("__name__", "__qualname__"):  # timm's reverse map of norm layers
                return base.spec.name
            return Unknown(f"`torch.nn.{base.spec.name}.{name}` is not modelled")
        return resolve_torch_path(f"{base.path}.{name}")

    def has_attribute(self, base: Any, name: str) -> Any:
        if isinstance(base, ModuleRef):  # timm's `hasattr(F, 'scaled_dot_product_attention')`
            return torch_has(base.path, name)
        return super().has_attribute(base, name)

    def construct(self, interpreter: Any, node: Any, callee: Any, positional: List[Any],
                  keywords: Dict[str, Any], spread: Optional[str]) -> Any:
        if isinstance(callee, Partial) and isinstance(callee.function, LayerClass):
            callee, positional, keywords = (callee.function, [*callee.positional, *positional],
                                            {**callee.keywords, **keywords})
        if not isinstance(callee, LayerClass):
            return NotImplemented
        interpreter.record_site(node, callee.spec.name, callee.spec, positional, keywords, spread)
        return Unknown(f"a {callee.spec.name} instance")

    def unresolved_call(self, interpreter: Any, node: Any, callee: Any,
                        positional: List[Any], keywords: Dict[str, Any]) -> None:
        if isinstance(callee, ModuleRef) and is_uncatalogued_layer(callee):
            kind = callee.path.rsplit(".", 1)[-1]
            interpreter.record_site(node, kind, None, positional, keywords,
                                    f"torch.nn.{kind} is not in macslint's layer catalogue")
        elif isinstance(callee, Unknown) and last_name(node.func) in LAYERS:
            kind = last_name(node.func)
            interpreter.record_site(
                node, kind, None, positional, keywords,
                f"cannot tell whether `{interpreter.code(node.func)}` is torch.nn.{kind}: "
                f"{callee.reason}")


TORCH = register(TorchLibrary())


KNOWN_TORCH_NAMES = frozenset({"torch.nn.functional.scaled_dot_product_attention"})


def torch_has(path: str, name: str) -> Any:
    """`hasattr(<torch module>, name)`: True for names macslint knows torch has (its layer
    catalogue, op registries); Unknown otherwise (torch may have it)."""
    full = f"{path}.{name}"
    op = FUNCTIONAL.get(name) if path == "torch.nn.functional" else \
        TORCH_FUNCTIONS.get(name) if path == "torch" else None
    if isinstance(resolve_torch_path(full), LayerClass) or op is not None \
            or full in KNOWN_TORCH_NAMES:
        return True
    return Unknown(f"hasattr({path}, {name!r}): macslint does not know whether torch has it")
