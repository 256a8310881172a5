"""Reconciliation at start: local state (snapshot + journal) against the venue's orders, positions, cash."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from trader._core import GatewayFill, GatewayOrder
from trader.execution.embedded import EmbeddedGateway
from trader.journal import JournalKind, read_records
from trader.live.snapshot import Snapshot
from trader.models import Fill
from trader.portfolio import Portfolio

_ZERO = Decimal(0)
TERMINAL = frozenset({"filled", "canceled", "cancelled", "expired", "rejected", "replaced"})


@dataclass(frozen=True, slots=True)
class VenueState:
    """What the venue says: every fill (time order), net positions, open orders, and a halt if any."""

    fills: list[Fill]
    positions: dict[str, Decimal]
    open_orders: dict[str, str]
    halted: str | None

    def ledger(self, starting_cash: Decimal) -> Portfolio:
        """The exact ledger the venue's fills make from `starting_cash`."""
        portfolio = Portfolio(starting_cash)
        for fill in self.fills:
            portfolio.apply_fill(fill)
        return portfolio


def session_fill(view: GatewayFill) -> Fill:
    """The domain fill, its id made unique across restarts.

    A fresh SimVenue numbers its fills from 1 again (sim-1-f1, ...), so after a restart two fills could share
    an id; prefixing the client order id (unique for good: the order sequence continues) keeps every id
    distinct, as the ledger requires.
    """
    fill = EmbeddedGateway.to_fill(view)
    unique = f"{fill.client_order_id}:{fill.fill_id}"
    if len(unique) > 64:  # the longest id a Fill holds: keep it unique, if no longer readable
        unique = f"{hashlib.sha256(fill.client_order_id.encode()).hexdigest()[:40]}:{fill.fill_id}"[:64]
    return Fill.model_validate({**fill.model_dump(), "fill_id": unique})


def venue_state(gateway: EmbeddedGateway, earlier: Sequence[GatewayOrder] = ()) -> VenueState:
    """Read the gateway (restored from its journal) as the venue of record, with the fills of `earlier`
    epochs' orders (their open orders died with their venue: not open any more)."""
    views = gateway.core.orders()
    fills = [session_fill(f) for view in [*earlier, *views] for f in view.fills]
    fills.sort(key=lambda f: (f.timestamp, f.fill_id))
    positions = dict(gateway.positions())
    for fill in (session_fill(f) for view in earlier for f in view.fills):
        signed = fill.qty if fill.side.value == "buy" else -fill.qty
        positions[fill.symbol] = positions.get(fill.symbol, _ZERO) + signed
    open_orders = {v.client_order_id: v.status for v in views if v.status not in TERMINAL}
    flat = {s: q for s, q in positions.items() if q != 0}
    return VenueState(fills, flat, open_orders, gateway.core.halted)


class Discrepancy(NamedTuple):
    """One disagreement: what (position, cash, order, halt), about what, local and venue values."""

    kind: str
    subject: str
    local: str
    venue: str

    def describe(self) -> str:
        return f"{self.kind} {self.subject}: local {self.local}, venue {self.venue}"


@dataclass(frozen=True, slots=True)
class LocalState:
    """The snapshot brought forward by the journal's fills recorded after it."""

    positions: dict[str, Decimal]
    cash: Decimal
    open_orders: set[str]
    settled: set[str]
    """Orders the journal saw fill or end after the snapshot (their venue status explains itself)."""


def local_state(snapshot: Snapshot, journal: Path) -> LocalState:
    """Snapshot positions and cash, plus every FILL the journal holds past the snapshot's sequence."""
    positions = {s: Decimal(q) for s, q in snapshot.positions.items()}
    cash = Decimal(snapshot.cash)
    open_orders = {o["client_order_id"] for o in snapshot.open_orders}
    settled: set[str] = set()
    if journal.exists():
        for record in read_records(journal):
            if record.seq <= snapshot.journal_seq:
                continue
            if record.kind is JournalKind.GATEWAY_ACK:
                order_id, status = record.payload.get("client_order_id"), record.payload.get("status")
                if isinstance(order_id, str) and status in TERMINAL:
                    settled.add(order_id)
                elif isinstance(order_id, str):
                    open_orders.add(order_id)
                continue
            if record.kind is not JournalKind.FILL:
                continue
            fill = Fill.model_validate(record.payload)
            signed = fill.qty if fill.side.value == "buy" else -fill.qty
            positions[fill.symbol] = positions.get(fill.symbol, _ZERO) + signed
            fee = fill.fee if fill.fee_currency == "USD" else _ZERO
            cash += -signed * fill.price - fee
            settled.add(fill.client_order_id)
    return LocalState({s: q for s, q in positions.items() if q != 0}, cash, open_orders, settled)


def compare(local: LocalState, venue: VenueState, starting_cash: Decimal) -> list[Discrepancy]:
    """Every disagreement, in a fixed order: halt, positions by symbol, cash, orders by id."""
    found: list[Discrepancy] = []
    if venue.halted:
        found.append(Discrepancy("halt", "gateway", "trading", venue.halted))
    for symbol in sorted(set(local.positions) | set(venue.positions)):
        mine, theirs = local.positions.get(symbol, _ZERO), venue.positions.get(symbol, _ZERO)
        if mine != theirs:
            found.append(Discrepancy("position", symbol, format(mine, "f"), format(theirs, "f")))
    venue_cash = venue.ledger(starting_cash).cash
    if local.cash != venue_cash:
        found.append(Discrepancy("cash", "USD", format(local.cash, "f"), format(venue_cash, "f")))
    unknown = sorted(set(venue.open_orders) - local.open_orders - local.settled)
    found.extend(Discrepancy("order", o, "unknown", f"open ({venue.open_orders[o]})") for o in unknown)
    lost = sorted(local.open_orders - set(venue.open_orders) - local.settled)
    found.extend(Discrepancy("order", o, "open", "not open") for o in lost)
    return found
