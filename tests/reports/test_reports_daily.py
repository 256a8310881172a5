"""`trader report daily`: a day's trades, P&L and metrics, checked against the run's own CSV files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from daily_helpers import backtest_folder, csv_rows, trader
from pypdf import PdfReader
from typer.testing import CliRunner

from trader.cli import app
from trader.errors import TraderError
from trader.reports.daily import daily_report
from trader.reports.daily_pdf import as_pdf
from trader.reports.daily_render import as_csv, as_html, as_json
from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.run_data import from_folder
from trader.store.runs import save_run


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "backtest": backtest_folder(root / "backtest"),
        "paper": backtest_folder(root / "paper", fee_bps=5),  # the same strategy, paying fees
        "other": backtest_folder(root / "other", fast=12),  # other parameters: never the comparison
    }


@pytest.fixture(scope="module")
def db(folders: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    url = str(tmp_path_factory.mktemp("store") / "trader.db")
    with Store.open(url) as store:
        save_run(store, from_folder(folders["other"], run_id="other"))
        save_run(store, from_folder(folders["backtest"], run_id="bt"))
        save_run(store, from_folder(folders["paper"], run_id="paper", mode="paper"))
    return url


def _busy_day(folder: Path) -> date:
    """The exit date of a trade closed at a loss, so the figures have signs worth checking."""
    losing = [r for r in csv_rows(folder / "trades.csv") if r["pnl"].startswith("-")]
    return date.fromisoformat(losing[3]["exit_time"][:10])


def _expected(folder: Path, day: date) -> dict[str, object]:
    """The day's figures computed from trades.csv and equity.csv, independently of the store."""
    text = day.isoformat()
    trades = [r for r in csv_rows(folder / "trades.csv") if r["exit_time"][:10] == text]
    curve = csv_rows(folder / "equity.csv")
    before = [Decimal(r["equity"]) for r in curve if r["timestamp"][:10] < text]
    upto = [Decimal(r["equity"]) for r in curve if r["timestamp"][:10] <= text]
    return {
        "trades": trades,
        "start": before[-1],
        "end": upto[-1],
        "realised": sum((Decimal(t["pnl"]) for t in trades), Decimal(0)),
    }


def test_json_holds_the_days_trades_pnl_and_metrics(folders: dict[str, Path], db: str) -> None:
    day = _busy_day(folders["paper"])
    expected = _expected(folders["paper"], day)
    with Store.open(db) as store:
        doc = json.loads(as_json(daily_report(store, day)))
    assert doc["date"] == day.isoformat()
    assert doc["run"]["run_id"] == "paper"  # paper and live runs come before backtests by default
    assert Decimal(doc["pnl"]["start_equity"]) == expected["start"]
    assert Decimal(doc["pnl"]["end_equity"]) == expected["end"]
    assert Decimal(doc["pnl"]["pnl"]) == expected["end"] - expected["start"]  # type: ignore[operator]
    assert Decimal(doc["pnl"]["realised_pnl"]) == expected["realised"] < 0
    trades = expected["trades"]
    assert isinstance(trades, list)
    assert [Decimal(t["pnl"]) for t in doc["trades"]] == [Decimal(t["pnl"]) for t in trades]
    assert doc["metrics"]["trades"] == len(trades) >= 1
    assert doc["metrics"]["losses"] == sum(1 for t in trades if t["pnl"].startswith("-"))
    assert Decimal(doc["pnl"]["fees"]) > 0  # the paper run pays 5 bps on the day's fills


def test_the_comparison_is_with_the_backtest_of_the_same_strategy_and_parameters(
    folders: dict[str, Path], db: str
) -> None:
    day = _busy_day(folders["paper"])
    paper, backtest = _expected(folders["paper"], day), _expected(folders["backtest"], day)
    with Store.open(db) as store:
        comparison = daily_report(store, day).to_dict()["comparison"]
        own = daily_report(store, day, "other").to_dict()["comparison"]
    assert comparison["backtest_run"] == "bt"  # not "other": its parameters differ
    assert Decimal(comparison["backtest_realised_pnl"]) == backtest["realised"]
    assert Decimal(comparison["realised_difference"]) == paper["realised"] - backtest["realised"]  # type: ignore[operator]
    assert Decimal(comparison["realised_difference"]) < 0  # the fees the paper run paid
    assert own is None  # no other backtest with fast=12 is stored


def test_csv_is_one_row_per_trade_closed_that_day(folders: dict[str, Path], db: str) -> None:
    day = _busy_day(folders["paper"])
    expected = _expected(folders["paper"], day)["trades"]
    with Store.open(db) as store:
        text = as_csv(daily_report(store, day, "paper"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert isinstance(expected, list)
    assert [(r["date"], r["run_id"]) for r in rows] == [(day.isoformat(), "paper")] * len(expected)
    assert [r["exit_order"] for r in rows] == [t["exit_order"] for t in expected]
    assert [r["pnl"] for r in rows] == [t["pnl"] for t in expected]


def test_html_is_one_self_contained_page_with_the_figures(folders: dict[str, Path], db: str) -> None:
    day = _busy_day(folders["paper"])
    with Store.open(db) as store:
        report = daily_report(store, day, "paper")
    page = as_html(report)
    doc = report.to_dict()
    assert page.startswith("<!DOCTYPE html>")
    for needle in ("<script", "<link", "src=", "http://", "https://", "@import"):
        assert needle not in page
    sign = ' class="neg"' if doc["pnl"]["pnl"].startswith("-") else ""
    assert f"<td>Day P&amp;L</td><td{sign}>{doc['pnl']['pnl']}</td>" in page
    assert doc["trades"][0]["exit_order"] in page
    assert "backtest run bt" in page


def test_the_pdf_opens_and_its_text_carries_the_figures(folders: dict[str, Path], db: str) -> None:
    day = _busy_day(folders["paper"])
    with Store.open(db) as store:
        report = daily_report(store, day, "paper")
    doc = report.to_dict()
    pdf = as_pdf(report)
    assert pdf.startswith(b"%PDF-")
    assert as_pdf(report) == pdf  # no timestamps inside: the same report, the same bytes
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Daily report {day.isoformat()}: ema_cross (paper run paper)" in text
    for figure in (doc["pnl"]["start_equity"], doc["pnl"]["end_equity"], doc["pnl"]["pnl"]):
        assert figure in text
    assert doc["pnl"]["realised_pnl"] in text
    assert doc["trades"][0]["exit_order"] in text
    assert doc["comparison"]["realised_difference"] in text
    assert "backtest run bt" in text


def test_a_date_no_run_covers_is_refused(db: str) -> None:
    with Store.open(db) as store:
        with pytest.raises(StoreError, match=r"--date 1990-01-01: no stored run covers this date"):
            daily_report(store, date(1990, 1, 1))
        with pytest.raises(StoreError, match=r"--date 1990-01-01: run bt covers 1998-01-02 \.\. 2021-03-31"):
            daily_report(store, date(1990, 1, 1), "bt")


def test_the_cli_writes_each_format_and_refuses_bad_options(
    folders: dict[str, Path], db: str, tmp_path: Path
) -> None:
    day = _busy_day(folders["paper"]).isoformat()
    pdf = tmp_path / "day.pdf"
    made = trader("report", "daily", "--date", day, "--format", "pdf", "--db", db, "--out", pdf)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"daily report of run paper for {day}: {pdf}"
    assert PdfReader(pdf).pages[0].extract_text().startswith(f"Daily report {day}")
    # The rest in-process (the console script's start-up is the slow part of a CLI test).
    shown = CliRunner().invoke(
        app, ["report", "daily", "--date", day, "--format", "json", "--db", db, "--run", "bt", "--out", "-"]
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["run"]["run_id"] == "bt"
    bad_date = CliRunner().invoke(app, ["report", "daily", "--date", "2020-13-01", "--db", db])
    assert isinstance(bad_date.exception, TraderError)
    assert str(bad_date.exception) == "--date '2020-13-01': expected YYYY-MM-DD"
    bad_format = CliRunner().invoke(app, ["report", "daily", "--date", day, "--format", "xls", "--db", db])
    assert isinstance(bad_format.exception, TraderError)
    assert str(bad_format.exception) == "--format 'xls': expected one of html, pdf, json, csv"
