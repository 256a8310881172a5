"""A test strategy that enters when flat and exits when held, bar after bar: a steady flow of new trades."""

from __future__ import annotations

from trader.strategies.bar import Bar
from trader.strategies.base import Strategy

ENTRY_BAR = 20
"""Risk's 14-bar ATR is ready by then: before it, risk refuses new positions."""


class Flip(Strategy):
    """From bar ENTRY_BAR on: flat -> ask to buy 1 000 shares (risk sizes it); held -> close the position."""

    name = "flip"

    def on_start(self) -> None:
        self.entries: dict[str, float] = {}
        """Each entry order's id -> the close of the bar it was decided at (the price risk sized it by)."""

    def on_bar(self, bar: Bar) -> None:
        if bar.index < ENTRY_BAR:
            return
        if self.position() == 0:
            order_id = self.submit("buy", 1000, confidence=1.0, reason="enter")
            if order_id:  # "" during a restart's warm-up: nothing was sent
                self.entries[order_id] = bar.close
        else:
            self.close(reason="exit")
