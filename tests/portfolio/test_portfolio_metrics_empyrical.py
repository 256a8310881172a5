"""Our curve metrics agree with empyrical (the library behind pyfolio) on real daily and hourly series."""

from __future__ import annotations

from pathlib import Path

import empyrical
import numpy as np
import pytest

from trader.data import CRYPTO, load_bars, us_equity
from trader.portfolio import compute_metrics, periods_per_year


@pytest.mark.parametrize(
    ("sample", "calendar"),
    [("SPY_1d.csv", us_equity()), ("BTCUSDT_1d.csv", CRYPTO), ("BTCUSD_1h.csv", CRYPTO)],
)
def test_curve_metrics_match_empyrical(samples_dir: Path, sample: str, calendar: object) -> None:
    bars = load_bars(samples_dir / sample)
    assert bars.timeframe is not None
    per_year = periods_per_year(bars.timeframe, calendar)  # type: ignore[arg-type]
    equity = 1_000 * bars.close / bars.close[0]
    returns = equity[1:] / equity[:-1] - 1
    ours = compute_metrics(bars.ts, equity, periods_per_year=per_year, risk_free_rate=0.0)
    theirs = {
        "total_return": empyrical.cum_returns_final(returns),
        "cagr": empyrical.cagr(returns, annualization=per_year),
        "volatility": empyrical.annual_volatility(returns, annualization=per_year),
        "sharpe": empyrical.sharpe_ratio(returns, annualization=per_year),
        "sortino": empyrical.sortino_ratio(returns, annualization=per_year),
        "max_drawdown": -empyrical.max_drawdown(returns),
        "calmar": empyrical.calmar_ratio(returns, annualization=per_year),
    }
    for name, value in theirs.items():
        assert getattr(ours, name) == pytest.approx(float(np.asarray(value)), rel=1e-9), name
