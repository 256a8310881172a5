"""`trader walkforward` and `trader lookahead-check`: analyses that rerun a strategy many times."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.table import Table

from trader.engine.cli import StrategyOption, _cash, _show
from trader.errors import TraderError

DataOption = Annotated[
    list[Path], typer.Option(help="Bar file (repeat for several symbols).", show_default=False)
]
ParamOption = Annotated[list[str] | None, typer.Option(help="A fixed parameter NAME=VALUE (repeatable).")]


def walkforward(
    *,
    strategy: StrategyOption,
    data: DataOption,
    grid: Annotated[
        list[str], typer.Option(help="Values to try: NAME=V1,V2,... (repeatable).", show_default=False)
    ],
    train: Annotated[int, typer.Option(help="In-sample window, in bars.", show_default=False)],
    test: Annotated[int, typer.Option(help="Out-of-sample window, in bars.", show_default=False)],
    step: Annotated[int | None, typer.Option(help="Bars between windows (default: --test).")] = None,
    metric: Annotated[str, typer.Option(help="In-sample metric to choose by.")] = "sharpe",
    warmup: Annotated[
        int | None,
        typer.Option(help="Bars shown (not traded) before each out-of-sample window (default: --train)."),
    ] = None,
    param: ParamOption = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("runs/walkforward"),
    workers: Annotated[int, typer.Option(help="Processes for each in-sample sweep.")] = 1,
    cash: Annotated[str, typer.Option(help="Starting cash.")] = "100000",
) -> None:
    """Optimise on rolling in-sample windows, trade the next; writes summary.json, equity.csv, report.html."""
    from trader.data import load_bars
    from trader.engine.config import BacktestConfig
    from trader.engine.sweep import parse_grid
    from trader.engine.walkforward import run_walkforward
    from trader.engine.walkforward_outputs import write_walkforward
    from trader.reports.backtest_html import walkforward_report, write_report
    from trader.strategies import parse_assignments

    config = BacktestConfig(starting_cash=_cash(cash))
    space = parse_grid(grid)
    fixed = parse_assignments(param or [])
    result = run_walkforward(
        strategy, data, space, train=train, test=test, step=step, metric=metric, warmup=warmup, fixed=fixed,
        config=config, workers=workers,
    )  # fmt: skip
    if out.exists() and not out.is_dir():
        raise TraderError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    run = {
        "strategy": strategy,
        "data": [str(path) for path in data],
        "grid": space,
        "fixed": fixed,
        "train_bars": train,
        "test_bars": test,
        "step_bars": test if step is None else step,
        "metric": metric,
        "warmup_bars": train if warmup is None else warmup,
        "config": config.describe(),
    }
    document = write_walkforward(result, out, run)
    title = f"walk-forward: {strategy}"
    shown = walkforward_report(result, [load_bars(path) for path in data], document, title)
    report = write_report(out / "report.html", shown)
    table = Table(title=f"{title}, {len(result.windows)} windows chosen by in-sample {metric}")
    for name in ("window", "out of sample", "params", f"IS {metric}", "OOS return", "OOS trades"):
        table.add_column(name, justify="right")
    for row in cast(list[dict[str, Any]], document["windows"]):
        table.add_row(
            str(row["window"]),
            f"{row['out_of_sample_first'][:10]} .. {row['out_of_sample_last'][:10]}",
            " ".join(f"{k}={v}" for k, v in row["params"].items()),
            _show(row["in_sample_score"], "num"),
            _show(row["oos_total_return"], "pct"),
            str(row["oos_trades"]),
        )
    console = Console(soft_wrap=True)
    console.print(table)
    stitched = result.metrics
    console.print(
        f"stitched out-of-sample: return {_show(stitched.total_return, 'pct')}, "
        f"Sharpe {_show(stitched.sharpe, 'num')}, max drawdown {_show(stitched.max_drawdown, 'pct')}, "
        f"final equity {result.final_equity:,.2f}",
        highlight=False,
    )
    console.print(f"outputs in {out}/: summary.json, equity.csv, report.html", highlight=False)
    console.print(f"report: {report}", highlight=False)


def lookahead_check(
    *,
    strategy: StrategyOption,
    data: DataOption,
    param: ParamOption = None,
    cuts: Annotated[int, typer.Option(help="How many random cut points to try.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the cut points (same seed, same cuts).")] = 0,
    cash: Annotated[str, typer.Option(help="Starting cash.")] = "100000",
) -> None:
    """Rerun a strategy on data files cut at random points: every decision before a cut must be unchanged.

    Exits 1 naming the first decision that changed (the strategy used data from after its bar).
    """
    from trader.engine.config import BacktestConfig
    from trader.engine.lookahead import check_lookahead, describe_mismatch
    from trader.strategies import parse_assignments

    config = BacktestConfig(starting_cash=_cash(cash))
    values = parse_assignments(param or [])
    report = check_lookahead(strategy, data, params=values, cuts=cuts, seed=seed, config=config)
    if report.mismatch is not None:
        Console(stderr=True).print(
            f"[bold red]lookahead:[/] {describe_mismatch(report.mismatch)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(1)
    Console(soft_wrap=True).print(
        f"no lookahead found: {report.compared} decisions before {len(report.cuts)} cuts "
        f"(seed {seed}) are the same as in the full run",
        highlight=False,
    )
