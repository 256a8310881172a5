"""The daemon's gateway over gRPC: a remote `trader-gateway` (its AlpacaVenue) in the embedded shape."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Self, cast

from trader.execution.core import standing_in_for_sim
from trader.execution.embedded import EmbeddedGateway
from trader.execution.errors import GatewayError, VenueUnavailableError
from trader.execution.grpc_client import (
    GatewayClient,
    GatewayConnectionError,
    GatewayEvent,
    OrderIntent,
    OrderType,
    RemoteFill,
    RemoteOrder,
    RetryPolicy,
    Side,
    TimeInForce,
)
from trader.live.errors import DaemonError

__all__ = [
    "EventView",
    "FillView",
    "OrderView",
    "RemoteCore",
    "RemoteGateway",
    "StreamPosition",
    "read_token",
]

_TERMINAL_EVENTS = frozenset({"canceled", "expired", "rejected", "replaced"})
_TERMINAL_STATUSES = frozenset({"filled", "canceled", "expired", "rejected", "replaced"})


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
        return cls.of_intent(
            order.intent,
            status=order.status,
            venue_order_id=order.venue_order_id,
            filled_quantity=format(order.filled_quantity, "f"),
            average_fill_price=_text(order.average_fill_price),
            reject_reason=order.reject_reason,
            fills=[FillView.of(order, f) for f in order.fills],
            duplicate=duplicate,
        )

    @classmethod
    def in_flight(cls, intent: OrderIntent) -> Self:
        """An order whose submit got no answer: the gateway may or may not hold it (status `pending_new`)."""
        return cls.of_intent(intent, status="pending_new", filled_quantity="0")

    @classmethod
    def of_intent(
        cls,
        intent: OrderIntent,
        *,
        status: str,
        filled_quantity: str,
        venue_order_id: str | None = None,
        average_fill_price: str | None = None,
        reject_reason: str | None = None,
        fills: list[FillView] | None = None,
        duplicate: bool = False,
    ) -> Self:
        """The view of `intent` in the given state."""
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
            status=status,
            venue_order_id=venue_order_id,
            filled_quantity=filled_quantity,
            average_fill_price=average_fill_price,
            reject_reason=reject_reason,
            fills=fills or [],
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


@dataclass(frozen=True, slots=True)
class StreamPosition:
    """How far the daemon has read the gateway's event sequence, against the gateway's head when last seen."""

    consumed: int
    head: int | None
    """None while the gateway could not be asked (unreachable)."""


class RemoteCore:
    """The calls the daemon makes on `EmbeddedGateway.core`, answered by a remote gateway.

    The venue fills on its own clock, not at the replayed bar: `poll` (and `on_bar`, which the loop calls per
    bar) reports every fill and every order that ended unfilled since the last call, each exactly once, read
    incrementally from the gateway's event sequence, at most `batch` events per call (a burst is worked off
    over several ticks, so one tick's work stays bounded; `position()` says how far behind that leaves us).
    """

    def __init__(self, client: GatewayClient, *, batch: int = 1000) -> None:
        self._client = client
        self._batch = batch
        # What the venue did before this process started belongs to the reconciliation, not to the news.
        self._head: int | None = client.health().last_sequence
        self._next = self._head + 1
        self._reconciled: set[tuple[str, str]] | None = None
        """Fills of the first `orders()` answer (the reconciliation's read): already in the ledger."""
        self._known: dict[str, OrderView] = {}
        """The latest view of each order this process saw: what it can still tell when the gateway is gone."""
        self._in_flight: dict[str, OrderIntent] = {}
        """Submits that got no answer (gateway unreachable): settled by client order id once it answers."""

    @property
    def client(self) -> GatewayClient:
        """The gRPC client (its retry policy, interrupt and deadline)."""
        return self._client

    def _seen(self, view: OrderView) -> OrderView:
        self._known[view.client_order_id] = view
        return view

    def last_known_open(self) -> list[OrderView]:
        """Orders open when last seen (no gateway call): those that may still work at the venue."""
        open_views = {cid: v for cid, v in self._known.items() if v.status not in _TERMINAL_STATUSES}
        return [v for _, v in sorted(open_views.items())]

    @property
    def in_flight(self) -> list[str]:
        """Client order ids whose submit got no answer yet (sorted)."""
        return sorted(self._in_flight)

    def position(self) -> StreamPosition:
        """Events consumed so far, and the gateway's head as the last poll saw it."""
        return StreamPosition(self._next - 1, self._head)

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
        try:
            result = self._client.submit(intent)
        except GatewayConnectionError as exc:
            # The gateway may have it or not: never guess. Keep the intent and settle it by its id once the
            # gateway answers (`poll`): adopt it if the gateway has it, else send it then, under the same id.
            self._in_flight[client_order_id] = intent
            self._seen(OrderView.in_flight(intent))
            raise VenueUnavailableError(
                f"{client_order_id}: no answer from the gateway ({exc}); it is settled by its id when the "
                "gateway answers again"
            ) from None
        return self._seen(OrderView.of(result.order, duplicate=result.duplicate))

    def _settle_in_flight(self) -> None:
        """Each unanswered submit: adopted if the gateway has it, else sent now (same id, so never twice)."""
        for cid, intent in sorted(self._in_flight.items()):
            try:
                order = self._client.get(cid)
            except GatewayError as exc:
                if exc.grpc_code != "NOT_FOUND":
                    raise
                order = self._client.submit(intent).order
            self._seen(OrderView.of(order))
            del self._in_flight[cid]

    def cancel(self, client_order_id: str) -> OrderView:
        """Asks the venue to cancel an open order; the view may still say open until the venue confirms."""
        return self._seen(OrderView.of(self._client.cancel(client_order_id)))

    def order(self, client_order_id: str) -> OrderView | None:
        """The order with this client order id, or None (an unanswered submit: its `pending_new` view)."""
        if client_order_id in self._in_flight:
            return self._known[client_order_id]
        try:
            return self._seen(OrderView.of(self._client.get(client_order_id)))
        except GatewayError as exc:
            if exc.grpc_code == "NOT_FOUND":
                return None
            raise

    def orders(self, *, retry: bool = True) -> list[OrderView]:
        """Every order, sorted by client order id (`retry=False`: one attempt, for what runs every tick)."""
        views = [self._seen(OrderView.of(order)) for order in self._client.orders(retry=retry)]
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
            health = self._client.health(retry=False)  # asked every tick: the next tick asks again
        except GatewayConnectionError as exc:
            self._head = None
            return f"gateway unreachable: {exc}"
        if health.status == "halted":
            return health.halted_reason or "halted"
        return None

    @property
    def open_order_count(self) -> int:
        """Open orders the gateway holds."""
        return self._client.health(retry=False).open_orders

    def on_bar(self, _symbol: str, _ts_ns: int, *_ohlcv: object) -> list[EventView]:
        """The venue's news since the last call (the bar itself trades nothing: the venue has the market)."""
        return self.news()

    def news(self) -> list[EventView]:
        """`poll`, or nothing while the gateway is unreachable (its journal keeps the events for later)."""
        try:
            return self.poll()
        except GatewayConnectionError:
            self._head = None
            return []

    def poll(self) -> list[EventView]:
        """Fills and unfilled ends the gateway recorded since the last call, in sequence order (at most
        `batch` events are read; the rest wait for the next call)."""
        last = self._client.health(retry=False).last_sequence
        self._head = last
        self._settle_in_flight()
        news: list[EventView] = []
        if last < self._next:
            return news
        # A generator: closing it cancels the server stream, which otherwise runs on, live, without end.
        stream = cast(Generator[GatewayEvent], self._client.stream_events(self._next))
        read = 0
        try:
            for event in stream:
                self._next = event.sequence + 1
                read += 1
                view = self._news(event)
                if view is not None:
                    news.append(view)
                if event.sequence >= last or read >= self._batch:
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
            self._seen(OrderView.of(order))
            return EventView("fill", cid, order.status, None, FillView.of(order, event.fill))
        if event.kind in _TERMINAL_EVENTS:
            known = self._known.get(cid)
            if known is not None:
                self._known[cid] = replace(known, status=event.kind)
            return EventView(event.kind, cid, event.kind, event.reason, None)
        return None

    def close(self) -> None:
        """Closes the channel (the remote gateway keeps running and keeps its journal)."""
        self._client.close()


class RemoteGateway(EmbeddedGateway):
    """The daemon's gateway when it trades through a `trader-gateway` process (`--gateway URL`)."""

    def __init__(
        self, target: str, token: str, *, retry: RetryPolicy | None = None, batch: int = 1000
    ) -> None:
        self.target = target
        client = GatewayClient(target, token, retry=retry)
        try:
            client.health()
        except GatewayError as exc:
            client.close()
            raise DaemonError(f"--gateway {target}: cannot use the gateway ({exc})") from None
        # RemoteCore answers the part of SimGateway's API that EmbeddedGateway's methods call (the order
        # calls, set_kill_switch, close): every method and the model conversions are inherited unchanged.
        self.remote_core = RemoteCore(client, batch=batch)
        self.core = standing_in_for_sim(self.remote_core)
        self._submitted_at: dict[str, datetime] = {}
        self._now_ns = 0
