"""Shared by every test module."""

import pytest

from macslint import config


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
