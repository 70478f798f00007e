"""Optional dependencies (`try: import xformers ... except ImportError: ...`) and the
`not-installed` setting (evaluator.optional_imports).

The modules declared not installed are names no environment has (ABSENT), so torch's run of
the same source takes the `except` branch too: every count is torch's (`assert_matches_torch`).
Without the setting, what the `try` binds stays unknown, with a reason naming the setting."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

from macslint.config import clear_caches, load_config
from macslint.errors import ConfigError
from tests.torchnn.tracer_helpers import assert_matches_torch, reasons, src, trace

ABSENT = "macslint_absent_accel"  # installed nowhere: torch's run raises ImportError too

DINOV2_STYLE = src(f"""
    import os
    import warnings

    ACCEL_ENABLED = os.environ.get("ACCEL_DISABLED") is None
    try:
        if ACCEL_ENABLED:
            from {ABSENT}.ops import memory_efficient_attention, unbind

            ACCEL_AVAILABLE = True
            warnings.warn("accel is available")
        else:
            warnings.warn("accel is disabled")
            raise ImportError
    except ImportError:
        ACCEL_AVAILABLE = False


    class Attention(nn.Module):  # macslint: input-size=10x16
        def __init__(self, dim=16):
            super().__init__()
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            if not ACCEL_AVAILABLE:
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                return self.proj(torch.softmax(q @ k.transpose(-2, -1), dim=-1) @ v)
            return memory_efficient_attention(x)
""")

FUSED_NORM = src(f"""
    try:
        import {ABSENT}
        LayerNorm = {ABSENT}.FusedLayerNorm
    except (ModuleNotFoundError, AttributeError):
        LayerNorm = nn.LayerNorm


    class Net(nn.Module):  # macslint: input-size=8x32
        def __init__(self):
            super().__init__()
            self.norm = LayerNorm(32)
            self.fc = nn.Linear(32, 64)

        def forward(self, x):
            return self.fc(self.norm(x))
""")


def test_the_absent_module_is_absent():
    assert importlib.util.find_spec(ABSENT) is None


@pytest.mark.parametrize("source,name", [(DINOV2_STYLE, "Attention"), (FUSED_NORM, "Net")],
                         ids=["raise-on-every-branch", "fallback-layer"])
def test_declared_not_installed_runs_the_handler(source, name):
    assert_matches_torch(source, name, not_installed=(ABSENT,))


@pytest.mark.parametrize("declared", [(ABSENT,), (f"{ABSENT}.ops",)])
def test_a_package_or_the_module_itself_may_be_declared(declared):
    assert_matches_torch(DINOV2_STYLE, "Attention", not_installed=declared)


@pytest.mark.parametrize("source,name,what", [
    (DINOV2_STYLE, "Attention", "ACCEL_AVAILABLE"), (FUSED_NORM, "Net", "LayerNorm")])
def test_undeclared_the_import_stays_unknown_and_the_setting_is_named(source, name, what):
    model = trace(source, name)
    assert model.macs is None and not model.complete
    text = reasons(model)
    assert f"'{what}' depends on whether an exception was raised" in text
    assert f'not-installed = ["{ABSENT}"] in [tool.macslint]' in text


def test_a_handler_that_may_not_catch_it_decides_nothing():
    """`raise ImportError` is not a ModuleNotFoundError: which path runs is not certain."""
    source = DINOV2_STYLE.replace("except ImportError:", "except ModuleNotFoundError:")
    model = trace(source, "Attention", not_installed=(ABSENT,))
    assert model.macs is None
    assert "'ACCEL_AVAILABLE' depends on whether an exception was raised" in reasons(model)


def test_another_module_declared_decides_nothing():
    model = trace(DINOV2_STYLE, "Attention", not_installed=("apex",))
    assert model.macs is None


@pytest.mark.parametrize("value,problem", [
    ('"xformers"', "not a list (a string)"),
    ('["xformers", 3]', "3 is not a module name"),
    ('["x-formers"]', "'x-formers' is not a module name"),
])
def test_bad_setting_names_the_file_the_key_and_the_fix(tmp_path, value, problem):
    clear_caches()
    path = tmp_path / "pyproject.toml"
    path.write_text(textwrap.dedent(f"""
        [tool.macslint]
        not-installed = {value}
    """))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and "not-installed = " in message and problem in message
    assert 'use a list of module names, like not-installed = ["xformers", "apex"]' in message
    clear_caches()


def test_the_setting_is_read(tmp_path):
    clear_caches()
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.macslint]\nnot-installed = ["xformers", "apex.normalization"]\n')
    settings = load_config(path).settings_for(tmp_path / "m.py")
    assert settings.not_installed == ("xformers", "apex.normalization")
    clear_caches()
