"""Multi-timeframe alignment: a higher-timeframe bar is visible exactly from the moment it has closed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import CRYPTO, Bars, align, load_bars, resample, us_equity
from trader.models import Timeframe

MINUTE = 60 * 10**9


def _bars(ts: np.ndarray, timeframe: Timeframe) -> Bars:
    one = np.ones(ts.size)
    return Bars("BTCUSD", timeframe, ts.astype(np.int64), one, one, one, one, one)


@st.composite
def series(draw: st.DrawFn) -> tuple[Bars, Bars]:
    base = sorted(draw(st.lists(st.integers(0, 2_000), min_size=1, max_size=200, unique=True)))
    higher = sorted(draw(st.lists(st.integers(0, 2_000 // 5), min_size=0, max_size=100, unique=True)))
    base_tf, higher_tf = draw(
        st.sampled_from(
            [(Timeframe.M1, Timeframe.M5), (Timeframe.M5, Timeframe.H1), (Timeframe.M1, Timeframe.H4)]
        )
    )
    base_ts = np.array(base, dtype=np.int64) * base_tf.nanos
    higher_ts = np.array(higher, dtype=np.int64) * higher_tf.nanos
    return _bars(base_ts, base_tf), _bars(higher_ts, higher_tf)


@settings(max_examples=200, deadline=None)
@given(series())
def test_never_exposes_an_open_bar_and_exposes_a_closed_one_at_once(pair: tuple[Bars, Bars]) -> None:
    base, higher = pair
    index = align(base, higher, calendar=CRYPTO)
    base_close = base.ts + base.timeframe.nanos  # type: ignore[union-attr]
    higher_close = higher.ts + higher.timeframe.nanos  # type: ignore[union-attr]
    for i, k in enumerate(index.tolist()):
        if k >= 0:
            assert higher_close[k] <= base_close[i]  # no lookahead
        closed = np.flatnonzero(higher_close <= base_close[i])
        assert k == (closed[-1] if closed.size else -1)  # the latest closed bar, not an older one


def test_hourly_bar_appears_on_the_minute_it_closes(samples_dir: Path) -> None:
    minutes = load_bars(samples_dir / "SPY_1m.csv")
    hours = resample(minutes, Timeframe.H1)
    index = align(minutes, hours)
    for i in range(len(minutes)):
        k = int(index[i])
        close_of_minute = int(minutes.ts[i]) + MINUTE
        if k >= 0:
            assert int(hours.ts[k]) + Timeframe.H1.nanos <= close_of_minute
    # The minute 13:59 completes the 13:00 hour, so that hour is visible at that minute's close.
    at = int(np.flatnonzero(minutes.ts % Timeframe.H1.nanos == Timeframe.H1.nanos - MINUTE)[5])
    assert hours.ts[index[at]] == minutes.ts[at] - (Timeframe.H1.nanos - MINUTE)


def test_equity_daily_bar_is_visible_only_after_the_new_york_day(samples_dir: Path) -> None:
    minutes = load_bars(samples_dir / "SPY_1m.csv")
    days = resample(minutes, Timeframe.D1, calendar=us_equity())
    index = align(minutes, days, calendar=us_equity())
    day_of_minute = resample(minutes, Timeframe.D1, calendar=us_equity())
    # No minute ever sees the daily bar of its own trading day (it has not closed yet).
    own_day = np.searchsorted(day_of_minute.ts, minutes.ts, side="right") - 1
    assert np.all(index < own_day)
    assert np.all(index == own_day - 1)
