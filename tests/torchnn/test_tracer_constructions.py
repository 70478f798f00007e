"""Models whose constructor needs arguments (issue 19): declared constructions (`build = ...`
in a models table, `# macslint: build=...` on a class line), constructions written in the
project's code, and a reason for every model class that is built by none of them.

Every number is torch's: torch runs the same source and evaluates the same construction text
(`torch_built`), on the meta device.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from macslint.adapters.cli import main
from macslint.builds import parse_build
from macslint.errors import ConfigError
from tests.torchnn.tracer_helpers import HEADER, analyse, codes, line_of, src

UNET = src("""
    class Block(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)

        def forward(self, x):
            return self.conv(x)

    class UNet(nn.Module):
        def __init__(self, n_channels, n_classes, width=8):
            super().__init__()
            self.inc = Block(n_channels, width)
            self.out = nn.Conv2d(width, n_classes, 1)

        def forward(self, x):
            return self.out(self.inc(x))
""")

Counts = Tuple[int, int, Tuple[int, ...]]


def torch_built(source: str, expression: str, input_shape: Tuple[int, ...],
                namespace: Dict[str, Any] = None) -> Counts:
    """(params, MACs, output shape) of what `expression` builds in the namespace of `source`,
    run by torch on zeros of `input_shape` (meta device, eval mode, grad enabled)."""
    namespace = dict(namespace or {"__name__": "_macslint_constructions"})
    exec(compile(source, "<model>", "exec", dont_inherit=True), namespace)
    with torch.device("meta"):
        model = eval(expression, namespace).eval()  # noqa: S307 - the test's own text
        with FlopCounterMode(display=False) as counter:
            out = model(torch.zeros(input_shape))
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2, tuple(out.shape)


def numbers(model) -> Counts:
    return model.params, model.macs, model.output


def models_of(result) -> Dict[str, Any]:
    return {m.name: m for m in result.report.models}


# --------------------------------------------------------------------------- declared


def test_a_pragma_build_builds_the_class_that_way():
    source = UNET.replace("class UNet(nn.Module):",
                          "class UNet(nn.Module):  # macslint: build=UNet(3, n_classes=2), input-size=3x32x32")
    found = models_of(analyse(source))
    model = found["UNet(3, n_classes=2)"]
    assert model.complete and (model.line, model.col) == (line_of(source, "class UNet"), 1)
    assert model.input == (1, 3, 32, 32) and model.built == "UNet"
    assert numbers(model) == torch_built(source, "UNet(3, n_classes=2)", (1, 3, 32, 32))
    assert set(found) == {"UNet(3, n_classes=2)"}  # the class itself needs arguments


def test_models_table_builds_several_labels_of_one_class():
    builds = (parse_build("UNet(3, 2)", label="small", key="build", source="pyproject.toml"),
              parse_build("UNet(1, 5, width=16)", label="wide", key="build", source="pyproject.toml"))
    result = analyse(UNET, builds=builds, input_size=(3, 16, 16),
                     models=(("wide", {"input_size": (1, 16, 16)}),))
    found = models_of(result)
    assert set(found) == {"small", "wide"}
    assert numbers(found["small"]) == torch_built(UNET, "UNet(3, 2)", (1, 3, 16, 16))
    assert numbers(found["wide"]) == torch_built(UNET, "UNet(1, 5, width=16)", (1, 1, 16, 16))
    assert found["wide"].line == line_of(UNET, "class UNet")


def test_a_declared_build_is_named_in_budget_findings():
    builds = (parse_build("UNet(3, 2)", label="small", key="build", source="pyproject.toml"),)
    result = analyse(UNET, builds=builds, input_size=(3, 16, 16), max_model_params=10)
    params = torch_built(UNET, "UNet(3, 2)", (1, 3, 16, 16))[0]
    (finding,) = codes(result, "MAC004")
    assert finding.message.startswith("small has ") and finding.line == line_of(UNET, "class UNet")
    assert params > 10  # the budget, 10, is the test's


def test_a_declared_build_of_a_config_object_and_its_fields():
    source = src("""
        class Config:
            def __init__(self, width=8, depth=2):
                self.width = width
                self.depth = depth

        class Net(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.layers = nn.Sequential(*[nn.Linear(config.width, config.width)
                                              for _ in range(config.depth)])

            def forward(self, x):
                return self.layers(x)
    """)
    builds = (parse_build("Net(Config(width=16, depth=3))", label="net", key="build", source="t"),)
    (model,) = analyse(source, builds=builds, input_size=(16,)).report.models
    assert model.complete, model.reasons
    assert numbers(model) == torch_built(source, "Net(Config(width=16, depth=3))", (1, 16))


@pytest.mark.parametrize("text, problem", [
    ("UNet", "not a call"),
    ("UNet(3, ", "not a Python expression"),
    ("3 + 4", "not a call"),
    ("", "no call expression"),
    ("unet.model:", "no call expression"),
    (7, "not a string (int)"),
])
def test_a_bad_build_is_a_configuration_error_naming_the_key(text, problem):
    with pytest.raises(ConfigError) as error:
        parse_build(text, label="x", key="models.x.build", source="pyproject.toml")
    assert str(error.value).startswith(f"pyproject.toml: models.x.build = {text!r}: {problem}")


def test_a_bad_pragma_build_is_mac902_on_the_class_line():
    source = UNET.replace("class UNet(nn.Module):", "class UNet(nn.Module):  # macslint: build=UNet(3, 2")
    result = analyse(source)
    (finding,) = codes(result, "MAC902")
    assert finding.line == line_of(source, "class UNet") and "parentheses are not closed" in finding.message


@pytest.mark.parametrize("module, applies", [
    ("unet.unet_model", True), ("unet/unet_model.py", True), ("unet_model", True),
    ("other.unet_model", False), ("unet.unet", False), (None, True),
])
def test_the_module_of_a_build_is_matched_against_the_end_of_the_path(module, applies):
    text = f"{module}:UNet(3, 2)" if module else "UNet(3, 2)"
    build = parse_build(text, label="x", key="build", source="t")
    assert build.module == module and build.expression == "UNet(3, 2)"
    assert build.applies_to("proj/unet/unet_model.py") is applies


# --------------------------------------------------------------------------- written in the code


def test_constructions_written_in_the_file_are_models():
    source = UNET + textwrap.dedent("""
        small = UNet(3, 2)

        if __name__ == "__main__":
            big = UNet(n_channels=1, n_classes=4, width=16)

        def train():
            model = UNet(3, n_classes=7)
            model.train()
    """)
    found = models_of(analyse(source, input_size=(3, 8, 8)))
    assert set(found) == {"UNet(3, 2)", "UNet(n_channels=1, n_classes=4, width=16)", "UNet(3, n_classes=7)"}
    assert numbers(found["UNet(3, 2)"]) == torch_built(source, "UNet(3, 2)", (1, 3, 8, 8))
    assert numbers(found["UNet(3, n_classes=7)"]) == torch_built(source, "UNet(3, n_classes=7)", (1, 3, 8, 8))
    big = found["UNet(n_channels=1, n_classes=4, width=16)"]
    assert big.line == line_of(source, "big = UNet") and big.col == len("    big = ") + 1
    assert not big.complete and "does not fit" in "; ".join(big.reasons)  # 3 channels into 1


def test_constructions_inside_models_helpers_and_factories_are_not_models():
    source = UNET + textwrap.dedent("""
        def make(n):
            return UNet(n, 2)

        def small():
            return UNet(3, 2)
    """)
    found = models_of(analyse(source, input_size=(3, 8, 8)))
    # Block(...) inside UNet is a part; make(n)'s uses its parameter; small() is the model
    assert set(found) == {"small"}
    assert numbers(found["small"]) == torch_built(source, "small()", (1, 3, 8, 8))


def test_a_construction_written_twice_is_one_model():
    source = UNET + "\na = UNet(3, 2)\nb = UNet(3, 2)\n"
    (model,) = analyse(source, input_size=(3, 8, 8)).report.models
    assert model.name == "UNet(3, 2)" and model.line == line_of(source, "a = UNet")


def test_discovery_can_be_turned_off():
    source = UNET + "\nsmall = UNet(3, 2)\n"
    result = analyse(source, discover_constructions=False)
    assert result.report.models == []
    assert {n.name for n in result.report.not_built} == {"Block", "UNet"}


def write_project(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_a_training_script_builds_the_projects_model(tmp_path, capsys):
    write_project(tmp_path, {
        "pyproject.toml": "[tool.macslint]\ninput-size = [3, 16, 16]\n",
        "unet/__init__.py": "from .unet_model import UNet\n",
        "unet/unet_model.py": UNET,
        "train.py": """
            import torch
            from unet import UNet

            if __name__ == "__main__":
                net = UNet(n_channels=3, n_classes=2)
        """,
    })
    assert main(["report", "--no-cache", "--format", "json", str(tmp_path / "train.py")]) == 0
    (file,) = json.loads(capsys.readouterr().out)["files"]
    (model,) = file["models"]
    assert (model["name"], model["builds"], model["line"]) == ("UNet(n_channels=3, n_classes=2)", "UNet", 6)
    expected = torch_built(UNET, "UNet(n_channels=3, n_classes=2)", (1, 3, 16, 16))
    assert (model["params"], model["macs"], tuple(model["output"])) == expected


def test_a_models_table_in_the_projects_root_names_the_file(tmp_path, capsys):
    write_project(tmp_path, {
        "pyproject.toml": """
            [tool.macslint]
            input-size = [3, 16, 16]

            [tool.macslint.models.unet-small]
            build = "unet.unet_model:UNet(3, 2)"
            max-model-macs = 1000
        """,
        "unet/__init__.py": "from .unet_model import UNet\n",
        "unet/unet_model.py": UNET,
        "unet/other.py": UNET,  # defines UNet too, but the build names unet_model
    })
    assert main(["check", "--no-cache", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    macs = torch_built(UNET, "UNet(3, 2)", (1, 3, 16, 16))[1]
    assert len(out) == 1 and out[0].startswith(f"{tmp_path / 'unet' / 'unet_model.py'}:"
                                               f"{line_of(UNET, 'class UNet')}:1: MAC003 unet-small costs ")
    assert macs > 1000  # the budget is the table's


# --------------------------------------------------------------------------- not built, and why


def test_every_model_class_not_built_says_why():
    result = analyse(UNET)
    reasons = {n.name: n.reason for n in result.report.not_built}
    assert reasons == {
        "Block": "needs constructor arguments cin, cout: declare a construction, e.g. "
                 "`# macslint: build=Block(cin=..., cout=...)` on its class line",
        "UNet": "needs constructor arguments n_channels, n_classes: declare a construction, e.g. "
                "`# macslint: build=UNet(n_channels=..., n_classes=...)` on its class line",
    }
    assert codes(result, "MAC013") == []  # nothing was written for them


def test_a_part_of_a_built_model_is_not_listed():
    builds = (parse_build("UNet(3, 2)", label="small", key="build", source="t"),)
    assert analyse(UNET, builds=builds).report.not_built == []


def test_settings_for_a_class_that_is_not_built_are_mac013():
    source = UNET.replace("class UNet(nn.Module):", "class UNet(nn.Module):  # macslint: input-size=3x32x32")
    result = analyse(source, models=(("Block", {"batch_size": 2}),))
    found = {(f.line, f.message.split(" ")[0]) for f in codes(result, "MAC013")}
    assert found == {(line_of(source, "class UNet"), "UNet"), (line_of(source, "class Block"), "Block")}


def test_report_model_of_a_class_not_built_says_why(tmp_path, capsys):
    (tmp_path / "unet.py").write_text(UNET)
    assert main(["report", "--no-cache", "--model", "UNet", str(tmp_path / "unet.py")]) == 2
    error = capsys.readouterr().err
    assert "UNet is not built: needs constructor arguments n_channels, n_classes" in error


def test_a_pragma_build_on_a_factorys_def_line():
    """`def vit(depth, width):  # macslint: build=vit(2, 16)`: a factory that needs
    arguments is built the declared way (its def line was not read)."""
    source = src("""
        def mlp(depth, width):  # macslint: build=mlp(3, width=16), input-size=16
            return nn.Sequential(*[nn.Linear(width, width) for _ in range(depth)])
    """)
    (model,) = analyse(source).report.models
    assert (model.name, model.built, model.line) == ("mlp(3, width=16)", "mlp", line_of(source, "def mlp"))
    assert numbers(model) == torch_built(source, "mlp(3, width=16)", (1, 16))
