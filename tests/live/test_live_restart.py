"""Restart and reconciliation: resume after the last bar, same order sequence, discrepancies held/adopted."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from live_helpers import BARS_PER_SECOND, DaemonProcess, api, journal_records
from test_live_daemon import loose_config

from trader.execution.embedded import EmbeddedGateway
from trader.journal import JournalKind
from trader.live.epochs import archived_orders
from trader.live.reconcile import venue_state
from trader.live.state_dir import StateDir

FAST = str(BARS_PER_SECOND * 60)


def _run(home: Path, config: Path, *args: str) -> DaemonProcess:
    daemon = DaemonProcess(home, "--config", str(config), "--speed", FAST, *args)
    assert daemon.wait(timeout=30) == 0, daemon.stderr_text()
    return daemon


def test_restart_resumes_after_the_last_bar_and_continues_the_order_sequence(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = loose_config(tmp_path, samples_dir)
    _run(home, config, "--duration", "0.8")
    first = json.loads((home / "snapshot.json").read_text())
    assert first["final"]
    assert first["order_seq"] > 0
    last_ns = first["last_bar"]["SPY"]["ts_ns"]

    again = _run(home, config, "--duration", "0.8")
    assert again.wait_event("started")["reconciliation"] == "clean"
    decisions = [line for line in again.lines if line["event"] == "decision"]
    assert decisions, "the second run decided nothing"
    assert min(d["bar"] for d in decisions) > first["last_bar"]["SPY"]["ts"]
    assert decisions[0]["client_order_id"] == f"ema_cross-SPY-{first['order_seq'] + 1}"
    second = json.loads((home / "snapshot.json").read_text())
    assert second["last_bar"]["SPY"]["ts_ns"] > last_ns

    intents = Counter(
        r.payload["client_order_id"] for r in journal_records(home) if r.kind is JournalKind.ORDER_INTENT
    )
    assert intents
    assert max(intents.values()) == 1, "an order intent was taken twice"
    starts = [r.payload for r in journal_records(home) if r.kind is JournalKind.RUN_START]
    assert [s["reconciliation"]["from_snapshot"] for s in starts] == [False, True]


def test_a_snapshot_that_disagrees_with_the_venue_holds_trading_until_a_person_resumes(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = loose_config(tmp_path, samples_dir)
    _run(home, config, "--duration", "0.5")
    snapshot = json.loads((home / "snapshot.json").read_text())
    snapshot["positions"]["SPY"] = "999"
    (home / "snapshot.json").write_text(json.dumps(snapshot))

    daemon = DaemonProcess(home, "--config", str(config), "--speed", str(BARS_PER_SECOND * 20))
    try:
        assert daemon.wait_event("started")["reconciliation"].startswith("held: alert")
        found = daemon.wait_event("discrepancy")
        assert (found["kind"], found["subject"], found["local"]) == ("position", "SPY", "999")
        status = api(home, "GET", "/status")[1]
        assert status["controller"]["trading"] is False
        assert "position SPY: local 999" in status["controller"]["unreconciled"]
        held = daemon.wait_event("decision")
        assert held["status"] == "refused"
        assert held["reason"].startswith("not reconciled")
        code, body = api(home, "POST", "/resume", {"by": "carol"})
        assert code == 200
        assert "reconciliation hold" in body["lifted"][0]
        daemon.wait_event("decision", where=lambda d: d["status"] != "refused")
    finally:
        daemon.stop()
    resumed = [r for r in journal_records(home) if r.kind is JournalKind.MANUAL_ACTION]
    assert [(r.actor, r.payload["action"]) for r in resumed] == [("carol", "resume")]


def test_open_orders_at_shutdown_are_cancelled_or_kept_per_policy(tmp_path: Path, samples_dir: Path) -> None:
    strategy = f"{Path(__file__).parent / 'resting_strategy.py'}:Resting"
    args = (
        "--replay",
        str(samples_dir / "SPY_1d.csv"),
        "--speed",
        FAST,
        "--tick-interval",
        "0.05",
        "--strategy",
        strategy,
        "--duration",
        "0.3",
    )
    cancel_home = tmp_path / "cancel"
    DaemonProcess(cancel_home, *args).wait(timeout=30)
    end = [r for r in journal_records(cancel_home) if r.kind is JournalKind.RUN_END][-1]
    assert end.payload["canceled"] == ["resting-SPY-1"]
    assert end.payload["kept_open"] == 0
    assert json.loads((cancel_home / "snapshot.json").read_text())["open_orders"] == []

    keep_home = tmp_path / "keep"
    DaemonProcess(keep_home, *args, "--on-shutdown", "keep").wait(timeout=30)
    kept = json.loads((keep_home / "snapshot.json").read_text())["open_orders"]
    assert [o["client_order_id"] for o in kept] == ["resting-SPY-1"]
    # The simulated venue lived in the stopped process, so the kept order is gone: the gateway halts and,
    # under the default `alert` policy, trading waits for a person, whose resume opens a new venue epoch.
    restart = DaemonProcess(keep_home, *args[:-2])
    try:
        assert restart.wait_event("started")["reconciliation"] == "held: gateway halted"
        assert restart.wait_event("discrepancy")["kind"] == "halt"
        code, body = api(keep_home, "POST", "/resume", {"by": "hana"})
        assert code == 200
        assert body["lost_orders"] == ["resting-SPY-1"]
        assert api(keep_home, "GET", "/status")[1]["controller"]["trading"] is True
    finally:
        restart.stop()
    assert (keep_home / "gateway-epoch-0001.journal").exists()
    actions = [
        (r.actor, r.payload["action"])
        for r in journal_records(keep_home)
        if r.kind is JournalKind.MANUAL_ACTION
    ]
    assert actions == [("hana", "new_venue_epoch"), ("hana", "resume")]


def test_a_killed_daemon_restarts_onto_exactly_the_venues_books(tmp_path: Path, samples_dir: Path) -> None:
    home = tmp_path / "home"
    config = loose_config(tmp_path, samples_dir)
    crashed = DaemonProcess(home, "--config", str(config), "--speed", str(BARS_PER_SECOND * 200))
    crashed.wait_event("started")
    crashed.wait_event("heartbeat", where=lambda h: h["bars"] > 100)  # snapshots are written every tick
    crashed.proc.kill()  # SIGKILL: no shutdown path at all
    crashed.wait(timeout=10)
    assert json.loads((home / "snapshot.json").read_text())["final"] is False

    restarted = _run(home, config, "--duration", "0.5", "--reconcile", "adopt")
    # A market order the dead process had sent is lost with its in-process venue: a new venue epoch.
    outcome = restarted.wait_event("started")["reconciliation"]
    assert outcome == "clean" or outcome.startswith("adopted the venue's state")
    snapshot = json.loads((home / "snapshot.json").read_text())
    gateway = EmbeddedGateway(journal_path=home / "gateway.journal")
    try:
        venue = venue_state(gateway, archived_orders(StateDir(home)))
        assert {s: Decimal(q) for s, q in snapshot["positions"].items()} == venue.positions
        assert Decimal(snapshot["cash"]) == venue.ledger(Decimal(snapshot["starting_cash"])).cash
        assert venue.halted is None
    finally:
        gateway.close()
