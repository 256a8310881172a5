"""Load OHLCV bars from `timestamp,open,high,low,close,volume` CSV files (optionally gzipped)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from trader.data.arrow_numpy import float64_column, int64_column
from trader.data.bars import BAR_COLUMNS, VALUE_COLUMNS, Bars
from trader.data.csv_table import Kind, read_table
from trader.data.naming import infer_timeframe, split_name
from trader.models import Timeframe

BAR_SCHEMA = {name: Kind.TIMESTAMP if name == "timestamp" else Kind.NUMBER for name in BAR_COLUMNS}

# Lines in a bar CSV: 1 is the header, so the bar at position i was read from line i + 2.
FIRST_DATA_LINE = 2


def load_csv(path: Path | str, *, symbol: str | None = None, timeframe: Timeframe | None = None) -> Bars:
    """Bars from a CSV file in file order (unsorted input stays unsorted; quality checks report it)."""
    path = Path(path)
    table = read_table(path, BAR_SCHEMA)
    return bars_from_table(table, path, symbol=symbol, timeframe=timeframe, first_line=FIRST_DATA_LINE)


def bars_from_table(
    table: pa.Table,
    path: Path,
    *,
    symbol: str | None,
    timeframe: Timeframe | None,
    first_line: int,
) -> Bars:
    """Columnar `Bars` from an Arrow table with a `timestamp[ns, UTC]` column and float64 OHLCV columns."""
    ts = int64_column(table.column("timestamp"))
    values = {name: float64_column(table.column(name)) for name in VALUE_COLUMNS}
    return Bars(
        symbol=symbol or split_name(path).symbol,
        timeframe=timeframe if timeframe is not None else infer_timeframe(path, ts),
        ts=ts,
        open=values["open"],
        high=values["high"],
        low=values["low"],
        close=values["close"],
        volume=values["volume"],
        source=str(path),
        lines=np.arange(first_line, first_line + table.num_rows, dtype=np.int64),
    )
