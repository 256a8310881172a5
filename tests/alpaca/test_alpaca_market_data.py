"""Historical bars through alpaca-py's data clients, from the fake server into `Bars`: every page, exact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from trader.alpaca.errors import AlpacaAuthError, AlpacaError
from trader.alpaca.fake import FakeAlpacaServer
from trader.alpaca.market_data import fetch_bars
from trader.alpaca.settings import AlpacaSettings
from trader.data.sources import load_bars
from trader.models import Timeframe


def settings_for(fake: FakeAlpacaServer, secret: str | None = None) -> AlpacaSettings:
    return AlpacaSettings(fake.key_id, secret or fake.secret, base_url=fake.base_url, data_url=fake.base_url)


@pytest.fixture
def paging_fake(samples_dir: Path) -> FakeAlpacaServer:
    return FakeAlpacaServer(samples_dir, bars_page_size=1000)


def test_stock_bars_over_many_pages_equal_the_file(paging_fake: FakeAlpacaServer, samples_dir: Path) -> None:
    with paging_fake as fake:
        bars = fetch_bars(settings_for(fake), "AAPL", Timeframe.D1, datetime(1990, 1, 1, tzinfo=UTC))
    expected = load_bars(samples_dir / "AAPL_1d.csv")
    assert len(bars) == len(expected) > 5000  # six pages of 1000
    np.testing.assert_array_equal(bars.ts, expected.ts)
    np.testing.assert_array_equal(bars.close, expected.close)
    np.testing.assert_array_equal(bars.volume, expected.volume)
    assert bars.timeframe is Timeframe.D1


def test_crypto_bars_window(fake_alpaca: FakeAlpacaServer, samples_dir: Path) -> None:
    start, end = datetime(2013, 10, 2, tzinfo=UTC), datetime(2013, 10, 3, tzinfo=UTC)
    bars = fetch_bars(settings_for(fake_alpaca), "BTC/USD", Timeframe.H1, start, end)
    expected = load_bars(samples_dir / "BTCUSD_1h.csv").between(
        start, datetime(2013, 10, 3, 0, 1, tzinfo=UTC)
    )
    assert len(bars) == len(expected) == 25  # both ends inclusive, like Alpaca
    np.testing.assert_array_equal(bars.open, expected.open)


def test_a_wrong_secret_names_the_settings_never_the_secret(fake_alpaca: FakeAlpacaServer) -> None:
    with pytest.raises(AlpacaAuthError) as refused:
        fetch_bars(
            settings_for(fake_alpaca, "wrong-secret-123"),
            "SPY",
            Timeframe.D1,
            datetime(2020, 1, 1, tzinfo=UTC),
        )
    message = str(refused.value)
    assert "APCA_API_KEY_ID / APCA_API_SECRET_KEY" in message
    assert "wrong-secret-123" not in message
    assert "wrong-secret-123" not in repr(settings_for(fake_alpaca, "wrong-secret-123"))


def test_an_unreachable_server_is_a_clear_error_naming_it() -> None:
    gone = AlpacaSettings("k", "s", base_url="https://paper-api.example", data_url="http://127.0.0.1:9")
    with pytest.raises(AlpacaError, match=r"^Alpaca stock bars SPY: cannot reach http://127.0.0.1:9: "):
        fetch_bars(gone, "SPY", Timeframe.D1, datetime(2020, 1, 1, tzinfo=UTC))


def test_missing_keys_in_the_environment_name_the_variables() -> None:
    with pytest.raises(AlpacaError, match="set APCA_API_SECRET_KEY"):
        AlpacaSettings.from_env({"APCA_API_KEY_ID": "abc"})
    settings = AlpacaSettings.from_env(
        {"APCA_API_KEY_ID": "abc", "APCA_API_SECRET_KEY": "s3cr3t", "APCA_API_BASE_URL": "http://x/"}
    )
    assert settings.base_url == "http://x"
    assert "s3cr3t" not in repr(settings)
