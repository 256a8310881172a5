"""`trader export trades`: a stored run's trade journal, with the reasons behind each trade, as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

export_app = typer.Typer(name="export", help="Export stored runs.", no_args_is_help=True)


@export_app.command("trades")
def export_trades_command(
    run: Annotated[str, typer.Option("--run", help="Stored run id.", show_default=False)],
    out: Annotated[Path, typer.Option(help="CSV file to write.", show_default=False)],
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (else $TRADER_DB_URL, else the state dir).")
    ] = None,
) -> None:
    """Every round trip with its entry and exit reasons and the risk verdicts behind them."""
    from trader.reports.export import export_trades
    from trader.store.database import Store

    with Store.open(db) as store:
        count = export_trades(store, run, out)
    typer.echo(f"{count} trade(s) of run {run}: {out}")
