"""`trader backtest`: run a strategy over bar files, print a summary table, write the run's outputs."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from trader.errors import DataError, TraderError

if TYPE_CHECKING:
    from trader.data import Bars
    from trader.engine.backtest import BacktestResult
    from trader.engine.results import OutputFiles

StrategyOption = Annotated[
    str,
    typer.Option(
        help="A built-in (ema_cross, mean_reversion, breakout) or path/to/file.py:ClassName.",
        show_default=False,
    ),
]

_SHOWN = (
    ("total_return", "Total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("volatility", "Volatility", "pct"),
    ("sharpe", "Sharpe", "num"),
    ("sortino", "Sortino", "num"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("calmar", "Calmar", "num"),
    ("trades", "Trades", "int"),
    ("win_rate", "Win rate", "pct"),
    ("profit_factor", "Profit factor", "num"),
    ("exposure_time", "Time in market", "pct"),
)


def _cash(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise TraderError(f"--cash {text!r}: not a number") from None
    if not (value.is_finite() and value > 0):
        raise TraderError(f"--cash {text!r}: must be a positive amount")
    return value


def _load(paths: list[Path]) -> list[Bars]:
    from trader.data import load_bars

    series = []
    for path in paths:
        if not path.is_file():
            raise DataError("file not found", path=path)
        series.append(load_bars(path))
    return series


def _show(value: object, how: str) -> str:
    if value is None:
        return "n/a"
    if how == "pct" and isinstance(value, float):
        return f"{value:.2%}"
    if how == "num" and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _table(result: BacktestResult, title: str) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    metrics = result.metrics.to_dict()
    table.add_row("Period", f"{metrics['start']} .. {metrics['end']} ({metrics['bars']} bars)")
    table.add_row("Final equity", format(result.final_equity, ",.2f"))
    for key, label, how in _SHOWN:
        table.add_row(label, _show(metrics[key], how))
    return table


def backtest(
    *,
    strategy: Annotated[
        str,
        typer.Option(
            help="A built-in (ema_cross, mean_reversion, breakout) or path/to/file.py:ClassName.",
            show_default=False,
        ),
    ],
    data: Annotated[
        list[Path], typer.Option(help="Bar file (repeat for several symbols).", show_default=False)
    ],
    param: Annotated[
        list[str] | None, typer.Option(help="Strategy parameter NAME=VALUE (repeatable).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder (its previous outputs are replaced).")] = Path(
        "runs/backtest"
    ),
    cash: Annotated[str, typer.Option(help="Starting cash.")] = "100000",
    fee_bps: Annotated[int, typer.Option(help="Commission in basis points of each fill's notional.")] = 0,
    slippage_bps: Annotated[int, typer.Option(help="Slippage of market and stop fills, basis points.")] = 0,
    risk: Annotated[
        Path | None, typer.Option(help="Risk config file (TOML/JSON): every order passes RiskManager.")
    ] = None,
    risk_guards: Annotated[
        bool,
        typer.Option(
            "--risk-guards/--no-risk-guards",
            help="With --risk: SAFE_MODE, the circuit breaker and resting stop orders act during the run.",
        ),
    ] = True,
    store: Annotated[
        bool, typer.Option("--store", help="Also save the run in the SQL store (see --db).")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Store URL or SQLite path (else $TRADER_DB_URL, else $TRADER_HOME/trader.db)."
        ),
    ] = None,
) -> None:
    """Backtest a strategy; writes summary.json, trades.csv, equity.csv, journal.jsonl and report.html."""
    # Imported here so that `trader --help` and the other commands do not pay for the engine's imports.
    from trader.engine.backtest import run_backtest
    from trader.engine.config import BacktestConfig
    from trader.engine.progress import progress_bar
    from trader.engine.results import write_outputs
    from trader.execution.embedded_config import BpsFee, SimSettings, ZeroFee
    from trader.reports.backtest_html import backtest_report, write_report
    from trader.risk.config_file import load_risk_config
    from trader.strategies import parse_assignments, resolve_strategy

    if fee_bps < 0 or slippage_bps < 0:
        raise TraderError(f"--fee-bps/--slippage-bps must be >= 0 (got {fee_bps}, {slippage_bps})")
    cls = resolve_strategy(strategy)
    values = parse_assignments(param or [])
    instance = cls(values)
    config = BacktestConfig(
        starting_cash=_cash(cash),
        sim=SimSettings(slippage_bps=slippage_bps, fees=BpsFee(fee_bps) if fee_bps else ZeroFee()),
        risk=None if risk is None else load_risk_config(risk),
        risk_guards=risk_guards,
    )
    series = _load(data)
    files = _fresh_outputs(out)
    console = Console(soft_wrap=True)
    with progress_bar(console, f"{strategy} on {len(series)} series") as progress:
        result = run_backtest(instance, series, files.journal, config, progress=progress)
    run = {
        "strategy": strategy,
        "strategy_id": instance.strategy_id,
        "params": instance.params.model_dump(mode="json"),
        "data": [str(path) for path in data],
        "symbols": result.symbols,
        "periods_per_year": result.periods_per_year,
        "config": config.describe(),
        "journal_fsync": "never",
    }
    document = write_outputs(result, files, run)
    title = f"{strategy} on {', '.join(result.symbols)}"
    write_report(files.report, backtest_report(result, series, document, title))
    console.print(_table(result, title))
    console.print(
        f"outputs in {out}/: summary.json, trades.csv, equity.csv, journal.jsonl, report.html",
        highlight=False,
    )
    console.print(f"report: {files.report}", highlight=False)
    if store:
        _store_run(out, db, console)


def _store_run(out: Path, db: str | None, console: Console) -> None:
    """Save the run just written to `out` in the SQL store (the same rows `trader store save` writes)."""
    from trader.store.database import Store
    from trader.store.run_data import from_folder
    from trader.store.runs import save_run

    data = from_folder(out, mode="backtest")
    with Store.open(db) as opened:
        run_id = save_run(opened, data, replace=True)
        console.print(f"stored as run {run_id} in {opened.display_url}", highlight=False)


def _fresh_outputs(out: Path) -> OutputFiles:
    """The output files in `out` (created), with a previous run's outputs removed."""
    from trader.engine.results import output_files

    if out.exists() and not out.is_dir():
        raise TraderError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    files = output_files(out)
    for old in (files.summary, files.trades, files.equity, files.journal, files.report):
        old.unlink(missing_ok=True)  # a journal would otherwise be continued, not replaced
    return files


def sweep(
    *,
    strategy: Annotated[
        str, typer.Option(help="A built-in or path/to/file.py:ClassName.", show_default=False)
    ],
    data: Annotated[
        list[Path], typer.Option(help="Bar file (repeat for several symbols).", show_default=False)
    ],
    grid: Annotated[
        list[str], typer.Option(help="Values to try: NAME=V1,V2,... (repeatable).", show_default=False)
    ],
    param: Annotated[
        list[str] | None, typer.Option(help="A fixed parameter NAME=VALUE (repeatable).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder for sweep.csv.")] = Path("runs/sweep"),
    workers: Annotated[int, typer.Option(help="Processes to run the grid on.")] = 1,
    cash: Annotated[str, typer.Option(help="Starting cash.")] = "100000",
    fee_bps: Annotated[int, typer.Option(help="Commission in basis points of each fill's notional.")] = 0,
) -> None:
    """Backtest every combination of --grid values; writes sweep.csv in grid order, shows the best."""
    from trader.engine.config import BacktestConfig
    from trader.engine.sweep import SWEEP_METRICS, parse_grid, run_sweep
    from trader.execution.embedded_config import BpsFee, SimSettings, ZeroFee
    from trader.strategies import parse_assignments

    if fee_bps < 0:
        raise TraderError(f"--fee-bps must be >= 0 (got {fee_bps})")
    config = BacktestConfig(
        starting_cash=_cash(cash), sim=SimSettings(fees=BpsFee(fee_bps) if fee_bps else ZeroFee())
    )
    space = parse_grid(grid)
    rows = run_sweep(
        strategy, data, space, fixed=parse_assignments(param or []), config=config, workers=workers
    )
    if out.exists() and not out.is_dir():
        raise TraderError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    header = [*space, "final_equity", *SWEEP_METRICS, "skipped"]
    with (out / "sweep.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            values = [row.metrics.get(name) for name in SWEEP_METRICS]
            writer.writerow(
                [
                    *row.params.values(),
                    row.final_equity,
                    *("" if v is None else v for v in values),
                    row.skipped,
                ]
            )
    ran = [row for row in rows if not row.skipped]
    best = sorted(ran, key=lambda row: -float(row.metrics.get("sharpe") or float("-inf")))[:10]
    table = Table(title=f"{strategy}: best of {len(ran)} runs by Sharpe ({len(rows) - len(ran)} skipped)")
    for name in (*space, "final equity", "sharpe", "max dd", "trades"):
        table.add_column(name, justify="right")
    for row in best:
        table.add_row(
            *row.params.values(),
            row.final_equity,
            _show(row.metrics.get("sharpe"), "num"),
            _show(row.metrics.get("max_drawdown"), "pct"),
            _show(row.metrics.get("trades"), "int"),
        )
    console = Console(soft_wrap=True)
    console.print(table)
    console.print(f"all rows in {out / 'sweep.csv'}", highlight=False)
