"""How a trading run is configured and guarded: modes, live limits, emergency triggers, check results."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import (
    ExactDecimal,
    Fraction,
    Name,
    PositiveCount,
    PositiveDecimal,
    Symbol,
    Text,
    UtcDatetime,
)

# Past these a LIVE config still validates, but review() says so: they are where accounts blow up.
_WARN_RISK_PER_TRADE = Decimal("0.02")
_WARN_DRAWDOWN = Decimal("0.25")
_WARN_POSITION = Decimal("0.5")


_NESTED_LIMITS = (
    ("max_order_notional", "starting_capital"),
    ("max_position_fraction", "max_gross_exposure_fraction"),
    ("risk_per_trade_fraction", "max_daily_loss_fraction"),
    ("max_daily_loss_fraction", "max_drawdown_fraction"),
)
"""(smaller, larger) limit pairs: a smaller limit set above its larger one is a mistake in the config."""


class TradingMode(StrEnum):
    """PAPER trades on the simulator, LIVE with real money, SCALED with real money at a fraction of size."""

    PAPER = "paper"
    LIVE = "live"
    SCALED = "scaled"


class ValidationResult(DomainModel):
    """The verdict of a check: `ok` exactly when there are no errors; warnings never block."""

    ok: bool
    errors: tuple[Text, ...] = ()
    warnings: tuple[Text, ...] = ()

    @classmethod
    def of(cls, errors: Iterable[str] = (), warnings: Iterable[str] = ()) -> ValidationResult:
        """Build a result whose `ok` follows from the errors."""
        errors = tuple(errors)
        return cls(ok=not errors, errors=errors, warnings=tuple(warnings))

    @model_validator(mode="after")
    def _ok_matches_errors(self) -> Self:
        if self.ok == bool(self.errors):
            why = f"{len(self.errors)} error(s) listed" if self.errors else "no errors listed"
            raise_violations(type(self), [Violation("ok", f"contradicts the errors: {why}", self.ok)])
        return self


class LiveTradingConfig(DomainModel):
    """Limits for a paper, live or scaled run. Fractions are of current equity and lie in (0, 1]."""

    mode: TradingMode
    symbols: tuple[Symbol, ...] = Field(min_length=1)
    starting_capital: PositiveDecimal
    scale_fraction: Fraction | None = None
    max_order_notional: PositiveDecimal
    max_position_fraction: Fraction
    max_gross_exposure_fraction: Fraction
    risk_per_trade_fraction: Fraction
    max_daily_loss_fraction: Fraction
    max_drawdown_fraction: Fraction
    max_open_positions: PositiveCount
    max_orders_per_day: PositiveCount
    max_consecutive_losses: PositiveCount
    stale_data_seconds: PositiveCount

    @model_validator(mode="after")
    def _limits_cohere(self) -> Self:
        found = self._scale_violations()
        seen: set[str] = set()
        for symbol in self.symbols:
            if symbol in seen:
                found.append(Violation("symbols", "lists a symbol twice", symbol))
            seen.add(symbol)
        for small, large in _NESTED_LIMITS:
            value, limit = getattr(self, small), getattr(self, large)
            if value > limit:
                found.append(Violation(small, f"exceeds {large} {limit:f}", value))
        raise_violations(type(self), found)
        return self

    def _scale_violations(self) -> list[Violation]:
        if self.mode is TradingMode.SCALED and self.scale_fraction is None:
            return [Violation("scale_fraction", "required in scaled mode", None)]
        if self.mode is not TradingMode.SCALED and self.scale_fraction is not None:
            return [
                Violation(
                    "scale_fraction", f"only meaningful in scaled mode, not {self.mode}", self.scale_fraction
                )
            ]
        return []

    @property
    def deployed_capital(self) -> Decimal:
        """Capital the run may use: starting capital, times scale_fraction in scaled mode."""
        return self.starting_capital * (self.scale_fraction or 1)

    def review(self) -> ValidationResult:
        """Warnings for limits that validate but are aggressive for real money (never errors)."""
        if self.mode is TradingMode.PAPER:
            return ValidationResult.of()
        warnings = [
            f"{name} {value:f} is above the usual {limit:f} for real money"
            for name, value, limit in (
                ("risk_per_trade_fraction", self.risk_per_trade_fraction, _WARN_RISK_PER_TRADE),
                ("max_drawdown_fraction", self.max_drawdown_fraction, _WARN_DRAWDOWN),
                ("max_position_fraction", self.max_position_fraction, _WARN_POSITION),
            )
            if value > limit
        ]
        return ValidationResult.of(warnings=warnings)


class EmergencyKind(StrEnum):
    """What tripped an emergency stop."""

    DRAWDOWN = "drawdown"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    ASSET_MOVE = "asset_move"
    API_ERROR_RATE = "api_error_rate"
    STALE_DATA = "stale_data"
    MANUAL = "manual"


_FRACTION_KINDS = frozenset({EmergencyKind.DRAWDOWN, EmergencyKind.ASSET_MOVE, EmergencyKind.API_ERROR_RATE})


class EmergencyTrigger(DomainModel):
    """A tripped breaker: the `observed` value reached `threshold` at `tripped_at`.

    Units by kind: drawdown, asset_move (absolute move) and api_error_rate are fractions in (0, 1];
    consecutive_losses a count; stale_data seconds. A manual trigger has no threshold but names its actor.
    """

    kind: EmergencyKind
    tripped_at: UtcDatetime
    detail: Text
    threshold: ExactDecimal | None = None
    observed: ExactDecimal | None = None
    symbol: Symbol | None = None
    actor: Name | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        kind = self.kind
        if kind is EmergencyKind.MANUAL:
            found = [
                Violation(name, "not allowed for a manual trigger", value)
                for name, value in (("threshold", self.threshold), ("observed", self.observed))
                if value is not None
            ]
            if self.actor is None:
                found.append(Violation("actor", "a manual trigger names who pulled it", None))
        else:
            found = self._measured_violations()
        if kind is EmergencyKind.ASSET_MOVE and self.symbol is None:
            found.append(Violation("symbol", "an asset_move trigger names the asset", None))
        raise_violations(type(self), found)
        return self

    def _measured_violations(self) -> list[Violation]:
        kind, threshold, observed = self.kind, self.threshold, self.observed
        found: list[Violation] = []
        if self.actor is not None:
            found.append(Violation("actor", f"only a manual trigger has an actor, not {kind}", self.actor))
        if threshold is None:
            found.append(Violation("threshold", f"required for a {kind} trigger", None))
        elif kind in _FRACTION_KINDS and not 0 < threshold <= 1:
            found.append(Violation("threshold", f"a {kind} threshold is a fraction in (0, 1]", threshold))
        elif kind is EmergencyKind.CONSECUTIVE_LOSSES and (
            threshold < 1 or threshold != threshold.to_integral_value()
        ):
            found.append(
                Violation("threshold", "a consecutive_losses threshold is a whole count >= 1", threshold)
            )
        elif threshold <= 0:
            found.append(Violation("threshold", f"a {kind} threshold is positive", threshold))
        if observed is None:
            found.append(Violation("observed", f"required for a {kind} trigger", None))
        elif threshold is not None and observed < threshold:
            found.append(Violation("observed", f"below threshold {threshold:f}: nothing tripped", observed))
        return found
