"""Tests added to kill tracer mutants (issue 18): survivors of cosmic-ray's sample of
`macslint/torchnn` at a464175 (tests/mutation_survivors.md) in the builtins model code calls
(`setattr`, `list`/`tuple`/`zip`/`enumerate` and their arguments), the copy of a file's config
objects made for each model, the methods of containers and modules (`super().append` in a
subclass of nn.ModuleList, `add_module`/`register_module`), the methods of plain lists
(`append`, `pop`, `remove`), forgetting a list a call not followed may have changed (and the
budget steps that looking for it costs) and indexing a container out of range.

Every expected value comes from torch (or Python) running the same source
(tests/torchnn/tracer_helpers.py: built on the meta device, eval mode, FlopCounterMode): where
torch or Python raises, torch raises here too, and macslint must report the model incomplete
with a reason naming the construct and its line (never an internal error, never numbers).
"""

from __future__ import annotations

import textwrap
from typing import Any, Type

import pytest
import torch

from tests.helpers import Budget
from tests.torchnn.tracer_helpers import (
    HEADER, analyse, assert_matches_torch, codes, declared_input, line_of, reasons, src,
    torch_counts, torch_model, trace,
)

HEADER_RANDOM = HEADER + "import random\n"


def torch_build_raises(source: str, name: str, error: Type[BaseException]) -> str:
    """torch (Python running the source) refuses to build `name()`: the message of `error`."""
    with pytest.raises(error) as raised:
        torch_model(source, name)
    return str(raised.value)


def assert_unknown_where_python_raises(source: str, name: str, construct: str,
                                       error: Type[BaseException] = TypeError) -> None:
    """Python raises building the model, so torch counts nothing: macslint must not count
    either, and must say why at the construct's line (not an internal error)."""
    torch_build_raises(source, name, error)
    model = trace(source, name)
    assert not model.complete
    assert model.params is None and model.macs is None, (model.params, model.macs)
    why = reasons(model)
    assert f"(line {line_of(source, construct)})" in why, why
    assert "internal error" not in why, why
    assert codes(analyse(source), "MAC900") == []


def assert_torch_or_unknown(source: str, name: str, line_text: str) -> None:
    """Where macslint cannot know what a call did, it may leave the model incomplete (the
    reason naming the line), but a complete model must have torch's numbers."""
    model = trace(source, name)
    if model.complete:
        expected = torch_counts(source, name, declared_input(source, name))
        assert (model.params, model.macs, model.output) == (
            expected.params, expected.macs, expected.output)
    else:
        assert model.macs is None
        assert f"(line {line_of(source, line_text)})" in reasons(model), reasons(model)


# ------------------------------------------------------------------------------ builtins


def test_setattr_of_a_layer_on_self_is_torchs():
    """`setattr(self, "fc", layer)` registers the layer as `self.fc = layer` does."""
    assert_matches_torch(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                for i, width in enumerate((16, 4)):
                    setattr(self, f"fc{i}", nn.Linear(8 if i == 0 else 16, width))

            def forward(self, x):
                return self.fc1(self.fc0(x))
    """), "Net")


@pytest.mark.parametrize("call", ["list(range(4), range(2))", "tuple([4], [2])",
                                  "sorted([4, 2], [1])", "reversed([4, 2], [1])"])
def test_a_builtin_given_two_iterables_where_python_takes_one_is_unknown(call):
    """Python raises TypeError (list expected at most 1 argument): torch builds nothing, and
    macslint must not take the first iterable and count the model."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, len({call}))

            def forward(self, x):
                return self.fc(x)
    """)
    assert_unknown_where_python_raises(source, "Net", "self.fc = nn.Linear")


def test_zip_and_enumerate_with_several_arguments_are_pythons():
    """The builtins that take more than one argument (`zip` of 2 and 3, `enumerate` with a
    start) next to the one-argument ones: torch's counts."""
    assert_matches_torch(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                pairs = list(zip([8, 16], [16, 4], ["a", "b"]))
                self.layers = nn.ModuleList(
                    [nn.Linear(i, o * s) for s, (i, o, _) in enumerate(pairs, 1) if s == 1])
                self.fc = nn.Linear(16, len(list(zip([1, 2, 3], range(4)))))

            def forward(self, x):
                return self.fc(self.layers[0](x))
    """), "Net")


def test_tuple_of_a_list_and_of_a_tensor_shape_is_pythons():
    """`tuple([...])` while building, `tuple(x.shape)` in forward(): Python's tuples."""
    assert_matches_torch(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                sizes = tuple([8, 16, 4])
                self.fc = nn.Linear(sizes[0], sizes[2])

            def forward(self, x):
                shape = tuple(x.shape)
                return self.fc(x).view(shape[0], 2, 2)
    """), "Net")


# ----------------------------------------------------------------- a file's config objects


@pytest.mark.parametrize("config", ["namedtuple", "instance"])
def test_a_config_object_at_module_level_is_read_by_the_model(config):
    """Each model gets a fresh copy of the file's values, config objects included (a
    namedtuple, an instance of a plain class): their fields are torch's."""
    define = {
        "namedtuple": """
            from collections import namedtuple

            Sizes = namedtuple("Sizes", ["width", "out"])
            CONFIG = Sizes(8, 4)
        """,
        "instance": """
            class Sizes:
                def __init__(self):
                    self.width = 8
                    self.out = 6


            CONFIG = Sizes()
        """,
    }[config]
    assert_matches_torch(src(textwrap.dedent(define) + textwrap.dedent("""

        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(CONFIG.width, CONFIG.out)
                self.fc2 = nn.Linear(CONFIG.out, CONFIG.width)

            def forward(self, x):
                return self.fc2(self.fc(x))
    """)), "Net")


# ------------------------------------------------------- containers and modules' methods


def test_super_append_in_a_subclass_of_module_list_is_torchs():
    """A subclass of nn.ModuleList overriding append and calling `super().append(module)`."""
    assert_matches_torch(src("""
        class Layers(nn.ModuleList):
            def append(self, module):
                return super().append(module)


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = Layers()
                self.layers.append(nn.Linear(8, 16))
                self.layers.append(nn.Linear(16, 4))

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x
    """), "Net")


def test_add_module_and_register_module_of_a_module_and_a_module_dict_are_torchs():
    """`self.add_module(name, module)`, `self.register_module(name, module=...)` and the same
    on an nn.ModuleDict: torch's counts and leaf calls."""
    assert_matches_torch(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.add_module("fc", nn.Linear(8, 16))
                self.register_module("fc2", module=nn.Linear(16, 8))
                self.heads = nn.ModuleDict()
                self.heads.add_module("a", nn.Linear(8, 4))
                self.heads.register_module("b", module=nn.Linear(4, 2))

            def forward(self, x):
                return self.heads["b"](self.heads["a"](self.fc2(self.fc(x))))
    """), "Net")


def test_add_module_with_an_extra_argument_is_unknown_as_torch_raises():
    """`self.add_module("fc", layer, None)`: torch raises TypeError (3 positional arguments
    but 4 were given); macslint must not register the layer and count the model."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.add_module("fc", nn.Linear(8, 4), None)

            def forward(self, x):
                return self.fc(x)
    """)
    assert "4 were given" in torch_build_raises(source, "Net", TypeError)
    assert_unknown_where_python_raises(source, "Net", "self.add_module")


@pytest.mark.parametrize("kind", ["ModuleList", "ModuleDict", "Sequential"])
def test_add_module_of_a_container_without_the_module_is_unknown_as_torch_raises(kind):
    """`self.layers.add_module("fc")`: torch raises TypeError (missing 'module'); macslint
    says so at the line, not an internal error."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.{kind}()
                self.layers.add_module("fc")
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return self.fc(x)
    """)
    assert "missing 1 required positional argument" in torch_build_raises(source, "Net", TypeError)
    model = trace(source, "Net")
    assert not model.complete and model.macs is None
    why = reasons(model)
    assert f"(line {line_of(source, 'add_module')})" in why and "internal error" not in why, why
    assert codes(analyse(source), "MAC900") == []


@pytest.mark.parametrize("key", [-3, 2, -4])
def test_a_module_list_indexed_out_of_range_raises_torchs_index_error(key):
    """`self.layers[-3]` of two layers: torch's IndexError, its message in the reason with the
    subscript and line (the parameters are torch's: building went through)."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(8, 16), nn.Linear(16, 8)])

            def forward(self, x):
                return self.layers[{key}](x)
    """)
    built = torch_model(source, "Net")
    with pytest.raises(IndexError) as raised:
        built(torch.zeros(declared_input(source, "Net"), device="meta"))
    model = trace(source, "Net")
    assert model.params == sum(p.numel() for p in built.parameters())
    assert not model.complete and model.macs is None
    why = reasons(model)
    assert str(raised.value) in why and f"(line {line_of(source, 'self.layers[')})" in why, why
    assert "internal error" not in why, why


def test_a_module_list_indexed_from_its_ends_is_torchs():
    """The in-range counterpart: `self.layers[-2]`, `[-1]`, `[0]`, `[1]`."""
    assert_matches_torch(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(8, 16), nn.Linear(16, 8)])

            def forward(self, x):
                x = self.layers[-1](self.layers[-2](x))
                return self.layers[1](self.layers[0](x))
    """), "Net")


# -------------------------------------------------------------------- methods of lists


def test_list_pop_and_remove_are_pythons():
    """`sizes.remove(16)`, `.pop()`, `.pop(0)`, `.pop(-1)` while building: Python's lists."""
    assert_matches_torch(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                sizes = [8, 16, 4, 6]
                sizes.remove(16)
                last = sizes.pop()
                first = sizes.pop(0)
                self.fc = nn.Linear(first, sizes.pop(-1))
                self.fc2 = nn.Linear(4, last)

            def forward(self, x):
                return self.fc2(self.fc(x))
    """), "Net")


def test_list_append_of_two_values_is_unknown_as_python_raises():
    """`sizes.append(4, 2)`: Python raises TypeError (append takes exactly one argument)."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                sizes = [8]
                sizes.append(4, 2)
                self.fc = nn.Linear(sizes[0], sizes[-1])

            def forward(self, x):
                return self.fc(x)
    """)
    assert_unknown_where_python_raises(source, "Net", "self.fc = nn.Linear")


@pytest.mark.parametrize("change", ["sizes.sort(key=lambda v: -v)",
                                    "random.seed(1); random.shuffle(sizes)"])
def test_a_list_changed_by_a_call_not_followed_is_never_used_as_it_was(change):
    """A list given to a call macslint does not follow (`sort(key=...)`, `random.shuffle`,
    seeded so that Python's result is known) may have changed: either its new items or
    nothing, never the old ones (they would give other numbers than torch's)."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                sizes = [4, 8, 16]
                {change}
                self.fc = nn.Linear(8, sizes[0])

            def forward(self, x):
                return self.fc(x)
    """, header=HEADER_RANDOM)
    # the old first item is not torch's, so keeping the old list gives other numbers
    assert torch_model(source, "Net").fc.out_features != 4
    assert_torch_or_unknown(source, "Net", "self.fc = nn.Linear")


def test_looking_for_a_forgotten_list_costs_a_step_per_1024_items(monkeypatch):
    """Looking through the file's lists for one a call not followed may have changed costs a
    step of the budget per 1,024 items looked at: a module-level list of 99,999 items and 60
    such calls cost about 5,900 steps, past a budget of 2,000 (the loop alone, a few steps a
    call, stays under it); every 1,024 items looked at were charged."""
    from macslint.torchnn import tracer

    monkeypatch.setattr(tracer, "MAX_STEPS", 2000)  # a budget literal, not a cost
    looked = 0
    containers = tracer.ModelInterpreter.containers

    def counted(self: Any, value: Any) -> Any:
        nonlocal looked
        found = containers(self, value)
        looked += sum(1 + len(c) for c in found)  # what containers() counts, item by item
        return found

    monkeypatch.setattr(tracer.ModelInterpreter, "containers", counted)
    source = src("""
        BIG = [0] * 99999


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                for i in range(60):
                    random.shuffle([i])
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
    """, header=HEADER_RANDOM)
    with Budget() as budget:
        model = trace(source, "Net")
    assert "building Net() takes more than 2,000 steps" in model.reasons, model.reasons
    assert model.params is None and model.macs is None
    assert budget.problems() == []
    assert looked <= 1024 * (budget.charged + 1), (looked, budget.charged)
