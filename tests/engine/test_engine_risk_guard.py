"""Risk guards inside `run_backtest`: SAFE_MODE, the emergency breaker and its actions, working orders."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from engine_helpers import daily_bars

from trader import Strategy
from trader.data import load_bars
from trader.engine import BacktestConfig, run_backtest
from trader.risk import RiskConfig
from trader.risk.config import BreakerConfig, SafeModeConfig, StopsConfig
from trader.strategies import Bar, EmaCross

CRASH = 30
"""The bar whose close is 15 % under the flat 100 before it."""


def _crash_bars(n: int = 40) -> list[float]:
    return [100.0] * CRASH + [85.0] * (n - CRASH)


def _records(journal: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


def _config(*, daily_loss: str = "0.5", drawdown: str = "0.5", flatten: bool = False) -> BacktestConfig:
    # Only the guard under test can act: the other triggers are set far out of reach.
    breaker = BreakerConfig(
        max_drawdown_fraction=Decimal(drawdown),
        max_asset_day_move=Decimal("0.9"),
        max_consecutive_losses=1_000,
        flatten=flatten,
    )
    safe = SafeModeConfig(max_daily_loss_fraction=Decimal(daily_loss))
    # Stops 20 ATRs away (about 50 under 100) rest through the crash, so the loss reaches the account.
    stops = StopsConfig(atr_multiple=Decimal(20), trail_atr_multiple=Decimal(20))
    return BacktestConfig(risk=RiskConfig(safe_mode=safe, breaker=breaker, stops=stops), risk_guards=True)


class Press(Strategy):
    """From bar `start` asks for far more than risk allows, every bar (a market buy, or with `below` a
    limit buy that far under the close, which never fills); at `sell_at` it first sells one share."""

    name = "press"

    def __init__(self, start: int = 15, sell_at: int = -1, below: Decimal | None = None) -> None:
        super().__init__()
        self.start, self.sell_at, self.below = start, sell_at, below
        self.working: list[str] = []

    def on_bar(self, bar: Bar) -> None:
        if bar.index == self.sell_at and self.position() > 0:
            self.sell(1, reason="exit one")
        if bar.index < self.start:
            return
        if self.below is None:
            self.buy(10_000, reason="press")
            return
        limit = Decimal(repr(bar.close)) - self.below
        order_id = self.submit("buy", 10_000, order_type="limit", limit_price=limit, reason="press low")
        self.working.append(order_id)


def test_safe_mode_refuses_new_risk_on_the_loss_day_and_lets_exits_pass(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    strategy = Press(sell_at=CRASH)
    result = run_backtest(strategy, [daily_bars("SPY", _crash_bars())], journal, _config(daily_loss="0.03"))
    records = _records(journal)
    modes = [r["payload"] for r in records if r["kind"] == "mode_change"]
    assert [m["event"] for m in modes] == ["safe_mode_entered", "safe_mode_ended"]
    assert Decimal(modes[0]["day_loss"]) >= Decimal("0.03")
    # Exactly the crash day's entry is refused, for SAFE_MODE; the next day rolls it over.
    crash_ts = int(daily_bars("SPY", _crash_bars()).ts[CRASH])
    guarded = [(r.ts, r.by, r.reasons) for r in result.refusals if "safe_mode" in r.reasons]
    assert guarded == [(crash_ts, "risk", ("safe_mode",))]
    # The exit decided on the same bar passed (reduce-only) and filled (risk's own stops aside).
    exits = [
        d for d in result.decisions if d.side == "sell" and not d.client_order_id.startswith("risk-stop-")
    ]
    assert [(d.ts, d.status) for d in exits] == [(crash_ts, "accepted")]
    assert [f["payload"]["side"] for f in records if f["kind"] == "fill"].count("sell") == 1
    # After the rollover, buys go out again.
    assert any(d.side == "buy" and d.ts > crash_ts and d.status == "accepted" for d in result.decisions)


def test_without_the_loss_the_same_run_never_enters_safe_mode(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    result = run_backtest(Press(), [daily_bars("SPY", [100.0] * 40)], journal, _config(daily_loss="0.03"))
    assert not [r for r in _records(journal) if r["kind"] in {"mode_change", "breaker_trip"}]
    assert not [r for r in result.refusals if "safe_mode" in r.reasons]


def test_a_drawdown_trip_cancels_working_orders_flattens_and_halts(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    bars = daily_bars("SPY", _crash_bars())
    resting = RestingAndPressing()
    config = _config(drawdown="0.03", flatten=True)
    result = run_backtest(resting, [bars], journal, config)
    records = _records(journal)
    trips = [r for r in records if r["kind"] == "breaker_trip"]
    assert len(trips) == 1
    trip = trips[0]["payload"]
    assert trip["trigger"]["kind"] == "drawdown"
    assert trip["actions"] == ["halt_new_orders", "cancel_open_orders", "flatten"]
    crash_ts = int(bars.ts[CRASH])
    # Cancel: the strategy's resting order and risk's stop, journaled after the trip; neither fills.
    after = records[records.index(trips[0]) :]
    cancels = [r["payload"] for r in after if r["payload"].get("event") == "cancel"]
    cancelled = sorted(c["client_order_id"] for c in cancels)
    assert len(cancelled) == 2
    assert cancelled[0] == resting.resting
    assert cancelled[1].startswith("risk-stop-SPY-")  # risk's resting stop
    assert {c["status"] for c in cancels} == {"canceled"}
    # Flatten: a market sell of the whole position, filled at the next open; the book ends flat.
    flatten = [r["payload"] for r in after if r["kind"] == "order_intent"]
    assert flatten
    assert flatten[0]["client_order_id"].startswith("breaker-1-flatten-SPY")
    assert result.portfolio.position_qty("SPY") == 0
    # Halt: every later entry is refused with the breaker's reason, and none reaches the venue.
    later = [d for d in result.decisions if d.ts >= crash_ts]
    assert later
    assert all(d.status == "risk_rejected" for d in later)
    assert {r.reasons for r in result.refusals if r.ts >= crash_ts} == {("breaker_open",)}


class RestingAndPressing(Strategy):
    """Rests one limit buy far under the market at bar 15, then buys a little every bar from bar 16."""

    name = "resting"

    def __init__(self) -> None:
        super().__init__()
        self.resting = ""

    def on_bar(self, bar: Bar) -> None:
        if bar.index == 15:
            self.resting = self.submit(
                "buy", 1, order_type="limit", limit_price=Decimal(10), reason="rest far below"
            )
        elif bar.index > 15:
            self.buy(10_000, reason="press")


def test_working_orders_count_against_the_asset_limit(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    strategy = Press(start=15, below=Decimal(50))  # limit buys at 50 under a flat 100: none ever fills
    # Counting working orders needs no guard: it is on whenever risk is.
    config = BacktestConfig(risk=RiskConfig())
    result = run_backtest(strategy, [daily_bars("SPY", [100.0] * 40)], journal, config)
    assert not [r for r in _records(journal) if r["kind"] == "fill"]
    # Each limit buy alone fits the 5 % per-trade cap (50 shares at 100); counted together with those
    # still working, the 30 % asset cap is full after six of them, and every later one is refused.
    sent = [d for d in result.decisions if d.status == "accepted"]
    assert [d.qty for d in sent] == ["50"] * 6
    assert len(result.refusals) == len(strategy.working) - 6 > 0
    assert all(r.reasons == ("asset_limit", "below_lot") for r in result.refusals)


def _stop_orders(records: list[dict[str, Any]]) -> dict[str, tuple[int, Decimal]]:
    """Risk's stop orders: id -> (journal record index, stop price)."""
    return {
        r["payload"]["client_order_id"]: (k, Decimal(r["payload"]["stop_price"]))
        for k, r in enumerate(records)
        if r["kind"] == "order_intent" and r["payload"]["strategy"] == "risk"
    }


def test_resting_stops_bound_each_loss_to_the_stop_distance_but_for_gaps(
    samples_dir: Path, tmp_path: Path
) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    journal = tmp_path / "journal.jsonl"
    # The loss-streak trigger would halt entries for good in 2001: off here, so stops meet many trades.
    risk = RiskConfig(breaker=BreakerConfig(max_consecutive_losses=1_000))
    result = run_backtest(
        EmaCross({"qty": 1000}), [bars], journal, BacktestConfig(risk=risk, risk_guards=True)
    )
    records = _records(journal)
    stops = _stop_orders(records)
    fills = {r["payload"]["client_order_id"] for r in records if r["kind"] == "fill"}
    cancelled = {r["payload"]["client_order_id"] for r in records if r["payload"].get("event") == "cancel"}
    stopped = [t for t in result.trades if t.exit_order in stops]
    assert len(stopped) > 20  # the stops rest at the venue and fire there
    gaps = 0
    for trade in result.trades:
        assert trade.direction == "long"
        assert trade.initial_risk is not None
        stop = trade.entry_price - trade.initial_risk / trade.qty
        if trade.exit_price >= stop:
            continue
        # Beyond the stop only when the exit bar opened beyond it: the fill is that open.
        exit_bar = int(np.searchsorted(bars.ts, int(trade.exit_time.timestamp()) * 1_000_000_000))
        opened = Decimal(repr(float(bars.open[exit_bar])))
        assert opened < stop
        assert trade.exit_price == opened
        gaps += 1
    assert gaps < len(result.trades) // 10
    # Trailing: while one position is open its stop orders only ever move up.
    placed = sorted((datetime.fromisoformat(records[k]["ts"]), k, price) for k, price in stops.values())
    for trade in result.trades:
        prices = [price for at, _, price in placed if trade.entry_time <= at < trade.exit_time]
        assert prices
        assert prices == sorted(prices)
    # Every stop order ended filled or cancelled, but one guarding a position still open at the end.
    left = set(stops) - fills - cancelled
    assert len(left) == (1 if result.portfolio.position_qty("SPY") else 0)
    # Each stop order is a decision of strategy `risk` with a reduce-only verdict, like any order.
    listed = {d.client_order_id: d for d in result.decisions if d.client_order_id in stops}
    assert set(listed) == set(stops)
    assert {d.reason for d in listed.values()} == {"stop", "trailing stop"}
    assert all(d.order_type == "stop" and d.side == "sell" for d in listed.values())
    verdicts = {r["payload"]["client_order_id"]: r["payload"] for r in records if r["kind"] == "risk_verdict"}
    for order_id, decision in listed.items():
        assert verdicts[order_id]["action"] == "approve"
        assert verdicts[order_id]["reasons"] == ["reduce_only"]
        assert verdicts[order_id]["qty"] == decision.qty
    intents = [r["payload"]["client_order_id"] for r in records if r["kind"] == "order_intent"]
    assert intents == [d.client_order_id for d in result.decisions] == list(verdicts)


def test_a_loss_streak_trips_the_breaker_on_real_data_and_later_entries_are_refused(
    samples_dir: Path, tmp_path: Path
) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    journal = tmp_path / "journal.jsonl"
    streak = 4  # the resting stops keep EmaCross's worst run of losers on this data to 5
    risk = RiskConfig(breaker=BreakerConfig(max_consecutive_losses=streak))
    result = run_backtest(
        EmaCross({"qty": 1000}), [bars], journal, BacktestConfig(risk=risk, risk_guards=True)
    )
    records = _records(journal)
    (trip,) = [r for r in records if r["kind"] == "breaker_trip"]
    assert trip["payload"]["trigger"]["kind"] == "consecutive_losses"
    tripped = datetime.fromisoformat(trip["ts"])
    before = [t for t in result.trades if t.exit_time <= tripped]
    running, first = 0, None  # the trip comes with the first trade that completes such a streak
    for k, trade in enumerate(before):
        running = running + 1 if trade.pnl < 0 else 0
        if running == streak and first is None:
            first = k
    assert first == len(before) - 1
    # From the trip on, every entry is refused for the breaker and the report's refusals say so.
    later = [d for d in result.decisions if d.side == "buy" and d.ts >= int(tripped.timestamp()) * 10**9]
    assert len(later) > 10
    assert all(d.status == "risk_rejected" for d in later)
    reasons = {r.reasons for r in result.refusals if r.client_order_id in {d.client_order_id for d in later}}
    assert reasons == {("breaker_open",)}
