"""Position sizing: fixed-fractional risk by confidence, capped by Kelly, scaled by streak and volatility."""

from __future__ import annotations

from decimal import Decimal

from trader.risk.config import SizingConfig
from trader.risk.state import TradeStats


def floor_to_lot(qty: Decimal, lot: Decimal) -> Decimal:
    """The largest multiple of `lot` not above `qty` (0 for anything below one lot or negative)."""
    if qty < lot:
        return Decimal(0)
    return (qty // lot) * lot


def kelly(stats: TradeStats, config: SizingConfig) -> float | None:
    """Full Kelly fraction p - (1 - p) / b from the record; None until the record is long enough."""
    if stats.trades < config.kelly_min_trades or stats.win_rate is None or not stats.payoff_ratio:
        return None
    p = stats.win_rate
    return p - (1.0 - p) / stats.payoff_ratio


def streak_multiplier(stats: TradeStats, config: SizingConfig) -> float:
    """x0.5 per `loss_streak` losses in a row, x1.5 per `win_streak` wins in a row, within the bounds."""
    if stats.consecutive_losses >= config.loss_streak:
        scale = config.loss_streak_multiplier ** (stats.consecutive_losses // config.loss_streak)
    elif stats.consecutive_wins >= config.win_streak:
        scale = config.win_streak_multiplier ** (stats.consecutive_wins // config.win_streak)
    else:
        return 1.0
    return _bounded(scale, config.streak_floor, config.streak_ceiling)


def volatility_multiplier(realised_vol: float | None, config: SizingConfig) -> float:
    """target / realised volatility within the bounds; 1 when targeting is off or the volatility unknown."""
    if config.target_volatility is None or realised_vol is None or not realised_vol > 0:
        return 1.0
    return _bounded(
        config.target_volatility / realised_vol, config.volatility_floor, config.volatility_ceiling
    )


def _bounded(value: float, floor: float, ceiling: float) -> float:
    """min(max(value, floor), ceiling), spelled out: the builtins cost twice as much on evaluate()'s path."""
    value = floor if floor > value else value
    return ceiling if ceiling < value else value


def risk_fraction(
    confidence: float, stats: TradeStats, realised_vol: float | None, config: SizingConfig
) -> float:
    """Share of equity to risk to the stop; 0 when the record shows no edge (Kelly <= 0).

    Confidence moves it linearly from min_risk_fraction to max_risk_fraction; fractional Kelly (capped)
    can only lower it; the streak and volatility multipliers scale it; max_risk_fraction caps the result.
    """
    scale = streak_multiplier(stats, config) * volatility_multiplier(realised_vol, config)
    return scaled_fraction(confidence, kelly(stats, config), scale, config)


def scaled_fraction(confidence: float, full_kelly: float | None, scale: float, config: SizingConfig) -> float:
    """`risk_fraction` from the parts that do not depend on the decision, worked out already: the
    record's full Kelly and the streak x volatility `scale` (evaluate() keeps them per snapshot)."""
    low, high = config.min_risk_fraction, config.max_risk_fraction
    fraction = low + confidence * (high - low)
    if full_kelly is not None:
        if full_kelly <= 0:
            return 0.0
        # min(fraction, kelly_fraction x full Kelly, kelly_cap), spelled out as _bounded is.
        bet, cap = config.kelly_fraction * full_kelly, config.kelly_cap
        fraction = bet if bet < fraction else fraction
        fraction = cap if cap < fraction else fraction
    fraction *= scale
    return high if high < fraction else fraction
