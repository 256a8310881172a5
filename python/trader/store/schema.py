"""The store's tables (SQLAlchemy Core): one run and everything it did, keyed by run id."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

from trader.store.columns import ExactDecimal

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

# Instants are ISO-8601 UTC text with microseconds and a Z ("2024-03-01T14:30:00.000000Z"): one spelling
# on every backend, sortable as text, the same as the journal's.
_INSTANT = String(32)


def _run_fk() -> Column[str]:
    return Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True)


runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("mode", String(16), nullable=False),  # backtest | paper | live
    Column("strategy", String(200), nullable=False),
    Column("strategy_id", String(200), nullable=False, index=True),
    Column("params", Text, nullable=False),  # canonical JSON
    Column("symbols", Text, nullable=False),  # canonical JSON list
    Column("config", Text, nullable=False),  # canonical JSON
    Column("start_ts", _INSTANT, nullable=False),
    Column("end_ts", _INSTANT, nullable=False),
    Column("starting_cash", ExactDecimal, nullable=False),
    Column("final_equity", ExactDecimal, nullable=False),
    Column("cash", ExactDecimal, nullable=False),
    Column("fees", ExactDecimal, nullable=False),
    Column("realised_pnl", ExactDecimal, nullable=False),
    Column("journal_head_seq", Integer, nullable=False),
    Column("journal_head_hash", String(64), nullable=False, index=True),
)

orders = Table(
    "orders",
    metadata,
    _run_fk(),
    Column("client_order_id", String(128), primary_key=True),
    Column("seq", Integer, nullable=False),  # the journal record of the intent
    Column("ts", _INSTANT, nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("qty", ExactDecimal, nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("limit_price", ExactDecimal),
    Column("stop_price", ExactDecimal),
    Column("time_in_force", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(32), nullable=False),
)

fills = Table(
    "fills",
    metadata,
    _run_fk(),
    Column("fill_id", String(128), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("client_order_id", String(128), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("qty", ExactDecimal, nullable=False),
    Column("price", ExactDecimal, nullable=False),
    Column("fee", ExactDecimal, nullable=False),
    Column("fee_currency", String(16), nullable=False),
    Column("ts", _INSTANT, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    _run_fk(),
    Column("seq", Integer, primary_key=True),  # the journal record it came from
    Column("ts", _INSTANT, nullable=False),
    Column("kind", String(32), nullable=False),  # order_intent | risk_verdict | gateway_reject | signal ...
    Column("client_order_id", String(128)),
    Column("action", String(32)),  # the risk verdict's approve/resize/reject, the gateway's status
    Column("reasons", Text, nullable=False),  # canonical JSON list of reason codes
    Column("message", Text, nullable=False),
)

position_snapshots = Table(
    "position_snapshots",
    metadata,
    _run_fk(),
    Column("seq", Integer, primary_key=True),  # the fill record that left the position so
    Column("ts", _INSTANT, nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("qty", ExactDecimal, nullable=False),  # signed; 0 once flat
    Column("avg_entry_price", ExactDecimal),  # None when flat
)

trades = Table(
    "trades",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),  # closing order, from 0
    Column("symbol", String(32), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("qty", ExactDecimal, nullable=False),
    Column("entry_time", _INSTANT, nullable=False),
    Column("entry_price", ExactDecimal, nullable=False),
    Column("exit_time", _INSTANT, nullable=False),
    Column("exit_price", ExactDecimal, nullable=False),
    Column("gross_pnl", ExactDecimal, nullable=False),
    Column("fees", ExactDecimal, nullable=False),
    Column("pnl", ExactDecimal, nullable=False),
    Column("holding_seconds", ExactDecimal, nullable=False),
    Column("r_multiple", String(32)),  # a statistic (float text), not money
    Column("entry_order", String(128), nullable=False),
    Column("exit_order", String(128), nullable=False),
)

equity = Table(
    "equity",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),
    Column("ts", _INSTANT, nullable=False),
    # The curve is float64 by design (marked per bar for the metrics); kept as its shortest repr text so
    # the stored value reads back bit for bit.
    Column("equity", String(32), nullable=False),
    Column("gross_exposure", String(32), nullable=False),
    Column("net_exposure", String(32), nullable=False),
)

metrics = Table(
    "metrics",
    metadata,
    _run_fk(),
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),  # canonical JSON of the value (number, text or null)
)
