"""The daemon: wires feed, strategy, risk, gateway, ledger and journal, then runs the tick loop until told."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from dataclasses import dataclass, field
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
from trader.journal import FsyncPolicy, Journal, JournalKind, JournalOptions
from trader.live.api import ApiServer, build_app
from trader.live.broker import LiveBroker
from trader.live.commands import dispatch
from trader.live.config import DaemonConfig, bundled_sample
from trader.live.controller import Hold, LiveTradingController
from trader.live.epochs import archive, archived_orders, last_order_seq
from trader.live.errors import DaemonError
from trader.live.feeds import BarFeed, broker_feed
from trader.live.health import HealthMonitor, consecutive_losses
from trader.live.loop import Stepper
from trader.live.output import Output
from trader.live.promotion import phase_mode
from trader.live.reconcile import TERMINAL, LocalState, compare, local_state, venue_state
from trader.live.replay import ReplayFeed
from trader.live.snapshot import read_snapshot, write_snapshot
from trader.live.state_dir import PidLock, StateDir
from trader.live.status import build_snapshot, build_status
from trader.models import Timeframe
from trader.models.parsing import parse_model
from trader.risk import RiskConfig
from trader.risk.config import BreakerConfig
from trader.risk.config_file import load_risk_config
from trader.risk.progression import TradingProgression
from trader.strategies import parse_assignments, resolve_strategy

if TYPE_CHECKING:
    from trader.live.remote_gateway import RemoteGateway


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

    # --- start ---------------------------------------------------------------------------------------

    def _open(self) -> None:
        config, state = self.config, self.state
        cls = resolve_strategy(config.strategy)
        self.strategy = cls(parse_assignments([f"{k}={v}" for k, v in config.params.items()]))
        self.risk_config = risk_config(config)
        risk_gate = None if config.risk is None else RiskGate(self.risk_config)
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
        self.progression = TradingProgression.open(state.root, journal=self.journal)
        self.controller.mode = phase_mode(self.progression.phase.value)
        self.health = HealthMonitor(config.speed)
        self.stepper = Stepper(self.feed, self.strategy, self.broker, self.out, state.equity)
        self.snapshot_before = snapshot

    def _feed(self, resume: dict[str, int]) -> BarFeed:
        """Bars replayed from files on an accelerated clock, or Alpaca's live bars (paper on SimVenue)."""
        config = self.config
        if config.feed == "replay":
            return ReplayFeed(list(config.replay) or [bundled_sample()], config.speed, resume)
        from trader.alpaca.settings import AlpacaSettings
        from trader.live.alpaca_feed import AlpacaFeed

        settings = AlpacaSettings.from_env()
        return AlpacaFeed(settings, config.symbols, Timeframe(config.timeframe), resume)

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

        self.remote = RemoteGateway(target, read_token(token_file))
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
                return self._run_opened()
            finally:
                self._close()
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
                self.stepper.step(self.feed.due())
                if self.remote is not None:  # a real venue fills between bars too: book it as it comes
                    self.stepper.book(cast(list[GatewayEvent], self.remote.remote_core.news()))
                self._observe()
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

    def _observe(self) -> None:
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
        if tripped is not None:
            self.out.event("breaker_tripped", detail=tripped)
            before = self.controller.mode
            phase = self.progression.demote(reason=f"breaker tripped: {tripped}", now=datetime.now(UTC))
            self.controller.mode = phase_mode(phase.value)
            if self.controller.mode != before:
                self.out.event("demoted", before=before, after=self.controller.mode)

    def _write_snapshot(self, *, final: bool) -> None:
        write_snapshot(self.state.snapshot, build_snapshot(self, final=final))

    # --- stop ----------------------------------------------------------------------------------------

    def _close(self) -> None:
        """Graceful stop: no more decisions, open orders per policy, journal flushed, final snapshot."""
        began = time.monotonic()
        api = getattr(self, "api", None)
        if api is not None:  # no request may reach the books while they are being closed
            api.stop()
        with self.lock:
            canceled: list[str] = []
            if self.config.on_shutdown == "cancel":
                canceled = self.controller.cancel_open("shutdown")
            self.journal.append(
                JournalKind.RUN_END,
                {
                    "reason": self.flags.reason or "stopped",
                    "equity": format(self.portfolio.equity(), "f"),
                    "cash": format(self.portfolio.cash, "f"),
                    "canceled": canceled,
                    "kept_open": self.gateway.core.open_order_count,
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
        self.out.event(
            "stopped",
            reason=self.flags.reason or "stopped",
            seconds=round(time.monotonic() - began, 3),
            state_dir=str(self.state.root),
            journal=str(self.state.journal),
        )

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
