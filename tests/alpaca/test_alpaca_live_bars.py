"""Live bars through alpaca-py's Stock/CryptoDataStream from the fake's msgpack market-data websocket."""

from __future__ import annotations

import threading
import time

import pytest

from trader.alpaca.fake import FakeAlpacaServer
from trader.alpaca.live_bars import LiveBar, LiveBarStream
from trader.alpaca.settings import AlpacaSettings


def settings_for(fake: FakeAlpacaServer) -> AlpacaSettings:
    base = f"ws://127.0.0.1:{fake.port}"
    return AlpacaSettings(fake.key_id, fake.secret, base_url=fake.base_url, data_stream_url=base)


def bar(stamp: str, close: float) -> dict[str, object]:
    return {"t": stamp, "o": close - 1, "h": close + 1, "l": close - 2, "c": close, "v": 1000.0}


@pytest.mark.parametrize(("symbol", "other"), [("AAPL", "SPY"), ("BTC/USD", "ETH/USD")])
def test_subscribed_bars_arrive_in_order_and_move_the_fake_price(
    fake_alpaca: FakeAlpacaServer, symbol: str, other: str
) -> None:
    received: list[LiveBar] = []
    arrived = threading.Event()

    def on_bar(live: LiveBar) -> None:
        received.append(live)
        if live.close == 3.0:
            arrived.set()

    with LiveBarStream(settings_for(fake_alpaca), [symbol], on_bar):
        # Publish until the subscription is in place (the stream sends only bars after it).
        deadline = time.monotonic() + 15
        while not received and time.monotonic() < deadline:
            fake_alpaca.broker.publish_bar(symbol, bar("2024-01-02T14:30:00Z", 0.5))
            time.sleep(0.2)
        assert received, "no bar reached alpaca-py"
        received.clear()
        fake_alpaca.broker.publish_bar(symbol, bar("2024-01-02T14:31:00Z", 1.0))
        fake_alpaca.broker.publish_bar(other, bar("2024-01-02T14:31:00Z", 99.0))
        fake_alpaca.broker.publish_bar(symbol, bar("2024-01-02T14:32:00Z", 2.0))
        fake_alpaca.broker.publish_bar(symbol, bar("2024-01-02T14:33:00Z", 3.0))
        assert arrived.wait(10)
        fake_alpaca.end_streams()  # closed from the server side, alpaca-py stops without its 5 s receive wait
    assert [(b.symbol, b.close) for b in received] == [(symbol, 1.0), (symbol, 2.0), (symbol, 3.0)]
    assert received[0].ts == 1_704_205_860_000_000_000
    assert (received[0].open, received[0].high, received[0].low, received[0].volume) == (
        0.0,
        2.0,
        -1.0,
        1000.0,
    )
    assert str(fake_alpaca.broker.prices[symbol]) == "3.0"


def test_mixing_stocks_and_crypto_in_one_stream_is_refused(fake_alpaca: FakeAlpacaServer) -> None:
    with pytest.raises(ValueError, match="only stocks or only crypto"):
        LiveBarStream(settings_for(fake_alpaca), ["AAPL", "BTC/USD"], lambda _: None)
