"""`trader store save|list`, `trader replay`, `trader backup` and `trader restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

store_app = typer.Typer(
    name="store", help="Save backtest runs to the SQL store and list them.", no_args_is_help=True
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL or SQLite path (else $TRADER_DB_URL, else $TRADER_HOME/trader.db)."
    ),
]


@store_app.command("save")
def save_command(
    folder: Annotated[Path, typer.Argument(help="A backtest --out folder (summary.json, trades.csv, ...).")],
    db: DbOpt = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Run id (default: the journal head hash, 16 hex).")
    ] = None,
    mode: Annotated[str, typer.Option(help="backtest, paper or live.")] = "backtest",
    replace: Annotated[bool, typer.Option(help="Replace a run stored under the same id.")] = False,
) -> None:
    """Store a run: its orders, fills, decisions with reasons, positions, trades, equity and metrics."""
    from trader.store.database import Store
    from trader.store.run_data import from_folder
    from trader.store.runs import save_run

    data = from_folder(folder, run_id=run_id, mode=mode)
    with Store.open(db) as store:
        saved = save_run(store, data, replace=replace)
        typer.echo(
            f"stored run {saved} ({data.run['strategy_id']}, {len(data.fills)} fills, "
            f"{len(data.trades)} trades, {len(data.equity)} equity rows) in {store.display_url}"
        )


@store_app.command("list")
def list_command(db: DbOpt = None) -> None:
    """List the stored runs."""
    from trader.store.database import Store
    from trader.store.runs import list_runs

    with Store.open(db) as store:
        rows = list_runs(store)
        table = Table(title=f"runs in {store.display_url}")
    for name in ("run", "mode", "strategy", "start", "end", "final equity", "trades"):
        table.add_column(name)
    for row in rows:
        table.add_row(
            row["run_id"], row["mode"], row["strategy_id"], row["start_ts"][:10], row["end_ts"][:10],
            format(row["final_equity"], "f"), str(row["trades"] or 0),
        )  # fmt: skip
    Console(soft_wrap=True).print(table)


def replay_command(
    journal: Annotated[Path, typer.Argument(help="The run's journal (.jsonl file or directory).")],
    db: DbOpt = None,
    run: Annotated[
        str | None, typer.Option("--run", help="Stored run id (default: the run saved from this journal).")
    ] = None,
) -> None:
    """Rebuild the books from the journal's fills; exit 1 naming the first difference from the store."""
    from trader.store.database import Store
    from trader.store.replay import replay

    with Store.open(db) as store:
        report = replay(store, journal, run)
    if report.difference is not None:
        typer.echo(f"MISMATCH: run {report.run_id}: {report.difference}")
        raise typer.Exit(1)
    held = ", ".join(f"{s}={q:f}" for s, q in report.positions.items()) or "flat"
    typer.echo(
        f"match: run {report.run_id} equals its journal ({report.records} records, {report.fills} fills); "
        f"positions {held}; cash {report.cash:f}; realised P&L {report.realised_pnl:f}"
    )


def backup_command(
    out: Annotated[
        Path | None, typer.Option(help="Backup file (default $TRADER_HOME/backups/trader-<UTC>.db).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Copy the SQLite store with the online backup API (safe while it is written) and check the copy."""
    from trader.store.backup import backup_store

    result = backup_store(db, out)
    typer.echo(f"backup {result.path}: {result.runs} run(s), {result.bytes:,} bytes, integrity ok")


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup made by `trader backup`.")],
    db: DbOpt = None,
) -> None:
    """Integrity-check a backup, then copy it over the SQLite store."""
    from trader.store.backup import restore_store
    from trader.store.database import Store

    result = restore_store(file, db)
    with Store.open(db):  # brings an older backup's schema up to date
        pass
    typer.echo(f"restored {file} into {result.path}: {result.runs} run(s), integrity ok")
