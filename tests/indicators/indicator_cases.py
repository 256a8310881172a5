"""The indicator catalogue the tests share: our batch call, the TA-Lib oracle call and the streaming class."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import talib
from numpy.typing import NDArray

from trader import indicators as ti

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Bars:
    """Columnar OHLCV bars."""

    high: F64
    low: F64
    close: F64
    volume: F64

    def __len__(self) -> int:
        return len(self.close)

    def tail(self, start: int) -> Bars:
        return Bars(self.high[start:], self.low[start:], self.close[start:], self.volume[start:])

    def scale(self) -> float:
        return float(max(np.nanmax(np.abs(self.high)), np.nanmax(np.abs(self.volume)), 1.0))


def load_bars(path: Path) -> Bars:
    """Reads a `timestamp,open,high,low,close,volume` CSV into arrays (plain csv, no trader.data)."""
    cols: dict[str, list[float]] = {"high": [], "low": [], "close": [], "volume": []}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            for key, values in cols.items():
                values.append(float(row[key]))
    return Bars(*(np.array(cols[k]) for k in ("high", "low", "close", "volume")))


def _tuple(x: object) -> tuple[F64, ...]:
    return tuple(x) if isinstance(x, tuple) else (x,)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    """One indicator configuration: how to compute it three ways."""

    name: str
    ours: Callable[[Bars], tuple[F64, ...]]
    oracle: Callable[[Bars], tuple[F64, ...]] | None
    stream: Callable[[], object]
    feed: Callable[[object, Bars, int], Sequence[float]]
    # The range each output must stay in, where the indicator has one.
    bounded: tuple[tuple[float, float] | None, ...] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        """The input columns the indicator reads."""
        return READS.get(self.name.split("_")[0].rstrip("0123456789"), ("close",))


def _c(b: Bars, i: int) -> tuple[float]:
    return (float(b.close[i]),)


def _hlc(b: Bars, i: int) -> tuple[float, float, float]:
    return (float(b.high[i]), float(b.low[i]), float(b.close[i]))


def _feeder(
    args: Callable[[Bars, int], tuple[float, ...]], outputs: tuple[str, ...] = (), primary: int = 0
) -> Callable[[object, Bars, int], Sequence[float]]:
    """Feeds bar i; the result is `update`'s return, or the named output properties after it (`update`
    returning the `primary` one)."""

    def feed(obj: object, b: Bars, i: int) -> Sequence[float]:
        out = obj.update(*args(b, i))  # type: ignore[attr-defined]
        if not outputs:
            return (out,)
        values = tuple(getattr(obj, name) for name in outputs)
        main = values[primary]
        assert out == main or (np.isnan(out) and np.isnan(main))
        return values

    return feed


PCT = (0.0, 100.0)
HLC = ("high", "low", "close")
READS: dict[str, tuple[str, ...]] = {
    "TRANGE": HLC,
    "ATR": HLC,
    "CCI": HLC,
    "STOCH": HLC,
    "ADX": HLC,
    "MFI": (*HLC, "volume"),
    "OBV": ("close", "volume"),
}

CASES: list[Case] = [
    Case(
        "SMA",
        lambda b: (ti.sma(b.close, 30),),
        lambda b: (talib.SMA(b.close, 30),),
        lambda: ti.SMA(30),
        _feeder(_c),
    ),
    Case(
        "SMA1",
        lambda b: (ti.sma(b.close, 1),),
        lambda b: (talib.SMA(b.close, 1),),
        lambda: ti.SMA(1),
        _feeder(_c),
    ),
    Case(
        "EMA",
        lambda b: (ti.ema(b.close, 30),),
        lambda b: (talib.EMA(b.close, 30),),
        lambda: ti.EMA(30),
        _feeder(_c),
    ),
    Case(
        "EMA9",
        lambda b: (ti.ema(b.close, 9),),
        lambda b: (talib.EMA(b.close, 9),),
        lambda: ti.EMA(9),
        _feeder(_c),
    ),
    Case(
        "WMA",
        lambda b: (ti.wma(b.close, 30),),
        lambda b: (talib.WMA(b.close, 30),),
        lambda: ti.WMA(30),
        _feeder(_c),
    ),
    Case(
        "RSI",
        lambda b: (ti.rsi(b.close, 14),),
        lambda b: (talib.RSI(b.close, 14),),
        lambda: ti.RSI(14),
        _feeder(_c),
        (PCT,),
    ),
    Case(
        "RSI2",
        lambda b: (ti.rsi(b.close, 2),),
        lambda b: (talib.RSI(b.close, 2),),
        lambda: ti.RSI(2),
        _feeder(_c),
        (PCT,),
    ),
    Case(
        "ROC",
        lambda b: (ti.roc(b.close, 10),),
        lambda b: (talib.ROC(b.close, 10),),
        lambda: ti.ROC(10),
        _feeder(_c),
    ),
    Case(
        "STDDEV",
        lambda b: (ti.stddev(b.close, 20, 1.5),),
        lambda b: (talib.STDDEV(b.close, 20, 1.5),),
        lambda: ti.STDDEV(20, 1.5),
        _feeder(_c),
        ((0.0, np.inf),),
    ),
    Case(
        "MACD",
        lambda b: tuple(ti.macd(b.close, 12, 26, 9)),
        lambda b: _tuple(talib.MACD(b.close, 12, 26, 9)),
        lambda: ti.MACD(12, 26, 9),
        _feeder(_c, ("macd", "signal", "hist")),
    ),
    Case(
        "MACD_5_8_3",
        lambda b: tuple(ti.macd(b.close, 5, 8, 3)),
        lambda b: _tuple(talib.MACD(b.close, 5, 8, 3)),
        lambda: ti.MACD(5, 8, 3),
        _feeder(_c, ("macd", "signal", "hist")),
    ),
    Case(
        "BBANDS",
        lambda b: tuple(ti.bbands(b.close, 20, 2.0)),
        lambda b: _tuple(talib.BBANDS(b.close, 20, 2.0, 2.0, 0)),
        lambda: ti.BBANDS(20, 2.0, 2.0),
        _feeder(_c, ("upper", "middle", "lower"), primary=1),
    ),
    Case(
        "BBANDS_ASYM",
        lambda b: tuple(ti.bbands(b.close, 10, 1.0, 3.0)),
        lambda b: _tuple(talib.BBANDS(b.close, 10, 1.0, 3.0, 0)),
        lambda: ti.BBANDS(10, 1.0, 3.0),
        _feeder(_c, ("upper", "middle", "lower"), primary=1),
    ),
    Case(
        "TRANGE",
        lambda b: (ti.trange(b.high, b.low, b.close),),
        lambda b: (talib.TRANGE(b.high, b.low, b.close),),
        ti.TRANGE,
        _feeder(_hlc),
        ((0.0, np.inf),),
    ),
    Case(
        "ATR",
        lambda b: (ti.atr(b.high, b.low, b.close, 14),),
        lambda b: (talib.ATR(b.high, b.low, b.close, 14),),
        lambda: ti.ATR(14),
        _feeder(_hlc),
        ((0.0, np.inf),),
    ),
    Case(
        "CCI",
        lambda b: (ti.cci(b.high, b.low, b.close, 14),),
        lambda b: (talib.CCI(b.high, b.low, b.close, 14),),
        lambda: ti.CCI(14),
        _feeder(_hlc),
    ),
    Case(
        "STOCH",
        lambda b: tuple(ti.stoch(b.high, b.low, b.close, 14, 3, 3)),
        lambda b: _tuple(talib.STOCH(b.high, b.low, b.close, 14, 3, 0, 3, 0)),
        lambda: ti.STOCH(14, 3, 3),
        _feeder(_hlc, ("k", "d")),
        (PCT, PCT),
    ),
    Case(
        "STOCH_5_1_2",
        lambda b: tuple(ti.stoch(b.high, b.low, b.close, 5, 1, 2)),
        lambda b: _tuple(talib.STOCH(b.high, b.low, b.close, 5, 1, 0, 2, 0)),
        lambda: ti.STOCH(5, 1, 2),
        _feeder(_hlc, ("k", "d")),
        (PCT, PCT),
    ),
    Case(
        "ADX",
        lambda b: tuple(ti.adx(b.high, b.low, b.close, 14)),
        lambda b: (
            talib.ADX(b.high, b.low, b.close, 14),
            talib.PLUS_DI(b.high, b.low, b.close, 14),
            talib.MINUS_DI(b.high, b.low, b.close, 14),
        ),
        lambda: ti.ADX(14),
        _feeder(_hlc, ("adx", "plus_di", "minus_di")),
        (PCT, PCT, PCT),
    ),
    Case(
        "MFI",
        lambda b: (ti.mfi(b.high, b.low, b.close, b.volume, 14),),
        lambda b: (talib.MFI(b.high, b.low, b.close, b.volume, 14),),
        lambda: ti.MFI(14),
        _feeder(lambda b, i: (*_hlc(b, i), float(b.volume[i]))),
        (PCT,),
    ),
    Case(
        "OBV",
        lambda b: (ti.obv(b.close, b.volume),),
        lambda b: (talib.OBV(b.close, b.volume),),
        ti.OBV,
        _feeder(lambda b, i: (float(b.close[i]), float(b.volume[i]))),
    ),
]

BY_NAME = {case.name: case for case in CASES}
ORACLE_CASES = [case for case in CASES if case.oracle is not None]


def assert_matches_oracle(case: Case, bars: Bars, label: str) -> None:
    """Max abs difference <= 1e-9 x the series' scale and identical NaN positions, per output."""
    assert case.oracle is not None
    ours, theirs = case.ours(bars), case.oracle(bars)
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a.shape == b.shape, f"{label} {case.name}[{k}]: shape {a.shape} != {b.shape}"
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        assert np.array_equal(nan_a, nan_b), (
            f"{label} {case.name}[{k}]: NaN positions differ at {np.flatnonzero(nan_a != nan_b)[:5]}"
        )
        if nan_b.all():
            continue
        scale = max(bars.scale(), float(np.max(np.abs(b[~nan_b]))))
        diff = np.abs(a[~nan_b] - b[~nan_b])
        worst = int(np.argmax(diff))
        assert diff[worst] <= 1e-9 * scale, (
            f"{label} {case.name}[{k}]: max abs diff {diff[worst]:.3g} > 1e-9 x {scale:.3g} "
            f"at valid index {worst}"
        )


def stream_outputs(case: Case, bars: Bars) -> tuple[F64, ...]:
    """Feeds the bars one by one to a fresh streaming object and stacks the outputs."""
    obj = case.stream()
    rows = [case.feed(obj, bars, i) for i in range(len(bars))]
    return tuple(np.array(col, dtype=np.float64) for col in zip(*rows, strict=True))
