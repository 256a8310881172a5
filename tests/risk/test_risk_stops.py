"""Stops: 2 ATR initial stop, breakeven after +1R, a 2 ATR trail that never loosens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trader.risk.config import StopsConfig
from trader.risk.stops import initial_stop, live_trail_due, trail

CONFIG = StopsConfig()


def test_initial_stops_sit_two_atr_on_the_losing_side() -> None:
    long = initial_stop(1, Decimal(100), Decimal(2), CONFIG)
    short = initial_stop(-1, Decimal(100), Decimal(2), CONFIG)
    assert (long.stop, long.risk, short.stop) == (Decimal(96), Decimal(4), Decimal(104))
    assert long.hit(Decimal(96), Decimal(99))
    assert not long.hit(Decimal("96.01"), Decimal(120))
    assert short.hit(Decimal(90), Decimal(104))
    assert not short.hit(Decimal(90), Decimal("103.99"))


def test_breakeven_after_one_r_then_trail_two_atr_behind() -> None:
    state = initial_stop(1, Decimal(100), Decimal(2), CONFIG)
    # +0.5R: the trail (101 - 4 = 97) already beats the first stop.
    state = trail(state, Decimal(101), Decimal(2), CONFIG)
    assert (state.stop, state.at_breakeven) == (Decimal(97), False)
    # +1R with a wide ATR: the trail alone would be 92; breakeven lifts it to the entry.
    state = trail(state, Decimal(104), Decimal(6), CONFIG)
    assert (state.stop, state.at_breakeven) == (Decimal(100), True)
    state = trail(state, Decimal(110), Decimal(2), CONFIG)
    assert state.stop == Decimal(106)
    # A fall, or a wider ATR, never loosens it.
    assert trail(state, Decimal(103), Decimal(2), CONFIG).stop == Decimal(106)
    assert trail(state, Decimal(110), Decimal(5), CONFIG).stop == Decimal(106)


def test_a_short_trails_downward() -> None:
    state = initial_stop(-1, Decimal(50), Decimal(1), CONFIG)
    state = trail(state, Decimal(47), Decimal(1), CONFIG)
    assert (state.stop, state.at_breakeven) == (Decimal(49), True)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        initial_stop(0, Decimal(100), Decimal(1), CONFIG)
    with pytest.raises(ValueError, match="ATR must be positive"):
        initial_stop(1, Decimal(100), Decimal(0), CONFIG)


def test_live_runs_retrail_every_ten_seconds() -> None:
    last = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    assert live_trail_due(None, last, CONFIG)
    assert not live_trail_due(last, last + timedelta(seconds=9.999), CONFIG)
    assert live_trail_due(last, last + timedelta(seconds=10), CONFIG)
