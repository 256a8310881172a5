"""Multi-timeframe alignment without lookahead: a higher-timeframe bar is visible only once it has closed."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from trader.data.bars import Bars
from trader.data.calendar import MarketCalendar, detect_calendar
from trader.errors import DataError


def visible_index(base_close: NDArray[np.int64], higher_close: NDArray[np.int64]) -> NDArray[np.int64]:
    """For each base close time, the index of the last higher bar closed by then (-1 when none yet)."""
    return np.searchsorted(higher_close, base_close, side="right").astype(np.int64) - 1


def align(base: Bars, higher: Bars, *, calendar: MarketCalendar | None = None) -> NDArray[np.int64]:
    """Index into `higher` of the bar a strategy may see at each `base` bar's close, -1 when none.

    Close times come from the calendar, so an equity daily bar closes at the end of its New York trading
    day (after extended hours), not at 00:00Z of its date stamp plus 24 hours.
    """
    for bars in (base, higher):
        if len(bars) > 1 and bool(np.any(np.diff(bars.ts) <= 0)):
            raise DataError("bars are not strictly increasing in time", path=bars.source)
    cal = calendar if calendar is not None else detect_calendar(base)
    return visible_index(cal.close_times(base), cal.close_times(higher))
