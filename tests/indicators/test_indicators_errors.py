"""Bad parameters and inputs raise one clear IndicatorError (TraderError, ValueError) naming the culprit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trader import indicators as ti
from trader.errors import TraderError
from trader.indicators import IndicatorError

CLOSE = np.linspace(10.0, 20.0, 50)


@pytest.mark.parametrize(
    ("call", "field", "text"),
    [
        (lambda: ti.sma(CLOSE, 0), "period", "SMA: parameter `period` must be >= 1, got 0"),
        (lambda: ti.rsi(CLOSE, -3), "period", "RSI: parameter `period` must be >= 1, got -3"),
        (
            lambda: ti.macd(CLOSE, 26, 12, 9),
            "fast",
            "MACD: parameter `fast` (26) must be less than `slow` (12)",
        ),
        (lambda: ti.macd(CLOSE, 12, 12, 9), "fast", "must be less than `slow` (12)"),
        (
            lambda: ti.bbands(CLOSE, 20, float("nan")),
            "nbdev_up",
            "`nbdev_up` must be finite and >= 0, got NaN",
        ),
        (lambda: ti.stddev(CLOSE, 5, -1.0), "nbdev", "`nbdev` must be finite and >= 0, got -1"),
        (
            lambda: ti.stoch(CLOSE, CLOSE, CLOSE, 14, 0, 3),
            "slowk",
            "STOCH: parameter `slowk` must be >= 1, got 0",
        ),
        (lambda: ti.atr(CLOSE, CLOSE[:-1], CLOSE, 14), "low", "`low` has length 49, expected 50"),
        (lambda: ti.mfi(CLOSE, CLOSE, CLOSE, CLOSE[:3], 14), "volume", "`volume` has length 3"),
        (lambda: ti.sma(np.array([]), 5), "input", "SMA: input `input` is empty"),
        (lambda: ti.sma(np.ones((3, 3)), 2), "close", "input `close` must be 1-D, got shape (3, 3)"),
        (lambda: ti.sma(["a", "b"], 2), "close", "input `close` must hold numbers, got dtype <U1"),
        (lambda: ti.ema([[1.0], [2.0, 3.0]], 2), "close", "input `close` is not an array of numbers"),
        (lambda: ti.rsi(CLOSE, 14.5), "period", "parameter `period` must be an integer, got 14.5"),
        (lambda: ti.macd(CLOSE, True, 26, 9), "fast", "parameter `fast` must be an integer, got True"),
        (lambda: ti.RSI(0), "period", "RSI: parameter `period` must be >= 1, got 0"),
        (lambda: ti.MACD(5, 3, 2), "fast", "MACD: parameter `fast` (5) must be less than `slow` (3)"),
        (lambda: ti.VWAP(0, 0), "session_length", "VWAP: parameter `session_length` must be >= 1, got 0"),
        (lambda: ti.vwap(CLOSE, CLOSE, CLOSE, CLOSE, CLOSE), "timestamps", "must be datetime64 or int64 ns"),
    ],
)
def test_bad_input_raises_a_clear_indicator_error(call: object, field: str, text: str) -> None:
    with pytest.raises(IndicatorError) as info:
        call()  # type: ignore[operator]
    assert text in str(info.value)
    assert info.value.field == field
    assert isinstance(info.value, TraderError)
    assert isinstance(info.value, ValueError)


def test_accepts_lists_ints_series_and_strided_arrays() -> None:
    expected = ti.sma(np.arange(10.0), 3)
    np.testing.assert_array_equal(ti.sma(list(range(10)), 3), expected)
    np.testing.assert_array_equal(ti.sma(np.arange(10), 3), expected)
    np.testing.assert_array_equal(ti.sma(pd.Series(np.arange(10.0)), 3), expected)
    np.testing.assert_array_equal(ti.sma(np.arange(20.0)[::2], 3), ti.sma(np.arange(0.0, 20.0, 2.0), 3))


def test_float64_arrays_are_not_copied() -> None:
    close = np.arange(10.0)
    from trader.indicators._inputs import as_f64

    assert as_f64("close", close) is close
    series = pd.Series(close)
    assert np.shares_memory(as_f64("close", series), series.to_numpy())
