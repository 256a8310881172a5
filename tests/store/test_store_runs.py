"""Saving a run and loading it back: every row, exact decimals, from the folder or the result objects."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select
from store_helpers import backtest_folder

from trader.engine.backtest import BacktestResult
from trader.journal import FsyncPolicy, Journal, JournalOptions
from trader.store import schema
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.journal_rows import journal_rows
from trader.store.run_data import RunData, from_folder, from_result
from trader.store.runs import list_runs, load_run, save_run

T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BacktestResult, dict[str, object]]:
    folder = tmp_path_factory.mktemp("run")
    result, run = backtest_folder(folder)
    return folder, result, run


def test_the_folder_and_the_result_objects_give_the_same_rows(
    run_folder: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    folder, result, run = run_folder
    from_files = from_folder(folder)
    from_objects = from_result(result, run, folder / "journal.jsonl")
    assert from_files == from_objects
    assert len(from_files.fills) == len(result.portfolio.effects) > 100
    assert len(from_files.trades) == len(result.trades)
    assert len(from_files.equity) == len(result.curve.ts)


def test_a_saved_run_loads_back_row_for_row(
    run_folder: tuple[Path, BacktestResult, dict[str, object]], tmp_path: Path
) -> None:
    folder, result, _ = run_folder
    data = from_folder(folder)
    with Store.open(str(tmp_path / "trader.db")) as store:
        run_id = save_run(store, data)
        back = load_run(store, run_id)
        listed = list_runs(store)
    assert back == data
    # The books as the engine left them, exact to the last digit.
    assert back.run["cash"] == result.portfolio.cash
    assert back.run["fees"] == result.portfolio.fees
    assert back.run["realised_pnl"] == result.portfolio.realised_pnl
    assert back.run["final_equity"] == result.final_equity
    # One position snapshot per fill; the last one is the position the run ended with.
    assert [p["seq"] for p in back.position_snapshots] == [f["seq"] for f in back.fills]
    last = back.position_snapshots[-1]
    assert (last["symbol"], last["qty"]) == ("SPY", result.portfolio.position_qty("SPY"))
    assert last["avg_entry_price"] == result.portfolio.avg_entry_price("SPY")
    assert any(p["qty"] == 0 and p["avg_entry_price"] is None for p in back.position_snapshots)
    assert listed == [
        {
            "run_id": run_id,
            "mode": "backtest",
            "strategy_id": "ema_cross",
            "params": data.run["params"],
            "start_ts": "1998-01-02T00:00:00.000000Z",
            "end_ts": "2021-03-31T00:00:00.000000Z",
            "final_equity": result.final_equity,
            "trades": len(result.trades),
        }
    ]


def test_stored_trades_match_trades_csv_and_decisions_keep_the_risk_reasons(
    run_folder: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    folder, _, _ = run_folder
    data = from_folder(folder)
    with (folder / "trades.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [format(t["pnl"], "f") for t in data.trades] == [r["pnl"] for r in rows]
    assert [t["entry_order"] for t in data.trades] == [r["entry_order"] for r in rows]
    verdicts = [d for d in data.decisions if d["kind"] == "risk_verdict"]
    assert len(verdicts) == len(data.orders)
    first = verdicts[0]
    assert first["action"] == "resize"
    assert json.loads(first["reasons"]) == ["trade_limit", "lot_rounding"]
    assert "per-trade notional limit" in first["message"]
    intents = [d for d in data.decisions if d["kind"] == "order_intent"]
    assert intents[0]["message"] == "EMA10 crossed above EMA30"


def test_a_run_id_is_stored_once_unless_replaced(
    run_folder: tuple[Path, BacktestResult, dict[str, object]], tmp_path: Path
) -> None:
    data = from_folder(run_folder[0], run_id="one", mode="paper")
    with Store.open(str(tmp_path / "trader.db")) as store:
        save_run(store, data)
        with pytest.raises(StoreError, match="run 'one' is already stored"):
            save_run(store, data)
        save_run(store, data, replace=True)
        assert load_run(store, "one") == data
        with pytest.raises(StoreError, match=r"run 'two': not in sqlite:///.*\(stored: one\)"):
            load_run(store, "two")


def test_a_folder_without_outputs_or_with_a_bad_mode_is_refused(
    run_folder: tuple[Path, BacktestResult, dict[str, object]], tmp_path: Path
) -> None:
    with pytest.raises(StoreError, match=r"summary\.json: not found"):
        from_folder(tmp_path)
    with pytest.raises(StoreError, match="mode: must be one of backtest, paper, live"):
        from_folder(run_folder[0], mode="demo")


def test_a_summary_that_disagrees_with_its_journal_is_refused(
    run_folder: tuple[Path, BacktestResult, dict[str, object]], tmp_path: Path
) -> None:
    folder = run_folder[0]
    for name in ("trades.csv", "equity.csv", "journal.jsonl"):
        shutil.copy(folder / name, tmp_path / name)
    summary = json.loads((folder / "summary.json").read_text())
    summary["final"]["cash"] = "1000000"
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(
        StoreError, match=r"summary\.json: final\.cash is 1000000 but the journal's fills give "
    ):
        from_folder(tmp_path)


_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(format(d, "f")) <= 64
)


@pytest.fixture(scope="module")
def exact_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store.open(str(tmp_path_factory.mktemp("exact") / "trader.db")) as store:
        yield store


@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(_decimals, min_size=1, max_size=5))
def test_money_comes_back_with_the_same_digits(amounts: list[Decimal], exact_store: Store) -> None:
    # The ExactDecimal column, through a real SQLite file: same value, same scale ("1.50" stays "1.50").
    with exact_store.engine.begin() as conn:
        conn.execute(delete(schema.runs))
        conn.execute(insert(schema.runs), [_run_row(f"r{i}", amount) for i, amount in enumerate(amounts)])
        back = conn.execute(select(schema.runs.c.cash).order_by(schema.runs.c.run_id)).scalars().all()
    assert [format(b, "f") for b in back] == [format(a, "f") for a in amounts]


def _run_row(run_id: str, cash: Decimal) -> dict[str, object]:
    return {
        "run_id": run_id, "mode": "backtest", "strategy": "s", "strategy_id": "s", "params": "{}",
        "symbols": "[]", "config": "{}", "start_ts": "2024-01-01T00:00:00.000000Z",
        "end_ts": "2024-01-02T00:00:00.000000Z", "starting_cash": Decimal(1), "final_equity": Decimal(1),
        "cash": cash, "fees": Decimal(0), "realised_pnl": Decimal(0), "journal_head_seq": 1,
        "journal_head_hash": "0" * 64,
    }  # fmt: skip


def test_rundata_knows_its_id(run_folder: tuple[Path, BacktestResult, dict[str, object]]) -> None:
    data: RunData = from_folder(run_folder[0])
    assert data.run_id == data.run["journal_head_hash"][:16]


def test_a_journal_record_missing_a_field_is_named_by_seq(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path, options=JournalOptions(fsync=FsyncPolicy.NEVER)) as journal:
        journal.append("run_start", {"strategy": "s", "config": {"starting_cash": "1000"}}, ts=T0)
        journal.append("order_intent", {"client_order_id": "s-1", "symbol": "SPY", "side": "buy"}, ts=T0)
    with pytest.raises(StoreError, match=r"journal\.jsonl: seq 2 \(order_intent\): missing field 'qty'$"):
        journal_rows(path)
    other = tmp_path / "other.jsonl"
    with Journal(other, options=JournalOptions(fsync=FsyncPolicy.NEVER)) as journal:
        journal.append("signal", {"symbol": "SPY"}, ts=T0)
    with pytest.raises(StoreError, match=r"other\.jsonl: no run_start record; not the journal of a run$"):
        journal_rows(other)
