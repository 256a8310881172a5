"""Symbol and bar length from a file name `<SYMBOL>_<tf>.csv[.gz]` / `.parquet`, else from the data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from trader.data.timeframes import median_step, suffix_nanos, timeframe_for_nanos
from trader.models import Timeframe

_EXTENSIONS = (".csv.gz", ".csv", ".parquet")


@dataclass(frozen=True, slots=True)
class FileName:
    """What a data file's name says: the symbol and the suffix after the last underscore."""

    symbol: str
    suffix: str | None


def split_name(path: Path) -> FileName:
    """`SPY_1d.csv` -> (SPY, 1d); `BTCUSD-MTGOX_trades.csv` -> (BTCUSD-MTGOX, trades); `x.csv` -> (x, None)"""
    name = path.name
    for ext in _EXTENSIONS:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    symbol, sep, suffix = name.rpartition("_")
    if not sep or not symbol:
        return FileName(name, None)
    return FileName(symbol, suffix)


def infer_timeframe(path: Path, ts: NDArray[np.int64]) -> Timeframe | None:
    """The timeframe the name says (`_1h`), else the one of the median spacing, else None (irregular)."""
    suffix = split_name(path).suffix
    if suffix is not None:
        nanos = suffix_nanos(suffix)
        if nanos is not None:
            return timeframe_for_nanos(nanos)
    step = median_step(ts)
    return None if step is None else timeframe_for_nanos(step)
