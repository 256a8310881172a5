"""A test strategy that leaves one limit order resting far below the market (an open order at shutdown)."""

from __future__ import annotations

from decimal import Decimal

from trader.strategies.bar import Bar
from trader.strategies.base import Strategy


class Resting(Strategy):
    """On its first bar, a buy limit at half the close: it never fills on the replayed data."""

    name = "resting"

    def on_start(self) -> None:
        self.placed = False

    def on_bar(self, bar: Bar) -> None:
        if not self.placed:
            self.placed = True
            limit = (Decimal(repr(bar.close)) / 2).quantize(Decimal("0.01"))
            self.submit("buy", 1, order_type="limit", limit_price=limit, reason="resting bid")
