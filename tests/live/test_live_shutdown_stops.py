"""A graceful stop cancels the open orders but leaves risk's protective stop resting at the venue."""

from __future__ import annotations

from pathlib import Path

from live_helpers import DaemonProcess, journal_records
from test_live_stops import DAY, SPEED, stops_config

from trader.execution.embedded import EmbeddedGateway
from trader.journal import JournalKind


def test_sigterm_keeps_the_protective_stop_and_says_so(tmp_path: Path, samples_dir: Path) -> None:
    home = tmp_path / "home"
    config = stops_config(tmp_path, samples_dir, atr=12, stop_trail_interval=DAY)
    daemon = DaemonProcess(home, "--config", str(config), "--speed", SPEED)
    daemon.wait_event("decision", where=lambda d: d["client_order_id"] == "risk-stop-SPY-2")
    daemon.wait_event("heartbeat", where=lambda h: h["positions"])
    daemon.proc.terminate()
    assert daemon.wait(timeout=10) == 0, daemon.stderr_text()
    (end,) = [r.payload for r in journal_records(home) if r.kind is JournalKind.RUN_END]
    (resting,) = end["protective_stops"]
    assert resting.startswith("risk-stop-SPY-")
    assert resting not in end["canceled"]
    assert end["kept_open"] == 0, "nothing but the protective stop stayed open"
    assert end["left_open"] == []
    venue = EmbeddedGateway(journal_path=home / "gateway.journal")
    try:
        statuses = {v.client_order_id: v.status for v in venue.core.orders()}
    finally:
        venue.close()
    assert statuses[resting] not in {"canceled", "filled"}, statuses
