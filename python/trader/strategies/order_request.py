"""`OrderRequest`: what a strategy asks for in one order, handed unchanged from strategy to broker to risk."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order as the strategy decided it, before risk may resize it and the gateway names it."""

    symbol: str
    side: str
    qty: Decimal
    order_type: str
    limit_price: Decimal | None
    stop_price: Decimal | None
    reason: str
    confidence: float
