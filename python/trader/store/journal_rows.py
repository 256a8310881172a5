"""A run's journal as store rows: the run's opening facts, its orders, fills and decisions with reasons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from trader.journal import JournalKind, Record, read_records
from trader.journal.canonical import format_instant
from trader.models import Fill
from trader.portfolio import Portfolio
from trader.store.errors import StoreError

# Kinds that record a decision (what was decided and why); acks only move an order's status.
_DECISION_KINDS = frozenset(
    {
        JournalKind.SIGNAL,
        JournalKind.ORDER_INTENT,
        JournalKind.RISK_VERDICT,
        JournalKind.GATEWAY_REJECT,
        JournalKind.BREAKER_TRIP,
        JournalKind.BREAKER_RECOVERY,
        JournalKind.MODE_CHANGE,
        JournalKind.MANUAL_ACTION,
        JournalKind.CONFIG_CHANGE,
    }
)


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace: the same text for the same value on every backend."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(slots=True)
class JournalRows:
    """What a run's journal says, as rows ready for the store (exact decimals, canonical instants)."""

    start: dict[str, Any]
    head_seq: int
    head_hash: str
    orders: list[dict[str, Any]] = field(default_factory=list)
    fills: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    fill_models: list[Fill] = field(default_factory=list)


def read_journal(path: Path) -> list[Record]:
    """Every record of the journal, the whole chain checked first (a broken journal raises JournalError)."""
    if not path.exists():
        raise StoreError(f"{path}: journal not found")
    return list(read_records(path))


def journal_rows(path: Path) -> JournalRows:
    """Walk the journal once and collect the run's orders, fills and decisions."""
    records = read_journal(path)
    starts = [r for r in records if r.kind is JournalKind.RUN_START]
    if not starts:
        raise StoreError(f"{path}: no run_start record; not the journal of a run")
    rows = JournalRows(start=starts[0].payload, head_seq=records[-1].seq, head_hash=records[-1].hash)
    by_order: dict[str, dict[str, Any]] = {}
    for record in records:
        try:
            _take(path, record, rows, by_order)
        except KeyError as exc:
            raise StoreError(
                f"{path}: seq {record.seq} ({record.kind.value}): missing field {exc.args[0]!r}"
            ) from None
        except InvalidOperation:
            raise StoreError(
                f"{path}: seq {record.seq} ({record.kind.value}): a quantity or price is not a number"
            ) from None
    return rows


def _take(path: Path, record: Record, rows: JournalRows, by_order: dict[str, dict[str, Any]]) -> None:
    """Fold one record into the rows."""
    payload, kind = record.payload, record.kind
    order_id = payload.get("client_order_id")
    if kind is JournalKind.ORDER_INTENT:
        order = _order(record)
        by_order[order["client_order_id"]] = order
        rows.orders.append(order)
    elif kind is JournalKind.FILL:
        rows.fill_models.append(_fill_model(path, record))
        rows.fills.append(_fill_row(record))
    elif kind is JournalKind.GATEWAY_ACK and order_id in by_order:
        by_order[order_id]["status"] = str(payload.get("status") or payload.get("event") or "accepted")
    elif kind is JournalKind.GATEWAY_REJECT and order_id in by_order:
        by_order[order_id]["status"] = "rejected"
    elif kind is JournalKind.RISK_VERDICT and order_id in by_order and payload.get("action") == "reject":
        by_order[order_id]["status"] = "risk_rejected"
    if kind in _DECISION_KINDS:
        rows.decisions.append(_decision(record))


def _order(record: Record) -> dict[str, Any]:
    p = record.payload
    return {
        "client_order_id": p["client_order_id"],
        "seq": record.seq,
        "ts": record.ts,
        "symbol": p["symbol"],
        "side": p["side"],
        "qty": Decimal(p["qty"]),
        "order_type": p["order_type"],
        "limit_price": _decimal(p.get("limit_price")),
        "stop_price": _decimal(p.get("stop_price")),
        "time_in_force": p.get("time_in_force") or "gtc",
        "reason": p.get("reason") or "",
        "status": "new",
    }


def _fill_model(path: Path, record: Record) -> Fill:
    from pydantic import ValidationError

    try:
        return Fill.model_validate(record.payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise StoreError(f"{path}: seq {record.seq}: fill field {where!r}: {first['msg']}") from None


def _fill_row(record: Record) -> dict[str, Any]:
    p = record.payload
    return {
        "fill_id": p["fill_id"],
        "seq": record.seq,
        "order_id": p["order_id"],
        "client_order_id": p["client_order_id"],
        "symbol": p["symbol"],
        "side": p["side"],
        "qty": Decimal(p["qty"]),
        "price": Decimal(p["price"]),
        "fee": Decimal(p["fee"]),
        "fee_currency": p["fee_currency"],
        "ts": p["timestamp"],
    }


def _decision(record: Record) -> dict[str, Any]:
    p = record.payload
    reasons = p.get("reasons")
    if reasons is None:
        code = p.get("reason_code")
        reasons = [] if code is None else [code]
    message = p.get("message") or p.get("reason") or p.get("detail")
    action = p.get("action") or p.get("event") or p.get("status")
    return {
        "seq": record.seq,
        "ts": record.ts,
        "kind": record.kind.value,
        "client_order_id": p.get("client_order_id"),
        "action": None if action is None else str(action),
        "reasons": canonical_json(reasons),
        "message": str(message) if message is not None else canonical_json(p),
    }


def rebuild_portfolio(
    starting_cash: Decimal, fills: list[Fill], seqs: list[int] | None = None
) -> tuple[Portfolio, list[dict[str, Any]]]:
    """The ledger the journal's fills produce, booked in journal order from `starting_cash`, and the
    position each fill left behind (one snapshot row per fill, keyed by its journal seq)."""
    portfolio = Portfolio(starting_cash)
    snapshots = []
    for i, fill in enumerate(fills):
        portfolio.apply_fill(fill)
        snapshots.append(
            {
                "seq": seqs[i] if seqs is not None else i + 1,
                "ts": format_instant(fill.timestamp),
                "symbol": fill.symbol,
                "qty": portfolio.position_qty(fill.symbol),
                "avg_entry_price": portfolio.avg_entry_price(fill.symbol),
            }
        )
    return portfolio, snapshots
