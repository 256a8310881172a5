"""Bucket timestamps into bar opens and fold each bucket's rows into one OHLCV bar (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import numpy as np
from numpy.typing import NDArray

from trader.data.calendar import MarketCalendar
from trader.data.timeframes import NANOS_PER_DAY
from trader.models import Timeframe


def bucket_opens(
    ts: NDArray[np.int64], to: Timeframe, calendar: MarketCalendar, *, stamped_by_date: bool = False
) -> NDArray[np.int64]:
    """Open time of the `to` bar holding each timestamp; grids are anchored at UTC midnight.

    Daily buckets are the calendar's local trading date stamped at 00:00Z. `stamped_by_date` says the
    input already carries dates at 00:00Z (daily bars), which must not be shifted into a zone again.
    """
    if to is Timeframe.D1 and not stamped_by_date and calendar.zone is not UTC:
        return calendar.local_dates(ts) * np.int64(NANOS_PER_DAY)
    step = np.int64(to.nanos)
    return (ts // step) * step  # floor division, so times before 1970 land in the right bucket too


@dataclass(frozen=True, slots=True)
class Folded:
    """One bar per non-empty bucket (first open, max high, min low, last close, summed volume)."""

    ts: NDArray[np.int64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]
    first_index: NDArray[np.intp]


def fold(
    buckets: NDArray[np.int64],
    *,
    open_: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    close: NDArray[np.float64],
    volume: NDArray[np.float64],
) -> Folded:
    """Fold rows sorted by time (so `buckets` is non-decreasing) into one bar per run of equal buckets."""
    if buckets.size == 0:
        empty_f = np.empty(0, dtype=np.float64)
        return Folded(buckets, empty_f, empty_f, empty_f, empty_f, empty_f, np.empty(0, dtype=np.intp))
    starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    ends = np.concatenate((starts[1:], [buckets.size])) - 1
    return Folded(
        ts=buckets[starts],
        open=open_[starts],
        high=np.maximum.reduceat(high, starts),
        low=np.minimum.reduceat(low, starts),
        close=close[ends],
        volume=np.add.reduceat(volume, starts),
        first_index=starts,
    )
