"""Indicators vs TA-Lib: batch ns/bar on 1,000,000 bars (same data, same run) and streaming update ns/call."""

from __future__ import annotations

import csv
import math
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np
import talib

from trader import indicators as ti

N_BARS = 1_000_000
REPEATS = 7
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def real_returns() -> np.ndarray:
    """Daily log returns of the bundled SPY, AAPL and BTC samples: the walk below moves like real prices."""
    returns = []
    for name in ("SPY_1d.csv", "AAPL_1d.csv", "BTCUSDT_1d.csv"):
        with (SAMPLES / name).open(newline="") as fh:
            close = np.array([float(row["close"]) for row in csv.DictReader(fh)])
        returns.append(np.diff(np.log(close)))
    r = np.concatenate(returns)
    return r[np.abs(r) < 0.25]  # drop the split days of the raw AAPL series


def bars(n: int) -> dict[str, np.ndarray]:
    """A seeded 1M-bar walk bootstrapped from real returns, with intrabar ranges and volumes."""
    rng = np.random.default_rng(20240607)
    close = 100.0 * np.exp(np.cumsum(rng.choice(real_returns(), n) / 4.0))
    spread = close * np.abs(rng.normal(0.0, 0.004, n))
    return {
        "high": close + spread * rng.random(n),
        "low": close - spread * rng.random(n),
        "close": close,
        "volume": np.round(rng.lognormal(8.0, 1.0, n)),
    }


def best_ns_per_bar(fn: Callable[[], object], n: int) -> float:
    fn()
    best = math.inf
    for _ in range(REPEATS):
        start = time.perf_counter_ns()
        fn()
        best = min(best, time.perf_counter_ns() - start)
    return best / n


def batch_cases(b: dict[str, np.ndarray]) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    h, lo, c, v = b["high"], b["low"], b["close"], b["volume"]
    return {
        "SMA(30)": (lambda: ti.sma(c, 30), lambda: talib.SMA(c, 30)),
        "EMA(30)": (lambda: ti.ema(c, 30), lambda: talib.EMA(c, 30)),
        "WMA(30)": (lambda: ti.wma(c, 30), lambda: talib.WMA(c, 30)),
        "RSI(14)": (lambda: ti.rsi(c, 14), lambda: talib.RSI(c, 14)),
        "ROC(10)": (lambda: ti.roc(c, 10), lambda: talib.ROC(c, 10)),
        "STDDEV(20)": (lambda: ti.stddev(c, 20), lambda: talib.STDDEV(c, 20)),
        "MACD(12,26,9)": (lambda: ti.macd(c), lambda: talib.MACD(c, 12, 26, 9)),
        "BBANDS(20,2)": (lambda: ti.bbands(c, 20, 2.0), lambda: talib.BBANDS(c, 20, 2.0, 2.0)),
        "TRANGE": (lambda: ti.trange(h, lo, c), lambda: talib.TRANGE(h, lo, c)),
        "ATR(14)": (lambda: ti.atr(h, lo, c, 14), lambda: talib.ATR(h, lo, c, 14)),
        "CCI(14)": (lambda: ti.cci(h, lo, c, 14), lambda: talib.CCI(h, lo, c, 14)),
        "STOCH(14,3,3)": (lambda: ti.stoch(h, lo, c), lambda: talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)),
        # Ours returns ADX, +DI and -DI in one pass; TA-Lib needs three calls for the same outputs.
        "ADX(14)+DI": (
            lambda: ti.adx(h, lo, c, 14),
            lambda: (talib.ADX(h, lo, c, 14), talib.PLUS_DI(h, lo, c, 14), talib.MINUS_DI(h, lo, c, 14)),
        ),
        "MFI(14)": (lambda: ti.mfi(h, lo, c, v, 14), lambda: talib.MFI(h, lo, c, v, 14)),
        "OBV": (lambda: ti.obv(c, v), lambda: talib.OBV(c, v)),
    }


def streaming_cases() -> dict[str, tuple[object, str]]:
    return {
        "SMA(30)": (ti.SMA(30), "u(x)"),
        "EMA(30)": (ti.EMA(30), "u(x)"),
        "WMA(30)": (ti.WMA(30), "u(x)"),
        "RSI(14)": (ti.RSI(14), "u(x)"),
        "ROC(10)": (ti.ROC(10), "u(x)"),
        "STDDEV(20)": (ti.STDDEV(20), "u(x)"),
        "MACD(12,26,9)": (ti.MACD(), "u(x)"),
        "BBANDS(20,2)": (ti.BBANDS(20, 2.0, 2.0), "u(x)"),
        "TRANGE": (ti.TRANGE(), "u(h, lo, x)"),
        "ATR(14)": (ti.ATR(14), "u(h, lo, x)"),
        "CCI(14)": (ti.CCI(14), "u(h, lo, x)"),
        "STOCH(14,3,3)": (ti.STOCH(), "u(h, lo, x)"),
        "ADX(14)": (ti.ADX(14), "u(h, lo, x)"),
        "MFI(14)": (ti.MFI(14), "u(h, lo, x, v)"),
        "OBV": (ti.OBV(), "u(x, v)"),
        "VWAP": (ti.VWAP(), "u(h, lo, x, v, t)"),
        "VolumeProfile(30,24)": (ti.VolumeProfile(30, 24), "u(x, v)"),
    }


def streaming_ns_per_call(obj: object, stmt: str) -> float:
    """Best-of-5 cost of one `update` from Python, warmed past the warm-up so the steady path is measured."""
    update = obj.update  # type: ignore[attr-defined]
    env = {"u": update, "h": 101.0, "lo": 99.0, "x": 100.0, "v": 1000.0, "t": 0}
    for i in range(100):
        env["x"] = 100.0 + (i % 7)
        timeit.Timer(stmt, globals=env).timeit(1)
    number = 200_000
    return min(timeit.Timer(stmt, globals=env).repeat(5, number)) / number * 1e9


def loop_ns_per_bar(make: Callable[[], object], pairs: list[tuple[float, float]]) -> float:
    """Best-of-5 cost per bar of a Python loop feeding `pairs` to a fresh object's `update(price, volume)`."""

    def run() -> None:
        update = make().update  # type: ignore[attr-defined]
        for price, volume in pairs:
            update(price, volume)

    return min(timeit.repeat(run, number=1, repeat=5)) / len(pairs) * 1e9


def main() -> int:
    b = bars(N_BARS)
    print(
        f"## Batch: {N_BARS:,} bars, best of {REPEATS}, ns/bar (ratio = TA-Lib time / ours; > 1 is faster)\n"
    )
    print("| indicator | ours ns/bar | TA-Lib ns/bar | ratio |")
    print("|---|---:|---:|---:|")
    ratios = []
    for name, (ours, theirs) in batch_cases(b).items():
        # Interleave the two so background load hits both alike.
        o1, t1 = best_ns_per_bar(ours, N_BARS), best_ns_per_bar(theirs, N_BARS)
        o2, t2 = best_ns_per_bar(ours, N_BARS), best_ns_per_bar(theirs, N_BARS)
        o, t = min(o1, o2), min(t1, t2)
        ratios.append(t / o)
        print(f"| {name} | {o:.2f} | {t:.2f} | {t / o:.2f}x |")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"\ngeometric mean of the ratios: {geo:.2f}x; slower than TA-Lib: {sum(r < 1 for r in ratios)}")
    print("\n## Streaming: one `update` call from Python (ns/call, best of 5 x 200,000)\n")
    print("| class | ns/call |")
    print("|---|---:|")
    for name, (obj, stmt) in streaming_cases().items():
        print(f"| {name} | {streaming_ns_per_call(obj, stmt):.0f} |")
    # The constant input above never moves the volume profile's price range (its O(1) path); on the walk the
    # range moves on a good share of the bars and each move rebuilds the histogram. OBV, O(1) with the same
    # call shape, gives the cost of the loop and the call themselves.
    n_walk = 200_000
    pairs = list(zip(b["close"][:n_walk].tolist(), b["volume"][:n_walk].tolist(), strict=True))
    print(f"\n## Streaming on the walk: a Python loop of `update(close, volume)`, {n_walk:,} bars (ns/bar)\n")
    print("| class | ns/bar, loop included |")
    print("|---|---:|")
    for name, make in (("VolumeProfile(30,24)", lambda: ti.VolumeProfile(30, 24)), ("OBV", ti.OBV)):
        print(f"| {name} | {loop_ns_per_bar(make, pairs):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
