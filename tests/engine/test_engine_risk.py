"""Risk in the loop: every decision gets a journaled verdict; orders go out resized, or not at all."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from engine_helpers import Recorder, daily_bars

from trader.data import load_bars
from trader.engine import BacktestConfig, run_backtest
from trader.risk import RiskConfig
from trader.strategies import EmaCross

TRADER = Path(sys.executable).with_name("trader")


def _records(journal: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


def test_entries_are_cut_by_the_trade_limit_and_exits_pass(samples_dir: Path, tmp_path: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    journal = tmp_path / "journal.jsonl"
    config = BacktestConfig(risk=RiskConfig())
    result = run_backtest(EmaCross({"qty": 1000}), [bars], journal, config)
    records = _records(journal)
    kinds = [r["kind"] for r in records]
    assert kinds.count("order_intent") == kinds.count("risk_verdict") == len(result.decisions) > 50
    verdicts = [r["payload"] for r in records if r["kind"] == "risk_verdict"]
    assert isinstance(verdicts[0], dict)
    limit = RiskConfig().limits.max_trade_fraction
    for verdict, decision in zip(verdicts, result.decisions, strict=True):
        assert isinstance(verdict, dict)
        assert verdict["qty"] == decision.qty
        if decision.side == "buy":
            assert verdict["action"] == "resize"
            assert "trade_limit" in verdict["reasons"]
            assert Decimal(decision.qty) < 1000
        else:
            assert verdict["reasons"] == ["reduce_only"]
    # Entries are sized from equity at the decision: never more than the per-trade share of it.
    for trade in result.trades:
        assert trade.qty * trade.entry_price < limit * Decimal(130_000)
    # The verdict's stop gives each entry its initial risk, so trades and metrics report R multiples.
    assert all(trade.initial_risk is not None for trade in result.trades)
    assert result.metrics.avg_r is not None
    result.portfolio.reconcile()


def test_a_refused_decision_never_reaches_the_gateway(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    # Bar 0: the ATR is not ready, so risk has no stop to size against and refuses new risk.
    strategy = Recorder(buy_at=0, sell_at=99)
    result = run_backtest(
        strategy, [daily_bars("SPY", [100.0, 101.0, 102.0])], journal, BacktestConfig(risk=RiskConfig())
    )
    assert [d.status for d in result.decisions] == ["risk_rejected"]
    assert [(r.client_order_id, r.by, r.reasons) for r in result.refusals] == [
        (result.decisions[0].client_order_id, "risk", ("missing_market_data",))
    ]
    kinds = [r["kind"] for r in _records(journal)]
    assert kinds == ["run_start", "order_intent", "risk_verdict", "run_end"]
    verdict = _records(journal)[2]["payload"]
    assert isinstance(verdict, dict)
    assert verdict["action"] == "reject"
    assert verdict["reasons"] == ["missing_market_data"]
    assert result.portfolio.effects == []


def test_cli_takes_a_risk_file_and_refuses_a_bad_one(samples_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "risk.toml"
    good.write_text("[limits]\nmax_trade_fraction = 0.02\n", encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\nmax_trade_fraction = 7\n", encoding="utf-8")
    base = [str(TRADER), "backtest", "--strategy", "ema_cross", "--data", str(samples_dir / "SPY_1d.csv")]
    done = subprocess.run(
        [*base, "--risk", str(good), "--out", str(tmp_path / "ok")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "ok" / "summary.json").read_text())
    assert summary["run"]["config"]["risk"]["limits"]["max_trade_fraction"] == "0.02"
    assert summary["run"]["config"]["risk_guards"] is True  # the CLI's default: SAFE_MODE, breaker, stops act
    unguarded = subprocess.run(
        [*base, "--risk", str(good), "--no-risk-guards", "--out", str(tmp_path / "bare")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert unguarded.returncode == 0, unguarded.stderr
    bare = json.loads((tmp_path / "bare" / "summary.json").read_text())
    assert bare["run"]["config"]["risk_guards"] is False
    assert bare["final"] != summary["final"]  # the guards' resting stops changed the run
    refused = subprocess.run(
        [*base, "--risk", str(bad), "--out", str(tmp_path / "bad")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert f"{bad}:2" in refused.stderr
    assert "max_trade_fraction" in refused.stderr
