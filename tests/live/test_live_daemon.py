"""A paper daemon in a subprocess: status, a second daemon refused, kill switch (CLI, file, API), SIGTERM."""

from __future__ import annotations

import json
import time
from pathlib import Path

from live_helpers import BARS_PER_SECOND, DaemonProcess, api, cli, journal_records, run_cli, wait_until

from trader.journal import JournalKind, verify_journal


def loose_config(tmp_path: Path, samples_dir: Path, **extra: object) -> Path:
    """Fast EMA crosses (many decisions) and a breaker that stays closed over the whole sample."""
    lines = [
        f'replay = ["{samples_dir / "SPY_1d.csv"}"]',
        "tick_interval = 0.05",
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
        "[params]",
        'fast = "3"',
        'slow = "8"',
        "[breaker]",
        "max_drawdown_fraction = 0.9",
        "max_consecutive_losses = 1000",
        "stale_data_seconds = 100000",
    ]
    path = tmp_path / "daemon.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_daemon_lifecycle_status_kill_switch_and_sigterm(  # noqa: PLR0915 -- one start (seconds), many checks
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    config = loose_config(tmp_path, samples_dir)
    daemon = DaemonProcess(home, "--config", str(config), "--speed", str(BARS_PER_SECOND * 40), full_cli=True)
    try:
        started = daemon.wait_event("started")
        assert started["reconciliation"] == "clean"
        assert (home / "api.token").stat().st_mode & 0o777 == 0o600

        status = cli(home, "daemon", "--status")
        assert status.exit_code == 0, status.output
        for expected in (
            "mode        paper",
            "uptime",
            "last tick",
            "equity",
            "kill switch off",
            "breaker closed",
            "positions",
        ):
            assert expected in status.output

        second = run_cli(home, "daemon", "--no-tui", "--config", str(config))
        assert second.returncode == 2
        assert "already runs there" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1

        assert api(home, "GET", "/status", token="wrong")[0] == 401

        switched = cli(home, "daemon", "--kill-switch", "on", "--by", "alice")
        assert switched.exit_code == 0, switched.output
        assert (home / "KILL_SWITCH").exists()
        refused = daemon.wait_event("decision", where=lambda d: d["status"] == "rejected")
        assert refused["client_order_id"].startswith("ema_cross-SPY-")
        assert api(home, "GET", "/status")[1]["controller"]["kill_switch"] is True

        code, body = api(home, "POST", "/kill-switch", {"on": False, "by": "bob"})
        assert (code, body) == (200, {"kill_switch": False})
        assert not (home / "KILL_SWITCH").exists()
        daemon.wait_event("decision", where=lambda d: d["status"] == "filled" or d["status"] == "accepted")

        (home / "KILL_SWITCH").write_text("ops\n")  # the file flag alone engages it
        wait_until(
            lambda: api(home, "GET", "/status")[1]["controller"]["kill_switch"], what="file kill switch"
        )

        began = time.monotonic()
        stopped_by_cli = cli(home, "daemon", "--stop")  # SIGTERM, then waits for the pidfile lock to go
        assert stopped_by_cli.exit_code == 0, stopped_by_cli.output
        assert f"daemon pid {daemon.proc.pid} stopped in" in stopped_by_cli.output
        assert time.monotonic() - began < 5
        assert daemon.wait(timeout=10) == 0
    finally:
        daemon.stop()
    stopped = daemon.wait_event("stopped")
    assert stopped["reason"] == "SIGTERM"
    snapshot = json.loads((home / "snapshot.json").read_text())
    assert snapshot["final"] is True
    assert snapshot["last_bar"]["SPY"]["ts_ns"] > 0
    assert verify_journal(home / "journal").ok
    records = journal_records(home)
    manual = [(r.actor, r.payload["action"]) for r in records if r.kind is JournalKind.MANUAL_ACTION]
    assert ("alice", "kill_switch_on") in manual
    assert ("bob", "kill_switch_off") in manual
    assert ("file", "kill_switch_on") in manual
    rejects = [r.payload for r in records if r.kind is JournalKind.GATEWAY_REJECT]
    assert any(p["reason_code"] == "KILL_SWITCH" for p in rejects)
    assert records[-1].kind is JournalKind.RUN_END
    assert records[-1].payload["reason"] == "SIGTERM"
    assert not (home / "api.json").exists()
    assert cli(home, "daemon", "--status").exit_code == 1
