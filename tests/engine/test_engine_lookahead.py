"""No lookahead by construction: a strategy sees no later bar, and a cut changes nothing before the cut."""

from __future__ import annotations

from pathlib import Path

from engine_helpers import daily_bars

from trader import Strategy
from trader.data import load_bars
from trader.engine import run_backtest
from trader.strategies import Bar, EmaCross


class Peeker(Strategy):
    """Tries every door to the future and records how far each one reaches."""

    name = "peeker"

    def on_start(self) -> None:
        self.reach: list[tuple[int, int, int, int]] = []

    def on_bar(self, bar: Bar) -> None:
        history = self.history()
        self.reach.append((bar.index, len(history) - 1, int(history.ts[-1]), bar.ts))


def test_history_ends_at_the_current_bar(tmp_path: Path) -> None:
    strategy = Peeker()
    run_backtest(strategy, [daily_bars("SPY", [float(i) + 10 for i in range(40)])], tmp_path / "j.jsonl")
    assert len(strategy.reach) == 40
    for index, last_visible, last_ts, bar_ts in strategy.reach:
        assert last_visible == index
        assert last_ts == bar_ts


def test_rerun_on_truncated_data_gives_identical_decisions_up_to_the_cut(
    samples_dir: Path, tmp_path: Path
) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    cut = 3_000
    full = run_backtest(EmaCross({"fast": 5, "slow": 20}), [bars], tmp_path / "full.jsonl")
    short = run_backtest(EmaCross({"fast": 5, "slow": 20}), [bars[:cut]], tmp_path / "short.jsonl")
    before_cut = [d for d in full.decisions if d.ts <= bars.ts[cut - 1]]
    assert len(before_cut) > 20
    assert list(short.decisions) == before_cut
    assert full.curve.equity[:cut].tolist() == short.curve.equity.tolist()
