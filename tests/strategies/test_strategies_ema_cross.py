"""ema_cross: entries and exits where the batch EMA kernels cross, filled at the next open; sizing modes."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import numpy as np

from trader.data import Bars, load_bars
from trader.engine import run_backtest
from trader.indicators import ema
from trader.strategies import EmaCross


def _crosses(bars: Bars, fast: int, slow: int) -> tuple[list[int], list[int]]:
    """Bar positions of up and down crosses, from the batch kernels (independent of the streaming path)."""
    diff = ema(bars.close, fast) - ema(bars.close, slow)
    ups, downs = [], []
    for i in range(1, len(diff)):
        before, now = diff[i - 1], diff[i]
        if np.isnan(before):
            continue
        if before <= 0 < now:
            ups.append(i)
        elif before >= 0 > now:
            downs.append(i)
    return ups, downs


def test_long_only_trades_follow_the_batch_crosses(samples_dir: Path, tmp_path: Path) -> None:
    bars = load_bars(samples_dir / "AAPL_1d.csv")
    result = run_backtest(EmaCross({"fast": 10, "slow": 30, "qty": 7}), [bars], tmp_path / "j.jsonl")
    ups, downs = _crosses(bars, 10, 30)
    position = {int(t): k for k, t in enumerate(bars.ts)}
    entries = [position[int(t.entry_time.timestamp() * 1e9)] - 1 for t in result.trades]
    exits = [position[int(t.exit_time.timestamp() * 1e9)] - 1 for t in result.trades]
    # The first cross after each exit enters; the first down cross after each entry exits.
    expected_entries, expected_exits, flat = [], [], True
    for i in sorted(ups + downs):
        if flat and i in ups and i + 1 < len(bars):
            expected_entries.append(i)
            flat = False
        elif not flat and i in downs and i + 1 < len(bars):
            expected_exits.append(i)
            flat = True
    assert entries == expected_entries[: len(entries)]
    assert exits == expected_exits
    assert len(entries) > 40
    for trade in result.trades:
        assert trade.qty == 7
        assert trade.direction == "long"
        assert trade.entry_price == Decimal(
            repr(float(bars.open[position[int(trade.entry_time.timestamp() * 1e9)]]))
        )


def test_long_short_reverses_with_twice_the_size(samples_dir: Path, tmp_path: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    result = run_backtest(
        EmaCross({"fast": 10, "slow": 30, "qty": 5, "long_only": False}), [bars], tmp_path / "j.jsonl"
    )
    directions = {t.direction for t in result.trades}
    assert directions == {"long", "short"}
    sizes = [Decimal(d.qty) for d in result.decisions]
    assert sizes[0] == 5
    assert set(sizes[1:]) == {Decimal(10)}  # every later order closes 5 and opens 5 the other way
    result.portfolio.reconcile()


def test_fraction_sizing_buys_whole_shares_worth_that_share_of_equity(
    samples_dir: Path, tmp_path: Path
) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    result = run_backtest(EmaCross({"fraction": 0.5}), [bars], tmp_path / "j.jsonl")
    buys = [d for d in result.decisions if d.side == "buy"]
    assert len(buys) > 40
    first = buys[0]
    close = Decimal(repr(float(bars.close[np.searchsorted(bars.ts, first.ts)])))
    assert Decimal(first.qty) == (Decimal(50_000) / close).to_integral_value(ROUND_FLOOR)
    assert len({d.qty for d in buys}) > 1  # sized from equity at each decision, not fixed
