"""The backtest event loop: fill at the next open, mark at the close, then the strategy; exact books."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from engine_helpers import Recorder, daily_bars, exact

from trader.engine import BacktestConfig, run_backtest
from trader.execution.embedded_config import BpsFee, SimSettings
from trader.journal import verify_journal

CLOSES = [100.0, 101.0, 103.0, 102.0, 105.0, 104.0]


def test_market_order_fills_at_next_open_before_the_strategy_sees_that_bar(tmp_path: Path) -> None:
    bars = daily_bars("SPY", CLOSES)
    strategy = Recorder(buy_at=1, sell_at=3, qty=10)
    result = run_backtest(strategy, [bars], tmp_path / "journal.jsonl")
    log = strategy.log
    assert log[0] == ("start",)
    assert log[-1] == ("stop",)
    fills = [entry for entry in log if entry[0] == "fill"]
    # Decided at bar 1's close, filled at bar 2's open; exit decided at bar 3, filled at bar 4's open.
    assert [f[2:5] for f in fills] == [
        ("buy", Decimal(10), exact(bars.open[2])),
        ("sell", Decimal(10), exact(bars.open[4])),
    ]
    assert fills[0][5].timestamp() * 1e9 == bars.ts[2]
    # The fill is logged before the strategy's on_bar of the same bar, which already sees the position.
    after_fill = log[log.index(fills[0]) + 1]
    assert after_fill[:4] == ("bar", "SPY", 2, Decimal(10))
    trade = result.trades[0]
    assert trade.entry_price == exact(bars.open[2])
    assert trade.exit_price == exact(bars.open[4])
    assert trade.pnl == (exact(bars.open[4]) - exact(bars.open[2])) * 10


def test_the_strategy_sees_equity_marked_at_this_close(tmp_path: Path) -> None:
    bars = daily_bars("SPY", CLOSES)
    strategy = Recorder(buy_at=0, sell_at=4, qty=10)
    run_backtest(strategy, [bars], tmp_path / "journal.jsonl")
    seen = {entry[2]: entry for entry in strategy.log if entry[0] == "bar"}
    entry_price = float(bars.open[1])
    for i in range(1, 5):
        _, _, _, held, equity, marks = seen[i]
        assert held == 10
        assert marks == i + 1  # one mark per bar so far, this one included
        assert equity == pytest.approx(100_000 + 10 * (bars.close[i] - entry_price), abs=1e-9)


def test_books_reconcile_and_final_equity_adds_up(tmp_path: Path) -> None:
    bars = daily_bars("SPY", CLOSES)
    config = BacktestConfig(starting_cash=Decimal(50_000), sim=SimSettings(fees=BpsFee(10)))
    result = run_backtest(Recorder(buy_at=1, sell_at=3, qty=10), [bars], tmp_path / "j.jsonl", config)
    portfolio = result.portfolio
    portfolio.reconcile()
    assert portfolio.fees > 0
    total = sum((t.pnl for t in result.trades), Decimal(0))
    assert result.final_equity == Decimal(50_000) + total
    assert result.metrics.end_equity == pytest.approx(float(result.final_equity))
    assert len(result.curve.ts) == len(bars)


def test_every_decision_order_and_fill_is_journaled_and_the_chain_verifies(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    run_backtest(Recorder(), [daily_bars("SPY", CLOSES)], journal)
    report = verify_journal(journal)
    assert report.ok, report
    kinds = [line.split('"kind":"')[1].split('"')[0] for line in journal.read_text().splitlines()]
    assert kinds == [
        "run_start",
        "order_intent",
        "gateway_ack",
        "fill",
        "order_intent",
        "gateway_ack",
        "fill",
        "run_end",
    ]


def test_multi_symbol_bars_arrive_in_time_then_symbol_order(tmp_path: Path) -> None:
    spy = daily_bars("SPY", CLOSES)
    aapl = daily_bars("AAPL", [50.0, 51.0, 52.0, 53.0], start_day=2)
    strategy = Recorder(buy_at=99)
    result = run_backtest(strategy, [spy, aapl], tmp_path / "j.jsonl")
    order = [(e[1], e[2]) for e in strategy.log if e[0] == "bar"]
    assert order == [
        ("SPY", 0),
        ("SPY", 1),
        ("AAPL", 0),
        ("SPY", 2),
        ("AAPL", 1),
        ("SPY", 3),
        ("AAPL", 2),
        ("SPY", 4),
        ("AAPL", 3),
        ("SPY", 5),
    ]
    assert len(result.curve.ts) == len(spy)  # one mark per timestamp, not per symbol
    assert result.symbols == ["AAPL", "SPY"]
