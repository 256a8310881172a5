"""Bars/s of a whole ema_cross backtest (strategy in Python): ours vs backtrader and nautilus_trader, one run.

Ours: `run_backtest` end to end (streaming EMAs, the Rust gateway + SimVenue per bar, exact ledger, marks,
journal, metrics). backtrader: `cerebro.run()` on the same bars through `PandasData` (bench group: pandas),
same rules (EMA cross at the close, 1 unit, filled at the next open, no fees). nautilus_trader:
`BacktestEngine.run()` on the same bars (wrangled to its `Bar`s beforehand, not timed), a strategy with its
own EMAs (seeded by the first price rather than an SMA, so the trade count differs by a few) buying 1 unit
on a cross up and closing on a cross down, 1-minute bars on a simulated cash-account venue. The peers run on
the first `--peer-bars` bars (a few thousand bars/s: a million would take minutes); all rates are per bar.
Prints bars/s and the ratios.
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


def ours(bars: Bars, folder: Path, periods: tuple[int, int]) -> tuple[float, int]:
    fast, slow = periods
    start = time.perf_counter()
    result = run_backtest(EmaCross({"fast": fast, "slow": slow, "qty": 1}), [bars], folder / "journal.jsonl")
    return time.perf_counter() - start, len(result.trades)


def backtrader(bars: Bars, periods: tuple[int, int]) -> tuple[float, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import backtrader as bt
        import pandas as pd

    class Cross(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.fast = bt.indicators.EMA(self.data.close, period=periods[0])
            self.slow = bt.indicators.EMA(self.data.close, period=periods[1])
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


def nautilus(bars: Bars, periods: tuple[int, int]) -> tuple[float, int]:
    """nautilus_trader's BacktestEngine on `bars`: seconds of `engine.run()` and the round trips closed."""
    import pandas as pd
    from nautilus_trader.backtest.engine import BacktestEngine
    from nautilus_trader.config import BacktestEngineConfig, LoggingConfig, StrategyConfig
    from nautilus_trader.indicators import ExponentialMovingAverage
    from nautilus_trader.model.currencies import USD
    from nautilus_trader.model.data import BarType
    from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
    from nautilus_trader.model.identifiers import TraderId, Venue
    from nautilus_trader.model.objects import Money, Quantity
    from nautilus_trader.persistence.wranglers import BarDataWrangler
    from nautilus_trader.test_kit.providers import TestInstrumentProvider
    from nautilus_trader.trading.strategy import Strategy as NautilusStrategy

    class CrossConfig(StrategyConfig, frozen=True):  # type: ignore[misc,call-arg]
        bar_type: str

    class Cross(NautilusStrategy):  # type: ignore[misc]
        def __init__(self, config: CrossConfig) -> None:
            super().__init__(config)
            self.bar_type = BarType.from_str(config.bar_type)
            self.fast = ExponentialMovingAverage(periods[0])
            self.slow = ExponentialMovingAverage(periods[1])
            self.before: float | None = None
            self.trades = 0

        def on_start(self) -> None:
            self.register_indicator_for_bars(self.bar_type, self.fast)
            self.register_indicator_for_bars(self.bar_type, self.slow)
            self.subscribe_bars(self.bar_type)

        def on_bar(self, bar: Any) -> None:
            if not self.slow.initialized:
                return
            diff = self.fast.value - self.slow.value
            before, self.before = self.before, diff
            if before is None:
                return
            instrument_id = self.bar_type.instrument_id
            if before <= 0 < diff and self.portfolio.is_flat(instrument_id):
                self.submit_order(
                    self.order_factory.market(instrument_id, OrderSide.BUY, Quantity.from_int(1))
                )
            elif before >= 0 > diff and self.portfolio.is_net_long(instrument_id):
                self.close_all_positions(instrument_id)
                self.trades += 1

    logging = LoggingConfig(log_level="ERROR", bypass_logging=True)
    engine = BacktestEngine(BacktestEngineConfig(trader_id=TraderId("BENCH-001"), logging=logging))
    engine.add_venue(
        venue=Venue("XNAS"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=USD,
        starting_balances=[Money(1_000_000, USD)],
    )
    instrument = TestInstrumentProvider.equity(symbol="SYN", venue="XNAS")
    engine.add_instrument(instrument)
    bar_type = BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-EXTERNAL")
    frame = pd.DataFrame(
        {"open": bars.open, "high": bars.high, "low": bars.low, "close": bars.close, "volume": bars.volume},
        index=pd.to_datetime(bars.ts, utc=True),
    )
    engine.add_data(BarDataWrangler(bar_type, instrument).process(frame))
    strategy = Cross(CrossConfig(bar_type=str(bar_type)))
    engine.add_strategy(strategy)
    start = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, strategy.trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--peer-bars", type=int, default=100_000)
    # The trade count decides much of every engine's speed (an order costs far more than a bar): longer EMAs
    # cross less often, e.g. --fast 100 --slow 300 trades about ten times less than the default.
    parser.add_argument("--fast", type=int, default=10, help="fast EMA period")
    parser.add_argument("--slow", type=int, default=30, help="slow EMA period")
    args = parser.parse_args()
    periods = (args.fast, args.slow)
    bars = synthetic(args.bars)
    with tempfile.TemporaryDirectory() as folder:
        ours_s, ours_trades = ours(bars, Path(folder), periods)
    peer_bars = bars[: args.peer_bars]
    peer_s, peer_trades = backtrader(peer_bars, periods)
    naut_s, naut_trades = nautilus(peer_bars, periods)
    with tempfile.TemporaryDirectory() as folder:
        same_s, same_trades = ours(peer_bars, Path(folder), periods)
    ours_rate, peer_rate = args.bars / ours_s, args.peer_bars / peer_s
    w = 27  # name column
    print(f"ema_cross({args.fast},{args.slow}) on one-minute bars, 1 unit, filled at the next open")
    print(f"{'engine':<{w}}{'bars':>10}{'trades':>8}{'seconds':>10}{'bars/s':>12}")
    print(f"{'trader (ours)':<{w}}{args.bars:>10}{ours_trades:>8}{ours_s:>10.2f}{ours_rate:>12,.0f}")
    same_rate = args.peer_bars / same_s
    name = "trader (ours), same slice"
    print(f"{name:<{w}}{args.peer_bars:>10}{same_trades:>8}{same_s:>10.2f}{same_rate:>12,.0f}")
    print(f"{'backtrader':<{w}}{args.peer_bars:>10}{peer_trades:>8}{peer_s:>10.2f}{peer_rate:>12,.0f}")
    naut_rate = args.peer_bars / naut_s
    print(f"{'nautilus_trader':<{w}}{args.peer_bars:>10}{naut_trades:>8}{naut_s:>10.2f}{naut_rate:>12,.0f}")
    print(
        f"ratio ours/backtrader on the same bars: {same_rate / peer_rate:.1f}x; "
        f"ours/nautilus_trader: {same_rate / naut_rate:.1f}x; "
        f"target {TARGET_BARS_PER_S:,} bars/s: {'met' if ours_rate >= TARGET_BARS_PER_S else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
