"""The official alpaca-py TradingClient against our fake server: it speaks the protocol alpaca-py speaks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, OrderStatus, TimeInForce
from alpaca.trading.models import Order
from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest, ReplaceOrderRequest

from trader.alpaca.fake import FakeAlpacaServer


def client(fake: FakeAlpacaServer, secret: str | None = None) -> TradingClient:
    return TradingClient(fake.key_id, secret or fake.secret, url_override=fake.base_url, raw_data=False)


def as_order(value: object) -> Order:
    assert isinstance(value, Order)
    return value


def test_market_order_fills_at_the_fake_price_and_makes_a_position(fake_alpaca: FakeAlpacaServer) -> None:
    fake_alpaca.set_price("AAPL", "187.25")
    trading = client(fake_alpaca)
    request = MarketOrderRequest(
        symbol="AAPL", qty=10, side=OrderSide.BUY, time_in_force=TimeInForce.DAY, client_order_id="s1-0001"
    )
    ack = as_order(trading.submit_order(request))
    assert ack.client_order_id == "s1-0001"
    assert ack.status == OrderStatus.ACCEPTED
    order = as_order(trading.get_order_by_client_id("s1-0001"))
    assert order.status == OrderStatus.FILLED
    assert Decimal(str(order.filled_qty)) == 10
    assert Decimal(str(order.filled_avg_price)) == Decimal("187.25")
    positions = trading.get_all_positions()
    assert isinstance(positions, list)
    assert [(p.symbol, Decimal(p.qty), p.side.value) for p in positions] == [("AAPL", Decimal(10), "long")]
    account = trading.get_account()
    assert Decimal(str(account.cash)) == Decimal(100_000) - Decimal("1872.5")  # type: ignore[union-attr]


def test_duplicate_client_order_id_is_alpacas_422_and_creates_nothing(fake_alpaca: FakeAlpacaServer) -> None:
    trading = client(fake_alpaca)
    request = LimitOrderRequest(
        symbol="SPY",
        qty=1,
        side=OrderSide.BUY,
        time_in_force=TimeInForce.DAY,
        limit_price=400,
        client_order_id="dup",
    )
    trading.submit_order(request)
    with pytest.raises(APIError) as refused:
        trading.submit_order(request)
    assert refused.value.status_code == 422
    assert refused.value.message == "client_order_id must be unique"
    assert fake_alpaca.broker.refused_duplicates == 1
    assert len(fake_alpaca.broker.orders) == 1


def test_limit_order_partial_fill_replace_and_cancel(fake_alpaca: FakeAlpacaServer) -> None:
    trading = client(fake_alpaca)
    request = LimitOrderRequest(
        symbol="SPY",
        qty=10,
        side=OrderSide.BUY,
        time_in_force=TimeInForce.GTC,
        limit_price=450,
        client_order_id="l1",
    )
    first = as_order(trading.submit_order(request))
    fake_alpaca.set_price("SPY", "455")  # above the limit: nothing trades
    assert as_order(trading.get_order_by_id(first.id)).status == OrderStatus.ACCEPTED
    fake_alpaca.set_price("SPY", "449.5", volume="4")  # crosses, but only 4 shares trade
    partial = as_order(trading.get_order_by_id(first.id))
    assert partial.status == OrderStatus.PARTIALLY_FILLED
    assert Decimal(str(partial.filled_qty)) == 4
    replacement = as_order(
        trading.replace_order_by_id(
            first.id, ReplaceOrderRequest(qty=8, limit_price=440, client_order_id="l1-r1")
        )
    )
    assert replacement.client_order_id == "l1-r1"
    assert str(replacement.replaces) == str(first.id)
    old = as_order(trading.get_order_by_id(first.id))
    assert old.status == OrderStatus.REPLACED
    assert str(old.replaced_by) == str(replacement.id)
    trading.cancel_order_by_id(replacement.id)
    assert as_order(trading.get_order_by_id(replacement.id)).status == OrderStatus.CANCELED
    with pytest.raises(APIError) as closed:
        trading.cancel_order_by_id(replacement.id)
    assert closed.value.status_code == 422


def test_fractional_and_notional_orders(fake_alpaca: FakeAlpacaServer) -> None:
    fake_alpaca.set_price("AAPL", "200")
    trading = client(fake_alpaca)
    trading.submit_order(
        MarketOrderRequest(symbol="AAPL", qty=0.5, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    )
    notional = as_order(
        trading.submit_order(
            MarketOrderRequest(symbol="AAPL", notional=50, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
        )
    )
    assert notional.notional == "50"
    assert Decimal(str(as_order(trading.get_order_by_id(notional.id)).filled_qty)) == Decimal("0.25")
    positions = trading.get_all_positions()
    assert isinstance(positions, list)
    assert Decimal(positions[0].qty) == Decimal("0.75")
    with pytest.raises(APIError, match="fractional orders must be market or limit DAY orders"):
        trading.submit_order(
            MarketOrderRequest(symbol="AAPL", qty=0.5, side=OrderSide.BUY, time_in_force=TimeInForce.GTC)
        )


def test_crypto_fee_is_taken_from_the_received_coins(fake_alpaca: FakeAlpacaServer) -> None:
    fake_alpaca.set_price("BTC/USD", "40000")
    trading = client(fake_alpaca)
    trading.submit_order(
        MarketOrderRequest(symbol="BTC/USD", qty=0.1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC)
    )
    positions = trading.get_all_positions()
    assert isinstance(positions, list)
    (btc,) = positions
    assert btc.symbol == "BTCUSD"  # Alpaca's positions spell crypto pairs without the slash
    assert Decimal(btc.qty) == Decimal("0.1") - Decimal("0.1") * Decimal("0.0025")
    with pytest.raises(APIError, match="invalid crypto time_in_force"):
        trading.submit_order(
            MarketOrderRequest(symbol="BTC/USD", qty=0.1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
        )


def test_short_sale_and_cover_keep_an_exact_average_entry(fake_alpaca: FakeAlpacaServer) -> None:
    broker = fake_alpaca.broker
    fake_alpaca.set_price("SPY", "400")
    broker.submit({"symbol": "SPY", "side": "sell", "type": "market", "time_in_force": "day", "qty": "3"})
    fake_alpaca.set_price("SPY", "390")
    broker.submit({"symbol": "SPY", "side": "buy", "type": "market", "time_in_force": "day", "qty": "1"})
    (row,) = broker.position_rows()
    assert (row["qty"], row["side"], row["avg_entry_price"]) == ("-2", "short", "400")
    account = client(fake_alpaca).get_account()
    assert Decimal(str(account.cash)) == Decimal(100_000) + Decimal(1200) - Decimal(390)  # type: ignore[union-attr]


def test_wrong_secret_is_refused_with_401(fake_alpaca: FakeAlpacaServer) -> None:
    with pytest.raises(APIError) as refused:
        client(fake_alpaca, secret="not-the-secret").get_account()
    assert refused.value.status_code == 401


def test_clock_and_open_orders_listing(fake_alpaca: FakeAlpacaServer) -> None:
    trading = client(fake_alpaca)
    clock = trading.get_clock()
    assert clock.next_open > clock.timestamp or clock.is_open  # type: ignore[union-attr]
    trading.submit_order(
        LimitOrderRequest(
            symbol="SPY", qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.DAY, limit_price=999
        )
    )
    orders = trading.get_orders()
    assert isinstance(orders, list)
    assert [o.symbol for o in orders] == ["SPY"]


def test_injected_5xx_and_429_reach_the_client(fake_alpaca: FakeAlpacaServer) -> None:
    fake_alpaca.broker.faults.failures = [(503, None), (429, 1)]
    trading = TradingClient(
        fake_alpaca.key_id, fake_alpaca.secret, url_override=fake_alpaca.base_url, raw_data=False
    )
    trading._retry = 0  # alpaca-py retries 429/504 itself; see the raw answers here
    with pytest.raises(APIError) as server_error:
        trading.get_account()
    assert server_error.value.status_code == 503
    with pytest.raises(APIError) as limited:
        trading.get_account()
    assert limited.value.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert trading.get_account() is not None
