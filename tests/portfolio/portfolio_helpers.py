"""Builders for the portfolio tests: fills with sequential ids and times, without pydantic boilerplate."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from trader.models import Fill, Side

T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
_ids = itertools.count(1)


def dec(text: str | int) -> Decimal:
    """A Decimal from text (never from a float)."""
    return Decimal(str(text))


def make_fill(
    side: str,
    qty: str | int,
    price: str | int,
    *,
    symbol: str = "SPY",
    fee: str | int = "0",
    fee_currency: str = "USD",
    day: int = 0,
    order: str | None = None,
) -> Fill:
    """A fill `day` days after T0 with a fresh fill id (client_order_id defaults to one per fill)."""
    n = next(_ids)
    return Fill(
        fill_id=f"f{n}",
        order_id=f"o{n}",
        client_order_id=order or f"c{n}",
        symbol=symbol,
        side=Side(side),
        qty=dec(qty),
        price=dec(price),
        fee=dec(fee),
        fee_currency=fee_currency,
        timestamp=T0 + timedelta(days=day),
    )


def ns(day: int) -> int:
    """Nanoseconds since the epoch of T0 + `day` days (the equity curve's time unit)."""
    moment = T0 + timedelta(days=day)
    return int(moment.timestamp()) * 1_000_000_000
