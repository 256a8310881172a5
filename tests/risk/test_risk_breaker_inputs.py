"""The breaker's backtest inputs: policy acknowledgement, missed bars, the API call window, their config."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from risk_helpers import NOW

from trader.data import CRYPTO, us_equity
from trader.models import EmergencyKind, Timeframe
from trader.risk import (
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    RecoveryRefusedError,
    RiskConfig,
    RiskEventKind,
)
from trader.risk.api_window import ApiCallWindow
from trader.risk.config import BreakerConfig
from trader.risk.config_file import RiskConfigError, load_risk_config
from trader.risk.staleness import MissingBars

DAY_NS = 86_400 * 10**9
MONDAY = 1_704_067_200 * 10**9  # 2024-01-01 00:00 UTC (New Year's Day: NYSE closed)
TRADER = Path(sys.executable).parent / "trader"


def calm(**changes: object) -> BreakerObservation:
    values: dict[str, object] = {"now": NOW, "equity": Decimal(100_000), "high_water_mark": Decimal(100_000)}
    values.update(changes)
    return BreakerObservation(**values)  # type: ignore[arg-type]


def breaker(policy: str) -> EmergencyCircuitBreaker:
    return EmergencyCircuitBreaker(
        RiskConfig(breaker=BreakerConfig.model_validate({"backtest_acknowledge": policy}))
    )


def test_the_policy_acknowledges_after_the_cooldown_once_no_trigger_holds() -> None:
    policy = breaker("after_cooldown")
    tripped, _ = policy.observe(BreakerState(), calm(day_moves={"SPY": -0.3}))
    later = NOW + timedelta(seconds=900)
    with pytest.raises(RecoveryRefusedError, match="cooldown runs until"):
        policy.acknowledge_by_policy(tripped, "backtest-policy", calm(now=later - timedelta(seconds=1)))
    with pytest.raises(RecoveryRefusedError, match=r"asset_move still holds: SPY moved -30\.00% today"):
        policy.acknowledge_by_policy(tripped, "backtest-policy", calm(now=later, day_moves={"SPY": -0.3}))
    # Nobody in authorised_users: the configured policy is the authorisation.
    state, (acknowledged, recovered) = policy.acknowledge_by_policy(
        tripped, "backtest-policy", calm(now=later)
    )
    assert state == BreakerState()
    assert acknowledged.kind is RiskEventKind.BREAKER_ACKNOWLEDGED
    assert acknowledged.journal_kind == "manual_action"
    assert acknowledged.payload["policy"] == "after_cooldown"
    assert acknowledged.payload["trigger"] == "asset_move"
    assert recovered.kind is RiskEventKind.BREAKER_RECOVERED
    assert recovered.journal_kind == "breaker_recovery"
    assert acknowledged.actor == recovered.actor == "backtest-policy"
    assert acknowledged.at == recovered.at == later


def test_the_default_policy_never_acknowledges() -> None:
    never = breaker("never")
    assert RiskConfig().breaker.backtest_acknowledge == "never"
    tripped, _ = never.observe(BreakerState(), calm(consecutive_losses=6))
    much_later = calm(now=NOW + timedelta(days=365))
    with pytest.raises(RecoveryRefusedError, match="backtest_acknowledge is 'never'"):
        never.acknowledge_by_policy(tripped, "backtest-policy", much_later)
    with pytest.raises(RecoveryRefusedError, match="not tripped"):
        breaker("after_cooldown").acknowledge_by_policy(BreakerState(), "backtest-policy", much_later)


def test_a_symbol_missing_its_bars_trips_the_stale_data_trigger_at_the_limit() -> None:
    policy = breaker("never")  # stale_data_bars = 3 by default
    assert policy.observe(BreakerState(), calm(bars_missing={"QQQ": 2, "SPY": 1})) == (BreakerState(), ())
    state, (event,) = policy.observe(BreakerState(), calm(bars_missing={"QQQ": 3}))
    assert state.trigger is not None
    assert state.trigger.kind is EmergencyKind.STALE_DATA
    assert state.trigger.symbol == "QQQ"
    assert state.trigger.observed == 3
    assert event.payload["trigger"]["detail"] == "QQQ has missed 3 bars while other symbols go on"


def test_missing_bars_follow_each_symbols_calendar() -> None:
    stocks, coins = us_equity(), CRYPTO
    missing = MissingBars([("SPY", Timeframe.D1, stocks), ("BTC/USD", Timeframe.D1, coins)], limit=3)
    friday = MONDAY + 4 * DAY_NS  # 2024-01-05
    assert missing.update(friday, ["SPY", "BTC/USD"]) == {}
    # The weekend: BTC prints, SPY's calendar expects nothing.
    assert missing.update(friday + DAY_NS, ["BTC/USD"]) == {}
    assert missing.update(friday + 2 * DAY_NS, ["BTC/USD"]) == {}
    # Monday and Tuesday SPY should have printed: two bars missed, one short of the limit.
    assert missing.update(friday + 3 * DAY_NS, ["BTC/USD"]) == {"SPY": 1}
    assert missing.update(friday + 4 * DAY_NS, ["BTC/USD"]) == {"SPY": 2}
    assert missing.update(friday + 5 * DAY_NS, ["BTC/USD"]) == {"SPY": 3}
    assert missing.update(friday + 6 * DAY_NS, ["BTC/USD"]) == {"SPY": 3}  # counted up to the limit
    assert missing.update(friday + 7 * DAY_NS, ["BTC/USD", "SPY"]) == {}  # back: current again


def test_a_symbol_not_started_yet_is_not_stale() -> None:
    missing = MissingBars([("A", Timeframe.H1, CRYPTO), ("B", Timeframe.H1, CRYPTO)], limit=2)
    hour = 3_600 * 10**9
    for k in range(5):
        assert missing.update(MONDAY + k * hour, ["A"]) == {}
    assert missing.update(MONDAY + 5 * hour, ["A", "B"]) == {}
    assert missing.update(MONDAY + 7 * hour, ["A"]) == {"B": 2}


def test_the_api_window_counts_calls_within_its_span() -> None:
    window = ApiCallWindow(60)
    for k in range(4):
        window.record(NOW + timedelta(seconds=10 * k), failed=k % 2 == 1)
    assert window.counts(NOW + timedelta(seconds=30)) == (4, 2)
    assert window.counts(NOW + timedelta(seconds=60)) == (3, 2)  # the call at NOW is 60 s old: out
    assert window.counts(NOW + timedelta(seconds=95)) == (0, 0)
    window.record(NOW, failed=True)  # out of order: counted at the last call's time (NOW + 30 s)
    assert window.counts(NOW + timedelta(seconds=89)) == (1, 1)
    assert window.counts(NOW + timedelta(seconds=90)) == (0, 0)
    with pytest.raises(ValueError, match="at least 1 second"):
        ApiCallWindow(0)


@settings(max_examples=60, deadline=None)
@given(
    span=st.integers(1, 100),
    steps=st.lists(st.tuples(st.integers(0, 40), st.booleans(), st.booleans()), max_size=60),
)
def test_the_api_window_agrees_with_counting_every_call(
    span: int, steps: list[tuple[int, bool, bool]]
) -> None:
    """Recording in time order and asking at any later instant gives the calls in (now - span, now]."""
    window, calls, at = ApiCallWindow(span), [], 0
    for gap, failed, ask in steps:
        at += gap
        window.record(NOW + timedelta(seconds=at), failed=failed)
        calls.append((at, failed))
        if ask:
            inside = [f for t, f in calls if at - span < t <= at]
            assert window.counts(NOW + timedelta(seconds=at)) == (len(inside), sum(inside))


@settings(max_examples=40, deadline=None)
@given(
    present=st.lists(st.booleans(), min_size=1, max_size=80),
    limit=st.integers(1, 6),
)
def test_missed_bars_equal_the_stamps_a_symbol_skipped_on_a_round_the_clock_calendar(
    present: list[bool], limit: int
) -> None:
    """On a 24/7 calendar every stamp is an expected bar: the count is the run of stamps since the last."""
    minute = 60 * 10**9
    missing = MissingBars([("A", Timeframe.M1, CRYPTO), ("B", Timeframe.M1, CRYPTO)], limit=limit)
    last: int | None = None
    for k, here in enumerate(present):
        behind = missing.update(MONDAY + k * minute, ["A", "B"] if here else ["A"])
        if here:
            last = k
        expected = {} if last is None or last == k else {"B": min(k - last, limit)}
        assert behind == expected


def test_a_bad_acknowledgement_policy_names_file_line_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text('[breaker]\ncooldown_seconds = 60\nbacktest_acknowledge = "sometimes"\n')
    with pytest.raises(RiskConfigError) as caught:
        load_risk_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: field 'breaker.backtest_acknowledge': ")
    assert "'never' or 'after_cooldown'" in message
    assert "(got 'sometimes')" in message


def test_risk_check_prints_the_acknowledgement_policy_and_the_backtest_triggers(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text('[breaker]\nbacktest_acknowledge = "after_cooldown"\nstale_data_bars = 4\n')
    out = subprocess.run(
        [str(TRADER), "risk", "check", "--config", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "after_cooldown (by backtest-policy, once no trigger holds)" in out.stdout
    assert "4 expected bars missing" in out.stdout
    assert "25% of at least 20 calls within 3600 s" in out.stdout
    default = tmp_path / "default.toml"
    default.write_text("")
    out = subprocess.run(
        [str(TRADER), "risk", "check", "--config", str(default)], capture_output=True, text=True, check=False
    )
    assert "never (a trip halts new risk to the end of the run)" in out.stdout


def test_expected_bars_are_looked_up_once_per_gap() -> None:
    """A symbol behind for many stamps costs one calendar lookup, not one per stamp."""
    calls: list[int] = []

    class Counting:
        def expected_opens(self, first: int, last: int, timeframe: Timeframe) -> np.ndarray:
            calls.append(first)
            return CRYPTO.expected_opens(first, last, timeframe)

    hour = 3_600 * 10**9
    missing = MissingBars([("A", Timeframe.H1, CRYPTO), ("B", Timeframe.H1, Counting())], limit=3)  # type: ignore[list-item]
    missing.update(MONDAY, ["A", "B"])
    for k in range(1, 10):
        missing.update(MONDAY + k * hour, ["A"])
    assert calls == [MONDAY]
