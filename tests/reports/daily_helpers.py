"""Helpers for the report tests: real backtests written as --out folders and stored in a SQLite store."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from trader.data import load_bars
from trader.engine import BacktestConfig, run_backtest
from trader.engine.results import output_files, write_outputs
from trader.execution.embedded_config import BpsFee, SimSettings, ZeroFee
from trader.risk import RiskConfig
from trader.strategies import EmaCross

TRADER = Path(sys.executable).with_name("trader")
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def backtest_folder(folder: Path, *, fee_bps: int = 0, fast: int = 10) -> Path:
    """EMA cross (fast/30) on SPY daily with risk on, written as `trader backtest --out folder` does."""
    folder.mkdir(parents=True, exist_ok=True)
    files = output_files(folder)
    strategy = EmaCross({"fast": fast, "slow": 30, "qty": 1000})
    fees = BpsFee(fee_bps) if fee_bps else ZeroFee()
    config = BacktestConfig(risk=RiskConfig(), sim=SimSettings(fees=fees))
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
    return folder


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file's rows as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def trader(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `trader` console script; never raises on a non-zero exit."""
    return subprocess.run(
        [str(TRADER), *map(str, args)], capture_output=True, text=True, check=False, env=env, timeout=120
    )
