"""Schema migrations applied on open: alembic, driven from code with the scripts shipped in the package."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

HEAD = "0001"
"""The newest revision in migrations/versions (a test checks it against alembic's view). Known here so
that opening an up-to-date store reads one row instead of importing alembic, which costs a second."""


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the package ships, as alembic reads it from the scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the store ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


_ALEMBIC = threading.Lock()
"""alembic runs env.py through process-wide state: one migration at a time per process (threads crash)."""
_PG_LOCK = 0x7472_6164  # "trad": one advisory lock id for every trader store migration


def upgrade(connection: Connection) -> bool:
    """Bring the database to the newest revision; True when anything was applied.

    On PostgreSQL a transaction-scoped advisory lock makes concurrent openers migrate one at a time.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    if current_revision(connection) == HEAD:
        return False
    from alembic import command

    with _ALEMBIC:
        command.upgrade(_config(connection), "head")
    return True
