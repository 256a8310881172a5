"""Replay of bar files on an accelerated wall clock: a bar is released only once its close has passed."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trader.data import Bars, load_bars
from trader.errors import DataError


@dataclass(frozen=True, slots=True)
class Due:
    """One released bar: which series, which position in it."""

    symbol: str
    index: int
    ts: int
    close_ts: int


class ReplayClock:
    """Market time = `start_ns` + (wall elapsed) x `speed`; `speed` market seconds pass per wall second."""

    def __init__(self, start_ns: int, speed: float, wall: Callable[[], float] = time.monotonic) -> None:
        self.start_ns = start_ns
        self.speed = speed
        self._wall = wall
        self._w0 = wall()

    def now_ns(self) -> int:
        return self.start_ns + int((self._wall() - self._w0) * self.speed * 1e9)


class ReplayFeed:
    """Bars of several files released in close-time order (ties by symbol), never before their close.

    `resume_after` (symbol -> last processed bar stamp) skips what a previous run already processed: those
    bars are handed out once by `warmup()` so strategies rebuild their indicators, then the clock starts
    at the latest of their closes.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        speed: float,
        resume_after: dict[str, int] | None = None,
        *,
        series: Sequence[Bars] = (),
    ) -> None:
        self.paths = list(paths)
        self.series: dict[str, Bars] = {}
        loaded = []
        for path in self.paths:
            if not path.is_file():
                raise DataError("replay file not found", path=path)
            loaded.append(load_bars(path))
        for bars in [*loaded, *series]:
            if bars.symbol in self.series:
                raise DataError("the same symbol is replayed twice", path=bars.source, value=bars.symbol)
            if len(bars) == 0:
                raise DataError("holds no bars", path=bars.source)
            if bars.timeframe is None:
                raise DataError("bar length unknown: cannot tell when a bar closes", path=bars.source)
            self.series[bars.symbol] = bars
        self._resume = dict(resume_after or {})
        self._next = {
            s: int(np.searchsorted(b.ts, self._resume.get(s, -1), side="right"))
            for s, b in self.series.items()
        }
        self._order: list[Due] = []
        self._pos = 0
        self._rebuild()
        first = min((d.ts for d in self._order), default=0)
        resumed = [self._close_of(s, self._next[s] - 1) for s in self.series if self._next[s] > 0]
        self.clock = ReplayClock(max(resumed) if resumed else first, speed)
        self.last_close_ns: int | None = max(resumed) if resumed else None

    @property
    def symbols(self) -> list[str]:
        return sorted(self.series)

    def _close_of(self, symbol: str, index: int) -> int:
        bars = self.series[symbol]
        assert bars.timeframe is not None
        return int(bars.ts[index]) + bars.timeframe.nanos

    def _rebuild(self) -> None:
        """The release order of every bar not yet processed: by close time, then symbol."""
        pending = [
            Due(s, i, int(b.ts[i]), self._close_of(s, i))
            for s, b in self.series.items()
            for i in range(self._next[s], len(b))
        ]
        pending.sort(key=lambda d: (d.close_ts, d.symbol))
        self._order, self._pos = pending, 0

    def warmup(self) -> list[Due]:
        """The bars a previous run processed, in release order (for rebuilding indicators only)."""
        done = [
            Due(s, i, int(b.ts[i]), self._close_of(s, i))
            for s, b in self.series.items()
            for i in range(self._next[s])
        ]
        done.sort(key=lambda d: (d.close_ts, d.symbol))
        return done

    def due(self) -> list[Due]:
        """Every bar whose close is at or before the replay clock's now and that was not released yet."""
        now = self.clock.now_ns()
        start = end = self._pos
        order = self._order
        while end < len(order) and order[end].close_ts <= now:
            end += 1
        self._pos = end
        released = order[start:end]
        for d in released:
            self._next[d.symbol] = d.index + 1
        if released:
            self.last_close_ns = released[-1].close_ts
        return released

    @property
    def exhausted(self) -> bool:
        return self._pos >= len(self._order)

    def refresh(self) -> int:
        """Re-read the files; bars appended after the last known one join the replay. Returns how many."""
        added = 0
        for path in self.paths:
            try:
                bars = load_bars(path)
            except (DataError, OSError):
                continue  # a file caught mid-write is read again at the next refresh
            known = self.series.get(bars.symbol)
            if known is None or len(bars) <= len(known):
                continue
            if not np.array_equal(bars.ts[: len(known)], known.ts):
                continue  # history was rewritten: only appends are taken, never edits of the past
            self.series[bars.symbol] = bars
            added += len(bars) - len(known)
        if added:
            self._rebuild()
        return added
