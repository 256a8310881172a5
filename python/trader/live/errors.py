"""Errors of the daemon: user mistakes (exit 2, one line) and a refused start."""

from __future__ import annotations

from trader.errors import TraderError


class DaemonError(TraderError):
    """The daemon cannot do what was asked; the message says what and where (state dir, file, flag)."""


class AlreadyRunningError(DaemonError):
    """Another daemon holds the state directory's pidfile lock."""


class NotRunningError(DaemonError):
    """No daemon runs on this state directory (for --status, --stop, a live switch)."""
