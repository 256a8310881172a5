"""Volume profile (not in TA-Lib): checked against an independent numpy computation of its formula."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_cases import load_bars

from trader import indicators as ti
from trader.indicators import IndicatorError


def reference(price: np.ndarray, volume: np.ndarray, bins: int) -> tuple[np.ndarray, float, float, float]:
    """Buckets by np.histogram (same edges, last bucket closed), POC = fullest bucket, 70% value area."""
    counts, edges = np.histogram(price, bins=bins, range=(price.min(), price.max()), weights=volume)
    poc = int(np.argmax(counts))
    lo = hi = poc
    inside, total = counts[poc], counts.sum()
    while inside < 0.7 * total and (lo > 0 or hi < bins - 1):
        below = counts[lo - 1] if lo > 0 else -np.inf
        above = counts[hi + 1] if hi < bins - 1 else -np.inf
        if above >= below:
            hi += 1
            inside += above
        else:
            lo -= 1
            inside += below
    return counts, (edges[poc] + edges[poc + 1]) / 2, edges[lo], edges[hi + 1]


def test_matches_the_reference_on_real_minute_bars(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1m.csv")
    vp = ti.volume_profile(bars.close, bars.volume, bins=24)
    counts, poc, val, vah = reference(bars.close, bars.volume, 24)
    np.testing.assert_allclose(vp.bin_volume, counts, rtol=1e-12)
    assert vp.poc == pytest.approx(poc, rel=1e-12)
    assert (vp.value_area_low, vp.value_area_high) == pytest.approx((val, vah), rel=1e-12)
    assert vp.bin_edges[0] == bars.close.min()
    assert vp.bin_edges[-1] == bars.close.max()
    inside = (vp.bin_edges[:-1] >= vp.value_area_low) & (vp.bin_edges[1:] <= vp.value_area_high)
    assert vp.bin_volume[inside].sum() >= 0.7 * vp.bin_volume.sum()


def same(a: float, b: float) -> bool:
    return a == b or (np.isnan(a) and np.isnan(b))


@settings(max_examples=50, deadline=None)
@given(
    prices=st.lists(st.integers(min_value=100, max_value=140), min_size=2, max_size=80),
    seed=st.integers(min_value=0, max_value=1000),
    fractional=st.booleans(),
)
def test_streaming_window_equals_batch_profile(prices: list[int], seed: int, fractional: bool) -> None:
    price = np.array(prices, dtype=float) / 4.0
    rng = np.random.default_rng(seed)
    # Fractional volumes: a float sum would depend on the order bars come and go in; the profile's must not.
    volume = rng.random(len(price)) * 100 if fractional else rng.integers(1, 100, len(price)).astype(float)
    window = max(1, len(price) // 2)
    stream = ti.VolumeProfile(window, 8)
    for i in range(len(price)):
        poc = stream.update(price[i], volume[i])
        if i + 1 < window:
            assert np.isnan(poc)
            continue
        batch = ti.volume_profile(price[i + 1 - window : i + 1], volume[i + 1 - window : i + 1], 8)
        assert same(poc, batch.poc)
        assert same(stream.poc, batch.poc)
        assert same(stream.value_area_low, batch.value_area_low)
        assert same(stream.value_area_high, batch.value_area_high)
        assert stream.bin_volume == list(batch.bin_volume)


def test_bucket_volumes_do_not_depend_on_the_order_of_the_bars() -> None:
    price = np.array([1.0, 1.0, 1.0, 2.0])
    volume = np.array([0.1, 0.2, 0.3, 1.0])
    assert 0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1  # a float sum would differ
    forward = ti.volume_profile(price, volume, bins=2)
    backward = ti.volume_profile(price[::-1].copy(), volume[::-1].copy(), bins=2)
    assert list(forward.bin_volume) == list(backward.bin_volume)
    # Volumes are summed exactly in units of 2^-32: off from 0.6 by less than one unit.
    assert abs(forward.bin_volume[0] - 0.6) < 2.0**-32


def test_bars_with_an_infinite_or_nan_input_are_not_counted() -> None:
    vp = ti.volume_profile([1.0, np.inf, 3.0, np.nan, 2.0], [5.0, 9.0, 1.0, 4.0, np.nan], bins=2)
    assert (vp.bin_edges[0], vp.bin_edges[-1]) == (1.0, 3.0)
    assert list(vp.bin_volume) == [5.0, 1.0]


def test_bad_bins_and_repr() -> None:
    with pytest.raises(IndicatorError, match="`bins` must be >= 1, got 0"):
        ti.volume_profile([1.0, 2.0], [1.0, 1.0], bins=0)
    with pytest.raises(IndicatorError, match="`window` must be >= 1, got 0"):
        ti.VolumeProfile(0)
    with pytest.raises(IndicatorError, match="`window` must be <= 4294967296, got 4294967297"):
        ti.VolumeProfile(2**32 + 1)
    assert repr(ti.VolumeProfile(30, 12)) == "VOLUME_PROFILE(30,12)"
