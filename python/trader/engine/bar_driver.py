"""One symbol's backtest loop with the per-bar work in Rust (`trader._core.drive_bars`); Python decides."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trader._core import GatewayEvent, drive_bars
from trader.data import Bars
from trader.engine.booking import book_events
from trader.engine.broker import BacktestBroker
from trader.errors import DataError
from trader.portfolio.errors import LedgerError
from trader.strategies.bar import Bar
from trader.strategies.base import Strategy


class _Hooks:
    """What the Rust loop calls back: the books when the venue reports, the decision, and the two refusals."""

    __slots__ = ("_bars", "_strategy", "bar_type", "broker", "curve", "decide", "marks", "progress", "seen")

    def __init__(
        self,
        bars: Bars,
        strategy: Strategy,
        broker: BacktestBroker,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self._bars, self._strategy = bars, strategy
        self.broker = broker
        self.seen = broker.seen_table
        self.marks = broker.portfolio.marking_state(bars.symbol)[2]
        self.curve = broker.portfolio.curve
        self.decide = strategy.on_bar
        self.bar_type = Bar
        self.progress = progress

    def book(self, events: list[GatewayEvent]) -> tuple[float, float]:
        """Book the venue's events; the ledger's float cash and held quantity after them."""
        book_events(events, self._strategy, self.broker)
        cash, held, _ = self.broker.portfolio.marking_state(self._bars.symbol)
        return cash, held

    def invalid_bar(self, index: int, message: str) -> None:
        """A bar the venue cannot hold exactly: say which line of which file."""
        bars = self._bars
        raise DataError(message, path=bars.source, line=int(bars.lines[index]))

    def bad_mark(self, ts: int, close: float, last: int | None) -> None:
        """A mark the ledger refuses (a price that is not positive and finite, or a stamp not after `last`):
        the ledger's own mark raises its error, checked in its own order, as the Python loop would."""
        self.broker.portfolio.mark(ts, {self._bars.symbol: close})
        raise LedgerError(
            f"mark at {ts}", f"refused (last mark {last})", field=self._bars.symbol, value=close
        )


def drive_one_symbol(
    bars: Bars,
    strategy: Strategy,
    broker: BacktestBroker,
    progress: Callable[[int, int], None] | None,
    *,
    progress_every: int,
) -> None:
    """The engine's single-symbol loop (`_loop_one`), step for step, with the venue, mark and curve in Rust.

    Used when no risk guard runs between the mark and the decision; gives the same run bit for bit.
    """
    portfolio = broker.portfolio
    cash, held, _ = portfolio.marking_state(bars.symbol)
    strategy.focus(bars.symbol)
    curve = portfolio.curve
    drive_bars(
        broker.gateway.core,
        bars.symbol,
        np.ascontiguousarray(bars.ts, dtype=np.int64),
        np.ascontiguousarray(bars.open, dtype=np.float64),
        np.ascontiguousarray(bars.high, dtype=np.float64),
        np.ascontiguousarray(bars.low, dtype=np.float64),
        np.ascontiguousarray(bars.close, dtype=np.float64),
        np.ascontiguousarray(bars.volume, dtype=np.float64),
        trade_from=broker.trade_from,
        cash=cash,
        held=held,
        last_marked=curve.ts[-1] if len(curve) else None,
        hooks=_Hooks(bars, strategy, broker, progress),
        progress_every=progress_every,
    )
    if progress is not None:
        progress(len(bars), len(bars))
