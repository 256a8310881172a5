"""Helpers for the engine tests: synthetic daily bars and strategies that record what they were shown."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from trader import Strategy
from trader.data import Bars
from trader.models import Fill, Timeframe
from trader.strategies import Bar

DAY_NS = 86_400 * 1_000_000_000
START_NS = 1_704_067_200 * 1_000_000_000  # 2024-01-01 00:00 UTC, a Monday


def daily_bars(symbol: str, closes: Sequence[float], *, gap: float = 0.5, start_day: int = 0) -> Bars:
    """Daily bars with these closes; each open sits `gap` above the previous close (fills stand out)."""
    close = np.asarray(closes, dtype=np.float64)
    open_ = np.concatenate([[close[0]], close[:-1] + gap])
    high = np.maximum(open_, close) + 1.0
    low = np.minimum(open_, close) - 1.0
    ts = START_NS + (np.arange(close.size, dtype=np.int64) + start_day) * DAY_NS
    volume = np.full(close.size, 1_000.0)
    return Bars(symbol, Timeframe.D1, ts, open_, high, low, close, volume, source=f"{symbol}.csv")


class Recorder(Strategy):
    """Buys `qty` at bar `buy_at`, sells it at bar `sell_at`, and logs every hook call with what it saw."""

    name = "recorder"

    def __init__(self, buy_at: int = 1, sell_at: int = 3, qty: int = 10) -> None:
        super().__init__()
        self.buy_at, self.sell_at, self.qty = buy_at, sell_at, qty
        self.log: list[tuple[str, object, ...]] = []

    def on_start(self) -> None:
        self.log.append(("start",))

    def on_bar(self, bar: Bar) -> None:
        curve = self.portfolio.curve
        self.log.append(("bar", bar.symbol, bar.index, self.position(), curve.equity[-1], len(curve)))
        if bar.index == self.buy_at:
            self.buy(self.qty, reason="test buy")
        elif bar.index == self.sell_at:
            self.close(reason="test exit")

    def on_fill(self, fill: Fill) -> None:
        self.log.append(("fill", fill.symbol, fill.side.value, fill.qty, fill.price, fill.timestamp))

    def on_stop(self) -> None:
        self.log.append(("stop",))


def exact(value: float) -> Decimal:
    """A float bar price as the exact decimal it stands for."""
    return Decimal(repr(float(value)))
