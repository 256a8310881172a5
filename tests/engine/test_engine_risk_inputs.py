"""The breaker's backtest inputs end to end: the API error rate under fault injection, stale symbols."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from engine_helpers import DAY_NS, daily_bars

from trader import Strategy
from trader.data import Bars
from trader.engine import BacktestConfig, run_backtest
from trader.engine.backtest import BacktestResult
from trader.execution.embedded_config import SimFaults, SimSettings
from trader.risk import RiskConfig
from trader.risk.config import BreakerConfig
from trader.strategies import Bar


def _records(journal: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


def _breaker(**fields: object) -> BreakerConfig:
    # Only the trigger under test can act: the others are set far out of reach.
    base: dict[str, object] = {"max_drawdown_fraction": "0.9", "max_consecutive_losses": 1_000}
    return BreakerConfig.model_validate(base | fields)


class Spray(Strategy):
    """From bar 15 sends `per_bar` one-share buys of its first symbol every bar."""

    name = "spray"

    def __init__(self, per_bar: int = 4) -> None:
        super().__init__()
        self.per_bar = per_bar

    def on_bar(self, bar: Bar) -> None:
        if bar.index >= 15 and bar.symbol == self.broker.symbols[0]:
            for _ in range(self.per_bar):
                self.buy(1, symbol=bar.symbol, reason="spray")


def _faulty_run(tmp_path: Path, faults: SimFaults | None) -> tuple[BacktestResult, list[dict[str, Any]]]:
    journal = tmp_path / "journal.jsonl"
    # A week of calls in the window: some 24 strategy orders plus risk's stops, over the 20-call minimum.
    breaker = _breaker(api_window_seconds=7 * 86_400)
    config = BacktestConfig(risk=RiskConfig(breaker=breaker), sim=SimSettings(faults=faults))
    result = run_backtest(Spray(), [daily_bars("SPY", [100.0] * 40)], journal, config)
    return result, _records(journal)


def test_venue_faults_trip_the_breaker_on_the_api_error_rate(tmp_path: Path) -> None:
    # Per request: 35 % refused by the venue; 35 % lost (a timeout or a dropped connection, retried by the
    # gateway up to 4 times: a few orders end unavailable, their fate settled on a later bar).
    faults = SimFaults(seed=7, reject=350, timeout_before=250, disconnect=100)
    result, records = _faulty_run(tmp_path, faults)
    (trip,) = [r for r in records if r["kind"] == "breaker_trip"]
    trigger = trip["payload"]["trigger"]
    assert trigger["kind"] == "api_error_rate"
    failed, calls = map(int, re.fullmatch(r"(\d+) of (\d+) API calls failed", trigger["detail"]).groups())  # type: ignore[union-attr]
    assert calls >= 20
    assert Decimal(trigger["observed"]) == (Decimal(failed) / Decimal(calls)).quantize(Decimal("1e-9"))
    assert Decimal(trigger["observed"]) >= Decimal("0.25")
    # What counted: venue refusals journaled as rejects, and orders whose fate the timeouts left open.
    before = [r for r in records if r["ts"] <= trip["ts"]]
    refused = [
        r
        for r in before
        if r["kind"] == "gateway_reject" and r["payload"].get("reason_code") == "VENUE_REJECTED"
    ]
    unavailable = [r for r in before if r["payload"].get("event") == "unavailable"]
    assert refused
    assert unavailable
    assert all("venue unavailable after 4 attempts" in r["payload"]["detail"] for r in unavailable)
    # Such an order is listed as in flight (`new`), not refused: the venue may still have it.
    in_flight = {r["payload"]["client_order_id"] for r in unavailable}
    assert {d.status for d in result.decisions if d.client_order_id in in_flight} == {"new"}
    # From the trip on, every new entry is refused for the breaker.
    tripped_ns = next(d.ts for d in result.decisions if d.status == "risk_rejected")
    later = [d for d in result.decisions if d.ts >= tripped_ns and d.reason == "spray"]
    assert later
    assert {d.status for d in later} == {"risk_rejected"}
    assert {r.reasons for r in result.refusals if r.by == "risk"} == {("breaker_open",)}


def test_the_same_run_on_a_healthy_venue_never_trips(tmp_path: Path) -> None:
    result, records = _faulty_run(tmp_path, None)
    assert not [r for r in records if r["kind"] == "breaker_trip"]
    assert not result.refusals
    assert len(result.decisions) > 100


def _gapped(symbol: str, n: int, missing: range) -> Bars:
    """Daily bars of a flat 100 with the days in `missing` left out (the symbol stopped printing)."""
    full = daily_bars(symbol, [100.0] * n)
    keep = np.array([k not in missing for k in range(n)])
    return Bars(
        symbol,
        full.timeframe,
        full.ts[keep],
        full.open[keep],
        full.high[keep],
        full.low[keep],
        full.close[keep],
        full.volume[keep],
        source=f"{symbol}.csv",
    )


def _stale_run(
    tmp_path: Path, gap: range, policy: str = "never"
) -> tuple[BacktestResult, list[dict[str, Any]]]:
    journal = tmp_path / f"journal-{policy}.jsonl"
    config = BacktestConfig(risk=RiskConfig(breaker=_breaker(backtest_acknowledge=policy)))
    bars = [daily_bars("AAA", [100.0] * 40), _gapped("BBB", 40, gap)]
    result = run_backtest(Spray(per_bar=1), bars, journal, config)
    return result, _records(journal)


def _day(result: BacktestResult, ts: int) -> int:
    return (ts - int(daily_bars("AAA", [1.0]).ts[0])) // DAY_NS


def test_a_symbol_that_stops_printing_trips_the_stale_data_trigger(tmp_path: Path) -> None:
    # BBB prints days 0-19, then nothing until day 30; AAA prints every day (both trade every day).
    result, records = _stale_run(tmp_path, range(20, 30))
    (trip,) = [r for r in records if r["kind"] == "breaker_trip"]
    trigger = trip["payload"]["trigger"]
    assert (trigger["kind"], trigger["symbol"]) == ("stale_data", "BBB")
    assert trigger["detail"] == "BBB has missed 3 bars while other symbols go on"
    # Day 22 is the third day without a BBB bar: AAA's entries stop there, to the end of the run.
    statuses = {_day(result, d.ts): d.status for d in result.decisions if d.reason == "spray"}
    assert all(statuses[k] == "accepted" for k in range(15, 22))
    assert all(statuses[k] == "risk_rejected" for k in range(22, 40))
    assert not [r for r in records if r["kind"] == "breaker_recovery"]


def test_a_short_gap_is_not_stale_and_a_stale_symbol_that_resumes_lets_the_policy_recover(
    tmp_path: Path,
) -> None:
    _, records = _stale_run(tmp_path, range(20, 22))  # two missed days: one short of the limit
    assert not [r for r in records if r["kind"] == "breaker_trip"]
    result, records = _stale_run(tmp_path, range(20, 30), policy="after_cooldown")
    guard = [r for r in records if r["kind"] in {"breaker_trip", "manual_action", "breaker_recovery"}]
    assert [r["kind"] for r in guard] == ["breaker_trip", "manual_action", "breaker_recovery"]
    # Stale until BBB prints again on day 30: recovered then, and AAA trades again from that bar.
    statuses = {_day(result, d.ts): d.status for d in result.decisions if d.reason == "spray"}
    assert all(statuses[k] == "risk_rejected" for k in range(22, 30))
    assert all(statuses[k] == "accepted" for k in range(30, 40))
