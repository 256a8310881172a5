"""`trade_from`: earlier bars warm a strategy up (seen, not traded, not marked); the account starts after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_helpers import daily_bars

from trader import Strategy
from trader.engine import run_backtest
from trader.errors import TraderError
from trader.strategies import Bar


class Eager(Strategy):
    """Tries to buy at every bar and notes how much history it had and what the order helper returned."""

    name = "eager"

    def on_start(self) -> None:
        self.seen: list[tuple[int, int, str]] = []

    def on_bar(self, bar: Bar) -> None:
        order = self.buy(1)
        self.seen.append((bar.index, len(self.history()), order))


def test_bars_before_trade_from_are_seen_but_not_traded_or_marked(tmp_path: Path) -> None:
    bars = daily_bars("SPY", [100.0 + i for i in range(20)])
    strategy = Eager()
    journal = tmp_path / "j.jsonl"
    result = run_backtest(strategy, [bars], journal, trade_from=int(bars.ts[8]))
    assert [(i, n) for i, n, _ in strategy.seen] == [(i, i + 1) for i in range(20)]
    assert [order for _, _, order in strategy.seen[:8]] == [""] * 8
    assert all(order.startswith("eager-SPY-") for _, _, order in strategy.seen[8:])
    assert [d.ts for d in result.decisions] == bars.ts[8:].tolist()
    assert result.curve.ts.tolist() == bars.ts[8:].tolist()
    assert result.curve.equity[0] == 100_000.0
    intents = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sum(r["kind"] == "order_intent" for r in intents) == 12
    first_fill = result.portfolio.effects[0]
    assert first_fill.price == 108.5  # decided at bar 8's close, filled at bar 9's open (gap 0.5)


def test_trade_from_after_the_data_is_refused(tmp_path: Path) -> None:
    bars = daily_bars("SPY", [1.0, 2.0])
    with pytest.raises(TraderError, match="after the last bar"):
        run_backtest(Eager(), [bars], tmp_path / "j.jsonl", trade_from=int(bars.ts[-1]) + 1)
