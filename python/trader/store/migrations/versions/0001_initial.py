"""The first schema: runs, orders, fills, decisions, position snapshots, trades, equity, metrics."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_INSTANT = sa.String(32)
_EXACT = sa.String(64)


def _run_id() -> sa.Column[str]:
    return sa.Column("run_id", sa.String(64), nullable=False)


def _run_keys(table: str, *columns: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=f"fk_{table}_run_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", *columns, name=f"pk_{table}"),
    ]


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("strategy", sa.String(200), nullable=False),
        sa.Column("strategy_id", sa.String(200), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("symbols", sa.Text, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("start_ts", _INSTANT, nullable=False),
        sa.Column("end_ts", _INSTANT, nullable=False),
        sa.Column("starting_cash", _EXACT, nullable=False),
        sa.Column("final_equity", _EXACT, nullable=False),
        sa.Column("cash", _EXACT, nullable=False),
        sa.Column("fees", _EXACT, nullable=False),
        sa.Column("realised_pnl", _EXACT, nullable=False),
        sa.Column("journal_head_seq", sa.Integer, nullable=False),
        sa.Column("journal_head_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
    )
    op.create_index("ix_runs_strategy_id", "runs", ["strategy_id"])
    op.create_index("ix_runs_journal_head_hash", "runs", ["journal_head_hash"])
    op.create_table(
        "orders",
        _run_id(),
        sa.Column("client_order_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("ts", _INSTANT, nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("qty", _EXACT, nullable=False),
        sa.Column("order_type", sa.String(16), nullable=False),
        sa.Column("limit_price", _EXACT),
        sa.Column("stop_price", _EXACT),
        sa.Column("time_in_force", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        *_run_keys("orders", "client_order_id"),
    )
    op.create_table(
        "fills",
        _run_id(),
        sa.Column("fill_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("order_id", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(128), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("qty", _EXACT, nullable=False),
        sa.Column("price", _EXACT, nullable=False),
        sa.Column("fee", _EXACT, nullable=False),
        sa.Column("fee_currency", sa.String(16), nullable=False),
        sa.Column("ts", _INSTANT, nullable=False),
        *_run_keys("fills", "fill_id"),
    )
    op.create_table(
        "decisions",
        _run_id(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("ts", _INSTANT, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("client_order_id", sa.String(128)),
        sa.Column("action", sa.String(32)),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        *_run_keys("decisions", "seq"),
    )
    op.create_table(
        "position_snapshots",
        _run_id(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("ts", _INSTANT, nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("qty", _EXACT, nullable=False),
        sa.Column("avg_entry_price", _EXACT),
        *_run_keys("position_snapshots", "seq"),
    )
    op.create_table(
        "trades",
        _run_id(),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("qty", _EXACT, nullable=False),
        sa.Column("entry_time", _INSTANT, nullable=False),
        sa.Column("entry_price", _EXACT, nullable=False),
        sa.Column("exit_time", _INSTANT, nullable=False),
        sa.Column("exit_price", _EXACT, nullable=False),
        sa.Column("gross_pnl", _EXACT, nullable=False),
        sa.Column("fees", _EXACT, nullable=False),
        sa.Column("pnl", _EXACT, nullable=False),
        sa.Column("holding_seconds", _EXACT, nullable=False),
        sa.Column("r_multiple", sa.String(32)),
        sa.Column("entry_order", sa.String(128), nullable=False),
        sa.Column("exit_order", sa.String(128), nullable=False),
        *_run_keys("trades", "idx"),
    )
    op.create_table(
        "equity",
        _run_id(),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("ts", _INSTANT, nullable=False),
        sa.Column("equity", sa.String(32), nullable=False),
        sa.Column("gross_exposure", sa.String(32), nullable=False),
        sa.Column("net_exposure", sa.String(32), nullable=False),
        *_run_keys("equity", "idx"),
    )
    op.create_table(
        "metrics",
        _run_id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        *_run_keys("metrics", "name"),
    )


def downgrade() -> None:
    """Drop every table, children first."""
    for table in (
        "metrics",
        "equity",
        "trades",
        "position_snapshots",
        "decisions",
        "fills",
        "orders",
        "runs",
    ):
        op.drop_table(table)
