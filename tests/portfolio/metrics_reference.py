"""Reference implementations of the metrics, written as plain loops by their textbook definitions."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from trader.portfolio import RoundTrip

NANOS_PER_DAY = 86_400 * 10**9


def curve_reference(ts: Sequence[int], equity: Sequence[float], per_year: int) -> dict[str, float | None]:
    """The curve metrics by their textbook definitions, one element at a time (no numpy)."""
    n = len(equity)
    returns = [equity[i] / equity[i - 1] - 1 for i in range(1, n)]
    mean = math.fsum(returns) / len(returns)
    stdev = statistics.stdev(returns)
    downside = math.sqrt(math.fsum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    peak, peak_at, under = equity[0], 0, False
    depth, longest_bars, longest_days = 0.0, 0, 0.0
    for i, value in enumerate(equity):
        if value >= peak:
            if under:  # back at the peak: the spell ends here
                longest_bars = max(longest_bars, i - peak_at)
                longest_days = max(longest_days, (ts[i] - ts[peak_at]) / NANOS_PER_DAY)
                under = False
            peak, peak_at = value, i
        else:
            under = True
            depth = max(depth, 1 - value / peak)
    if under:  # still under water at the end: the spell lasts to the last bar
        longest_bars = max(longest_bars, n - 1 - peak_at)
        longest_days = max(longest_days, (ts[-1] - ts[peak_at]) / NANOS_PER_DAY)
    try:
        cagr: float | None = (equity[-1] / equity[0]) ** (per_year / (n - 1)) - 1
    except OverflowError:
        cagr = None
    return {
        "total_return": equity[-1] / equity[0] - 1,
        "cagr": cagr,
        "volatility": stdev * math.sqrt(per_year),
        "sharpe": mean / stdev * math.sqrt(per_year),
        "sortino": mean / downside * math.sqrt(per_year),
        "max_drawdown": depth,
        "max_drawdown_bars": longest_bars,
        "max_drawdown_days": longest_days,
        "calmar": None if cagr is None else cagr / depth,
    }


def trade_reference(trades: Sequence[RoundTrip]) -> dict[str, float]:
    """The trade metrics by their textbook definitions."""
    pnl = [float(t.pnl) for t in trades]
    wins = [p for p in pnl if p > 0]
    losses = [p for p in pnl if p < 0]
    return {
        "trades": len(pnl),
        "win_rate": len(wins) / len(pnl),
        "profit_factor": math.fsum(wins) / -math.fsum(losses),
        "expectancy": statistics.mean(pnl),
        "avg_holding_days": statistics.mean(t.holding.total_seconds() / 86_400 for t in trades),
        "sqn": math.sqrt(len(pnl)) * statistics.mean(pnl) / statistics.stdev(pnl),
    }
