"""`trader export trades`: every round trip with the strategy's reasons and the risk verdicts behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from daily_helpers import backtest_folder, csv_rows, trader

from trader.reports.export import EXPORT_COLUMNS, export_trades
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.run_data import from_folder
from trader.store.runs import save_run


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = backtest_folder(tmp_path_factory.mktemp("run"), fee_bps=5)
    db = str(tmp_path_factory.mktemp("store") / "trader.db")
    with Store.open(db) as store:
        save_run(store, from_folder(folder, run_id="r1"))
    return folder, db


def _journal(folder: Path, kind: str) -> dict[str, dict[str, object]]:
    records = [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines()]
    return {r["payload"]["client_order_id"]: r["payload"] for r in records if r["kind"] == kind}


def test_each_trade_carries_its_entry_and_exit_reasons(stored: tuple[Path, str], tmp_path: Path) -> None:
    folder, db = stored
    out = tmp_path / "trades.csv"
    with Store.open(db) as store:
        assert export_trades(store, "r1", out) == len(csv_rows(folder / "trades.csv"))
    rows, trades = csv_rows(out), csv_rows(folder / "trades.csv")
    assert tuple(rows[0]) == EXPORT_COLUMNS
    intents, verdicts = _journal(folder, "order_intent"), _journal(folder, "risk_verdict")
    for row, trade in zip(rows, trades, strict=True):
        assert (row["entry_order"], row["exit_order"], row["pnl"]) == (
            trade["entry_order"],
            trade["exit_order"],
            trade["pnl"],
        )
        assert row["entry_reason"] == intents[row["entry_order"]]["reason"]
        assert row["exit_reason"] == intents[row["exit_order"]]["reason"]
        entry_verdict = verdicts[row["entry_order"]]
        assert row["entry_risk"] == entry_verdict["action"]
        assert row["entry_risk_reasons"] == ";".join(entry_verdict["reasons"])  # type: ignore[arg-type]
        assert row["entry_risk_message"] == entry_verdict["message"]
        assert row["exit_risk_reasons"] == "reduce_only"
        assert row["r_multiple"] == trade["r_multiple"] != ""
    assert rows[0]["entry_reason"] == "EMA10 crossed above EMA30"
    assert rows[0]["entry_risk"] == "resize"
    assert rows[0]["entry_risk_reasons"] == "trade_limit;lot_rounding"


def test_the_cli_exports_and_names_a_missing_run(stored: tuple[Path, str], tmp_path: Path) -> None:
    _, db = stored
    out = tmp_path / "sub" / "export.csv"
    done = trader("export", "trades", "--run", "r1", "--out", out, "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{len(csv_rows(out))} trade(s) of run r1: {out}"
    with (
        Store.open(db) as store,
        pytest.raises(StoreError, match=r"run 'r2': not in sqlite:///.*\(stored: r1\)"),
    ):
        export_trades(store, "r2", tmp_path / "x.csv")
