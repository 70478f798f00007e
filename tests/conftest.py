"""Shared by every test module."""

import os
import shutil
import sys
import tempfile

# The tests write nothing into the repository (.ci/run checks it). No bytecode: the fixture
# modules the tests import (fixtures/, tests/data/), the package and the Python subprocesses
# the tests start would leave __pycache__ beside them. Set before anything below is imported;
# only this file's own bytecode is written before this line runs (pytest compiles the file to
# import it: .ci/run allows exactly that one).
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

import tests.helpers  # noqa: E402
from macslint import config  # noqa: E402
from tests.helpers import PROFILE  # noqa: E402


_SESSION = {}


def pytest_configure(config):
    # For the whole session, from before collection (hypothesis writes while test modules
    # are imported) and before any module-scoped fixture runs `macslint`: the result cache
    # of this process and of every subprocess, and hypothesis's directory (its cache of the
    # constants in the code under test, the patches it writes for a failure), in a temporary
    # directory rather than the working directory. Each test still gets its own result cache
    # (_own_result_cache below).
    home = _SESSION["home"] = tempfile.mkdtemp(prefix="macslint-tests-")
    _SESSION["cache"] = os.environ.get("MACSLINT_CACHE_DIR")
    os.environ["MACSLINT_CACHE_DIR"] = os.path.join(home, "macslint_cache")
    # and the result cache's secret (macslint.cache.secret_file), not the user's own
    _SESSION["xdg"] = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = os.path.join(home, "xdg_cache")
    set_hypothesis_home_dir(os.path.join(home, "hypothesis"))
    # A copy of the terminal's stderr for tests.helpers.no_hang (pytest captures fd 2 during
    # each test, not here).
    tests.helpers.HANG_REPORT_FD = os.dup(sys.stderr.fileno())


def pytest_unconfigure(config):
    if tests.helpers.HANG_REPORT_FD is not None:
        os.close(tests.helpers.HANG_REPORT_FD)
        tests.helpers.HANG_REPORT_FD = None
    if "home" in _SESSION:
        set_hypothesis_home_dir(None)
        if _SESSION["cache"] is None:
            os.environ.pop("MACSLINT_CACHE_DIR", None)
        else:
            os.environ["MACSLINT_CACHE_DIR"] = _SESSION["cache"]
        if _SESSION["xdg"] is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = _SESSION["xdg"]
        shutil.rmtree(_SESSION.pop("home"), ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_config_caches():
    """Config lookups are memoised per process (directory -> pyproject.toml, and files by
    mtime and size): tests that write configuration start and end with empty caches."""
    config.clear_caches()
    yield
    config.clear_caches()


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory, monkeypatch):
    """Each test its own result cache: none is written into the repository, and no test
    reads another's results."""
    monkeypatch.setenv("MACSLINT_CACHE_DIR", str(tmp_path_factory.mktemp("macslint_cache")))


# Property tests (tests/costmodel/test_differential.py, tests/integration/test_fuzz.py): "ci",
# the default, is derandomized (the same examples on every run, so main is never red by luck); "nightly"
# draws new examples on each run, ten times as many (tests.helpers.examples):
#   HYPOTHESIS_PROFILE=nightly python -m pytest -q tests/costmodel/test_differential.py
# No example database in either (it would be written under the working directory): a failure
# prints its reproduction blob (print_blob), and "ci" draws the same examples anyway.
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", deadline=None, print_blob=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)


# --------------------------------------------------------------------------- markers
# Registered in pyproject.toml ([tool.pytest.ini_options], --strict-markers) and applied here,
# by module, so a test file needs no decorator:
#   oracle       numbers checked against torch (the module builds and runs torch itself)
#   property     hypothesis tests (@given): tests/costmodel/test_differential.py,
#                tests/integration/test_fuzz.py
#   integration  real subprocesses: the CLI, flake8, pre-commit, the LSP server, CI examples
#   slow         left out of the quick profile, `python -m pytest -q -m "not slow"`
# The quick profile still runs tests of every package: of a heavy parametrized test it keeps
# one parametrization in THIN[module] (the first, then every THIN[module]-th); of a property
# test, the first parametrization, with its full example count.

ORACLE = {
    "test_catalogue_torch.py", "test_tensor_ops_torch.py", "test_differential.py",
    "test_evaluator.py", "test_analyzer.py", "test_models_torch.py", "test_fixtures.py",
    "test_verify.py", "test_diff.py", "test_lsp.py", "test_tracer_completeness.py",
    "test_tracer_params_mismatch.py", "test_tracer_budgets_json.py", "test_tracer_semantics.py",
    "test_tracer_robustness.py", "test_tracer_model_settings.py",
    "test_config_objects.py",
    "test_tracer_idioms.py", "test_star_imports.py", "test_exports.py",
    "test_tracer_inputs.py", "test_tracer_constructions.py", "test_readme_declaring.py",
    "test_tracer_layer_subclasses.py",
    "test_value_helpers.py", "test_mutation_kills.py", "test_builtins_and_rounding.py",
    "test_tracer_new_ops.py",
    "test_tracer_new_layers.py", "test_tracer_parameters.py",
    "test_rounded_numpy.py", "test_sets.py",
    "test_strides_torch.py", "test_tracer_strides.py", "test_optional_imports.py",
    "test_indexing_torch.py", "test_tracer_indexing.py",
    "test_mutation_kills_values.py",
    "test_mutation_kills_records.py",
    "test_mutation_kills_containers.py",
    "test_mutation_kills_tensors.py",
    "test_mutation_kills_calls.py",
    "test_mutation_kills_tracer.py",
    "test_attention_ops_torch.py", "test_tracer_attention.py",
    "test_einops_patterns.py", "test_tracer_einops.py",
    "test_rnn_torch.py", "test_tracer_rnn.py",
    "test_attention_layers_torch.py", "test_tracer_transformer.py",
    "test_project_verdicts.py",
    "test_loss_layers_torch.py", "test_tracer_losses.py",
    "test_lazy_layers_torch.py", "test_tracer_lazy.py",
    "test_module_totals.py", "test_parameters_memory.py",
}
INTEGRATION_DIRS = {"integration"}
INTEGRATION = {"test_flake8.py", "test_lsp.py", "test_report_html.py"}

# Parametrized tests of these modules: the quick profile keeps one in N.
THIN = {
    "test_catalogue_torch.py": 20,
    "test_loss_layers_torch.py": 10,
    "test_tensor_ops_torch.py": 20,
    "test_positions.py": 20,
    "test_fixtures.py": 10,
    "test_models_torch.py": 10,
    "test_fuzz.py": 4,
}
# Whole tests (or modules) that are slow by themselves: seconds each, or hundreds of examples.
SLOW_MODULES = {"test_precommit.py"}
# Property tests whose @given is inside the test body (one hypothesis run per parametrization).
NESTED_PROPERTY = {"test_one_mutation_of_a_fixture", "test_hypothesmith_grammar_programs"}
SLOW_TESTS = {
    "test_complete_models_of_the_other_fixtures_match_torch",
    "test_several_mutations_of_a_fixture",
    "test_hypothesmith_node_programs",
    "test_models_from_a_grammar_of_torch_idioms",
    "test_cli_on_a_sample_of_generated_files",
    "test_deep_nesting",
    "test_big_and_deep_models",
    "test_fixtures_verify_clean",
    "test_bound_names_agree_on_every_file_of_this_repository",
}


def pytest_collection_modifyitems(config, items):
    seen: dict = {}
    for item in items:
        path = item.path
        module, directory = path.name, path.parent.name
        name = getattr(item, "originalname", item.name)
        is_property = (getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
                       or name in NESTED_PROPERTY)
        if module in ORACLE:
            item.add_marker(pytest.mark.oracle)
        if directory in INTEGRATION_DIRS or module in INTEGRATION:
            item.add_marker(pytest.mark.integration)
        if is_property:
            item.add_marker(pytest.mark.property)
        slow = module in SLOW_MODULES or name in SLOW_TESTS
        if hasattr(item, "callspec") and (is_property or module in THIN):
            key = (path, name)
            index = seen[key] = seen.get(key, -1) + 1
            slow = slow or (index > 0 if is_property else index % THIN[module] != 0)
        if slow:
            item.add_marker(pytest.mark.slow)
