"""The embedded gateway from Python: fills at the SimVenue's documented prices, idempotency, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from trader.errors import TraderError
from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import (
    BpsFee,
    CryptoFee,
    GatewayLimits,
    InstrumentSpec,
    PerShareFee,
    SimSettings,
)
from trader.execution.errors import (
    AlreadyExistsError,
    GatewayError,
    InvalidOrderError,
    LimitRejectedError,
    OrderNotFoundError,
    OrderNotOpenError,
)
from trader.models import Fill, OrderDecision, Side

DAY_NS = 86_400_000_000_000
T0 = 1_700_006_400_000_000_000  # 2023-11-15 00:00 UTC


def bar(gw: EmbeddedGateway, i: int, ohlc: str, volume: str = "1000000") -> list[object]:
    """Feeds the i-th one-minute AAPL bar, `ohlc` as "open high low close"."""
    o, h, lo, c = ohlc.split()
    return list(gw.on_bar("AAPL", T0 + i * 60_000_000_000, o, h, lo, c, volume))


def test_market_buy_fills_at_next_open_plus_slippage_with_bps_fee() -> None:
    gw = EmbeddedGateway(sim=SimSettings(slippage_bps=10, fees=BpsFee(bps=5)))
    order = gw.submit_order("m1", "AAPL", "buy", Decimal(10))
    assert (order.status, order.duplicate, order.filled_quantity) == ("accepted", False, "0")
    events = gw.core.on_bar("AAPL", T0, "100", "101", "99", "100.5", "1000000")
    assert [(e.kind, e.client_order_id, e.status) for e in events] == [("fill", "m1", "filled")]
    fill = events[0].fill
    assert fill is not None
    # Open 100 moved 10 bps against the buyer; fee 5 bps of 10 x 100.1 = 1001, rounded up.
    assert (fill.price, fill.quantity, fill.fee, fill.fee_currency) == ("100.1", "10", "0.5005", "quote")
    assert fill.timestamp_ns == T0
    assert gw.positions() == {"AAPL": Decimal(10)}
    assert gw.core.on_bar("AAPL", T0 + 1, "100", "101", "99", "100", "1") == []


def test_limit_orders_fill_at_limit_or_gapped_open() -> None:
    gw = EmbeddedGateway(sim=SimSettings(fees=PerShareFee(per_share=Decimal("0.005"), minimum=Decimal(1))))
    gw.submit_order("l1", "AAPL", "buy", "100", "limit", limit_price=Decimal("99.5"), time_in_force="gtc")
    gw.submit_order("l2", "AAPL", "sell", "300", "limit", limit_price=Decimal("101"), time_in_force="gtc")
    assert bar(gw, 0, "100 100.9 99.6 100") == []  # touched neither limit
    events = gw.on_bar("AAPL", T0 + 60_000_000_000, 100.0, 101.5, 99.0, 100.0, 1e6)
    fills = {e.client_order_id: e.fill for e in events}
    assert fills["l1"] is not None
    assert fills["l2"] is not None
    assert (fills["l1"].price, fills["l1"].fee) == ("99.5", "1")  # 100 x 0.005 = 0.5 -> the 1.00 minimum
    assert (fills["l2"].price, fills["l2"].fee) == ("101", "1.5")
    # Next bar gaps up through a new buy limit: filled at the open, better than the limit.
    gw.submit_order("l3", "AAPL", "buy", "1", "limit", limit_price=Decimal(105))
    (event,) = gw.on_bar("AAPL", T0 + 120_000_000_000, "104", "106", "103", "105", "1000")
    assert event.fill is not None
    assert event.fill.price == "104"
    assert gw.positions() == {"AAPL": Decimal(-199)}


def test_bad_bar_text_and_bad_bars_are_refused_naming_the_field() -> None:
    gw = EmbeddedGateway()
    with pytest.raises(InvalidOrderError, match=r"field `volume`.*9e5"):
        gw.on_bar("AAPL", T0, "100", "101", "99", "100", "9e5")
    with pytest.raises(InvalidOrderError, match="high is below the open or close"):
        gw.on_bar("AAPL", T0, "100", "99.5", "99", "100", "1")
    with pytest.raises(InvalidOrderError, match=r"field `open` = NaN: must be a finite number"):
        gw.on_bar("AAPL", T0, float("nan"), 1.0, 1.0, 1.0, 1.0)


def test_crypto_buy_pays_its_fee_in_the_coin_received() -> None:
    gw = EmbeddedGateway(sim=SimSettings(quantity_increment=Decimal("0.0001"), fees=CryptoFee(15, 25)))
    gw.submit_order("c1", "BTC/USD", "buy", "2", time_in_force="gtc")
    (event,) = gw.on_bar("BTC/USD", T0, "50000", "50100", "49900", "50050", "100")
    assert event.fill is not None
    assert (event.fill.fee, event.fill.fee_currency) == ("0.005", "base")
    assert gw.positions() == {"BTC/USD": Decimal("1.995")}
    fill = EmbeddedGateway.to_fill(event.fill)
    assert (fill.fee, fill.fee_currency, fill.price) == (Decimal("0.005"), "BTC", Decimal(50000))
    # to_fill skips validation (the core checked every field): the model must agree, field for field.
    assert Fill.model_validate(fill.model_dump()) == fill
    assert fill.side is Side.BUY
    assert fill.timestamp.tzinfo is UTC


def test_same_intent_twice_is_one_order_flagged_duplicate() -> None:
    gw = EmbeddedGateway()
    first = gw.submit_order("d1", "AAPL", "buy", "5", "limit", limit_price=Decimal("10.5"))
    again = gw.submit_order("d1", "AAPL", "buy", "5", "limit", limit_price=Decimal("10.50"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.venue_order_id == first.venue_order_id
    assert gw.core.venue_order_count == 1
    assert gw.core.venue_duplicate_submits == 0


def test_same_id_different_content_is_already_exists() -> None:
    gw = EmbeddedGateway()
    gw.submit_order("d1", "AAPL", "buy", "5")
    with pytest.raises(AlreadyExistsError, match="d1 already exists with different content"):
        gw.submit_order("d1", "AAPL", "buy", "6")
    with pytest.raises(AlreadyExistsError):
        gw.submit_order("d1", "AAPL", "sell", "5")
    assert [o.qty for o in gw.orders()] == [Decimal(5)]


def test_kill_switch_refuses_new_orders_but_allows_cancel() -> None:
    gw = EmbeddedGateway()
    gw.submit_order("k1", "AAPL", "buy", "1", "limit", limit_price=Decimal(10), time_in_force="gtc")
    gw.set_kill_switch(True)
    with pytest.raises(LimitRejectedError) as refused:
        gw.submit_order("k2", "AAPL", "buy", "1")
    assert refused.value.reason_code == "KILL_SWITCH"
    assert "kill switch is on" in str(refused.value)
    assert gw.cancel("k1").status == "canceled"
    assert gw.order("k2") is None
    gw.set_kill_switch(False)
    assert gw.submit_order("k2", "AAPL", "buy", "1").status == "accepted"


@pytest.mark.parametrize(
    ("limits", "qty", "code"),
    [
        (GatewayLimits(max_order_quantity=Decimal(100)), "101", "MAX_ORDER_QUANTITY"),
        (GatewayLimits(max_order_notional=Decimal(1000)), "11", "MAX_ORDER_NOTIONAL"),
        (GatewayLimits(allowed_symbols=frozenset({"MSFT"})), "1", "SYMBOL_NOT_ALLOWED"),
        (GatewayLimits(price_collar_bps=50), "1", "PRICE_COLLAR"),
        (GatewayLimits(max_open_orders=0), "1", "MAX_OPEN_ORDERS"),
    ],
)
def test_limit_rejects_carry_their_reason_code(limits: GatewayLimits, qty: str, code: str) -> None:
    gw = EmbeddedGateway(limits=limits)
    bar(gw, 0, "100 101 94 95")  # last price 95: the limit at 100 is 5 % away
    with pytest.raises(LimitRejectedError) as refused:
        gw.submit_order("r1", "AAPL", "buy", qty, "limit", limit_price=Decimal(100))
    assert refused.value.reason_code == code
    assert code in str(refused.value)
    assert gw.core.venue_order_count == 0


def test_instrument_increments_are_enforced() -> None:
    spec = InstrumentSpec("AAPL", tick_size=Decimal("0.01"), min_quantity=Decimal(1))
    gw = EmbeddedGateway(instruments=[spec])
    with pytest.raises(InvalidOrderError, match=r"limit_price 10\.005 is not a multiple of the tick size"):
        gw.submit_order("t1", "AAPL", "buy", "1", "limit", limit_price=Decimal("10.005"))
    with pytest.raises(InvalidOrderError, match="lot size"):
        gw.submit_order("t2", "AAPL", "buy", "1.5")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"side": "long"}, r"field `side` = \"long\""),
        ({"qty": "-1"}, r"field `quantity` = -1: must be positive"),
        ({"qty": "1.0000000001"}, "more than 9 decimal places"),
        ({"order_type": "limit"}, r"field `limit_price`: required for a limit order"),
        ({"time_in_force": "forever"}, r"field `time_in_force` = \"forever\""),
        ({"client_order_id": "has space"}, "invalid client_order_id"),
    ],
)
def test_invalid_input_names_the_field(kwargs: dict[str, str], message: str) -> None:
    args = {"client_order_id": "x1", "symbol": "AAPL", "side": "buy", "qty": "1", "order_type": "market"}
    args.update(kwargs)
    gw = EmbeddedGateway()
    with pytest.raises(InvalidOrderError, match=message):
        gw.submit_order(**args)  # type: ignore[arg-type]
    with pytest.raises(InvalidOrderError, match=r"field `stop_price`: not allowed for a limit order"):
        gw.core.submit("x2", "AAPL", "buy", "1", "limit", limit_price="1", stop_price="1")
    with pytest.raises(InvalidOrderError, match="not a boolean"):
        gw.core.submit("x3", "AAPL", "buy", True)
    with pytest.raises(InvalidOrderError, match="invalid client_order_id"):
        gw.order("")


def test_cancel_and_replace_move_orders_through_their_states() -> None:
    gw = EmbeddedGateway()
    gw.submit_order("r1", "AAPL", "sell", "10", "limit", limit_price=Decimal(110), time_in_force="gtc")
    new = gw.core.replace("r1", "r2", "8", "limit", limit_price="108", time_in_force="gtc")
    assert (new.status, new.symbol, new.side, new.limit_price) == ("accepted", "AAPL", "sell", "108")
    old = gw.core.order("r1")
    assert old is not None
    assert (old.status, old.replaced_by) == ("replaced", "r2")
    with pytest.raises(OrderNotOpenError, match="r1 is replaced: cannot cancel"):
        gw.cancel("r1")
    with pytest.raises(OrderNotFoundError):
        gw.cancel("nope")
    # The venue's report of the replacement comes with the next call's events, then the fill.
    events = gw.on_bar("AAPL", T0, "100", "109", "99", "100", "100")
    assert [(e.kind, e.client_order_id, e.status) for e in events] == [
        ("replaced", "r1", "replaced"),
        ("fill", "r2", "filled"),
    ]
    assert gw.positions() == {"AAPL": Decimal(-8)}


def test_day_order_expires_on_the_next_utc_day_and_latency_delays_fills() -> None:
    gw = EmbeddedGateway(sim=SimSettings(latency_bars=1))
    gw.submit_order("e1", "AAPL", "buy", "1", "limit", limit_price=Decimal(50))
    gw.submit_order("e2", "AAPL", "buy", "1")
    assert gw.on_bar("AAPL", T0, "100", "101", "99", "100", "100") == []  # both still on their way
    (fill,) = gw.on_bar("AAPL", T0 + 60_000_000_000, "100.5", "101", "99", "100", "100")
    assert (fill.client_order_id, fill.fill and fill.fill.price) == ("e2", "100.5")
    (expiry,) = gw.on_bar("AAPL", T0 + DAY_NS, "100", "101", "99", "100", "100")
    assert (expiry.kind, expiry.client_order_id, expiry.status) == ("expired", "e1", "expired")
    assert gw.core.open_order_count == 0


def test_ioc_that_cannot_fill_is_canceled_and_reported() -> None:
    gw = EmbeddedGateway()
    gw.submit_order("i1", "AAPL", "buy", "1", "limit", limit_price=Decimal(50), time_in_force="ioc")
    events = gw.on_bar("AAPL", T0, "100", "101", "99", "100", "100")
    assert [(e.kind, e.status) for e in events] == [("canceled", "canceled")]


def _variant(decision: OrderDecision, changes: dict[str, object]) -> OrderDecision:
    """The decision with `changes`, validated again (model_copy would not validate)."""
    return OrderDecision.model_validate({**decision.model_dump(), **changes})


def test_decisions_in_and_domain_orders_and_fills_out() -> None:
    gw = EmbeddedGateway()
    created = datetime(2023, 11, 14, 21, tzinfo=UTC)
    decision = OrderDecision(
        client_order_id="ema-1",
        symbol="AAPL",
        side="buy",
        order_type="market",
        time_in_force="day",
        qty=Decimal(3),
        strategy_id="ema_cross",
        confidence=1.0,
        reason="fast crossed above slow",
        created_at=created,
    )
    submitted = gw.submit(decision)
    assert not submitted.duplicate
    assert (submitted.order.status, submitted.order.qty, submitted.order.submitted_at) == (
        "accepted",
        3,
        created,
    )
    assert gw.submit(decision).duplicate
    (event,) = gw.on_bar("AAPL", T0, "100.25", "101", "99", "100", "1000")
    assert event.fill is not None
    fill = gw.to_fill(event.fill)
    assert (fill.client_order_id, fill.qty, fill.price, fill.fee) == ("ema-1", 3, Decimal("100.25"), 0)
    assert fill.timestamp == datetime(2023, 11, 15, tzinfo=UTC)
    filled = gw.order("ema-1")
    assert filled is not None
    assert (filled.status, filled.filled_qty, filled.filled_avg_price) == ("filled", 3, Decimal("100.25"))
    assert filled.updated_at == fill.timestamp
    resting = _variant(
        decision,
        {
            "client_order_id": "ema-3",
            "order_type": "limit",
            "limit_price": Decimal(90),
            "time_in_force": "gtc",
        },
    )
    gw.submit(resting)
    moved = _variant(
        decision,
        {
            "client_order_id": "ema-4",
            "order_type": "limit",
            "limit_price": Decimal(95),
            "time_in_force": "gtc",
        },
    )
    replaced = gw.replace("ema-3", moved)
    assert (replaced.order.client_order_id, replaced.order.limit_price, replaced.duplicate) == (
        "ema-4",
        95,
        False,
    )
    old = gw.order("ema-3")
    assert old is not None
    assert old.status == "replaced"
    notional = _variant(decision, {"client_order_id": "ema-2", "qty": None, "notional": Decimal(100)})
    with pytest.raises(InvalidOrderError, match="qty"):
        gw.submit(notional)


def test_errors_are_trader_errors_and_a_closed_gateway_refuses_calls() -> None:
    assert issubclass(GatewayError, TraderError)
    gw = EmbeddedGateway()
    gw.close()
    with pytest.raises(GatewayError, match="closed"):
        gw.submit_order("z1", "AAPL", "buy", "1")
    assert gw.core.closed
