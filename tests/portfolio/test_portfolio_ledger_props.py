"""Properties of the ledger over random fill sequences: it reconciles, P&L adds up, flips split in two."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from portfolio_helpers import dec, make_fill, ns

from trader.models import Fill
from trader.portfolio import Portfolio

SYMBOLS = ("SPY", "BTC/USD")

quantities = st.decimals(min_value=dec("0.0001"), max_value=dec(50), places=4)
prices = st.decimals(min_value=dec("0.01"), max_value=dec(5_000), places=2)
fees = st.decimals(min_value=dec(0), max_value=dec(3), places=3)


@st.composite
def fill_specs(draw: st.DrawFn) -> tuple[str, str, Decimal, Decimal, Decimal, str]:
    symbol = draw(st.sampled_from(SYMBOLS))
    side = draw(st.sampled_from(("buy", "sell")))
    qty = draw(quantities)
    price = draw(prices)
    if symbol == "BTC/USD" and side == "buy" and draw(st.booleans()):
        # Alpaca takes a crypto buy's fee from the coins received: at most 1 % of them here.
        return (
            symbol,
            side,
            qty,
            price,
            (qty * draw(st.integers(0, 100)) / 10_000).quantize(dec("1e-9")),
            "BTC",
        )
    return symbol, side, qty, price, draw(fees), "USD"


def build(specs: list[tuple[str, str, Decimal, Decimal, Decimal, str]]) -> list[Fill]:
    return [
        make_fill(side, str(qty), str(price), symbol=symbol, fee=str(fee), fee_currency=currency, day=day)
        for day, (symbol, side, qty, price, fee, currency) in enumerate(specs)
    ]


@settings(max_examples=150, deadline=None)
@given(st.lists(fill_specs(), max_size=30), st.lists(prices, min_size=2, max_size=2))
def test_books_reconcile_and_pnl_explains_equity_after_every_fill(
    specs: list[tuple[str, str, Decimal, Decimal, Decimal, str]], marks: list[Decimal]
) -> None:
    book = Portfolio(dec(1_000_000))
    for fill in build(specs):
        book.apply_fill(fill)
        book.reconcile()
        assert book.equity() - book.starting_cash == book.realised_pnl + book.unrealised_pnl() - book.fees
    curve_equity = book.mark(ns(len(specs) + 1), dict(zip(SYMBOLS, marks, strict=True)))
    equity = book.equity()
    assert curve_equity == pytest.approx(float(equity), rel=1e-12)
    assert equity - book.starting_cash == book.realised_pnl + book.unrealised_pnl() - book.fees
    for symbol in SYMBOLS:
        expected = sum((e.position_delta for e in book.effects if e.symbol == symbol), dec(0))
        assert book.position_qty(symbol) == expected
        assert book.trades.open_qty(symbol) == expected  # FIFO lots hold what the ledger holds


@settings(max_examples=150, deadline=None)
@given(st.lists(fill_specs(), max_size=30))
def test_round_trips_explain_the_whole_pnl_once_flat(
    specs: list[tuple[str, str, Decimal, Decimal, Decimal, str]],
) -> None:
    book = Portfolio(dec(1_000_000))
    for fill in build(specs):
        book.apply_fill(fill)
    for day, symbol in enumerate(SYMBOLS, start=len(specs)):
        qty = book.position_qty(symbol)
        if qty != 0:
            book.apply_fill(
                make_fill("sell" if qty > 0 else "buy", str(abs(qty)), "100", symbol=symbol, day=day)
            )
    book.reconcile()
    trades = book.trades.closed
    assert book.symbols == []
    assert sum((t.gross_pnl for t in trades), dec(0)) == book.realised_pnl  # FIFO and average cost agree
    assert sum((t.fees for t in trades), dec(0)) == book.fees
    assert sum((t.pnl for t in trades), dec(0)) == book.equity() - book.starting_cash
    assert all(t.qty > 0 and t.exit_time >= t.entry_time for t in trades)


@settings(max_examples=100, deadline=None)
@given(quantities, quantities, prices, prices, fees)
def test_a_fill_crossing_zero_splits_into_a_close_and_an_open(
    held: Decimal, extra: Decimal, entry: Decimal, exit_price: Decimal, fee: Decimal
) -> None:
    book = Portfolio(dec(1_000_000))
    book.apply_fill(make_fill("buy", str(held), str(entry)))
    outcome = book.apply_fill(make_fill("sell", str(held + extra), str(exit_price), fee=str(fee), day=1))
    assert outcome.change.closed_qty == held
    assert outcome.change.opened_qty == -extra
    assert outcome.change.realised_pnl == held * (exit_price - entry)
    assert book.position_qty("SPY") == -extra
    assert book.avg_entry_price("SPY") == exit_price
    [trade] = outcome.trades  # the close: one round trip of the whole long
    assert (trade.direction, trade.qty, trade.entry_price, trade.exit_price) == (
        "long",
        held,
        entry,
        exit_price,
    )
    assert trade.fees == (fee * held / (held + extra)).quantize(dec("1e-18"))
    assert book.trades.open_qty("SPY") == -extra  # the open: a short lot carrying the rest of the fee
    book.reconcile()
