"""The daemon's broker: the backtest broker's exact order path, behind the controller's gate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from trader.engine.broker import BacktestBroker
from trader.journal import JournalKind

if TYPE_CHECKING:
    from trader.data import Bars
    from trader.engine.resting_stops import RestingStops, StopOrder
    from trader.strategies.base import Strategy
    from trader.strategies.order_request import OrderRequest

Gate = Callable[["OrderRequest"], str | None]
"""Returns why an order may not go out now (paused, unreconciled, breaker), or None to let it pass."""


class LiveBroker(BacktestBroker):
    """Same intent -> risk -> gateway -> journal path as a backtest; the clock is the replayed bar's stamp.

    Differences, all at the edge: the bars grow while the daemon runs (`series`), the controller may refuse
    an order before it is decided (journaled as a risk verdict naming who holds the gate), and during a
    warmup after a restart orders are not sent at all (the strategy only rebuilds its indicators).
    """

    gate: Gate | None = None
    warming_up: bool = False
    series: dict[str, Bars] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop_prices: dict[str, Decimal] = {}
        """Risk's stop orders (client order id -> stop price), for the decisions the daemon reports."""

    def watch_stops(self, stops: RestingStops) -> None:
        """List the stop orders of `stops` among the decisions (risk's stops, bound after construction)."""
        stops.on_order = self._stop_order

    def _stop_order(self, order: StopOrder) -> None:
        self.stop_prices[order.client_order_id] = order.stop_price
        super()._stop_order(order)

    def bind_series(self, series: dict[str, Bars]) -> None:
        """The live bar store (the replay feed's, refreshed in place)."""
        self.series = series

    def history(self, symbol: str) -> Bars:
        series = self.series
        if series is None or symbol not in series:
            return super().history(symbol)
        seen = self._seen[symbol]
        return series[symbol][: seen + 1]

    def full_series(self, symbol: str) -> Bars:
        """Every bar held for `symbol`, refreshed ones included (higher timeframes resample from it)."""
        series = self.series
        if series is None or symbol not in series:
            return super().full_series(symbol)
        return series[symbol]

    def submit(self, strategy: Strategy, request: OrderRequest) -> str:
        if self.warming_up:
            return ""  # a decision a previous run already took (and journaled): never sent twice
        refusal = None if self.gate is None else self.gate(request)
        if refusal is not None:
            return self._refuse_by_controller(strategy, request, refusal)
        return super().submit(strategy, request)

    def _refuse_by_controller(self, strategy: Strategy, request: OrderRequest, refusal: str) -> str:
        """Journal the intent and a reject verdict naming the hold (the shape the backtest's risk uses)."""
        order_id = strategy.next_order_id(request.symbol)
        qty = format(request.qty, "f")
        text = None if request.limit_price is None else format(request.limit_price, "f")
        stop = None if request.stop_price is None else format(request.stop_price, "f")
        intent = {
            "client_order_id": order_id,
            "strategy": strategy.strategy_id,
            "symbol": request.symbol,
            "side": request.side,
            "qty": qty,
            "order_type": request.order_type,
            "limit_price": text,
            "stop_price": stop,
            "time_in_force": "gtc",
            "reason": request.reason,
        }
        self.journal.append(JournalKind.ORDER_INTENT, intent, ts=self.now)
        verdict = {
            "client_order_id": order_id,
            "symbol": request.symbol,
            "side": request.side,
            "action": "reject",
            "qty": "0",
            "requested_qty": qty,
            "reasons": ["CONTROLLER_HOLD"],
            "message": refusal,
            "stop_price": None,
            "wall": datetime.now(UTC).isoformat(),
        }
        self.journal.append(JournalKind.RISK_VERDICT, verdict, ts=self.now)
        self._decide(
            order_id, request.symbol, request.side, request.qty, request.order_type, refusal, "refused"
        )
        return order_id
