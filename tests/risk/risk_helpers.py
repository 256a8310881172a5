"""Builders for risk tests: decisions, books and markets with readable defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from trader.models import OrderDecision
from trader.risk import Holding, MarketState, PortfolioState, TradeStats

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
EQUITY = Decimal(100_000)
_counter = iter(range(10**9))


def decision(
    symbol: str = "AAPL",
    side: str = "buy",
    qty: Decimal | int | str | None = 10,
    *,
    notional: Decimal | int | None = None,
    confidence: float = 1.0,
) -> OrderDecision:
    """A market order decision (gtc for crypto pairs, day for stocks)."""
    return OrderDecision(
        client_order_id=f"test-{next(_counter)}",
        symbol=symbol,
        side=side,
        order_type="market",
        time_in_force="gtc" if "/" in symbol else "day",
        qty=None if qty is None or notional is not None else Decimal(qty),
        notional=None if notional is None else Decimal(notional),
        strategy_id="test",
        confidence=confidence,
        reason="test decision",
        created_at=NOW,
    )


def market(
    prices: Mapping[str, Decimal | int] | None = None,
    atr: Mapping[str, Decimal | int | str] | None = None,
    *,
    correlations: Mapping[tuple[str, str], float] | None = None,
    sectors: Mapping[str, str] | None = None,
    realised_vol: Mapping[str, float] | None = None,
    age_seconds: float = 1,
) -> MarketState:
    """AAPL and MSFT at 100 with an ATR of 1 unless told otherwise; both in tech."""
    prices = {"AAPL": 100, "MSFT": 100} if prices is None else prices
    atr = dict.fromkeys(prices, 1) if atr is None else atr
    return MarketState(
        as_of=NOW - timedelta(seconds=age_seconds),
        prices={s: Decimal(p) for s, p in prices.items()},
        atr={s: Decimal(a) for s, a in atr.items()},
        realised_vol=realised_vol or {},
        correlations=correlations or {},
        sectors={"AAPL": "tech", "MSFT": "tech"} if sectors is None else sectors,
    )


def book(
    positions: Mapping[str, int | str | Decimal] | None = None,
    *,
    prices: Mapping[str, Decimal | int] | None = None,
    sectors: Mapping[str, str] | None = None,
    equity: Decimal = EQUITY,
    day_start: Decimal | None = None,
    month_start: Decimal | None = None,
    stats: TradeStats | None = None,
    recent: tuple[datetime, ...] = (),
) -> PortfolioState:
    """A portfolio of `positions` (signed quantities) marked at `prices` (100 each by default)."""
    prices = prices or {}
    sectors = {"AAPL": "tech", "MSFT": "tech"} if sectors is None else sectors
    held = {
        s: Holding(
            s, Decimal(q), Decimal(prices.get(s, 100)), Decimal(prices.get(s, 100)), sectors.get(s, "unknown")
        )
        for s, q in (positions or {}).items()
    }
    return PortfolioState(
        equity=equity,
        cash=equity - sum((h.market_value for h in held.values()), Decimal(0)),
        positions=held,
        day_start_equity=day_start,
        month_start_equity=month_start,
        stats=stats or TradeStats(),
        recent_trades=recent,
    )
