"""Stop orders for a venue that takes none: the daemon holds them and sends a market exit when one is hit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Unpack

from trader.errors import TraderError
from trader.execution.core import CoreOrder, GatewayCore, OrderOptions, standing_in_for_sim
from trader.execution.embedded import EmbeddedGateway
from trader.journal import Journal, JournalKind
from trader.live.remote_gateway import OrderView


class EmulatingCore:
    """The core calls risk's stops make, with stop orders kept here instead of at the venue.

    A `stop` submit is held (answered `accepted`, journaled as emulated); every other order, and every call
    about an order not held, goes to the venue's own core. `watch` sees each price range: a held stop it
    reaches is sent to the venue as a market order under the stop's own client order id (one intent, one
    venue order), journaled as an emulated trigger. Held stops live in this process only: after a restart
    risk places them again from the snapshot's state.
    """

    def __init__(self, venue: GatewayCore, journal: Journal) -> None:
        self._venue = venue
        self._journal = journal
        self.held: dict[str, OrderView] = {}

    def submit(
        self,
        client_order_id: str,
        symbol: str,
        side: str,
        qty: Decimal | str,
        order_type: str = "market",
        /,
        **options: Unpack[OrderOptions],
    ) -> CoreOrder:
        """Hold a stop order; pass anything else to the venue."""
        stop_price = options.get("stop_price")
        if order_type != "stop" or stop_price is None:
            return self._venue.submit(client_order_id, symbol, side, qty, order_type, **options)
        known = self.held.get(client_order_id)
        if known is not None:
            return replace(known, duplicate=True)
        view = OrderView(
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            quantity=format(Decimal(qty), "f"),
            order_type="stop",
            limit_price=None,
            stop_price=format(stop_price, "f"),
            trail_price=None,
            trail_percent=None,
            time_in_force=options.get("time_in_force", "day"),
            strategy=options.get("strategy"),
            status="accepted",
            venue_order_id=None,
            filled_quantity="0",
            average_fill_price=None,
            reject_reason=None,
        )
        self.held[client_order_id] = view
        payload = {
            "client_order_id": client_order_id,
            "event": "emulated_stop_held",
            "emulated": True,
            "status": "accepted",
            "detail": "the venue takes no stop orders: held here, a market exit goes out at the stop",
        }
        self._journal.append(JournalKind.GATEWAY_ACK, payload, actor="risk")
        return view

    def cancel(self, client_order_id: str, /) -> CoreOrder:
        held = self.held.pop(client_order_id, None)
        if held is None:
            return self._venue.cancel(client_order_id)
        return replace(held, status="canceled")

    def order(self, client_order_id: str, /) -> CoreOrder | None:
        held = self.held.get(client_order_id)
        return held if held is not None else self._venue.order(client_order_id)

    def orders(self) -> list[CoreOrder]:
        found: list[CoreOrder] = [*self._venue.orders(), *self.held.values()]
        return sorted(found, key=lambda view: view.client_order_id)

    def positions(self) -> dict[str, str]:
        return dict(self._venue.positions())

    def watch(self, symbol: str, low: float, high: float, now: datetime) -> list[str]:
        """Send a market exit for every held stop of `symbol` that a price in [low, high] reached."""
        sent = []
        for order_id, view in sorted(self.held.items()):
            if view.symbol != symbol or view.stop_price is None:
                continue
            stop = Decimal(view.stop_price)
            touched = Decimal(repr(low)) <= stop if view.side == "sell" else Decimal(repr(high)) >= stop
            if touched:
                del self.held[order_id]
                self._trigger(view, low if view.side == "sell" else high, now)
                sent.append(order_id)
        return sent

    def _trigger(self, view: OrderView, price: float, now: datetime) -> None:
        record = {
            "client_order_id": view.client_order_id,
            "emulated": True,
            "stop_price": view.stop_price,
            "price": repr(price),
            "sent": "market",
        }
        try:
            answer = self._venue.submit(
                view.client_order_id,
                view.symbol,
                view.side,
                view.quantity,
                "market",
                time_in_force="gtc",
                strategy=view.strategy,
            )
        except TraderError as exc:
            payload = {**record, "event": "emulated_stop_refused", "detail": str(exc)}
            self._journal.append(JournalKind.GATEWAY_REJECT, payload, ts=now, actor="risk")
            return
        payload = {**record, "event": "emulated_stop_triggered", "status": answer.status}
        self._journal.append(JournalKind.GATEWAY_ACK, payload, ts=now, actor="risk")


class EmulatedStopsGateway(EmbeddedGateway):
    """`venue` (embedded or remote) as risk sees it when its stops are emulated: held by `emulator`."""

    def __init__(self, venue: EmbeddedGateway, journal: Journal) -> None:
        self.venue = venue
        self.emulator = EmulatingCore(venue.core, journal)
        self.core = standing_in_for_sim(self.emulator)
        self._submitted_at: dict[str, datetime] = {}
        self._now_ns = 0
