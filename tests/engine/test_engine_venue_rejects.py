"""An order the venue rejects in its answer (no error raised) is a refusal: journaled and listed as one."""

from __future__ import annotations

import json
from pathlib import Path

from engine_helpers import Recorder, daily_bars

from trader.engine import BacktestConfig, run_backtest
from trader.execution.embedded_config import SimFaults, SimSettings


def test_a_venue_reject_is_a_refusal_not_an_acknowledgement(tmp_path: Path) -> None:
    config = BacktestConfig(sim=SimSettings(faults=SimFaults(reject=1000)))  # the venue refuses every submit
    journal = tmp_path / "journal.jsonl"
    result = run_backtest(
        Recorder(buy_at=1, sell_at=3, qty=10), [daily_bars("SPY", [100, 101, 102, 103])], journal, config
    )
    (refusal,) = result.refusals
    assert (refusal.by, refusal.reasons, refusal.side, refusal.qty) == (
        "gateway",
        ("VENUE_REJECTED",),
        "buy",
        "10",
    )
    assert [d.status for d in result.decisions] == ["rejected"]
    assert not result.trades
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    answers = [r for r in records if r["payload"].get("client_order_id") == refusal.client_order_id]
    assert [r["kind"] for r in answers] == ["order_intent", "gateway_reject"]
    assert answers[1]["payload"]["reason_code"] == "VENUE_REJECTED"
