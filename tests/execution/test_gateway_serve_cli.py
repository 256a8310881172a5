"""`trader gateway serve --config FILE`: runs the real binary, forwards SIGTERM, exits 2 on a bad config."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from trader.execution.gateway_process import sim_config
from trader.execution.grpc_client import GatewayClient, GatewayConnectionError

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "serve-cli-token-0123456789"
TRADER = Path(sys.executable).parent / "trader"


@pytest.fixture(scope="module")
def binary() -> Path:
    """The debug build of the gateway (a no-op when `make setup` already built it)."""
    subprocess.run(["cargo", "build", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True)
    return REPO_ROOT / "target" / "debug" / "trader-gateway"


def env_for(binary: Path) -> dict[str, str]:
    return {**os.environ, "TRADER_GATEWAY_TOKEN": TOKEN, "TRADER_GATEWAY_BIN": str(binary)}


def test_serve_runs_the_gateway_and_forwards_sigterm(binary: Path, tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(sim_config(tmp_path / "gateway.journal"))
    with (
        (tmp_path / "serve.log").open("w") as log,
        subprocess.Popen(
            [str(TRADER), "gateway", "serve", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env_for(binary),
        ) as serve,
    ):
        try:
            assert serve.stdout is not None
            ready, _, _ = select.select([serve.stdout], [], [], 60)
            line = serve.stdout.readline() if ready else ""
            match = re.match(r"trader-gateway listening grpc=(\S+) http=", line)
            assert match, f"no listening line: {line!r}"
            with GatewayClient(match[1], TOKEN) as client:
                assert client.health().status == "serving"
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(30) == 0, "the gateway shut down gracefully and `trader` exits with its code"
            with GatewayClient(match[1], TOKEN, timeout=1) as client, pytest.raises(GatewayConnectionError):
                client.health()
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait()


def test_a_bad_config_exits_2_naming_key_and_value(binary: Path, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(sim_config(tmp_path / "j") + 'slippage_bps = "a lot"\n')
    result = subprocess.run(
        [str(TRADER), "gateway", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env_for(binary),
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "slippage_bps" in result.stderr


def test_missing_config_or_binary_is_one_line_exit_2(binary: Path, tmp_path: Path) -> None:
    missing = subprocess.run(
        [str(TRADER), "gateway", "serve", "--config", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        env=env_for(binary),
        check=False,
        timeout=60,
    )
    assert missing.returncode == 2
    assert "nope.toml: no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    config = tmp_path / "gateway.toml"
    config.write_text(sim_config(tmp_path / "gateway.journal"))
    no_binary = subprocess.run(
        [str(TRADER), "gateway", "serve", "--config", str(config), "--binary", str(tmp_path / "gw")],
        capture_output=True,
        text=True,
        env=env_for(binary),
        check=False,
        timeout=60,
    )
    assert no_binary.returncode == 2
    assert "not an executable file" in no_binary.stderr
