"""SAFE_MODE: reduce-only after a daily loss >= 8 % or a monthly loss >= 20 %, until rollover or clearance.

Periods are UTC calendar days and months. A trip holds for the period that caused it (a monthly trip for
the month); when that period has rolled over it ends, and the new period's losses are judged afresh
(the caller resets day/month start equity at the rollover). An authorised user may clear it early; the
clearance covers that period, so the same loss does not trip it again until the next period.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from trader.errors import TraderError
from trader.risk.config import RiskConfig
from trader.risk.events import RiskEvent, RiskEventKind
from trader.risk.state import PortfolioState


class UnauthorisedError(TraderError):
    """Someone not listed in `authorised_users` tried to clear SAFE_MODE or recover the breaker."""


@dataclass(frozen=True, slots=True)
class SafeModeState:
    """Whether SAFE_MODE is on, since when, for which period, and which periods a person cleared."""

    active: bool = False
    period: str | None = None
    """'2026-11-23' for a daily trip, '2026-11' for a monthly one."""
    since: datetime | None = None
    cleared: frozenset[str] = frozenset()


def day_key(now: datetime) -> str:
    """The UTC day `now` falls in."""
    return now.date().isoformat()


def month_key(now: datetime) -> str:
    """The UTC month `now` falls in."""
    return f"{now.year:04d}-{now.month:02d}"


def loss_fraction(start: Decimal | None, equity: Decimal) -> Decimal:
    """Loss since `start` as a fraction of it (0 for a gain or an unknown start)."""
    if start is None or start <= 0 or equity >= start:
        return Decimal(0)
    return (start - equity) / start


def loss_limit_hit(portfolio: PortfolioState, config: RiskConfig) -> bool:
    """Whether the daily or the monthly loss limit is reached (whatever the period bookkeeping says)."""
    limits, equity = config.safe_mode, portfolio.equity
    day, month = portfolio.day_start_equity, portfolio.month_start_equity
    # Multiplied out rather than divided: the hot path of evaluate() runs this per snapshot.
    return (day is not None and day - equity >= limits.max_daily_loss_fraction * day) or (
        month is not None and month - equity >= limits.max_monthly_loss_fraction * month
    )


def breached_period(portfolio: PortfolioState, now: datetime, config: RiskConfig) -> str | None:
    """The period whose loss limit is breached now (the month first), None when neither is."""
    limits = config.safe_mode
    if loss_fraction(portfolio.month_start_equity, portfolio.equity) >= limits.max_monthly_loss_fraction:
        return month_key(now)
    if loss_fraction(portfolio.day_start_equity, portfolio.equity) >= limits.max_daily_loss_fraction:
        return day_key(now)
    return None


def in_force(state: SafeModeState, portfolio: PortfolioState, now: datetime, config: RiskConfig) -> bool:
    """Whether new risk is refused: on for a current period, or a limit breached and not cleared."""
    if state.active and state.period in (day_key(now), month_key(now)):
        return True
    period = breached_period(portfolio, now, config)
    return period is not None and period not in state.cleared


def assess(
    state: SafeModeState, portfolio: PortfolioState, now: datetime, config: RiskConfig
) -> tuple[SafeModeState, tuple[RiskEvent, ...]]:
    """Advance SAFE_MODE to `now`: end it when its period rolled over, enter it when a limit is breached."""
    events: list[RiskEvent] = []
    if state.active and state.period not in (day_key(now), month_key(now)):
        events.append(
            RiskEvent(RiskEventKind.SAFE_MODE_ENDED, now, {"period": state.period, "why": "rollover"})
        )
        state = replace(state, active=False, period=None, since=None)
    if not state.active:
        period = breached_period(portfolio, now, config)
        if period is not None and period not in state.cleared:
            state = replace(state, active=True, period=period, since=now)
            events.append(
                RiskEvent(
                    RiskEventKind.SAFE_MODE_ENTERED,
                    now,
                    {
                        "period": period,
                        "equity": portfolio.equity,
                        "day_loss": loss_fraction(portfolio.day_start_equity, portfolio.equity),
                        "month_loss": loss_fraction(portfolio.month_start_equity, portfolio.equity),
                    },
                )
            )
    return state, tuple(events)


def clear(
    state: SafeModeState, who: str, now: datetime, config: RiskConfig
) -> tuple[SafeModeState, RiskEvent]:
    """An authorised user ends SAFE_MODE for its period; raises UnauthorisedError for anyone else."""
    if who not in config.authorised_users:
        raise UnauthorisedError(f"user {who!r} may not clear SAFE_MODE: not in risk config authorised_users")
    if not state.active or state.period is None:
        raise TraderError("SAFE_MODE is not active: nothing to clear")
    event = RiskEvent(RiskEventKind.SAFE_MODE_CLEARED, now, {"period": state.period, "by": who}, actor=who)
    return SafeModeState(cleared=state.cleared | {state.period}), event
