"""Shared by the costmodel tests (the catalogue, tensor operations and differential suites)."""

import pytest
import torch


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Torch on one thread while each test module here runs (test_catalogue_torch.py,
    test_tensor_ops_torch.py, test_differential.py), restored after it."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
