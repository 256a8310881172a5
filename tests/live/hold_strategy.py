"""A test strategy that buys once (after risk's ATR is ready) and then holds: only risk's stop can exit."""

from __future__ import annotations

from trader.strategies.bar import Bar
from trader.strategies.base import Strategy

ENTRY_BAR = 20
"""Risk's 14-bar ATR is ready by then: before it, risk refuses new positions."""


class HoldLong(Strategy):
    """One market buy of 100 shares (risk sizes it down) at bar ENTRY_BAR, then never trades again."""

    name = "hold_long"

    def on_start(self) -> None:
        self.placed = False

    def on_bar(self, bar: Bar) -> None:
        if not self.placed and bar.index >= ENTRY_BAR:
            self.placed = True
            self.submit("buy", 100, reason="enter and hold")
