"""Parameter sweeps: one backtest per grid point over a local process pool, results in grid order."""

from __future__ import annotations

import itertools
import multiprocessing
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from trader.engine.config import BacktestConfig
from trader.errors import DataError, TraderError

SWEEP_METRICS = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "calmar", "trades", "win_rate")


@dataclass(frozen=True, slots=True)
class SweepRow:
    """One grid point: its parameters, and its metrics or why it was skipped (invalid parameters)."""

    params: dict[str, str]
    metrics: dict[str, str | int | float | None]
    final_equity: str
    skipped: str = ""


def parse_grid(items: Sequence[str]) -> dict[str, list[str]]:
    """`["fast=5,10", "slow=30"]` -> `{"fast": ["5", "10"], "slow": ["30"]}`; malformed items are refused."""
    grid: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        choices = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not name or not choices:
            raise TraderError(f"--grid {item!r}: expected NAME=V1,V2,...")
        if name in grid:
            raise TraderError(f"--grid {item!r}: {name!r} given twice")
        grid[name] = choices
    if not grid:
        raise TraderError("--grid: give at least one NAME=V1,V2,...")
    return grid


def grid_points(grid: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """Every combination, the last parameter varying fastest (the order rows are written in)."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


Window = tuple[int, int]
"""[start, end) in ns UTC: the bars a run sees (walk-forward's in-sample span)."""


def _one(  # noqa: PLR0917 -- plain values, pickled to a worker
    spec: str,
    data: Sequence[str],
    fixed: Mapping[str, str],
    point: Mapping[str, str],
    config: BacktestConfig,
    window: Window | None = None,
) -> SweepRow:
    # Runs in a worker: everything is rebuilt from plain values, so user strategy files work too.
    from trader.data import load_bars
    from trader.engine.backtest import BacktestResult, run_backtest
    from trader.engine.vectorised import NotVectorisable, VectorResult, run_strategy
    from trader.strategies import StrategyError, resolve_strategy

    cls = resolve_strategy(spec)
    try:
        strategy = cls({**fixed, **point})
    except StrategyError as exc:
        return SweepRow(dict(point), {}, "", skipped=str(exc))
    bars = [load_bars(path) for path in data]
    if window is not None:
        bars = [series.between(*window) for series in bars]
        bars = [series for series in bars if len(series)]
    # Signal-array strategies take the vectorised path (same trades, exact same equity; tested); the rest run
    # the event engine. A sweep keeps no journal either way.
    result: BacktestResult | VectorResult
    try:
        result = run_strategy(strategy, bars, config)
    except NotVectorisable:
        with tempfile.TemporaryDirectory() as folder:
            result = run_backtest(strategy, bars, Path(folder) / "journal.jsonl", config)
    everything = result.metrics.to_dict()
    metrics = {name: everything[name] for name in SWEEP_METRICS}
    # Normalised, so the text does not depend on which path (event or vectorised) computed the same value.
    return SweepRow(dict(point), metrics, format(result.final_equity.normalize(), "f"))


def run_sweep(
    spec: str,
    data: Sequence[Path],
    grid: Mapping[str, Sequence[str]],
    *,
    fixed: Mapping[str, str] | None = None,
    config: BacktestConfig | None = None,
    workers: int = 1,
    window: Window | None = None,
) -> list[SweepRow]:
    """Backtest `spec` at every grid point (with `fixed` parameters too); rows in grid order.

    Each run's journal goes to a temporary folder and is dropped: rerun a chosen point with
    `trader backtest` for its full outputs. `workers` > 1 uses a spawn-started process pool (no fork of
    a process that may hold threads); the rows are the same whatever the number of workers. With
    `window`, every run sees only the bars stamped in [start, end).
    """
    if workers < 1:
        raise TraderError(f"--workers must be >= 1 (got {workers})")
    config = config or BacktestConfig()
    paths = [str(path) for path in data]
    points = grid_points(grid)
    constant = dict(fixed or {})
    overlap = sorted(set(constant) & set(grid))
    if overlap:
        raise TraderError(f"parameter(s) {', '.join(overlap)} given both as --param and --grid")
    _check_names(spec, grid, constant)
    for path in data:
        if not path.is_file():
            raise DataError("file not found", path=path)
    if workers == 1:
        return [_one(spec, paths, constant, point, config, window) for point in points]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_one, spec, paths, constant, point, config, window) for point in points]
        return [future.result() for future in futures]


def _check_names(spec: str, grid: Mapping[str, Sequence[str]], fixed: Mapping[str, str]) -> None:
    """Refuse an unknown parameter name up front (bad values only skip their own grid points)."""
    from trader.strategies import StrategyError, resolve_strategy

    cls = resolve_strategy(spec)
    known = cls.Params.model_fields
    unknown = sorted(name for name in (*grid, *fixed) if name not in known)
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        raise StrategyError(
            f"strategy {cls.name}: unknown parameter(s) {', '.join(unknown)} (known: {names})"
        )
