"""A submit the remote gateway never answered is settled by its id once the gateway is back: never twice."""

from __future__ import annotations

import socket
import time
from decimal import Decimal
from pathlib import Path

import pytest

from trader.execution.errors import VenueUnavailableError
from trader.execution.gateway_binary import find_gateway_binary
from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.execution.grpc_client import GatewayClient, OrderIntent
from trader.execution.retry import RetryPolicy
from trader.live.remote_gateway import RemoteCore

TOKEN = "in-flight-test-token-0123456789"
SHORT = RetryPolicy(total_seconds=1.0, attempt_seconds=0.5, base_delay=0.02, max_delay=0.2)


@pytest.fixture
def config(tmp_path: Path) -> tuple[Path, str]:
    """A sim-venue gateway config on a fixed port, so a restarted gateway answers at the same address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    text = sim_config(tmp_path / "gateway.journal").replace("127.0.0.1:0", f"127.0.0.1:{port}", 1)
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return path, f"127.0.0.1:{port}"


def _submit(core: RemoteCore, client_order_id: str) -> None:
    core.submit(
        client_order_id, "AAPL", "buy", "2", "limit", limit_price=Decimal("150.25"), time_in_force="gtc"
    )


def _tick_until_settled(core: RemoteCore, seconds: float = 10.0) -> None:
    """The daemon's ticks: `news` once every 50 ms (the channel redials a restarted gateway within 1 s)."""
    deadline = time.monotonic() + seconds
    while core.in_flight and time.monotonic() < deadline:
        core.news()
        time.sleep(0.05)
    assert core.in_flight == []


def test_an_unanswered_submit_is_sent_once_the_gateway_is_back(config: tuple[Path, str]) -> None:
    path, target = config
    gateway = GatewayProcess.start(find_gateway_binary(), path, TOKEN)
    core = RemoteCore(GatewayClient(target, TOKEN, retry=SHORT))
    gateway.kill()
    with pytest.raises(VenueUnavailableError, match="settled by its id"):
        _submit(core, "flight-1")
    assert core.in_flight == ["flight-1"]
    view = core.order("flight-1")
    assert view is not None
    assert view.status == "pending_new"
    assert [v.client_order_id for v in core.last_known_open()] == ["flight-1"]
    assert core.news() == [], "still unreachable: nothing settles, nothing raises"
    assert core.in_flight == ["flight-1"]
    gateway = GatewayProcess.start(find_gateway_binary(), path, TOKEN)
    try:
        _tick_until_settled(core)
        with GatewayClient(target, TOKEN) as check:
            assert [o.client_order_id for o in check.orders()] == ["flight-1"]
            assert check.health().venue_orders == 1
        settled = core.order("flight-1")
        assert settled is not None
        assert settled.status == "accepted"
    finally:
        core.close()
        gateway.stop()


def test_an_order_the_gateway_took_before_the_answer_was_lost_is_adopted(config: tuple[Path, str]) -> None:
    path, target = config
    gateway = GatewayProcess.start(find_gateway_binary(), path, TOKEN)
    core = RemoteCore(GatewayClient(target, TOKEN, retry=SHORT))
    gateway.kill()
    with pytest.raises(VenueUnavailableError):
        _submit(core, "flight-2")
    gateway = GatewayProcess.start(find_gateway_binary(), path, TOKEN)
    try:
        with GatewayClient(target, TOKEN) as other:
            # The gateway took it after all (as if only its answer was lost): settling must adopt it.
            intent = OrderIntent(
                client_order_id="flight-2",
                symbol="AAPL",
                side="buy",
                quantity=Decimal(2),
                order_type="limit",
                limit_price=Decimal("150.25"),
                time_in_force="gtc",
            )
            other.submit(intent)
            _tick_until_settled(core)
            assert other.health().venue_orders == 1, "adopted, not sent again"
            assert [o.client_order_id for o in other.orders()] == ["flight-2"]
    finally:
        core.close()
        gateway.stop()
