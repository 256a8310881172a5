"""Risk's stop rests at Alpaca (via the real trader-gateway): it outlives a killed daemon, which adopts it.

A daemon trading through the gateway buys, risk's stop goes to the fake Alpaca server as a `type=stop` order;
the daemon is killed with SIGKILL; the restarted daemon takes that very order over as the position's stop:
Alpaca holds exactly one working stop for the position, and no client order id was ever sent twice.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_helpers import BARS_PER_SECOND, DaemonProcess

from trader.alpaca.fake import FakeAlpacaServer
from trader.alpaca.fake.state import OPEN_STATUSES
from trader.execution.gateway_process import GatewayProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "live-stops-test-token-0123456789"
HOLD = f"{Path(__file__).parent / 'hold_strategy.py'}:HoldLong"


@pytest.fixture(scope="module")
def binary() -> Path:
    """The debug build of the gateway (a no-op when it is current)."""
    subprocess.run(["cargo", "build", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True)
    return REPO_ROOT / "target" / "debug" / "trader-gateway"


@pytest.fixture
def fake(samples_dir: Path) -> Iterator[FakeAlpacaServer]:
    with FakeAlpacaServer(samples_dir) as server:
        server.set_price("SPY", "312.5")  # market orders fill at once; the stops far under it rest
        yield server


@pytest.fixture
def gateway(tmp_path: Path, binary: Path, fake: FakeAlpacaServer) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(binary, fake.write_gateway_config(tmp_path), TOKEN)
    yield process
    if process.process.poll() is None:
        process.stop()


NEVER = 100 * 365 * 86400  # seconds of market time: longer than the replay


def _args(tmp_path: Path, samples_dir: Path, gateway: GatewayProcess) -> list[str]:
    token_file = tmp_path / "gateway.token"
    token_file.write_text(TOKEN + "\n")
    risk = tmp_path / "risk.toml"
    risk.write_text("[stops]\natr_multiple = 2\ntrail_atr_multiple = 2\n")
    config = tmp_path / "daemon.toml"
    # The stop never trails here: a trail is a cancel then a new stop, and a kill between the two would find
    # none resting (adoption, not trailing, is what this test is about; trailing has tests of its own).
    config.write_text(
        f'risk = "{risk}"\nstop_trail_interval = {NEVER}\n'
        "[breaker]\nmax_drawdown_fraction = 0.9\nmax_consecutive_losses = 1000\nstale_data_seconds = 100000\n"
    )
    return [
        *("--config", str(config), "--gateway", gateway.grpc_target),
        *("--gateway-token-file", str(token_file), "--strategy", HOLD),
        *("--replay", str(samples_dir / "SPY_1d.csv"), "--speed", str(BARS_PER_SECOND * 40)),
        *("--tick-interval", "0.05", "--reconcile", "adopt"),
    ]


def _working_stops(fake: FakeAlpacaServer) -> list[str]:
    return sorted(
        o.client_order_id
        for o in fake.broker.orders.values()
        if o.client_order_id.startswith("risk-stop-") and o.status in OPEN_STATUSES
    )


def test_a_killed_daemon_adopts_the_stop_resting_at_alpaca(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess, fake: FakeAlpacaServer
) -> None:
    home = tmp_path / "home"
    args = _args(tmp_path, samples_dir, gateway)
    crashed = DaemonProcess(home, *args)
    entry = crashed.wait_event("fill", where=lambda f: f["client_order_id"] == "hold_long-SPY-1")
    crashed.wait_event("decision", where=lambda d: d["client_order_id"].startswith("risk-stop-SPY-"))
    crashed.wait_event("heartbeat", where=lambda h: h["positions"])
    crashed.proc.kill()  # SIGKILL: the stop stays at Alpaca, nobody cancels it
    crashed.wait(timeout=10)
    resting = _working_stops(fake)
    assert len(resting) == 1, resting
    at_alpaca = fake.broker.order_by_client_id(resting[0])
    assert (at_alpaca.type, at_alpaca.side, at_alpaca.qty) == ("stop", "sell", Decimal(entry["qty"]))

    restarted = DaemonProcess(home, *args)
    try:
        outcome = restarted.wait_event("started")["reconciliation"]
        assert outcome == "clean" or outcome.startswith("adopted the venue's state"), outcome
        assert restarted.wait_event("stops_adopted")["adopted"] == resting
        restarted.wait_event("heartbeat", where=lambda h: h["bars"] > 10)
        assert len(_working_stops(fake)) == 1, "a second stop rests beside the adopted one"
    finally:
        restarted.stop()
    assert set(fake.broker.submit_attempts.values()) == {1}, "an order id reached Alpaca twice"
    assert fake.broker.positions["SPY"].qty == Decimal(entry["qty"])
