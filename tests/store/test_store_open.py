"""Opening the store: URL resolution, migrations on open, WAL mode, and clear errors without passwords."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.migrate import HEAD, current_revision, head_revision
from trader.store.schema import metadata
from trader.store.url import default_url, parse_url


def test_migrations_build_exactly_the_declared_schema(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "trader.db")) as store, store.engine.connect() as conn:
        assert current_revision(conn) == head_revision() == HEAD == "0001"
        # The migration scripts and schema.py must agree: autogenerate finds nothing to change.
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert set(inspect(conn).get_table_names()) == {*metadata.tables, "alembic_version"}
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_reopening_applies_nothing_and_keeps_the_data(tmp_path: Path) -> None:
    db = tmp_path / "state" / "trader.db"  # the folder is created on open
    with Store.open(str(db)) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE marker (x INTEGER)")
    with Store.open(f"sqlite:///{db}") as store, store.engine.connect() as conn:
        assert "marker" in inspect(conn).get_table_names()
        assert current_revision(conn) == "0001"


def test_the_default_is_trader_db_in_trader_home_unless_trader_db_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADER_DB_URL", raising=False)
    monkeypatch.setenv("TRADER_HOME", str(tmp_path / "home"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / 'trader.db'}"
    with Store.open() as store:
        assert store.url.database == str(tmp_path / "home" / "trader.db")
    assert (tmp_path / "home" / "trader.db").is_file()
    monkeypatch.setenv("TRADER_DB_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert parse_url(None).database == str(tmp_path / "other.db")
    monkeypatch.delenv("TRADER_HOME")
    monkeypatch.delenv("TRADER_DB_URL")
    assert default_url() == f"sqlite:///{Path.home() / '.trader' / 'trader.db'}"


def test_postgres_urls_use_psycopg_3() -> None:
    assert parse_url("postgres://u:p@db.example:5433/trader").drivername == "postgresql+psycopg"
    assert parse_url("postgresql://u:p@db.example/trader").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root:hunter2@localhost/trader", "unsupported backend 'mysql'"),
        ("postgresql://root:hunter2@localhost", "names no database"),
        ("postgresql://root:hunter2@:::bad/x", "not a valid URL"),
        ("   ", "database URL is empty"),
    ],
)
def test_a_bad_url_is_named_without_its_password(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as caught:
        Store.open(url)
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    # Port 1 on localhost: nothing listens there, the connection is refused at once.
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql://trader:hunter2@127.0.0.1:1/trader")
    text = str(caught.value)
    assert text.startswith("cannot open database postgresql+psycopg://trader:***@127.0.0.1:1/trader: ")
    assert "hunter2" not in text


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=r"cannot open database sqlite:///.*plain-file/sub/trader\.db: "):
        Store.open(str(blocker / "sub" / "trader.db"))


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"database sqlite:///.*junk\.db: file is not a database"):
        Store.open(str(junk))


def test_openers_racing_on_a_new_file_all_get_the_schema(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def open_once(db: Path) -> None:
        try:
            with Store.open(str(db)) as store, store.engine.connect() as conn:
                assert current_revision(conn) == HEAD
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    for n in range(3):
        db = tmp_path / f"race{n}.db"
        threads = [threading.Thread(target=open_once, args=(db,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
