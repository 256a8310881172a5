"""The engine: event loop, simulated clock, backtest runner, walk-forward and the lookahead check."""

from trader.engine.backtest import BacktestResult, run_backtest
from trader.engine.broker import BacktestBroker, Decision, Refusal
from trader.engine.config import BacktestConfig
from trader.engine.feed import Feed, merge
from trader.engine.lookahead import LookaheadReport, check_lookahead
from trader.engine.walkforward import WalkForwardResult, run_walkforward

__all__ = [
    "BacktestBroker",
    "BacktestConfig",
    "BacktestResult",
    "Decision",
    "Feed",
    "LookaheadReport",
    "Refusal",
    "WalkForwardResult",
    "check_lookahead",
    "merge",
    "run_backtest",
    "run_walkforward",
]
