"""`trader replay`: the journal's fills rebuild the stored books; any tampering is named, exit 1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from store_helpers import backtest_folder, trader
from typer.testing import CliRunner

from trader.cli import app
from trader.errors import JournalError
from trader.journal import GENESIS_HASH, JournalKind, Record, read_records, verify_journal
from trader.journal.record import chain_hash, encode_body, seal
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
SET_CASH = "UPDATE runs SET cash = '101056.648031'"


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (
            "UPDATE fills SET price = '999.99' WHERE fill_id = 'sim-11-f1'",
            r"fills row 4 \(fill_id sim-11-f1\) field 'price': stored 999\.99, journal gives ",
        ),
        (SET_CASH, r"^cash: stored 101056\.648031, journal gives 101056\.648030$"),
        # The guarded run ends flat (a resting stop closed the last trade): every snapshot is missed.
        (
            "DELETE FROM position_snapshots",
            r"^position_snapshots: number of rows: stored 0, journal gives \d+$",
        ),
        (
            "UPDATE position_snapshots SET qty = '0' WHERE seq = 5",
            r"^position_snapshots row 1 \(seq 5\) field 'qty': stored 0, journal gives 44$",
        ),
        ("DELETE FROM trades WHERE idx = 93", r"^trades: number of rows: stored 93, journal gives 94$"),
        (
            """UPDATE decisions SET reasons = '["none"]' WHERE seq = 3""",
            r"decisions row 2 \(seq 3\) field 'reasons': stored '\[\"none\"\]'",
        ),
        (
            "UPDATE runs SET starting_cash = '100001'",
            r"^starting cash: stored 100001, journal gives 100000$",
        ),
        # The run ends flat: a stored last snapshot holding 7 is a position the fills never left.
        (
            "UPDATE position_snapshots SET qty = '7', avg_entry_price = '300' WHERE seq = 3928",
            r"^position SPY qty: stored 7, journal gives 0$",
        ),
        ("UPDATE runs SET fees = '463.451971'", r"^fees: stored 463\.451971, journal gives 463\.451970$"),
        (
            "UPDATE runs SET realised_pnl = '1520.11'",
            r"^realised P&L: stored 1520\.11, journal gives 1520\.10$",
        ),
        (
            "UPDATE trades SET exit_price = '109.22' WHERE idx = 0",
            r"^trades row 1 \(exit_order risk-stop-SPY-1\) field 'exit_price': "
            r"stored 109\.22, journal gives 109\.21$",
        ),
        (
            "UPDATE orders SET qty = '45' WHERE client_order_id = 'risk-stop-SPY-1'",
            r"^orders row 2 \(client_order_id risk-stop-SPY-1\) field 'qty': stored 45, journal gives 44$",
        ),
    ],
)
def test_a_tampered_store_is_caught_at_the_first_difference(
    folder: Path, stored: tuple[Store, str], tamper: str, named: str
) -> None:
    store, _ = stored
    with store.engine.begin() as conn:
        conn.exec_driver_sql(tamper)
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


def _resealed(source: Path, target: Path, change: Callable[[Record], dict[str, Any]]) -> None:
    """`source` with each record's payload replaced by `change(record)`, the hash chain recomputed: a journal
    altered by someone who could also rewrite every hash after the change (it verifies)."""
    prev, lines = GENESIS_HASH, []
    for record in read_records(source):
        body = encode_body(
            seq=record.seq,
            ts=record.ts,
            kind=record.kind.value,
            actor=record.actor,
            payload=change(record),
            prev=prev,
        )
        prev = chain_hash(prev, body)
        lines.append(seal(body, prev))
    target.write_bytes(b"".join(lines))
    assert verify_journal(target).ok


def _fill_price(record: Record) -> dict[str, Any]:
    if record.payload.get("fill_id") == "sim-2-f1":
        return {**record.payload, "price": "109.20"}
    return record.payload


def _intent_reason(record: Record) -> dict[str, Any]:
    if record.kind is JournalKind.ORDER_INTENT and record.payload["client_order_id"] == "ema_cross-SPY-1":
        return {**record.payload, "reason": "a reason never given"}
    return record.payload


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            _fill_price,
            r"^fills row 2 \(fill_id sim-2-f1\) field 'price': stored 109\.21, journal gives 109\.20$",
        ),
        (
            _intent_reason,
            r"^orders row 1 \(client_order_id ema_cross-SPY-1\) field 'reason': "
            r"stored 'EMA10 crossed above EMA30', journal gives 'a reason never given'$",
        ),
    ],
)
def test_a_rewritten_journal_that_still_verifies_is_caught_against_the_store(
    folder: Path,
    stored: tuple[Store, str],
    tmp_path: Path,
    change: Callable[[Record], dict[str, Any]],
    named: str,
) -> None:
    store, run_id = stored
    journal = tmp_path / "journal.jsonl"
    _resealed(folder / "journal.jsonl", journal, change)
    report = replay(store, journal, run_id)
    assert report.difference is not None
    assert re.search(named, report.difference), report.difference


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
        conn.exec_driver_sql(SET_CASH)
    # The installed console script, for the real exit code.
    bad = trader("replay", folder / "journal.jsonl", "--run", "r1", "--db", db)
    assert bad.returncode == 1
    assert bad.stdout.strip() == "MISMATCH: run r1: cash: stored 101056.648031, journal gives 101056.648030"
    missing = runner.invoke(app, ["replay", str(tmp_path / "nope.jsonl"), "--db", str(db)])
    assert isinstance(missing.exception, StoreError)
    assert str(missing.exception).endswith("nope.jsonl: journal not found")
