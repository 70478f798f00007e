"""torch.nn.functional: activations, dropouts, softmaxes, normalize, layer_norm, group_norm,
batch_norm, rms_norm, linear, embedding, the pools, interpolate and the pixel shuffles (by the rules of
the layers they back), grid_sample and pad. All but linear count 0 MACs."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Tuple

import math

from ...units import format_shape
from ..layers import LAYERS
from ..shapes import normalize_dim, op_on, show_bracketed
from ..spec import (
    Args, LayerError, Shape, ShapeError, UnknownArgument, Unresolved, is_python_scalar,
)
from .base import ONE_TENSOR, int_arg, int_list_arg, resolve, resolved, shape_of, strict_int_arg
from .matmul import linear_parts
from .reductions import softmax_result


def _check_p(args: Args) -> None:
    p = args.known("p")
    if is_python_scalar(p) and not 0 <= p <= 1:
        raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(min_rank: int = 0, ranks: Optional[Tuple[int, ...]] = None):
    """Plain dropout any rank; channel-wise ones need (after their unsqueeze) 2 dims when
    training; dropout1d checks its rank always."""

    def result(args: Args) -> Shape:
        _check_p(args)
        x = shape_of(args)
        if ranks is not None and len(x) not in ranks:
            raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {len(x)}D "
                             f"input ({format_shape(x)})")
        if len(x) < min_rank and args.known("training"):
            raise ShapeError(f"Feature dropout requires at least 2 dimensions in the input "
                             f"(got {format_shape(x)})")
        return x

    return result


def _gelu(args: Args) -> Shape:
    if args.known("approximate") not in ("none", "tanh", None):
        raise LayerError("approximate argument must be either none or tanh.")
    return shape_of(args)


def _hardtanh(args: Args) -> Shape:
    low, high = args.known("min_val"), args.known("max_val")
    if is_python_scalar(low) and is_python_scalar(high) and low > high:
        raise LayerError("min_val cannot be greater than max_val")
    return shape_of(args)


def _layer_norm(args: Args) -> Shape:
    x, raw = shape_of(args), resolved(args, "normalized_shape")
    if not isinstance(raw, (list, tuple)):
        raise LayerError("layer_norm(): argument 'normalized_shape' must be tuple of ints, not "
                         f"{type(raw).__name__}")
    if not raw:
        raise LayerError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                         "containing at least one element, but got normalized_shape = []")
    shape = tuple(int_arg(args, "normalized_shape", d) for d in raw)
    for name in ("weight", "bias"):
        if args[name] is not None and shape_of(args, name) != shape:
            raise ShapeError(f"Expected {name} to be of same shape as normalized_shape, but "
                             f"got {name} of shape {list(shape_of(args, name))} and "
                             f"normalized_shape = {list(shape)}")
    return LAYERS["LayerNorm"].output(Args({"normalized_shape": shape}), [x])


def _rms_norm(args: Args) -> Shape:
    """F.rms_norm: layer_norm's checks, with no bias."""
    return _layer_norm(Args({**args.values, "bias": None}))


def _group_norm(args: Args) -> Shape:
    """F.group_norm: its Python checks (a batch of one value per group is refused, as
    training would), then torch.group_norm's."""
    x = shape_of(args)
    if len(x) < 2:
        raise ShapeError(f"Expected at least 2 dimensions for input tensor but received "
                         f"{len(x)}")
    groups = strict_int_arg(args, "num_groups")
    if groups == 0:
        raise LayerError("integer division or modulo by zero (num_groups=0)")
    size = [x[0] * x[1] // groups, groups, *x[2:]]
    if size[0] * math.prod(size[2:]) == 1:
        raise ShapeError(f"Expected more than 1 value per channel when training, got input size "
                         f"{size}")
    if groups < 0:
        raise LayerError(f"Expected num groups to be greater than 0, got {groups}")
    if x[1] % groups:
        raise ShapeError(f"Expected number of channels in input to be divisible by num_groups, "
                         f"but got input of shape {show_bracketed(x)} and num_groups={groups}")
    for name in ("weight", "bias"):
        if args[name] is not None and shape_of(args, name) != (x[1],):
            raise ShapeError(f"Expected {name} to be a vector of size equal to the number of "
                             f"channels in input, but got {name} of shape "
                             f"{show_bracketed(shape_of(args, name))} and input of shape "
                             f"{show_bracketed(x)}")
    return x


def _batch_norm(args: Args) -> Shape:
    """F.batch_norm: its Python check of the batch when training, then torch.batch_norm's of
    the statistics and affine tensors against the channels (in that order)."""
    x = shape_of(args)
    if args.known("training") and x and x[0] * math.prod(x[2:]) == 1:
        raise ShapeError(f"Expected more than 1 value per channel when training, got input size "
                         f"torch.Size({list(x)})")
    channels = x[1] if len(x) > 1 else 0
    for name in ("running_mean", "running_var", "weight", "bias"):
        if args[name] is None:
            if name in ("running_mean", "running_var") and args.known("training") is False:
                raise LayerError(f"{name} must be defined in evaluation mode")
            continue
        size = math.prod(shape_of(args, name))
        if size != channels:
            raise ShapeError(f"{name} should contain {channels} elements not {size}")
    for name in ("running_mean", "running_var"):  # the CPU kernel's (weight and bias: any shape)
        if args[name] is not None and len(shape_of(args, name)) != 1:
            raise ShapeError(f"{name}: TensorAccessor expected 1 dims but tensor has "
                             f"{len(shape_of(args, name))}")
    return x


def _one_hot(args: Args) -> Shape:
    """F.one_hot(t, num_classes): (*t, num_classes); with num_classes=-1 (the default) the
    size is the largest item's + 1, which only the data tell."""
    x, classes = shape_of(args), strict_int_arg(args, "num_classes")
    if classes == -1:
        raise Unresolved("num_classes", "F.one_hot() without num_classes: its size is the "
                                        "largest item + 1, which depends on the data")
    if classes < -1:
        raise LayerError("Class values must be smaller than num_classes.")
    return (*x, classes)


def _embedding(args: Args) -> Shape:
    """F.embedding: a row of the 2-D weight for each index; padding_idx within its rows."""
    x, w = shape_of(args), shape_of(args, "weight")
    index = args.known("padding_idx")  # only checked: one not known does not hide the shape
    if index is not None:
        if not is_python_scalar(index) or isinstance(index, complex):
            raise LayerError(f"'>' not supported between instances of '{type(index).__name__}' "
                             f"and 'int'")
        if index != 0 and not w:
            raise ShapeError("Dimension specified as 0 but tensor has no dimensions (the rows of "
                             "a 0-dim weight)")
        if index > 0 and index >= w[0] or index < 0 and index < -w[0]:
            raise ShapeError(f"Padding_idx must be within num_embeddings ({index} for a weight of "
                             f"{w[0]} rows)")
        strict_int_arg(args, "padding_idx")
    if len(w) != 2:
        raise ShapeError(f"'weight' must be 2-D, got {format_shape(w)}")
    if w[0] == 0 and math.prod(x):
        raise ShapeError(f"index_select(): self indexing axis dim should be positive (a weight of "
                         f"0 rows, indices {format_shape(x)})")
    return (*x, w[1])


_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDINGS = ("zeros", "border", "reflection")


def _grid_sample(args: Args) -> Shape:
    """F.grid_sample: (N, C, *grid's sizes) of a (N, C, H, W) input and a (N, h, w, 2) grid
    (5-D and 3 for volumes); torch.grid_sampler's checks (the 2-D kernel for a 4-D input,
    the 3-D one otherwise)."""
    x, grid = shape_of(args), shape_of(args, "grid")
    mode, padding = resolved(args, "mode"), resolved(args, "padding_mode")
    if mode not in _GRID_MODES:
        raise LayerError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding not in _GRID_PADDINGS:
        raise LayerError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding}'")
    align = args.known("align_corners")
    if align is not None and not isinstance(align, bool):
        raise LayerError(f"grid_sampler(): argument 'align_corners' (position 5) must be bool, "
                         f"not {type(align).__name__}")
    if not x or not grid:
        raise ShapeError(f"Dimension specified as 0 but tensor has no dimensions (grid_sample of "
                         f"a {format_shape(x)} input with a {format_shape(grid)} grid)")
    shown = f"input with sizes {show_bracketed(x)} and grid with sizes {show_bracketed(grid)}"
    if x[0] != grid[0]:
        raise ShapeError(f"grid_sampler(): expected grid and input to have same batch size, but "
                         f"got {shown}")
    if grid[-1] != len(x) - 2:
        raise ShapeError(f"grid_sampler(): expected grid to have size {len(x) - 2} in last "
                         f"dimension, but got grid with sizes {show_bracketed(grid)}")
    for i in range(2, len(x)):
        if x[i] <= 0:
            raise ShapeError(f"grid_sampler(): expected input to have non-empty spatial "
                             f"dimensions, but input has sizes {show_bracketed(x)} with "
                             f"dimension {i} being empty")
    rank = 4 if len(x) == 4 else 5
    if len(x) != rank or len(grid) != rank:
        raise ShapeError(f"grid_sampler(): expected {rank}D input and grid with same number of "
                         f"dimensions, but got {shown}")
    if rank == 5 and mode == "bicubic":
        raise ShapeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return (x[0], x[1], *grid[1:-1])


def _normalize(args: Args) -> Shape:
    x = shape_of(args)
    normalize_dim(int_arg(args, "dim"), len(x), op_on("normalize", x))
    return x


def _layer(layer: str, names: Sequence[str], indices: bool = False) -> Callable[[Args], Any]:
    """Delegate to a catalogue layer: its constructor arguments from the call's."""

    def result(args: Args) -> Any:
        # a top-level unknown value is left to the layer, which reads only what the shape needs
        values = {n: v if isinstance(v, UnknownArgument) else resolve(n, v)
                  for n, v in ((n, args.values[n]) for n in names)}
        spec = LAYERS[layer]
        layer_args = Args(values)
        spec.check(layer_args)
        out = spec.output(layer_args, [shape_of(args)])
        return (out, out) if indices and args["return_indices"] else out

    return result


def _indices_kind(args: Args) -> str:
    return "tensors" if args["return_indices"] else "tensor"


_MODES = ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear",
          "lanczos")


def _interpolate(args: Args) -> Shape:
    """F.interpolate's own checks, then nn.Upsample's shape rule with scale as a tuple."""
    x, mode = shape_of(args), resolved(args, "mode")
    size, scale = resolved(args, "size"), resolved(args, "scale_factor")
    align, recompute = args.known("align_corners"), args.known("recompute_scale_factor")
    antialias = args.known("antialias")
    if mode in ("nearest", "area", "nearest-exact") and align is not None:
        raise LayerError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if size is not None and scale is not None:
        raise LayerError("only one of size or scale_factor should be defined")
    if size is None and scale is None:
        raise LayerError("either size or scale_factor should be defined")
    if recompute and size is not None:
        raise LayerError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and len(x) == 4):
        raise LayerError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode not in _MODES:
        raise LayerError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                         f"{len(x)}D) for the modes: {' | '.join(_MODES)} (got {mode})")
    if mode == "lanczos" and len(x) == 4:
        if align:
            raise LayerError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise LayerError("Lanczos mode requires antialias=True")
    n = len(x) - 2
    if scale is not None and not isinstance(scale, (list, tuple)):
        scale = (scale,) * max(n, 0)
    if scale is not None:
        scale = tuple(float(s) if is_python_scalar(s) else s for s in scale)
    values = {"size": tuple(size) if isinstance(size, list) else size, "scale_factor": scale,
              "mode": "bicubic" if mode == "lanczos" else mode, "align_corners": align,
              "recompute_scale_factor": recompute}
    return LAYERS["Upsample"].output(Args(values), [x])


_NON_CONSTANT_PAD = ("reflect", "replicate", "circular")


def _pad(args: Args) -> Shape:
    x, pad, mode = shape_of(args), int_list_arg(args, "pad"), resolved(args, "mode")
    value = args.known("value")
    if len(pad) % 2:
        raise LayerError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > len(x):
        raise ShapeError(f"Padding length should be less than or equal to two times the input "
                         f"dimension but got padding length {len(pad)} and input of dimension "
                         f"{len(x)} ({format_shape(x)})")
    pairs = {len(x) - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(k)}
    out = list(x)
    if mode == "constant":
        for d, (lo, hi) in pairs.items():
            if x[d] + min(lo, 0) + min(hi, 0) < 0:
                raise ShapeError(f"pad {list(pad)} on a {format_shape(x)} tensor: negative padding "
                                 f"({lo}, {hi}) removes more than the {x[d]} elements of "
                                 f"dimension {d} (narrow(): length must be non-negative)")
            out[d] = x[d] + lo + hi
        return tuple(out)
    if mode not in _NON_CONSTANT_PAD:
        raise LayerError(f"Unrecognised padding mode {mode}")
    if value is not None:
        raise LayerError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= k <= 3 or len(x) not in (k + 1, k + 2):
        raise ShapeError(f"Padding size {len(pad)} is not supported for {len(x)}D input tensor "
                         f"({format_shape(x)}, mode={mode!r}): pad 2, 4 or 6 values for a 2D/3D, "
                         "3D/4D or 4D/5D input")
    if mode != "circular" and 0 in (x[1:] if len(x) == k + 2 else x):
        raise ShapeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                         f"batch size and other non-zero dimensions for input, but got: "
                         f"{list(x)}")
    for d, (lo, hi) in pairs.items():
        size, new = x[d], x[d] + lo + hi
        if mode == "reflect" and (lo >= size or hi >= size):
            raise ShapeError(f"Padding size should be less than the corresponding input "
                             f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of "
                             f"input {list(x)}")
        if mode == "circular" and (lo > size or hi > size):
            raise ShapeError(f"Padding value causes wrapping around more than once: padding "
                             f"({lo}, {hi}) at dimension {d} of input {list(x)}")
        if new < 0:
            raise ShapeError(f"input {list(x)} is too small for padding ({lo}, {hi}) at "
                             f"dimension {d}: calculated output size {new}")
        out[d] = new
    # reflect and replicate refuse to pad everything away (one padded dim may become empty)
    if mode != "circular" and all(out[d] < 1 for d in pairs):
        raise ShapeError(f"input {list(x)} is too small for padding {list(pad)}: calculated "
                         f"output {list(out)}")
    return tuple(out)


def _linear(args: Args) -> Shape:
    return linear_parts(args)[0]


def _linear_macs(args: Args, out: Shape) -> int:
    return linear_parts(args)[1]


_INPLACE_ACT = lambda input, inplace=False: None  # noqa: E731
_DROPOUT = lambda input, p=0.5, training=True, inplace=False: None  # noqa: E731
_SOFTMAX_F = lambda input, dim=None, _stacklevel=3, dtype=None: None  # noqa: E731
_MAXPOOL = lambda input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, \
    return_indices=False: None  # noqa: E731
_AVGPOOL1 = lambda input, kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True: None  # noqa: E731
_AVGPOOL = lambda input, kernel_size, stride=None, padding=0, ceil_mode=False, \
    count_include_pad=True, divisor_override=None: None  # noqa: E731
_MAXPOOL_ARGS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")

# F.relu(...) ... F.pad(...)
FUNCTIONAL = [
    *((op, _INPLACE_ACT, {}) for op in ("relu", "relu6", "selu", "silu", "mish", "hardswish",
                                        "hardsigmoid")),
    ("elu", lambda input, alpha=1.0, inplace=False: None, {}),
    ("leaky_relu", lambda input, negative_slope=0.01, inplace=False: None, {}),
    ("hardtanh", lambda input, min_val=-1.0, max_val=1.0, inplace=False: None,
     dict(result=_hardtanh)),
    ("gelu", lambda input, *, approximate="none": None, dict(result=_gelu)),
    ("sigmoid", ONE_TENSOR, {}),
    ("tanh", ONE_TENSOR, {}),
    ("softplus", lambda input, beta=1, threshold=20: None, {}),
    ("dropout", _DROPOUT, dict(result=_dropout())),
    ("dropout1d", _DROPOUT, dict(result=_dropout(ranks=(2, 3)))),
    ("dropout2d", _DROPOUT, dict(result=_dropout(min_rank=2))),
    ("dropout3d", _DROPOUT, dict(result=_dropout(min_rank=1))),
    ("alpha_dropout", lambda input, p=0.5, training=False, inplace=False: None,
     dict(result=_dropout())),
    ("softmax", _SOFTMAX_F, dict(result=softmax_result("softmax", implicit=True))),
    ("log_softmax", _SOFTMAX_F, dict(result=softmax_result("log_softmax", implicit=True))),
    ("normalize", lambda input, p=2.0, dim=1, eps=1e-12, out=None: None,
     dict(result=_normalize)),
    ("layer_norm", lambda input, normalized_shape, weight=None, bias=None, eps=1e-05: None,
     dict(tensors=("input", "weight", "bias"), result=_layer_norm)),
    ("linear", lambda input, weight, bias=None: None,
     dict(tensors=("input", "weight", "bias"), result=_linear, macs=_linear_macs)),
    *((f"max_pool{n}d", _MAXPOOL,
       dict(result=_layer(f"MaxPool{n}d", _MAXPOOL_ARGS, indices=True),
            result_kind=_indices_kind)) for n in (1, 2, 3)),
    ("avg_pool1d", _AVGPOOL1,
     dict(result=_layer("AvgPool1d", ("kernel_size", "stride", "padding", "ceil_mode",
                                      "count_include_pad")))),
    *((f"avg_pool{n}d", _AVGPOOL,
       dict(result=_layer(f"AvgPool{n}d", ("kernel_size", "stride", "padding", "ceil_mode",
                                           "count_include_pad", "divisor_override"))))
      for n in (2, 3)),
    *((f"adaptive_avg_pool{n}d", lambda input, output_size: None,
       dict(result=_layer(f"AdaptiveAvgPool{n}d", ("output_size",)))) for n in (1, 2, 3)),
    *((f"adaptive_max_pool{n}d", lambda input, output_size, return_indices=False: None,
       dict(result=_layer(f"AdaptiveMaxPool{n}d", ("output_size", "return_indices"),
                          indices=True),
            result_kind=_indices_kind)) for n in (1, 2, 3)),
    ("interpolate", lambda input, size=None, scale_factor=None, mode="nearest",
     align_corners=None, recompute_scale_factor=None, antialias=False: None,
     dict(result=_interpolate)),
    ("upsample", lambda input, size=None, scale_factor=None, mode="nearest",
     align_corners=None: None, dict(result=_interpolate)),
    ("pad", lambda input, pad, mode="constant", value=None: None, dict(result=_pad)),
]

# F.group_norm(...) ... F.pixel_unshuffle(...): listed after conv.FUNCTIONAL
NORMS_LOOKUPS = [
    ("group_norm", lambda input, num_groups, weight=None, bias=None, eps=1e-05: None,
     dict(tensors=("input", "weight", "bias"), no_numbers=("input", "weight", "bias"),
          result=_group_norm)),
    ("batch_norm", lambda input, running_mean, running_var, weight=None, bias=None,
     training=False, momentum=0.1, eps=1e-05: None,
     dict(tensors=("input", "running_mean", "running_var", "weight", "bias"),
          no_numbers=("input", "running_mean", "running_var", "weight", "bias"),
          result=_batch_norm)),
    ("rms_norm", lambda input, normalized_shape, weight=None, eps=None: None,
     dict(tensors=("input", "weight"), no_numbers=("input", "weight"), result=_rms_norm)),
    ("one_hot", lambda input, num_classes=-1: None, dict(result=_one_hot)),
    ("embedding", lambda input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
     scale_grad_by_freq=False, sparse=False: None,
     dict(tensors=("input", "weight"), no_numbers=("input", "weight"), result=_embedding)),
    ("grid_sample", lambda input, grid, mode="bilinear", padding_mode="zeros",
     align_corners=None: None,
     dict(tensors=("input", "grid"), no_numbers=("input", "grid"), result=_grid_sample)),
    ("pixel_shuffle", lambda input, upscale_factor: None,
     dict(result=_layer("PixelShuffle", ("upscale_factor",)), no_numbers=("input",))),
    ("pixel_unshuffle", lambda input, downscale_factor: None,
     dict(result=_layer("PixelUnshuffle", ("downscale_factor",)), no_numbers=("input",))),
]
