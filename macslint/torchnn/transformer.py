"""The Transformer family while a model is built and traced: each module is the submodules
torch builds, and runs them as torch's forward() does.

A `nn.TransformerEncoderLayer(...)`, `nn.TransformerDecoderLayer(...)` or `nn.Transformer(...)`
construction is a catalogued layer (its site is costed on its own: costmodel.layers.transformer);
`nn.TransformerEncoder(layer, N, norm)` and `nn.TransformerDecoder(...)` are built here. Each is
a UserModule (`composite` its torch class) whose children are torch's: `self_attn`, `linear1`,
`dropout`, `linear2`, `norm1`... (their sites the construction's, `LayerSite.part` naming them);
a stack's `layers` are deep copies of its layer (`clone`), as `_get_clones` makes them. Its
forward (`apply_composite`) runs them in torch's order, so a model's calls are the ones torch's
hooks see (`encoder.layers.0.self_attn`, ...) and its totals the sum of theirs. A subclass of one
(`class TransformerModel(nn.Transformer)`) gets the same children from `super().__init__`,
and may replace them (`self.decoder = nn.Linear(...)`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Sequence

import libcst as cst

from ..costmodel import LAYERS, Args, LayerError, LayerSpec, ShapeError, Unresolved
from ..costmodel.dtypes import DEFAULT_FLOAT, is_floating
from ..costmodel.layers.transformer import (
    CAUSAL_UNKNOWN, DECODER_LAYER, ENCODER_LAYER, LAYER_KINDS, Part, detect_causal,
    layer_count, layer_parts, part_args, sequence_length, stack_parts, transformer_check,
)
from ..costmodel.spec import bind
from ..costmodel.strides import contiguous_strides
from ..evaluator.scope import Scope
from ..evaluator.values import RaiseSignal, Unknown, UserClass, python_type, what_is
from ..results.sites import LayerSite
from .calls import handles
from .common import clone
from .names import LayerClass, ModuleRef
from .tensors import dtype_named
from .values import MODULE_VALUES, Container, LayerModule, Tensor, Untraced, UserModule

COMPOSITES = frozenset({ENCODER_LAYER, DECODER_LAYER, "Transformer"})
STACKS = ("TransformerEncoder", "TransformerDecoder")
STACK_PATHS = {f"torch.nn{within}.{kind}": kind for kind in STACKS
               for within in ("", ".modules.transformer")}
MASK_PATHS = ("torch.nn.Transformer.generate_square_subsequent_mask",
              "torch.nn.modules.transformer.Transformer.generate_square_subsequent_mask",
              "torch.nn.modules.transformer._generate_square_subsequent_mask")
# torch.nn.Transformer's methods a model calls (on the class or an instance)
METHODS = {"generate_square_subsequent_mask": MASK_PATHS[0]}

_STACK_SIGNATURES = {
    "TransformerEncoder": lambda encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
    mask_check=True: None,
    "TransformerDecoder": lambda decoder_layer, num_layers, norm=None: None,
}
_STACK_FORWARDS = {
    "TransformerEncoder": lambda src, mask=None, src_key_padding_mask=None, is_causal=None: None,
    "TransformerDecoder": lambda tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
    memory_is_causal=False: None,
}


def torch_class(name: str, node: cst.CSTNode, base: Any) -> UserClass:
    """The class of a module torch composes: no body of the file's, torch's `base`; `node`,
    the construction, is where it is reported."""
    return UserClass(name, node, None, (base,), Scope("class", None))  # type: ignore[arg-type]


def is_composite_base(base: Any) -> bool:
    """A torch.nn class built as its submodules (a base of the file's subclass of it)."""
    return isinstance(base, LayerClass) and base.spec.name in COMPOSITES or \
        isinstance(base, ModuleRef) and base.path in STACK_PATHS


# ---------------------------------------------------------------------------------------
# building


def _show(value: Any) -> str:
    return value.path if isinstance(value, ModuleRef) else repr(value)


def _part(site: LayerSite, owner: str, part: Part) -> LayerModule:
    """The layer torch builds for `part` of the module constructed at `site`."""
    name, kind, positional, keywords = part
    spec = LAYERS[kind]
    args = part_args(part)  # checked with the module's own arguments already
    shown = [_show(v) for v in positional] + [
        f"{k}={_show(v)}" for k, v in keywords.items()
        if not (k in ("device", "dtype") and v is None)]
    text = f"{kind}({', '.join(shown)})"
    part_site = LayerSite(site.line, site.col, kind, text if len(text) <= 80 else
                          text[:76] + "...)", spec, args=args, file=site.file,
                          end_line=site.end_line, end_col=site.end_col, part=f"{owner}.{name}",
                          origin=site.origin)
    return LayerModule(kind, spec, part_site, args)


def build(run: Any, node: cst.CSTNode, spec: LayerSpec, args: Args, site: LayerSite,
          module: Optional[UserModule] = None) -> UserModule:
    """`spec.name(args)` (its arguments checked) as the modules torch builds: into `module`,
    an instance of the file's subclass, or a new one."""
    kind = spec.name
    if module is None:
        module = UserModule(torch_class(kind, node, LayerClass(spec)))
    module.composite = kind
    values = args.values
    if kind in LAYER_KINDS:
        for part in layer_parts(kind, args):
            module.children[part[0]] = _part(site, kind, part)
        activation = values["activation"]
        if isinstance(activation, str):  # _get_activation_fn
            activation = ModuleRef(f"torch.nn.functional.{activation}")
        _register(run, node, module, "activation", activation)
        module.attrs["norm_first"] = values["norm_first"]
        return module
    layer, norm_part = stack_parts(args)
    for name, custom, layer_kind, stack, count in (
            ("encoder", "custom_encoder", ENCODER_LAYER, "TransformerEncoder",
             "num_encoder_layers"),
            ("decoder", "custom_decoder", DECODER_LAYER, "TransformerDecoder",
             "num_decoder_layers")):
        if values[custom] is not None:
            run.set_attribute(module, name, values[custom], node)
            continue
        template = build(run, node, LAYERS[layer_kind], layer, site)
        norm = _part(site, f"Transformer.{name}", norm_part)
        module.children[name] = build_stack(run, node, stack, template, values[count], norm)
        module.children[name].composite_site = site
    module.attrs.update(d_model=values["d_model"], nhead=values["nhead"],
                        batch_first=values["batch_first"])
    return module


def build_stack(run: Any, node: cst.CSTNode, kind: str, layer: Any, count_value: Any,
                norm: Any, module: Optional[UserModule] = None,
                extra: Optional[Dict[str, Any]] = None) -> UserModule:
    """TransformerEncoder / TransformerDecoder: `count_value` deep copies of `layer` in a
    ModuleList `layers`, and `norm`."""
    try:
        count = layer_count(count_value)
    except Unresolved as exc:
        run.note(f"{run.where(node)}: the number of layers is not known: {exc.reason}")
        count = None
    except LayerError as exc:
        raise RaiseSignal(f"{run.where(node)} raises: {exc}")
    if module is None:
        module = UserModule(torch_class(kind, node, ModuleRef(f"torch.nn.{kind}")))
    module.composite = kind
    layers = Container("ModuleList", OrderedDict())
    if count is None:
        layers.children["0"] = Untraced("the number of layers is not known")
    elif count and not isinstance(layer, MODULE_VALUES):
        why = layer.reason if isinstance(layer, Unknown) else what_is(layer)
        run.note(f"{run.where(node)} copies a layer that is not a known module: {why}")
        layers.children["0"] = Untraced(why)
    elif count:
        run.tick(count)  # each copy is a step: `nn.TransformerEncoder(layer, 10**9)` ends
        for index in range(count):
            layers.children[str(index)] = clone(layer, {})
    module.children["layers"] = layers
    _register(run, node, module, "norm", norm)
    module.attrs.update(num_layers=count_value, **(extra or {}))
    return module


def build_part_of(run: Any, node: cst.CSTNode, module: UserModule, base: Any,
                  positional: List[Any], keywords: Dict[str, Any]) -> None:
    """`super().__init__(...)` of the file's subclass of a torch.nn module torch composes."""
    if isinstance(base, LayerClass):
        layer = run.construct_layer(node, base.spec, positional, keywords)
        if isinstance(layer, UserModule):  # built: its parts become the subclass's
            module.children.update(layer.children)
            module.attrs.update({k: v for k, v in layer.attrs.items() if k != "training"})
            module.composite = layer.composite
        else:
            module.layer = layer  # not built: the reason is the layer's
            layer.owner = module
        return
    kind = STACK_PATHS[base.path]
    values = _bind(run, node, _STACK_SIGNATURES[kind], f"{kind}.__init__()", positional,
                   keywords)
    layer = values.pop("encoder_layer" if kind == "TransformerEncoder" else "decoder_layer")
    build_stack(run, node, kind, layer, values.pop("num_layers"), values.pop("norm"), module,
                values)


def _register(run: Any, node: cst.CSTNode, module: UserModule, name: str, value: Any) -> None:
    """`self.<name> = value` in torch's constructor: a module is a child (None too, which
    torch leaves out of the module tree), anything else an attribute."""
    if isinstance(value, MODULE_VALUES) or value is None:
        module.children[name] = value
    elif isinstance(value, Unknown):
        run.set_attribute(module, name, value, node)  # says it may hold a module not known
    else:
        module.attrs[name] = value


def _bind(run: Any, node: cst.CSTNode, signature: Any, caller: str, positional: List[Any],
          keywords: Dict[str, Any]) -> Dict[str, Any]:
    try:
        return bind(signature, caller, positional, keywords)
    except LayerError as exc:
        raise RaiseSignal(f"{run.where(node)} raises: {exc}")


def _stack_handler(kind: str) -> Callable[..., Any]:
    def construct(run: Any, node: Any, positional: List[Any], keywords: Dict[str, Any]) -> Any:
        values = _bind(run, node, _STACK_SIGNATURES[kind], f"{kind}.__init__()", positional,
                       keywords)
        layer = values.pop("encoder_layer" if kind == "TransformerEncoder" else "decoder_layer")
        return build_stack(run, node, kind, layer, values.pop("num_layers"), values.pop("norm"),
                           extra=values)

    return construct


for _kind in STACKS:
    handles(*(path for path, kind in STACK_PATHS.items() if kind == _kind))(
        _stack_handler(_kind))


@handles(*MASK_PATHS)
def square_subsequent_mask(run: Any, node: Any, positional: List[Any],
                           keywords: Dict[str, Any]) -> Any:
    """`nn.Transformer.generate_square_subsequent_mask(sz)`: torch.triu of an (sz, sz) float
    tensor (of `dtype`, the default float dtype without one)."""
    values = _bind(run, node, lambda sz, device=None, dtype=None: None,
                   "generate_square_subsequent_mask()", positional, keywords)
    sz = values["sz"]
    if isinstance(sz, Unknown):
        if not isinstance(sz, Untraced):
            run.note(f"{run.where(node)} is not followed: its size is not known: {sz.reason}")
        return Untraced(sz.reason)
    if not isinstance(sz, int) or isinstance(sz, bool):
        raise RaiseSignal(f"{run.where(node)} raises: full(): argument 'size' (position 1) "
                          f"must be tuple of ints, but found element of type "
                          f"{python_type(sz)} at pos 0")
    if sz < 0:
        raise RaiseSignal(f"{run.where(node)} raises: Trying to create tensor with negative "
                          f"dimension {sz}: [{sz}, {sz}]")
    dtype = values["dtype"]
    named = DEFAULT_FLOAT if dtype is None else dtype_named(dtype)
    return Tensor((sz, sz), run.line_of(node), dtype=named, strides=contiguous_strides((sz, sz)))


# ---------------------------------------------------------------------------------------
# forward()


def apply_composite(run: Any, node: cst.CSTNode, module: UserModule, positional: List[Any],
                    keywords: Dict[str, Any]) -> Any:
    """`module(...)` of a module torch composes: torch's forward() on its submodules."""
    kind = module.composite
    assert kind is not None
    signature = LAYERS[kind].forward_of if kind in COMPOSITES else _STACK_FORWARDS[kind]
    values = _bind(run, node, signature, f"{kind}.forward()", positional, keywords)
    return _RUNNERS[kind](_Forward(run, node, module), values)


class _Forward:
    """One forward() of a composed module: its submodules called at the call `node`."""

    def __init__(self, run: Any, node: cst.CSTNode, module: UserModule) -> None:
        self.run, self.node, self.module = run, node, module

    def fail(self, tensors: Sequence[Tensor], message: str) -> None:
        """torch raises in forward() itself (MAC011 at the call, or the input's misfit)."""
        run, node = self.run, self.node
        what = f"`{run.code(node)}`"
        run.input_mismatch([t for t in tensors if isinstance(t, Tensor)], what,
                           ShapeError(message))
        start = run.positions[node].start
        run.shape_error(start.line, start.column + 1, f"{what}: {message}", run.file_of(node))

    def tensor(self, value: Any, attribute: str) -> Any:
        """A tensor argument; Untraced (why noted) for what is not known; torch's error for
        None (it reads `attribute` of it first)."""
        if isinstance(value, Tensor):
            return value
        if value is None or isinstance(value, tuple):
            kind = "NoneType" if value is None else "tuple"
            raise RaiseSignal(f"{self.run.where(self.node)} raises: '{kind}' object has no "
                              f"attribute '{attribute}'")
        why = value.reason if isinstance(value, Unknown) else f"{what_is(value)}, not a tensor"
        if not isinstance(value, Untraced):
            self.run.note(f"{self.run.where(self.node)} gets an input that is not traced: {why}")
        return Untraced(why)

    def member(self, name: str) -> Any:
        module = self.module
        if name in module.children:
            return module.children[name]
        return module.attrs.get(name, Unknown(f"`{name}` of {module.cls.name} is not known"))

    def call(self, name: str, positional: List[Any], keywords: Optional[Dict[str, Any]] = None
             ) -> Any:
        """`self.<name>(...)`: a submodule, or the activation function."""
        run, node = self.run, self.node
        callee = self.member(name)
        if callee is None:
            raise RaiseSignal(f"{run.where(node)} raises: 'NoneType' object is not callable "
                              f"(`{name}` of {self.module.cls.name})")
        if isinstance(callee, MODULE_VALUES):
            return run.apply_module(node, callee, positional, keywords or {})
        if isinstance(callee, Unknown) or not isinstance(node, cst.Call):
            why = callee.reason if isinstance(callee, Unknown) else "not modelled"
            run.note(f"{run.where(node)}: `{name}` of {self.module.cls.name} is not followed: "
                     f"{why}")
            return Untraced(why)
        return run.call(node, callee, positional, keywords or {})

    def add(self, left: Any, right: Any) -> Any:
        return self.run.combine(self.node, cst.Add, left, right)

    def flag(self, name: str) -> Any:
        value = self.run.truth(self.member(name))
        if isinstance(value, Unknown):
            self.run.note(f"{self.run.where(self.node)}: `{name}` of {self.module.cls.name} is "
                          f"not known: {value.reason}")
        return value

    def canonical(self, mask: Any, name: str, target: Any) -> Any:
        """F._canonical_mask: a bool mask becomes a float one of the input's dtype; other
        dtypes than bool and floating ones are refused."""
        if not isinstance(mask, Tensor):
            return mask
        if mask.dtype is not None and mask.dtype != "bool" and not is_floating(mask.dtype):
            self.fail([mask], f"only bool and floating types of {name} are supported")
        if mask.dtype == "bool":
            dtype = target.dtype if isinstance(target, Tensor) else None
            return Tensor(mask.shape, self.run.line_of(self.node), dtype=dtype,
                          strides=contiguous_strides(mask.shape))
        return mask

    def blocks(self, x: Any, memory: Any, masks: Sequence[Any], causal: Sequence[Any]) -> Any:
        """An encoder layer's (masks: attn, padding) or decoder layer's blocks (masks: tgt,
        memory, tgt padding, memory padding), pre- or post-norm."""
        decoder = len(masks) == 4
        norm_first = self.flag("norm_first")
        if isinstance(norm_first, Unknown):
            return Untraced(norm_first.reason)

        def attend(name: str, y: Any, kv: Any, mask: Any, padding: Any, is_causal: Any,
                   dropout: str) -> Any:
            out = self.call(name, [y, kv, kv], {"attn_mask": mask, "key_padding_mask": padding,
                                                "need_weights": False, "is_causal": is_causal})
            return self.call(dropout, [out[0] if isinstance(out, tuple) and out else out])

        def feed_forward(y: Any) -> Any:
            y = self.call("dropout", [self.call("activation", [self.call("linear1", [y])])])
            return self.call("dropout3" if decoder else "dropout2", [self.call("linear2", [y])])

        steps: List[Callable[[Any], Any]] = [
            lambda y: attend("self_attn", y, y, masks[0], masks[2 if decoder else 1], causal[0],
                             "dropout1")]
        if decoder:
            steps.append(lambda y: attend("multihead_attn", y, memory, masks[1], masks[3],
                                          causal[1], "dropout2"))
        steps.append(feed_forward)
        for index, step in enumerate(steps, 1):
            if norm_first:
                x = self.add(x, step(self.call(f"norm{index}", [x])))
            else:
                x = self.call(f"norm{index}", [self.add(x, step(x))])
        return x

    def no_layers(self, tensors: Sequence[Any]) -> None:
        """A stack of no layers: torch's forward fails at `self.layers[0]` whatever the input.
        Built by a catalogued Transformer, its construction's fault (MAC010 there, as a layer
        torch refuses to call); else the call's."""
        message = "index 0 is out of range"
        site = self.module.composite_site
        if site is None:
            self.fail(tensors, f"{message} (a {self.module.cls.name} of no layers)")
        if site.error is None:
            site.error, site.unresolved = message, None
        raise RaiseSignal(f"{site.call_text} (line {site.line}) raises when called: {message}")

    def layers(self) -> Any:
        """A stack's layers, or Untraced (noted) when they are not known."""
        container = self.member("layers")
        if isinstance(container, (Container, UserModule)):
            layers = [v for v in container.children.values() if v is not None]
            unknown = next((v for v in layers if isinstance(v, Unknown)), None)
            if unknown is None:
                return layers
            container = unknown
        if isinstance(container, Untraced):
            return container
        why = container.reason if isinstance(container, Unknown) else "not a ModuleList"
        self.run.note(f"{self.run.where(self.node)}: the layers of {self.module.cls.name} are "
                      f"not known: {why}")
        return Untraced(why)

    def batch_first(self, layer: Any) -> Any:
        """`layer.self_attn.batch_first`, which torch reads of a stack's first layer."""
        attention = layer.children.get("self_attn", layer.attrs.get("self_attn")) \
            if isinstance(layer, UserModule) else None
        if attention is None:
            raise RaiseSignal(f"{self.run.where(self.node)} raises: the first layer of "
                              f"{self.module.cls.name} has no attribute 'self_attn'")
        if isinstance(attention, LayerModule):
            value = attention.attribute("batch_first", attention.site.line) \
                if attention.spec is not None and "batch_first" in (
                    attention.args.values if attention.args is not None else {}) else \
                Unknown(f"`batch_first` of {attention.site.call_text} is not known")
        elif isinstance(attention, UserModule):
            value = attention.attrs.get("batch_first", Unknown("`self_attn.batch_first` of the "
                                                               "first layer is not known"))
        else:
            value = Unknown("`self_attn` of the first layer is not known")
        return self.run.truth(value)

    def causal(self, src: Tensor, mask: Any, is_causal: Any, batch_first: Any) -> Any:
        """_get_seq_len and _detect_is_causal_mask: True, False, or Unknown where torch reads
        the mask's values."""
        if isinstance(batch_first, Unknown):
            return Unknown(CAUSAL_UNKNOWN)
        try:
            length = sequence_length(src.shape, bool(batch_first))
        except ShapeError as exc:
            self.fail([src], str(exc))
        if isinstance(mask, Tensor) or mask is None:
            found = detect_causal(None if mask is None else mask.shape, is_causal, length)
        else:
            found = None if is_causal is None else is_causal is True
        return Unknown(CAUSAL_UNKNOWN) if found is None else found


def _encoder_layer(f: _Forward, a: Dict[str, Any]) -> Any:
    src = f.tensor(a["src"], "dtype")
    padding = f.canonical(a["src_key_padding_mask"], "src_key_padding_mask", src)
    mask = f.canonical(a["src_mask"], "src_mask", src)
    if isinstance(src, Unknown):
        return src
    return f.blocks(src, None, (mask, padding), (a["is_causal"],))


def _decoder_layer(f: _Forward, a: Dict[str, Any]) -> Any:
    masks = (a["tgt_mask"], a["memory_mask"], a["tgt_key_padding_mask"],
             a["memory_key_padding_mask"])
    return f.blocks(a["tgt"], a["memory"], masks, (a["tgt_is_causal"], a["memory_is_causal"]))


def _encoder(f: _Forward, a: Dict[str, Any]) -> Any:
    src = f.tensor(a["src"], "dtype")
    padding = f.canonical(a["src_key_padding_mask"], "src_key_padding_mask", src)
    mask = f.canonical(a["mask"], "mask", src)
    layers = f.layers()
    if isinstance(layers, Unknown) or isinstance(src, Unknown):
        return layers if isinstance(layers, Unknown) else src
    if not layers:
        f.no_layers([src])
    causal = f.causal(src, mask, a["is_causal"], f.batch_first(layers[0]))
    x: Any = src
    for layer in layers:
        x = f.run.apply_module(f.node, layer, [x], {"src_mask": mask, "is_causal": causal,
                                                    "src_key_padding_mask": padding})
    norm = f.member("norm")
    return x if norm is None else f.call("norm", [x])


def _decoder(f: _Forward, a: Dict[str, Any]) -> Any:
    layers = f.layers()
    if isinstance(layers, Unknown):
        return layers
    if not layers:
        f.no_layers([a["tgt"], a["memory"]])
    batch_first = f.batch_first(layers[0])
    tgt = f.tensor(a["tgt"], "is_nested")
    if isinstance(tgt, Unknown):
        return tgt
    causal = f.causal(tgt, a["tgt_mask"], a["tgt_is_causal"], batch_first)
    x: Any = tgt
    for layer in layers:
        x = f.run.apply_module(f.node, layer, [x, a["memory"]], {
            "tgt_mask": a["tgt_mask"], "memory_mask": a["memory_mask"],
            "tgt_key_padding_mask": a["tgt_key_padding_mask"],
            "memory_key_padding_mask": a["memory_key_padding_mask"], "tgt_is_causal": causal,
            "memory_is_causal": a["memory_is_causal"]})
    norm = f.member("norm")
    return x if norm is None else f.call("norm", [x])


def _transformer(f: _Forward, a: Dict[str, Any]) -> Any:
    src, tgt = f.tensor(a["src"], "dim"), f.tensor(a["tgt"], "size")
    if isinstance(src, Unknown) or isinstance(tgt, Unknown):
        return src if isinstance(src, Unknown) else tgt
    batch_first, d_model = f.flag("batch_first"), f.member("d_model")
    if isinstance(batch_first, Unknown):
        return Untraced(batch_first.reason)
    if isinstance(d_model, Unknown):
        f.run.note(f"{f.run.where(f.node)}: `d_model` of {f.module.cls.name} is not known: "
                   f"{d_model.reason}")
        return Untraced(d_model.reason)
    try:
        transformer_check(batch_first, d_model, src.shape, tgt.shape)
    except ShapeError as exc:
        f.fail([src, tgt], str(exc))
    memory = f.call("encoder", [src], {"mask": a["src_mask"],
                                       "src_key_padding_mask": a["src_key_padding_mask"],
                                       "is_causal": a["src_is_causal"]})
    return f.call("decoder", [tgt, memory], {
        "tgt_mask": a["tgt_mask"], "memory_mask": a["memory_mask"],
        "tgt_key_padding_mask": a["tgt_key_padding_mask"],
        "memory_key_padding_mask": a["memory_key_padding_mask"],
        "tgt_is_causal": a["tgt_is_causal"], "memory_is_causal": a["memory_is_causal"]})


_RUNNERS: Dict[str, Callable[[_Forward, Dict[str, Any]], Any]] = {
    ENCODER_LAYER: _encoder_layer, DECODER_LAYER: _decoder_layer, "Transformer": _transformer,
    "TransformerEncoder": _encoder, "TransformerDecoder": _decoder,
}
