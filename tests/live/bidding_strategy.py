"""A test strategy that bids on every bar: a buy limit at half the close, which rests (new risk each bar)."""

from __future__ import annotations

from decimal import Decimal

from trader.strategies.bar import Bar
from trader.strategies.base import Strategy


class Bidding(Strategy):
    """Each bar, one more resting bid: every decision adds risk, so a reduce-only hold refuses it."""

    name = "bidding"

    def on_bar(self, bar: Bar) -> None:
        limit = (Decimal(repr(bar.close)) / 2).quantize(Decimal("0.01"))
        self.submit("buy", 1, order_type="limit", limit_price=limit, reason="bid")
