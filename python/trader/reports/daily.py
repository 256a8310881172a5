"""The daily performance report: a run's trades, P&L and metrics on one UTC date, against its backtest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from trader.store.database import Store
from trader.store.errors import StoreError
from trader.store.run_data import RunData
from trader.store.runs import list_runs, load_run

_ZERO = Decimal(0)
# Non-backtest runs first when no run is named: the daily report is mainly about paper and live trading.
_MODE_RANK = {"live": 0, "paper": 1, "backtest": 2}


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One run's numbers for the day: equity at the previous close and at this day's last mark, trades."""

    run_id: str
    start_equity: Decimal
    end_equity: Decimal
    trades: list[dict[str, Any]]
    fills: list[dict[str, Any]]

    @property
    def pnl(self) -> Decimal:
        """Change of equity over the day (marked P&L, after fees)."""
        return self.end_equity - self.start_equity

    @property
    def day_return(self) -> float | None:
        """P&L as a fraction of the starting equity (None when that is not positive)."""
        return float(self.pnl / self.start_equity) if self.start_equity > 0 else None

    @property
    def realised(self) -> Decimal:
        """Net P&L of the round trips closed on the day."""
        return sum((t["pnl"] for t in self.trades), _ZERO)

    @property
    def fees(self) -> Decimal:
        """Fees of the day's fills."""
        return sum((f["fee"] for f in self.fills), _ZERO)

    def metrics(self) -> dict[str, Any]:
        """Trade statistics of the day: counts, win rate, profit factor, best and worst trade."""
        pnls = [t["pnl"] for t in self.trades]
        wins = [p for p in pnls if p > 0]
        losses = [p for p in pnls if p < 0]
        gross_loss = -sum(losses, _ZERO)
        return {
            "trades": len(pnls),
            "wins": len(wins),
            "losses": len(losses),
            "win_rate": None if not pnls else len(wins) / len(pnls),
            "profit_factor": None if gross_loss == 0 else float(sum(wins, _ZERO) / gross_loss),
            "best_trade": max(pnls) if pnls else None,
            "worst_trade": min(pnls) if pnls else None,
            "fills": len(self.fills),
        }


@dataclass(frozen=True, slots=True)
class DailyReport:
    """The report of `run` on `day`, and the same day of the matching backtest when one is stored."""

    day: date
    run: dict[str, Any]
    figures: DayFigures
    backtest: DayFigures | None

    def comparison(self) -> dict[str, Any] | None:
        """This run minus the backtest: P&L, realised P&L and trade count (None without a backtest)."""
        if self.backtest is None:
            return None
        ours, theirs = self.figures, self.backtest
        return {
            "backtest_run": theirs.run_id,
            "backtest_pnl": theirs.pnl,
            "backtest_realised_pnl": theirs.realised,
            "backtest_trades": len(theirs.trades),
            "pnl_difference": ours.pnl - theirs.pnl,
            "realised_difference": ours.realised - theirs.realised,
            "trades_difference": len(ours.trades) - len(theirs.trades),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: decimals as exact text, ratios as floats."""
        f = self.figures
        document = {
            "date": self.day.isoformat(),
            "run": {
                "run_id": self.run["run_id"],
                "mode": self.run["mode"],
                "strategy": self.run["strategy_id"],
                "params": json.loads(self.run["params"]),
                "symbols": json.loads(self.run["symbols"]),
            },
            "pnl": {
                "start_equity": f.start_equity,
                "end_equity": f.end_equity,
                "pnl": f.pnl,
                "return": f.day_return,
                "realised_pnl": f.realised,
                "fees": f.fees,
            },
            "metrics": f.metrics(),
            "trades": f.trades,
            "comparison": self.comparison(),
        }
        plain: dict[str, Any] = _plain(document)
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _covers(run: dict[str, Any], day: date) -> bool:
    return str(run["start_ts"][:10]) <= day.isoformat() <= str(run["end_ts"][:10])


def _day_figures(data: RunData, day: date) -> DayFigures:
    """Equity at the last mark before `day` (the starting cash before the first) and at its last mark."""
    lo, hi = day.isoformat(), (day + timedelta(days=1)).isoformat()
    start = end = data.run["starting_cash"]
    for row in data.equity:  # in time order
        if row["ts"] >= hi:
            break
        if row["ts"] < lo:
            start = Decimal(row["equity"])
        end = Decimal(row["equity"])
    trades = [t for t in data.trades if lo <= t["exit_time"] < hi]
    fills = [f for f in data.fills if lo <= f["ts"] < hi]
    return DayFigures(data.run_id, start, end, trades, fills)


def pick_run(store: Store, day: date, run_id: str | None) -> str:
    """The named run, else the stored run covering `day`: live before paper before backtest, latest end."""
    if run_id is not None:
        return run_id
    covering = [run for run in list_runs(store) if _covers(run, day)]
    if not covering:
        raise StoreError(
            f"--date {day}: no stored run covers this date in {store.display_url}; pass --run ID"
        )
    # Stable sorts, least significant key first: latest end first, then by mode.
    covering.sort(key=lambda run: (run["end_ts"], run["run_id"]), reverse=True)
    covering.sort(key=lambda run: _MODE_RANK.get(run["mode"], len(_MODE_RANK)))
    return str(covering[0]["run_id"])


def matching_backtest(store: Store, run: dict[str, Any], day: date) -> str | None:
    """Another stored backtest of the same strategy and parameters that covers `day` (the latest id)."""
    found = [
        str(other["run_id"])
        for other in list_runs(store)
        if other["mode"] == "backtest"
        and other["run_id"] != run["run_id"]
        and other["strategy_id"] == run["strategy_id"]
        and other["params"] == run["params"]
        and _covers(other, day)
    ]
    return max(found, default=None)


def daily_report(store: Store, day: date, run_id: str | None = None) -> DailyReport:
    """Build the report of `day` for the named run (or the run `pick_run` chooses)."""
    data = load_run(store, pick_run(store, day, run_id))
    if not _covers(data.run, day):
        raise StoreError(
            f"--date {day}: run {data.run_id} covers {data.run['start_ts'][:10]} .. {data.run['end_ts'][:10]}"
        )
    other = matching_backtest(store, data.run, day)
    backtest = None if other is None else _day_figures(load_run(store, other), day)
    return DailyReport(day, data.run, _day_figures(data, day), backtest)
