"""The trade-journal export: every round trip with the reasons behind its entry and its exit."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from trader.store.database import Store
from trader.store.run_data import RunData
from trader.store.runs import load_run

EXPORT_COLUMNS = (
    "trade", "symbol", "direction", "qty",
    "entry_time", "entry_price", "entry_order",
    "entry_reason", "entry_risk", "entry_risk_reasons", "entry_risk_message",
    "exit_time", "exit_price", "exit_order",
    "exit_reason", "exit_risk", "exit_risk_reasons", "exit_risk_message",
    "gross_pnl", "fees", "pnl", "r_multiple", "holding_seconds",
)  # fmt: skip


def _text(value: object) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _why(data: RunData) -> dict[str, dict[str, str]]:
    """Per client order id: the strategy's stated reason and the risk verdict (action, codes, message)."""
    why: dict[str, dict[str, str]] = {
        o["client_order_id"]: {"reason": o["reason"], "risk": "", "risk_reasons": "", "risk_message": ""}
        for o in data.orders
    }
    for decision in data.decisions:
        order = decision["client_order_id"]
        if decision["kind"] != "risk_verdict" or order not in why:
            continue
        why[order]["risk"] = decision["action"] or ""
        why[order]["risk_reasons"] = ";".join(json.loads(decision["reasons"]))
        why[order]["risk_message"] = decision["message"]
    return why


def trade_journal(data: RunData) -> list[dict[str, str]]:
    """The export rows of a stored run, in the order its trades closed."""
    why = _why(data)
    blank = {"reason": "", "risk": "", "risk_reasons": "", "risk_message": ""}
    rows = []
    for trade in data.trades:
        entry, exit_ = why.get(trade["entry_order"], blank), why.get(trade["exit_order"], blank)
        row: dict[str, Any] = {"trade": trade["idx"] + 1}
        row.update(
            {k: trade[k] for k in ("symbol", "direction", "qty", "entry_time", "entry_price", "entry_order")}
        )
        row.update({f"entry_{k}": v for k, v in entry.items()})
        row.update({k: trade[k] for k in ("exit_time", "exit_price", "exit_order")})
        row.update({f"exit_{k}": v for k, v in exit_.items()})
        row.update({k: trade[k] for k in ("gross_pnl", "fees", "pnl", "r_multiple", "holding_seconds")})
        rows.append({k: _text(row[k]) for k in EXPORT_COLUMNS})
    return rows


def export_trades(store: Store, run_id: str, out: Path) -> int:
    """Write the trade journal of run `run_id` to `out` (CSV); returns the number of trades."""
    rows = trade_journal(load_run(store, run_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
