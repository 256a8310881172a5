"""Errors from talking to Alpaca, as `TraderError`s that name the setting at fault and never a secret."""

from __future__ import annotations

from trader.errors import TraderError


class AlpacaError(TraderError):
    """Alpaca refused a request or could not be reached; the message says which call and why."""


class AlpacaAuthError(AlpacaError):
    """Alpaca refused the key id / secret key; the message names the settings to check."""
