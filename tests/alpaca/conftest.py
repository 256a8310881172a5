"""Fixtures for the Alpaca tests: a fake Alpaca server on 127.0.0.1, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trader.alpaca.fake import FakeAlpacaServer


@pytest.fixture
def fake_alpaca(samples_dir: Path) -> Iterator[FakeAlpacaServer]:
    """A running fake server serving the bundled sample bars."""
    with FakeAlpacaServer(samples_dir) as server:
        yield server
