"""parse_model: untrusted mappings and JSON text in, a model or one ModelError naming every bad field out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from trader.errors import FieldIssue, ModelError, TraderError
from trader.models import LiveTradingConfig, MarketBar, OrderDecision, Side, parse_model

DECISION: dict[str, Any] = {
    "client_order_id": "c-1",
    "symbol": "SPY",
    "side": "buy",
    "order_type": "limit",
    "time_in_force": "day",
    "qty": "10",
    "strategy_id": "sma_cross",
    "confidence": 0.8,
    "reason": "fast sma crossed above slow",
    "created_at": "2024-01-02T14:30:00Z",
}
BAR_JSON = """{
  "symbol": "spy", "timeframe": "1d", "timestamp": "2024-01-02T00:00:00+00:00",
  "open": 470.1, "high": 12345678901234567890.123456789, "low": 469.9, "close": 470.2, "volume": 1e3
}"""


def test_the_message_names_source_field_and_value() -> None:
    with pytest.raises(ModelError) as caught:
        parse_model(OrderDecision, DECISION, source="orders.json")
    assert str(caught.value) == "orders.json: field 'limit_price': required for a limit order (got None)"
    assert isinstance(caught.value, TraderError)
    assert caught.value.source == "orders.json"
    assert caught.value.issues == (FieldIssue("limit_price", "required for a limit order", None),)


def test_every_error_is_listed_with_source_field_and_value() -> None:
    data = {**DECISION, "qty": "-3", "side": "long", "confidence": 2, "reasn": "typo", "created_at": None}
    with pytest.raises(ModelError) as caught:
        parse_model(OrderDecision, data, source="orders.json:7")
    error = caught.value
    assert {issue.field for issue in error.issues} == {"qty", "side", "confidence", "reasn", "created_at"}
    parts = str(error).split("; ")
    assert len(parts) == len(error.issues)
    for part, issue in zip(parts, error.issues, strict=True):
        assert part.startswith(f"orders.json:7: field '{issue.field}': ")
        assert re.search(r"\(got .+\)$", part), part
    assert "field 'reasn': unknown field, did you mean 'reason'? (got 'typo')" in str(error)


def test_a_missing_field_says_missing() -> None:
    data = {key: value for key, value in DECISION.items() if key != "side"}
    with pytest.raises(ModelError, match=r"x: field 'side': required field \(missing\)"):
        parse_model(OrderDecision, {**data, "limit_price": "1"}, source="x")


def test_json_numbers_become_exact_decimals() -> None:
    bar = parse_model(MarketBar, BAR_JSON, source="bar.json")
    assert bar.high == Decimal("12345678901234567890.123456789")
    assert bar.open == Decimal("470.1")
    assert bar.volume == Decimal(1000)
    assert bar.symbol == "SPY"
    assert parse_model(MarketBar, BAR_JSON.encode(), source="bar.json") == bar


def test_too_fine_a_json_number_is_refused_exactly_as_written() -> None:
    with pytest.raises(ModelError, match=r"field 'low': .*9 decimal places \(got 0.30000000000000004\)"):
        parse_model(MarketBar, BAR_JSON.replace("469.9", "0.30000000000000004"), source="bar.json")


def test_json_nan_is_refused_for_money() -> None:
    with pytest.raises(ModelError, match=r"bar.json: field 'close': .*finite.* \(got nan\)"):
        parse_model(MarketBar, BAR_JSON.replace("470.2", "NaN"), source="bar.json")


def test_a_repeated_json_key_is_an_error_not_last_wins() -> None:
    text = BAR_JSON.replace('"close": 470.2', '"close": 470.2, "close": 470.3')
    with pytest.raises(ModelError, match=r"^bar.json: field 'close': key appears twice .* \(got 470.3\)$"):
        parse_model(MarketBar, text, source="bar.json")


def test_broken_json_is_located_by_line_and_column() -> None:
    with pytest.raises(ModelError) as caught:
        parse_model(MarketBar, BAR_JSON.replace('"1d",', '"1d"'), source="bar.json")
    assert (
        str(caught.value)
        == "bar.json:2:38: invalid JSON: Expecting ',' delimiter (got '\"timestamp\": \"2024-0')"
    )
    with pytest.raises(ModelError, match=r"^bar.json:1:2: invalid JSON: .* \(got 'end of input'\)$"):
        parse_model(MarketBar, "{", source="bar.json")


def test_a_record_that_is_not_an_object_is_named() -> None:
    with pytest.raises(
        ModelError, match=r"^rows.json: Input should be a valid dictionary .* \(got \[1, 2\]\)$"
    ):
        parse_model(MarketBar, "[1, 2]", source="rows.json")


def test_list_positions_are_part_of_the_field_path() -> None:
    config = {"mode": "paper", "symbols": ["SPY", "BTC USD"]}
    with pytest.raises(ModelError, match=r"cfg.json: field 'symbols\[1\]': not a symbol.* \(got 'BTC USD'\)"):
        parse_model(LiveTradingConfig, config, source="cfg.json")


def test_values_are_shown_as_written_and_kept_short() -> None:
    assert FieldIssue("qty", "bad", Decimal("1.50")).render() == "field 'qty': bad (got 1.50)"
    assert FieldIssue("qty", "bad", Decimal("1E-7")).render() == "field 'qty': bad (got 0.0000001)"
    assert FieldIssue("side", "bad", Side.BUY).render() == "field 'side': bad (got 'buy')"
    moment = datetime(2024, 1, 2, tzinfo=UTC)
    assert FieldIssue("t", "bad", moment).render() == "field 't': bad (got '2024-01-02T00:00:00+00:00')"
    long = FieldIssue("reason", "bad", "x" * 500).render()
    assert long.endswith("...)")
    assert len(long) < 120


def test_a_valid_model_passes_through_unchanged() -> None:
    bar = parse_model(MarketBar, BAR_JSON, source="bar.json")
    assert parse_model(MarketBar, bar, source="memory") is bar
    assert parse_model(MarketBar, bar.model_dump(), source="memory") == bar
