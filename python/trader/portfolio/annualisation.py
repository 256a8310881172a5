"""How many bars make a year: by timeframe and calendar (252 trading days for US equities, 365 for crypto)."""

from __future__ import annotations

import math
from datetime import time

from trader.data.calendar import MarketCalendar
from trader.models import Timeframe

TRADING_DAYS_PER_YEAR = 252
"""US equities: NYSE trades about 252 days a year (the convention of empyrical, quantstats, pyfolio)."""

CALENDAR_DAYS_PER_YEAR = 365
"""Crypto trades every day."""

_SECONDS_PER_DAY = 86_400


def days_per_year(calendar: MarketCalendar) -> int:
    """365 for a calendar that trades every day (crypto), else 252."""
    return CALENDAR_DAYS_PER_YEAR if calendar.weekends else TRADING_DAYS_PER_YEAR


def session_seconds(calendar: MarketCalendar) -> int:
    """Length of one trading session in seconds (24 h for a calendar without a session end)."""
    if calendar.session_end is None:
        return _SECONDS_PER_DAY - _seconds_since_midnight(calendar.session_start)
    return _seconds_since_midnight(calendar.session_end) - _seconds_since_midnight(calendar.session_start)


def bars_per_day(timeframe: Timeframe, calendar: MarketCalendar) -> int:
    """Bars in one trading day: 1 for daily bars, else the session cut into bars (a partial bar counts).

    US equities 09:30-16:00 in 1 h bars give 7 (the 15:00 bar holds the last half hour); 1 m bars 390.
    """
    if timeframe is Timeframe.D1:
        return 1
    return math.ceil(session_seconds(calendar) / timeframe.seconds)


def periods_per_year(timeframe: Timeframe, calendar: MarketCalendar) -> int:
    """Bars per year, the annualisation factor: days per year x bars per day."""
    return days_per_year(calendar) * bars_per_day(timeframe, calendar)


def _seconds_since_midnight(moment: time) -> int:
    return moment.hour * 3_600 + moment.minute * 60 + moment.second
