"""TradingProgression: gates, approval, demotion, the persisted state file and the journaled transitions."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from progression_helpers import START, curve, record, trip

from trader.journal import Journal, read_records, verify_journal
from trader.risk import (
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    GateReport,
    Phase,
    PortfolioState,
    ProgressionConfig,
    ProgressionError,
    RiskConfig,
    SafeModeState,
    TradingProgression,
)
from trader.risk.config_file import RiskConfigError, load_risk_config
from trader.risk.safe_mode import assess, clear

LATER = START + timedelta(days=8)


def opened(
    tmp_path: Path, config: ProgressionConfig | None = None, journal: Journal | None = None
) -> TradingProgression:
    """A progression whose paper window began at START (the file is rewritten to pin the clock)."""
    TradingProgression.open(tmp_path, config, journal)
    state = json.loads((tmp_path / "progression.json").read_text())
    state["since"] = START.isoformat()
    (tmp_path / "progression.json").write_text(json.dumps(state))
    return TradingProgression.open(tmp_path, config, journal)


def passing(progression: TradingProgression) -> GateReport:
    """The gates judged on a good record over the 8 days since the current step began."""
    since = progression.since
    return progression.evaluate_gates(record(since, 8), curve(since, 8), 0, since + timedelta(days=8))


def test_a_new_progression_starts_in_paper_and_writes_its_state(tmp_path: Path) -> None:
    progression = TradingProgression.open(tmp_path)
    assert progression.phase is Phase.PAPER
    assert progression.capital_limit == Decimal(100_000)
    assert not progression.allows_live()
    saved = json.loads((tmp_path / "progression.json").read_text())
    assert saved["step"] is None
    assert saved["capital"] == "100000"
    assert [p.name for p in tmp_path.iterdir()] == ["progression.json"]  # no temp file left behind


def test_a_good_record_and_an_approval_promote_step_by_step(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    with Journal(folder) as journal:
        progression = opened(tmp_path, journal=journal)
        report = passing(progression)
        assert report == GateReport(True, ())
        assert progression.promote(approved_by="alice", gates=report, now=LATER) is Phase.MICRO_LIVE
        assert progression.capital_limit == Decimal(1_000)
        assert progression.allows_live()
        again = passing(progression)
        assert progression.promote(
            approved_by="bob", gates=again, now=progression.since + timedelta(days=8)
        ) is (Phase.SCALED_LIVE)
        assert progression.capital_limit == Decimal(5_000)
    reopened = TradingProgression.open(tmp_path)
    assert (reopened.phase, reopened.capital_limit, reopened.step) == (Phase.SCALED_LIVE, Decimal(5_000), 1)
    assert [t.by for t in reopened.history] == ["alice", "bob"]
    assert verify_journal(folder).ok
    records = list(read_records(folder))
    assert [(r.kind.value, r.actor) for r in records] == [("mode_change", "alice"), ("mode_change", "bob")]
    first = records[0].payload
    assert first["event"] == "progression_promoted"
    assert (first["from_phase"], first["to_phase"], first["to_capital"]) == ("paper", "micro_live", "1000")


@pytest.mark.parametrize(
    ("trips", "points", "breaches", "days", "failure"),
    [
        ({"trades": 10}, {}, 0, 8, "trades: 10 closed is below the minimum 30"),
        ({"wins_of": 1, "win": 500}, {}, 0, 8, "win rate: 20.00% is below the minimum 40.00%"),
        ({"win": 30}, {}, 0, 8, "profit factor: 0.900 is below the minimum 1.2"),
        ({}, {"daily": (0.10, 0.10, -0.11)}, 0, 8, "max drawdown: 11.00% exceeds the maximum 10.00%"),
        ({}, {"daily": (0.001, -0.0013, 0.0003)}, 0, 8, "Sharpe: "),
        ({}, {}, 1, 8, "limit breaches: 1 in the phase exceeds the maximum 0"),
        ({}, {}, 0, 5, "time in phase: 5.0 days is below the minimum 7 days"),
    ],
)
def test_each_failing_gate_is_named_with_its_value_and_threshold(  # noqa: PLR0917 -- one case per row
    tmp_path: Path,
    trips: dict[str, int],
    points: dict[str, tuple[float, ...]],
    breaches: int,
    days: int,
    failure: str,
) -> None:
    progression = opened(tmp_path)
    report = progression.evaluate_gates(
        record(START, days, **trips), curve(START, days, **points), breaches, START + timedelta(days=days)
    )
    assert not report.passed
    assert len(report.failures) == 1, report.failures
    assert report.failures[0].startswith(failure)
    with pytest.raises(ProgressionError, match="gates not passed"):
        progression.promote(approved_by="alice", gates=report, now=LATER)
    assert progression.phase is Phase.PAPER


def test_trades_and_marks_outside_the_window_do_not_count(tmp_path: Path) -> None:
    progression = opened(tmp_path)
    before = [trip(START - timedelta(days=1), 100, k) for k in range(40)]
    after = [trip(LATER + timedelta(days=1), 100, k) for k in range(40)]
    report = progression.evaluate_gates([*before, *after], curve(START, 8), 0, LATER)
    assert "trades: 0 closed is below the minimum 30" in report.failures
    assert any(f.startswith("win rate: undefined") for f in report.failures)


def test_a_record_without_losses_passes_the_profit_factor_gate(tmp_path: Path) -> None:
    progression = opened(tmp_path)
    report = progression.evaluate_gates(record(START, 8, wins_of=5), curve(START, 8), 0, LATER)
    assert report.passed, report.failures


def test_promotion_needs_this_progressions_report_and_a_named_approver(tmp_path: Path) -> None:
    config = ProgressionConfig(approvers=("alice",))
    progression = opened(tmp_path, config)
    with pytest.raises(ProgressionError, match="not produced by evaluate_gates"):
        progression.promote(approved_by="alice", gates=GateReport(True, ()), now=LATER)
    report = passing(progression)
    with pytest.raises(ProgressionError, match="approved_by must name"):
        progression.promote(approved_by="  ", gates=report, now=LATER)
    with pytest.raises(ProgressionError, match="'mallory' may not approve"):
        progression.promote(approved_by="mallory", gates=report, now=LATER)
    assert progression.phase is Phase.PAPER
    progression.promote(approved_by="alice", gates=report, now=LATER)
    with pytest.raises(
        ProgressionError, match="not produced by evaluate_gates"
    ):  # spent: one step per report
        progression.promote(approved_by="alice", gates=report, now=LATER)
    assert progression.capital_limit == Decimal(1_000)


def test_a_breach_demotes_one_step_and_restarts_the_window(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    with Journal(folder) as journal:
        progression = opened(tmp_path, journal=journal)
        progression.promote(approved_by="alice", gates=passing(progression), now=LATER)
        up = progression.since + timedelta(days=8)
        progression.promote(approved_by="alice", gates=passing(progression), now=up)
        breach = up + timedelta(days=2)
        assert progression.demote(reason="SAFE_MODE: daily loss 8.4%", now=breach) is Phase.MICRO_LIVE
        assert progression.capital_limit == Decimal(1_000)
        assert progression.since == breach
        assert progression.demote(reason="breaker tripped on drawdown", now=breach) is Phase.PAPER
        assert progression.demote(reason="another breach in paper", now=breach) is Phase.PAPER
        with pytest.raises(ProgressionError, match="needs a reason"):
            progression.demote(reason=" ", now=breach)
    records = list(read_records(folder))
    demotions = [r.payload for r in records if r.payload["event"] == "progression_demoted"]
    assert [d["why"] for d in demotions] == [
        "SAFE_MODE: daily loss 8.4%",
        "breaker tripped on drawdown",
        "another breach in paper",
    ]
    assert all(r.actor is None for r in records if r.payload["event"] == "progression_demoted")


def test_the_top_step_cannot_be_promoted_past(tmp_path: Path) -> None:
    config = ProgressionConfig(capital_steps=(Decimal(1_000), Decimal(2_000)))
    progression = opened(tmp_path, config)
    progression.promote(approved_by="alice", gates=passing(progression), now=LATER)
    progression.promote(
        approved_by="alice", gates=passing(progression), now=progression.since + timedelta(days=8)
    )
    assert (progression.phase, progression.capital_limit) == (Phase.SCALED_LIVE, Decimal(2_000))
    report = passing(progression)
    assert report.failures == ("capital: already at the top step 2000; there is no step to promote to",)


def test_a_config_edit_never_raises_the_capital_in_force(tmp_path: Path) -> None:
    progression = opened(tmp_path)
    progression.promote(approved_by="alice", gates=passing(progression), now=LATER)
    richer = ProgressionConfig(capital_steps=(Decimal(2_000), Decimal(5_000)))
    reopened = TradingProgression.open(tmp_path, richer)
    assert (reopened.phase, reopened.capital_limit) == (Phase.PAPER, Decimal(100_000))
    assert reopened.history[-1].kind == "rebased"
    smaller = ProgressionConfig(capital_steps=(Decimal(500), Decimal(5_000)))
    progression = opened(tmp_path / "b")
    progression.promote(approved_by="alice", gates=passing(progression), now=LATER)
    rebased = TradingProgression.open(tmp_path / "b", smaller)
    assert (rebased.phase, rebased.capital_limit) == (Phase.MICRO_LIVE, Decimal(500))


def test_a_corrupt_state_file_is_refused_by_path_and_field(tmp_path: Path) -> None:
    (tmp_path / "progression.json").write_text(
        '{"version": 1, "step": -1, "capital": "1000", "since": "2026-03-02T00:00:00Z"}'
    )
    with pytest.raises(ProgressionError, match=r"progression\.json.*'step'.*-1"):
        TradingProgression.open(tmp_path)
    (tmp_path / "progression.json").write_text("{not json")
    with pytest.raises(ProgressionError, match=r"progression\.json"):
        TradingProgression.open(tmp_path)


def test_naive_instants_and_negative_breaches_are_refused(tmp_path: Path) -> None:
    progression = opened(tmp_path)
    with pytest.raises(ProgressionError, match="timezone-aware"):
        progression.evaluate_gates([], [], 0, LATER.replace(tzinfo=None))
    with pytest.raises(ProgressionError, match="cannot be negative"):
        progression.evaluate_gates([], [], -1, LATER)


def test_the_risk_config_file_carries_the_progression(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        "[progression]\ncapital_steps = [2000, 4000, 8000]\nmicro_live_steps = 2\n"
        "[progression.gates.paper]\nmin_trades = 50\n"
    )
    config = load_risk_config(path).progression
    assert config.capital_steps == (Decimal(2_000), Decimal(4_000), Decimal(8_000))
    assert config.gates_for(Phase.PAPER).min_trades == 50
    assert config.gates_for(Phase.MICRO_LIVE).min_trades == 30
    assert config.phase_of(1) is Phase.MICRO_LIVE
    path.write_text("[progression]\napprovers = []\n[progression.gates.live]\nmin_trades = 20\n")
    with pytest.raises(RiskConfigError, match=r"risk\.toml:3: field 'progression\.gates': bad key.*'live'"):
        load_risk_config(path)
    path.write_text("[progression]\ncapital_steps = [5000, 1000]\n")
    with pytest.raises(
        RiskConfigError, match=r"risk\.toml:2: field 'progression\.capital_steps': must be strictly"
    ):
        load_risk_config(path)


def test_risk_breaches_demote_automatically_and_other_events_do_not(tmp_path: Path) -> None:
    config = RiskConfig(authorised_users=("alice",))
    progression = opened(tmp_path)
    progression.promote(approved_by="alice", gates=passing(progression), now=LATER)
    at = LATER + timedelta(days=1)
    book = PortfolioState(
        equity=Decimal(900),
        cash=Decimal(900),
        day_start_equity=Decimal(1_000),
        high_water_mark=Decimal(1_000),
    )
    safe, entered = assess(SafeModeState(), book, at, config)
    assert safe.active
    cleared = clear(safe, "alice", at, config)[1]
    assert progression.demote_on([cleared]) is None  # a clearance is no breach
    assert progression.phase is Phase.MICRO_LIVE
    breaker = EmergencyCircuitBreaker(config)
    _, trips = breaker.observe(
        BreakerState(), BreakerObservation(now=at, equity=book.equity, high_water_mark=Decimal(1_000))
    )
    assert progression.demote_on([*entered, *trips]) is Phase.PAPER
    why = progression.history[-1].why
    assert why.startswith(f"SAFE_MODE entered for {at.date().isoformat()}; breaker tripped on drawdown: ")
