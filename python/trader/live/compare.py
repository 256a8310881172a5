"""`trader compare`: a paper run against the backtest of the same period, trade by trade and in metrics."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from trader.errors import DataError
from trader.journal import JournalKind, read_records
from trader.live.errors import DaemonError
from trader.models import Fill
from trader.portfolio import Portfolio, compute_metrics

METRICS = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "trades", "win_rate", "profit_factor")


def _fills(journal: Path) -> list[Fill]:
    if not journal.exists():
        raise DataError("journal not found", path=journal)
    return [Fill.model_validate(r.payload) for r in read_records(journal) if r.kind is JournalKind.FILL]


def _curve(path: Path) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.float64]]]:
    if not path.exists():
        raise DataError("equity curve not found", path=path)
    stamps: dict[int, float] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
            stamps[int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000] = float(row["equity"])
    ts = np.array(sorted(stamps), dtype=np.int64)  # a bar marked again after a restart counts once
    return ts, np.array([stamps[t] for t in ts.tolist()], dtype=np.float64)


def compare_runs(paper: Path, backtest: Path) -> dict[str, Any]:
    """Divergence per trade (matched by client order id) in the common period, and the metrics of both."""
    summary_path = backtest / "summary.json"
    if not summary_path.exists():
        raise DaemonError(f"--backtest {backtest}: no summary.json (run `trader backtest --out {backtest}`)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    paper_ts, paper_equity = _curve(paper / "equity.csv")
    back_ts, _ = _curve(backtest / "equity.csv")
    if paper_ts.size == 0:
        raise DaemonError(f"--paper {paper}: the paper run marked no bar yet")
    start, end = max(int(paper_ts[0]), int(back_ts[0])), min(int(paper_ts[-1]), int(back_ts[-1]))
    strategy_id = summary["run"]["strategy_id"]

    def within(fills: list[Fill]) -> dict[str, list[Fill]]:
        grouped: dict[str, list[Fill]] = {}
        for f in fills:
            stamp = int(f.timestamp.timestamp()) * 1_000_000_000 + f.timestamp.microsecond * 1000
            if f.client_order_id.startswith(f"{strategy_id}-") and start <= stamp <= end:
                grouped.setdefault(f.client_order_id, []).append(f)
        return grouped

    paper_fills = _fills(paper / "journal")
    ours, theirs = within(paper_fills), within(_fills(backtest / "journal.jsonl"))
    rows: list[dict[str, Any]] = []
    for order_id in sorted(set(ours) | set(theirs), key=_order_key):
        a, b = ours.get(order_id), theirs.get(order_id)
        if a is None or b is None:
            present = a or b
            assert present is not None
            rows.append(
                {
                    "client_order_id": order_id,
                    "kind": "missing" if a is None else "extra",
                    "symbol": present[0].symbol,
                    "side": present[0].side.value,
                    "time": present[0].timestamp.isoformat(),
                }
            )
            continue
        qa, qb = sum((f.qty for f in a), Decimal(0)), sum((f.qty for f in b), Decimal(0))
        pa, pb = _vwap(a), _vwap(b)
        rows.append(
            {
                "client_order_id": order_id,
                "kind": "matched",
                "symbol": a[0].symbol,
                "side": a[0].side.value,
                "qty_paper": format(qa, "f"),
                "qty_backtest": format(qb, "f"),
                "price_paper": format(pa, "f"),
                "price_backtest": format(pb, "f"),
                "price_diff": format(pa - pb, "f"),
                "time_diff_s": (a[-1].timestamp - b[-1].timestamp).total_seconds(),
            }
        )
    ppy = float(summary["run"]["periods_per_year"])
    ledger = Portfolio(Decimal(summary["run"]["config"]["starting_cash"]))
    for f in sorted(paper_fills, key=lambda f: (f.timestamp, f.fill_id)):
        ledger.apply_fill(f)
    paper_metrics = compute_metrics(
        paper_ts, paper_equity, list(ledger.trades.closed), periods_per_year=ppy
    ).to_dict()
    diverging = [
        r
        for r in rows
        if r["kind"] != "matched"
        or Decimal(r["price_diff"]) != 0
        or r["time_diff_s"]
        or r["qty_paper"] != r["qty_backtest"]
    ]
    return {
        "period": {"start": _iso(start), "end": _iso(end)},
        "same_period": bool(paper_ts[0] == back_ts[0] and paper_ts[-1] == back_ts[-1]),
        "trades": rows,
        "divergent_trades": len(diverging),
        "metrics": {
            name: {"paper": paper_metrics.get(name), "backtest": summary["metrics"].get(name)}
            for name in METRICS
        },
    }


def _order_key(order_id: str) -> tuple[str, int]:
    head, _, tail = order_id.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (order_id, 0)


def _vwap(fills: list[Fill]) -> Decimal:
    qty = sum((f.qty for f in fills), Decimal(0))
    return sum((f.qty * f.price for f in fills), Decimal(0)) / qty


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat()


def render(result: dict[str, Any]) -> None:
    console = Console(soft_wrap=True)
    period = result["period"]
    console.print(
        f"common period {period['start']} .. {period['end']}"
        f"{'' if result['same_period'] else ' (the runs cover different periods: compared on the overlap)'}"
    )
    table = Table(title=f"Trades: {result['divergent_trades']} of {len(result['trades'])} diverge")
    for name in ("order", "kind", "side", "paper price", "backtest price", "diff", "time diff s"):
        table.add_column(name)
    for r in result["trades"]:
        if r["kind"] == "matched":
            table.add_row(
                r["client_order_id"],
                r["kind"],
                r["side"],
                r["price_paper"],
                r["price_backtest"],
                r["price_diff"],
                str(r["time_diff_s"]),
            )
        else:
            table.add_row(r["client_order_id"], r["kind"], r["side"], "", "", "", r["time"])
    console.print(table)
    metrics = Table(title="Metrics")
    for name in ("metric", "paper", "backtest"):
        metrics.add_column(name)
    for name, pair in result["metrics"].items():
        metrics.add_row(name, str(pair["paper"]), str(pair["backtest"]))
    console.print(metrics)
    console.print(
        f"{len(result['trades'])} trades compared, {result['divergent_trades']} diverge "
        f"(fill price, time, quantity, missing or extra)",
        highlight=False,
    )
