"""Alpaca: market data and account reads through alpaca-py, and a fake Alpaca server for tests."""
