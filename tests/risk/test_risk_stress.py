"""Stress scenarios through the backtest engine (`run_backtest` with a RiskConfig, the path `trader backtest
--risk` takes) on real sample data with injected shocks: a -50 % day in BTC, a gap down through risk's
resting stop, and API failures in the middle of a breaker flatten. Losses stay within what the configuration
allows (computed from the run), the breaker and SAFE_MODE trip at the bar they must, and every action is
journaled in order in a journal that verifies. (The emergency executor alone: test_risk_stress_executor.)"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pytest
from stress_scenarios import (
    Accumulate,
    at_stamp,
    event_of,
    gapped,
    journal,
    price,
    resting_stop,
    shocked,
    stamp,
)

from trader.data import Bars, load_bars
from trader.engine import BacktestConfig, BacktestResult, run_backtest
from trader.execution.embedded_config import InstrumentSpec, SimFaults, SimSettings
from trader.journal import verify_journal
from trader.risk import RiskConfig

BTC_LOT = Decimal("0.0001")
FAILED_CALLS = frozenset(
    {"gateway_ack:unavailable", "gateway_reject:cancel_failed", "gateway_reject:flatten_failed"}
)
"""How the journal records a gateway call that failed (an order refused is a `gateway_reject` besides)."""


def _btc(symbol: str) -> tuple[RiskConfig, tuple[InstrumentSpec, ...]]:
    """Risk that recovers from a trip by itself after the cooldown (nobody acknowledges in a backtest) and
    does not halt for a run of small losses; fractional BTC lots."""
    config = RiskConfig.model_validate(
        {
            "sizing": {"lots": {symbol: str(BTC_LOT)}},
            "breaker": {"backtest_acknowledge": "after_cooldown", "max_consecutive_losses": 1000},
        }
    )
    spec = InstrumentSpec(symbol, lot_size=BTC_LOT, asset_class="crypto", fractionable=True)
    return config, (spec,)


def _every_order_was_judged(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each intent (the strategy's, risk's stops) has exactly one verdict and each of their fills an approved
    one; the breaker's own flatten orders pass no verdict (they only close). Returns the verdicts by id."""
    verdicts = {r["payload"]["client_order_id"]: r["payload"] for r in records if r["kind"] == "risk_verdict"}
    intents = [
        r["payload"]["client_order_id"]
        for r in records
        if r["kind"] == "order_intent" and not r["payload"]["client_order_id"].startswith("breaker-")
    ]
    assert sorted(intents) == sorted(verdicts)
    for record in records:
        order_id = record["payload"].get("client_order_id", "") if record["kind"] == "fill" else ""
        if order_id and not order_id.startswith("breaker-"):
            assert verdicts[order_id]["action"] != "reject"
    return verdicts


def _trips(records: list[dict[str, Any]]) -> list[str]:
    return [str(r["ts"]) for r in records if r["kind"] == "breaker_trip"]


def _crash_through_risks_stops(
    bars: Bars, at: int, tmp_path: Path
) -> tuple[BacktestResult, list[dict[str, Any]]]:
    """Accumulate BTC under risk (guards on) through a -50 % day at bar `at`; checks what must hold on any
    data: risk's stop filled at its price, the shock-day loss within what the stops left at risk, the breaker
    tripped on the move at that bar and recovered the next (after_cooldown); returns the run and journal."""
    crashed = shocked(bars, at, -0.5)
    config, spec = _btc(bars.symbol)
    path = tmp_path / "journal.jsonl"
    result = run_backtest(
        Accumulate(Decimal(100)), [crashed], path, BacktestConfig(risk=config, instruments=spec)
    )
    records = journal(path)
    _every_order_was_judged(records)
    assert verify_journal(path).ok

    shock = stamp(crashed, at)
    day = at_stamp(records, shock)
    # Risk's stop rested when the bar opened; the crash traded through it without a gap: filled at its price.
    found = resting_stop(records, bars.symbol, shock)
    assert found is not None
    stop_id, stop_price = found
    (stop_fill,) = [
        r["payload"] for r in day if r["kind"] == "fill" and r["payload"]["client_order_id"] == stop_id
    ]
    assert Decimal(stop_fill["price"]) == stop_price
    stopped = Decimal(stop_fill["qty"])
    # The day's loss is what the stop left at risk from the last close, plus any lot bought at this open
    # (it had no stop yet) riding the crash to the close.
    close_before, close = price(crashed, "close", at - 1), price(crashed, "close", at)
    bought = [
        Decimal(r["payload"]["qty"]) * (Decimal(r["payload"]["price"]) - close)
        for r in day
        if r["kind"] == "fill" and r["payload"]["side"] == "buy"
    ]
    bound = stopped * (close_before - stop_price) + sum(bought, Decimal(0))
    equity_before, equity_after = (Decimal(repr(float(result.curve.equity[i]))) for i in (at - 1, at))
    loss = equity_before - equity_after
    assert 0 < loss <= bound + Decimal("0.01")
    assert loss <= config.limits.max_total_risk_fraction * equity_before  # the 20 % total-risk limit
    assert loss < Decimal("0.2") * stopped * close_before  # a 50 % fall of the book, cut by the stop
    # No SAFE_MODE: the stops kept the day's loss below its 8 %.
    assert loss / equity_before < config.safe_mode.max_daily_loss_fraction
    assert "mode_change:safe_mode_entered" not in [event_of(r) for r in day]

    # The breaker was closed when the bar opened (every earlier trip had recovered), tripped on the move
    # after the stop's fill, and its after_cooldown policy recovered it at the next bar.
    before = [r for r in records if r["ts"] < day[0]["ts"]]
    assert sum(r["kind"] == "breaker_trip" for r in before) == sum(
        r["kind"] == "breaker_recovery" for r in before
    )
    events = [event_of(r) for r in day]
    trip = next(r for r in day if r["kind"] == "breaker_trip")
    assert "asset_move" in {trip["payload"]["trigger"]["kind"], *trip["payload"]["also"]}
    assert events.index("fill") < events.index("breaker_trip:breaker_tripped")
    recovery = [
        event_of(r) for r in at_stamp(records, stamp(crashed, at + 1)) if r["actor"] == "backtest-policy"
    ]
    assert recovery == ["manual_action:breaker_acknowledged", "breaker_recovery:breaker_recovered"]
    return result, records


def test_a_fifty_percent_btc_day_costs_what_risks_stops_left_at_risk(
    samples_dir: Path, tmp_path: Path
) -> None:
    at = 100  # 2020-04-10; the real crash of 2020-03-12 (-39 %) is in the run as well
    bars = load_bars(samples_dir / "BTCUSDT_1d.csv")
    result, records = _crash_through_risks_stops(bars, at, tmp_path)
    # The breaker trips exactly at the bars whose close moved more than 20 % from the day before (daily
    # bars: the previous bar is the previous day), and recovers at the next one.
    crashed = shocked(bars, at, -0.5)
    moves = [i for i in range(1, len(crashed)) if abs(crashed.close[i] / crashed.close[i - 1] - 1) > 0.2]
    assert moves == [71, at]
    assert _trips(records) == [stamp(crashed, i).strftime("%Y-%m-%dT%H:%M:%S.000000Z") for i in moves]
    recovered = [str(r["ts"]) for r in records if r["kind"] == "breaker_recovery"]
    assert recovered == [stamp(crashed, i + 1).strftime("%Y-%m-%dT%H:%M:%S.000000Z") for i in moves]

    # Without risk the same decisions borrow against the account and the crash wipes it out.
    _, spec = _btc(bars.symbol)
    reckless = run_backtest(
        Accumulate(Decimal(100)), [crashed], tmp_path / "reckless.jsonl", BacktestConfig(instruments=spec)
    )
    assert reckless.curve.equity[at] < 0 < result.curve.equity[at]


@pytest.mark.shared_data
def test_a_fifty_percent_btc_day_on_the_shared_history(shared_data_dir: Path, tmp_path: Path) -> None:
    bars = load_bars(shared_data_dir / "BTCUSD_1d.csv")
    _crash_through_risks_stops(bars, 700, tmp_path)  # 2016-12-04, after the real 2015 crashes and trips


def test_a_gap_down_through_risks_resting_stop_costs_the_risk_budget_plus_the_gap(
    samples_dir: Path, tmp_path: Path
) -> None:
    at, gap = 40, -0.10
    bars = gapped(load_bars(samples_dir / "SPY_1d.csv"), at, gap)
    path = tmp_path / "journal.jsonl"
    config = RiskConfig()
    result = run_backtest(Accumulate(Decimal(10_000), when=[20]), [bars], path, BacktestConfig(risk=config))
    records = journal(path)
    verdicts = _every_order_was_judged(records)
    assert verify_journal(path).ok
    (trade,) = result.trades
    # Risk sized the entry to 5 % of the account at the decision's close, with its stop 2 ATR below.
    assert trade.qty * price(bars, "close", 20) <= config.limits.max_trade_fraction * Decimal(100_000)
    initial = Decimal(str(verdicts[trade.entry_order]["stop_price"]))
    found = resting_stop(records, "SPY", stamp(bars, at))
    assert found is not None
    stop_id, stop = found
    assert stop >= initial.quantize(Decimal("0.01"), ROUND_CEILING)  # trailed up, never loosened
    # A gap has no trade at the stop: risk's stop order fills at the open below it.
    gap_open = price(bars, "open", at)
    assert (trade.exit_order, trade.exit_time, trade.exit_price) == (stop_id, stamp(bars, at), gap_open)
    assert gap_open < stop
    loss = -trade.pnl
    assert loss == trade.qty * (trade.entry_price - gap_open)
    budget = trade.qty * (trade.entry_price - initial)  # what risk planned to lose
    overshoot = trade.qty * (stop - gap_open)  # what the gap added past the resting stop
    assert budget < loss <= budget + overshoot
    assert _trips(records) == []  # half a percent of the account: no breaker
    assert [event_of(r) for r in at_stamp(records, stamp(bars, at)) if r["kind"] == "fill"] == ["fill"]


def _first_breaches(bars: Bars, curve: list[Decimal], config: RiskConfig) -> tuple[int | None, int | None]:
    """The first bars whose mark is `max_drawdown_fraction` below the high-water mark, and
    `max_daily_loss_fraction` below the day's start (the last mark of the previous UTC day)."""
    high = day_start = curve[0]
    drawdown = day_loss = None
    for i in range(1, len(curve)):
        if stamp(bars, i).date() != stamp(bars, i - 1).date():
            day_start = curve[i - 1]
        high = max(high, curve[i])
        if drawdown is None and (high - curve[i]) / high >= config.breaker.max_drawdown_fraction:
            drawdown = i
        if (
            day_loss is None
            and (day_start - curve[i]) / day_start >= config.safe_mode.max_daily_loss_fraction
        ):
            day_loss = i
    return drawdown, day_loss


def test_api_failures_mid_flatten_are_retried_until_flat_and_journaled_in_order(
    samples_dir: Path, tmp_path: Path
) -> None:
    at = 100  # the injected -50 % hour, 2013-10-17 22:00
    bars = shocked(load_bars(samples_dir / "BTCUSD_1h.csv"), 400, -0.5)[300:403]
    config = RiskConfig.model_validate({"breaker": {"flatten": True, "max_consecutive_losses": 1000}})
    faults = SimSettings(faults=SimFaults(seed=5, timeout_before=200, timeout_after=200, disconnect=200))
    path = tmp_path / "journal.jsonl"
    strategy = Accumulate(Decimal(1000), when=range(80, at + 3))
    result = run_backtest(strategy, [bars], path, BacktestConfig(risk=config, sim=faults))
    records = journal(path)
    _every_order_was_judged(records)
    assert verify_journal(path).ok
    shock, after = stamp(bars, at), stamp(bars, at + 1)

    # The venue's failures reached risk's stop too: the bar before, its trail's cancel timed out, so the
    # stop was kept on the books to be cancelled again before a new one goes out; the venue had in fact
    # cancelled it. No stop rested when the crash came: the breaker is what closes the book.
    found = resting_stop(records, "BTCUSD", shock)
    assert found is not None
    stop_id = found[0]
    failed = [
        r for r in at_stamp(records, stamp(bars, at - 1)) if event_of(r) == "gateway_reject:cancel_failed"
    ]
    assert [r["payload"]["client_order_id"] for r in failed] == [stop_id]
    first = at_stamp(records, shock)[0]
    assert (event_of(first), first["payload"]["client_order_id"]) == ("gateway_ack:canceled", stop_id)
    assert not [r for r in at_stamp(records, shock) if r["kind"] == "fill"]

    # SAFE_MODE and the breaker trip at the bar where the day's loss and the drawdown first reach limits.
    curve = [Decimal(repr(float(value))) for value in result.curve.equity]
    assert _first_breaches(bars, curve, config) == (at, at)
    flatten_id = "breaker-1-flatten-BTCUSD-1"
    shown = [
        (event_of(r), r["payload"].get("attempt"))
        for r in at_stamp(records, shock)
        if r["kind"] in {"mode_change", "breaker_trip"} or r["payload"].get("client_order_id") == flatten_id
    ]
    # In order: SAFE_MODE, the trip, the flatten order's intent, its failed call, the retry the venue took.
    assert shown == [
        ("mode_change:safe_mode_entered", None),
        ("breaker_trip:breaker_tripped", None),
        ("order_intent", None),
        ("gateway_reject:flatten_failed", 1),
        ("gateway_ack", 2),
    ]
    trip = next(r["payload"] for r in records if r["kind"] == "breaker_trip")
    assert (trip["trigger"]["kind"], trip["also"]) == ("drawdown", ["asset_move"])
    assert trip["actions"] == ["halt_new_orders", "cancel_open_orders", "flatten"]
    (fill,) = [r for r in records if r["kind"] == "fill" and r["payload"]["client_order_id"] == flatten_id]
    assert fill["ts"].startswith(after.strftime("%Y-%m-%dT%H"))  # at the next open
    assert result.portfolio.position_qty("BTCUSD") == 0

    # Loss bounded: the drawdown the breaker allows, plus what the shock and the way to the flatten's fill
    # took in one jump (the book held at the last close, down to the fill price).
    held, fill_price = Decimal(fill["payload"]["qty"]), Decimal(fill["payload"]["price"])
    overshoot = held * (price(bars, "close", at - 1) - fill_price)
    high_before = max(curve[:at])
    assert high_before - curve[-1] <= config.breaker.max_drawdown_fraction * high_before + overshoot
    # ... and that jump is at most the 30 % one-asset limit, taken at the last buy risk approved (bar d: the
    # book held then at most 30 % of that equity), marked at the last close and falling to the fill.
    approved = [r for r in records if r["kind"] == "risk_verdict" and r["payload"]["action"] != "reject"]
    last_buy = max(str(r["ts"]) for r in approved if r["payload"]["side"] == "buy")
    d = next(i for i in range(len(bars)) if last_buy.startswith(stamp(bars, i).strftime("%Y-%m-%dT%H")))
    cap = config.limits.max_asset_fraction * curve[d] / price(bars, "close", d)
    assert held <= cap
    assert overshoot <= cap * (price(bars, "close", at - 1) - fill_price)
    # New risk after the trip was refused, for the breaker.
    late = [r["payload"] for r in records if r["kind"] == "risk_verdict" and r["ts"] > fill["ts"]]
    assert late
    assert all(v["action"] == "reject" and v["reasons"] == ["breaker_open"] for v in late)


def test_a_failing_venue_trips_the_breaker_on_its_error_rate_and_new_risk_stays_refused(
    samples_dir: Path, tmp_path: Path
) -> None:
    # Five days of real hourly BTC after the Silk Road crash; the venue fails 30 % of the calls (seeded).
    bars = load_bars(samples_dir / "BTCUSD_1h.csv")[45:175]
    config = RiskConfig.model_validate(
        {"breaker": {"min_api_calls": 8, "api_window_seconds": 86_400, "max_consecutive_losses": 1000}}
    )
    faults = SimSettings(faults=SimFaults(seed=4, timeout_before=100, timeout_after=100, disconnect=100))
    path = tmp_path / "journal.jsonl"
    run_backtest(Accumulate(Decimal(1000)), [bars], path, BacktestConfig(risk=config, sim=faults))
    records = journal(path)
    _every_order_was_judged(records)
    assert verify_journal(path).ok
    (trip,) = [r for r in records if r["kind"] == "breaker_trip"]
    trigger = trip["payload"]["trigger"]
    assert trigger["kind"] == "api_error_rate"
    found = re.fullmatch(r"(\d+) of (\d+) API calls failed", trigger["detail"])
    assert found is not None
    failed, calls = int(found[1]), int(found[2])
    assert calls >= config.breaker.min_api_calls
    assert Decimal(failed) / calls >= config.breaker.max_api_error_rate
    # Every failed call the rate counted is in the journal, within the window before the trip.
    since = (datetime.fromisoformat(trip["ts"].replace("Z", "+00:00")) - timedelta(days=1)).isoformat()
    window = [r for r in records if since[:19] <= r["ts"][:19] <= trip["ts"][:19]]
    failures = [r for r in window if event_of(r) in FAILED_CALLS or r["payload"].get("status") == "rejected"]
    assert len(failures) >= failed
    # Recovery needs an acknowledgement nobody gives in a backtest (policy `never`): new risk stays refused.
    late = [r["payload"] for r in records if r["kind"] == "risk_verdict" and r["ts"] > trip["ts"]]
    buys = [v for v in late if v["side"] == "buy"]
    assert len(buys) >= 10
    assert all(v["reasons"] == ["breaker_open"] for v in buys)
