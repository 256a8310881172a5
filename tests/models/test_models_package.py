"""The trader.models package face: every name in __all__ resolves, and Timeframe alone stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import trader.models


def test_every_exported_name_resolves() -> None:
    for name in trader.models.__all__:
        assert getattr(trader.models, name).__name__ == name
    assert sorted(dir(trader.models)) == sorted(trader.models.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Bar'"):
        _ = trader.models.Bar  # type: ignore[attr-defined]


def test_importing_timeframe_does_not_load_the_pydantic_models() -> None:
    probe = (
        "import sys; from trader.models import Timeframe; "
        "print(sorted(m for m in sys.modules if m.startswith('trader.models.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert loaded.strip() == "['trader.models.timeframe']"
