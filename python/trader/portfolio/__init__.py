"""Positions, the exact ledger, the equity curve, round-trip trades and performance metrics."""

from trader.portfolio.annualisation import bars_per_day, periods_per_year
from trader.portfolio.drawdown import Drawdown, drawdown, drawdown_series
from trader.portfolio.equity import CurveArrays, EquityCurve
from trader.portfolio.errors import LedgerError, MetricsError, ReconcileError
from trader.portfolio.fill_effects import FillEffect, fill_effect
from trader.portfolio.ledger import FillOutcome, Portfolio
from trader.portfolio.metrics import Metrics, compute_metrics
from trader.portfolio.positions import OpenPosition, PositionChange
from trader.portfolio.trades import RoundTrip, TradeBook, round_trips

__all__ = [
    "CurveArrays",
    "Drawdown",
    "EquityCurve",
    "FillEffect",
    "FillOutcome",
    "LedgerError",
    "Metrics",
    "MetricsError",
    "OpenPosition",
    "Portfolio",
    "PositionChange",
    "ReconcileError",
    "RoundTrip",
    "TradeBook",
    "bars_per_day",
    "compute_metrics",
    "drawdown",
    "drawdown_series",
    "fill_effect",
    "periods_per_year",
    "round_trips",
]
