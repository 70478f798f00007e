"""Shared by every test module."""

import pytest
from hypothesis import HealthCheck, settings

from macslint import config
from tests.helpers import PROFILE


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



# Property tests (tests/test_differential.py, tests/test_fuzz.py): "ci", the default, is
# derandomized (the same examples on every run, so main is never red by luck); "nightly"
# draws new examples on each run, ten times as many (tests.helpers.examples):
#   HYPOTHESIS_PROFILE=nightly python -m pytest -q tests/test_differential.py
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)
