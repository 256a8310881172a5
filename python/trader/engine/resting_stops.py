"""Risk's protective stops resting at the venue as stop orders: placed, trailed, cancelled on exit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, NamedTuple

from trader.errors import TraderError
from trader.journal import Journal, JournalKind
from trader.risk.config import StopsConfig
from trader.risk.stops import StopState, trail

if TYPE_CHECKING:
    from trader.execution.embedded import EmbeddedGateway
    from trader.execution.embedded_config import InstrumentSpec

_WORKING = frozenset({"new", "accepted", "partially_filled"})
STOP_STRATEGY = "risk-stop"
"""The strategy id the stop orders carry (their client order ids start with it too)."""


class _Resting(NamedTuple):
    order_id: str
    side: str
    qty: Decimal
    price: Decimal


class RestingStops:
    """One stop order per position, sized to what the position holds beyond the strategy's working exits.

    `entered` takes risk's stop for an entry fill (a position added to keeps its stop: it never loosens);
    `sync` re-trails it per `trail` (breakeven after +1R, then ATRs behind the price, never backwards),
    resizes it, and cancels it once the position is closed. A stop price goes on the instrument's tick
    toward the position, so rounding never loosens it. Every order, cancel and refusal is journaled.
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
        self._resting: dict[str, _Resting] = {}
        self._count = 0

    @property
    def states(self) -> Mapping[str, StopState]:
        """The stop each protected position has now."""
        return self._states

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
        state = self._states.get(symbol)
        if state is None:
            return
        resting = self._resting.get(symbol)
        if resting is not None and not self._working(resting.order_id):
            del self._resting[symbol]  # it filled (or the breaker cancelled it)
            resting = None
        if held * state.direction <= 0:
            del self._states[symbol]
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
        self._cancel(symbol, now)
        self._place(symbol, side, qty, stop, now)

    def _on_tick(self, symbol: str, stop: Decimal, direction: int) -> Decimal:
        spec = self._instruments.get(symbol)
        tick = Decimal("0.01") if spec is None else spec.tick_size
        if spec is not None and spec.sub_dollar_tick_size is not None and stop < 1:
            tick = spec.sub_dollar_tick_size
        rounding = ROUND_CEILING if direction > 0 else ROUND_FLOOR
        return (stop / tick).to_integral_value(rounding=rounding) * tick

    def _working(self, order_id: str) -> bool:
        view = self._gateway.core.order(order_id)
        return view is not None and view.status in _WORKING

    def _place(self, symbol: str, side: str, qty: Decimal, stop: Decimal, now: datetime) -> None:
        self._count += 1
        order_id = f"{STOP_STRATEGY}-{symbol}-{self._count}"
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
            "reason": "protective stop",
        }
        self._journal.append(JournalKind.ORDER_INTENT, intent, ts=now)
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
        except TraderError as exc:  # e.g. a stop the venue finds already through the market
            payload = {"client_order_id": order_id, "detail": str(exc)}
            self._journal.append(JournalKind.GATEWAY_REJECT, payload, ts=now)
            return
        self._journal.append(
            JournalKind.GATEWAY_ACK, {"client_order_id": order_id, "status": view.status}, ts=now
        )
        if view.status in _WORKING:
            self._resting[symbol] = _Resting(order_id, side, qty, stop)

    def _cancel(self, symbol: str, now: datetime) -> None:
        resting = self._resting.pop(symbol, None)
        if resting is None or not self._working(resting.order_id):
            return
        try:
            status = self._gateway.core.cancel(resting.order_id).status
        except TraderError as exc:
            payload = {"client_order_id": resting.order_id, "event": "cancel_failed", "detail": str(exc)}
            self._journal.append(JournalKind.GATEWAY_REJECT, payload, ts=now)
            return
        payload = {"client_order_id": resting.order_id, "event": "cancel", "status": status}
        self._journal.append(JournalKind.GATEWAY_ACK, payload, ts=now)
