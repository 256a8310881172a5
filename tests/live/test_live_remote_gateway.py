"""The daemon trading through the real `trader-gateway` (kind = alpaca) against our fake Alpaca server.

A decision -> an order at the fake -> its fill -> the position in `trader daemon --status`; and a daemon
killed with SIGKILL after it sent an order restarts onto the venue's books, the fake having received it once.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from live_helpers import BARS_PER_SECOND, DaemonProcess, api, journal_records, run_cli

from trader.alpaca.fake import FakeAlpacaServer
from trader.execution.gateway_process import GatewayProcess
from trader.execution.grpc_client import GatewayClient
from trader.journal import JournalKind
from trader.live.errors import DaemonError
from trader.live.promotion import live_preflight
from trader.live.state_dir import StateDir

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "live-remote-test-token-0123456789"
ORDER_ID = "buy_once-SPY-1"

BUY_ONCE = '''"""Buys one share of the first symbol on its first bar, then only watches."""

from trader.strategies.bar import Bar
from trader.strategies.base import Strategy


class BuyOnce(Strategy):
    """One market buy on the first bar."""

    name = "buy_once"

    def on_start(self) -> None:
        self.placed = False

    def on_bar(self, bar: Bar) -> None:
        if not self.placed:
            self.placed = True
            self.submit("buy", 1, reason="first bar")
'''


@pytest.fixture(scope="module")
def binary() -> Path:
    """The debug build of the gateway (a no-op when it is current)."""
    subprocess.run(["cargo", "build", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True)
    return REPO_ROOT / "target" / "debug" / "trader-gateway"


@pytest.fixture
def fake(samples_dir: Path) -> Iterator[FakeAlpacaServer]:
    with FakeAlpacaServer(samples_dir) as server:
        server.set_price("SPY", "312.5")  # market orders fill at once at the fake's known price
        yield server


@pytest.fixture
def gateway(tmp_path: Path, binary: Path, fake: FakeAlpacaServer) -> Iterator[GatewayProcess]:
    config = fake.write_gateway_config(tmp_path)
    process = GatewayProcess.start(binary, config, TOKEN)
    yield process
    if process.process.poll() is None:
        process.stop()


def _args(tmp_path: Path, samples_dir: Path, gateway: GatewayProcess, *extra: str) -> list[str]:
    token_file = tmp_path / "gateway.token"
    token_file.write_text(TOKEN + "\n")
    strategy = tmp_path / "buy_once.py"
    strategy.write_text(BUY_ONCE)
    return [
        "--mode",
        "paper",
        "--gateway",
        gateway.grpc_target,
        "--gateway-token-file",
        str(token_file),
        "--strategy",
        f"{strategy}:BuyOnce",
        "--replay",
        str(samples_dir / "SPY_1d.csv"),
        "--speed",
        str(BARS_PER_SECOND * 4),
        "--tick-interval",
        "0.05",
        *extra,
    ]


def _status_positions(home: Path) -> str:
    status = run_cli(home, "daemon", "--status")
    assert status.returncode == 0, status.stderr
    return next(line for line in status.stdout.splitlines() if line.startswith("positions"))


def test_a_decision_becomes_an_order_at_alpaca_whose_fill_shows_in_status(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess, fake: FakeAlpacaServer
) -> None:
    home = tmp_path / "home"
    daemon = DaemonProcess(home, *_args(tmp_path, samples_dir, gateway))
    try:
        assert daemon.wait_event("started")["reconciliation"] == "clean"
        decision = daemon.wait_event("decision")
        assert (decision["client_order_id"], decision["status"]) == (ORDER_ID, "accepted")
        fill = daemon.wait_event("fill")
        assert (fill["client_order_id"], fill["qty"], fill["price"]) == (ORDER_ID, "1", "312.5")
        at_alpaca = fake.broker.order_by_client_id(ORDER_ID)
        assert (at_alpaca.symbol, at_alpaca.side, at_alpaca.status) == ("SPY", "buy", "filled")
        assert _status_positions(home).startswith("positions   SPY 1 @ 312.5")
        assert api(home, "POST", "/kill-switch", {"by": "ida", "on": True})[0] == 200
        with GatewayClient(gateway.grpc_target, TOKEN) as client:
            assert client.health().kill_switch, "the daemon's kill switch did not reach the gateway"
    finally:
        daemon.stop()
    fills = [r.payload for r in journal_records(home) if r.kind is JournalKind.FILL]
    assert [(f["client_order_id"], f["qty"], f["price"]) for f in fills] == [(ORDER_ID, "1", "312.5")]


def test_a_killed_daemon_restarts_reconciled_and_alpaca_got_the_order_once(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess, fake: FakeAlpacaServer
) -> None:
    home = tmp_path / "home"
    args = _args(tmp_path, samples_dir, gateway, "--reconcile", "adopt")
    crashed = DaemonProcess(home, *args)
    assert crashed.wait_event("decision")["client_order_id"] == ORDER_ID
    crashed.proc.kill()  # SIGKILL right after the submit: no shutdown path, maybe no snapshot
    crashed.wait(timeout=10)

    restarted = DaemonProcess(home, *args)
    try:
        outcome = restarted.wait_event("started")["reconciliation"]
        assert outcome == "clean" or outcome.startswith("adopted the venue's state"), outcome
        restarted.wait_event("heartbeat", where=lambda h: h["bars"] > 5)
        assert _status_positions(home).startswith("positions   SPY 1 @ 312.5")
    finally:
        restarted.stop()
    assert fake.broker.submit_attempts == {ORDER_ID: 1}, "Alpaca saw the order more than once"
    assert fake.broker.positions["SPY"].qty == Decimal(1)


def _micro_live(home: Path) -> None:
    """A state directory whose progression is at the first real-money step (as an approval leaves it)."""
    home.mkdir(parents=True)
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    (home / "progression.json").write_text(
        json.dumps({"version": 1, "step": 0, "capital": "1000", "since": since, "history": []})
    )


def test_live_mode_needs_the_gateway_and_alpacas_bars(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _micro_live(home)
    keys = {"APCA_API_KEY_ID": "key", "APCA_API_SECRET_KEY": "secret"}
    with pytest.raises(DaemonError, match="pass --gateway HOST:PORT and --gateway-token-file"):
        live_preflight(StateDir(home), confirmed=True, env=keys)
    with pytest.raises(DaemonError, match="--feed replay replays files"):
        live_preflight(StateDir(home), confirmed=True, gateway="127.0.0.1:1", feed="replay", env=keys)
    live_preflight(StateDir(home), confirmed=True, gateway="127.0.0.1:1", feed="alpaca", env=keys)
    missing = run_cli(home, "daemon", "--mode", "paper", "--gateway", "127.0.0.1:1")
    assert missing.returncode == 2
    assert "--gateway 127.0.0.1:1: give its bearer token with --gateway-token-file FILE" in missing.stderr


def test_live_mode_trades_alpacas_streamed_bars_through_the_gateway(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess, fake: FakeAlpacaServer
) -> None:
    home = tmp_path / "home"
    _micro_live(home)
    token_file = tmp_path / "gateway.token"
    token_file.write_text(TOKEN + "\n")
    strategy = tmp_path / "buy_once.py"
    strategy.write_text(BUY_ONCE)
    config = tmp_path / "daemon.toml"
    config.write_text("[breaker]\nstale_data_seconds = 1000000000\n")  # the published bars are from 2024
    env = fake.client_env()
    daemon = DaemonProcess(
        home,
        *("--mode", "live", "--confirm-live", "--config", str(config)),
        *("--gateway", gateway.grpc_target, "--gateway-token-file", str(token_file)),
        *("--feed", "alpaca", "--symbol", "AAPL", "--tick-interval", "0.05"),
        *("--strategy", f"{strategy}:BuyOnce"),
        env=env,
    )
    try:
        daemon.wait_event("started")
        t0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
        minute = 0
        deadline = time.monotonic() + 20
        while api(home, "GET", "/status")[1]["bars_processed"] == 0:  # until the subscription is live
            assert time.monotonic() < deadline, "no streamed bar reached the daemon"
            stamp = (t0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
            bar = {"t": stamp, "o": 187.0, "h": 187.5, "l": 186.5, "c": 187.0, "v": 1000.0}
            fake.broker.publish_bar("AAPL", bar)
            minute += 1
            time.sleep(0.2)
        assert daemon.wait_event("decision")["client_order_id"] == "buy_once-AAPL-1"
        fill = daemon.wait_event("fill")
        assert (fill["client_order_id"], fill["price"]) == (
            "buy_once-AAPL-1",
            "187",
        )  # a published bar moves the fake's market
        status = api(home, "GET", "/status")[1]
        assert (status["mode"], status["phase"]) == ("live", "LIVE")
        assert [(p["symbol"], p["qty"]) for p in status["positions"]] == [("AAPL", "1")]
    finally:
        daemon.stop()
    assert fake.broker.order_by_client_id("buy_once-AAPL-1").status == "filled"
