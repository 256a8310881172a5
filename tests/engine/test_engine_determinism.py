"""Determinism: the same inputs give byte-identical outputs, across processes (the CLI) and in process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trader.data import load_bars
from trader.engine import run_backtest
from trader.engine.results import output_files, write_outputs
from trader.strategies import EmaCross

TRADER = Path(sys.executable).with_name("trader")
OUTPUTS = ("summary.json", "trades.csv", "equity.csv", "journal.jsonl")


def test_two_cli_runs_write_byte_identical_outputs(samples_dir: Path, tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = [
            str(TRADER), "backtest", "--strategy", "ema_cross", "--out", str(out),
            "--data", str(samples_dir / "SPY_1d.csv"), "--data", str(samples_dir / "AAPL_1d.csv"),
            "--param", "fast=8", "--param", "slow=21", "--fee-bps", "5", "--slippage-bps", "3",
        ]  # fmt: skip
        subprocess.run(
            args, check=True, capture_output=True, env={"PYTHONHASHSEED": "1" if name == "a" else "2"}
        )
        runs.append({f: (out / f).read_bytes() for f in OUTPUTS})
    assert runs[0] == runs[1]
    assert runs[0]["trades.csv"].count(b"\n") > 50


def test_rerunning_into_the_same_folder_replaces_the_outputs(samples_dir: Path, tmp_path: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    files = output_files(tmp_path)
    seen = []
    for _ in range(2):
        for old in (files.summary, files.trades, files.equity, files.journal):
            old.unlink(missing_ok=True)
        result = run_backtest(EmaCross(), [bars], files.journal)
        write_outputs(result, files, {"case": "rerun"})
        seen.append([(tmp_path / f).read_bytes() for f in OUTPUTS])
    assert seen[0] == seen[1]
