"""RiskConfig: every sizing, limit, stop, SAFE_MODE, breaker and progression setting, with the defaults."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import Fraction, Name, PositiveCount, PositiveDecimal, Symbol
from trader.risk.progression_config import ProgressionConfig

HARD_MAX_LEVERAGE = Decimal(10)
"""No configuration may allow more gross exposure than 10x equity."""

Share = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
"""A statistical fraction in (0, 1] (a Kelly fraction, a correlation bound)."""

Multiplier = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]
"""A scale factor applied to a size (streak or volatility scaling)."""

BacktestAcknowledge = Literal["never", "after_cooldown"]
"""Who acknowledges a breaker trip in an unattended run: nobody, or the run itself once it may recover."""


class SizingConfig(DomainModel):
    """How big a new position is: fixed-fractional risk to the stop, then Kelly, streak and volatility."""

    min_risk_fraction: Share = 0.0025
    """Equity risked to the stop at confidence 0."""
    max_risk_fraction: Share = 0.02
    """Equity risked to the stop at confidence 1; also the cap after every scaling."""
    kelly_fraction: Share = 0.5
    """Fraction of the full Kelly bet (half-Kelly by default)."""
    kelly_cap: Share = 0.02
    """The most equity fractional Kelly may ever risk on one trade."""
    kelly_min_trades: PositiveCount = 30
    """Closed trades needed before the strategy's record is trusted for Kelly."""
    loss_streak: PositiveCount = 3
    loss_streak_multiplier: Multiplier = 0.5
    """Applied once per `loss_streak` consecutive losses."""
    win_streak: PositiveCount = 5
    win_streak_multiplier: Multiplier = 1.5
    """Applied once per `win_streak` consecutive wins."""
    streak_floor: Multiplier = 0.5
    streak_ceiling: Multiplier = 2.0
    target_volatility: Share | None = 0.15
    """Annualised volatility a position is scaled toward (target / realised); None turns it off."""
    volatility_floor: Multiplier = 0.25
    volatility_ceiling: Multiplier = 2.0
    lot: PositiveDecimal = Decimal(1)
    """Quantity step for stocks (whole shares unless fractional_equities)."""
    fractional_equities: bool = False
    fractional_lot: PositiveDecimal = Decimal("0.000000001")
    """Step for crypto pairs, and for stocks when fractional_equities is on."""
    lots: dict[Symbol, PositiveDecimal] = Field(default_factory=dict)
    """Per-symbol steps that override the above."""

    @model_validator(mode="after")
    def _ranges_cohere(self) -> Self:
        found: list[Violation] = []
        if self.min_risk_fraction > self.max_risk_fraction:
            found.append(
                Violation(
                    "min_risk_fraction",
                    f"exceeds max_risk_fraction {self.max_risk_fraction}",
                    self.min_risk_fraction,
                )
            )
        for low, high in (("streak_floor", "streak_ceiling"), ("volatility_floor", "volatility_ceiling")):
            if getattr(self, low) > 1:
                found.append(
                    Violation(low, "a floor is at most 1 (it only ever shrinks a size)", getattr(self, low))
                )
            if getattr(self, high) < 1:
                found.append(Violation(high, "a ceiling is at least 1", getattr(self, high)))
        raise_violations(type(self), found)
        return self

    def lot_for(self, symbol: str) -> Decimal:
        """The quantity step of `symbol`."""
        step = self.lots.get(symbol)
        if step is not None:
            return step
        if "/" in symbol or self.fractional_equities:
            return self.fractional_lot
        return self.lot


class LimitsConfig(DomainModel):
    """Hard limits on new risk, as fractions of current equity.

    `max_total_risk_fraction` is the issue's "total exposure": equity at risk to the stops summed over all
    positions. Read as gross notional it would make the 30 % asset, 40 % sector and 3x leverage limits
    unreachable, so gross notional is bounded by `max_leverage` instead.
    """

    max_trade_fraction: Fraction = Decimal("0.05")
    """Notional of the new-risk part of one order."""
    max_total_risk_fraction: Fraction = Decimal("0.20")
    max_asset_fraction: Fraction = Decimal("0.30")
    max_sector_fraction: Fraction = Decimal("0.40")
    max_correlation: Share = 0.7
    """New risk in the direction of a held position correlated above this is refused."""
    max_leverage: PositiveDecimal = Decimal(3)
    """Gross market value over equity; never above HARD_MAX_LEVERAGE (10)."""
    trade_rate_limit: PositiveCount = 10
    """Trades within any 60 s must stay below this number."""

    @model_validator(mode="after")
    def _leverage_capped(self) -> Self:
        if self.max_leverage > HARD_MAX_LEVERAGE:
            raise_violations(
                type(self),
                [
                    Violation(
                        "max_leverage", f"exceeds the hard maximum {HARD_MAX_LEVERAGE}x", self.max_leverage
                    )
                ],
            )
        return self


class StopsConfig(DomainModel):
    """Protective stops: initial ATR stop, breakeven, trailing."""

    atr_multiple: PositiveDecimal = Decimal(2)
    """Initial stop distance in ATRs (also the risk distance sizing divides by)."""
    breakeven_after_r: PositiveDecimal = Decimal(1)
    """Move the stop to the entry once the price has gone this many R in favour."""
    trail_atr_multiple: PositiveDecimal = Decimal(2)
    live_update_seconds: PositiveCount = 10
    """How often a live run re-trails (a backtest does it every bar)."""


class SafeModeConfig(DomainModel):
    """Loss limits that make the account reduce-only until the period rolls over or a person clears it."""

    max_daily_loss_fraction: Fraction = Decimal("0.08")
    max_monthly_loss_fraction: Fraction = Decimal("0.20")


class BreakerConfig(DomainModel):
    """Emergency circuit-breaker triggers and actions."""

    max_drawdown_fraction: Fraction = Decimal("0.10")
    """From the equity high-water mark."""
    max_consecutive_losses: PositiveCount = 6
    max_asset_day_move: Fraction = Decimal("0.20")
    """Trips when any held or watched asset moves more than this in a day."""
    max_api_error_rate: Fraction = Decimal("0.25")
    min_api_calls: PositiveCount = 20
    """Calls needed in the window before the error rate means anything."""
    api_window_seconds: PositiveCount = 3600
    """The window of the error rate: gateway calls made this long before now (bar time in a backtest)."""
    stale_data_seconds: PositiveCount = 120
    """Trips when the newest market data is at least this old; evaluate() also refuses new risk then."""
    stale_data_bars: PositiveCount = 3
    """In a backtest: trips when this many bars a symbol's calendar expected have not come (it stopped
    printing while others go on)."""
    cooldown_seconds: PositiveCount = 900
    cancel_open_orders: bool = True
    flatten: bool = False
    """Also close every position with market orders on a trip."""
    backtest_acknowledge: BacktestAcknowledge = "never"
    """In a backtest nobody is there to acknowledge a trip: `never` keeps new risk halted to the end of the
    run; `after_cooldown` has the run acknowledge it (journaled, actor `backtest-policy`) at the first bar
    after the cooldown where no trigger holds."""


class RiskConfig(DomainModel):
    """The whole risk configuration; every section has the issue's defaults."""

    sizing: SizingConfig = Field(default_factory=SizingConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    stops: StopsConfig = Field(default_factory=StopsConfig)
    safe_mode: SafeModeConfig = Field(default_factory=SafeModeConfig)
    breaker: BreakerConfig = Field(default_factory=BreakerConfig)
    progression: ProgressionConfig = Field(default_factory=ProgressionConfig)
    """Capital steps from paper to scaled live, the promotion gates, and new-symbol scaling."""
    authorised_users: tuple[Name, ...] = ()
    """Who may clear SAFE_MODE and acknowledge a breaker recovery (nobody by default: rollover only)."""
