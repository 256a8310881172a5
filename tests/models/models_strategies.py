"""Hypothesis strategies that build valid instances of every domain model, plus a rejection helper."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import strategies as st

from trader.errors import FieldIssue, ModelError
from trader.models import (
    AccountSnapshot,
    EmergencyKind,
    EmergencyTrigger,
    Fill,
    IndicatorSnapshot,
    LiveTradingConfig,
    MarketBar,
    Order,
    OrderDecision,
    OrderStatus,
    OrderType,
    PatternHit,
    Position,
    Quote,
    Side,
    Signal,
    SignalDirection,
    Timeframe,
    TimeInForce,
    Trade,
    TradingMode,
    ValidationResult,
    parse_model,
)

SOURCE = "test.json"


def expect_rejected(model_cls: type[Any], data: object, *, field: str | None, got: str) -> FieldIssue:
    """Assert `data` is refused with an issue at `field` whose message shows `(got <got>)`."""
    with pytest.raises(ModelError) as caught:
        parse_model(model_cls, data, source=SOURCE)
    error = caught.value
    matching = [issue for issue in error.issues if issue.field == field]
    assert matching, f"no issue at {field!r} in: {error}"
    rendered = f"{SOURCE}: {matching[0].render()}"
    assert rendered in str(error)
    if field is not None:
        assert f"field {field!r}: " in rendered
    assert rendered.endswith(f"(got {got})"), rendered
    return matching[0]


# --- building blocks ---------------------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])
# Aware datetimes add wall-clock time in their own zone (an hour vanishes at a DST change), so later instants
# are made by adding in UTC.
instants = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=ZONES | st.just(ZoneInfo("America/New_York")),
)
equity_symbols = st.from_regex(r"[A-Z]{1,5}(\.[A-Z])?", fullmatch=True)
crypto_symbols = st.from_regex(r"[A-Z]{2,5}/(USD|USDT|BTC)", fullmatch=True)
symbols = equity_symbols | crypto_symbols
names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
texts = st.text(min_size=1, max_size=40).filter(str.strip)
client_order_ids = st.text(alphabet=string.printable[:95], min_size=1, max_size=128).filter(
    lambda s: s == s.strip()
)
unit_floats = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def amounts(draw: st.DrawFn, low: int = 1, high: int = 10**15, max_places: int = 9) -> Decimal:
    """A positive exact decimal with at most `max_places` fractional digits."""
    return Decimal(draw(st.integers(low, high))).scaleb(-draw(st.integers(0, max_places)))


def fractions() -> st.SearchStrategy[Decimal]:
    """A fraction in (0, 1] with at most 9 places."""
    return st.integers(1, 10**9).map(lambda n: Decimal(n).scaleb(-9).normalize())


def sorted_draws(draw: st.DrawFn, strategy: st.SearchStrategy[Decimal], count: int) -> list[Decimal]:
    return sorted(draw(strategy) for _ in range(count))


# --- market data and signals -------------------------------------------------------------------------------


@st.composite
def market_bars(draw: st.DrawFn) -> MarketBar:
    low, a, b, high = sorted_draws(draw, amounts(), 4)
    open_, close = draw(st.permutations([a, b]))
    return MarketBar(
        symbol=draw(symbols),
        timeframe=draw(st.sampled_from(Timeframe)),
        timestamp=draw(instants),
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=draw(st.just(Decimal(0)) | amounts()),
        vwap=draw(st.none() | amounts()),
        trade_count=draw(st.none() | st.integers(0, 10**9)),
    )


trades = st.builds(
    Trade,
    symbol=symbols,
    timestamp=instants,
    price=amounts(),
    size=amounts(),
    taker_side=st.none() | st.sampled_from(Side),
    venue=st.none() | names,
    trade_id=st.none() | names,
)


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    bid, ask = sorted_draws(draw, amounts(), 2)
    return Quote(
        symbol=draw(symbols),
        timestamp=draw(instants),
        bid_price=bid,
        bid_size=draw(amounts()),
        ask_price=ask,
        ask_size=draw(amounts()),
    )


indicator_snapshots = st.builds(
    IndicatorSnapshot,
    symbol=symbols,
    timeframe=st.sampled_from(Timeframe),
    timestamp=instants,
    values=st.dictionaries(names, st.floats(allow_infinity=False), min_size=1, max_size=5),
)


@st.composite
def pattern_hits(draw: st.DrawFn) -> PatternHit:
    start = draw(instants)
    return PatternHit(
        symbol=draw(symbols),
        timeframe=draw(st.sampled_from(Timeframe)),
        pattern=draw(names),
        start=start,
        end=start.astimezone(UTC) + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))),
        direction=draw(st.sampled_from(SignalDirection)),
        confidence=draw(unit_floats),
    )


@st.composite
def signals(draw: st.DrawFn) -> Signal:
    direction = draw(st.sampled_from(SignalDirection))
    return Signal(
        symbol=draw(symbols),
        timestamp=draw(instants),
        strategy_id=draw(names),
        direction=direction,
        strength=0.0 if direction is SignalDirection.FLAT else draw(unit_floats),
        reason=draw(texts),
    )


# --- orders ------------------------------------------------------------------------------------------------

_EQUITY_TIFS = {
    OrderType.MARKET: list(TimeInForce),
    OrderType.LIMIT: list(TimeInForce),
    OrderType.STOP: [TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK],
    OrderType.STOP_LIMIT: [TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK],
    OrderType.TRAILING_STOP: [TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK],
}
_CRYPTO_TYPES = [OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT]


@st.composite
def order_shapes(draw: st.DrawFn, *, qty_only: bool = False) -> dict[str, Any]:
    """Keyword arguments of an order shape that obeys every order-type rule."""
    crypto = draw(st.booleans())
    symbol = draw(crypto_symbols if crypto else equity_symbols)
    kind = draw(st.sampled_from(_CRYPTO_TYPES if crypto else list(OrderType)))
    tifs = [TimeInForce.GTC, TimeInForce.IOC] if crypto else _EQUITY_TIFS[kind]
    by_notional = kind is OrderType.MARKET and not qty_only and draw(st.booleans())
    shape: dict[str, Any] = {
        "client_order_id": draw(client_order_ids),
        "symbol": symbol,
        "side": draw(st.sampled_from(Side)),
        "order_type": kind,
        "time_in_force": draw(st.sampled_from(tifs)),
        "qty": None if by_notional else draw(amounts()),
        "notional": draw(amounts()) if by_notional else None,
    }
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        shape["limit_price"] = draw(amounts())
    if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
        shape["stop_price"] = draw(amounts())
    if kind is OrderType.TRAILING_STOP:
        if draw(st.booleans()):
            shape["trail_price"] = draw(amounts())
        else:
            shape["trail_percent"] = draw(amounts(1, 99_999, 3).filter(lambda p: p < 100))
    return shape


@st.composite
def order_decisions(draw: st.DrawFn) -> OrderDecision:
    return OrderDecision(
        **draw(order_shapes()),
        strategy_id=draw(names),
        confidence=draw(unit_floats),
        reason=draw(texts),
        created_at=draw(instants),
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    shape = draw(order_shapes())
    status = draw(st.sampled_from(OrderStatus))
    qty: Decimal | None = shape["qty"]
    if status in (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.REJECTED):
        filled = Decimal(0)
    elif qty is None:
        filled = (
            draw(amounts()) if status in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED) else Decimal(0)
        )
    elif status is OrderStatus.FILLED:
        filled = qty
    else:
        units = int(qty.scaleb(9))
        low = 1 if status is OrderStatus.PARTIALLY_FILLED else 0
        high = units - 1 if status is OrderStatus.PARTIALLY_FILLED else units
        if high < low:  # a 1e-9 order cannot be partly filled: make it bigger
            qty = shape["qty"] = qty + 1
            high = int(qty.scaleb(9)) - 1
        filled = Decimal(draw(st.integers(low, high))).scaleb(-9).normalize()
    submitted = draw(instants)
    return Order(
        **shape,
        order_id=draw(names),
        status=status,
        filled_qty=filled,
        filled_avg_price=draw(amounts()) if filled > 0 else None,
        submitted_at=submitted,
        updated_at=submitted.astimezone(UTC)
        + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5))),
    )


fills = st.builds(
    Fill,
    fill_id=names,
    order_id=names,
    client_order_id=client_order_ids,
    symbol=symbols,
    side=st.sampled_from(Side),
    qty=amounts(),
    price=amounts(),
    fee=st.just(Decimal(0)) | amounts(),
    fee_currency=st.sampled_from(["USD", "BTC", "USDT"]),
    timestamp=instants,
)


# --- account and config ------------------------------------------------------------------------------------

positions = st.builds(
    Position,
    symbol=symbols,
    qty=st.builds(lambda q, short: -q if short else q, amounts(), st.booleans()),
    avg_entry_price=amounts(),
    current_price=amounts(),
    as_of=instants,
)


@st.composite
def account_snapshots(draw: st.DrawFn) -> AccountSnapshot:
    cash = draw(amounts()) * draw(st.sampled_from([1, -1]))
    long_value = draw(st.just(Decimal(0)) | amounts())
    short_value = -draw(st.just(Decimal(0)) | amounts())
    rounding = Decimal(draw(st.integers(-10, 10))).scaleb(-3)  # a venue's sub-cent rounding
    return AccountSnapshot(
        account_id=draw(names),
        as_of=draw(instants),
        currency="USD",
        cash=cash,
        equity=cash + long_value + short_value + rounding,
        buying_power=draw(st.just(Decimal(0)) | amounts()),
        long_market_value=long_value,
        short_market_value=short_value,
        maintenance_margin=draw(st.just(Decimal(0)) | amounts()),
        daytrade_count=draw(st.integers(0, 10)),
        pattern_day_trader=draw(st.booleans()),
        trading_blocked=draw(st.booleans()),
    )


@st.composite
def live_trading_configs(draw: st.DrawFn) -> LiveTradingConfig:
    mode = draw(st.sampled_from(TradingMode))
    risk, daily, drawdown = sorted_draws(draw, fractions(), 3)
    position, gross = sorted_draws(draw, fractions(), 2)
    order_cap, capital = sorted_draws(draw, amounts(), 2)
    return LiveTradingConfig(
        mode=mode,
        symbols=tuple(draw(st.lists(symbols, min_size=1, max_size=5, unique=True))),
        starting_capital=capital,
        scale_fraction=draw(fractions()) if mode is TradingMode.SCALED else None,
        max_order_notional=order_cap,
        max_position_fraction=position,
        max_gross_exposure_fraction=gross,
        risk_per_trade_fraction=risk,
        max_daily_loss_fraction=daily,
        max_drawdown_fraction=drawdown,
        max_open_positions=draw(st.integers(1, 100)),
        max_orders_per_day=draw(st.integers(1, 10_000)),
        max_consecutive_losses=draw(st.integers(1, 50)),
        stale_data_seconds=draw(st.integers(1, 3_600)),
    )


@st.composite
def emergency_triggers(draw: st.DrawFn) -> EmergencyTrigger:
    kind = draw(st.sampled_from(EmergencyKind))
    common: dict[str, Any] = {"kind": kind, "tripped_at": draw(instants), "detail": draw(texts)}
    if kind is EmergencyKind.MANUAL:
        return EmergencyTrigger(**common, actor=draw(names), symbol=draw(st.none() | symbols))
    if kind is EmergencyKind.CONSECUTIVE_LOSSES:
        threshold = Decimal(draw(st.integers(1, 50)))
        observed = threshold + draw(st.integers(0, 5))
    elif kind is EmergencyKind.STALE_DATA:
        threshold = draw(amounts(1, 10**6, 3))
        observed = threshold + draw(st.just(Decimal(0)) | amounts(1, 10**6, 3))
    else:
        threshold, observed = sorted_draws(draw, fractions(), 2)
    symbol = draw(symbols) if kind is EmergencyKind.ASSET_MOVE else draw(st.none() | symbols)
    return EmergencyTrigger(**common, threshold=threshold, observed=observed, symbol=symbol)


validation_results = st.builds(ValidationResult.of, st.lists(texts, max_size=3), st.lists(texts, max_size=3))

EVERY_MODEL: dict[type[Any], st.SearchStrategy[Any]] = {
    MarketBar: market_bars(),
    Trade: trades,
    Quote: quotes(),
    IndicatorSnapshot: indicator_snapshots,
    PatternHit: pattern_hits(),
    Signal: signals(),
    OrderDecision: order_decisions(),
    Order: orders(),
    Fill: fills,
    Position: positions,
    AccountSnapshot: account_snapshots(),
    LiveTradingConfig: live_trading_configs(),
    EmergencyTrigger: emergency_triggers(),
    ValidationResult: validation_results,
}
