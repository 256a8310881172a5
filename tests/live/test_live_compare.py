"""Paper replay vs backtest of the same period and strategy: zero divergence (same fill model)."""

from __future__ import annotations

import json
from pathlib import Path

from live_helpers import DaemonProcess, cli

BREAKER_OFF = (
    "[breaker]\nmax_drawdown_fraction = 0.9\nmax_consecutive_losses = 1000\nstale_data_seconds = 100000\n"
)


def test_a_paper_replay_of_spy_matches_its_backtest_trade_for_trade(
    tmp_path: Path, samples_dir: Path
) -> None:
    data = samples_dir / "SPY_1d.csv"
    run = tmp_path / "run"
    backtest = cli(
        tmp_path,
        "backtest",
        "--strategy",
        "ema_cross",
        "--data",
        str(data),
        "--param",
        "fast=10",
        "--param",
        "slow=30",
        "--out",
        str(run),
    )
    assert backtest.exit_code == 0, backtest.output

    config = tmp_path / "daemon.toml"
    config.write_text(BREAKER_OFF)
    home = tmp_path / "paper"
    paper = DaemonProcess(
        home,
        "--config",
        str(config),
        "--replay",
        str(data),
        "--speed",
        "1e12",
        "--tick-interval",
        "0.02",
        "--param",
        "fast=10",
        "--param",
        "slow=30",
    )
    assert paper.wait(timeout=60) == 0, paper.stderr_text()
    assert paper.wait_event("stopped")["reason"] == "replay finished"

    result = cli(tmp_path, "compare", "--paper", str(home), "--backtest", str(run), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["same_period"] is True
    summary = json.loads((run / "summary.json").read_text())
    assert len(report["trades"]) == summary["final"]["fills"] > 10
    assert report["divergent_trades"] == 0
    assert {r["kind"] for r in report["trades"]} == {"matched"}
    for name, pair in report["metrics"].items():
        assert pair["paper"] == pair["backtest"], name

    table = cli(tmp_path, "compare", "--paper", str(home), "--backtest", str(run))
    assert "0 of" in table.output
    assert "diverge" in table.output

    other = tmp_path / "other"
    assert (
        cli(
            tmp_path,
            "backtest",
            "--strategy",
            "ema_cross",
            "--data",
            str(data),
            "--param",
            "fast=10",
            "--param",
            "slow=31",
            "--out",
            str(other),
        ).exit_code
        == 0
    )
    differing = json.loads(
        cli(tmp_path, "compare", "--paper", str(home), "--backtest", str(other), "--json").output
    )
    assert differing["divergent_trades"] > 0
    assert {r["kind"] for r in differing["trades"]} & {"missing", "extra"}, "unequal trade counts show"
    assert any(r["kind"] == "matched" and r["price_diff"] != "0" for r in differing["trades"])
    assert differing["metrics"]["total_return"]["paper"] != differing["metrics"]["total_return"]["backtest"]
