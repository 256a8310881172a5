"""Risk in the backtest: every decision goes through `RiskManager.evaluate` before the gateway sees it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from trader.indicators import ATR
from trader.models import OrderDecision, OrderType, Side, TimeInForce
from trader.portfolio import Portfolio
from trader.risk import Holding, MarketState, PortfolioState, RiskConfig, RiskManager, Verdict, price_units
from trader.strategies.order_request import OrderRequest


class RiskGate:
    """Feeds `RiskManager` the state it reads: the ledger's book, the last closes and a streaming ATR.

    ATR (Wilder, `atr_period` bars) places the stop the manager sizes against; until it is ready the
    manager refuses new risk (missing market data), exits always pass.
    """

    def __init__(self, config: RiskConfig, *, atr_period: int = 14) -> None:
        self.manager = RiskManager(config)
        self._atr_period = atr_period
        self._atr: dict[str, ATR] = {}
        self._close: dict[str, Decimal] = {}
        self._recent: list[datetime] = []

    def observe(self, symbol: str, high: float, low: float, close: float) -> None:
        """Take one closed bar (called by the loop for every bar, before the strategy decides)."""
        atr = self._atr.get(symbol)
        if atr is None:
            atr = self._atr[symbol] = ATR(self._atr_period)
        atr.update(high, low, close)
        self._close[symbol] = Decimal(repr(close))

    def evaluate(
        self, order_id: str, strategy_id: str, request: OrderRequest, portfolio: Portfolio, now: datetime
    ) -> Verdict:
        """The manager's verdict on an order decided at `now`."""
        decision = OrderDecision(
            client_order_id=order_id,
            symbol=request.symbol,
            side=Side(request.side),
            order_type=OrderType(request.order_type),
            time_in_force=TimeInForce.GTC,
            qty=request.qty,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            strategy_id=strategy_id,
            confidence=request.confidence,
            reason=request.reason,
            created_at=now,
        )
        holdings = {
            s: Holding(
                s,
                portfolio.position_qty(s),
                portfolio.avg_entry_price(s) or Decimal(0),
                portfolio.last_price(s) or Decimal(0),
            )
            for s in portfolio.symbols
        }
        state = PortfolioState(
            equity=portfolio.equity(),
            cash=portfolio.cash,
            positions=holdings,
            recent_trades=tuple(t for t in self._recent if (now - t).total_seconds() < 60),
        )
        atr = {s: price_units(a.value) for s, a in self._atr.items() if a.ready}
        market = MarketState(as_of=now, prices=dict(self._close), atr=atr)
        verdict = self.manager.evaluate(decision, state, market, now)
        if verdict.allowed:
            self._recent = [*(t for t in self._recent if (now - t).total_seconds() < 60), now]
        return verdict
