"""mean_reversion and breakout: entries and exits on hand-built series where the answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trader.data import Bars, load_bars
from trader.engine import run_backtest
from trader.indicators import rsi
from trader.models import Timeframe
from trader.strategies import Breakout, MeanReversion, StrategyError

DAY_NS = 86_400 * 1_000_000_000
START_NS = 1_704_067_200 * 1_000_000_000


def _bars(close: list[float], volume: list[float] | None = None) -> Bars:
    c = np.round(np.asarray(close), 2)  # cent prices, as a venue holds them
    o = np.concatenate([[c[0]], c[:-1]])
    v = np.asarray(volume if volume is not None else [1_000.0] * len(c))
    ts = START_NS + np.arange(c.size, dtype=np.int64) * DAY_NS
    return Bars(
        "XYZ", Timeframe.D1, ts, o, np.maximum(o, c) + 0.5, np.minimum(o, c) - 0.5, c, v, source="x.csv"
    )


def test_mean_reversion_entries_are_oversold_bars(samples_dir: Path, tmp_path: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    result = run_backtest(MeanReversion(), [bars], tmp_path / "j.jsonl")
    strength = rsi(bars.close, 14)
    buys = [d for d in result.decisions if d.side == "buy"]
    assert len(buys) > 30
    for decision in buys:
        i = int(np.searchsorted(bars.ts, decision.ts))
        oversold = strength[i] < 30
        below_band = "lower band" in decision.reason
        assert oversold or below_band, decision
    assert all(trade.direction == "long" for trade in result.trades)
    result.portfolio.reconcile()


def test_mean_reversion_time_stop(tmp_path: Path) -> None:
    # A steady climb, one crash bar (RSI and the band both say oversold), then a slow bleed: no exit but time.
    close = [100.0 + 0.5 * i for i in range(40)] + [60.0] + [59.9 - 0.1 * i for i in range(20)]
    result = run_backtest(MeanReversion({"max_bars": 5}), [_bars(close)], tmp_path / "j.jsonl")
    trade = result.trades[0]
    assert result.decisions[0].reason.startswith("RSI")
    assert "time stop after 5 bars" in result.decisions[1].reason
    assert (trade.exit_time - trade.entry_time).days == 5


def test_mean_reversion_params_are_checked() -> None:
    with pytest.raises(StrategyError, match="rsi_exit"):
        MeanReversion({"rsi_entry": 60, "rsi_exit": 50})


def test_breakout_needs_the_volume_and_trails_an_atr_stop(tmp_path: Path) -> None:
    flat = [100.0 + (i % 2) * 0.2 for i in range(30)]
    close = [*flat, 102.0, 101.0, *flat[:3], 103.0, 105.0, 107.0, 109.0, 111.0, 90.0, 90.0]
    volume = [1_000.0] * len(close)
    volume[35] = 2_500.0  # the 103 close: a breakout on 2.5x volume; the 102 one (bar 30) had none
    result = run_backtest(
        Breakout({"atr_period": 5, "atr_mult": 2.0}), [_bars(close, volume)], tmp_path / "j"
    )
    reasons = [(int(np.searchsorted(_bars(close).ts, d.ts)), d.side, d.reason) for d in result.decisions]
    assert reasons[0][:2] == (35, "buy")
    assert reasons[1][:2] == (40, "sell")  # the 90 close breaks the trail
    assert "below the ATR trail" in reasons[1][2]
    assert len(result.trades) == 1
