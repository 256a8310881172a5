"""The live trail timer, driven tick by tick on a replay clock we move by hand (the daemon's own parts)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from test_live_stops import DAY, stops_config

from trader.live.config import load_config
from trader.live.daemon import Daemon
from trader.live.errors import DaemonError
from trader.live.output import Output
from trader.live.replay import ReplayClock
from trader.live.state_dir import StateDir
from trader.live.stop_timer import TrailTimer

NS = 10**9


def _run(tmp_path: Path, samples_dir: Path, interval: float, ticks: int) -> list[dict[str, Any]]:
    """A daemon opened in this process, its replay clock a quarter of a day per tick; returns its events."""
    path = stops_config(tmp_path, samples_dir, atr=3, stop_trail_interval=interval)
    state = StateDir(tmp_path / "home")
    state.ensure()
    out = io.StringIO()
    daemon = Daemon(load_config(path, {}), state, Output(out))
    daemon._open()
    try:
        wall = [0.0]
        feed = daemon.feed
        feed.clock = ReplayClock(feed.clock.now_ns(), float(DAY), wall=lambda: wall[0])  # type: ignore[attr-defined]
        daemon.strategy.bind(daemon.broker)
        daemon.strategy.on_start()
        for _ in range(ticks):
            wall[0] += 0.25
            daemon.stepper.step(feed.due())
            daemon.stepper.trail()
    finally:
        daemon.stepper.close()
        daemon.journal.close()
        daemon.gateway.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_stops_trail_on_the_interval_also_between_bars_and_never_twice_to_one_price(
    tmp_path: Path, samples_dir: Path
) -> None:
    interval = 1.5 * DAY  # longer than a bar: some bars arrive when no trail is due
    events = _run(tmp_path, samples_dir, interval, ticks=4 * 90)
    trails = [e for e in events if e["event"] == "stop_trailed"]
    assert len(trails) >= 5
    clocks = [t["clock_ns"] for t in trails]
    assert all(b - a >= interval * NS for a, b in pairwise(clocks))
    # Bars close at midnight: a trail at another time came between bars, at a tick, to the latest close.
    between = [c for c in clocks if c % (DAY * NS)]
    assert between, "the stop trailed only when a bar arrived"
    stops = [Decimal(t["stops"]["SPY"]) for t in trails]
    assert stops == sorted(stops), "the stop moved against the position"
    assert len(set(stops)) == len(stops)


def test_without_a_newer_price_no_trail_is_made(tmp_path: Path, samples_dir: Path) -> None:
    # An interval shorter than a tick: due at every tick, yet each bar's step has trailed to its close
    # already, so ticks between bars (nights, weekends) find nothing newer and trail nothing.
    events = _run(tmp_path, samples_dir, 0.1 * DAY, ticks=4 * 60)
    clocks = [e["clock_ns"] for e in events if e["event"] == "stop_trailed"]
    assert len(clocks) >= 5
    assert all(c % (DAY * NS) == 0 for c in clocks), "a trail without a newer price"


def test_the_timer_refuses_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="stop_trail_interval must be > 0 seconds"):
        TrailTimer(0)
    timer = TrailTimer(10)
    assert [timer.due(t * NS) for t in (0, 5, 10, 19, 20)] == [True, False, True, False, True]


def test_a_bad_stop_setting_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "daemon.toml"
    path.write_text('mode = "paper"\nstop_orders = "sometimes"\n')
    with pytest.raises(DaemonError, match=r"daemon\.toml:2: field 'stop_orders': .*'venue' or 'emulated'"):
        load_config(path, {})
    path.write_text("stop_trail_interval = 0\n")
    with pytest.raises(DaemonError, match=r"daemon\.toml:1: field 'stop_trail_interval': .*greater than 0"):
        load_config(path, {})
