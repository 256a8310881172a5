"""Performance metrics of a run: returns, risk-adjusted ratios, drawdowns, exposure and trade statistics."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from trader.portfolio.drawdown import drawdown
from trader.portfolio.errors import MetricsError
from trader.portfolio.trade_stats import ZERO_SPREAD, trade_stats
from trader.portfolio.trades import RoundTrip

SIGNIFICANT_DIGITS = 10
"""Floats in `to_dict` are rounded to this many significant digits, so summaries are byte-identical
across machines whose last-bit float results differ (SIMD sums, libm)."""

_MAX_EXP = math.log(sys.float_info.max)

F64Array = NDArray[np.float64]
I64Array = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Metrics:
    """A run's performance summary; formulas and undefined cases (None) are in docs/metrics.md."""

    start: str
    end: str
    bars: int
    periods_per_year: float
    years: float
    start_equity: float
    end_equity: float
    total_return: float
    cagr: float | None
    volatility: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_bars: int
    max_drawdown_days: float
    calmar: float | None
    exposure_time: float | None
    avg_gross_exposure: float | None
    trades: int
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    avg_r: float | None
    avg_holding_days: float | None
    sqn: float | None

    def to_dict(self) -> dict[str, str | int | float | None]:
        """Fields in declaration order, floats rounded to 10 significant digits (for summary.json)."""
        return {f.name: _rounded(getattr(self, f.name)) for f in fields(self)}


def compute_metrics(
    ts: I64Array,
    equity: F64Array,
    trades: Sequence[RoundTrip] = (),
    *,
    periods_per_year: float,
    gross_exposure: F64Array | None = None,
    risk_free_rate: float = 0.0,
) -> Metrics:
    """Metrics of an equity curve sampled once per bar at `ts` (ns UTC), and of its round trips.

    `periods_per_year` is the annualisation factor (see `annualisation.periods_per_year`);
    `gross_exposure` (per bar, in money) enables the exposure metrics; `risk_free_rate` is annual.
    """
    ts, equity = _checked(ts, equity, periods_per_year)
    if not (math.isfinite(risk_free_rate) and risk_free_rate > -1.0):
        raise MetricsError(f"risk_free_rate must be a finite annual rate above -1 (got {risk_free_rate!r})")
    returns = _returns(equity)
    rf = (1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0
    excess = None if returns is None else returns - rf
    years = (equity.size - 1) / periods_per_year
    total = float(equity[-1] / equity[0] - 1.0)
    cagr = _cagr(float(equity[-1] / equity[0]), years)
    dd = drawdown(ts, equity)
    stats = trade_stats(trades)
    exposure_time, avg_gross = _exposure(gross_exposure, equity)
    return Metrics(
        start=_iso(int(ts[0])),
        end=_iso(int(ts[-1])),
        bars=int(equity.size),
        periods_per_year=float(periods_per_year),
        years=years,
        start_equity=float(equity[0]),
        end_equity=float(equity[-1]),
        total_return=total,
        cagr=cagr,
        volatility=_volatility(returns, periods_per_year),
        sharpe=_sharpe(excess, periods_per_year),
        sortino=_sortino(excess, periods_per_year),
        max_drawdown=dd.depth,
        max_drawdown_bars=dd.longest_bars,
        max_drawdown_days=dd.longest_days,
        calmar=None if cagr is None or dd.depth == 0 else cagr / dd.depth,
        exposure_time=exposure_time,
        avg_gross_exposure=avg_gross,
        trades=stats.trades,
        win_rate=stats.win_rate,
        profit_factor=stats.profit_factor,
        expectancy=stats.expectancy,
        avg_r=stats.avg_r,
        avg_holding_days=stats.avg_holding_days,
        sqn=stats.sqn,
    )


def _checked(ts: I64Array, equity: F64Array, periods_per_year: float) -> tuple[I64Array, F64Array]:
    ts = np.asarray(ts, dtype=np.int64)
    equity = np.asarray(equity, dtype=np.float64)
    if ts.ndim != 1 or equity.ndim != 1 or ts.size != equity.size:
        raise MetricsError(f"ts and equity must be 1-D of one length (got {ts.shape} and {equity.shape})")
    if equity.size == 0:
        raise MetricsError("the equity curve is empty: nothing to measure")
    if not (math.isfinite(periods_per_year) and periods_per_year > 0):
        raise MetricsError(f"periods_per_year must be a positive number (got {periods_per_year!r})")
    bad = np.flatnonzero(~np.isfinite(equity))
    if bad.size:
        raise MetricsError(f"equity[{bad[0]}] is not a finite number (got {float(equity[bad[0]])!r})")
    if equity[0] <= 0:
        raise MetricsError(f"equity[0] must be positive to measure returns from (got {float(equity[0])!r})")
    unordered = np.flatnonzero(np.diff(ts) <= 0)
    if unordered.size:
        i = int(unordered[0]) + 1
        raise MetricsError(f"ts must strictly increase: ts[{i}] = {ts[i]} follows ts[{i - 1}] = {ts[i - 1]}")
    return ts, equity


def _returns(equity: F64Array) -> F64Array | None:
    # Simple returns bar to bar; undefined once equity has been at or below zero (no base to divide by).
    if equity.size < 2 or bool((equity[:-1] <= 0).any()):
        return None
    returns: F64Array = equity[1:] / equity[:-1] - 1.0
    return returns


def _cagr(growth: float, years: float) -> float | None:
    if years <= 0:
        return None
    if growth <= 0:
        return -1.0  # everything lost: the one growth rate that gets there
    exponent = math.log(growth) / years
    if exponent > _MAX_EXP:
        return None  # a short run annualised past any float (+30 % over two hourly bars)
    return math.expm1(exponent)


def _volatility(returns: F64Array | None, periods_per_year: float) -> float | None:
    if returns is None or returns.size < 2:
        return None
    return float(returns.std(ddof=1)) * math.sqrt(periods_per_year)


def _sharpe(excess: F64Array | None, periods_per_year: float) -> float | None:
    if excess is None or excess.size < 2:
        return None
    spread = float(excess.std(ddof=1))
    if spread <= ZERO_SPREAD:
        return None
    return float(excess.mean()) / spread * math.sqrt(periods_per_year)


def _sortino(excess: F64Array | None, periods_per_year: float) -> float | None:
    if excess is None or excess.size < 2:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside <= ZERO_SPREAD:
        return None
    return float(excess.mean()) / downside * math.sqrt(periods_per_year)


def _exposure(gross: F64Array | None, equity: F64Array) -> tuple[float | None, float | None]:
    if gross is None:
        return None, None
    gross = np.asarray(gross, dtype=np.float64)
    if gross.shape != equity.shape:
        raise MetricsError(f"gross_exposure must match the equity curve (got {gross.shape}, {equity.shape})")
    time_in_market = float(np.count_nonzero(gross > 0)) / gross.size
    if bool((equity <= 0).any()):
        return time_in_market, None  # a share of a non-positive equity means nothing
    return time_in_market, float(np.mean(gross / equity))


def _iso(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}Z" if nanos else f"{text}Z"


def _rounded(value: object) -> str | int | float | None:
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") + 0.0  # + 0.0 turns -0.0 into 0.0
    if value is None or isinstance(value, str | int):
        return value
    raise TypeError(f"unexpected metric value {value!r}")
