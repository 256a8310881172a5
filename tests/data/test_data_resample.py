"""Resampling to higher timeframes: open stamps, OHLCV folding, gaps, daily trading dates, refusals."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import CRYPTO, Bars, load_bars, resample, us_equity
from trader.errors import DataError
from trader.models import Timeframe

MINUTE = 60 * 10**9
NEW_YORK = ZoneInfo("America/New_York")


def _plain_resample(bars: Bars, key: object) -> OrderedDict[int, list[float]]:
    """Independent fold: a dict keyed by bucket, in input order."""
    out: OrderedDict[int, list[float]] = OrderedDict()
    for i in range(len(bars)):
        k = key(int(bars.ts[i]))  # type: ignore[operator]
        o, h, lo, c, v = (
            float(bars.open[i]),
            float(bars.high[i]),
            float(bars.low[i]),
            float(bars.close[i]),
            float(bars.volume[i]),
        )
        if k not in out:
            out[k] = [o, h, lo, c, v]
        else:
            agg = out[k]
            agg[1], agg[2], agg[3], agg[4] = max(agg[1], h), min(agg[2], lo), c, agg[4] + v
    return out


def _assert_matches(result: Bars, expected: OrderedDict[int, list[float]]) -> None:
    assert result.ts.tolist() == list(expected)
    values = np.array(list(expected.values()))
    np.testing.assert_array_equal(result.open, values[:, 0])
    np.testing.assert_array_equal(result.high, values[:, 1])
    np.testing.assert_array_equal(result.low, values[:, 2])
    np.testing.assert_array_equal(result.close, values[:, 3])
    np.testing.assert_allclose(result.volume, values[:, 4], rtol=1e-12)


@pytest.mark.parametrize("to", [Timeframe.M5, Timeframe.M15, Timeframe.H1, Timeframe.H4])
def test_intraday_resample_matches_a_plain_fold(samples_dir: Path, to: Timeframe) -> None:
    bars = load_bars(samples_dir / "SPY_1m.csv")
    result = resample(bars, to)
    assert result.timeframe is to
    _assert_matches(result, _plain_resample(bars, lambda t: t - t % to.nanos))
    assert np.all(result.ts % to.nanos == 0)  # stamped with the bucket OPEN, anchored at UTC midnight


def test_four_hour_buckets_start_at_utc_midnight(samples_dir: Path) -> None:
    result = resample(load_bars(samples_dir / "BTCUSD_1h.csv"), Timeframe.H4)
    hours = {datetime.fromtimestamp(t // 10**9, tz=ZoneInfo("UTC")).hour for t in result.ts.tolist()}
    assert hours == {0, 4, 8, 12, 16, 20}


def test_equity_daily_bars_use_the_new_york_trading_date(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1m.csv")
    daily = resample(bars, Timeframe.D1, calendar=us_equity())

    def ny_date(t: int) -> int:
        local = datetime.fromtimestamp(t // 10**9, tz=NEW_YORK).date()
        return (local - datetime(1970, 1, 1).date()).days * 86_400 * 10**9

    _assert_matches(daily, _plain_resample(bars, ny_date))
    assert len(daily) == 7


def test_winter_evening_bars_belong_to_the_new_york_day_not_the_next_utc_day() -> None:
    # 2014-01-06 15:59 and 19:30 EST (UTC-5): the second is 00:30Z on Jan 7 but trades on Jan 6.
    ts = (
        np.array(
            [
                datetime(2014, 1, 6, 20, 59, tzinfo=ZoneInfo("UTC")).timestamp(),
                datetime(2014, 1, 7, 0, 30, tzinfo=ZoneInfo("UTC")).timestamp(),
            ],
            dtype=np.int64,
        )
        * 10**9
    )
    price = np.array([10.0, 11.0])
    bars = Bars("SPY", Timeframe.M1, ts, price, price, price, price, np.array([1.0, 2.0]))
    daily = resample(bars, Timeframe.D1, calendar=us_equity())
    assert daily.ts.tolist() == [int(datetime(2014, 1, 6, tzinfo=ZoneInfo("UTC")).timestamp()) * 10**9]
    assert (daily.open[0], daily.close[0], daily.volume[0]) == (10.0, 11.0, 3.0)
    assert len(resample(bars, Timeframe.D1, calendar=CRYPTO)) == 2


def test_gaps_produce_no_bars(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "BTCUSD_1h.csv")
    hourly_missing = bars.between(None, int(bars.ts[0]) + 3 * 3_600 * 10**9)
    kept = bars.take(np.array([0, 1, 2, 3, 8, 9]))  # drop 04:00..07:00: a whole 4h bucket is empty
    result = resample(kept, Timeframe.H4)
    assert len(hourly_missing) == 3
    assert result.ts.tolist() == [int(bars.ts[0]), int(bars.ts[8])]
    assert result.volume[0] == pytest.approx(float(bars.volume[:4].sum()))


def test_daily_to_daily_keeps_dates(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    same = resample(bars, Timeframe.D1)
    np.testing.assert_array_equal(same.ts, bars.ts)
    np.testing.assert_array_equal(same.close, bars.close)


def test_refuses_lower_or_non_multiple_timeframes(samples_dir: Path) -> None:
    with pytest.raises(DataError, match="cannot resample 1h bars to the lower timeframe 15m"):
        resample(load_bars(samples_dir / "BTCUSD_1h.csv"), Timeframe.M15)
    ts = np.arange(4, dtype=np.int64) * 7 * MINUTE  # 7-minute bars: 15m is not a multiple
    one = np.ones(4)
    bars = Bars("X", None, ts, one, one, one, one, one)
    with pytest.raises(DataError, match="15m is not a whole multiple of 420s"):
        resample(bars, Timeframe.M15)


def test_refuses_unsorted_input() -> None:
    one = np.ones(3)
    bars = Bars("X", Timeframe.M1, np.array([0, 2, 1]) * MINUTE, one, one, one, one, one)
    with pytest.raises(DataError, match="not strictly increasing"):
        resample(bars, Timeframe.M5)


@st.composite
def minute_bars(draw: st.DrawFn) -> Bars:
    minutes = draw(st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=300, unique=True))
    ts = np.array(sorted(minutes), dtype=np.int64) * MINUTE
    n = ts.size
    open_ = np.array(draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n)), dtype=np.float64)
    close = np.array(draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n)), dtype=np.float64)
    volume = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), dtype=np.float64)
    return Bars(
        "BTCUSD",
        Timeframe.M1,
        ts,
        open_,
        np.maximum(open_, close) + 1,
        np.minimum(open_, close),
        close,
        volume,
    )


@settings(max_examples=60, deadline=None)
@given(minute_bars())
def test_resampling_in_steps_equals_resampling_at_once(bars: Bars) -> None:
    direct = resample(bars, Timeframe.H1, calendar=CRYPTO)
    stepped = resample(resample(bars, Timeframe.M15, calendar=CRYPTO), Timeframe.H1, calendar=CRYPTO)
    for name in ("ts", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(direct, name), getattr(stepped, name))
    assert direct.volume.sum() == bars.volume.sum()
    assert len(direct) == len(np.unique(bars.ts // Timeframe.H1.nanos))
