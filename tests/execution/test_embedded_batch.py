"""Many orders in one call to the embedded gateway: one result per order, exactly once, and as one by one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader._core import GatewayOrder
from trader.execution.embedded import EmbeddedGateway, OrderTuple
from trader.execution.embedded_config import BpsFee, GatewayLimits, SimSettings
from trader.execution.errors import (
    AlreadyExistsError,
    GatewayError,
    InvalidOrderError,
    LimitRejectedError,
)

T0 = 1_700_006_400_000_000_000


def views(results: list[GatewayOrder | GatewayError]) -> list[GatewayOrder]:
    """The results, asserting that none is an error."""
    assert all(isinstance(r, GatewayOrder) for r in results), results
    return [r for r in results if isinstance(r, GatewayOrder)]


def test_a_batch_is_accepted_then_filled_on_the_next_bar() -> None:
    gw = EmbeddedGateway(sim=SimSettings(fees=BpsFee(bps=5)))
    orders: list[OrderTuple] = [
        ("b1", "AAPL", "buy", Decimal(10)),
        ("b2", "AAPL", "sell", "4"),
        ("b3", "AAPL", "buy", 3, "limit", Decimal("99.5"), None, None, None, "gtc", "alpha"),
    ]
    placed = views(gw.submit_orders(orders))
    assert [(o.client_order_id, o.status, o.duplicate) for o in placed] == [
        ("b1", "accepted", False),
        ("b2", "accepted", False),
        ("b3", "accepted", False),
    ]
    assert (placed[2].order_type, placed[2].limit_price, placed[2].time_in_force, placed[2].strategy) == (
        "limit",
        "99.5",
        "gtc",
        "alpha",
    )
    events = gw.on_bar("AAPL", T0, "100", "101", "99", "100.5", "1000000")
    fills = {e.client_order_id: e.fill for e in events if e.kind == "fill"}
    assert sorted(fills) == ["b1", "b2", "b3"]
    assert fills["b1"] is not None
    assert (fills["b1"].price, fills["b1"].fee) == ("100", "0.5")  # 5 bps of 10 x 100
    assert gw.positions() == {"AAPL": Decimal(9)}


def test_repeats_come_back_flagged_and_reach_the_venue_once() -> None:
    gw = EmbeddedGateway()
    first = views(gw.submit_orders([("r1", "AAPL", "buy", "1"), ("r1", "AAPL", "buy", "1")]))
    assert [o.duplicate for o in first] == [False, True]
    again = views(gw.submit_orders([("r1", "AAPL", "buy", "1"), ("r2", "AAPL", "sell", "2")]))
    assert [(o.client_order_id, o.duplicate) for o in again] == [("r1", True), ("r2", False)]
    assert gw.core.venue_order_count == 2
    assert gw.core.venue_duplicate_submits == 0


def test_refused_orders_are_returned_as_errors_and_the_others_stand() -> None:
    gw = EmbeddedGateway(limits=GatewayLimits(max_order_quantity=Decimal(5)))
    gw.submit_order("taken", "AAPL", "buy", "1")
    results = gw.submit_orders(
        [("ok", "AAPL", "buy", "2"), ("taken", "AAPL", "buy", "3"), ("big", "AAPL", "buy", "6")]
    )
    ok, taken, big = results
    assert isinstance(ok, GatewayOrder)
    assert ok.status == "accepted"
    assert isinstance(taken, AlreadyExistsError)
    assert "taken" in str(taken)
    assert isinstance(big, LimitRejectedError)
    assert big.reason_code == "MAX_ORDER_QUANTITY"
    assert gw.order("big") is None
    gw.set_kill_switch(True)
    (killed,) = gw.submit_orders([("k", "AAPL", "buy", "1")])
    assert isinstance(killed, LimitRejectedError)
    assert killed.reason_code == "KILL_SWITCH"


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ([("a", "AAPL", "buy", "1"), ("b", "AAPL", "hold", "1")], r'orders\[1\]: field `side` = "hold"'),
        ([("a", "AAPL", "buy")], r"orders\[0\]: expected 4 to 11 fields"),
        ([("a", "AAPL", "buy", "1"), ["b", "AAPL", "buy", "1"]], r"orders\[1\] = \['b'.*expected a tuple"),
        ([("a", "AAPL", 7, "1")], r"orders\[0\]: field `side` = 7: expected text"),
        ([("a", "AAPL", "buy", None)], r"orders\[0\]: field `quantity` is required"),
        ([("a", "AAPL", "buy", "1x")], r"orders\[0\]: field `quantity`"),
        ([("a", "AAPL", "buy", Decimal("NaN"))], r"orders\[0\]: field `quantity`"),
        (
            [("a", "AAPL", "buy", "1", "limit")],
            r"orders\[0\]: field `limit_price`: required for a limit order",
        ),
    ],
)
def test_a_malformed_order_raises_naming_it_and_nothing_is_sent(
    orders: list[OrderTuple], message: str
) -> None:
    gw = EmbeddedGateway()
    with pytest.raises(InvalidOrderError, match=message):
        gw.submit_orders(orders)
    assert gw.core.open_order_count == 0
    assert gw.core.venue_order_count == 0


def test_orders_must_come_as_a_sequence() -> None:
    gw = EmbeddedGateway()
    with pytest.raises(InvalidOrderError, match="field `orders`: expected a list of order tuples, got int"):
        gw.core.submit_orders(3)  # type: ignore[arg-type]
    placed = views(gw.core.submit_orders((("t1", "AAPL", "buy", "1"),)))  # any sequence, not only a list
    assert placed[0].client_order_id == "t1"


def test_decimals_are_read_exactly_whatever_their_exponent() -> None:
    gw = EmbeddedGateway()
    a, b = views(
        gw.submit_orders([("d1", "AAPL", "buy", Decimal("1E+1")), ("d2", "AAPL", "buy", Decimal("0.5"))])
    )
    assert (a.quantity, b.quantity) == ("10", "0.5")
    assert gw.submit_order(
        "d3", "AAPL", "buy", Decimal("2.50"), "limit", limit_price=Decimal("1.25E+2")
    ).limit_price == ("125")
    with pytest.raises(InvalidOrderError, match="field `quantity`"):
        gw.submit_order("d4", "AAPL", "buy", Decimal("Infinity"))
    # Bar prices as Decimal or numpy floats (a float subclass) are read the same way.
    events = gw.on_bar("AAPL", T0, np.float64(100.25), Decimal("101"), 99, "100", np.float64(1e6))
    assert {e.fill.price for e in events if e.fill is not None} == {"100.25"}


def test_a_batch_survives_a_restart_exactly_once(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    with EmbeddedGateway(journal_path=journal, sync="fsync") as gw:
        views(gw.submit_orders([(f"j{i}", "AAPL", "buy", "1") for i in range(5)]))
    with EmbeddedGateway(journal_path=journal) as reopened:
        assert reopened.core.replayed_records > 0
        assert [o.client_order_id for o in reopened.orders()] == [f"j{i}" for i in range(5)]
        repeats = views(reopened.submit_orders([(f"j{i}", "AAPL", "buy", "1") for i in range(5)]))
        assert all(o.duplicate for o in repeats)


_ids = st.sampled_from(["x", "y", "z", "w"])
_orders = st.tuples(_ids, st.sampled_from(["buy", "sell"]), st.sampled_from(["1", "2"]))


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.lists(_orders, max_size=6), max_size=4))
def test_batches_equal_one_by_one_submits(batches: list[list[tuple[str, str, str]]]) -> None:
    """Whatever the repeats and conflicts, a batch leaves the same orders and answers as single submits."""
    batched, single = EmbeddedGateway(), EmbeddedGateway()
    for batch in batches:
        results = batched.submit_orders([(cid, "AAPL", side, qty) for cid, side, qty in batch])
        for (cid, side, qty), result in zip(batch, results, strict=True):
            try:
                expected: GatewayOrder | GatewayError = single.submit_order(cid, "AAPL", side, qty)
            except GatewayError as error:
                expected = error
            assert type(result) is type(expected)
            if isinstance(result, GatewayOrder) and isinstance(expected, GatewayOrder):
                assert (result.client_order_id, result.duplicate) == (
                    expected.client_order_id,
                    expected.duplicate,
                )
    assert [(o.client_order_id, o.side, o.qty, o.status) for o in batched.orders()] == [
        (o.client_order_id, o.side, o.qty, o.status) for o in single.orders()
    ]
    assert batched.core.venue_order_count == single.core.venue_order_count
