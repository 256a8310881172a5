"""Risk's resting stop when the gateway refuses it or its fate is unknown: journaled, retried, not doubled."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine_helpers import daily_bars

from trader import Strategy
from trader.engine import BacktestConfig, run_backtest
from trader.engine.broker import BacktestBroker
from trader.engine.resting_stops import RestingStops
from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import InstrumentSpec, SimFaults, SimSettings
from trader.journal import Journal
from trader.models import Fill
from trader.risk import RiskConfig
from trader.risk.config import BreakerConfig, StopsConfig
from trader.strategies import Bar

KILL_OFF = 19
"""The entry fills at bar 16's open, when the operator's kill switch goes on; off at bar 19's decision."""


class KillSwitchOperator(Strategy):
    """Buys 10 at bar 15; an operator turns the gateway's kill switch on as the entry fills, off at bar 19."""

    name = "operator"

    def on_bar(self, bar: Bar) -> None:
        if bar.index == 15:
            self.buy(10, reason="entry")
        if bar.index == KILL_OFF:
            self._gateway().set_kill_switch(False)

    def on_fill(self, fill: Fill) -> None:
        self._gateway().set_kill_switch(True)

    def _gateway(self) -> EmbeddedGateway:
        broker = self.broker
        assert isinstance(broker, BacktestBroker)
        return broker.gateway


def _records(journal: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


def test_a_stop_the_kill_switch_refuses_is_journaled_and_retried_each_bar_until_it_rests(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.jsonl"
    # A flat market: the stop never moves once it rests (no trail, no resize), so every later stop
    # order is a retry.
    breaker = BreakerConfig(max_consecutive_losses=1_000)
    config = BacktestConfig(risk=RiskConfig(breaker=breaker))
    bars = daily_bars("SPY", [100.0] * 30, gap=0.0)
    result = run_backtest(KillSwitchOperator(), [bars], journal, config)
    records = _records(journal)
    stops = [r for r in records if r["kind"] == "order_intent" and r["payload"]["strategy"] == "risk"]
    ids = [r["payload"]["client_order_id"] for r in stops]
    # One attempt per bar while the switch is on (bars 16 to 19: bar 19's guard runs before the operator
    # turns it off); the fifth, at bar 20, rests. Each retry takes the next id: none is ever reused.
    assert ids == [f"risk-stop-SPY-{n}" for n in range(1, 6)]
    first = _utc(int(bars.ts[0]))
    assert [(datetime.fromisoformat(r["ts"]) - first).days for r in stops] == [16, 17, 18, 19, 20]
    answers = {
        r["payload"]["client_order_id"]: r
        for r in records
        if r["kind"] in {"gateway_ack", "gateway_reject"} and r["payload"]["client_order_id"] in ids
    }
    for order_id in ids[:-1]:
        refusal = answers[order_id]
        assert refusal["kind"] == "gateway_reject"
        assert refusal["payload"]["detail"] == (
            f"pre-trade limit: KILL_SWITCH: order {order_id}: kill switch is on; only cancels are accepted"
        )
    assert answers[ids[-1]]["kind"] == "gateway_ack"
    assert answers[ids[-1]]["payload"]["status"] == "accepted"
    # Each refusal is a decision of strategy `risk` and a refusal by the gateway in the result.
    listed = {d.client_order_id: d.status for d in result.decisions if d.client_order_id in ids}
    assert listed == {**dict.fromkeys(ids[:-1], "rejected"), ids[-1]: "accepted"}
    assert [r.client_order_id for r in result.refusals if r.by == "gateway"] == ids[:-1]
    # One stop rests to the end, protecting the whole position: never a second one beside it.
    assert not [r for r in records if r["payload"].get("event") == "cancel"]
    assert result.portfolio.position_qty("SPY") == 10
    assert Decimal(stops[-1]["payload"]["qty"]) == 10


def _utc(ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1_000)


def test_a_stop_whose_answer_is_lost_is_held_as_resting_and_never_sent_twice(tmp_path: Path) -> None:
    """Every answer lost (the venue acts, the caller times out): the stop is in flight, not refused."""
    faults = SimSettings(faults=SimFaults(seed=3, timeout_after=1000))
    journal = Journal(tmp_path / "journal.jsonl")
    with EmbeddedGateway(instruments=[InstrumentSpec("SPY")], sim=faults) as gateway:
        stops = RestingStops(StopsConfig(), gateway, journal)
        start = datetime(2024, 1, 2, tzinfo=UTC)
        gateway.on_bar("SPY", int(start.timestamp()) * 10**9, 100.0, 101.0, 99.0, 100.0, 1_000.0)
        stops.entered("SPY", "buy", Decimal(100), Decimal(95), Decimal(0))
        for day in range(3):  # the same book each day: the stop in flight stands for it
            stops.sync("SPY", Decimal(10), Decimal(0), start + timedelta(days=day))
        # A smaller position asks for a smaller stop; the old one cannot be cancelled (every answer is
        # lost), so no new one goes out beside it.
        stops.sync("SPY", Decimal(4), Decimal(0), start + timedelta(days=3))
        assert gateway.core.venue_order_count == 1
        (order,) = gateway.core.orders()
        assert (order.client_order_id, order.quantity, order.status) == ("risk-stop-SPY-1", "10", "new")
    journal.close()
    records = _records(tmp_path / "journal.jsonl")
    intents = [r for r in records if r["kind"] == "order_intent"]
    assert len(intents) == 1
    unavailable = [r["payload"] for r in records if r["payload"].get("event") == "unavailable"]
    assert [p["status"] for p in unavailable] == ["new"]
    failed_cancels = [r["payload"] for r in records if r["payload"].get("event") == "cancel_failed"]
    assert [p["client_order_id"] for p in failed_cancels] == ["risk-stop-SPY-1"]


def test_a_stop_the_venue_rejects_is_journaled_as_a_refusal_and_sent_again_next_time(tmp_path: Path) -> None:
    faults = SimSettings(faults=SimFaults(seed=1, reject=1000))  # the venue refuses every order
    journal = Journal(tmp_path / "journal.jsonl")
    told: list[tuple[str, str, str]] = []
    with EmbeddedGateway(instruments=[InstrumentSpec("SPY")], sim=faults) as gateway:
        stops = RestingStops(StopsConfig(), gateway, journal)
        stops.on_order = lambda order: told.append((order.client_order_id, order.status, order.detail))
        start = datetime(2024, 1, 2, tzinfo=UTC)
        gateway.on_bar("SPY", int(start.timestamp()) * 10**9, 100.0, 101.0, 99.0, 100.0, 1_000.0)
        stops.entered("SPY", "buy", Decimal(100), Decimal(95), Decimal(0))
        for day in range(2):
            stops.sync("SPY", Decimal(10), Decimal(0), start + timedelta(days=day))
        assert gateway.core.venue_order_count == 0
    journal.close()
    detail = "the venue rejected it: simulated reject"
    assert told == [("risk-stop-SPY-1", "rejected", detail), ("risk-stop-SPY-2", "rejected", detail)]
    records = _records(tmp_path / "journal.jsonl")
    answers = [(r["kind"], r["payload"]) for r in records if r["kind"] in {"gateway_ack", "gateway_reject"}]
    assert answers == [
        ("gateway_reject", {"client_order_id": "risk-stop-SPY-1", "detail": detail}),
        ("gateway_reject", {"client_order_id": "risk-stop-SPY-2", "detail": detail}),
    ]
