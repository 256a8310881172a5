"""Load OHLCV bars from Parquet files (a `timestamp` column with a UTC zone and numeric OHLCV columns)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trader.data.bars import BAR_COLUMNS, VALUE_COLUMNS, Bars
from trader.data.csv_source import bars_from_table
from trader.errors import DataError
from trader.models import Timeframe

# Parquet has no lines; errors and quality findings name the 1-based row instead.
FIRST_ROW = 1


def load_parquet(path: Path | str, *, symbol: str | None = None, timeframe: Timeframe | None = None) -> Bars:
    """Bars from a Parquet file in file order; nulls, naive timestamps and non-numeric columns are refused."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", path=path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"not a readable Parquet file: {str(exc).splitlines()[0]}", path=path) from None
    missing = [name for name in BAR_COLUMNS if name not in table.column_names]
    if missing:
        raise DataError(f"missing columns {missing}", path=path, value=",".join(table.column_names))
    if table.num_rows == 0:
        raise DataError("no rows", path=path)
    columns = [_timestamp_column(table.column("timestamp"), path)]
    columns += [_number_column(table.column(name), name, path) for name in VALUE_COLUMNS]
    typed = pa.Table.from_arrays(columns, names=list(BAR_COLUMNS))
    return bars_from_table(typed, path, symbol=symbol, timeframe=timeframe, first_line=FIRST_ROW)


def _timestamp_column(column: pa.ChunkedArray, path: Path) -> pa.ChunkedArray:
    kind = column.type
    if not pa.types.is_timestamp(kind):
        raise DataError(f"must be a timestamp column, found {kind}", path=path, field="timestamp")
    if kind.tz is None:
        raise DataError("timestamps have no timezone (expected UTC)", path=path, field="timestamp")
    _refuse_nulls(column, "timestamp", path)
    return column.cast(pa.timestamp("ns", tz="UTC"))


def _number_column(column: pa.ChunkedArray, name: str, path: Path) -> pa.ChunkedArray:
    kind = column.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
        raise DataError(f"must be numeric, found {kind}", path=path, field=name)
    _refuse_nulls(column, name, path)
    return column.cast(pa.float64())


def _refuse_nulls(column: pa.ChunkedArray, name: str, path: Path) -> None:
    if column.null_count:
        row = int(pc.index(pc.is_null(column), True).as_py())
        raise DataError("missing value", path=path, line=row + FIRST_ROW, field=name)
