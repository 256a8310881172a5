"""Walk-forward analysis: optimise on a rolling in-sample window, trade the next one, stitch those results."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from trader.data import Bars, load_bars
from trader.engine.backtest import BacktestResult, annualisation, run_backtest
from trader.engine.broker import Refusal
from trader.engine.config import BacktestConfig
from trader.engine.feed import merge
from trader.engine.sweep import SweepRow, run_sweep
from trader.errors import DataError, TraderError
from trader.portfolio import Metrics, RoundTrip, compute_metrics
from trader.portfolio.fill_effects import FillEffect
from trader.strategies import resolve_strategy

METRICS = {
    "total_return": True,
    "cagr": True,
    "sharpe": True,
    "sortino": True,
    "calmar": True,
    "win_rate": True,
    "max_drawdown": False,
}
"""The metrics a window's parameters can be chosen by, and whether more of it is better."""


@dataclass(frozen=True, slots=True)
class Span:
    """Bar positions [first, last] on the run's time axis and their stamps; `end_ns` excludes."""

    first: int
    last: int
    start_ns: int
    end_ns: int


@dataclass(frozen=True, slots=True)
class Window:
    """One step: parameters chosen on `in_sample`, then traded on `out_of_sample` (which follows it)."""

    index: int
    in_sample: Span
    out_of_sample: Span
    params: dict[str, str]
    score: float | None
    """The chosen point's in-sample value of the metric."""
    result: BacktestResult


@dataclass(frozen=True, slots=True)
class WalkForwardResult:
    """Every window, and the out-of-sample runs stitched into one account."""

    windows: list[Window]
    metric: str
    axis: NDArray[np.int64]
    """The run's time axis: the distinct stamps of all series, which window spans count in."""
    ts: NDArray[np.int64]
    equity: NDArray[np.float64]
    window_of: NDArray[np.int64]
    """For every stitched mark, the window it comes from."""
    metrics: Metrics
    trades: list[RoundTrip]
    fills: list[FillEffect]
    refusals: list[Refusal]
    final_equity: Decimal


def plan_windows(stamps: NDArray[np.int64], train: int, test: int, step: int) -> list[tuple[Span, Span]]:
    """(in-sample, out-of-sample) spans over sorted distinct `stamps`; only whole windows are kept.

    The in-sample span is `train` bars ending just before its out-of-sample span of `test` bars; windows
    move by `step` >= `test` bars, so out-of-sample spans never overlap (and follow each other when equal).
    """
    if train < 1 or test < 1:
        raise TraderError(f"--train and --test must be >= 1 bar (got {train}, {test})")
    if step < test:
        raise TraderError(
            f"--step ({step}) must be >= --test ({test}): out-of-sample windows may not overlap"
        )
    n = int(stamps.size)
    if train + test > n:
        raise TraderError(f"--train {train} + --test {test} bars need more than the {n} bars of the data")

    def span(first: int, last: int) -> Span:
        end = int(stamps[last + 1]) if last + 1 < n else int(stamps[last]) + 1
        return Span(first, last, int(stamps[first]), end)

    out = []
    start = 0
    while start + train + test <= n:
        out.append((span(start, start + train - 1), span(start + train, start + train + test - 1)))
        start += step
    return out


def choose(rows: Sequence[SweepRow], metric: str) -> tuple[SweepRow, float | None]:
    """The best row by `metric` (ties and undefined values: the first in grid order); refuses if none ran."""
    ran = [row for row in rows if not row.skipped]
    if not ran:
        raise TraderError("every grid point was skipped (invalid parameters): nothing to choose from")
    sign = 1.0 if METRICS[metric] else -1.0

    def key(row: SweepRow) -> float:
        value = row.metrics.get(metric)
        return sign * float(value) if isinstance(value, int | float) and math.isfinite(value) else -math.inf

    best = max(ran, key=key)  # max keeps the first of equal keys
    value = best.metrics.get(metric)
    return best, float(value) if isinstance(value, int | float) else None


def run_walkforward(
    spec: str,
    data: Sequence[Path],
    grid: Mapping[str, Sequence[str]],
    *,
    train: int,
    test: int,
    step: int | None = None,
    metric: str = "sharpe",
    warmup: int | None = None,
    fixed: Mapping[str, str] | None = None,
    config: BacktestConfig | None = None,
    workers: int = 1,
) -> WalkForwardResult:
    """Walk `spec` forward over `data`: windows in bars of the merged time axis (see `plan_windows`).

    Each out-of-sample run starts flat with the previous one's final equity as cash (positions left open
    at a window's end are valued at its last close), so the stitched equity is one continuous account.
    Before it, the strategy (with the chosen parameters) is shown the `warmup` bars that precede the
    window (default: `train`; 0 for none) without trading, so its indicators are ready at the first
    out-of-sample bar; those bars are in-sample, so nothing it decides on comes from after its bar.
    """
    if metric not in METRICS:
        raise TraderError(f"--metric {metric!r}: choose one of {', '.join(sorted(METRICS))}")
    lead = train if warmup is None else warmup
    if lead < 0:
        raise TraderError(f"--warmup must be >= 0 bars (got {lead})")
    config = config or BacktestConfig()
    for path in data:
        if not path.is_file():
            raise DataError("file not found", path=path)
    series = [load_bars(path) for path in data]
    feed = merge(series)
    ppy = annualisation(feed)
    axis = np.unique(feed.ts)
    plan = plan_windows(axis, train, test, test if step is None else step)
    cls = resolve_strategy(spec)
    constant = dict(fixed or {})
    windows: list[Window] = []
    cash = config.starting_cash
    with tempfile.TemporaryDirectory() as folder:
        for k, (in_sample, out_of_sample) in enumerate(plan):
            rows = run_sweep(
                spec,
                data,
                grid,
                fixed=constant,
                config=config,
                workers=workers,
                window=(in_sample.start_ns, in_sample.end_ns),
            )
            best, score = choose(rows, metric)
            first = int(axis[max(0, out_of_sample.first - lead)])
            bars = _between(series, first, out_of_sample.end_ns)
            strategy = cls({**constant, **best.params})
            journal = Path(folder) / f"oos_{k}.jsonl"
            result = run_backtest(
                strategy,
                bars,
                journal,
                replace(config, starting_cash=cash),
                trade_from=out_of_sample.start_ns,
            )
            cash = result.final_equity
            windows.append(Window(k, in_sample, out_of_sample, dict(best.params), score, result))
    return _stitch(windows, metric, axis, ppy)


def _between(series: Sequence[Bars], start_ns: int, end_ns: int) -> list[Bars]:
    return [part for part in (s.between(start_ns, end_ns) for s in series) if len(part)]


def _stitch(windows: list[Window], metric: str, axis: NDArray[np.int64], ppy: float) -> WalkForwardResult:
    ts = np.concatenate([w.result.curve.ts for w in windows])
    equity = np.concatenate([w.result.curve.equity for w in windows])
    gross = np.concatenate([w.result.curve.gross_exposure for w in windows])
    window_of = np.concatenate([np.full(w.result.curve.ts.size, w.index, dtype=np.int64) for w in windows])
    trades = [t for w in windows for t in w.result.trades]
    metrics = compute_metrics(ts, equity, trades, periods_per_year=ppy, gross_exposure=gross)
    return WalkForwardResult(
        windows=windows,
        metric=metric,
        axis=axis,
        ts=ts,
        equity=equity,
        window_of=window_of,
        metrics=metrics,
        trades=trades,
        fills=[f for w in windows for f in w.result.portfolio.effects],
        refusals=[r for w in windows for r in w.result.refusals],
        final_equity=windows[-1].result.final_equity,
    )
