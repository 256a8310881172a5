"""The stream-lag guard's rule (hold past a count or an age, resume only caught up) and its settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trader.live.config import load_config
from trader.live.errors import DaemonError
from trader.live.stream_lag import StreamLagGuard

MAX_EVENTS = 10
MAX_AGE = 5.0

readings = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40),  # events behind
        st.booleans(),  # the gateway answered
        st.floats(min_value=0.0, max_value=3.0),  # seconds since the last reading
    ),
    min_size=1,
    max_size=60,
)


@given(readings)
def test_holds_exactly_when_too_far_or_too_long_behind_and_resumes_only_caught_up(
    steps: list[tuple[int, bool, float]],
) -> None:
    guard = StreamLagGuard(MAX_EVENTS, MAX_AGE, caught_up_at=0.0)
    now, caught_up_at, holding = 0.0, 0.0, False
    consumed = 100
    for behind, answered, elapsed in steps:
        now += elapsed
        head = consumed + behind if answered else None
        change = guard.observe(consumed, head, now)
        if answered and behind == 0:
            caught_up_at = now
            expected = False
        elif holding:
            expected = True  # a shrinking backlog does not lift the hold: only catching up does
        else:
            expected = (answered and behind > MAX_EVENTS) or now - caught_up_at > MAX_AGE
        assert (guard.holding is not None) == expected, (behind, answered, now, caught_up_at)
        if expected != holding:
            assert change is not None
            assert change.action == ("hold" if expected else "resume")
        else:
            assert change is None, "a change is reported once, at the transition"
        holding = expected
        consumed += 3


def test_reasons_name_the_count_the_age_and_an_unreachable_gateway() -> None:
    guard = StreamLagGuard(MAX_EVENTS, MAX_AGE, caught_up_at=0.0)
    hold = guard.observe(consumed=5, head=20, now=1.0)
    assert hold is not None
    assert hold.reason == "event stream 15 events behind the gateway's head 20 (limit 10)"
    assert guard.describe() == {"behind": 15, "holding": hold.reason}
    resume = guard.observe(consumed=20, head=20, now=2.0)
    assert resume is not None
    assert resume.action == "resume"
    assert resume.reason.startswith("caught up with the gateway at sequence 20 (held: event stream 15 events")
    assert guard.observe(consumed=20, head=None, now=7.0) is None, "5 s is not yet past the limit"
    gone = guard.observe(consumed=20, head=None, now=7.5)
    assert gone is not None
    assert gone.reason == "event stream not caught up for 5.5 s (gateway unreachable; limit 5 s)"


def test_the_lag_and_retry_settings_are_read_and_checked_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "daemon.toml"
    path.write_text(
        "gateway_retry_seconds = 4.5\nstream_lag_events = 7\nstream_lag_seconds = 2\nstream_batch = 3\n"
    )
    config = load_config(path, {})
    assert (config.gateway_retry_seconds, config.stream_lag_events) == (4.5, 7)
    assert (config.stream_lag_seconds, config.stream_batch) == (2.0, 3)
    path.write_text('mode = "paper"\nstream_lag_events = 0\n')
    with pytest.raises(DaemonError, match=r"daemon\.toml:2: field 'stream_lag_events': .*\(got 0\)"):
        load_config(path, {})
    path.write_text("gateway_retry_seconds = -1\n")
    with pytest.raises(DaemonError, match=r"daemon\.toml:1: field 'gateway_retry_seconds'"):
        load_config(path, {})
