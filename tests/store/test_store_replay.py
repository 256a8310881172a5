"""`trader replay`: the journal's fills rebuild the stored books; any tampering is named, exit 1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection
from store_helpers import backtest_folder, trader
from typer.testing import CliRunner

from trader.cli import app
from trader.errors import JournalError
from trader.store import schema
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.replay import replay
from trader.store.run_data import from_folder
from trader.store.runs import save_run


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    backtest_folder(out)
    return out


@pytest.fixture
def stored(folder: Path, tmp_path: Path) -> Iterator[tuple[Store, str]]:
    with Store.open(str(tmp_path / "trader.db")) as store:
        yield store, save_run(store, from_folder(folder))


def test_replay_of_an_untouched_store_matches(folder: Path, stored: tuple[Store, str]) -> None:
    store, run_id = stored
    report = replay(store, folder / "journal.jsonl")
    assert report.ok, report.difference
    assert report.run_id == run_id
    assert report.fills == len(from_folder(folder).fills) > 100
    assert report.cash == store_value(store, "cash")


def store_value(store: Store, column: str) -> object:
    with store.engine.connect() as conn:
        return conn.execute(schema.runs.select()).first()._mapping[column]  # type: ignore[union-attr]


# Tampering as someone with a SQL prompt would do it: raw statements, past the store's own code.
def _set_fill_price(conn: Connection) -> None:
    conn.exec_driver_sql("UPDATE fills SET price = '999.99' WHERE fill_id = 'sim-11-f1'")


def _set_cash(conn: Connection) -> None:
    conn.exec_driver_sql("UPDATE runs SET cash = '101056.648031'")


def _drop_position(conn: Connection) -> None:
    conn.exec_driver_sql("DELETE FROM position_snapshots")


def _flatten_a_middle_snapshot(conn: Connection) -> None:
    conn.exec_driver_sql("UPDATE position_snapshots SET qty = '0' WHERE seq = 5")


def _drop_last_trade(conn: Connection) -> None:
    conn.exec_driver_sql("DELETE FROM trades WHERE idx = 93")


def _change_reason(conn: Connection) -> None:
    conn.exec_driver_sql("""UPDATE decisions SET reasons = '["none"]' WHERE seq = 3""")


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (_set_fill_price, r"fills row 4 \(fill_id sim-11-f1\) field 'price': stored 999\.99, journal gives "),
        (_set_cash, r"^cash: stored 101056\.648031, journal gives 101056\.648030$"),
        # The guarded run ends flat (a resting stop closed the last trade): every snapshot is missed.
        (_drop_position, r"^position_snapshots: number of rows: stored 0, journal gives \d+$"),
        (
            _flatten_a_middle_snapshot,
            r"^position_snapshots row 1 \(seq 5\) field 'qty': stored 0, journal gives 44$",
        ),
        (_drop_last_trade, r"^trades: number of rows: stored 93, journal gives 94$"),
        (_change_reason, r"decisions row 2 \(seq 3\) field 'reasons': stored '\[\"none\"\]'"),
    ],
)
def test_a_tampered_store_is_caught_at_the_first_difference(
    folder: Path, stored: tuple[Store, str], tamper: Callable[[Connection], None], named: str
) -> None:
    store, _ = stored
    with store.engine.begin() as conn:
        tamper(conn)
    report = replay(store, folder / "journal.jsonl")
    assert not report.ok
    assert report.difference is not None
    assert re.search(named, report.difference), report.difference


def test_a_tampered_journal_is_refused_before_any_comparison(
    folder: Path, stored: tuple[Store, str], tmp_path: Path
) -> None:
    store, _ = stored
    journal = tmp_path / "journal.jsonl"
    lines = (folder / "journal.jsonl").read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"qty":"', b'"qty":"1', 1)
    journal.write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match="modified at seq 6"):
        replay(store, journal)


def test_a_journal_with_no_stored_run_says_to_pass_run(folder: Path, tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "empty.db")) as store, pytest.raises(StoreError, match="pass --run ID"):
        replay(store, folder / "journal.jsonl")


def test_the_cli_exits_0_on_a_match_and_1_naming_the_difference(folder: Path, tmp_path: Path) -> None:
    env = {"TRADER_HOME": str(tmp_path / "home"), "TRADER_DB_URL": ""}
    runner = CliRunner()
    saved = runner.invoke(app, ["store", "save", str(folder), "--run-id", "r1"], env=env)
    assert saved.exit_code == 0, saved.output
    assert saved.stdout.startswith("stored run r1 (ema_cross, ")
    ok = runner.invoke(app, ["replay", str(folder / "journal.jsonl")], env=env)
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("match: run r1 equals its journal (")
    db = tmp_path / "home" / "trader.db"
    with Store.open(str(db)) as store, store.engine.begin() as conn:
        _set_cash(conn)
    # The installed console script, for the real exit code.
    bad = trader("replay", folder / "journal.jsonl", "--run", "r1", "--db", db)
    assert bad.returncode == 1
    assert bad.stdout.strip() == "MISMATCH: run r1: cash: stored 101056.648031, journal gives 101056.648030"
    missing = runner.invoke(app, ["replay", str(tmp_path / "nope.jsonl"), "--db", str(db)])
    assert isinstance(missing.exception, StoreError)
    assert str(missing.exception).endswith("nope.jsonl: journal not found")
