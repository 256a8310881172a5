"""Cross-check with backtrader: ema_cross on real SPY daily bars gives the same trades and final equity.

Both engines get the same rules: EMAs seeded with the SMA of their first `period` closes, a cross when
fast - slow changes sign between two closes (<= 0 then > 0 up, >= 0 then < 0 down), a market order at the
close filled at the next bar's open, 100 shares, no fees, no slippage, 100,000 starting cash.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trader.data import load_bars
from trader.engine import run_backtest
from trader.strategies import EmaCross

with warnings.catch_warnings():  # backtrader's own imports warn on current Pythons
    warnings.simplefilter("ignore")
    import backtrader as bt


@dataclass(frozen=True)
class Execution:
    day: date
    side: str
    qty: Decimal
    price: Decimal


class _BtEmaCross(bt.Strategy):  # type: ignore[misc]
    params = (("fast", 10), ("slow", 30), ("qty", 100))

    def __init__(self) -> None:
        self.fast = bt.indicators.EMA(self.data.close, period=self.p.fast)
        self.slow = bt.indicators.EMA(self.data.close, period=self.p.slow)
        self.before: float | None = None
        self.executions: list[Execution] = []

    def notify_order(self, order: Any) -> None:
        if order.status == order.Completed:
            self.executions.append(
                Execution(
                    bt.num2date(order.executed.dt).date(),
                    "buy" if order.isbuy() else "sell",
                    Decimal(abs(order.executed.size)),
                    Decimal(repr(order.executed.price)),
                )
            )

    def next(self) -> None:
        diff = self.fast[0] - self.slow[0]
        before, self.before = self.before, diff
        if before is None:
            return
        held = self.position.size
        if before <= 0 < diff and held <= 0:
            self.buy(size=self.p.qty)
        elif before >= 0 > diff and held > 0:
            self.close()


def _backtrader(csv: Path, fast: int, slow: int) -> tuple[list[Execution], float]:
    cerebro = bt.Cerebro(stdstats=False)
    feed = bt.feeds.GenericCSVData(
        dataname=str(csv),
        dtformat="%Y-%m-%dT%H:%M:%SZ",
        datetime=0,
        open=1,
        high=2,
        low=3,
        close=4,
        volume=5,
        openinterest=-1,
    )
    cerebro.adddata(feed)
    cerebro.addstrategy(_BtEmaCross, fast=fast, slow=slow)
    cerebro.broker.setcash(100_000.0)
    cerebro.broker.setcommission(commission=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strategy = cerebro.run()[0]
    return strategy.executions, cerebro.broker.getvalue()


@pytest.mark.parametrize(("fast", "slow"), [(10, 30), (5, 20)])
def test_ema_cross_matches_backtrader_on_spy(samples_dir: Path, tmp_path: Path, fast: int, slow: int) -> None:
    csv = samples_dir / "SPY_1d.csv"
    expected, expected_equity = _backtrader(csv, fast, slow)
    result = run_backtest(
        EmaCross({"fast": fast, "slow": slow, "qty": 100}), [load_bars(csv)], tmp_path / "journal.jsonl"
    )
    ours = [
        Execution(
            e.timestamp.astimezone(UTC).date(),
            "buy" if e.traded_qty > 0 else "sell",
            abs(e.traded_qty),
            e.price,
        )
        for e in result.portfolio.effects
    ]
    assert len(ours) > 50  # enough crossings on 23 years of SPY to make the comparison mean something
    assert ours == expected
    assert result.final_equity == Decimal(repr(expected_equity)).quantize(Decimal("0.01"))
