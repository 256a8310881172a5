"""Market calendars: which days trade, when the session runs, and therefore which bars should exist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from trader.data.bars import Bars
from trader.data.holidays import SATURDAY, nyse_holidays
from trader.data.timeframes import NANOS_PER_DAY, NANOS_PER_SECOND
from trader.errors import DataError
from trader.models import Timeframe

NEW_YORK = ZoneInfo("America/New_York")
NANOS_PER_HOUR = 3_600 * NANOS_PER_SECOND
_EPOCH_DAY = date(1970, 1, 1)
# A pair quoted in a crypto or fiat currency (BTCUSD, XRPETH, BTCUSD-MTGOX); tickers like SPY are not.
_CRYPTO_PAIR = re.compile(r"^[A-Z0-9]{2,}(USD|USDT|USDC|BUSD|BTC|ETH|EUR|GBP)(-[A-Z0-9]+)?$")

_SESSION = re.compile(r"^(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$")

CalendarName = Literal["auto", "crypto", "us_equity"]


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH_DAY).days


def grid(start: int, stop: int, step: int) -> NDArray[np.int64]:
    """start, start + step, ... below stop, in exact integers (np.arange sizes int64 ranges via float)."""
    count = max(0, -((start - stop) // step))
    return np.int64(start) + np.int64(step) * np.arange(count, dtype=np.int64)


def utc_offsets(ts: NDArray[np.int64], zone: tzinfo) -> NDArray[np.int64]:
    """UTC offset in ns of `zone` at each timestamp (looked up once per distinct hour)."""
    hours, inverse = np.unique(ts // NANOS_PER_HOUR, return_inverse=True)
    offsets = np.empty(hours.size, dtype=np.int64)
    for i, hour in enumerate(hours.tolist()):
        moment = datetime.fromtimestamp(hour * 3_600, tz=UTC).astimezone(zone)
        delta = moment.utcoffset() or timedelta(0)
        offsets[i] = int(delta.total_seconds()) * NANOS_PER_SECOND
    return offsets[inverse.reshape(-1)]


@dataclass(frozen=True, slots=True)
class MarketCalendar:
    """Trading days (in `zone`) and the daily session [session_start, session_end) in local time."""

    name: str
    zone: tzinfo
    session_start: time = time(0)
    session_end: time | None = None  # None: until midnight (24 h)
    weekends: bool = True

    def is_trading_day(self, day: date) -> bool:
        """Whether the market opens at all on `day` (local date)."""
        if self.weekends:
            return True
        return day.weekday() < SATURDAY and day not in nyse_holidays(day.year)

    def trading_days(self, first: date, last: date) -> list[date]:
        """Trading days from `first` to `last`, both included."""
        count = (last - first).days + 1
        days = (first + timedelta(days=i) for i in range(max(count, 0)))
        return [day for day in days if self.is_trading_day(day)]

    def local_dates(self, ts: NDArray[np.int64]) -> NDArray[np.int64]:
        """Local trading date of each instant, as days since the epoch."""
        return (ts + utc_offsets(ts, self.zone)) // NANOS_PER_DAY

    def expected_opens(self, first: int, last: int, timeframe: Timeframe) -> NDArray[np.int64]:
        """Open times of every bar that should exist between the bars opening at `first` and `last`."""
        step = timeframe.nanos
        if timeframe is Timeframe.D1:
            # Daily bars carry the trading date at 00:00Z, whatever the zone.
            days = self.trading_days(_as_date(first), _as_date(last))
            return np.array([day_number(day) * NANOS_PER_DAY for day in days], dtype=np.int64)
        if self.weekends and self.session_end is None:
            return grid(first - first % step, last + 1, step)
        days = self.trading_days(_local_date(first, self.zone), _local_date(last, self.zone))
        spans = [self._session_span(day) for day in days]
        pieces = [grid(lo - lo % step, hi, step) for lo, hi in spans]
        opens = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.int64)
        return opens[(opens >= first) & (opens <= last)]

    def close_times(self, bars: Bars) -> NDArray[np.int64]:
        """When each bar has closed: open + length; local-date daily bars at the local midnight after."""
        if bars.timeframe is None:
            raise DataError("bar length unknown, so close times are unknown", path=bars.source)
        if bars.timeframe is not Timeframe.D1 or self.zone is UTC:
            return bars.ts + np.int64(bars.timeframe.nanos)
        # ts is the trading date at 00:00Z; the day ends at the next local midnight (after extended hours).
        next_midnight_as_utc = bars.ts + NANOS_PER_DAY
        return next_midnight_as_utc - utc_offsets(next_midnight_as_utc, self.zone)

    def _session_span(self, day: date) -> tuple[int, int]:
        start = datetime.combine(day, self.session_start, tzinfo=self.zone)
        end = (
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
            if self.session_end is None
            else datetime.combine(day, self.session_end, tzinfo=self.zone)
        )
        return _nanos(start), _nanos(end)


def _nanos(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NANOS_PER_SECOND + delta.microseconds * 1_000


def _as_date(ns: int) -> date:
    return _EPOCH_DAY + timedelta(days=ns // NANOS_PER_DAY)


def _local_date(ns: int, zone: tzinfo) -> date:
    return datetime.fromtimestamp(ns // NANOS_PER_SECOND, tz=UTC).astimezone(zone).date()


CRYPTO = MarketCalendar(name="crypto", zone=UTC)


def us_equity(session_start: time = time(4), session_end: time = time(20)) -> MarketCalendar:
    """NYSE trading days; the intraday session defaults to extended hours 04:00-20:00 New York time."""
    if session_end <= session_start:
        raise DataError(
            "session must end after it starts", field="session", value=f"{session_start}-{session_end}"
        )
    return MarketCalendar(
        name="us_equity", zone=NEW_YORK, session_start=session_start, session_end=session_end, weekends=False
    )


def detect_calendar(bars: Bars) -> MarketCalendar:
    """Crypto when the symbol is a currency pair or any bar falls on a weekend, else US equities."""
    return guess_calendar(bars.symbol, bars.ts)


def guess_calendar(symbol: str, ts: NDArray[np.int64]) -> MarketCalendar:
    """The calendar of a symbol traded at times `ts` (see `detect_calendar`)."""
    if _CRYPTO_PAIR.match(symbol.upper()):
        return CRYPTO
    weekday = (ts // NANOS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday (3)
    if bool(np.any(weekday >= SATURDAY)):
        return CRYPTO
    return us_equity()


def parse_session(text: str) -> tuple[time, time]:
    """`04:00-20:00` (New York local) -> (04:00, 20:00); `regular` and `extended` are shorthands."""
    named = {"regular": "09:30-16:00", "extended": "04:00-20:00"}
    spec = named.get(text, text)
    match = _SESSION.match(spec)
    if match is None:
        problem = "session must be HH:MM-HH:MM, regular or extended"
        raise DataError(problem, field="session", value=text)
    try:
        start, end = time.fromisoformat(match["start"]), time.fromisoformat(match["end"])
    except ValueError:
        raise DataError("not a valid time of day", field="session", value=text) from None
    return start, end


def calendar_for(name: CalendarName, bars: Bars, *, session: str = "extended") -> MarketCalendar:
    """The calendar a user asked for by name (`auto` detects it); `session` applies to US equities."""
    if name == "crypto":
        return CRYPTO
    chosen = us_equity() if name == "us_equity" else detect_calendar(bars)
    if chosen.name != "us_equity":
        return chosen
    return us_equity(*parse_session(session))
