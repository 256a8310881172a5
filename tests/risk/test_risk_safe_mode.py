"""SAFE_MODE: entered on the daily or monthly loss limit, ended by rollover or an authorised clearance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from risk_helpers import NOW, book

from trader.risk import RiskConfig, RiskEventKind, SafeModeState, UnauthorisedError
from trader.risk.safe_mode import assess, clear, in_force

CONFIG = RiskConfig(authorised_users=("alice",))


def test_a_daily_loss_of_eight_percent_enters_for_the_day_and_ends_at_rollover() -> None:
    down = book(equity=Decimal(92_000), day_start=Decimal(100_000))
    state, events = assess(SafeModeState(), down, NOW, CONFIG)
    assert (state.active, state.period, state.since) == (True, "2026-03-02", NOW)
    assert [e.kind for e in events] == [RiskEventKind.SAFE_MODE_ENTERED]
    assert events[0].payload["day_loss"] == Decimal("0.08")
    assert in_force(state, down, NOW, CONFIG)
    # Still on later the same day even if equity recovers.
    assert in_force(state, book(day_start=Decimal(100_000)), NOW + timedelta(hours=5), CONFIG)
    tomorrow = NOW + timedelta(days=1)
    fresh_day = book(equity=Decimal(92_000), day_start=Decimal(92_000))
    state, events = assess(state, fresh_day, tomorrow, CONFIG)
    assert not state.active
    assert [e.kind for e in events] == [RiskEventKind.SAFE_MODE_ENDED]
    assert not in_force(state, fresh_day, tomorrow, CONFIG)


def test_just_under_the_limit_is_not_safe_mode() -> None:
    state, events = assess(
        SafeModeState(), book(equity=Decimal("92000.01"), day_start=Decimal(100_000)), NOW, CONFIG
    )
    assert (state.active, events) == (False, ())


def test_a_monthly_trip_outlasts_the_day() -> None:
    down = book(equity=Decimal(80_000), day_start=Decimal(80_000), month_start=Decimal(100_000))
    state, _ = assess(SafeModeState(), down, NOW, CONFIG)
    assert state.period == "2026-03"
    state, events = assess(state, down, NOW + timedelta(days=1), CONFIG)
    assert state.active
    assert events == ()


def test_only_an_authorised_user_clears_and_the_clearance_holds_for_the_period() -> None:
    down = book(equity=Decimal(90_000), day_start=Decimal(100_000))
    state, _ = assess(SafeModeState(), down, NOW, CONFIG)
    with pytest.raises(UnauthorisedError, match="'mallory' may not clear SAFE_MODE"):
        clear(state, "mallory", NOW, CONFIG)
    cleared, event = clear(state, "alice", NOW, CONFIG)
    assert event.kind is RiskEventKind.SAFE_MODE_CLEARED
    assert event.payload == {"period": "2026-03-02", "by": "alice"}
    assert not in_force(cleared, down, NOW, CONFIG)
    assert assess(cleared, down, NOW + timedelta(minutes=1), CONFIG)[0].active is False
    # The next day's breach is judged afresh.
    assert in_force(cleared, down, NOW + timedelta(days=1), CONFIG)
