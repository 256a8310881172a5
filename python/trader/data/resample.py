"""Resample bars to a higher timeframe: bar-open stamps, no bars for empty buckets, exact OHLCV folding."""

from __future__ import annotations

import numpy as np

from trader.data.aggregate import bucket_opens, fold
from trader.data.bars import Bars
from trader.data.calendar import MarketCalendar, detect_calendar
from trader.data.timeframes import smallest_step
from trader.errors import DataError
from trader.models import Timeframe


def source_nanos(bars: Bars) -> int | None:
    """Length of the input bars: their timeframe, else the smallest spacing (e.g. sparse 1-second bars)."""
    if bars.timeframe is not None:
        return bars.timeframe.nanos
    return smallest_step(bars.ts)


def check_target(bars: Bars, to: Timeframe) -> None:
    """Refuse a lower timeframe or one that is not a whole multiple of the input's."""
    nanos = source_nanos(bars)
    if nanos is None:
        return
    label = bars.timeframe.value if bars.timeframe is not None else f"{nanos / 1e9:g}s"
    if to.nanos < nanos:
        raise DataError(f"cannot resample {label} bars to the lower timeframe {to.value}", path=bars.source)
    if to.nanos % nanos:
        raise DataError(f"{to.value} is not a whole multiple of {label}", path=bars.source)


def resample(bars: Bars, to: Timeframe, *, calendar: MarketCalendar | None = None) -> Bars:
    """Bars of timeframe `to` stamped with each bucket's open time; buckets with no input bar yield no bar.

    Daily buckets follow `calendar` (US equities: New York trading date; crypto: UTC date); by default the
    calendar is detected from the bars. Input must be strictly increasing in time (repair it first).
    """
    if len(bars) > 1 and bool(np.any(np.diff(bars.ts) <= 0)):
        raise DataError(
            "bars are not strictly increasing in time; run the repair policy first", path=bars.source
        )
    check_target(bars, to)
    cal = calendar if calendar is not None else detect_calendar(bars)
    buckets = bucket_opens(bars.ts, to, cal, stamped_by_date=bars.timeframe is Timeframe.D1)
    folded = fold(
        buckets, open_=bars.open, high=bars.high, low=bars.low, close=bars.close, volume=bars.volume
    )
    return Bars(
        symbol=bars.symbol,
        timeframe=to,
        ts=folded.ts,
        open=folded.open,
        high=folded.high,
        low=folded.low,
        close=folded.close,
        volume=folded.volume,
        source=bars.source,
        lines=bars.lines[folded.first_index],
    )
