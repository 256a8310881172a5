"""Progress for long runs: reported rarely and in order, drawn only on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from engine_helpers import daily_bars
from rich.console import Console

from trader import Strategy
from trader.engine import run_backtest
from trader.engine.backtest import PROGRESS_EVERY
from trader.engine.progress import progress_bar


def test_progress_is_reported_in_order_and_ends_at_the_total(tmp_path: Path) -> None:
    n = 3 * PROGRESS_EVERY + 123
    bars = daily_bars("SPY", [100.0 + (i % 7) for i in range(n)])
    calls: list[tuple[int, int]] = []
    run_backtest(
        Strategy(), [bars], tmp_path / "j.jsonl", progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (n, n)
    assert [done for done, _ in calls] == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, 3 * PROGRESS_EVERY, n]
    assert {total for _, total in calls} == {n}


def test_no_bar_when_the_output_is_not_a_terminal() -> None:
    sink = io.StringIO()
    with progress_bar(Console(file=sink, force_terminal=False), "run") as progress:
        assert progress is None
    assert sink.getvalue() == ""


def test_a_terminal_gets_a_bar_that_clears_itself() -> None:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=80)
    with progress_bar(console, "ema_cross on 1 series") as progress:
        assert progress is not None
        progress(50, 200)
        progress(200, 200)
    assert "ema_cross on 1 series" in sink.getvalue()


def test_a_run_too_short_to_report_draws_nothing() -> None:
    sink = io.StringIO()
    with progress_bar(Console(file=sink, force_terminal=True), "short") as progress:
        assert progress is not None
        progress(10, 10)  # the only call of a short run: done at once
    assert sink.getvalue() == ""
