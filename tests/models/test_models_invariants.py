"""Hypothesis properties: whatever validates keeps the models' invariants; whatever breaks them is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from models_strategies import (
    SOURCE,
    amounts,
    instants,
    live_trading_configs,
    order_shapes,
    positions,
    signals,
)

from trader.errors import ModelError
from trader.models import (
    MarketBar,
    Order,
    OrderDecision,
    OrderStatus,
    OrderType,
    Quote,
    SignalDirection,
    TimeInForce,
    TradingMode,
    parse_model,
)

_BAR = {"symbol": "SPY", "timeframe": "1m", "timestamp": "2024-01-02T14:30:00Z", "volume": "100"}
_DECISION = {
    "client_order_id": "c-1",
    "side": "buy",
    "strategy_id": "sma_cross",
    "confidence": 0.5,
    "reason": "fast sma crossed above slow",
    "created_at": "2024-01-02T14:30:00Z",
}
maybe_amount = st.none() | amounts(1, 10**6, 2)
# Every property runs with deadline=None: a busy 2-core CI box must not turn slowness into failures.


def _validate_or_issues(model_cls: type[Any], data: dict[str, Any]) -> tuple[Any, set[str | None]]:
    try:
        return parse_model(model_cls, data, source=SOURCE), set()
    except ModelError as error:
        for issue in error.issues:
            assert "(got " in issue.render() or "(missing)" in issue.render()
        return None, {issue.field for issue in error.issues}


@settings(max_examples=150, deadline=None)
@given(prices=st.lists(amounts(1, 1000, 0), min_size=4, max_size=4))
def test_a_valid_bar_has_open_and_close_inside_low_high(prices: list[Decimal]) -> None:
    open_, high, low, close = prices
    bar, bad = _validate_or_issues(
        MarketBar, {**_BAR, "open": open_, "high": high, "low": low, "close": close}
    )
    event("valid" if bar else "refused")
    if bar is None:
        assert bad
        assert bad <= {"high", "open", "close"}
        assert not (low <= min(open_, close) and max(open_, close) <= high)
    else:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high


_SHAPE_FIELDS = ("qty", "notional", "limit_price", "stop_price", "trail_price", "trail_percent")


@st.composite
def near_valid_intents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid order shape with up to three random edits, so both outcomes are common."""
    shape = draw(order_shapes())
    for _ in range(draw(st.integers(0, 3))):
        field = draw(st.sampled_from(("order_type", "time_in_force", *_SHAPE_FIELDS)))
        if field == "order_type":
            shape[field] = draw(st.sampled_from(OrderType))
        elif field == "time_in_force":
            shape[field] = draw(st.sampled_from(TimeInForce))
        elif field == "trail_percent":
            shape[field] = draw(st.none() | amounts(1, 99, 0))
        else:
            shape[field] = draw(maybe_amount)
    return shape


@settings(max_examples=300, deadline=None)
@given(shape=near_valid_intents())
def test_a_decision_that_validates_obeys_the_order_type_rules(shape: dict[str, Any]) -> None:
    data = {key: value for key, value in {**_DECISION, **shape}.items() if value is not None}
    decision, bad = _validate_or_issues(OrderDecision, data)
    event("valid" if decision else "refused")
    if decision is None:
        assert bad
        assert bad <= {*_SHAPE_FIELDS, "time_in_force", "order_type"}
        return
    kind, tif = decision.order_type, decision.time_in_force
    assert (decision.qty is None) != (decision.notional is None)
    assert decision.notional is None or kind is OrderType.MARKET
    assert (decision.limit_price is not None) == (kind in (OrderType.LIMIT, OrderType.STOP_LIMIT))
    assert (decision.stop_price is not None) == (kind in (OrderType.STOP, OrderType.STOP_LIMIT))
    trails = (decision.trail_price is not None) + (decision.trail_percent is not None)
    assert trails == (1 if kind is OrderType.TRAILING_STOP else 0)
    if tif in (TimeInForce.OPG, TimeInForce.CLS):
        assert kind in (OrderType.MARKET, OrderType.LIMIT)
    if decision.is_crypto:
        assert tif in (TimeInForce.GTC, TimeInForce.IOC)
        assert kind in (OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT)


@settings(max_examples=200, deadline=None)
@given(
    status=st.sampled_from(OrderStatus),
    qty=amounts(1, 100, 0),
    filled=st.just(Decimal(0)) | amounts(1, 120, 0),
    avg=maybe_amount,
)
def test_an_order_that_validates_never_overfills(
    status: OrderStatus, qty: Decimal, filled: Decimal, avg: Decimal | None
) -> None:
    data = {
        "client_order_id": "c-1",
        "symbol": "SPY",
        "side": "sell",
        "order_type": "market",
        "time_in_force": "day",
        "qty": qty,
        "order_id": "o-1",
        "status": status,
        "filled_qty": filled,
        "filled_avg_price": avg,
        "submitted_at": "2024-01-02T14:30:00Z",
        "updated_at": "2024-01-02T14:31:00Z",
    }
    order, bad = _validate_or_issues(Order, data)
    event("valid" if order else "refused")
    if order is None:
        assert bad
        assert bad <= {"filled_qty", "filled_avg_price"}
        return
    assert 0 <= order.filled_qty <= order.qty
    assert (order.filled_avg_price is not None) == (order.filled_qty > 0)
    if status is OrderStatus.FILLED:
        assert order.filled_qty == order.qty
    if order.is_open:
        assert order.remaining_qty == order.qty - order.filled_qty


@settings(deadline=None)
@given(bid=amounts(1, 1000, 2), ask=amounts(1, 1000, 2))
def test_a_valid_quote_is_never_crossed(bid: Decimal, ask: Decimal) -> None:
    data = {"symbol": "btc/usd", "timestamp": "2024-01-02T14:30:00Z", "bid_size": 1, "ask_size": 2}
    quote, bad = _validate_or_issues(Quote, {**data, "bid_price": bid, "ask_price": ask})
    if quote is None:
        assert bad == {"ask_price"}
        assert ask < bid
    else:
        assert quote.symbol == "BTC/USD"
        assert quote.spread >= 0
        assert quote.bid_price <= quote.mid <= quote.ask_price


@settings(deadline=None)
@given(position=positions)
def test_position_values_follow_from_quantity_and_prices(position: Any) -> None:
    assert (position.market_value < 0) == position.is_short == (position.qty < 0)
    assert position.unrealized_pnl == position.market_value - position.cost_basis


@settings(deadline=None)
@given(signal=signals())
def test_signed_strength_carries_the_direction(signal: Any) -> None:
    assert -1 <= signal.signed_strength <= 1
    if signal.direction is SignalDirection.SHORT:
        assert signal.signed_strength <= 0
    elif signal.direction is SignalDirection.FLAT:
        assert signal.signed_strength == 0
    else:
        assert signal.signed_strength >= 0


@settings(deadline=None)
@given(config=live_trading_configs())
def test_config_limits_nest(config: Any) -> None:
    assert config.risk_per_trade_fraction <= config.max_daily_loss_fraction <= config.max_drawdown_fraction
    assert config.max_position_fraction <= config.max_gross_exposure_fraction
    assert 0 < config.deployed_capital <= config.starting_capital
    assert (config.scale_fraction is not None) == (config.mode is TradingMode.SCALED)
    assert config.review().ok


@settings(deadline=None)
@given(units=st.integers(1, 10**30), places=st.integers(0, 9))
def test_json_numbers_are_read_exactly(units: int, places: int) -> None:
    price = Decimal(units).scaleb(-places)
    tiny = "0.000000001"
    text = json.dumps({**_BAR, "open": tiny, "low": tiny, "close": tiny, "volume": 0}).replace(
        '"volume": 0', f'"volume": 0, "high": {price:f}'
    )
    assert parse_model(MarketBar, text, source=SOURCE).high == price


@settings(deadline=None)
@given(value=st.floats(min_value=1e-9, max_value=1e15))
def test_a_float_is_taken_only_when_it_denotes_one_short_decimal(value: float) -> None:
    data = {**_BAR, "open": 1e-9, "low": 1e-9, "close": 1e-9, "high": value}
    bar, bad = _validate_or_issues(MarketBar, data)
    literal = Decimal(repr(value))
    if bar is None:
        assert bad == {"high"}
        assert len(literal.normalize().as_tuple().digits) > 15 or literal.as_tuple().exponent < -9  # type: ignore[operator]
    else:
        assert bar.high == literal


@settings(deadline=None)
@given(moment=instants)
def test_timestamps_keep_the_instant_and_become_utc(moment: datetime) -> None:
    bar = MarketBar.model_validate({**_BAR, "timestamp": moment, "open": 1, "high": 1, "low": 1, "close": 1})
    # Compared as POSIX time: PEP 495 makes an ambiguous local time unequal to every other zone's instant.
    assert bar.timestamp.timestamp() == moment.timestamp()
    assert bar.timestamp.tzinfo is UTC
