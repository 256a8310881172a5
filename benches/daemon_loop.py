"""The daemon's loop: tick jitter p50/p99 (peer: a bare sleep loop on the same interval) and one full
decision pass over 500 symbols x 4 timeframes (peer: the backtest engine over the same bars).

Targets (issue 7): tick jitter p99 <= 5 ms; a full decision pass <= 1 s.
    .venv/bin/python benches/daemon_loop.py                 # 60 s of ticks
    .venv/bin/python benches/daemon_loop.py --seconds 600   # the issue's 10 minutes
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from trader.data import Bars, resample
from trader.engine.backtest import run_backtest
from trader.engine.feed import merge
from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import InstrumentSpec
from trader.journal import FsyncPolicy, Journal, JournalOptions
from trader.live.broker import LiveBroker
from trader.live.config import DaemonConfig
from trader.live.daemon import Daemon
from trader.live.loop import Stepper
from trader.live.output import Output
from trader.live.replay import ReplayClock, ReplayFeed
from trader.live.state_dir import StateDir
from trader.models import Timeframe
from trader.portfolio import Portfolio
from trader.strategies.ema_cross import EmaCross

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
JITTER_P99_TARGET_MS = 5.0
PASS_TARGET_S = 1.0
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00Z


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Quiet(Output):
    """Drops the log lines (the bench measures the loop, not the terminal)."""

    def event(self, event: str, **fields: object) -> None:
        return None

    def heartbeat(self, status: dict[str, object]) -> None:
        return None


def daemon_jitter(seconds: float, interval: float) -> list[float]:
    """Tick lags of the real daemon replaying SPY_1m at 60x (one bar a second) for `seconds`."""
    with tempfile.TemporaryDirectory() as home:
        config = DaemonConfig(
            replay=(SAMPLES / "SPY_1m.csv",),
            speed=60.0,
            tick_interval=interval,
            duration=seconds,
            stop_at_replay_end=False,
            breaker={"stale_data_seconds": 100_000},
        )
        daemon = Daemon(config, StateDir(Path(home)), Quiet())
        daemon.lag_record = []
        daemon.run()
        return [lag * 1000 for lag in daemon.lag_record[1:]]


def sleep_jitter(seconds: float, interval: float) -> list[float]:
    """The peer: the same schedule with nothing to do but wait (the OS and interpreter floor)."""
    stop = threading.Event()
    lags: list[float] = []
    scheduled = start = time.monotonic()
    while time.monotonic() - start < seconds:
        lags.append((time.monotonic() - scheduled) * 1000)
        scheduled += interval
        stop.wait(max(0.0, scheduled - time.monotonic()))
    return lags[1:]


def synthetic(symbols: int, minutes: int, seed: int = 7) -> list[Bars]:
    """`symbols` random walks of 1-minute bars, each resampled to 5m, 15m and 1h: four series per symbol."""
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(minutes, dtype=np.int64) * 60_000_000_000
    out: list[Bars] = []
    for k in range(symbols):
        close = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.001, minutes))), 2)
        open_ = np.concatenate([[close[0]], close[:-1]])
        high, low = np.round(np.maximum(open_, close) + 0.01, 2), np.round(np.minimum(open_, close) - 0.01, 2)
        one = Bars(f"S{k:03d}.M1", Timeframe("1m"), ts, open_, high, low, close, np.full(minutes, 100.0))
        out.append(one)
        for name, tf in (("M5", "5m"), ("M15", "15m"), ("H1", "1h")):
            bars = resample(one, Timeframe(tf))
            out.append(
                Bars(
                    f"S{k:03d}.{name}",
                    bars.timeframe,
                    bars.ts,
                    bars.open,
                    bars.high,
                    bars.low,
                    bars.close,
                    bars.volume,
                )
            )
    return out


def decision_pass(series: list[Bars], hours: int) -> tuple[float, int]:
    """Warm every series up to the last hour, then time the tick at which all four timeframes close."""
    with tempfile.TemporaryDirectory() as home:
        state = StateDir(Path(home))
        state.ensure()
        journal = Journal(state.journal, options=JournalOptions(fsync=FsyncPolicy.NEVER))
        feed = ReplayFeed([], 1.0, series=series)
        wall = [0.0]
        feed.clock = ReplayClock(T0, 1.0, lambda: wall[0])
        gateway = EmbeddedGateway(instruments=[InstrumentSpec(s) for s in feed.symbols])
        broker = LiveBroker(
            merge(series), gateway, Portfolio(Decimal(10_000_000)), journal, time_in_force="gtc"
        )
        broker.bind_series(feed.series)
        strategy = EmaCross({"fast": 5, "slow": 12, "qty": 1})
        strategy.bind(broker)
        strategy.on_start()
        stepper = Stepper(feed, strategy, broker, Quiet(), state.equity)
        wall[0] = (hours - 1) * 3600.0 - 1  # everything before the last hour's closes, untimed
        stepper.step(feed.due())
        wall[0] = (hours - 1) * 3600.0  # the top of the hour: 1m, 5m, 15m and 1h bars all close now
        due = feed.due()
        began = time.perf_counter()
        stepper.step(due)
        took = time.perf_counter() - began
        stepper.close()
        journal.close()
        gateway.close()
        return took, len(due)


def backtest_peer(series: list[Bars], due: int) -> float:
    """The backtest engine over the same bars; its time per bar, scaled to one pass of `due` bars."""
    one_minute = [b for b in series if b.symbol.endswith(".M1")]
    bars = sum(len(b) for b in one_minute)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        run_backtest(EmaCross({"fast": 5, "slow": 12, "qty": 1}), one_minute, Path(folder) / "j.jsonl")
        took = time.perf_counter() - began
    return took / bars * due


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="tick-jitter run length (600 = 10 min)")
    parser.add_argument("--interval", type=float, default=0.05, help="tick interval in seconds")
    parser.add_argument("--symbols", type=int, default=500)
    args = parser.parse_args()

    ours = daemon_jitter(args.seconds, args.interval)
    peer = sleep_jitter(min(args.seconds, 30.0), args.interval)
    p50, p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    peer50, peer99 = percentile(peer, 0.5), percentile(peer, 0.99)
    print(f"tick jitter over {args.seconds:.0f} s ({len(ours)} ticks of {args.interval * 1000:.0f} ms):")
    print(
        f"  daemon      p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {max(ours):.3f} ms  "
        f"mean {statistics.mean(ours):.3f} ms"
    )
    print(f"  sleep loop  p50 {peer50:.3f} ms  p99 {peer99:.3f} ms  (peer)")
    print(
        f"  p99 ratio daemon/sleep {p99 / peer99:.2f}x; target p99 <= {JITTER_P99_TARGET_MS} ms: "
        f"{'met' if p99 <= JITTER_P99_TARGET_MS else 'NOT met'}"
    )

    hours = 3
    series = synthetic(args.symbols, hours * 60)
    took, due = decision_pass(series, hours)
    peer_pass = backtest_peer(series, due)
    print(f"full decision pass: {args.symbols} symbols x 4 timeframes = {due} bars closing in one tick")
    print(
        f"  daemon pass {took * 1000:.1f} ms; backtest engine, same bar count {peer_pass * 1000:.1f} ms "
        f"(ratio {took / peer_pass:.2f}x); target <= {PASS_TARGET_S * 1000:.0f} ms: "
        f"{'met' if took <= PASS_TARGET_S else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
