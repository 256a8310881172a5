"""Builders for progression tests: round trips and equity curves with a chosen record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from trader.portfolio import RoundTrip

START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def trip(exit_time: datetime, pnl: Decimal | int, n: int = 0) -> RoundTrip:
    """One long round trip of 1 unit closed at `exit_time` with net P&L `pnl` (no fees)."""
    pnl = Decimal(pnl)
    entry = Decimal(100)
    return RoundTrip(
        symbol="SPY",
        direction="long",
        qty=Decimal(1),
        entry_time=exit_time - timedelta(hours=1),
        entry_price=entry,
        exit_time=exit_time,
        exit_price=entry + pnl,
        gross_pnl=pnl,
        fees=Decimal(0),
        entry_order=f"e{n}",
        exit_order=f"x{n}",
    )


def record(
    start: datetime,
    days: int,
    *,
    trades: int = 40,
    win_every: int = 5,
    wins_of: int = 3,
    win: int = 100,
    loss: int = -50,
) -> list[RoundTrip]:
    """`trades` round trips spread over `days`; `wins_of` out of each `win_every` are winners."""
    step = timedelta(days=days) / (trades + 1)
    return [trip(start + step * (k + 1), win if k % win_every < wins_of else loss, k) for k in range(trades)]


def curve(
    start: datetime,
    days: int,
    daily: tuple[float, ...] = (0.004, -0.001, 0.003),
    equity: Decimal = Decimal(10_000),
) -> list[tuple[datetime, Decimal]]:
    """Equity marked once a day from `equity`, moving by the `daily` returns in turn."""
    points = [(start, equity)]
    for day in range(1, days + 1):
        equity = (equity * (1 + Decimal(repr(daily[day % len(daily)])))).quantize(Decimal("0.01"))
        points.append((start + timedelta(days=day), equity))
    return points
