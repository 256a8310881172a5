"""The self-contained `report.html` of a backtest or walk-forward: plotly inlined, no network to view it."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray
from plotly.offline import get_plotlyjs

from trader.data import Bars
from trader.engine.backtest import BacktestResult
from trader.engine.broker import Refusal
from trader.engine.results import iso_time
from trader.engine.walkforward import WalkForwardResult
from trader.engine.walkforward_outputs import WINDOW_FIELDS
from trader.portfolio import RoundTrip
from trader.portfolio.fill_effects import FillEffect
from trader.reports.backtest_figures import (
    drawdown_figure,
    equity_figure,
    monthly_figure,
    price_figure,
    trades_figure,
)

_LABELS = {
    "total_return": ("Total return", "pct"),
    "cagr": ("CAGR", "pct"),
    "volatility": ("Volatility (annual)", "pct"),
    "sharpe": ("Sharpe", "num"),
    "sortino": ("Sortino", "num"),
    "max_drawdown": ("Max drawdown", "pct"),
    "calmar": ("Calmar", "num"),
    "exposure_time": ("Time in market", "pct"),
    "win_rate": ("Win rate", "pct"),
    "profit_factor": ("Profit factor", "num"),
    "expectancy": ("Expectancy", "num"),
    "avg_r": ("Average R", "num"),
    "sqn": ("SQN", "num"),
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#222}
h1{font-size:1.5em;margin-bottom:0}.sub{color:#666;margin-top:4px}
table{border-collapse:collapse;margin:8px 0 24px}
th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
td.value,td.raw{text-align:right;font-variant-numeric:tabular-nums}td.raw{color:#888;font-size:.85em}
section{margin-bottom:16px}.none{color:#666}
"""


@dataclass(frozen=True, slots=True)
class ExtraTable:
    """A plain table shown after the metrics (e.g. walk-forward windows)."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    table_id: str = "extra"


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows; `metrics` is exactly the `metrics` object written to summary.json."""

    title: str
    subtitle: str
    metrics: Mapping[str, object]
    ts: NDArray[np.int64]
    equity: NDArray[np.float64]
    trades: Sequence[RoundTrip] = ()
    fills: Sequence[FillEffect] = ()
    bars: Sequence[Bars] = ()
    refusals: Sequence[Refusal] = ()
    final: Mapping[str, object] = field(default_factory=dict)
    tables: Sequence[ExtraTable] = ()


def raw_text(value: object) -> str:
    """How a summary.json value reads in the report's raw column: its JSON text (the same characters)."""
    return json.dumps(value)


def _human(value: object, how: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.2%}" if how == "pct" else f"{value:,.2f}"
    return str(value)


def _metrics_table(metrics: Mapping[str, object], final: Mapping[str, object]) -> str:
    rows = []
    for key, value in metrics.items():
        label, how = _LABELS.get(key, (key.replace("_", " ").capitalize(), "num"))
        rows.append(
            f'<tr data-metric="{html.escape(key)}"><th>{html.escape(label)}</th>'
            f'<td class="value">{html.escape(_human(value, how))}</td>'
            f'<td class="raw">{html.escape(raw_text(value))}</td></tr>'
        )
    for key, value in final.items():
        if isinstance(value, str | int):
            rows.append(
                f'<tr data-final="{html.escape(key)}"><th>Final {html.escape(key.replace("_", " "))}</th>'
                f'<td class="value">{html.escape(str(value))}</td><td class="raw"></td></tr>'
            )
    return '<table id="metrics">' + "".join(rows) + "</table>"


def _plain_table(table: ExtraTable) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return f'<table id="{html.escape(table.table_id)}"><tr>{head}</tr>{body}</table>'


def _refusals_table(refusals: Sequence[Refusal]) -> str:
    if not refusals:
        return '<p class="none" id="refusals-none">No decision was refused.</p>'
    header = "<tr><th>time</th><th>order</th><th>symbol</th><th>side</th><th>qty</th><th>by</th>"
    header += "<th>reasons</th><th>message</th></tr>"
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(cell)}</td>"
            for cell in (
                iso_time(r.ts),
                r.client_order_id,
                r.symbol,
                r.side,
                r.qty,
                r.by,
                ", ".join(r.reasons),
                r.message,
            )
        )
        + "</tr>"
        for r in refusals
    )
    return f'<table id="refusals">{header}{rows}</table>'


def _plot(fig: go.Figure, div_id: str) -> str:
    # A fixed div id keeps the file byte-identical from run to run (plotly would otherwise draw a uuid).
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
    )


def render(data: ReportData) -> str:
    """The whole report as one HTML document (plotly.js inlined once, each figure as its own div)."""
    sections = [("Metrics", _metrics_table(data.metrics, data.final))]
    sections += [(table.title, _plain_table(table)) for table in data.tables]
    if data.bars:
        sections.append(("Price and fills", _plot(price_figure(data.bars, data.fills), "plot-price")))
    sections.append(("Equity", _plot(equity_figure(data.ts, data.equity), "plot-equity")))
    sections.append(("Drawdown", _plot(drawdown_figure(data.ts, data.equity), "plot-drawdown")))
    sections.append(("Monthly returns", _plot(monthly_figure(data.ts, data.equity), "plot-monthly")))
    sections.append(("Trades", _plot(trades_figure(data.trades), "plot-trades")))
    sections.append((f"Refused decisions ({len(data.refusals)})", _refusals_table(data.refusals)))
    body = "".join(
        f"<section><h2>{html.escape(title)}</h2>{content}</section>" for title, content in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(data.title)}</title><style>{_STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f'<h1>{html.escape(data.title)}</h1><p class="sub">{html.escape(data.subtitle)}</p>'
        f"{body}</body></html>\n"
    )


def backtest_report(
    result: BacktestResult, bars: Sequence[Bars], summary: Mapping[str, object], title: str
) -> ReportData:
    """The report of one backtest; `summary` is the summary.json document (its metrics are shown as-is)."""
    metrics = summary["metrics"]
    final = summary["final"]
    assert isinstance(metrics, Mapping)
    assert isinstance(final, Mapping)
    first, last = metrics.get("start"), metrics.get("end")
    return ReportData(
        title=title,
        subtitle=f"{first} .. {last}, {metrics.get('bars')} bars, {len(result.trades)} round trips",
        metrics=metrics,
        ts=result.curve.ts,
        equity=result.curve.equity,
        trades=result.trades,
        fills=result.portfolio.effects,
        bars=bars,
        refusals=result.refusals,
        final=final,
    )


def write_report(path: Path, data: ReportData) -> Path:
    """Write the report to `path` (UTF-8) and return the path."""
    path.write_text(render(data), encoding="utf-8")
    return path


def walkforward_report(
    result: WalkForwardResult, bars: Sequence[Bars], summary: Mapping[str, object], title: str
) -> ReportData:
    """The report of a walk-forward: the window table, then the stitched out-of-sample account."""
    metrics, final, windows = summary["metrics"], summary["final"], summary["windows"]
    assert isinstance(metrics, Mapping)
    assert isinstance(final, Mapping)
    assert isinstance(windows, list)
    first, last = int(result.ts[0]), int(result.ts[-1])
    shown = [part for part in (series.between(first, last + 1) for series in bars) if len(part)]
    header = list(WINDOW_FIELDS)
    rows = [[_cell(row[name]) for name in header] for row in windows]
    table = ExtraTable(f"Windows (chosen by in-sample {result.metric})", header, rows, "windows")
    return ReportData(
        title=title,
        subtitle=f"{len(windows)} windows, out-of-sample {metrics.get('start')} .. {metrics.get('end')}",
        metrics=metrics,
        ts=result.ts,
        equity=result.equity,
        trades=result.trades,
        fills=result.fills,
        bars=shown,
        refusals=result.refusals,
        final=final,
        tables=[table],
    )


def _cell(value: object) -> str:
    if isinstance(value, Mapping):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return "n/a" if value is None else str(value)
