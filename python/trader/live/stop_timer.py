"""When a live run trails risk's stops: every `stop_trail_interval` seconds of the feed's clock."""

from __future__ import annotations


class TrailTimer:
    """Due at the first call, then once `interval_s` has passed on the clock whose `now_ns` it is given.

    Live, that clock is the wall; a replay on an accelerated clock gives the replay clock, so a replay at
    60x trails every 10 replayed seconds, not every 10 wall seconds. A trail happens only when asked:
    `due` marks the time, so two due answers are always at least the interval apart.
    """

    def __init__(self, interval_s: float) -> None:
        if not interval_s > 0:
            raise ValueError(f"stop_trail_interval must be > 0 seconds, not {interval_s}")
        self.interval_ns = round(interval_s * 1e9)
        self.last_ns: int | None = None
        self.count = 0

    def due(self, now_ns: int) -> bool:
        """Whether to trail at `now_ns`; if so, the interval starts again from there."""
        if self.last_ns is not None and now_ns - self.last_ns < self.interval_ns:
            return False
        self.last_ns = now_ns
        self.count += 1
        return True
