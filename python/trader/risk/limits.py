"""Limits on new risk: how much more of a symbol the book can take, and the gates that refuse outright.

Resizing limits (the order is cut to the largest quantity that fits): per-trade notional, total risk to
the stops, one asset, one sector, leverage. Refusing limits (no smaller order helps, or size is not the
problem): the trade rate here, the correlation gate in market_view. All of them guard new risk only; the
reducing part of an order never passes through here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from trader.risk.config import RiskConfig
from trader.risk.market_view import SymbolLine
from trader.risk.state import MarketState, PortfolioState
from trader.risk.verdict import ReasonCode

_MINUTE = timedelta(seconds=60)
_ZERO = Decimal(0)
# The resizing limits in the order their reason codes are listed; bound once, since looking an enum member
# up costs as much as a Decimal multiplication on evaluate()'s path.
_LIMIT_CODES = (
    ReasonCode.TRADE_LIMIT,
    ReasonCode.TOTAL_RISK_LIMIT,
    ReasonCode.ASSET_LIMIT,
    ReasonCode.SECTOR_LIMIT,
    ReasonCode.LEVERAGE_LIMIT,
)

Room = tuple[Decimal, tuple[ReasonCode, ...]]
"""The most new-risk notional the resizing limits allow, and the limits that allow no more."""

_BINDS_ALONE = tuple((code,) for code in _LIMIT_CODES)

Budgets = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]
"""The resizing limits in money: per-trade notional, total risk to the stops, one asset, one sector, gross."""

Own = tuple[Decimal, Decimal, str]
"""A symbol's market value, equity at risk to its stop, and sector (a held symbol's own sector)."""


class BookView:
    """The book of one (portfolio, market) pair, worked out lazily and shared by every decision that sees it.

    An engine evaluates many decisions against one snapshot, and the live loop one decision against each
    fresh snapshot: so nothing is summed before a decision needs it, and nothing twice. Both snapshots are
    frozen, so the view can never go stale.
    """

    __slots__ = (
        "_budgets",
        "_complete",
        "_config",
        "_owns",
        "_rooms",
        "_sectors",
        "_totals",
        "equity",
        "market",
        "portfolio",
        "record",
    )

    def __init__(
        self,
        portfolio: PortfolioState,
        market: MarketState,
        config: RiskConfig,
        equity: Decimal,
        *,
        budgets: Budgets,
        record: tuple[float | None, float],
    ) -> None:
        self.portfolio = portfolio
        self.market = market
        self._config = config
        self.equity = equity
        """What the budgets are fractions of: the account's equity, or less under a capital step."""
        self._budgets = budgets
        self.record = record
        """The snapshot's trade record as sizing reads it: full Kelly (None until long enough), streak."""
        self._totals: tuple[Decimal, Decimal] | None = None
        """Gross market value and equity at risk to the stops over the whole book, once summed."""
        # Kept from the view's second decision on: on a fresh snapshot the first is often the only one.
        self._rooms: dict[tuple[str, Decimal, Decimal], Room] | None = None
        self._owns: dict[str, Own | None] = {}
        self._sectors: dict[str, Decimal] = {}
        self._complete = False
        """Whether _owns and _sectors hold every symbol and sector of the book (absent ones are empty)."""

    def room(self, symbol: str, held: Decimal, scale: Decimal, line: SymbolLine) -> Room:
        """The most new-risk notional the resizing limits allow in `symbol` on top of `held` (the quantity
        already held in the order's direction), with the limits that set it; the per-trade limit shrunk by
        `scale` (a new symbol's). Negative when the book is already past a limit."""
        if self._totals is None:
            return self._room(symbol, held * self.market.prices[symbol], scale, line)
        key = (symbol, held, scale)
        rooms = self._rooms
        if rooms is None:
            rooms = self._rooms = {}
        room = rooms.get(key)
        if room is None:
            room = rooms[key] = self._room(symbol, held * self.market.prices[symbol], scale, line)
        return room

    def _room(self, symbol: str, held_value: Decimal, scale: Decimal, line: SymbolLine) -> Room:
        sector, risk_to_value = line[2], line[1]
        totals = self._totals
        if totals is None and not self.portfolio.pending:
            gross, risk, own, sector_gross = self._sum(symbol, sector)
        else:
            gross, risk = self._sum_with_working() if totals is None else totals
            own, sector_gross = self._own(symbol), self._sector(sector)
        if own is not None:  # the symbol's own size is counted through held_value instead
            value, at_risk, own_sector = own
            gross -= value
            risk -= at_risk
            if own_sector == sector:
                sector_gross -= value
        trade, total_risk, asset, one_sector, leverage = self._budgets
        # Working in notional keeps evaluate() to two Decimal divisions.
        caps = (
            trade * scale if scale < 1 else trade,
            (total_risk - risk) * risk_to_value - held_value,
            asset - held_value,
            one_sector - sector_gross - held_value,
            leverage - gross - held_value,
        )
        room = min(caps)  # the first of equal caps
        if caps.count(room) == 1:
            return room, _BINDS_ALONE[caps.index(room)]
        return room, tuple(code for code, cap in zip(_LIMIT_CODES, caps, strict=True) if cap == room)

    def _sum(self, symbol: str, sector: str) -> tuple[Decimal, Decimal, Own | None, Decimal]:
        """Total a book without working orders, and on the way `symbol`'s own size and `sector`'s gross."""
        prices, atrs = self.market.prices, self.market.atr
        atr_multiple = self._config.stops.atr_multiple
        own: Own | None = None
        gross = risk = sector_gross = _ZERO
        # _own and _sector inlined: this loop runs once per snapshot on evaluate()'s path.
        for held, holding in self.portfolio.positions.items():
            size = abs(holding.qty)
            value = size * prices.get(held, holding.mark)
            atr = atrs.get(held)
            at_risk = value if atr is None else size * atr_multiple * atr  # no ATR: all of it (fail closed)
            if holding.sector == sector:
                sector_gross += value
            if held == symbol:
                own = (value, at_risk, holding.sector)
            gross += value
            risk += at_risk
        self._totals = (gross, risk)
        return gross, risk, own, sector_gross

    def _own(self, symbol: str) -> Own | None:
        """`symbol`'s own value, risk and sector, as the sums work them out."""
        owns = self._owns
        if symbol in owns or self._complete:
            return owns.get(symbol)
        holding = self.portfolio.positions.get(symbol)
        own = None
        if holding is not None:
            size = abs(holding.qty)
            value = size * self.market.prices.get(symbol, holding.mark)
            atr = self.market.atr.get(symbol)
            at_risk = value if atr is None else size * self._config.stops.atr_multiple * atr
            own = (value, at_risk, holding.sector)
        owns[symbol] = own
        return own

    def _sector(self, sector: str) -> Decimal:
        """`sector`'s gross value, as the sums work it out."""
        sectors = self._sectors
        if sector in sectors or self._complete:
            return sectors.get(sector, _ZERO)
        prices, total = self.market.prices, _ZERO
        for symbol, holding in self.portfolio.positions.items():
            if holding.sector == sector:
                total += abs(holding.qty) * prices.get(symbol, holding.mark)
        sectors[sector] = total
        return total

    def _sum_with_working(self) -> tuple[Decimal, Decimal]:
        """_sum of a book with orders still working: they count as if they filled."""
        portfolio, market = self.portfolio, self.market
        atr_multiple = self._config.stops.atr_multiple
        # Filled here and published whole, so a view shared between threads never shows half a sum.
        own: dict[str, Own | None] = {}
        sector_gross: dict[str, Decimal] = {}
        prices, atrs = market.prices, market.atr
        gross = risk = _ZERO
        for symbol, holding in portfolio.positions.items():
            size = abs(holding.qty)
            value = size * prices.get(symbol, holding.mark)
            atr = atrs.get(symbol)
            at_risk = value if atr is None else size * atr_multiple * atr
            sector = holding.sector
            own[symbol] = (value, at_risk, sector)
            sector_gross[sector] = sector_gross.get(sector, _ZERO) + value
            gross += value
            risk += at_risk
        for symbol, working in portfolio.pending.items():
            if not working:
                continue
            held = portfolio.positions.get(symbol)
            value, at_risk, sector = own.get(symbol) or (_ZERO, _ZERO, market.sector(symbol))
            qty = _ZERO if held is None else held.qty
            price = prices.get(symbol, _ZERO if held is None else held.mark)
            size = max(abs(qty), abs(qty + working))
            extra = size * price - value
            if extra <= 0:
                continue
            atr = atrs.get(symbol)
            extra_risk = extra if atr is None or price <= 0 else extra / price * atr_multiple * atr
            own[symbol] = (value + extra, at_risk + extra_risk, sector)
            sector_gross[sector] = sector_gross.get(sector, _ZERO) + extra
            gross += extra
            risk += extra_risk
        self._owns, self._sectors = own, sector_gross
        self._complete = True
        totals = self._totals = (gross, risk)
        return totals


def trades_last_minute(recent: tuple[datetime, ...], now: datetime) -> int:
    """How many trades were sent in the 60 s up to and including `now`."""
    start = now - _MINUTE
    count = 0
    for at in recent:
        if start < at <= now:
            count += 1
    return count


def money_limits(config: RiskConfig, equity: Decimal) -> Budgets:
    """The resizing limits of `config` in money, on `equity`."""
    limits = config.limits
    return (
        limits.max_trade_fraction * equity,
        limits.max_total_risk_fraction * equity,
        limits.max_asset_fraction * equity,
        limits.max_sector_fraction * equity,
        limits.max_leverage * equity,
    )
