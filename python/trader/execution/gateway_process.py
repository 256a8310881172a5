"""Starts and stops a `trader-gateway` process and learns the ports it bound (for tests, benchmarks, ops)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Self

from trader.execution.errors import GatewayError

__all__ = ["GatewayProcess", "sim_config"]

_LISTENING = re.compile(r"^trader-gateway listening grpc=(?P<grpc>\S+) http=(?P<http>\S+)")


def sim_config(journal: Path, *, sync: str = "fsync", extra: str = "") -> str:
    """A config for the simulated venue on loopback with any free ports; `extra` is appended TOML."""
    return (
        '[server]\ngrpc_listen = "127.0.0.1:0"\nhttp_listen = "127.0.0.1:0"\n'
        f'[journal]\npath = "{journal.as_posix()}"\nsync = "{sync}"\n'
        f'[venue]\nkind = "sim"\n{extra}'
    )


@dataclass
class GatewayProcess:
    """A running `trader-gateway`; `grpc_target` is `host:port` for `GatewayClient`."""

    process: subprocess.Popen[str]
    grpc_target: str
    http_address: str
    log: Path

    @classmethod
    def start(
        cls, binary: Path, config: Path, token: str, *, log: Path | None = None, timeout: float = 30.0
    ) -> Self:
        """Runs `binary --config config` with the token in its environment; waits for its listening line."""
        log = log or config.with_suffix(".log")
        env = {**os.environ, "TRADER_GATEWAY_TOKEN": token}
        with log.open("a") as log_file:
            process = subprocess.Popen(
                [str(binary), "--config", str(config)],
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
                env=env,
            )
        stdout = process.stdout
        assert stdout is not None  # set by stdout=PIPE
        line = _read_line(stdout, timeout)
        match = _LISTENING.match(line)
        if match is None:
            process.kill()
            process.wait()
            raise GatewayError(
                f"{binary} --config {config} did not start (exit {process.returncode}): "
                f"{log.read_text().strip() or line.strip() or 'no output'}"
            )
        return cls(process, match["grpc"], match["http"], log)

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is flushed, no handler runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._close()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait for the graceful shutdown; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._close()
        return code

    def _close(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()


def _read_line(stream: IO[str], timeout: float) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""
