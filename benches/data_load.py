"""Benchmark: load 1M real-derived bars from CSV and Parquet, and resample them to 1h, against pandas."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from trader.data import Bars, load_bars, resample
from trader.data.writers import write_bars
from trader.models import Timeframe

ROWS = 1_000_000
REPEATS = 3
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "SPY_1m.csv"


def tiled_bars(rows: int) -> Bars:
    """The real SPY minute bars of Oct 2013 repeated two weeks apart (same weekdays) up to `rows` bars."""
    everything = load_bars(SAMPLE)
    spy = everything.take(np.flatnonzero(everything.ts < np.datetime64("2014-01-01", "ns").astype(np.int64)))
    span = 14 * 86_400 * 10**9  # the six days fit in two weeks; tiles stay within int64 ns (< 2262)
    tiles = -(-rows // len(spy))
    shift = np.repeat(np.arange(tiles, dtype=np.int64) * span, len(spy))[:rows]
    pick = np.tile(np.arange(len(spy)), tiles)[:rows]
    return Bars(
        "SPY",
        Timeframe.M1,
        spy.ts[pick] + shift,
        spy.open[pick],
        spy.high[pick],
        spy.low[pick],
        spy.close[pick],
        spy.volume[pick],
    )


def best_ms(run: Callable[[], object]) -> float:
    """Best wall time of REPEATS runs, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1_000


def report(what: str, ours: float, peer: float) -> None:
    print(f"{what:<34} trader {ours:9.1f} ms   pandas {peer:9.1f} ms   pandas/trader {peer / ours:5.1f}x")


def pandas_resample(frame: pd.DataFrame) -> pd.DataFrame:
    """The peer: pandas resample to 1h with the same OHLCV rules, empty buckets dropped."""
    rules = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    hourly = frame.set_index("timestamp").resample("1h").agg(rules)  # type: ignore[arg-type]
    return hourly.dropna(subset=["open"])


def main() -> None:
    bars = tiled_bars(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "SPY_1m.csv"
        parquet_path = Path(tmp) / "SPY_1m.parquet"
        write_bars(bars, csv_path)
        write_bars(bars, parquet_path)
        print(f"{ROWS:,} bars; CSV {csv_path.stat().st_size / 1e6:.0f} MB; best of {REPEATS} runs")
        loaded = load_bars(csv_path)
        frame = pd.read_csv(csv_path, parse_dates=["timestamp"])
        assert len(loaded) == len(frame) == ROWS
        assert np.array_equal(loaded.close, frame["close"].to_numpy())
        report(
            "load CSV",
            best_ms(lambda: load_bars(csv_path)),
            best_ms(lambda: pd.read_csv(csv_path, parse_dates=["timestamp"])),
        )
        report(
            "load Parquet",
            best_ms(lambda: load_bars(parquet_path)),
            best_ms(lambda: pd.read_parquet(parquet_path)),
        )
        hourly = resample(loaded, Timeframe.H1)
        peer = pandas_resample(frame)
        assert len(hourly) == len(peer)
        assert np.array_equal(hourly.close, peer["close"].to_numpy())
        report(
            "resample 1M x 1m -> 1h",
            best_ms(lambda: resample(loaded, Timeframe.H1)),
            best_ms(lambda: pandas_resample(frame)),
        )


if __name__ == "__main__":
    main()
