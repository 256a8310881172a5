"""Which database the store uses: --db, else $TRADER_DB_URL, else SQLite at $TRADER_HOME/trader.db."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from trader.store.errors import StoreError

DB_URL_ENV = "TRADER_DB_URL"
HOME_ENV = "TRADER_HOME"
_SUPPORTED = ("sqlite", "postgresql")


def trader_home() -> Path:
    """The state directory: $TRADER_HOME, default ~/.trader."""
    raw = os.environ.get(HOME_ENV)
    return Path(raw).expanduser() if raw else Path.home() / ".trader"


def default_url() -> str:
    """$TRADER_DB_URL when set, else a SQLite file in the state directory."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{trader_home() / 'trader.db'}"


def safe_url(url: URL | str) -> str:
    """The URL as text with any password masked (for messages and logs)."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparsable URL>"  # its text may hold a password: never echo it


def parse_url(text: str | None) -> URL:
    """Parse and check a database URL (None: the default); refuses unknown backends with a clear message.

    `postgresql://` and `postgres://` use psycopg 3; a bare path is taken as a SQLite file.
    """
    raw = default_url() if text is None else text.strip()
    if not raw:
        raise StoreError("database URL is empty (pass --db or set $TRADER_DB_URL)")
    if "://" not in raw:
        return make_url(f"sqlite:///{Path(raw).expanduser()}")
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw.removeprefix("postgres://")
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"database URL {safe_url(raw)}: not a valid URL (expected sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DB)"
        ) from None
    backend = url.get_backend_name()
    if backend not in _SUPPORTED:
        raise StoreError(
            f"database URL {safe_url(url)}: unsupported backend {backend!r} (use sqlite or postgresql)"
        )
    if backend == "postgresql" and "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")  # the driver the project ships, whatever the default
    if backend == "postgresql" and not url.database:
        raise StoreError(f"database URL {safe_url(url)}: names no database")
    return url
