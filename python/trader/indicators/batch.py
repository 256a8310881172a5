"""Batch indicators over whole series: TA-Lib's defaults and semantics, NaN during each warm-up."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trader import _core
from trader.indicators._inputs import as_f64, as_int, as_ns, as_ns_duration

Series = NDArray[np.float64]


class MACDResult(NamedTuple):
    """MACD line, its signal EMA and the histogram (line - signal)."""

    macd: Series
    signal: Series
    hist: Series


class BBandsResult(NamedTuple):
    """Bollinger Bands."""

    upper: Series
    middle: Series
    lower: Series


class StochResult(NamedTuple):
    """Slow stochastic %K and %D."""

    k: Series
    d: Series


class ADXResult(NamedTuple):
    """ADX with the directional indicators it is built from."""

    adx: Series
    plus_di: Series
    minus_di: Series


class VolumeProfileResult(NamedTuple):
    """Volume per price bucket with the point of control and the 70% value area."""

    bin_edges: Series
    bin_volume: Series
    poc: float
    value_area_low: float
    value_area_high: float


def sma(close: ArrayLike, period: int = 30) -> Series:
    """Simple moving average (TA-Lib SMA); warm-up period - 1."""
    return _core.sma(as_f64("close", close), as_int("period", period))


def ema(close: ArrayLike, period: int = 30) -> Series:
    """Exponential moving average seeded with an SMA (TA-Lib EMA); warm-up period - 1."""
    return _core.ema(as_f64("close", close), as_int("period", period))


def wma(close: ArrayLike, period: int = 30) -> Series:
    """Linearly weighted moving average (TA-Lib WMA); warm-up period - 1."""
    return _core.wma(as_f64("close", close), as_int("period", period))


def rsi(close: ArrayLike, period: int = 14) -> Series:
    """Wilder's relative strength index (TA-Lib RSI), in [0, 100]; warm-up period."""
    return _core.rsi(as_f64("close", close), as_int("period", period))


def roc(close: ArrayLike, period: int = 10) -> Series:
    """Rate of change in percent, (x / x[t - period] - 1) * 100 (TA-Lib ROC); warm-up period."""
    return _core.roc(as_f64("close", close), as_int("period", period))


def stddev(close: ArrayLike, period: int = 5, nbdev: float = 1.0) -> Series:
    """Rolling population standard deviation times nbdev (TA-Lib STDDEV); warm-up period - 1."""
    return _core.stddev(as_f64("close", close), as_int("period", period), nbdev)


def macd(close: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MACDResult:
    """MACD (TA-Lib MACD): fast EMA - slow EMA, signal EMA, histogram; warm-up slow + signal - 2."""
    return MACDResult(
        *_core.macd(
            as_f64("close", close), as_int("fast", fast), as_int("slow", slow), as_int("signal", signal)
        )
    )


def bbands(
    close: ArrayLike, period: int = 20, nbdev_up: float = 2.0, nbdev_dn: float | None = None
) -> BBandsResult:
    """Bollinger Bands around an SMA (TA-Lib BBANDS); `nbdev_dn` defaults to `nbdev_up`.

    Warm-up period - 1.
    """
    down = nbdev_up if nbdev_dn is None else nbdev_dn
    return BBandsResult(*_core.bbands(as_f64("close", close), as_int("period", period), nbdev_up, down))


def trange(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> Series:
    """True range (TA-Lib TRANGE); warm-up 1."""
    return _core.trange(as_f64("high", high), as_f64("low", low), as_f64("close", close))


def atr(high: ArrayLike, low: ArrayLike, close: ArrayLike, period: int = 14) -> Series:
    """Wilder's average true range (TA-Lib ATR); warm-up period."""
    return _core.atr(
        as_f64("high", high), as_f64("low", low), as_f64("close", close), as_int("period", period)
    )


def cci(high: ArrayLike, low: ArrayLike, close: ArrayLike, period: int = 14) -> Series:
    """Commodity channel index with mean deviation (TA-Lib CCI); warm-up period - 1."""
    return _core.cci(
        as_f64("high", high), as_f64("low", low), as_f64("close", close), as_int("period", period)
    )


def stoch(  # noqa: PLR0917 -- TA-Lib's positional order, e.g. stoch(h, l, c, 14, 3, 3)
    high: ArrayLike, low: ArrayLike, close: ArrayLike, fastk: int = 14, slowk: int = 3, slowd: int = 3
) -> StochResult:
    """Slow stochastic with SMA smoothing (TA-Lib STOCH); warm-up fastk + slowk + slowd - 3."""
    h, lo, c = as_f64("high", high), as_f64("low", low), as_f64("close", close)
    return StochResult(
        *_core.stoch(h, lo, c, as_int("fastk", fastk), as_int("slowk", slowk), as_int("slowd", slowd))
    )


def adx(high: ArrayLike, low: ArrayLike, close: ArrayLike, period: int = 14) -> ADXResult:
    """ADX (warm-up 2 * period - 1) with +DI and -DI (warm-up period), as TA-Lib ADX, PLUS_DI, MINUS_DI."""
    return ADXResult(
        *_core.adx(as_f64("high", high), as_f64("low", low), as_f64("close", close), as_int("period", period))
    )


def mfi(high: ArrayLike, low: ArrayLike, close: ArrayLike, volume: ArrayLike, period: int = 14) -> Series:
    """Money flow index (TA-Lib MFI), in [0, 100]; warm-up period."""
    h, lo, c = as_f64("high", high), as_f64("low", low), as_f64("close", close)
    return _core.mfi(h, lo, c, as_f64("volume", volume), as_int("period", period))


def obv(close: ArrayLike, volume: ArrayLike) -> Series:
    """On-balance volume starting at the first bar's volume (TA-Lib OBV); no warm-up."""
    return _core.obv(as_f64("close", close), as_f64("volume", volume))


def vwap(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    volume: ArrayLike,
    timestamps: ArrayLike,
    *,
    session_start: timedelta | int = timedelta(0),
    session_length: timedelta | int = timedelta(days=1),
) -> Series:
    """Session-anchored VWAP: sessions are `session_length` long and start `session_start` after each
    multiple of it since the Unix epoch (UTC), e.g. 13:30 for the US open in summer time."""
    h, lo, c = as_f64("high", high), as_f64("low", low), as_f64("close", close)
    return _core.vwap(
        h,
        lo,
        c,
        as_f64("volume", volume),
        as_ns("timestamps", timestamps),
        as_ns_duration("session_start", session_start),
        as_ns_duration("session_length", session_length),
    )


def volume_profile(close: ArrayLike, volume: ArrayLike, bins: int = 24) -> VolumeProfileResult:
    """Volume per price bucket over the whole input, with the point of control and the 70% value area.

    `bins` equal buckets span the lowest to the highest price; the point of control is the centre of the
    fullest bucket; bars with a NaN (or an infinite price) are skipped. Volumes are summed exactly in units of
    2^-32, so the result does not depend on the order of the bars.
    """
    buckets = as_int("bins", bins)
    counts, low, high, poc, val, vah = _core.volume_profile(
        as_f64("close", close), as_f64("volume", volume), buckets
    )
    return VolumeProfileResult(np.linspace(low, high, buckets + 1), counts, poc, val, vah)
