"""Risk management: sizing, limits, stops, SAFE_MODE, the emergency circuit breaker, progression."""

from trader.risk.breaker import (
    BreakerAction,
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    RecoveryRefusedError,
)
from trader.risk.config import RiskConfig
from trader.risk.emergency import EmergencyActions, EmergencyReport
from trader.risk.events import RiskEvent, RiskEventKind
from trader.risk.manager import GuardStatus, RiskManager
from trader.risk.progression import (
    GateReport,
    Phase,
    ProgressionConfig,
    ProgressionError,
    TradingProgression,
)
from trader.risk.safe_mode import SafeModeState, UnauthorisedError
from trader.risk.scaling import RiskScalingManager
from trader.risk.state import Holding, MarketState, PortfolioState, TradeStats, price_units
from trader.risk.verdict import Action, ReasonCode, Verdict

__all__ = [
    "Action",
    "BreakerAction",
    "BreakerObservation",
    "BreakerState",
    "EmergencyActions",
    "EmergencyCircuitBreaker",
    "EmergencyReport",
    "GateReport",
    "GuardStatus",
    "Holding",
    "MarketState",
    "Phase",
    "PortfolioState",
    "ProgressionConfig",
    "ProgressionError",
    "ReasonCode",
    "RecoveryRefusedError",
    "RiskConfig",
    "RiskEvent",
    "RiskEventKind",
    "RiskManager",
    "RiskScalingManager",
    "SafeModeState",
    "TradeStats",
    "TradingProgression",
    "UnauthorisedError",
    "Verdict",
    "price_units",
]
