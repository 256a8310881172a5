"""`trader backtest --store`: the run lands in the SQL store and replays equal to its own journal."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from trader.store.database import Store
from trader.store.runs import list_runs

TRADER = Path(sys.executable).with_name("trader")


def test_backtest_store_flag_saves_the_run_it_wrote(samples_dir: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "run", tmp_path / "trader.db"
    done = subprocess.run(
        [str(TRADER), "backtest", "--strategy", "ema_cross", "--data", str(samples_dir / "SPY_1d.csv"),
         "--out", str(out), "--store", "--db", str(db)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "stored as run " in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    with (out / "trades.csv").open(newline="") as handle:
        trades = list(csv.DictReader(handle))
    with Store.open(str(db)) as store:
        (row,) = list_runs(store)
    assert row["mode"] == "backtest"
    assert row["trades"] == len(trades) > 0
    assert Decimal(row["final_equity"]) == Decimal(summary["final"]["equity"])
    replay = subprocess.run(
        [str(TRADER), "replay", str(out / "journal.jsonl"), "--db", str(db)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert replay.stdout.startswith(f"match: run {row['run_id']}")
