"""Risk's guard in the daemon: bound to the venue and the journal, its stops kept across restarts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from trader.execution.embedded_config import InstrumentSpec
from trader.live.emulated_stops import EmulatedStopsGateway, EmulatingCore
from trader.live.epochs import archived_orders
from trader.live.kept_stops import KeptStops
from trader.live.stop_timer import TrailTimer

if TYPE_CHECKING:
    from trader.engine.risk_gate import RiskGate
    from trader.execution.embedded import EmbeddedGateway
    from trader.journal import Journal
    from trader.live.broker import LiveBroker
    from trader.live.config import DaemonConfig
    from trader.live.snapshot import Snapshot
    from trader.live.state_dir import StateDir
    from trader.portfolio import Portfolio
    from trader.risk import RiskConfig


@dataclass(slots=True)
class LiveGuard:
    """The parts of risk's guard the daemon drives: the gate, its stops, their trail timer, the emulator."""

    risk: RiskGate
    stops: KeptStops
    timer: TrailTimer
    emulator: EmulatingCore | None
    """Holds the stops when the venue takes no stop orders (`stop_orders = "emulated"`), else None."""

    def saved(self) -> dict[str, Any]:
        """What the snapshot keeps of the stops."""
        return self.stops.saved()

    def describe(self) -> dict[str, Any]:
        """SAFE_MODE and each protected position's stop, for the status document."""
        safe = self.risk.safe_mode
        return {
            "safe_mode": {"active": safe.active, "period": safe.period},
            "stops": {symbol: format(state.stop, "f") for symbol, state in sorted(self.stops.states.items())},
            "stop_orders": "venue" if self.emulator is None else "emulated",
        }


def bind_guard(  # noqa: PLR0917 -- the daemon's parts the guard joins
    risk: RiskGate,
    gateway: EmbeddedGateway,
    journal: Journal,
    symbols: Iterable[str],
    config: DaemonConfig,
    risk_config: RiskConfig,
    broker: LiveBroker,
    timer: TrailTimer | None = None,
) -> LiveGuard:
    """Bind `risk` to the daemon's gateway with guards on (SAFE_MODE, the breaker, resting stops).

    Stops rest at the venue, or with `stop_orders = "emulated"` at an emulator in front of it; they trail
    every `stop_trail_interval` (else the risk config's `live_update_seconds`) on the feed's clock. Called
    again with the old `timer` when the venue is replaced (a new paper epoch).
    """
    emulated = None
    target = gateway
    if config.stop_orders == "emulated":
        emulated = EmulatedStopsGateway(gateway, journal)
        target = emulated
    instruments = [InstrumentSpec(symbol) for symbol in symbols]
    risk.bind(target, journal, instruments, guards=True)
    stops = KeptStops(risk_config.stops, target, journal, instruments)
    stops.on_call = risk.answered  # as bind wires the stops it made: calls count toward the API error rate
    risk.stops = stops
    broker.watch_stops(stops)
    if timer is None:
        interval = config.stop_trail_interval or float(risk_config.stops.live_update_seconds)
        timer = TrailTimer(interval)
    return LiveGuard(risk, stops, timer, None if emulated is None else emulated.emulator)


def adopt_stops(  # noqa: PLR0917 -- what a restart knows
    guard: LiveGuard,
    snapshot: Snapshot | None,
    gateway: EmbeddedGateway,
    state: StateDir,
    portfolio: Portfolio,
    now: datetime,
) -> dict[str, list[str]]:
    """At start: take over the last run's stops (the venue's working ones adopted, never doubled), then
    bring every protected position's stop in line at once (placed where none rests). Returns the stop
    orders adopted and those cancelled as a second stop of one position."""
    saved = None if snapshot is None else snapshot.extra.get("stops")
    earlier = [order.client_order_id for order in archived_orders(state)]
    orders = gateway.core.orders()
    adopted = guard.stops.adopt(saved, orders, state.journal, portfolio, earlier_ids=earlier)
    extra = guard.stops.cancel_extra(now)
    guard.risk.trail_stops(portfolio, now, {})
    return {"adopted": adopted, "canceled": extra}
