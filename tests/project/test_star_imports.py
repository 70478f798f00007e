"""`from .parts import *` of a project module (milesial/Pytorch-UNet's `unet/unet_model.py`):
the names the module exports are bound, as Python binds them (its `__all__` if it has one, else
its public module-level names), and read when first used.

The numbers come from torch: each test imports the very package it wrote and counts it
(tests/project/test_project.py's `torch_counts`).
"""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from macslint.analysis import analyze_source
from macslint.config import Settings
from macslint.project.loader import ProjectLoader, clear_cache
from tests.project.test_project import line_of, models, torch_counts, write_package

# A small U-Net in Pytorch-UNet's shape: its parts in one file, the model in another that
# star-imports them (and through them `torch`, `nn` and `F`).
PARTS = """
    \"\"\" Parts of the U-Net model \"\"\"

    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class DoubleConv(nn.Module):
        def __init__(self, in_channels, out_channels, mid_channels=None):
            super().__init__()
            if not mid_channels:
                mid_channels = out_channels
            self.double_conv = nn.Sequential(
                nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(mid_channels),
                nn.ReLU(inplace=True),
                nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True)
            )

        def forward(self, x):
            return self.double_conv(x)


    class Down(nn.Module):
        def __init__(self, in_channels, out_channels):
            super().__init__()
            self.maxpool_conv = nn.Sequential(
                nn.MaxPool2d(2),
                DoubleConv(in_channels, out_channels)
            )

        def forward(self, x):
            return self.maxpool_conv(x)


    class Up(nn.Module):
        def __init__(self, in_channels, out_channels, bilinear=True):
            super().__init__()
            if bilinear:
                self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
                self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
            else:
                self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
                self.conv = DoubleConv(in_channels, out_channels)

        def forward(self, x1, x2):
            x1 = self.up(x1)
            diffY = x2.size()[2] - x1.size()[2]
            diffX = x2.size()[3] - x1.size()[3]
            x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2,
                            diffY // 2, diffY - diffY // 2])
            x = torch.cat([x2, x1], dim=1)
            return self.conv(x)


    class OutConv(nn.Module):
        def __init__(self, in_channels, out_channels):
            super(OutConv, self).__init__()
            self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

        def forward(self, x):
            return self.conv(x)
"""

MODEL = """
    \"\"\" Full assembly of the parts to form the complete network \"\"\"

    from .unet_parts import *


    class UNet(nn.Module):  # macslint: input-size=3x64x64
        def __init__(self, n_channels=3, n_classes=2, bilinear=False):
            super(UNet, self).__init__()
            self.n_channels = n_channels
            self.n_classes = n_classes
            self.bilinear = bilinear

            self.inc = (DoubleConv(n_channels, 16))
            self.down1 = (Down(16, 32))
            self.down2 = (Down(32, 64))
            factor = 2 if bilinear else 1
            self.down3 = (Down(64, 128 // factor))
            self.up1 = (Up(128, 64 // factor, bilinear))
            self.up2 = (Up(64, 32 // factor, bilinear))
            self.up3 = (Up(32, 16, bilinear))
            self.outc = (OutConv(16, n_classes))

        def forward(self, x):
            x1 = self.inc(x)
            x2 = self.down1(x1)
            x3 = self.down2(x2)
            x4 = self.down3(x3)
            x = self.up1(x4, x3)
            x = self.up2(x, x2)
            x = self.up3(x, x1)
            logits = self.outc(x)
            return logits


    def unet_bilinear():  # macslint: input-size=1x48x48
        return UNet(n_channels=1, n_classes=3, bilinear=True)
"""


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    yield
    clear_cache()


def test_unet_built_from_star_imported_parts_matches_torch(tmp_path):
    package = write_package(tmp_path, "starpkg1", {"unet_parts.py": PARTS,
                                                    "unet_model.py": MODEL})
    result, found = models(package / "unet_model.py")
    for name, shape in (("UNet", (1, 3, 64, 64)), ("unet_bilinear", (1, 1, 48, 48))):
        model = found[name]
        assert model.complete, model.reasons
        assert model.input == shape
        assert (model.params, model.macs) == torch_counts(tmp_path, "starpkg1.unet_model", name,
                                                          shape)
    first = found["UNet"].calls[0]
    assert (first.path, first.site.file, first.site.line) == (
        "inc.double_conv.0", "unet_parts.py", line_of(package / "unet_parts.py", "nn.Conv2d("))


def test_star_import_without_a_project_module_binds_nothing(tmp_path):
    """Without the parts file the names are not defined, as in Python (an ImportError there)."""
    package = write_package(tmp_path, "starpkg2", {"unet_model.py": MODEL})
    _, found = models(package / "unet_model.py")
    assert found == {}  # `nn.Module` is not known: no model class


LISTED = """
    import torch.nn as nn

    __all__ = ["Block"]
    __all__ += ["Head"]


    class Block(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.fc = nn.Linear(c, c)

        def forward(self, x):
            return self.fc(x)


    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(x)


    class Hidden(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            return self.fc(x)


    class _Private(Hidden):
        pass
"""

USES_LISTED = """
    import torch
    import torch.nn as nn
    from .blocks import *


    class Net(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.b = Block()
            self.h = Head()

        def forward(self, x):
            return self.h(self.b(x))


    class Bad(nn.Module):  # macslint: input-size=8
        def __init__(self):
            super().__init__()
            self.b = {missing}()

        def forward(self, x):
            return self.b(x)
"""


@pytest.mark.parametrize("blocks, missing", [
    (LISTED, "Hidden"),  # defined, but left out of __all__
    (LISTED.replace('__all__ = ["Block"]\n    __all__ += ["Head"]\n', ""), "_Private"),
])
def test_names_a_star_import_does_not_bind_are_unknown(tmp_path, blocks, missing):
    """The exported names are bound; one `__all__` leaves out (or, without `__all__`, a name
    with a leading underscore) is not: Python raises NameError, macslint says it is not
    defined."""
    tag = missing.strip("_").lower()
    package = write_package(tmp_path, f"starpkg_{tag}", {
        "blocks.py": blocks, "net.py": USES_LISTED.replace("{missing}", missing)})
    _, found = models(package / "net.py")
    assert found["Net"].complete, found["Net"].reasons
    assert (found["Net"].params, found["Net"].macs) == torch_counts(
        tmp_path, f"starpkg_{tag}.net", "Net", (1, 8))
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(NameError, match=missing):
            importlib.import_module(f"starpkg_{tag}.net").Bad()
    finally:
        sys.path.remove(str(tmp_path))
    bad = found["Bad"]
    assert not bad.complete and bad.params is None and bad.macs is None
    assert f"'{missing}' is not defined in this file" in "; ".join(bad.reasons)


def test_star_imports_chain_and_reexport(tmp_path):
    """`layers.py` star-imports `blocks.py` (an `__all__` computed by code: the value the
    file's walk gives it) and `torch.nn`; the model star-imports `layers`, and imports one of
    its re-exported names by name too. (`from torch.nn import *` binds the catalogue's layers,
    not `Module`.)"""
    blocks = LISTED.replace('__all__ = ["Block"]\n    __all__ += ["Head"]\n',
                            '__all__ = ["Blo" + "ck"] + ["Head"]\n')
    layers = """
        import torch.nn as nn
        from torch.nn import *
        from .blocks import *

        __all__ = ["Block", "Head", "Linear", "Stem"]


        class Stem(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = Linear(4, 8)

            def forward(self, x):
                return self.fc(x)
    """
    net = """
        import torch.nn as nn
        from .layers import *
        from .layers import Head as OtherHead


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.stem = Stem()
                self.b = Block()
                self.h = OtherHead()
                self.out = Linear(2, 2)

            def forward(self, x):
                return self.out(self.h(self.b(self.stem(x))))
    """
    package = write_package(tmp_path, "starpkg3", {"blocks.py": blocks, "layers.py": layers,
                                                    "net.py": net})
    _, found = models(package / "net.py")
    assert found["Net"].complete, found["Net"].reasons
    assert (found["Net"].params, found["Net"].macs) == torch_counts(
        tmp_path, "starpkg3.net", "Net", (1, 4))


def test_star_import_of_a_file_whose_all_is_not_known_says_why(tmp_path):
    blocks = LISTED.replace('__all__ = ["Block"]\n    __all__ += ["Head"]\n',
                            '__all__ = list(("Block", "Head"))\n')
    package = write_package(tmp_path, "starpkg7", {
        "blocks.py": blocks, "net.py": USES_LISTED.replace("{missing}", "Hidden")})
    _, found = models(package / "net.py")
    net = found["Net"]
    assert not net.complete and net.params is None and net.macs is None
    assert "`from blocks.py import *` may or may not bind it: the file's __all__ is not known" \
        in "; ".join(net.reasons)


def test_names_the_file_binds_before_a_star_import_stay_known(tmp_path):
    """`import torch.nn as nn` before a star import that binds `nn` again: the same module,
    not a name bound to different values (the file's layers are still costed on their own)."""
    net = MODEL.replace('from .unet_parts import *',
                        'import torch\n    import torch.nn as nn\n    from .unet_parts import *')
    net = net.replace("        def forward(self, x):\n            x1",
                      "        def head(self):\n            return nn.Conv2d(16, 2, 1)\n\n"
                      "        def forward(self, x):\n            x1")
    package = write_package(tmp_path, "starpkg4", {"unet_parts.py": PARTS, "unet_model.py": net})
    result, found = models(package / "unet_model.py")
    assert found["UNet"].complete, found["UNet"].reasons
    [layer] = result.report.layers  # the Conv2d of head(), walked with `nn` known
    assert layer.params == 16 * 2 + 2


def test_star_import_of_files_that_import_each_other_is_not_a_crash(tmp_path):
    a = "from .b import *\nimport torch.nn as nn\n\nclass A(nn.Module):\n    pass\n"
    b = "from .a import *\nimport torch.nn as nn\n\nclass B(nn.Module):\n    pass\n"
    net = """
        import torch.nn as nn
        from .a import *


        class Net(nn.Module):  # macslint: input-size=4
            def __init__(self):
                super().__init__()
                self.a, self.b = A(), B()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                return self.fc(x)
    """
    package = write_package(tmp_path, "starpkg5", {"a.py": a, "b.py": b, "net.py": net})
    _, found = models(package / "net.py")
    assert found["Net"].complete, found["Net"].reasons
    assert (found["Net"].params, found["Net"].macs) == torch_counts(
        tmp_path, "starpkg5.net", "Net", (1, 4))


def test_star_imported_module_is_read_when_a_name_is_used(tmp_path):
    """A star import binds names from the file's text; the file is walked only when one is
    used (as `from .x import name`)."""
    files = {"unet_parts.py": PARTS, "unused.py": "import torch.nn as nn\n\nclass U(nn.Module):"
             "\n    pass\n", "unet_model.py": MODEL}
    package = write_package(tmp_path, "starpkg6", files)
    model = package / "unet_model.py"
    source = textwrap.dedent(MODEL).replace("from .unet_parts import *",
                                            "from .unused import *\nfrom .unet_parts import *")
    model.write_text(source, encoding="utf-8")
    loaded = []
    original = ProjectLoader.load

    def spy(self, path):
        loaded.append(path.name)
        return original(self, path)

    ProjectLoader.load = spy
    try:
        analysis = analyze_source(source, Settings(), str(model), model)
    finally:
        ProjectLoader.load = original
    assert [m.name for m in analysis.models if m.complete] == ["UNet", "unet_bilinear"]
    assert "unet_parts.py" in loaded and "unused.py" not in loaded


def test_an_imported_file_reads_its_star_imported_names_only_when_used(tmp_path):
    """In a file read for its names (imported by the one checked), a star import that binds
    a name again (`nn`, which every module of a package re-exports) does not read the
    star-imported file to compare the two: that waits until the name is used."""
    files = {
        "parts.py": "import torch.nn as nn\n\n\nclass Block(nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n"
                    "        self.fc = nn.Linear(8, 4)\n\n"
                    "    def forward(self, x):\n        return self.fc(x)\n",
        "middle.py": "import torch.nn as nn\nfrom .parts import *\n\nWIDTH = 8\n",
        "width.py": "import torch.nn as nn\nfrom .middle import WIDTH\n\n\n"
                    "def head():  # macslint: input-size=8\n    return nn.Sequential(nn.Linear(WIDTH, 2))\n",
        "block.py": "from .middle import Block, nn\n\n\n"
                    "def net():  # macslint: input-size=8\n"
                    "    return nn.Sequential(Block(), nn.ReLU())\n",
    }
    package = write_package(tmp_path, "starpkg7", files)
    loaded = []
    original = ProjectLoader.load

    def spy(self, path):
        loaded.append(path.name)
        return original(self, path)

    results = {}
    ProjectLoader.load = spy
    try:
        for name in ("width.py", "block.py"):
            loaded.clear()
            path = package / name
            analysis = analyze_source(path.read_text(encoding="utf-8"), Settings(), str(path),
                                      path)
            results[name] = ({m.name: m for m in analysis.models}, list(loaded))
    finally:
        ProjectLoader.load = original
    width_models, width_loaded = results["width.py"]
    assert "middle.py" in width_loaded and "parts.py" not in width_loaded
    head = width_models["head"]
    assert head.complete and (head.params, head.macs) == torch_counts(
        tmp_path, "starpkg7.width", "head", (1, 8))
    block_models, block_loaded = results["block.py"]
    net = block_models["net"]
    assert "parts.py" in block_loaded
    assert net.complete, net.reasons
    assert (net.params, net.macs) == torch_counts(tmp_path, "starpkg7.block", "net", (1, 8))


def test_names_a_star_imported_file_star_imports_in_turn_are_bound(tmp_path):
    """Without `__all__` anywhere, `from .b import *` binds what b.py star-imports from a.py
    (its public module-level names include them), as Python does."""
    files = {
        "a.py": "import torch.nn as nn\n\n\nclass Block(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n"
                "        self.fc = nn.Linear(4, 6)\n\n"
                "    def forward(self, x):\n        return self.fc(x)\n",
        "b.py": "from .a import *\n",
        "net.py": "import torch.nn as nn\nfrom .b import *\n\n\n"
                  "def net():  # macslint: input-size=4\n"
                  "    return nn.Sequential(Block(), nn.ReLU())\n",
    }
    package = write_package(tmp_path, "starpkg8", files)
    _, found = models(package / "net.py")
    assert found["net"].complete, found["net"].reasons
    assert (found["net"].params, found["net"].macs) == torch_counts(
        tmp_path, "starpkg8.net", "net", (1, 4))
