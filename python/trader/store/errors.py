"""The store's user-facing error: what failed and where, never with a password in the text."""

from __future__ import annotations

from trader.errors import TraderError


class StoreError(TraderError):
    """A database that cannot be opened, read or written as asked; names the (password-free) URL or run."""
