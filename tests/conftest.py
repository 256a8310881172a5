"""Shared pytest fixtures: where the bundled samples and the shared fixture set live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "data" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The bundled Apache-2.0 sample data (always present)."""
    return SAMPLES


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The shared fixture set; only tests marked `shared_data` may ask for it."""
    path = Path(os.environ.get("TRADER_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.fail(f"shared data not found at {path}; set TRADER_SHARED_DATA or run via `make test-shared`")
    return path
