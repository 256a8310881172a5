"""Historical bars from Alpaca's market-data API (stocks and crypto) into columnar `trader.data.Bars`."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from alpaca.common.enums import Sort
from alpaca.data.historical.crypto import CryptoHistoricalDataClient
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.models import BarSet
from alpaca.data.requests import CryptoBarsRequest, StockBarsRequest
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

from trader.alpaca.calls import call
from trader.alpaca.errors import AlpacaError
from trader.alpaca.settings import AlpacaSettings
from trader.data.bars import Bars, to_nanos
from trader.models import Timeframe

_ALPACA_TIMEFRAME: dict[Timeframe, TimeFrame] = {
    Timeframe.M1: TimeFrame(1, TimeFrameUnit.Minute),
    Timeframe.M5: TimeFrame(5, TimeFrameUnit.Minute),
    Timeframe.M15: TimeFrame(15, TimeFrameUnit.Minute),
    Timeframe.H1: TimeFrame(1, TimeFrameUnit.Hour),
    Timeframe.H4: TimeFrame(4, TimeFrameUnit.Hour),
    Timeframe.D1: TimeFrame(1, TimeFrameUnit.Day),
}


def fetch_bars(
    settings: AlpacaSettings,
    symbol: str,
    timeframe: Timeframe,
    start: datetime,
    end: datetime | None = None,
    *,
    last: int | None = None,
) -> Bars:
    """Every bar of `symbol` from `start` to `end` (crypto when it has a slash: `BTC/USD`), all pages; with
    `last`, only the newest `last` of them (asked newest first, so one page holds them), in time order."""
    frame = _ALPACA_TIMEFRAME[timeframe]
    window = {"start": start, "end": end, "limit": last, "sort": None if last is None else Sort.DESC}
    if "/" in symbol:
        crypto = CryptoHistoricalDataClient(
            settings.key_id, settings.secret_key, url_override=settings.data_url
        )
        request = CryptoBarsRequest(symbol_or_symbols=symbol, timeframe=frame, **window)
        result = call(settings, f"crypto bars {symbol}", lambda: crypto.get_crypto_bars(request))
    else:
        stock = StockHistoricalDataClient(
            settings.key_id, settings.secret_key, url_override=settings.data_url
        )
        stock_request = StockBarsRequest(symbol_or_symbols=symbol, timeframe=frame, **window)
        result = call(settings, f"stock bars {symbol}", lambda: stock.get_stock_bars(stock_request))
    if not isinstance(result, BarSet):
        raise AlpacaError(f"Alpaca bars {symbol}: unexpected answer {type(result).__name__}")
    rows = result.data.get(symbol, [])
    if last is not None:
        rows = sorted(rows, key=lambda bar: bar.timestamp)
    return Bars(
        symbol=symbol,
        timeframe=timeframe,
        ts=np.array([to_nanos(bar.timestamp) for bar in rows], dtype=np.int64),
        open=np.array([bar.open for bar in rows], dtype=np.float64),
        high=np.array([bar.high for bar in rows], dtype=np.float64),
        low=np.array([bar.low for bar in rows], dtype=np.float64),
        close=np.array([bar.close for bar in rows], dtype=np.float64),
        volume=np.array([bar.volume for bar in rows], dtype=np.float64),
        source=f"alpaca:{settings.data_url}",
    )
