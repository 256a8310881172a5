"""Saving a run to the store and loading it back: one transaction per run, rows in key order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from trader.store import schema
from trader.store.database import Store, describe_failure
from trader.store.errors import StoreError
from trader.store.run_data import RunData

_TABLES: dict[str, Table] = {
    "orders": schema.orders,
    "fills": schema.fills,
    "decisions": schema.decisions,
    "position_snapshots": schema.position_snapshots,
    "trades": schema.trades,
    "equity": schema.equity,
    "metrics": schema.metrics,
}
# The order rows load in, which is the order they were gathered in: journal order, curve order, by name.
_ORDER: dict[str, tuple[str, ...]] = {
    "orders": ("seq",),
    "fills": ("seq",),
    "decisions": ("seq",),
    "position_snapshots": ("seq",),
    "trades": ("idx",),
    "equity": ("idx",),
    "metrics": ("name",),
}


def save_run(store: Store, data: RunData, *, replace: bool = False) -> str:
    """Store every row of `data` atomically; refuses an existing run id unless `replace`. Returns the id."""
    run_id = data.run_id
    try:
        with store.engine.begin() as conn:
            exists = conn.execute(select(schema.runs.c.run_id).where(schema.runs.c.run_id == run_id)).first()
            if exists is not None:
                if not replace:
                    raise StoreError(
                        f"run {run_id!r} is already stored in {store.display_url} (pass another run id, "
                        "or replace it)"
                    )
                _delete(conn, run_id)
            conn.execute(insert(schema.runs), [data.run])
            for name, table in _TABLES.items():
                rows = getattr(data, name)
                if rows:
                    conn.execute(insert(table), [{**row, "run_id": run_id} for row in rows])
    except IntegrityError as exc:
        raise StoreError(
            f"run {run_id!r}: rows refused by {store.display_url}: {describe_failure(exc, store.url)}"
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(
            f"run {run_id!r}: cannot write to {store.display_url}: {describe_failure(exc, store.url)}"
        ) from None
    return run_id


def _delete(conn: Connection, run_id: str) -> None:
    for table in _TABLES.values():
        conn.execute(delete(table).where(table.c.run_id == run_id))
    conn.execute(delete(schema.runs).where(schema.runs.c.run_id == run_id))


def _rows(conn: Connection, name: str, run_id: str) -> list[dict[str, Any]]:
    table = _TABLES[name]
    keys = [table.c[column] for column in _ORDER[name]]
    query = select(*[c for c in table.columns if c.name != "run_id"]).where(table.c.run_id == run_id)
    return [dict(row._mapping) for row in conn.execute(query.order_by(*keys))]


def load_run(store: Store, run_id: str) -> RunData:
    """Every stored row of run `run_id`, in key order; StoreError naming the run when it is not there."""
    try:
        with store.engine.connect() as conn:
            found = conn.execute(select(schema.runs).where(schema.runs.c.run_id == run_id)).first()
            if found is None:
                known = list_run_ids(conn)
                hint = f" (stored: {', '.join(known[-5:])})" if known else " (the store holds no runs)"
                raise StoreError(f"run {run_id!r}: not in {store.display_url}{hint}")
            tables = {name: _rows(conn, name, run_id) for name in _TABLES}
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read {store.display_url}: {describe_failure(exc, store.url)}") from None
    return RunData(run=dict(found._mapping), **tables)


def list_run_ids(conn: Connection) -> list[str]:
    """Stored run ids in id order."""
    return [
        str(r) for r in conn.execute(select(schema.runs.c.run_id).order_by(schema.runs.c.run_id)).scalars()
    ]


def list_runs(store: Store) -> list[dict[str, Any]]:
    """One summary row per stored run (id, mode, strategy and its params, period, final equity, trade count),
    oldest end first."""
    trades = (
        select(schema.trades.c.run_id, func.count().label("trades"))
        .group_by(schema.trades.c.run_id)
        .subquery()
    )
    r = schema.runs.c
    query = (
        select(
            r.run_id, r.mode, r.strategy_id, r.params, r.start_ts, r.end_ts, r.final_equity, trades.c.trades
        )
        .outerjoin(trades, trades.c.run_id == r.run_id)
        .order_by(r.end_ts, r.run_id)
    )
    with store.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def find_run_ids(store: Store, *, journal_head_hash: str) -> list[str]:
    """The runs stored from a journal with this head hash."""
    query = select(schema.runs.c.run_id).where(schema.runs.c.journal_head_hash == journal_head_hash)
    with store.engine.connect() as conn:
        return [str(r) for r in conn.execute(query.order_by(schema.runs.c.run_id)).scalars()]
