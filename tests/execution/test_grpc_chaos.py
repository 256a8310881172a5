"""Chaos: 5,000 orders with retries from concurrent clients while the gateway is killed -9 at random moments.

At the end the venue holds exactly one order per client_order_id (none refused as a reused id, so the gateway
never sent an intent twice), and every order a client saw acknowledged is there with the same venue order id.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from trader.execution.errors import VenueUnavailableError
from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.execution.grpc_client import GatewayClient, GatewayConnectionError, OrderIntent

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "chaos-test-token-0123456789"
ORDERS = 5_000
KILLS = 10
SUBMITTERS = 8
# Venue faults per mille: lost requests, lost answers (the venue acted; the gateway must ask before a resend).
FAULTS = "[venue.faults]\ntimeout_before = 10\ntimeout_after = 20\ndisconnect = 10\nduplicate_ack = 10\n"


class Harness:
    """The gateway process and the client of its current incarnation; restarts swap both."""

    def __init__(self, binary: Path, config: Path) -> None:
        self.binary, self.config = binary, config
        self.lock = threading.Lock()
        self.process = GatewayProcess.start(binary, config, TOKEN)
        self.client = GatewayClient(self.process.grpc_target, TOKEN, timeout=5)
        self.old_clients: list[GatewayClient] = []

    def current(self) -> GatewayClient:
        with self.lock:
            return self.client

    def crash_and_restart(self) -> None:
        with self.lock:
            self.process.kill()
            self.old_clients.append(self.client)
            self.process = GatewayProcess.start(self.binary, self.config, TOKEN)
            self.client = GatewayClient(self.process.grpc_target, TOKEN, timeout=5)

    def close(self) -> None:
        for client in [*self.old_clients, self.client]:
            client.close()
        self.process.stop()


def _intent(index: int) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"chaos-{index:05d}",
        symbol="AAPL",
        side="buy" if index % 2 else "sell",
        quantity=Decimal(index % 7 + 1),
        order_type="limit",
        limit_price=Decimal("100.00") + Decimal(index % 50) / 100,
        time_in_force="gtc",
    )


def _submit_until_acknowledged(harness: Harness, index: int) -> str:
    """Submits (and resubmits the same intent) until the gateway reports the venue's acknowledgement."""
    intent = _intent(index)
    while True:
        try:
            order = harness.current().submit(intent).order
        except (GatewayConnectionError, VenueUnavailableError):
            time.sleep(0.01)  # the gateway is restarting, or the venue did not answer: same intent again
            continue
        if order.venue_order_id is not None:
            assert order.status == "accepted", order
            return order.venue_order_id
        time.sleep(0.01)  # still in flight at the gateway; asking again resolves it with the venue


def test_kill_9_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    subprocess.run(["cargo", "build", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True)
    binary = REPO_ROOT / "target" / "debug" / "trader-gateway"
    config = tmp_path / "gateway.toml"
    config.write_text(sim_config(tmp_path / "gateway.journal", extra=FAULTS))
    harness = Harness(binary, config)
    rng = random.Random(20261123)
    acknowledged: dict[int, str] = {}
    try:
        with ThreadPoolExecutor(SUBMITTERS) as pool:
            futures = {
                index: pool.submit(_submit_until_acknowledged, harness, index) for index in range(ORDERS)
            }
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.2, 0.8))
                harness.crash_and_restart()
            for index, future in futures.items():
                acknowledged[index] = future.result(timeout=120)

        client = harness.current()
        health = client.health()
        orders = {order.client_order_id: order for order in client.orders()}
    finally:
        harness.close()

    assert health.status == "serving", health.halted_reason
    assert health.venue_refused_duplicates == 0, "the gateway never sent one intent twice"
    assert health.venue_orders == ORDERS, "exactly one venue order per client_order_id"
    assert len(orders) == ORDERS
    lost = [
        i
        for i, venue_id in acknowledged.items()
        if orders[_intent(i).client_order_id].venue_order_id != venue_id
    ]
    assert lost == [], "every acknowledged order survived with its venue order id"
    assert len(set(acknowledged.values())) == ORDERS
