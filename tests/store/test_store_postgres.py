"""The same run in SQLite and in a real PostgreSQL server: identical rows, replay, clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pg_server import PASSWORD, fresh_database, postgres_url
from store_helpers import backtest_folder

from trader.reports.daily import daily_report
from trader.reports.daily_render import as_json
from trader.store import schema
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.replay import replay
from trader.store.run_data import RunData, from_folder
from trader.store.runs import load_run, save_run

pytestmark = pytest.mark.system

__all__ = ["postgres_url"]  # the session fixture, imported for pytest to find


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    backtest_folder(out)
    return out


def _raw_rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table as the driver returns it (no SQLAlchemy type processing), in key order."""
    out = {}
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            keys = ", ".join(c.name for c in table.primary_key.columns)
            raw = conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {keys}")
            out[table.name] = [tuple(row) for row in raw]
    return out


def test_the_same_backtest_gives_identical_rows_in_sqlite_and_postgres(
    folder: Path, postgres_url: str, tmp_path: Path
) -> None:
    data = from_folder(folder)
    with (
        Store.open(str(tmp_path / "trader.db")) as lite,
        Store.open(fresh_database(postgres_url, "same")) as pg,
    ):
        assert pg.url.get_backend_name() == "postgresql"
        save_run(lite, data)
        save_run(pg, data)
        assert load_run(pg, data.run_id) == load_run(lite, data.run_id) == data
        lite_rows, pg_rows = _raw_rows(lite), _raw_rows(pg)
        assert lite_rows.keys() == pg_rows.keys()
        for table, rows in lite_rows.items():
            assert rows == pg_rows[table], table
        assert len(pg_rows["equity"]) == len(data.equity) > 5000
        # Reports read the same from either backend.
        day = _a_trade_day(data)
        assert as_json(daily_report(pg, day)) == as_json(daily_report(lite, day))


def _a_trade_day(data: RunData) -> date:
    return date.fromisoformat(data.trades[10]["exit_time"][:10])


def test_replay_against_postgres_matches_and_catches_tampering(folder: Path, postgres_url: str) -> None:
    with Store.open(fresh_database(postgres_url, "replay")) as pg:
        save_run(pg, from_folder(folder))
        assert replay(pg, folder / "journal.jsonl").ok
        with pg.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE fills SET qty = '45' WHERE fill_id = 'sim-1-f1'")
        report = replay(pg, folder / "journal.jsonl")
        assert report.difference == "fills row 1 (fill_id sim-1-f1) field 'qty': stored 45, journal gives 44"


def test_a_wrong_password_is_reported_without_any_password(postgres_url: str) -> None:
    wrong = postgres_url.replace(PASSWORD, "not-the-password")
    with pytest.raises(StoreError) as caught:
        Store.open(wrong)
    text = str(caught.value)
    assert "password authentication failed" in text
    assert "not-the-password" not in text
    assert PASSWORD not in text
    assert "postgresql+psycopg://trader:***@127.0.0.1:" in text


def test_a_missing_database_is_named(postgres_url: str) -> None:
    with pytest.raises(StoreError, match=r'database "nope" does not exist'):
        Store.open(postgres_url.rsplit("/", 1)[0] + "/nope")
