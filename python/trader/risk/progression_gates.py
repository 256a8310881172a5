"""The promotion gates: a phase's record (round trips, equity, breaches, time) against its thresholds."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from trader.portfolio.trades import RoundTrip
from trader.risk.progression_config import PhaseGates

_ZERO = Decimal(0)
_SPREAD_FLOOR = 1e-12
"""A daily-return spread at or below this is a constant series: its Sharpe is undefined."""


@dataclass(frozen=True)
class GateReport:
    """Whether the gates pass; each failure is a sentence naming the gate, the value and the threshold."""

    passed: bool
    failures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WindowRecord:
    """What the record within one phase window measures (None where a statistic is undefined)."""

    trades: int
    win_rate: float | None
    profit_factor: Decimal | None
    """None with no trades; infinite-free: a record without losses has profit factor None and no_losses."""
    no_losses: bool
    max_drawdown: Decimal
    sharpe: float | None
    days: float


def measure(
    round_trips: Sequence[RoundTrip],
    equity: Sequence[tuple[datetime, Decimal]],
    since: datetime,
    now: datetime,
    days_per_year: int,
) -> WindowRecord:
    """The record of the window [since, now]: trades closed and equity marked inside it, nothing later."""
    trades = [t for t in round_trips if since <= t.exit_time <= now]
    wins = [t.pnl for t in trades if t.pnl > 0]
    losses = [-t.pnl for t in trades if t.pnl < 0]
    gross_win, gross_loss = sum(wins, _ZERO), sum(losses, _ZERO)
    profit_factor = gross_win / gross_loss if gross_loss > 0 else None
    points = sorted((at, value) for at, value in equity if since <= at <= now)
    return WindowRecord(
        trades=len(trades),
        win_rate=len(wins) / len(trades) if trades else None,
        profit_factor=profit_factor,
        no_losses=bool(trades) and gross_loss == 0,
        max_drawdown=_max_drawdown([value for _, value in points]),
        sharpe=_daily_sharpe(points, days_per_year),
        days=(now - since) / timedelta(days=1),
    )


def _max_drawdown(values: Sequence[Decimal]) -> Decimal:
    peak, deepest = _ZERO, _ZERO
    for value in values:
        peak = max(peak, value)
        if peak > 0:
            deepest = max(deepest, (peak - value) / peak)
    return deepest


def _daily_sharpe(points: Sequence[tuple[datetime, Decimal]], days_per_year: int) -> float | None:
    # The last mark of each UTC day; returns between consecutive marked days.
    closes: dict[object, Decimal] = {}
    for at, value in points:
        closes[at.date()] = value
    days = list(closes.values())
    returns = [float(b / a) - 1.0 for a, b in itertools.pairwise(days) if a > 0]
    if len(returns) < 2:
        return None
    spread = statistics.stdev(returns)
    if spread <= _SPREAD_FLOOR:
        return None
    return statistics.fmean(returns) / spread * math.sqrt(days_per_year)


def judge(record: WindowRecord, breaches: int, gates: PhaseGates) -> GateReport:
    """Every gate the record fails, as sentences; passed when there are none."""
    failures: list[str] = []
    if record.days < gates.min_days:
        failures.append(f"time in phase: {record.days:.1f} days is below the minimum {gates.min_days} days")
    if record.trades < gates.min_trades:
        failures.append(f"trades: {record.trades} closed is below the minimum {gates.min_trades}")
    if record.win_rate is None:
        failures.append(f"win rate: undefined without trades (minimum {gates.min_win_rate:.2%})")
    elif record.win_rate < gates.min_win_rate:
        failures.append(f"win rate: {record.win_rate:.2%} is below the minimum {gates.min_win_rate:.2%}")
    if record.profit_factor is None and not record.no_losses:
        failures.append(f"profit factor: undefined without trades (minimum {gates.min_profit_factor:g})")
    elif record.profit_factor is not None and record.profit_factor < Decimal(repr(gates.min_profit_factor)):
        failures.append(
            f"profit factor: {record.profit_factor:.3f} is below the minimum {gates.min_profit_factor:g}"
        )
    if record.max_drawdown > gates.max_drawdown:
        failures.append(
            f"max drawdown: {record.max_drawdown:.2%} exceeds the maximum {gates.max_drawdown:.2%}"
        )
    if record.sharpe is None:
        failures.append(
            f"Sharpe: undefined (needs two or more varying daily returns; minimum {gates.min_sharpe:g})"
        )
    elif record.sharpe < gates.min_sharpe:
        failures.append(f"Sharpe: {record.sharpe:.2f} is below the minimum {gates.min_sharpe:g}")
    if breaches > gates.max_breaches:
        failures.append(f"limit breaches: {breaches} in the phase exceeds the maximum {gates.max_breaches}")
    return GateReport(passed=not failures, failures=tuple(failures))
