"""The daemon's state directory ($TRADER_HOME, default ~/.trader): its files, and the pidfile lock."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from trader.live.errors import AlreadyRunningError, DaemonError

HOME_ENV = "TRADER_HOME"


def default_home() -> Path:
    """$TRADER_HOME when set, else ~/.trader."""
    given = os.environ.get(HOME_ENV)
    return Path(given) if given else Path.home() / ".trader"


@dataclass(frozen=True, slots=True)
class StateDir:
    """Paths of everything the daemon keeps: pidfile, journal, snapshot, API port and token, flags."""

    root: Path

    @property
    def pidfile(self) -> Path:
        return self.root / "daemon.pid"

    @property
    def journal(self) -> Path:
        """A directory journal (rotated files): a daemon runs for months."""
        return self.root / "journal"

    @property
    def gateway_journal(self) -> Path:
        return self.root / "gateway.journal"

    @property
    def snapshot(self) -> Path:
        return self.root / "snapshot.json"

    @property
    def equity(self) -> Path:
        """One row per marked bar, the same columns as a backtest's equity.csv."""
        return self.root / "equity.csv"

    @property
    def api(self) -> Path:
        """{"port": N, "pid": P}: where the status endpoint listens."""
        return self.root / "api.json"

    @property
    def token(self) -> Path:
        return self.root / "api.token"

    @property
    def kill_flag(self) -> Path:
        """Present = kill switch on (survives restarts: fail closed)."""
        return self.root / "KILL_SWITCH"

    @property
    def promotion_request(self) -> Path:
        return self.root / "promotion_approval.json"

    def ensure(self) -> None:
        """Create the directory (0700: it holds the API token)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise DaemonError(f"state dir {self.root}: cannot create it: {exc.strerror}") from None

    def api_token(self) -> str:
        """The bearer token of the status endpoint, created once with mode 0600."""
        if self.token.exists():
            return self.token.read_text(encoding="utf-8").strip()
        token = secrets.token_urlsafe(32)
        fd = os.open(self.token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
        return token

    def read_api(self) -> dict[str, int] | None:
        """The endpoint's port and the daemon's pid, or None when no daemon published one."""
        try:
            data = json.loads(self.api.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("port"), int):
            return None
        return {"port": int(data["port"]), "pid": int(data.get("pid", 0))}


class PidLock:
    """An exclusive flock on the pidfile for the daemon's lifetime: a second daemon is refused.

    The kernel drops the lock when the process dies, however it dies, so a stale pidfile never blocks.
    """

    def __init__(self, state: StateDir) -> None:
        self._state = state
        self._fd: int | None = None

    def acquire(self) -> None:
        path = self._state.pidfile
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunningError(
                f"state dir {self._state.root}: a daemon already runs there (pid {other}); "
                "stop it with `trader daemon --stop` or use another TRADER_HOME"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def running_pid(state: StateDir) -> int | None:
    """The pid of the daemon holding the lock, or None when nobody holds it."""
    try:
        fd = os.open(state.pidfile, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
