"""EmergencyCircuitBreaker: each trigger, the trip actions, cooldown and acknowledged recovery."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from risk_helpers import NOW

from trader.models import EmergencyKind
from trader.risk import (
    BreakerAction,
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    RecoveryRefusedError,
    RiskConfig,
    RiskEventKind,
    UnauthorisedError,
)
from trader.risk.config import BreakerConfig

BREAKER = EmergencyCircuitBreaker(RiskConfig(authorised_users=("alice",)))


def calm(**changes: object) -> BreakerObservation:
    values: dict[str, object] = {"now": NOW, "equity": Decimal(100_000), "high_water_mark": Decimal(100_000)}
    values.update(changes)
    return BreakerObservation(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("obs", "kind"),
    [
        (calm(equity=Decimal(90_000), high_water_mark=Decimal(100_000)), EmergencyKind.DRAWDOWN),
        (calm(consecutive_losses=6), EmergencyKind.CONSECUTIVE_LOSSES),
        (calm(day_moves={"BTC/USD": -0.5}), EmergencyKind.ASSET_MOVE),
        (calm(api_calls=20, api_errors=5), EmergencyKind.API_ERROR_RATE),
        (calm(last_data_at=NOW - timedelta(seconds=120)), EmergencyKind.STALE_DATA),
    ],
)
def test_each_trigger_trips_with_halt_and_cancel(obs: BreakerObservation, kind: EmergencyKind) -> None:
    state, events = BREAKER.observe(BreakerState(), obs)
    assert state.tripped
    assert state.trigger is not None
    assert state.trigger.kind is kind
    assert state.cooldown_until == NOW + timedelta(seconds=900)
    (event,) = events
    assert event.kind is RiskEventKind.BREAKER_TRIPPED
    assert event.payload["actions"] == ["halt_new_orders", "cancel_open_orders"]
    assert event.payload["trigger"]["kind"] == kind.value


@pytest.mark.parametrize(
    "obs",
    [
        calm(equity=Decimal("90000.01")),
        calm(consecutive_losses=5),
        calm(day_moves={"BTC/USD": -0.2, "AAPL": 0.2}),
        calm(api_calls=19, api_errors=19),
        calm(api_calls=20, api_errors=4),
        calm(last_data_at=NOW - timedelta(seconds=119)),
        calm(last_data_at=None),
    ],
)
def test_just_inside_every_threshold_stays_closed(obs: BreakerObservation) -> None:
    assert BREAKER.observe(BreakerState(), obs) == (BreakerState(), ())


def test_flatten_is_an_action_only_when_configured() -> None:
    breaker = EmergencyCircuitBreaker(
        RiskConfig(breaker=BreakerConfig(flatten=True, cancel_open_orders=False))
    )
    assert breaker.actions() == (BreakerAction.HALT_NEW_ORDERS, BreakerAction.FLATTEN)


def test_a_manual_trip_names_who_pulled_it_and_a_tripped_breaker_stays_tripped() -> None:
    state, events = BREAKER.trip_manually(BreakerState(), "bob", "news halt", NOW)
    assert state.trigger is not None
    assert state.trigger.actor == "bob"
    assert events[0].payload["trigger"]["detail"] == "news halt"
    assert BREAKER.observe(state, calm(consecutive_losses=9)) == (state, ())
    assert BREAKER.trip_manually(state, "carol", "again", NOW) == (state, ())


def test_recovery_needs_the_cooldown_no_trigger_and_an_authorised_acknowledgement() -> None:
    state, _ = BREAKER.observe(BreakerState(), calm(consecutive_losses=7))
    later = NOW + timedelta(seconds=900)
    with pytest.raises(RecoveryRefusedError, match="cooldown runs until"):
        BREAKER.acknowledge(state, "alice", calm(now=NOW + timedelta(seconds=899)))
    with pytest.raises(RecoveryRefusedError, match="consecutive_losses still holds"):
        BREAKER.acknowledge(state, "alice", calm(now=later, consecutive_losses=7))
    with pytest.raises(UnauthorisedError, match="'bob' may not recover"):
        BREAKER.acknowledge(state, "bob", calm(now=later))
    recovered, event = BREAKER.acknowledge(state, "alice", calm(now=later))
    assert recovered == BreakerState()
    assert event.kind is RiskEventKind.BREAKER_RECOVERED
    assert event.payload["by"] == "alice"
    with pytest.raises(RecoveryRefusedError, match="not tripped"):
        BREAKER.acknowledge(recovered, "alice", calm(now=later))
