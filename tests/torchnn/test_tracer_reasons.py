"""Reasons that name the real cause (issue 20, point 7): a value is said to be what it is, in
Python's words ("an int", "a method", "a Config object"), never by macslint's own class names
(BoundMethod, UserFunction, ...); where Python or torch raises for the same code, so does the
run, with Python's or torch's message; a call that fails only because an argument is not known
carries that argument's reason.

torch runs every model these tests claim raises (or runs), on the same source.
"""

from __future__ import annotations

import pytest
import torch

from tests.torchnn.tracer_helpers import (
    analyse, line_of, reasons, src, the_model, torch_model, trace,
)

INTERNAL_NAMES = ("BoundMethod", "UserFunction", "UserClass", "UserModule", "LayerModule",
                  "PyBuiltin", "Partial", "Container", "ModuleRef", "Instance", "Unknown(")


def torch_error(source: str, name: str, shape=(1, 8)) -> str:
    """The message of the TypeError torch raises building model `name` or running it."""
    with pytest.raises(TypeError) as caught:
        model = torch_model(source, name, device="cpu")
        model(torch.zeros(shape))
    return str(caught.value)


def assert_no_internal_names(text: str) -> None:
    assert not any(word in text for word in INTERNAL_NAMES), text


# ------------------------------------------------- a value where a module is expected


CALLED = src("""
    from dataclasses import dataclass


    @dataclass
    class Config:
        depth: int = 3


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.blocks = 3
            self.cfg = Config()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            return self.fc(CALL)
""")


@pytest.mark.parametrize("call, python_type, what", [
    ("self.blocks(x)", "int", "`self.blocks` is an int"),
    ("self.cfg(x)", "Config", "`self.cfg` is a Config object"),
    ("self.cfg.depth(x)", "int", "`self.cfg.depth` is an int"),
])
def test_calling_a_value_that_is_not_callable_raises_as_python_does(call, python_type, what):
    """`self.blocks(x)` with an int: Python raises TypeError ("'int' object is not callable");
    the run raises too, saying what the value is (was: "not followed: not modelled")."""
    source = CALLED.replace("CALL", call)
    message = f"'{python_type}' object is not callable"
    assert torch_error(source, "Net") == message
    model = trace(source, "Net")
    why = reasons(model)
    assert model.macs is None
    assert f"`{call}` (line {line_of(source, call)}) raises TypeError: {message} ({what})" in why
    assert "not modelled" not in why and "a module macslint does not know" not in why


CONTAINED = src("""
    from dataclasses import dataclass


    @dataclass
    class Config:
        depth: int = 3


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.layers = BUILD

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
""")


@pytest.mark.parametrize("build, python_type, what", [
    ("nn.ModuleList([nn.Linear(8, 8), 3])", "int", "an int"),
    ("nn.ModuleList([nn.Linear(8, 8)]).append(Config())", "Config", "a Config object"),
    ("nn.ModuleList([nn.Linear(8, 8), 'relu'])", "str", "a str"),
    ("nn.Sequential(nn.Linear(8, 8), 3)", "int", "an int"),
    ("nn.Sequential(OrderedDict(fc=nn.Linear(8, 8), act='relu'))", "str", "a str"),
])
def test_a_value_that_is_no_module_put_into_a_container_raises_as_torch_does(
        build, python_type, what):
    """torch's add_module refuses it: "int is not a Module subclass" (was: a note "adds a
    value that is not a known module: int", and the model incomplete)."""
    source = CONTAINED.replace("BUILD", build)
    assert torch_error(source, "Net").endswith(f"{python_type} is not a Module subclass")
    model = trace(source, "Net")
    why = reasons(model)
    assert model.params is None and model.macs is None
    assert (f"(line {line_of(source, build)}) raises TypeError: {python_type} is not a Module "
            f"subclass ({what} where an nn.Module is expected)") in why, why
    assert "is not a known module" not in why


def test_an_unknown_attribute_is_said_not_known_not_a_module_macslint_does_not_know():
    """`self.width = int(sys.argv[...])`: not known; the model's count treats it as a place
    a module could be, and says so without calling it a module (was: "may hold a module
    macslint does not know")."""
    source = src("""
        import sys


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.width = int(sys.argv[1])
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                for m in self.modules():
                    pass
                return self.fc(x)
    """)
    model = trace(source, "Net")
    why = reasons(model)
    assert model.params is None
    assert (f"`self.width` (line {line_of(source, 'self.width =')}) is not known, and a module "
            f"there would not be counted: 'sys' is a module other than torch") in why, why
    assert (f"`self.modules()` (line {line_of(source, 'self.modules()')}) is not followed: "
            f"`self.width` of Net is not known: 'sys' is a module other than torch") in why, why
    assert "a module macslint does not know" not in why


# ----------------------------------------------------------------- iterating a method


ITERATED = src("""
    def helper(x):
        return x


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            for m in ITERABLE:
                pass
            return self.fc(x)
""")


@pytest.mark.parametrize("iterable, python_type, what", [
    ("self.modules", "method", "a method"),
    ("self.fc.parameters", "method", "a method"),
    ("helper", "function", "a function"),
    ("self.fc", "Linear", "a Linear object"),
    ("len", "builtin_function_or_method", "a builtin function"),
])
def test_iterating_a_value_python_cannot_iterate_raises_as_python_does(iterable, python_type,
                                                                       what):
    """`for m in self.modules:` (the call forgotten): Python raises TypeError ("'method'
    object is not iterable"); so does the run, naming the value in Python's words (was:
    "iteration over a BoundMethod is not modelled")."""
    source = ITERATED.replace("ITERABLE", iterable)
    message = f"'{python_type}' object is not iterable"
    assert torch_error(source, "Net") == message
    model = trace(source, "Net")
    why = reasons(model)
    assert model.macs is None
    assert (f"forward() raises: `{iterable}` (line {line_of(source, 'for m in')}) is {what}; "
            f"iterating it raises TypeError: {message}") in why, why
    assert_no_internal_names(why)


def test_iterating_a_method_in_a_comprehension_raises_too():
    source = ITERATED.replace("for m in ITERABLE:\n            pass",
                              "n = [m for m in self.children]")
    assert torch_error(source, "Net") == "'method' object is not iterable"
    why = reasons(trace(source, "Net"))
    assert "`self.children` (line" in why and "is a method; iterating it raises TypeError: " \
        "'method' object is not iterable" in why, why


def test_a_called_method_is_still_iterated_as_torch_does():
    """The same loop with the call is followed (the fix the message points to)."""
    source = ITERATED.replace("ITERABLE", "self.modules()")
    torch_model(source, "Net")(torch.zeros(1, 8, device="meta"))
    assert trace(source, "Net").complete


# ------------------------------------------------ a tensor where a sequence is expected


@pytest.mark.parametrize("op", ["torch.cat(x, 1)", "torch.stack(x)", "torch.concat(x)"])
def test_a_tensor_where_a_sequence_of_tensors_is_expected_says_so(op):
    """torch.cat(x) with x a tensor: torch raises TypeError ("argument 'tensors' must be tuple
    of Tensors, not Tensor"); the reason says a sequence was expected (was: "a Tensor where a
    tensor is expected")."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def forward(self, x):
                return {op}
    """)
    assert "must be tuple of Tensors, not Tensor" in torch_error(source, "Net")
    why = reasons(trace(source, "Net"))
    assert (f"`{op}` (line {line_of(source, op)}) is not followed: argument 'tensors' is a "
            f"Tensor where a sequence of tensors is expected; torch raises TypeError") in why, why
    assert "where a tensor is expected" not in why


def test_an_item_that_is_no_tensor_in_a_sequence_of_tensors_is_named():
    """torch.cat([x, 3]): torch says "expected Tensor as element 1 in argument 0, but got
    int"; the reason names item 1 and what it is (was: "a list where a tensor is
    expected")."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def forward(self, x):
                return torch.cat([x, 3])
    """)
    assert "expected Tensor as element 1 in argument 0, but got int" in torch_error(source, "Net")
    why = reasons(trace(source, "Net"))
    assert ("is not followed: item 1 of argument 'tensors' is an int, not a tensor; torch "
            "raises TypeError") in why, why
    assert "a list where" not in why


def test_an_unknown_item_of_a_sequence_of_tensors_gives_its_own_reason():
    source = src("""
        import sys


        class Net(nn.Module):  # macslint: input-size=8
            def forward(self, x):
                parts = [x]
                parts.append(sys.argv[1])
                return torch.cat(parts)
    """)
    why = reasons(trace(source, "Net"))
    assert ("is not followed: item 1 of argument 'tensors' is not known: 'sys' is a module "
            "other than torch") in why, why


# ------------------------------------------ a known function of an argument not known


@pytest.mark.parametrize("expression, call", [
    ("d.get(sys.argv[1], 8)", "dict.get"),
    ("int('_'.join(['1', sys.argv[1]]))", "str.join"),
    ("int(hasattr(sys.argv, 'K')) + 8", "hasattr"),
    ("[8, 16].index(sys.argv[1])", "list.index"),
])
def test_a_known_function_of_an_argument_not_known_carries_the_argument_s_reason(expression,
                                                                                 call):
    """`d.get(key)` with a key that is not known: the method is modelled, the key is the cause
    (was: "`dict.get()` is not modelled", "hasattr on a value that is not a module")."""
    source = src(f"""
        import sys


        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                d = {{"a": 8}}
                self.fc = nn.Linear(8, {expression})

            def forward(self, x):
                return self.fc(x)
    """)
    why = reasons(trace(source, "Net"))
    assert (f"argument 'out_features' is not known: `{call}(...)`: an argument is not known: "
            f"'sys' is a module other than torch") in why, why
    assert "not modelled" not in why and "not a module" not in why


# ---------------------------------------------------------------- Python's words


def test_type_words_are_python_s_not_macslint_s():
    """Every message that names a value's type uses Python's name for it."""
    source = src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x) + self.fc
    """)
    with pytest.raises(TypeError):
        torch_model(source, "Net")(torch.zeros(1, 8, device="meta"))
    why = reasons(trace(source, "Net"))
    assert "combines a tensor with a Linear object, which is not modelled" in why, why
    assert_no_internal_names(why)
    result = analyse(src("""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                if isinstance(self.forward, torch.Tensor):
                    pass
                return self.fc(x)
    """))
    why = reasons(the_model(result, "Net"))
    assert "isinstance() of a method against torch.Tensor" in why, why
    assert_no_internal_names(why)




def test_torch_stand_ins_name_the_type_python_names():
    """The model runtime's stand-ins (torchnn.values, names) give the name Python's messages
    give the torch values they stand for."""
    from collections import OrderedDict

    from macslint.costmodel import LAYERS
    from macslint.evaluator.values import UserClass, python_type, what_is
    from macslint.results.sites import LayerSite
    from macslint.torchnn.names import LayerClass, ModuleRef
    from macslint.torchnn.values import BoundMethod, Container, LayerModule, Tensor, UserModule

    def python_says(value, action=iter) -> str:
        with pytest.raises(TypeError) as caught:
            action(value)
        return str(caught.value).split("'")[1]

    class Net(torch.nn.Module):
        pass

    linear = LayerModule("Linear", LAYERS["Linear"], LayerSite(1, 0, "Linear", "Linear(2, 2)",
                                                               LAYERS["Linear"]))
    net = UserModule(UserClass("Net", None, None, (), None))
    real = torch.nn.Linear(2, 2)
    cases = [  # stand-in, the torch value, how Python refuses it, what_is
        (linear, real, iter, "a Linear object"),
        (net, Net(), iter, "a Net object"),
        (BoundMethod(linear, "parameters"), real.parameters, iter, "a method"),
        (BoundMethod(Tensor((2,), 1), "view"), torch.zeros(2).view, iter, "a builtin function"),
        (Tensor((2,), 1), torch.zeros(2), lambda t: t(), "a Tensor"),
        (Tensor((2,), 1, param=True), torch.nn.Parameter(torch.zeros(2)), lambda t: t(),
         "a Parameter"),
        (Container("Sequential", OrderedDict()), torch.nn.Sequential(), float,
         "a Sequential object"),
        (LayerClass(LAYERS["Linear"]), torch.nn.Linear, iter, "a class"),
        (ModuleRef("torch.nn.functional"), torch.nn.functional, iter, "a module"),
        (ModuleRef("torch.nn.functional.relu"), torch.nn.functional.relu, iter, "a function"),
    ]
    for stand_in, value, action, words in cases:
        assert python_type(stand_in) == python_says(value, action), stand_in
        assert what_is(stand_in) == words


@pytest.mark.parametrize("value, python_type", [
    ("self.fc", "Linear"), ("self.depth", "int"), ("self.fc.parameters", "method"),
])
def test_len_of_a_value_without_one_raises_as_python_does(value, python_type):
    """`len(self.fc)`: Python raises TypeError ("object of type 'Linear' has no len()"); so
    does the run (was: "len() of a value that is not known", of a value that is known)."""
    source = src(f"""
        class Net(nn.Module):  # macslint: input-size=8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.depth = 2

            def forward(self, x):
                n = len({value})
                return self.fc(x)
    """)
    message = f"object of type '{python_type}' has no len()"
    assert torch_error(source, "Net") == message
    why = reasons(trace(source, "Net"))
    assert f"`len({value})` (line {line_of(source, 'n = len')}) raises TypeError: {message}" \
        in why, why


# ------------------------------------------- every other message that names a value's type


MESSAGES = src("""
    import math

    from elsewhere import Norm, Thing


    class Cfg:
        def __len__(self):
            return 3


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            SETUP

        def forward(self, x):
            USE
            return self.fc(x)
""")


@pytest.mark.parametrize("setup, use, says, was", [
    ("pass", "if math:\n                x = x * 2",
     "the condition `math` (line {line}) is not known: the truth value of a module is not "
     "modelled", "the truth value of a PyModule"),
    ("pass", "if callable(torch.float32):\n                x = x * 2",
     "callable() of a dtype is not modelled", "callable() of a ModuleRef"),
    ("pass", "if isinstance(x, Thing):\n                x = x * 2",
     "isinstance() against a type that is not known: 'Thing' is imported from elsewhere",
     "isinstance() against a type macslint does not model"),
    ("pass", "if hasattr(x, 'shape'):\n                x = x * 2",
     "hasattr() of a Tensor is not modelled", "hasattr on a value that is not a module"),
    ("pass", "x = x * len(Cfg())", "len() of a Cfg object is not modelled",
     "len() of a value that is not known"),
    ("pass", "x = torch.add(x, self.fc)", "`torch.add(x, self.fc)` (line {line}) is not "
     "followed: a Linear object where a tensor is expected",
     "a LayerModule where a tensor is expected"),
    ("self.layers = nn.ModuleList()\n        self.layers.append(None)", "pass",
     "`self.layers.append(None)` (line {line}) adds a value that is not a known module: None",
     "is not a known module: NoneType"),
    ("self.heads = nn.ModuleDict({'a': Norm()})", "pass",
     "the entry 'a' of `nn.ModuleDict({'a': Norm()})` (line {line}) is not a known module: "
     "the result of `Norm(...)` is not known", None),
])
def test_messages_name_the_value_in_python_s_words(setup, use, says, was):
    source = MESSAGES.replace("SETUP", setup).replace("USE", use)
    text = use if setup == "pass" else setup.split("\n")[-1].strip()
    why = reasons(trace(source, "Net"))
    assert says.replace("{line}", str(line_of(source, text.split("\n")[0]))) in why, why
    if was is not None:
        assert was not in why
    assert_no_internal_names(why)


def test_a_transformer_given_a_value_that_is_no_tensor_or_no_module_says_what_it_is():
    """`nn.TransformerEncoder(3, 2)` (torch raises: it copies the int), a Transformer layer
    called on a module (torch raises), and the mask of a module's size (torch's own message
    names the type, Linear): each says the value in Python's words (were "a int", "a
    LayerModule")."""
    source = src("""
        class Stack(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.enc = nn.TransformerEncoder(3, 2)

            def forward(self, x):
                return x


        class Called(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.layer = nn.TransformerEncoderLayer(8, 2)

            def forward(self, x):
                return self.layer(self.fc)


        class Mask(nn.Module):  # macslint: input-size=4x8
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                mask = nn.Transformer.generate_square_subsequent_mask(self.fc)
                return x
    """)
    with pytest.raises(TypeError):
        torch_model(source, "Stack", device="cpu")
    with pytest.raises((TypeError, AttributeError)):
        torch_model(source, "Called", device="cpu")(torch.zeros(1, 4, 8))
    with pytest.raises(TypeError) as caught:
        torch_model(source, "Mask", device="cpu")(torch.zeros(1, 4, 8))
    assert "but found element of type Linear at pos 0" in str(caught.value)
    result = analyse(source)
    stack, called, mask = (reasons(the_model(result, name)) for name in ("Stack", "Called", "Mask"))
    assert "copies a layer that is not a known module: an int" in stack, stack
    assert "gets an input that is not traced: a Linear object, not a tensor" in called, called
    assert "but found element of type Linear at pos 0" in mask, mask
    for why in (stack, called, mask):
        assert_no_internal_names(why)
