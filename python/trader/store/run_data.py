"""One run as rows for every table, gathered from a backtest's --out folder or from its result objects."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trader.portfolio import Portfolio, RoundTrip
from trader.store.errors import StoreError
from trader.store.instants import instant_text, ns_text
from trader.store.journal_rows import JournalRows, canonical_json, journal_rows, rebuild_portfolio

if TYPE_CHECKING:
    from trader.engine.backtest import BacktestResult

MODES = ("backtest", "paper", "live")
_TRADE_DECIMALS = ("qty", "entry_price", "exit_price", "gross_pnl", "fees", "pnl", "holding_seconds")
_TRADE_COLUMNS = (
    "symbol", "direction", *_TRADE_DECIMALS,
    "entry_time", "exit_time", "r_multiple", "entry_order", "exit_order",
)  # fmt: skip
_EQUITY_COLUMNS = ("timestamp", "equity", "gross_exposure", "net_exposure")
_SUMMARY_FIELDS = {
    "run": ("config",),
    "metrics": ("start", "end"),
    "final": ("equity", "cash", "fees", "realised_pnl", "positions"),
}


@dataclass(frozen=True, slots=True)
class RunData:
    """Every row of one run, keyed by table name; `run` is the single `runs` row."""

    run: dict[str, Any]
    orders: list[dict[str, Any]]
    fills: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    position_snapshots: list[dict[str, Any]]
    trades: list[dict[str, Any]]
    equity: list[dict[str, Any]]
    metrics: list[dict[str, Any]]

    @property
    def run_id(self) -> str:
        """The run's key."""
        return str(self.run["run_id"])


def _exact(text: object, where: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise StoreError(f"{where}: not a decimal number (got {text!r})") from None
    if not value.is_finite():
        raise StoreError(f"{where}: not a finite number (got {text!r})")
    return value


def _trade_row(idx: int, row: Mapping[str, str], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"idx": idx, "symbol": row["symbol"], "direction": row["direction"]}
    for name in _TRADE_DECIMALS:
        out[name] = _exact(row[name], f"{where}: field {name!r}")
    out["entry_time"] = instant_text(row["entry_time"], f"{where}: field 'entry_time'")
    out["exit_time"] = instant_text(row["exit_time"], f"{where}: field 'exit_time'")
    out["r_multiple"] = row["r_multiple"] or None
    out["entry_order"], out["exit_order"] = row["entry_order"], row["exit_order"]
    return out


def _books(held: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{s}={q:f}" for s, q in sorted(held.items()) if q) or "flat"


def _cross_check(summary_final: Mapping[str, Any], portfolio: Portfolio, where: str) -> None:
    """The summary's final books must be what the journal's fills give: else the files are not one run."""
    held = {s: _exact(q, f"{where}: final.positions.{s}") for s, q in summary_final["positions"].items()}
    replayed = {s: portfolio.position_qty(s) for s in portfolio.symbols}
    if {s: q for s, q in held.items() if q} != replayed:
        raise StoreError(
            f"{where}: final.positions {_books(held)} differ from the journal's fills, which give "
            f"{_books(replayed)}"
        )
    for name, value in (
        ("cash", portfolio.cash),
        ("fees", portfolio.fees),
        ("realised_pnl", portfolio.realised_pnl),
    ):
        stated = _exact(summary_final[name], f"{where}: final.{name}")
        if stated != value:
            raise StoreError(f"{where}: final.{name} is {stated:f} but the journal's fills give {value:f}")


def _assemble(
    *,
    journal: JournalRows,
    summary: Mapping[str, Any],
    trades: Iterable[dict[str, Any]],
    equity: Iterable[dict[str, Any]],
    run_id: str | None,
    mode: str,
    where: str,
) -> RunData:
    if mode not in MODES:
        raise StoreError(f"mode: must be one of {', '.join(MODES)} (got {mode!r})")
    for section, fields in _SUMMARY_FIELDS.items():
        for name in fields:
            if not isinstance(summary.get(section), dict) or name not in summary[section]:
                raise StoreError(f"{where}: missing field '{section}.{name}'")
    run, metrics, final = summary["run"], summary["metrics"], summary["final"]
    config = run.get("config") or journal.start.get("config") or {}
    end_ts = instant_text(str(metrics["end"]), f"{where}: metrics.end")
    starting = _exact(config.get("starting_cash"), f"{where}: run.config.starting_cash")
    seqs = [fill["seq"] for fill in journal.fills]
    portfolio, snapshots = rebuild_portfolio(starting, journal.fill_models, seqs)
    _cross_check(final, portfolio, where)
    row = {
        "run_id": run_id or journal.head_hash[:16],
        "mode": mode,
        "strategy": str(run.get("strategy") or journal.start.get("strategy")),
        "strategy_id": str(run.get("strategy_id") or journal.start.get("strategy")),
        "params": canonical_json(run.get("params", journal.start.get("params", {}))),
        "symbols": canonical_json(run.get("symbols", journal.start.get("symbols", []))),
        "config": canonical_json(config),
        "start_ts": instant_text(str(metrics["start"]), f"{where}: metrics.start"),
        "end_ts": end_ts,
        "starting_cash": starting,
        "final_equity": _exact(final["equity"], f"{where}: final.equity"),
        "cash": _exact(final["cash"], f"{where}: final.cash"),
        "fees": _exact(final["fees"], f"{where}: final.fees"),
        "realised_pnl": _exact(final["realised_pnl"], f"{where}: final.realised_pnl"),
        "journal_head_seq": journal.head_seq,
        "journal_head_hash": journal.head_hash,
    }
    return RunData(
        run=row,
        orders=journal.orders,
        fills=[{**f, "ts": instant_text(f["ts"], "fill.timestamp")} for f in journal.fills],
        decisions=journal.decisions,
        position_snapshots=snapshots,
        trades=list(trades),
        equity=list(equity),
        metrics=[{"name": k, "value": canonical_json(metrics[k])} for k in sorted(metrics)],
    )


def _read_csv(path: Path, columns: Iterable[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise StoreError(f"{path}: not found (is this a backtest --out folder?)")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise StoreError(f"{path}:1: missing column {missing[0]!r}")
        return list(reader)


def from_folder(folder: Path, *, run_id: str | None = None, mode: str = "backtest") -> RunData:
    """Gather a run from its --out folder: summary.json, trades.csv, equity.csv and journal.jsonl."""
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise StoreError(f"{summary_path}: not found (is this a backtest --out folder?)")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StoreError(f"{summary_path}: not valid JSON ({exc})") from None
    journal = journal_rows(folder / "journal.jsonl")
    trades_path, equity_path = folder / "trades.csv", folder / "equity.csv"
    trades = [
        _trade_row(i, row, f"{trades_path}:{i + 2}")
        for i, row in enumerate(_read_csv(trades_path, _TRADE_COLUMNS))
    ]
    equity = [
        {
            "idx": i,
            "ts": instant_text(row["timestamp"], f"{equity_path}:{i + 2}: field 'timestamp'"),
            "equity": row["equity"],
            "gross_exposure": row["gross_exposure"],
            "net_exposure": row["net_exposure"],
        }
        for i, row in enumerate(_read_csv(equity_path, _EQUITY_COLUMNS))
    ]
    return _assemble(
        journal=journal,
        summary=summary,
        trades=trades,
        equity=equity,
        run_id=run_id,
        mode=mode,
        where=str(summary_path),
    )


def from_result(
    result: BacktestResult,
    run: Mapping[str, object],
    journal_path: Path,
    *,
    run_id: str | None = None,
    mode: str = "backtest",
) -> RunData:
    """Gather a run from the engine's result objects (as `trader backtest` has them) and its journal."""
    # The same document `trader backtest` writes as summary.json, so both sources give the same rows.
    from trader.engine.results import summary as run_summary

    summary = run_summary(result, run)
    trades = trade_rows(result.trades)
    curve = result.curve
    equity = [
        {"idx": i, "ts": ns_text(ts), "equity": repr(e), "gross_exposure": repr(g), "net_exposure": repr(n)}
        for i, (ts, e, g, n) in enumerate(
            zip(
                curve.ts.tolist(),
                curve.equity.tolist(),
                curve.gross_exposure.tolist(),
                curve.net_exposure.tolist(),
                strict=True,
            )
        )
    ]
    return _assemble(
        journal=journal_rows(journal_path),
        summary=summary,
        trades=trades,
        equity=equity,
        run_id=run_id,
        mode=mode,
        where="the backtest result",
    )


def trade_rows(trades: Sequence[RoundTrip]) -> list[dict[str, Any]]:
    """The `trades` table's rows of round trips (as a trades.csv row reads back: exact decimals, instants)."""
    return [_trade_row(i, trade.to_row(), f"trade {i}") for i, trade in enumerate(trades)]
