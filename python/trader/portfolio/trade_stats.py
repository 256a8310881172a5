"""Statistics of round-trip trades: win rate, profit factor, expectancy, average R, holding time, SQN."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trader.portfolio.trades import RoundTrip

ZERO_SPREAD = 1e-12
"""A standard deviation at or below this counts as zero (float noise of a constant series)."""

_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class TradeStats:
    """See docs/metrics.md for each formula and the value each takes when it is undefined (None)."""

    trades: int
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    avg_r: float | None
    avg_holding_days: float | None
    sqn: float | None


def trade_stats(trades: Sequence[RoundTrip]) -> TradeStats:
    """Trade statistics on net P&L (after fees); None where a statistic is undefined."""
    count = len(trades)
    if count == 0:
        return TradeStats(0, None, None, None, None, None, None)
    pnl = np.array([float(trade.pnl) for trade in trades], dtype=np.float64)
    gross_profit = float(pnl[pnl > 0].sum())
    gross_loss = float(-pnl[pnl < 0].sum())
    r_known = [r for r in (trade.r_multiple for trade in trades) if r is not None]
    held = np.array([trade.holding.total_seconds() for trade in trades], dtype=np.float64)
    return TradeStats(
        trades=count,
        win_rate=float(np.count_nonzero(pnl > 0)) / count,
        profit_factor=gross_profit / gross_loss if gross_loss > 0 else None,
        expectancy=float(pnl.mean()),
        avg_r=float(np.mean(r_known)) if r_known else None,
        avg_holding_days=float(held.mean()) / _SECONDS_PER_DAY,
        sqn=_sqn(pnl),
    )


def _sqn(pnl: np.ndarray[tuple[int], np.dtype[np.float64]]) -> float | None:
    # Van Tharp's system quality number on net P&L per trade: sqrt(N) x mean / sample std.
    if pnl.size < 2:
        return None
    spread = float(pnl.std(ddof=1))
    if spread <= ZERO_SPREAD:
        return None
    return math.sqrt(pnl.size) * float(pnl.mean()) / spread
