"""Market calendars: NYSE holidays by rule, zero gaps on 23 years of SPY, intraday sessions."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from trader.data import CRYPTO, Bars, check, load_bars, us_equity
from trader.data.calendar import detect_calendar
from trader.data.holidays import easter, nyse_holidays
from trader.data.quality import Kind
from trader.models import Timeframe

MINUTE = 60 * 10**9


def test_mlk_day_only_from_1998() -> None:
    assert date(1998, 1, 19) in nyse_holidays(1998)
    assert date(1997, 1, 20) not in nyse_holidays(1997)


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2021, 12, 31), False),  # Saturday New Year's Day is not observed on Friday
        (date(2017, 1, 2), True),  # Sunday New Year's Day observed Monday
        (date(2021, 12, 24), True),  # Saturday Christmas observed Friday
        (date(2022, 6, 20), True),  # Sunday Juneteenth observed Monday
        (date(2021, 6, 18), False),  # Juneteenth only from 2022
        (date(2020, 7, 3), True),  # Saturday Independence Day observed Friday
        (date(2016, 3, 25), True),  # Good Friday
        (date(2012, 10, 29), True),  # Hurricane Sandy
        (date(2018, 12, 5), True),  # G.H.W. Bush funeral
        (date(2025, 1, 9), True),  # Carter funeral
        (date(2024, 11, 28), True),  # Thanksgiving
        (date(2024, 11, 29), False),
    ],
)
def test_nyse_closures(day: date, closed: bool) -> None:
    assert (day in nyse_holidays(day.year)) is closed
    assert us_equity().is_trading_day(day) is not closed


def test_easter_dates() -> None:
    assert [easter(y) for y in (2000, 2008, 2019, 2024)] == [
        date(2000, 4, 23),
        date(2008, 3, 23),
        date(2019, 4, 21),
        date(2024, 3, 31),
    ]


def test_spy_daily_has_zero_calendar_gaps_and_no_off_calendar_days(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    assert detect_calendar(bars).name == "us_equity"
    report = check(bars)
    assert report.of_kind(Kind.GAP) == []
    assert report.of_kind(Kind.OFF_CALENDAR) == []


def test_removing_one_trading_day_reports_exactly_that_gap(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    removed = 3000
    holed = bars.take(np.delete(np.arange(len(bars)), removed))
    gaps = check(holed).of_kind(Kind.GAP)
    assert len(gaps) == 1
    assert gaps[0].missing == 1
    assert gaps[0].line == int(bars.lines[removed + 1])
    day = np.datetime_as_string(np.datetime64(int(bars.ts[removed]), "ns"), unit="D")
    assert f"{day}T00:00:00Z .. {day}T00:00:00Z" in gaps[0].message


def test_crypto_daily_counts_weekends() -> None:
    ts = np.array([0, 1, 4], dtype=np.int64) * 86_400 * 10**9  # 1970-01-01 (Thu), 02, then 05
    one = np.ones(3)
    report = check(Bars("BTCUSD", Timeframe.D1, ts, one, one, one, one, one), calendar=CRYPTO)
    assert [g.missing for g in report.of_kind(Kind.GAP)] == [2]  # Sat 3rd and Sun 4th


def _minutes(day: str, hhmm: list[str]) -> np.ndarray:
    return np.array([np.datetime64(f"{day}T{t}", "ns").astype(np.int64) for t in hhmm], dtype=np.int64)


def test_intraday_equity_gaps_only_count_inside_the_session() -> None:
    # 2013-10-07 (EDT, UTC-4): session 04:00-20:00 local = 08:00Z-24:00Z. A bar on the next morning follows.
    ts = np.concatenate(
        [_minutes("2013-10-07", ["23:58", "23:59"]), _minutes("2013-10-08", ["08:00", "08:02"])]
    )
    one = np.ones(ts.size)
    bars = Bars("SPY", Timeframe.M1, ts, one, one, one, one, one)
    gaps = check(bars, calendar=us_equity()).of_kind(Kind.GAP)
    assert [g.missing for g in gaps] == [1]  # only 08:01Z; the overnight hours are outside the session
    regular = us_equity(time(9, 30), time(16))
    report = check(bars, calendar=regular)
    assert len(report.of_kind(Kind.OFF_CALENDAR)) == 4  # all four bars are outside 09:30-16:00
