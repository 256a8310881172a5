"""The bar driver holds curve rows in Rust, yet a strategy reading the curve mid-run sees every row so far."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import trader.engine.backtest as backtest_module
from trader.data import Bars
from trader.engine import run_backtest
from trader.models import Timeframe
from trader.strategies.bar import Bar
from trader.strategies.base import Strategy

MINUTE_NS = 60_000_000_000
T0 = 1_700_006_400_000_000_000


def _minutes(n: int) -> Bars:
    rng = np.random.default_rng(3)
    close = np.round(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n))), 2)
    ts = T0 + np.arange(n, dtype=np.int64) * MINUTE_NS
    high, low = np.round(close + 0.01, 2), np.round(close - 0.01, 2)
    return Bars("SYN", Timeframe.M1, ts, close, high, low, close, np.full(n, 100.0))


class CurveReader(Strategy):
    """Trades now and then and, at every bar, checks the curve it can see ends at this bar."""

    name = "curve_reader"

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.fail_at = fail_at
        self.mismatches: list[int] = []

    def on_bar(self, bar: Bar) -> None:
        curve = self.portfolio.curve
        columns = (curve.equity, curve.gross_exposure, curve.net_exposure)
        if (len(curve), curve.ts[-1], *map(len, columns)) != (bar.index + 1, bar.ts, *[bar.index + 1] * 3):
            self.mismatches.append(bar.index)
        if bar.index == self.fail_at:
            raise RuntimeError(f"stop at {bar.index}")
        if bar.index % 5000 == 1:
            self.buy(1)
        elif bar.index % 5000 == 2_501:
            self.close()


def test_a_strategy_sees_every_row_up_to_its_bar_across_chunks(tmp_path: Path) -> None:
    bars = _minutes(70_000)  # beyond one chunk of held rows (65,536)
    strategy = CurveReader()
    result = run_backtest(strategy, [bars], tmp_path / "journal.jsonl")
    assert strategy.mismatches == []
    curve = result.portfolio.curve
    assert curve.pending is None
    assert curve.ts.tolist() == bars.ts.tolist()
    assert len(result.trades) == 14


def test_rows_match_the_python_loop_bit_for_bit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bars = _minutes(70_000)
    driven = run_backtest(CurveReader(), [bars], tmp_path / "a.jsonl").curve
    python_loop = backtest_module._loop_one

    def loop_one(bars: Bars, strategy: Strategy, broker: object, progress: object, **_: object) -> None:
        python_loop(bars, strategy, broker, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(backtest_module, "drive_one_symbol", loop_one)
    looped = run_backtest(CurveReader(), [bars], tmp_path / "b.jsonl").curve
    for column in ("ts", "equity", "gross_exposure", "net_exposure"):
        assert getattr(driven, column).tobytes() == getattr(looped, column).tobytes(), column


def test_a_failed_run_leaves_its_rows_in_the_curve(tmp_path: Path) -> None:
    strategy = CurveReader(fail_at=40)
    with pytest.raises(RuntimeError, match="stop at 40"):
        run_backtest(strategy, [_minutes(100)], tmp_path / "journal.jsonl")
    curve = strategy.portfolio.curve
    assert curve.pending is None
    assert len(curve) == 41
