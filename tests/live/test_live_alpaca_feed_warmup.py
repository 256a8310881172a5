"""`--feed alpaca` warms up from Alpaca's history: the newest closed bars of each symbol, asked through
alpaca-py from the fake server, become the first bars of the series; a stream bar not newer is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from trader.alpaca.fake import FakeAlpacaServer
from trader.alpaca.live_bars import LiveBar
from trader.alpaca.settings import AlpacaSettings
from trader.data.sources import load_bars
from trader.live.alpaca_feed import AlpacaFeed
from trader.live.errors import DaemonError
from trader.models import Timeframe

MINUTE = 60_000_000_000


@dataclass
class FixedClock:
    """The sample's minute bars are from 2013: the feed's clock is set just after them."""

    ns: int

    def now_ns(self) -> int:
        return self.ns


def _settings(fake: FakeAlpacaServer, secret: str | None = None) -> AlpacaSettings:
    url = f"http://127.0.0.1:{fake.port}"
    return AlpacaSettings(
        fake.key_id,
        secret or fake.secret,
        base_url=url,
        data_url=url,
        data_stream_url=f"ws://127.0.0.1:{fake.port}",
    )


def test_the_newest_closed_bars_warm_the_series_and_older_stream_bars_are_dropped(samples_dir: Path) -> None:
    history = load_bars(samples_dir / "SPY_1m.csv")
    # The clock stands 30 s into the file's 40th bar from the end: that bar is still forming.
    forming = len(history) - 40
    now = int(history.ts[forming]) + MINUTE // 2
    closed = [i for i in range(len(history)) if int(history.ts[i]) + MINUTE <= now][-50:]
    with FakeAlpacaServer(samples_dir) as fake:
        feed = AlpacaFeed(_settings(fake), ["SPY"], Timeframe.M1, warmup_bars=50)
        try:
            feed.clock = FixedClock(now)
            done = feed.warmup()
            series = feed.series["SPY"]
            assert [d.index for d in done] == list(range(50))
            assert [d.ts for d in done] == [int(history.ts[i]) for i in closed]
            np.testing.assert_array_equal(series.close, history.close[closed])
            np.testing.assert_array_equal(series.volume, history.volume[closed])
            last = int(history.ts[closed[-1]])
            # The stream repeats the last warm bar, then sends the one that was forming.
            feed._inbox.put(LiveBar("SPY", last, 1.0, 1.0, 1.0, 1.0, 1.0))
            feed._inbox.put(LiveBar("SPY", int(history.ts[forming]), 2.0, 2.0, 2.0, 2.0, 5.0))
            feed.clock = FixedClock(int(history.ts[forming]) + MINUTE)
            released = feed.due()
        finally:
            feed.close()
    assert [(d.index, d.ts) for d in released] == [(50, int(history.ts[forming]))]
    assert feed.dropped == 1
    assert feed.series["SPY"].close[-1] == 2.0
    assert len(feed.series["SPY"]) == 51


def test_history_that_cannot_be_loaded_stops_the_start_with_the_way_out(samples_dir: Path) -> None:
    with FakeAlpacaServer(samples_dir) as fake:
        feed = AlpacaFeed(_settings(fake, secret="wrong-secret-value"), ["SPY"], Timeframe.M1, warmup_bars=10)
        try:
            with pytest.raises(
                DaemonError, match="set warmup_bars = 0 to start with cold indicators"
            ) as raised:
                feed.warmup()
        finally:
            feed.close()
    assert "wrong-secret-value" not in str(raised.value)


def test_no_warmup_asked_loads_nothing(samples_dir: Path) -> None:
    with FakeAlpacaServer(samples_dir) as fake:
        feed = AlpacaFeed(_settings(fake), ["SPY"], Timeframe.M1, warmup_bars=0)
        try:
            assert feed.warmup() == []
            assert len(feed.series["SPY"]) == 0
        finally:
            feed.close()
