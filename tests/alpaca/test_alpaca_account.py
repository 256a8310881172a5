"""Account, positions and orders read for reconciliation through `AlpacaAccount`, against the fake server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trader.alpaca.account import AlpacaAccount, pair_symbol
from trader.alpaca.errors import AlpacaAuthError, AlpacaError
from trader.alpaca.fake import FakeAlpacaServer
from trader.alpaca.settings import AlpacaSettings


def account_for(fake: FakeAlpacaServer, secret: str | None = None) -> AlpacaAccount:
    return AlpacaAccount(AlpacaSettings(fake.key_id, secret or fake.secret, base_url=fake.base_url))


def test_positions_cash_and_open_orders_are_exact(fake_alpaca: FakeAlpacaServer) -> None:
    broker = fake_alpaca.broker
    fake_alpaca.set_price("BTC/USD", "30000.5")
    fake_alpaca.set_price("AAPL", "100")
    broker.submit(
        {"symbol": "BTC/USD", "side": "buy", "type": "market", "time_in_force": "gtc", "qty": "0.2"}
    )
    broker.submit({"symbol": "AAPL", "side": "buy", "type": "market", "time_in_force": "day", "qty": "3"})
    broker.submit(
        {
            "symbol": "AAPL",
            "side": "sell",
            "type": "limit",
            "time_in_force": "day",
            "qty": "1",
            "limit_price": "150",
            "client_order_id": "tp-1",
        }
    )
    account = account_for(fake_alpaca)
    assert account.positions() == {"BTC/USD": Decimal("0.1995"), "AAPL": Decimal(3)}
    snapshot = account.account()
    assert snapshot.cash == Decimal(100_000) - Decimal("6000.1") - Decimal(300)
    (working,) = account.orders()
    assert (working.client_order_id, working.qty, working.filled_qty) == ("tp-1", Decimal(1), Decimal(0))


def test_short_sale_and_cover_keep_an_exact_average_entry(fake_alpaca: FakeAlpacaServer) -> None:
    broker = fake_alpaca.broker
    fake_alpaca.set_price("SPY", "400")
    broker.submit({"symbol": "SPY", "side": "sell", "type": "market", "time_in_force": "day", "qty": "3"})
    fake_alpaca.set_price("SPY", "390")
    broker.submit({"symbol": "SPY", "side": "buy", "type": "market", "time_in_force": "day", "qty": "1"})
    (row,) = broker.position_rows()
    assert (row["qty"], row["side"], row["avg_entry_price"]) == ("-2", "short", "400")
    assert account_for(fake_alpaca).account().cash == Decimal(100_000) + Decimal(1200) - Decimal(390)


def test_refused_keys_and_unreachable_server_are_clear_errors(fake_alpaca: FakeAlpacaServer) -> None:
    with pytest.raises(AlpacaAuthError, match=r"check the settings APCA_API_KEY_ID / APCA_API_SECRET_KEY"):
        account_for(fake_alpaca, "bad-secret-xyz").positions()
    gone = AlpacaAccount(AlpacaSettings("k", "s", base_url="http://127.0.0.1:9"))
    with pytest.raises(AlpacaError, match=r"cannot reach http://127.0.0.1:9"):
        gone.account()


def test_missing_keys_in_the_environment_name_the_variables() -> None:
    with pytest.raises(AlpacaError, match="set APCA_API_SECRET_KEY"):
        AlpacaSettings.from_env({"APCA_API_KEY_ID": "abc"})
    settings = AlpacaSettings.from_env(
        {"APCA_API_KEY_ID": "abc", "APCA_API_SECRET_KEY": "s3cr3t", "APCA_API_BASE_URL": "http://x/"}
    )
    assert settings.base_url == "http://x"
    assert "s3cr3t" not in repr(settings)


@pytest.mark.parametrize(
    ("symbol", "asset_class", "expected"),
    [("BTCUSD", "crypto", "BTC/USD"), ("ETHUSDT", "crypto", "ETH/USDT"), ("AAPL", "us_equity", "AAPL")],
)
def test_pair_symbol(symbol: str, asset_class: str, expected: str) -> None:
    assert pair_symbol(symbol, asset_class) == expected
