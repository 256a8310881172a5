"""The `trader` command line: one typer app with a sub-app per area."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from trader import __version__
from trader.data.cli import data_app
from trader.engine.analysis_cli import lookahead_check, walkforward
from trader.engine.cli import backtest, sweep
from trader.errors import TraderError
from trader.execution.cli import gateway_app
from trader.journal.cli import audit_app
from trader.live.cli import compare, daemon
from trader.reports.daily_cli import report_app
from trader.reports.export_cli import export_app
from trader.risk.cli import risk_app
from trader.store.cli import backup_command, replay_command, restore_command, store_app

app = typer.Typer(
    name="trader",
    help="Safety-first algorithmic trading: backtest, paper-trade, go live in small steps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


app.add_typer(data_app, name="data")
app.add_typer(audit_app, name="audit")
app.add_typer(risk_app, name="risk")
app.add_typer(gateway_app, name="gateway")
app.command("backtest")(backtest)
app.command("sweep")(sweep)
app.command("daemon")(daemon)
app.command("compare")(compare)
app.command("walkforward")(walkforward)
app.command("lookahead-check")(lookahead_check)
app.add_typer(store_app, name="store")
app.add_typer(report_app, name="report")
app.add_typer(export_app, name="export")
app.command("replay")(replay_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)


@app.callback()
def _root() -> None:
    """Keep `trader` a command group even while an area has a single command."""


@app.command()
def version() -> None:
    """Print the version of the package and its Rust core."""
    typer.echo(f"trader {__version__}")


def main() -> None:
    """Console-script entry point: user mistakes become one clear line on stderr, never a traceback."""
    try:
        app()
    except TraderError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
