"""FIFO round trips on hand-worked examples: scaling in and out, shorts, fee shares, R multiples."""

from __future__ import annotations

from datetime import timedelta

import pytest
from portfolio_helpers import T0, dec, make_fill

from trader.portfolio import LedgerError, Portfolio, round_trips


def test_one_buy_one_sell_is_one_round_trip() -> None:
    [trade] = round_trips([make_fill("buy", 10, 100, fee=1), make_fill("sell", 10, 105, fee=2, day=3)])
    assert (trade.symbol, trade.direction, trade.qty) == ("SPY", "long", dec(10))
    assert (trade.entry_time, trade.exit_time, trade.holding) == (
        T0,
        T0 + timedelta(days=3),
        timedelta(days=3),
    )
    assert (trade.entry_price, trade.exit_price) == (dec(100), dec(105))
    assert (trade.gross_pnl, trade.fees, trade.pnl) == (dec(50), dec(3), dec(47))
    assert trade.r_multiple is None


def test_exit_closes_the_oldest_lots_first() -> None:
    fills = [
        make_fill("buy", 5, 100, fee=5, order="a"),
        make_fill("buy", 5, 110, fee=10, order="b", day=1),
        make_fill("sell", 7, 120, fee=7, order="x", day=2),
        make_fill("sell", 3, 90, order="y", day=3),
    ]
    trades = round_trips(fills)
    assert [(t.entry_order, t.exit_order, t.qty, t.entry_price, t.exit_price) for t in trades] == [
        ("a", "x", dec(5), dec(100), dec(120)),
        ("b", "x", dec(2), dec(110), dec(120)),
        ("b", "y", dec(3), dec(110), dec(90)),
    ]
    assert [t.gross_pnl for t in trades] == [dec(100), dec(20), dec(-60)]
    # Entry fee of lot b (10) splits 2:3 over its exits; exit fee of x (7) splits 5:2 over its lots.
    assert [t.fees for t in trades] == [dec(5) + dec(5), dec(4) + dec(2), dec(6)]
    assert [t.entry_time for t in trades] == [T0, T0 + timedelta(days=1), T0 + timedelta(days=1)]


def test_short_round_trip_profits_when_the_price_falls() -> None:
    [trade] = round_trips([make_fill("sell", 4, 50), make_fill("buy", 4, 40, day=1)])
    assert (trade.direction, trade.gross_pnl) == ("short", dec(40))


def test_crypto_fee_in_coins_shrinks_the_lot_and_counts_as_a_fee() -> None:
    fills = [
        make_fill("buy", 1, 40_000, symbol="BTC/USD", fee="0.0025", fee_currency="BTC"),
        make_fill("sell", "0.9975", 42_000, symbol="BTC/USD", fee="10", day=1),
    ]
    [trade] = round_trips(fills)
    assert trade.qty == dec("0.9975")
    assert trade.gross_pnl == dec(1_995)
    assert trade.fees == dec(110)  # 0.0025 BTC at 40000 + 10 USD


def test_r_multiple_from_the_risk_per_unit_of_the_entry() -> None:
    fills = [make_fill("buy", 10, 100, order="entry"), make_fill("sell", 10, 106, fee=2, order="exit", day=1)]
    [trade] = round_trips(fills, risk_per_unit={"entry": dec(2)})
    assert trade.initial_risk == dec(20)
    assert trade.r_multiple == pytest.approx(2.9)  # (60 - 2) / 20


def test_portfolio_passes_the_entry_risk_to_its_round_trips() -> None:
    book = Portfolio(dec(10_000))
    book.apply_fill(make_fill("sell", 5, 100), risk_per_unit=dec(4))
    outcome = book.apply_fill(make_fill("buy", 5, 110, day=1))
    [trade] = outcome.trades
    assert trade.r_multiple == pytest.approx(-2.5)  # -50 / (4 x 5)
    assert book.trades.closed == [trade]


def test_risk_per_unit_must_be_positive() -> None:
    book = Portfolio(dec(10_000))
    with pytest.raises(LedgerError, match=r"field 'risk_per_unit': must be > 0 \(got 0\)"):
        book.apply_fill(make_fill("buy", 5, 100), risk_per_unit=dec(0))


def test_round_trip_row_is_plain_text_in_a_fixed_order() -> None:
    fills = [
        make_fill("buy", "0.5", "100.10", fee="0.30", order="in"),
        make_fill("sell", "0.5", 110, order="out"),
    ]
    [trade] = round_trips(fills, risk_per_unit={"in": dec("0.0000001")})
    row = trade.to_row()
    assert list(row) == [
        "symbol", "direction", "qty", "entry_time", "entry_price", "exit_time", "exit_price",
        "gross_pnl", "fees", "pnl", "holding_seconds", "r_multiple", "entry_order", "exit_order",
    ]  # fmt: skip
    assert row["qty"] == "0.5"
    assert row["entry_price"] == "100.1"
    assert row["gross_pnl"] == "4.95"
    assert row["pnl"] == "4.65"
    assert row["holding_seconds"] == "0"
    assert row["r_multiple"] == "93000000"  # 4.65 / (0.0000001 x 0.5)
    assert row["entry_time"] == "2024-01-02T14:30:00+00:00"
