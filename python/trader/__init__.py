"""trader: safety-first algorithmic trading (backtest, paper, live) with a Rust core."""

from typing import TYPE_CHECKING

from trader._core import __version__

if TYPE_CHECKING:
    from trader.strategies import Strategy

__all__ = ["Strategy", "__version__"]

# `trader.Strategy` loads on first use (PEP 562): importing the package for `trader data check` should not
# pay for pydantic and the strategies.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name == "Strategy":
            from trader.strategies import Strategy

            return Strategy
        raise AttributeError(f"module 'trader' has no attribute {name!r}")
