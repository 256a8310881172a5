"""Risk's resting stops across restarts: kept in the snapshot, adopted from the venue, never doubled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trader.engine.resting_stops import STOP_ORDER_PREFIX, RestingOrder, RestingStops
from trader.execution.core import CoreOrder
from trader.live.epochs import last_order_seq
from trader.models.orders import OPEN_STATUSES
from trader.risk.stops import StopState

if TYPE_CHECKING:
    from trader.portfolio import Portfolio


def stop_number(order_id: str) -> int | None:
    """`n` of a `risk-stop-<symbol>-<n>` id; None for any other id."""
    tail = order_id.rpartition("-")[2]
    return int(tail) if order_id.startswith(f"{STOP_ORDER_PREFIX}-") and tail.isdigit() else None


class KeptStops(RestingStops):
    """`RestingStops` that a restarted daemon picks up where the dead one left them.

    `saved()` is what the snapshot keeps (each position's stop, the id counter, which order rests); `adopt`
    rebuilds that state at start against the venue of record: a stop order still working there is taken
    over as the position's stop (never a second one beside it: extra ones are cancelled), and the id
    counter continues past every `risk-stop-*` id the journal or any venue epoch has seen, so no id is
    reused.
    """

    _extra: tuple[str, ...] = ()
    """Older stop orders found working beside the adopted one of their symbol (`cancel_extra` ends them)."""

    def saved(self) -> dict[str, Any]:
        """The stops as JSON-ready data for the snapshot."""
        return {
            "count": self._count,
            "states": {
                symbol: {
                    "direction": s.direction,
                    "entry": format(s.entry, "f"),
                    "stop": format(s.stop, "f"),
                    "risk": format(s.risk, "f"),
                    "at_breakeven": s.at_breakeven,
                }
                for symbol, s in sorted(self._states.items())
            },
        }

    def adopt(
        self,
        saved: Mapping[str, Any] | None,
        venue_orders: Iterable[CoreOrder],
        journal: Path,
        portfolio: Portfolio,
        *,
        earlier_ids: Iterable[str] = (),
    ) -> list[str]:
        """Take over the stops of the last run; returns the ids of the venue stops adopted.

        `saved` is the last snapshot's `saved()` (None without one), `venue_orders` the venue's orders now,
        `earlier_ids` the ids of earlier venue epochs. A position the snapshot protected keeps its stop (a
        venue stop tighter than it wins: the trail never loosens); a working venue stop without a saved state
        (the process died before its snapshot) is adopted as placed, 1R measured from the average entry.
        """
        saved = saved or {}
        states: dict[str, Any] = dict(saved.get("states") or {})
        for symbol, raw in states.items():
            self._states[symbol] = StopState(
                int(raw["direction"]),
                Decimal(raw["entry"]),
                Decimal(raw["stop"]),
                Decimal(raw["risk"]),
                bool(raw["at_breakeven"]),
            )
        orders = list(venue_orders)
        seen = [o.client_order_id for o in orders] + list(earlier_ids)
        numbers = [n for n in map(stop_number, seen) if n is not None]
        self._count = max(int(saved.get("count", 0)), last_order_seq(journal, STOP_ORDER_PREFIX), *numbers, 0)
        working = sorted(
            (o for o in orders if stop_number(o.client_order_id) is not None and o.status in OPEN_STATUSES),
            key=lambda o: stop_number(o.client_order_id) or 0,
        )
        adopted: dict[str, CoreOrder] = {}
        for order in working:  # the newest per symbol wins; an older one still working is left to cancel
            adopted[order.symbol] = order
        for symbol, order in adopted.items():
            self._take(symbol, order, portfolio)
        self._extra = tuple(o.client_order_id for o in working if adopted[o.symbol] is not o)
        return [o.client_order_id for o in adopted.values()]

    def _take(self, symbol: str, order: CoreOrder, portfolio: Portfolio) -> None:
        if order.stop_price is None:
            return
        price = Decimal(order.stop_price)
        direction = 1 if order.side == "sell" else -1
        state = self._states.get(symbol)
        if state is None:
            entry = portfolio.avg_entry_price(symbol) or price
            risk = abs(entry - price) or price
            state = StopState(direction, entry, price, risk, at_breakeven=(entry - price) * direction <= 0)
        elif state.direction == direction and (price - state.stop) * direction > 0:
            state = StopState(direction, state.entry, price, state.risk, state.at_breakeven)
        self._states[symbol] = state
        left = Decimal(order.quantity) - Decimal(order.filled_quantity)
        self._resting[symbol] = RestingOrder(order.client_order_id, order.side, left, price)

    def cancel_extra(self, now: datetime) -> list[str]:
        """Cancel older stop orders found working beside the adopted one (one stop per position)."""
        extra, self._extra = self._extra, ()
        return [
            order_id
            for order_id in extra
            if self._working(order_id) and self._cancel_order(order_id, now, "second stop") is not None
        ]
