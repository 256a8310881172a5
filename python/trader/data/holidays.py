"""NYSE full-day closures, rule-based (1990s onward): the regular holidays plus special closures."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

MONDAY, THURSDAY, SATURDAY, SUNDAY = 0, 3, 5, 6

# Closures no rule predicts: 9/11, state funerals (Reagan, Ford, G.H.W. Bush, Carter), Hurricane Sandy.
SPECIAL_CLOSURES = frozenset(
    {
        date(2001, 9, 11),
        date(2001, 9, 12),
        date(2001, 9, 13),
        date(2001, 9, 14),
        date(2004, 6, 11),
        date(2007, 1, 2),
        date(2012, 10, 29),
        date(2012, 10, 30),
        date(2018, 12, 5),
        date(2025, 1, 9),
    }
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """Saturday holidays move to Friday, Sunday holidays to Monday."""
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == SUNDAY:
        return day + timedelta(days=1)
    return day


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def nyse_holidays(year: int) -> frozenset[date]:
    """Weekdays of `year` on which NYSE is closed all day."""
    days = {
        _nth_weekday(year, 2, MONDAY, 3),  # Washington's Birthday
        easter(year) - timedelta(days=2),  # Good Friday
        _last_weekday(year, 5, MONDAY),  # Memorial Day
        _observed(date(year, 7, 4)),
        _nth_weekday(year, 9, MONDAY, 1),  # Labor Day
        _nth_weekday(year, 11, THURSDAY, 4),  # Thanksgiving
        _observed(date(year, 12, 25)),
    }
    new_year = date(year, 1, 1)
    # NYSE does not close on Friday Dec 31 for a Saturday New Year's Day (rule 7.2), only Sunday moves.
    if new_year.weekday() != SATURDAY:
        days.add(_observed(new_year))
    if year >= 1998:
        days.add(_nth_weekday(year, 1, MONDAY, 3))  # Martin Luther King Jr. Day
    if year >= 2022:
        days.add(_observed(date(year, 6, 19)))  # Juneteenth
    days |= {day for day in SPECIAL_CLOSURES if day.year == year}
    return frozenset(day for day in days if day.weekday() < SATURDAY)
