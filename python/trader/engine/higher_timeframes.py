"""Higher-timeframe bars for a strategy, resampled from its base bars and shown only once they have closed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from trader.data import Bars, detect_calendar, resample
from trader.data.aggregate import bucket_opens
from trader.data.resample import check_target
from trader.data.timeframes import parse_timeframe
from trader.errors import DataError
from trader.models import Timeframe
from trader.strategies.errors import StrategyError


@dataclass(frozen=True, slots=True)
class HigherSeries:
    """The resampled bars and, for each one, the first base-bar position at whose close it is complete."""

    bars: Bars
    visible_from: NDArray[np.int64]
    base_size: int
    """How many base bars it was built from (a grown series is resampled again)."""

    def visible_at(self, base_index: int) -> Bars:
        """The higher bars closed by the close of base bar `base_index` (a view, never a later bar)."""
        count = int(np.searchsorted(self.visible_from, base_index, side="right"))
        return self.bars[:count]


def build_higher(base: Bars, timeframe: str) -> HigherSeries:
    """Resample `base` to `timeframe` and work out when each higher bar has closed.

    A higher bar is complete at the later of: its last member bar (all of its data is in) and the first
    base bar whose close reaches the higher bar's close time (its interval is over; a bar that might
    still receive data is not shown). The last bar of a series that never closes is never shown.
    """
    if base.timeframe is None:
        raise StrategyError(
            f"{base.source or base.symbol}: bar length unknown, so a {timeframe} view cannot be built"
        )
    try:
        target = parse_timeframe(timeframe)
        check_target(base, target)
    except DataError as exc:
        raise StrategyError(f"timeframe {timeframe!r} for {base.symbol}: {exc}") from None
    if len(base) == 0:  # a live series before its first bar
        return HigherSeries(replace(base, timeframe=target), np.empty(0, dtype=np.int64), 0)
    calendar = detect_calendar(base)
    higher = resample(base, target, calendar=calendar)
    buckets = bucket_opens(base.ts, target, calendar, stamped_by_date=base.timeframe is Timeframe.D1)
    lasts = np.flatnonzero(np.concatenate((buckets[1:] != buckets[:-1], [True])))  # one per higher bar
    base_close = base.ts + np.int64(base.timeframe.nanos)
    closed_at = np.searchsorted(base_close, higher.ts + np.int64(target.nanos), side="left")
    visible_from = np.maximum(lasts, closed_at).astype(np.int64)
    return HigherSeries(higher, visible_from, len(base))


class HigherTimeframes:
    """Per symbol and timeframe, the resampled series: built once for a backtest's fixed bars, built
    again when a live series has grown."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], HigherSeries] = {}

    def series(self, base: Bars, timeframe: str) -> HigherSeries:
        """The `timeframe` series of `base` (resampled on first request, or when `base` has grown)."""
        key = (base.symbol, timeframe)
        found = self._series.get(key)
        if found is None or found.base_size != len(base):
            found = self._series[key] = build_higher(base, timeframe)
        return found
