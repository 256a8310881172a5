"""The merged feed: time order across symbols, ties by symbol, bad series refused with where and what."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import START_NS, daily_bars
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import Bars
from trader.engine import merge
from trader.errors import DataError
from trader.models import Timeframe


def test_ties_break_by_symbol_name_whatever_the_input_order() -> None:
    spy = daily_bars("SPY", [1.0, 2.0, 3.0])
    aapl = daily_bars("AAPL", [1.0, 2.0], start_day=1)
    for given_order in ([spy, aapl], [aapl, spy]):
        feed = merge(given_order)
        assert feed.symbols == ["AAPL", "SPY"]
        assert [(feed.symbols[w], i) for w, i in zip(feed.which, feed.index, strict=True)] == [
            ("SPY", 0),
            ("AAPL", 0),
            ("SPY", 1),
            ("AAPL", 1),
            ("SPY", 2),
        ]


def test_out_of_order_bars_are_refused_with_the_line() -> None:
    ts = np.array([START_NS, START_NS + 2, START_NS + 1], dtype=np.int64)
    values = np.ones(3)
    bars = Bars("SPY", Timeframe.D1, ts, values, values, values, values, values, source="spy.csv")
    with pytest.raises(DataError, match=r"spy.csv:3: field 'timestamp': bars are not strictly increasing"):
        merge([bars])


def test_repeated_symbols_and_empty_input_are_refused() -> None:
    with pytest.raises(DataError, match="the same symbol is given twice"):
        merge([daily_bars("SPY", [1.0]), daily_bars("SPY", [2.0])])
    with pytest.raises(DataError, match="at least one --data"):
        merge([])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 20), st.integers(0, 10)),
        min_size=1,
        max_size=4,
    )
)
def test_merge_keeps_every_bar_once_in_stable_time_order(shapes: list[tuple[int, int]]) -> None:
    series = [daily_bars(f"S{k}", [1.0] * n, start_day=day) for k, (n, day) in enumerate(shapes)]
    feed = merge(series)
    assert len(feed) == sum(n for n, _ in shapes)
    keys = list(zip(feed.ts.tolist(), feed.which.tolist(), strict=True))
    assert keys == sorted(keys)
    assert len(set(zip(feed.which.tolist(), feed.index.tolist(), strict=True))) == len(feed)
    for k, bars in enumerate(feed.bars):
        assert feed.ts[feed.which == k].tolist() == bars.ts.tolist()
