"""Progressive scaling in the daemon: entries are sized on the progression's capital step, which follows a
promotion (the operator's command) and a demotion (a breaker trip); a symbol added after trading began
starts at reduced size, and its trade count outlives a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from scaling_daemon import DAY, DrivenDaemon, config, progression_at, restamped, sized_on, state_of

from trader.journal import JournalKind, read_records, verify_journal
from trader.live.commands import dispatch
from trader.live.status import progression_status

BARS = 130
PROMOTE_AT = 60
SHOCK = 95
STEP_1K, STEP_5K, STEP_10K = Decimal(1000), Decimal(5000), Decimal(10_000)
HALF = Decimal("0.5")


def _midnight() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _approved(entries: list[tuple[str, Decimal, Decimal, str]]) -> list[tuple[str, Decimal, Decimal, str]]:
    return [entry for entry in entries if entry[3] != "risk_rejected"]


def test_entries_size_on_the_capital_step_through_a_promotion_and_a_demotion(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    first = _midnight() - DAY * BARS  # the record lies inside the gates' window, which ends now
    bars = restamped(samples_dir, "AAPL", tmp_path, first, BARS, shock_at=SHOCK)
    progression_at(home, 0, "1000", first - DAY * 30)  # micro_live on $1k, a $100k paper account
    run = DrivenDaemon(home, config(tmp_path, [bars]))
    try:
        assert run.daemon.portfolio.equity() == Decimal(100_000)
        run.bars(PROMOTE_AT)
        micro = run.entries()
        promoted = dispatch(run.daemon, "promote", "alice")
        assert promoted == {"from": "micro_live", "to": "scaled_live", "capital_limit": "5000"}
        run.bars(SHOCK - PROMOTE_AT)
        scaled = run.entries()[len(micro) :]
        run.bars(1)  # the shock: a 30 % gap down trips the breaker, which demotes one step
        assert [(e["before"], e["after"]) for e in run.events("demoted")] == [("SCALED", "LIVE")]
        assert dispatch(run.daemon, "acknowledge", "alice") == {"breaker": "closed"}
        before = len(run.entries())
        run.bars(BARS - SHOCK - 1)
        demoted = run.entries()[before:]
    finally:
        run.close()

    # Every entry is sized on the step in force, not on the $100k account: 5 % of the step per trade.
    assert len(micro) >= 15
    assert len(scaled) >= 12
    assert len(demoted) >= 12
    for entries, step in ((micro, STEP_1K), (scaled, STEP_5K), (demoted, STEP_1K)):
        assert _approved(entries) == entries, "no entry was refused"
        assert [qty for _, qty, _, _ in entries] == [sized_on(step, close) for _, _, close, _ in entries]
    assert all(qty >= 10 for _, qty, _, _ in scaled)
    assert all(qty <= 3 for _, qty, _, _ in (*micro, *demoted))

    state = state_of(home)
    assert (state["step"], state["capital"], state["universe"]) == (0, "1000", ["AAPL"])
    kinds = [(t["kind"], t["from_capital"], t["to_capital"]) for t in state["history"]]
    assert kinds == [("promoted", "1000", "5000"), ("demoted", "5000", "1000")]
    records = list(read_records(home / "journal"))
    trip = next(r for r in records if r.kind is JournalKind.BREAKER_TRIP)
    assert trip.payload["trigger"]["kind"] == "asset_move"
    verdicts = [
        r.payload for r in records if r.kind is JournalKind.RISK_VERDICT and r.payload["side"] == "buy"
    ]
    approved = [v for v in verdicts if v["action"] != "reject"]
    assert approved
    assert all("capital_step" in v["reasons"] for v in approved)
    assert verify_journal(home / "journal").ok


def test_a_symbol_added_later_starts_at_reduced_size_and_its_count_survives_a_restart(
    tmp_path: Path, samples_dir: Path
) -> None:
    home = tmp_path / "home"
    first = _midnight() - DAY * 200
    aapl = restamped(samples_dir, "AAPL", tmp_path, first, BARS)
    progression_at(home, 2, "10000", first - timedelta(days=30))  # scaled_live on $10k

    alone = DrivenDaemon(home, config(tmp_path, [aapl]))
    try:
        alone.bars(30)
        established = alone.entries()
    finally:
        alone.close()
    assert state_of(home)["universe"] == ["AAPL"]  # recorded at the first start: the established symbols
    assert established
    assert all(qty == sized_on(STEP_10K, close) for _, qty, close, _ in established)

    # SPY joins the universe: its bars start where the first run stopped.
    spy = restamped(samples_dir, "SPY", tmp_path, first + DAY * 30, BARS - 30)
    paths = config(tmp_path, [aapl, spy])
    joined = DrivenDaemon(home, paths)
    try:
        assert joined.daemon.controller.unreconciled is None
        joined.bars(22)  # SPY's first entry (its bar 20) fills at bar 21, where Flip decides to close it
        before_restart = joined.entries()
        shown = progression_status(joined.daemon)
    finally:
        joined.close()
    spy_entries = [entry for entry in before_restart if entry[0] == "SPY"]
    assert len(spy_entries) == 1
    (_, qty, close, _) = spy_entries[0]
    assert qty == sized_on(STEP_10K, close, HALF) < sized_on(STEP_10K, close)
    assert state_of(home)["trades"] == {"SPY": 1}
    assert shown == {
        "phase": "scaled_live",
        "capital_limit": "10000",
        "sized_on_capital_step": True,
        "reduced_size_trades": {"SPY": 1},
    }
    for symbol, qty, close, _ in before_restart:
        if symbol == "AAPL":
            assert qty == sized_on(STEP_10K, close)

    restarted = DrivenDaemon(home, paths)
    try:
        assert restarted.daemon.controller.unreconciled is None
        restarted.bars(12)
        after_restart = restarted.entries()
    finally:
        restarted.close()
    spy_after = [(qty, close) for symbol, qty, close, _ in after_restart if symbol == "SPY"]
    assert len(spy_after) >= 3
    # The count came back from the state file: one more trade at half size, then full size.
    (qty, close), *rest = spy_after
    assert qty == sized_on(STEP_10K, close, HALF)
    assert all(later == sized_on(STEP_10K, price) for later, price in rest)
    assert state_of(home)["trades"] == {"SPY": 2}
