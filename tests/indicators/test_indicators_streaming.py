"""Streaming classes: bar-by-bar updates reproduce the batch output bit for bit, and the NaN policy holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_cases import CASES, Bars, Case, load_bars, stream_outputs

from trader import indicators as ti


def assert_identical(a: np.ndarray, b: np.ndarray, what: str) -> None:
    """Bit-for-bit equality, NaN included."""
    assert a.shape == b.shape, what
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    assert same.all(), (
        f"{what}: first difference at {np.flatnonzero(~same)[:3]}: {a[~same][:3]} vs {b[~same][:3]}"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_streaming_equals_batch_on_real_bars(case: Case, samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "BTCUSD_1h.csv")
    for k, (s, b) in enumerate(zip(stream_outputs(case, bars), case.ours(bars), strict=True)):
        assert_identical(s, b, f"{case.name}[{k}]")


@st.composite
def gappy_bars(draw: st.DrawFn) -> Bars:
    """Random walks with NaN gaps in any column."""
    n = draw(st.integers(min_value=1, max_value=150))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    close[rng.random(n) < 0.2] = np.round(close[0], 1)
    high = close * (1 + np.abs(rng.normal(0, 0.01, n)))
    low = close * (1 - np.abs(rng.normal(0, 0.01, n)))
    volume = np.round(rng.exponential(500.0, n))
    gap_rate = draw(st.sampled_from([0.0, 0.02, 0.2]))
    for column in (high, low, close, volume):
        column[rng.random(n) < gap_rate / 4] = np.nan
    return Bars(high, low, close, volume)


@settings(max_examples=60, deadline=None)
@given(bars=gappy_bars())
def test_streaming_equals_batch_with_gaps(bars: Bars) -> None:
    for case in CASES:
        for k, (s, b) in enumerate(zip(stream_outputs(case, bars), case.ours(bars), strict=True)):
            assert_identical(s, b, f"{case.name}[{k}]")


@settings(max_examples=60, deadline=None)
@given(bars=gappy_bars())
def test_nan_bar_restarts_the_indicator(bars: Bars) -> None:
    """NaN policy: outputs are NaN at a bar with a NaN in any input the indicator reads, and from the next bar
    on they are exactly those of the series that starts there."""
    for case in CASES:
        full = case.ours(bars)
        gap = np.zeros(len(bars), dtype=bool)
        for column in case.reads:
            gap |= np.isnan(getattr(bars, column))
        for g in np.flatnonzero(gap):
            for k, out in enumerate(full):
                assert np.isnan(out[g]), f"{case.name}[{k}]: output at gap bar {g} is {out[g]}"
            if g + 1 < len(bars):
                restarted = case.ours(bars.tail(int(g) + 1))
                for k, (a, b) in enumerate(zip(full, restarted, strict=True)):
                    assert_identical(a[g + 1 :], b, f"{case.name}[{k}] after gap {g}")


def test_value_ready_reset_and_repr() -> None:
    rsi = ti.RSI(3)
    assert repr(rsi) == "RSI(3)"
    assert not rsi.ready
    assert np.isnan(rsi.value)
    outs = [rsi.update(x) for x in (1.0, 2.0, 3.0, 4.0)]
    assert np.isnan(outs[2])
    assert outs[3] == 100.0
    assert rsi.ready
    assert rsi.value == 100.0
    rsi.reset()
    assert not rsi.ready
    assert np.isnan(rsi.value)
    macd = ti.MACD()
    assert repr(macd) == "MACD(12,26,9)"
    assert np.isnan(macd.value)
    assert np.isnan(macd.signal)
    assert repr(ti.BBANDS(20, 2.0, 1.0)) == "BBANDS(20,2,1)"
    assert repr(ti.STOCH()) == "STOCH(14,3,3)"
    assert repr(ti.TRANGE()) == "TRANGE"


@settings(max_examples=60, deadline=None)
@given(bars=gappy_bars())
def test_outputs_stay_in_their_ranges(bars: Bars) -> None:
    for case in CASES:
        for k, (out, bounds) in enumerate(zip(case.ours(bars), case.bounded, strict=False)):
            if bounds is None:
                continue
            valid = out[~np.isnan(out)]
            assert ((valid >= bounds[0]) & (valid <= bounds[1])).all(), f"{case.name}[{k}] outside {bounds}"


def test_bbands_order_and_warm_up_lengths() -> None:
    close = 100.0 + np.sin(np.arange(200) / 5.0)
    upper, middle, lower = ti.bbands(close, 20, 2.0)
    valid = ~np.isnan(middle)
    assert (lower[valid] <= middle[valid]).all()
    assert (middle[valid] <= upper[valid]).all()
    assert np.isnan(middle[:19]).all()
    assert not np.isnan(middle[19:]).any()
    bars = np.vstack([close + 1, close - 1, close])
    adx = ti.adx(*bars, 14)
    assert int(np.isnan(adx.adx).sum()) == 27
    assert int(np.isnan(adx.plus_di).sum()) == 14
    assert int(np.isnan(ti.macd(close, 12, 26, 9).signal).sum()) == 33
    assert int(np.isnan(ti.stoch(*bars, 14, 3, 3).d).sum()) == 17
