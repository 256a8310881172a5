"""Drawdowns of an equity curve: the deepest fall from a running peak and the longest time under one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

NANOS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class Drawdown:
    """Depth as a positive fraction of the peak (0.25 = 25 % below it) and the longest spell under water."""

    depth: float
    longest_bars: int
    """Bars from a peak to the first bar back at or above it (to the last bar if it never got back)."""
    longest_days: float
    """The same spell measured in calendar days, taken as the longest in time (it may be another spell)."""


def drawdown_series(equity: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 - equity / running peak at each bar: 0 at a new high, positive below it (peaks are positive)."""
    series: NDArray[np.float64] = 1.0 - equity / np.maximum.accumulate(equity)
    return series


def drawdown(ts: NDArray[np.int64], equity: NDArray[np.float64]) -> Drawdown:
    """Max drawdown depth and duration of a curve whose first value is positive."""
    peaks = np.maximum.accumulate(equity)
    under = equity < peaks
    if not under.any():
        return Drawdown(depth=0.0, longest_bars=0, longest_days=0.0)
    depth = float((1.0 - equity / peaks).max())
    # Runs of bars under water: each starts one bar after its peak and ends at the recovery bar.
    edges = np.diff(np.concatenate(([False], under, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # index of the first bar back above water, or len when never
    peak_at = starts - 1
    back_at = np.minimum(ends, equity.size - 1)
    bars = back_at - peak_at
    days = (ts[back_at] - ts[peak_at]) / NANOS_PER_DAY
    return Drawdown(depth=depth, longest_bars=int(bars.max()), longest_days=float(days.max()))
