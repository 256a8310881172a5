"""Trade prints (`timestamp,price,size,side,venue`) and the builder that turns them into bars."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from trader.data.aggregate import bucket_opens, fold
from trader.data.arrow_numpy import float64_column, int64_column
from trader.data.bars import Bars
from trader.data.calendar import MarketCalendar, guess_calendar
from trader.data.csv_table import Kind, read_table
from trader.data.naming import split_name
from trader.errors import DataError
from trader.models import Timeframe

TRADE_SCHEMA = {
    "timestamp": Kind.TIMESTAMP,
    "price": Kind.NUMBER,
    "size": Kind.NUMBER,
    "side": Kind.TEXT,
    "venue": Kind.TEXT,
}
SIDES = ("buy", "sell", "unknown")
_FIRST_DATA_LINE = 2


@dataclass(frozen=True, slots=True)
class Trades:
    """Trade prints as parallel arrays in time order (equal timestamps allowed)."""

    symbol: str
    ts: NDArray[np.int64]
    price: NDArray[np.float64]
    size: NDArray[np.float64]
    source: str | None = None

    def __len__(self) -> int:
        return int(self.ts.size)


def load_trades(path: Path | str, *, symbol: str | None = None) -> Trades:
    """Trades from a CSV file; time going backwards, bad sides, prices <= 0 and negative sizes are refused."""
    path = Path(path)
    table = read_table(path, TRADE_SCHEMA, keep=("timestamp", "price", "size", "side"))
    ts = int64_column(table.column("timestamp"))
    price = float64_column(table.column("price"))
    size = float64_column(table.column("size"))
    side = table.column("side")
    _refuse_first(_unknown_sides(side), path, "side", side, f"must be one of {', '.join(SIDES)}")
    _refuse_first(np.flatnonzero(~(price > 0)), path, "price", price, "must be a positive number")
    # Zero-size prints occur in real feeds (Bitstamp 2012); they add nothing but are not wrong.
    _refuse_first(np.flatnonzero(~(size >= 0)), path, "size", size, "must not be negative")
    backwards = np.flatnonzero(np.diff(ts) < 0) + 1
    _refuse_first(backwards, path, "timestamp", table.column("timestamp"), "goes back in time")
    return Trades(symbol=symbol or split_name(path).symbol, ts=ts, price=price, size=size, source=str(path))


def _unknown_sides(side: pa.ChunkedArray) -> NDArray[np.intp]:
    """Positions whose side is not a known one (dictionary-encoded: building Arrow scalars imports pandas)."""
    encoded = side.combine_chunks().dictionary_encode()
    bad_codes = [code for code, text in enumerate(encoded.dictionary.to_pylist()) if text not in SIDES]
    return np.flatnonzero(np.isin(int64_column(encoded.indices), bad_codes))


def _refuse_first(bad: NDArray[np.intp], path: Path, field: str, values: object, problem: str) -> None:
    if bad.size:
        row = int(bad[0])
        value = values[row]  # type: ignore[index]
        shown = value.as_py() if isinstance(value, pa.Scalar) else value
        raise DataError(problem, path=path, line=row + _FIRST_DATA_LINE, field=field, value=str(shown))


def trades_to_bars(trades: Trades, timeframe: Timeframe, *, calendar: MarketCalendar | None = None) -> Bars:
    """Bars of first/max/min/last price and summed size per period; periods without trades give no bar."""
    if len(trades) == 0:
        raise DataError("no trades to build bars from", path=trades.source)
    cal = calendar if calendar is not None else guess_calendar(trades.symbol, trades.ts)
    buckets = bucket_opens(trades.ts, timeframe, cal)
    price = trades.price
    folded = fold(buckets, open_=price, high=price, low=price, close=price, volume=trades.size)
    return Bars(
        symbol=trades.symbol,
        timeframe=timeframe,
        ts=folded.ts,
        open=folded.open,
        high=folded.high,
        low=folded.low,
        close=folded.close,
        volume=folded.volume,
        source=trades.source,
        lines=folded.first_index.astype(np.int64) + _FIRST_DATA_LINE,
    )
