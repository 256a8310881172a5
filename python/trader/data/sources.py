"""Pick the loader for a bar file by its extension (`.csv`, `.csv.gz`, `.parquet`)."""

from __future__ import annotations

from pathlib import Path

from trader.data.bars import Bars
from trader.data.csv_source import load_csv
from trader.data.parquet_source import load_parquet
from trader.errors import DataError
from trader.models import Timeframe


def load_bars(path: Path | str, *, symbol: str | None = None, timeframe: Timeframe | None = None) -> Bars:
    """Bars from any supported file; an unknown extension is refused."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return load_csv(path, symbol=symbol, timeframe=timeframe)
    if name.endswith(".parquet"):
        return load_parquet(path, symbol=symbol, timeframe=timeframe)
    raise DataError("unsupported file type (expected .csv, .csv.gz or .parquet)", path=path)
