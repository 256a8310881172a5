"""Replay: rebuild a run's books from its journal and prove the store holds exactly that state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from trader.portfolio import Portfolio
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.instants import instant_text
from trader.store.journal_rows import journal_rows, rebuild_portfolio
from trader.store.run_data import trade_rows
from trader.store.runs import find_run_ids, load_run

# Trade fields the fills alone determine (the R multiple also needs the risk stop, which fills do not carry).
_TRADE_FIELDS = (
    "symbol", "direction", "qty", "entry_time", "entry_price", "exit_time", "exit_price",
    "gross_pnl", "fees", "pnl", "entry_order", "exit_order",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What replay compared, and the first difference (None when the store matches the journal)."""

    run_id: str
    records: int
    fills: int
    positions: dict[str, Decimal]
    cash: Decimal
    realised_pnl: Decimal
    difference: str | None

    @property
    def ok(self) -> bool:
        """True when every compared value is equal."""
        return self.difference is None


def _show(value: object) -> str:
    return format(value, "f") if isinstance(value, Decimal) else repr(value)


def _differ(what: str, stored: object, replayed: object) -> str | None:
    if stored == replayed:
        return None
    return f"{what}: stored {_show(stored)}, journal gives {_show(replayed)}"


def _first_row_difference(
    table: str,
    key: str,
    stored: Sequence[dict[str, Any]],
    replayed: Sequence[dict[str, Any]],
    fields: Sequence[str] | None = None,
) -> str | None:
    for i, (ours, theirs) in enumerate(zip(stored, replayed, strict=False)):
        for name in fields or theirs.keys():
            if ours.get(name) != theirs.get(name):
                return _differ(
                    f"{table} row {i + 1} ({key} {theirs[key]}) field {name!r}", ours.get(name), theirs[name]
                )
    return _differ(f"{table}: number of rows", len(stored), len(replayed))


def _positions(portfolio: Portfolio) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        s: (portfolio.position_qty(s), portfolio.avg_entry_price(s) or Decimal(0)) for s in portfolio.symbols
    }


def resolve_run(store: Store, head_hash: str, run_id: str | None) -> str:
    """`run_id` when given, else the one run stored from the journal with this head hash."""
    if run_id is not None:
        return run_id
    found = find_run_ids(store, journal_head_hash=head_hash)
    if not found:
        raise StoreError(
            f"no run in {store.display_url} was stored from this journal (head {head_hash[:16]}...); "
            "pass --run ID"
        )
    if len(found) > 1:
        raise StoreError(f"several runs were stored from this journal ({', '.join(found)}); pass --run ID")
    return found[0]


def replay(store: Store, journal: Path, run_id: str | None = None) -> ReplayReport:
    """Book the journal's fills into a fresh ledger and compare it with the stored run, field by field.

    Order of checks: starting cash, the fills themselves, positions, cash, fees, realised P&L, round
    trips, then the orders and decisions; the first difference is reported.
    """
    rows = journal_rows(journal)
    run_id = resolve_run(store, rows.head_hash, run_id)
    stored = load_run(store, run_id)
    starting = Decimal(str(rows.start.get("config", {}).get("starting_cash", stored.run["starting_cash"])))
    portfolio, snapshots = rebuild_portfolio(starting, rows.fill_models, [f["seq"] for f in rows.fills])
    fills = [{**f, "ts": instant_text(f["ts"], "fill.timestamp")} for f in rows.fills]
    # The stored position of each symbol is its last snapshot; flat ones drop out.
    last: dict[str, tuple[Decimal, Decimal]] = {}
    for p in stored.position_snapshots:
        last[p["symbol"]] = (p["qty"], p["avg_entry_price"] or Decimal(0))
    snapshot = {s: held for s, held in last.items() if held[0] != 0}
    replayed = _positions(portfolio)
    checks: tuple[Callable[[], str | None], ...] = (
        lambda: _differ("starting cash", stored.run["starting_cash"], starting),
        lambda: _first_row_difference("fills", "fill_id", stored.fills, fills),
        lambda: _position_difference(snapshot, replayed),
        lambda: _first_row_difference("position_snapshots", "seq", stored.position_snapshots, snapshots),
        lambda: _differ("cash", stored.run["cash"], portfolio.cash),
        lambda: _differ("fees", stored.run["fees"], portfolio.fees),
        lambda: _differ("realised P&L", stored.run["realised_pnl"], portfolio.realised_pnl),
        lambda: _first_row_difference(
            "trades", "exit_order", stored.trades, trade_rows(portfolio.trades.closed), _TRADE_FIELDS
        ),
        lambda: _first_row_difference("orders", "client_order_id", stored.orders, rows.orders),
        lambda: _first_row_difference("decisions", "seq", stored.decisions, rows.decisions),
    )
    difference = next((d for d in (check() for check in checks) if d is not None), None)
    return ReplayReport(
        run_id=run_id,
        records=rows.head_seq,
        fills=len(fills),
        positions={s: q for s, (q, _) in replayed.items()},
        cash=portfolio.cash,
        realised_pnl=portfolio.realised_pnl,
        difference=difference,
    )


def _position_difference(
    stored: dict[str, tuple[Decimal, Decimal]], replayed: dict[str, tuple[Decimal, Decimal]]
) -> str | None:
    for symbol in sorted(stored.keys() | replayed.keys()):
        ours, theirs = stored.get(symbol), replayed.get(symbol)
        if ours is None or theirs is None:
            return _differ(
                f"position {symbol} qty", ours[0] if ours else Decimal(0), theirs[0] if theirs else Decimal(0)
            )
        found = _differ(f"position {symbol} qty", ours[0], theirs[0]) or _differ(
            f"position {symbol} average entry price", ours[1], theirs[1]
        )
        if found:
            return found
    return None
