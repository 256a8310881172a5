"""The backtest feed: bars of several symbols merged into one stable time order (timestamp, then symbol)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trader.data import Bars
from trader.errors import DataError


@dataclass(frozen=True, slots=True)
class Feed:
    """`order[k]` = (symbol position, bar position) of the k-th event; `bars` in symbol order."""

    bars: tuple[Bars, ...]
    which: NDArray[np.int64]
    index: NDArray[np.int64]
    ts: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.ts.size)

    @property
    def symbols(self) -> list[str]:
        """The symbols, sorted."""
        return [b.symbol for b in self.bars]


def merge(series: Sequence[Bars]) -> Feed:
    """Merge per-symbol bars into one event order: by timestamp, ties by symbol name (stable, deterministic).

    Each series must be strictly increasing in time and the symbols distinct: a repeated stamp or symbol
    would make "the bar at t" ambiguous.
    """
    if not series:
        raise DataError("no bars to run on: give at least one --data file")
    ordered = sorted(series, key=lambda b: b.symbol)
    for before, after in itertools.pairwise(ordered):
        if before.symbol == after.symbol:
            raise DataError("the same symbol is given twice", path=after.source, value=after.symbol)
    for bars in ordered:
        if len(bars) == 0:
            raise DataError("holds no bars", path=bars.source)
        steps = np.diff(bars.ts)
        if steps.size and bool(np.any(steps <= 0)):
            bad = int(np.argmax(steps <= 0)) + 1
            raise DataError(
                "bars are not strictly increasing in time; run `trader data check` and repair them",
                path=bars.source,
                line=int(bars.lines[bad]),
                field="timestamp",
            )
    if len(ordered) == 1:  # one strictly increasing series is in event order already: no sort of a million
        n = len(ordered[0])
        return Feed(tuple(ordered), np.zeros(n, np.int64), np.arange(n, dtype=np.int64), ordered[0].ts.copy())
    which = np.concatenate([np.full(len(b), k, dtype=np.int64) for k, b in enumerate(ordered)])
    index = np.concatenate([np.arange(len(b), dtype=np.int64) for b in ordered])
    ts = np.concatenate([b.ts for b in ordered])
    order = np.lexsort((which, ts))  # last key first: by ts, ties by symbol position (= symbol name)
    return Feed(tuple(ordered), which[order], index[order], ts[order])
