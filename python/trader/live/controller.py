"""LiveTradingController: the mode (PAPER -> LIVE -> SCALED), overrides and the gate every order passes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trader.execution.errors import GatewayError
from trader.journal import Journal, JournalKind
from trader.live.reconcile import TERMINAL
from trader.risk import (
    BreakerAction,
    BreakerObservation,
    BreakerState,
    EmergencyActions,
    EmergencyCircuitBreaker,
    RiskConfig,
)

if TYPE_CHECKING:
    from trader.engine.risk_gate import RiskGate
    from trader.execution.embedded import EmbeddedGateway
    from trader.live.state_dir import StateDir
    from trader.portfolio import Portfolio
    from trader.strategies.order_request import OrderRequest

MODES = {"paper": "PAPER", "micro_live": "LIVE", "scaled_live": "SCALED"}
"""Progression phase -> the controller's mode name."""
FLATTEN_ATTEMPTS = 3
"""Gateway calls an operator's flatten makes per symbol before it leaves the symbol to that person."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Hold:
    """Why trading is held, by whom, since when."""

    by: str
    reason: str
    since: str


class LiveTradingController:
    """Coordinates gateway, breaker, progression and the operator; every transition is journaled with who.

    Order gate, in order: not reconciled -> refused; paused -> refused; breaker tripped, or the gateway's
    event stream lagging (the venue's news is stale) -> only orders that reduce a position pass (fail closed,
    exits stay possible). The gateway's kill switch sits below all this and refuses every new order.
    """

    def __init__(
        self,
        state: StateDir,
        journal: Journal,
        gateway: EmbeddedGateway,
        portfolio: Portfolio,
        *,
        risk: RiskConfig,
        mode: str = "PAPER",
    ) -> None:
        self._state = state
        self.journal = journal
        self.gateway = gateway
        self.portfolio = portfolio
        self.breaker = EmergencyCircuitBreaker(risk)
        self.risk_gate: RiskGate | None = None
        """Risk's guard, when risk is on: its breaker state is then the one both trip, read and recover."""
        self._breaker_state = BreakerState()
        self.breaches = 0
        self.mode = mode
        self.paused: Hold | None = None
        self.unreconciled: Hold | None = None
        self.lagging: Hold | None = None
        """Set by the stream-lag guard while the daemon trails the gateway's events; lifted when caught up."""
        self.kill_switch = False
        self.high_water = portfolio.equity()
        self._flatten_seq = 0

    @property
    def breaker_state(self) -> BreakerState:
        """The breaker's state: risk's guard's own when it runs (one state for the health monitor's triggers,
        the book's, the operator's), else the controller's."""
        return self._breaker_state if self.risk_gate is None else self.risk_gate.breaker

    @breaker_state.setter
    def breaker_state(self, state: BreakerState) -> None:
        if self.risk_gate is None:
            self._breaker_state = state
        else:
            self.risk_gate.breaker = state

    # --- the gate -----------------------------------------------------------------------------------

    def gate(self, request: OrderRequest) -> str | None:
        if self.unreconciled is not None:
            return f"not reconciled: {self.unreconciled.reason}"
        if self.paused is not None:
            return f"paused by {self.paused.by}: {self.paused.reason}"
        if self.breaker_state.tripped and not self._reduces(request):
            trigger = self.breaker_state.trigger
            return f"breaker tripped ({'?' if trigger is None else trigger.kind.value}): only exits pass"
        if self.lagging is not None and not self._reduces(request):
            return f"{self.lagging.reason}: only exits pass"
        return None

    def _reduces(self, request: OrderRequest) -> bool:
        held = self.portfolio.position_qty(request.symbol)
        signed = request.qty if request.side == "buy" else -request.qty
        return held != 0 and abs(held + signed) < abs(held) and (held > 0) != (signed > 0)

    @property
    def trading(self) -> bool:
        return not (
            self.unreconciled or self.paused or self.lagging or self.kill_switch or self.breaker_state.tripped
        )

    def hold_for_lag(self, reason: str) -> None:
        """The event stream fell behind (health monitor): reduce-only until it catches up (journaled)."""
        self.lagging = Hold("health", reason, _now().isoformat())
        self.journal.append(
            JournalKind.MODE_CHANGE, {"event": "stream_lag_hold", "reason": reason}, ts=_now(), actor="health"
        )

    def release_lag(self, reason: str) -> None:
        """The event stream caught up: new risk allowed again (journaled)."""
        self.lagging = None
        self.journal.append(
            JournalKind.MODE_CHANGE,
            {"event": "stream_lag_resumed", "reason": reason},
            ts=_now(),
            actor="health",
        )

    # --- overrides ----------------------------------------------------------------------------------

    def record(self, who: str, action: str, **detail: Any) -> None:
        """Journal an operator action (by `who`) done elsewhere, e.g. a new paper-venue epoch."""
        self._manual(who, action, **detail)

    def _manual(self, who: str, action: str, **detail: Any) -> None:
        self.journal.append(JournalKind.MANUAL_ACTION, {"action": action, **detail}, ts=_now(), actor=who)

    def pause(self, who: str, reason: str = "operator pause") -> None:
        self.paused = Hold(who, reason, _now().isoformat())
        self._manual(who, "pause", reason=reason)

    def resume(self, who: str) -> list[str]:
        """Lift a pause and acknowledge an unreconciled start; returns what was lifted."""
        lifted = []
        if self.unreconciled is not None:
            lifted.append(f"reconciliation hold ({self.unreconciled.reason})")
            self.unreconciled = None
        if self.paused is not None:
            lifted.append(f"pause by {self.paused.by}")
            self.paused = None
        self._manual(who, "resume", lifted=lifted)
        return lifted

    def set_kill_switch(self, on: bool, who: str, source: str) -> None:
        """Engage or release the gateway's kill switch at once; the flag file keeps it across restarts."""
        flag = self._state.kill_flag
        if on:
            flag.write_text(f"{who} {_now().isoformat()}\n", encoding="utf-8")
        else:
            flag.unlink(missing_ok=True)
        changed = on != self.kill_switch
        self.gateway.set_kill_switch(on)
        self.kill_switch = on
        if changed:
            self._manual(who, "kill_switch_on" if on else "kill_switch_off", source=source)

    def sync_kill_flag(self) -> None:
        """Apply the flag file when someone created or removed it by hand."""
        present = self._state.kill_flag.exists()
        if present != self.kill_switch:
            self.set_kill_switch(present, "file", "flag file")

    def cancel_open(
        self, who: str, symbol: str | None = None, *, keep: frozenset[str] = frozenset()
    ) -> list[str]:
        """Cancel every open order (of `symbol`) but those in `keep`; cancels pass with the kill switch on."""
        done = []
        for view in self.gateway.core.orders():
            if view.status in TERMINAL or view.client_order_id in keep:
                continue
            if symbol is not None and view.symbol != symbol:
                continue
            try:
                canceled = self.gateway.core.cancel(view.client_order_id)
            except GatewayError as exc:
                self._manual(who, "cancel_failed", client_order_id=view.client_order_id, detail=str(exc))
                continue
            self.journal.append(
                JournalKind.GATEWAY_ACK,
                {"client_order_id": canceled.client_order_id, "event": "cancel", "status": canceled.status},
                ts=_now(),
                actor=who,
            )
            done.append(canceled.client_order_id)
        return done

    def flatten(self, who: str, symbol: str | None = None) -> list[str]:
        """Cancel open orders and send market orders that close the position(s); filled at the next bar.

        The positions are the daemon's own books (a shared venue holds other strategies' too). The orders go
        out through the breaker's `EmergencyActions`: journaled with who, a failed call retried under the
        same id, a symbol it cannot close after `FLATTEN_ATTEMPTS` calls journaled as left to a person.
        """
        self.cancel_open(who, symbol)
        symbols = [symbol] if symbol is not None else list(self.portfolio.symbols)
        held = {name: self.portfolio.position_qty(name) for name in symbols}
        risk, now = self.risk_gate, _now()
        actions = EmergencyActions(
            self.gateway,
            self.journal,
            max_attempts=FLATTEN_ATTEMPTS,
            strategy="controller",
            on_call=None if risk is None else risk.answered,
            actor=who,
            reason=f"flatten by {who}",
        )
        self._flatten_seq += 1
        tag = f"manual-{time.time_ns()}-{self._flatten_seq}"
        report = actions.execute([BreakerAction.FLATTEN], tag, now, positions=held)
        if risk is not None:  # risk's stop shrinks by each, so the two never both sell past flat
            for name, order_id in report.flatten_orders.items():
                risk.sent(order_id, name, "sell" if held[name] > 0 else "buy", self.portfolio, now)
        sent = list(report.flatten_orders.values())
        self._manual(who, "flatten", symbol=symbol or "all", orders=sent)
        return sent

    def emergency_stop(self, who: str, reason: str = "emergency stop") -> None:
        """Trip the breaker by hand, cancel everything, flatten, and pause: a person must resume."""
        self.breaker_state, events = self.breaker.trip_manually(self.breaker_state, who, reason, _now())
        for event in events:
            self.journal.append(event.journal_kind, event.record(), ts=event.at, actor=who)
        self.breaches += 1
        self.flatten(who)
        self.pause(who, reason)
        self._manual(who, "emergency_stop", reason=reason)

    # --- the breaker, fed by the health monitor ------------------------------------------------------

    def observe(self, obs: BreakerObservation) -> str | None:
        """One breaker observation; returns the trigger's detail when it trips now."""
        self.high_water = max(self.high_water, obs.equity)
        if self.breaker_state.tripped:
            return None
        self.breaker_state, events = self.breaker.observe(self.breaker_state, obs)
        for event in events:
            self.journal.append(event.journal_kind, event.record(), ts=event.at, actor=event.actor)
        if not self.breaker_state.tripped:
            return None
        self.breaches += 1
        self.cancel_open("breaker")
        trigger = self.breaker_state.trigger
        return None if trigger is None else trigger.detail

    def acknowledge_breaker(self, who: str, obs: BreakerObservation) -> None:
        self.breaker_state, event = self.breaker.acknowledge(self.breaker_state, who, obs)
        self.journal.append(event.journal_kind, event.record(), ts=event.at, actor=who)

    def mode_change(self, who: str, before: str, after: str, why: str) -> None:
        self.mode = after
        self.journal.append(
            JournalKind.MODE_CHANGE, {"from": before, "to": after, "why": why}, ts=_now(), actor=who
        )

    def describe(self) -> dict[str, Any]:
        trigger = self.breaker_state.trigger
        return {
            "mode": self.mode,
            "trading": self.trading,
            "paused": None
            if self.paused is None
            else {"by": self.paused.by, "reason": self.paused.reason, "since": self.paused.since},
            "unreconciled": None if self.unreconciled is None else self.unreconciled.reason,
            "stream_lag": None if self.lagging is None else self.lagging.reason,
            "kill_switch": self.kill_switch,
            "breaker": {
                "tripped": self.breaker_state.tripped,
                "trigger": None if trigger is None else trigger.kind.value,
                "detail": None if trigger is None else trigger.detail,
            },
            "breaches": self.breaches,
            "high_water": format(self.high_water, "f"),
        }
