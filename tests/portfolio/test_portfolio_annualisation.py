"""Bars per year by timeframe and calendar: 252 sessions for US equities, 365 days for crypto."""

from __future__ import annotations

from datetime import time

import pytest

from trader.data import CRYPTO, us_equity
from trader.models import Timeframe
from trader.portfolio import bars_per_day, periods_per_year

REGULAR = us_equity(time(9, 30), time(16))
EXTENDED = us_equity()


@pytest.mark.parametrize(
    ("timeframe", "calendar", "per_day", "per_year"),
    [
        (Timeframe.D1, REGULAR, 1, 252),
        (Timeframe.D1, CRYPTO, 1, 365),
        (Timeframe.M1, REGULAR, 390, 98_280),
        (Timeframe.M5, REGULAR, 78, 19_656),
        (Timeframe.H1, REGULAR, 7, 1_764),  # 6.5 h: the last bar holds half an hour
        (Timeframe.H1, EXTENDED, 16, 4_032),  # 04:00-20:00
        (Timeframe.M1, CRYPTO, 1_440, 525_600),
        (Timeframe.H1, CRYPTO, 24, 8_760),
        (Timeframe.H4, CRYPTO, 6, 2_190),
    ],
)
def test_periods_per_year(timeframe: Timeframe, calendar: object, per_day: int, per_year: int) -> None:
    assert bars_per_day(timeframe, calendar) == per_day  # type: ignore[arg-type]
    assert periods_per_year(timeframe, calendar) == per_year  # type: ignore[arg-type]
