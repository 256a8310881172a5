"""Every file of the shared fixture set: row counts from its README, calendars, tick rebuilds, 1s -> 1m."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from trader.data import check, load_bars, load_trades, resample, trades_to_bars
from trader.data.quality import Kind
from trader.models import Timeframe

pytestmark = pytest.mark.shared_data

DAY = 86_400 * 10**9
_ROW = re.compile(r"^\| (?P<file>[\w./-]+\.csv(?:\.gz)?) \|[^|]*\|[^|]*\| (?P<rows>\d+) \|")


def _readme_rows(shared_data_dir: Path) -> dict[str, int]:
    text = (shared_data_dir / "README.md").read_text()
    return {m["file"]: int(m["rows"]) for line in text.splitlines() if (m := _ROW.match(line))}


def test_every_bar_file_loads_with_the_readme_row_count(shared_data_dir: Path) -> None:
    expected = _readme_rows(shared_data_dir)
    bar_files = sorted(p for p in shared_data_dir.iterdir() if p.name.endswith((".csv", ".csv.gz")))
    assert len(bar_files) == 24
    for path in bar_files:
        bars = load_bars(path)
        assert len(bars) == expected[path.name], path
        assert np.all(np.diff(bars.ts) > 0), path  # sorted and unique, as the README promises
        assert check(bars).ok, path  # real data: warnings only


def test_every_trades_file_loads_with_the_readme_row_count(shared_data_dir: Path) -> None:
    expected = _readme_rows(shared_data_dir)
    trade_files = sorted((shared_data_dir / "ticks").glob("*_trades.csv*"))
    assert len(trade_files) == 6
    for path in trade_files:
        assert len(load_trades(path)) == expected[f"ticks/{path.name}"], path


@pytest.mark.parametrize("symbol", ["AAPL", "SPY", "IBM", "BAC", "AIG", "ORCL"])
def test_daily_equities_have_zero_calendar_gaps(shared_data_dir: Path, symbol: str) -> None:
    report = check(load_bars(shared_data_dir / f"{symbol}_1d.csv"))
    assert report.calendar == "us_equity"
    assert report.of_kind(Kind.GAP) == []
    assert report.of_kind(Kind.OFF_CALENDAR) == []


def test_aig_reverse_split_and_forward_splits_are_split_like(shared_data_dir: Path) -> None:
    bars = load_bars(shared_data_dir / "AIG_1d.csv")
    flagged = {f.message[:10] for f in check(bars).of_kind(Kind.SPLIT_LIKE_JUMP)}
    assert {"1998-08-03", "1999-08-02", "2000-07-31", "2009-07-01"} <= flagged


@pytest.mark.parametrize(
    ("name", "gaps"), [("BTCUSD_1m.csv", 99), ("XRPETH_1m.csv", 676), ("BTCUSD_1h.csv", 7)]
)
def test_crypto_gap_counts_match_the_readme(shared_data_dir: Path, name: str, gaps: int) -> None:
    assert len(check(load_bars(shared_data_dir / name)).of_kind(Kind.GAP)) == gaps


def test_xrpeth_trades_rebuild_the_one_minute_bars_exactly(shared_data_dir: Path) -> None:
    rebuilt = trades_to_bars(load_trades(shared_data_dir / "ticks" / "XRPETH_trades.csv"), Timeframe.M1)
    reference = load_bars(shared_data_dir / "XRPETH_1m.csv")
    assert len(rebuilt) == len(reference) == 2469
    for column in ("ts", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(rebuilt, column), getattr(reference, column), err_msg=column)


def test_spy_seconds_resampled_to_minutes_agree_with_spy_minutes(shared_data_dir: Path) -> None:
    seconds = load_bars(shared_data_dir / "SPY_1s.csv.gz")
    assert seconds.timeframe is None  # 1s is not a Timeframe; the loader treats it as irregular
    minutes = load_bars(shared_data_dir / "SPY_1m.csv")
    rebuilt = resample(seconds, Timeframe.M1)
    days = np.intersect1d(np.unique(rebuilt.ts // DAY), np.unique(minutes.ts // DAY))
    assert len(days) == 5  # 2013-10-07 .. 11 (2014-06-05 is only in the seconds file)
    ours = rebuilt.take(np.flatnonzero(np.isin(rebuilt.ts // DAY, days)))
    theirs = minutes.take(np.flatnonzero(np.isin(minutes.ts // DAY, days)))
    # Found on inspection: the same 4128 minutes; high, low and close agree everywhere.
    np.testing.assert_array_equal(ours.ts, theirs.ts)
    assert len(ours) == 4128
    for column in ("high", "low", "close"):
        np.testing.assert_array_equal(getattr(ours, column), getattr(theirs, column), err_msg=column)
    # The open differs only at the 09:30 ET opening minute of two days (the opening auction print).
    differs = np.flatnonzero(ours.open != theirs.open)
    assert len(differs) == 2
    assert all(int(ours.ts[i]) % DAY == (13 * 60 + 30) * 60 * 10**9 for i in differs)
    # Volume: a few large prints sit in a neighbouring minute in one source; totals agree to 1e-6.
    same_volume = np.count_nonzero(ours.volume == theirs.volume)
    assert same_volume / len(ours) > 0.94
    assert abs(ours.volume.sum() - theirs.volume.sum()) / theirs.volume.sum() < 1e-6
