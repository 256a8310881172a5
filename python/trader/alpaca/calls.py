"""Runs one alpaca-py market-data call and turns its failures into `AlpacaError`s naming the call and the
server, never a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from alpaca.common.exceptions import APIError

from trader.alpaca.errors import AlpacaAuthError, AlpacaError
from trader.alpaca.settings import AlpacaSettings

T = TypeVar("T")


def call(settings: AlpacaSettings, what: str, action: Callable[[], T]) -> T:
    """`action()`, or an `AlpacaAuthError` (401/403 on the keys) / `AlpacaError` saying what failed."""
    try:
        return action()
    except APIError as error:
        status = error.status_code
        if status in (401, 403) and _is_auth(error):
            raise AlpacaAuthError(
                f"Alpaca refused the API keys ({what}: HTTP {status}); "
                f"check the settings {settings.credential_names}"
            ) from None
        raise AlpacaError(f"Alpaca {what} failed: HTTP {status}: {_message(error)}") from None
    except OSError as error:  # requests' errors are OSErrors: refused, reset, timed out
        raise AlpacaError(
            f"Alpaca {what}: cannot reach {settings.data_url}: {type(error).__name__}"
        ) from None


def _message(error: APIError) -> str:
    try:
        return str(error.message)
    except (ValueError, KeyError, TypeError):
        return str(error)[:200]


def _is_auth(error: APIError) -> bool:
    # A 403 is also Alpaca's "insufficient buying power"; only the other 401/403s are key problems.
    return error.status_code == 401 or "buying power" not in _message(error)
