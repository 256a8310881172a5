"""Risk management: sizing, limits, stops, SAFE_MODE and the emergency circuit breaker."""

from trader.risk.breaker import (
    BreakerAction,
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    RecoveryRefusedError,
)
from trader.risk.config import RiskConfig
from trader.risk.events import RiskEvent, RiskEventKind
from trader.risk.manager import GuardStatus, RiskManager
from trader.risk.safe_mode import SafeModeState, UnauthorisedError
from trader.risk.state import Holding, MarketState, PortfolioState, TradeStats, price_units
from trader.risk.verdict import Action, ReasonCode, Verdict

__all__ = [
    "Action",
    "BreakerAction",
    "BreakerObservation",
    "BreakerState",
    "EmergencyCircuitBreaker",
    "GuardStatus",
    "Holding",
    "MarketState",
    "PortfolioState",
    "ReasonCode",
    "RecoveryRefusedError",
    "RiskConfig",
    "RiskEvent",
    "RiskEventKind",
    "RiskManager",
    "SafeModeState",
    "TradeStats",
    "UnauthorisedError",
    "Verdict",
    "price_units",
]
