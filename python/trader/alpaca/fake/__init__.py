"""A local fake of Alpaca's Trading API v2, market-data bars and trade_updates stream, for tests."""

from trader.alpaca.fake.server import DEFAULT_KEY_ID, DEFAULT_SECRET, FakeAlpacaServer, create_app
from trader.alpaca.fake.state import FakeBroker

__all__ = ["DEFAULT_KEY_ID", "DEFAULT_SECRET", "FakeAlpacaServer", "FakeBroker", "create_app"]
