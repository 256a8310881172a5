"""The daemon: wires feed, strategy, risk, gateway, ledger and journal, then runs the tick loop until told."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

from trader._core import GatewayEvent
from trader.engine.risk_gate import RiskGate
from trader.errors import ModelError
from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import BpsFee, InstrumentSpec, SimSettings, ZeroFee
from trader.execution.errors import GatewayError
from trader.execution.retry import RetryPolicy
from trader.journal import FsyncPolicy, Journal, JournalKind, JournalOptions
from trader.live.api import ApiServer, build_app
from trader.live.broker import LiveBroker
from trader.live.commands import dispatch
from trader.live.config import DaemonConfig, bundled_sample
from trader.live.controller import Hold, LiveTradingController
from trader.live.epochs import archive, archived_orders, last_order_seq
from trader.live.errors import DaemonError
from trader.live.feeds import BarFeed, broker_feed
from trader.live.guarding import LiveGuard, adopt_stops, bind_guard
from trader.live.health import HealthMonitor, consecutive_losses
from trader.live.loop import Stepper
from trader.live.output import Output
from trader.live.promotion import phase_mode
from trader.live.reconcile import TERMINAL, LocalState, compare, local_state, venue_state
from trader.live.replay import ReplayFeed
from trader.live.snapshot import read_snapshot, write_snapshot
from trader.live.state_dir import PidLock, StateDir
from trader.live.status import build_snapshot, build_status
from trader.live.stop_timer import TrailTimer
from trader.live.stream_lag import StreamLagGuard
from trader.models import Timeframe
from trader.models.parsing import parse_model
from trader.risk import RiskConfig
from trader.risk.config import BreakerConfig
from trader.risk.config_file import load_risk_config
from trader.risk.progression import TradingProgression
from trader.strategies import parse_assignments, resolve_strategy

if TYPE_CHECKING:
    from trader.live.remote_gateway import RemoteGateway

SHUTDOWN_GATEWAY_S = 3.0
"""Of the 5 s shutdown budget, what the gateway calls (cancels, the last reads) may take, retries included."""
EXIT_ORDERS_MAY_REMAIN = 3
"""Exit code: stopped, but open orders may remain at the venue (the gateway could not cancel or confirm)."""


@dataclass(slots=True)
class Flags:
    """Set from signal handlers and the API thread; read by the loop."""

    stop: threading.Event = field(default_factory=threading.Event)
    reason: str = ""


class Daemon:
    """One paper daemon on one state directory; `run()` returns the process exit code."""

    def __init__(self, config: DaemonConfig, state: StateDir, output: Output) -> None:
        self.config = config
        self.state = state
        self.out = output
        self.flags = Flags()
        self.lock = threading.RLock()
        self.started = datetime.now(UTC)
        self._lock = PidLock(state)
        self.remote: RemoteGateway | None = None
        """The gateway process traded through (`--gateway`), else None: the embedded SimVenue."""
        self.lag_record: list[float] | None = None
        """Every tick's lag in seconds when set (benches/daemon_loop.py); the monitor keeps recent ones."""
        self.exit_message: str | None = None
        """One line for the operator when the stop left something undone (open orders at the venue)."""

    # --- start ---------------------------------------------------------------------------------------

    def _open(self) -> None:
        config, state = self.config, self.state
        cls = resolve_strategy(config.strategy)
        self.strategy = cls(parse_assignments([f"{k}={v}" for k, v in config.params.items()]))
        self.risk_config = risk_config(config)
        snapshot = read_snapshot(state.snapshot)
        if snapshot is not None and snapshot.strategy_id != self.strategy.strategy_id:
            raise DaemonError(
                f"state dir {state.root}: its snapshot belongs to strategy {snapshot.strategy_id!r}, not "
                f"{self.strategy.strategy_id!r}; use another TRADER_HOME"
            )
        resume = {} if snapshot is None else {s: int(b["ts_ns"]) for s, b in snapshot.last_bar.items()}
        self.feed = self._feed(resume)
        starting_cash = config.cash if snapshot is None else Decimal(snapshot.starting_cash)
        self.starting_cash = starting_cash
        self.gateway = self._open_gateway()
        self.lost_orders: list[str] = []
        # A halted embedded venue died with the last process; a remote one keeps its orders: no new epoch.
        if config.gateway is None and self.gateway.core.halted and config.reconcile != "alert":
            self.lost_orders = self._new_epoch()
        venue = venue_state(self.gateway, archived_orders(state))
        self.discrepancies = []
        if snapshot is not None:
            self.discrepancies = compare(local_state(snapshot, state.journal), venue, starting_cash)
        elif venue.fills or venue.open_orders or venue.halted:  # a venue with history, but no local state
            empty = LocalState({}, starting_cash, set(), set())
            self.discrepancies = compare(empty, venue, starting_cash)
        self.portfolio = venue.ledger(starting_cash)
        options = JournalOptions(fsync=FsyncPolicy.BATCH, rotate_bytes=64 * 1024 * 1024)
        self.journal = Journal(state.journal, options=options)
        self.progression = TradingProgression.open(
            state.root, self.risk_config.progression, journal=self.journal
        )
        risk_gate = self._risk_gate()
        self.broker = LiveBroker(
            broker_feed(self.feed.series),
            self.gateway,
            self.portfolio,
            self.journal,
            time_in_force="gtc",
            risk=risk_gate,
        )
        self.broker.bind_series(self.feed.series)
        self.controller = LiveTradingController(
            state, self.journal, self.gateway, self.portfolio, risk=self.risk_config
        )
        self.broker.gate = self.controller.gate
        self.guard = None if risk_gate is None else self._bind_guard(risk_gate)
        self.controller.mode = phase_mode(self.progression.phase.value)
        self.health = HealthMonitor(config.speed)
        if self.remote is not None:
            self.health.stream = StreamLagGuard(
                config.stream_lag_events, config.stream_lag_seconds, time.monotonic()
            )
        guard = self.guard
        self.stepper = Stepper(
            self.feed,
            self.strategy,
            self.broker,
            self.out,
            state.equity,
            trail_timer=None if guard is None else guard.timer,
            emulator=None if guard is None else guard.emulator,
        )
        self.snapshot_before = snapshot

    def _risk_gate(self) -> RiskGate | None:
        """Risk (with a risk file), sizing on the progression's capital step and following its promotions
        and demotions; the symbols of the first run with risk are the established ones, later additions
        start at reduced size (their trade counts kept with the progression's state)."""
        if self.config.risk is None:
            return None
        scaling = self.progression.scaling(self.feed.symbols, datetime.now(UTC))
        return RiskGate(self.risk_config, scaling=scaling)

    def _feed(self, resume: dict[str, int]) -> BarFeed:
        """Bars replayed from files on an accelerated clock, or Alpaca's live bars (paper on SimVenue)."""
        config = self.config
        if config.feed == "replay":
            return ReplayFeed(list(config.replay) or [bundled_sample()], config.speed, resume)
        from trader.alpaca.settings import AlpacaSettings
        from trader.live.alpaca_feed import AlpacaFeed

        settings = AlpacaSettings.from_env()
        return AlpacaFeed(
            settings, config.symbols, Timeframe(config.timeframe), resume, warmup_bars=config.warmup_bars
        )

    def _open_gateway(self) -> EmbeddedGateway:
        config = self.config
        if config.gateway is not None:
            return self._remote_gateway(config.gateway, config.gateway_token_file)
        fees = BpsFee(config.fee_bps) if config.fee_bps else ZeroFee()
        return EmbeddedGateway(
            journal_path=self.state.gateway_journal,
            instruments=[InstrumentSpec(s) for s in self.feed.symbols],
            sim=SimSettings(slippage_bps=config.slippage_bps, fees=fees),
            sync="os_buffer",
        )

    def _remote_gateway(self, target: str, token_file: Path | None) -> EmbeddedGateway:
        """A trader-gateway process (its venue: Alpaca, paper or live) instead of the embedded SimVenue."""
        if token_file is None:
            raise DaemonError(f"--gateway {target}: give its bearer token with --gateway-token-file FILE")
        from trader.live.remote_gateway import RemoteGateway, read_token

        budget = self.config.gateway_retry_seconds
        retry = RetryPolicy(total_seconds=budget, attempt_seconds=min(5.0, budget))
        self.remote = RemoteGateway(
            target, read_token(token_file), retry=retry, batch=self.config.stream_batch
        )
        self.remote.remote_core.client.interrupt = self.flags.stop  # a stop cuts retries short
        return self.remote

    def _new_epoch(self) -> list[str]:
        """The halted gateway's venue died with the last process: archive its journal, open a fresh one.

        Returns the orders that were open (the dead venue took them). Their fills, and every other fill,
        stay on record through the archived journal.
        """
        lost = sorted(v.client_order_id for v in self.gateway.core.orders() if v.status not in TERMINAL)
        self.gateway.close()
        archive(self.state)
        self.gateway = self._open_gateway()
        return lost

    def restart_venue(self, who: str) -> list[str]:
        """An operator resumes a halted paper venue: new epoch, rebound, fresh order ids (under the lock)."""
        if self.config.gateway is not None:
            raise DaemonError(
                f"gateway {self.config.gateway} is halted ({self.gateway.core.halted}); "
                "restart that trader-gateway, then --resume"
            )
        lost = self._new_epoch()
        self.broker.gateway = self.controller.gateway = self.gateway
        if self.guard is not None:  # risk's stops move to the new venue (placed afresh at the next step)
            saved = self.guard.saved()
            self.guard = self._bind_guard(self.guard.risk, self.guard.timer)
            self.guard.stops.adopt(saved, [], self.state.journal, self.portfolio)
            self.stepper.emulator = self.guard.emulator
        self.gateway.set_kill_switch(self.controller.kill_switch)
        self.strategy._seq = max(
            self.strategy._seq, last_order_seq(self.state.journal, self.strategy.strategy_id)
        )
        self.controller.record(who, "new_venue_epoch", lost_orders=lost)
        return lost

    def _reconcile(self) -> dict[str, Any]:
        """Apply the policy to what the comparison found; journaled in the run's start record."""
        found = self.discrepancies
        policy = self.config.reconcile
        outcome = "clean"
        halted = any(d.kind == "halt" for d in found)
        if found:
            for d in found:
                self.out.event("discrepancy", kind=d.kind, subject=d.subject, local=d.local, venue=d.venue)
            if halted or policy == "alert":
                reasons = "; ".join(d.describe() for d in found)
                self.controller.unreconciled = Hold("reconcile", reasons, datetime.now(UTC).isoformat())
                outcome = (
                    "held: gateway halted" if halted else "held: alert (resume to adopt the venue's state)"
                )
            elif policy == "adopt":
                outcome = "adopted the venue's state"
                if self.lost_orders:
                    outcome += f" (the paper venue restarted without {', '.join(self.lost_orders)})"
            else:
                outcome = "adopted, then flattened"
        return {
            "policy": policy,
            "outcome": outcome,
            "discrepancies": [d._asdict() for d in found],
            "lost_orders": self.lost_orders,
            "from_snapshot": self.snapshot_before is not None,
        }

    def _warmup(self) -> None:
        """Rebuild the strategy's indicators over what a previous run processed, sending nothing."""
        snapshot = self.snapshot_before
        done = self.feed.warmup()
        self.broker.warming_up = True
        try:
            self.stepper.replay_decisions(done)
        finally:
            self.broker.warming_up = False
        if snapshot is not None:
            # The order sequence continues where the last run stopped, so a bar decided again after a
            # crash gets the same client order id and the gateway answers "duplicate", not a second order.
            # A new venue epoch knows none of the old ids: there every id must be new.
            self.strategy._seq = snapshot.order_seq
        if self.lost_orders:
            self.strategy._seq = last_order_seq(self.state.journal, self.strategy.strategy_id)
        stamps = {int(b["ts_ns"]) for b in snapshot.last_bar.values()} if snapshot is not None else set()
        if snapshot is not None and len(stamps) == 1:  # one common stamp: the curve may go on from there
            closes = {s: float(b["close"]) for s, b in snapshot.last_bar.items()}
            self.portfolio.mark(stamps.pop(), closes)

    def run(self) -> int:
        self.state.ensure()
        self._lock.acquire()
        self._install_signals()  # a stop asked during the start is honoured before the first tick
        try:
            self._open()
            try:
                code = self._run_opened()
            finally:
                self._close()
            return EXIT_ORDERS_MAY_REMAIN if self.exit_message is not None else code
        finally:
            self.state.api.unlink(missing_ok=True)
            self._lock.release()

    def _run_opened(self) -> int:
        self.controller.sync_kill_flag()
        reconciliation = self._reconcile()
        self.reconciliation = reconciliation
        self.journal.append(
            JournalKind.RUN_START,
            {
                "mode": self.config.mode,
                "strategy": self.strategy.strategy_id,
                "params": self.strategy.params.model_dump(mode="json"),
                "symbols": self.feed.symbols,
                "feed": self.config.feed,
                "replay": [str(p) for p in self.feed.paths],
                "speed": self.config.speed,
                "pid": os.getpid(),
                "reconciliation": reconciliation,
            },
            ts=datetime.now(UTC),
        )
        for timeframe in self.strategy.timeframes:  # refuse a bad higher timeframe before the first bar
            for symbol in self.feed.symbols:
                self.broker.higher_bars(symbol, timeframe)
        self.strategy.bind(self.broker)
        self.strategy.on_start()
        self._warmup()
        self._adopt_stops()
        if self.discrepancies and self.config.reconcile == "flatten" and self.controller.unreconciled is None:
            self.controller.flatten("reconcile")
        token = self.state.api_token()
        self.api = ApiServer(build_app(self, token))
        self.api.start()
        self.state.api.write_text(f'{{"port": {self.api.port}, "pid": {os.getpid()}}}\n', encoding="utf-8")
        self.out.event(
            "started",
            pid=os.getpid(),
            port=self.api.port,
            state_dir=str(self.state.root),
            symbols=self.feed.symbols,
            reconciliation=reconciliation["outcome"],
        )
        self._loop()
        return 0

    def _install_signals(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            self.flags.reason = signal.Signals(signum).name
            self.flags.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    # --- the loop ------------------------------------------------------------------------------------

    def _loop(self) -> None:
        interval = self.config.tick_interval
        start = time.monotonic()
        next_refresh = start + self.config.data_refresh
        deadline = None if self.config.duration is None else start + self.config.duration
        scheduled = start
        last_beat = 0.0
        written: tuple[int, int] | None = None
        # Everything built so far lives as long as the process: keep it out of the collector's full passes,
        # which would otherwise walk it again and again (a pause of milliseconds in a tick).
        gc.freeze()
        while not self.flags.stop.is_set():
            began = time.monotonic()
            self.health.tick(began - scheduled)
            if self.lag_record is not None:
                self.lag_record.append(began - scheduled)
            with self.lock:
                self.controller.sync_kill_flag()
                if began >= next_refresh:
                    added = self.feed.refresh()
                    next_refresh = began + self.config.data_refresh
                    if added:
                        self.out.event("data_refresh", added=added)
                tripped_before = self.controller.breaker_state.tripped
                self.stepper.step(self.feed.due())
                if self.remote is not None:  # a real venue fills between bars too: book it as it comes
                    self.stepper.book(cast(list[GatewayEvent], self.remote.remote_core.news()))
                    self._watch_stream(began)
                self.stepper.trail()
                self._observe(tripped_before)
                self.last_tick = datetime.now(UTC)
                key = (self.stepper.bars_processed, self.journal.head[0])
                if key != written:  # an idle tick changes nothing worth a file write
                    self._write_snapshot(final=False)
                    written = key
            if began - last_beat >= 1.0:
                last_beat = began
                self.out.heartbeat(self.status())
            if self.feed.exhausted and self.config.stop_at_replay_end:
                self.flags.reason = "replay finished"
                break
            if deadline is not None and began >= deadline:
                self.flags.reason = "duration reached"
                break
            scheduled += interval
            now = time.monotonic()
            if scheduled < now - interval:  # far behind (a long pass): skip the missed ticks, do not burst
                scheduled = now
            self.flags.stop.wait(max(0.0, scheduled - now))

    def _observe(self, tripped_before: bool = True) -> None:
        trades = self.portfolio.trades.closed
        obs = self.health.observation(
            self.portfolio.equity(),
            max(self.controller.high_water, self.portfolio.equity()),
            consecutive_losses([t.pnl for t in trades]),
            self.feed.clock.now_ns(),
            self.feed.last_close_ns,
        )
        self.health.gateway = self.gateway.core.halted or "ok"
        tripped = self.controller.observe(obs)
        trigger = self.controller.breaker_state.trigger
        if tripped is None and not tripped_before and trigger is not None:  # risk's guard tripped it
            self.controller.breaches += 1
            tripped = trigger.detail
        if tripped is not None:
            self.out.event("breaker_tripped", detail=tripped)
            if self.guard is not None:  # the trip cancelled every open order: risk's stops rest again at once
                self.guard.risk.trail_stops(self.portfolio, self.broker.now, {})
            before = self.controller.mode
            phase = self.progression.demote(reason=f"breaker tripped: {tripped}", now=datetime.now(UTC))
            self.controller.mode = phase_mode(phase.value)
            if self.controller.mode != before:
                self.out.event("demoted", before=before, after=self.controller.mode)

    def _watch_stream(self, now: float) -> None:
        """Hold new risk while the gateway's events are not booked (too far or too long behind); lift it when
        caught up. Both journaled by the controller."""
        guard, remote = self.health.stream, self.remote
        if guard is None or remote is None:
            return
        position = remote.remote_core.position()
        change = guard.observe(position.consumed, position.head, now)
        if change is None:
            return
        if change.action == "hold":
            self.controller.hold_for_lag(change.reason)
            self.out.event("stream_lag_hold", reason=change.reason)
        else:
            self.controller.release_lag(change.reason)
            self.out.event("stream_lag_resumed", reason=change.reason)

    def _write_snapshot(self, *, final: bool) -> None:
        snapshot = build_snapshot(self, final=final)
        if self.guard is not None:  # risk's stops, for the next run to adopt
            snapshot = replace(snapshot, extra={**snapshot.extra, "stops": self.guard.saved()})
        write_snapshot(self.state.snapshot, snapshot)

    # --- risk's guard --------------------------------------------------------------------------------

    def _bind_guard(self, risk: RiskGate, timer: TrailTimer | None = None) -> LiveGuard:
        """Risk's guard on the daemon's venue; the controller's breaker is from then on risk's one state."""
        self.controller.risk_gate = risk
        config, journal = self.config, self.journal
        return bind_guard(
            risk, self.gateway, journal, self.feed.symbols, config, self.risk_config, self.broker, timer
        )

    def _adopt_stops(self) -> None:
        """Take over the stops the last run left (at the venue or in the snapshot), never placing a second."""
        if self.guard is not None:
            found = adopt_stops(
                self.guard, self.snapshot_before, self.gateway, self.state, self.portfolio, self.broker.now
            )
            if found["adopted"] or found["canceled"]:
                self.out.event("stops_adopted", **found)

    # --- stop ----------------------------------------------------------------------------------------

    def _close(self) -> None:
        """Graceful stop: no more decisions, open orders per policy, journal flushed, final snapshot."""
        began = time.monotonic()
        api = getattr(self, "api", None)
        if api is not None:  # no request may reach the books while they are being closed
            api.stop()
        with self.lock:
            if self.remote is not None:  # retries now run against the shutdown deadline, not the stop flag
                client = self.remote.remote_core.client
                client.interrupt = None
                client.until = began + SHUTDOWN_GATEWAY_S
            # Risk's stops stay at the venue: they protect the positions the daemon keeps while it is down,
            # and the next start adopts them (a crash leaves them there too).
            protective = self._protective_stops()
            canceled, kept_open, left_open, why = self._settle_open_orders(protective)
            self.journal.append(
                JournalKind.RUN_END,
                {
                    "reason": self.flags.reason or "stopped",
                    "equity": format(self.portfolio.equity(), "f"),
                    "cash": format(self.portfolio.cash, "f"),
                    "canceled": canceled,
                    "kept_open": kept_open,
                    "protective_stops": sorted(protective),
                    "left_open": left_open,
                    "left_open_reason": why,
                    "fills": len(self.portfolio.effects),
                },
                ts=datetime.now(UTC),
            )
            self.strategy.on_stop()
            self._write_snapshot(final=True)
            self.journal.close()
            self.gateway.close()
            self.stepper.close()
        closer = getattr(self.feed, "close", None)
        if closer is not None:  # a live stream: disconnect
            closer()
        if why is not None:
            orders = ", ".join(left_open) or "unknown"
            self.exit_message = (
                f"daemon stopped, but open orders may remain at the venue: {orders} ({why}); "
                "check them at the venue or restart the daemon to reconcile"
            )
        self.out.event(
            "stopped",
            reason=self.flags.reason or "stopped",
            seconds=round(time.monotonic() - began, 3),
            state_dir=str(self.state.root),
            journal=str(self.state.journal),
            left_open=left_open,
        )

    def _settle_open_orders(
        self, protective: frozenset[str]
    ) -> tuple[list[str], int | None, list[str], str | None]:
        """Cancel (per policy) and count what stays open: (canceled, kept open, left open, why left open).

        A remote gateway that stops answering cannot cancel or tell what is open: the orders open when last
        seen are reported as possibly left at the venue, with the reason, instead of failing the stop.
        """
        canceled: list[str] = []
        try:
            if self.config.on_shutdown == "cancel":
                canceled = self.controller.cancel_open("shutdown", keep=protective)
            kept_open = self.gateway.core.open_order_count - len(protective)
        except GatewayError as exc:
            return (
                canceled,
                None,
                self._left_open(canceled),
                f"gateway {self.config.gateway} unreachable: {exc}",
            )
        if self.config.on_shutdown == "cancel" and kept_open > 0:  # a cancel the venue refused or lost
            why = f"{kept_open} order(s) still open after the cancels"
            return canceled, kept_open, self._left_open(canceled), why
        return canceled, kept_open, [], None

    def _left_open(self, canceled: list[str]) -> list[str]:
        """Orders open when the remote gateway last answered, but for those just cancelled."""
        known = [] if self.remote is None else self.remote.remote_core.last_known_open()
        return [v.client_order_id for v in known if v.client_order_id not in canceled]

    def _protective_stops(self) -> frozenset[str]:
        """Risk's stop orders resting at the venue now (none with risk off)."""
        risk = self.broker.risk
        stops = None if risk is None else risk.stops
        return frozenset() if stops is None else stops.resting_ids

    # --- the API's side (runs in the server thread) ---------------------------------------------------

    def status(self) -> dict[str, Any]:
        with self.lock:
            return build_status(self)

    def command(self, action: str, who: str, **args: Any) -> dict[str, Any]:
        with self.lock:
            return dispatch(self, action, who, **args)


def risk_config(config: DaemonConfig) -> RiskConfig:
    """The risk file's settings (defaults without one), with the daemon config's [breaker] table over them."""
    settings = RiskConfig() if config.risk is None else load_risk_config(config.risk)
    if config.breaker is None:
        return settings
    try:
        breaker = parse_model(BreakerConfig, config.breaker, source="daemon config [breaker]")
    except ModelError as exc:
        raise DaemonError(str(exc)) from None
    return settings.model_copy(update={"breaker": breaker})
