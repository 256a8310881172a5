"""The Alpaca feed streams one-minute bars: a daemon set to longer bars is refused, not mislabelled."""

from __future__ import annotations

import pytest

from trader.alpaca.settings import AlpacaSettings
from trader.live.alpaca_feed import AlpacaFeed
from trader.live.errors import DaemonError
from trader.models import Timeframe


def test_a_longer_timeframe_on_the_alpaca_feed_is_refused() -> None:
    settings = AlpacaSettings("key-id-0123456789", "secret-0123456789")
    with pytest.raises(
        DaemonError, match=r"timeframe = '1h': --feed alpaca streams Alpaca's one-minute bars"
    ):
        AlpacaFeed(settings, ["SPY"], Timeframe.H1)
