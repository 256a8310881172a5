"""Remote order-gateway client over gRPC: Decimal in and out, gRPC failures raised as `GatewayError`s."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol, Self, TypeVar, cast

import grpc

from trader.execution._pb import gateway_pb2 as pb
from trader.execution.errors import (
    AlreadyExistsError,
    BreakerOpenError,
    GatewayError,
    GatewayHaltedError,
    InvalidOrderError,
    LimitRejectedError,
    OrderNotFoundError,
    OrderNotOpenError,
    RateLimitedError,
    VenueRejectedError,
    VenueUnavailableError,
)
from trader.execution.retry import RetryPolicy, retryable

__all__ = [
    "GatewayAuthError",
    "GatewayClient",
    "GatewayConnectionError",
    "GatewayEvent",
    "GatewayHealth",
    "OrderIntent",
    "RemoteFill",
    "RemoteOrder",
    "RetryPolicy",
    "SubmitResult",
]

_SERVICE = "/trader.v1.OrderGateway/"
_REASON_KEY = "reason-code"
# gRPC waits up to 120 s (with growing pauses) before it dials a dead server again; a restarted gateway
# must be found within our retry budget, so the channel redials at most a second apart.
_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
)

OrderType = Literal["market", "limit", "stop", "stop_limit", "trailing_stop"]
Side = Literal["buy", "sell"]
TimeInForce = Literal["day", "gtc", "ioc", "fok", "opg", "cls"]


class GatewayConnectionError(GatewayError):
    """The gateway itself cannot be reached (not running, restarting, timed out); a retry with the same
    client_order_id is safe."""


class GatewayAuthError(GatewayError):
    """The gateway refused the bearer token (UNAUTHENTICATED)."""


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """What to trade; the whole content is the idempotency check for `client_order_id`."""

    client_order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType = "market"
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    time_in_force: TimeInForce = "day"
    strategy: str | None = None

    def to_wire(self) -> pb.OrderIntent:
        """The protobuf message (decimal text, never floats)."""
        return pb.OrderIntent(
            client_order_id=self.client_order_id,
            symbol=self.symbol,
            side=self.side,
            quantity=_text(self.quantity),
            order_type=self.order_type,
            limit_price=_text(self.limit_price),
            stop_price=_text(self.stop_price),
            trail_price=_text(self.trail_price),
            trail_percent=_text(self.trail_percent),
            time_in_force=self.time_in_force,
            strategy=self.strategy or "",
        )

    @classmethod
    def from_wire(cls, wire: pb.OrderIntent) -> Self:
        """The intent of a protobuf message (as the gateway echoes it)."""
        return cls(
            client_order_id=wire.client_order_id,
            symbol=wire.symbol,
            side=cast(Side, wire.side),
            quantity=Decimal(wire.quantity),
            order_type=cast(OrderType, wire.order_type),
            limit_price=_decimal(wire.limit_price),
            stop_price=_decimal(wire.stop_price),
            trail_price=_decimal(wire.trail_price),
            trail_percent=_decimal(wire.trail_percent),
            time_in_force=cast(TimeInForce, wire.time_in_force),
            strategy=wire.strategy or None,
        )


@dataclass(frozen=True, slots=True)
class RemoteFill:
    """One execution; `fee_currency` is `quote` (cash) or `base` (taken from the received quantity)."""

    fill_id: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    timestamp_ns: int

    @classmethod
    def from_wire(cls, wire: pb.Fill) -> Self:
        """The fill of a protobuf message."""
        return cls(
            fill_id=wire.fill_id,
            quantity=Decimal(wire.quantity),
            price=Decimal(wire.price),
            fee=Decimal(wire.fee or "0"),
            fee_currency=wire.fee_currency,
            timestamp_ns=wire.timestamp_ns,
        )


@dataclass(frozen=True, slots=True)
class RemoteOrder:
    """An order as the gateway holds it."""

    intent: OrderIntent
    status: str
    venue_order_id: str | None
    filled_quantity: Decimal
    average_fill_price: Decimal | None
    fills: tuple[RemoteFill, ...]
    reject_reason: str | None
    replaced_by: str | None

    @property
    def client_order_id(self) -> str:
        """The idempotency key."""
        return self.intent.client_order_id

    @classmethod
    def from_wire(cls, wire: pb.Order) -> Self:
        """The order of a protobuf message."""
        return cls(
            intent=OrderIntent.from_wire(wire.intent),
            status=wire.status,
            venue_order_id=wire.venue_order_id or None,
            filled_quantity=Decimal(wire.filled_quantity or "0"),
            average_fill_price=_decimal(wire.average_fill_price),
            fills=tuple(RemoteFill.from_wire(fill) for fill in wire.fills),
            reject_reason=wire.reject_reason or None,
            replaced_by=wire.replaced_by or None,
        )


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The answer to a submit: the order, and whether this exact intent had been submitted before."""

    order: RemoteOrder
    duplicate: bool


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    """One journaled fact: `kind` is submitted, accepted, rejected, fill, canceled, expired or replaced."""

    sequence: int
    client_order_id: str
    kind: str
    intent: OrderIntent | None
    replaces: str | None
    venue_order_id: str | None
    reason: str | None
    fill: RemoteFill | None
    replaced_by: str | None

    @classmethod
    def from_wire(cls, wire: pb.GatewayEvent) -> Self:
        """The event of a protobuf message."""
        return cls(
            sequence=wire.sequence,
            client_order_id=wire.client_order_id,
            kind=wire.kind,
            intent=OrderIntent.from_wire(wire.intent) if wire.HasField("intent") else None,
            replaces=wire.replaces or None,
            venue_order_id=wire.venue_order_id or None,
            reason=wire.reason or None,
            fill=RemoteFill.from_wire(wire.fill) if wire.HasField("fill") else None,
            replaced_by=wire.replaced_by or None,
        )


@dataclass(frozen=True, slots=True)
class GatewayHealth:
    """`status` is serving, kill_switch or halted; `breaker` closed, open, half_open or none."""

    status: str
    kill_switch: bool
    breaker: str
    halted_reason: str | None
    open_orders: int
    last_sequence: int
    venue_orders: int
    venue_refused_duplicates: int


class _RpcError(Protocol):
    """The parts of `grpc.RpcError` (a `grpc.Call`) we read; grpcio ships no type information."""

    def code(self) -> Any: ...  # a grpc.StatusCode member
    def details(self) -> str | None: ...
    def trailing_metadata(self) -> Any: ...  # a sequence of (key, value) pairs, or None


_BY_CODE: dict[str, type[GatewayError]] = {
    "INVALID_ARGUMENT": InvalidOrderError,
    "ALREADY_EXISTS": AlreadyExistsError,
    "NOT_FOUND": OrderNotFoundError,
    "RESOURCE_EXHAUSTED": RateLimitedError,
    "UNAUTHENTICATED": GatewayAuthError,
    "DEADLINE_EXCEEDED": GatewayConnectionError,
}
_BY_REASON: dict[str, type[GatewayError]] = {
    "NOT_OPEN": OrderNotOpenError,
    "VENUE_REJECTED": VenueRejectedError,
    "HALTED": GatewayHaltedError,
    "BREAKER_OPEN": BreakerOpenError,
    "VENUE_UNAVAILABLE": VenueUnavailableError,
}


def _error(error: _RpcError) -> GatewayError:
    """The `GatewayError` subclass for a failed call, with its reason code and gRPC code name."""
    code = str(error.code().name)
    message = error.details() or code
    reason = next((str(v) for k, v in error.trailing_metadata() or () if k == _REASON_KEY), None)
    if reason in _BY_REASON:
        cls = _BY_REASON[reason]
    elif code == "FAILED_PRECONDITION":
        cls = LimitRejectedError  # every other precondition reason is a pre-trade limit code
    elif code == "UNAVAILABLE":
        cls = GatewayConnectionError  # no reason code: the gateway itself did not answer
    else:
        cls = _BY_CODE.get(code, GatewayError)
    return cls(message, reason, grpc_code=code)


Resp = TypeVar("Resp")


class GatewayClient:
    """A connection to a `trader-gateway` over gRPC, authenticated with its bearer token.

    Every method raises a `GatewayError` subclass on failure (its `grpc_code` and `reason_code` say why).
    Calls that are safe to repeat (reads, the kill switch, and SubmitOrder, idempotent by client_order_id) are
    retried on UNAVAILABLE and DEADLINE_EXCEEDED under `retry`; by default one call, retries included, stays
    within `timeout`. `retries` counts the retries made. Setting `interrupt` ends the waiting between
    retries (a stopping daemon); `until` (a `time.monotonic()` instant) cuts every call's budget (a shutdown
    deadline).
    """

    def __init__(
        self,
        target: str,
        token: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._channel: Any = grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
        self._metadata = (("authorization", f"Bearer {token}"),)
        self.retry = retry or RetryPolicy(total_seconds=timeout, attempt_seconds=timeout)
        self._rng = rng or random.Random()
        self._calls: dict[str, Callable[..., Any]] = {}
        self.retries = 0
        self.interrupt: threading.Event | None = None
        self.until: float | None = None

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, request: Any, response: type[Resp], *, retry: bool = True) -> Resp:
        """One unary call; with `retry`, retryable failures are tried again under the policy."""
        call = self._calls.get(method)
        if call is None:
            call = self._channel.unary_unary(
                _SERVICE + method,
                request_serializer=lambda message: message.SerializeToString(),
                response_deserializer=cast(Any, response).FromString,
            )
            self._calls[method] = call
        policy = self.retry
        end = time.monotonic() + policy.total_seconds
        if self.until is not None:
            end = min(end, self.until)
        attempt = 0
        while True:
            timeout = max(0.05, min(policy.attempt_seconds, end - time.monotonic()))
            try:
                return cast(Resp, call(request, metadata=self._metadata, timeout=timeout))
            except grpc.RpcError as error:
                failure = _error(cast(_RpcError, error))
            if not retry or not retryable(failure) or attempt + 1 >= policy.max_attempts:
                raise failure from None
            pause = policy.delay(attempt, self._rng)
            if time.monotonic() + pause >= end:
                raise failure from None  # the budget would run out before the next attempt could start
            interrupt = self.interrupt
            if interrupt is not None and interrupt.wait(pause):
                raise failure from None
            if interrupt is None:
                time.sleep(pause)
            attempt += 1
            self.retries += 1

    def submit(self, intent: OrderIntent) -> SubmitResult:
        """Submits an order; the same intent again comes back with `duplicate=True` and nothing is resent."""
        reply = self._call(
            "SubmitOrder", pb.SubmitOrderRequest(intent=intent.to_wire()), pb.SubmitOrderResponse
        )
        return SubmitResult(RemoteOrder.from_wire(reply.order), reply.duplicate)

    def replace(self, client_order_id: str, replacement: OrderIntent) -> SubmitResult:
        """Replaces the working order `client_order_id` by `replacement` (its own new client order id)."""
        request = pb.ReplaceOrderRequest(client_order_id=client_order_id, replacement=replacement.to_wire())
        # Not repeated: a lost answer may hide a replace that happened; the caller reads the order instead.
        reply = self._call("ReplaceOrder", request, pb.SubmitOrderResponse, retry=False)
        return SubmitResult(RemoteOrder.from_wire(reply.order), reply.duplicate)

    def cancel(self, client_order_id: str) -> RemoteOrder:
        """Cancels an open order (allowed with the kill switch on) and returns it."""
        # Not repeated: a repeat after a cancel that happened answers NOT_OPEN; the caller reads the order.
        reply = self._call(
            "CancelOrder",
            pb.CancelOrderRequest(client_order_id=client_order_id),
            pb.OrderResponse,
            retry=False,
        )
        return RemoteOrder.from_wire(reply.order)

    def get(self, client_order_id: str) -> RemoteOrder:
        """The order with this client order id (`OrderNotFoundError` if there is none)."""
        reply = self._call("GetOrder", pb.GetOrderRequest(client_order_id=client_order_id), pb.OrderResponse)
        return RemoteOrder.from_wire(reply.order)

    def orders(self, *, open_only: bool = False, retry: bool = True) -> list[RemoteOrder]:
        """Every order (or only the open ones), sorted by client order id (`retry=False`: one attempt)."""
        request = pb.ListOrdersRequest(open_only=open_only)
        reply = self._call("ListOrders", request, pb.ListOrdersResponse, retry=retry)
        return [RemoteOrder.from_wire(order) for order in reply.orders]

    def positions(self) -> dict[str, Decimal]:
        """Net position per symbol, the exact sum of all fills."""
        reply = self._call("GetPositions", pb.GetPositionsRequest(), pb.GetPositionsResponse)
        return {p.symbol: Decimal(p.quantity) for p in reply.positions}

    def set_kill_switch(self, on: bool) -> bool:
        """On: every new order is refused (`LimitRejectedError`, code `KILL_SWITCH`); cancels still pass."""
        return self._call("SetKillSwitch", pb.SetKillSwitchRequest(on=on), pb.SetKillSwitchResponse).on

    def health(self, *, retry: bool = True) -> GatewayHealth:
        """Whether the gateway takes new orders, and why not (`retry=False`: one attempt, for polling)."""
        reply = self._call("Health", pb.HealthRequest(), pb.HealthResponse, retry=retry)
        return GatewayHealth(
            status=reply.status,
            kill_switch=reply.kill_switch,
            breaker=reply.breaker,
            halted_reason=reply.halted_reason or None,
            open_orders=reply.open_orders,
            last_sequence=reply.last_sequence,
            venue_orders=reply.venue_orders,
            venue_refused_duplicates=reply.venue_refused_duplicates,
        )

    def stream_events(self, from_sequence: int = 1) -> Iterator[GatewayEvent]:
        """Events from `from_sequence` on, then live, without end; closing the iterator ends the stream.

        Sequence numbers survive gateway restarts: after a disconnect, resume from the last one seen plus one.
        """
        stream = self._channel.unary_stream(
            _SERVICE + "StreamEvents",
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=pb.GatewayEvent.FromString,
        )
        call = stream(pb.StreamEventsRequest(from_sequence=from_sequence), metadata=self._metadata)
        try:
            for wire in call:
                yield GatewayEvent.from_wire(cast(pb.GatewayEvent, wire))
        except grpc.RpcError as error:
            raise _error(cast(_RpcError, error)) from None
        finally:
            call.cancel()
