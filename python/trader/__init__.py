"""trader: safety-first algorithmic trading (backtest, paper, live) with a Rust core."""

from trader._core import __version__

__all__ = ["__version__"]
