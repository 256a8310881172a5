"""Turns user inputs (numpy arrays, lists, pandas Series) into contiguous 1-D float64 arrays, copying only
when the input is not one already."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trader.indicators.errors import IndicatorError

_NUMERIC_KINDS = "fiu"


def as_f64(name: str, values: ArrayLike) -> NDArray[np.float64]:
    """`values` as a contiguous 1-D float64 array (zero-copy for such an array or a float64 Series)."""
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and values.ndim == 1:
        return np.ascontiguousarray(values)
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise IndicatorError(f"input `{name}` is not an array of numbers: {exc}", name) from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise IndicatorError(f"input `{name}` must hold numbers, got dtype {array.dtype}", name)
    if array.ndim != 1:
        raise IndicatorError(f"input `{name}` must be 1-D, got shape {array.shape}", name)
    return np.ascontiguousarray(array, dtype=np.float64)


def as_int(name: str, value: object) -> int:
    """An integer parameter (a period or count); a float or a bool is a mistake, not something to round."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise IndicatorError(f"parameter `{name}` must be an integer, got {value!r}", name)
    return int(value)


def as_ns(name: str, values: ArrayLike) -> NDArray[np.int64]:
    """Timestamps (datetime64 of any unit, or integers already in ns since the epoch) as 1-D int64 ns."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise IndicatorError(f"input `{name}` must be 1-D, got shape {array.shape}", name)
    if array.dtype.kind == "M":
        return np.ascontiguousarray(array.astype("datetime64[ns]").view(np.int64))
    if array.dtype.kind in "iu":
        return np.ascontiguousarray(array, dtype=np.int64)
    raise IndicatorError(f"input `{name}` must be datetime64 or int64 ns, got dtype {array.dtype}", name)


def as_ns_duration(name: str, value: timedelta | int) -> int:
    """A duration given as a timedelta or as integer nanoseconds."""
    if isinstance(value, timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise IndicatorError(f"parameter `{name}` must be a timedelta or int nanoseconds, got {value!r}", name)
