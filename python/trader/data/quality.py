"""Quality report for bars: integrity errors (duplicates, order, prices, OHLC) and warnings (gaps, jumps)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from trader.data.bars import PRICE_COLUMNS, VALUE_COLUMNS, Bars
from trader.data.calendar import MarketCalendar, detect_calendar
from trader.models import Timeframe


class Severity(StrEnum):
    """Errors make data unusable as it is; warnings are worth a look but may be real market behaviour."""

    ERROR = "error"
    WARNING = "warning"


class Kind(StrEnum):
    """What a finding is about."""

    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    NOT_FINITE = "not_finite"
    NON_POSITIVE_PRICE = "non_positive_price"
    OHLC_INCONSISTENT = "ohlc_inconsistent"
    NEGATIVE_VOLUME = "negative_volume"
    GAP = "gap"
    OFF_CALENDAR = "off_calendar"
    ZERO_VOLUME = "zero_volume"
    OUTLIER_JUMP = "outlier_jump"
    SPLIT_LIKE_JUMP = "split_like_jump"


ERROR_KINDS = frozenset(
    {
        Kind.DUPLICATE,
        Kind.OUT_OF_ORDER,
        Kind.NOT_FINITE,
        Kind.NON_POSITIVE_PRICE,
        Kind.OHLC_INCONSISTENT,
        Kind.NEGATIVE_VOLUME,
    }
)

# Common split ratios (forward N:1 and 3:2, 5:4) and reverse splits (1:20); inverses are added below.
_SPLITS = (2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 1.5, 1.25, 1 / 20)
SPLIT_RATIOS = tuple(sorted({*_SPLITS, *(1 / r for r in _SPLITS)}))
MAX_JUMP_SPAN = 7 * 86_400 * 1_000_000_000  # ns; see _jump_findings
_MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Thresholds: outliers beyond `outlier_mads` robust deviations; split ratios within a log tolerance."""

    outlier_mads: float = 10.0
    split_tolerance: float = 0.06
    split_ratios: tuple[float, ...] = SPLIT_RATIOS


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one source line (None for whole-file findings)."""

    severity: Severity
    kind: Kind
    line: int | None
    message: str
    missing: int = 0  # bars missing, for gaps


@dataclass(frozen=True, slots=True)
class QualityReport:
    """All findings for one bar series."""

    source: str | None
    symbol: str
    timeframe: Timeframe | None
    calendar: str
    rows: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[Finding]:
        """Findings of error severity."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def of_kind(self, kind: Kind) -> list[Finding]:
        """Findings of one kind, in line order."""
        return [f for f in self.findings if f.kind == kind]

    def counts(self) -> Counter[Kind]:
        """How many findings of each kind."""
        return Counter(f.kind for f in self.findings)


def iso(ns: int | np.integer) -> str:
    """ISO-8601 UTC text of a ns timestamp."""
    text = str(np.datetime64(int(ns), "ns").astype("datetime64[s]"))
    return f"{text}Z"


def _finding(kind: Kind, line: int | None, message: str, missing: int = 0) -> Finding:
    severity = Severity.ERROR if kind in ERROR_KINDS else Severity.WARNING
    return Finding(severity, kind, line, message, missing)


def check(
    bars: Bars, *, calendar: MarketCalendar | None = None, config: QualityConfig | None = None
) -> QualityReport:
    """Every finding for `bars` in file order; the calendar is detected when not given."""
    cal = calendar if calendar is not None else detect_calendar(bars)
    cfg = config if config is not None else QualityConfig()
    findings = [*_order_findings(bars), *_row_findings(bars)]
    clean = _clean_sorted(bars)
    findings += _calendar_findings(clean, cal)
    findings += _jump_findings(clean, cfg)
    findings.sort(key=lambda f: (f.line if f.line is not None else 0, f.kind.value))
    return QualityReport(bars.source, bars.symbol, bars.timeframe, cal.name, len(bars), tuple(findings))


def _order_findings(bars: Bars) -> list[Finding]:
    out: list[Finding] = []
    ts, lines = bars.ts, bars.lines
    if len(bars) < 2:
        return out
    running_max = np.maximum.accumulate(ts)
    out.extend(
        _finding(Kind.OUT_OF_ORDER, int(lines[i]), f"{iso(ts[i])} comes after a later timestamp")
        for i in np.flatnonzero(ts[1:] < running_max[:-1]) + 1
    )
    order = np.argsort(ts, kind="stable")
    sorted_ts = ts[order]
    first_of_run = np.concatenate(([0], np.flatnonzero(sorted_ts[1:] != sorted_ts[:-1]) + 1))
    run_first = np.repeat(first_of_run, np.diff(np.concatenate((first_of_run, [ts.size]))))
    for k in np.flatnonzero(np.arange(ts.size) != run_first):
        i, j = int(order[k]), int(order[run_first[k]])
        same = all(_same(getattr(bars, name)[i], getattr(bars, name)[j]) for name in VALUE_COLUMNS)
        what = "identical to" if same else "same timestamp as, but different values from,"
        out.append(_finding(Kind.DUPLICATE, int(lines[i]), f"{iso(ts[i])} {what} line {int(lines[j])}"))
    return out


def _same(a: float, b: float) -> bool:
    return bool(a == b or (np.isnan(a) and np.isnan(b)))


def _row_findings(bars: Bars) -> list[Finding]:
    out: list[Finding] = []
    lines = bars.lines
    o, h, lo, c, v = (getattr(bars, name) for name in VALUE_COLUMNS)
    values = np.stack([o, h, lo, c, v])
    finite = np.isfinite(values).all(axis=0)
    for i in np.flatnonzero(~finite):
        bad = [name for name, x in zip(VALUE_COLUMNS, values[:, i], strict=True) if not np.isfinite(x)]
        out.append(_finding(Kind.NOT_FINITE, int(lines[i]), f"{', '.join(bad)} not a finite number"))
    with np.errstate(invalid="ignore"):
        prices = values[:4]
        for i in np.flatnonzero(finite & (prices <= 0).any(axis=0)):
            bad = [f"{n}={x:g}" for n, x in zip(PRICE_COLUMNS, prices[:, i], strict=True) if x <= 0]
            out.append(
                _finding(Kind.NON_POSITIVE_PRICE, int(lines[i]), f"price must be positive: {', '.join(bad)}")
            )
        inconsistent = finite & ((h < np.maximum(o, c)) | (lo > np.minimum(o, c)) | (h < lo))
        for i in np.flatnonzero(inconsistent):
            text = f"open={o[i]:g} high={h[i]:g} low={lo[i]:g} close={c[i]:g}"
            out.append(
                _finding(Kind.OHLC_INCONSISTENT, int(lines[i]), f"high/low do not contain the bar: {text}")
            )
        out.extend(
            _finding(Kind.NEGATIVE_VOLUME, int(lines[i]), f"volume is negative ({v[i]:g})")
            for i in np.flatnonzero(finite & (v < 0))
        )
        out.extend(
            _finding(Kind.ZERO_VOLUME, int(lines[i]), f"{iso(bars.ts[i])} has zero volume")
            for i in np.flatnonzero(finite & (v == 0))
        )
    return out


def _clean_sorted(bars: Bars) -> Bars:
    """Rows usable for series checks: finite and positive, sorted by time, first of each timestamp."""
    values = np.stack([getattr(bars, name) for name in VALUE_COLUMNS])
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(values).all(axis=0) & (values[:4] > 0).all(axis=0)
    kept = bars.take(np.flatnonzero(usable))
    order = np.argsort(kept.ts, kind="stable")
    sorted_bars = kept.take(order)
    first = (
        np.concatenate(([True], sorted_bars.ts[1:] != sorted_bars.ts[:-1]))
        if len(sorted_bars)
        else usable[:0]
    )
    return sorted_bars.take(np.flatnonzero(first))


def _calendar_findings(bars: Bars, cal: MarketCalendar) -> list[Finding]:
    if bars.timeframe is None or len(bars) < 2:
        return []
    expected = cal.expected_opens(int(bars.ts[0]), int(bars.ts[-1]), bars.timeframe)
    out: list[Finding] = []
    missing = ~_contains(bars.ts, expected)
    if missing.any():
        # Runs of consecutive missing expected opens make one gap each.
        edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
        for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            after = int(np.searchsorted(bars.ts, expected[start]))
            count = int(stop - start)
            where = f"{iso(expected[start])} .. {iso(expected[stop - 1])}"
            message = (
                f"{count} missing {bars.timeframe.value} bar{'s' if count > 1 else ''} ({cal.name}): {where}"
            )
            out.append(_finding(Kind.GAP, int(bars.lines[after]), message, missing=count))
    for i in np.flatnonzero(~_contains(expected, bars.ts)):
        message = f"{iso(bars.ts[i])} is outside the {cal.name} calendar's trading days/session"
        out.append(_finding(Kind.OFF_CALENDAR, int(bars.lines[i]), message))
    return out


def _contains(haystack: NDArray[np.int64], needles: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Membership of each needle in a sorted haystack (binary search; np.isin hashes and is far slower)."""
    if haystack.size == 0:
        return np.zeros(needles.size, dtype=np.bool_)
    pos = np.minimum(np.searchsorted(haystack, needles), haystack.size - 1)
    return np.asarray(haystack[pos] == needles)


def _jump_findings(bars: Bars, cfg: QualityConfig) -> list[Finding]:
    if len(bars) < 3:
        return []
    out: list[Finding] = []
    # A move across a long hole in the data (separate days glued together) says nothing about one bar.
    near = np.diff(bars.ts) <= MAX_JUMP_SPAN
    ratio = bars.close[:-1] / bars.open[1:]
    targets = np.log(np.asarray(cfg.split_ratios))
    distance = np.abs(np.log(ratio)[:, None] - targets[None, :]) / np.abs(targets)[None, :]
    best = distance.argmin(axis=1)
    split_like = near & (distance[np.arange(ratio.size), best] <= cfg.split_tolerance)
    for i in np.flatnonzero(split_like):
        label = _split_label(cfg.split_ratios[best[i]])
        message = (
            f"{iso(bars.ts[i + 1])}: close {bars.close[i]:g} -> next open {bars.open[i + 1]:g} "
            f"(ratio {ratio[i]:.3f}) looks like a {label} split"
        )
        out.append(_finding(Kind.SPLIT_LIKE_JUMP, int(bars.lines[i + 1]), message))
    returns = np.diff(np.log(bars.close))
    center, scale = _robust_center_scale(returns[near])
    if scale > 0:
        deviation = np.abs(returns - center) / scale
        for i in np.flatnonzero(near & (deviation > cfg.outlier_mads) & ~split_like):
            message = (
                f"{iso(bars.ts[i + 1])}: close {bars.close[i]:g} -> {bars.close[i + 1]:g} "
                f"({np.expm1(returns[i]):+.1%}) is {deviation[i]:.0f} robust deviations from typical"
            )
            out.append(_finding(Kind.OUTLIER_JUMP, int(bars.lines[i + 1]), message))
    return out


def _robust_center_scale(returns: NDArray[np.float64]) -> tuple[float, float]:
    """Median and scaled MAD of the non-zero returns (the many flat bars of sparse data shrink MAD to 0)."""
    moving = returns[returns != 0]
    if moving.size == 0:
        return 0.0, 0.0
    center = float(np.median(moving))
    return center, float(np.median(np.abs(moving - center))) * _MAD_TO_SIGMA


def _split_label(ratio: float) -> str:
    """2.0 -> '2:1', 1.5 -> '3:2', 0.05 -> '1:20 reverse'."""
    frac = Fraction(ratio).limit_denominator(20)
    label = f"{frac.numerator}:{frac.denominator}"
    return label if ratio > 1 else f"{label} reverse"
