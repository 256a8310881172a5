"""The EmergencyCircuitBreaker: trips on drawdown, loss streaks, big moves, API errors, stale data, a person.

It is a pure state machine: `observe`, `trip_manually` and `acknowledge` take a BreakerState and return the
next one plus the events to journal. A trip halts new risk (evaluate() refuses it while tripped) and asks
the caller to cancel open orders and, when configured, flatten. Recovery needs the cooldown to have
passed, no trigger to hold any more, and an acknowledgement: by an authorised user, or in an unattended
backtest by the run itself when its config says so (`breaker.backtest_acknowledge`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from trader.errors import TraderError
from trader.models.config import EmergencyKind, EmergencyTrigger
from trader.risk.config import BreakerConfig, RiskConfig
from trader.risk.events import RiskEvent, RiskEventKind
from trader.risk.safe_mode import UnauthorisedError

_STEP = Decimal("0.000000001")


class BreakerAction(StrEnum):
    """What the caller must do when the breaker trips."""

    HALT_NEW_ORDERS = "halt_new_orders"
    CANCEL_OPEN_ORDERS = "cancel_open_orders"
    FLATTEN = "flatten"


class RecoveryRefusedError(TraderError):
    """An acknowledgement came before the breaker may recover; the message lists what is still unmet."""


@dataclass(frozen=True, slots=True)
class BreakerState:
    """Closed (trading) when `trigger` is None; else tripped by it and cooling down until `cooldown_until`."""

    trigger: EmergencyTrigger | None = None
    cooldown_until: datetime | None = None

    @property
    def tripped(self) -> bool:
        """Whether new risk is halted."""
        return self.trigger is not None


@dataclass(frozen=True, slots=True)
class BreakerObservation:
    """What the breaker looks at, at `now`."""

    now: datetime
    equity: Decimal
    high_water_mark: Decimal
    consecutive_losses: int = 0
    day_moves: Mapping[str, float] = field(default_factory=dict)
    api_calls: int = 0
    api_errors: int = 0
    last_data_at: datetime | None = None
    """Stamp of the newest market data; None before any has arrived (not stale, nothing to trade on)."""
    bars_missing: Mapping[str, int] = field(default_factory=dict)
    """Per symbol, the bars its calendar expected since its latest one that have not come (a backtest's
    staleness: one symbol stops printing while others go on); symbols not listed are current."""


def _exact(value: float | Decimal) -> Decimal:
    # A float goes through its shortest repr, so 0.2 stays 0.2 rather than its binary neighbour.
    decimal = value if isinstance(value, Decimal) else Decimal(repr(value))
    return decimal.quantize(_STEP)


class EmergencyCircuitBreaker:
    """Evaluates the configured triggers and moves a BreakerState through trip and recovery."""

    def __init__(self, config: RiskConfig) -> None:
        self._config = config
        self._limits: BreakerConfig = config.breaker

    def triggers(self, obs: BreakerObservation) -> list[EmergencyTrigger]:
        """Every automatic trigger that holds in `obs`, in a fixed order."""
        found = [self._drawdown(obs), self._loss_streak(obs), *self._asset_moves(obs)]
        found += [self._api_errors(obs), self._stale_data(obs), *self._stale_symbols(obs)]
        return [trigger for trigger in found if trigger is not None]

    def _drawdown(self, obs: BreakerObservation) -> EmergencyTrigger | None:
        hwm, limit = obs.high_water_mark, self._limits.max_drawdown_fraction
        if hwm <= 0 or obs.equity >= hwm:
            return None
        drawdown = (hwm - obs.equity) / hwm
        if drawdown < limit:
            return None
        detail = f"equity {obs.equity:f} is {drawdown:.2%} below the high-water mark {hwm:f}"
        return self._trigger(EmergencyKind.DRAWDOWN, obs.now, limit, drawdown, detail)

    def _loss_streak(self, obs: BreakerObservation) -> EmergencyTrigger | None:
        limit = self._limits.max_consecutive_losses
        if obs.consecutive_losses < limit:
            return None
        detail = f"{obs.consecutive_losses} losing trades in a row"
        return self._trigger(
            EmergencyKind.CONSECUTIVE_LOSSES, obs.now, Decimal(limit), Decimal(obs.consecutive_losses), detail
        )

    def _asset_moves(self, obs: BreakerObservation) -> list[EmergencyTrigger | None]:
        limit = self._limits.max_asset_day_move
        found: list[EmergencyTrigger | None] = []
        for symbol in sorted(obs.day_moves):
            move = obs.day_moves[symbol]
            size = _exact(abs(move))  # compared exactly: float 0.2 is a hair above Decimal 0.2
            if size > limit:
                detail = f"{symbol} moved {move:+.2%} today"
                found.append(
                    self._trigger(EmergencyKind.ASSET_MOVE, obs.now, limit, size, detail, symbol=symbol)
                )
        return found

    def _api_errors(self, obs: BreakerObservation) -> EmergencyTrigger | None:
        limit = self._limits.max_api_error_rate
        if obs.api_calls < self._limits.min_api_calls or obs.api_errors == 0:
            return None
        rate = Decimal(obs.api_errors) / Decimal(obs.api_calls)
        if rate < limit:
            return None
        detail = f"{obs.api_errors} of {obs.api_calls} API calls failed"
        return self._trigger(EmergencyKind.API_ERROR_RATE, obs.now, limit, rate, detail)

    def _stale_data(self, obs: BreakerObservation) -> EmergencyTrigger | None:
        if obs.last_data_at is None:
            return None
        limit = Decimal(self._limits.stale_data_seconds)
        age = _exact((obs.now - obs.last_data_at).total_seconds())
        if age < limit:
            return None
        detail = f"newest market data is {age.normalize():f} s old"
        return self._trigger(EmergencyKind.STALE_DATA, obs.now, limit, age, detail)

    def _stale_symbols(self, obs: BreakerObservation) -> list[EmergencyTrigger | None]:
        limit = self._limits.stale_data_bars
        found: list[EmergencyTrigger | None] = []
        for symbol in sorted(obs.bars_missing):
            missing = obs.bars_missing[symbol]
            if missing >= limit:
                detail = f"{symbol} has missed {missing} bars while other symbols go on"
                found.append(
                    self._trigger(
                        EmergencyKind.STALE_DATA,
                        obs.now,
                        Decimal(limit),
                        Decimal(missing),
                        detail,
                        symbol=symbol,
                    )
                )
        return found

    def observe(
        self, state: BreakerState, obs: BreakerObservation
    ) -> tuple[BreakerState, tuple[RiskEvent, ...]]:
        """Trip a closed breaker when any trigger holds; a tripped one stays as it is."""
        if state.tripped:
            return state, ()
        found = self.triggers(obs)
        if not found:
            return state, ()
        return self._trip(found[0], found)

    def trip_manually(
        self, state: BreakerState, who: str, detail: str, now: datetime
    ) -> tuple[BreakerState, tuple[RiskEvent, ...]]:
        """A person pulls the emergency stop (always honoured, whoever it is; recovery is what is guarded)."""
        trigger = EmergencyTrigger(kind=EmergencyKind.MANUAL, tripped_at=now, detail=detail, actor=who)
        if state.tripped:
            return state, ()
        return self._trip(trigger, [trigger])

    def acknowledge(
        self, state: BreakerState, who: str, obs: BreakerObservation
    ) -> tuple[BreakerState, RiskEvent]:
        """Recover: needs an authorised `who`, the cooldown over, and no trigger holding in `obs`."""
        trigger = self._tripped_by(state)
        if who not in self._config.authorised_users:
            raise UnauthorisedError(
                f"user {who!r} may not recover the breaker: not in risk config authorised_users"
            )
        self._check_recovery(state, obs)
        return BreakerState(), self._recovered(trigger, who, obs.now)

    def acknowledge_by_policy(
        self, state: BreakerState, actor: str, obs: BreakerObservation
    ) -> tuple[BreakerState, tuple[RiskEvent, RiskEvent]]:
        """Recover an unattended run under its configured `backtest_acknowledge` policy, as `actor`.

        The configuration is the authorisation (nobody is there to ask), so `actor` need not be an
        authorised user; the cooldown and the triggers are checked exactly as for a person. Returns the
        acknowledgement (naming the policy) and the recovery, to journal in that order.
        """
        trigger = self._tripped_by(state)
        policy = self._limits.backtest_acknowledge
        if policy == "never":
            raise RecoveryRefusedError(
                "breaker recovery refused: risk config breaker.backtest_acknowledge is 'never'"
            )
        self._check_recovery(state, obs)
        details = {"policy": policy, "trigger": trigger.kind.value, "tripped_at": trigger.tripped_at}
        acknowledged = RiskEvent(RiskEventKind.BREAKER_ACKNOWLEDGED, obs.now, details, actor=actor)
        return BreakerState(), (acknowledged, self._recovered(trigger, actor, obs.now))

    @staticmethod
    def _tripped_by(state: BreakerState) -> EmergencyTrigger:
        if state.trigger is None:
            raise RecoveryRefusedError("the breaker is not tripped: nothing to acknowledge")
        return state.trigger

    def _check_recovery(self, state: BreakerState, obs: BreakerObservation) -> None:
        """Raise RecoveryRefusedError listing what is unmet: the cooldown, and every trigger still holding."""
        unmet: list[str] = []
        if state.cooldown_until is not None and obs.now < state.cooldown_until:
            unmet.append(f"cooldown runs until {state.cooldown_until.isoformat()}")
        unmet += [f"{t.kind.value} still holds: {t.detail}" for t in self.triggers(obs)]
        if unmet:
            raise RecoveryRefusedError("breaker recovery refused: " + "; ".join(unmet))

    @staticmethod
    def _recovered(trigger: EmergencyTrigger, who: str, now: datetime) -> RiskEvent:
        payload = {"by": who, "trigger": trigger.kind.value, "tripped_at": trigger.tripped_at}
        return RiskEvent(RiskEventKind.BREAKER_RECOVERED, now, payload, actor=who)

    def actions(self) -> tuple[BreakerAction, ...]:
        """What a trip asks of the caller, per the configuration."""
        actions = [BreakerAction.HALT_NEW_ORDERS]
        if self._limits.cancel_open_orders:
            actions.append(BreakerAction.CANCEL_OPEN_ORDERS)
        if self._limits.flatten:
            actions.append(BreakerAction.FLATTEN)
        return tuple(actions)

    def _trip(
        self, trigger: EmergencyTrigger, found: list[EmergencyTrigger]
    ) -> tuple[BreakerState, tuple[RiskEvent, ...]]:
        at = trigger.tripped_at
        state = BreakerState(
            trigger=trigger, cooldown_until=at + timedelta(seconds=self._limits.cooldown_seconds)
        )
        payload = {
            "trigger": trigger.model_dump(mode="json", exclude_none=True),
            "also": [t.kind.value for t in found[1:]],
            "actions": [a.value for a in self.actions()],
            "cooldown_until": state.cooldown_until,
        }
        return state, (RiskEvent(RiskEventKind.BREAKER_TRIPPED, at, payload, actor=trigger.actor),)

    @staticmethod
    def _trigger(
        kind: EmergencyKind,
        now: datetime,
        threshold: Decimal,
        observed: Decimal,
        detail: str,
        *,
        symbol: str | None = None,
    ) -> EmergencyTrigger:
        return EmergencyTrigger(
            kind=kind,
            tripped_at=now,
            detail=detail,
            threshold=threshold,
            observed=_exact(observed),
            symbol=symbol,
        )
