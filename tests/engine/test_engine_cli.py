"""`trader backtest` through the installed console script: outputs, summary, user strategies, bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

TRADER = Path(sys.executable).with_name("trader")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TRADER), "backtest", *args], capture_output=True, text=True, check=False)


def test_backtest_writes_outputs_that_agree_with_each_other(samples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "spy"
    done = _run(
        "--strategy", "ema_cross", "--data", str(samples_dir / "SPY_1d.csv"),
        "--param", "fast=10", "--param", "slow=30", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Sharpe" in done.stdout
    assert "Final equity" in done.stdout
    assert f"outputs in {out}/" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == f"report: {out / 'report.html'}"
    assert "on 1 series" not in done.stdout  # no progress bar into a pipe
    assert (out / "report.html").stat().st_size > 1_000_000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["params"] == {
        "fast": 10,
        "slow": 30,
        "qty": "100",
        "fraction": None,
        "long_only": True,
    }
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    assert summary["metrics"]["trades"] == len(trades) > 50
    realised = sum((Decimal(t["pnl"]) for t in trades), Decimal(0))
    assert Decimal(summary["final"]["realised_pnl"]) == realised
    with (out / "equity.csv").open() as handle:
        curve = list(csv.DictReader(handle))
    assert len(curve) == summary["metrics"]["bars"] == 5849
    assert float(curve[-1]["equity"]) == pytest.approx(float(summary["final"]["equity"]))
    journal = (out / "journal.jsonl").read_text().splitlines()
    assert sum('"kind":"fill"' in line for line in journal) == summary["final"]["fills"]
    verify = subprocess.run(
        [str(TRADER), "audit", "verify", str(out / "journal.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_user_strategy_from_a_file(samples_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "buy_and_hold.py"
    source.write_text(
        '"""Buy once and hold."""\n'
        "from trader import Strategy\n\n\n"
        "class BuyAndHold(Strategy):\n"
        "    name = 'buy_and_hold'\n\n"
        "    def on_bar(self, bar):\n"
        "        if bar.index == 0:\n"
        "            self.buy(10)\n",
        encoding="utf-8",
    )
    out = tmp_path / "bh"
    done = _run(
        "--strategy", f"{source}:BuyAndHold", "--data", str(samples_dir / "SPY_1d.csv"), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["final"]["positions"] == {"SPY": "10"}
    assert summary["run"]["strategy_id"] == "buy_and_hold"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "ema_cross", "--data", "missing.csv"], "missing.csv: file not found"),
        (["--strategy", "nope", "--data", "SPY"], "not a built-in (breakout, ema_cross, mean_reversion)"),
        (["--strategy", "ema_cross", "--data", "SPY", "--param", "fast=x"], "parameter 'fast'"),
        (["--strategy", "ema_cross", "--data", "SPY", "--param", "speed=3"], "unknown parameter 'speed'"),
        (["--strategy", "ema_cross", "--data", "SPY", "--cash", "-5"], "--cash '-5': must be a positive"),
        (["--strategy", "ema_cross", "--data", "SPY", "--data", "SPY"], "the same symbol is given twice"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    samples_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    spy = str(samples_dir / "SPY_1d.csv")
    done = _run(*[spy if a == "SPY" else a for a in args], "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0]
    assert "Traceback" not in done.stderr
