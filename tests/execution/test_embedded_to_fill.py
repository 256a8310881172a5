"""`EmbeddedGateway.to_fill` builds, without validation, exactly the `Fill` validation would build."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import BpsFee, CryptoFee, SimSettings
from trader.live.remote_gateway import FillView
from trader.models import Fill, Side

T0 = 1_700_006_400_000_000_000  # 2023-11-15 00:00 UTC


def _fill(symbol: str, side: str, qty: str, sim: SimSettings) -> Fill:
    gw = EmbeddedGateway(sim=sim)
    gw.submit_order("o-1", symbol, side, qty, time_in_force="gtc")
    (event,) = gw.on_bar(symbol, T0, "101.25", "102", "100", "101.5", "1000")
    assert event.fill is not None
    return EmbeddedGateway.to_fill(event.fill)


@pytest.mark.parametrize(
    ("symbol", "side", "qty", "sim", "fee", "currency"),
    [
        ("AAPL", "buy", "3", SimSettings(fees=BpsFee(10)), Decimal("0.30375"), "USD"),
        ("AAPL", "sell", "0.5", SimSettings(quantity_increment=Decimal("0.1")), Decimal(0), "USD"),
        (
            "BTC/USD",
            "buy",
            "2",
            SimSettings(quantity_increment=Decimal("0.0001"), fees=CryptoFee(15, 25)),
            None,
            "BTC",
        ),
        (
            "BTC/USD",
            "sell",
            "2",
            SimSettings(quantity_increment=Decimal("0.0001"), fees=CryptoFee(15, 25)),
            None,
            "USD",
        ),
    ],
)
def test_to_fill_equals_the_validated_model(  # noqa: PLR0917 -- one parametrised case
    symbol: str, side: str, qty: str, sim: SimSettings, fee: Decimal | None, currency: str
) -> None:
    fill = _fill(symbol, side, qty, sim)
    validated = Fill.model_validate(fill.model_dump())
    assert fill == validated
    assert fill.model_fields_set == validated.model_fields_set == set(Fill.model_fields)
    assert list(fill.__dict__) == list(validated.__dict__)  # same field order: the same dump and repr
    assert (fill.side, fill.qty, fill.price, fill.fee_currency) == (
        Side(side),
        Decimal(qty),
        Decimal("101.25"),
        currency,
    )
    if fee is not None:
        assert fill.fee == fee
    assert fill.order_id == "sim-1"
    assert fill.timestamp == datetime(2023, 11, 15, tzinfo=UTC)
    assert type(fill.qty) is Decimal
    assert fill.timestamp.tzinfo is UTC


def test_fills_of_one_bar_share_their_stamp_and_stay_independent() -> None:
    gw = EmbeddedGateway()
    gw.submit_order("a", "AAPL", "buy", "1", time_in_force="gtc")
    gw.submit_order("b", "AAPL", "buy", "2", time_in_force="gtc")
    events = gw.on_bar("AAPL", T0, "10", "11", "9", "10.5", "1000")
    first, second = (EmbeddedGateway.to_fill(e.fill) for e in events if e.fill is not None)
    assert first.timestamp == second.timestamp
    assert (first.client_order_id, first.qty, second.client_order_id, second.qty) == ("a", 1, "b", 2)
    assert first.model_fields_set is not second.model_fields_set


def test_a_view_of_the_same_shape_from_another_gateway_gives_the_same_fill() -> None:
    gw = EmbeddedGateway(sim=SimSettings(quantity_increment=Decimal("0.0001"), fees=CryptoFee(15, 25)))
    gw.submit_order("c1", "BTC/USD", "buy", "2", time_in_force="gtc")
    (event,) = gw.on_bar("BTC/USD", T0, "50000", "50100", "49900", "50050", "100")
    view = event.fill
    assert view is not None
    names = ("fill_id", "client_order_id", "venue_order_id", "symbol", "side", "quantity", "price", "fee")
    remote = FillView(**{name: getattr(view, name) for name in names}, fee_currency="base", timestamp_ns=T0)
    assert EmbeddedGateway.to_fill(remote) == EmbeddedGateway.to_fill(view)
    assert EmbeddedGateway.to_fill(remote).fee_currency == "BTC"
