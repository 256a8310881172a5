"""Protective stops: an initial ATR stop, a move to breakeven after +1R, and an ATR trail that never loosens.

The engine calls `trail` every bar in a backtest and every `live_update_seconds` live; where the venue
supports stop orders the stop rests there (so it survives our crash), otherwise execution emulates it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from trader.risk.config import StopsConfig


@dataclass(frozen=True, slots=True)
class StopState:
    """The stop of one position. `direction` is +1 long, -1 short; `risk` is 1R, the entry-to-first-stop
    distance."""

    direction: int
    entry: Decimal
    stop: Decimal
    risk: Decimal
    at_breakeven: bool = False

    def hit(self, low: Decimal, high: Decimal) -> bool:
        """Whether a bar with this range reached the stop."""
        return low <= self.stop if self.direction > 0 else high >= self.stop


def initial_stop(direction: int, entry: Decimal, atr: Decimal, config: StopsConfig) -> StopState:
    """The stop `atr_multiple` ATRs from the entry, on the losing side."""
    if direction not in (1, -1):
        raise ValueError(f"direction is +1 (long) or -1 (short), not {direction}")
    if atr <= 0:
        raise ValueError(f"ATR must be positive to place a stop, not {atr}")
    distance = config.atr_multiple * atr
    return StopState(direction, entry, entry - direction * distance, distance)


def _tighter(state: StopState, candidate: Decimal) -> Decimal:
    # A stop only ever moves toward the price: up for a long, down for a short.
    if state.direction > 0:
        return max(state.stop, candidate)
    return min(state.stop, candidate)


def trail(state: StopState, price: Decimal, atr: Decimal, config: StopsConfig) -> StopState:
    """Move the stop for a new price: breakeven once the price is `breakeven_after_r` R in favour, then
    `trail_atr_multiple` ATRs behind the price, never backwards. A non-positive ATR leaves the trail as is."""
    stop = state.stop
    at_breakeven = state.at_breakeven
    gain = (price - state.entry) * state.direction
    if not at_breakeven and gain >= config.breakeven_after_r * state.risk:
        stop = _tighter(state, state.entry)
        at_breakeven = True
    if atr > 0:
        stop = _tighter(replace(state, stop=stop), price - state.direction * config.trail_atr_multiple * atr)
    if stop == state.stop and at_breakeven == state.at_breakeven:
        return state
    return replace(state, stop=stop, at_breakeven=at_breakeven)


def live_trail_due(last_trailed: datetime | None, now: datetime, config: StopsConfig) -> bool:
    """Whether a live run should re-trail now: every `live_update_seconds` (a backtest trails every bar)."""
    return last_trailed is None or now - last_trailed >= timedelta(seconds=config.live_update_seconds)
