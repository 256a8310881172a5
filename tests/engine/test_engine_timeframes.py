"""Higher timeframes: resampled from the base bars, each visible only once closed, never a partial bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from engine_helpers import daily_bars

from trader import Strategy
from trader.data import Bars, load_bars, resample
from trader.engine import run_backtest
from trader.engine.higher_timeframes import HigherTimeframes
from trader.models import Timeframe
from trader.strategies import Bar, StrategyError


class Watcher(Strategy):
    """Records, at every bar, the higher-timeframe bars it was shown."""

    name = "watcher"
    timeframes = ("4h", "1d")

    def on_start(self) -> None:
        self.seen: list[tuple[int, dict[str, Bars]]] = []

    def on_bar(self, bar: Bar) -> None:
        self.seen.append((bar.index, {tf: self.bars(bar.symbol, tf) for tf in type(self).timeframes}))


def _columns(bars: Bars) -> list[list[float]]:
    return [
        bars.ts.tolist(),
        *(getattr(bars, c).tolist() for c in ("open", "high", "low", "close", "volume")),
    ]


def _check_against_truncation(base: Bars, watcher: Watcher, every: int) -> None:
    """At bar i, the shown bars are exactly the higher bars that have ended by i's close and that
    resampling only the bars up to i already gives in full (so no later bar could change them)."""
    assert base.timeframe is not None
    shown_any = 0
    for index, views in watcher.seen[::every]:
        close = int(base.ts[index]) + base.timeframe.nanos
        for name, shown in views.items():
            tf = Timeframe(name)
            full = resample(base, tf)
            cut = resample(base[: index + 1], tf)
            final = [
                j
                for j in range(len(cut))
                if int(full.ts[j]) + tf.nanos <= close
                and all(a[j] == b[j] for a, b in zip(_columns(full), _columns(cut), strict=True))
            ]
            assert final == list(range(len(final)))  # a prefix: bars close in order
            assert len(shown) == len(final), (index, name)
            assert _columns(shown) == _columns(full[: len(final)])
            assert bool(np.all(shown.ts + tf.nanos <= close))
            shown_any += len(shown)
    assert shown_any > 0


def test_crypto_hourly_to_4h_and_daily_follows_the_truncation_rule(samples_dir: Path, tmp_path: Path) -> None:
    base = load_bars(samples_dir / "BTCUSD_1h.csv")
    watcher = Watcher()
    run_backtest(watcher, [base], tmp_path / "j.jsonl")
    assert len(watcher.seen) == len(base)
    _check_against_truncation(base, watcher, every=3)
    # The 4h bar of 00:00-04:00 appears at the close of the 03:00 bar, not one bar earlier.
    first_4h = next(k for k, (_, views) in enumerate(watcher.seen) if len(views["4h"]))
    assert int(base.ts[first_4h]) % (4 * 3_600 * 10**9) == 3 * 3_600 * 10**9


class MinuteWatcher(Watcher):
    timeframes = ("1h", "1d")


def test_equity_minutes_to_hours_and_days_never_shows_a_forming_bar(
    samples_dir: Path, tmp_path: Path
) -> None:
    base = load_bars(samples_dir / "SPY_1m.csv")
    watcher = MinuteWatcher()
    run_backtest(watcher, [base], tmp_path / "j.jsonl")
    _check_against_truncation(base, watcher, every=23)


class Lower(Strategy):
    name = "lower"
    timeframes = ("1m",)

    def on_bar(self, bar: Bar) -> None:
        raise AssertionError("must be refused before the first bar")


def test_a_lower_or_unknown_timeframe_is_refused_before_the_first_bar(tmp_path: Path) -> None:
    bars = daily_bars("SPY", [1.0, 2.0, 3.0])
    with pytest.raises(StrategyError, match="lower timeframe 1m"):
        run_backtest(Lower(), [bars], tmp_path / "a.jsonl")

    class Unknown(Lower):
        timeframes = ("2w",)

    with pytest.raises(StrategyError, match=r"timeframe '2w' for SPY: .*unknown timeframe"):
        run_backtest(Unknown(), [bars], tmp_path / "b.jsonl")


def test_a_grown_series_is_resampled_again(samples_dir: Path) -> None:
    base = load_bars(samples_dir / "BTCUSD_1h.csv")
    cache = HigherTimeframes()
    early = cache.series(base[:100], "4h")
    assert cache.series(base[:100], "4h") is early  # built once while the bars stay the same
    grown = cache.series(base[:200], "4h")
    assert len(grown.bars) > len(early.bars)
    assert _columns(grown.bars[: len(early.bars) - 1]) == _columns(early.bars[:-1])


def test_an_empty_or_unlengthed_series_is_handled_clearly(samples_dir: Path) -> None:
    base = load_bars(samples_dir / "BTCUSD_1h.csv")
    empty = HigherTimeframes().series(base[:0], "4h")
    assert len(empty.bars) == 0
    assert len(empty.visible_at(0)) == 0
    unknown = Bars(
        "X", None, base.ts, base.open, base.high, base.low, base.close, base.volume, source="x.csv"
    )
    with pytest.raises(StrategyError, match=r"x\.csv: bar length unknown, so a 4h view cannot be built"):
        HigherTimeframes().series(unknown, "4h")
