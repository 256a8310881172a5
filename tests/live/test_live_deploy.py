"""Deployment files: the systemd units restart on failure and start commands that exist; Dockerfiles agree."""

from __future__ import annotations

import configparser
import shlex
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trader.cli import app
from trader.live.config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REPO = DEPLOY.parent


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


@pytest.mark.parametrize("name", ["trader-daemon.service", "trader-gateway.service"])
def test_units_restart_on_failure_and_stop_with_sigterm(name: str) -> None:
    unit = _unit(name)
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_daemon_unit_runs_trader_daemon_with_options_the_cli_knows() -> None:
    service = _unit("trader-daemon.service")["Service"]
    for key in ("ExecStart", "ExecStop"):
        argv = shlex.split(service[key])
        assert Path(argv[0]).name == "trader"
        assert argv[1] == "daemon"
        flags = [arg for arg in argv[2:] if arg.startswith("--")]
        result = CliRunner().invoke(app, ["daemon", "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        for flag in flags:
            assert flag in result.output, f"{key}: {flag} is not an option of `trader daemon`"


def test_the_gateway_unit_and_image_run_the_trader_gateway_binary() -> None:
    argv = shlex.split(_unit("trader-gateway.service")["Service"]["ExecStart"])
    assert Path(argv[0]).name == "trader-gateway"
    assert argv[1:] == ["--config", "/etc/trader/gateway.toml"]
    cargo = tomllib.loads((REPO / "crates" / "gateway_server" / "Cargo.toml").read_text())
    assert "trader-gateway" in [b["name"] for b in cargo["bin"]]
    dockerfile = (DEPLOY / "docker" / "Dockerfile.gateway").read_text()
    assert "--bin trader-gateway" in dockerfile
    assert 'ENTRYPOINT ["trader-gateway"]' in dockerfile
    daemon_image = (DEPLOY / "docker" / "Dockerfile.daemon").read_text()
    assert 'ENTRYPOINT ["trader", "daemon", "--no-tui"]' in daemon_image
    assert "STOPSIGNAL SIGTERM" in daemon_image


def test_the_example_config_loads_and_points_at_the_bundled_sample() -> None:
    config = load_config(DEPLOY / "config" / "daemon.example.toml", {})
    assert config.mode == "paper"
    assert config.reconcile == "alert"
    assert all(path.is_file() for path in config.replay)
    assert config.params == {"fast": "10", "slow": "30"}
