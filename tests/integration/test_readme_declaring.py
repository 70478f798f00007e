"""The README's "Declaring models" examples hold: each Python example is a file whose class
line declares a build; macslint builds it complete, with torch's numbers for the same
construction run on the declared inputs (read here from the pragma's text)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from tests.torchnn.tracer_helpers import analyse

README = Path(__file__).resolve().parents[2] / "README.md"
DTYPES = {"int64": torch.int64, "bool": torch.bool, "float32": torch.float32}


def section_examples() -> List[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Declaring models")
    end = text.index("\n### ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


EXAMPLES = section_examples()


def declared(source: str) -> Tuple[str, List[Tuple[str, Tuple[int, ...], torch.dtype]]]:
    """The build expression and the inputs (name, shape, dtype) of the example's pragma."""
    pragma = re.search(r"# macslint: (.*)$", source, re.M)[1]
    build = re.match(r"build=(\w+\(.*\))(?:, |$)", pragma)[1]
    rest = pragma[len("build=") + len(build):].lstrip(", ")
    if rest.startswith("input-size="):
        return build, [("x", tuple(int(d) for d in rest[len("input-size="):].split("x")), torch.float32)]
    inputs = []
    for item in rest[len("inputs="):].split(";"):
        name, shape, *dtype = item.strip().split(":")
        inputs.append((name, tuple(int(d) for d in shape.split("x")), DTYPES[dtype[0] if dtype else "float32"]))
    return build, inputs


def torch_numbers(source: str, build: str, inputs: List[Tuple[str, Tuple[int, ...], torch.dtype]]
                  ) -> Tuple[int, int]:
    namespace: Dict[str, Any] = {"__name__": "_readme_example"}
    exec(compile(source, "<readme>", "exec", dont_inherit=True), namespace)
    with torch.device("meta"):
        model = eval(build, namespace).eval()  # noqa: S307 - the README's own text
        tensors = [torch.zeros((1, *shape), dtype=dtype) for _, shape, dtype in inputs]
        with FlopCounterMode(display=False) as counter:
            model(*tensors)
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


def test_the_section_has_the_four_examples():
    builds = [declared(source)[0] for source in EXAMPLES]
    assert [b.split("(")[0] for b in builds] == ["UNet", "MLP", "TinyLM", "GraphConv"]


@pytest.mark.parametrize("source", EXAMPLES, ids=[declared(s)[0] for s in EXAMPLES])
def test_each_example_is_built_as_torch_builds_it(source):
    build, inputs = declared(source)
    (model,) = analyse(source).report.models
    assert model.name == build and model.complete, model.reasons
    assert [(spec.name, spec.shape[1:]) for spec in model.model_inputs()] == [
        (name, shape) for name, shape, _ in inputs]
    assert (model.params, model.macs) == torch_numbers(source, build, inputs)
