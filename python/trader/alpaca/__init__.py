"""Alpaca: historical and live bars through alpaca-py, and a fake Alpaca server for tests."""
