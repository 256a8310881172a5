"""Sizing: confidence-scaled fixed-fractional risk, capped Kelly, streak and volatility scaling, lots."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trader.risk import TradeStats
from trader.risk.config import SizingConfig
from trader.risk.sizing import floor_to_lot, kelly, risk_fraction, streak_multiplier, volatility_multiplier

CONFIG = SizingConfig()


def test_confidence_moves_risk_from_a_quarter_to_two_percent() -> None:
    assert risk_fraction(0.0, TradeStats(), None, CONFIG) == pytest.approx(0.0025)
    assert risk_fraction(0.5, TradeStats(), None, CONFIG) == pytest.approx(0.01125)
    assert risk_fraction(1.0, TradeStats(), None, CONFIG) == pytest.approx(0.02)


def test_half_kelly_lowers_risk_once_the_record_is_long_enough() -> None:
    # p = 0.55, b = 1: full Kelly 0.10, half 0.05, capped at 0.02: no cut at confidence 1.
    record = TradeStats(trades=30, win_rate=0.55, payoff_ratio=1.0)
    assert kelly(record, CONFIG) == pytest.approx(0.10)
    assert risk_fraction(1.0, record, None, CONFIG) == pytest.approx(0.02)
    # p = 0.51, b = 1: full Kelly 0.02, half 0.01 is below the confidence-based 2 %.
    thin = TradeStats(trades=30, win_rate=0.51, payoff_ratio=1.0)
    assert risk_fraction(1.0, thin, None, CONFIG) == pytest.approx(0.01)
    # Too short a record is not trusted either way.
    assert kelly(TradeStats(trades=29, win_rate=0.1, payoff_ratio=1.0), CONFIG) is None
    assert risk_fraction(1.0, TradeStats(trades=30, win_rate=0.4, payoff_ratio=1.0), None, CONFIG) == 0


@pytest.mark.parametrize(
    ("losses", "wins", "scale"),
    [
        (0, 0, 1.0),
        (2, 0, 1.0),
        (3, 0, 0.5),
        (6, 0, 0.5),
        (0, 4, 1.0),
        (0, 5, 1.5),
        (0, 10, 2.0),
        (0, 50, 2.0),
    ],
)
def test_streaks_scale_within_half_and_double(losses: int, wins: int, scale: float) -> None:
    stats = TradeStats(consecutive_losses=losses, consecutive_wins=wins)
    assert streak_multiplier(stats, CONFIG) == pytest.approx(scale)


def test_a_loss_streak_halves_the_risk() -> None:
    assert risk_fraction(0.0, TradeStats(consecutive_losses=3), None, CONFIG) == pytest.approx(0.00125)


def test_volatility_targeting_scales_by_target_over_realised_within_bounds() -> None:
    assert volatility_multiplier(0.30, CONFIG) == pytest.approx(0.5)
    assert volatility_multiplier(0.10, CONFIG) == pytest.approx(1.5)
    assert volatility_multiplier(0.01, CONFIG) == 2.0
    assert volatility_multiplier(5.0, CONFIG) == 0.25
    assert volatility_multiplier(None, CONFIG) == 1.0
    off = SizingConfig(target_volatility=None)
    assert volatility_multiplier(0.3, off) == 1.0


@given(
    confidence=st.floats(0, 1),
    losses=st.integers(0, 20),
    wins=st.integers(0, 20),
    vol=st.none() | st.floats(0.001, 5),
)
def test_risk_never_exceeds_the_maximum_fraction(
    confidence: float, losses: int, wins: int, vol: float | None
) -> None:
    stats = TradeStats(consecutive_losses=losses, consecutive_wins=0 if losses else wins)
    assert 0 < risk_fraction(confidence, stats, vol, CONFIG) <= CONFIG.max_risk_fraction


@given(
    qty=st.decimals(0, 10**6, places=9),
    lot=st.sampled_from([Decimal(1), Decimal("0.01"), Decimal("1e-9"), Decimal(5)]),
)
def test_floor_to_lot_rounds_down_onto_the_lot(qty: Decimal, lot: Decimal) -> None:
    floored = floor_to_lot(qty, lot)
    assert floored <= qty < floored + lot
    assert floored % lot == 0


def test_lots_per_symbol_and_asset_class() -> None:
    config = SizingConfig.model_validate({"lots": {"spy": "0.5"}})
    assert config.lot_for("AAPL") == 1
    assert config.lot_for("SPY") == Decimal("0.5")
    assert config.lot_for("BTC/USD") == Decimal("0.000000001")


def test_the_kelly_cap_binds_below_the_confidence_maximum() -> None:
    # p = 0.55, b = 1: half Kelly is 5 %; a 1 % cap is what limits it, at any confidence above 30 %.
    capped = SizingConfig(kelly_cap=0.01)
    record = TradeStats(trades=30, win_rate=0.55, payoff_ratio=1.0)
    assert risk_fraction(1.0, record, None, capped) == pytest.approx(0.01)
    assert risk_fraction(0.0, record, None, capped) == pytest.approx(0.0025)  # below the cap: untouched
    # A quarter Kelly (0.025) under a 3 % cap and a 4 % maximum: Kelly itself binds.
    quarter = SizingConfig(kelly_fraction=0.25, kelly_cap=0.03, max_risk_fraction=0.04)
    assert risk_fraction(1.0, record, None, quarter) == pytest.approx(0.025)
