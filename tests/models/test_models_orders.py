"""Order intents, venue orders and fills: Alpaca's order-type rules and fill bookkeeping, refused by field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from models_strategies import expect_rejected
from pydantic import ValidationError

from trader.models import Fill, Order, OrderDecision, OrderStatus, OrderType, TimeInForce

DECISION: dict[str, Any] = {
    "client_order_id": "sma_cross-SPY-20240102T1430",
    "symbol": "SPY",
    "side": "buy",
    "order_type": "market",
    "time_in_force": "day",
    "qty": "10",
    "strategy_id": "sma_cross",
    "confidence": 0.8,
    "reason": "fast sma crossed above slow",
    "created_at": "2024-01-02T14:30:00Z",
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"qty": None, "notional": "250.50"},
        {"order_type": "limit", "limit_price": "470.10", "time_in_force": "opg"},
        {"order_type": "stop", "stop_price": "460"},
        {"order_type": "stop_limit", "stop_price": "460", "limit_price": "459.50", "time_in_force": "gtc"},
        {"order_type": "trailing_stop", "trail_percent": "1.5"},
        {"order_type": "trailing_stop", "trail_price": "2.25", "side": "sell"},
        {"market": None, "time_in_force": "cls"},
        {"symbol": "btc/usd", "time_in_force": "gtc", "qty": "0.000000001"},
        {
            "symbol": "ETH/BTC",
            "order_type": "stop_limit",
            "stop_price": "0.05",
            "limit_price": "0.049",
            "time_in_force": "ioc",
        },
        {"client_order_id": "x" * 128},
    ],
)
def test_valid_intents_of_every_type_are_accepted(change: dict[str, Any]) -> None:
    data = {key: value for key, value in {**DECISION, **change}.items() if value is not None}
    decision = OrderDecision.model_validate(data)
    assert decision.order_type == data["order_type"]
    assert decision.symbol == data["symbol"].upper()


def test_the_brief_example_message() -> None:
    issue = expect_rejected(
        OrderDecision, {**DECISION, "order_type": "limit"}, field="limit_price", got="None"
    )
    assert issue.render() == "field 'limit_price': required for a limit order (got None)"


@pytest.mark.parametrize(
    ("change", "field", "got", "says"),
    [
        (
            {"order_type": "stop_limit", "stop_price": "460"},
            "limit_price",
            "None",
            "required for a stop_limit",
        ),
        ({"limit_price": "470"}, "limit_price", "470", "not allowed for a market"),
        (
            {"order_type": "stop", "stop_price": "1", "limit_price": "2"},
            "limit_price",
            "2",
            "not allowed for a stop",
        ),
        ({"order_type": "stop"}, "stop_price", "None", "required for a stop order"),
        (
            {"order_type": "limit", "limit_price": "1", "stop_price": "2"},
            "stop_price",
            "2",
            "not allowed for a limit",
        ),
        ({"order_type": "trailing_stop"}, "trail_price", "None", "neither given"),
        (
            {"order_type": "trailing_stop", "trail_price": "1", "trail_percent": "2"},
            "trail_percent",
            "2",
            "not both",
        ),
        ({"order_type": "trailing_stop", "trail_percent": "100"}, "trail_percent", "'100'", "less than 100"),
        ({"trail_price": "1"}, "trail_price", "1", "not allowed for a market"),
        ({"notional": "100"}, "notional", "100", "exactly one of qty or notional"),
        ({"qty": None}, "qty", "None", "neither given"),
        (
            {"qty": None, "notional": "100", "order_type": "limit", "limit_price": "1"},
            "notional",
            "100",
            "only market orders",
        ),
        ({"qty": "0"}, "qty", "'0'", "greater than 0"),
        ({"qty": -5}, "qty", "-5", "greater than 0"),
        ({"qty": 0.1 + 0.2}, "qty", "0.30000000000000004", "not an exact amount"),
        (
            {"order_type": "stop", "stop_price": "1", "time_in_force": "opg"},
            "time_in_force",
            "'opg'",
            "not stop",
        ),
        (
            {"order_type": "trailing_stop", "trail_price": "1", "time_in_force": "cls"},
            "time_in_force",
            "'cls'",
            "",
        ),
        ({"symbol": "BTC/USD"}, "time_in_force", "'day'", "crypto orders take gtc or ioc"),
        (
            {"symbol": "BTC/USD", "time_in_force": "gtc", "order_type": "stop", "stop_price": "1"},
            "order_type",
            "'stop'",
            "crypto orders are",
        ),
        ({"time_in_force": "gtd"}, "time_in_force", "'gtd'", "'day', 'gtc'"),
        ({"order_type": "limit_on_close"}, "order_type", "'limit_on_close'", "'market'"),
        ({"side": "long"}, "side", "'long'", "'buy' or 'sell'"),
        ({"confidence": 1.01}, "confidence", "1.01", "less than or equal to 1"),
        ({"confidence": float("nan")}, "confidence", "nan", "finite"),
        ({"client_order_id": ""}, "client_order_id", "''", "at least 1"),
        ({"client_order_id": "x" * 129}, "client_order_id", "'" + "x" * 76 + "...", "at most 128"),
        ({"client_order_id": "ordé-1"}, "client_order_id", "'ordé-1'", "printable ASCII"),
        ({"client_order_id": "a\nb"}, "client_order_id", "'a\\nb'", "printable ASCII"),
        ({"client_order_id": " a"}, "client_order_id", "' a'", "leading or trailing"),
        ({"reason": ""}, "reason", "''", "blank"),
        ({"created_at": "2024-01-02T14:30:00"}, "created_at", "'2024-01-02T14:30:00'", "timezone"),
        ({"limit": "470"}, "limit", "'470'", "did you mean 'limit_price'"),
    ],
)
def test_a_bad_intent_is_refused_naming_field_and_value(
    change: dict[str, Any], field: str, got: str, says: str
) -> None:
    data = {key: value for key, value in {**DECISION, **change}.items() if value is not None}
    issue = expect_rejected(OrderDecision, data, field=field, got=got)
    assert says in issue.problem


def test_every_broken_rule_is_reported_at_once() -> None:
    data = {**DECISION, "order_type": "stop_limit", "time_in_force": "opg", "notional": "5"}
    fields = {
        "notional",
        "limit_price",
        "stop_price",
        "time_in_force",
    }
    with pytest.raises(ValidationError) as caught:
        OrderDecision.model_validate(data)
    assert {error["loc"][0] for error in caught.value.errors()} == fields


ORDER: dict[str, Any] = {
    "client_order_id": "c-1",
    "symbol": "SPY",
    "side": "buy",
    "order_type": "limit",
    "time_in_force": "day",
    "qty": "10",
    "limit_price": "470",
    "order_id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
    "status": "partially_filled",
    "filled_qty": "4",
    "filled_avg_price": "469.95",
    "submitted_at": "2024-01-02T14:30:00Z",
    "updated_at": "2024-01-02T14:30:05Z",
}


def test_an_open_order_knows_what_remains() -> None:
    order = Order.model_validate(ORDER)
    assert order.is_open
    assert order.remaining_qty == Decimal(6)
    done = Order.model_validate({**ORDER, "status": "canceled"})
    assert not done.is_open
    assert done.remaining_qty == 0


def test_a_notional_order_fills_by_value() -> None:
    data = {
        **ORDER,
        "order_type": "market",
        "limit_price": None,
        "qty": None,
        "notional": "1000",
        "status": "filled",
    }
    order = Order.model_validate({k: v for k, v in data.items() if v is not None})
    assert order.remaining_qty is None
    assert order.status is OrderStatus.FILLED


@pytest.mark.parametrize(
    ("change", "field", "got", "says"),
    [
        ({"filled_qty": "11", "status": "canceled"}, "filled_qty", "11", "exceeds qty 10"),
        ({"filled_avg_price": None}, "filled_avg_price", "None", "required once filled_qty is 4"),
        ({"filled_qty": "0", "status": "new"}, "filled_avg_price", "469.95", "nothing is filled"),
        ({"status": "filled"}, "filled_qty", "4", "equal to qty"),
        ({"filled_qty": "10"}, "filled_qty", "10", "0 < filled_qty < qty"),
        ({"status": "accepted"}, "filled_qty", "4", "a accepted order has no fills"),
        ({"status": "rejected"}, "filled_qty", "4", "no fills"),
        ({"status": "pending"}, "status", "'pending'", "'new'"),
        (
            {"updated_at": "2024-01-02T14:29:59Z"},
            "updated_at",
            "'2024-01-02T14:29:59+00:00'",
            "before submitted_at",
        ),
        ({"order_type": "market"}, "limit_price", "470", "not allowed for a market"),
        ({"filled_qty": "-1"}, "filled_qty", "'-1'", "greater than or equal to 0"),
    ],
)
def test_an_inconsistent_order_is_refused(change: dict[str, Any], field: str, got: str, says: str) -> None:
    data = {key: value for key, value in {**ORDER, **change}.items() if value is not None}
    issue = expect_rejected(Order, data, field=field, got=got)
    assert says in issue.problem


FILL: dict[str, Any] = {
    "fill_id": "f-1",
    "order_id": "o-1",
    "client_order_id": "c-1",
    "symbol": "BTC/USD",
    "side": "buy",
    "qty": "0.015",
    "price": "42000.5",
    "fee": "0.94501125",
    "fee_currency": "usd",
    "timestamp": "2024-01-02T14:30:00Z",
}


def test_a_fill_knows_its_gross_value() -> None:
    fill = Fill.model_validate(FILL)
    assert fill.gross == Decimal("630.0075")
    assert fill.fee_currency == "USD"


@pytest.mark.parametrize(
    ("change", "field", "got"),
    [
        ({"price": "0"}, "price", "'0'"),
        ({"qty": "-0.015"}, "qty", "'-0.015'"),
        ({"fee": "-0.01"}, "fee", "'-0.01'"),
        ({"fee_currency": "US Dollar"}, "fee_currency", "'US Dollar'"),
        ({"fee_currency": None}, "fee_currency", "None"),
    ],
)
def test_a_bad_fill_is_refused(change: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(Fill, {**FILL, **change}, field=field, got=got)


def test_enums_spell_alpaca_values() -> None:
    assert [t.value for t in OrderType] == ["market", "limit", "stop", "stop_limit", "trailing_stop"]
    assert [t.value for t in TimeInForce] == ["day", "gtc", "ioc", "fok", "opg", "cls"]
    assert len(OrderStatus) == 8
