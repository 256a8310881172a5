"""A test strategy reading hourly bars in a 1-minute daemon; it fails loudly on a bar shown too early."""

from __future__ import annotations

from trader.strategies.bar import Bar
from trader.strategies.base import Strategy

HOUR_NS = 3_600 * 1_000_000_000
MINUTE_NS = 60 * 1_000_000_000


class HourlyProbe(Strategy):
    """On every 1m bar: each visible 1h bar has closed by this close. Buys once two hourly bars exist."""

    name = "hourly_probe"
    timeframes = ("1h",)

    def on_start(self) -> None:
        self.bought = False

    def on_bar(self, bar: Bar) -> None:
        hourly = self.bars(bar.symbol, "1h")
        if len(hourly) and int(hourly.ts[-1]) + HOUR_NS > bar.ts + MINUTE_NS:
            raise AssertionError(f"hourly bar {int(hourly.ts[-1])} shown at 1m bar {bar.ts}: lookahead")
        if len(hourly) >= 2 and not self.bought:
            self.bought = True
            self.buy(1, reason=f"{len(hourly)} hourly bars closed")
