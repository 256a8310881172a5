"""Quality findings on real data (splits, zero volume, missing hours) and on hand-made broken bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import Bars, Policy, QualityConfig, Severity, apply_policy, check, load_bars
from trader.data.quality import Kind
from trader.errors import DataError
from trader.models import Timeframe

HEADER = "timestamp,open,high,low,close,volume\n"
MINUTE = 60 * 10**9


def _line_of(bars: Bars, day: str) -> int:
    stamp = np.datetime64(f"{day}T00:00:00", "ns").astype(np.int64)
    return int(bars.lines[int(np.flatnonzero(bars.ts == stamp)[0])])


def test_aapl_flags_exactly_its_four_splits(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "AAPL_1d.csv")
    splits = check(bars).of_kind(Kind.SPLIT_LIKE_JUMP)
    days = ["2000-06-21", "2005-02-28", "2014-06-09", "2020-08-31"]
    assert [f.line for f in splits] == [_line_of(bars, d) for d in days]
    assert [f.message.split(" looks like a ")[1] for f in splits] == [
        "2:1 split",
        "2:1 split",
        "7:1 split",
        "4:1 split",
    ]
    assert all(f.severity is Severity.WARNING for f in splits)


def test_aapl_real_crash_is_an_outlier_not_a_split(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "AAPL_1d.csv")
    report = check(bars)
    crash = _line_of(bars, "2000-09-29")
    assert crash in [f.line for f in report.of_kind(Kind.OUTLIER_JUMP)]
    assert crash not in [f.line for f in report.of_kind(Kind.SPLIT_LIKE_JUMP)]
    looser = check(bars, config=QualityConfig(outlier_mads=1e9))
    assert looser.of_kind(Kind.OUTLIER_JUMP) == []


def test_btcusdt_daily_flags_its_zero_volume_day(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "BTCUSDT_1d.csv")
    report = check(bars)
    zero = report.of_kind(Kind.ZERO_VOLUME)
    assert [f.line for f in zero] == [_line_of(bars, "2020-02-29")]
    assert report.ok


def test_btcusd_hourly_reports_its_seven_missing_hour_gaps(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "BTCUSD_1h.csv")
    gaps = check(bars).of_kind(Kind.GAP)
    steps = np.diff(bars.ts) // Timeframe.H1.nanos
    assert len(gaps) == 7 == int(np.count_nonzero(steps > 1))
    assert sum(g.missing for g in gaps) == int((steps[steps > 1] - 1).sum()) == 9


def test_samples_have_warnings_but_no_errors(samples_dir: Path) -> None:
    for path in sorted(samples_dir.glob("*.csv")):
        assert check(load_bars(path)).ok, path


def _broken(tmp_path: Path) -> Path:
    rows = [
        "2020-01-01T00:00:00Z,10,11,9,10.5,5",  # line 2 fine
        "2020-01-01T00:02:00Z,10,11,9,10.5,5",  # 3
        "2020-01-01T00:01:00Z,10,11,9,10.5,5",  # 4 out of order
        "2020-01-01T00:01:00Z,10,11,9,10.5,5",  # 5 exact duplicate of 4
        "2020-01-01T00:01:00Z,10,11,9,10.7,5",  # 6 conflicting duplicate of 4
        "2020-01-01T00:03:00Z,10,9.5,9,10.5,5",  # 7 high below open/close
        "2020-01-01T00:04:00Z,10,11,9,-1,5",  # 8 negative close
        "2020-01-01T00:05:00Z,10,11,9,10.5,-3",  # 9 negative volume
        "2020-01-01T00:06:00Z,10,11,9,nan,5",  # 10 NaN
        "2020-01-01T00:07:00Z,10,11,9,10.5,0",  # 11 zero volume (warning)
        "2020-01-01T00:09:00Z,10,11,9,10.5,5",  # 12 after a one-minute gap (warning)
    ]
    path = tmp_path / "BTCUSD_1m.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_every_error_kind_is_found_at_its_line(tmp_path: Path) -> None:
    report = check(load_bars(_broken(tmp_path)))
    found = {(f.kind, f.line) for f in report.findings}
    assert {
        (Kind.OUT_OF_ORDER, 4),
        (Kind.OUT_OF_ORDER, 5),
        (Kind.OUT_OF_ORDER, 6),
        (Kind.DUPLICATE, 5),
        (Kind.DUPLICATE, 6),
        (Kind.OHLC_INCONSISTENT, 7),
        (Kind.NON_POSITIVE_PRICE, 8),
        (Kind.NEGATIVE_VOLUME, 9),
        (Kind.NOT_FINITE, 10),
        (Kind.ZERO_VOLUME, 11),
        (Kind.GAP, 12),
    } <= found
    assert not report.ok
    severities = {f.kind: f.severity for f in report.findings}
    assert severities[Kind.ZERO_VOLUME] is Severity.WARNING
    assert severities[Kind.GAP] is Severity.WARNING
    assert severities[Kind.DUPLICATE] is Severity.ERROR
    messages = {f.line: f.message for f in report.of_kind(Kind.DUPLICATE)}
    assert messages[5] == "2020-01-01T00:01:00Z identical to line 4"
    assert "different values" in messages[6]


def test_flag_policy_returns_the_bars_untouched(tmp_path: Path) -> None:
    bars = load_bars(_broken(tmp_path))
    outcome = apply_policy(bars, Policy.FLAG)
    assert outcome.bars is bars
    assert outcome.repairs == ()
    assert not outcome.final.ok


def test_reject_policy_raises_naming_the_first_error(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    with pytest.raises(DataError, match=rf"{path}:4: rejected: \d+ error\(s\); first: out_of_order"):
        apply_policy(load_bars(path), Policy.REJECT)


def test_repair_policy_logs_every_change_and_invents_nothing(tmp_path: Path) -> None:
    bars = load_bars(_broken(tmp_path))
    outcome = apply_policy(bars, Policy.REPAIR)
    log = [(r.line, r.action) for r in outcome.repairs]
    assert log == [
        (4, "moved"),
        (5, "moved"),
        (5, "dropped"),
        (6, "moved"),
        (6, "dropped"),
        (7, "dropped"),
        (8, "dropped"),
        (9, "dropped"),
        (10, "dropped"),
    ]
    assert "conflicting duplicate (kept the first) of line 4" in str(outcome.repairs[4])
    fixed = outcome.bars
    assert fixed.lines.tolist() == [2, 4, 3, 11, 12]  # every kept row is an original row, now in time order
    assert np.all(np.diff(fixed.ts) > 0)
    assert fixed.close.tolist() == [10.5, 10.5, 10.5, 10.5, 10.5]
    assert outcome.final.ok
    assert {f.kind for f in outcome.final.findings} == {Kind.ZERO_VOLUME, Kind.GAP}


def test_clean_data_passes_every_policy(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    for policy in Policy:
        outcome = apply_policy(bars, policy)
        assert outcome.final.ok
        assert outcome.repairs == ()
        assert len(outcome.bars) == len(bars)


@st.composite
def messy_bars(draw: st.DrawFn) -> Bars:
    n = draw(st.integers(1, 60))
    minutes = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))  # repeats and disorder on purpose
    prices = st.sampled_from([-1.0, 0.0, 5.0, 10.0, 20.0, float("nan")])
    cols = [np.array(draw(st.lists(prices, min_size=n, max_size=n))) for _ in range(4)]
    volume = np.array(draw(st.lists(st.sampled_from([-1.0, 0.0, 3.0]), min_size=n, max_size=n)))
    return Bars("BTCUSD", Timeframe.M1, np.array(minutes, dtype=np.int64) * MINUTE, *cols, volume)


@settings(max_examples=150, deadline=None)
@given(messy_bars())
def test_repair_always_leaves_clean_sorted_original_rows(bars: Bars) -> None:
    outcome = apply_policy(bars, Policy.REPAIR)
    fixed = outcome.bars
    assert outcome.final.ok
    assert np.all(np.diff(fixed.ts) > 0)
    # Nothing invented: every kept bar is an input row, unchanged.
    for i, line in enumerate(fixed.lines.tolist()):
        source = line - 1  # Bars built in memory number their rows from 1
        for name in ("ts", "open", "high", "low", "close", "volume"):
            assert getattr(fixed, name)[i] == getattr(bars, name)[source]
    # Every input row is either kept or named in a "dropped" repair.
    dropped = {r.line for r in outcome.repairs if r.action == "dropped"}
    assert set(fixed.lines.tolist()) | dropped == set(bars.lines.tolist())
    assert not set(fixed.lines.tolist()) & dropped
    # A kept row with an error in the input only clashed with others (a broken first duplicate is dropped).
    kept = set(fixed.lines.tolist())
    assert {f.kind for f in outcome.report.errors if f.line in kept} <= {Kind.DUPLICATE, Kind.OUT_OF_ORDER}
