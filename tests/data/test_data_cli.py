"""`trader data check|resample` through the installed console script, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from trader.data import load_bars, resample
from trader.models import Timeframe

TRADER = Path(sys.executable).parent / "trader"
HEADER = "timestamp,open,high,low,close,volume\n"


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TRADER), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def test_check_samples_exits_zero_with_a_table_and_summary(samples_dir: Path) -> None:
    files = sorted(samples_dir.glob("*.csv"))
    result = _run("data", "check", *files)
    assert result.returncode == 0, result.stderr
    assert "split_like_jump" in result.stdout
    assert "zero_volume" in result.stdout
    for path in files:
        assert f"{path}: " in result.stdout
    assert "SPY_1d.csv: 5849 rows, 1d, us_equity calendar: 0 error(s)" in result.stdout
    assert "Traceback" not in result.stderr


def test_check_json_lists_every_finding(samples_dir: Path) -> None:
    result = _run("data", "check", samples_dir / "BTCUSD_1h.csv", "--json")
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["rows"] == 733
    assert report["calendar"] == "crypto"
    assert report["errors"] == 0
    assert len([f for f in report["findings"] if f["kind"] == "gap"]) == 7


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "BTCUSD_1m.csv"
    path.write_text(
        HEADER
        + "2020-01-01T00:00:00Z,10,11,9,10.5,5\n"
        + "2020-01-01T00:01:00Z,10,11,9,10.5,5\n"
        + "2020-01-01T00:01:00Z,10,11,9,10.5,5\n"
        + "2020-01-01T00:02:00Z,10,9,9.5,10.5,5\n"
    )
    return path


def test_errors_exit_one_and_repair_fixes_them(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    flagged = _run("data", "check", path)
    assert flagged.returncode == 1
    assert "duplicate" in flagged.stdout
    assert "ohlc_inconsistent" in flagged.stdout
    assert "FAILED" in flagged.stdout
    rejected = _run("data", "check", path, "--policy", "reject")
    assert rejected.returncode == 1
    assert "REJECTED" in rejected.stdout
    out = tmp_path / "fixed.csv"
    repaired = _run("data", "check", path, "--policy", "repair", "--out", out)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"repair {path}:line 4: dropped: exact duplicate of line 3" in repaired.stdout
    assert f"repair {path}:line 5: dropped: OHLC inconsistent" in repaired.stdout
    assert (
        out.read_text()
        == HEADER + "2020-01-01T00:00:00Z,10,11,9,10.5,5\n2020-01-01T00:01:00Z,10,11,9,10.5,5\n"
    )


def test_malformed_file_is_one_line_with_file_and_line_and_exit_two(
    tmp_path: Path, samples_dir: Path
) -> None:
    bad = tmp_path / "X_1m.csv"
    bad.write_text(HEADER + "2020-01-01T00:00:00Z,1,2,0.5,1,10\n2020-01-01T00:01:00Z,1,2,oops,1,10\n")
    result = _run("data", "check", samples_dir / "SPY_1d.csv", bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {bad}:3: field 'low': not a number (got 'oops')"]


def test_missing_file_and_bad_timeframe_are_user_errors(tmp_path: Path, samples_dir: Path) -> None:
    missing = _run("data", "check", tmp_path / "nope.csv")
    assert missing.returncode == 2
    assert "nope.csv: no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    lower = _run("data", "resample", samples_dir / "BTCUSD_1h.csv", "--to", "5m", "--out", tmp_path / "x.csv")
    assert lower.returncode == 2
    assert "cannot resample 1h bars to the lower timeframe 5m" in lower.stderr
    unknown = _run(
        "data", "resample", samples_dir / "BTCUSD_1h.csv", "--to", "2h", "--out", tmp_path / "x.csv"
    )
    assert unknown.returncode == 2
    assert "unknown timeframe" in unknown.stderr
    assert "Traceback" not in lower.stderr + unknown.stderr


def test_resample_writes_csv_and_parquet_in_the_same_format(samples_dir: Path, tmp_path: Path) -> None:
    source = samples_dir / "SPY_1m.csv"
    expected = resample(load_bars(source), Timeframe.H1)
    for name in ("SPY_1h.csv", "SPY_1h.parquet"):
        out = tmp_path / name
        result = _run("data", "resample", source, "--to", "1h", "--out", out)
        assert result.returncode == 0, result.stderr
        assert f"5786 bars -> {len(expected)} 1h bars" in result.stdout
        written = load_bars(out)
        assert written.timeframe is Timeframe.H1
        for column in ("ts", "open", "high", "low", "close", "volume"):
            np.testing.assert_array_equal(getattr(written, column), getattr(expected, column))
    text = (tmp_path / "SPY_1h.csv").read_text().splitlines()
    assert text[0] == HEADER.strip()
    assert text[1].startswith("2013-10-04T08:00:00Z,167.65,")
    assert all("e" not in line[21:] for line in text[1:])  # plain decimals, no exponent


def test_regular_session_flags_extended_hours_bars(samples_dir: Path) -> None:
    path = samples_dir / "SPY_1m.csv"
    result = _run("data", "check", path, "--session", "regular", "--json")
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    off = [f for f in report["findings"] if f["kind"] == "off_calendar"]
    # Every sample day is in EDT (UTC-4): the regular session 09:30-16:00 is 13:30-20:00 UTC.
    minute_of_day = (load_bars(path).ts // 60_000_000_000) % 1440
    outside = np.count_nonzero((minute_of_day < 13 * 60 + 30) | (minute_of_day >= 20 * 60))
    assert len(off) == outside > 0
    bad = _run("data", "check", path, "--session", "9-4")
    assert bad.returncode == 2
    assert "--session" in bad.stderr
    assert "Traceback" not in bad.stderr
