"""What the daemon prints: JSON lines with --no-tui, the rich dashboard otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from live_helpers import BARS_PER_SECOND, DaemonProcess
from rich.console import Console

from trader.live.dashboard import render


def test_no_tui_prints_one_json_object_per_line_with_a_heartbeat_each_second(
    tmp_path: Path, samples_dir: Path
) -> None:
    daemon = DaemonProcess(
        tmp_path / "home",
        "--replay",
        str(samples_dir / "SPY_1d.csv"),
        "--speed",
        str(BARS_PER_SECOND * 30),
        "--tick-interval",
        "0.1",
        "--duration",
        "2.2",
    )
    assert daemon.wait(timeout=30) == 0
    events = [line["event"] for line in daemon.lines]  # the reader already refused any non-JSON line
    assert events[0] == "started"
    assert events[-1] == "stopped"
    beats = [line for line in daemon.lines if line["event"] == "heartbeat"]
    assert len(beats) >= 2
    assert {"mode", "equity", "pnl", "positions", "kill_switch", "breaker", "lag_ms"} <= set(beats[0])
    assert all("ts" in line for line in daemon.lines)


def test_the_dashboard_shows_heartbeat_positions_signals_risk_and_decisions(
    tmp_path: Path, samples_dir: Path
) -> None:
    env = {**os.environ, "TRADER_HOME": str(tmp_path / "home"), "COLUMNS": "160"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "trader.live",
            "--replay",
            str(samples_dir / "SPY_1d.csv"),
            "--speed",
            str(BARS_PER_SECOND * 200),
            "--tick-interval",
            "0.1",
            "--duration",
            "1.5",
            "--param",
            "fast=3",
            "--param",
            "slow=8",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for panel in (
        "♥",
        "paper/PAPER",
        "Positions",
        "Risk",
        "drawdown",
        "Latest decisions",
        "Events",
        "EMA3 crossed",
    ):
        assert panel in done.stdout, panel
    status_path = tmp_path / "home" / "snapshot.json"
    assert json.loads(status_path.read_text())["final"] is True


def test_render_marks_a_halted_daemon_in_red() -> None:
    status = {
        "mode": "paper",
        "phase": "PAPER",
        "strategy": "ema_cross",
        "uptime_s": 3.0,
        "market_time": "2001-01-01",
        "bars_processed": 10,
        "equity": "100",
        "pnl": "0",
        "positions": [],
        "signals": {"SPY": "buy (filled)"},
        "risk": {"drawdown": "0.0100", "gross_exposure": "0", "round_trips": 0},
        "health": {"loop_lag_ms_p50": 0.1, "data_age_s": 1.0, "gateway": "ok"},
        "reconciliation": {"outcome": "clean"},
        "decisions": [],
        "controller": {
            "trading": False,
            "kill_switch": True,
            "breaker": {"tripped": True, "trigger": "drawdown", "detail": "x"},
        },
    }
    console = Console(record=True, width=160)
    console.print(render(status, ["12:00:00 started"]))
    text = console.export_text()
    assert "HALTED" in text
    assert "KILL SWITCH ON" in text
    assert "BREAKER drawdown" in text
    assert "SPY" in text


def test_a_strategy_reading_higher_timeframes_runs_in_the_daemon(tmp_path: Path, samples_dir: Path) -> None:
    strategy = f"{Path(__file__).parent / 'hourly_probe.py'}:HourlyProbe"
    daemon = DaemonProcess(
        tmp_path / "home",
        "--replay",
        str(samples_dir / "SPY_1m.csv"),
        "--speed",
        "1e9",
        "--tick-interval",
        "0.05",
        "--strategy",
        strategy,
    )
    assert daemon.wait(timeout=60) == 0, daemon.stderr_text()
    assert daemon.wait_event("stopped")["reason"] == "replay finished"
    bought = daemon.wait_event("decision")
    assert bought["reason"].endswith("hourly bars closed")
    assert bought["status"] in {"accepted", "filled"}
