"""Shared fixtures: the array backend under test, the GPU marker, the reference data."""
import os
from pathlib import Path

import numpy as np
import pytest

from framework import backend

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ZERONN_SHARED_DATA", REPO.parent / "shared" / "data"))


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu") is not None]
    if not gpu_items:
        return
    ok, reason = backend.gpu_status()
    if not ok:
        skip = pytest.mark.skip(reason=f"needs a GPU: {reason}")
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def xp(request):
    """The array module under test: numpy always, cupy where a GPU answers."""
    if request.param == "numpy":
        return np
    import cupy
    return cupy


@pytest.fixture
def shared_data():
    """The folder of reference data sets beside the checkout; skips where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set ZERONN_SHARED_DATA)")
    return SHARED_DATA
