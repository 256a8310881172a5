"""Golden tests: every indicator against the TA-Lib oracle on real series and on generated ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indicator_cases import ORACLE_CASES, Bars, Case, assert_matches_oracle, load_bars

SAMPLE_FILES = sorted(
    p.name for p in (Path(__file__).resolve().parents[2] / "data" / "samples").glob("*.csv")
)


@pytest.mark.parametrize("case", ORACLE_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("file", SAMPLE_FILES)
def test_matches_talib_on_bundled_samples(case: Case, file: str, samples_dir: Path) -> None:
    assert_matches_oracle(case, load_bars(samples_dir / file), file)


@pytest.mark.shared_data
@pytest.mark.parametrize("case", ORACLE_CASES, ids=lambda c: c.name)
def test_matches_talib_on_shared_data(case: Case, shared_data_dir: Path) -> None:
    files = sorted(shared_data_dir.glob("*.csv"))
    assert files, f"no CSV files in {shared_data_dir}"
    for path in files:
        assert_matches_oracle(case, load_bars(path), path.name)


@st.composite
def random_walks(draw: st.DrawFn) -> Bars:
    """Positive random walks with flat stretches, spikes and zero volume, over very different price scales."""
    n = draw(st.integers(min_value=1, max_value=400))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    level = draw(st.sampled_from([0.0001, 0.03, 1.0, 100.0, 50_000.0]))
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, draw(st.sampled_from([0.0, 0.001, 0.02])), n)
    flat = rng.random(n) < draw(st.sampled_from([0.0, 0.3, 0.9]))
    steps[flat] = 0.0
    spikes = rng.random(n) < 0.02
    steps[spikes] += rng.choice([-0.3, 0.3], spikes.sum())
    close = level * np.exp(np.cumsum(steps))
    close = np.round(close, 8) if draw(st.booleans()) else close
    spread = np.abs(rng.normal(0.0, 0.005, n)) * close
    spread[flat] = 0.0
    high = close + spread * rng.random(n)
    low = close - spread * rng.random(n)
    volume = np.round(rng.exponential(1000.0, n))
    volume[rng.random(n) < 0.1] = 0.0
    return Bars(high, low, close, volume)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bars=random_walks())
def test_matches_talib_on_generated_walks(bars: Bars) -> None:
    for case in ORACLE_CASES:
        assert_matches_oracle(case, bars, "generated")
