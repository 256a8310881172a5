"""Daemon config and replay: errors name file:line and field; a bar is never released before its close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.live.config import load_config
from trader.live.errors import DaemonError
from trader.live.replay import ReplayClock, ReplayFeed
from trader.live.state_dir import PidLock, StateDir, running_pid


def test_a_bad_value_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "daemon.toml"
    path.write_text('mode = "paper"\ntick_interval = -1\n')
    with pytest.raises(
        DaemonError, match=r"daemon\.toml:2: field 'tick_interval': .*greater than 0.*\(got -1\)"
    ):
        load_config(path, {})


def test_an_unknown_key_and_a_bad_policy_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text('{\n  "tick_intervall": 1\n}\n')
    with pytest.raises(
        DaemonError, match=r"daemon\.json:2: field 'tick_intervall': unknown field, did you mean"
    ):
        load_config(path, {})
    with pytest.raises(DaemonError, match="reconcile"):
        load_config(None, {"reconcile": "ignore"})


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "daemon.toml"
    path.write_text('speed = 10.0\non_shutdown = "keep"\n')
    config = load_config(path, {"speed": 99.0, "duration": None})
    assert (config.speed, config.on_shutdown, config.duration) == (99.0, "keep", None)


def test_the_pidfile_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    first = PidLock(state)
    first.acquire()
    try:
        assert running_pid(state) is not None
        with pytest.raises(DaemonError, match="already runs there"):
            PidLock(state).acquire()
    finally:
        first.release()
    assert running_pid(state) is None


class FakeWall:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=40, deadline=None)
@given(
    speed=st.floats(min_value=1.0, max_value=5e6),
    steps=st.lists(st.floats(min_value=0.0, max_value=50.0), min_size=1, max_size=30),
)
def test_replay_never_releases_a_bar_before_its_close(
    samples_dir: Path, speed: float, steps: list[float]
) -> None:
    feed = ReplayFeed([samples_dir / "BTCUSD_1h.csv"], speed)
    wall = FakeWall()
    feed.clock = ReplayClock(feed.clock.start_ns, speed, wall)
    bars = feed.series["BTC/USD"] if "BTC/USD" in feed.series else next(iter(feed.series.values()))
    assert bars.timeframe is not None
    released: list[int] = []
    for step in steps:
        wall.now += step
        now = feed.clock.now_ns()
        for due in feed.due():
            assert due.close_ts <= now, "a bar was released before it closed"
            assert due.close_ts == int(bars.ts[due.index]) + bars.timeframe.nanos
            released.append(due.index)
    assert released == list(range(len(released))), "bars come out once each, in order"
    pending = int(np.searchsorted(bars.ts + bars.timeframe.nanos, feed.clock.now_ns(), side="right"))
    assert len(released) == pending, "every bar that closed by now was released"
