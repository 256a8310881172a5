"""Writing a walk-forward's outputs: summary.json (the window table), the stitched equity.csv, report.html."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

from trader.engine.results import iso_time
from trader.engine.walkforward import WalkForwardResult, Window
from trader.portfolio.metrics import SIGNIFICANT_DIGITS

WINDOW_FIELDS = (
    "window",
    "in_sample_first",
    "in_sample_last",
    "out_of_sample_first",
    "out_of_sample_last",
    "params",
    "in_sample_score",
    "start_equity",
    "final_equity",
    "oos_total_return",
    "oos_sharpe",
    "oos_max_drawdown",
    "oos_trades",
)


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def window_row(window: Window, stamps: list[int]) -> dict[str, object]:
    """One window's line of the table; `stamps` is the run's time axis (bar positions -> times)."""
    result, ins, oos = window.result, window.in_sample, window.out_of_sample
    metrics = result.metrics
    return {
        "window": window.index,
        "in_sample_first": iso_time(stamps[ins.first]),
        "in_sample_last": iso_time(stamps[ins.last]),
        "out_of_sample_first": iso_time(stamps[oos.first]),
        "out_of_sample_last": iso_time(stamps[oos.last]),
        "params": dict(window.params),
        "in_sample_score": _round(window.score),
        "start_equity": format(result.portfolio.starting_cash, "f"),
        "final_equity": format(result.final_equity, "f"),
        "oos_total_return": _round(metrics.total_return),
        "oos_sharpe": _round(metrics.sharpe),
        "oos_max_drawdown": _round(metrics.max_drawdown),
        "oos_trades": metrics.trades,
    }


def walkforward_summary(result: WalkForwardResult, run: Mapping[str, object]) -> dict[str, object]:
    """The summary document: the run, one row per window, metrics of the stitched out-of-sample equity."""
    stamps = result.axis.tolist()
    return {
        "run": dict(run),
        "windows": [window_row(w, stamps) for w in result.windows],
        "metrics": result.metrics.to_dict(),
        "final": {
            "equity": format(result.final_equity, "f"),
            "trades": len(result.trades),
            "fills": len(result.fills),
            "refusals": len(result.refusals),
        },
    }


def write_walkforward(
    result: WalkForwardResult, folder: Path, run: Mapping[str, object]
) -> dict[str, object]:
    """Write summary.json and the stitched equity.csv (timestamp, equity, window); returns the summary."""
    document = walkforward_summary(result, run)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (folder / "summary.json").write_text(text, encoding="utf-8")
    with (folder / "equity.csv").open("w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle, lineterminator="\n")
        rows.writerow(("timestamp", "equity", "window"))
        for ts, equity, window in zip(
            result.ts.tolist(), result.equity.tolist(), result.window_of.tolist(), strict=True
        ):
            rows.writerow((iso_time(ts), repr(equity), window))
    return document
