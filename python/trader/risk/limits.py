"""Limits on new risk: how much more of a symbol the book can take, and the gates that refuse outright.

Resizing limits (the order is cut to the largest quantity that fits): per-trade notional, total risk to
the stops, one asset, one sector, leverage. Refusing limits (no smaller order helps, or size is not the
problem): correlation gate, trade rate. All of them guard new risk only; the reducing part of an order
never passes through here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from trader.risk.config import LimitsConfig, RiskConfig
from trader.risk.safe_mode import loss_limit_hit
from trader.risk.state import Holding, MarketState, PortfolioState
from trader.risk.verdict import ReasonCode

_MINUTE = timedelta(seconds=60)
_ZERO = Decimal(0)


def mark(holding: Holding, market: MarketState) -> Decimal:
    """The latest price of a holding: the market's when known, else the holding's own mark."""
    return market.prices.get(holding.symbol, holding.mark)


def holding_risk(holding: Holding, market: MarketState, atr_multiple: Decimal) -> Decimal:
    """Loss if the holding fell to its ATR stop; its whole value when the ATR is unknown (fail closed)."""
    atr = market.atr.get(holding.symbol)
    if atr is None:
        return abs(holding.qty) * mark(holding, market)
    return abs(holding.qty) * atr_multiple * atr


class BookView:
    """The book of one (portfolio, market) pair, summed once and shared by every decision that sees it.

    An engine evaluates many decisions against one snapshot; summing the book per decision would make
    evaluate() O(positions) each time. Both snapshots are frozen, so the view can never go stale.
    """

    __slots__ = (
        "_budgets",
        "_correlated",
        "_limits",
        "_own",
        "_rate",
        "_sector_gross",
        "_total_gross",
        "_total_risk",
        "equity",
        "loss_limit_hit",
        "market",
        "portfolio",
    )

    def __init__(
        self,
        portfolio: PortfolioState,
        market: MarketState,
        config: RiskConfig,
        equity: Decimal | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.market = market
        self._limits = limits = config.limits
        atr_multiple = config.stops.atr_multiple
        self._own: dict[str, tuple[Decimal, Decimal, str]] = {}
        self._sector_gross: dict[str, Decimal] = {}
        self._correlated: dict[tuple[str, int], tuple[str, float] | None] = {}
        own, sector_gross, prices, atrs = self._own, self._sector_gross, market.prices, market.atr
        gross = risk = _ZERO
        # `mark` and `holding_risk` inlined: this loop runs once per snapshot on evaluate()'s hot path.
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
        for symbol, working in portfolio.pending.items():  # orders in flight count as if they filled
            if not working:
                continue
            held = portfolio.positions.get(symbol)
            value, at_risk, sector = own.get(symbol, (_ZERO, _ZERO, market.sector(symbol)))
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
        self._total_gross = gross
        self._total_risk = risk
        self._rate: tuple[datetime, int] | None = None
        self.loss_limit_hit = loss_limit_hit(portfolio, config)
        """Whether the daily or monthly loss limit is reached (SAFE_MODE applies unless cleared)."""
        self.equity = equity = portfolio.equity if equity is None else equity
        """What the budgets are fractions of: the account's equity, or less under a capital step."""
        self._budgets = (
            limits.max_trade_fraction * equity,
            limits.max_total_risk_fraction * equity,
            limits.max_asset_fraction * equity,
            limits.max_sector_fraction * equity,
            limits.max_leverage * equity,
        )

    def rooms(
        self, symbol: str, sector: str, held_value: Decimal, risk_to_value: Decimal
    ) -> tuple[tuple[ReasonCode, Decimal], ...]:
        """For each resizing limit, the most new-risk notional it allows in `symbol` on top of
        `held_value` (the value already held in the order's direction). `risk_to_value` is price / stop
        distance: the notional that puts one unit of equity at risk. A negative room means the book is
        already past that limit. Working in notional keeps evaluate() to two Decimal divisions."""
        gross, risk = self._total_gross, self._total_risk
        sector_gross = self._sector_gross.get(sector, Decimal(0))
        own = self._own.get(symbol)
        if own is not None:  # the symbol's own size is counted through held_value instead
            value, at_risk, own_sector = own
            gross -= value
            risk -= at_risk
            if own_sector == sector:
                sector_gross -= value
        trade, total_risk, asset, one_sector, leverage = self._budgets
        return (
            (ReasonCode.TRADE_LIMIT, trade),
            (ReasonCode.TOTAL_RISK_LIMIT, (total_risk - risk) * risk_to_value - held_value),
            (ReasonCode.ASSET_LIMIT, asset - held_value),
            (ReasonCode.SECTOR_LIMIT, one_sector - sector_gross - held_value),
            (ReasonCode.LEVERAGE_LIMIT, leverage - gross - held_value),
        )

    def trades_last_minute(self, now: datetime) -> int:
        """`trades_last_minute` of the portfolio, remembered for the last `now` asked."""
        if self._rate is None or self._rate[0] != now:
            self._rate = (now, trades_last_minute(self.portfolio.recent_trades, now))
        return self._rate[1]

    def correlated(self, symbol: str, direction: int) -> tuple[str, float] | None:
        """`correlated_holding`, remembered per symbol and direction."""
        key = (symbol, direction)
        if key not in self._correlated:
            self._correlated[key] = correlated_holding(
                symbol, direction, self.portfolio, self.market, self._limits
            )
        return self._correlated[key]


def correlated_holding(
    symbol: str, direction: int, portfolio: PortfolioState, market: MarketState, limits: LimitsConfig
) -> tuple[str, float] | None:
    """A held position that new risk in `direction` (+1 long, -1 short) would pile onto, with the
    correlation; None when there is none. A position on the other side of a positive correlation (or the
    same side of a negative one) is a hedge: it reduces risk and passes."""
    for held, holding in portfolio.positions.items():
        if held == symbol:
            continue
        corr = market.correlation(symbol, held)
        if corr is None:
            continue
        same_way = direction if holding.qty > 0 else -direction
        if same_way * corr > limits.max_correlation:
            return held, corr
    return None


def trades_last_minute(recent: tuple[datetime, ...], now: datetime) -> int:
    """How many trades were sent in the 60 s up to and including `now`."""
    start = now - _MINUTE
    return sum(1 for at in recent if start < at <= now)
