"""Risk's protective stops resting at the venue as stop orders: placed, trailed, cancelled on exit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, NamedTuple

from trader.errors import TraderError
from trader.execution.errors import VenueUnavailableError
from trader.journal import Journal, JournalKind
from trader.models import Side
from trader.models.orders import OPEN_STATUSES
from trader.risk.config import StopsConfig
from trader.risk.emergency import CallOutcome
from trader.risk.stops import StopState, trail
from trader.risk.verdict import Action, ReasonCode, Verdict

if TYPE_CHECKING:
    from trader.execution.embedded import EmbeddedGateway
    from trader.execution.embedded_config import InstrumentSpec

STOP_STRATEGY = "risk"
"""The strategy id the stop orders carry."""
STOP_ORDER_PREFIX = "risk-stop"
"""Their client order ids: `risk-stop-<symbol>-<n>` (never one a strategy's `<id>-<symbol>-<n>` can take)."""


class StopOrder(NamedTuple):
    """One stop order risk sent (or tried to): listed among the run's decisions like a strategy's."""

    client_order_id: str
    symbol: str
    side: str
    qty: Decimal
    stop_price: Decimal
    reason: str
    """`stop` at risk's initial stop, `trailing stop` once the stop has moved up (or down) from it."""
    status: str
    """The gateway's answer: `accepted`, `new` (in flight: the venue may have it), or `rejected`."""
    detail: str = ""
    """Why the gateway refused it (empty when it took the order)."""


class RestingOrder(NamedTuple):
    """The stop order resting at the venue for one position (adoption after a restart builds these too)."""

    order_id: str
    side: str
    qty: Decimal
    price: Decimal


class RestingStops:
    """One stop order per position, sized to what the position holds beyond the strategy's working exits.

    `entered` takes risk's stop for an entry fill (a position added to keeps its stop: it never loosens);
    `sync` re-trails it per `trail` (breakeven after +1R, then ATRs behind the price, never backwards),
    resizes it, and cancels it once the position is closed. A stop price goes on the instrument's tick
    toward the position, so rounding never loosens it. Every order, cancel and refusal is journaled;
    each order like a strategy's: its intent (strategy `risk`), a verdict (approved, reduce-only: a stop
    only ever closes what the position holds) and the gateway's answer, then `on_order` hears of it.

    A stop the gateway refuses (kill switch, a limit, the venue) is journaled and never believed to rest:
    the next `sync` sends it again under the next id. One whose fate is unknown (the venue timed out) is
    held as resting while the gateway says it is in flight, so it is never sent twice; and a stop whose
    cancel failed is kept and cancelled again before any other is placed, so two never rest at once.
    """

    def __init__(
        self,
        config: StopsConfig,
        gateway: EmbeddedGateway,
        journal: Journal,
        instruments: Sequence[InstrumentSpec] = (),
    ) -> None:
        self._config = config
        self._gateway = gateway
        self._journal = journal
        self._instruments = {spec.symbol: spec for spec in instruments}
        self._states: dict[str, StopState] = {}
        self._resting: dict[str, RestingOrder] = {}
        self._count = 0
        self.on_order: Callable[[StopOrder], None] | None = None
        """Told of every stop order placed or refused (the backtest lists them among its decisions)."""
        self.on_call: CallOutcome | None = None
        """Told of every gateway call's outcome (the breaker's API error rate)."""

    @property
    def states(self) -> Mapping[str, StopState]:
        """The stop each protected position has now."""
        return self._states

    @property
    def resting_ids(self) -> frozenset[str]:
        """Client order ids of the stops resting (or believed in flight) at the venue now."""
        return frozenset(resting.order_id for resting in self._resting.values())

    @property
    def symbols(self) -> list[str]:
        """Symbols with a stop to keep in line: protected ones, and any whose stop waits to be cancelled."""
        return sorted(self._states.keys() | self._resting.keys())

    def entered(self, symbol: str, side: str, price: Decimal, stop: Decimal, held_before: Decimal) -> None:
        """An entry of `symbol` filled at `price`, with risk's stop at `stop`; `held_before` the fill.

        Adding to a position keeps its stop; a position opened from flat (or flipped) gets a new one,
        also when the old one closed earlier in the same bar."""
        direction = 1 if side == "buy" else -1
        if held_before * direction > 0 and symbol in self._states:
            return
        distance = (price - stop) * direction
        if distance > 0:  # a fill already through its stop has nothing to protect with
            self._states[symbol] = StopState(direction, price, stop, distance)

    def sync(  # noqa: PLR0917 -- one symbol's book at one instant
        self,
        symbol: str,
        held: Decimal,
        exiting: Decimal,
        now: datetime,
        price: Decimal | None = None,
        atr: Decimal | None = None,
    ) -> None:
        """Bring the stop of `symbol` in line: `held` is the position, `exiting` what working exits close."""
        resting = self._resting.get(symbol)
        if resting is not None and not self._working(resting.order_id):
            del self._resting[symbol]  # it filled (or the breaker cancelled it)
            resting = None
        state = self._states.get(symbol)
        if state is None or held * state.direction <= 0:
            self._states.pop(symbol, None)
            self._cancel(symbol, now)
            return
        if price is not None and atr is not None:
            state = self._states[symbol] = trail(state, price, atr, self._config)
        qty = abs(held) - exiting
        if qty <= 0:
            self._cancel(symbol, now)
            return
        side = "sell" if state.direction > 0 else "buy"
        stop = self._on_tick(symbol, state.stop, state.direction)
        if resting is not None and (resting.side, resting.qty, resting.price) == (side, qty, stop):
            return
        if self._cancel(symbol, now):
            self._place(symbol, side, qty, stop, now, _reason(state))

    def _on_tick(self, symbol: str, stop: Decimal, direction: int) -> Decimal:
        spec = self._instruments.get(symbol)
        tick = Decimal("0.01") if spec is None else spec.tick_size
        if spec is not None and spec.sub_dollar_tick_size is not None and stop < 1:
            tick = spec.sub_dollar_tick_size
        rounding = ROUND_CEILING if direction > 0 else ROUND_FLOOR
        return (stop / tick).to_integral_value(rounding=rounding) * tick

    def _working(self, order_id: str) -> bool:
        view = self._gateway.core.order(order_id)
        return view is not None and view.status in OPEN_STATUSES

    def _place(  # noqa: PLR0917 -- the fields of one stop order
        self, symbol: str, side: str, qty: Decimal, stop: Decimal, now: datetime, reason: str
    ) -> None:
        self._count += 1
        order_id = f"{STOP_ORDER_PREFIX}-{symbol}-{self._count}"
        intent = {
            "client_order_id": order_id,
            "strategy": STOP_STRATEGY,
            "symbol": symbol,
            "side": side,
            "qty": format(qty, "f"),
            "order_type": "stop",
            "limit_price": None,
            "stop_price": format(stop, "f"),
            "time_in_force": "gtc",
            "reason": reason,
        }
        self._journal.append(JournalKind.ORDER_INTENT, intent, ts=now)
        self._journal.append(JournalKind.RISK_VERDICT, _verdict(order_id, symbol, side, qty, stop), ts=now)
        try:
            view = self._gateway.submit_order(
                order_id,
                symbol,
                side,
                qty,
                "stop",
                stop_price=stop,
                time_in_force="gtc",
                strategy=STOP_STRATEGY,
            )
        except VenueUnavailableError as exc:  # the venue may have it: held as resting while in flight
            self._called(now, exc, "")
            payload = {
                "client_order_id": order_id,
                "status": "new",
                "event": "unavailable",
                "detail": str(exc),
            }
            self._journal.append(JournalKind.GATEWAY_ACK, payload, ts=now)
            self._resting[symbol] = RestingOrder(order_id, side, qty, stop)
            self._tell(StopOrder(order_id, symbol, side, qty, stop, reason, "new", str(exc)))
            return
        except TraderError as exc:  # refused for good (kill switch, a limit): the next sync tries again
            self._called(now, exc, "")
            self._refused(StopOrder(order_id, symbol, side, qty, stop, reason, "rejected", str(exc)), now)
            return
        self._called(now, None, view.status)
        if view.status == "rejected":  # the venue said no
            detail = f"the venue rejected it: {view.reject_reason or 'no reason given'}"
            self._refused(StopOrder(order_id, symbol, side, qty, stop, reason, "rejected", detail), now)
            return
        self._journal.append(
            JournalKind.GATEWAY_ACK, {"client_order_id": order_id, "status": view.status}, ts=now
        )
        if view.status in OPEN_STATUSES:
            self._resting[symbol] = RestingOrder(order_id, side, qty, stop)
        self._tell(StopOrder(order_id, symbol, side, qty, stop, reason, view.status))

    def _refused(self, order: StopOrder, now: datetime) -> None:
        payload = {"client_order_id": order.client_order_id, "detail": order.detail}
        self._journal.append(JournalKind.GATEWAY_REJECT, payload, ts=now)
        self._tell(order)

    def _called(self, now: datetime, error: Exception | None, status: str) -> None:
        if self.on_call is not None:
            self.on_call(now, error, status)

    def _tell(self, order: StopOrder) -> None:
        if self.on_order is not None:
            self.on_order(order)

    def _cancel(self, symbol: str, now: datetime) -> bool:
        """Cancel the stop resting for `symbol`; False when it may still rest (kept, to cancel later)."""
        resting = self._resting.get(symbol)
        if resting is None or not self._working(resting.order_id):
            self._resting.pop(symbol, None)
            return True
        status = self._cancel_order(resting.order_id, now)
        # Not gone yet (the call failed and the venue still works it, or it is still cancelling): cancel it
        # again before another stop goes out.
        if self._working(resting.order_id) if status is None else status in OPEN_STATUSES:
            return False
        del self._resting[symbol]
        return True

    def _cancel_order(self, order_id: str, now: datetime, why: str | None = None) -> str | None:
        """Ask the venue to cancel `order_id`: journaled, and told to `on_call` (a failure counts toward the
        API error rate). The order's status after it, or None when the call failed."""
        try:
            status = self._gateway.core.cancel(order_id).status
        except TraderError as exc:  # journaled; the venue's next word on it reaches the ledger as usual
            self._called(now, exc, "")
            failed = {"client_order_id": order_id, "event": "cancel_failed", "detail": str(exc)}
            self._journal.append(JournalKind.GATEWAY_REJECT, failed, ts=now)
            return None
        self._called(now, None, status)
        payload = {"client_order_id": order_id, "event": "cancel", "status": status}
        if why is not None:
            payload["why"] = why
        self._journal.append(JournalKind.GATEWAY_ACK, payload, ts=now)
        return status


def _reason(state: StopState) -> str:
    """`stop` while the stop is still risk's initial one (1R from the entry), else `trailing stop`."""
    return "stop" if state.stop == state.entry - state.direction * state.risk else "trailing stop"


def _verdict(order_id: str, symbol: str, side: str, qty: Decimal, stop: Decimal) -> dict[str, object]:
    """Risk's verdict on its own stop order: approved in full, reduce-only (it never adds risk)."""
    detail = f"risk's protective stop at {stop:f}; the reducing part always passes"
    reasons = (ReasonCode.REDUCE_ONLY,)
    verdict = Verdict(order_id, symbol, Side(side), Action.APPROVE, qty, qty, reasons, detail)
    return verdict.payload()
