"""Live bars from Alpaca's market-data stream (stocks or crypto) through alpaca-py, on a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from alpaca.data.live.crypto import CryptoDataStream
from alpaca.data.live.stock import StockDataStream
from alpaca.data.models import Bar

from trader.alpaca.settings import AlpacaSettings
from trader.data.bars import to_nanos


@dataclass(frozen=True, slots=True)
class LiveBar:
    """One streamed bar: open time in ns UTC and float OHLCV (bars feed indicators, not the ledger)."""

    symbol: str
    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class LiveBarStream:
    """Streams bars of `symbols` to `on_bar` (called on the stream's thread) until `stop()`.

    All symbols must be of one kind: crypto pairs (`BTC/USD`) or stocks (`feed` "iex" or "sip").
    """

    def __init__(
        self,
        settings: AlpacaSettings,
        symbols: list[str],
        on_bar: Callable[[LiveBar], None],
        *,
        feed: str = "iex",
    ) -> None:
        crypto = {"/" in s for s in symbols}
        if len(crypto) != 1:
            raise ValueError("give only stocks or only crypto pairs (BTC/USD) to one LiveBarStream")
        self._stream: StockDataStream | CryptoDataStream
        if crypto == {True}:
            url = f"{settings.data_stream_url}/v1beta3/crypto/us"
            self._stream = CryptoDataStream(settings.key_id, settings.secret_key, url_override=url)
        else:
            url = f"{settings.data_stream_url}/v2/{feed}"
            self._stream = StockDataStream(settings.key_id, settings.secret_key, url_override=url)

        async def handle(bar: Bar | dict[Any, Any]) -> None:
            if not isinstance(bar, Bar):  # only with raw_data=True, which this class never asks for
                raise TypeError(f"expected an alpaca Bar, got {type(bar).__name__}")
            on_bar(
                LiveBar(
                    symbol=bar.symbol,
                    ts=to_nanos(bar.timestamp),
                    open=bar.open,
                    high=bar.high,
                    low=bar.low,
                    close=bar.close,
                    volume=bar.volume,
                )
            )

        self._stream.subscribe_bars(handle, *symbols)
        self._thread = threading.Thread(target=self._stream.run, name="alpaca-bars", daemon=True)

    def start(self) -> Self:
        """Connects and streams in the background."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Closes the stream and waits for its thread (also right after `start`, before it connected)."""
        deadline = time.monotonic() + timeout
        # alpaca-py's stop() needs the event loop its run() creates on our thread; asked before that exists
        # it raises, and the stream would then run on. Wait for the loop (or for the thread to end).
        while self._stream._loop is None and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if self._stream._loop is not None:
            self._stream.stop()
        self._thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
