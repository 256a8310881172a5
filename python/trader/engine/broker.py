"""The backtest broker: a strategy's orders go to the embedded gateway, every step is journaled."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from trader.engine.higher_timeframes import HigherTimeframes
from trader.execution.embedded import EmbeddedGateway, utc_at
from trader.execution.errors import (
    BreakerOpenError,
    InvalidOrderError,
    LimitRejectedError,
    RateLimitedError,
    VenueRejectedError,
    VenueUnavailableError,
)
from trader.journal import Journal, JournalKind
from trader.strategies.errors import StrategyError

if TYPE_CHECKING:
    from trader.data import Bars
    from trader.engine.feed import Feed
    from trader.engine.resting_stops import StopOrder
    from trader.engine.risk_gate import RiskGate
    from trader.portfolio import Portfolio
    from trader.strategies.base import Strategy
    from trader.strategies.order_request import OrderRequest


class Decision(NamedTuple):
    """One order a strategy decided: at which bar, with which id, what, and what the gateway said."""

    ts: int
    client_order_id: str
    symbol: str
    side: str
    qty: str
    order_type: str
    reason: str
    status: str


class Refusal(NamedTuple):
    """A decision that never reached the venue, or that the gateway refused: who said no, and why."""

    ts: int
    client_order_id: str
    symbol: str
    side: str
    qty: str
    by: str
    """`risk` (RiskManager verdict) or `gateway` (its hard limits or the venue)."""
    reasons: tuple[str, ...]
    message: str


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class BacktestBroker:
    """Implements `trader.strategies.Broker` for backtests: the clock is the feed's current bar."""

    def __init__(
        self,
        feed: Feed,
        gateway: EmbeddedGateway,
        portfolio: Portfolio,
        journal: Journal,
        *,
        time_in_force: str,
        risk: RiskGate | None = None,
    ) -> None:
        self._feed = feed
        self._bars = {bars.symbol: bars for bars in feed.bars}
        self._seen = dict.fromkeys(self._bars, -1)
        self.timeframes = HigherTimeframes()
        self.gateway = gateway
        self._portfolio = portfolio
        self.journal = journal
        self._tif = time_in_force
        self.risk = risk
        self.stops: dict[str, Decimal] = {}
        """Risk's initial stop per entry order, so the round trips it opens report R multiples."""
        self.now_ts = 0
        self.trade_from = -(1 << 63)
        """Orders decided before this stamp (ns) are warm-up: dropped unsent and unjournaled."""
        self.decisions: list[Decision] = []
        """Every order of the run in the order sent: the strategy's and risk's own stops (`risk-stop-*`)."""
        self.refusals: list[Refusal] = []
        if risk is not None and risk.stops is not None:
            risk.stops.on_order = self._stop_order

    @property
    def portfolio(self) -> Portfolio:
        """The account's exact ledger."""
        return self._portfolio

    @property
    def symbols(self) -> list[str]:
        """The symbols of the run, sorted."""
        return self._feed.symbols

    @property
    def seen_table(self) -> dict[str, int]:
        """Each symbol's latest visible bar index (-1 before its first): a loop outside Python advances it."""
        return self._seen

    def advance(self, symbol: str, index: int, ts: int) -> None:
        """Make bar `index` of `symbol` (stamped `ts`) the latest one visible."""
        self._seen[symbol] = index
        self.now_ts = ts

    def history(self, symbol: str) -> Bars:
        """The bars of `symbol` seen so far: a view ending at the current bar, never beyond."""
        bars = self._bars.get(symbol)
        if bars is None:
            raise StrategyError(f"no data for symbol {symbol!r} (have: {', '.join(self.symbols)})")
        return bars[: self._seen[symbol] + 1]

    def higher_bars(self, symbol: str, timeframe: str) -> Bars:
        """The `timeframe` bars of `symbol` closed by the current bar's close (never a later one)."""
        return self.timeframes.series(self.full_series(symbol), timeframe).visible_at(self._seen[symbol])

    def full_series(self, symbol: str) -> Bars:
        """Every bar of `symbol` the engine holds, also those not shown yet (never hand this to a strategy).

        A broker whose series grow while it runs (live) returns the grown series here.
        """
        bars = self._bars.get(symbol)
        if bars is None:
            raise StrategyError(f"no data for symbol {symbol!r} (have: {', '.join(self.symbols)})")
        return bars

    def submit(self, strategy: Strategy, request: OrderRequest) -> str:
        """Journal the intent, ask risk (when on), send it to the gateway, journal the answer.

        Returns the client order id, also when risk or the gateway refused the order (see the journal);
        "" for an order decided during the warm-up (see `trade_from`), which goes nowhere.
        """
        if self.now_ts < self.trade_from:
            return ""
        symbol, side, qty, order_type = request.symbol, request.side, request.qty, request.order_type
        limit_price, stop_price, reason = request.limit_price, request.stop_price, request.reason
        if symbol not in self._bars:
            raise StrategyError(f"strategy {strategy.strategy_id}: no data for symbol {symbol!r}")
        if self._seen[symbol] < 0:
            raise StrategyError(f"strategy {strategy.strategy_id}: no bar of {symbol} seen yet")
        order_id = strategy.next_order_id(symbol)
        stamp = self.now
        qty_text = format(qty, "f")
        intent = {
            "client_order_id": order_id,
            "strategy": strategy.strategy_id,
            "symbol": symbol,
            "side": side,
            "qty": qty_text,
            "order_type": order_type,
            "limit_price": _text(limit_price),
            "stop_price": _text(stop_price),
            "time_in_force": self._tif,
            "reason": reason,
        }
        self.journal.append(JournalKind.ORDER_INTENT, intent, ts=stamp)
        if self.risk is not None:
            verdict = self.risk.evaluate(order_id, strategy.strategy_id, request, self._portfolio, stamp)
            self.journal.append(JournalKind.RISK_VERDICT, verdict.payload(), ts=stamp)
            if not verdict.allowed:
                reasons = tuple(code.value for code in verdict.reasons)
                self._refuse(order_id, request, "risk", reasons, verdict.message)
                self._decide(order_id, symbol, side, qty, order_type, reason, "risk_rejected")
                return order_id
            qty = verdict.qty
            qty_text = format(qty, "f")
            if verdict.stop_price is not None:
                self.stops[order_id] = verdict.stop_price
        status = self._send(strategy, order_id, request, qty, stamp)
        self.decisions.append(
            Decision(self.now_ts, order_id, symbol, side, qty_text, order_type, reason, status)
        )
        return order_id

    def _send(
        self, strategy: Strategy, order_id: str, request: OrderRequest, qty: Decimal, stamp: datetime
    ) -> str:
        """Send one approved order (`qty` after risk) to the gateway and journal its answer; the status."""
        symbol, side, risk = request.symbol, request.side, self.risk
        try:
            view = self.gateway.submit_order(
                order_id,
                symbol,
                side,
                qty,
                request.order_type,
                limit_price=request.limit_price,
                stop_price=request.stop_price,
                time_in_force=self._tif,
                strategy=strategy.strategy_id,
            )
        except (LimitRejectedError, VenueRejectedError, BreakerOpenError, RateLimitedError) as exc:
            self._gateway_refused(order_id, request, exc.reason_code or "REJECTED", str(exc), stamp)
            if risk is not None:
                risk.answered(stamp, exc)
            return "rejected"
        except VenueUnavailableError as exc:  # the venue may have it: the gateway settles it on a later bar
            payload = {
                "client_order_id": order_id,
                "status": "new",
                "event": "unavailable",
                "detail": str(exc),
            }
            self.journal.append(JournalKind.GATEWAY_ACK, payload, ts=stamp)
            if risk is not None:
                risk.answered(stamp, exc)
                risk.sent(order_id, symbol, side, self._portfolio, stamp)
            return "new"
        except InvalidOrderError as exc:
            raise StrategyError(f"strategy {strategy.strategy_id}: {exc}") from None
        status = view.status
        if status == "rejected":  # the venue said no in its answer, not by an error: a refusal all the same
            detail = view.reject_reason or "rejected by the venue"
            self._gateway_refused(order_id, request, "VENUE_REJECTED", detail, stamp)
        else:
            self.journal.append(
                JournalKind.GATEWAY_ACK, {"client_order_id": order_id, "status": status}, ts=stamp
            )
        if risk is not None:
            risk.answered(stamp, None, status)
            if status != "rejected":
                risk.sent(order_id, symbol, side, self._portfolio, stamp)
        return status

    def _gateway_refused(
        self, order_id: str, request: OrderRequest, code: str, detail: str, stamp: datetime
    ) -> None:
        payload = {"client_order_id": order_id, "reason_code": code, "detail": detail}
        self.journal.append(JournalKind.GATEWAY_REJECT, payload, ts=stamp)
        self._refuse(order_id, request, "gateway", (code,), detail)

    def _decide(  # noqa: PLR0917 -- the fields of one Decision
        self,
        order_id: str,
        symbol: str,
        side: str,
        qty: Decimal,
        order_type: str,
        reason: str,
        status: str,
    ) -> None:
        self.decisions.append(
            Decision(self.now_ts, order_id, symbol, side, format(qty, "f"), order_type, reason, status)
        )

    def _stop_order(self, order: StopOrder) -> None:
        """Risk placed (or tried to place) a protective stop: a decision like any other, at this bar."""
        order_id, symbol, side, qty = order.client_order_id, order.symbol, order.side, order.qty
        if order.status == "rejected":
            message = f"risk's {order.reason} at {order.stop_price:f}: {order.detail}"
            self.refusals.append(
                Refusal(
                    self.now_ts, order_id, symbol, side, format(qty, "f"), "gateway", ("REJECTED",), message
                )
            )
        self._decide(order_id, symbol, side, qty, "stop", order.reason, order.status)

    def _refuse(
        self, order_id: str, request: OrderRequest, by: str, reasons: tuple[str, ...], message: str
    ) -> None:
        qty = format(request.qty, "f")
        self.refusals.append(
            Refusal(self.now_ts, order_id, request.symbol, request.side, qty, by, reasons, message)
        )

    @property
    def now(self) -> datetime:
        """The simulated clock: the current bar's stamp (made a datetime only when something is journaled;
        an order's records, and the fills at this bar, share one)."""
        return utc_at(self.now_ts)
