"""Stale data in a backtest: the bars a symbol's calendar expected since its latest one that never came."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable

from trader.data.calendar import MarketCalendar
from trader.data.timeframes import NANOS_PER_DAY
from trader.models import Timeframe

_MAX_HORIZON_NS = 400 * NANOS_PER_DAY
"""How far ahead expected bars are looked for (a year and more of holidays and weekends)."""


class MissingBars:
    """Follows each symbol's latest bar and counts the bars its calendar expected after it, up to `limit`.

    A symbol that stops printing while the others go on falls behind; weekends, holidays and the hours
    outside its session are not missed bars, because its calendar expects none there. The expected bars
    after each latest bar are worked out once (when the symbol first misses a stamp), so a run whose
    symbols all print at every stamp pays nothing per bar.
    """

    def __init__(self, series: Iterable[tuple[str, Timeframe, MarketCalendar]], limit: int) -> None:
        self._series = {symbol: (timeframe, calendar) for symbol, timeframe, calendar in series}
        self._limit = limit
        self._latest: dict[str, int] = {}
        self._expected: dict[str, tuple[int, list[int]]] = {}
        """Symbol -> (its latest bar, the first `limit` bars expected after it)."""

    def update(self, now_ns: int, printing: Collection[str]) -> dict[str, int]:
        """Take the symbols with a bar at `now_ns`; return the bars missed by each one behind (if any)."""
        latest = self._latest
        for symbol in printing:
            latest[symbol] = now_ns
        if len(printing) >= len(self._series):
            return {}
        behind: dict[str, int] = {}
        for symbol in self._series:
            last = latest.get(symbol)
            if last is None or last == now_ns:  # not started yet (nothing to trade), or current
                continue
            missed = bisect_right(self._after(symbol, last), now_ns)
            if missed:
                behind[symbol] = missed
        return behind

    def _after(self, symbol: str, last: int) -> list[int]:
        cached = self._expected.get(symbol)
        if cached is not None and cached[0] == last:
            return cached[1]
        timeframe, calendar = self._series[symbol]
        horizon = (self._limit + 1) * timeframe.nanos + 7 * NANOS_PER_DAY
        while True:
            opens = calendar.expected_opens(last, last + horizon, timeframe)
            found = [int(ts) for ts in opens if ts > last][: self._limit]
            if len(found) >= self._limit or horizon >= _MAX_HORIZON_NS:
                break
            horizon *= 2
        self._expected[symbol] = (last, found)
        return found
