"""Walk-forward: out-of-sample windows never overlap, choices use only earlier data, one stitched account."""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import Bars, load_bars, write_bars
from trader.engine.sweep import run_sweep
from trader.engine.walkforward import WalkForwardResult, choose, plan_windows, run_walkforward
from trader.errors import TraderError

TRADER = Path(sys.executable).with_name("trader")
GRID = {"fast": ["5", "10", "20"], "slow": ["30", "50"]}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 80), st.integers(1, 80), st.integers(0, 40))
def test_windows_follow_each_other_and_never_overlap_out_of_sample(
    n: int, train: int, test: int, extra_step: int
) -> None:
    stamps = np.arange(n, dtype=np.int64) * 10 + 1_000
    if train + test > n:
        with pytest.raises(TraderError, match="need more than"):
            plan_windows(stamps, train, test, test + extra_step)
        return
    plan = plan_windows(stamps, train, test, test + extra_step)
    assert plan
    for ins, oos in plan:
        assert ins.last - ins.first + 1 == train
        assert oos.last - oos.first + 1 == test
        assert ins.last + 1 == oos.first  # in-sample ends right before its out-of-sample starts
        assert ins.end_ns == oos.start_ns == stamps[oos.first]
    for (_, before), (_, after) in itertools.pairwise(plan):
        assert before.last < after.first
        assert before.end_ns <= after.start_ns
        if extra_step == 0:
            assert before.last + 1 == after.first
    assert plan[-1][1].last + test + extra_step >= n  # no further whole window would fit


def test_overlapping_out_of_sample_windows_are_refused() -> None:
    with pytest.raises(TraderError, match=r"--step \(5\) must be >= --test \(10\)"):
        plan_windows(np.arange(100, dtype=np.int64), 20, 10, 5)


@pytest.fixture(scope="module")
def spy_walk(samples_dir: Path) -> WalkForwardResult:
    return run_walkforward("ema_cross", [samples_dir / "SPY_1d.csv"], GRID, train=1000, test=600)


def test_each_choice_is_the_in_sample_sweeps_best(spy_walk: WalkForwardResult, samples_dir: Path) -> None:
    assert len(spy_walk.windows) == (5849 - 1000) // 600
    for window in spy_walk.windows[:3]:
        span = (window.in_sample.start_ns, window.in_sample.end_ns)
        rows = run_sweep("ema_cross", [samples_dir / "SPY_1d.csv"], GRID, window=span)
        best, score = choose(rows, "sharpe")
        assert window.params == best.params
        assert window.score == score
        assert score == max(float(r.metrics["sharpe"] or -1e9) for r in rows)  # type: ignore[arg-type]


def test_out_of_sample_decisions_stay_inside_their_window(spy_walk: WalkForwardResult) -> None:
    decided = 0
    for window in spy_walk.windows:
        oos = window.out_of_sample
        assert window.in_sample.end_ns <= oos.start_ns
        assert window.result.curve.ts[0] == oos.start_ns
        for decision in window.result.decisions:
            assert oos.start_ns <= decision.ts < oos.end_ns
            decided += 1
    assert decided > 20


def test_choices_do_not_depend_on_data_from_their_out_of_sample_window_on(
    spy_walk: WalkForwardResult, samples_dir: Path, tmp_path: Path
) -> None:
    # Scramble every bar from window 3's out-of-sample start on: windows 0-3 must choose the same.
    bars = load_bars(samples_dir / "SPY_1d.csv")
    k = 3
    cut = spy_walk.windows[k].out_of_sample.first
    rng = np.random.default_rng(7)
    after = np.arange(len(bars)) >= cut
    factor = np.where(after, rng.uniform(0.5, 1.5, len(bars)), 1.0)

    def moved(prices: np.ndarray, shift: float) -> np.ndarray:
        return np.where(after, (prices * factor + shift).round(2), prices)

    close = moved(bars.close, 0.0)
    open_ = moved(bars.open, 0.0)
    high = np.where(after, (np.maximum(open_, close) + 1.0).round(2), bars.high)
    low = np.where(after, (np.minimum(open_, close) - 1.0).round(2), bars.low)
    changed = Bars(bars.symbol, bars.timeframe, bars.ts, open_, high, low, close, bars.volume)
    write_bars(changed, tmp_path / "SPY_1d.csv")
    other = run_walkforward("ema_cross", [tmp_path / "SPY_1d.csv"], GRID, train=1000, test=600)
    for before, after in zip(spy_walk.windows[: k + 1], other.windows[: k + 1], strict=True):
        assert (before.params, before.score) == (after.params, after.score)
    assert [w.result.decisions for w in spy_walk.windows[:k]] == [
        w.result.decisions for w in other.windows[:k]
    ]
    later = [(w.params, w.score) for w in spy_walk.windows[k + 1 :]]
    assert later != [(w.params, w.score) for w in other.windows[k + 1 :]]  # the scramble did bite


def test_stitched_equity_is_one_continuous_account(spy_walk: WalkForwardResult) -> None:
    assert bool(np.all(np.diff(spy_walk.ts) > 0))
    windows = spy_walk.windows
    assert windows[0].result.portfolio.starting_cash == Decimal(100_000)
    for before, after in itertools.pairwise(windows):
        assert after.result.portfolio.starting_cash == before.result.final_equity  # exact hand-over
        first = int(np.flatnonzero(spy_walk.window_of == after.index)[0])
        assert spy_walk.equity[first] == spy_walk.equity[first - 1] == float(before.result.final_equity)
    assert spy_walk.final_equity == windows[-1].result.final_equity
    assert spy_walk.equity[-1] == float(spy_walk.final_equity)
    assert spy_walk.metrics.trades == sum(len(w.result.trades) for w in windows)


def test_cli_writes_summary_stitched_equity_and_report(samples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "wf"
    done = subprocess.run(
        [str(TRADER), "walkforward", "--strategy", "ema_cross", "--data", str(samples_dir / "SPY_1d.csv"),
         "--grid", "fast=5,10", "--grid", "slow=30,50", "--train", "1500", "--test", "1000",
         "--metric", "total_return", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"report: {out / 'report.html'}" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["windows"]) == 4
    assert summary["run"]["metric"] == "total_return"
    with (out / "equity.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["metrics"]["bars"] == 4000
    assert rows[-1]["equity"] == repr(float(summary["final"]["equity"]))
    assert [row["final_equity"] for row in summary["windows"]][-1] == summary["final"]["equity"]
    report = (out / "report.html").read_text()
    assert '<table id="windows">' in report
    assert report.count("Plotly.newPlot") == 5


def test_an_unknown_metric_is_refused_before_any_run(samples_dir: Path) -> None:
    with pytest.raises(TraderError) as caught:
        run_walkforward("ema_cross", [samples_dir / "SPY_1d.csv"], GRID, train=100, test=50, metric="luck")
    assert str(caught.value) == (
        "--metric 'luck': choose one of cagr, calmar, max_drawdown, sharpe, sortino, total_return, win_rate"
    )


def test_warm_up_readies_indicators_before_the_window_without_trading(
    spy_walk: WalkForwardResult, samples_dir: Path
) -> None:
    # With the default warm-up (the in-sample bars) EMAs are ready at the window's first bar, so some
    # window decides within its first `slow` bars; without it none can (the slow EMA is still filling).
    cold = run_walkforward("ema_cross", [samples_dir / "SPY_1d.csv"], GRID, train=1000, test=600, warmup=0)

    def early(result: WalkForwardResult) -> int:
        count = 0
        for window in result.windows:
            ready = int(result.axis[window.out_of_sample.first + int(window.params["slow"]) - 1])
            count += sum(d.ts < ready for d in window.result.decisions)
        return count

    assert early(cold) == 0
    assert early(spy_walk) > 0
    for warm, fresh in zip(spy_walk.windows, cold.windows, strict=True):
        assert (warm.params, warm.score) == (fresh.params, fresh.score)  # the choice is the same
        assert warm.result.curve.ts[0] == fresh.result.curve.ts[0] == warm.out_of_sample.start_ns
