"""`trader risk check --config FILE` through the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TRADER = Path(sys.executable).parent / "trader"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TRADER), "risk", "check", *args], capture_output=True, text=True, check=False)


def test_a_good_config_prints_its_effective_limits(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text('authorised_users = ["alice"]\n[limits]\nmax_leverage = 2\n[breaker]\nflatten = true\n')
    out = run("--config", str(path))
    assert out.returncode == 0, out.stderr
    assert "Effective risk limits" in out.stdout
    for expected in (
        "5% of equity",
        "2x (hard maximum 10x)",
        "fewer than 10 trades per minute",
        "8% / 20% -> reduce-only",
        "halt new orders, cancel open orders, flatten",
        "alice",
    ):
        assert expected in out.stdout, expected


def test_a_bad_config_exits_2_with_file_line_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("[limits]\nmax_trade_fraction = 0.05\nmax_leverage = 25\n")
    out = run("--config", str(path))
    assert out.returncode == 2
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert f"{path}:3: field 'limits.max_leverage': exceeds the hard maximum 10x (got 25)" in out.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    out = run("--config", str(tmp_path / "nope.toml"))
    assert out.returncode == 2
    assert "cannot read the file" in out.stderr


def test_the_progression_and_its_phase_gates_are_printed(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        '[progression]\ncapital_steps = [2000, 4000, 8000]\nmicro_live_steps = 2\napprovers = ["alice"]\n'
        "[progression.gates.micro_live]\nmin_trades = 20\nmin_sharpe = 1\n"
    )
    out = run("--config", str(path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for expected in (
        "$2,000 -> $4,000",
        "$8,000",
        "approved by alice",
        "x0.5 for the first 10 trades",
        "Promotion gates",
    ):
        assert expected in out.stdout, expected
    micro = next(line for line in lines if "micro_live " in line and ">= 7" in line)
    assert ">= 20 " in micro
    assert ">= 1 (daily" in micro
    paper = next(line for line in lines if line.startswith("│ paper "))
    assert ">= 30 " in paper


def test_a_bad_progression_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("[progression]\nmicro_live_steps = 6\n")
    out = run("--config", str(path))
    assert out.returncode == 2
    assert f"{path}:2: field 'progression.micro_live_steps': leaves no scaled_live step" in out.stderr
