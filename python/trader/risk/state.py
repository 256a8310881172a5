"""The inputs risk reads: small frozen snapshots of the portfolio and the market at one instant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

UNKNOWN_SECTOR = "unknown"
"""Symbols without a sector share this one, so an unmapped book is still capped as one sector."""

_PRICE_STEP = Decimal("0.000000001")


def price_units(value: float) -> Decimal:
    """A float price-like statistic (an ATR from the indicator kernels) as an exact Decimal at 1e-9."""
    return Decimal(repr(value)).quantize(_PRICE_STEP)


@dataclass(frozen=True, slots=True)
class Holding:
    """One open position: signed quantity (short < 0), average entry price, last mark, sector."""

    symbol: str
    qty: Decimal
    avg_price: Decimal
    mark: Decimal
    sector: str = UNKNOWN_SECTOR

    @property
    def market_value(self) -> Decimal:
        """Signed value at the mark."""
        return self.qty * self.mark


@dataclass(frozen=True, slots=True)
class TradeStats:
    """The strategy's closed-trade record, for Kelly and streak scaling."""

    trades: int = 0
    win_rate: float | None = None
    payoff_ratio: float | None = None
    """Average win over average loss (both positive)."""
    consecutive_losses: int = 0
    consecutive_wins: int = 0


@dataclass(frozen=True, slots=True)
class PortfolioState:
    """Account and positions at one instant, as the portfolio sees them.

    Build a new snapshot rather than changing one's mappings: RiskManager sums a snapshot's book once and
    reuses the sums for every decision evaluated against the same snapshot object.
    """

    equity: Decimal
    cash: Decimal
    positions: Mapping[str, Holding] = field(default_factory=dict)
    day_start_equity: Decimal | None = None
    """Equity at the start of the current day (None: the day's loss is unknown, taken as none)."""
    month_start_equity: Decimal | None = None
    high_water_mark: Decimal | None = None
    stats: TradeStats = TradeStats()
    recent_trades: tuple[datetime, ...] = ()
    """When recent orders were sent (the last minute is enough)."""
    pending: Mapping[str, Decimal] = field(default_factory=dict)
    """Signed quantity still working at the venue per symbol (sent, not yet filled; buys > 0). The limits
    count it as if it filled: orders whose answer was lost (a timeout) would otherwise pile up unseen."""


@dataclass(frozen=True, slots=True)
class MarketState:
    """What the market looks like at `as_of`: prices and ATRs exact, statistics as floats.

    Build a new snapshot rather than changing one's mappings: RiskManager works out each symbol's stop and
    the correlation index once per snapshot object and reuses them while the same object is passed in.
    """

    as_of: datetime
    """Stamp of the newest data seen; evaluate() refuses new risk when it is stale."""
    prices: Mapping[str, Decimal]
    atr: Mapping[str, Decimal] = field(default_factory=dict)
    realised_vol: Mapping[str, float] = field(default_factory=dict)
    """Annualised realised volatility per symbol."""
    correlations: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """Rolling return correlation per pair; either order of the pair is looked up."""
    day_move: Mapping[str, float] = field(default_factory=dict)
    """Signed move since the previous close, as a fraction (-0.5 is a 50 % fall)."""
    sectors: Mapping[str, str] = field(default_factory=dict)

    def correlation(self, a: str, b: str) -> float | None:
        """The correlation of a pair, in either order; None when unknown."""
        value = self.correlations.get((a, b))
        return self.correlations.get((b, a)) if value is None else value

    def sector(self, symbol: str) -> str:
        """The sector of `symbol`, UNKNOWN_SECTOR when not mapped."""
        return self.sectors.get(symbol, UNKNOWN_SECTOR)
