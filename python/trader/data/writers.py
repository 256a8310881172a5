"""Write bars as CSV (the shared format: ISO `Z` timestamps, plain decimals without exponent) or Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from numpy.typing import NDArray

from trader.data.bars import BAR_COLUMNS, VALUE_COLUMNS, Bars
from trader.errors import DataError

_UNITS = (("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1))


def format_timestamps(ts: NDArray[np.int64]) -> list[str]:
    """ISO-8601 UTC text with a `Z`, with only as many fractional digits as the data needs."""
    unit = next(name for name, nanos in _UNITS if not np.any(ts % nanos))
    stamps = ts.astype("datetime64[ns]").astype(f"datetime64[{unit}]")
    texts = np.datetime_as_string(stamps, unit=unit)  # type: ignore[call-overload]
    return [f"{text}Z" for text in texts.tolist()]


def format_decimals(values: NDArray[np.float64]) -> list[str]:
    """Shortest round-trip decimal text without exponent: 16.0 -> `16`, 1e-05 -> `0.00001`."""
    out = []
    for value in values.tolist():
        text = repr(value)
        if "e" in text or "n" in text:  # exponent, nan or inf
            text = np.format_float_positional(value, trim="-")
        elif text.endswith(".0"):
            text = text[:-2]
        out.append(text)
    return out


def write_csv(bars: Bars, path: Path) -> None:
    """Write `bars` to a CSV file in the same column format the loaders read."""
    columns = [format_timestamps(bars.ts)] + [format_decimals(getattr(bars, name)) for name in VALUE_COLUMNS]
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(",".join(BAR_COLUMNS) + "\n")
        handle.writelines(",".join(row) + "\n" for row in zip(*columns, strict=True))


def write_bars(bars: Bars, path: Path | str) -> None:
    """Write CSV or Parquet, chosen by the extension of `path`."""
    path = Path(path)
    if not path.parent.is_dir():
        raise DataError("output directory does not exist", path=path.parent)
    name = path.name.lower()
    if name.endswith(".csv"):
        write_csv(bars, path)
    elif name.endswith(".parquet"):
        pq.write_table(bars.to_arrow(), path)
    else:
        raise DataError("unsupported output type (expected .csv or .parquet)", path=path)
