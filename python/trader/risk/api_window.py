"""The breaker's API error rate input: gateway calls and their failures over a sliding window of time."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta


class ApiCallWindow:
    """Counts gateway calls and failed ones made within `seconds` before now (the bar clock in a backtest).

    Calls are recorded in time order; old ones drop out as the window moves, so an error burst stops
    counting once it is that far behind (a halted account makes few calls: without the window its rate
    would never fall and the breaker could never recover).
    """

    def __init__(self, seconds: int) -> None:
        if seconds < 1:
            raise ValueError(f"an API call window needs at least 1 second, not {seconds}")
        self._span = timedelta(seconds=seconds)
        self._calls: deque[tuple[datetime, bool]] = deque()
        self._errors = 0
        self._last: datetime | None = None

    def record(self, at: datetime, *, failed: bool) -> None:
        """One gateway call answered (or failing) at `at`. A call stamped before the last one recorded
        (callers on different clocks) counts at the last one's time, so the window stays in order."""
        if self._last is not None and at < self._last:
            at = self._last
        self._last = at
        self._calls.append((at, failed))
        self._errors += failed

    def counts(self, now: datetime) -> tuple[int, int]:
        """(calls, failed calls) made after `now` minus the window and at or before `now`."""
        calls, start = self._calls, now - self._span
        while calls and calls[0][0] <= start:
            _, failed = calls.popleft()
            self._errors -= failed
        return len(calls), self._errors
