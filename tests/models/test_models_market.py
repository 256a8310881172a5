"""Market data and signal models: what they accept, how they normalise, and what they refuse (and say)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from models_strategies import expect_rejected
from pydantic import ValidationError

from trader.models import (
    IndicatorSnapshot,
    MarketBar,
    PatternHit,
    Quote,
    Signal,
    SignalDirection,
    Timeframe,
    Trade,
)

BAR: dict[str, Any] = {
    "symbol": "SPY",
    "timeframe": "1m",
    "timestamp": "2024-01-02T14:30:00Z",
    "open": "470.10",
    "high": "470.50",
    "low": "469.90",
    "close": "470.20",
    "volume": "1200",
}


def test_a_bar_normalises_symbol_and_time_and_keeps_exact_prices() -> None:
    bar = MarketBar.model_validate(
        {**BAR, "symbol": " brk.b ", "timestamp": "2024-01-02T09:30:00-05:00", "open": 470.1, "volume": 7}
    )
    assert bar.symbol == "BRK.B"
    assert bar.timestamp == datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
    assert bar.timestamp.tzinfo is UTC
    assert bar.open == Decimal("470.1")
    assert bar.volume == Decimal(7)
    assert bar.close_time == datetime(2024, 1, 2, 14, 31, tzinfo=UTC)


def test_crypto_pairs_are_symbols() -> None:
    assert MarketBar.model_validate({**BAR, "symbol": "btc/usd"}).symbol == "BTC/USD"


@pytest.mark.parametrize(
    ("change", "field", "got"),
    [
        ({"high": "469.80"}, "high", "469.80"),  # high below low
        ({"open": "471"}, "open", "471"),  # open above high
        ({"close": "469.00"}, "close", "469.00"),  # close below low
        ({"volume": "-1"}, "volume", "'-1'"),
        ({"low": "0"}, "low", "'0'"),
        ({"open": "-470.10"}, "open", "'-470.10'"),
        ({"timeframe": "2m"}, "timeframe", "'2m'"),
        ({"timestamp": "2024-01-02T14:30:00"}, "timestamp", "'2024-01-02T14:30:00'"),
        ({"timestamp": datetime(2024, 1, 2, 14, 30)}, "timestamp", "'2024-01-02T14:30:00'"),
        ({"timestamp": 1704205800}, "timestamp", "1704205800"),  # seconds or ms? refused, not guessed
        ({"timestamp": "yesterday"}, "timestamp", "'yesterday'"),
        ({"close": "NaN"}, "close", "'NaN'"),
        ({"close": "Infinity"}, "close", "'Infinity'"),
        ({"close": float("nan")}, "close", "nan"),
        ({"close": 0.1 + 470.1}, "close", "470.20000000000005"),  # binary residue, not an amount
        ({"close": "470.1234567891"}, "close", "'470.1234567891'"),  # finer than the gateway's 1e-9
        ({"close": True}, "close", "True"),
        ({"close": "abc"}, "close", "'abc'"),
        ({"symbol": ""}, "symbol", "''"),
        ({"symbol": "S P Y"}, "symbol", "'S P Y'"),
        ({"symbol": "BTC/"}, "symbol", "'BTC/'"),
        ({"symbol": 42}, "symbol", "42"),
        ({"trade_count": -1}, "trade_count", "-1"),
        ({"trade_count": 1.5}, "trade_count", "1.5"),
        ({"vwap": "0"}, "vwap", "'0'"),
        ({"volumne": "3"}, "volumne", "'3'"),  # a typo is an error, not ignored
    ],
)
def test_a_bad_bar_is_refused_naming_field_and_value(change: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(MarketBar, {**BAR, **change}, field=field, got=got)


def test_the_messages_say_what_is_wrong() -> None:
    assert (
        "below low 469.90"
        in expect_rejected(MarketBar, {**BAR, "high": "469.8"}, field="high", got="469.8").problem
    )
    typo = expect_rejected(MarketBar, {**BAR, "volumne": 3}, field="volumne", got="3")
    assert "did you mean 'volume'" in typo.problem
    naive = expect_rejected(
        MarketBar, {**BAR, "timestamp": "2024-01-02 14:30"}, field="timestamp", got="'2024-01-02 14:30'"
    )
    assert "timezone" in naive.problem
    inexact = expect_rejected(
        MarketBar, {**BAR, "close": 470.1 + 0.1}, field="close", got="470.20000000000005"
    )
    assert "not an exact amount" in inexact.problem


def test_models_are_frozen() -> None:
    bar = MarketBar.model_validate(BAR)
    with pytest.raises(ValidationError, match="frozen"):
        bar.close = Decimal(1)  # type: ignore[misc]


def test_timeframe_keeps_its_lengths() -> None:
    assert [tf.value for tf in Timeframe] == ["1m", "5m", "15m", "1h", "4h", "1d"]
    assert Timeframe("4h").seconds == 14_400
    assert Timeframe.D1.nanos == 86_400 * 10**9


TRADE: dict[str, Any] = {
    "symbol": "XRP/ETH",
    "timestamp": "2024-01-02T14:30:00.123456Z",
    "price": "0.00031",
    "size": "12",
}


def test_a_trade_keeps_microseconds() -> None:
    trade = Trade.model_validate({**TRADE, "taker_side": "sell", "venue": "binance"})
    assert trade.timestamp.microsecond == 123456
    assert trade.taker_side == "sell"


@pytest.mark.parametrize(
    ("change", "field", "got"),
    [
        ({"size": "0"}, "size", "'0'"),
        ({"price": "-1"}, "price", "'-1'"),
        ({"taker_side": "long"}, "taker_side", "'long'"),
    ],
)
def test_a_bad_trade_is_refused(change: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(Trade, {**TRADE, **change}, field=field, got=got)


QUOTE: dict[str, Any] = {
    "symbol": "SPY",
    "timestamp": "2024-01-02T14:30:00Z",
    "bid_price": "470.10",
    "bid_size": "3",
    "ask_price": "470.12",
    "ask_size": "5",
}


def test_a_quote_has_a_mid_and_spread() -> None:
    quote = Quote.model_validate(QUOTE)
    assert quote.mid == Decimal("470.11")
    assert quote.spread == Decimal("0.02")
    assert Quote.model_validate({**QUOTE, "ask_price": "470.10"}).spread == 0  # locked is fine


def test_a_crossed_quote_is_refused() -> None:
    issue = expect_rejected(Quote, {**QUOTE, "ask_price": "470.00"}, field="ask_price", got="470.00")
    assert "below bid_price 470.10" in issue.problem


SNAPSHOT: dict[str, Any] = {
    "symbol": "SPY",
    "timeframe": "1h",
    "timestamp": "2024-01-02T14:00:00Z",
    "values": {"sma_20": 470.5, "rsi_14": float("nan")},
}


def test_an_indicator_snapshot_allows_nan_while_warming_up() -> None:
    snapshot = IndicatorSnapshot.model_validate(SNAPSHOT)
    assert snapshot.is_warm("sma_20")
    assert not snapshot.is_warm("rsi_14")
    text = snapshot.model_dump_json()
    assert '"rsi_14":"NaN"' in text
    assert math.isnan(IndicatorSnapshot.model_validate_json(text).values["rsi_14"])


@pytest.mark.parametrize(
    ("values", "field", "got"),
    [
        ({"sma_20": float("inf")}, "values.sma_20", "inf"),
        ({"sma_20": "high"}, "values.sma_20", "'high'"),
        ({"bad name": 1.0}, "values", "'bad name'"),
        ({}, "values", "{}"),
    ],
)
def test_a_bad_indicator_snapshot_is_refused(values: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(IndicatorSnapshot, {**SNAPSHOT, "values": values}, field=field, got=got)


HIT: dict[str, Any] = {
    "symbol": "SPY",
    "timeframe": "1d",
    "pattern": "bullish_engulfing",
    "start": "2024-01-02T14:30:00Z",
    "end": "2024-01-03T14:30:00Z",
    "direction": "long",
    "confidence": 0.7,
}


def test_a_pattern_hit_spans_start_to_end() -> None:
    hit = PatternHit.model_validate(HIT)
    assert hit.end - hit.start == timedelta(days=1)
    assert hit.direction is SignalDirection.LONG


@pytest.mark.parametrize(
    ("change", "field", "got"),
    [
        ({"end": "2024-01-01T14:30:00Z"}, "end", "'2024-01-01T14:30:00+00:00'"),
        ({"confidence": 1.2}, "confidence", "1.2"),
        ({"confidence": -0.1}, "confidence", "-0.1"),
        ({"confidence": True}, "confidence", "True"),
        ({"direction": "up"}, "direction", "'up'"),
    ],
)
def test_a_bad_pattern_hit_is_refused(change: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(PatternHit, {**HIT, **change}, field=field, got=got)


SIGNAL: dict[str, Any] = {
    "symbol": "SPY",
    "timestamp": "2024-01-02T14:30:00Z",
    "strategy_id": "sma_cross",
    "direction": "short",
    "strength": 0.4,
    "reason": "fast sma crossed below slow",
}


def test_a_short_signal_has_negative_signed_strength() -> None:
    assert Signal.model_validate(SIGNAL).signed_strength == -0.4
    assert Signal.model_validate({**SIGNAL, "direction": "flat", "strength": 0}).signed_strength == 0


@pytest.mark.parametrize(
    ("change", "field", "got"),
    [
        ({"direction": "flat"}, "strength", "0.4"),
        ({"strength": 1.5}, "strength", "1.5"),
        ({"strength": float("nan")}, "strength", "nan"),
        ({"reason": "   "}, "reason", "'   '"),
        ({"strategy_id": "my strategy"}, "strategy_id", "'my strategy'"),
    ],
)
def test_a_bad_signal_is_refused(change: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(Signal, {**SIGNAL, **change}, field=field, got=got)


def test_indicator_values_cannot_be_changed_through_the_frozen_model() -> None:
    snapshot = IndicatorSnapshot.model_validate(SNAPSHOT)
    with pytest.raises(TypeError):
        snapshot.values["sma_20"] = 0.0  # type: ignore[index]
    assert snapshot.values["sma_20"] == 470.5


@pytest.mark.parametrize(
    ("written", "stored", "json_text"),
    [
        ("1E+3", "1000", '"1000"'),
        (1e3, "1000.0", '"1000.0"'),
        ("470.10", "470.10", '"470.10"'),
        ("-0", "0", '"0"'),
        ("0.000000100", "1.00E-7", '"0.000000100"'),
    ],
)
def test_amounts_have_one_plain_spelling(written: object, stored: str, json_text: str) -> None:
    bar = MarketBar.model_validate({**BAR, "volume": written})
    assert str(bar.volume) == stored
    assert f'"volume":{json_text}' in bar.model_dump_json()
