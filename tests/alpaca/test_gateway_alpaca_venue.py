"""The real `trader-gateway` with `kind = "alpaca"` against our fake Alpaca, driven by the Python gRPC client.

Submit -> fill -> position, a dropped ack, 5xx/429 retries, kill -9 and restart: never a second order. Every
test runs twice: with events pushed by the trade_updates stream (full polls a minute apart, so only the stream
can deliver them in time) and with the stream off (polled every 50 ms).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from trader.alpaca.fake import FakeAlpacaServer
from trader.execution.gateway_process import GatewayProcess
from trader.execution.grpc_client import GatewayClient, OrderIntent, RemoteOrder

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "alpaca-test-token-0123456789"


@pytest.fixture(scope="module")
def binary() -> Path:
    """The debug build of the gateway (a no-op when `make setup` already built it)."""
    subprocess.run(["cargo", "build", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True)
    return REPO_ROOT / "target" / "debug" / "trader-gateway"


@pytest.fixture(params=["stream", "polling"])
def config(request: pytest.FixtureRequest, tmp_path: Path, fake_alpaca: FakeAlpacaServer) -> Path:
    if request.param == "stream":
        return fake_alpaca.write_gateway_config(tmp_path, poll_interval_ms=60_000)
    return fake_alpaca.write_gateway_config(tmp_path, trade_updates=False)


@pytest.fixture
def gateway(binary: Path, config: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(binary, config, TOKEN)
    yield process
    if process.process.poll() is None:
        process.kill()


def intent(
    client_order_id: str, symbol: str = "AAPL", quantity: str = "10", limit: str | None = None
) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id,
        symbol=symbol,
        side="buy",
        quantity=Decimal(quantity),
        order_type="market" if limit is None else "limit",
        limit_price=None if limit is None else Decimal(limit),
        time_in_force="gtc" if "/" in symbol or limit is not None else "day",
    )


def wait_for(client: GatewayClient, client_order_id: str, done: Callable[[RemoteOrder], bool]) -> RemoteOrder:
    deadline = time.monotonic() + 10
    while True:
        order = client.get(client_order_id)
        if done(order) or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


def test_submit_fill_position_for_stock_and_crypto(
    gateway: GatewayProcess, fake_alpaca: FakeAlpacaServer
) -> None:
    fake_alpaca.set_price("AAPL", "187.25")
    fake_alpaca.set_price("BTC/USD", "40000")
    with GatewayClient(gateway.grpc_target, TOKEN) as client:
        ack = client.submit(intent("a-1"))
        assert ack.order.status == "accepted"
        assert ack.order.venue_order_id == fake_alpaca.broker.order_by_client_id("a-1").id
        filled = wait_for(client, "a-1", lambda o: o.status == "filled")
        assert (filled.status, filled.filled_quantity, filled.average_fill_price) == (
            "filled",
            Decimal(10),
            Decimal("187.25"),
        )
        client.submit(intent("c-1", "BTC/USD", "0.1"))
        coin = wait_for(client, "c-1", lambda o: o.status == "filled")
        assert coin.fills[0].fee == Decimal("0.00025")
        assert coin.fills[0].fee_currency == "base"
        # The gateway's positions (sum of fills, less fees taken in coins) equal Alpaca's own.
        assert client.positions() == {"AAPL": Decimal(10), "BTC/USD": Decimal("0.09975")}
        assert client.health().halted_reason is None


def test_partial_fills_then_cancel(gateway: GatewayProcess, fake_alpaca: FakeAlpacaServer) -> None:
    with GatewayClient(gateway.grpc_target, TOKEN) as client:
        client.submit(intent("p-1", "SPY", "10", limit="450"))
        fake_alpaca.set_price("SPY", "449", volume="4")
        partial = wait_for(client, "p-1", lambda o: o.filled_quantity == 4)
        assert partial.status == "partially_filled"
        canceled = client.cancel("p-1")
        canceled = wait_for(client, "p-1", lambda o: o.status == "canceled")
        assert (canceled.status, canceled.filled_quantity) == ("canceled", Decimal(4))
        assert client.positions() == {"SPY": Decimal(4)}


def test_replace_keeps_fills_and_links_the_orders(
    gateway: GatewayProcess, fake_alpaca: FakeAlpacaServer
) -> None:
    with GatewayClient(gateway.grpc_target, TOKEN) as client:
        client.submit(intent("o-1", "SPY", "10", limit="100"))
        fake_alpaca.set_price("SPY", "99", volume="4")
        wait_for(client, "o-1", lambda o: o.filled_quantity == 4)
        fake_alpaca.set_price("SPY", "101")
        replaced = client.replace("o-1", intent("o-2", "SPY", "8", limit="98"))
        assert replaced.order.status == "accepted"
        old = wait_for(client, "o-1", lambda o: o.status == "replaced")
        assert (old.status, old.replaced_by, old.filled_quantity) == ("replaced", "o-2", Decimal(4))
        alpaca_new = fake_alpaca.broker.order_by_client_id("o-2")
        assert alpaca_new.replaces == fake_alpaca.broker.order_by_client_id("o-1").id
        assert (alpaca_new.qty, alpaca_new.limit_price) == (Decimal(8), Decimal(98))
        stop = replace(intent("o-3", "SPY", "8"), order_type="stop", stop_price=Decimal(97))
        refused = client.replace("o-2", stop).order
        assert refused.status == "rejected"
        assert refused.reject_reason is not None
        assert "type would change from limit to stop" in refused.reject_reason
        assert client.get("o-2").status == "accepted", "the working order is untouched"
        assert client.positions() == {"SPY": Decimal(4)}
    assert "o-3" not in fake_alpaca.broker.by_client_id


def test_dropped_ack_is_resolved_by_client_order_id_never_sent_twice(
    gateway: GatewayProcess, fake_alpaca: FakeAlpacaServer
) -> None:
    fake_alpaca.broker.faults.drop_order_responses = 1
    with GatewayClient(gateway.grpc_target, TOKEN) as client:
        result = client.submit(intent("d-1", limit="100"))
        assert result.order.status == "accepted", "the lookup by client order id found the order"
        assert result.order.venue_order_id == fake_alpaca.broker.order_by_client_id("d-1").id
        assert client.submit(intent("d-1", limit="100")).duplicate
    assert fake_alpaca.broker.faults.drop_order_responses == 0, "the answer really was dropped"
    assert fake_alpaca.broker.submit_attempts == {"d-1": 1}
    assert fake_alpaca.broker.refused_duplicates == 0


def test_5xx_and_429_are_retried_and_the_order_is_sent_once(
    gateway: GatewayProcess, fake_alpaca: FakeAlpacaServer
) -> None:
    fake_alpaca.broker.faults.failures = [(503, None), (429, 0)]
    with GatewayClient(gateway.grpc_target, TOKEN) as client:
        assert client.submit(intent("r-1", limit="100")).order.status == "accepted"
    assert fake_alpaca.broker.faults.failures == []
    assert fake_alpaca.broker.submit_attempts == {"r-1": 1}


def test_kill_9_fill_while_down_restart_reconciles_without_duplicates(
    binary: Path, config: Path, fake_alpaca: FakeAlpacaServer
) -> None:
    first = GatewayProcess.start(binary, config, TOKEN)
    with GatewayClient(first.grpc_target, TOKEN) as client:
        client.submit(intent("k-1", limit="100"))
        client.submit(intent("k-2", limit="50"))
        assert client.set_kill_switch(True)
    first.kill()
    fake_alpaca.set_price("AAPL", "99")  # k-1 fills while the gateway is down; k-2 keeps working
    restarted = GatewayProcess.start(binary, config, TOKEN)
    try:
        with GatewayClient(restarted.grpc_target, TOKEN) as client:
            assert client.get("k-1").status == "filled", "reconciled at start from Alpaca's view"
            assert client.get("k-2").status == "accepted"
            assert client.positions() == {"AAPL": Decimal(10)}
            health = client.health()
            assert health.halted_reason is None
            assert health.kill_switch, "the kill switch stays engaged across a restart"
            assert client.submit(intent("k-1", limit="100")).duplicate
            assert client.set_kill_switch(False) is False
    finally:
        assert restarted.stop() == 0
    assert fake_alpaca.broker.submit_attempts == {"k-1": 1, "k-2": 1}
    assert fake_alpaca.broker.refused_duplicates == 0


def test_missing_secret_is_a_clear_config_error_without_the_key(binary: Path, tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        '[journal]\npath = "j"\n[venue]\nkind = "alpaca"\nbase_url = "http://127.0.0.1:9"\nkey_id = "KEY"\n'
    )
    result = subprocess.run(
        [str(binary), "--config", str(config)],
        capture_output=True,
        text=True,
        env={"TRADER_GATEWAY_TOKEN": TOKEN},
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert "venue.secret_env" in result.stderr
    assert "set the APCA_API_SECRET_KEY environment variable" in result.stderr


def test_a_lost_stream_falls_back_to_polling(
    binary: Path, tmp_path: Path, fake_alpaca: FakeAlpacaServer
) -> None:
    config = fake_alpaca.write_gateway_config(tmp_path, poll_interval_ms=200)
    process = GatewayProcess.start(binary, config, TOKEN)
    try:
        with GatewayClient(process.grpc_target, TOKEN) as client:
            fake_alpaca.end_streams()  # Alpaca hangs up, and every reconnection is closed at once
            client.submit(intent("f-1", "SPY", "3", limit="450"))
            fake_alpaca.set_price("SPY", "449")
            filled = wait_for(client, "f-1", lambda o: o.status == "filled")
            assert (filled.status, filled.filled_quantity) == ("filled", Decimal(3))
            assert client.positions() == {"SPY": Decimal(3)}
    finally:
        assert process.stop() == 0
    assert "trade_updates stream lost" in process.log.read_text()
