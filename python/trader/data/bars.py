"""`Bars`: a columnar OHLCV series (numpy arrays, timestamps = bar OPEN in ns UTC) fed to indicators."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from trader.errors import DataError
from trader.models import Timeframe

PRICE_COLUMNS = ("open", "high", "low", "close")
VALUE_COLUMNS = (*PRICE_COLUMNS, "volume")
BAR_COLUMNS = ("timestamp", *VALUE_COLUMNS)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

I64Array = NDArray[np.int64]
F64Array = NDArray[np.float64]


def _frozen(array: NDArray[np.generic], dtype: type[np.generic], name: str) -> NDArray[np.generic]:
    """A read-only 1-D array of `dtype` (bars are shared between indicators; nobody may edit them)."""
    out = np.asarray(array, dtype=dtype)
    if out.ndim != 1:
        raise DataError(f"must be one-dimensional, got shape {out.shape}", field=name)
    if out.flags.writeable:
        out = out.view()  # a read-only view leaves the caller's own array as it was
        out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Bars:
    """OHLCV bars of one symbol as parallel arrays; `lines` holds each bar's 1-based source line (or row)."""

    symbol: str
    timeframe: Timeframe | None
    ts: I64Array
    open: F64Array
    high: F64Array
    low: F64Array
    close: F64Array
    volume: F64Array
    source: str | None = None
    lines: I64Array = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def __post_init__(self) -> None:
        where = self.source
        set_ = object.__setattr__
        set_(self, "ts", _frozen(self.ts, np.int64, "timestamp"))
        for name in VALUE_COLUMNS:
            set_(self, name, _frozen(getattr(self, name), np.float64, name))
        n = self.ts.size
        if self.lines.size == 0 and n:
            set_(self, "lines", _frozen(np.arange(1, n + 1, dtype=np.int64), np.int64, "lines"))
        else:
            set_(self, "lines", _frozen(self.lines, np.int64, "lines"))
        for name in (*VALUE_COLUMNS, "lines"):
            size = getattr(self, name).size
            if size != n:
                raise DataError(f"has {size} values but there are {n} timestamps", path=where, field=name)

    def __len__(self) -> int:
        return int(self.ts.size)

    def __getitem__(self, index: slice) -> Bars:
        """Bars `index` (a slice of positions; views, no copy)."""
        if not isinstance(index, slice):
            raise TypeError("Bars can only be sliced by position; use column arrays for single values")
        return self.take(index)

    def take(self, index: slice | NDArray[np.intp] | NDArray[np.bool_]) -> Bars:
        """Bars at the positions selected by a slice, an index array or a boolean mask."""
        return replace(
            self,
            ts=self.ts[index],
            open=self.open[index],
            high=self.high[index],
            low=self.low[index],
            close=self.close[index],
            volume=self.volume[index],
            lines=self.lines[index],
        )

    def between(self, start: datetime | int | None = None, end: datetime | int | None = None) -> Bars:
        """Bars whose open time is in [start, end); needs sorted timestamps."""
        if len(self) > 1 and bool(np.any(np.diff(self.ts) <= 0)):
            raise DataError("bars are not strictly increasing in time; repair them first", path=self.source)
        lo = 0 if start is None else int(np.searchsorted(self.ts, to_nanos(start), side="left"))
        hi = len(self) if end is None else int(np.searchsorted(self.ts, to_nanos(end), side="left"))
        return self.take(slice(lo, hi))

    @property
    def close_ts(self) -> I64Array:
        """Close time of every bar (open + bar length); needs a known timeframe."""
        if self.timeframe is None:
            raise DataError("bar length unknown, so close times are unknown", path=self.source)
        return self.ts + np.int64(self.timeframe.nanos)

    def to_arrow(self) -> pa.Table:
        """An Arrow table with a `timestamp[ns, UTC]` column and the float64 OHLCV columns."""
        columns = [pa.array(self.ts, type=pa.int64()).cast(pa.timestamp("ns", tz="UTC"))]
        columns += [pa.array(getattr(self, name), type=pa.float64()) for name in VALUE_COLUMNS]
        return pa.Table.from_arrays(columns, names=list(BAR_COLUMNS))


def to_nanos(moment: datetime | int) -> int:
    """Nanoseconds since the epoch of an aware datetime (naive ones are refused) or of an int in ns."""
    if isinstance(moment, int):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DataError("naive datetime; give a timezone (UTC)", field="timestamp", value=moment.isoformat())
    delta = moment - _EPOCH  # integer arithmetic: float timestamps would round microseconds
    return ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1_000
