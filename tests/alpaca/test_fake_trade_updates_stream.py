"""alpaca-py's TradingStream on the fake's trade_updates websocket: auth, listen, new/fill/cancel events."""

from __future__ import annotations

import threading
import time

from alpaca.trading.models import TradeUpdate
from alpaca.trading.stream import TradingStream

from trader.alpaca.fake import FakeAlpacaServer


def test_trade_updates_arrive_in_order(fake_alpaca: FakeAlpacaServer) -> None:
    received: list[TradeUpdate] = []
    listening = threading.Event()

    async def on_update(update: TradeUpdate) -> None:
        received.append(update)

    stream = TradingStream(fake_alpaca.key_id, fake_alpaca.secret, url_override=fake_alpaca.stream_url)
    stream.subscribe_trade_updates(on_update)
    runner = threading.Thread(target=stream.run, daemon=True)
    runner.start()
    deadline = time.monotonic() + 10
    while not listening.is_set() and time.monotonic() < deadline:
        # The stream sends only updates after `listen`; probe with a throwaway order until one arrives.
        if received:
            listening.set()
            break
        fake_alpaca.broker.submit(
            {
                "symbol": "SPY",
                "side": "buy",
                "type": "limit",
                "time_in_force": "day",
                "qty": "1",
                "limit_price": "1",
            }
        )
        time.sleep(0.2)
    assert listening.is_set(), "no trade update reached alpaca-py"
    received.clear()
    broker = fake_alpaca.broker
    broker.submit(
        {
            "symbol": "AAPL",
            "side": "buy",
            "type": "limit",
            "time_in_force": "day",
            "qty": "5",
            "limit_price": "100",
            "client_order_id": "w1",
        }
    )
    fake_alpaca.set_price("AAPL", "99", volume="2")
    fake_alpaca.set_price("AAPL", "98")
    broker.submit(
        {
            "symbol": "AAPL",
            "side": "sell",
            "type": "limit",
            "time_in_force": "day",
            "qty": "1",
            "limit_price": "500",
            "client_order_id": "w2",
        }
    )
    broker.cancel(broker.order_by_client_id("w2").id)
    deadline = time.monotonic() + 10
    while len(received) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    fake_alpaca.end_streams()  # closed from the server side, alpaca-py stops without its 5 s receive wait
    stream.stop()
    runner.join(10)
    events = [(u.order.client_order_id, str(u.event)) for u in received]
    assert events == [
        ("w1", "new"),
        ("w1", "partial_fill"),
        ("w1", "fill"),
        ("w2", "new"),
        ("w2", "canceled"),
    ]
    fill = received[2]
    assert fill.qty == 3
    assert fill.price == 98
    assert fill.execution_id is not None
