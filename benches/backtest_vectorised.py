"""Bars/s of the vectorised ema_cross pipeline (EMAs -> cross signals -> simulation -> equity) vs vectorbt.

Ours: `ema_cross_signals` (two Rust EMAs, numpy crosses) then `run_signals` (one Rust call: fills at the
next open with slippage and fees in exact fixed point, the float equity curve per bar). vectorbt (bench
group): `vbt.MA.run(ewm=True)` x2, `ma_crossed_above/below`, `Portfolio.from_signals` with the signals
shifted one bar and `price=open` (the same next-open fills), then `pf.value()`; timed whole and for the
`from_signals` call alone, after a warm-up run that pays numba's JIT compile (reported apart). Same bars,
same run, best of `--repeat`. Peak memory of our pipeline on 10M bars is measured in a fresh subprocess
(`resource.getrusage` max RSS, which includes making the bars). Prints a table with the ratios.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np

from trader.data import Bars
from trader.engine.vectorised import VectorConfig, ema_cross_signals, run_signals
from trader.execution.embedded_config import BpsFee, SimSettings
from trader.models import Timeframe

TARGET_BARS_PER_S = 5_000_000
MEMORY_LIMIT_MB = 2_048
T0 = 1_700_006_400_000_000_000
MINUTE_NS = 60_000_000_000
FAST, SLOW, QTY = 10, 30, 1
SIM = SimSettings(slippage_bps=5, fees=BpsFee(10))
CONFIG = VectorConfig(qty=Decimal(QTY), slippage_bps=SIM.slippage_bps, fees=SIM.fees)


def synthetic(n: int, seed: int = 7) -> Bars:
    """A geometric random walk of `n` one-minute bars in cents, built in place to keep the peak low."""
    rng = np.random.default_rng(seed)
    close = rng.normal(0.0, 0.001, n)
    np.cumsum(close, out=close)
    np.exp(close, out=close)
    close *= 100.0
    np.round(close, 2, out=close)
    open_ = np.empty(n)
    open_[0], open_[1:] = 100.0, close[:-1]
    open_ *= 1.0 + rng.normal(0.0, 0.0002, n)
    np.round(open_, 2, out=open_)
    high = np.round(np.maximum(open_, close) + 0.01, 2)
    low = np.round(np.minimum(open_, close) - 0.01, 2)
    ts = T0 + np.arange(n, dtype=np.int64) * MINUTE_NS
    return Bars("SYN", Timeframe.M1, ts, open_, high, low, close, np.full(n, 1_000.0), source="synthetic")


def ours(bars: Bars) -> tuple[float, float, int]:
    """(whole pipeline seconds, simulation-only seconds, round trips)."""
    start = time.perf_counter()
    entries, exits = ema_cross_signals(bars.close, FAST, SLOW)
    middle = time.perf_counter()
    result = run_signals(bars, entries, exits, CONFIG)
    end = time.perf_counter()
    assert result.equity.size == len(bars)
    return end - start, end - middle, result.books.trade_count


def _import_vectorbt() -> Any:
    # vectorbt 1.0 registers a plotly template naming `scattermapbox`, which plotly 7 removed
    # (polakowo/vectorbt#769): let templates skip unknown keys so the import works; nothing here plots.
    import plotly.graph_objects as go

    strict = go.layout.Template

    class _Lenient(strict):  # type: ignore[misc,valid-type]
        def __init__(self, arg: Any = None, **kwargs: Any) -> None:
            kwargs.setdefault("skip_invalid", True)
            super().__init__(arg, **kwargs)

    go.layout.Template = _Lenient
    import vectorbt as vbt

    return vbt


def vectorbt(vbt: Any, bars: Bars) -> tuple[float, float, int]:
    """(whole pipeline seconds, from_signals-only seconds, trades) of the same strategy in vectorbt."""
    import pandas as pd

    start = time.perf_counter()
    close = pd.Series(bars.close)
    fast = vbt.MA.run(close, FAST, ewm=True)
    slow = vbt.MA.run(close, SLOW, ewm=True)
    # Decided at t's close, executed at t+1's open: shift the signals one bar and fill at the open.
    entries = fast.ma_crossed_above(slow).vbt.fshift(1)
    exits = fast.ma_crossed_below(slow).vbt.fshift(1)
    middle = time.perf_counter()
    pf = vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        price=bars.open,
        size=QTY,
        fees=SIM.fees.bps / 10_000 if isinstance(SIM.fees, BpsFee) else 0.0,
        slippage=SIM.slippage_bps / 10_000,
        init_cash=float(CONFIG.starting_cash),
    )
    after = time.perf_counter()
    pf.value()
    end = time.perf_counter()
    return end - start, after - middle, int(pf.trades.count())


def best(runs: int, measure: Callable[[], tuple[float, float, int]]) -> tuple[float, float, int]:
    """The fastest of `runs` measurements (whole and part each at their minimum)."""
    results = [measure() for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results), results[0][2]


def peak_memory_mb(n: int) -> float:
    """Max RSS of a fresh interpreter that makes `n` bars and runs our whole pipeline over them.

    Called first, while this process is small: Linux carries a parent's max RSS at fork into the child's
    `ru_maxrss` across exec, so a child forked from a large parent would report the parent's size.
    """
    out = subprocess.run(
        [sys.executable, __file__, "--child-memory", str(n)], check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip())


def _child_memory(n: int) -> None:
    ours(synthetic(n))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        _child_memory(args.child_memory)
        return
    biggest = max(args.bars)
    memory = peak_memory_mb(biggest)
    start = time.perf_counter()
    vbt = _import_vectorbt()
    imported = time.perf_counter() - start
    warm = synthetic(10_000)
    start = time.perf_counter()
    vectorbt(vbt, warm)
    warm_up = time.perf_counter() - start
    print(f"vectorbt: import {imported:.1f} s, JIT warm-up {warm_up:.1f} s (neither timed below)")
    ours(warm)
    header = (
        f"{'bars':>11} | {'ours whole':>12} | {'vbt whole':>12} | {'ratio':>6} | "
        f"{'ours sim':>12} | {'vbt from_sig':>12} | {'ratio':>6} | {'trades ours/vbt':>16}"
    )
    print(header)
    print("-" * len(header))
    whole_rates = []
    for n in args.bars:
        bars = synthetic(n)
        our_whole, our_sim, our_trades = best(args.repeat, partial(ours, bars))
        vbt_whole, vbt_sim, vbt_trades = best(args.repeat, partial(vectorbt, vbt, bars))
        del bars
        rates = [n / s for s in (our_whole, vbt_whole, our_sim, vbt_sim)]
        whole_rates.append(rates[0])
        print(
            f"{n:>11,} | {rates[0]:>10,.0f}/s | {rates[1]:>10,.0f}/s | {rates[0] / rates[1]:>5.1f}x | "
            f"{rates[2]:>10,.0f}/s | {rates[3]:>10,.0f}/s | {rates[2] / rates[3]:>5.1f}x | "
            f"{our_trades:>7,}/{vbt_trades:<8,}"
        )
    print(f"peak RSS, whole pipeline on {biggest:,} bars (fresh process, bars included): {memory:,.0f} MB")
    speed = "met" if min(whole_rates) >= TARGET_BARS_PER_S else "MISSED"
    room = "met" if memory < MEMORY_LIMIT_MB else "MISSED"
    print(f"targets: whole >= {TARGET_BARS_PER_S:,} bars/s: {speed}; memory < {MEMORY_LIMIT_MB:,} MB: {room}")


if __name__ == "__main__":
    main()
