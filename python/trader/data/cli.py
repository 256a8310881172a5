"""`trader data`: check bar files (quality report, policies) and resample them."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from trader.data.calendar import calendar_for, parse_session
from trader.data.policies import Outcome, Policy, apply_policy
from trader.data.quality import QualityReport, Severity
from trader.data.resample import resample
from trader.data.sources import load_bars
from trader.data.timeframes import parse_timeframe
from trader.data.writers import write_bars
from trader.errors import DataError

data_app = typer.Typer(
    name="data", help="Check, repair and resample market-data files.", no_args_is_help=True
)

T = TypeVar("T")
_EXAMPLES = 3  # first lines shown per finding kind in the table


class CalendarChoice(StrEnum):
    """Which market calendar gaps are measured against."""

    AUTO = "auto"
    CRYPTO = "crypto"
    US_EQUITY = "us_equity"


@data_app.command("check")
def check_files(
    files: Annotated[list[Path], typer.Argument(help="Bar files (.csv, .csv.gz, .parquet).")],
    *,
    policy: Annotated[
        Policy, typer.Option(help="flag: report; reject: fail on errors; repair: fix.")
    ] = Policy.FLAG,
    calendar: Annotated[CalendarChoice, typer.Option(help="Calendar for gaps.")] = CalendarChoice.AUTO,
    session: Annotated[
        str, typer.Option(help="US-equity session, New York time: extended, regular or HH:MM-HH:MM.")
    ] = "extended",
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="With --policy repair and one FILE: write the result.")
    ] = None,
) -> None:
    """Print a quality report per file; exit 1 when any error remains, 2 on a malformed file."""
    _option(parse_session, session, "--session")
    if out is not None and (policy is not Policy.REPAIR or len(files) != 1):
        raise DataError("--out needs --policy repair and exactly one FILE", path=out)
    console = Console(soft_wrap=True)
    outcomes: list[Outcome] = []
    failed = False
    for path in files:
        bars = load_bars(path)
        cal = calendar_for(calendar.value, bars, session=session)
        if policy is Policy.REJECT:
            outcome = apply_policy(bars, Policy.FLAG, calendar=cal)
            failed |= not outcome.report.ok
        else:
            outcome = apply_policy(bars, policy, calendar=cal)
            failed |= not outcome.final.ok
        outcomes.append(outcome)
        if not as_json:
            _print_outcome(console, outcome, policy)
    if out is not None and not failed:
        write_bars(outcomes[0].bars, out)
        if not as_json:
            console.print(f"wrote {len(outcomes[0].bars)} bars to {out}", highlight=False)
    if as_json:
        typer.echo(json.dumps([_outcome_json(o) for o in outcomes], indent=2))
    raise typer.Exit(1 if failed else 0)


@data_app.command("resample")
def resample_file(
    file: Annotated[Path, typer.Argument(help="Input bar file.")],
    to: Annotated[str, typer.Option("--to", help="Target timeframe: 5m, 15m, 1h, 4h, 1d.")],
    out: Annotated[Path, typer.Option("--out", help="Output file (.csv or .parquet).")],
    calendar: Annotated[CalendarChoice, typer.Option(help="Calendar for daily bars.")] = CalendarChoice.AUTO,
) -> None:
    """Resample FILE to a higher timeframe and write it in the same column format."""
    target = _option(parse_timeframe, to, "--to")
    bars = load_bars(file)
    result = resample(bars, target, calendar=calendar_for(calendar.value, bars))
    write_bars(result, out)
    typer.echo(f"{file}: {len(bars)} bars -> {len(result)} {target.value} bars in {out}")


def _option(parse: Callable[[str], T], text: str, name: str) -> T:
    """Parse an option value; a bad one is a usage error naming the option (exit 2), not a data error."""
    try:
        return parse(text)
    except DataError as exc:
        raise typer.BadParameter(f"{exc.problem} (got {text!r})", param_hint=name) from None


def _print_outcome(console: Console, outcome: Outcome, policy: Policy) -> None:
    if outcome.repairs:
        console.print(f"[bold]{outcome.report.source}[/]: {len(outcome.repairs)} repair(s)", highlight=False)
        for repair in outcome.repairs:
            console.print(f"  repair {outcome.report.source}:{repair}", highlight=False, markup=False)
    report = outcome.final
    if report.findings:
        console.print(_table(report))
    verdict = "ok" if report.ok else ("REJECTED" if policy is Policy.REJECT else "FAILED")
    console.print(_summary(report, verdict), highlight=False)


def _table(report: QualityReport) -> Table:
    table = Table(title=report.source, title_justify="left")
    for name in ("severity", "kind", "count", "first lines", "first finding"):
        table.add_column(name, overflow="fold")
    for kind, count in sorted(report.counts().items(), key=lambda kv: kv[0].value):
        found = report.of_kind(kind)
        lines = ", ".join(str(f.line) for f in found[:_EXAMPLES] if f.line is not None)
        style = "red" if found[0].severity is Severity.ERROR else "yellow"
        table.add_row(f"[{style}]{found[0].severity}[/]", kind.value, str(count), lines, found[0].message)
    return table


def _summary(report: QualityReport, verdict: str) -> str:
    errors = len(report.errors)
    warnings = len(report.findings) - errors
    tf = report.timeframe.value if report.timeframe is not None else "irregular"
    return (
        f"{report.source}: {report.rows} rows, {tf}, {report.calendar} calendar: "
        f"{errors} error(s), {warnings} warning(s): {verdict}"
    )


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    report = outcome.final
    return {
        "source": report.source,
        "symbol": report.symbol,
        "timeframe": None if report.timeframe is None else report.timeframe.value,
        "calendar": report.calendar,
        "rows": report.rows,
        "errors": len(report.errors),
        "warnings": len(report.findings) - len(report.errors),
        "findings": [
            {"severity": f.severity.value, "kind": f.kind.value, "line": f.line, "message": f.message}
            for f in report.findings
        ],
        "repairs": [{"line": r.line, "action": r.action, "reason": r.reason} for r in outcome.repairs],
    }
