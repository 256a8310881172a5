"""RiskScalingManager in RiskManager's sizing path: the capital step caps equity, new symbols start small."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from progression_helpers import curve, record
from risk_helpers import NOW, book, decision, market

from trader.engine.risk_gate import RiskGate
from trader.journal import Journal, read_records
from trader.risk import Action, ReasonCode, RiskConfig, RiskManager, RiskScalingManager, TradingProgression
from trader.risk.progression_config import ScalingConfig

CONFIG = RiskConfig()
SCALING = ScalingConfig(new_symbol_trades=3, new_symbol_multiplier=Decimal("0.5"))


def scaled(capital: int, established: tuple[str, ...] = ("AAPL", "MSFT")) -> RiskManager:
    return RiskManager(CONFIG, RiskScalingManager(SCALING, Decimal(capital), established))


def test_a_big_account_on_a_small_step_sizes_as_if_it_held_the_step() -> None:
    # 100k equity on a 10k step: the per-trade limit is 5 % of 10k = 500, i.e. 5 shares at 100.
    verdict = scaled(10_000).evaluate(decision(qty=100), book(), market(), NOW)
    alone = RiskManager(CONFIG).evaluate(decision(qty=100), book(equity=Decimal(10_000)), market(), NOW)
    assert (verdict.action, verdict.qty) == (Action.RESIZE, alone.qty)
    assert verdict.qty == 5
    assert verdict.reasons == (ReasonCode.TRADE_LIMIT, ReasonCode.CAPITAL_STEP)
    assert "capital step" in verdict.message


def test_the_step_counts_what_the_book_already_holds() -> None:
    # 30 % of a 10k step in one asset is 3 000: with 25 AAPL (2 500) held, 5 more shares fit.
    verdict = scaled(10_000).evaluate(decision(qty=100), book({"AAPL": 25}), market(), NOW)
    assert verdict.qty == 5
    held = scaled(10_000).evaluate(decision(qty=100), book({"AAPL": 30}), market(), NOW)
    assert held.action is Action.REJECT


def test_equity_below_the_step_is_sized_as_without_scaling() -> None:
    small = book(equity=Decimal(5_000))
    order = decision(qty=100)
    with_scaling = scaled(10_000).evaluate(order, small, market(), NOW)
    without = RiskManager(CONFIG).evaluate(order, small, market(), NOW)
    assert with_scaling == without
    assert with_scaling.qty == 2  # 5 % of 5 000


def test_a_new_symbol_trades_at_half_size_for_its_first_trades() -> None:
    prices = {"AAPL": 100, "MSFT": 100, "NVDA": 100}
    manager = scaled(1_000_000)
    assert manager.scaling is not None
    first = manager.evaluate(decision("NVDA", qty=100), book(), market(prices), NOW)
    old = manager.evaluate(decision("AAPL", qty=100), book(), market(prices), NOW)
    assert (first.qty, old.qty) == (25, 50)
    assert first.reasons == (ReasonCode.TRADE_LIMIT, ReasonCode.NEW_SYMBOL)
    for _ in range(3):
        manager.scaling.record_trade("NVDA")
    settled = manager.evaluate(decision("NVDA", qty=100), book(), market(prices), NOW)
    assert (settled.qty, settled.reasons) == (50, (ReasonCode.TRADE_LIMIT,))


def test_exits_are_never_scaled() -> None:
    verdict = scaled(1_000, established=()).evaluate(
        decision(side="sell", qty=300), book({"AAPL": 300}), market(), NOW
    )
    assert (verdict.action, verdict.qty, verdict.reasons) == (Action.APPROVE, 300, (ReasonCode.REDUCE_ONLY,))


def test_the_scaling_follows_the_progression(tmp_path: Path) -> None:
    progression = TradingProgression.open(tmp_path, CONFIG.progression)
    manager = RiskManager(CONFIG, progression.scaling(["AAPL", "MSFT"], NOW))
    assert manager.evaluate(decision(qty=100), book(), market(), NOW).qty == 50  # paper: 100k
    since = progression.since
    report = progression.evaluate_gates(record(since, 8), curve(since, 8), 0, since + timedelta(days=8))
    progression.promote(approved_by="alice", gates=report, now=since + timedelta(days=8))
    # micro_live at 1 000: 5 % per trade is 50, not even one share at 100.
    verdict = manager.evaluate(decision(qty=100), book(), market(), NOW)
    assert verdict.action is Action.REJECT
    assert verdict.reasons == (ReasonCode.TRADE_LIMIT, ReasonCode.CAPITAL_STEP, ReasonCode.BELOW_LOT)
    progression.demote(reason="breaker tripped", now=since + timedelta(days=9))
    assert manager.evaluate(decision(qty=100), book(), market(), NOW).qty == 50  # back in paper


def test_the_universe_and_new_symbols_trades_persist_with_the_progression(tmp_path: Path) -> None:
    config = CONFIG.progression.model_copy(update={"scaling": SCALING})
    first = TradingProgression.open(tmp_path, config).scaling(["MSFT", "AAPL"], NOW)
    assert first.established == frozenset({"AAPL", "MSFT"})
    first.record_trade("NVDA")
    first.record_trade("AAPL")  # established: nothing to count
    # A later start with a bigger universe keeps the first one: NVDA and TSLA are new, NVDA has one trade.
    again = TradingProgression.open(tmp_path, config).scaling(["AAPL", "MSFT", "NVDA", "TSLA"], NOW)
    assert again.established == frozenset({"AAPL", "MSFT"})
    assert (again.trades("NVDA"), again.trades("TSLA"), again.trades("AAPL")) == (1, 0, 0)
    again.record_trade("NVDA")
    again.record_trade("NVDA")
    again.record_trade("NVDA")
    assert not again.is_new("NVDA")
    stored = json.loads((tmp_path / "progression.json").read_text())
    assert (stored["universe"], stored["trades"]) == (["AAPL", "MSFT"], {"NVDA": 3})


def test_a_state_file_from_before_the_universe_loads_and_records_it_at_the_first_start(
    tmp_path: Path,
) -> None:
    old = {"version": 1, "step": 0, "capital": "1000", "since": NOW.isoformat(), "history": []}
    (tmp_path / "progression.json").write_text(json.dumps(old))
    with Journal(tmp_path / "journal") as journal:
        progression = TradingProgression.open(tmp_path, CONFIG.progression, journal)
        scaling = progression.scaling(["SPY"], NOW)
    assert (scaling.capital_limit, scaling.established) == (Decimal(1000), frozenset({"SPY"}))
    (entry,) = [r.payload for r in read_records(tmp_path / "journal")]
    assert entry == {"event": "progression_universe", "universe": ["SPY"]}


def test_the_gate_counts_a_trade_when_a_position_opens_not_per_fill() -> None:
    scaling = RiskScalingManager(SCALING, Decimal(1_000_000), ["AAPL"])
    gate = RiskGate(CONFIG, scaling=scaling)
    price, stop = Decimal(100), Decimal(95)
    gate.entered("NVDA", "buy", price, stop, Decimal(0))  # opens a long
    gate.entered("NVDA", "buy", price, stop, Decimal(5))  # a later fill of it, or adding: no new trade
    assert scaling.trades("NVDA") == 1
    gate.entered("NVDA", "sell", price, Decimal(105), Decimal(10))  # flips to short: a new trade
    gate.entered("NVDA", "buy", price, stop, Decimal(-2))  # flips back long
    assert scaling.trades("NVDA") == 3
    assert not scaling.is_new("NVDA")
