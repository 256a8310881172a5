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
    journal, stamp = broker.journal, broker.now
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
            journal.append(record, payload, ts=stamp)
            continue
        fill = to_fill(fill_view)
        journal.append(JournalKind.FILL, fill, ts=stamp)
        stop = broker.stops.get(fill.client_order_id)
        risk_per_unit = None if stop is None else abs(fill.price - stop)
        risk = broker.risk
        held = None if stop is None or risk is None else broker.portfolio.position_qty(fill.symbol)
        broker.portfolio.apply_fill(fill, risk_per_unit=risk_per_unit or None)
        if risk is not None and stop is not None and held is not None:
            risk.entered(fill.symbol, fill.side.value, fill.price, stop, held)  # risk's stop protects it
        strategy.on_fill(fill)
        booked.append(fill)
    return booked
