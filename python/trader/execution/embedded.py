"""The Rust order gateway and its SimVenue in-process: domain models at the edge, a lean per-bar path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

from trader._core import GatewayEvent, GatewayFill, GatewayOrder, SimGateway
from trader.execution.embedded_config import (
    GatewayLimits,
    InstrumentSpec,
    SimSettings,
    instruments_json,
)
from trader.execution.errors import GatewayError, InvalidOrderError

if TYPE_CHECKING:
    from trader.models import Fill, Order, OrderDecision, Side

__all__ = ["EmbeddedGateway", "OrderTuple", "Submitted", "utc_at"]

# (client_order_id, symbol, side, quantity[, order_type, limit_price, stop_price, trail_price, trail_percent,
# time_in_force, strategy]): `submit_order`'s arguments in order (decimals as Decimal, text, int or float);
# the trailing ones may be left out.
OrderTuple = tuple[str | Decimal | int | float | None, ...]

_QUOTE_CURRENCY = "USD"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _utc(ts_ns: int) -> datetime:
    # Whole microseconds: datetime holds no nanoseconds, and bar stamps are far coarser than that.
    return _EPOCH + timedelta(microseconds=ts_ns // 1_000)


_LAST_AT: tuple[int, datetime] = (-1, _EPOCH)


def utc_at(ts_ns: int) -> datetime:
    """`ts_ns` (ns UTC) as an aware datetime in whole microseconds; the last one is reused, so a bar's
    journal stamp and its fills' times are one object (built once, and spelled once by the journal)."""
    global _LAST_AT  # noqa: PLW0603 -- one (ns, datetime) pair, swapped whole
    last = _LAST_AT
    if last[0] != ts_ns:
        last = _LAST_AT = (ts_ns, _utc(ts_ns))
    return last[1]


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to a submit: the order as it stands, and whether the same intent came before."""

    order: Order
    duplicate: bool


class EmbeddedGateway:
    """The order gateway with its `SimVenue`, in this process (backtests, tests).

    Edge methods take and return the domain models (`OrderDecision` in; `Order`, `Fill` out). The engine's
    per-bar loop uses `submit_order` (or `submit_orders` for many at once) and `on_bar`, which take plain
    values and return the light `GatewayOrder` / `GatewayEvent` views of `trader._core` (decimal text), with
    no pydantic object per bar.
    """

    def __init__(
        self,
        *,
        journal_path: Path | str | None = None,
        instruments: Iterable[InstrumentSpec] = (),
        limits: GatewayLimits | None = None,
        sim: SimSettings | None = None,
        sync: Literal["in_process", "os_buffer", "fsync"] = "in_process",
    ) -> None:
        self.core = SimGateway(
            journal_path=None if journal_path is None else str(journal_path),
            instruments=instruments_json(instruments),
            limits=(limits or GatewayLimits()).to_json(),
            sim=(sim or SimSettings()).to_json(),
            sync=sync,
        )
        self._submitted_at: dict[str, datetime] = {}
        self._now_ns = 0

    # --- the lean path ------------------------------------------------------------------------------------

    def submit_order(
        self,
        client_order_id: str,
        symbol: str,
        side: str,
        qty: Decimal | str,
        order_type: str = "market",
        *,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail_price: Decimal | None = None,
        trail_percent: Decimal | None = None,
        time_in_force: str = "day",
        strategy: str | None = None,
    ) -> GatewayOrder:
        """Submits an order from plain values; the returned view says whether it was a duplicate."""
        # Decimals go to the core as they are: it reads them exactly (as fixed-point text), faster than here.
        return self.core.submit(
            client_order_id,
            symbol,
            side,
            qty,
            order_type,
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            trail_percent=trail_percent,
            time_in_force=time_in_force,
            strategy=strategy,
        )

    def submit_orders(self, orders: Sequence[OrderTuple]) -> list[GatewayOrder | GatewayError]:
        """Submits many orders in one call, with one journal commit for all their intents and one for the
        venue's answers (group commit): the fast path for a bar that sends many orders.

        Each order is an `OrderTuple`. A malformed tuple raises `InvalidOrderError` naming its index before
        anything is sent. Otherwise there is one result per order, in order: its view (a repeat of an earlier
        intent comes back flagged `duplicate`, as with `submit_order`), or the `GatewayError` that refused it
        (a limit, a reused id with other content, ...), returned rather than raised so the others stand.
        """
        return self.core.submit_orders(orders)

    def on_bar(  # noqa: PLR0917 -- the OHLCV order of the core call; no keyword parsing in the hot loop
        self,
        symbol: str,
        ts_ns: int,
        open_: Decimal | float | str,
        high: Decimal | float | str,
        low: Decimal | float | str,
        close: Decimal | float | str,
        volume: Decimal | float | str,
    ) -> list[GatewayEvent]:
        """Matches working orders of `symbol` against the bar opening at `ts_ns`; returns the venue's events.

        Floats (from columnar bar arrays) are read at their shortest repr, exactly; text and Decimals exactly.
        """
        self._now_ns = max(self._now_ns, ts_ns)
        return self.core.on_bar(symbol, ts_ns, open_, high, low, close, volume)

    # --- the edge: domain models ----------------------------------------------------------------------------

    def submit(self, decision: OrderDecision) -> Submitted:
        """Submits a strategy's decision (after risk); a repeat of the same decision comes back flagged."""
        view = self.submit_order(
            decision.client_order_id,
            decision.symbol,
            decision.side.value,
            self._qty(decision),
            decision.order_type.value,
            limit_price=decision.limit_price,
            stop_price=decision.stop_price,
            trail_price=decision.trail_price,
            trail_percent=decision.trail_percent,
            time_in_force=decision.time_in_force.value,
            strategy=decision.strategy_id,
        )
        self._submitted_at.setdefault(view.client_order_id, decision.created_at)
        return Submitted(order=self.to_order(view), duplicate=view.duplicate)

    def replace(self, old_id: str, decision: OrderDecision) -> Submitted:
        """Replaces the working order `old_id` by `decision` (a new client order id, same symbol and side)."""
        qty = self._qty(decision)
        view = self.core.replace(
            old_id,
            decision.client_order_id,
            format(qty, "f"),
            decision.order_type.value,
            limit_price=_text(decision.limit_price),
            stop_price=_text(decision.stop_price),
            trail_price=_text(decision.trail_price),
            trail_percent=_text(decision.trail_percent),
            time_in_force=decision.time_in_force.value,
            strategy=decision.strategy_id,
        )
        self._submitted_at.setdefault(view.client_order_id, decision.created_at)
        return Submitted(order=self.to_order(view), duplicate=view.duplicate)

    def cancel(self, client_order_id: str) -> Order:
        """Cancels an open order (allowed with the kill switch on) and returns it."""
        return self.to_order(self.core.cancel(client_order_id))

    def order(self, client_order_id: str) -> Order | None:
        """The order with this client order id, or None."""
        view = self.core.order(client_order_id)
        return None if view is None else self.to_order(view)

    def orders(self) -> list[Order]:
        """Every order, sorted by client order id."""
        return [self.to_order(view) for view in self.core.orders()]

    def positions(self) -> dict[str, Decimal]:
        """Net position per symbol: the exact sum of all fills (flat symbols left out)."""
        return {symbol: Decimal(qty) for symbol, qty in self.core.positions().items()}

    def set_kill_switch(self, on: bool) -> None:
        """On: every new order raises `LimitRejectedError` (code `KILL_SWITCH`); cancels still go through."""
        self.core.set_kill_switch(on)

    def close(self) -> None:
        """Writes the journal out and releases it; the gateway takes no calls afterwards."""
        self.core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- conversions ----------------------------------------------------------------------------------------

    @staticmethod
    def _qty(decision: OrderDecision) -> Decimal:
        if decision.qty is None:
            raise InvalidOrderError(
                f"order {decision.client_order_id}: field `qty`: the gateway needs a quantity; "
                f"size the notional {decision.notional} into a qty first"
            )
        return decision.qty

    def to_order(self, view: GatewayOrder) -> Order:
        """The domain `Order` of a view; times: the decision's, else the first fill's, else the sim clock."""
        from trader.models import Order

        fills = view.fills
        submitted_at = self._submitted_at.get(view.client_order_id)
        if submitted_at is None:
            submitted_at = _utc(fills[0].timestamp_ns if fills else self._now_ns)
        updated_at = max(submitted_at, _utc(fills[-1].timestamp_ns)) if fills else submitted_at
        average = view.average_fill_price
        return Order(
            client_order_id=view.client_order_id,
            symbol=view.symbol,
            side=view.side,
            order_type=view.order_type,
            time_in_force=view.time_in_force,
            qty=Decimal(view.quantity),
            limit_price=_decimal(view.limit_price),
            stop_price=_decimal(view.stop_price),
            trail_price=_decimal(view.trail_price),
            trail_percent=_decimal(view.trail_percent),
            order_id=view.venue_order_id or view.client_order_id,
            status=view.status,
            filled_qty=Decimal(view.filled_quantity),
            filled_avg_price=None if average is None else Decimal(average),
            submitted_at=submitted_at,
            updated_at=updated_at,
        )

    @staticmethod
    def to_fill(view: GatewayFill) -> Fill:
        """The domain `Fill` of a gateway fill view (a crypto buy's fee is in the base coin it received).

        Built without re-validation: every field comes from the Rust core, which has already checked it
        (ids, symbol, positive fixed-point quantity and price, non-negative fee), and validating again
        costs a fifth of a backtest's per-order time. The test of this method validates one against the model.
        """
        maker = _FILLS
        if maker.model is None:
            maker.load()
        stamp = utc_at(view.timestamp_ns)
        if type(view) is GatewayFill:  # one call into the core for every field (Decimals of its exact text)
            return maker.build(view.fill_fields(Decimal, maker.sides, _QUOTE_CURRENCY, stamp))
        # Another gateway's view of the same shape (the remote gateway's): field by field.
        symbol = view.symbol
        return maker.build(
            {
                "fill_id": view.fill_id,
                "order_id": view.venue_order_id or view.client_order_id,
                "client_order_id": view.client_order_id,
                "symbol": symbol,
                "side": maker.sides[view.side],
                "qty": Decimal(view.quantity),
                "price": Decimal(view.price),
                "fee": Decimal(view.fee),
                "fee_currency": _QUOTE_CURRENCY if view.fee_currency == "quote" else symbol.split("/")[0],
                "timestamp": stamp,
            }
        )


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class _FillMaker:
    """Builds `Fill`s from values the core has checked, as `Fill.model_construct` does but without its
    per-field loop (a backtest builds one per order); the model is imported on first use."""

    FIELDS = frozenset(
        [
            "fill_id",
            "order_id",
            "client_order_id",
            "symbol",
            "side",
            "qty",
            "price",
            "fee",
            "fee_currency",
            "timestamp",
        ]
    )
    """The fields `to_fill` gives: all of `Fill`'s (checked when the model is loaded)."""

    __slots__ = ("model", "sides")

    def __init__(self) -> None:
        self.model: type[Fill] | None = None
        self.sides: dict[str, Side] = {}

    def load(self) -> type[Fill]:
        from trader.models import Fill, Side

        if (
            Fill.model_fields.keys() != self.FIELDS
            or Fill.__pydantic_post_init__
            or Fill.__private_attributes__
        ):
            raise TypeError("Fill changed shape: to_fill must give every field (or use model_construct)")
        self.sides = {side.value: side for side in Side}
        self.model = Fill
        return Fill

    def build(self, values: dict[str, Any]) -> Fill:
        """A `Fill` holding `values` (every field, already valid), as `model_construct(**values)` makes it."""
        fill = object.__new__(self.model or self.load())
        object.__setattr__(fill, "__dict__", values)
        object.__setattr__(fill, "__pydantic_fields_set__", set(self.FIELDS))
        object.__setattr__(fill, "__pydantic_extra__", None)
        object.__setattr__(fill, "__pydantic_private__", None)
        return fill


_FILLS = _FillMaker()
