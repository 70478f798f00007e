"""Tests added to kill tracer mutants (issue 18): survivors of cosmic-ray's sample of
`macslint/torchnn` at a464175 in the builtins (`round()`/`str()` of plain numbers, `dict()`
against `OrderedDict()`), the items of `torch.tensor()` data, the methods of containers and
lists (`ModuleList.insert`, `list.copy`, `list.sort`, `dict.update`), indexing a ModuleList
out of range, `+` of lists and tuples, comparisons with None, declared constructions whose
expression makes a tensor, and the attributes torch's layers keep (an activation's argument,
a pooling's default stride).

Every expected value comes from torch (or Python) running the same source
(tests/torchnn/tracer_helpers.py: built on the meta device, eval mode, FlopCounterMode; a
model whose __init__ reads tensor items, which meta tensors refuse, is built on the CPU, then
moved to meta and run the same way; a declared construction is evaluated by torch in the
source's namespace). Where torch or Python raises, macslint must report the model incomplete
with a reason naming the construct and its line (never an internal error, never numbers).
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.builds import parse_build
from tests.torchnn.tracer_helpers import (
    analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src, torch_model,
    trace,
)

Counts = Tuple[int, int, Tuple[int, ...]]


def model_source(init: str, forward: str = "return self.fc(x)") -> str:
    """A model of 8 input features whose __init__ runs `init` (lines) and forward `forward`."""
    body = "\n".join("        " + line for line in init.strip().splitlines())
    return src(f"""
class Net(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
{body}

    def forward(self, x):
        {forward}
""")


def run_counts(model: torch.nn.Module, shape: Tuple[int, ...]) -> Counts:
    """(params, MACs, output shape) of `model` run on meta zeros, eval mode, FlopCounterMode."""
    model = model.to("meta").eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(shape, device="meta"))
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2, \
        tuple(out.shape)


def assert_matches_cpu_built(source: str) -> None:
    """For a model whose __init__ reads tensor items: torch builds it on the CPU."""
    model = trace(source, "Net")
    assert model.complete, model.reasons
    expected = run_counts(torch_model(source, "Net", device="cpu"), declared_input(source, "Net"))
    assert (model.params, model.macs, model.output) == expected


def assert_unknown_where_python_raises(source: str, construct: str,
                                       error: type = TypeError) -> None:
    """Python raises building `Net()`, so torch counts nothing: macslint counts nothing either
    and says why at the construct's line (not an internal error)."""
    with pytest.raises(error):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert not model.complete
    assert model.params is None and model.macs is None, (model.params, model.macs)
    why = reasons(model)
    assert f"(line {line_of(source, construct)})" in why, why
    assert "internal error" not in why, why
    assert codes(analyse(source), "MAC900") == []


# ------------------------------------------------------------------------------ builtins


def test_round_and_str_of_plain_numbers_are_pythons():
    """builtins.py:160: `round(12.6)` and `str(1234)` are Python's (13 and "1234"), not
    checked as `range()`'s arguments are (`range(12.6)` raises TypeError)."""
    assert_matches_torch(model_source("""
self.fc = nn.Linear(8, round(12.6))
self.out = nn.Linear(round(12.6), len(str(1234)) + round(2.5))
""", "return self.out(self.fc(x))"), "Net")


def test_dict_and_ordered_dict_compare_as_pythons():
    """builtins.py:177: `dict(...)` makes a dict, whose equality ignores the order of its keys;
    two OrderedDicts in different orders are not equal."""
    assert_matches_torch(model_source("""
same = dict(a=1, b=2) == dict(b=2, a=1)
ordered = OrderedDict(a=1, b=2) == OrderedDict(b=2, a=1)
self.fc = nn.Linear(8, (16 if same else 4) + (2 if ordered else 6))
"""), "Net")


# ---------------------------------------------------------------------- torch.tensor items


@pytest.mark.parametrize("data, read", [
    ("[3, 16]", "n = data[1]"),
    ("[0.5, 2.0]", "n = int(data[1] * 8)"),
    ("[True, False]", "n = 16 if data[0] else 4"),
    ("[[False], [True]]", "n = 16 if data[1][0] and not data[0][0] else 4"),
], ids=["int64", "float32", "bool", "bool-nested"])
def test_tensor_items_are_torchs_for_each_dtype(data, read):
    """calls.py:177: the items of `torch.tensor(data).tolist()` are ints, float32 values or
    bools as torch infers the dtype; torch builds the model on the CPU."""
    assert_matches_cpu_built(model_source(f"""
data = torch.tensor({data}).tolist()
{read}
self.fc = nn.Linear(8, n)
"""))


# ------------------------------------------------------------------ methods of containers


@pytest.mark.parametrize("forward", [
    "for layer in self.layers:\n            x = layer(x)\n        return x",
    "return self.layers[3](self.layers[2](self.layers[1](self.layers[0](x))))",
], ids=["iterated", "indexed"])
def test_module_list_insert_is_torchs(forward):
    """containers.py:373: `ModuleList.insert(index, module)` at the front, in the middle and at
    the end: torch's order, params, MACs and leaf calls, iterated and indexed. (torch's insert
    renumbers as a list's only for 0 <= index <= len: see the report of issue 18.)"""
    assert_matches_torch(model_source("""
self.layers = nn.ModuleList([nn.Linear(16, 4)])
self.layers.insert(0, nn.Linear(8, 32))
self.layers.insert(1, nn.Linear(32, 16))
self.layers.insert(3, nn.Linear(4, 6))
""", forward), "Net")


@pytest.mark.parametrize("call", ["self.layers.add_module(0, nn.Linear(8, 16))",
                                  "self.layers.register_module(1, nn.Linear(8, 16))"])
def test_a_container_method_given_an_int_name_is_unknown_as_torch_raises(call):
    """containers.py:373: only `insert` takes an index and a module; `add_module(0, layer)`
    raises TypeError in torch (module name should be a string), so torch builds nothing and
    macslint must not insert the layer and count the model."""
    source = model_source(f"""
self.layers = nn.ModuleList([nn.Linear(8, 8)])
{call}
""", """for layer in self.layers:
            x = layer(x)
        return x""")
    assert_unknown_where_python_raises(source, call)


def test_list_copy_leaves_the_list_as_it_was():
    """containers.py:433 (`name == "sort"`): `sizes.copy()` is a new list with the same items,
    and `sizes` keeps its order (it is not sorted)."""
    assert_matches_torch(model_source("""
sizes = [16, 8, 4]
copy = sizes.copy()
copy.append(2)
self.fc = nn.Linear(8, sizes[0])
self.out = nn.Linear(sizes[0], copy[1] + copy[3] + len(sizes))
""", "return self.out(self.fc(x))"), "Net")


@pytest.mark.parametrize("call", ["sizes.sort()", "sizes.sort(reverse=True)",
                                  "sizes.sort(reverse=False)"])
def test_list_sort_is_pythons(call):
    """containers.py:433 (`not args`): `sizes.sort()` with no argument, or only `reverse=`,
    sorts the list in place as Python does."""
    assert_matches_torch(model_source(f"""
sizes = [4, 16, 8]
{call}
self.fc = nn.Linear(8, sizes[0])
self.out = nn.Linear(sizes[0], sizes[1] + 2 * sizes[2])
""", "return self.out(self.fc(x))"), "Net")


def test_dict_update_with_a_dict_and_keywords_is_pythons():
    """containers.py:474: `cfg.update({...})`, `cfg.update(k=v)`, `cfg.update()`: Python's
    dict."""
    assert_matches_torch(model_source("""
cfg = {"width": 4, "out": 2}
cfg.update({"width": 16})
cfg.update(out=6)
cfg.update()
self.fc = nn.Linear(8, cfg["width"])
self.out = nn.Linear(cfg["width"], cfg["out"])
""", "return self.out(self.fc(x))"), "Net")


def test_dict_update_with_two_dicts_is_unknown_as_python_raises():
    """`cfg.update({...}, {...})`: Python raises TypeError (update expected at most 1
    argument), so torch builds nothing; macslint must not take the first dict and count."""
    source = model_source("""
cfg = {"width": 4}
cfg.update({"width": 16}, {"width": 8})
self.fc = nn.Linear(8, cfg["width"])
""")
    assert_unknown_where_python_raises(source, 'self.fc = nn.Linear(8, cfg["width"])')


@pytest.mark.parametrize("key", [3, 5])
def test_a_module_list_indexed_past_its_end_raises_torchs_index_error(key):
    """containers.py:556: `self.layers[3]` of two layers (past `len`, not at it): torch's
    IndexError, its message in the reason with the subscript's line; the parameters are
    torch's (building went through)."""
    source = model_source("""
self.layers = nn.ModuleList([nn.Linear(8, 16), nn.Linear(16, 8)])
""", f"return self.layers[{key}](x)")
    built = torch_model(source, "Net")
    with pytest.raises(IndexError) as raised:
        built(torch.zeros(declared_input(source, "Net"), device="meta"))
    model = trace(source, "Net")
    assert model.params == sum(p.numel() for p in built.parameters())
    assert not model.complete and model.macs is None
    why = reasons(model)
    assert str(raised.value) in why and f"(line {line_of(source, 'self.layers[')})" in why, why
    assert "internal error" not in why, why
    assert codes(analyse(source), "MAC900") == []


# --------------------------------------------------------------------- operators on values


def test_lists_and_tuples_added_are_pythons():
    """tensors.py:435: `[8] + [16, 4]` while building, `(1,) + (2, 8)` and a shape's tuple
    plus a tuple in forward(): Python's sequences."""
    assert_matches_torch(model_source("""
sizes = [8] + [16, 4]
self.fc = nn.Linear(sizes[0], sizes[1])
""", "return self.fc(x).view(*((1,) + (2, 8))).view(tuple(x.shape[:1]) + (16,))"), "Net")


@pytest.mark.parametrize("condition", ["width == None", "not (width != None)",
                                       "other != None", "not (other == None)"])
def test_comparisons_with_none_are_pythons(condition):
    """tensors.py:544: `==` and `!=` with None compare as Python does (`None == None` is
    true), not as `is` / `is not`."""
    assert_matches_torch(model_source(f"""
width = None
other = 8
self.fc = nn.Linear(8, 16 if {condition} else 4)
"""), "Net")


# ------------------------------------------------------------ declared constructions


def torch_built(source: str, expression: str, input_shape: Tuple[int, ...]) -> Counts:
    """What `expression` builds in the namespace of `source`, run by torch (meta device)."""
    namespace: Dict[str, Any] = {"__name__": "_macslint_declared"}
    exec(compile(source, "<model>", "exec"), namespace)
    with torch.device("meta"):
        model = eval(expression, namespace)  # noqa: S307 - the test's own text
    return run_counts(model, input_shape)


@pytest.mark.parametrize("expression", ["Net(torch.ones(16))",
                                        "Net(torch.ones(16), n=torch.zeros(2).shape[0])"])
def test_a_declared_construction_making_a_tensor_is_torchs(expression):
    """tracer.py:410: a construction declared in the configuration whose expression makes a
    tensor (placed at the class line, where its nodes are anchored): torch's counts."""
    source = src("""
        class Net(nn.Module):
            def __init__(self, scale, n=4):
                super().__init__()
                self.scale = nn.Parameter(scale)
                self.fc = nn.Linear(16, n)

            def forward(self, x):
                return self.fc(x * self.scale)
    """)
    builds = (parse_build(expression, label="net", key="build", source="pyproject.toml"),)
    result = analyse(source, builds=builds, input_size=(16,))
    (model,) = result.report.models
    assert model.complete, model.reasons
    assert (model.params, model.macs, model.output) == torch_built(source, expression, (1, 16))
    assert codes(result, "MAC900") == []


# --------------------------------------------------------------- attributes of layers


@pytest.mark.parametrize("layer, read", [
    ("nn.LeakyReLU(0.25)", "int(self.act.negative_slope * 64)"),
    ("nn.ELU(alpha=0.5)", "int(self.act.alpha * 32)"),
    ("nn.ReLU6(inplace=True)", "16 if self.act.inplace else 4"),
    ("nn.Hardtanh(-2.0, 3.0)", "int(self.act.max_val - self.act.min_val) * 3"),
], ids=["LeakyReLU", "ELU", "ReLU6", "Hardtanh"])
def test_an_activations_arguments_read_back_are_torchs(layer, read):
    """values.py:181: an activation layer's attributes are its arguments as torch keeps them
    (the convolutions' tuple conversions are not applied to other layers)."""
    assert_matches_torch(model_source(f"""
self.act = {layer}
self.fc = nn.Linear(8, {read})
""", "return self.fc(self.act(x))"), "Net")


@pytest.mark.parametrize("layer", ["nn.MaxPool1d(2)", "nn.AvgPool2d(4)", "nn.MaxPool1d(2, 1)",
                                   "nn.MaxPool1d(2, stride=None)"])
def test_a_poolings_stride_read_back_is_torchs(layer):
    """values.py:192: torch sets a pooling layer's `stride` to its `kernel_size` when none
    is given (or None): `self.pool.stride` sizes a layer."""
    assert_matches_torch(model_source(f"""
self.pool = {layer}
self.fc = nn.Linear(8, 4 * self.pool.stride)
""", "return self.fc(x)"), "Net")


# ---------------------------------------- disagreements found while killing these mutants

@pytest.mark.parametrize("update", ["cfg.update([('w', 16)])", "cfg.update(zip(['w'], [16]))"])
def test_dict_update_with_pairs_is_pythons_or_unknown(update):
    """`dict.update` of an iterable of pairs was ignored: a wrong complete count."""
    source = model_source(f"""
cfg = {{'w': 4}}
{update}
self.fc = nn.Linear(8, cfg['w'])
""")
    model = trace(source, "Net")
    if model.complete:
        assert_matches_torch(source, "Net")
    else:
        assert model.params is None and model.macs is None


def test_module_list_insert_at_a_negative_index_is_not_counted_as_torch_raises():
    """torch's ModuleList.insert shifts string keys: at -1 it reads key '-1' (KeyError)."""
    source = model_source("""
self.layers = nn.ModuleList([nn.Linear(16, 4)])
self.layers.insert(-1, nn.Linear(8, 16))
self.fc = nn.Linear(4, 4)
""", "return self.fc(self.layers[1](self.layers[0](x)))")
    with pytest.raises(KeyError):
        torch_model(source, "Net")
    model = trace(source, "Net")
    assert model.macs is None and not model.complete


def test_module_list_insert_past_the_end_is_not_renumbered():
    """At an index past the end torch keeps the key ('0', '5'): `layers[1]` raises."""
    source = model_source("""
self.layers = nn.ModuleList([nn.Linear(8, 16)])
self.layers.insert(5, nn.Linear(16, 4))
self.fc = nn.Linear(4, 4)
""", "return self.fc(self.layers[1](self.layers[0](x)))")
    with pytest.raises((IndexError, KeyError)):
        run_counts(torch_model(source, "Net"), declared_input(source, "Net"))
    assert trace(source, "Net").macs is None


@pytest.mark.parametrize("pool", ["nn.AvgPool1d(4)", "nn.AvgPool1d(4, 2, 1)", "nn.MaxPool1d(4)",
                                  "nn.AvgPool2d(4)"])
@pytest.mark.parametrize("attribute", ["kernel_size", "stride", "padding"])
def test_a_pools_attributes_are_torchs(pool, attribute):
    """AvgPool1d keeps them as 1-tuples (`_single`), the other pools as given."""
    source = model_source(f"""
self.pool = {pool}
self.fc = nn.Linear(8, 16 if isinstance(self.pool.{attribute}, tuple) else 4)
""")
    assert_matches_torch(source, "Net")
