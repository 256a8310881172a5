"""ProgressionConfig: capital steps, the gates a phase must pass, and how new symbols are scaled in."""

from __future__ import annotations

import itertools
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import Fraction, Name, PositiveCount, PositiveDecimal

Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A win rate: a fraction of trades in [0, 1]."""

Ratio = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A non-negative statistic threshold (profit factor)."""

SharpeFloor = Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)]

Scale = Annotated[Decimal, Field(gt=0, le=1)]
"""A size multiplier that only ever shrinks (0, 1]."""


class Phase(StrEnum):
    """Where a strategy stands on the way to real money, in forward order; live phases need Alpaca keys."""

    PAPER = "paper"
    MICRO_LIVE = "micro_live"
    SCALED_LIVE = "scaled_live"


LIVE_PHASES = frozenset({Phase.MICRO_LIVE, Phase.SCALED_LIVE})

DEFAULT_STEPS = tuple(Decimal(step) for step in (1_000, 5_000, 10_000, 25_000, 50_000, 100_000))


class PhaseGates(DomainModel):
    """What the record in a phase must show before it may be left for the next step up."""

    min_trades: PositiveCount = 30
    """Closed round trips within the phase window."""
    min_win_rate: Rate = 0.40
    min_profit_factor: Ratio = 1.2
    """Gross profit over gross loss; a record without losses passes."""
    max_drawdown: Fraction = Decimal("0.10")
    """Deepest fall of the equity curve from its peak within the window."""
    min_sharpe: SharpeFloor = 0.5
    """Annualised Sharpe of the daily returns within the window (needs at least two)."""
    max_breaches: int = Field(default=0, ge=0)
    """Limit breaches (SAFE_MODE entries, breaker trips) tolerated within the window."""
    min_days: PositiveCount = 7
    """Days that must have passed since the phase (or the step) began."""


class ScalingConfig(DomainModel):
    """How size is reduced for symbols that join the universe after trading began."""

    new_symbol_trades: int = Field(default=10, ge=0)
    """Trades a newly added symbol spends at reduced size (0 turns this off)."""
    new_symbol_multiplier: Scale = Decimal("0.5")


class ProgressionConfig(DomainModel):
    """Paper -> micro_live -> scaled_live: the capital of each step, the gates, who may approve."""

    capital_steps: tuple[PositiveDecimal, ...] = DEFAULT_STEPS
    """Capital a live step may put at stake, strictly increasing; micro_live holds the first ones."""
    micro_live_steps: PositiveCount = 1
    """How many of the first capital steps count as micro_live (the rest are scaled_live)."""
    paper_capital: PositiveDecimal = Decimal(100_000)
    """Capital the paper phase sizes against (paper money; no live capital is at stake)."""
    demote_steps: PositiveCount = 1
    """Steps a breach drops (below the first step is paper)."""
    approvers: tuple[Name, ...] = ()
    """Who may approve a promotion; empty means any named person (the approval is journaled with the name)."""
    sharpe_days_per_year: PositiveCount = 252
    """Annualisation of the daily-return Sharpe in the gates (365 for crypto-only books)."""
    gates: dict[Phase, PhaseGates] = Field(default_factory=dict)
    """Gates per phase being left; a phase not named uses the PhaseGates defaults."""
    scaling: ScalingConfig = Field(default_factory=ScalingConfig)

    @model_validator(mode="after")
    def _steps_cohere(self) -> Self:
        found: list[Violation] = []
        steps = self.capital_steps
        if not steps:
            found.append(Violation("capital_steps", "needs at least one capital step", steps))
        elif any(low >= high for low, high in itertools.pairwise(steps)):
            found.append(Violation("capital_steps", "must be strictly increasing", [f"{s:f}" for s in steps]))
        if steps and self.micro_live_steps >= len(steps):
            found.append(
                Violation(
                    "micro_live_steps",
                    f"leaves no scaled_live step (there are {len(steps)} capital steps)",
                    self.micro_live_steps,
                )
            )
        raise_violations(type(self), found)
        return self

    def gates_for(self, phase: Phase) -> PhaseGates:
        """The gates for leaving `phase`."""
        return self.gates.get(phase) or _DEFAULT_GATES

    def phase_of(self, step: int | None) -> Phase:
        """The phase a capital step index belongs to (None is paper)."""
        if step is None:
            return Phase.PAPER
        return Phase.MICRO_LIVE if step < self.micro_live_steps else Phase.SCALED_LIVE


_DEFAULT_GATES = PhaseGates()
