"""SIGTERM while the remote gateway is dead: the daemon stops within 5 s, naming the orders left open.

A daemon trades through a real `trader-gateway` (simulated venue) and leaves a limit order resting; the
gateway is killed -9, then the daemon gets SIGTERM. It cannot cancel, so it journals the orders it leaves
at the venue and why, writes its final snapshot, releases the pidfile and exits with code 3 and one line.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_helpers import BARS_PER_SECOND, DaemonProcess, journal_records

from trader.execution.gateway_binary import find_gateway_binary
from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.journal import JournalKind, verify_journal
from trader.live.daemon import EXIT_ORDERS_MAY_REMAIN
from trader.live.state_dir import StateDir, running_pid

TOKEN = "live-outage-test-token-0123456789"
ORDER_ID = "resting-SPY-1"
RESTING = f"{Path(__file__).parent / 'resting_strategy.py'}:Resting"


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    config = tmp_path / "gateway.toml"
    config.write_text(sim_config(tmp_path / "gateway.journal"))
    process = GatewayProcess.start(find_gateway_binary(), config, TOKEN)
    yield process
    if process.process.poll() is None:
        process.stop()


def remote_daemon_args(
    tmp_path: Path, samples_dir: Path, target: str, strategy: str, tick: float = 0.05
) -> list[str]:
    """A paper daemon on the replayed SPY sample, trading through the gateway at `target`."""
    token_file = tmp_path / "gateway.token"
    token_file.write_text(TOKEN + "\n")
    return [
        *("--mode", "paper", "--gateway", target, "--gateway-token-file", str(token_file)),
        *("--strategy", strategy, "--replay", str(samples_dir / "SPY_1d.csv")),
        *("--speed", str(BARS_PER_SECOND * 4), "--tick-interval", str(tick)),
    ]


def test_sigterm_with_the_gateway_dead_stops_in_time_and_names_the_orders_left_open(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess
) -> None:
    home = tmp_path / "home"
    daemon = DaemonProcess(home, *remote_daemon_args(tmp_path, samples_dir, gateway.grpc_target, RESTING))
    try:
        daemon.wait_event("started")
        decision = daemon.wait_event("decision")
        assert (decision["client_order_id"], decision["status"]) == (ORDER_ID, "accepted")
        daemon.wait_event("heartbeat", where=lambda h: h["bars"] > 2)  # a few ticks with the order resting
        gateway.kill()
        daemon.proc.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
    finally:
        daemon.stop()

    assert code == EXIT_ORDERS_MAY_REMAIN, daemon.stderr_text()
    stopped = daemon.wait_event("stopped")
    assert stopped["reason"] == "SIGTERM"
    assert stopped["seconds"] < 5, "the shutdown budget is 5 s"
    assert stopped["left_open"] == [ORDER_ID]
    lines = daemon.stderr_text().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"daemon stopped, but open orders may remain at the venue: {ORDER_ID} (")
    assert f"gateway {gateway.grpc_target} unreachable" in lines[0]

    records = journal_records(home)
    end = next(r.payload for r in records if r.kind is JournalKind.RUN_END)
    assert end["left_open"] == [ORDER_ID]
    assert end["canceled"] == []
    assert end["kept_open"] is None, "nobody could count them"
    assert f"gateway {gateway.grpc_target} unreachable" in end["left_open_reason"]
    assert verify_journal(home / "journal").ok

    snapshot = json.loads((home / "snapshot.json").read_text())
    assert snapshot["final"] is True
    assert [o["client_order_id"] for o in snapshot["open_orders"]] == [ORDER_ID]
    assert running_pid(StateDir(home)) is None, "the pidfile lock is released"
    assert not (home / "api.json").exists()


def test_sigterm_with_the_gateway_up_cancels_and_exits_0(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess
) -> None:
    home = tmp_path / "home"
    daemon = DaemonProcess(home, *remote_daemon_args(tmp_path, samples_dir, gateway.grpc_target, RESTING))
    try:
        assert daemon.wait_event("decision")["client_order_id"] == ORDER_ID
        daemon.proc.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
    finally:
        daemon.stop()
    assert code == 0, daemon.stderr_text()
    assert daemon.stderr_text().strip() == ""
    assert daemon.wait_event("stopped")["left_open"] == []
    end = next(r.payload for r in journal_records(home) if r.kind is JournalKind.RUN_END)
    assert (end["canceled"], end["left_open"], end["left_open_reason"]) == ([ORDER_ID], [], None)
