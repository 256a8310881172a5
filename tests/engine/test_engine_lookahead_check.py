"""`trader lookahead-check`: honest strategies pass; one reading ahead in its data file fails, named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import load_bars, write_bars
from trader.engine.broker import Decision
from trader.engine.lookahead import check_lookahead, first_difference, pick_cuts
from trader.errors import TraderError

TRADER = Path(sys.executable).with_name("trader")

PEEKER = '''"""A strategy that cheats: it reads tomorrow's close from its own data file."""
import csv

from trader import Strategy


class Peeker(Strategy):
    name = "peeker"

    def on_start(self):
        self._closes = None

    def on_bar(self, bar):
        if self._closes is None:
            with open(self.history().source) as handle:
                self._closes = [float(row["close"]) for row in csv.DictReader(handle)]
        if bar.index + 1 < len(self._closes):
            side = "buy" if self._closes[bar.index + 1] > bar.close else "sell"
            self.submit(side, 1, reason="peeked at tomorrow")
'''


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TRADER), "lookahead-check", *args], capture_output=True, text=True, check=False
    )


def test_a_strategy_reading_ahead_in_its_file_is_caught_and_named(samples_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "peeker.py"
    source.write_text(PEEKER, encoding="utf-8")
    data = tmp_path / "SPY_1d.csv"
    write_bars(load_bars(samples_dir / "SPY_1d.csv")[:600], data)  # an order a bar: keep it short
    done = _check("--strategy", f"{source}:Peeker", "--data", str(data), "--cuts", "3")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "lookahead:" in lines[0]
    assert "changed when the data was cut at" in lines[0]
    assert "full data: peeker-SPY-" in lines[0]
    assert "'peeked at tomorrow'" in lines[0]
    assert "cut data: no decision" in lines[0]
    assert "Traceback" not in done.stderr


def test_the_built_ins_pass(samples_dir: Path) -> None:
    spy, aapl = samples_dir / "SPY_1d.csv", samples_dir / "AAPL_1d.csv"
    for spec, params in (
        ("ema_cross", {"fast": "5", "slow": "20"}),
        ("mean_reversion", {}),
        ("breakout", {}),
    ):
        report = check_lookahead(spec, [spy, aapl], params=params, cuts=4, seed=3)
        assert report.mismatch is None, (spec, report.mismatch)
        assert len(report.cuts) == 4
        assert report.compared > 10


def test_cli_passes_an_honest_strategy(samples_dir: Path) -> None:
    done = _check("--strategy", "ema_cross", "--data", str(samples_dir / "SPY_1d.csv"), "--cuts", "1")
    assert done.returncode == 0, done.stderr
    assert "no lookahead found" in done.stdout


def _decision(ts: int, order: str) -> Decision:
    return Decision(ts, order, "SPY", "buy", "1", "market", "r", "accepted")


def test_first_difference_names_the_first_changed_or_missing_decision() -> None:
    full = [_decision(1, "a"), _decision(2, "b"), _decision(5, "c")]
    assert first_difference(full, full[:2], cut_ns=4) is None
    missing = first_difference(full, full[:1], cut_ns=4)
    assert missing is not None
    assert (missing.position, missing.full, missing.truncated) == (1, full[1], None)
    extra = first_difference(full[:1], [*full[:1], _decision(3, "x")], cut_ns=4)
    assert extra is not None
    assert (extra.position, extra.full) == (1, None)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 500), st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_cuts_are_distinct_sorted_seeded_and_never_the_last_stamp(n: int, count: int, seed: int) -> None:
    axis = np.arange(n, dtype=np.int64) * 60 + 7
    cuts = pick_cuts(axis, count, seed)
    assert cuts == sorted(set(cuts))
    assert len(cuts) == min(count, n - 1)
    assert int(axis[-1]) not in cuts
    assert set(cuts) <= set(axis.tolist())
    assert cuts == pick_cuts(axis, count, seed)


def test_bad_options_are_refused() -> None:
    with pytest.raises(TraderError, match="--cuts must be >= 1"):
        pick_cuts(np.arange(10, dtype=np.int64), 0, 0)
    with pytest.raises(TraderError, match="nowhere to cut"):
        pick_cuts(np.arange(1, dtype=np.int64), 3, 0)
