"""Pydantic domain models used at the boundaries: bars, signals, orders, fills, positions, configs."""

# Every model is frozen and forbids unknown fields; money and quantities are exact Decimals (at most 9
# fractional digits, the gateway's fixed-point scale); timestamps are timezone-aware and normalised to
# UTC. Untrusted input goes through `parse_model`, which raises `trader.errors.ModelError`.

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from trader.models.timeframe import Timeframe

if TYPE_CHECKING:
    from trader.models.account import AccountSnapshot, Position
    from trader.models.config import (
        EmergencyKind,
        EmergencyTrigger,
        LiveTradingConfig,
        TradingMode,
        ValidationResult,
    )
    from trader.models.market import MarketBar, Quote, Side, Trade
    from trader.models.orders import Fill, Order, OrderDecision, OrderStatus, OrderType, TimeInForce
    from trader.models.parsing import parse_model
    from trader.models.signals import IndicatorSnapshot, PatternHit, Signal, SignalDirection

# Importing pydantic and building the schemas costs ~0.3 s; code that only needs Timeframe (bar loading,
# `trader data check`) should not pay it, so the pydantic models load on first use (PEP 562).
_LAZY: dict[str, str] = {
    "AccountSnapshot": "account",
    "Position": "account",
    "EmergencyKind": "config",
    "EmergencyTrigger": "config",
    "LiveTradingConfig": "config",
    "TradingMode": "config",
    "ValidationResult": "config",
    "MarketBar": "market",
    "Quote": "market",
    "Side": "market",
    "Trade": "market",
    "Fill": "orders",
    "Order": "orders",
    "OrderDecision": "orders",
    "OrderStatus": "orders",
    "OrderType": "orders",
    "TimeInForce": "orders",
    "parse_model": "parsing",
    "IndicatorSnapshot": "signals",
    "PatternHit": "signals",
    "Signal": "signals",
    "SignalDirection": "signals",
}

__all__ = [
    "AccountSnapshot",
    "EmergencyKind",
    "EmergencyTrigger",
    "Fill",
    "IndicatorSnapshot",
    "LiveTradingConfig",
    "MarketBar",
    "Order",
    "OrderDecision",
    "OrderStatus",
    "OrderType",
    "PatternHit",
    "Position",
    "Quote",
    "Side",
    "Signal",
    "SignalDirection",
    "TimeInForce",
    "Timeframe",
    "Trade",
    "TradingMode",
    "ValidationResult",
    "parse_model",
]


# Only at run time: were mypy to see __getattr__, a misspelt `from trader.models import MarkBar` would pass.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'trader.models' has no attribute {name!r}")
        value = getattr(importlib.import_module(f"trader.models.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(__all__)
