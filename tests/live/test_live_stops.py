"""Risk's stops in a paper daemon: resting at the venue after an entry, trailed on the feed's clock, fired."""

from __future__ import annotations

import json
from decimal import ROUND_CEILING, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from live_helpers import BARS_PER_SECOND, DaemonProcess, api, journal_records, wait_until

from trader.execution.embedded import EmbeddedGateway
from trader.journal import JournalKind

HOLD = f"{Path(__file__).parent / 'hold_strategy.py'}:HoldLong"
ENTRY = "hold_long-SPY-1"
DAY = 86_400
SPEED = str(BARS_PER_SECOND * 100)  # about 100 daily bars per wall second


def stops_config(tmp_path: Path, samples_dir: Path, *, atr: int = 2, **extra: object) -> Path:
    """A paper daemon replaying SPY daily bars with risk on: HoldLong's entry, stops `atr` ATRs away."""
    risk = tmp_path / "risk.toml"
    risk.write_text(f"[stops]\natr_multiple = {atr}\ntrail_atr_multiple = {atr}\n")
    lines = [
        f'replay = ["{samples_dir / "SPY_1d.csv"}"]',
        "tick_interval = 0.05",
        f'risk = "{risk}"',
        f'strategy = "{HOLD}"',
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
        "[breaker]",
        "max_drawdown_fraction = 0.9",
        "max_consecutive_losses = 1000",
        "stale_data_seconds = 100000",
    ]
    path = tmp_path / "daemon.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _stop_decisions(daemon: DaemonProcess) -> list[dict[str, Any]]:
    return [
        line
        for line in daemon.lines
        if line["event"] == "decision" and line["client_order_id"].startswith("risk-stop-SPY-")
    ]


def _held(home: Path) -> bool:
    return any(Decimal(p["qty"]) for p in api(home, "GET", "/status")[1]["positions"])


def _is_risk_stop(record: Any) -> bool:
    return str(record.payload.get("client_order_id", "")).startswith("risk-stop-")


def _one_stop_at_a_time(records: list[Any]) -> None:
    """Walk the journal: a new stop order is sent only once the one before it is cancelled or filled."""
    working: set[str] = set()
    for record in records:
        if not _is_risk_stop(record):
            continue
        order_id = record.payload["client_order_id"]
        if record.kind is JournalKind.ORDER_INTENT:
            assert not working, f"{order_id} sent while {working} still rested"
            working.add(order_id)
        elif record.kind is JournalKind.FILL or record.payload.get("status") in {"canceled", "filled"}:
            working.discard(order_id)


def test_a_stop_rests_at_the_venue_after_the_entry_trails_up_and_closes_the_position(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = stops_config(tmp_path, samples_dir, stop_trail_interval=DAY)
    daemon = DaemonProcess(home, "--config", str(config), "--speed", SPEED)
    try:
        entry = daemon.wait_event("fill", where=lambda f: f["client_order_id"] == ENTRY)
        exit_fill = daemon.wait_event("fill", where=lambda f: f["client_order_id"].startswith("risk-stop-"))
        wait_until(lambda: not _held(home), what="the position closed")
    finally:
        daemon.stop()
    stops = _stop_decisions(daemon)
    assert stops, "no stop was placed after the entry"
    assert {d["status"] for d in stops} == {"accepted"}
    assert all(d["order_type"] == "stop" and d["side"] == "sell" and d["qty"] == entry["qty"] for d in stops)
    prices = [Decimal(d["stop_price"]) for d in stops]
    assert prices == sorted(prices), f"a stop moved down: {prices}"
    assert len(set(prices)) >= 3, "the stop never trailed up"
    # The stop that fired is the last one placed, it sold the whole position at or under its stop.
    assert exit_fill["client_order_id"] == stops[-1]["client_order_id"]
    assert (exit_fill["side"], exit_fill["qty"]) == ("sell", entry["qty"])
    assert Decimal(exit_fill["price"]) <= prices[-1]
    trails = [line["clock_ns"] for line in daemon.lines if line["event"] == "stop_trailed"]
    gaps = [b - a for a, b in pairwise(trails)]
    assert min(gaps) >= DAY * 10**9
    assert min(gaps) < 2 * DAY * 10**9, "with a one-day interval the stop trails with the daily bars"

    records = journal_records(home)
    _one_stop_at_a_time(records)
    verdicts = [r.payload for r in records if r.kind is JournalKind.RISK_VERDICT and _is_risk_stop(r)]
    assert len(verdicts) == len(stops)
    assert all((v["action"], v["reasons"]) == ("approve", ["reduce_only"]) for v in verdicts)
    venue = EmbeddedGateway(journal_path=home / "gateway.journal")
    try:
        at_venue = {v.client_order_id: v for v in venue.core.orders()}
    finally:
        venue.close()
    for decision in stops:
        order = at_venue[decision["client_order_id"]]
        assert order.order_type == "stop"
        assert Decimal(order.stop_price or "0") == Decimal(decision["stop_price"])
    assert at_venue[exit_fill["client_order_id"]].status == "filled"
    assert json.loads((home / "snapshot.json").read_text())["positions"] in ({}, {"SPY": "0"})


def test_the_trail_interval_is_measured_on_the_replay_clock(tmp_path: Path, samples_dir: Path) -> None:
    home = tmp_path / "home"
    interval = 5 * DAY
    config = stops_config(tmp_path, samples_dir, atr=3, stop_trail_interval=interval)
    daemon = DaemonProcess(home, "--config", str(config), "--speed", SPEED, "--duration", "2.5")
    assert daemon.wait(timeout=30) == 0, daemon.stderr_text()
    trails = [line for line in daemon.lines if line["event"] == "stop_trailed"]
    assert len(trails) >= 3, "the stop did not trail"
    clocks = [t["clock_ns"] for t in trails]
    assert all(b - a >= interval * 10**9 for a, b in pairwise(clocks))
    # Every move of the resting stop after the first placement came from one of those trails.
    trailed = {
        (Decimal(t["stops"]["SPY"]) / Decimal("0.01")).to_integral_value(ROUND_CEILING) * Decimal("0.01")
        for t in trails
    }
    moves = [Decimal(d["stop_price"]) for d in _stop_decisions(daemon)[1:]]
    assert moves, "the stop order was never replaced"
    assert set(moves) <= trailed


def test_a_killed_daemon_restarts_with_exactly_one_stop_resting(tmp_path: Path, samples_dir: Path) -> None:
    home = tmp_path / "home"
    config = stops_config(tmp_path, samples_dir, atr=12, stop_trail_interval=DAY)
    crashed = DaemonProcess(home, "--config", str(config), "--speed", SPEED)
    crashed.wait_event("decision", where=lambda d: d["client_order_id"] == "risk-stop-SPY-2")
    crashed.wait_event("heartbeat", where=lambda h: h["positions"])  # snapshots are written every tick
    crashed.proc.kill()  # SIGKILL with the stop resting in the paper venue, which dies with the process
    crashed.wait(timeout=10)
    before = _stop_decisions(crashed)
    kept = json.loads((home / "snapshot.json").read_text())["extra"]["stops"]
    assert kept["states"]["SPY"]["direction"] == 1

    # The in-process venue lost the stop: a new venue epoch, where the position gets its stop again, once.
    restarted = DaemonProcess(home, "--config", str(config), "--speed", SPEED, "--reconcile", "adopt")
    try:
        outcome = restarted.wait_event("started")["reconciliation"]
        assert outcome == "clean" or outcome.startswith("adopted the venue's state"), outcome
        placed = restarted.wait_event("decision", where=lambda d: d["client_order_id"].startswith("risk-"))
        restarted.wait_event("heartbeat", where=lambda h: h["bars"] > 20)
        open_orders = api(home, "GET", "/status")[1]["open_orders"]
    finally:
        restarted.stop()
    assert [o["order_type"] for o in open_orders] == ["stop"], open_orders
    numbers = [int(d["client_order_id"].rpartition("-")[2]) for d in before]
    assert int(placed["client_order_id"].rpartition("-")[2]) > max(numbers), "a stop id came back"
    # Placed from the state the snapshot kept: never looser than the stop the dead daemon had.
    assert Decimal(placed["stop_price"]) >= Decimal(kept["states"]["SPY"]["stop"])
    records = journal_records(home)
    intents = [r.payload["client_order_id"] for r in records if r.kind is JournalKind.ORDER_INTENT]
    assert len(intents) == len(set(intents)), "an order intent was journaled twice"


def test_a_resumed_paper_venue_gets_the_position_its_stop_again(tmp_path: Path, samples_dir: Path) -> None:
    home = tmp_path / "home"
    config = stops_config(tmp_path, samples_dir, atr=12, stop_trail_interval=DAY)
    crashed = DaemonProcess(home, "--config", str(config), "--speed", SPEED)
    crashed.wait_event("decision", where=lambda d: d["client_order_id"] == "risk-stop-SPY-2")
    crashed.wait_event("heartbeat", where=lambda h: h["positions"])
    crashed.proc.kill()
    crashed.wait(timeout=10)
    last = int(_stop_decisions(crashed)[-1]["client_order_id"].rpartition("-")[2])

    held = DaemonProcess(home, "--config", str(config), "--speed", SPEED)  # default policy: alert, hold
    try:
        assert held.wait_event("started")["reconciliation"] == "held: gateway halted"
        code, body = api(home, "POST", "/resume", {"by": "ivy"})
        assert code == 200
        assert body["lost_orders"] == [f"risk-stop-SPY-{last}"]
        placed = held.wait_event(
            "decision", where=lambda d: d["client_order_id"].startswith("risk-") and d["status"] == "accepted"
        )
        open_orders = api(home, "GET", "/status")[1]["open_orders"]
    finally:
        held.stop()
    assert int(placed["client_order_id"].rpartition("-")[2]) > last
    assert [o["order_type"] for o in open_orders] == ["stop"], open_orders


def test_emulated_stops_never_reach_the_venue_and_exit_with_a_market_order(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = stops_config(tmp_path, samples_dir, stop_trail_interval=DAY, stop_orders="emulated")
    daemon = DaemonProcess(home, "--config", str(config), "--speed", SPEED)
    try:
        entry = daemon.wait_event("fill", where=lambda f: f["client_order_id"] == ENTRY)
        exit_fill = daemon.wait_event("fill", where=lambda f: f["client_order_id"].startswith("risk-stop-"))
    finally:
        daemon.stop()
    assert (exit_fill["side"], exit_fill["qty"]) == ("sell", entry["qty"])
    records = journal_records(home)
    held = [r.payload for r in records if r.payload.get("event") == "emulated_stop_held"]
    fired = [r.payload for r in records if r.payload.get("event") == "emulated_stop_triggered"]
    assert len(held) == len(_stop_decisions(daemon)) >= 2
    assert [f["client_order_id"] for f in fired] == [exit_fill["client_order_id"]]
    assert fired[0]["emulated"] is True
    assert fired[0]["sent"] == "market"
    assert Decimal(fired[0]["price"]) <= Decimal(fired[0]["stop_price"])
    venue = EmbeddedGateway(journal_path=home / "gateway.journal")
    try:
        kinds = {v.client_order_id: v.order_type for v in venue.core.orders()}
    finally:
        venue.close()
    assert kinds == {ENTRY: "market", exit_fill["client_order_id"]: "market"}, (
        "a stop order reached the venue"
    )


def test_the_book_moves_safe_mode_and_trips_the_one_breaker_the_controller_shows(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = stops_config(tmp_path, samples_dir, atr=12, stop_trail_interval=DAY)
    text = config.read_text().replace("max_drawdown_fraction = 0.9", "max_drawdown_fraction = 0.003")
    config.write_text(text)
    risk = tmp_path / "risk.toml"
    risk.write_text(risk.read_text() + "[safe_mode]\nmax_daily_loss_fraction = 0.001\n")
    daemon = DaemonProcess(home, "--config", str(config), "--speed", SPEED)
    try:
        tripped = daemon.wait_event("breaker_tripped")
        status = api(home, "GET", "/status")[1]
    finally:
        daemon.stop()
    assert "below the high-water mark" in tripped["detail"]
    controller = status["controller"]
    assert controller["breaker"]["tripped"] is True
    assert controller["breaker"]["trigger"] == "drawdown"
    assert controller["breaches"] == 1
    assert status["guard"]["stop_orders"] == "venue"
    assert Decimal(status["guard"]["stops"]["SPY"]) > 0  # the held position keeps its stop through a trip
    assert [o["order_type"] for o in status["open_orders"]] == ["stop"]
    records = journal_records(home)
    trips = [r for r in records if r.kind is JournalKind.BREAKER_TRIP]
    assert len(trips) == 1, "two breakers tripped apart"
    modes = [r.payload.get("event") for r in records if r.kind is JournalKind.MODE_CHANGE]
    assert "safe_mode_entered" in modes, "the day's loss never moved SAFE_MODE"
