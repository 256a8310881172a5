"""Metrics on hand-worked series, their defined results at the edges, and the summary's stable form."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from portfolio_helpers import T0, dec, ns

from trader.portfolio import MetricsError, RoundTrip, compute_metrics, drawdown_series


def days(count: int) -> np.ndarray:
    return np.array([ns(day) for day in range(count)], dtype=np.int64)


def trip(pnl: str | int, *, held_days: int = 1, risk: str | None = None) -> RoundTrip:
    """A long round trip of one unit from 100 whose gross P&L is `pnl` (no fees)."""
    return RoundTrip(
        symbol="SPY",
        direction="long",
        qty=dec(1),
        entry_time=T0,
        entry_price=dec(100),
        exit_time=T0 + timedelta(days=held_days),
        exit_price=dec(100) + dec(pnl),
        gross_pnl=dec(pnl),
        fees=dec(0),
        entry_order="a",
        exit_order="b",
        initial_risk=None if risk is None else Decimal(risk),
    )


def test_hand_worked_curve() -> None:
    # Returns +10 %, -10 %, +22.2 %; three bars a year, so the three returns span exactly one year.
    equity = np.array([100.0, 110.0, 99.0, 121.0])
    m = compute_metrics(days(4), equity, periods_per_year=3)
    assert (m.bars, m.years, m.start_equity, m.end_equity) == (4, 1.0, 100.0, 121.0)
    assert m.total_return == pytest.approx(0.21)
    assert m.cagr == pytest.approx(0.21)
    mean = (0.1 - 0.1 + 2 / 9) / 3
    sample_var = ((0.1 - mean) ** 2 + (-0.1 - mean) ** 2 + (2 / 9 - mean) ** 2) / 2
    assert m.volatility == pytest.approx(math.sqrt(sample_var) * math.sqrt(3))
    assert m.sharpe == pytest.approx(mean / math.sqrt(sample_var) * math.sqrt(3))
    assert m.sortino == pytest.approx(6 / 2.7)  # (2/27) / sqrt(0.01 / 3) x sqrt(3)
    assert m.max_drawdown == pytest.approx(0.1)  # 110 -> 99
    assert (m.max_drawdown_bars, m.max_drawdown_days) == (2, 2.0)  # peak day 1, back above on day 3
    assert m.calmar == pytest.approx(2.1)
    assert (m.start, m.end) == ("2024-01-02T14:30:00Z", "2024-01-05T14:30:00Z")


def test_risk_free_rate_is_taken_per_period_from_the_annual_rate() -> None:
    equity = np.array([100.0, 110.0, 99.0, 121.0])
    m = compute_metrics(days(4), equity, periods_per_year=3, risk_free_rate=0.331)
    rf = 1.331 ** (1 / 3) - 1  # 10 % a period
    excess = np.array([0.1, -0.1, 2 / 9]) - rf
    assert rf == pytest.approx(0.1)
    assert m.sharpe == pytest.approx(excess.mean() / excess.std(ddof=1) * math.sqrt(3))


def test_unrecovered_drawdown_lasts_until_the_last_bar() -> None:
    equity = np.array([100.0, 120.0, 90.0, 80.0, 110.0, 115.0])
    m = compute_metrics(days(6), equity, periods_per_year=252)
    assert m.max_drawdown == pytest.approx(1 - 80 / 120)
    assert (m.max_drawdown_bars, m.max_drawdown_days) == (4, 4.0)


def test_duration_in_days_follows_the_timestamps_not_the_bar_count() -> None:
    ts = np.array([ns(0), ns(1), ns(2), ns(10), ns(11), ns(12)], dtype=np.int64)
    equity = np.array([100.0, 90.0, 100.0, 95.0, 96.0, 101.0])
    m = compute_metrics(ts, equity, periods_per_year=252)
    assert m.max_drawdown_bars == 3  # the second spell: day 2 -> day 12 (3 bars)
    assert m.max_drawdown_days == 10.0


def test_trade_statistics_hand_worked() -> None:
    trades = [
        trip(10, held_days=1, risk="5"),
        trip(-5, held_days=2),
        trip(20, held_days=3, risk="10"),
        trip(-5),
    ]
    m = compute_metrics(days(2), np.array([100.0, 120.0]), trades, periods_per_year=252)
    assert m.trades == 4
    assert m.win_rate == 0.5
    assert m.profit_factor == pytest.approx(3.0)  # 30 / 10
    assert m.expectancy == pytest.approx(5.0)
    assert m.avg_r == pytest.approx(2.0)  # only trades with a known risk: 10/5 and 20/10
    assert m.avg_holding_days == pytest.approx(7 / 4)
    assert m.sqn == pytest.approx(2 * 5 / math.sqrt(150))  # sample std of [10, -5, 20, -5]


def test_exposure_from_gross_exposure_per_bar() -> None:
    equity = np.array([100.0, 100.0, 200.0, 100.0])
    gross = np.array([0.0, 50.0, 200.0, 0.0])
    m = compute_metrics(days(4), equity, periods_per_year=252, gross_exposure=gross)
    assert m.exposure_time == 0.5
    assert m.avg_gross_exposure == pytest.approx((0 + 0.5 + 1 + 0) / 4)


def test_edge_cases_have_their_documented_values() -> None:
    flat = compute_metrics(days(5), np.full(5, 1_000.0), periods_per_year=252)
    assert (flat.total_return, flat.cagr, flat.max_drawdown) == (0.0, 0.0, 0.0)
    assert (flat.volatility, flat.sharpe, flat.sortino, flat.calmar) == (0.0, None, None, None)
    assert (flat.trades, flat.win_rate, flat.profit_factor, flat.expectancy, flat.sqn) == (
        0,
        None,
        None,
        None,
        None,
    )
    assert (flat.exposure_time, flat.avg_gross_exposure) == (None, None)

    one = compute_metrics(days(1), np.array([50.0]), periods_per_year=252)
    assert (one.total_return, one.years, one.cagr, one.volatility, one.sharpe) == (0.0, 0.0, None, None, None)

    rising = compute_metrics(days(3), np.array([100.0, 110.0, 121.0]), periods_per_year=252)
    assert rising.sharpe is None  # constant 10 % returns: zero spread
    assert rising.sortino is None  # no return below zero: no downside
    assert rising.max_drawdown == 0.0
    assert rising.calmar is None

    winners = compute_metrics(days(2), np.array([100.0, 130.0]), [trip(10), trip(20)], periods_per_year=252)
    assert (winners.win_rate, winners.profit_factor, winners.avg_r) == (1.0, None, None)
    assert winners.sqn == pytest.approx(math.sqrt(2) * 15 / math.sqrt(50))


def test_cagr_beyond_the_float_range_is_undefined() -> None:
    m = compute_metrics(days(3), np.array([100.0, 130.0, 120.0]), periods_per_year=8_760)
    assert (m.cagr, m.calmar) == (None, None)
    assert m.total_return == pytest.approx(0.2)


def test_a_wiped_out_account_has_cagr_minus_one_and_no_return_ratios() -> None:
    m = compute_metrics(days(4), np.array([100.0, 50.0, -10.0, 5.0]), periods_per_year=252)
    assert m.total_return == pytest.approx(-0.95)
    assert m.max_drawdown == pytest.approx(1.1)  # 110 % below the peak: owing more than was put in
    assert (m.volatility, m.sharpe, m.sortino) == (None, None, None)
    wiped = compute_metrics(days(3), np.array([100.0, 50.0, -10.0]), periods_per_year=252)
    assert wiped.cagr == -1.0


@pytest.mark.parametrize(
    ("ts", "equity", "per_year", "message"),
    [
        (days(3), np.array([1.0, 2.0]), 252, r"one length \(got \(3,\) and \(2,\)\)"),
        (days(0), np.array([]), 252, "empty"),
        (days(2), np.array([1.0, np.nan]), 252, r"equity\[1\] is not a finite number \(got nan\)"),
        (days(2), np.array([0.0, 1.0]), 252, r"equity\[0\] must be positive"),
        (days(3)[::-1].copy(), np.ones(3), 252, r"ts must strictly increase: ts\[1\] = \d+ follows ts\[0\]"),
        (days(2), np.ones(2), 0, r"periods_per_year must be a positive number \(got 0\)"),
    ],
)
def test_bad_input_is_refused_with_what_and_where(
    ts: np.ndarray, equity: np.ndarray, per_year: float, message: str
) -> None:
    with pytest.raises(MetricsError, match=message):
        compute_metrics(ts, equity, periods_per_year=per_year)


def test_risk_free_rate_must_be_a_rate() -> None:
    with pytest.raises(
        MetricsError, match=r"risk_free_rate must be a finite annual rate above -1 \(got -1.0\)"
    ):
        compute_metrics(days(3), np.ones(3), periods_per_year=252, risk_free_rate=-1.0)


def test_gross_exposure_must_match_the_curve() -> None:
    with pytest.raises(MetricsError, match="gross_exposure must match"):
        compute_metrics(days(3), np.ones(3), periods_per_year=252, gross_exposure=np.ones(2))


def test_to_dict_has_a_stable_order_and_rounds_floats() -> None:
    equity = np.array([100.0, 100.1, 99.7, 100.3])
    m = compute_metrics(days(4), equity, [trip(1), trip(-2)], periods_per_year=252)
    summary = m.to_dict()
    assert list(summary)[:8] == [
        "start", "end", "bars", "periods_per_year", "years", "start_equity", "end_equity", "total_return"
    ]  # fmt: skip
    assert list(summary)[-7:] == [
        "trades", "win_rate", "profit_factor", "expectancy", "avg_r", "avg_holding_days", "sqn"
    ]  # fmt: skip
    assert summary["total_return"] == 0.003  # 100.3 / 100 - 1 = 0.0030000000000001137 in binary
    assert summary["years"] == 0.01190476190  # 3 / 252 to 10 significant digits
    assert summary["avg_r"] is None
    assert isinstance(summary["bars"], int)
    text = json.dumps(summary)
    again = compute_metrics(days(4), equity.copy(), [trip(1), trip(-2)], periods_per_year=252)
    assert json.dumps(again.to_dict()) == text
    assert "NaN" not in text
    assert "Infinity" not in text


def test_drawdown_series_is_the_fall_from_the_running_peak() -> None:
    series = drawdown_series(np.array([100.0, 120.0, 90.0, 130.0, 117.0]))
    assert series.tolist() == pytest.approx([0.0, 0.0, 0.25, 0.0, 0.1])
