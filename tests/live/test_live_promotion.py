"""Promotion end to end: a real paper record passes the gates, a named person approves, live is then allowed.

The paper record is made by a real paper daemon: the bundled SPY prices of a stretch of 768 sessions are
replayed as 15-minute bars stamped over the last 8 days (an accelerated clock across the whole 7-day gate
window), traded by the built-in ema_cross on the embedded SimVenue. The state directory began its paper
phase 9 days ago. The gates are then judged by the running daemon on its own trades and equity curve.
"""

from __future__ import annotations

import csv
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from live_helpers import DaemonProcess, api, cli, journal_records, run_cli

from trader.journal import JournalKind, verify_journal

BAR = timedelta(minutes=15)
BARS = 768  # 8 days of 15-minute bars
FIRST_SESSION = (
    3440  # where in SPY_1d.csv the replayed stretch begins (an uptrend that ema_cross trades well)
)
KEYS = {"APCA_API_KEY_ID": "key-id", "APCA_API_SECRET_KEY": "secret"}
NO_KEYS = {"APCA_API_KEY_ID": "", "APCA_API_SECRET_KEY": ""}


def _recent_bars(samples_dir: Path, folder: Path, end: datetime) -> Path:
    """The bundled daily prices of BARS sessions, restamped as the 15-minute bars that end at `end`."""
    with (samples_dir / "SPY_1d.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[FIRST_SESSION : FIRST_SESSION + BARS]
    assert len(rows) == BARS
    path = folder / "SPY_15m.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("timestamp,open,high,low,close,volume\n")
        for index, row in enumerate(rows):
            stamp = (end - BAR * (BARS - index)).isoformat().replace("+00:00", "Z")
            out.write(f"{stamp},{row['open']},{row['high']},{row['low']},{row['close']},{row['volume']}\n")
    return path


def _paper_since(home: Path, since: datetime) -> None:
    """A state directory whose paper phase began at `since` (what `TradingProgression.open` writes)."""
    home.mkdir(parents=True)
    state = {"version": 1, "step": None, "capital": "100000", "since": since.isoformat(), "history": []}
    (home / "progression.json").write_text(json.dumps(state))


def _config(tmp_path: Path, bars: Path) -> Path:
    path = tmp_path / "daemon.toml"
    path.write_text(
        f'replay = ["{bars}"]\nspeed = {BAR.total_seconds() * 200}\ntick_interval = 0.05\n'
        "stop_at_replay_end = false\n"
        '[params]\nfast = "2"\nslow = "4"\n'
        # The replay ends while the daemon waits for the approval: its data then ages, which is no breach.
        "[breaker]\nstale_data_seconds = 100000\nmax_consecutive_losses = 1000\n"
    )
    return path


def test_a_real_paper_record_is_promoted_by_a_named_approver_and_then_allows_live(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    _paper_since(home, end - timedelta(days=9))
    config = _config(tmp_path, _recent_bars(samples_dir, tmp_path, end))
    live = ("daemon", "--mode", "live", "--confirm-live", "--no-tui")
    before = run_cli(home, *live, env=KEYS)
    assert before.returncode == 2
    assert "--mode live refused: progression phase is paper" in before.stderr

    daemon = DaemonProcess(home, "--config", str(config))
    try:
        daemon.wait_event("started")
        daemon.wait_event("heartbeat", where=lambda h: h["bars"] == BARS, timeout=60)
        status = api(home, "GET", "/status")[1]
        assert status["risk"]["round_trips"] >= 30, "the record has the trades the gates ask for"
        assert status["controller"]["breaches"] == 0

        missing_who = cli(home, "daemon", "--approve-promotion")
        assert "--by NAME" in str(missing_who.exception)
        approved = cli(home, "daemon", "--approve-promotion", "--by", "alice")
        assert approved.exit_code == 0, approved.output
        result = json.loads(approved.output.removeprefix("promote: "))
        assert result == {"from": "paper", "to": "micro_live", "capital_limit": "1000"}
        assert api(home, "GET", "/status")[1]["phase"] == "LIVE"
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
    finally:
        daemon.stop()

    progression = json.loads((home / "progression.json").read_text())
    assert (progression["step"], progression["capital"]) == (0, "1000")
    last = progression["history"][-1]
    assert (last["kind"], last["from_phase"], last["to_phase"], last["by"]) == (
        "promoted",
        "paper",
        "micro_live",
        "alice",
    )
    promoted = [
        r
        for r in journal_records(home)
        if r.kind is JournalKind.MODE_CHANGE and r.payload.get("event") == "progression_promoted"
    ]
    assert [(r.actor, r.payload["to_phase"]) for r in promoted] == [("alice", "micro_live")]
    assert verify_journal(home / "journal").ok

    without_keys = run_cli(home, *live, env=NO_KEYS)
    assert without_keys.returncode == 2
    assert "--mode live refused: Alpaca keys not configured" in without_keys.stderr
    allowed = run_cli(home, *live, env=KEYS)  # the phase passes; the next check wants the live gateway
    assert allowed.returncode == 2
    assert "--mode live refused: phase micro_live allows it, but live orders go through" in allowed.stderr
