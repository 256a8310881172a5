"""The exact ledger on hand-worked examples: longs, shorts, flips, partial closes, fees, crypto fees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from portfolio_helpers import T0, dec, make_fill, ns

from trader.errors import TraderError
from trader.portfolio import LedgerError, Portfolio, ReconcileError


def test_long_round_trip_books_cash_realised_pnl_and_fees() -> None:
    book = Portfolio(dec(10_000))
    book.apply_fill(make_fill("buy", 10, "100.50", fee="1.25"))
    assert book.cash == dec("8993.75")  # 10000 - 1005 - 1.25
    assert book.position_qty("SPY") == 10
    assert book.avg_entry_price("SPY") == dec("100.5")
    outcome = book.apply_fill(make_fill("sell", 10, "110.25", fee="1.10", day=1))
    assert outcome.change.realised_pnl == dec("97.50")  # 10 x (110.25 - 100.50)
    assert outcome.position_qty == 0
    assert book.cash == dec("10095.15")  # 8993.75 + 1102.50 - 1.10
    assert book.realised_pnl == dec("97.50")
    assert book.fees == dec("2.35")
    assert book.symbols == []
    assert book.equity() == book.starting_cash + book.realised_pnl - book.fees
    book.reconcile()


def test_average_price_of_scaled_in_long_and_partial_close() -> None:
    book = Portfolio(dec(100_000))
    book.apply_fill(make_fill("buy", 3, 100))
    book.apply_fill(make_fill("buy", 1, 104))
    assert book.avg_entry_price("SPY") == dec(101)  # (300 + 104) / 4
    outcome = book.apply_fill(make_fill("sell", 1, 110))
    assert outcome.change.realised_pnl == dec(9)  # 1 x (110 - 101)
    assert book.position_qty("SPY") == 3
    assert book.avg_entry_price("SPY") == dec(101)  # a partial close leaves the average alone
    book.reconcile()


def test_average_cost_that_does_not_divide_evenly_stays_exact_in_total() -> None:
    book = Portfolio(dec(1_000))
    book.apply_fill(make_fill("buy", 1, 10))
    book.apply_fill(make_fill("buy", 2, 11))  # cost 32 over 3 units: average 10.666...
    assert book.avg_entry_price("SPY") == dec("10.666666667")
    first = book.apply_fill(make_fill("sell", 1, 12)).change.realised_pnl
    second = book.apply_fill(make_fill("sell", 2, 12)).change.realised_pnl
    assert first == dec("1.333333333333333333")  # 12 - 32/3 on the 1e-18 grid
    assert first + second == dec(4)  # 36 - 32: going flat leaves no rounding residue
    assert book.equity() == dec(1_004)
    book.reconcile()


def test_short_position_gains_as_price_falls() -> None:
    book = Portfolio(dec(5_000))
    book.apply_fill(make_fill("sell", 20, 50))
    assert book.position_qty("SPY") == -20
    assert book.cash == dec(6_000)
    book.mark(ns(0), {"SPY": dec(45)})
    assert book.market_value("SPY") == dec(-900)
    assert book.unrealised_pnl() == dec(100)
    assert book.equity() == dec(5_100)
    assert book.gross_exposure() == dec(900)
    assert book.net_exposure() == dec(-900)
    outcome = book.apply_fill(make_fill("buy", 5, 40))
    assert outcome.change.realised_pnl == dec(50)  # 5 x (50 - 40)
    assert book.position_qty("SPY") == -15
    book.reconcile()


def test_flip_long_to_short_closes_then_opens_at_the_fill_price() -> None:
    book = Portfolio(dec(10_000))
    book.apply_fill(make_fill("buy", 10, 100))
    outcome = book.apply_fill(make_fill("sell", 25, 120, fee="5"))
    assert outcome.change.closed_qty == 10
    assert outcome.change.opened_qty == -15
    assert outcome.change.realised_pnl == dec(200)
    assert book.position_qty("SPY") == -15
    assert book.avg_entry_price("SPY") == dec(120)
    assert book.cash == dec(10_000) - dec(1_000) + dec(3_000) - dec(5)
    book.mark(ns(1), {"SPY": dec(110)})
    assert book.unrealised_pnl() == dec(150)
    assert book.equity() == dec(10_000) + dec(200) + dec(150) - dec(5)
    book.reconcile()


def test_crypto_buy_fee_in_base_asset_reduces_the_coins_received() -> None:
    book = Portfolio(dec(100_000))
    outcome = book.apply_fill(make_fill("buy", 1, 40_000, symbol="BTC/USD", fee="0.0025", fee_currency="BTC"))
    assert outcome.effect.position_delta == dec("0.9975")
    assert outcome.effect.fee_value == dec(100)  # 0.0025 BTC at 40000
    assert book.position_qty("BTC/USD") == dec("0.9975")
    assert book.cash == dec(60_000)  # the whole coin is paid for; the fee is in coins
    assert book.avg_entry_price("BTC/USD") == dec(40_000)
    assert book.equity() == dec(99_900)
    sell = make_fill("sell", "0.9975", 44_000, symbol="BTC/USD", fee="10.5", fee_currency="USD")
    assert book.apply_fill(sell).change.realised_pnl == dec(3_990)  # 0.9975 x 4000
    assert book.cash == dec(60_000) + dec(43_890) - dec("10.5")
    assert book.equity() == dec(100_000) + dec(3_990) - dec("110.5")
    book.reconcile()


def test_weights_and_snapshot_of_two_symbols() -> None:
    book = Portfolio(dec(10_000))
    book.apply_fill(make_fill("buy", 10, 200))
    book.apply_fill(make_fill("sell", "0.1", 30_000, symbol="BTC/USD", fee="0.75"))
    equity = book.mark(ns(1), {"SPY": dec(210), "BTC/USD": dec(31_000)})
    assert equity == dec(10_000) - dec(2_000) + dec(3_000) - dec("0.75") + dec(2_100) - dec(3_100)
    assert equity == dec("9999.25")
    assert book.weights() == {"BTC/USD": dec("-0.310023252"), "SPY": dec("0.210015751")}
    snap = book.snapshot(T0)
    assert snap.long_market_value == dec(2_100)
    assert snap.short_market_value == dec(-3_100)
    assert snap.equity == equity
    assert snap.gross_exposure == book.gross_exposure() == dec(5_200)
    positions = book.positions(T0)
    assert [(p.symbol, p.qty, p.avg_entry_price, p.current_price) for p in positions] == [
        ("BTC/USD", dec("-0.1"), dec(30_000), dec(31_000)),
        ("SPY", dec(10), dec(200), dec(210)),
    ]
    assert positions[0].unrealized_pnl == dec(-100)


def test_mark_records_equity_curve_and_keeps_last_price_of_unquoted_symbols() -> None:
    book = Portfolio(dec(1_000))
    assert book.mark(ns(0), {}) == dec(1_000)
    book.apply_fill(make_fill("buy", 2, 100, day=1))
    assert book.mark(ns(1), {"SPY": dec(101)}) == dec(1_002)
    assert book.mark(ns(2), {"QQQ": dec(5)}) == dec(1_002)  # SPY not quoted this bar: last mark holds
    curve = book.curve.arrays()
    assert curve.ts.tolist() == [ns(0), ns(1), ns(2)]
    assert curve.equity.tolist() == [1_000.0, 1_002.0, 1_002.0]
    assert curve.gross_exposure.tolist() == [0.0, 202.0, 202.0]
    assert curve.net_exposure.tolist() == [0.0, 202.0, 202.0]
    assert book.curve.equity[-1] == dec(1_002)


def test_mark_refuses_time_going_backwards() -> None:
    book = Portfolio(dec(1_000))
    book.mark(ns(2), {})
    with pytest.raises(LedgerError, match=r"equity curve: field 'ts': mark times must increase"):
        book.mark(ns(2), {})


def test_duplicate_fill_id_is_refused_and_books_stay_unchanged() -> None:
    book = Portfolio(dec(1_000))
    fill = make_fill("buy", 1, 100)
    book.apply_fill(fill)
    with pytest.raises(LedgerError, match=rf"fill {fill.fill_id} \(SPY\): field 'fill_id': already booked"):
        book.apply_fill(fill)
    assert book.position_qty("SPY") == 1
    assert book.cash == dec(900)


def test_fill_out_of_time_order_is_refused() -> None:
    book = Portfolio(dec(1_000))
    book.apply_fill(make_fill("buy", 1, 100, day=3))
    with pytest.raises(LedgerError, match="field 'timestamp': fills must arrive in time order"):
        book.apply_fill(make_fill("sell", 1, 100, day=2))


@pytest.mark.parametrize(
    ("symbol", "fee_currency", "message"),
    [
        ("SPY", "BTC", r"field 'fee_currency': fee must be in USD \(got 'BTC'\)"),
        ("SPY", "SPY", r"field 'fee_currency': fee must be in USD \(got 'SPY'\)"),
        ("ETH/BTC", "BTC", r"field 'symbol': the pair is quoted in BTC but the ledger keeps its cash in USD"),
        ("BTC/USD", "ETH", r"field 'fee_currency': fee must be in USD or BTC \(got 'ETH'\)"),
    ],
)
def test_fee_in_a_currency_the_ledger_cannot_book_is_refused(
    symbol: str, fee_currency: str, message: str
) -> None:
    book = Portfolio(dec(1_000))
    with pytest.raises(LedgerError, match=message) as caught:
        book.apply_fill(make_fill("buy", 1, 10, symbol=symbol, fee="0.01", fee_currency=fee_currency))
    assert isinstance(caught.value, TraderError)
    assert book.effects == []


def test_base_fee_as_large_as_the_purchase_is_refused() -> None:
    book = Portfolio(dec(100_000))
    with pytest.raises(LedgerError, match=r"field 'fee': a fee in BTC must be less than the 0.01 bought"):
        book.apply_fill(make_fill("buy", "0.01", 40_000, symbol="BTC/USD", fee="0.01", fee_currency="BTC"))


def test_starting_cash_must_be_a_finite_decimal() -> None:
    with pytest.raises(LedgerError, match="field 'starting_cash': must be a finite Decimal"):
        Portfolio(1000.0)  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match="starting_cash"):
        Portfolio(Decimal("NaN"))


def test_reconcile_names_the_symbol_and_both_numbers_when_a_position_is_off() -> None:
    book = Portfolio(dec(1_000))
    book.apply_fill(make_fill("buy", 3, 100))
    book._open["SPY"].qty = dec(4)  # corrupt the books behind the ledger's back
    with pytest.raises(
        ReconcileError, match=r"for SPY: position quantity is 4 but the fills give 3 \(difference 1\)"
    ):
        book.reconcile()


def test_reconcile_catches_cash_fee_and_cost_drift() -> None:
    book = Portfolio(dec(1_000))
    book.apply_fill(make_fill("buy", 3, 100, fee=1))
    book.cash += dec("0.01")
    with pytest.raises(ReconcileError, match=r"for USD: cash is 699.01 but the fills give 699"):
        book.reconcile()
    book.cash = dec(699)
    book.fees = dec(2)
    with pytest.raises(ReconcileError, match=r"fees paid is 2 but the fills give 1"):
        book.reconcile()
    book.fees = dec(1)
    book._open["SPY"].cost = dec(301)
    with pytest.raises(ReconcileError, match=r"cash \+ positions at cost .* is 1000 but the fills give 999"):
        book.reconcile()


def test_float_marks_read_as_their_decimal_text_in_exact_views() -> None:
    book = Portfolio(dec(1_000))
    book.apply_fill(make_fill("buy", 3, "0.1"))
    assert book.mark(ns(0), {"SPY": 0.3}) == pytest.approx(1_000.6)
    assert book.last_price("SPY") == dec("0.3")
    assert book.equity() == dec("1000.6")  # 999.7 cash + 3 x 0.3, not 3 x 0.299999999999999988898
    assert book.unrealised_pnl() == dec("0.6")


@pytest.mark.parametrize("price", [0.0, -1.0, float("nan"), float("inf"), Decimal(0)])
def test_mark_refuses_a_price_that_is_not_positive_and_finite(price: float | Decimal) -> None:
    book = Portfolio(dec(1_000))
    book.apply_fill(make_fill("buy", 1, 10))
    with pytest.raises(LedgerError, match=r"mark at \d+: field 'SPY': price must be positive and finite"):
        book.mark(ns(1), {"SPY": price})
    assert book.last_price("SPY") == dec(10)
    assert len(book.curve) == 0
