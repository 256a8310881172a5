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
