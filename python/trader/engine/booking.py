"""Booking the venue's events: each is journaled; a fill goes to the ledger, risk's stops and the strategy."""

from __future__ import annotations

from collections.abc import Callable

from trader._core import GatewayEvent, GatewayFill
from trader.engine.broker import BacktestBroker
from trader.execution.embedded import EmbeddedGateway
from trader.journal import JournalKind
from trader.models import Fill
from trader.strategies.base import Strategy


def book_events(
    events: list[GatewayEvent],
    strategy: Strategy,
    broker: BacktestBroker,
    *,
    to_fill: Callable[[GatewayFill], Fill] = EmbeddedGateway.to_fill,
) -> list[Fill]:
    """Journal the venue's events; book fills (made by `to_fill`) and tell the strategy; returns the fills."""
    append, stamp = broker.journal.append, broker.now
    portfolio, stops = broker.portfolio, broker.stops
    booked: list[Fill] = []
    for event in events:
        fill_view = event.fill
        if fill_view is None:
            kind = event.kind
            record = JournalKind.GATEWAY_REJECT if kind == "rejected" else JournalKind.GATEWAY_ACK
            payload = {
                "client_order_id": event.client_order_id,
                "event": kind,
                "status": event.status,
                "detail": event.detail,
            }
            append(record, payload, ts=stamp)
            continue
        fill = to_fill(fill_view)
        append(JournalKind.FILL, fill, ts=stamp)
        stop = stops.get(fill.client_order_id) if stops else None
        if stop is None:
            portfolio.apply_fill(fill)
        else:
            risk = broker.risk
            held = None if risk is None else portfolio.position_qty(fill.symbol)
            portfolio.apply_fill(fill, risk_per_unit=abs(fill.price - stop) or None)
            if risk is not None and held is not None:
                risk.entered(fill.symbol, fill.side.value, fill.price, stop, held)  # risk's stop protects it
        strategy.on_fill(fill)
        booked.append(fill)
    return booked
