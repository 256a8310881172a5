"""What the daemon asks of a bar feed (the file replay, Alpaca's stream), and the broker's view of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from trader.engine.feed import Feed, merge

if TYPE_CHECKING:
    from trader.data import Bars
    from trader.live.replay import Due


class Clock(Protocol):
    def now_ns(self) -> int: ...


class BarFeed(Protocol):
    """Series that grow as bars are released; `due()` releases the bars whose close has passed."""

    series: dict[str, Bars]
    last_close_ns: int | None

    @property
    def symbols(self) -> list[str]: ...

    @property
    def exhausted(self) -> bool: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def paths(self) -> Sequence[object]: ...

    def due(self) -> list[Due]: ...

    def warmup(self) -> list[Due]: ...

    def refresh(self) -> int: ...


def broker_feed(series: dict[str, Bars]) -> Feed:
    """The engine's Feed over the series; a live feed starts with no bar at all, which `merge` refuses."""
    if all(len(bars) for bars in series.values()):
        return merge(list(series.values()))
    empty = np.empty(0, dtype=np.int64)
    return Feed(tuple(series[s] for s in sorted(series)), empty, empty, empty)
