"""The `trader` command line: one typer app with a sub-app per area."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from trader import __version__
from trader.data.cli import data_app
from trader.engine.cli import backtest, sweep
from trader.errors import TraderError
from trader.journal.cli import audit_app
from trader.risk.cli import risk_app

app = typer.Typer(
    name="trader",
    help="Safety-first algorithmic trading: backtest, paper-trade, go live in small steps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


app.add_typer(data_app, name="data")
app.add_typer(audit_app, name="audit")
app.add_typer(risk_app, name="risk")
app.command("backtest")(backtest)
app.command("sweep")(sweep)


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
