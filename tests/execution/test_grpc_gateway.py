"""The real `trader-gateway` binary driven by the Python gRPC client: idempotency, errors, kill -9."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from trader.execution.errors import AlreadyExistsError, InvalidOrderError, LimitRejectedError
from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.execution.grpc_client import (
    GatewayAuthError,
    GatewayClient,
    GatewayConnectionError,
    OrderIntent,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "python-test-token-0123456789"


@pytest.fixture(scope="module")
def binary() -> Path:
    """The debug build of the gateway (a no-op when `make setup` already built it)."""
    subprocess.run(["cargo", "build", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True)
    return REPO_ROOT / "target" / "debug" / "trader-gateway"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(sim_config(tmp_path / "gateway.journal"))
    return path


@pytest.fixture
def gateway(binary: Path, config: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(binary, config, TOKEN)
    yield process
    if process.process.poll() is None:
        process.kill()


def _intent(client_order_id: str, quantity: str = "10", limit: str = "187.25") -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id,
        symbol="AAPL",
        side="buy",
        quantity=Decimal(quantity),
        order_type="limit",
        limit_price=Decimal(limit),
        time_in_force="gtc",
    )


def test_submit_duplicate_and_errors_map_to_trader_errors(gateway: GatewayProcess) -> None:
    with GatewayClient(gateway.grpc_target, TOKEN) as client:
        first = client.submit(_intent("py-1", "0.5"))
        assert (first.duplicate, first.order.status) == (False, "accepted")
        assert first.order.intent == _intent("py-1", "0.5"), "Decimal in, the same Decimal out"
        again = client.submit(_intent("py-1", "0.5"))
        assert again.duplicate
        assert again.order == first.order

        with pytest.raises(AlreadyExistsError) as exists:
            client.submit(_intent("py-1", "0.6"))
        assert exists.value.grpc_code == "ALREADY_EXISTS"

        with pytest.raises(InvalidOrderError, match=r"py-2: field `limit_price` = 0: must be positive"):
            client.submit(_intent("py-2", "1", "0"))

        client.set_kill_switch(True)
        with pytest.raises(LimitRejectedError) as refused:
            client.submit(_intent("py-3"))
        assert (refused.value.reason_code, refused.value.grpc_code) == ("KILL_SWITCH", "FAILED_PRECONDITION")
        assert client.cancel("py-1").status == "canceled", "exits stay possible under the kill switch"
        assert client.health().status == "kill_switch"

        assert [o.client_order_id for o in client.orders()] == ["py-1"]
        assert client.positions() == {}
        kinds = [(e.sequence, e.kind) for e in _take(client, 1, 3)]
        assert kinds == [(1, "submitted"), (2, "accepted"), (3, "canceled")]

    with (
        GatewayClient(gateway.grpc_target, "wrong-token-0123456789") as intruder,
        pytest.raises(GatewayAuthError),
    ):
        intruder.orders()


def _take(client: GatewayClient, from_sequence: int, count: int) -> list[object]:
    events = client.stream_events(from_sequence)
    taken = [next(events) for _ in range(count)]
    events.close()
    return taken


def test_kill_9_and_restart_keeps_orders_and_resubmit_is_duplicate(binary: Path, config: Path) -> None:
    process = GatewayProcess.start(binary, config, TOKEN)
    with GatewayClient(process.grpc_target, TOKEN, timeout=5) as client:
        acknowledged = [client.submit(_intent(f"crash-{i}", str(i + 1))).order for i in range(20)]
    process.kill()
    with (
        GatewayClient(process.grpc_target, TOKEN, timeout=1) as client,
        pytest.raises(GatewayConnectionError),
    ):
        client.health()

    restarted = GatewayProcess.start(binary, config, TOKEN)
    try:
        with GatewayClient(restarted.grpc_target, TOKEN) as client:
            survivors = client.orders()
            assert survivors == sorted(acknowledged, key=lambda o: o.client_order_id), "none lost to kill -9"
            assert client.health().status == "serving", "the venue kept its orders, so state reconciles"
            again = client.submit(_intent("crash-7", "8"))
            assert again.duplicate
            assert again.order == acknowledged[7]
            assert client.health().last_sequence == 40, "one intent and one ack record per order"
    finally:
        assert restarted.stop() == 0, "SIGTERM shuts down cleanly"


def test_bad_config_exits_2_naming_file_key_and_value(binary: Path, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(sim_config(tmp_path / "j") + '[limits]\nmax_order_quantity = "lots"\n')
    result = subprocess.run(
        [str(binary), "--config", str(config)],
        capture_output=True,
        text=True,
        env={"TRADER_GATEWAY_TOKEN": TOKEN},
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "max_order_quantity" in result.stderr
    assert "lots" in result.stderr
    assert "panicked" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout
