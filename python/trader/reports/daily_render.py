"""The daily report as JSON, CSV (trade by trade) and one self-contained HTML page."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Any

from trader.reports.daily import DailyReport

TRADE_COLUMNS = (
    "symbol", "direction", "qty", "entry_time", "entry_price", "exit_time", "exit_price",
    "gross_pnl", "fees", "pnl", "entry_order", "exit_order",
)  # fmt: skip

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2433}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem}
.muted{color:#667085}table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #e4e7ec;padding:.3rem .7rem;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f2f4f7}
.pos{color:#067647}.neg{color:#b42318}
"""


def as_json(report: DailyReport) -> str:
    """The whole report as indented JSON (exact decimals as strings)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def as_csv(report: DailyReport) -> str:
    """One row per round trip closed on the day, with the run id and date in front."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("date", "run_id", *TRADE_COLUMNS))
    for trade in report.to_dict()["trades"]:
        writer.writerow((report.day.isoformat(), report.run["run_id"], *(trade[c] for c in TRADE_COLUMNS)))
    return buffer.getvalue()


def _fmt(value: Any, how: str = "") -> str:
    if value is None:
        return "n/a"
    if how == "pct" and isinstance(value, float):
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def summary_rows(report: DailyReport) -> list[tuple[str, str]]:
    """(label, value) pairs of the P&L and metrics section, shared by the HTML and the PDF."""
    doc = report.to_dict()
    pnl, metrics = doc["pnl"], doc["metrics"]
    return [
        ("Start equity", pnl["start_equity"]),
        ("End equity", pnl["end_equity"]),
        ("Day P&L", pnl["pnl"]),
        ("Day return", _fmt(pnl["return"], "pct")),
        ("Realised P&L (closed trades)", pnl["realised_pnl"]),
        ("Fees", pnl["fees"]),
        ("Trades", str(metrics["trades"])),
        ("Wins / losses", f"{metrics['wins']} / {metrics['losses']}"),
        ("Win rate", _fmt(metrics["win_rate"], "pct")),
        ("Profit factor", _fmt(metrics["profit_factor"])),
        ("Best trade", _fmt(metrics["best_trade"])),
        ("Worst trade", _fmt(metrics["worst_trade"])),
        ("Fills", str(metrics["fills"])),
    ]


def comparison_rows(report: DailyReport) -> list[tuple[str, str, str, str]]:
    """(figure, this run, backtest, difference) rows; empty when no backtest is stored."""
    doc = report.to_dict()
    comparison = doc["comparison"]
    if comparison is None:
        return []
    pnl = doc["pnl"]
    return [
        ("Day P&L", pnl["pnl"], comparison["backtest_pnl"], comparison["pnl_difference"]),
        (
            "Realised P&L",
            pnl["realised_pnl"],
            comparison["backtest_realised_pnl"],
            comparison["realised_difference"],
        ),
        (
            "Trades",
            str(doc["metrics"]["trades"]),
            str(comparison["backtest_trades"]),
            str(comparison["trades_difference"]),
        ),
    ]


def title(report: DailyReport) -> str:
    """`Daily report 2020-03-16: ema_cross (paper run abc)`."""
    run = report.run
    return f"Daily report {report.day.isoformat()}: {run['strategy_id']} ({run['mode']} run {run['run_id']})"


def _table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td{_sign(v)}>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _sign(text: str) -> str:
    if text.startswith("-") and text[1:2].isdigit():
        return ' class="neg"'
    return ""


def as_html(report: DailyReport) -> str:
    """A single page with inline CSS and no external resource: opens offline, mails as one file."""
    doc = report.to_dict()
    comparison = comparison_rows(report)
    compare = (
        _table(("figure", "this run", "backtest", "difference"), comparison)
        + f'<p class="muted">backtest run {html.escape(doc["comparison"]["backtest_run"])}</p>'
        if comparison
        else '<p class="muted">no stored backtest of this strategy and period to compare with</p>'
    )
    trades = [tuple(str(t[c]) for c in TRADE_COLUMNS) for t in doc["trades"]]
    trade_table = (
        _table(TRADE_COLUMNS, trades) if trades else '<p class="muted">no trades closed on this day</p>'
    )
    params = html.escape(json.dumps(doc["run"]["params"], sort_keys=True))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title(report))}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title(report))}</h1>"
        f'<p class="muted">symbols {html.escape(", ".join(doc["run"]["symbols"]))}; parameters {params}</p>'
        f"<h2>P&amp;L and metrics</h2>{_table(('figure', 'value'), summary_rows(report))}"
        f"<h2>Against the backtest</h2>{compare}"
        f"<h2>Trades</h2>{trade_table}"
        "</body></html>\n"
    )
