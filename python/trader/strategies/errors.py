"""Errors of strategy definition and use: bad parameters, unknown strategies, misuse of the order helpers."""

from __future__ import annotations

from trader.errors import TraderError


class StrategyError(TraderError):
    """A strategy that cannot be loaded, configured or run as asked; the message names which and why."""
