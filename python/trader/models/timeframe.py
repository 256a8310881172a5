"""Bar lengths: the one model with no pydantic in it, so light importers (data loading, the CLI) stay fast."""

from __future__ import annotations

from enum import StrEnum


class Timeframe(StrEnum):
    """Bar length. Values are the spelling users type (`--to 1h`) and the file-name suffix (`SPY_1d.csv`)."""

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    H4 = "4h"
    D1 = "1d"

    @property
    def seconds(self) -> int:
        """Length of one bar in seconds."""
        return _TIMEFRAME_SECONDS[self]

    @property
    def nanos(self) -> int:
        """Length of one bar in nanoseconds (the unit of columnar timestamps)."""
        return _TIMEFRAME_SECONDS[self] * 1_000_000_000


_TIMEFRAME_SECONDS: dict[Timeframe, int] = {
    Timeframe.M1: 60,
    Timeframe.M5: 300,
    Timeframe.M15: 900,
    Timeframe.H1: 3_600,
    Timeframe.H4: 14_400,
    Timeframe.D1: 86_400,
}
