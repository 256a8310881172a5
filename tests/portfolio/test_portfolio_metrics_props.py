"""Property: on random equity curves the numpy metrics equal the plain-loop reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from metrics_reference import curve_reference

from trader.portfolio import compute_metrics

DAY = 86_400 * 10**9

# Bar returns between -30 % and +30 %, some exactly zero; at least one up and one down bar keeps every
# ratio defined (the undefined cases have their own tests).
bar_returns = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=-0.3, max_value=0.3, allow_nan=False)),
    min_size=2,
    max_size=200,
).filter(lambda rs: min(rs) < -1e-6 and max(rs) > 1e-6)
gaps = st.lists(st.integers(min_value=1, max_value=5), min_size=200, max_size=200)


@settings(max_examples=100, deadline=None)
@given(bar_returns, gaps, st.sampled_from([252, 365, 8_760]))
@example([0.5, -0.1], [1] * 200, 8_760)  # CAGR past the float range: None on both sides
def test_numpy_metrics_equal_the_loop_reference(
    returns: list[float], spacing: list[int], per_year: int
) -> None:
    equity = 1_000.0 * np.cumprod(np.concatenate(([1.0], 1.0 + np.array(returns))))
    ts = np.concatenate(([0], np.cumsum(spacing[: len(returns)]))).astype(np.int64) * DAY
    ours = compute_metrics(ts, equity, periods_per_year=per_year)
    for name, value in curve_reference(ts.tolist(), equity.tolist(), per_year).items():
        if value is None:
            assert getattr(ours, name) is None, name
        else:
            assert getattr(ours, name) == pytest.approx(value, rel=1e-9, abs=1e-12), name
