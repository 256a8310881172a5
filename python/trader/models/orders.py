"""Orders from intent to venue record: order enums, OrderDecision, Order and Fill, with Alpaca's rules."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import (
    ClientOrderId,
    Currency,
    ExactDecimal,
    Name,
    NonNegativeDecimal,
    PositiveDecimal,
    Symbol,
    Text,
    UnitFloat,
    UtcDatetime,
)
from trader.models.market import Side

TrailPercent = Annotated[ExactDecimal, Field(gt=0, lt=100)]
"""A trailing distance in percent of the price: 1.5 means 1.5 %."""


class OrderType(StrEnum):
    """How an order is priced."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    """How long an order stays working; opg/cls target the opening/closing auction."""

    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    OPG = "opg"
    CLS = "cls"


class OrderStatus(StrEnum):
    """Where an order is in its life at the venue."""

    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REPLACED = "replaced"


_NEEDS_LIMIT = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
_NEEDS_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})
_AUCTION_TIFS = frozenset({TimeInForce.OPG, TimeInForce.CLS})
_AUCTION_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT})
# Alpaca's crypto venue knows only these (https://docs.alpaca.markets/docs/crypto-orders).
_CRYPTO_TIFS = frozenset({TimeInForce.GTC, TimeInForce.IOC})
_CRYPTO_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT})
_NO_FILLS = frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.REJECTED})
OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED})
"""Statuses of an order still working at the venue (StrEnum members: plain status text matches them too)."""


class OrderShape(DomainModel):
    """What an order asks the venue for; its rules hold for the intent and for the venue's record alike."""

    client_order_id: ClientOrderId
    symbol: Symbol
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    qty: PositiveDecimal | None = None
    notional: PositiveDecimal | None = None
    limit_price: PositiveDecimal | None = None
    stop_price: PositiveDecimal | None = None
    trail_price: PositiveDecimal | None = None
    trail_percent: TrailPercent | None = None

    @model_validator(mode="after")
    def _shape_rules(self) -> Self:
        raise_violations(type(self), self._shape_violations())
        return self

    @property
    def is_crypto(self) -> bool:
        """Whether the symbol is a crypto pair ('BTC/USD'), which Alpaca trades under other rules."""
        return "/" in self.symbol

    def _shape_violations(self) -> list[Violation]:
        kind = self.order_type
        found = self._sizing_violations()
        found += _price_rule("limit_price", self.limit_price, kind, needed=kind in _NEEDS_LIMIT)
        found += _price_rule("stop_price", self.stop_price, kind, needed=kind in _NEEDS_STOP)
        found += self._trailing_violations()
        if self.time_in_force in _AUCTION_TIFS and kind not in _AUCTION_TYPES:
            found.append(
                Violation(
                    "time_in_force", f"only market or limit orders may use it, not {kind}", self.time_in_force
                )
            )
        if self.is_crypto and self.time_in_force not in _CRYPTO_TIFS:
            found.append(Violation("time_in_force", "crypto orders take gtc or ioc", self.time_in_force))
        if self.is_crypto and kind not in _CRYPTO_TYPES:
            found.append(Violation("order_type", "crypto orders are market, limit or stop_limit", kind))
        return found

    def _sizing_violations(self) -> list[Violation]:
        if self.qty is None and self.notional is None:
            return [Violation("qty", "give exactly one of qty or notional (neither given)", None)]
        if self.qty is not None and self.notional is not None:
            return [
                Violation(
                    "notional",
                    f"give exactly one of qty or notional (qty {self.qty:f} is set)",
                    self.notional,
                )
            ]
        if self.notional is not None and self.order_type is not OrderType.MARKET:
            return [
                Violation(
                    "notional",
                    f"only market orders may be sized by notional, not {self.order_type}",
                    self.notional,
                )
            ]
        return []

    def _trailing_violations(self) -> list[Violation]:
        given = [
            (n, v)
            for n, v in (("trail_price", self.trail_price), ("trail_percent", self.trail_percent))
            if v is not None
        ]
        if self.order_type is not OrderType.TRAILING_STOP:
            return [
                Violation(name, f"not allowed for a {self.order_type} order", value) for name, value in given
            ]
        if not given:
            return [
                Violation(
                    "trail_price",
                    "a trailing_stop order needs trail_price or trail_percent (neither given)",
                    None,
                )
            ]
        if len(given) == 2:
            return [
                Violation(
                    "trail_percent",
                    f"give trail_price or trail_percent, not both (trail_price {self.trail_price:f} is set)",
                    self.trail_percent,
                )
            ]
        return []


def _price_rule(field: str, value: Decimal | None, kind: OrderType, *, needed: bool) -> list[Violation]:
    if needed and value is None:
        return [Violation(field, f"required for a {kind} order", None)]
    if not needed and value is not None:
        return [Violation(field, f"not allowed for a {kind} order", value)]
    return []


class OrderDecision(OrderShape):
    """A strategy's intent to trade, before risk checks; `client_order_id` makes it happen at most once."""

    strategy_id: Name
    confidence: UnitFloat
    reason: Text
    created_at: UtcDatetime


class Order(OrderShape):
    """The venue's record of an order: what was asked (the shape) and how far it has got."""

    order_id: Name
    status: OrderStatus
    filled_qty: NonNegativeDecimal
    filled_avg_price: PositiveDecimal | None = None
    submitted_at: UtcDatetime
    updated_at: UtcDatetime

    @model_validator(mode="after")
    def _fill_rules(self) -> Self:
        found: list[Violation] = []
        if self.qty is not None and self.filled_qty > self.qty:
            found.append(Violation("filled_qty", f"exceeds qty {self.qty:f}", self.filled_qty))
        if self.filled_qty > 0 and self.filled_avg_price is None:
            found.append(
                Violation("filled_avg_price", f"required once filled_qty is {self.filled_qty:f}", None)
            )
        if self.filled_qty == 0 and self.filled_avg_price is not None:
            found.append(
                Violation("filled_avg_price", "must be empty while nothing is filled", self.filled_avg_price)
            )
        found += self._status_violations()
        if self.updated_at < self.submitted_at:
            found.append(
                Violation(
                    "updated_at", f"before submitted_at {self.submitted_at.isoformat()}", self.updated_at
                )
            )
        raise_violations(type(self), found)
        return self

    def _status_violations(self) -> list[Violation]:
        status, filled, qty = self.status, self.filled_qty, self.qty
        if status in _NO_FILLS and filled != 0:
            return [Violation("filled_qty", f"a {status} order has no fills", filled)]
        if status is OrderStatus.FILLED and (filled == 0 or (qty is not None and filled != qty)):
            return [Violation("filled_qty", f"a filled order has filled_qty equal to qty ({qty})", filled)]
        if status is OrderStatus.PARTIALLY_FILLED and (filled == 0 or (qty is not None and filled >= qty)):
            return [
                Violation("filled_qty", f"a partially_filled order has 0 < filled_qty < qty ({qty})", filled)
            ]
        return []

    @property
    def is_open(self) -> bool:
        """Whether the order can still fill (new, accepted or partially filled)."""
        return self.status in OPEN_STATUSES

    @property
    def remaining_qty(self) -> Decimal | None:
        """Quantity still to fill while open (0 once closed); None for a notional order."""
        if self.qty is None:
            return None
        return self.qty - self.filled_qty if self.is_open else Decimal(0)


class Fill(DomainModel):
    """One execution against an order."""

    fill_id: Name
    order_id: Name
    client_order_id: ClientOrderId
    symbol: Symbol
    side: Side
    qty: PositiveDecimal
    price: PositiveDecimal
    fee: NonNegativeDecimal
    fee_currency: Currency
    timestamp: UtcDatetime

    @property
    def gross(self) -> Decimal:
        """Traded value before fees: qty x price."""
        return self.qty * self.price
