"""Shared pytest fixtures: where the bundled samples and the shared fixture set live."""

from __future__ import annotations

import os
import shutil
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


def _first_executable(candidates: list[str]) -> Path | None:
    for candidate in candidates:
        found = shutil.which(candidate) if "/" not in candidate else candidate
        if found and os.access(found, os.X_OK):
            return Path(found)
    return None


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The system Chromium that `system`-marked browser tests drive (`.ci/system-packages` installs it)."""
    found = _first_executable([os.environ.get("TRADER_CHROMIUM", ""), "chromium", "/usr/bin/chromium"])
    if found is None:
        pytest.fail("Chromium not found; install it (see .ci/system-packages) or set TRADER_CHROMIUM")
    return found


@pytest.fixture(scope="session")
def postgres_bin_dir() -> Path:
    """The directory holding PostgreSQL's initdb/pg_ctl/postgres for `system`-marked store tests."""
    versioned = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    found = _first_executable(["pg_ctl", "/usr/local/bin/pg_ctl", *map(str, versioned)])
    if found is None:
        pytest.fail("PostgreSQL server programs not found; install postgresql (see .ci/system-packages)")
    return found.parent
