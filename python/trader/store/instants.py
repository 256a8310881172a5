"""One spelling for every stored instant: ISO-8601 UTC with microseconds and a Z, as the journal writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trader.journal.canonical import format_instant
from trader.store.errors import StoreError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant_text(value: str | datetime, where: str = "instant") -> str:
    """`2024-03-01T14:30:00.000000Z` for any ISO-8601 text with an offset or a datetime with a timezone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(f"{where}: not an ISO-8601 instant (got {value!r})") from None
    if value.tzinfo is None:
        raise StoreError(f"{where}: instant without a timezone (got {value.isoformat()!r})")
    return format_instant(value, where)


def ns_text(ns: int) -> str:
    """The instant `ns` nanoseconds after the epoch (microsecond precision, as the curve is stamped)."""
    return format_instant(_EPOCH + timedelta(microseconds=ns // 1_000))
