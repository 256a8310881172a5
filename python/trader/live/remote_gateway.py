"""The daemon's gateway over gRPC: a remote `trader-gateway` (its AlpacaVenue) in the embedded shape."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Self, cast

from trader._core import SimGateway
from trader.execution.embedded import EmbeddedGateway
from trader.execution.errors import GatewayError
from trader.execution.grpc_client import (
    GatewayClient,
    GatewayConnectionError,
    GatewayEvent,
    OrderIntent,
    OrderType,
    RemoteFill,
    RemoteOrder,
    Side,
    TimeInForce,
)
from trader.live.errors import DaemonError

__all__ = ["EventView", "FillView", "OrderView", "RemoteCore", "RemoteGateway", "read_token"]

_TERMINAL_EVENTS = frozenset({"canceled", "expired", "rejected", "replaced"})


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def read_token(path: Path) -> str:
    """The gateway's bearer token from its file (one line); a clear error when missing or empty."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DaemonError(f"--gateway-token-file {path}: cannot read it ({exc.strerror})") from None
    if not token:
        raise DaemonError(f"--gateway-token-file {path}: the file is empty; put the gateway's token in it")
    return token


@dataclass(frozen=True, slots=True)
class FillView:
    """One execution, in the shape of `trader._core.GatewayFill` (decimal text)."""

    fill_id: str
    client_order_id: str
    venue_order_id: str | None
    symbol: str
    side: str
    quantity: str
    price: str
    fee: str
    fee_currency: str
    timestamp_ns: int

    @classmethod
    def of(cls, order: RemoteOrder, fill: RemoteFill) -> Self:
        """The view of `fill`, one execution of `order`."""
        return cls(
            fill_id=fill.fill_id,
            client_order_id=order.client_order_id,
            venue_order_id=order.venue_order_id,
            symbol=order.intent.symbol,
            side=order.intent.side,
            quantity=format(fill.quantity, "f"),
            price=format(fill.price, "f"),
            fee=format(fill.fee, "f"),
            fee_currency=fill.fee_currency,
            timestamp_ns=fill.timestamp_ns,
        )


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order in the shape of `trader._core.GatewayOrder` (decimal text)."""

    client_order_id: str
    symbol: str
    side: str
    quantity: str
    order_type: str
    limit_price: str | None
    stop_price: str | None
    trail_price: str | None
    trail_percent: str | None
    time_in_force: str
    strategy: str | None
    status: str
    venue_order_id: str | None
    filled_quantity: str
    average_fill_price: str | None
    reject_reason: str | None
    fills: list[FillView] = field(default_factory=list)
    duplicate: bool = False

    @classmethod
    def of(cls, order: RemoteOrder, *, duplicate: bool = False) -> Self:
        """The view of a gateway order."""
        intent = order.intent
        return cls(
            client_order_id=intent.client_order_id,
            symbol=intent.symbol,
            side=intent.side,
            quantity=format(intent.quantity, "f"),
            order_type=intent.order_type,
            limit_price=_text(intent.limit_price),
            stop_price=_text(intent.stop_price),
            trail_price=_text(intent.trail_price),
            trail_percent=_text(intent.trail_percent),
            time_in_force=intent.time_in_force,
            strategy=intent.strategy,
            status=order.status,
            venue_order_id=order.venue_order_id,
            filled_quantity=format(order.filled_quantity, "f"),
            average_fill_price=_text(order.average_fill_price),
            reject_reason=order.reject_reason,
            fills=[FillView.of(order, f) for f in order.fills],
            duplicate=duplicate,
        )


@dataclass(frozen=True, slots=True)
class EventView:
    """A venue event in the shape of `trader._core.GatewayEvent`: a fill, or an order ending unfilled."""

    kind: str
    client_order_id: str
    status: str
    detail: str | None
    fill: FillView | None


class RemoteCore:
    """The calls the daemon makes on `EmbeddedGateway.core`, answered by a remote gateway.

    The venue fills on its own clock, not at the replayed bar: `poll` (and `on_bar`, which the loop calls per
    bar) reports every fill and every order that ended unfilled since the last call, each exactly once, read
    incrementally from the gateway's event sequence.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client
        # What the venue did before this process started belongs to the reconciliation, not to the news.
        self._next = client.health().last_sequence + 1
        self._reconciled: set[tuple[str, str]] | None = None
        """Fills of the first `orders()` answer (the reconciliation's read): already in the ledger."""

    def submit(
        self,
        client_order_id: str,
        symbol: str,
        side: str,
        qty: Decimal | str,
        order_type: str = "market",
        *,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail_price: Decimal | None = None,
        trail_percent: Decimal | None = None,
        time_in_force: str = "day",
        strategy: str | None = None,
    ) -> OrderView:
        """Submits one order; a repeat of the same intent comes back flagged `duplicate`, never resent."""
        intent = OrderIntent(
            client_order_id=client_order_id,
            symbol=symbol,
            side=cast(Side, side),
            quantity=Decimal(qty),
            order_type=cast(OrderType, order_type),
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            trail_percent=trail_percent,
            time_in_force=cast(TimeInForce, time_in_force),
            strategy=strategy,
        )
        result = self._client.submit(intent)
        return OrderView.of(result.order, duplicate=result.duplicate)

    def cancel(self, client_order_id: str) -> OrderView:
        """Asks the venue to cancel an open order; the view may still say open until the venue confirms."""
        return OrderView.of(self._client.cancel(client_order_id))

    def order(self, client_order_id: str) -> OrderView | None:
        """The order with this client order id, or None."""
        try:
            return OrderView.of(self._client.get(client_order_id))
        except GatewayError as exc:
            if exc.grpc_code == "NOT_FOUND":
                return None
            raise

    def orders(self) -> list[OrderView]:
        """Every order, sorted by client order id."""
        views = [OrderView.of(order) for order in self._client.orders()]
        if self._reconciled is None:
            self._reconciled = {(v.client_order_id, f.fill_id) for v in views for f in v.fills}
        return views

    def positions(self) -> dict[str, str]:
        """Net position per symbol as decimal text (flat symbols left out)."""
        return {s: format(q, "f") for s, q in self._client.positions().items() if q != 0}

    def set_kill_switch(self, on: bool) -> None:
        """Engages or releases the remote gateway's kill switch."""
        self._client.set_kill_switch(on)

    @property
    def halted(self) -> str | None:
        """Why the gateway takes no orders (halted, or unreachable), or None when it is serving."""
        try:
            health = self._client.health()
        except GatewayConnectionError as exc:
            return f"gateway unreachable: {exc}"
        if health.status == "halted":
            return health.halted_reason or "halted"
        return None

    @property
    def open_order_count(self) -> int:
        """Open orders the gateway holds."""
        return self._client.health().open_orders

    def on_bar(self, _symbol: str, _ts_ns: int, *_ohlcv: object) -> list[EventView]:
        """The venue's news since the last call (the bar itself trades nothing: the venue has the market)."""
        return self.news()

    def news(self) -> list[EventView]:
        """`poll`, or nothing while the gateway is unreachable (its journal keeps the events for later)."""
        try:
            return self.poll()
        except GatewayConnectionError:
            return []

    def poll(self) -> list[EventView]:
        """Fills and unfilled ends the gateway recorded since the last call, in sequence order."""
        last = self._client.health().last_sequence
        news: list[EventView] = []
        if last < self._next:
            return news
        # A generator: closing it cancels the server stream, which otherwise runs on, live, without end.
        stream = cast(Generator[GatewayEvent], self._client.stream_events(self._next))
        try:
            for event in stream:
                self._next = event.sequence + 1
                view = self._news(event)
                if view is not None:
                    news.append(view)
                if event.sequence >= last:
                    break
        finally:
            stream.close()
        return news

    def _news(self, event: GatewayEvent) -> EventView | None:
        cid = event.client_order_id
        if event.kind == "fill" and event.fill is not None:
            if self._reconciled is not None and (cid, event.fill.fill_id) in self._reconciled:
                return None  # the reconciliation's read already had it (it landed while we started)
            order = self._client.get(cid)
            return EventView("fill", cid, order.status, None, FillView.of(order, event.fill))
        if event.kind in _TERMINAL_EVENTS:
            return EventView(event.kind, cid, event.kind, event.reason, None)
        return None

    def close(self) -> None:
        """Closes the channel (the remote gateway keeps running and keeps its journal)."""
        self._client.close()


class RemoteGateway(EmbeddedGateway):
    """The daemon's gateway when it trades through a `trader-gateway` process (`--gateway URL`)."""

    def __init__(self, target: str, token: str, *, timeout: float = 10.0) -> None:
        self.target = target
        client = GatewayClient(target, token, timeout=timeout)
        try:
            client.health()
        except GatewayError as exc:
            client.close()
            raise DaemonError(f"--gateway {target}: cannot use the gateway ({exc})") from None
        # RemoteCore answers the part of SimGateway's API that EmbeddedGateway's methods call, so every method
        # (submit_order, positions, set_kill_switch, close, the model conversions) is inherited unchanged.
        self.remote_core = RemoteCore(client)
        self.core = cast(SimGateway, self.remote_core)
        self._submitted_at: dict[str, datetime] = {}
        self._now_ns = 0
