"""Strategies: the `Strategy` base class, typed parameters, the light `Bar`, and the built-ins."""

from trader.strategies.bar import Bar
from trader.strategies.base import Broker, Strategy
from trader.strategies.breakout import Breakout, BreakoutParams
from trader.strategies.ema_cross import EmaCross, EmaCrossParams
from trader.strategies.errors import StrategyError
from trader.strategies.mean_reversion import MeanReversion, MeanReversionParams
from trader.strategies.order_request import OrderRequest
from trader.strategies.params import Params, build_params, parse_assignments
from trader.strategies.registry import BUILTINS, resolve_strategy

__all__ = [
    "BUILTINS",
    "Bar",
    "Breakout",
    "BreakoutParams",
    "Broker",
    "EmaCross",
    "EmaCrossParams",
    "MeanReversion",
    "MeanReversionParams",
    "OrderRequest",
    "Params",
    "Strategy",
    "StrategyError",
    "build_params",
    "parse_assignments",
    "resolve_strategy",
]
