"""A backtest's breaker recovery: acknowledged by the configured policy, journaled, stored; or never."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine_helpers import daily_bars

from trader import Strategy
from trader.engine import BacktestConfig, run_backtest
from trader.engine.backtest import BacktestResult
from trader.risk import RiskConfig
from trader.risk.config import BreakerConfig
from trader.store.database import Store
from trader.store.run_data import from_result
from trader.store.runs import load_run, save_run
from trader.strategies import Bar

CRASH = 30
"""The bar whose close is 25 % under the flat 100 before it: the asset-move trigger (> 20 %) holds."""


class Nibble(Strategy):
    """Buys one share every bar from bar 15: small enough that risk approves each one."""

    name = "nibble"

    def on_bar(self, bar: Bar) -> None:
        if bar.index >= 15:
            self.buy(1, reason="nibble")


def _run(tmp_path: Path, policy: str) -> tuple[BacktestResult, list[dict[str, Any]], Path]:
    journal = tmp_path / "journal.jsonl"
    closes = [100.0] * CRASH + [75.0] * 10
    # Only the asset-move trigger can act; the cooldown (900 s) is over by the next daily bar.
    breaker = BreakerConfig.model_validate(
        {
            "max_drawdown_fraction": "0.9",
            "max_consecutive_losses": 1_000,
            "backtest_acknowledge": policy,
        }
    )
    config = BacktestConfig(risk=RiskConfig(breaker=breaker))
    result = run_backtest(Nibble(), [daily_bars("SPY", closes)], journal, config)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    return result, records, journal


def _entries(result: BacktestResult) -> list[tuple[int, str]]:
    """(bar, status) of the strategy's own orders (risk's stop orders aside)."""
    first = int(daily_bars("SPY", [1.0]).ts[0])
    return [
        ((d.ts - first) // 86_400_000_000_000, d.status)
        for d in result.decisions
        if not d.client_order_id.startswith("risk-stop-")
    ]


def test_after_cooldown_the_run_acknowledges_recovers_and_trades_again(tmp_path: Path) -> None:
    result, records, journal = _run(tmp_path, "after_cooldown")
    guard = [r for r in records if r["kind"] in {"breaker_trip", "manual_action", "breaker_recovery"}]
    # The trip, the policy's acknowledgement and the recovery, in that order, each at its bar.
    assert [(r["kind"], r["payload"]["event"], r["actor"]) for r in guard] == [
        ("breaker_trip", "breaker_tripped", None),
        ("manual_action", "breaker_acknowledged", "backtest-policy"),
        ("breaker_recovery", "breaker_recovered", "backtest-policy"),
    ]
    trip, acknowledged, recovered = (r["payload"] for r in guard)
    assert trip["trigger"]["kind"] == "asset_move"
    assert acknowledged["policy"] == "after_cooldown"
    assert acknowledged["trigger"] == recovered["trigger"] == "asset_move"
    # Bars are daily from 2024-01-01: the crash bar is Jan 31, the first bar after the cooldown Feb 1.
    assert guard[0]["ts"].startswith("2024-01-31T00:00:00")
    assert guard[1]["ts"] == guard[2]["ts"]
    assert guard[1]["ts"].startswith("2024-02-01T00:00:00")
    # The crash bar's entry is refused for the breaker; from the next bar on entries go out again.
    entries = dict(_entries(result))
    assert entries[CRASH] == "risk_rejected"
    assert [r.reasons for r in result.refusals if not r.client_order_id.startswith("risk-stop-")] == [
        ("breaker_open",)
    ]
    assert all(entries[k] == "accepted" for k in range(CRASH + 1, 40))
    fills = [r for r in records if r["kind"] == "fill" and r["ts"] > guard[2]["ts"]]
    assert fills  # orders after the recovery reach the venue and fill
    # The store keeps all three among the run's decisions, in journal order.
    run = {"strategy": "nibble", "strategy_id": "nibble", "params": {}, "data": [], "symbols": ["SPY"]}
    run |= {"periods_per_year": result.periods_per_year, "config": {}, "journal_fsync": "never"}
    with Store.open(str(tmp_path / "trader.db")) as store:
        stored = load_run(store, save_run(store, from_result(result, run, journal)))
    kinds = [(d["kind"], d["action"]) for d in stored.decisions if d["kind"] != "order_intent"]
    assert [k for k in kinds if k[0] in {"breaker_trip", "manual_action", "breaker_recovery"}] == [
        ("breaker_trip", "breaker_tripped"),
        ("manual_action", "breaker_acknowledged"),
        ("breaker_recovery", "breaker_recovered"),
    ]


def test_by_default_the_same_run_stays_halted_to_the_end(tmp_path: Path) -> None:
    result, records, _ = _run(tmp_path, "never")
    assert [r["kind"] for r in records if r["kind"] in {"breaker_trip", "breaker_recovery"}] == [
        "breaker_trip"
    ]
    assert not [r for r in records if r["kind"] == "manual_action"]
    entries = dict(_entries(result))
    assert all(entries[k] == "accepted" for k in range(15, CRASH))
    assert all(entries[k] == "risk_rejected" for k in range(CRASH, 40))
    assert {r.reasons for r in result.refusals} == {("breaker_open",)}


def test_a_trip_consumes_its_loss_streak_so_the_policy_can_recover(tmp_path: Path) -> None:
    """Losing trades trip the streak trigger; the halted run cannot win, yet recovers after the cooldown."""
    journal = tmp_path / "journal.jsonl"
    # Down 1 a day: every one-bar round trip loses; three of them trip the breaker.
    closes = [100.0] * 15 + [100.0 - k for k in range(1, 26)]
    breaker = BreakerConfig.model_validate(
        {
            "max_consecutive_losses": 3,
            "max_drawdown_fraction": "0.9",
            "backtest_acknowledge": "after_cooldown",
        }
    )
    result = run_backtest(
        InAndOut(), [daily_bars("SPY", closes)], journal, BacktestConfig(risk=RiskConfig(breaker=breaker))
    )
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    kinds = [r["kind"] for r in records if r["kind"] in {"breaker_trip", "breaker_recovery"}]
    assert kinds[:2] == ["breaker_trip", "breaker_recovery"]
    trip = next(r for r in records if r["kind"] == "breaker_trip")
    assert trip["payload"]["trigger"]["kind"] == "consecutive_losses"
    # Three more losers after the recovery trip it again: a new streak counts from the recovery.
    assert kinds.count("breaker_trip") >= 2
    assert sum(1 for t in result.trades if t.pnl < 0) >= 6
    assert Decimal(result.final_equity) < Decimal(100_000)


class InAndOut(Strategy):
    """Buys one share on even bars from bar 15 and sells it on the next bar."""

    name = "in_and_out"

    def on_bar(self, bar: Bar) -> None:
        if bar.index < 15:
            return
        if self.position() > 0:
            self.close(reason="out")
        elif bar.index % 2 == 0:
            self.buy(1, reason="in")
