"""Market data at the boundaries: OHLCV bars, trade prints and quotes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import Count, Name, NonNegativeDecimal, PositiveDecimal, Symbol, UtcDatetime
from trader.models.timeframe import Timeframe


class Side(StrEnum):
    """Which way an order or a print trades."""

    BUY = "buy"
    SELL = "sell"


class MarketBar(DomainModel):
    """One OHLCV bar; `timestamp` is the bar's OPEN time in UTC, like the columnar `Bars.ts`."""

    symbol: Symbol
    timeframe: Timeframe
    timestamp: UtcDatetime
    open: PositiveDecimal
    high: PositiveDecimal
    low: PositiveDecimal
    close: PositiveDecimal
    volume: NonNegativeDecimal
    vwap: PositiveDecimal | None = None
    trade_count: Count | None = None

    @model_validator(mode="after")
    def _prices_inside_range(self) -> Self:
        violations: list[Violation] = []
        if self.high < self.low:
            violations.append(Violation("high", f"below low {self.low:f}", self.high))
        for name in ("open", "close"):
            price: Decimal = getattr(self, name)
            if price > self.high:
                violations.append(Violation(name, f"above high {self.high:f}", price))
            if price < self.low:
                violations.append(Violation(name, f"below low {self.low:f}", price))
        raise_violations(type(self), violations)
        return self

    @property
    def close_time(self) -> datetime:
        """When the bar closes: the first instant a strategy may see it (no lookahead)."""
        return self.timestamp + timedelta(seconds=self.timeframe.seconds)


class Trade(DomainModel):
    """One print on the tape: a price and size at an instant (the input of the trades -> bars builder)."""

    symbol: Symbol
    timestamp: UtcDatetime
    price: PositiveDecimal
    size: PositiveDecimal
    taker_side: Side | None = None
    venue: Name | None = None
    trade_id: Name | None = None


class Quote(DomainModel):
    """Top of book. A crossed quote (ask below bid) is refused: no single book can show one, and a
    strategy pricing off it would see a negative spread. Feeds drop or report such quotes."""

    symbol: Symbol
    timestamp: UtcDatetime
    bid_price: PositiveDecimal
    bid_size: NonNegativeDecimal
    ask_price: PositiveDecimal
    ask_size: NonNegativeDecimal

    @model_validator(mode="after")
    def _not_crossed(self) -> Self:
        if self.ask_price < self.bid_price:
            raise_violations(
                type(self), [Violation("ask_price", f"below bid_price {self.bid_price:f}", self.ask_price)]
            )
        return self

    @property
    def mid(self) -> Decimal:
        """Halfway between bid and ask."""
        return (self.bid_price + self.ask_price) / 2

    @property
    def spread(self) -> Decimal:
        """Ask minus bid (never negative)."""
        return self.ask_price - self.bid_price
