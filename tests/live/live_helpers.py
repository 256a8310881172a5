"""Running a real daemon in a subprocess, reading its JSON lines, talking to its status endpoint."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from click.testing import Result

TRADER = str(Path(sys.executable).parent / "trader")
DAY_NS = 86_400 * 1_000_000_000
BARS_PER_SECOND = 86_400.0  # replay speed at which one daily bar closes per wall second


class DaemonProcess:
    """A `trader daemon ... --no-tui` subprocess; its stdout JSON lines are collected by a reader thread."""

    def __init__(
        self, home: Path, *args: str, env: dict[str, str] | None = None, full_cli: bool = False
    ) -> None:
        self.home = home
        environment = {**os.environ, "TRADER_HOME": str(home), **(env or {})}
        # `python -m trader.live` is the same command without importing every other CLI area (faster start);
        # full_cli runs the installed `trader daemon` entry point itself.
        entry = [TRADER, "daemon"] if full_cli else [sys.executable, "-m", "trader.live"]
        self.proc = subprocess.Popen(
            [*entry, "--no-tui", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self._stderr: str | None = None
        self.lines: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            record = json.loads(line)  # every stdout line must be one JSON object
            self.lines.append(record)
            self._queue.put(record)

    def wait_event(
        self, name: str, timeout: float = 20.0, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for seen in list(self.lines):
            if seen["event"] == name and (where is None or where(seen)):
                return seen
        while time.monotonic() < deadline:
            try:
                record = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    self._reader.join(timeout=2)
                    break
                continue
            if record["event"] == name and (where is None or where(record)):
                return record
        for record in self.lines:  # the reader may have finished while we looked away
            if record["event"] == name and (where is None or where(record)):
                return record
        raise AssertionError(f"no {name!r} event within {timeout} s; stderr: {self.stderr_text()}")

    def stderr_text(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return "(still running)"
        if self._stderr is None:
            self._stderr = self.proc.stderr.read()
            self.proc.stderr.close()
        return self._stderr

    def wait(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        self.stderr_text()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code

    def stop(self) -> None:
        """Terminate when still running, and release the pipes (the tests fail on a leaked file)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self.wait(timeout=10)


def api(
    home: Path, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """One real HTTP request to the daemon's endpoint (port from api.json, token from api.token)."""
    port = json.loads((home / "api.json").read_text())["port"]
    secret = token if token is not None else (home / "api.token").read_text().strip()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def cli(home: Path, *args: str) -> Result:
    """The `trader` CLI in this process (typer's runner): its real client code against the real daemon."""
    from typer.testing import CliRunner

    from trader.cli import app

    return CliRunner().invoke(app, list(args), env={"TRADER_HOME": str(home)}, catch_exceptions=True)


def run_cli(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRADER_HOME": str(home), **(env or {})}
    return subprocess.run(
        [TRADER, *args], capture_output=True, text=True, env=environment, timeout=timeout, check=False
    )


def journal_records(home: Path) -> list[Any]:
    from trader.journal import read_records

    return list(read_records(home / "journal"))


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
