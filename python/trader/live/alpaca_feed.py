"""Paper trading on Alpaca's live bars: the stream's bars join the daemon's series as they close."""

from __future__ import annotations

import queue
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from trader.alpaca.errors import AlpacaError
from trader.alpaca.live_bars import LiveBar, LiveBarStream
from trader.alpaca.market_data import fetch_bars
from trader.alpaca.settings import AlpacaSettings
from trader.data import Bars
from trader.live.errors import DaemonError
from trader.live.replay import Due
from trader.models import Timeframe

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WARMUP_SLACK = timedelta(days=5)
"""How far before the warm-up's minutes history is searched: a long weekend holds no stock bars."""


@dataclass(slots=True)
class WallClock:
    """Market time is wall time in live feeds."""

    def now_ns(self) -> int:
        return time.time_ns()


class AlpacaFeed:
    """The ReplayFeed's face (series, due, warmup, refresh) over alpaca-py's bar stream.

    Bars arrive on the stream's thread and wait in a queue; `due()` (the daemon's tick) takes those whose
    close has passed by the wall clock, in arrival order per symbol, and drops a bar that is not newer than
    the last one of its symbol (a replayed or out-of-order message must never be traded twice). `warmup()`
    first loads the newest `warmup_bars` closed bars of each symbol from Alpaca's history, so a start or a
    restart decides its first streamed bar with indicators already warm.
    """

    exhausted = False
    paths: Sequence[object] = ()

    def __init__(
        self,
        settings: AlpacaSettings,
        symbols: Sequence[str],
        timeframe: Timeframe,
        resume_after: dict[str, int] | None = None,
        warmup_bars: int = 0,
    ) -> None:
        if not symbols:
            raise DaemonError("--feed alpaca needs at least one --symbol")
        if timeframe is not Timeframe.M1:  # the stream delivers minute bars; a longer label would lie
            raise DaemonError(
                f"timeframe = {timeframe.value!r}: --feed alpaca streams Alpaca's one-minute bars; set "
                'timeframe = "1m" (a strategy reads longer bars through its higher timeframes)'
            )
        self.timeframe = timeframe
        self.series: dict[str, Bars] = {s: _empty(s, timeframe) for s in sorted(set(symbols))}
        self._columns: dict[str, list[list[float]]] = {s: [[] for _ in range(6)] for s in self.series}
        self._last = dict(resume_after or {})
        self._settings = settings
        self._warmup_bars = warmup_bars
        self.clock = WallClock()
        self.last_close_ns: int | None = None
        self.dropped = 0
        self._inbox: queue.SimpleQueue[LiveBar] = queue.SimpleQueue()
        self._stream = LiveBarStream(settings, list(self.series), self._inbox.put)
        self._stream.start()

    @property
    def symbols(self) -> list[str]:
        return sorted(self.series)

    def warmup(self) -> list[Due]:
        """The newest `warmup_bars` closed bars of each symbol from Alpaca's history, in release order (for
        rebuilding indicators only: the daemon trades none of them). A stream bar not newer is dropped."""
        if self._warmup_bars == 0:
            return []
        now, step = self.clock.now_ns(), self.timeframe.nanos
        # The newest bar asked for is the last closed one: it opened a whole bar before now.
        end = _EPOCH + timedelta(microseconds=(now - step) // 1_000)
        start = end - timedelta(minutes=self._warmup_bars) * (step // 60_000_000_000) - WARMUP_SLACK
        done: list[Due] = []
        for symbol in self.series:
            try:
                history = fetch_bars(
                    self._settings, symbol, self.timeframe, start, end, last=self._warmup_bars
                )
            except AlpacaError as exc:
                raise DaemonError(
                    f"--feed alpaca: cannot load {symbol}'s last {self._warmup_bars} bars to warm up "
                    f"({exc}); set warmup_bars = 0 to start with cold indicators"
                ) from None
            columns = self._columns[symbol]
            for i in range(len(history)):
                ts = int(history.ts[i])
                if ts + step > now:  # still forming: the stream delivers it once closed
                    continue
                row = (ts, *(float(c[i]) for c in (history.open, history.high, history.low, history.close)))
                for column, value in zip(columns, (*row, float(history.volume[i])), strict=True):
                    column.append(value)
                done.append(Due(symbol, len(columns[0]) - 1, ts, ts + step))
                self._last[symbol] = max(ts, self._last.get(symbol, ts))
            self._publish(symbol)
        done.sort(key=lambda d: (d.close_ts, d.symbol))
        return done

    def refresh(self) -> int:
        return 0

    def close(self) -> None:
        self._stream.stop(timeout=3)

    def due(self) -> list[Due]:
        now, step = self.clock.now_ns(), self.timeframe.nanos
        held: list[LiveBar] = []
        grown: set[str] = set()
        released: list[Due] = []
        while True:
            try:
                bar = self._inbox.get_nowait()
            except queue.Empty:
                break
            if bar.symbol not in self.series or bar.ts <= self._last.get(bar.symbol, -1):
                self.dropped += 1
                continue
            if bar.ts + step > now:  # not closed yet by our clock: never show it early
                held.append(bar)
                continue
            columns = self._columns[bar.symbol]
            for column, value in zip(
                columns, (bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume), strict=True
            ):
                column.append(value)
            self._last[bar.symbol] = bar.ts
            released.append(Due(bar.symbol, len(columns[0]) - 1, bar.ts, bar.ts + step))
            grown.add(bar.symbol)
        for bar in held:
            self._inbox.put(bar)
        for symbol in grown:
            self._publish(symbol)
        released.sort(key=lambda d: (d.close_ts, d.symbol))
        if released:
            self.last_close_ns = released[-1].close_ts
        return released

    def _publish(self, symbol: str) -> None:
        """The series the daemon reads: every bar of `symbol` so far (warm-up and streamed)."""
        ts, o, h, low, c, v = self._columns[symbol]
        self.series[symbol] = Bars(
            symbol,
            self.timeframe,
            np.array(ts, dtype=np.int64),
            np.array(o),
            np.array(h),
            np.array(low),
            np.array(c),
            np.array(v),
            source="alpaca stream",
        )


def _empty(symbol: str, timeframe: Timeframe) -> Bars:
    none = np.empty(0)
    return Bars(
        symbol, timeframe, np.empty(0, dtype=np.int64), none, none, none, none, none, source="alpaca stream"
    )
