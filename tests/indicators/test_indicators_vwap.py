"""Session-anchored VWAP (not in TA-Lib): checked against its formula computed independently."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
from indicator_cases import load_bars

from trader import indicators as ti

HOUR_NS = 3_600_000_000_000


def reference_vwap(high, low, c, v, session):  # type: ignore[no-untyped-def]
    tp = (high + low + c) / 3.0
    out = np.empty_like(c)
    pv = vol = 0.0
    for i in range(len(c)):
        if i == 0 or session[i] != session[i - 1]:
            pv = vol = 0.0
        pv += tp[i] * v[i]
        vol += v[i]
        out[i] = pv / vol if vol != 0.0 else np.nan
    return out


def test_matches_the_formula_on_minute_bars_with_a_us_session_anchor(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1m.csv")
    with (samples_dir / "SPY_1m.csv").open() as fh:
        stamps = np.array(
            [line.split(",", 1)[0].rstrip("Z") for line in fh.readlines()[1:]], dtype="datetime64[ns]"
        )
    start = timedelta(hours=13, minutes=30)
    ours = ti.vwap(bars.high, bars.low, bars.close, bars.volume, stamps, session_start=start)
    ns = stamps.view(np.int64)
    session = (ns - 13 * HOUR_NS - HOUR_NS // 2) // (24 * HOUR_NS)
    expected = reference_vwap(bars.high, bars.low, bars.close, bars.volume, session)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    stream = ti.VWAP(13 * HOUR_NS + HOUR_NS // 2, 24 * HOUR_NS)
    streamed = [
        stream.update(bars.high[i], bars.low[i], bars.close[i], bars.volume[i], int(ns[i]))
        for i in range(len(ns))
    ]
    np.testing.assert_array_equal(np.array(streamed), ours)


def test_session_boundary_and_zero_volume() -> None:
    price = np.array([10.0, 20.0, 30.0, 40.0])
    volume = np.array([1.0, 3.0, 0.0, 2.0])
    stamps = np.array([0, HOUR_NS, 2 * HOUR_NS, 3 * HOUR_NS])
    out = ti.vwap(price, price, price, volume, stamps, session_length=timedelta(hours=2))
    assert out[0] == 10.0
    assert out[1] == (10.0 + 60.0) / 4.0
    assert np.isnan(out[2])  # a new session with no volume yet
    assert out[3] == 40.0
