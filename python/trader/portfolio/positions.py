"""One symbol's open position under average-cost accounting, kept exact by tracking cost, not price."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from trader.portfolio.exact import EXACT, WIDE, pro_rata, round9

_ZERO = Decimal(0)


class PositionChange(NamedTuple):
    """How one fill moved a position: the part it closed (with realised P&L) and the part it opened."""

    closed_qty: Decimal
    """Signed quantity taken off the old position (same sign as the old position; 0 if none)."""
    opened_qty: Decimal
    """Signed quantity added to the new or grown position (0 if none)."""
    realised_pnl: Decimal
    """P&L of the closed part before fees: closed_qty x price - the cost it carried."""


class OpenPosition:
    """A signed quantity and its signed cost (sum of qty x price of what is still held).

    Keeping the cost rather than the average price keeps every sum exact: the average is a quotient, so
    it is derived on demand. Closing part of a position takes the same fraction of its cost away (the one
    rounding in the books, onto a 1e-18 grid); closing all of it takes the cost exactly, so a position that
    goes flat leaves no residue, and realised + unrealised P&L always add up to the same total.
    """

    __slots__ = ("cost", "qty", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.qty = _ZERO
        self.cost = _ZERO

    def apply(self, delta: Decimal, price: Decimal) -> PositionChange:
        """Move the position by `delta` at `price`; a fill crossing zero closes the old side, then opens."""
        qty = self.qty
        if qty == 0 or (qty > 0) == (delta > 0):
            self.qty = EXACT.add(qty, delta)
            self.cost = EXACT.add(self.cost, EXACT.multiply(delta, price))
            return PositionChange(_ZERO, delta, _ZERO)
        size = abs(qty)
        closing = min(abs(delta), size)
        closed = closing if qty > 0 else -closing
        removed = self.cost if closing == size else pro_rata(self.cost, closing, size)
        realised = EXACT.subtract(EXACT.multiply(closed, price), removed)
        self.qty = EXACT.subtract(qty, closed)
        self.cost = EXACT.subtract(self.cost, removed)
        rest = EXACT.add(delta, closed)  # delta and closed have opposite signs
        if rest != 0:
            self.qty = rest
            self.cost = EXACT.multiply(rest, price)
        return PositionChange(closed, rest, realised)

    @property
    def avg_entry_price(self) -> Decimal:
        """cost / qty, rounded to 9 decimals (for display and the Position model; the books use cost)."""
        if self.qty == 0:
            return _ZERO
        return round9(WIDE.divide(self.cost, self.qty))

    def market_value(self, price: Decimal) -> Decimal:
        """Signed value at `price` (negative for a short)."""
        # Marks come from outside the validated models and may carry many digits: WIDE, not EXACT.
        return WIDE.multiply(self.qty, price)

    def unrealised_pnl(self, price: Decimal) -> Decimal:
        """What closing now at `price` would realise, before fees: qty x price - cost."""
        return WIDE.subtract(WIDE.multiply(self.qty, price), self.cost)
