"""Talking to a running daemon: its status endpoint (bearer token from the state dir) and its pid."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.error
import urllib.request
from typing import Any

from trader.live.errors import DaemonError, NotRunningError
from trader.live.state_dir import StateDir, running_pid


def call(state: StateDir, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One request to the daemon's endpoint; NotRunningError when none listens, DaemonError on a refusal."""
    if running_pid(state) is None:
        raise NotRunningError(f"no daemon runs on state dir {state.root}")
    api = None
    deadline = time.monotonic() + 10
    while api is None and time.monotonic() < deadline:  # a daemon just started publishes its port shortly
        api = state.read_api()
        if api is None:
            time.sleep(0.05)
    if api is None:
        raise DaemonError(
            f"state dir {state.root}: the daemon has not published its status endpoint (api.json)"
        )
    token = state.token.read_text(encoding="utf-8").strip()
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{api['port']}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        with contextlib.suppress(ValueError):
            detail = json.loads(detail).get("detail", detail)
        raise DaemonError(f"daemon refused {path.lstrip('/')}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DaemonError(f"cannot reach the daemon on 127.0.0.1:{api['port']}: {exc}") from None


def stop(state: StateDir, timeout: float = 10.0) -> tuple[int, float] | None:
    """SIGTERM the daemon and wait until it released the state dir; (pid, seconds), or None if none ran."""
    pid = running_pid(state)
    if pid is None or pid <= 0:
        return None
    began = time.monotonic()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return None
    while running_pid(state) is not None:
        if time.monotonic() - began > timeout:
            raise DaemonError(f"daemon pid {pid} did not stop within {timeout:.0f} s of SIGTERM")
        time.sleep(0.05)
    return pid, time.monotonic() - began
