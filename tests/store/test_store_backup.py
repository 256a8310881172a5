"""`trader backup` / `trader restore`: consistent copies while a writer commits, checked restores."""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from store_helpers import backtest_folder, trader
from typer.testing import CliRunner

from trader.cli import app
from trader.store.backup import backup_store, restore_store
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.run_data import RunData, from_folder
from trader.store.runs import load_run, save_run

_COUNTED = ("orders", "fills", "decisions", "trades", "equity", "metrics")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunData:
    folder = tmp_path_factory.mktemp("run")
    backtest_folder(folder)
    return from_folder(folder)


def _counts(db: Path) -> dict[str, dict[str, int]]:
    """Rows per table per run, read straight from the file."""
    conn = sqlite3.connect(db)
    try:
        out: dict[str, dict[str, int]] = {}
        for table in _COUNTED:
            for run_id, n in conn.execute(f"SELECT run_id, count(*) FROM {table} GROUP BY run_id"):
                out.setdefault(run_id, {})[table] = n
        for (run_id,) in conn.execute("SELECT run_id FROM runs"):
            out.setdefault(run_id, {})
        return out
    finally:
        conn.close()


def test_backup_then_restore_gives_back_the_same_runs(run: RunData, tmp_path: Path) -> None:
    db = tmp_path / "trader.db"
    with Store.open(str(db)) as store:
        save_run(store, run)
    copy = backup_store(str(db), tmp_path / "backups" / "b.db")
    assert copy.runs == 1
    assert not list((tmp_path / "backups").glob("*-wal"))  # one self-contained file
    target = tmp_path / "restored" / "trader.db"
    restored = restore_store(copy.path, str(target))
    assert restored.runs == 1
    with Store.open(str(target)) as store, store.engine.connect() as conn:
        assert load_run(store, run.run_id) == run
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_backup_taken_while_a_writer_commits_is_consistent(run: RunData, tmp_path: Path) -> None:
    db = tmp_path / "trader.db"
    expected = {t: len(getattr(run, t)) for t in _COUNTED}
    stop = threading.Event()
    written: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with Store.open(str(db)) as store:
                i = 0
                while not stop.is_set() or i < 3:
                    save_run(store, replace(run, run={**run.run, "run_id": f"w{i}"}))
                    written.append(f"w{i}")
                    i += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with Store.open(str(db)):
        pass  # migrate before the race starts
    thread = threading.Thread(target=writer)
    thread.start()
    copies = []
    try:
        while len(written) < 1:
            threading.Event().wait(0.01)
        first = len(written)
        # Keep copying until the writer has committed several runs since the first copy began.
        while len(written) < first + 3 and len(copies) < 500:
            copies.append(backup_store(str(db), tmp_path / f"b{len(copies)}.db"))
        during = len(written) - first
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    for copy in copies:
        counts = _counts(copy.path)
        assert copy.runs == len(counts) >= 1
        # Every run in a copy is whole: a backup never sees half of a transaction.
        for run_id, per_table in counts.items():
            assert per_table == expected, run_id
    assert during >= 3
    runs_seen = [copy.runs for copy in copies]
    assert runs_seen == sorted(runs_seen)
    assert runs_seen[-1] > runs_seen[0]  # the copies were taken while the writer was committing


def test_a_damaged_backup_is_refused_and_the_store_left_alone(run: RunData, tmp_path: Path) -> None:
    db = tmp_path / "trader.db"
    with Store.open(str(db)) as store:
        save_run(store, run)
    copy = backup_store(str(db), tmp_path / "b.db").path
    before = db.read_bytes()
    # Truncated mid-file: SQLite no longer finds the pages the header promises.
    cut = tmp_path / "cut.db"
    cut.write_bytes(copy.read_bytes()[: copy.stat().st_size // 2])
    with pytest.raises(StoreError, match=r"cut\.db: (integrity check failed|not a readable SQLite database)"):
        restore_store(cut, str(db))
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match=r"junk\.db: not a readable SQLite database"):
        restore_store(junk, str(db))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y INTEGER)").connection.close()
    with pytest.raises(StoreError, match=r"other\.db: not a trader store"):
        restore_store(other, str(db))
    assert db.read_bytes() == before


def test_postgres_gets_pg_dump_guidance_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        backup_store("postgresql://trader:hunter2@db.example:5432/trader")
    text = str(caught.value)
    assert "pg_dump --format=custom" in text
    assert "pg_restore --clean" in text
    assert "postgresql://trader:***@db.example:5432/trader" in text
    assert "hunter2" not in text
    with pytest.raises(StoreError, match="restore works on SQLite stores only"):
        restore_store(Path("x.db"), "postgresql://trader:hunter2@db.example/trader")


def test_the_cli_backs_up_and_restores(run: RunData, tmp_path: Path) -> None:
    env = {"TRADER_HOME": str(tmp_path / "home"), "TRADER_DB_URL": ""}
    with Store.open(str(tmp_path / "home" / "trader.db")) as store:
        save_run(store, run)
    made = CliRunner().invoke(app, ["backup"], env=env)
    assert made.exit_code == 0, made.output
    backups = list((tmp_path / "home" / "backups").glob("trader-*.db"))
    assert len(backups) == 1
    assert made.stdout.startswith(f"backup {backups[0]}: 1 run(s), ")
    target = tmp_path / "new.db"
    restored = trader("restore", backups[0], "--db", target)  # the installed console script
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip() == f"restored {backups[0]} into {target}: 1 run(s), integrity ok"
    refused = CliRunner().invoke(app, ["backup", "--db", "postgresql://u:hunter2@h/db"])
    assert isinstance(refused.exception, StoreError)
    assert "pg_dump" in str(refused.exception)
