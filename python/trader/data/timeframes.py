"""Bar lengths beyond the `Timeframe` enum: parsing suffixes like `1s`, and inferring a length from data."""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray

from trader.errors import DataError
from trader.models import Timeframe

NANOS_PER_SECOND = 1_000_000_000
NANOS_PER_DAY = 86_400 * NANOS_PER_SECOND

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}
_SUFFIX = re.compile(r"^([1-9][0-9]*)([smhd])$")


def suffix_nanos(text: str) -> int | None:
    """Length in nanoseconds of a suffix like `1s`, `5m`, `4h`, `1d`; None when `text` is not one."""
    match = _SUFFIX.match(text)
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)] * NANOS_PER_SECOND


def timeframe_for_nanos(nanos: int) -> Timeframe | None:
    """The `Timeframe` of exactly this length, if there is one."""
    for tf in Timeframe:
        if tf.nanos == nanos:
            return tf
    return None


def parse_timeframe(text: str) -> Timeframe:
    """A user-typed timeframe (`--to 1h`), refused with the list of valid spellings."""
    try:
        return Timeframe(text)
    except ValueError:
        valid = ", ".join(tf.value for tf in Timeframe)
        raise DataError(
            f"unknown timeframe; expected one of {valid}", field="timeframe", value=text
        ) from None


def median_step(ts: NDArray[np.int64]) -> int | None:
    """Median positive spacing of sorted timestamps in nanoseconds (None with fewer than two distinct)."""
    steps = np.diff(ts)
    steps = steps[steps > 0]
    if steps.size == 0:
        return None
    return int(np.median(steps))


def smallest_step(ts: NDArray[np.int64]) -> int | None:
    """Smallest positive spacing of timestamps in nanoseconds: an upper bound on the bar length."""
    steps = np.diff(ts)
    steps = steps[steps > 0]
    if steps.size == 0:
        return None
    return int(steps.min())
