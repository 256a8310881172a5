"""The health monitor: loop lag, data staleness, gateway health and breaker input, once per tick."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from trader.live.stream_lag import StreamLagGuard
from trader.risk import BreakerObservation


@dataclass(slots=True)
class HealthMonitor:
    """Keeps the last lags and turns the daemon's state into one BreakerObservation per tick.

    Data age is measured on the feed's clock (market time since the newest bar closed) and handed to the
    breaker in wall seconds (divided by the replay speed), so a replay at 60x looks as stale as live data
    that stopped for the same wall time.
    """

    speed: float
    lags_ms: deque[float] = field(default_factory=lambda: deque(maxlen=600))
    ticks: int = 0
    api_calls: int = 0
    api_errors: int = 0
    data_age_s: float | None = None
    gateway: str = "ok"
    stream: StreamLagGuard | None = None
    """With a remote gateway: how far the daemon trails its event sequence (a hold takes no new risk)."""

    def tick(self, lag_s: float) -> None:
        self.ticks += 1
        self.lags_ms.append(lag_s * 1000)

    def observation(
        self, equity: Decimal, high_water: Decimal, losses: int, market_now_ns: int, last_close_ns: int | None
    ) -> BreakerObservation:
        now = datetime.now(UTC)
        last = None
        if last_close_ns is not None:
            age_market = max(0.0, (market_now_ns - last_close_ns) / 1e9)
            self.data_age_s = age_market
            last = now - timedelta(seconds=age_market / self.speed)
        return BreakerObservation(
            now=now,
            equity=equity,
            high_water_mark=high_water,
            consecutive_losses=losses,
            api_calls=self.api_calls,
            api_errors=self.api_errors,
            last_data_at=last,
        )

    def describe(self) -> dict[str, object]:
        lags = sorted(self.lags_ms)
        p50 = lags[len(lags) // 2] if lags else None
        return {
            "ticks": self.ticks,
            "loop_lag_ms_p50": None if p50 is None else round(p50, 3),
            "loop_lag_ms_max": round(lags[-1], 3) if lags else None,
            "data_age_s": None if self.data_age_s is None else round(self.data_age_s, 1),
            "gateway": self.gateway,
            "stream": None if self.stream is None else self.stream.describe(),
        }


def consecutive_losses(pnls: list[Decimal]) -> int:
    """Losing round trips in a row at the end of the list."""
    count = 0
    for pnl in reversed(pnls):
        if pnl >= 0:
            break
        count += 1
    return count
