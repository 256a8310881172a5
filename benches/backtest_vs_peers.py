"""Bars/s of a whole ema_cross backtest (strategy in Python) in our engine vs backtrader, same bars, one run.

Ours: `run_backtest` end to end (streaming EMAs, the Rust gateway + SimVenue per bar, exact ledger, marks,
journal, metrics). backtrader: `cerebro.run()` on the same bars through `PandasData` (bench group: pandas),
same rules (EMA cross at the close, 1 unit, filled at the next open, no fees). backtrader is run on the
first `--peer-bars` bars (it runs ~5,000 bars/s, so a million bars would take minutes); both rates are per
bar. nautilus_trader is not installed here, so it is not measured. Prints bars/s and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from trader.data import Bars
from trader.engine import run_backtest
from trader.models import Timeframe
from trader.strategies import EmaCross

TARGET_BARS_PER_S = 300_000
T0 = 1_700_006_400_000_000_000
MINUTE_NS = 60_000_000_000


def synthetic(n: int, seed: int = 7) -> Bars:
    """A geometric random walk of `n` one-minute bars (prices rounded to cents)."""
    rng = np.random.default_rng(seed)
    close = np.round(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n))), 2)
    open_ = np.round(np.concatenate([[100.0], close[:-1]]) * (1 + rng.normal(0, 0.0002, n)), 2)
    high = np.round(np.maximum(open_, close) + 0.01, 2)
    low = np.round(np.minimum(open_, close) - 0.01, 2)
    volume = np.full(n, 1_000.0)
    ts = T0 + np.arange(n, dtype=np.int64) * MINUTE_NS
    return Bars("SYN", Timeframe.M1, ts, open_, high, low, close, volume, source="synthetic")


def ours(bars: Bars, folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = run_backtest(EmaCross({"fast": 10, "slow": 30, "qty": 1}), [bars], folder / "journal.jsonl")
    return time.perf_counter() - start, len(result.trades)


def backtrader(bars: Bars) -> tuple[float, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import backtrader as bt
        import pandas as pd

    class Cross(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.fast = bt.indicators.EMA(self.data.close, period=10)
            self.slow = bt.indicators.EMA(self.data.close, period=30)
            self.before: float | None = None
            self.trades = 0

        def notify_trade(self, trade: Any) -> None:
            if trade.isclosed:
                self.trades += 1

        def next(self) -> None:
            diff = self.fast[0] - self.slow[0]
            before, self.before = self.before, diff
            if before is None:
                return
            held = self.position.size
            if before <= 0 < diff and held <= 0:
                self.buy(size=1)
            elif before >= 0 > diff and held > 0:
                self.close()

    frame = pd.DataFrame(
        {"open": bars.open, "high": bars.high, "low": bars.low, "close": bars.close, "volume": bars.volume},
        index=pd.to_datetime(bars.ts, utc=True).tz_localize(None),
    )
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame, timeframe=bt.TimeFrame.Minutes))
    cerebro.addstrategy(Cross)
    cerebro.broker.setcash(100_000.0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strategy = cerebro.run()[0]
    return time.perf_counter() - start, strategy.trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--peer-bars", type=int, default=100_000)
    args = parser.parse_args()
    bars = synthetic(args.bars)
    with tempfile.TemporaryDirectory() as folder:
        ours_s, ours_trades = ours(bars, Path(folder))
    peer_bars = bars[: args.peer_bars]
    peer_s, peer_trades = backtrader(peer_bars)
    with tempfile.TemporaryDirectory() as folder:
        same_s, same_trades = ours(peer_bars, Path(folder))
    ours_rate, peer_rate = args.bars / ours_s, args.peer_bars / peer_s
    w = 27  # name column
    print(f"{'engine':<{w}}{'bars':>10}{'trades':>8}{'seconds':>10}{'bars/s':>12}")
    print(f"{'trader (ours)':<{w}}{args.bars:>10}{ours_trades:>8}{ours_s:>10.2f}{ours_rate:>12,.0f}")
    same_rate = args.peer_bars / same_s
    name = "trader (ours), same slice"
    print(f"{name:<{w}}{args.peer_bars:>10}{same_trades:>8}{same_s:>10.2f}{same_rate:>12,.0f}")
    print(f"{'backtrader':<{w}}{args.peer_bars:>10}{peer_trades:>8}{peer_s:>10.2f}{peer_rate:>12,.0f}")
    print(
        f"ratio ours/backtrader on the same bars: {same_rate / peer_rate:.1f}x; "
        f"target {TARGET_BARS_PER_S:,} bars/s: {'met' if ours_rate >= TARGET_BARS_PER_S else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
