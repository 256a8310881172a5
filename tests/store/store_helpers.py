"""Helpers for the store tests: a real backtest written to an --out folder, a CLI runner, a store per test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trader.data import load_bars
from trader.engine import BacktestConfig, run_backtest
from trader.engine.backtest import BacktestResult
from trader.engine.results import output_files, write_outputs
from trader.execution.embedded_config import BpsFee, SimSettings
from trader.risk import RiskConfig
from trader.strategies import EmaCross

TRADER = Path(sys.executable).with_name("trader")
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def backtest_folder(
    folder: Path, *, fast: int = 10, slow: int = 30
) -> tuple[BacktestResult, dict[str, object]]:
    """EMA cross on SPY daily, risk on (verdicts with reasons, R multiples), 5 bps fees, written as
    `trader backtest --out folder` does: summary.json, trades.csv, equity.csv, journal.jsonl."""
    folder.mkdir(parents=True, exist_ok=True)
    files = output_files(folder)
    strategy = EmaCross({"fast": fast, "slow": slow, "qty": 1000})
    config = BacktestConfig(risk=RiskConfig(), sim=SimSettings(fees=BpsFee(5)))
    result = run_backtest(strategy, [load_bars(SAMPLES / "SPY_1d.csv")], files.journal, config)
    run: dict[str, object] = {
        "strategy": "ema_cross",
        "strategy_id": strategy.strategy_id,
        "params": strategy.params.model_dump(mode="json"),
        "data": ["data/samples/SPY_1d.csv"],
        "symbols": result.symbols,
        "periods_per_year": result.periods_per_year,
        "config": config.describe(),
        "journal_fsync": "never",
    }
    write_outputs(result, files, run)
    return result, run


def trader(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `trader` console script; never raises on a non-zero exit."""
    return subprocess.run(
        [str(TRADER), *map(str, args)], capture_output=True, text=True, check=False, env=env, timeout=120
    )
