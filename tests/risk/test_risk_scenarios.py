"""Shock scenarios end to end through risk: a -50 % day in BTC trips the breaker and SAFE_MODE, refuses new
risk while exits pass, and every verdict and state change lands in a real, verifiable journal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from risk_helpers import NOW, decision

from trader.journal import Journal, read_records, verify_journal
from trader.risk import (
    Action,
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    GuardStatus,
    Holding,
    MarketState,
    PortfolioState,
    ReasonCode,
    RecoveryRefusedError,
    RiskConfig,
    RiskManager,
    SafeModeState,
)
from trader.risk.safe_mode import assess

CONFIG = RiskConfig.model_validate({"authorised_users": ["alice"], "breaker": {"flatten": True}})


def crashed_book(btc: Decimal) -> PortfolioState:
    """One BTC bought at 60 000 next to 40 000 cash, marked at `btc`; the day started at 100 000."""
    holding = Holding("BTC/USD", Decimal(1), Decimal(60_000), btc, "crypto")
    equity = Decimal(40_000) + btc
    return PortfolioState(
        equity=equity,
        cash=Decimal(40_000),
        positions={"BTC/USD": holding},
        day_start_equity=Decimal(100_000),
        month_start_equity=Decimal(100_000),
        high_water_mark=Decimal(100_000),
    )


def test_a_fifty_percent_btc_day_halts_new_risk_but_lets_the_exit_through(tmp_path: Path) -> None:
    manager, breaker = RiskManager(CONFIG), EmergencyCircuitBreaker(CONFIG)
    at = NOW + timedelta(hours=3)
    book = crashed_book(Decimal(30_000))
    market = MarketState(
        as_of=at,
        prices={"BTC/USD": Decimal(30_000), "ETH/USD": Decimal(1_500)},
        atr={"BTC/USD": Decimal(3_000), "ETH/USD": Decimal(150)},
        day_move={"BTC/USD": -0.5},
        sectors={},
    )
    observation = BreakerObservation(
        now=at,
        equity=book.equity,
        high_water_mark=Decimal(100_000),
        day_moves=market.day_move,
        last_data_at=market.as_of,
    )
    tripped, trips = breaker.observe(BreakerState(), observation)
    safe, entered = assess(SafeModeState(), book, at, CONFIG)
    assert tripped.trigger is not None
    assert tripped.trigger.kind.value == "drawdown"  # 30 % below the high-water mark, listed first
    assert trips[0].payload["also"] == ["asset_move"]
    assert trips[0].payload["actions"] == ["halt_new_orders", "cancel_open_orders", "flatten"]
    assert safe.active
    assert safe.period == "2026-03"  # a 30 % loss breaks the monthly limit too: it outlasts the day

    status = GuardStatus(safe_mode=safe, breaker=tripped)
    verdicts = [
        manager.evaluate(decision("BTC/USD", "buy", "0.1"), book, market, at, status),
        manager.evaluate(decision("ETH/USD", "sell", "1"), book, market, at, status),
        manager.evaluate(decision("BTC/USD", "sell", "1"), book, market, at, status),
    ]
    assert [v.action for v in verdicts] == [Action.REJECT, Action.REJECT, Action.APPROVE]
    assert verdicts[0].reasons == (ReasonCode.BREAKER_OPEN,)
    assert verdicts[2].reasons == (ReasonCode.REDUCE_ONLY,)
    assert verdicts[2].qty == 1

    # Recovery is refused while the drawdown still holds, then acknowledged once equity is back.
    later = at + timedelta(hours=1)
    with pytest.raises(RecoveryRefusedError, match="drawdown still holds"):
        breaker.acknowledge(
            tripped,
            "alice",
            BreakerObservation(now=later, equity=book.equity, high_water_mark=Decimal(100_000)),
        )
    _, recovered = breaker.acknowledge(
        tripped,
        "alice",
        BreakerObservation(now=later, equity=Decimal(95_000), high_water_mark=Decimal(100_000)),
    )

    folder = tmp_path / "journal"
    with Journal(folder) as journal:
        for event in (*trips, *entered, recovered):
            journal.append(event.journal_kind, event.record(), ts=event.at, actor=event.actor)
        for verdict in verdicts:
            journal.append("risk_verdict", verdict.payload(), ts=at)
    report = verify_journal(folder)
    assert report.ok, report.problem
    records = list(read_records(folder))
    assert [r.kind.value for r in records] == [
        "breaker_trip",
        "mode_change",
        "breaker_recovery",
        "risk_verdict",
        "risk_verdict",
        "risk_verdict",
    ]
    assert records[2].actor == "alice"
    assert records[3].payload["reasons"] == ["breaker_open"]
    assert (
        records[3].payload["message"] == "rejected buy 0.1 BTC/USD: the emergency breaker tripped on drawdown"
    )
    assert records[5].payload["qty"] == "1"
