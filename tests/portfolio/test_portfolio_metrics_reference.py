"""Metrics checked against a plain-loop reference implementation on real SPY daily closes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from metrics_reference import curve_reference, trade_reference

from trader.data import load_bars, us_equity
from trader.models import Fill, Side, Timeframe
from trader.portfolio import Metrics, Portfolio, compute_metrics, periods_per_year

LOOKBACK = 50


def _fill(i: int, stamp: int, qty: int, price: Decimal) -> Fill:
    return Fill(
        fill_id=f"f{i}",
        order_id=f"o{i}",
        client_order_id=f"c{i}",
        symbol="SPY",
        side=Side.BUY if qty > 0 else Side.SELL,
        qty=Decimal(abs(qty)),
        price=price,
        fee=Decimal(1),
        fee_currency="USD",
        timestamp=datetime.fromtimestamp(stamp // 10**9, tz=UTC),
    )


@pytest.fixture(scope="module")
def run(samples_dir: Path) -> tuple[Portfolio, Metrics]:
    """Hold 10 SPY while the close is above the close 50 days before; trade at the close, $1 a fill."""
    bars = load_bars(samples_dir / "SPY_1d.csv")
    closes = [Decimal(repr(c)) for c in bars.close.tolist()]
    stamps = bars.ts.tolist()
    last = len(closes) - 1
    book = Portfolio(Decimal(10_000))
    for i, (stamp, close) in enumerate(zip(stamps, closes, strict=True)):
        want = 10 if LOOKBACK <= i < last and close > closes[i - LOOKBACK] else 0
        qty = want - int(book.position_qty("SPY"))
        if qty:
            book.apply_fill(_fill(i, stamp, qty, close))
        book.mark(stamp, {"SPY": close})
    curve = book.curve.arrays()
    per_year = periods_per_year(Timeframe.D1, us_equity())
    metrics = compute_metrics(
        curve.ts,
        curve.equity,
        book.trades.closed,
        periods_per_year=per_year,
        gross_exposure=curve.gross_exposure,
    )
    return book, metrics


def test_the_ledger_reconciles_over_a_real_run(run: tuple[Portfolio, Metrics]) -> None:
    book, metrics = run
    book.reconcile()
    assert book.symbols == []
    assert metrics.trades > 50
    assert sum((t.pnl for t in book.trades.closed), Decimal(0)) == book.equity() - book.starting_cash
    assert book.curve.equity[-1] == book.equity()
    assert 0 < metrics.exposure_time < 1  # type: ignore[operator]


def test_metrics_match_the_plain_loop_reference_on_spy(run: tuple[Portfolio, Metrics]) -> None:
    book, metrics = run
    curve = book.curve.arrays()
    expected = curve_reference(curve.ts.tolist(), curve.equity.tolist(), 252) | trade_reference(
        book.trades.closed
    )
    for name, value in expected.items():
        assert getattr(metrics, name) == pytest.approx(value, rel=1e-9), name
    assert metrics.max_drawdown > 0.05  # the run did see losses: the comparison is not vacuous


def test_buy_and_hold_spy_matches_the_reference(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    equity = 10_000 * bars.close / bars.close[0]
    m = compute_metrics(bars.ts, equity, periods_per_year=252)
    for name, value in curve_reference(bars.ts.tolist(), equity.tolist(), 252).items():
        assert getattr(m, name) == pytest.approx(value, rel=1e-9), name
    assert m.max_drawdown == pytest.approx(1 - 68.11 / 156.40)  # closes of 2007-10-09 and 2009-03-09
