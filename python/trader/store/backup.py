"""Backup and restore of a SQLite store through SQLite's online backup API; PostgreSQL gets guidance."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL

from trader.store.errors import StoreError
from trader.store.migrate import HEAD
from trader.store.url import parse_url, safe_url, trader_home


@dataclass(frozen=True, slots=True)
class BackupResult:
    """Where a copy went, how big it is and how many runs it holds."""

    path: Path
    bytes: int
    runs: int


def _pg_guidance(url: URL, verb: str) -> StoreError:
    target = safe_url(url.set(drivername="postgresql"))
    return StoreError(
        f"{verb} works on SQLite stores only; {target} is PostgreSQL: back it up with "
        f"`pg_dump --format=custom --file=trader.dump '{target}'` and restore with "
        f"`pg_restore --clean --if-exists --no-owner --dbname='{target}' trader.dump` "
        "(give the password through PGPASSWORD or ~/.pgpass, not on the command line)"
    )


def _sqlite_file(url_text: str | None, verb: str) -> Path:
    url = parse_url(url_text)
    if url.get_backend_name() != "sqlite":
        raise _pg_guidance(url, verb)
    if not url.database or url.database == ":memory:":
        raise StoreError(f"{verb}: {safe_url(url)} is not a database file")
    return Path(url.database).expanduser()


def _check(path: Path) -> int:
    """Integrity-check a store file and return its run count; StoreError saying what is wrong."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            first = result[0][0] if result else "no answer"
            raise StoreError(f"{path}: integrity check failed: {first}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "runs"} <= tables:
            raise StoreError(f"{path}: not a trader store (no runs/alembic_version tables)")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] > HEAD:
            raise StoreError(
                f"{path}: schema revision {revision[0] if revision else None!r} is newer than this "
                f"version of trader knows ({HEAD}); upgrade trader first"
            )
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a readable SQLite database ({exc})") from None
    finally:
        conn.close()


def _copy(source: Path, target: Path, journal_mode: str) -> None:
    """One `backup()` step over every page: a consistent snapshot, even while another connection writes.

    The source is read inside one read transaction (WAL lets writers carry on meanwhile); copying
    page-by-page in several steps would restart whenever a writer commits in between.
    """
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        # A backup is one self-contained file (no -wal/-shm beside it); a restored store goes back to WAL.
        dst.execute(f"PRAGMA journal_mode={journal_mode}")
    finally:
        dst.close()
        src.close()


def backup_store(url_text: str | None, out: Path | None = None) -> BackupResult:
    """Copy the SQLite store at `url_text` (default: the configured one) to `out`, then integrity-check it."""
    source = _sqlite_file(url_text, "backup")
    if not source.is_file():
        raise StoreError(f"backup: {source}: no store there yet")
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = trader_home() / "backups" / f"trader-{stamp}.db"
    if out.exists():
        raise StoreError(f"backup: {out} already exists; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial, "DELETE")
        runs = _check(partial)
        os.replace(partial, out)
    except sqlite3.Error as exc:
        raise StoreError(f"backup of {source} failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(out, out.stat().st_size, runs)


def restore_store(backup: Path, url_text: str | None) -> BackupResult:
    """Check `backup` (integrity, schema) and copy it over the store at `url_text` in one backup step."""
    target = _sqlite_file(url_text, "restore")
    if not backup.is_file():
        raise StoreError(f"restore: {backup}: no such file")
    runs = _check(backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy(backup, target, "WAL")
    except sqlite3.Error as exc:
        raise StoreError(f"restore into {target} failed: {exc}") from None
    _check(target)
    return BackupResult(target, target.stat().st_size, runs)
