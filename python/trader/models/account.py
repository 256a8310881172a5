"""What the account holds: open positions and a snapshot of cash, equity and buying power."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import (
    Count,
    Currency,
    ExactDecimal,
    Name,
    NonNegativeDecimal,
    PositiveDecimal,
    Symbol,
    UtcDatetime,
)

EQUITY_TOLERANCE = Decimal("0.01")
"""How far a venue's equity may sit from cash + long + short market value: one cent of rounding."""


class Position(DomainModel):
    """An open position at `as_of`. `qty` is signed (short < 0); zero is flat, which is no position.

    Market value and P&L are derived from qty and prices, so they can never disagree with them.
    """

    symbol: Symbol
    qty: ExactDecimal
    avg_entry_price: PositiveDecimal
    current_price: PositiveDecimal
    as_of: UtcDatetime

    @model_validator(mode="after")
    def _not_flat(self) -> Self:
        if self.qty == 0:
            raise_violations(
                type(self), [Violation("qty", "zero is flat: a position holds a quantity", self.qty)]
            )
        return self

    @property
    def is_short(self) -> bool:
        """Whether the position is short (negative quantity)."""
        return self.qty < 0

    @property
    def cost_basis(self) -> Decimal:
        """Signed value at entry: qty x avg_entry_price."""
        return self.qty * self.avg_entry_price

    @property
    def market_value(self) -> Decimal:
        """Signed value now: qty x current_price (negative for a short)."""
        return self.qty * self.current_price

    @property
    def unrealized_pnl(self) -> Decimal:
        """P&L if closed at current_price: qty x (current - entry); a short gains as the price falls."""
        return self.qty * (self.current_price - self.avg_entry_price)


class AccountSnapshot(DomainModel):
    """Balances at `as_of`, in Alpaca's sign conventions (short market value is negative or zero)."""

    account_id: Name
    as_of: UtcDatetime
    currency: Currency
    cash: ExactDecimal
    equity: ExactDecimal
    buying_power: NonNegativeDecimal
    long_market_value: NonNegativeDecimal
    short_market_value: ExactDecimal
    maintenance_margin: NonNegativeDecimal
    daytrade_count: Count
    pattern_day_trader: bool
    trading_blocked: bool

    @model_validator(mode="after")
    def _balances_add_up(self) -> Self:
        found: list[Violation] = []
        if self.short_market_value > 0:
            found.append(
                Violation(
                    "short_market_value", "must be 0 or negative (shorts are owed)", self.short_market_value
                )
            )
        expected = self.cash + self.long_market_value + self.short_market_value
        if abs(self.equity - expected) > EQUITY_TOLERANCE:
            found.append(
                Violation(
                    "equity",
                    f"must equal cash + long_market_value + short_market_value = {expected:f}",
                    self.equity,
                )
            )
        raise_violations(type(self), found)
        return self

    @property
    def gross_exposure(self) -> Decimal:
        """Long plus absolute short market value."""
        return self.long_market_value - self.short_market_value
