"""Stateful property of TradingProgression: random records, reports, approvals and breaches.

Properties: a promotion happens only with a passed report this progression issued for the current step
and a named approver; a refused promotion changes nothing; the capital in force is always exactly the
step of the phase (paper capital in paper) and never above the top step; the state on disk is the state
in memory after every transition.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from progression_helpers import curve, record

from trader.portfolio import RoundTrip
from trader.risk import GateReport, Phase, ProgressionConfig, ProgressionError, TradingProgression

CONFIG = ProgressionConfig(
    capital_steps=(Decimal(1_000), Decimal(5_000), Decimal(10_000)),
    demote_steps=1,
    approvers=("alice", "bob"),
)


class ProgressionMachine(RuleBasedStateMachine):
    """Drives one progression with a model of what it must allow."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="progression-"))
        self.progression = TradingProgression.open(self.dir, CONFIG)
        self.now: datetime = self.progression.since
        self.trips: list[RoundTrip] = []
        self.equity: list[tuple[datetime, Decimal]] = []
        self.report: GateReport | None = None
        self.report_for: tuple[int | None, datetime] | None = None

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(days=st.integers(1, 9), good=st.booleans(), trades=st.sampled_from([5, 40]))
    def trade_for_a_while(self, days: int, good: bool, trades: int) -> None:
        start = self.now
        self.now = start + timedelta(days=days)
        self.trips += record(start, days, trades=trades, wins_of=3 if good else 1)
        daily = (0.004, -0.001, 0.003) if good else (0.01, -0.04, 0.005)
        last = self.equity[-1][1] if self.equity else Decimal(10_000)
        self.equity += curve(start, days, daily, last)[1:]

    @rule()
    def good_week(self) -> None:
        self.trade_for_a_while(8, good=True, trades=40)

    @rule(breaches=st.integers(0, 1))
    def evaluate(self, breaches: int) -> None:
        self.report = self.progression.evaluate_gates(self.trips, self.equity, breaches, self.now)
        self.report_for = (self.progression.step, self.progression.since)

    @rule(
        who=st.sampled_from(["alice", "bob", "", "mallory"]),
        forged=st.booleans(),
    )
    def promote(self, who: str, forged: bool) -> None:
        before = (self.progression.step, self.progression.capital_limit, self.progression.since)
        gates = GateReport(True, ()) if forged or self.report is None else self.report
        may = (
            not forged
            and self.report is not None
            and self.report.passed
            and self.report_for == (self.progression.step, self.progression.since)
            and who in CONFIG.approvers
        )
        try:
            self.progression.promote(approved_by=who, gates=gates, now=self.now)
        except ProgressionError:
            assert not may
            assert (self.progression.step, self.progression.capital_limit, self.progression.since) == before
            return
        assert may, (who, forged, self.report)
        event(f"promoted to step {self.progression.step}")
        assert self.progression.step == (0 if before[0] is None else before[0] + 1)
        self.report = None

    @rule(who=st.sampled_from(["alice", "bob", "mallory"]), forged=st.booleans(), breaches=st.integers(0, 1))
    def evaluate_and_promote(self, who: str, forged: bool, breaches: int) -> None:
        self.evaluate(breaches)
        self.promote(who, forged)

    @rule()
    def breach(self) -> None:
        before = self.progression.step
        self.progression.demote(reason="limit breach", now=self.now)
        expected = None if before is None or before == 0 else before - 1
        assert self.progression.step == expected
        assert self.progression.since == self.now

    @invariant()
    def capital_is_the_step_of_the_phase(self) -> None:
        step, capital = self.progression.step, self.progression.capital_limit
        if step is None:
            assert self.progression.phase is Phase.PAPER
            assert capital == CONFIG.paper_capital
            assert not self.progression.allows_live()
        else:
            assert capital == CONFIG.capital_steps[step] <= CONFIG.capital_steps[-1]
            assert self.progression.phase is (Phase.MICRO_LIVE if step == 0 else Phase.SCALED_LIVE)
            assert self.progression.allows_live()

    @invariant()
    def disk_matches_memory(self) -> None:
        reopened = TradingProgression.open(self.dir, CONFIG)
        assert (reopened.step, reopened.capital_limit, reopened.since, reopened.history) == (
            self.progression.step,
            self.progression.capital_limit,
            self.progression.since,
            self.progression.history,
        )


ProgressionMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
TestProgression = ProgressionMachine.TestCase
