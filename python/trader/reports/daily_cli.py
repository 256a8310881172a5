"""`trader report daily`: the daily performance report of a stored run in html, pdf, json or csv."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from trader.errors import TraderError

report_app = typer.Typer(name="report", help="Reports from the SQL store.", no_args_is_help=True)

FORMATS = ("html", "pdf", "json", "csv")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TraderError(f"--date {text!r}: expected YYYY-MM-DD") from None


@report_app.command("daily")
def daily_command(
    day: Annotated[str, typer.Option("--date", help="The UTC date, YYYY-MM-DD.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf, json or csv.")] = "html",
    run: Annotated[
        str | None, typer.Option("--run", help="Stored run id (default: the latest covering the date).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output file (default daily-DATE.FORMAT; '-' for stdout).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (else $TRADER_DB_URL, else the state dir).")
    ] = None,
) -> None:
    """Trades, P&L and metrics of one day, compared with the stored backtest of the same strategy."""
    from trader.reports.daily import daily_report
    from trader.reports.daily_pdf import as_pdf
    from trader.reports.daily_render import as_csv, as_html, as_json
    from trader.store.database import Store

    if fmt not in FORMATS:
        raise TraderError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    when = _day(day)
    with Store.open(db) as store:
        report = daily_report(store, when, run)
    if fmt == "pdf":
        content: bytes = as_pdf(report)
    else:
        render = {"html": as_html, "json": as_json, "csv": as_csv}[fmt]
        content = render(report).encode("utf-8")
    if out is not None and str(out) == "-":
        if fmt == "pdf":
            raise TraderError("--out -: a PDF goes to a file, not to the terminal")
        typer.echo(content.decode("utf-8"), nl=False)
        return
    target = out or Path(f"daily-{when.isoformat()}.{fmt}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    typer.echo(f"daily report of run {report.run['run_id']} for {when}: {target}")
