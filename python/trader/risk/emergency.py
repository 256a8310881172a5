"""Carry out a breaker trip's actions at the gateway: cancel open orders, flatten, retrying through failures.

The breaker decides (`EmergencyCircuitBreaker.actions`); this does. Each step is journaled: every cancel
and flatten order with the gateway's answer or the error it raised, attempt by attempt. A failed call is
retried with the same client order id (the gateway resolves an order whose fate is unknown before it
ever resends, so a retry can never make a second venue order); only an order the venue definitively
refused is replaced by a new id. After `max_attempts` calls a symbol is reported as not flattened, for a
person to act on, rather than retried forever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from trader.errors import TraderError
from trader.models.orders import OPEN_STATUSES
from trader.risk.breaker import BreakerAction

if TYPE_CHECKING:
    from trader.journal import Journal

_REFUSED = frozenset({"rejected", "canceled", "expired"})


CallOutcome = Callable[[datetime, Exception | None, str], None]
"""Told of every gateway call: when, the error it raised (None if none), the order status it returned."""


class OrderLike(Protocol):
    """What the executor reads of an order (a domain `Order` or the gateway's light view)."""

    @property
    def client_order_id(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def status(self) -> str: ...


class SubmittedLike(Protocol):
    """What the executor reads of a submit's answer."""

    @property
    def status(self) -> str: ...


class EmergencyGateway(Protocol):
    """The part of an order gateway (embedded or remote) the breaker's actions need."""

    def orders(self) -> Sequence[OrderLike]: ...
    def order(self, client_order_id: str) -> OrderLike | None: ...
    def cancel(self, client_order_id: str) -> object: ...
    def positions(self) -> Mapping[str, Decimal]: ...
    def submit_order(
        self,
        client_order_id: str,
        symbol: str,
        side: str,
        qty: Decimal,
        order_type: str = "market",
        *,
        time_in_force: str = "day",
        strategy: str | None = None,
    ) -> SubmittedLike: ...


@dataclass(frozen=True, slots=True)
class EmergencyReport:
    """What the actions achieved: orders cancelled, flatten orders sent, what is left to a person."""

    cancelled: tuple[str, ...]
    flatten_orders: Mapping[str, str]
    """Symbol -> the client order id of the order that closes it."""
    not_cancelled: tuple[str, ...]
    not_flattened: tuple[str, ...]
    failures: int
    """Gateway calls that raised along the way (each one journaled)."""

    @property
    def complete(self) -> bool:
        """Whether every action was carried out."""
        return not self.not_cancelled and not self.not_flattened


class EmergencyActions:
    """Executes BreakerActions against a gateway and journals every step."""

    def __init__(
        self,
        gateway: EmergencyGateway,
        journal: Journal | None = None,
        *,
        max_attempts: int = 10,
        time_in_force: str = "gtc",
        strategy: str = "risk-breaker",
        on_call: CallOutcome | None = None,
        actor: str | None = None,
        reason: str = "emergency breaker: flatten",
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        self._gateway = gateway
        self._journal = journal
        self._max_attempts = max_attempts
        self._tif = time_in_force
        self._strategy = strategy
        self._failures = 0
        self._on_call = on_call
        self._actor = actor
        """Who the journal records name (an operator's flatten); None: the system."""
        self._reason = reason

    def execute(
        self,
        actions: Sequence[BreakerAction],
        tag: str,
        now: datetime,
        *,
        positions: Mapping[str, Decimal] | None = None,
    ) -> EmergencyReport:
        """Carry out `actions` (halting new orders is risk's own job); `tag` names the trip in order ids.

        FLATTEN closes `positions` (a caller's own books: one strategy's share of a venue), else every
        position the gateway holds."""
        self._failures = 0
        cancelled: list[str] = []
        not_cancelled: list[str] = []
        if BreakerAction.CANCEL_OPEN_ORDERS in actions:
            for order in self._gateway.orders():
                if str(order.status) in OPEN_STATUSES:
                    done = self._cancel(order.client_order_id, now)
                    (cancelled if done else not_cancelled).append(order.client_order_id)
        flatten: dict[str, str] = {}
        not_flattened: list[str] = []
        if BreakerAction.FLATTEN in actions:
            held = self._gateway.positions() if positions is None else positions
            for symbol, qty in sorted(held.items()):
                if qty == 0:
                    continue
                order_id = self._flatten(symbol, qty, tag, now)
                if order_id is None:
                    not_flattened.append(symbol)
                else:
                    flatten[symbol] = order_id
        return EmergencyReport(
            tuple(cancelled), flatten, tuple(not_cancelled), tuple(not_flattened), self._failures
        )

    def _cancel(self, order_id: str, now: datetime) -> bool:
        for attempt in range(1, self._max_attempts + 1):
            try:
                self._gateway.cancel(order_id)
            except TraderError as exc:
                self._failed(order_id, "cancel", attempt, exc, now)
            else:
                self._called(now, None, "canceled")
            current = self._gateway.order(order_id)
            if current is None or str(current.status) not in OPEN_STATUSES:
                status = "gone" if current is None else str(current.status)
                self._record(
                    "gateway_ack", {"client_order_id": order_id, "event": "cancel", "status": status}, now
                )
                return True
        return False

    def _flatten(self, symbol: str, qty: Decimal, tag: str, now: datetime) -> str | None:
        side = "sell" if qty > 0 else "buy"
        size = abs(qty)
        generation = 1
        order_id = f"{tag}-flatten-{symbol}-{generation}"
        self._intent(order_id, symbol, side, size, now)
        for attempt in range(1, self._max_attempts + 1):
            try:
                status = str(
                    self._gateway.submit_order(
                        order_id,
                        symbol,
                        side,
                        size,
                        "market",
                        time_in_force=self._tif,
                        strategy=self._strategy,
                    ).status
                )
            except TraderError as exc:
                self._failed(order_id, "flatten", attempt, exc, now)
                continue
            self._called(now, None, status)
            if status in _REFUSED:  # refused for good: a new intent, under a new id
                self._record("gateway_reject", {"client_order_id": order_id, "status": status}, now)
                generation += 1
                order_id = f"{tag}-flatten-{symbol}-{generation}"
                self._intent(order_id, symbol, side, size, now)
                continue
            if status == "new":  # still in flight: its fate is unknown, ask again under the same id
                continue
            self._record(
                "gateway_ack", {"client_order_id": order_id, "status": status, "attempt": attempt}, now
            )
            return order_id
        self._record("gateway_reject", self._given_up(symbol, order_id), now)
        return None

    def _given_up(self, symbol: str, order_id: str) -> dict[str, object]:
        """What the operator must know once the attempts are spent: an order the gateway still holds as
        working (its answer was lost, or it is in flight) may yet fill: closing by hand would sell twice."""
        tried = f"{symbol} not flattened after {self._max_attempts} attempts"
        try:
            current = self._gateway.order(order_id)
            status = None if current is None else str(current.status)
        except TraderError:
            status = "unknown (the gateway does not answer)"
        if status is None or status in _REFUSED:
            return {
                "client_order_id": order_id,
                "event": "flatten_abandoned",
                "detail": f"{tried}: close it by hand",
            }
        return {
            "client_order_id": order_id,
            "event": "flatten_unresolved",
            "detail": f"{tried}: {order_id} is {status} at the gateway and may still fill; "
            "check it at the venue before closing by hand",
        }

    def _intent(self, order_id: str, symbol: str, side: str, qty: Decimal, now: datetime) -> None:
        intent = {
            "client_order_id": order_id,
            "strategy": self._strategy,
            "symbol": symbol,
            "side": side,
            "qty": qty,
            "order_type": "market",
            "time_in_force": self._tif,
            "reason": self._reason,
        }
        self._record("order_intent", intent, now)

    def _called(self, now: datetime, error: Exception | None, status: str) -> None:
        if self._on_call is not None:
            self._on_call(now, error, status)

    def _failed(self, order_id: str, what: str, attempt: int, exc: TraderError, now: datetime) -> None:
        self._failures += 1
        self._called(now, exc, "")
        payload = {
            "client_order_id": order_id,
            "event": f"{what}_failed",
            "attempt": attempt,
            "error": type(exc).__name__,
            "detail": str(exc),
        }
        self._record("gateway_reject", payload, now)

    def _record(self, kind: str, payload: dict[str, object], now: datetime) -> None:
        if self._journal is not None:
            self._journal.append(kind, payload, ts=now, actor=self._actor)
