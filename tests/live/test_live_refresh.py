"""The data-refresh scheduler picks up appended bars; the health monitor trips the breaker on stale data."""

from __future__ import annotations

from pathlib import Path

from live_helpers import BARS_PER_SECOND, DaemonProcess, api, journal_records, wait_until

from trader.journal import JournalKind


def test_appended_bars_are_traded_and_silence_trips_the_breaker(tmp_path: Path, samples_dir: Path) -> None:
    lines = (samples_dir / "SPY_1d.csv").read_text().splitlines(keepends=True)
    replay = tmp_path / "SPY_1d.csv"
    replay.write_text("".join(lines[:201]))  # header + 200 bars
    config = tmp_path / "daemon.toml"
    config.write_text("stop_at_replay_end = false\n[breaker]\nstale_data_seconds = 3\n")
    home = tmp_path / "home"
    daemon = DaemonProcess(
        home,
        "--config",
        str(config),
        "--replay",
        str(replay),
        "--speed",
        str(BARS_PER_SECOND * 400),
        "--tick-interval",
        "0.05",
        "--data-refresh",
        "0.5",
    )
    try:
        daemon.wait_event("started")
        wait_until(lambda: api(home, "GET", "/status")[1]["bars_processed"] == 200, what="the first 200 bars")
        with replay.open("a") as handle:
            handle.write("".join(lines[201:251]))
        assert daemon.wait_event("data_refresh")["added"] == 50
        wait_until(lambda: api(home, "GET", "/status")[1]["bars_processed"] == 250, what="the appended bars")
        tripped = daemon.wait_event("breaker_tripped", timeout=20)
        assert "newest market data is" in tripped["detail"]
        status = api(home, "GET", "/status")[1]
        assert status["controller"]["breaker"]["trigger"] == "stale_data"
        assert status["health"]["data_age_s"] > 0
    finally:
        daemon.stop()
    trips = [r.payload for r in journal_records(home) if r.kind is JournalKind.BREAKER_TRIP]
    assert trips[0]["trigger"]["kind"] == "stale_data"
    changes = [r.payload for r in journal_records(home) if r.kind is JournalKind.MODE_CHANGE]
    assert changes, "the breach reached the progression (a demotion restarts the paper window)"
