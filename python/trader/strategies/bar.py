"""`Bar`: the light, read-only bar a strategy receives (a slots class, no pydantic per bar)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Bar:
    """One closed bar of one symbol: `ts` is its open stamp in ns UTC (as in the file), `index` its place."""

    __slots__ = ("close", "high", "index", "low", "open", "symbol", "ts", "volume")

    def __init__(  # noqa: PLR0917 -- the OHLCV fields of one bar, built once per bar by the engine
        self,
        symbol: str,
        ts: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        index: int,
    ) -> None:
        self.symbol = symbol
        self.ts = ts
        self.open = open_
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.index = index

    @property
    def time(self) -> datetime:
        """The bar's stamp as an aware UTC datetime (whole microseconds)."""
        return _EPOCH + timedelta(microseconds=self.ts // 1_000)

    def __repr__(self) -> str:
        return (
            f"Bar({self.symbol} {self.time.isoformat()} o={self.open!r} h={self.high!r} "
            f"l={self.low!r} c={self.close!r} v={self.volume!r})"
        )
