"""gRPC client retries against the real gateway: a restart mid-call, a late start, refusals not retried."""

from __future__ import annotations

import random
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trader.execution.errors import (
    AlreadyExistsError,
    BreakerOpenError,
    InvalidOrderError,
    LimitRejectedError,
)
from trader.execution.gateway_binary import find_gateway_binary
from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.execution.grpc_client import GatewayClient, GatewayConnectionError, OrderIntent
from trader.execution.retry import RetryPolicy, RetryPolicyError

TOKEN = "retry-test-token-0123456789"
PATIENT = RetryPolicy(total_seconds=30, attempt_seconds=2, base_delay=0.05, max_delay=0.5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def fixed_port_config(tmp_path: Path) -> tuple[Path, str]:
    """A sim-venue gateway config on a port chosen now: a restarted gateway comes back at the same address."""
    port = _free_port()
    text = sim_config(tmp_path / "gateway.journal").replace("127.0.0.1:0", f"127.0.0.1:{port}", 1)
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return path, f"127.0.0.1:{port}"


def _intent(client_order_id: str, quantity: str = "3") -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id,
        symbol="AAPL",
        side="buy",
        quantity=Decimal(quantity),
        order_type="limit",
        limit_price=Decimal("150.25"),
        time_in_force="gtc",
    )


class LateStart:
    """Starts the gateway after `delay` seconds in a thread (while the test's call is retrying)."""

    def __init__(self, config: Path, delay: float) -> None:
        self.process: GatewayProcess | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(config, delay), daemon=True)
        self._thread.start()

    def _run(self, config: Path, delay: float) -> None:
        time.sleep(delay)
        try:
            self.process = GatewayProcess.start(find_gateway_binary(), config, TOKEN)
        except BaseException as exc:  # handed to the test thread, which fails with it
            self.error = exc

    def join(self) -> GatewayProcess:
        self._thread.join(timeout=60)
        if self.error is not None:
            raise self.error
        assert self.process is not None, "the gateway did not start"
        return self.process


def test_a_submit_during_a_gateway_restart_succeeds_once(fixed_port_config: tuple[Path, str]) -> None:
    config, target = fixed_port_config
    first = GatewayProcess.start(find_gateway_binary(), config, TOKEN)
    with GatewayClient(target, TOKEN, retry=PATIENT) as client:
        assert client.health().status == "serving"
        first.kill()  # kill -9: the channel is connected to a process that is gone
        restart = LateStart(config, delay=1.0)
        result = client.submit(_intent("retry-restart-1"))
        second = restart.join()
        try:
            assert client.retries > 0, "the first attempts met the dead gateway"
            assert not result.duplicate
            assert result.order.status == "accepted"
            again = client.submit(_intent("retry-restart-1"))
            assert again.duplicate, "the same client_order_id is answered from the journal, not resent"
            assert [o.client_order_id for o in client.orders()] == ["retry-restart-1"]
            assert client.health().venue_orders == 1, "the venue received exactly one order"
        finally:
            second.stop()


def test_a_call_waits_for_a_gateway_that_comes_up_late(fixed_port_config: tuple[Path, str]) -> None:
    config, target = fixed_port_config
    with GatewayClient(target, TOKEN, retry=PATIENT) as client:
        late = LateStart(config, delay=1.0)
        result = client.submit(_intent("retry-late-1"))
        process = late.join()
        try:
            assert client.retries > 0, "nothing listened at the first attempts"
            assert (result.order.client_order_id, result.duplicate) == ("retry-late-1", False)
            assert [o.client_order_id for o in client.orders()] == ["retry-late-1"]
            assert client.health().venue_orders == 1
        finally:
            process.stop()


def test_refusals_are_never_retried(fixed_port_config: tuple[Path, str]) -> None:
    config, target = fixed_port_config
    process = GatewayProcess.start(find_gateway_binary(), config, TOKEN)
    try:
        with GatewayClient(target, TOKEN, retry=PATIENT) as client:
            with pytest.raises(InvalidOrderError):  # INVALID_ARGUMENT
                client.submit(_intent("retry-bad", quantity="0"))
            client.submit(_intent("retry-taken"))
            with pytest.raises(AlreadyExistsError):  # ALREADY_EXISTS: the id is taken by other content
                client.submit(_intent("retry-taken", quantity="4"))
            client.set_kill_switch(True)
            with pytest.raises(LimitRejectedError):  # FAILED_PRECONDITION (KILL_SWITCH)
                client.submit(_intent("retry-killed"))
            assert client.retries == 0
            assert [o.client_order_id for o in client.orders()] == ["retry-taken"]
    finally:
        process.stop()


def test_an_order_the_gateway_breaker_refuses_is_not_retried(tmp_path: Path) -> None:
    """Every venue request is lost, so the gateway's breaker opens after 3 calls; from then on a submit fails
    fast with UNAVAILABLE + BREAKER_OPEN, and the client raises it at once instead of retrying it."""
    faults = "[venue.faults]\ntimeout_before = 1000\n"
    guard = "[guard]\nbreaker_min_calls = 3\nbreaker_failure_rate_percent = 50\nbreaker_cooldown_secs = 600\n"
    config = tmp_path / "gateway.toml"
    config.write_text(sim_config(tmp_path / "gateway.journal", extra=faults + guard))
    process = GatewayProcess.start(find_gateway_binary(), config, TOKEN)
    try:
        with GatewayClient(process.grpc_target, TOKEN, retry=PATIENT) as client:
            for index in range(10):  # the venue's failures (retried: "not now") open the breaker
                try:
                    client.submit(_intent(f"retry-lost-{index}"))
                except BreakerOpenError:
                    break
            assert client.health().breaker == "open"
            tried = client.retries
            with pytest.raises(BreakerOpenError) as refused:
                client.submit(_intent("retry-breaker"))
            assert (refused.value.grpc_code, refused.value.reason_code) == ("UNAVAILABLE", "BREAKER_OPEN")
            assert client.retries == tried, "an open breaker is a deliberate no: never hammered"
            assert client.health().venue_orders == 0
    finally:
        process.stop()


def test_until_cuts_the_retry_budget_of_every_call() -> None:
    """The daemon's shutdown deadline: a call to a dead gateway ends by `until`, not after 30 s of retries."""
    target = f"127.0.0.1:{_free_port()}"
    with GatewayClient(target, TOKEN, retry=PATIENT) as client:
        client.until = time.monotonic() + 1.0
        started = time.monotonic()
        with pytest.raises(GatewayConnectionError):
            client.health()
        assert client.retries >= 1, "retried until the deadline"
        assert time.monotonic() - started < PATIENT.total_seconds / 3
        tried = client.retries
        client.until = time.monotonic()  # the deadline has passed: one attempt, no retry
        with pytest.raises(GatewayConnectionError):
            client.positions()
        assert client.retries == tried


def test_the_total_budget_bounds_a_call_to_a_dead_port() -> None:
    target = f"127.0.0.1:{_free_port()}"
    policy = RetryPolicy(total_seconds=1.0, attempt_seconds=0.5, base_delay=0.02, max_delay=0.2)
    with GatewayClient(target, TOKEN, retry=policy) as client:
        with pytest.raises(GatewayConnectionError):
            client.health()
        assert client.retries >= 1, "a connection failure is retried"
        tried = client.retries
        with pytest.raises(GatewayConnectionError):
            client.health(retry=False)
        assert client.retries == tried, "a polling call is tried once"
        client.interrupt = threading.Event()
        client.interrupt.set()  # a stopping daemon: no more waiting between attempts
        with pytest.raises(GatewayConnectionError):
            client.positions()
        assert client.retries == tried


@given(
    base=st.floats(min_value=0.001, max_value=5),
    cap=st.floats(min_value=0.001, max_value=30),
    attempts=st.lists(st.integers(min_value=0, max_value=5_000), min_size=1, max_size=20),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_is_full_jitter_under_an_exponential_ceiling(
    base: float, cap: float, attempts: list[int], seed: int
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    rng = random.Random(seed)
    for attempt in attempts:
        ceiling = policy.ceiling(attempt)
        assert ceiling == min(cap, base * 2.0 ** min(attempt, 64))
        assert ceiling <= policy.ceiling(attempt + 1), "the ceiling never shrinks"
        assert 0.0 <= policy.delay(attempt, rng) <= ceiling


@pytest.mark.parametrize(
    ("field", "value"),
    [("total_seconds", 0.0), ("attempt_seconds", -1.0), ("base_delay", float("nan")), ("max_attempts", 0)],
)
def test_an_unusable_policy_is_refused_naming_the_setting(field: str, value: float) -> None:
    with pytest.raises(RetryPolicyError, match=f"retry policy {field}"):
        RetryPolicy(**{field: value})  # type: ignore[arg-type]
