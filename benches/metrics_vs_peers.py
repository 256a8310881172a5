"""Benchmark: the run metrics over a 1M-bar equity curve against empyrical, plus the per-bar ledger mark.

The curve is the real SPY daily returns tiled to 1,000,000 bars. Both sides compute total return, CAGR,
volatility, Sharpe, Sortino, max drawdown and Calmar from the same float64 arrays in the same run; ours
also computes the drawdown duration and the exposure metrics, which empyrical does not. The ledger line
times `Portfolio.mark` (one open position) and the curve's conversion to numpy; it has no peer here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import empyrical
import numpy as np

from trader.data import load_bars
from trader.models import Fill, Side
from trader.portfolio import Portfolio, compute_metrics

BARS = 1_000_000
MARKS = 200_000
REPEATS = 3
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "SPY_1d.csv"


def tiled_curve(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ts (daily ns), equity and gross exposure from SPY's daily returns repeated to `size` bars."""
    closes = load_bars(SAMPLE).close
    returns = np.tile(closes[1:] / closes[:-1], -(-size // (closes.size - 1)))[: size - 1]
    equity = 10_000 * np.concatenate(([1.0], np.cumprod(returns)))
    ts = np.arange(size, dtype=np.int64) * 86_400 * 10**9
    gross = np.where(np.arange(size) % 3 == 0, 0.0, equity)
    return ts, equity, gross


def best_of(run: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def empyrical_metrics(equity: np.ndarray) -> dict[str, float]:
    returns = equity[1:] / equity[:-1] - 1
    return {
        "total_return": float(empyrical.cum_returns_final(returns)),
        "cagr": float(empyrical.cagr(returns, annualization=252)),
        "volatility": float(empyrical.annual_volatility(returns, annualization=252)),
        "sharpe": float(empyrical.sharpe_ratio(returns, annualization=252)),
        "sortino": float(empyrical.sortino_ratio(returns, annualization=252)),
        "max_drawdown": -float(empyrical.max_drawdown(returns)),
        "calmar": float(empyrical.calmar_ratio(returns, annualization=252)),
    }


def bench_metrics() -> None:
    ts, equity, gross = tiled_curve(BARS)
    ours = compute_metrics(ts, equity, periods_per_year=252, gross_exposure=gross)
    theirs = empyrical_metrics(equity)
    worst = max(abs(getattr(ours, k) / v - 1) for k, v in theirs.items())
    t_ours = best_of(lambda: compute_metrics(ts, equity, periods_per_year=252, gross_exposure=gross))
    t_theirs = best_of(lambda: empyrical_metrics(equity))
    print(f"metrics over {BARS:,} bars (best of {REPEATS}); largest relative difference {worst:.1e}")
    print(f"  {'ours':<10} {t_ours * 1e3:8.1f} ms  {BARS / t_ours / 1e6:7.1f} M bars/s")
    print(f"  {'empyrical':<10} {t_theirs * 1e3:8.1f} ms  {BARS / t_theirs / 1e6:7.1f} M bars/s")
    print(f"  ratio ours/empyrical speed: {t_theirs / t_ours:.2f}x")


def bench_mark() -> None:
    book = Portfolio(Decimal(100_000))
    fill = Fill(
        fill_id="f1",
        order_id="o1",
        client_order_id="c1",
        symbol="SPY",
        side=Side.BUY,
        qty=Decimal(10),
        price=Decimal("100.25"),
        fee=Decimal(0),
        fee_currency="USD",
        timestamp=datetime(2020, 1, 1, tzinfo=UTC),
    )
    book.apply_fill(fill)
    closes = (100.0 + (np.arange(MARKS) % 100) / 100).tolist()
    start = time.perf_counter()
    for i, close in enumerate(closes):
        book.mark(i, {"SPY": close})
    marked = time.perf_counter() - start
    start = time.perf_counter()
    book.curve.arrays()
    converted = time.perf_counter() - start
    print(f"Portfolio.mark, one open position, {MARKS:,} bars (no peer):")
    rate = f"{marked / MARKS * 1e9:.0f} ns a bar ({MARKS / marked / 1e6:.2f} M bars/s)"
    print(f"  {rate}; curve to numpy {converted * 1e3:.1f} ms")


if __name__ == "__main__":
    bench_metrics()
    bench_mark()
