"""Trades -> bars: first/max/min/last price and summed size per period, checked against a plain fold."""

from __future__ import annotations

import csv
from collections import OrderedDict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from trader.data import load_trades, trades_to_bars
from trader.errors import DataError
from trader.models import Timeframe

TRADES_HEADER = "timestamp,price,size,side,venue\n"


def _plain_bars(path: Path, period_seconds: int) -> OrderedDict[int, list[Decimal]]:
    """Independent aggregation with the csv module, datetime and Decimal."""
    out: OrderedDict[int, list[Decimal]] = OrderedDict()
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
            key = int(moment.timestamp()) // period_seconds * period_seconds
            price, size = Decimal(row["price"]), Decimal(row["size"])
            if key not in out:
                out[key] = [price, price, price, price, size]
            else:
                agg = out[key]
                agg[1], agg[2], agg[3], agg[4] = max(agg[1], price), min(agg[2], price), price, agg[4] + size
    return out


@pytest.mark.parametrize("timeframe", [Timeframe.M1, Timeframe.M15, Timeframe.H1, Timeframe.D1])
def test_mtgox_trades_fold_like_a_plain_python_aggregation(samples_dir: Path, timeframe: Timeframe) -> None:
    path = samples_dir / "ticks" / "BTCUSD-MTGOX_trades.csv"
    trades = load_trades(path)
    assert len(trades) == 2331
    assert trades.symbol == "BTCUSD-MTGOX"
    bars = trades_to_bars(trades, timeframe)
    expected = _plain_bars(path, timeframe.seconds)
    assert bars.timeframe is timeframe
    assert bars.ts.tolist() == [k * 10**9 for k in expected]
    values = list(expected.values())
    for column, name in enumerate(("open", "high", "low", "close")):
        assert getattr(bars, name).tolist() == [float(v[column]) for v in values]
    # Sizes carry 8 decimals; a float sum may differ from the exact decimal sum in the last bits only.
    np.testing.assert_allclose(bars.volume, [float(v[4]) for v in values], rtol=1e-13)
    assert bars.volume.sum() == pytest.approx(float(sum(v[4] for v in values)), rel=1e-13)


def test_minutes_without_trades_give_no_bar(samples_dir: Path) -> None:
    bars = trades_to_bars(load_trades(samples_dir / "ticks" / "BTCUSD-MTGOX_trades.csv"), Timeframe.M1)
    steps = np.diff(bars.ts)
    assert len(bars) < 24 * 60
    assert steps.min() == Timeframe.M1.nanos
    assert steps.max() > Timeframe.M1.nanos


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            "2020-01-01T00:00:01Z,1,1,buy,X\n2020-01-01T00:00:00Z,1,1,buy,X\n",
            ":3: field 'timestamp': goes back in time",
        ),
        (
            "2020-01-01T00:00:00Z,1,1,long,X\n",
            ":2: field 'side': must be one of buy, sell, unknown (got 'long')",
        ),
        ("2020-01-01T00:00:00Z,0,1,buy,X\n", ":2: field 'price': must be a positive number"),
        ("2020-01-01T00:00:00Z,1,-2,buy,X\n", ":2: field 'size': must not be negative"),
        ("2020-01-01T00:00:00.5Z,1,x,buy,X\n", ":2: field 'size': not a number (got 'x')"),
    ],
)
def test_bad_trades_are_refused_with_the_line(tmp_path: Path, rows: str, expected: str) -> None:
    path = tmp_path / "X_trades.csv"
    path.write_text(TRADES_HEADER + rows)
    with pytest.raises(DataError) as info:
        load_trades(path)
    assert f"{path}{expected}" in str(info.value)


def test_repeated_timestamps_and_microseconds_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "X_trades.csv"
    path.write_text(
        TRADES_HEADER
        + "2020-01-01T00:00:59.999999Z,5,1,buy,X\n2020-01-01T00:00:59.999999Z,7,2,sell,X\n"
        + "2020-01-01T00:01:00.000001Z,6,3,unknown,X\n"
    )
    bars = trades_to_bars(load_trades(path), Timeframe.M1)
    assert bars.open.tolist() == [5.0, 6.0]
    assert bars.high.tolist() == [7.0, 6.0]
    assert bars.close.tolist() == [7.0, 6.0]
    assert bars.volume.tolist() == [3.0, 3.0]
    assert bars.lines.tolist() == [2, 4]
