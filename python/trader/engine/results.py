"""Writing a run's outputs: summary.json, trades.csv, equity.csv (journal.jsonl is written during the run)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trader.engine.backtest import BacktestResult

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

TRADE_FIELDS = (
    "symbol",
    "direction",
    "qty",
    "entry_time",
    "entry_price",
    "exit_time",
    "exit_price",
    "gross_pnl",
    "fees",
    "pnl",
    "holding_seconds",
    "r_multiple",
    "entry_order",
    "exit_order",
)
EQUITY_FIELDS = ("timestamp", "equity", "gross_exposure", "net_exposure")


@dataclass(frozen=True, slots=True)
class OutputFiles:
    """Where a run's outputs went."""

    folder: Path
    summary: Path
    trades: Path
    equity: Path
    journal: Path
    report: Path


def output_files(folder: Path) -> OutputFiles:
    """The output paths inside `folder`."""
    return OutputFiles(
        folder,
        folder / "summary.json",
        folder / "trades.csv",
        folder / "equity.csv",
        folder / "journal.jsonl",
        folder / "report.html",
    )


def iso_time(ns: int) -> str:
    """A stamp in ns UTC as ISO-8601 text with a `Z` (whole microseconds)."""
    return (_EPOCH + timedelta(microseconds=ns // 1_000)).isoformat().replace("+00:00", "Z")


def summary(result: BacktestResult, run: Mapping[str, object]) -> dict[str, object]:
    """The summary document: the run's configuration, its metrics, and the exact final books."""
    portfolio = result.portfolio
    return {
        "run": dict(run),
        "metrics": result.metrics.to_dict(),
        "final": {
            "equity": format(portfolio.equity(), "f"),
            "cash": format(portfolio.cash, "f"),
            "fees": format(portfolio.fees, "f"),
            "realised_pnl": format(portfolio.realised_pnl, "f"),
            "positions": {s: format(portfolio.position_qty(s), "f") for s in portfolio.symbols},
            "orders": len(result.decisions),
            "fills": len(portfolio.effects),
        },
    }


def write_outputs(result: BacktestResult, files: OutputFiles, run: Mapping[str, object]) -> dict[str, object]:
    """Write summary.json, trades.csv and equity.csv: fixed field order, `\\n` line ends, byte-stable.

    Returns the summary document written.
    """
    document = summary(result, run)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    files.summary.write_text(text, encoding="utf-8")
    with files.trades.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRADE_FIELDS, lineterminator="\n")
        writer.writeheader()
        for trade in result.trades:
            writer.writerow(trade.to_row())
    curve = result.curve
    with files.equity.open("w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle, lineterminator="\n")
        rows.writerow(EQUITY_FIELDS)
        # repr: the shortest text that reads back as the same float (exact and reproducible).
        for ts, equity, gross, net in zip(
            curve.ts.tolist(),
            curve.equity.tolist(),
            curve.gross_exposure.tolist(),
            curve.net_exposure.tolist(),
            strict=True,
        ):
            rows.writerow((iso_time(ts), repr(equity), repr(gross), repr(net)))
    return document
