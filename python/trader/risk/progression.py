"""TradingProgression: paper -> micro_live -> scaled_live in capital steps; gated, approved, demoted.

The state (capital step, since when, the transitions, the symbols established when trading began and the
trades of symbols added since) lives in `state_dir/progression.json`, replaced
atomically on every transition so a crash leaves either the old or the new state, never a torn one.
A promotion needs a GateReport this progression produced for the current step, that passed, and a named
approver; a demotion needs only a reason. Every transition is journaled as a `mode_change` record.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from trader.errors import ModelError, TraderError
from trader.models._base import DomainModel
from trader.models._types import PositiveDecimal, UtcDatetime
from trader.models.parsing import parse_model
from trader.portfolio.trades import RoundTrip
from trader.risk.events import RiskEvent, RiskEventKind
from trader.risk.progression_config import LIVE_PHASES, Phase, PhaseGates, ProgressionConfig
from trader.risk.progression_gates import GateReport, judge, measure
from trader.risk.scaling import RiskScalingManager

if TYPE_CHECKING:
    from trader.journal import Journal

__all__ = ["GateReport", "Phase", "ProgressionConfig", "ProgressionError", "TradingProgression"]

STATE_FILE = "progression.json"
_MODE_CHANGE = "mode_change"  # trader.journal.JournalKind.MODE_CHANGE (risk sits below the journal)


class ProgressionError(TraderError):
    """A promotion without passing gates or approval, or a progression state file that cannot be used."""


class Transition(DomainModel):
    """One change of step: when, from where to where, who approved it or why it was forced."""

    at: UtcDatetime
    kind: Literal["promoted", "demoted", "rebased"]
    from_phase: Phase
    to_phase: Phase
    from_capital: PositiveDecimal
    to_capital: PositiveDecimal
    by: str | None = Field(default=None, min_length=1)
    why: str = Field(min_length=1)


class ProgressionState(DomainModel):
    """The contents of progression.json."""

    version: Literal[1] = 1
    step: int | None = Field(default=None, ge=0)
    """Index into capital_steps; None is paper."""
    capital: PositiveDecimal
    """The capital limit in force, recorded so a config edit can never raise it without an approval."""
    since: UtcDatetime
    """When the current step began: the start of the gates' window."""
    history: tuple[Transition, ...] = ()
    universe: tuple[str, ...] | None = None
    """The symbols established when trading began under this progression (they trade at full size); None
    until the first daemon with risk on records its universe."""
    trades: dict[str, int] = Field(default_factory=dict)
    """Trades counted per newly added symbol toward leaving its reduced size."""


class TradingProgression:
    """The phase and capital step of one account, persisted and journaled. Safe to share between threads."""

    def __init__(
        self, path: Path, state: ProgressionState, config: ProgressionConfig, journal: Journal | None
    ):
        self._path = path
        self._state = state
        self._config = config
        self._journal = journal
        self._lock = threading.Lock()
        self._issued: tuple[GateReport, int | None, datetime] | None = None
        """The last report evaluate_gates produced, for which step and window (promote checks it)."""
        self._followers: list[RiskScalingManager] = []
        """Scaling managers that follow every change of the capital step."""

    @classmethod
    def open(
        cls, state_dir: Path, config: ProgressionConfig | None = None, journal: Journal | None = None
    ) -> TradingProgression:
        """Load state_dir/progression.json, or start in paper now when there is none (and write it)."""
        config = config or ProgressionConfig()
        path = Path(state_dir) / STATE_FILE
        now = datetime.now(UTC)
        if not path.exists():
            state = ProgressionState(capital=config.paper_capital, since=now)
            progression = cls(path, state, config, journal)
            progression._save()
            return progression
        state = _load(path)
        progression = cls(path, state, config, journal)
        progression._rebase(now)
        return progression

    # --- reading -----------------------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """The phase of the current step."""
        return self._config.phase_of(self._state.step)

    @property
    def capital_limit(self) -> Decimal:
        """The capital the current step may put at stake (paper_capital in paper)."""
        return self._state.capital

    @property
    def since(self) -> datetime:
        """When the current step began (the gates' window starts here)."""
        return self._state.since

    @property
    def step(self) -> int | None:
        """Index of the current capital step; None in paper."""
        return self._state.step

    @property
    def history(self) -> tuple[Transition, ...]:
        """Every transition so far, oldest first."""
        return self._state.history

    @property
    def config(self) -> ProgressionConfig:
        """The progression settings in force."""
        return self._config

    def allows_live(self) -> bool:
        """Whether the phase trades real money."""
        return self.phase in LIVE_PHASES

    def gates(self) -> PhaseGates:
        """The gates for leaving the current step."""
        return self._config.gates_for(self.phase)

    def scaling(self, universe: Iterable[str], now: datetime) -> RiskScalingManager:
        """A RiskScalingManager on the current capital step that follows every promotion and demotion.

        The symbols established (full size) are those recorded when trading began; the first call records
        `universe` for that (journaled). A symbol outside them trades at the scaling config's reduced size
        until its trades, counted here and kept in the state file, pass `new_symbol_trades`.
        """
        _check_aware(now)
        with self._lock:
            state = self._state
            if state.universe is None:
                state = self._state = state.model_copy(update={"universe": tuple(sorted(set(universe)))})
                self._save()
                if self._journal is not None:
                    payload = {"event": "progression_universe", "universe": list(state.universe or ())}
                    self._journal.append(_MODE_CHANGE, payload, ts=now)
            manager = RiskScalingManager(
                self._config.scaling, state.capital, state.universe or (), dict(state.trades)
            )
            manager.on_trade = self._count_trade
            self._followers.append(manager)
            return manager

    def _count_trade(self, symbol: str, count: int) -> None:
        with self._lock:
            state = self._state
            self._state = state.model_copy(update={"trades": {**state.trades, symbol: count}})
            self._save()

    # --- transitions -------------------------------------------------------------------------------------

    def evaluate_gates(
        self,
        round_trips: Sequence[RoundTrip],
        equity: Sequence[tuple[datetime, Decimal]],
        breaches: int,
        now: datetime,
    ) -> GateReport:
        """Judge the record since the current step began (trades closed and equity marked up to `now`)."""
        _check_aware(now)
        if breaches < 0:
            raise ProgressionError(f"breaches: a count of limit breaches cannot be negative (got {breaches})")
        with self._lock:
            state = self._state
            record = measure(round_trips, equity, state.since, now, self._config.sharpe_days_per_year)
            report = judge(record, breaches, self._config.gates_for(self.phase))
            if state.step is not None and state.step + 1 >= len(self._config.capital_steps):
                top = f"capital: already at the top step {state.capital:f}; there is no step to promote to"
                report = GateReport(False, (*report.failures, top))
            self._issued = (report, state.step, state.since)
            return report

    def promote(self, *, approved_by: str, gates: GateReport, now: datetime) -> Phase:
        """Move up one capital step. Needs `gates` from evaluate_gates for this step, passed, and a named
        approver (listed in `approvers` when that is set). Raises ProgressionError otherwise."""
        _check_aware(now)
        with self._lock:
            state = self._state
            issued = self._issued
            if issued is None or issued[0] is not gates or issued[1:] != (state.step, state.since):
                raise ProgressionError(
                    "promotion refused: the gate report was not produced by evaluate_gates for the "
                    f"current step ({self.phase.value} at {state.capital:f}); evaluate the gates first"
                )
            if not gates.passed:
                raise ProgressionError("promotion refused: gates not passed: " + "; ".join(gates.failures))
            who = approved_by.strip() if isinstance(approved_by, str) else ""
            if not who:
                raise ProgressionError("promotion refused: approved_by must name the person who approves")
            approvers = self._config.approvers
            if approvers and who not in approvers:
                raise ProgressionError(
                    f"promotion refused: {who!r} may not approve (approvers: {', '.join(approvers)})"
                )
            step = 0 if state.step is None else state.step + 1
            self._move(step, "promoted", now, by=who, why=f"gates passed; approved by {who}")
            return self.phase

    def demote(self, *, reason: str, now: datetime) -> Phase:
        """Drop `demote_steps` steps on a breach (below the first is paper; in paper the window restarts)."""
        why = reason.strip() if isinstance(reason, str) else ""
        if not why:
            raise ProgressionError("demotion needs a reason (which breach)")
        _check_aware(now)
        with self._lock:
            current = self._state.step
            drop = self._config.demote_steps
            step = None if current is None or current < drop else current - drop
            self._move(step, "demoted", now, by=None, why=why)
            return self.phase

    def demote_on(self, events: Iterable[RiskEvent]) -> Phase | None:
        """Demote once for risk events that are breaches (SAFE_MODE entered, breaker tripped); the new phase,
        or None when none of `events` is a breach. Feed it every batch of events risk returns."""
        reasons = [(event.at, why) for event in events if (why := breach_reason(event)) is not None]
        if not reasons:
            return None
        return self.demote(reason="; ".join(why for _, why in reasons), now=reasons[0][0])

    # --- internals ---------------------------------------------------------------------------------------

    def _capital_of(self, step: int | None) -> Decimal:
        return self._config.paper_capital if step is None else self._config.capital_steps[step]

    def _move(
        self,
        step: int | None,
        kind: Literal["promoted", "demoted", "rebased"],
        now: datetime,
        *,
        by: str | None,
        why: str,
    ) -> None:
        state = self._state
        transition = Transition(
            at=now,
            kind=kind,
            from_phase=self._config.phase_of(state.step),
            to_phase=self._config.phase_of(step),
            from_capital=state.capital,
            to_capital=self._capital_of(step),
            by=by,
            why=why,
        )
        self._state = state.model_copy(
            update={
                "step": step,
                "capital": transition.to_capital,
                "since": now,
                "history": (*state.history, transition),
            }
        )
        self._issued = None
        self._save()
        for follower in self._followers:
            follower.set_capital_limit(transition.to_capital)
        if self._journal is not None:
            payload = {
                "event": f"progression_{kind}",
                **transition.model_dump(mode="json", exclude_none=True),
            }
            self._journal.append(_MODE_CHANGE, payload, ts=now, actor=by)

    def _rebase(self, now: datetime) -> None:
        """Reconcile the stored step with the config: the capital in force may fall, never rise."""
        state, steps = self._state, self._config.capital_steps
        if state.step is None:
            if state.capital != self._config.paper_capital:
                self._state = state.model_copy(update={"capital": self._config.paper_capital})
                self._save()
            return
        if state.step < len(steps) and steps[state.step] == state.capital:
            return
        fitting = [index for index, capital in enumerate(steps) if capital <= state.capital]
        step = fitting[-1] if fitting else None
        why = f"capital steps changed in the config: {state.capital:f} is no step; placed at or below it"
        self._move(step, "rebased", now, by=None, why=why)

    def _save(self) -> None:
        text = self._state.model_dump_json(indent=2) + "\n"
        _atomic_write(self._path, text)


def breach_reason(event: RiskEvent) -> str | None:
    """Why `event` is a limit breach that demotes (SAFE_MODE entered, breaker tripped); None otherwise."""
    if event.kind is RiskEventKind.SAFE_MODE_ENTERED:
        return f"SAFE_MODE entered for {event.payload.get('period')}"
    if event.kind is RiskEventKind.BREAKER_TRIPPED:
        trigger = event.payload.get("trigger") or {}
        return f"breaker tripped on {trigger.get('kind')}: {trigger.get('detail')}"
    return None


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ProgressionError(f"now: needs a timezone-aware instant (got naive {now.isoformat()})")


def _load(path: Path) -> ProgressionState:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgressionError(f"{path}: cannot read the progression state: {exc}") from None
    try:
        return parse_model(ProgressionState, text, source=str(path))
    except ModelError as exc:
        raise ProgressionError(str(exc)) from None


def _atomic_write(path: Path, text: str) -> None:
    """Write a sibling temp file, flush it to disk, rename it over `path`, then flush the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
