"""Operator overrides on a running daemon (pause, flatten, emergency stop, promotion); live-mode refusals."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from live_helpers import BARS_PER_SECOND, DaemonProcess, api, cli, journal_records, run_cli, wait_until
from test_live_daemon import loose_config

from trader.journal import JournalKind, verify_journal
from trader.live.errors import DaemonError
from trader.live.promotion import live_preflight
from trader.live.state_dir import StateDir


def test_pause_flatten_emergency_stop_and_a_refused_promotion_are_journaled_with_who(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = loose_config(tmp_path, samples_dir)
    daemon = DaemonProcess(home, "--config", str(config), "--speed", str(BARS_PER_SECOND * 30))
    try:
        daemon.wait_event("started")
        paused = cli(home, "daemon", "--pause", "--by", "dana")
        assert paused.exit_code == 0, paused.output
        refused = daemon.wait_event("decision", where=lambda d: d["status"] == "refused")
        assert refused["reason"] == "paused by dana: operator pause"
        assert cli(home, "daemon", "--resume", "--by", "dana").exit_code == 0

        def long_now() -> bool:
            return any(p["qty"] != "0" for p in api(home, "GET", "/status")[1]["positions"])

        wait_until(long_now, what="a position to flatten")
        code, body = api(home, "POST", "/flatten", {"by": "erin", "symbol": "SPY"})
        assert code == 200
        (flatten_id,) = body["orders"]
        assert re.fullmatch(r"manual-\d+-1-flatten-SPY-1", flatten_id), flatten_id
        daemon.wait_event("fill", where=lambda f: f["client_order_id"] == body["orders"][0])

        stopped = cli(home, "daemon", "--emergency-stop", "--by", "frank")
        assert stopped.exit_code == 0, stopped.output
        status = api(home, "GET", "/status")[1]
        assert status["controller"]["breaker"]["tripped"] is True
        assert status["controller"]["breaker"]["trigger"] == "manual"
        assert status["controller"]["paused"]["by"] == "frank"
        assert status["controller"]["trading"] is False

        recovery = cli(home, "daemon", "--acknowledge", "--by", "frank")
        assert isinstance(recovery.exception, DaemonError)
        assert "may not recover the breaker" in str(recovery.exception)  # nobody is authorised by default

        promotion = cli(home, "daemon", "--approve-promotion", "--by", "gina")
        assert isinstance(promotion.exception, DaemonError)
        assert "promotion from paper refused" in str(promotion.exception)
        assert "trades" in str(promotion.exception)  # the gate failures, each named
        daemon.proc.send_signal(signal.SIGINT)  # Ctrl-C is a graceful stop too
        assert daemon.wait(timeout=10) == 0
        assert daemon.wait_event("stopped")["reason"] == "SIGINT"
        missing_who = cli(home, "daemon", "--pause")
        assert isinstance(missing_who.exception, DaemonError)
        assert "--by NAME" in str(missing_who.exception)
    finally:
        daemon.stop()
    _check_journal(home, refused, flatten_id)


def _check_journal(home: Path, refused: dict[str, str], flatten_id: str) -> None:
    """Every override is journaled with who did it; a refused decision is an intent plus a reject verdict."""
    actions = [
        (r.actor, r.payload["action"]) for r in journal_records(home) if r.kind is JournalKind.MANUAL_ACTION
    ]
    for expected in [("dana", "pause"), ("dana", "resume"), ("erin", "flatten"), ("frank", "emergency_stop")]:
        assert expected in actions
    verdicts = {
        r.payload["client_order_id"]: r.payload
        for r in journal_records(home)
        if r.kind is JournalKind.RISK_VERDICT
    }
    held = verdicts[refused["client_order_id"]]
    assert (held["action"], held["reasons"], held["message"]) == (
        "reject",
        ["CONTROLLER_HOLD"],
        refused["reason"],
    )
    intents = {
        r.payload["client_order_id"]: r for r in journal_records(home) if r.kind is JournalKind.ORDER_INTENT
    }
    assert refused["client_order_id"] in intents, "a refused decision is journaled as intent + verdict"
    flatten = intents[flatten_id]
    assert (flatten.actor, flatten.payload["strategy"], flatten.payload["side"]) == (
        "erin",
        "controller",
        "sell",
    )
    assert flatten.payload["reason"] == "flatten by erin"
    records = [r for r in journal_records(home) if r.payload.get("client_order_id") == flatten_id]
    assert [(r.kind, r.actor) for r in records] == [
        (JournalKind.ORDER_INTENT, "erin"),
        (JournalKind.GATEWAY_ACK, "erin"),
        (JournalKind.FILL, None),
    ]
    assert verify_journal(home / "journal").ok
    trips = [r for r in journal_records(home) if r.kind is JournalKind.BREAKER_TRIP]
    assert trips
    assert trips[0].actor == "frank"
    progression = json.loads((home / "progression.json").read_text())
    assert progression["step"] is None, "a refused promotion left the phase alone"


def test_live_mode_refuses_without_keys_confirmation_or_a_live_phase(tmp_path: Path) -> None:
    refused = run_cli(
        tmp_path / "home", "daemon", "--mode", "live", env={"APCA_API_KEY_ID": "", "APCA_API_SECRET_KEY": ""}
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: --mode live refused: Alpaca keys not configured (set APCA_API_KEY_ID and APCA_API_SECRET_KEY)"
    ]
    state = StateDir(tmp_path / "home")
    keys = {"APCA_API_KEY_ID": "key", "APCA_API_SECRET_KEY": "secret"}
    with pytest.raises(DaemonError, match="explicit --confirm-live"):
        live_preflight(state, confirmed=False, env=keys)
    with pytest.raises(DaemonError, match="progression phase is paper"):
        live_preflight(state, confirmed=True, env=keys)
