"""The engine: event loop, simulated clock and backtest runner (paper and live modes come later)."""

from trader.engine.backtest import BacktestResult, run_backtest
from trader.engine.broker import BacktestBroker, Decision
from trader.engine.config import BacktestConfig
from trader.engine.feed import Feed, merge

__all__ = [
    "BacktestBroker",
    "BacktestConfig",
    "BacktestResult",
    "Decision",
    "Feed",
    "merge",
    "run_backtest",
]
