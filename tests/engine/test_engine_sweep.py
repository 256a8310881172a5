"""Sweeps: one row per grid point, equal to a single backtest, the same with or without a process pool."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from trader.data import Bars, load_bars
from trader.engine import run_backtest
from trader.engine.config import BacktestConfig
from trader.engine.sweep import grid_points, parse_grid, run_sweep
from trader.engine.vectorised import VectorResult
from trader.errors import TraderError
from trader.strategies import EmaCross, Strategy, StrategyError

TRADER = Path(sys.executable).with_name("trader")


def test_grid_is_parsed_and_expanded_in_order() -> None:
    grid = parse_grid(["fast=5, 10", "slow=30"])
    assert grid == {"fast": ["5", "10"], "slow": ["30"]}
    assert grid_points(grid) == [{"fast": "5", "slow": "30"}, {"fast": "10", "slow": "30"}]
    for bad in (["fast"], ["fast="], ["fast=1", "fast=2"]):
        with pytest.raises(TraderError, match="--grid"):
            parse_grid(bad)


def test_rows_match_single_runs_and_bad_points_are_skipped(samples_dir: Path, tmp_path: Path) -> None:
    spy = samples_dir / "SPY_1d.csv"
    grid = {"fast": ["5", "40"], "slow": ["30"]}
    rows = run_sweep("ema_cross", [spy], grid, fixed={"qty": "10"}, workers=2)
    assert [row.params for row in rows] == grid_points(grid)
    single = run_backtest(
        EmaCross({"fast": 5, "slow": 30, "qty": 10}), [load_bars(spy)], tmp_path / "j.jsonl"
    )
    assert rows[0].final_equity == format(single.final_equity.normalize(), "f")
    # ema_cross sweeps take the vectorised path: every metric must equal the event engine's.
    assert rows[0].metrics == {name: single.metrics.to_dict()[name] for name in rows[0].metrics}
    assert rows[0].metrics["trades"] == len(single.trades)
    assert "fast (40) must be below slow (30)" in rows[1].skipped
    assert rows == run_sweep("ema_cross", [spy], grid, fixed={"qty": "10"}, workers=1)


def test_unknown_names_and_missing_files_fail_before_any_run(samples_dir: Path) -> None:
    with pytest.raises(StrategyError, match=r"unknown parameter\(s\) fats"):
        run_sweep("ema_cross", [samples_dir / "SPY_1d.csv"], {"fats": ["5"]})
    with pytest.raises(TraderError, match="file not found"):
        run_sweep("ema_cross", [Path("missing.csv")], {"fast": ["5"]})
    with pytest.raises(TraderError, match="both as --param and --grid"):
        run_sweep("ema_cross", [samples_dir / "SPY_1d.csv"], {"fast": ["5"]}, fixed={"fast": "6"})


def test_cli_writes_sweep_csv(samples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    done = subprocess.run(
        [
            str(TRADER),
            "sweep",
            "--strategy",
            "ema_cross",
            "--data",
            str(samples_dir / "SPY_1d.csv"),
            "--grid",
            "fast=5,10",
            "--grid",
            "slow=20,50",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "best of 4 runs by Sharpe" in done.stdout
    with (out / "sweep.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["fast"], r["slow"]) for r in rows] == [("5", "20"), ("5", "50"), ("10", "20"), ("10", "50")]
    assert all(int(r["trades"]) > 10 and not r["skipped"] for r in rows)


def test_ema_cross_sweeps_take_the_vectorised_path_and_others_fall_back(
    samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trader.engine import vectorised

    calls: list[tuple[str, str]] = []
    real = vectorised.run_strategy

    def counting(strategy: Strategy, bars: Sequence[Bars], config: BacktestConfig) -> VectorResult:
        try:
            result = real(strategy, bars, config)
        except vectorised.NotVectorisable:
            calls.append((strategy.name, "fallback"))
            raise
        calls.append((strategy.name, "vectorised"))
        return result

    monkeypatch.setattr(vectorised, "run_strategy", counting)
    spy = samples_dir / "SPY_1d.csv"
    rows = run_sweep("ema_cross", [spy], {"fast": ["5", "10"], "slow": ["30"]}, workers=1)
    assert calls == [("ema_cross", "vectorised")] * 2
    assert all(row.metrics["trades"] > 0 for row in rows)
    calls.clear()
    rows = run_sweep("mean_reversion", [spy], {"rsi_period": ["14"]}, workers=1)
    assert calls == [("mean_reversion", "fallback")]
    assert rows[0].metrics["trades"] > 0  # the event engine ran it
