"""What the daemon prints: structured JSON lines (--no-tui), or the rich terminal dashboard."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO


class Output:
    """Structured JSON log lines on stdout: one object per event, with `ts` and `event` first."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def _line(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, default=str, separators=(",", ":")) + "\n")
        self._stream.flush()

    def event(self, event: str, **fields: Any) -> None:
        self._line({"ts": datetime.now(UTC).isoformat(), "event": event, **fields})

    def heartbeat(self, status: dict[str, Any]) -> None:
        """Once a second: the essentials of the status (the full document is at GET /status)."""
        self.event(
            "heartbeat",
            mode=status["mode"],
            market_time=status["market_time"],
            bars=status["bars_processed"],
            equity=status["equity"],
            pnl=status["pnl"],
            positions={p["symbol"]: p["qty"] for p in status["positions"]},
            trading=status["controller"]["trading"],
            kill_switch=status["controller"]["kill_switch"],
            breaker=status["controller"]["breaker"]["tripped"],
            lag_ms=status["health"]["loop_lag_ms_p50"],
        )

    def close(self) -> None:
        """Nothing to tear down for plain lines."""
